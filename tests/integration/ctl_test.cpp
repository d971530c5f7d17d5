// maintenancectl through the real binary against the real daemon on the private bus: what it does
// is checked on the bus; its exit statuses are cli.md's (0 success, 1 refused by the daemon with
// the message on one line of stderr, 2 bad usage, 3 daemon unreachable).
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "harness/daemon_test.hpp"
#include "harness/json_check.hpp"
#include "harness/process.hpp"

namespace maint::it {
namespace {

class Ctl : public DaemonTest {
  protected:
    void SetUp() override {
#ifndef MAINT_CTL_PATH
        GTEST_SKIP() << "maintenancectl is not built (no maintenancectl target in this tree)";
#else
        DaemonTest::SetUp();
#endif
    }

    CommandResult ctl(const std::vector<std::string>& args,
                      std::optional<std::string> address = std::nullopt) {
#ifdef MAINT_CTL_PATH
        std::vector<std::string> argv = {MAINT_CTL_PATH};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto env =
            environment_with({{"DBUS_SYSTEM_BUS_ADDRESS", address.value_or(bus_->address())},
                              {"TZ", std::string("UTC")},
                              {"LC_ALL", std::string("C.UTF-8")},
                              {"SYSTEMD_PAGER", std::string("cat")},
                              { "PAGER",
                                std::string("cat") }});
        return run_command(argv, env, 20s);
#else
        (void)args;
        (void)address;
        return {};
#endif
    }

    static std::string at(std::uint64_t usec) {
        return "@" + std::to_string(usec / kUsecPerSec);
    }

    static bool has_word(const std::string& text, const std::string& word) {
        return std::regex_search(text, std::regex("(^|[^0-9A-Za-z])" + word + "($|[^0-9A-Za-z])"));
    }

    static std::vector<std::string> lines_of(const std::string& text) {
        std::vector<std::string> out;
        std::istringstream in(text);
        std::string line;
        while (std::getline(in, line))
            out.push_back(line);
        return out;
    }

