// Tests of Slurm-style host lists (common/hostlist): expansion with padding, several ranges and
// brackets, separators and duplicates; every refusal with the byte it names; the limit checked
// before names are made; and compression back into the same list.
#include "common/hostlist.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace maint {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using Names = std::vector<std::string>;

// The HostlistError that expanding `text` throws (a test failure if none).
HostlistError error_of(std::string_view text, std::size_t limit = kMaxHostlistNames) {
    try {
        const auto names = expand_hostlist(text, limit);
        ADD_FAILURE() << "\"" << text << "\" expanded to " << names.size() << " names";
    } catch (const HostlistError& e) {
        return e;
    }
    return HostlistError(~std::size_t{0}, "no error");
}

// Expects expanding `text` to fail at byte `position` (0-based) with `what` in the message.
void expect_error(std::string_view text, std::size_t position, const std::string& what) {
    SCOPED_TRACE(std::string(text));
    const HostlistError e = error_of(text);
    EXPECT_EQ(e.position(), position) << e.what();
    EXPECT_THAT(e.what(), StartsWith("at byte " + std::to_string(position + 1) + ": "));
    EXPECT_THAT(e.what(), HasSubstr(what));
    EXPECT_THAT(e.what(), HasSubstr("expected"));
}

// "prefix" followed by `first`..`last` padded to `width`.
Names numbered(const std::string& prefix, int first, int last, int width) {
    Names out;
    for (int n = first; n <= last; ++n) {
        char digits[32];
        std::snprintf(digits, sizeof digits, "%0*d", width, n);
        out.push_back(prefix + digits);
    }
    return out;
}

TEST(ExpandHostlist, PlainNames) {
    EXPECT_THAT(expand_hostlist("gpu07"), ElementsAre("gpu07"));
    EXPECT_THAT(expand_hostlist("a b,c"), ElementsAre("a", "b", "c"));
    EXPECT_THAT(expand_hostlist(""), IsEmpty());
    EXPECT_THAT(expand_hostlist(" ,\t\n"), IsEmpty());
    EXPECT_THAT(expand_hostlist("node-1.example.org db_2 10.0.0.7"),
                ElementsAre("node-1.example.org", "db_2", "10.0.0.7"));
}

TEST(ExpandHostlist, ZeroPaddingFollowsTheFirstBound) {
    EXPECT_THAT(expand_hostlist("node[0001-0003]"),
                ElementsAre("node0001", "node0002", "node0003"));
    EXPECT_THAT(expand_hostlist("n[08-10]"), ElementsAre("n08", "n09", "n10"));
    EXPECT_THAT(expand_hostlist("n[8-10]"), ElementsAre("n8", "n9", "n10"));
    EXPECT_THAT(expand_hostlist("n[098-101]"), ElementsAre("n098", "n099", "n100", "n101"));
    // Slurm's rule: the first bound's length is the width, also when the last is longer.
    EXPECT_THAT(expand_hostlist("n[1-010]"),
                ElementsAre("n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9", "n10"));
    EXPECT_THAT(expand_hostlist("n[0-1]"), ElementsAre("n0", "n1"));
}

TEST(ExpandHostlist, SeveralRangesInOneBracket) {
    EXPECT_THAT(expand_hostlist("n[1-3,7,9-10]"), ElementsAre("n1", "n2", "n3", "n7", "n9", "n10"));
    EXPECT_THAT(expand_hostlist("n[01-02,5,007]"), ElementsAre("n01", "n02", "n5", "n007"));
    EXPECT_THAT(expand_hostlist("n[3]"), ElementsAre("n3"));
}

TEST(ExpandHostlist, SeveralBracketsMultiplyOutFirstOutermost) {
    EXPECT_THAT(expand_hostlist("rack[1-2]-n[1-2]"),
                ElementsAre("rack1-n1", "rack1-n2", "rack2-n1", "rack2-n2"));
    EXPECT_THAT(expand_hostlist("r[1,3]n[01-02].ib"),
                ElementsAre("r1n01.ib", "r1n02.ib", "r3n01.ib", "r3n02.ib"));
    EXPECT_THAT(expand_hostlist("[1-2][8-9]"), ElementsAre("18", "19", "28", "29"));
    EXPECT_THAT(expand_hostlist("a[1-2]b[3,5-6]c[7]"),
                ElementsAre("a1b3c7", "a1b5c7", "a1b6c7", "a2b3c7", "a2b5c7", "a2b6c7"));
}

