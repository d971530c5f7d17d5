// Prechecks run for real by the daemon on a private bus: command checks (exit status, first line
// of output as the message, timeouts, programs that do not exist), all of them concurrently,
// and the systemd-backed types refusing plainly when systemd is not on the bus. The unit
// checks against a real systemd are in tests/system.
#include <chrono>

#include "harness/daemon_test.hpp"

namespace maint::it {
namespace {

std::string row_text(const std::vector<CheckRow>& rows) {
    std::string s;
    for (const auto& r : rows) {
        s += std::get<0>(r) + " | " + std::get<1>(r) + " | " + std::get<2>(r) + " | " +
             std::get<3>(r) + " | " + std::get<4>(r) + "\n";
    }
    return s;
}

class CommandChecks : public DaemonTest {
  protected:
    std::string extra_config() const override {
        return "[Check replication]\n"
               "Type=command\n"
               "Command=/bin/sh -c \"echo 'replication paused since 02:00'; exit 0\"\n"
               "Description=Geo-replication is paused\n"
               "\n"
               "[Check backups]\n"
               "Type=command\n"
               "Command=/bin/sh -c \"echo; echo '  backup job 7 is running  ' >&2; exit 2\"\n"
               "Severity=warning\n"
               "\n"
               "[Check slow]\n"
               "Type=command\n"
               "Command=/bin/sleep 30\n"
               "TimeoutSec=1s\n"
               "\n"
               "[Check missing]\n"
               "Type=command\n"
               "Command=/nonexistent/check-thing --quiet\n"
               "\n"
               "[Check sleepy1]\n"
               "Type=command\n"
               "Command=/bin/sleep 0.8\n"
               "\n"
               "[Check sleepy2]\n"
               "Type=command\n"
               "Command=/bin/sleep 0.8\n";
    }
};

TEST_F(CommandChecks, EachRowSaysWhatHappenedInConfigurationOrder) {
    const auto [ready, rows] = manager_->DryRun();
    ASSERT_EQ(rows.size(), 6u) << row_text(rows);
    EXPECT_FALSE(ready) << row_text(rows);

    EXPECT_EQ(std::get<0>(rows[0]), "replication");
    EXPECT_EQ(std::get<1>(rows[0]), "Geo-replication is paused");
    EXPECT_EQ(std::get<2>(rows[0]), "error");
    EXPECT_EQ(std::get<3>(rows[0]), "pass");
    EXPECT_EQ(std::get<4>(rows[0]), "replication paused since 02:00");

    EXPECT_EQ(std::get<0>(rows[1]), "backups");
    EXPECT_EQ(std::get<1>(rows[1]), "backups") << "the description defaults to the name";
    EXPECT_EQ(std::get<2>(rows[1]), "warning");
    EXPECT_EQ(std::get<3>(rows[1]), "fail");
    EXPECT_EQ(std::get<4>(rows[1]), "backup job 7 is running (exit status 2)");

    EXPECT_EQ(std::get<3>(rows[2]), "fail");
    EXPECT_EQ(std::get<4>(rows[2]), "timed out after 1s");

    EXPECT_EQ(std::get<3>(rows[3]), "fail");
    EXPECT_EQ(std::get<4>(rows[3]),
              "could not run /nonexistent/check-thing: No such file or directory");

    EXPECT_EQ(std::get<3>(rows[4]), "pass");
    EXPECT_EQ(std::get<3>(rows[5]), "pass");
}

TEST_F(CommandChecks, RunConcurrently) {
    // A 1 s timeout and two 0.8 s sleeps: one after another they would take 2.6 s.
    const auto t0 = std::chrono::steady_clock::now();
    manager_->DryRun();
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_LT(took, std::chrono::milliseconds(2000)) << "the checks ran one after another";
}

TEST_F(CommandChecks, StartRecordsEveryRowInTheLog) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    auto w = window(schedule(start, start + kUsecPerHour, "Checks"));
    EXPECT_TRUE(fails_with(kErrNotReady, [&] { w->Start({}); }, {"slow", "missing"}));
    EXPECT_EQ(w->PrecheckResults().size(), 6u);
    const auto log = w->Log();
    EXPECT_TRUE(log_contains(log, "replication paused since 02:00")) << log_text(log);
    EXPECT_TRUE(log_contains(log, "timed out after 1s")) << log_text(log);
}

class SystemdChecksWithoutSystemd : public DaemonTest {
  protected:
    std::string extra_config() const override {
        return "[Check backups]\nType=unit-inactive\nUnit=backup.timer\n\n"
               "[Check web]\nType=unit-active\nUnit=nginx.service\n\n"
               "[Check failed]\nType=no-failed-units\nSeverity=warning\n";
    }
};

TEST_F(SystemdChecksWithoutSystemd, FailSayingSystemdIsNotThere) {
    const auto [ready, rows] = manager_->DryRun();
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_FALSE(ready);
    for (const auto& r : rows) {
        EXPECT_EQ(std::get<3>(r), "fail") << row_text(rows);
        EXPECT_NE(std::get<4>(r).find("systemd is not available"), std::string::npos)
            << row_text(rows);
    }
}

}  // namespace
}  // namespace maint::it
