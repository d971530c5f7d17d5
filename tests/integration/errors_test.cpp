// Every error name of the contract, each produced by a real call to the running daemon, with a
// message a person can act on: AlreadyScheduled, NoSuchWindow, InvalidState, InvalidArgs,
// NotSupported, NoSuchHost, HostFailed, NotReady (with a configured [Check]).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "harness/daemon_test.hpp"
#include "harness/properties.hpp"

namespace maint::it {
namespace {

bool contains_ci(std::string haystack, std::string needle) {
    auto lower = [](std::string s) {
        std::transform(s.begin(), s.end(), s.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return s;
    };
    return lower(std::move(haystack)).find(lower(std::move(needle))) != std::string::npos;
}

using Errors = DaemonTest;

TEST_F(Errors, AlreadyScheduledForASecondWindow) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "First");
    EXPECT_TRUE(fails_with(kErrAlreadyScheduled, [&] {
        schedule(start + 4 * kUsecPerHour, start + 5 * kUsecPerHour, "Second");
    }));
    window(path)->Start({});
    EXPECT_TRUE(fails_with(kErrAlreadyScheduled, [&] {
        schedule(start + 4 * kUsecPerHour, start + 5 * kUsecPerHour, "Second");
    })) << "an in-progress window holds the place too";
    EXPECT_EQ(manager_->ListWindows().size(), 1u);
}

TEST_F(Errors, NoSuchWindow) {
    EXPECT_TRUE(fails_with(kErrNoSuchWindow, [&] { manager_->GetWindow(999); }, {"999"}));
    EXPECT_TRUE(fails_with(kErrNoSuchWindow, [&] { manager_->GetWindow(0); }));
    const std::uint64_t start = now_usec() + kUsecPerHour;
    schedule(start, start + kUsecPerHour, "Only one");
    EXPECT_TRUE(fails_with(kErrNoSuchWindow, [&] { manager_->GetWindow(2); }, {"2"}));
}

TEST_F(Errors, InvalidStateNamesTheStatus) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Patch day");
    auto w = window(path);
    EXPECT_TRUE(
        fails_with(kErrInvalidState, [&] { w->Complete("too early", {}, {}); }, {"scheduled"}));
    w->Start({});
    EXPECT_TRUE(fails_with(kErrInvalidState, [&] { w->Start({}); }, {"in-progress"}));
    EXPECT_TRUE(fails_with(kErrInvalidState, [&] { w->Cancel("too late"); }, {"in-progress"}));
    w->Complete("done", {}, {});
    EXPECT_TRUE(fails_with(kErrInvalidState, [&] { w->Start({}); }, {"completed"}));
    EXPECT_TRUE(fails_with(kErrInvalidState, [&] { w->Complete("again", {}, {}); }, {"completed"}));
    EXPECT_TRUE(fails_with(kErrInvalidState, [&] { w->Cancel("again"); }, {"completed"}));
    EXPECT_TRUE(
        fails_with(kErrInvalidState,
                   [&] {
                       w->Update({{"Reason", sdbus::Variant(std::string("rewrite history"))}});
                   },
                   {"completed"}));
    EXPECT_EQ(w->Status(), kCompletedWithoutLogind);
    EXPECT_EQ(w->Reason(), "Patch day");
}

TEST_F(Errors, InvalidArgsForEveryBadScheduleWindow) {
    const std::uint64_t now = now_usec();
    const std::uint64_t start = now + kUsecPerHour;
    const std::uint64_t end = start + kUsecPerHour;
    // end not after start
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] { schedule(start, start, "x"); }, {"end_usec"}));
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] { schedule(start, start - kUsecPerSec, "x"); },
                           {"end_usec"}));
    // a start 2 h in the past
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] { schedule(now - 2 * kUsecPerHour, now + kUsecPerHour, "x"); },
                           {"start_usec"}));
    // an unknown option key
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] {
                               schedule(start, end, "x", {}, {{"Colour", sdbus::Variant(true)}});
                           },
                           {"Colour"}));
    // a wrongly typed option value
    EXPECT_TRUE(fails_with(
        kErrInvalidArgs,
        [&] {
            schedule(start, end, "x", {}, {{"Comment", sdbus::Variant(std::uint32_t{5})}});
        },
        {"Comment"}));
    EXPECT_TRUE(fails_with(
        kErrInvalidArgs,
        [&] {
            schedule(start, end, "x", {}, {{"NotifyLeadUSec", sdbus::Variant(std::string("1h"))}});
        },
        {"NotifyLeadUSec"}));
    EXPECT_TRUE(fails_with(
        kErrInvalidArgs,
        [&] {
            schedule(start, end, "x", {}, {{"Hosts", sdbus::Variant(std::string("testhost"))}});
        },
        {"Hosts"}));
    // an unknown audience, an unknown host
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] { schedule(start, end, "x", {"nobody-knows"}); },
                           {"nobody-knows"}));
    EXPECT_TRUE(fails_with(
        kErrInvalidArgs,
        [&] {
            schedule(start, end, "x", {},
                     {{"Hosts", sdbus::Variant(std::vector<std::string>{"no-such-host"})}});
        },
        {"no-such-host"}));
    // 64 KiB + 1 of reason
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] { schedule(start, end, std::string(64 * 1024 + 1, 'r')); },
                           {"reason"}));
    // oversize option texts
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] {
                               schedule(
                                   start, end, "x", {},
                                   {{"Comment", sdbus::Variant(std::string(64 * 1024 + 1, 'c'))}});
                           },
                           {"Comment"}));
    // a name longer than 255 bytes in Hosts, and in notify
    EXPECT_TRUE(fails_with(
        kErrInvalidArgs,
        [&] {
            schedule(start, end, "x", {},
                     {{"Hosts", sdbus::Variant(std::vector<std::string>{std::string(256, 'h')})}});
        },
        {"Hosts"}));
    EXPECT_TRUE(fails_with(
        kErrInvalidArgs, [&] { schedule(start, end, "x", {std::string(256, 'a')}); }, {"notify"}));
    // None of them created anything.
    EXPECT_TRUE(manager_->ListWindows().empty());
    EXPECT_EQ(manager_->State(), "idle");
}