TEST(ExpandHostlist, EntriesAreSeparatedByCommasAndWhitespaceOutsideBrackets) {
    EXPECT_THAT(expand_hostlist("node[1-2],login[1-2] gpu07\tdb\n  x,,y"),
                ElementsAre("node1", "node2", "login1", "login2", "gpu07", "db", "x", "y"));
    // The spec's example.
    const Names spec = expand_hostlist("node[0001-9999] login[1-2] gpu07");
    ASSERT_EQ(spec.size(), 9999u + 3u);
    EXPECT_EQ(spec.front(), "node0001");
    EXPECT_EQ(spec[9998], "node9999");
    EXPECT_THAT(Names(spec.end() - 3, spec.end()), ElementsAre("login1", "login2", "gpu07"));
}

TEST(ExpandHostlist, DuplicatesAreDroppedAndTheFirstStays) {
    EXPECT_THAT(expand_hostlist("n3 n[1-4] n2 m n[3-5]"),
                ElementsAre("n3", "n1", "n2", "n4", "m", "n5"));
    EXPECT_THAT(expand_hostlist("n[1-2,1-3]"), ElementsAre("n1", "n2", "n3"));
    // Different padding is a different name.
    EXPECT_THAT(expand_hostlist("n[1,01,001]"), ElementsAre("n1", "n01", "n001"));
}

TEST(ExpandHostlist, BracketMistakesNameTheirByte) {
    expect_error("node[1-3", 4, "'[' is never closed");
    expect_error("a node[", 6, "'[' is never closed");
    expect_error("node[1-", 4, "'[' is never closed");
    expect_error("node[1,", 4, "'[' is never closed");
    expect_error("node1-3]", 7, "']' without an opening '['");
    expect_error("a ]", 2, "']' without an opening '['");
    expect_error("ok n[]", 4, "empty brackets '[]'");
    expect_error("n[5-3]", 2, "the range 5-3 ends before it starts");
    expect_error("n[1,10-9]", 4, "the range 10-9 ends before it starts");
    expect_error("n[a-b]", 2, "expected a number in brackets, not 'a'");
    expect_error("n[1-b]", 4, "expected a number after '-' in brackets, not 'b'");
    expect_error("n[1,,2]", 4, "expected a number in brackets, not ','");
    expect_error("n[1, 2]", 4, "expected a number in brackets, not ' '");
    expect_error("n[1-2-3]", 5, "expected ',' or ']' after a range in brackets, not '-'");
    expect_error("n[1-1x]", 5, "expected ',' or ']' after a range in brackets, not 'x'");
    expect_error("n[1x]", 3, "expected ',', '-' or ']' after a number in brackets, not 'x'");
    expect_error("n[1[2]]", 3, "not '['");
    expect_error("n[-1]", 2, "expected a number in brackets, not '-'");
    expect_error("n[1234567890123456789]", 2, "more than 18 digits");
}

TEST(ExpandHostlist, NamesMustBeHostNames) {
    expect_error("web1;reboot", 4, "';' is not allowed in a host name");
    expect_error("a $(id)", 2, "'$' is not allowed in a host name");
    expect_error("n[1-2]`x`", 6, "'`' is not allowed");
    expect_error("caf\xc3\xa9", 3, "byte 0xc3 is not allowed");
    expect_error("ok -oProxyCommand", 3, "a host name starts with '-'");
    // Too long once made: the entry's first byte, and the name in the message.
    const std::string long_prefix(252, 'h');
    EXPECT_THAT(expand_hostlist(long_prefix + "[1-9]"), testing::SizeIs(9u));
    expect_error("a " + long_prefix + "[9-10]", 2, "254 bytes long (at most 253)");
}

