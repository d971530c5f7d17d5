// Hosts flipped for real by the daemon: command hosts whose state is a file in the test's
// directory, so a flip is visible on disk. Start flips every host of the window and logs each;
// a host already in maintenance is recorded and not flipped again; a failing host leaves the
// window in progress with the failure visible and makes completion completed-with-errors;
// hosts stay in maintenance after completion; ListHosts and SetHostMaintenance work and
// HostStateChanged is announced.
#include <filesystem>
#include <fstream>
#include <iterator>

#include "harness/daemon_test.hpp"

namespace maint::it {
namespace {

bool on_disk(const std::filesystem::path& f) {
    return std::filesystem::exists(f);
}

class Hosts : public DaemonTest {
  protected:
    std::filesystem::path state(const std::string& host) const {
        return dir_->path() / ("host-" + host);
    }
    std::string host(const std::string& name, const std::string& enter) const {
        const std::string f = state(name).string();
        return "[Host " + name + "]\nBackend=command\nEnterCommand=" + enter +
               "\nLeaveCommand=/bin/rm -f " + f + "\nStatusCommand=/usr/bin/test -e " + f +
               "\nTimeoutSec=5s\n\n";
    }
    std::string extra_config() const override {
        return host("web1", "/bin/touch " + state("web1").string()) +
               host("web2", "/bin/touch " + state("web2").string()) +
               host("db1", "/bin/sh -c \"echo 'db1 refuses: replication lag' >&2; exit 1\"");
    }
    std::string hosts_status() {
        std::string s;
        for (const auto& h : manager_->ListHosts())
            s += std::get<0>(h) + "=" + std::get<1>(h) + " ";
        return s;
    }
};

TEST_F(Hosts, ListHostsAsksEachHostsStatus) {
    EXPECT_EQ(hosts_status(), "testhost=unknown web1=normal web2=normal db1=normal ");
    manager_->SetHostMaintenance("web2", true);
    EXPECT_TRUE(on_disk(state("web2")));
    EXPECT_EQ(hosts_status(), "testhost=unknown web1=normal web2=maintenance db1=normal ");
    EXPECT_TRUE(recorder_->wait_for(
        [](const RecordedSignal& s) {
            return s.is("HostStateChanged") && s.host == "web2" && s.host_state == "maintenance";
        },
        2s))
        << recorder_->dump();
    manager_->SetHostMaintenance("web2", false);
    EXPECT_FALSE(on_disk(state("web2")));
}

TEST_F(Hosts, AFailingHostIsHostFailedWithItsOutput) {
    EXPECT_TRUE(fails_with(kErrHostFailed, [&] { manager_->SetHostMaintenance("db1", true); },
                           {"db1", "replication lag"}));
}

TEST_F(Hosts, StartFlipsTheWindowsHostsAndCompletionLeavesThemThere) {
    manager_->SetHostMaintenance("web2", true);  // already in maintenance before the window
    const std::uint64_t start = now_usec() + kUsecPerHour;
    auto w = window(
        schedule(start, start + kUsecPerHour, "Patch the web tier", {},
                 {{"Hosts", sdbus::Variant(std::vector<std::string>{"web1", "web2", "db1"})}}));
    w->Start({});
    // Start returns when the window is in progress; the hosts finish on their own.
    ASSERT_TRUE(wait_until([&] { return log_contains(w->Log(), "Hosts: "); }, 5s))
        << log_text(w->Log());
    EXPECT_EQ(w->Status(), "in-progress") << "a failed host leaves the window in progress";
    const auto log = w->Log();
    EXPECT_TRUE(log_contains(log, "web1 entered maintenance")) << log_text(log);
    EXPECT_TRUE(log_contains(log, "web2 was already in maintenance")) << log_text(log);
    EXPECT_TRUE(log_contains(log, "db1 could not enter maintenance")) << log_text(log);
    EXPECT_TRUE(log_contains(log, "replication lag")) << log_text(log);
    EXPECT_TRUE(log_contains(log, "Hosts: 2 of 3 in maintenance, 1 failed")) << log_text(log);
    EXPECT_TRUE(on_disk(state("web1")));

    w->Complete("web done", {}, {});
    EXPECT_EQ(w->Status(), "completed-with-errors") << log_text(w->Log());
    EXPECT_TRUE(on_disk(state("web1"))) << "hosts stay in maintenance after completion";
    EXPECT_TRUE(on_disk(state("web2")));
}

}  // namespace
}  // namespace maint::it

