// Tests of the batch protocol's output parser (daemon/fleet/batch_protocol): lines split anywhere
// across chunks, CR LF, empty and malformed lines, both modes' results, messages made printable,
// an overlong line reported once with bounded memory, and a fleet-sized output.
#include "fleet/batch_protocol.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace maint {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

struct Bad {
    std::string line;
    std::string why;
};

// A parser that records what it hands out.
class Recorder {
  public:
    explicit Recorder(BatchMode mode = BatchMode::Flip)
        : parser_(
              mode, [this](BatchLine l) { lines.push_back(std::move(l)); },
              [this](std::string line, std::string why) {
                  bad.push_back({std::move(line), std::move(why)});
              }) {}

    BatchOutputParser& parser() { return parser_; }
    // The whole output in one chunk, then its end.
    Recorder& all(std::string_view output) {
        parser_.feed(output);
        parser_.finish();
        return *this;
    }

    std::vector<BatchLine> lines;
    std::vector<Bad> bad;

  private:
    BatchOutputParser parser_;
};

void expect_line(const BatchLine& l, const std::string& host, BatchVerb verb,
                 const std::string& message) {
    EXPECT_EQ(l.host, host);
    EXPECT_EQ(l.verb, verb) << l.host;
    EXPECT_EQ(l.message, message) << l.host;
}

TEST(BatchOutputParser, FlipResults) {
    Recorder r;
    r.all("node1 ok\nnode2 failed scontrol: Invalid node name specified\nnode3 ok drained\n");
    ASSERT_THAT(r.lines, SizeIs(3));
    expect_line(r.lines[0], "node1", BatchVerb::Ok, "");
    expect_line(r.lines[1], "node2", BatchVerb::Failed, "scontrol: Invalid node name specified");
    expect_line(r.lines[2], "node3", BatchVerb::Ok, "drained");
    EXPECT_THAT(r.bad, IsEmpty());
}

TEST(BatchOutputParser, StatusResults) {
    Recorder r(BatchMode::Status);
    r.all("n1 maintenance drained by maintenanced\nn2 normal\nn3 unknown no such node\nn4 ok\n");
    ASSERT_THAT(r.lines, SizeIs(3));
    expect_line(r.lines[0], "n1", BatchVerb::Maintenance, "drained by maintenanced");
    expect_line(r.lines[1], "n2", BatchVerb::Normal, "");
    expect_line(r.lines[2], "n3", BatchVerb::Unknown, "no such node");
    ASSERT_THAT(r.bad, SizeIs(1));
    EXPECT_EQ(r.bad[0].line, "n4 ok");
    EXPECT_EQ(r.bad[0].why, "unknown result 'ok'; expected maintenance, normal or unknown");
}

TEST(BatchOutputParser, StatusVerbsAreNotFlipResults) {
    Recorder r(BatchMode::Flip);
    r.all("n1 maintenance\nn2 normal\nn3 unknown\n");
    EXPECT_THAT(r.lines, IsEmpty());
    ASSERT_THAT(r.bad, SizeIs(3));
    EXPECT_EQ(r.bad[0].why, "unknown result 'maintenance'; expected ok or failed");
}

TEST(BatchOutputParser, ALineSplitAnywhereAcrossChunks) {
    const std::string output =
        "node0001 ok\r\nnode0002 failed timed out\nnode0003 ok caf\xc3\xa9 \xe2\x82\xac\n";
    // One byte at a time: every split point, also inside CR LF and inside the UTF-8 sequences.
    Recorder r;
    for (const char c : output)
        r.parser().feed(std::string_view(&c, 1));
    r.parser().finish();
    ASSERT_THAT(r.lines, SizeIs(3));
    expect_line(r.lines[0], "node0001", BatchVerb::Ok, "");
    expect_line(r.lines[1], "node0002", BatchVerb::Failed, "timed out");
    expect_line(r.lines[2], "node0003", BatchVerb::Ok, "caf\xc3\xa9 \xe2\x82\xac");
    EXPECT_THAT(r.bad, IsEmpty());

    // And in two chunks at every split point, the same.
    for (std::size_t split = 0; split <= output.size(); ++split) {
        Recorder two;
        two.parser().feed(std::string_view(output).substr(0, split));
        two.parser().feed(std::string_view(output).substr(split));
        two.parser().finish();
        ASSERT_THAT(two.lines, SizeIs(3)) << split;
        EXPECT_EQ(two.lines[2].message, "caf\xc3\xa9 \xe2\x82\xac") << split;
        EXPECT_THAT(two.bad, IsEmpty()) << split;
    }
}