TEST(ExpandHostlist, TheLimitIsCheckedBeforeAnyNameIsMade) {
    expect_error("n[1-200000]", 0, "more than 100000 names");
    // Ten thousand million names: refused from the bracket sizes alone (this would take minutes
    // and gigabytes if they were made first).
    expect_error("ok n[1-100000]x[1-100000]", 3, "more than 100000 names");
    expect_error("n[1-999999999999999999]", 0, "more than 100000 names");
    // The entry that crosses the limit is named.
    expect_error("a[1-60000] b[1-60000]", 11, "more than 100000 names");
    // Exactly the limit is fine; duplicates count as written.
    EXPECT_EQ(expand_hostlist("n[1-100000]").size(), 100'000u);
    EXPECT_EQ(expand_hostlist("n[1-3] m", 4).size(), 4u);
    const HostlistError e = error_of("n[1-3] m n1", 4);
    EXPECT_EQ(e.position(), 9u) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("more than 4 names"));
}

TEST(CompressHostlist, FoldsNumericSuffixesWithTheirPadding) {
    EXPECT_EQ(compress_hostlist({}), "");
    EXPECT_EQ(compress_hostlist({"gpu07"}), "gpu07");
    EXPECT_EQ(compress_hostlist({"node0001", "node0002", "node0003", "node0007", "gpu07"}),
              "node[0001-0003,0007],gpu07");
    EXPECT_EQ(compress_hostlist({"n8", "n9", "n10", "n11"}), "n[8-11]");
    EXPECT_EQ(compress_hostlist({"n08", "n09", "n10"}), "n[08-10]");
    // Padding differs: "n1" then "n02" cannot be one range.
    EXPECT_EQ(compress_hostlist({"n1", "n02", "n03"}), "n[1,02-03]");
    EXPECT_EQ(compress_hostlist({"n01", "n1"}), "n[01,1]");
    EXPECT_EQ(compress_hostlist({"a", "b", "c"}), "a,b,c");
    // Only the last number group folds; the order is kept, so a prefix can come back.
    EXPECT_EQ(compress_hostlist({"rack1-n1", "rack1-n2", "rack2-n1", "x", "rack1-n3"}),
              "rack1-n[1-2],rack2-n1,x,rack1-n3");
    EXPECT_EQ(compress_hostlist({"3", "1", "2"}), "[3,1-2]");
}

TEST(CompressHostlist, RoundTripsOnSeveralShapes) {
    const std::vector<Names> shapes = {
        {"gpu07"},
        {"a", "b", "c"},
        {"node0001", "node0002", "node0003", "node0007", "gpu07"},
        {"n8", "n9", "n10", "n11", "n099", "n100", "n101"},
        {"n1", "n01", "n001", "n2", "n02"},
        {"rack1-n1", "rack1-n2", "rack2-n1", "rack2-n2", "login", "rack1-n3"},
        {"10.0.0.7", "10.0.0.8", "10.0.0.10"},
        {"9", "10", "0", "00", "01"},
        {"n5", "n4", "n3", "n1", "n2"},
        {std::string(250, 'h') + "999", std::string(250, 'h') + "998"},
        {"big12345678901234567890", "big12345678901234567891"},  // too long to fold
        numbered("c", 1, 500, 3),
    };
    for (const Names& names : shapes) {
        const std::string text = compress_hostlist(names);
        SCOPED_TRACE(text);
        EXPECT_EQ(expand_hostlist(text), names);
    }
}

TEST(CompressHostlist, TenThousandConsecutiveNamesMakeOneBracket) {
    const Names names = numbered("node", 1, 10'000, 5);
    EXPECT_EQ(compress_hostlist(names), "node[00001-10000]");
    const Names unpadded = numbered("n", 1, 10'000, 1);
    EXPECT_EQ(compress_hostlist(unpadded), "n[1-10000]");
    EXPECT_EQ(expand_hostlist(compress_hostlist(unpadded)), unpadded);
}

}  // namespace
}  // namespace maint