    // Exit status 1 with the daemon's refusal as one line on stderr, naming the command.
    void expect_refused(const CommandResult& r, const std::string& command) {
        EXPECT_TRUE(r.exit.exited && r.exit.code == 1) << r.describe();
        const auto lines = lines_of(r.err);
        EXPECT_EQ(lines.size(), 1u) << "the refusal is not one line:\n" << r.describe();
        if (!lines.empty()) {
            EXPECT_NE(lines[0].find(command), std::string::npos)
                << "not prefixed with the command '" << command << "': " << lines[0];
        }
    }
};

TEST_F(Ctl, ScheduleListShowStartCompleteThroughTheBinary) {
    const std::uint64_t start = (now_usec() / kUsecPerSec + 3600) * kUsecPerSec;
    const std::uint64_t end = start + 2 * kUsecPerHour;
    auto r = ctl({"schedule", at(start), at(end), "--reason", "CLI window", "--notify", "ops",
                  "--comment", "from the CLI", "--login-message", "Come back later",
                  "--show-login-message", "--lead", "10min", "--hosts", "testhost",
                  "--no-auto-complete"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_TRUE(has_word(r.out, "1")) << "schedule does not print the new id:\n" << r.describe();

    // What it did, as the bus sees it.
    auto w = window(window_path(1));
    EXPECT_EQ(w->Reason(), "CLI window");
    EXPECT_EQ(w->StartUSec(), start);
    EXPECT_EQ(w->EndUSec(), end);
    EXPECT_EQ(w->Notify(), std::vector<std::string>{"ops"});
    EXPECT_EQ(w->Comment(), "from the CLI");
    EXPECT_EQ(w->LoginMessage(), "Come back later");
    EXPECT_TRUE(w->ShowLoginMessage());
    EXPECT_EQ(w->NotifyLeadUSec(), 10 * kUsecPerMin);
    EXPECT_EQ(w->Hosts(), std::vector<std::string>{"testhost"});
    EXPECT_FALSE(w->AutoComplete());

    r = ctl({"list"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    bool listed = false;
    for (const auto& line : lines_of(r.out)) {
        if (has_word(line, "1") && line.find("scheduled") != std::string::npos &&
            line.find("CLI window") != std::string::npos) {
            listed = true;
        }
    }
    EXPECT_TRUE(listed) << r.describe();

    r = ctl({"show", "1"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_NE(r.out.find("CLI window"), std::string::npos) << r.describe();
    EXPECT_NE(r.out.find("from the CLI"), std::string::npos) << r.describe();
    EXPECT_NE(r.out.find("scheduled"), std::string::npos) << r.describe();

    r = ctl({"status"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_NE(r.out.find("scheduled"), std::string::npos) << r.describe();

    r = ctl({"dry-run"});
    EXPECT_EQ(r.exit.code, 0) << "no checks configured: ready\n" << r.describe();

    r = ctl({"start", "1"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_EQ(w->Status(), "in-progress");
    r = ctl({"status"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_NE(r.out.find("in-progress"), std::string::npos) << r.describe();
    EXPECT_NE(r.out.find("System is under maintenance!"), std::string::npos) << r.describe();

    r = ctl({"complete", "1", "--note", "All good", "--notify", "ops"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_EQ(w->Status(), kCompletedWithoutLogind);
    EXPECT_EQ(w->CompletionNote(), "All good");
    EXPECT_EQ(manager_->State(), "idle");
}

TEST_F(Ctl, CancelUpdateAndFailedThroughTheBinary) {
    auto r = ctl({"schedule", "+1h", "+2h", "--reason", "To cancel"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    r = ctl({"cancel", "1", "--reason", "Not needed"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_EQ(window(window_path(1))->Status(), "cancelled");
    EXPECT_EQ(window(window_path(1))->CompletionNote(), "Not needed");

    r = ctl({"schedule", "+1h", "+2h", "--reason", "To update"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_TRUE(has_word(r.out, "2")) << r.describe();
    const std::uint64_t new_end = (now_usec() / kUsecPerSec + 5 * 3600) * kUsecPerSec;
    r = ctl({"update", "2", "--reason", "Updated", "--end", at(new_end), "--valid=no"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    auto w = window(window_path(2));
    EXPECT_EQ(w->Reason(), "Updated");
    EXPECT_EQ(w->EndUSec(), new_end);
    EXPECT_FALSE(w->Valid());

    r = ctl({"start", "2", "--force"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    r = ctl({"complete", "2", "--failed", "--note", "Broke"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_EQ(w->Status(), "failed");
}

TEST_F(Ctl, JsonOutputIsOneDocument) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    schedule(start, start + kUsecPerHour, "JSON \"quoted\" window");
    const std::vector<std::vector<std::string>> commands = {
        {"--json", "list"}, {"--json", "show", "1"}, {"--json", "status"}, {"--json", "dry-run"}};
    for (const auto& args : commands) {
        const auto r = ctl(args);
        ASSERT_EQ(r.exit.code, 0) << args[1] << "\n" << r.describe();
        std::string error;
        EXPECT_TRUE(is_json_document(r.out, &error))
            << args[1] << ": not one JSON document (" << error << "):\n"
            << r.out;
        if (args[1] == "list" || args[1] == "show") {
            EXPECT_NE(r.out.find(R"(JSON \"quoted\" window)"), std::string::npos) << r.out;
        }
    }
}

TEST_F(Ctl, ExitStatusOneWhenTheDaemonRefuses) {
    expect_refused(ctl({"start", "999"}), "start");
    expect_refused(ctl({"show", "999"}), "show");
    const std::uint64_t start = now_usec() + kUsecPerHour;
    schedule(start, start + kUsecPerHour, "Present");
    expect_refused(ctl({"complete", "1"}), "complete");
    expect_refused(ctl({"schedule", "+3h", "+4h", "--reason", "Second"}), "schedule");
    expect_refused(ctl({"schedule", "+3h", "+4h", "--reason", "x", "--notify", "nobody-knows"}),
                   "schedule");
    EXPECT_EQ(manager_->ListWindows().size(), 1u);
}

TEST_F(Ctl, ExitStatusTwoForBadUsage) {
    const std::vector<std::vector<std::string>> usages = {
        {"frobnicate"},
        {"schedule"},
        {"start"},
        {"start", "one"},
        {"schedule", "+1h", "+2h", "--reason", "x", "--bogus"},
        {"schedule", "not a time", "+2h", "--reason", "x"},
        {"host-maintenance", "testhost", "maybe"}};
    for (const auto& args : usages) {
        const auto r = ctl(args);
        EXPECT_TRUE(r.exit.exited && r.exit.code == 2) << args[0] << "\n" << r.describe();
        EXPECT_FALSE(r.err.empty()) << "no hint for bad usage: " << args[0];
    }
    EXPECT_TRUE(manager_->ListWindows().empty());
    EXPECT_EQ(ctl({"--version"}).exit.code, 0);
    EXPECT_EQ(ctl({"--no-ask-password", "status"}).exit.code, 0);
    EXPECT_EQ(ctl({"--help"}).exit.code, 0);
}

TEST_F(Ctl, ExitStatusThreeWhenTheDaemonCannotBeReached) {
    // No bus at all.
    const std::string nowhere = "unix:path=" + (dir_->path() / "no-bus-here").string();
    for (const char* command : {"status", "list"}) {
        const auto r = ctl({command}, nowhere);
        EXPECT_TRUE(r.exit.exited && r.exit.code == 3) << command << "\n" << r.describe();
    }
    // A bus, but no daemon on it.
    daemon_->stop();
    expect_daemon_gone();
    for (const char* command : {"status", "list"}) {
        const auto r = ctl({command});
        EXPECT_TRUE(r.exit.exited && r.exit.code == 3) << command << "\n" << r.describe();
    }
}

TEST_F(Ctl, ListIsNewestFirstWithLocalTimesAndALegend) {
    const std::uint64_t start = now_usec() + 2 * kUsecPerHour;
    window(schedule(start, start + kUsecPerHour, "Older one"))->Cancel("x");
    schedule(start, start + kUsecPerHour, "Newer one");
    auto r = ctl({"list"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    const auto older = r.out.find("Older one");
    const auto newer = r.out.find("Newer one");
    ASSERT_NE(older, std::string::npos) << r.describe();
    ASSERT_NE(newer, std::string::npos) << r.describe();
    EXPECT_LT(newer, older) << "list is not newest first:\n" << r.out;
    EXPECT_NE(r.out.find("ID"), std::string::npos) << "no legend:\n" << r.out;
    EXPECT_NE(r.out.find("STATUS"), std::string::npos) << "no legend:\n" << r.out;
    // Shown in local time (TZ=UTC here) with the zone.
    EXPECT_NE(r.out.find("UTC"), std::string::npos) << r.out;
    r = ctl({"--no-legend", "list"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_EQ(r.out.find("STATUS"), std::string::npos) << "--no-legend printed a legend:\n"
                                                       << r.out;
    EXPECT_EQ(lines_of(r.out).size(), 2u) << r.out;
    // show gives a relative hint next to the times.
    r = ctl({"show", "2"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_NE(r.out.find("UTC"), std::string::npos) << r.out;
    EXPECT_TRUE(r.out.find("in 1h") != std::string::npos ||
                r.out.find("in 2h") != std::string::npos)
        << "no relative hint for a start two hours ahead:\n"
        << r.out;
}

TEST_F(Ctl, HostsAndRefusalsAndReloadWork) {
    auto r = ctl({"host-maintenance", "testhost", "on"});
    EXPECT_EQ(r.exit.code, 0) << r.describe();
    r = ctl({"hosts"});
    EXPECT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_TRUE(has_word(r.out, "testhost")) << r.describe();
    EXPECT_TRUE(has_word(r.out, "maintenance")) << "the last known state\n" << r.describe();
    expect_refused(ctl({"host-maintenance", "no-such-host", "on"}), "host-maintenance");
    // This daemon build answers NotSupported for sessions: the daemon refused (1).
    expect_refused(ctl({"sessions"}), "sessions");
    expect_refused(ctl({"terminate-sessions"}), "terminate-sessions");
    r = ctl({"reload"});
    EXPECT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_TRUE(daemon_->running());
}

class CtlWithCheck : public Ctl {
  protected:
    std::string extra_config() const override {
        return "[Check replication]\nType=command\nCommand=/bin/false\nSeverity=error\n"
               "Description=Geo-replication is paused\n";
    }
};

TEST_F(CtlWithCheck, DryRunExitsOneWhenNotReady) {
    const auto r = ctl({"dry-run"});
    EXPECT_TRUE(r.exit.exited && r.exit.code == 1) << r.describe();
    EXPECT_NE(r.out.find("replication"), std::string::npos) << r.describe();
}

}  // namespace
}  // namespace maint::it