TEST(BatchOutputParser, CrLfAndEmptyLines) {
    Recorder r;
    r.all("\r\n\nnode1 ok\r\n   \r\n\t\nnode2 failed disk full\r\n\r\n");
    ASSERT_THAT(r.lines, SizeIs(2));
    expect_line(r.lines[0], "node1", BatchVerb::Ok, "");
    expect_line(r.lines[1], "node2", BatchVerb::Failed, "disk full");
    EXPECT_THAT(r.bad, IsEmpty()) << "empty and blank lines are skipped silently";
}

TEST(BatchOutputParser, MalformedLines) {
    Recorder r;
    r.all("node1\nnode2 done\nnode3 OK\n$(reboot) ok\n-x ok\nnode4 ok\n");
    ASSERT_THAT(r.lines, SizeIs(1));
    EXPECT_EQ(r.lines[0].host, "node4");
    ASSERT_THAT(r.bad, SizeIs(5));
    EXPECT_EQ(r.bad[0].line, "node1");
    EXPECT_EQ(r.bad[0].why, "no result after the host; expected ok or failed");
    EXPECT_EQ(r.bad[1].why, "unknown result 'done'; expected ok or failed");
    EXPECT_EQ(r.bad[2].why, "unknown result 'OK'; expected ok or failed") << "verbs are lower case";
    EXPECT_THAT(r.bad[3].why, HasSubstr("not a host name"));
    EXPECT_THAT(r.bad[3].why, HasSubstr("'$'"));
    EXPECT_THAT(r.bad[4].why, HasSubstr("starts with '-'"));
}

TEST(BatchOutputParser, MessagesKeepTheirSpacesAndLoseControlCharacters) {
    Recorder r;
    r.all(
        "  node1   failed   disk   is  full  \n"
        "node2 failed \x1b[31mred\x1b[0m\x07 bell\ttab\rcr\n"
        "node3 failed bidi \xe2\x80\xae"
        "evil\xe2\x80\xac and C1 \xc2\x9b and bad \xff byte\n");
    ASSERT_THAT(r.lines, SizeIs(3));
    expect_line(r.lines[0], "node1", BatchVerb::Failed, "disk   is  full");
    expect_line(r.lines[1], "node2", BatchVerb::Failed, "[31mred[0m bell tabcr");
    expect_line(r.lines[2], "node3", BatchVerb::Failed, "bidi evil and C1  and bad ? byte");
    // A bad line is made printable too.
    Recorder b;
    b.all("node1 \x1b[2Jdone\n");
    ASSERT_THAT(b.bad, SizeIs(1));
    EXPECT_EQ(b.bad[0].line, "node1 [2Jdone");
    EXPECT_EQ(b.bad[0].why, "unknown result '[2Jdone'; expected ok or failed");
}

TEST(BatchOutputParser, ALongMessageIsCutAtACharacterBoundary) {
    // 1023 ASCII bytes then a 2-byte character: cutting at 1024 would split it.
    const std::string message = std::string(kMaxBatchMessage - 1, 'm') + "\xc3\xa9" + "tail";
    Recorder r;
    r.all("node1 failed " + message + "\n");
    ASSERT_THAT(r.lines, SizeIs(1));
    EXPECT_EQ(r.lines[0].message, std::string(kMaxBatchMessage - 1, 'm'));
}

