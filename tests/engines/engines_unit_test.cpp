// The batch helpers' pure logic: protocol lines, the Slurm hostlist fold and split, scontrol's
// node records, the drain reason, each-host's %h and its verdicts. No process is run here.
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/text.hpp"
#include "engines/batch_io.hpp"
#include "engines/host_command.hpp"
#include "engines/slurm_hostlist.hpp"
#include "engines/slurm_nodes.hpp"

using namespace maint::engines;

namespace {

// The names a Slurm hostlist describes, expanded the way Slurm does (one bracket, trailing,
// comma-separated ranges whose width is the width of their first bound): the reference the fold
// is checked against here; the slurm-labelled tests check it against scontrol itself.
std::vector<std::string> expand_like_slurm(const std::string& list) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < list.size()) {
        std::size_t end = pos;
        while (end < list.size() && list[end] != ',' && list[end] != '[')
            ++end;
        const std::string prefix = list.substr(pos, end - pos);
        if (end < list.size() && list[end] == '[') {
            const std::size_t close = list.find(']', end);
            std::stringstream ranges(list.substr(end + 1, close - end - 1));
            std::string range;
            while (std::getline(ranges, range, ',')) {
                const std::size_t dash = range.find('-');
                const std::string lo = range.substr(0, dash);
                const unsigned long long a = std::stoull(lo);
                const unsigned long long b =
                    dash == std::string::npos ? a : std::stoull(range.substr(dash + 1));
                for (unsigned long long n = a; n <= b; ++n) {
                    std::string digits = std::to_string(n);
                    if (digits.size() < lo.size())
                        digits.insert(0, lo.size() - digits.size(), '0');
                    out.push_back(prefix + digits);
                }
            }
            pos = close + 2;  // past "]" and ","
        } else {
            out.push_back(prefix);
            pos = end + 1;
        }
    }
    return out;
}

std::set<std::string> as_set(const std::vector<std::string>& v) {
    return {v.begin(), v.end()};
}

std::vector<std::string> numbered(const std::string& prefix, int from, int to, int width) {
    std::vector<std::string> out;
    for (int n = from; n <= to; ++n) {
        std::string digits = std::to_string(n);
        if (static_cast<int>(digits.size()) < width)
            digits.insert(0, width - digits.size(), '0');
        out.push_back(prefix + digits);
    }
    return out;
}

}  // namespace

TEST(SlurmHostlist, FoldsConsecutivePaddedNamesIntoOneRange) {
    EXPECT_EQ(fold_slurm_hostlist(numbered("node", 1, 10000, 5)), "node[00001-10000]");
}

TEST(SlurmHostlist, KeepsGapsAndSingleNames) {
    EXPECT_EQ(fold_slurm_hostlist({"node3", "node1", "node2", "node7", "gpu07", "login"}),
              "gpu07,node[1-3,7],login");
}

TEST(SlurmHostlist, KeepsTheWidthOfEachRange) {
    // node8..node10 unpadded, node08..node10 padded: different names, both kept.
    const std::vector<std::string> names{"node8", "node9", "node10", "node08", "node09", "node010"};
    const std::string folded = fold_slurm_hostlist(names);
    EXPECT_EQ(as_set(expand_like_slurm(folded)), as_set(names)) << folded;
}

TEST(SlurmHostlist, UnpaddedRangeGrowsPastAPowerOfTen) {
    EXPECT_EQ(fold_slurm_hostlist(numbered("n", 1, 100, 1)), "n[1-100]");
    EXPECT_EQ(fold_slurm_hostlist(numbered("n", 8, 12, 2)), "n[08-12]");
}

TEST(SlurmHostlist, DropsDuplicates) {
    EXPECT_EQ(fold_slurm_hostlist({"a1", "a2", "a1"}), "a[1-2]");
}

TEST(SlurmHostlist, NamesWithoutANumberOrOnlyDigitsStayLiteral) {
    const std::vector<std::string> names{"login", "1234", "1235", "rack1-n01", "rack1-n02"};
    const std::string folded = fold_slurm_hostlist(names);
    EXPECT_EQ(as_set(expand_like_slurm(folded)), as_set(names)) << folded;
    EXPECT_NE(folded.find("rack1-n[01-02]"), std::string::npos) << folded;
    EXPECT_NE(folded.find("1234,1235"), std::string::npos) << folded;
}

TEST(SlurmHostlist, NoRangeIsLongerThanSlurmAccepts) {
    const auto names = numbered("n", 1, 100000, 6);
    const std::string folded = fold_slurm_hostlist(names);
    EXPECT_EQ(folded, "n[000001-065536,065537-100000]");
    EXPECT_EQ(expand_like_slurm(folded).size(), names.size());
}