namespace maint::it {
namespace {

// Hosts that record what they were asked, hang, or talk too much.
class OddHosts : public DaemonTest {
  protected:
    std::filesystem::path record() const { return dir_->path() / "asked"; }
    std::string extra_config() const override {
        const std::string r = record().string();
        return "[Host rec1]\nBackend=command\n"
               "EnterCommand=/bin/sh -c \"echo enter %h %w 100%% >> " +
               r +
               "\"\n"
               "LeaveCommand=/bin/sh -c \"echo leave %h %w >> " +
               r +
               "\"\n\n"
               "[Host rec2]\nBackend=command\n"
               "EnterCommand=/bin/sh -c \"echo enter %h %w 100%% >> " +
               r +
               "\"\n"
               "LeaveCommand=/bin/sh -c \"echo leave %h %w >> " +
               r +
               "\"\n\n"
               "[Host hang]\nBackend=command\n"
               "EnterCommand=/bin/sleep 60\nLeaveCommand=/bin/true\nTimeoutSec=1s\n\n"
               "[Host chatty]\nBackend=command\n"
               "EnterCommand=/bin/sh -c \"echo 'chatty is draining'; yes 'more output' | "
               "head -c 2000000\"\n"
               "LeaveCommand=/bin/true\n";
    }
    std::string asked() const {
        std::ifstream in(record());
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
};

TEST_F(OddHosts, CommandsGetTheHostAndTheWindowAndARealPercentSign) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    auto w =
        window(schedule(start, start + kUsecPerHour, "Record", {},
                        {{"Hosts", sdbus::Variant(std::vector<std::string>{"rec1", "rec2"})}}));
    w->Start({});
    ASSERT_TRUE(wait_until([&] { return log_contains(w->Log(), "Hosts: "); }, 5s));
    const std::string a = asked();
    EXPECT_NE(a.find("enter rec1 1 100%\n"), std::string::npos) << a;
    EXPECT_NE(a.find("enter rec2 1 100%\n"), std::string::npos) << a;
    manager_->SetHostMaintenance("rec1", false);  // re-enabled by hand, one host at a time
    EXPECT_NE(asked().find("leave rec1 0\n"), std::string::npos) << asked();
    EXPECT_EQ(asked().find("leave rec2"), std::string::npos) << asked();
}

TEST_F(OddHosts, AHangingHostIsKilledAtItsTimeout) {
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(fails_with(kErrHostFailed, [&] { manager_->SetHostMaintenance("hang", true); },
                           {"hang", "timed out after 1s"}));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 8s) << "the timeout did not end it";
}

TEST_F(OddHosts, AVerboseHostLogsItsFirstLineOnly) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    auto w = window(schedule(start, start + kUsecPerHour, "Chatty", {},
                             {{"Hosts", sdbus::Variant(std::vector<std::string>{"chatty"})}}));
    w->Start({});
    ASSERT_TRUE(wait_until([&] { return log_contains(w->Log(), "Hosts: "); }, 10s));
    const auto log = w->Log();
    EXPECT_TRUE(log_contains(log, "chatty entered maintenance: chatty is draining"))
        << log_text(log);
    std::size_t total = 0;
    for (const auto& row : log)
        total += std::get<2>(row).size();
    EXPECT_LT(total, 10'000u) << "2 MB of output reached the Log";
}

}  // namespace
}  // namespace maint::it