TEST(BatchOutputParser, AMebibyteLineIsReportedOnceAndCostsBoundedMemory) {
    Recorder r;
    const std::string huge = "node1 failed " + std::string(1 << 20, 'x');
    // In 4 KiB chunks, as a pipe delivers it, then more lines.
    for (std::size_t at = 0; at < huge.size(); at += 4096)
        r.parser().feed(std::string_view(huge).substr(at, 4096));
    r.parser().feed("\nnode2 ok\n");
    r.parser().finish();
    ASSERT_THAT(r.bad, SizeIs(1));
    EXPECT_EQ(r.bad[0].why, "line longer than 4096 bytes");
    EXPECT_EQ(r.bad[0].line, huge.substr(0, kMaxBatchMessage)) << "its start, cut";
    ASSERT_THAT(r.lines, SizeIs(1)) << "the next line is read as usual";
    EXPECT_EQ(r.lines[0].host, "node2");

    // Without a newline at all: reported once, at the end.
    Recorder endless;
    endless.parser().feed(huge);
    endless.parser().feed(huge);
    EXPECT_THAT(endless.bad, IsEmpty()) << "nothing before the end of the line";
    endless.parser().finish();
    ASSERT_THAT(endless.bad, SizeIs(1));
    EXPECT_EQ(endless.bad[0].why, "line longer than 4096 bytes");
}

TEST(BatchOutputParser, ALineOfExactlyTheLimitIsStillALine) {
    const std::string prefix = "node1 failed ";
    const std::string line = prefix + std::string(kMaxBatchLine - prefix.size(), 'y');
    ASSERT_EQ(line.size(), kMaxBatchLine);
    Recorder r;
    r.all(line + "\r\n" + line + "z\n");
    ASSERT_THAT(r.lines, SizeIs(1)) << "4096 bytes and a CR LF fit";
    EXPECT_EQ(r.lines[0].message, std::string(kMaxBatchMessage, 'y'));
    ASSERT_THAT(r.bad, SizeIs(1)) << "4097 bytes do not";
    EXPECT_EQ(r.bad[0].why, "line longer than 4096 bytes");
}

TEST(BatchOutputParser, AFleetSizedOutput) {
    std::string output;
    for (int i = 0; i < 100'000; ++i) {
        output += "node" + std::to_string(i);
        output += i % 7 == 0 ? " failed error " + std::to_string(i) + "\n" : " ok\n";
    }
    Recorder r;
    // In pipe-sized chunks, which split lines at arbitrary places.
    for (std::size_t at = 0; at < output.size(); at += 65536)
        r.parser().feed(std::string_view(output).substr(at, 65536));
    r.parser().finish();
    ASSERT_THAT(r.lines, SizeIs(100'000));
    EXPECT_THAT(r.bad, IsEmpty());
    for (int i = 0; i < 100'000; ++i) {
        const BatchLine& l = r.lines[static_cast<std::size_t>(i)];
        ASSERT_EQ(l.host, "node" + std::to_string(i));
        ASSERT_EQ(l.verb, i % 7 == 0 ? BatchVerb::Failed : BatchVerb::Ok) << l.host;
        ASSERT_EQ(l.message, i % 7 == 0 ? "error " + std::to_string(i) : "") << l.host;
    }
}

TEST(BatchOutputParser, FinishTakesALastLineWithoutANewline) {
    Recorder r;
    r.parser().feed("node1 ok\nnode2 fail");
    r.parser().feed("ed no newline");
    ASSERT_THAT(r.lines, SizeIs(1)) << "node2's line is not complete yet";
    r.parser().finish();
    ASSERT_THAT(r.lines, SizeIs(2));
    expect_line(r.lines[1], "node2", BatchVerb::Failed, "no newline");
    r.parser().finish();
    EXPECT_THAT(r.lines, SizeIs(2)) << "a second finish adds nothing";

    Recorder cr;
    cr.all("node3 ok\r");
    ASSERT_THAT(cr.lines, SizeIs(1));
    expect_line(cr.lines[0], "node3", BatchVerb::Ok, "");

    Recorder empty;
    empty.all("");
    EXPECT_THAT(empty.lines, IsEmpty());
    EXPECT_THAT(empty.bad, IsEmpty());
}

}  // namespace
}  // namespace maint