TEST(SlurmHostlist, SplitKeepsEveryNameOnceAndEachArgumentShort) {
    // 10,000 names that share no numbered prefix fold to about 150 KB: more than one argument.
    std::vector<std::string> names;
    for (int i = 0; i < 10000; ++i)
        names.push_back("host-" + std::string(1, static_cast<char>('a' + i % 26)) +
                        std::to_string(i * 7919 % 100003) + "-x");
    const auto chunks = split_slurm_hostlist(names);
    ASSERT_GE(chunks.size(), 2u);
    std::vector<std::string> all;
    for (const auto& c : chunks) {
        EXPECT_LE(c.hostlist.size(), kMaxHostlistArgument);
        EXPECT_EQ(as_set(expand_like_slurm(c.hostlist)), as_set(c.hosts));
        all.insert(all.end(), c.hosts.begin(), c.hosts.end());
    }
    EXPECT_EQ(all.size(), names.size());
    EXPECT_EQ(as_set(all), as_set(names));
}

TEST(SlurmHostlist, SplitAtSmallSizesRendersExactly) {
    // Every size limit from tiny to big: the chunks' texts stay within it (the size the split
    // computes as it goes must be the size render() makes) and cover every name.
    std::vector<std::string> names = numbered("n", 1, 40, 2);
    for (int i = 1; i <= 40; i += 3)
        names.push_back("m" + std::to_string(i));
    names.push_back("solo");
    for (std::size_t max = 8; max < 200; ++max) {
        std::set<std::string> seen;
        for (const auto& c : split_slurm_hostlist(names, max)) {
            EXPECT_LE(c.hostlist.size(), max) << c.hostlist;
            EXPECT_EQ(as_set(expand_like_slurm(c.hostlist)), as_set(c.hosts)) << c.hostlist;
            seen.insert(c.hosts.begin(), c.hosts.end());
        }
        EXPECT_EQ(seen, as_set(names)) << "max " << max;
    }
}

TEST(SlurmNodes, ParsesStateFlagsAndReason) {
    const std::string out =
        "NodeName=node00001 Arch=x86_64 CoresPerSocket=1 State=IDLE+DRAIN+NOT_RESPONDING "
        "ThreadsPerCore=1 Partitions=all ExtSensorsTemp=n/s Reason=kernel [x] update "
        "(maintenance window 7) [root@2026-12-06T04:48:48]\n"
        "NodeName=node00002 OS=Linux 6.1.0-13-amd64 #1 SMP State=MIXED ThreadsPerCore=1\n"
        "NodeName=node00003 State=DOWN+NOT_RESPONDING Reason=Not responding "
        "[slurm@2026-12-06T05:00:00] "
        "Comment=rack 4\n";
    const NodeAnswer a = parse_show_node(out, "Node bogus not found\n");
    ASSERT_EQ(a.nodes.size(), 3u);
    const SlurmNode& n1 = a.nodes.at("node00001");
    EXPECT_EQ(n1.base, "IDLE");
    EXPECT_TRUE(n1.drain());
    EXPECT_TRUE(n1.has("NOT_RESPONDING"));
    EXPECT_EQ(n1.reason, "kernel [x] update (maintenance window 7)");
    EXPECT_EQ(a.nodes.at("node00002").base, "MIXED");
    EXPECT_EQ(a.nodes.at("node00002").reason, "");
    EXPECT_EQ(a.nodes.at("node00003").reason, "Not responding");
    ASSERT_EQ(a.unknown.count("bogus"), 1u);
    EXPECT_EQ(a.unknown.at("bogus"), "Node bogus not found");
}

TEST(SlurmNodes, StatusOfEachKindOfState) {
    const auto status_of = [](const std::string& state, const std::string& reason = "") {
        const NodeAnswer a = parse_show_node(
            "NodeName=n State=" + state + (reason.empty() ? "" : " Reason=" + reason) + "\n", "");
        return node_status(a.nodes.at("n"));
    };
    EXPECT_EQ(status_of("IDLE+DRAIN", "x (maintenance window 1) [root@t]").result,
              Result::Maintenance);
    EXPECT_EQ(status_of("IDLE+DRAIN", "x [root@t]").message, "drained: x");
    EXPECT_EQ(status_of("MIXED+DRAIN").message, "draining");
    EXPECT_EQ(status_of("DOWN+DRAIN+NOT_RESPONDING").result, Result::Maintenance);
    EXPECT_EQ(status_of("IDLE+MAINT+RESERVED").result, Result::Maintenance);
    EXPECT_EQ(status_of("IDLE+NOT_RESPONDING").result, Result::Normal);
    EXPECT_EQ(status_of("ALLOCATED").result, Result::Normal);
    EXPECT_EQ(status_of("IDLE+POWERED_DOWN").result, Result::Normal);
    EXPECT_EQ(status_of("DOWN+NOT_RESPONDING").result, Result::Unknown);
    EXPECT_EQ(status_of("IDLE+FAIL").result, Result::Unknown);
    EXPECT_EQ(status_of("FUTURE").result, Result::Unknown);
    EXPECT_EQ(status_of("UNKNOWN").result, Result::Unknown);
}

