// Crash safety: after kill -9 and a restart on the same state directory the windows, their
// statuses, object paths and ids are all there; ids are never reused; a window whose start passed
// while the daemon was down is started once at restart, and one whose end passed too is failed
// with "missed: the daemon was not running".
#include <gtest/gtest.h>

#include <thread>

#include "harness/daemon_test.hpp"
#include "harness/properties.hpp"

namespace maint::it {
namespace {

using Restart = DaemonTest;

TEST_F(Restart, GracefulStopAndRestartKeepsEverything) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto p1 = schedule(start, start + kUsecPerHour, "First");
    window(p1)->Cancel("Changed plans");
    const auto p2 = schedule(start, start + kUsecPerHour, "Second", {"ops"},
                             {{"Comment", sdbus::Variant(std::string("keep me"))}});
    const auto before = get_all(window(p2)->raw(), kWindowInterface);

    const ExitInfo e = daemon_->stop();
    EXPECT_TRUE(e.exited && e.code == 0) << "SIGTERM: " << e.describe() << "\n"
                                         << daemon_->stderr_text();
    daemon_->start();

    const auto after = get_all(window(p2)->raw(), kWindowInterface);
    for (const auto& [name, value] : before) {
        ASSERT_TRUE(after.count(name)) << name;
        EXPECT_EQ(variant_text(after.at(name)), variant_text(value)) << name;
    }
    EXPECT_EQ(prop<std::vector<LogRow>>(after, "Log"), prop<std::vector<LogRow>>(before, "Log"));
    EXPECT_EQ(window(p1)->Status(), "cancelled");
    EXPECT_EQ(window(p1)->CompletionNote(), "Changed plans");
    EXPECT_EQ(manager_->State(), "scheduled");
    EXPECT_EQ(std::string(manager_->NextWindow()), window_path(2));
}

TEST_F(Restart, KillNineThenRestartKeepsWindowsAndStartsAMissedStartOnce) {
    // Window 1: completed. Window 2: cancelled. Window 3: scheduled to start in 1.5 s.
    const std::uint64_t later = now_usec() + kUsecPerHour;
    auto w1 = window(schedule(later, later + kUsecPerHour, "One"));
    w1->Start({});
    w1->Complete("Fine", {}, {});
    window(schedule(later, later + kUsecPerHour, "Two"))->Cancel("No");
    const std::uint64_t created1 = w1->CreatedUSec();

    const std::uint64_t start3 = now_usec() + 1500 * 1000;
    const auto p3 = schedule(start3, start3 + kUsecPerHour, "Three", {},
                             {{"NotifyLeadUSec", sdbus::Variant(std::uint64_t{0})}});
    daemon_->kill9();
    ASSERT_LT(now_usec(), start3) << "the daemon was killed too late for this test";
    // The start passes while the daemon is down.
    ASSERT_TRUE(wait_until([&] { return now_usec() > start3 + 300'000; }, 5s));
    recorder_->clear();
    daemon_->start();

    // At restart the missed start is made up for, once.
    ASSERT_TRUE(recorder_->wait_for(manager_signal("WindowStarted", 3), 5s))
        << "the window whose start passed while the daemon was down did not start\n"
        << recorder_->dump() << daemon_->stderr_text();
    auto w3 = window(p3);
    EXPECT_EQ(w3->Status(), "in-progress");
    EXPECT_EQ(w3->StartedByUID(), 0u);
    EXPECT_GE(w3->StartedUSec(), start3);
    // Give a second chance to misbehave, then count.
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(recorder_->count(manager_signal("WindowStarted", 3)), 1u) << recorder_->dump();

    // The history, the object paths and the ids survived.
    const auto rows = manager_->ListWindows();
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(std::get<0>(rows[0]), 3u);
    EXPECT_EQ(std::get<1>(rows[0]), "in-progress");
    EXPECT_EQ(std::get<0>(rows[1]), 2u);
    EXPECT_EQ(std::get<1>(rows[1]), "cancelled");
    EXPECT_EQ(std::get<0>(rows[2]), 1u);
    EXPECT_EQ(std::get<1>(rows[2]), kCompletedWithoutLogind);
    for (const auto& row : rows) {
        EXPECT_EQ(std::string(std::get<5>(row)), window_path(std::get<0>(row)));
        EXPECT_EQ(std::string(manager_->GetWindow(std::get<0>(row))),
                  window_path(std::get<0>(row)));
    }
    auto w1again = window(window_path(1));
    EXPECT_EQ(w1again->Id(), 1u);
    EXPECT_EQ(w1again->Reason(), "One");
    EXPECT_EQ(w1again->CompletionNote(), "Fine");
    EXPECT_EQ(w1again->CreatedUSec(), created1);

    // A new window gets the next id, never a used one.
    w3->Complete("Done after restart", {}, {});
    const auto p4 = schedule(later, later + kUsecPerHour, "Four");
    EXPECT_EQ(std::string(p4), window_path(4));
}

TEST_F(Restart, AWindowWhoseEndPassedWhileDownIsMissed) {
    const std::uint64_t t0 = now_usec();
    const std::uint64_t start = t0 + kUsecPerSec;
    const std::uint64_t end = t0 + 1500 * 1000;
    const auto path =
        schedule(start, end, "Missed", {}, {{"NotifyLeadUSec", sdbus::Variant(std::uint64_t{0})}});
    daemon_->kill9();
    ASSERT_LT(now_usec(), start) << "the daemon was killed too late for this test";
    ASSERT_TRUE(wait_until([&] { return now_usec() > end + 300'000; }, 5s));
    recorder_->clear();
    daemon_->start();

    auto w = window(path);
    EXPECT_TRUE(wait_status(path, "failed", 3s)) << "status " << w->Status();
    EXPECT_TRUE(log_contains(w->Log(), "missed: the daemon was not running")) << log_text(w->Log());
    EXPECT_EQ(w->StartedUSec(), 0u) << "a missed window never started";
    EXPECT_GT(w->FinishedUSec(), end);
    EXPECT_EQ(manager_->State(), "idle");
    EXPECT_TRUE(recorder_->wait_for(window_finished(1, "failed"), 3s))
        << "the missed window's end is not announced\n"
        << recorder_->dump();
    EXPECT_EQ(recorder_->count(manager_signal("WindowStarted", 1)), 0u) << recorder_->dump();
    // The place is free; the next id is 2.
    const std::uint64_t later = now_usec() + kUsecPerHour;
    EXPECT_EQ(std::string(schedule(later, later + kUsecPerHour, "Next")), window_path(2));
}

TEST_F(Restart, AnInProgressWindowStaysInProgress) {
    const std::uint64_t later = now_usec() + kUsecPerHour;
    const auto path = schedule(later, later + kUsecPerHour, "Long job");
    window(path)->Start({});
    const std::uint64_t started = window(path)->StartedUSec();
    daemon_->kill9();
    recorder_->clear();
    daemon_->start();
    auto w = window(path);
    EXPECT_EQ(w->Status(), "in-progress");
    EXPECT_EQ(w->StartedUSec(), started);
    EXPECT_EQ(manager_->State(), "in-progress");
    EXPECT_TRUE(manager_->UnderMaintenance());
    EXPECT_EQ(std::string(manager_->ActiveWindow()), std::string(path));
    // A change after the restart is a barrier: its signal arrives after any restart would have.
    std::this_thread::sleep_for(300ms);
    w->Update({{"Comment", sdbus::Variant(std::string("barrier"))}});
    ASSERT_TRUE(recorder_->wait_for(
        property_changed(std::string(path), kWindowInterface, "Comment", "barrier"), 3s))
        << recorder_->dump();
    EXPECT_EQ(recorder_->count(manager_signal("WindowStarted", 1)), 0u)
        << "an in-progress window is not started again\n"
        << recorder_->dump();
}

TEST_F(Restart, AnInProgressWindowWhoseEndPassedWhileDownCompletesItself) {
    // Due at once (a start 10 s ago), ending 1.5 s from now, completing by itself.
    const std::uint64_t t0 = now_usec();
    const std::uint64_t end = t0 + 1500 * 1000;
    const auto path = schedule(t0 - 10 * kUsecPerSec, end, "Auto");
    ASSERT_TRUE(recorder_->wait_for(manager_signal("WindowStarted", 1), 1s)) << recorder_->dump();
    auto w = window(path);
    ASSERT_TRUE(w->AutoComplete());
    daemon_->kill9();
    ASSERT_LT(now_usec(), end) << "the daemon was killed too late for this test";
    ASSERT_TRUE(wait_until([&] { return now_usec() > end + 300'000; }, 5s));
    recorder_->clear();
    daemon_->start();
    EXPECT_TRUE(wait_status(path, kCompletedWithoutLogind, 3s))
        << "status " << window(path)->Status();
    EXPECT_EQ(manager_->State(), "idle");
    EXPECT_EQ(recorder_->count(manager_signal("WindowStarted", 1)), 0u) << recorder_->dump();
}

}  // namespace
}  // namespace maint::it
