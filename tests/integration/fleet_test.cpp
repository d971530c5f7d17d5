// A fleet flipped in batches by the real daemon on a private bus: a [Hosts NAME] group whose
// commands are a stand-in batch command (a shell script written by the test) that records every
// host it is asked for, one file per run, and answers by the batch protocol. What it proves:
// Start answers before the flip (the stand-in waits at a gate the test opens only after Start
// returned), 10,000 hosts each flipped once, the error budget stopping a fleet, RetryHosts, a
// daemon killed mid-flip that resumes without flipping any host twice, a hanging batch killed
// at its timeout, and grouped hosts in ListHosts and SetHostMaintenance.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "harness/daemon_test.hpp"
#include "harness/wait.hpp"

namespace maint::it {
namespace {

namespace fs = std::filesystem;

// $1: enter, leave or status; $2: the test's directory. Files in it steer the stand-in:
//   gate     runs wait until it exists      failing  hosts whose number ends in 0 fail
//   hang     a run answers its first host, then hangs
// Each run records the hosts it was asked for in records/<action>.<pid>.
constexpr const char* kStandIn = R"sh(#!/bin/sh
action=$1
dir=$2
mkdir -p "$dir/records"
input=$(cat)
printf '%s\n' "$input" > "$dir/records/$action.$$"
while [ ! -e "$dir/gate" ]; do sleep 0.02; done
echo "stand-in: $action $(printf '%s\n' "$input" | wc -l) hosts" >&2
if [ "$action" = status ]; then
  printf '%s\n' "$input" | sed 's/$/ maintenance as recorded/'
  exit 0
fi
if [ -e "$dir/hang" ]; then
  printf '%s\n' "$input" | head -n 1 | sed 's/$/ ok/'
  exec sleep 1000
fi
if [ -e "$dir/failing" ]; then
  printf '%s\n' "$input" | sed -e '/0$/s/$/ failed refused by the stand-in/' -e '/[1-9]$/s/$/ ok/'
else
  printf '%s\n' "$input" | sed 's/$/ ok/'
fi
)sh";

class Fleet : public DaemonTest {
  protected:
    void SetUp() override {
        DaemonTest::SetUp();
        std::ofstream(script()) << kStandIn;
        fs::permissions(script(), fs::perms::owner_all);
    }
    fs::path script() const { return dir_->path() / "standin.sh"; }
    fs::path file(const std::string& name) const { return dir_->path() / name; }
    void touch(const std::string& name) const { std::ofstream(file(name)) << ""; }

    // A group of `hosts` flipped `batch` at a time, `parallel` batches at once.
    std::string group(const std::string& hosts, int batch, int parallel,
                      const std::string& timeout = "30s") const {
        const std::string cmd = script().string();
        const std::string d = dir_->path().string();
        return "[Daemon]\nMaxParallelHosts=" + std::to_string(parallel) +
               "\n\n[Hosts fleet]\nBackend=batch\nHosts=" + hosts + "\nEnterCommand=" + cmd +
               " enter " + d + "\nLeaveCommand=" + cmd + " leave " + d + "\nStatusCommand=" + cmd +
               " status " + d + "\nBatchSize=" + std::to_string(batch) + "\nTimeoutSec=" + timeout +
               "\n";
    }
    bool start_daemon() const override { return false; }
    void start_with(const std::string& config) {
        daemon_->write_config(config);
        daemon_->start();
        connect();
    }

