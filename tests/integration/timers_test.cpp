// The daemon's own clock: a window starts by itself at its start time (after the upcoming notice of
// its lead time), completes by itself at its end with AutoComplete, and an invalid window never
// starts and is cancelled "expired while invalid" once its end passes. These take a few seconds.
#include <gtest/gtest.h>

#include "harness/daemon_test.hpp"

namespace maint::it {
namespace {

using Timers = DaemonTest;

TEST_F(Timers, AutomaticUpcomingStartAndCompletion) {
    const std::uint64_t t0 = now_usec();
    const std::uint64_t start = t0 + 2 * kUsecPerSec;
    const std::uint64_t end = t0 + 4 * kUsecPerSec;
    const auto path = schedule(start, end, "Automatic", {},
                               {{"NotifyLeadUSec", sdbus::Variant(std::uint64_t{kUsecPerSec})},
                                {"NotifyMessage", sdbus::Variant(std::string("Back soon"))}});
    const std::string wp = path;

    auto upcoming = recorder_->wait_for(manager_signal("WindowUpcoming", 1), 4s);
    ASSERT_TRUE(upcoming) << recorder_->dump();
    EXPECT_EQ(upcoming->window, wp);
    EXPECT_EQ(upcoming->start_usec, start);
    EXPECT_GE(now_usec(), start - kUsecPerSec) << "the upcoming notice came before the lead time";
    // During the lead time the Banner is the upcoming notice (not the in-progress banner).
    if (now_usec() + 300'000 < start) {
        const std::string banner = manager_->Banner();
        EXPECT_FALSE(banner.empty()) << "no upcoming notice in Banner during the lead time";
        EXPECT_NE(banner.rfind("System is under maintenance!", 0), 0u) << banner;
        EXPECT_EQ(manager_->State(), "scheduled");
    }

    auto started = recorder_->wait_for(manager_signal("WindowStarted", 1), 4s);
    ASSERT_TRUE(started) << "the window did not start by itself\n" << recorder_->dump();
    EXPECT_LT(recorder_->index_of(manager_signal("WindowUpcoming", 1)),
              recorder_->index_of(manager_signal("WindowStarted", 1)));
    auto w = window(path);
    EXPECT_EQ(w->StartedByUID(), 0u);
    EXPECT_GE(w->StartedUSec(), start) << "started before its start time";
    EXPECT_LT(w->StartedUSec(), start + 2 * kUsecPerSec);

    auto finished = recorder_->wait_for(window_finished(1, kCompletedWithoutLogind), 5s);
    ASSERT_TRUE(finished) << "the window did not complete by itself\n" << recorder_->dump();
    EXPECT_EQ(w->Status(), kCompletedWithoutLogind);
    EXPECT_GE(w->FinishedUSec(), end) << "completed before its end";
    EXPECT_EQ(manager_->State(), "idle");
    EXPECT_EQ(manager_->Banner(), "");
    EXPECT_EQ(recorder_->count(manager_signal("WindowStarted", 1)), 1u);
    EXPECT_EQ(recorder_->count(manager_signal("WindowUpcoming", 1)), 1u);
}

TEST_F(Timers, WithoutAutoCompleteTheWindowStaysInProgress) {
    const std::uint64_t t0 = now_usec();
    const auto path = schedule(t0 + kUsecPerSec, t0 + 2 * kUsecPerSec, "Manual end", {},
                               {{"AutoComplete", sdbus::Variant(false)},
                                {"NotifyLeadUSec", sdbus::Variant(std::uint64_t{0})}});
    ASSERT_TRUE(recorder_->wait_for(manager_signal("WindowStarted", 1), 4s)) << recorder_->dump();
    // Past its end by a comfortable margin: still in progress.
    ASSERT_TRUE(wait_until([&] { return now_usec() > t0 + 3 * kUsecPerSec; }, 5s));
    EXPECT_EQ(window(path)->Status(), "in-progress");
    EXPECT_EQ(recorder_->count(manager_signal("WindowFinished", 1)), 0u);
}

TEST_F(Timers, AnInvalidWindowNeverStartsAndExpires) {
    const std::uint64_t t0 = now_usec();
    const std::uint64_t start = t0 + kUsecPerSec;
    const std::uint64_t end = t0 + 2500 * 1000;
    const auto path = schedule(start, end, "On hold", {},
                               {{"NotifyLeadUSec", sdbus::Variant(std::uint64_t{500'000})}});
    auto w = window(path);
    w->Update({{"Valid", sdbus::Variant(false)}});
    ASSERT_FALSE(w->Valid());

    // Past its start: not started.
    ASSERT_TRUE(wait_until([&] { return now_usec() > start + 700'000; }, 3s));
    EXPECT_EQ(w->Status(), "scheduled");
    EXPECT_EQ(manager_->State(), "scheduled");
    EXPECT_EQ(recorder_->count(manager_signal("WindowStarted", 1)), 0u) << recorder_->dump();

    auto finished = recorder_->wait_for(window_finished(1, "cancelled"), 4s);
    ASSERT_TRUE(finished) << "the invalid window did not expire\n" << recorder_->dump();
    EXPECT_EQ(w->Status(), "cancelled");
    EXPECT_GE(w->FinishedUSec(), end);
    EXPECT_TRUE(log_contains(w->Log(), "expired while invalid")) << log_text(w->Log());
    EXPECT_EQ(recorder_->count(manager_signal("WindowStarted", 1)), 0u);
    EXPECT_EQ(manager_->State(), "idle");
}

TEST_F(Timers, AStartWithinTheLeadTimeIsAnnouncedAtOnce) {
    // The lead time (2 h) began before the window was even scheduled (start in 1 h).
    const std::uint64_t start = now_usec() + kUsecPerHour;
    schedule(start, start + kUsecPerHour, "Soon", {},
             {{"NotifyLeadUSec", sdbus::Variant(std::uint64_t{2 * kUsecPerHour})},
              {"NotifyMessage", sdbus::Variant(std::string("Save your work"))}});
    auto upcoming = recorder_->wait_for(manager_signal("WindowUpcoming", 1), 3s);
    ASSERT_TRUE(upcoming) << recorder_->dump();
    EXPECT_EQ(upcoming->start_usec, start);
    ASSERT_TRUE(recorder_->wait_for(
        [](const RecordedSignal& s) {
            return s.is("PropertiesChanged") && s.path == kManagerPath && s.changes("Banner");
        },
        3s))
        << "the Banner change is not announced\n"
        << recorder_->dump();
    const std::string banner = manager_->Banner();
    EXPECT_FALSE(banner.empty());
    EXPECT_NE(banner.rfind("System is under maintenance!", 0), 0u) << banner;
    EXPECT_EQ(manager_->State(), "scheduled");
}

TEST_F(Timers, AStartLessThanAMinuteAgoIsAcceptedAndStartsAtOnce) {
    // Only a start more than 60 s in the past is refused; 30 s ago is due now.
    const std::uint64_t start = now_usec() - 30 * kUsecPerSec;
    const auto path = schedule(start, start + kUsecPerHour, "Late but fine");
    ASSERT_TRUE(recorder_->wait_for(manager_signal("WindowStarted", 1), 3s)) << recorder_->dump();
    EXPECT_EQ(window(path)->Status(), "in-progress");
    EXPECT_EQ(window(path)->StartedByUID(), 0u);
}

TEST_F(Timers, CancelRemovesTheTimers) {
    const std::uint64_t t0 = now_usec();
    const auto path = schedule(t0 + kUsecPerSec, t0 + 2 * kUsecPerSec, "Called off", {},
                               {{"NotifyLeadUSec", sdbus::Variant(std::uint64_t{500'000})}});
    window(path)->Cancel("Called off");
    ASSERT_TRUE(wait_until([&] { return now_usec() > t0 + 2500 * 1000; }, 4s));
    EXPECT_EQ(window(path)->Status(), "cancelled");
    EXPECT_EQ(recorder_->count(manager_signal("WindowStarted", 1)), 0u) << recorder_->dump();
    EXPECT_EQ(recorder_->count(manager_signal("WindowUpcoming", 1)), 0u) << recorder_->dump();
    EXPECT_EQ(recorder_->count([](const RecordedSignal& s) { return s.is("WindowFinished"); }), 1u)
        << recorder_->dump();
}

TEST_F(Timers, UpdatedStartTimeIsRearmed) {
    const std::uint64_t far = now_usec() + 5 * kUsecPerHour;
    const auto path = schedule(far, far + kUsecPerHour, "Moved forward");
    const std::uint64_t start = now_usec() + kUsecPerSec;
    window(path)->Update({{"StartUSec", sdbus::Variant(start)},
                          {"NotifyLeadUSec", sdbus::Variant(std::uint64_t{0})}});
    auto started = recorder_->wait_for(manager_signal("WindowStarted", 1), 4s);
    ASSERT_TRUE(started) << "the window did not start at its new time\n" << recorder_->dump();
    EXPECT_GE(window(path)->StartedUSec(), start);
}

TEST_F(Timers, ShorteningAnInProgressWindowCompletesItAtItsNewEnd) {
    // Due at once (its start 10 s ago), planned for an hour.
    const std::uint64_t start = now_usec() - 10 * kUsecPerSec;
    const auto path = schedule(start, start + kUsecPerHour, "Cut short");
    ASSERT_TRUE(recorder_->wait_for(manager_signal("WindowStarted", 1), 3s)) << recorder_->dump();
    auto w = window(path);
    const std::uint64_t end = now_usec() + kUsecPerSec;
    w->Update({{"EndUSec", sdbus::Variant(end)}});
    auto finished = recorder_->wait_for(window_finished(1, kCompletedWithoutLogind), 4s);
    ASSERT_TRUE(finished) << "an in-progress window did not complete at its shortened end\n"
                          << recorder_->dump();
    EXPECT_GE(w->FinishedUSec(), end);
}

}  // namespace
}  // namespace maint::it