TEST_F(Errors, TextsOfExactly64KiBAreAccepted) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const std::string reason(64 * 1024, 'r');
    const auto path = schedule(start, start + kUsecPerHour, reason, {},
                               {{"Comment", sdbus::Variant(std::string(64 * 1024, 'c'))}});
    auto w = window(path);
    EXPECT_EQ(w->Reason(), reason);
    EXPECT_EQ(w->Comment().size(), 64u * 1024u);
}

TEST_F(Errors, InvalidArgsForBadWindowMethodArguments) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Args");
    auto w = window(path);
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] {
                               w->Start({{"Forse", sdbus::Variant(true)}});
                           },
                           {"Forse"}));
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] {
                               w->Start({{"Force", sdbus::Variant(std::string("yes"))}});
                           },
                           {"Force"}));
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] {
                               w->Update({{"Id", sdbus::Variant(std::uint32_t{7})}});
                           },
                           {"Id"}));
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] {
                               w->Update({{"Valid", sdbus::Variant(std::string("no"))}});
                           },
                           {"Valid"}));
    EXPECT_TRUE(
        fails_with(kErrInvalidArgs,
                   [&] {
                       w->Update({{"StartUSec", sdbus::Variant(now_usec() - 2 * kUsecPerHour)}});
                   },
                   {"start_usec"}));
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] { w->Cancel(std::string(64 * 1024 + 1, 'x')); },
                           {"reason"}));
    EXPECT_EQ(w->Status(), "scheduled");
    w->Start({});
    EXPECT_TRUE(fails_with(
        kErrInvalidArgs, [&] { w->Complete(std::string(64 * 1024 + 1, 'n'), {}, {}); }, {"note"}));
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] { w->Complete("ok", {"nobody-knows"}, {}); },
                           {"nobody-knows"}));
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] {
                               w->Complete("ok", {}, {{"Failed", sdbus::Variant(1u)}});
                           },
                           {"Failed"}));
    EXPECT_EQ(w->Status(), "in-progress");
}

TEST_F(Errors, NotSupportedSaysWhatIsMissing) {
    // Sessions come with the logind work; until then they are refused, never faked.
    const auto sessions = error_of([&] { manager_->ListSessions(); });
    ASSERT_TRUE(sessions.has_value());
    EXPECT_EQ(sessions->getName(), kErrNotSupported) << sessions->getMessage();
    EXPECT_TRUE(contains_ci(sessions->getMessage(), "session")) << sessions->getMessage();

    const auto terminate = error_of([&] { manager_->TerminateSessions(false); });
    ASSERT_TRUE(terminate.has_value());
    EXPECT_EQ(terminate->getName(), kErrNotSupported) << terminate->getMessage();
    EXPECT_TRUE(contains_ci(terminate->getMessage(), "session")) << terminate->getMessage();
}

TEST_F(Errors, NoSuchHostForAnUnknownName) {
    EXPECT_TRUE(fails_with(kErrNoSuchHost,
                           [&] { manager_->SetHostMaintenance("no-such-host", true); },
                           {"no-such-host"}));
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] { manager_->SetHostMaintenance(std::string(256, 'h'), true); },
                           {"host"}));
}

class HostFailure : public DaemonTest {
  protected:
    std::string extra_config() const override {
        return "[Host broken]\n"
               "Backend=command\n"
               "EnterCommand=/bin/false\n"
               "LeaveCommand=/bin/false\n";
    }
};