TEST(SlurmNodes, DrainReasonCarriesTheWindowAndIsRecognised) {
    EXPECT_EQ(drain_reason("kernel update", 42), "kernel update (maintenance window 42)");
    EXPECT_EQ(drain_reason("", std::nullopt), "maintenance (maintenanced)");
    EXPECT_EQ(drain_reason("two\nlines", 3), "two lines (maintenance window 3)");
    EXPECT_LE(drain_reason(std::string(500, 'x'), 1).size(), kMaxReasonBytes + 30);
    EXPECT_TRUE(is_maintenanced_reason(drain_reason("x", 9)));
    EXPECT_TRUE(is_maintenanced_reason(drain_reason("x", std::nullopt)));
    EXPECT_FALSE(is_maintenanced_reason("broken DIMM"));
    EXPECT_FALSE(is_maintenanced_reason("(maintenance window )"));
    EXPECT_FALSE(is_maintenanced_reason("maintenance window 4"));
}

TEST(BatchIo, ResultLinesAreOneCleanLine) {
    EXPECT_EQ(result_line("n1", Result::Ok, ""), "n1 ok\n");
    EXPECT_EQ(result_line("n1", Result::Failed, "  exit status 2:\tno\nway  "),
              "n1 failed exit status 2: no way\n");
    const std::string long_line = result_line("n1", Result::Unknown, std::string(5000, 'y'));
    EXPECT_LE(long_line.size(), 3 + 8 + kMaxResultMessage + 1);
    EXPECT_NE(long_line.find("...\n"), std::string::npos);
    // Not cut inside a UTF-8 sequence.
    std::string umlauts;
    for (int i = 0; i < 800; ++i)
        umlauts += "\xc3\xa4";
    const std::string cut = clean_message(umlauts);
    EXPECT_TRUE(maint::is_valid_utf8(cut));
}

TEST(BatchIo, ReadBatchDropsDuplicatesAndRefusesWhatIsNoHostName) {
    std::istringstream in("n1\n  n2  \n\nn1\nbad$name\ntwo words\nn3");
    std::ostringstream err;
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const Batch b = read_batch(in, fds[1], err);
    ::close(fds[1]);
    char buffer[512] = {};
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer - 1);
    ::close(fds[0]);
    EXPECT_EQ(b.hosts, (std::vector<std::string>{"n1", "n2", "n3"}));
    EXPECT_EQ(b.rejected, 2u);
    EXPECT_EQ(std::string(buffer, n > 0 ? n : 0),
              "bad$name failed not a host name: it contains '$'\n");
    EXPECT_NE(err.str().find("two words"), std::string::npos);
}

TEST(EachHost, ExpandsHostAndPercent) {
    EXPECT_EQ(expand_host_command({"ssh", "root@%h", "echo 100%% %w %x", "%h%h", "%"}, "web1"),
              (std::vector<std::string>{"ssh", "root@web1", "echo 100% %w %x", "web1web1", "%"}));
}

TEST(EachHost, VerdictOfFlips) {
    HostEnd end;
    end.started = true;
    end.exit_status = 0;
    end.output = "\n  node/web1 cordoned\nmore\n";
    EXPECT_EQ(judge(end, false).result, Result::Ok);
    EXPECT_EQ(judge(end, false).message, "node/web1 cordoned");
    end.exit_status = 2;
    end.output = "Permission denied\n";
    EXPECT_EQ(judge(end, false).result, Result::Failed);
    EXPECT_EQ(judge(end, false).message, "exit status 2: Permission denied");
    end.exit_status = -1;
    end.signal = 9;
    end.output.clear();
    EXPECT_EQ(judge(end, false).message, "killed by signal 9 (Killed)");
    end.timed_out = true;
    end.timeout = 30 * maint::kUsecPerSec;
    EXPECT_EQ(judge(end, false).message, "timed out after 30s");
    HostEnd not_run;
    not_run.error = "could not run /nope: No such file or directory";
    EXPECT_EQ(judge(not_run, false).result, Result::Failed);
    EXPECT_EQ(judge(not_run, true).result, Result::Unknown);
}

TEST(EachHost, VerdictOfStatuses) {
    HostEnd end;
    end.started = true;
    const auto result_for = [&](int status) {
        end.exit_status = status;
        return judge(end, true).result;
    };
    EXPECT_EQ(result_for(0), Result::Maintenance);
    EXPECT_EQ(result_for(1), Result::Normal);
    EXPECT_EQ(result_for(3), Result::Normal);
    EXPECT_EQ(result_for(4), Result::Unknown);
    EXPECT_EQ(result_for(255), Result::Unknown);
}
