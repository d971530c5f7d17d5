// The desktop agent's pure part: the texts of its notices and the tracker's decisions, without a
// bus. Times are shown in UTC here (TZ is set for the whole binary).
#include <gtest/gtest.h>

#include <cstdlib>

#include "notify/notices.hpp"
#include "notify/tracker.hpp"

namespace maint::notify {
namespace {

// 2026-12-01 02:00:00 UTC.
constexpr Usec kStart = 1'796'090'400ULL * kUsecPerSec;
constexpr Usec kEnd = kStart + 2 * kUsecPerHour;

class UtcEnvironment : public ::testing::Environment {
  public:
    void SetUp() override { ::setenv("TZ", "UTC", 1); }
};
[[maybe_unused]] const auto* const kUtc = ::testing::AddGlobalTestEnvironment(new UtcEnvironment);

WindowInfo window(std::uint32_t id, std::string status) {
    WindowInfo w;
    w.id = id;
    w.status = std::move(status);
    w.start_usec = kStart;
    w.end_usec = kEnd;
    w.notify_lead_usec = kUsecPerHour;
    w.reason = "Kernel upgrade";
    return w;
}

std::string describe(const Actions& actions) {
    std::string out;
    for (const auto& a : actions) {
        out += a.kind == Action::Kind::Show ? "show " : "close ";
        out += std::to_string(static_cast<int>(a.slot));
        if (a.kind == Action::Kind::Show)
            out += " \"" + a.notification.summary + "\"";
        out += "; ";
    }
    return out;
}

// --- texts -------------------------------------------------------------------------------------

TEST(TimeLeft, RoundsToTheNearestMinuteAndNamesTheUnits) {
    EXPECT_EQ(format_time_left(kStart, kStart - 15 * kUsecPerMinute), "in 15 minutes");
    // A reminder arrives a moment after its time: still "15 minutes".
    EXPECT_EQ(format_time_left(kStart, kStart - 15 * kUsecPerMinute + 200'000), "in 15 minutes");
    EXPECT_EQ(format_time_left(kStart, kStart - 14 * kUsecPerMinute - 29 * kUsecPerSec),
              "in 14 minutes");
    EXPECT_EQ(format_time_left(kStart, kStart - kUsecPerMinute), "in 1 minute");
    EXPECT_EQ(format_time_left(kStart, kStart - 40 * kUsecPerSec), "in 1 minute");
    EXPECT_EQ(format_time_left(kStart, kStart - 20 * kUsecPerSec), "in less than a minute");
    EXPECT_EQ(format_time_left(kStart, kStart), "now");
    EXPECT_EQ(format_time_left(kStart, kStart + kUsecPerMinute), "now");
    EXPECT_EQ(format_time_left(kStart, kStart - kUsecPerHour), "in 1 hour");
    EXPECT_EQ(format_time_left(kStart, kStart - 90 * kUsecPerMinute), "in 1 hour 30 minutes");
    EXPECT_EQ(format_time_left(kStart, kStart - 5 * kUsecPerHour - kUsecPerMinute),
              "in 5 hours 1 minute");
    EXPECT_EQ(format_time_left(kStart, kStart - kUsecPerDay), "in 1 day");
    EXPECT_EQ(format_time_left(kStart, kStart - 2 * kUsecPerDay - 3 * kUsecPerHour),
              "in 2 days 3 hours");
}

TEST(Notices, TheUpcomingNoticeSaysHowSoonWhyAndUntilWhen) {
    WindowInfo w = window(3, "scheduled");
    w.notify_message = "Expect two reboots.";
    const Notification n = upcoming_notice(w, kStart - 15 * kUsecPerMinute);
    EXPECT_EQ(n.summary, "Maintenance in 15 minutes");
    EXPECT_EQ(n.body,
              "Expect two reboots.\nFrom Tue 2026-12-01 02:00:00 UTC to Tue 2026-12-01 04:00:00 "
              "UTC.\nUsers who are not administrators will be logged off: please save your work.");
    EXPECT_EQ(n.icon, "appointment-soon");
    EXPECT_EQ(n.urgency, Urgency::Normal);
    EXPECT_EQ(n.expire_timeout_ms, -1);

    w.notify_message.clear();
    EXPECT_EQ(upcoming_notice(w, kStart).summary, "Maintenance starts now");
    EXPECT_EQ(upcoming_notice(w, kStart).body.rfind("Kernel upgrade\nFrom ", 0), 0u);
}

TEST(Notices, TheInProgressNoticeIsCriticalAndStays) {
    const Notification n = in_progress_notice(window(3, "in-progress"));
    EXPECT_EQ(n.summary, "System is under maintenance");
    EXPECT_EQ(n.body,
              "Kernel upgrade\nUntil Tue 2026-12-01 04:00:00 UTC; only administrators can log in.");
    EXPECT_EQ(n.icon, "dialog-warning");
    EXPECT_EQ(n.urgency, Urgency::Critical);
    EXPECT_EQ(n.expire_timeout_ms, 0);
}

TEST(Notices, TheOutcomeNamesHowTheWindowEnded) {
    WindowInfo w = window(3, "completed");
    w.completion_note = "All hosts upgraded.";
    Notification n = outcome_notice(w);
    EXPECT_EQ(n.summary, "Maintenance completed");
    EXPECT_EQ(n.body, "All hosts upgraded.");
    EXPECT_EQ(n.icon, "dialog-information");
    EXPECT_EQ(n.urgency, Urgency::Normal);
    EXPECT_EQ(n.expire_timeout_ms, -1);

    w.status = "completed-with-errors";
    EXPECT_EQ(outcome_notice(w).summary, "Maintenance completed with errors");
    EXPECT_EQ(outcome_notice(w).icon, "dialog-warning");

    w.status = "failed";
    w.completion_note.clear();
    n = outcome_notice(w);
    EXPECT_EQ(n.summary, "Maintenance failed");
    EXPECT_EQ(n.body, "Kernel upgrade");  // no note: what the window was for
    EXPECT_EQ(n.icon, "dialog-error");

    w.status = "cancelled";
    w.completion_note = "Postponed to next week.";
    n = outcome_notice(w);
    EXPECT_EQ(n.summary, "Maintenance cancelled");
    EXPECT_EQ(n.body,
              "The maintenance announced for Tue 2026-12-01 02:00:00 UTC will not take place.\n"
              "Postponed to next week.");

    w.status = "exploded";  // a status of a newer daemon
    EXPECT_EQ(outcome_notice(w).summary, "Maintenance finished (exploded)");
}

TEST(Notices, ControlCharactersAreDroppedAndMarkupIsEscapedForServersThatRenderIt) {
    WindowInfo w = window(3, "in-progress");
    w.reason = "Upgrade\r\x1b[31m <glibc> & co\tnow\x7f";
    const Notification n = in_progress_notice(w);
    EXPECT_EQ(n.body.substr(0, n.body.find('\n')), "Upgrade[31m <glibc> & co\tnow");
    EXPECT_EQ(escape_markup("a <b>&</b> \"c\""), "a &lt;b&gt;&amp;&lt;/b&gt; \"c\"");
}

TEST(Notices, TheUpcomingNoticeIsDueOnceTheLeadTimeOfAValidWindowBegan) {
    WindowInfo w = window(3, "scheduled");
    EXPECT_FALSE(upcoming_notice_due(w, kStart - kUsecPerHour - 1));
    EXPECT_TRUE(upcoming_notice_due(w, kStart - kUsecPerHour));
    w.valid = false;
    EXPECT_FALSE(upcoming_notice_due(w, kStart - kUsecPerMinute));
    w.valid = true;
    w.notify_lead_usec = 0;
    EXPECT_FALSE(upcoming_notice_due(w, kStart - kUsecPerMinute));
    EXPECT_TRUE(is_finished("completed-with-errors"));
    EXPECT_TRUE(is_finished("cancelled"));
    EXPECT_FALSE(is_finished("in-progress"));
    EXPECT_FALSE(is_finished(""));
}

// --- the tracker -------------------------------------------------------------------------------

TEST(Tracker, RemindersReplaceTheUpcomingNoticeAndTheStartSwapsItForTheCriticalOne) {
    NoticeTracker t;
    const WindowInfo w = window(1, "scheduled");
    Actions a = t.window_upcoming(w, kStart - 30 * kUsecPerMinute);
    ASSERT_EQ(a.size(), 1u) << describe(a);
    EXPECT_EQ(a[0], Action::show(Slot::Upcoming, upcoming_notice(w, kStart - 30 * kUsecPerMinute)));
    EXPECT_EQ(a[0].notification.summary, "Maintenance in 30 minutes");

    a = t.window_upcoming(w, kStart - 15 * kUsecPerMinute);
    ASSERT_EQ(a.size(), 1u) << describe(a);
    EXPECT_EQ(a[0].slot, Slot::Upcoming);  // the same slot: replaces the previous one
    EXPECT_EQ(a[0].notification.summary, "Maintenance in 15 minutes");
    EXPECT_EQ(t.followed(), std::vector<std::uint32_t>{1});

    a = t.window_started(window(1, "in-progress"));
    EXPECT_EQ(
        a, (Actions{Action::close(Slot::Upcoming),
                    Action::show(Slot::InProgress, in_progress_notice(window(1, "in-progress")))}))
        << describe(a);
    EXPECT_EQ(t.followed(), std::vector<std::uint32_t>{1});

    // The same start again (a restarted daemon, a duplicate signal): nothing new.
    EXPECT_TRUE(t.window_started(window(1, "in-progress")).empty());

    WindowInfo done = window(1, "completed");
    done.completion_note = "Done.";
    a = t.window_finished(done);
    EXPECT_EQ(a, (Actions{Action::close(Slot::InProgress),
                          Action::show(Slot::Outcome, outcome_notice(done))}))
        << describe(a);
    EXPECT_TRUE(t.followed().empty());
    EXPECT_TRUE(t.window_finished(done).empty()) << "an outcome is shown once";
}

TEST(Tracker, LateSignalsOfAWindowThatMovedOnShowNothing) {
    NoticeTracker t;
    EXPECT_TRUE(t.window_upcoming(window(1, "in-progress"), kStart).empty());
    EXPECT_TRUE(t.window_started(window(1, "completed")).empty());
    EXPECT_TRUE(t.followed().empty());
}

TEST(Tracker, AWindowNobodyWasToldAboutEndsSilently) {
    NoticeTracker t;
    EXPECT_TRUE(t.window_finished(window(1, "cancelled")).empty());
    EXPECT_TRUE(t.window_finished(window(2, "failed")).empty());
}

TEST(Tracker, ACancelledAnnouncedWindowTakesItsNoticeBack) {
    NoticeTracker t;
    t.window_upcoming(window(1, "scheduled"), kStart - kUsecPerMinute);
    const Actions a = t.window_finished(window(1, "cancelled"));
    ASSERT_EQ(a.size(), 2u) << describe(a);
    EXPECT_EQ(a[0], Action::close(Slot::Upcoming));
    EXPECT_EQ(a[1].slot, Slot::Outcome);
    EXPECT_EQ(a[1].notification.summary, "Maintenance cancelled");
}

TEST(Tracker, ANewEndOrMessageUpdatesTheCriticalNoticeInPlace) {
    NoticeTracker t;
    WindowInfo w = window(1, "in-progress");
    t.window_started(w);
    EXPECT_TRUE(t.window_changed(w, kStart).empty()) << "nothing that is shown changed";
    w.end_usec += kUsecPerHour;
    const Actions a = t.window_changed(w, kStart);
    ASSERT_EQ(a.size(), 1u) << describe(a);
    EXPECT_EQ(a[0], Action::show(Slot::InProgress, in_progress_notice(w)));
    EXPECT_NE(a[0].notification.body.find("05:00:00"), std::string::npos);
    EXPECT_TRUE(t.window_changed(window(2, "in-progress"), kStart).empty()) << "another window";
}

TEST(Tracker, APostponedWindowTakesItsUpcomingNoticeBack) {
    NoticeTracker t;
    WindowInfo w = window(1, "scheduled");
    const Usec now = kStart - 10 * kUsecPerMinute;
    t.window_upcoming(w, now);
    w.start_usec += 5 * kUsecPerMinute;  // still within the lead time: the daemon re-announces
    EXPECT_TRUE(t.window_changed(w, now).empty());
    w.start_usec = now + 2 * kUsecPerHour;
    EXPECT_EQ(t.window_changed(w, now), Actions{Action::close(Slot::Upcoming)});
    EXPECT_TRUE(t.followed().empty());
}

TEST(Tracker, AtStartUpAWindowInProgressShowsTheCriticalNoticeOnce) {
    NoticeTracker t;
    Snapshot s;
    s.active = window(4, "in-progress");
    Actions a = t.synchronize(s, kStart + kUsecPerMinute);
    EXPECT_EQ(a, Actions{Action::show(Slot::InProgress, in_progress_notice(*s.active))})
        << describe(a);
    // The daemon restarts mid-window: the same state again shows nothing.
    s.followed = {*s.active};
    EXPECT_TRUE(t.synchronize(s, kStart + 2 * kUsecPerMinute).empty());
}

TEST(Tracker, AtStartUpAnAnnouncedWindowShowsTheUpcomingNoticeOnce) {
    NoticeTracker t;
    Snapshot s;
    s.next = window(4, "scheduled");
    EXPECT_TRUE(t.synchronize(s, kStart - 5 * kUsecPerMinute).empty())
        << "scheduled, but the daemon has not begun warning";
    s.upcoming_announced = true;
    Actions a = t.synchronize(s, kStart - 5 * kUsecPerMinute);
    ASSERT_EQ(a.size(), 1u) << describe(a);
    EXPECT_EQ(a[0].notification.summary, "Maintenance in 5 minutes");
    s.followed = {*s.next};
    EXPECT_TRUE(t.synchronize(s, kStart - 4 * kUsecPerMinute).empty());
    // Moved while the daemon was away, still within the lead time: announced anew.
    s.next->start_usec += kUsecPerMinute;
    s.followed = {*s.next};
    a = t.synchronize(s, kStart - 4 * kUsecPerMinute);
    ASSERT_EQ(a.size(), 1u) << describe(a);
    EXPECT_EQ(a[0].slot, Slot::Upcoming);
}

TEST(Tracker, WhatHappenedWhileTheDaemonWasAwayIsCaughtUpWith) {
    // Finished meanwhile: the critical notice goes, the outcome comes.
    {
        NoticeTracker t;
        t.window_started(window(1, "in-progress"));
        Snapshot s;
        s.followed = {window(1, "completed")};
        const Actions a = t.synchronize(s, kEnd);
        ASSERT_EQ(a.size(), 2u) << describe(a);
        EXPECT_EQ(a[0], Action::close(Slot::InProgress));
        EXPECT_EQ(a[1].notification.summary, "Maintenance completed");
    }
    // Started meanwhile: the upcoming notice goes, the critical one comes.
    {
        NoticeTracker t;
        t.window_upcoming(window(1, "scheduled"), kStart - kUsecPerMinute);
        Snapshot s;
        s.active = window(1, "in-progress");
        s.followed = {*s.active};
        const Actions a = t.synchronize(s, kStart);
        EXPECT_EQ(a, (Actions{Action::close(Slot::Upcoming),
                              Action::show(Slot::InProgress, in_progress_notice(*s.active))}))
            << describe(a);
    }
    // Postponed beyond its lead time meanwhile: the daemon no longer warns, neither do we.
    {
        NoticeTracker t;
        t.window_upcoming(window(1, "scheduled"), kStart - kUsecPerMinute);
        Snapshot s;
        s.next = window(1, "scheduled");
        s.followed = {*s.next};
        EXPECT_EQ(t.synchronize(s, kStart - kUsecPerMinute),
                  Actions{Action::close(Slot::Upcoming)});
    }
    // Gone from the daemon's records (a new state database): its notice goes, silently.
    {
        NoticeTracker t;
        t.window_started(window(1, "in-progress"));
        EXPECT_EQ(t.synchronize(Snapshot{}, kStart), Actions{Action::close(Slot::InProgress)});
        EXPECT_TRUE(t.followed().empty());
    }
}

}  // namespace
}  // namespace maint::notify