TEST_F(HostFailure, HostFailedWhenTheEnterCommandFails) {
    const auto e = error_of([&] { manager_->SetHostMaintenance("broken", true); });
    ASSERT_TRUE(e.has_value()) << "flipping a host whose EnterCommand is /bin/false succeeded";
    EXPECT_EQ(e->getName(), kErrHostFailed) << e->getMessage();
    EXPECT_TRUE(contains_ci(e->getMessage(), "broken")) << e->getMessage();
}

class FailingCheck : public DaemonTest {
  protected:
    std::string extra_config() const override {
        return "[Check replication]\n"
               "Type=command\n"
               "Command=/bin/false\n"
               "Severity=error\n"
               "Description=Geo-replication is paused\n";
    }
};

TEST_F(FailingCheck, DryRunReportsTheFailedCheck) {
    const auto [ready, checks] = manager_->DryRun();
    EXPECT_FALSE(ready);
    ASSERT_EQ(checks.size(), 1u);
    EXPECT_EQ(std::get<0>(checks[0]), "replication");
    EXPECT_EQ(std::get<1>(checks[0]), "Geo-replication is paused");
    EXPECT_EQ(std::get<2>(checks[0]), "error");
    EXPECT_EQ(std::get<3>(checks[0]), "fail");
    EXPECT_FALSE(std::get<4>(checks[0]).empty()) << "a failed check says why";
    // DryRun changes nothing.
    EXPECT_TRUE(manager_->ListWindows().empty());
    EXPECT_EQ(manager_->State(), "idle");
}

TEST_F(FailingCheck, StartRefusedWithNotReadyThenForced) {
    // Scheduling is allowed even when DryRun reports problems.
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Needs replication paused");
    auto w = window(path);
    EXPECT_TRUE(fails_with(kErrNotReady, [&] { w->Start({}); }, {"replication"}));
    EXPECT_EQ(w->Status(), "scheduled");
    EXPECT_EQ(manager_->State(), "scheduled");
    const auto results = w->PrecheckResults();
    ASSERT_EQ(results.size(), 1u) << "PrecheckResults holds the last run";
    EXPECT_EQ(std::get<0>(results[0]), "replication");
    EXPECT_EQ(std::get<3>(results[0]), "fail");

    const std::uint64_t s0 = now_usec();
    w->Start({{"Force", sdbus::Variant(true)}});
    EXPECT_EQ(w->Status(), "in-progress");
    EXPECT_GE(w->StartedUSec(), s0);
    EXPECT_EQ(manager_->State(), "in-progress");
    const auto log = w->Log();
    bool forced = false;
    for (const auto& row : log) {
        if (contains_ci(std::get<2>(row), "force") &&
            std::get<2>(row).find("replication") != std::string::npos) {
            forced = true;
        }
    }
    EXPECT_TRUE(forced) << "the forced start and the failed check are not in the Log:\n"
                        << log_text(log);
}

TEST_F(FailingCheck, AutomaticStartRefusedByPrechecksFails) {
    const std::uint64_t start = now_usec() + kUsecPerSec;
    const auto path = schedule(start, start + kUsecPerHour, "Blocked", {"ops"},
                               {{"NotifyLeadUSec", sdbus::Variant(std::uint64_t{0})}});
    auto finished = recorder_->wait_for(window_finished(1, "failed"), 4s);
    ASSERT_TRUE(finished) << "a window whose automatic start fails its prechecks must become "
                             "failed\n"
                          << recorder_->dump();
    auto w = window(path);
    EXPECT_EQ(w->Status(), "failed");
    EXPECT_EQ(w->StartedUSec(), 0u);
    EXPECT_TRUE(log_contains(w->Log(), "replication")) << log_text(w->Log());
    EXPECT_EQ(recorder_->count(manager_signal("WindowStarted", 1)), 0u) << recorder_->dump();
    EXPECT_EQ(manager_->State(), "idle");
}

class WarningCheck : public DaemonTest {
  protected:
    std::string extra_config() const override {
        return "[Check backups]\n"
               "Type=command\n"
               "Command=/bin/false\n"
               "Severity=warning\n"
               "Description=Backups are paused\n";
    }
};

TEST_F(WarningCheck, AFailedWarningDoesNotBlock) {
    const auto [ready, checks] = manager_->DryRun();
    EXPECT_TRUE(ready) << "only error checks make the system not ready";
    ASSERT_EQ(checks.size(), 1u);
    EXPECT_EQ(std::get<2>(checks[0]), "warning");
    EXPECT_EQ(std::get<3>(checks[0]), "fail");
    const std::uint64_t start = now_usec() + kUsecPerHour;
    auto w = window(schedule(start, start + kUsecPerHour, "Warn only"));
    w->Start({});
    EXPECT_EQ(w->Status(), "in-progress");
}

}  // namespace
}  // namespace maint::it