    std::unique_ptr<WindowProxy> start_window(const Options& extra = {}) {
        const std::uint64_t start = now_usec() + kUsecPerHour;
        Options o = extra;
        o["Hosts"] = sdbus::Variant(std::vector<std::string>{"fleet"});
        auto w = window(schedule(start, start + kUsecPerHour, "Firmware", {}, o));
        w->Start({});
        return w;
    }
    // Every host each run of `action` was asked for, with how many times.
    std::map<std::string, int> asked(const std::string& action) const {
        std::map<std::string, int> count;
        if (!fs::exists(file("records")))
            return count;
        for (const auto& e : fs::directory_iterator(file("records"))) {
            if (e.path().filename().string().rfind(action + ".", 0) != 0)
                continue;
            std::ifstream in(e.path());
            for (std::string line; std::getline(in, line);) {
                if (!line.empty())
                    ++count[line];
            }
        }
        return count;
    }
    std::unique_ptr<RecordedSignal> flipped(std::uint32_t id, std::chrono::seconds timeout,
                                            std::size_t nth = 1) {
        return wait_hosts_flipped(id, nth, timeout);
    }
    static std::map<std::string, int> results(WindowProxy& w) {
        std::map<std::string, int> by_result;
        for (const auto& r : w.HostResults())
            ++by_result[std::get<1>(r)];
        return by_result;
    }
};

TEST_F(Fleet, StartAnswersAtOnceAndTenThousandHostsAreEachFlippedOnce) {
    start_with(group("node[00001-10000]", 1000, 4));
    auto w = start_window();
    // The stand-in is still at its gate: Start did not wait for a single host.
    EXPECT_EQ(w->Status(), "in-progress");
    const auto progress = w->HostProgress();
    EXPECT_EQ(std::get<0>(progress), 10000u) << "the group was not resolved before the reply";
    EXPECT_EQ(std::get<4>(progress), 10000u) << "hosts finished before Start replied";
    touch("gate");
    const auto done = flipped(1, 120s);
    ASSERT_TRUE(done) << log_text(w->Log());
    EXPECT_EQ(done->in_maintenance, 10000u);
    EXPECT_EQ(done->failed, 0u);
    EXPECT_EQ(done->skipped, 0u);
    const auto counts = asked("enter");
    EXPECT_EQ(counts.size(), 10000u);
    for (const auto& [host, n] : counts)
        ASSERT_EQ(n, 1) << host << " was asked " << n << " times";
    const auto rows = w->HostResults();
    ASSERT_EQ(rows.size(), 10000u);
    EXPECT_EQ(std::get<0>(rows.front()), "node00001");
    EXPECT_EQ(std::get<1>(rows.front()), "maintenance");
    EXPECT_EQ(results(*w), (std::map<std::string, int>{{"maintenance", 10000}}));
    EXPECT_EQ(
        w->HostProgress(),
        (sdbus::Struct<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>{
            10000u, 10000u, 0u, 0u, 0u}));
    EXPECT_TRUE(log_contains(w->Log(), "Hosts: 10000 of 10000 in maintenance."))
        << log_text(w->Log());
    EXPECT_TRUE(log_contains(w->Log(), "stand-in: enter 1000 hosts")) << "stderr not logged";
}

TEST_F(Fleet, ABudgetOfThreeStopsTheFleetAndRetryHostsFlipsTheRest) {
    start_with(group("node[001-100]", 1, 1));
    touch("gate");
    touch("failing");  // node010, node020, ...
    auto w = start_window({{"MaxFailedHosts", sdbus::Variant(std::string("3"))}});
    const auto done = flipped(1, 60s);
    ASSERT_TRUE(done) << log_text(w->Log());
    // One host at a time: node040 is the fourth failure, and no host after it starts.
    EXPECT_EQ(done->failed, 4u);
    EXPECT_EQ(done->in_maintenance, 36u);
    EXPECT_EQ(done->skipped, 60u);
    EXPECT_EQ(asked("enter").size(), 40u);
    EXPECT_EQ(asked("enter").count("node041"), 0u);
    EXPECT_TRUE(log_contains(w->Log(), "error budget of 3 failed hosts exceeded"))
        << log_text(w->Log());
    EXPECT_EQ(w->Status(), "in-progress");

    fs::remove(file("failing"));
    w->RetryHosts({});
    const auto again = flipped(1, 60s, 2);
    ASSERT_TRUE(again) << log_text(w->Log());
    EXPECT_EQ(again->in_maintenance, 100u);
    const auto counts = asked("enter");
    EXPECT_EQ(counts.size(), 100u);
    EXPECT_EQ(counts.at("node010"), 2) << "a failed host is tried again";
    EXPECT_EQ(counts.at("node001"), 1) << "a host in maintenance was flipped again";
    EXPECT_EQ(counts.at("node099"), 1);
    EXPECT_TRUE(
        fails_with(kErrInvalidState, [&] { w->RetryHosts({}); }, {"no failed or skipped host"}));
    w->Complete("done", {}, {});
    EXPECT_EQ(w->Status(), "completed-with-errors") << "the first flip's failures are forgotten";
}

TEST_F(Fleet, ADaemonKilledMidFlipResumesWithoutFlippingAnyHostTwice) {
    start_with(group("node[0001-2000]", 100, 2));
    auto w = start_window();
    // Two batches are running (at the gate) and recorded: kill the daemon there.
    ASSERT_TRUE(wait_until([&] { return asked("enter").size() == 200; }, 20s));
    daemon_->kill9();
    touch("gate");  // the orphaned batches end; nobody reads their answers
    daemon_->start();
    auto again = window(window_path(1));
    const auto done = flipped(1, 120s);
    ASSERT_TRUE(done) << log_text(again->Log());
    const auto counts = asked("enter");
    EXPECT_EQ(counts.size(), 2000u);
    for (const auto& [host, n] : counts)
        ASSERT_EQ(n, 1) << host << " was flipped " << n << " times";
    EXPECT_EQ(done->failed, 200u) << "the interrupted batches' hosts";
    EXPECT_EQ(done->in_maintenance, 1800u);
    EXPECT_EQ(results(*again),
              (std::map<std::string, int>{{"failed", 200}, {"maintenance", 1800}}));
    EXPECT_TRUE(log_contains(again->Log(), "The daemon stopped during the flip"))
        << log_text(again->Log());
    const auto rows = again->HostResults();
    EXPECT_NE(std::get<2>(rows.front()).find("interrupted"), std::string::npos)
        << std::get<2>(rows.front());
}

TEST_F(Fleet, AHangingBatchIsKilledAtItsTimeoutAndItsUnreportedHostsFail) {
    start_with(group("node[1-5]", 5, 1, "1s"));
    touch("gate");
    touch("hang");
    auto w = start_window();
    const auto done = flipped(1, 30s);
    ASSERT_TRUE(done) << log_text(w->Log());
    EXPECT_EQ(done->in_maintenance, 1u) << "the host answered before the hang";
    EXPECT_EQ(done->failed, 4u);
    const auto rows = w->HostResults();
    ASSERT_EQ(rows.size(), 5u);
    EXPECT_EQ(std::get<1>(rows[0]), "maintenance");
    EXPECT_EQ(std::get<1>(rows[4]), "failed");
    EXPECT_NE(std::get<2>(rows[4]).find("no result from the batch command (timed out after 1s)"),
              std::string::npos)
        << std::get<2>(rows[4]);
}

TEST_F(Fleet, GroupedHostsAreListedAndFlippedOneByOneByHand) {
    start_with(group("rack[1-3]", 100, 4));
    touch("gate");
    std::map<std::string, std::string> states;
    for (const auto& h : manager_->ListHosts())
        states[std::get<0>(h)] = std::get<1>(h);
    EXPECT_EQ(states.count("fleet"), 0u) << "a group is not a host";
    ASSERT_EQ(states.count("rack2"), 1u);
    EXPECT_EQ(states.at("rack2"), "maintenance") << "the group's StatusCommand was not asked";
    manager_->SetHostMaintenance("rack2", false);
    EXPECT_EQ(asked("leave"), (std::map<std::string, int>{{"rack2", 1}}));
    EXPECT_TRUE(fails_with(kErrNoSuchHost, [&] { manager_->SetHostMaintenance("fleet", true); },
                           {"group"}));
}

}  // namespace
}  // namespace maint::it
