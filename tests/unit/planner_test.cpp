// Tests of the window lifecycle (core/planner) behind in-memory doubles of its ports
// (planner_doubles.hpp): scheduling and ids, the one-at-a-time rule, what the listener hears and
// that the store held it first, update/cancel/start/complete and their state checks, the start
// steps, the timers, missed windows and interrupted steps after a restart, the Manager's view
// and the history cache.
#include "core/planner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/timestamp.hpp"
#include "core/errors.hpp"
#include "planner_doubles.hpp"

namespace maint {
namespace {

using doubles::CannedPrechecks;
using doubles::kT0;
using doubles::PlannerRig;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr Actor kAlice{1000, 4242};
constexpr Actor kBob{1001, 5151};

bool has_log(const Window& w, const std::string& text) {
    return std::any_of(w.log.begin(), w.log.end(), [&](const LogEntry& e) {
        return e.message.find(text) != std::string::npos;
    });
}

bool has_log(const Window& w, LogLevel level, const std::string& text) {
    return std::any_of(w.log.begin(), w.log.end(), [&](const LogEntry& e) {
        return e.level == level && e.message.find(text) != std::string::npos;
    });
}

int count_log(const Window& w, const std::string& text) {
    return static_cast<int>(std::count_if(w.log.begin(), w.log.end(), [&](const LogEntry& e) {
        return e.message.find(text) != std::string::npos;
    }));
}

std::string log_text(const Window& w) {
    std::string out;
    for (const auto& e : w.log) {
        out += std::string(to_string(e.level)) + ": " + e.message + "\n";
    }
    return out;
}

// The message of the Error `f` throws, which must carry `code`.
std::string error_of(Errc code, const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        EXPECT_EQ(static_cast<int>(e.code()), static_cast<int>(code)) << e.what();
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "threw something other than maint::Error: " << e.what();
        return {};
    }
    ADD_FAILURE() << "did not throw";
    return {};
}

// What a start's `done` reported, kept alive for starts that finish later.
struct StartOutcome {
    int calls = 0;
    std::optional<Error> error;
    bool ok() const { return calls == 1 && !error; }
};

class PlannerTest : public ::testing::Test {
  protected:
    PlannerTest() {
        rig_.prechecks.rows = {CannedPrechecks::pass("disk"),
                               CannedPrechecks::pass("ntp", "warning")};
        rig_.sessions.ends = {{"c3", 1002, "carol", true, ""}};
        rig_.make();
    }

    Planner& planner() { return *rig_.planner; }
    Usec now() const { return rig_.clock.now(); }

    WindowChanges request(Usec start_in = kUsecPerHour, Usec length = kUsecPerHour) const {
        WindowChanges c;
        c.start_usec = now() + start_in;
        c.end_usec = now() + start_in + length;
        c.reason = "kernel update";
        return c;
    }
    WindowId schedule(const WindowChanges& c, const Actor& by = kAlice) {
        return planner().schedule(c, by);
    }
    WindowId schedule() { return schedule(request()); }

    std::shared_ptr<StartOutcome> start(WindowId id, bool force = false, const Actor& by = kAlice) {
        auto outcome = std::make_shared<StartOutcome>();
        planner().start(id, force, by, [outcome](std::optional<Error> e) {
            ++outcome->calls;
            outcome->error = std::move(e);
        });
        return outcome;
    }
    // A window in progress, its start steps done.
    WindowId in_progress(const WindowChanges& c) {
        const WindowId id = schedule(c);
        auto outcome = start(id);
        EXPECT_TRUE(outcome->ok()) << (outcome->error ? outcome->error->what() : "not done");
        EXPECT_EQ(window(id).status, Status::InProgress);
        return id;
    }
    WindowId in_progress() { return in_progress(request()); }

    // The planner's view of the window.
    Window window(WindowId id) {
        const Window* w = planner().find(id);
        EXPECT_NE(w, nullptr) << "no window " << id;
        return w ? *w : Window{};
    }

    // Everything a refused operation must leave as it was.
    struct Snapshot {
        std::map<WindowId, Window> windows;
        std::map<WindowId, Window> stored;
        ManagerView view;
        std::vector<WindowSummary> list;
        std::size_t events = 0;
        std::size_t arms = 0;
        std::size_t notices = 0;
        bool operator==(const Snapshot&) const = default;
    };
    Snapshot snapshot() {
        Snapshot s;
        for (WindowId id : planner().ids())
            s.windows[id] = window(id);
        s.stored = rig_.store.windows;
        s.view = planner().manager_view();
        s.list = planner().list();
        s.events = rig_.listener.events.size();
        s.arms = rig_.scheduler.arms.size();
        s.notices = rig_.notifier.sent.size();
        return s;
    }

    // A window as a previous daemon left it in the store.
    Window stored_window(WindowId id, Status status, Usec start, Usec end) {
        Window w;
        w.id = id;
        w.status = status;
        w.spec.start_usec = start;
        w.spec.end_usec = end;
        w.spec.reason = "stored " + std::to_string(id);
        w.spec.notify = {"ops"};
        w.spec.hosts = {"web1", "db1"};
        w.spec.notify_lead_usec = 30 * kUsecPerMinute;
        w.created_usec = start - kUsecPerDay;
        w.created_by_uid = 1000;
        w.log = {{w.created_usec, LogLevel::Info, "Scheduled by UID 1000."}};
        if (status == Status::InProgress) {
            w.started_usec = start;
            w.started_by_uid = 1000;
        }
        if (is_final(status)) {
            w.finished_usec = end;
            w.finished_by_uid = 1000;
        }
        return w;
    }
    // Replaces the planner with one that loads the store and resumes, as a restarted daemon.
    Planner& restart() {
        rig_.make();
        planner().resume();
        return planner();
    }

    void TearDown() override {
        EXPECT_THAT(rig_.store.violations, ::testing::IsEmpty());
        for (const auto& e : rig_.listener.events) {
            if (e.kind == "manager" || e.kind == "host" || e.kind == "by-hand" ||
                e.kind == "problem")
                continue;
            EXPECT_TRUE(e.stored) << "the listener heard '" << e.kind << "' of window " << e.id
                                  << " before the store held it";
        }
    }

    PlannerRig rig_;
};

// ---------------------------------------------------------------------------------------------
// Scheduling

TEST_F(PlannerTest, IdsCountFromOneAndAreNeverReused) {
    const WindowId a = schedule();
    EXPECT_EQ(a, 1u);
    planner().cancel(a, "", kAlice);
    const WindowId b = schedule();
    EXPECT_EQ(b, 2u);
    const WindowId b2 = b;
    planner().cancel(b2, "changed my mind", kAlice);
    EXPECT_EQ(schedule(), 3u);
    EXPECT_THAT(planner().ids(), ElementsAre(1u, 2u, 3u));
}

TEST_F(PlannerTest, IdsAreNeverReusedAfterLoad) {
    planner().cancel(schedule(), "", kAlice);
    planner().cancel(schedule(), "", kAlice);
    restart();
    EXPECT_EQ(schedule(), 3u);
}

TEST_F(PlannerTest, IdsFollowTheStoresHighestIdEverUsed) {
    // The store remembers id 7 even though only windows up to 5 are left.
    rig_.store.put(stored_window(5, Status::Cancelled, kT0 - 2 * kUsecPerDay, kT0 - kUsecPerDay));
    rig_.store.last_id = 7;
    restart();
    EXPECT_EQ(schedule(), 8u);
}

TEST_F(PlannerTest, ScheduleTakesDefaultsFromTheSettings) {
    rig_.settings.default_lead_usec = 10 * kUsecPerMinute;
    planner().set_settings(rig_.settings);
    const WindowChanges c = request();
    const WindowId id = schedule(c, kBob);
    const Window w = window(id);
    EXPECT_EQ(w.status, Status::Scheduled);
    EXPECT_EQ(w.spec.start_usec, *c.start_usec);
    EXPECT_EQ(w.spec.end_usec, *c.end_usec);
    EXPECT_EQ(w.spec.reason, "kernel update");
    EXPECT_EQ(w.spec.notify_lead_usec, 10 * kUsecPerMinute);
    EXPECT_THAT(w.spec.hosts, ElementsAre("web1", "db1"));
    EXPECT_TRUE(w.spec.notify.empty());
    EXPECT_TRUE(w.spec.auto_complete);
    EXPECT_TRUE(w.spec.valid);
    EXPECT_EQ(w.created_usec, now());
    EXPECT_EQ(w.created_by_uid, kBob.uid);
    EXPECT_TRUE(has_log(w, LogLevel::Info, "Scheduled by UID 1001")) << log_text(w);
    EXPECT_EQ(rig_.store.at(id), w);
}

TEST_F(PlannerTest, ScheduleOptionsOverrideTheDefaults) {
    WindowChanges c = request();
    c.notify_lead_usec = 5 * kUsecPerMinute;
    c.hosts = std::vector<std::string>{"db1", "db1"};
    c.notify = std::vector<std::string>{"ops", "devs", "ops"};
    c.auto_complete = false;
    const Window w = window(schedule(c));
    EXPECT_EQ(w.spec.notify_lead_usec, 5 * kUsecPerMinute);
    EXPECT_THAT(w.spec.hosts, ElementsAre("db1"));
    EXPECT_THAT(w.spec.notify, ElementsAre("ops", "devs"));
    EXPECT_FALSE(w.spec.auto_complete);
}

TEST_F(PlannerTest, ScheduleRefusesBadArgumentsAndChangesNothing) {
    const Snapshot before = snapshot();
    WindowChanges c = request();
    c.hosts = std::vector<std::string>{"mail9"};
    EXPECT_THAT(error_of(Errc::InvalidArgs, [&] { schedule(c); }),
                AllOf(HasSubstr("mail9"), Not(HasSubstr("web1"))));
    c = request();
    c.notify = std::vector<std::string>{"board"};
    EXPECT_THAT(error_of(Errc::InvalidArgs, [&] { schedule(c); }), Not(HasSubstr("devs")));
    c = request();
    c.start_usec = now() - 61 * kUsecPerSec;
    error_of(Errc::InvalidArgs, [&] { schedule(c); });
    c = request();
    c.end_usec = c.start_usec;
    error_of(Errc::InvalidArgs, [&] { schedule(c); });
    EXPECT_THROW(planner().check_schedule(c), Error);
    EXPECT_EQ(snapshot(), before);
    EXPECT_EQ(schedule(), 1u) << "a refused request used up an id";
}

TEST_F(PlannerTest, AStartUpToSixtySecondsAgoIsAccepted) {
    WindowChanges c = request();
    c.start_usec = now() - 60 * kUsecPerSec;
    EXPECT_NO_THROW(planner().check_schedule(c));
    EXPECT_EQ(schedule(c), 1u);
}

TEST_F(PlannerTest, OnlyOneWindowAtATime) {
    const WindowId a = schedule();
    EXPECT_THAT(error_of(Errc::AlreadyScheduled, [&] { schedule(request(3 * kUsecPerHour)); }),
                AllOf(HasSubstr("Window 1"), HasSubstr("scheduled")));
    ASSERT_TRUE(start(a)->ok());
    EXPECT_THAT(error_of(Errc::AlreadyScheduled, [&] { schedule(request(3 * kUsecPerHour)); }),
                AllOf(HasSubstr("Window 1"), HasSubstr("in-progress")));
    planner().complete(a, "", {}, false, kAlice);
    const WindowId b = schedule(request(3 * kUsecPerHour));
    EXPECT_EQ(b, 2u);
    planner().cancel(b, "", kAlice);
    EXPECT_EQ(schedule(request(3 * kUsecPerHour)), 3u);
}

TEST_F(PlannerTest, ScheduleAnnouncesTheWindowThenTheManager) {
    const WindowId id = schedule();
    const auto& ev = rig_.listener.events;
    ASSERT_THAT(rig_.listener.kinds(), ElementsAre("added", "manager"));
    EXPECT_EQ(ev[0].window.id, id);
    EXPECT_TRUE(ev[0].stored);
    EXPECT_EQ(ev[1].before, ManagerView{});
    EXPECT_EQ(ev[1].after.state, "scheduled");
    EXPECT_EQ(ev[1].after.next, id);
    EXPECT_EQ(ev[1].after.active, 0u);
    EXPECT_FALSE(ev[1].after.under_maintenance);
    EXPECT_EQ(ev[1].after.banner, "");
    EXPECT_THAT(rig_.notifier.notices(), ElementsAre(Notice::Scheduled));
}

TEST_F(PlannerTest, AFailingSaveLeavesScheduleUndone) {
    const Snapshot before = snapshot();
    rig_.store.fail_next_save();
    EXPECT_THAT(error_of(Errc::Failed, [&] { schedule(); }), HasSubstr("disk full"));
    EXPECT_EQ(snapshot(), before);
    EXPECT_FALSE(planner().exists(1));
    EXPECT_EQ(planner().find(1), nullptr);
    EXPECT_EQ(schedule(), 1u);
}

TEST_F(PlannerTest, ListIsNewestFirst) {
    planner().cancel(schedule(), "", kAlice);
    const WindowId b = schedule();
    const auto list = planner().list();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].id, b);
    EXPECT_EQ(list[0].status, Status::Scheduled);
    EXPECT_EQ(list[1].id, 1u);
    EXPECT_EQ(list[1].status, Status::Cancelled);
    EXPECT_EQ(list[1].reason, "kernel update");
}

// ---------------------------------------------------------------------------------------------
// The listener hears only what is stored

TEST_F(PlannerTest, EveryAnnouncedWindowIsAlreadyStored) {
    rig_.hosts.failing = {"db1"};
    rig_.notifier.failures[Notice::Started] = {"mail: relay refused"};
    const WindowId id = schedule();
    planner().update(
        id,
        [] {
            WindowChanges c;
            c.comment = "see ticket";
            return c;
        }(),
        kAlice);
    ASSERT_TRUE(start(id)->ok());
    planner().complete(id, "done", {}, false, kAlice);
    EXPECT_GE(rig_.listener.events.size(), 8u);
    for (const auto& e : rig_.listener.events) {
        if (e.kind == "manager" || e.kind == "host")
            continue;
        EXPECT_TRUE(e.stored) << e.kind;
    }
    EXPECT_EQ(rig_.store.with_results(rig_.store.at(id)), window(id));
}

// ---------------------------------------------------------------------------------------------
// Update

TEST_F(PlannerTest, UpdateChangesTheFieldsAndSaysWhich) {
    const WindowId id = schedule();
    rig_.listener.clear();
    rig_.notifier.sent.clear();
    WindowChanges c;
    c.reason = "kernel and firmware";
    c.comment = "ticket 7";
    planner().update(id, c, kBob);
    const Window w = window(id);
    EXPECT_EQ(w.spec.reason, "kernel and firmware");
    EXPECT_EQ(w.spec.comment, "ticket 7");
    EXPECT_TRUE(has_log(w, "Updated by UID 1001: reason, comment.")) << log_text(w);
    ASSERT_THAT(rig_.listener.kinds(), ElementsAre("changed"));
    EXPECT_EQ(rig_.listener.events[0].fields, kFieldReason | kFieldComment | kFieldLog);
    EXPECT_EQ(rig_.store.at(id), w);
    EXPECT_TRUE(rig_.notifier.sent.empty()) << "no notice when the times stay";
}

TEST_F(PlannerTest, UpdatingTheTimesClearsTheUpcomingStepAndReArms) {
    // Starts in 20 minutes with a 30 minute lead: the upcoming notice is due.
    const WindowId id = schedule(request(20 * kUsecPerMinute));
    rig_.scheduler.fire(id, TimerKind::Upcoming);
    ASSERT_TRUE(window(id).done(kStepUpcomingAnnounced));
    ASSERT_NE(planner().manager_view().banner, "");
    rig_.notifier.sent.clear();

    WindowChanges c;
    c.start_usec = now() + 3 * kUsecPerHour;
    c.end_usec = now() + 4 * kUsecPerHour;
    planner().update(id, c, kAlice);
    const Window w = window(id);
    EXPECT_FALSE(w.done(kStepUpcomingAnnounced));
    EXPECT_EQ(rig_.scheduler.when(id, TimerKind::Upcoming), *c.start_usec - 30 * kUsecPerMinute);
    EXPECT_EQ(rig_.scheduler.when(id, TimerKind::Start), *c.start_usec);
    EXPECT_EQ(rig_.scheduler.when(id, TimerKind::End), *c.end_usec);
    EXPECT_EQ(planner().manager_view().banner, "") << "the old upcoming banner stayed";
    EXPECT_THAT(rig_.notifier.notices(), ElementsAre(Notice::Updated));
}

TEST_F(PlannerTest, UpdatingTheLeadAlsoClearsTheUpcomingStep) {
    const WindowId id = schedule(request(20 * kUsecPerMinute));
    rig_.scheduler.fire(id, TimerKind::Upcoming);
    ASSERT_TRUE(window(id).done(kStepUpcomingAnnounced));
    WindowChanges c;
    c.notify_lead_usec = 10 * kUsecPerMinute;
    planner().update(id, c, kAlice);
    EXPECT_FALSE(window(id).done(kStepUpcomingAnnounced));
    EXPECT_EQ(rig_.scheduler.when(id, TimerKind::Upcoming),
              now() + 20 * kUsecPerMinute - 10 * kUsecPerMinute);
}

TEST_F(PlannerTest, UpdatingOtherFieldsKeepsTheUpcomingStep) {
    const WindowId id = schedule(request(20 * kUsecPerMinute));
    rig_.scheduler.fire(id, TimerKind::Upcoming);
    WindowChanges c;
    c.notify_message = "reboots ahead";
    planner().update(id, c, kAlice);
    EXPECT_TRUE(window(id).done(kStepUpcomingAnnounced));
}

TEST_F(PlannerTest, UpdatingValidToFalseLeavesOnlyTheEndTimer) {
    const WindowId id = schedule();
    WindowChanges c;
    c.valid = false;
    planner().update(id, c, kAlice);
    EXPECT_FALSE(window(id).spec.valid);
    EXPECT_EQ(rig_.scheduler.timers(id),
              (std::vector<TimerSpec>{{TimerKind::End, window(id).spec.end_usec}}));
    EXPECT_EQ(rig_.listener.events.back().fields & kFieldValid, kFieldValid);
}

TEST_F(PlannerTest, AnInProgressWindowTakesOnlyEndAndMessages) {
    const WindowId id = in_progress();
    for (auto set : std::vector<std::function<void(WindowChanges&)>>{
             [&](WindowChanges& c) { c.start_usec = now() + kUsecPerHour; },
             [](WindowChanges& c) { c.reason = "other"; },
             [](WindowChanges& c) { c.notify = std::vector<std::string>{"ops"}; },
             [](WindowChanges& c) { c.hosts = std::vector<std::string>{"web1"}; },
             [](WindowChanges& c) { c.auto_complete = false; },
             [](WindowChanges& c) { c.valid = false; },
             [](WindowChanges& c) { c.notify_lead_usec = 1; },
         }) {
        WindowChanges c;
        set(c);
        const Snapshot before = snapshot();
        EXPECT_THAT(error_of(Errc::InvalidState, [&] { planner().update(id, c, kAlice); }),
                    HasSubstr("in-progress"));
        EXPECT_EQ(snapshot(), before);
    }
    WindowChanges c;
    c.end_usec = now() + 5 * kUsecPerHour;
    c.notify_message = "extended";
    c.login_message = "back later";
    c.show_login_message = true;
    c.comment = "took longer";
    planner().update(id, c, kAlice);
    const Window w = window(id);
    EXPECT_EQ(w.status, Status::InProgress);
    EXPECT_EQ(w.spec.end_usec, *c.end_usec);
    EXPECT_EQ(w.spec.notify_message, "extended");
    EXPECT_EQ(rig_.scheduler.timers(id), (std::vector<TimerSpec>{{TimerKind::End, *c.end_usec}}));
}

TEST_F(PlannerTest, UpdateValidatesAndChangesNothingWhenRefused) {
    const WindowId id = schedule();
    const Snapshot before = snapshot();
    WindowChanges c;
    c.end_usec = window(id).spec.start_usec;
    error_of(Errc::InvalidArgs, [&] { planner().update(id, c, kAlice); });
    EXPECT_THROW(planner().check_update(id, c), Error);
    c = {};
    c.hosts = std::vector<std::string>{"nope"};
    EXPECT_THAT(error_of(Errc::InvalidArgs, [&] { planner().update(id, c, kAlice); }),
                AllOf(HasSubstr("unknown host 'nope'"), Not(HasSubstr("web1"))));
    EXPECT_EQ(snapshot(), before);
}

TEST_F(PlannerTest, AFailingSaveLeavesUpdateUndone) {
    const WindowId id = schedule();
    const Snapshot before = snapshot();
    rig_.store.fail_next_save();
    WindowChanges c;
    c.reason = "new";
    c.start_usec = now() + 30 * kUsecPerMinute;
    EXPECT_THAT(error_of(Errc::Failed, [&] { planner().update(id, c, kAlice); }),
                HasSubstr("disk full"));
    EXPECT_EQ(snapshot(), before);
}

// The "schedule" action plans; what starts a window at once or moves an in-progress end is
// "run" (security review, issue 12).
TEST_F(PlannerTest, AWindowThatStartsAtOnceNeedsRun) {
    EXPECT_EQ(planner().schedule_action(request(kUsecPerHour)), Action::Schedule);
    EXPECT_EQ(planner().schedule_action(request(kStartGraceUsec + 1)), Action::Schedule);
    EXPECT_EQ(planner().schedule_action(request(kStartGraceUsec)), Action::Run);
    EXPECT_EQ(planner().schedule_action(request(0)), Action::Run);
    WindowChanges past = request(0);
    *past.start_usec -= 30 * kUsecPerSec;  // inside the grace: accepted, and starts at once
    EXPECT_EQ(planner().schedule_action(past), Action::Run);
}

TEST_F(PlannerTest, MovingAScheduledStartIntoTheGraceNeedsRun) {
    const WindowId id = schedule();
    WindowChanges c;
    c.reason = "other";
    EXPECT_EQ(planner().update_action(id, c), Action::Schedule);
    c.start_usec = now() + 2 * kUsecPerMinute;
    EXPECT_EQ(planner().update_action(id, c), Action::Schedule);
    c.start_usec = now();
    EXPECT_EQ(planner().update_action(id, c), Action::Run);
    c.valid = false;  // an invalid window never starts by itself
    EXPECT_EQ(planner().update_action(id, c), Action::Schedule);
}

TEST_F(PlannerTest, MakingAnInvalidWindowDueValidNeedsRun) {
    const WindowId id = schedule(request(2 * kUsecPerMinute));
    WindowChanges invalid;
    invalid.valid = false;
    planner().update(id, invalid, kAlice);
    rig_.clock.advance(2 * kUsecPerMinute);  // its start passed while it was invalid
    WindowChanges c;
    c.valid = true;
    EXPECT_EQ(planner().update_action(id, c), Action::Run);
}

TEST_F(PlannerTest, MovingAnInProgressEndNeedsRun) {
    const WindowId id = in_progress();
    WindowChanges c;
    c.comment = "going well";
    EXPECT_EQ(planner().update_action(id, c), Action::Schedule);
    c.end_usec = window(id).spec.end_usec;  // unchanged
    EXPECT_EQ(planner().update_action(id, c), Action::Schedule);
    c.end_usec = now() + kUsecPerSec;  // as good as Complete
    EXPECT_EQ(planner().update_action(id, c), Action::Run);
    c.end_usec = window(id).spec.end_usec + kUsecPerHour;
    EXPECT_EQ(planner().update_action(id, c), Action::Run);
}

TEST_F(PlannerTest, UpdateOfAFinishedOrUnknownWindowIsRefused) {
    const WindowId id = schedule();
    planner().cancel(id, "", kAlice);
    WindowChanges c;
    c.reason = "x";
    EXPECT_THAT(error_of(Errc::InvalidState, [&] { planner().update(id, c, kAlice); }),
                HasSubstr("cancelled"));
    EXPECT_THAT(error_of(Errc::NoSuchWindow, [&] { planner().update(42, c, kAlice); }),
                HasSubstr("42"));
    EXPECT_THAT(error_of(Errc::NoSuchWindow, [&] { planner().check_update(42, c); }),
                HasSubstr("42"));
}

// ---------------------------------------------------------------------------------------------
// Cancel

TEST_F(PlannerTest, CancelFinishesAScheduledWindow) {
    const WindowId id = schedule();
    rig_.listener.clear();
    rig_.clock.advance(kUsecPerMinute);
    planner().cancel(id, "vendor postponed", kBob);
    const Window w = window(id);
    EXPECT_EQ(w.status, Status::Cancelled);
    EXPECT_EQ(w.finished_usec, now());
    EXPECT_EQ(w.finished_by_uid, kBob.uid);
    EXPECT_EQ(w.completion_note, "vendor postponed");
    EXPECT_TRUE(has_log(w, "Cancelled by UID 1001: vendor postponed")) << log_text(w);
    ASSERT_THAT(rig_.listener.kinds(), ElementsAre("changed", "manager", "finished"));
    EXPECT_EQ(rig_.listener.events[0].fields, kFieldStatus | kFieldFinishedUSec |
                                                  kFieldFinishedByUID | kFieldCompletionNote |
                                                  kFieldLog);
    EXPECT_EQ(rig_.listener.events[1].after, ManagerView{});
    EXPECT_EQ(rig_.listener.events[2].window.status, Status::Cancelled);
    EXPECT_TRUE(rig_.scheduler.timers(id).empty()) << "a cancelled window kept its timers";
    EXPECT_EQ(rig_.notifier.sent.back().notice, Notice::Cancelled);
    EXPECT_EQ(planner().list()[0].status, Status::Cancelled);
}

TEST_F(PlannerTest, CancelIsOnlyForScheduledWindows) {
    const WindowId id = in_progress();
    EXPECT_THAT(error_of(Errc::InvalidState, [&] { planner().cancel(id, "", kAlice); }),
                HasSubstr("in-progress"));
    planner().complete(id, "", {}, false, kAlice);
    EXPECT_THAT(error_of(Errc::InvalidState, [&] { planner().cancel(id, "", kAlice); }),
                HasSubstr("completed"));
    EXPECT_THAT(error_of(Errc::NoSuchWindow, [&] { planner().cancel(9, "", kAlice); }),
                HasSubstr("9"));
    const WindowId b = schedule();
    EXPECT_THAT(error_of(Errc::InvalidArgs,
                         [&] { planner().cancel(b, std::string(kMaxTextBytes + 1, 'x'), kAlice); }),
                HasSubstr("reason"));
}

TEST_F(PlannerTest, AFailingSaveLeavesCancelUndone) {
    const WindowId id = schedule();
    const Snapshot before = snapshot();
    rig_.store.fail_next_save();
    EXPECT_THAT(error_of(Errc::Failed, [&] { planner().cancel(id, "", kAlice); }),
                HasSubstr("disk full"));
    EXPECT_EQ(snapshot(), before);
    EXPECT_EQ(window(id).status, Status::Scheduled);
}

// ---------------------------------------------------------------------------------------------
// Start

TEST_F(PlannerTest, StartRunsTheChecksAndEntersMaintenance) {
    const WindowId id = schedule();
    rig_.listener.clear();
    rig_.notifier.sent.clear();
    rig_.clock.advance(kUsecPerMinute);
    auto outcome = start(id, false, kAlice);
    ASSERT_TRUE(outcome->ok()) << (outcome->error ? outcome->error->what() : "not done");
    const Window w = window(id);
    EXPECT_EQ(w.status, Status::InProgress);
    EXPECT_EQ(w.started_usec, now());
    EXPECT_EQ(w.started_by_uid, kAlice.uid);
    EXPECT_EQ(w.precheck_results, rig_.prechecks.rows);
    EXPECT_TRUE(has_log(w, "Started by UID 1000.")) << log_text(w);
    EXPECT_TRUE(has_log(w, LogLevel::Info, "Precheck disk")) << log_text(w);
    EXPECT_TRUE(w.done(kStepHostsEntered));
    EXPECT_TRUE(w.done(kStepSessionsEnded));
    EXPECT_FALSE(w.had_errors);
    EXPECT_EQ(rig_.prechecks.runs, 1);
    ASSERT_EQ(rig_.hosts.flips.size(), 1u);
    EXPECT_THAT(rig_.hosts.flips[0].hosts, ElementsAre("web1", "db1"));
    EXPECT_TRUE(rig_.hosts.flips[0].enter);
    EXPECT_EQ(rig_.hosts.flips[0].window, id);
    ASSERT_EQ(rig_.sessions.terminations.size(), 1u);
    EXPECT_FALSE(rig_.sessions.terminations[0].include_admins);
    EXPECT_EQ(rig_.sessions.terminations[0].except_pid, kAlice.pid);
    EXPECT_TRUE(has_log(w, "Session c3 of carol (UID 1002) ended.")) << log_text(w);
    EXPECT_EQ(rig_.store.host_states.at("web1").state, HostState::Maintenance);
    EXPECT_EQ(rig_.notifier.count(Notice::Started), 1);
    EXPECT_EQ(rig_.scheduler.timers(id),
              (std::vector<TimerSpec>{{TimerKind::End, w.spec.end_usec}}));

    const auto kinds = rig_.listener.kinds();
    ASSERT_GE(kinds.size(), 4u);
    EXPECT_THAT(std::vector<std::string>(kinds.begin(), kinds.begin() + 4),
                ElementsAre("changed", "changed", "manager", "started"));
    const auto& ev = rig_.listener.events;
    EXPECT_EQ(ev[0].fields, kFieldPrecheckResults | kFieldLog);
    EXPECT_EQ(ev[0].window.status, Status::Scheduled);
    EXPECT_EQ(ev[1].fields, kFieldStatus | kFieldStartedUSec | kFieldStartedByUID | kFieldLog);
    EXPECT_EQ(ev[2].before.state, "scheduled");
    EXPECT_EQ(ev[2].after.state, "in-progress");
    EXPECT_TRUE(ev[2].after.under_maintenance);
    EXPECT_EQ(ev[2].after.active, id);
    EXPECT_EQ(ev[2].after.next, 0u);
    const auto hosts = rig_.listener.of_kind("host");
    ASSERT_EQ(hosts.size(), 2u);
    EXPECT_EQ(hosts[0]->text, "web1");
    EXPECT_EQ(hosts[0]->host_state, HostState::Maintenance);
}

TEST_F(PlannerTest, AFailedErrorCheckRefusesTheStartWithNotReady) {
    rig_.prechecks.rows = {CannedPrechecks::fail("disk", "error", "95% full"),
                           CannedPrechecks::pass("dns"),
                           CannedPrechecks::fail("ntp", "warning", "drift 2s"),
                           CannedPrechecks::fail("backup", "error", "")};
    const WindowId id = schedule();
    const Window before = window(id);
    rig_.listener.clear();
    const std::vector<TimerSpec> timers = rig_.scheduler.timers(id);
    auto outcome = start(id);
    ASSERT_EQ(outcome->calls, 1);
    ASSERT_TRUE(outcome->error.has_value());
    EXPECT_EQ(outcome->error->code(), Errc::NotReady);
    const std::string msg = outcome->error->what();
    EXPECT_THAT(msg, AllOf(HasSubstr("disk (95% full)"), HasSubstr("backup"), Not(HasSubstr("ntp")),
                           Not(HasSubstr("dns")), HasSubstr("Force"),
                           HasSubstr("maintenancectl start --force")));

    Window after = window(id);
    EXPECT_EQ(after.status, Status::Scheduled);
    EXPECT_EQ(after.precheck_results, rig_.prechecks.rows);
    EXPECT_TRUE(has_log(after, LogLevel::Error, "Precheck disk")) << log_text(after);
    EXPECT_TRUE(has_log(after, LogLevel::Warning, "Precheck ntp")) << log_text(after);
    EXPECT_TRUE(has_log(after, LogLevel::Error, "refused")) << log_text(after);
    // Nothing else changed.
    after.precheck_results = before.precheck_results;
    after.log = before.log;
    EXPECT_EQ(after, before);
    ASSERT_THAT(rig_.listener.kinds(), ElementsAre("changed"));
    EXPECT_EQ(rig_.listener.events[0].fields, kFieldPrecheckResults | kFieldLog);
    EXPECT_TRUE(rig_.hosts.flips.empty());
    EXPECT_TRUE(rig_.sessions.terminations.empty());
    EXPECT_EQ(rig_.notifier.count(Notice::Started), 0);
    EXPECT_EQ(rig_.scheduler.timers(id), timers) << "a refused start changed the timers";

    // Refused, not stuck: a forced start goes through afterwards.
    EXPECT_TRUE(start(id, true)->ok());
}

TEST_F(PlannerTest, ForceStartsDespiteFailedChecksAndSaysWho) {
    rig_.prechecks.rows = {CannedPrechecks::fail("disk", "error", "95% full")};
    const WindowId id = schedule();
    auto outcome = start(id, true, kBob);
    ASSERT_TRUE(outcome->ok()) << (outcome->error ? outcome->error->what() : "not done");
    const Window w = window(id);
    EXPECT_EQ(w.status, Status::InProgress);
    EXPECT_EQ(w.started_by_uid, kBob.uid);
    EXPECT_TRUE(has_log(w, LogLevel::Warning, "Forced by UID 1001")) << log_text(w);
    EXPECT_TRUE(has_log(w, "disk (95% full)")) << log_text(w);
}

TEST_F(PlannerTest, ForceWithPassingChecksLogsNoOverride) {
    const WindowId id = schedule();
    ASSERT_TRUE(start(id, true)->ok());
    EXPECT_FALSE(has_log(window(id), "Forced")) << log_text(window(id));
}

TEST_F(PlannerTest, FailedWarningChecksDoNotBlock) {
    rig_.prechecks.rows = {CannedPrechecks::pass("disk"),
                           CannedPrechecks::fail("ntp", "warning", "drift 2s")};
    const WindowId id = schedule();
    auto outcome = start(id);
    ASSERT_TRUE(outcome->ok()) << (outcome->error ? outcome->error->what() : "not done");
    const Window w = window(id);
    EXPECT_EQ(w.status, Status::InProgress);
    EXPECT_TRUE(has_log(w, LogLevel::Warning, "Precheck ntp")) << log_text(w);
    EXPECT_FALSE(has_log(w, "Forced"));
}

TEST_F(PlannerTest, StartIsOnlyForScheduledWindows) {
    const WindowId id = in_progress();
    EXPECT_THAT(error_of(Errc::InvalidState, [&] { start(id); }), HasSubstr("in-progress"));
    planner().complete(id, "", {}, true, kAlice);
    EXPECT_THAT(error_of(Errc::InvalidState, [&] { start(id); }), HasSubstr("failed"));
    EXPECT_THAT(error_of(Errc::NoSuchWindow, [&] { start(77); }), HasSubstr("77"));
    EXPECT_EQ(rig_.prechecks.runs, 1);
}

TEST_F(PlannerTest, CancelOrASecondStartWhileThePrechecksRunAreRefused) {
    rig_.prechecks.hold = true;
    const WindowId id = schedule();
    auto first = start(id);
    EXPECT_EQ(first->calls, 0);
    EXPECT_EQ(window(id).status, Status::Scheduled);

    const Snapshot before = snapshot();
    error_of(Errc::InvalidState, [&] { start(id); });
    error_of(Errc::InvalidState, [&] { planner().cancel(id, "", kAlice); });
    WindowChanges c;
    c.reason = "changed";
    error_of(Errc::InvalidState, [&] { planner().update(id, c, kAlice); });
    EXPECT_THAT(
        error_of(Errc::InvalidState, [&] { planner().complete(id, "", {}, false, kAlice); }),
        HasSubstr("scheduled"));
    EXPECT_EQ(snapshot(), before);
    EXPECT_EQ(rig_.prechecks.runs, 1);

    rig_.prechecks.release();
    EXPECT_TRUE(first->ok());
    EXPECT_EQ(window(id).status, Status::InProgress);
    EXPECT_EQ(rig_.hosts.flips.size(), 1u);
    EXPECT_EQ(rig_.notifier.count(Notice::Started), 1);
}

TEST_F(PlannerTest, AFailingSaveDuringStartLeavesTheWindowScheduled) {
    const WindowId id = schedule();
    const Snapshot before = snapshot();
    rig_.store.fail_next_save();
    auto outcome = start(id);
    ASSERT_EQ(outcome->calls, 1);
    ASSERT_TRUE(outcome->error.has_value());
    EXPECT_EQ(outcome->error->code(), Errc::Failed);
    EXPECT_EQ(snapshot(), before);
    EXPECT_TRUE(rig_.hosts.flips.empty());
    EXPECT_TRUE(start(id)->ok()) << "the window stayed busy after a failed start";
}

TEST_F(PlannerTest, AFailingSaveOfTheNewStatusLeavesTheWindowScheduled) {
    const WindowId id = schedule();
    rig_.store.fail_next_save(1);  // the precheck results are saved, the status is not
    auto outcome = start(id);
    ASSERT_EQ(outcome->calls, 1);
    ASSERT_TRUE(outcome->error.has_value());
    EXPECT_EQ(outcome->error->code(), Errc::Failed);
    const Window w = window(id);
    EXPECT_EQ(w.status, Status::Scheduled);
    EXPECT_EQ(w.precheck_results, rig_.prechecks.rows);
    EXPECT_EQ(rig_.store.at(id), w);
    EXPECT_EQ(planner().manager_view().state, "scheduled");
    EXPECT_TRUE(rig_.hosts.flips.empty());
    EXPECT_TRUE(rig_.listener.of_kind("started").empty());
    EXPECT_EQ(rig_.notifier.count(Notice::Started), 0);
    EXPECT_TRUE(start(id)->ok()) << "the window stayed busy after a failed start";
}

TEST_F(PlannerTest, EachHostFlipIsLoggedAndAFailureMakesTheWindowCompleteWithErrors) {
    rig_.hosts.failing = {"db1"};
    const WindowId id = in_progress();
    Window w = window(id);
    EXPECT_TRUE(has_log(w, LogLevel::Info, "Host web1 entered maintenance")) << log_text(w);
    EXPECT_TRUE(has_log(w, LogLevel::Error, "Host db1 did not answer")) << log_text(w);
    EXPECT_TRUE(has_log(w, "Hosts: 1 of 2 in maintenance, 1 failed.")) << log_text(w);
    EXPECT_TRUE(w.had_errors);
    EXPECT_TRUE(w.done(kStepHostsEntered));
    EXPECT_EQ(rig_.store.host_states.at("db1").state, HostState::Unknown);
    planner().complete(id, "done", {}, false, kAlice);
    w = window(id);
    EXPECT_EQ(w.status, Status::CompletedWithErrors);
    EXPECT_TRUE(has_log(w, LogLevel::Warning, "completed-with-errors")) << log_text(w);
}

// A backend that refuses the flip outright fails each host with its reason: the hosts are not in
// maintenance, which the completion must say.
TEST_F(PlannerTest, AFlipTheBackendRefusesFailsEveryHostWithTheReason) {
    rig_.hosts.not_supported = true;
    const WindowId id = in_progress();
    Window w = window(id);
    EXPECT_TRUE(has_log(w, LogLevel::Error, "web1: not flipped: no host backend is configured"))
        << log_text(w);
    EXPECT_TRUE(has_log(w, LogLevel::Error, "db1: not flipped")) << log_text(w);
    EXPECT_TRUE(w.had_errors);
    EXPECT_TRUE(w.done(kStepHostsEntered));
    EXPECT_EQ(w.host_progress, (HostProgress{2, 0, 2, 0, 0}));
    planner().complete(id, "", {}, false, kAlice);
    EXPECT_EQ(window(id).status, Status::CompletedWithErrors);
}

// Without logind the sessions the window was to end may all still be there: a failed step, as
// a host that did not flip, so the completion is completed-with-errors.
TEST_F(PlannerTest, SessionsNotEndedForWantOfLogindAreAnError) {
    rig_.sessions.not_supported = true;
    const WindowId id = in_progress();
    const Window w = window(id);
    EXPECT_TRUE(has_log(w, LogLevel::Error, "Login sessions were not ended")) << log_text(w);
    EXPECT_TRUE(w.had_errors);
    EXPECT_TRUE(w.done(kStepSessionsEnded));
    planner().complete(id, "", {}, false, kAlice);
    EXPECT_EQ(window(id).status, Status::CompletedWithErrors);
}

TEST_F(PlannerTest, NotSupportedReportedThroughTheCallbackIsAnErrorToo) {
    rig_.sessions.error = Error(Errc::NotSupported, "logind is not available");
    const WindowId id = in_progress();
    const Window w = window(id);
    EXPECT_TRUE(has_log(w, LogLevel::Error, "logind is not available")) << log_text(w);
    EXPECT_TRUE(w.had_errors);
    planner().complete(id, "", {}, false, kAlice);
    EXPECT_EQ(window(id).status, Status::CompletedWithErrors);
}

TEST_F(PlannerTest, SessionsThatCouldNotBeEndedAreErrors) {
    rig_.sessions.ends = {{"c1", 1002, "carol", true, ""},
                          {"c2", 1003, "dave", false, "Access denied"}};
    const WindowId id = in_progress();
    Window w = window(id);
    EXPECT_TRUE(has_log(w, LogLevel::Info, "Session c1 of carol (UID 1002) ended.")) << log_text(w);
    EXPECT_TRUE(has_log(w, LogLevel::Error,
                        "Session c2 of dave (UID 1003) could not be ended: "
                        "Access denied"))
        << log_text(w);
    planner().complete(id, "", {}, false, kAlice);
    EXPECT_EQ(window(id).status, Status::CompletedWithErrors);
}

TEST_F(PlannerTest, ASessionsFailureIsAnError) {
    rig_.sessions.error = Error(Errc::Failed, "logind timed out");
    const WindowId id = in_progress();
    EXPECT_TRUE(has_log(window(id), LogLevel::Error, "logind timed out"));
    planner().complete(id, "", {}, false, kAlice);
    EXPECT_EQ(window(id).status, Status::CompletedWithErrors);
}

// A fleet's states are announced host by host but saved together with the flip's progress: one
// transaction (one sync) per flush, not one per host.
TEST_F(PlannerTest, AFleetsHostStatesAreAnnouncedOneByOneAndSavedInBatches) {
    std::vector<std::string> fleet;
    for (int i = 0; i < 150; ++i)
        fleet.push_back("node" + std::to_string(i));
    rig_.settings.known.hosts = fleet;
    rig_.make();
    WindowChanges c = request();
    c.hosts = fleet;
    const int saves_before = rig_.store.host_state_saves;
    const WindowId id = in_progress(c);
    EXPECT_EQ(rig_.store.host_state_saves - saves_before, 1);  // the flip ran within one flush
    ASSERT_EQ(rig_.store.host_states.size(), fleet.size());
    for (const auto& h : fleet)
        EXPECT_EQ(rig_.store.host_states.at(h).state, HostState::Maintenance) << h;
    EXPECT_EQ(rig_.listener.of_kind("host").size(), fleet.size());
    EXPECT_TRUE(has_log(window(id), "Hosts: 150 of 150 in maintenance.")) << log_text(window(id));
}

TEST_F(PlannerTest, AHostStateThatCannotBeSavedIsReportedAndTheFlipGoesOn) {
    rig_.store.fail_host_saves = true;
    const WindowId id = in_progress();
    const auto problems = rig_.listener.of_kind("problem");
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_THAT(problems[0]->text, AllOf(HasSubstr("hosts db1, web1"), HasSubstr("disk full")));
    const Window w = window(id);
    EXPECT_EQ(w.status, Status::InProgress);
    EXPECT_FALSE(w.had_errors);
    EXPECT_TRUE(has_log(w, "Hosts: 2 of 2 in maintenance.")) << log_text(w);
    EXPECT_EQ(rig_.listener.of_kind("host").size(), 2u);
    // What is known is kept in memory all the same.
    EXPECT_EQ(rig_.store.host_states.size(), 0u);
}

TEST_F(PlannerTest, AWindowWithoutHostsSaysSo) {
    WindowChanges c = request();
    c.hosts = std::vector<std::string>{};
    const WindowId id = in_progress(c);
    EXPECT_TRUE(rig_.hosts.flips.empty());
    EXPECT_TRUE(has_log(window(id), "No hosts to put into maintenance."));
    EXPECT_TRUE(window(id).done(kStepHostsEntered));
}

TEST_F(PlannerTest, AFailedNoticeMakesTheWindowCompleteWithErrors) {
    rig_.notifier.failures[Notice::Started] = {"mail: relay refused"};
    const WindowId id = in_progress();
    EXPECT_TRUE(
        has_log(window(id), LogLevel::Error, "The started notice failed: mail: relay refused"))
        << log_text(window(id));
    planner().complete(id, "", {}, false, kAlice);
    EXPECT_EQ(window(id).status, Status::CompletedWithErrors);
}

// ---------------------------------------------------------------------------------------------
// Complete

// Start replies once the window is in progress and its sessions are ended; the flip goes on.
// A completion meanwhile starts no further host: those not begun are skipped.
TEST_F(PlannerTest, StartRepliesBeforeTheFlipAndACompletionSkipsTheHostsNotBegun) {
    rig_.hosts.hold = true;
    const WindowId id = schedule();
    auto outcome = start(id);
    ASSERT_TRUE(outcome->ok()) << "the start waited for the hosts";
    EXPECT_EQ(window(id).status, Status::InProgress);
    EXPECT_EQ(rig_.sessions.terminations.size(), 1u);
    EXPECT_EQ(window(id).host_progress, (HostProgress{2, 0, 0, 0, 2}));
    EXPECT_TRUE(planner().flipping(id));
    planner().complete(id, "", {}, false, kAlice);
    Window w = window(id);
    EXPECT_EQ(w.status, Status::CompletedWithErrors);
    EXPECT_EQ(w.host_progress, (HostProgress{2, 0, 0, 2, 0}));
    EXPECT_TRUE(has_log(w, "the window was completed during the flip")) << log_text(w);
    rig_.hosts.release();
    EXPECT_TRUE(rig_.hosts.started.empty()) << "a host started after the completion";
    ASSERT_EQ(rig_.listener.of_kind("flipped").size(), 1u);
    EXPECT_FALSE(planner().flipping(id));
    for (const auto& r : rig_.store.results.at(id))
        EXPECT_EQ(r.result, HostResultKind::Skipped) << r.host;
}

TEST_F(PlannerTest, CompleteRecordsTheOutcomeAndWho) {
    const WindowId id = in_progress();
    rig_.listener.clear();
    rig_.clock.advance(kUsecPerHour);
    planner().complete(id, "all patched", {"devs"}, false, kBob);
    const Window w = window(id);
    EXPECT_EQ(w.status, Status::Completed);
    EXPECT_EQ(w.completion_note, "all patched");
    EXPECT_EQ(w.finished_by_uid, kBob.uid);
    EXPECT_EQ(w.finished_usec, now());
    EXPECT_TRUE(has_log(w, LogLevel::Info, "Finished by UID 1001 as completed: all patched"))
        << log_text(w);
    ASSERT_THAT(rig_.listener.kinds(), ElementsAre("changed", "manager", "finished"));
    // "devs" is told, but Notify keeps the audiences the window was planned with.
    EXPECT_EQ(rig_.listener.events[0].fields, kFieldStatus | kFieldFinishedUSec |
                                                  kFieldFinishedByUID | kFieldCompletionNote |
                                                  kFieldLog);
    EXPECT_EQ(rig_.listener.events[1].before.state, "in-progress");
    EXPECT_EQ(rig_.listener.events[1].after, ManagerView{});
    EXPECT_TRUE(rig_.scheduler.timers(id).empty());
    EXPECT_EQ(rig_.notifier.sent.back().notice, Notice::Finished);
    EXPECT_EQ(rig_.notifier.sent.back().window.completion_note, "all patched");
    // Hosts stay in maintenance: nothing flips them back.
    EXPECT_EQ(rig_.hosts.flips.size(), 1u);
}

TEST_F(PlannerTest, CompleteSendsTheNoticeToTheAudiencesGiven) {
    // Contract: "`note` is the body of the completion notice sent to `notify`". The window was
    // scheduled with no audience; Complete names "devs".
    const WindowId id = in_progress();
    planner().complete(id, "all patched", {"devs"}, false, kAlice);
    ASSERT_EQ(rig_.notifier.sent.back().notice, Notice::Finished);
    EXPECT_THAT(rig_.notifier.sent.back().window.spec.notify, ::testing::Contains("devs"))
        << "Complete's notify list never reaches the Notifier";
}

// Complete's notify chooses exactly whom the completion notice goes to: not the window's own
// audiences as well, and with an empty list no audience at all. The window's Notify stays.
TEST_F(PlannerTest, CompleteNotifiesExactlyTheAudiencesGiven) {
    WindowChanges c = request();
    c.notify = std::vector<std::string>{"ops"};
    const WindowId a = in_progress(c);
    planner().complete(a, "done", {"devs"}, false, kAlice);
    ASSERT_EQ(rig_.notifier.sent.back().notice, Notice::Finished);
    EXPECT_THAT(rig_.notifier.sent.back().window.spec.notify, ElementsAre("devs"));
    EXPECT_THAT(window(a).spec.notify, ElementsAre("ops"));
    EXPECT_TRUE(has_log(window(a), "The completion notice goes to: devs.")) << log_text(window(a));

    const WindowId b = in_progress(c);
    planner().complete(b, "done", {}, false, kAlice);
    ASSERT_EQ(rig_.notifier.sent.back().notice, Notice::Finished);
    EXPECT_THAT(rig_.notifier.sent.back().window.spec.notify, ::testing::IsEmpty());
    EXPECT_THAT(window(b).spec.notify, ElementsAre("ops"));
    EXPECT_TRUE(has_log(window(b), "The completion notice goes to no audience."))
        << log_text(window(b));
}

// Finishing without a Complete call (at the end, by itself) tells the window's own audiences.
TEST_F(PlannerTest, AnAutomaticCompletionTellsTheWindowsOwnAudiences) {
    WindowChanges c = request();
    c.notify = std::vector<std::string>{"ops"};
    const WindowId id = in_progress(c);
    rig_.clock.set(*c.end_usec);
    rig_.scheduler.fire(id, TimerKind::End);
    ASSERT_EQ(rig_.notifier.sent.back().notice, Notice::Finished);
    EXPECT_THAT(rig_.notifier.sent.back().window.spec.notify, ElementsAre("ops"));
}

TEST_F(PlannerTest, CompleteWithFailedRecordsFailed) {
    const WindowId id = in_progress();
    planner().complete(id, "rolled back", {}, true, kAlice);
    const Window w = window(id);
    EXPECT_EQ(w.status, Status::Failed);
    EXPECT_TRUE(has_log(w, LogLevel::Warning, "as failed: rolled back")) << log_text(w);
}

TEST_F(PlannerTest, CompleteIsOnlyForInProgressWindows) {
    const WindowId id = schedule();
    EXPECT_THAT(
        error_of(Errc::InvalidState, [&] { planner().complete(id, "", {}, false, kAlice); }),
        HasSubstr("scheduled"));
    ASSERT_TRUE(start(id)->ok());
    EXPECT_THAT(
        error_of(Errc::InvalidArgs, [&] { planner().complete(id, "", {"board"}, false, kAlice); }),
        AllOf(HasSubstr("board"), Not(HasSubstr("devs"))));
    EXPECT_THAT(
        error_of(Errc::InvalidArgs, [&] { planner().check_finish(id, "note", "\xff", {}); }),
        HasSubstr("note"));
    planner().complete(id, "", {}, false, kAlice);
    EXPECT_THAT(
        error_of(Errc::InvalidState, [&] { planner().complete(id, "", {}, false, kAlice); }),
        HasSubstr("completed"));
    EXPECT_THAT(error_of(Errc::NoSuchWindow, [&] { planner().complete(5, "", {}, false, kAlice); }),
                HasSubstr("5"));
    EXPECT_THAT(error_of(Errc::NoSuchWindow, [&] { planner().check_finish(5, "note", "", {}); }),
                HasSubstr("5"));
}

TEST_F(PlannerTest, AFailingSaveLeavesCompleteUndone) {
    const WindowId id = in_progress();
    const Snapshot before = snapshot();
    rig_.store.fail_next_save();
    EXPECT_THAT(error_of(Errc::Failed, [&] { planner().complete(id, "", {}, false, kAlice); }),
                HasSubstr("disk full"));
    EXPECT_EQ(snapshot(), before);
    EXPECT_EQ(planner().manager_view().state, "in-progress");
}

// ---------------------------------------------------------------------------------------------
// Timers

TEST_F(PlannerTest, AValidScheduledWindowHasUpcomingStartAndEndTimers) {
    const WindowChanges c = request(2 * kUsecPerHour);
    const WindowId id = schedule(c);
    EXPECT_EQ(rig_.scheduler.timers(id),
              (std::vector<TimerSpec>{{TimerKind::Upcoming, *c.start_usec - 30 * kUsecPerMinute},
                                      {TimerKind::Start, *c.start_usec},
                                      {TimerKind::End, *c.end_usec}}));
}

TEST_F(PlannerTest, NoLeadMeansNoUpcomingTimer) {
    WindowChanges c = request();
    c.notify_lead_usec = 0;
    const WindowId id = schedule(c);
    EXPECT_EQ(rig_.scheduler.timers(id), (std::vector<TimerSpec>{{TimerKind::Start, *c.start_usec},
                                                                 {TimerKind::End, *c.end_usec}}));
}

TEST_F(PlannerTest, AnInvalidWindowHasOnlyItsEndTimer) {
    WindowChanges c = request();
    c.valid = false;
    const WindowId id = schedule(c);
    EXPECT_FALSE(window(id).spec.valid);
    EXPECT_EQ(rig_.scheduler.timers(id), (std::vector<TimerSpec>{{TimerKind::End, *c.end_usec}}));
}

TEST_F(PlannerTest, AnInProgressWindowHasItsEndTimerOnlyWithAutoComplete) {
    const WindowId a = in_progress();
    EXPECT_EQ(rig_.scheduler.timers(a),
              (std::vector<TimerSpec>{{TimerKind::End, window(a).spec.end_usec}}));
    planner().complete(a, "", {}, false, kAlice);
    EXPECT_TRUE(rig_.scheduler.timers(a).empty()) << "a final window has timers";

    WindowChanges c = request();
    c.auto_complete = false;
    const WindowId b = in_progress(c);
    EXPECT_TRUE(rig_.scheduler.timers(b).empty());
}

TEST_F(PlannerTest, TheUpcomingTimerAnnounces) {
    WindowChanges c = request(2 * kUsecPerHour);
    c.notify = std::vector<std::string>{"ops"};
    const WindowId id = schedule(c);
    rig_.listener.clear();
    rig_.notifier.sent.clear();
    rig_.clock.set(*c.start_usec - 30 * kUsecPerMinute);
    rig_.scheduler.fire(id, TimerKind::Upcoming);
    const Window w = window(id);
    EXPECT_TRUE(w.done(kStepUpcomingAnnounced));
    EXPECT_TRUE(has_log(w, "Upcoming notice")) << log_text(w);
    ASSERT_THAT(rig_.listener.kinds(), ElementsAre("changed", "manager", "upcoming"));
    EXPECT_EQ(rig_.listener.events[0].fields, kFieldLog);
    EXPECT_EQ(rig_.listener.events[1].after.banner,
              "Maintenance is scheduled from " + format_timestamp(*c.start_usec) + " to " +
                  format_timestamp(*c.end_usec) + ": kernel update");
    EXPECT_EQ(rig_.listener.events[2].window.id, id);
    EXPECT_THAT(rig_.notifier.notices(), ElementsAre(Notice::Upcoming));
    // Next: the reminder 15 minutes before (30 is the lead itself).
    EXPECT_EQ(rig_.scheduler.when(id, TimerKind::Upcoming), *c.start_usec - 15 * kUsecPerMinute);
    EXPECT_EQ(rig_.scheduler.when(id, TimerKind::Start), *c.start_usec);

    rig_.scheduler.fire(id, TimerKind::Upcoming);
    EXPECT_EQ(rig_.notifier.count(Notice::Upcoming), 1) << "announced twice";
    EXPECT_EQ(count_log(window(id), "Upcoming notice"), 1);
}

TEST_F(PlannerTest, RemindersFollowAtShrinkingIntervalsEachOnce) {
    const WindowChanges c = request(2 * kUsecPerHour);  // lead: the default 30 minutes
    const WindowId id = schedule(c);
    const Usec start = *c.start_usec;
    int expected = 0;
    for (Usec before :
         {30 * kUsecPerMinute, 15 * kUsecPerMinute, 5 * kUsecPerMinute, 1 * kUsecPerMinute}) {
        ASSERT_EQ(rig_.scheduler.when(id, TimerKind::Upcoming), start - before)
            << before / kUsecPerMinute << " min";
        rig_.clock.set(start - before);
        rig_.scheduler.fire(id, TimerKind::Upcoming);
        rig_.scheduler.fire(id, TimerKind::Upcoming);  // a second wake-up sends nothing more
        EXPECT_EQ(rig_.notifier.count(Notice::Reminder), expected++);
        EXPECT_EQ(rig_.notifier.count(Notice::Upcoming), 1) << "only the first is the notice";
    }
    EXPECT_EQ(count_log(window(id), "Reminder: the window starts"), 3) << log_text(window(id));
    EXPECT_EQ(rig_.scheduler.when(id, TimerKind::Upcoming), std::nullopt) << "no more after 1 min";
}

TEST_F(PlannerTest, ALateFirstNoticeCoversTheRemindersAlreadyDue) {
    // Scheduled 4 minutes ahead with a 30-minute lead: one notice now, then only the 1-minute one.
    const WindowChanges c = request(4 * kUsecPerMinute);
    const WindowId id = schedule(c);
    rig_.scheduler.fire(id, TimerKind::Upcoming);
    EXPECT_EQ(rig_.notifier.count(Notice::Upcoming), 1);
    EXPECT_EQ(rig_.scheduler.when(id, TimerKind::Upcoming), *c.start_usec - kUsecPerMinute);
}

TEST_F(PlannerTest, NewTimesStartTheNoticesAfresh) {
    const WindowChanges c = request(2 * kUsecPerHour);
    const WindowId id = schedule(c);
    rig_.clock.set(*c.start_usec - 10 * kUsecPerMinute);
    rig_.scheduler.fire(id, TimerKind::Upcoming);
    EXPECT_NE(window(id).steps_done & kStepReminder15, 0u);
    WindowChanges later;
    later.start_usec = *c.start_usec + kUsecPerHour;
    later.end_usec = *c.end_usec + kUsecPerHour;
    planner().update(id, later, kAlice);
    EXPECT_EQ(window(id).steps_done & kUpcomingSteps, 0u);
    EXPECT_EQ(rig_.scheduler.when(id, TimerKind::Upcoming),
              *later.start_usec - 30 * kUsecPerMinute);
}

TEST_F(PlannerTest, TheUpcomingBannerGivesTheReasonAndTheNotifyMessage) {
    WindowChanges c = request(10 * kUsecPerMinute);
    c.notify_message = "Save your work: reboot at 10";
    const WindowId id = schedule(c);
    rig_.scheduler.fire(id, TimerKind::Upcoming);
    EXPECT_EQ(planner().manager_view().banner,
              "Maintenance is scheduled from " + format_timestamp(*c.start_usec) + " to " +
                  format_timestamp(*c.end_usec) +
                  ": kernel update \u2014 Save your work: reboot at 10");
}

TEST_F(PlannerTest, AnUpcomingTimerAfterTheStartDoesNothing) {
    const WindowChanges c = request();
    const WindowId id = schedule(c);
    rig_.clock.set(*c.start_usec);
    const Snapshot before = snapshot();
    rig_.scheduler.fire(id, TimerKind::Upcoming);
    EXPECT_EQ(snapshot(), before);
}

TEST_F(PlannerTest, TheStartTimerStartsTheWindowAsRoot) {
    const WindowChanges c = request();
    const WindowId id = schedule(c);
    rig_.clock.set(*c.start_usec);
    rig_.scheduler.fire(id, TimerKind::Start);
    const Window w = window(id);
    EXPECT_EQ(w.status, Status::InProgress);
    EXPECT_EQ(w.started_by_uid, 0u);
    EXPECT_EQ(w.started_usec, *c.start_usec);
    EXPECT_TRUE(has_log(w, "Started automatically")) << log_text(w);
    ASSERT_EQ(rig_.sessions.terminations.size(), 1u);
    EXPECT_EQ(rig_.sessions.terminations[0].except_pid, 0u);
    EXPECT_FALSE(rig_.sessions.terminations[0].include_admins);
    EXPECT_EQ(rig_.hosts.flips.size(), 1u);
    EXPECT_EQ(rig_.notifier.count(Notice::Started), 1);
    EXPECT_EQ(rig_.listener.of_kind("started").size(), 1u);
}

TEST_F(PlannerTest, AnAutomaticStartRefusedByThePrechecksFailsTheWindow) {
    rig_.prechecks.rows = {CannedPrechecks::fail("disk", "error", "95% full")};
    WindowChanges c = request();
    c.notify = std::vector<std::string>{"ops"};
    const WindowId id = schedule(c);
    rig_.notifier.sent.clear();
    rig_.clock.set(*c.start_usec);
    rig_.scheduler.fire(id, TimerKind::Start);
    const Window w = window(id);
    EXPECT_EQ(w.status, Status::Failed);
    EXPECT_EQ(w.finished_by_uid, 0u);
    EXPECT_TRUE(has_log(w, LogLevel::Error, "disk (95% full)")) << log_text(w);
    EXPECT_TRUE(has_log(w, LogLevel::Error, "automatic start was refused")) << log_text(w);
    EXPECT_TRUE(rig_.hosts.flips.empty());
    EXPECT_TRUE(rig_.sessions.terminations.empty());
    EXPECT_THAT(rig_.notifier.notices(), ElementsAre(Notice::Finished));
    EXPECT_EQ(rig_.notifier.sent[0].window.status, Status::Failed);
    EXPECT_THAT(rig_.notifier.sent[0].window.spec.notify, ElementsAre("ops"));
    EXPECT_EQ(rig_.listener.of_kind("finished").size(), 1u);
    EXPECT_TRUE(rig_.scheduler.timers(id).empty());
    EXPECT_EQ(planner().manager_view(), ManagerView{});
}

TEST_F(PlannerTest, AnInvalidWindowNeverStartsByItself) {
    WindowChanges c = request();
    c.valid = false;
    const WindowId id = schedule(c);
    rig_.clock.set(*c.start_usec);
    rig_.scheduler.fire(id, TimerKind::Start);
    EXPECT_EQ(window(id).status, Status::Scheduled);
    EXPECT_EQ(rig_.prechecks.runs, 0);
    // ... but by hand it can.
    EXPECT_TRUE(start(id)->ok());
    EXPECT_EQ(window(id).status, Status::InProgress);
}

TEST_F(PlannerTest, AnInvalidWindowWhoseEndPassesIsCancelled) {
    WindowChanges c = request();
    c.valid = false;
    const WindowId id = schedule(c);
    rig_.clock.set(*c.end_usec);
    rig_.scheduler.fire(id, TimerKind::End);
    const Window w = window(id);
    EXPECT_EQ(w.status, Status::Cancelled);
    EXPECT_TRUE(has_log(w, "expired while invalid")) << log_text(w);
    EXPECT_EQ(rig_.notifier.sent.back().notice, Notice::Cancelled);
    EXPECT_EQ(rig_.listener.of_kind("finished").size(), 1u);
}

TEST_F(PlannerTest, AValidWindowWhoseEndPassesBeforeItStartedFails) {
    const WindowChanges c = request();
    const WindowId id = schedule(c);
    rig_.clock.set(*c.end_usec);
    rig_.scheduler.fire(id, TimerKind::End);
    EXPECT_EQ(window(id).status, Status::Failed);
}

TEST_F(PlannerTest, TheEndTimerCompletesAnAutoCompletingWindow) {
    const WindowId id = in_progress();
    rig_.clock.set(window(id).spec.end_usec);
    rig_.scheduler.fire(id, TimerKind::End);
    const Window w = window(id);
    EXPECT_EQ(w.status, Status::Completed);
    EXPECT_EQ(w.finished_by_uid, 0u);
    EXPECT_TRUE(has_log(w, "Finished automatically")) << log_text(w);
    EXPECT_EQ(planner().manager_view(), ManagerView{});
}

TEST_F(PlannerTest, TheEndTimerKeepsTheErrors) {
    rig_.hosts.failing = {"web1"};
    const WindowId id = in_progress();
    rig_.clock.set(window(id).spec.end_usec + kUsecPerSec);
    rig_.scheduler.fire(id, TimerKind::End);
    EXPECT_EQ(window(id).status, Status::CompletedWithErrors);
}

TEST_F(PlannerTest, TheEndTimerLeavesAWindowWithoutAutoComplete) {
    WindowChanges c = request();
    c.auto_complete = false;
    const WindowId id = in_progress(c);
    rig_.clock.set(*c.end_usec + kUsecPerHour);
    rig_.scheduler.fire(id, TimerKind::End);
    EXPECT_EQ(window(id).status, Status::InProgress);
}

TEST_F(PlannerTest, AnEarlyStartOrEndTimerReArmsInsteadOfActing) {
    const WindowChanges c = request();
    const WindowId id = schedule(c);
    rig_.clock.set(*c.start_usec - 10 * kUsecPerSec);  // the clock went back
    std::size_t arms = rig_.scheduler.arms.size();
    rig_.scheduler.fire(id, TimerKind::Start);
    EXPECT_EQ(window(id).status, Status::Scheduled);
    EXPECT_EQ(rig_.prechecks.runs, 0);
    EXPECT_GT(rig_.scheduler.arms.size(), arms);
    EXPECT_EQ(rig_.scheduler.when(id, TimerKind::Start), *c.start_usec);

    arms = rig_.scheduler.arms.size();
    rig_.scheduler.fire(id, TimerKind::End);
    EXPECT_EQ(window(id).status, Status::Scheduled);
    EXPECT_GT(rig_.scheduler.arms.size(), arms);
    EXPECT_EQ(rig_.scheduler.when(id, TimerKind::End), *c.end_usec);

    ASSERT_TRUE(start(id)->ok());
    rig_.clock.set(*c.end_usec - 10 * kUsecPerSec);
    rig_.scheduler.fire(id, TimerKind::End);
    EXPECT_EQ(window(id).status, Status::InProgress);
    EXPECT_EQ(rig_.scheduler.when(id, TimerKind::End), *c.end_usec);
}

TEST_F(PlannerTest, AnEarlyUpcomingTimerReArmsInsteadOfAnnouncing) {
    const WindowChanges c = request(3 * kUsecPerHour);
    const WindowId id = schedule(c);
    const Usec upcoming_at = *c.start_usec - 30 * kUsecPerMinute;
    rig_.clock.set(upcoming_at - kUsecPerHour);  // the clock went back an hour
    const std::size_t arms = rig_.scheduler.arms.size();
    rig_.scheduler.fire(id, TimerKind::Upcoming);
    EXPECT_FALSE(window(id).done(kStepUpcomingAnnounced)) << "announced an hour early";
    EXPECT_EQ(rig_.notifier.count(Notice::Upcoming), 0);
    EXPECT_EQ(planner().manager_view().banner, "");
    EXPECT_GT(rig_.scheduler.arms.size(), arms) << "the used-up timer was not re-armed";
    EXPECT_EQ(rig_.scheduler.when(id, TimerKind::Upcoming), upcoming_at);
}

TEST_F(PlannerTest, AWakeUpWithinASecondOfItsTimeActs) {
    const WindowChanges c = request();
    const WindowId id = schedule(c);
    rig_.clock.set(*c.start_usec - kUsecPerSec);
    rig_.scheduler.fire(id, TimerKind::Start);
    EXPECT_EQ(window(id).status, Status::InProgress);
}

TEST_F(PlannerTest, TimersOfFinishedOrUnknownWindowsAreIgnored) {
    const WindowChanges c = request();
    const WindowId id = schedule(c);
    planner().cancel(id, "", kAlice);
    rig_.clock.set(*c.end_usec);
    const Snapshot before = snapshot();
    for (TimerKind k : {TimerKind::Upcoming, TimerKind::Start, TimerKind::End}) {
        planner().on_timer(id, k);
        planner().on_timer(99, k);
    }
    EXPECT_EQ(snapshot(), before);
}

TEST_F(PlannerTest, AFailingSaveInATimerIsReportedAndLeavesTheWindow) {
    const WindowChanges c = request(10 * kUsecPerMinute);
    const WindowId id = schedule(c);
    rig_.store.fail_next_save();
    rig_.scheduler.fire(id, TimerKind::Upcoming);
    EXPECT_FALSE(window(id).done(kStepUpcomingAnnounced));
    const auto problems = rig_.listener.of_kind("problem");
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0]->id, id);
    EXPECT_THAT(problems[0]->text, AllOf(HasSubstr("upcoming"), HasSubstr("disk full")));
    EXPECT_EQ(rig_.notifier.count(Notice::Upcoming), 0);
}

TEST_F(PlannerTest, AFailingSaveInAnAutomaticStartIsReported) {
    // Nobody waits for a timer's work, so a failure must reach the listener's problem().
    const WindowChanges c = request();
    const WindowId id = schedule(c);
    rig_.clock.set(*c.start_usec);
    rig_.store.fail_next_save(1);  // the precheck results are saved, the status is not
    rig_.scheduler.fire(id, TimerKind::Start);
    EXPECT_EQ(window(id).status, Status::Scheduled);
    EXPECT_TRUE(rig_.hosts.flips.empty());
    const auto problems = rig_.listener.of_kind("problem");
    ASSERT_EQ(problems.size(), 1u) << "the automatic start failed silently";
    EXPECT_EQ(problems[0]->id, id);
    EXPECT_THAT(problems[0]->text, HasSubstr("disk full"));
}

TEST_F(PlannerTest, TheStartTimerFiredTwiceWhileThePrechecksRunStartsOnce) {
    rig_.prechecks.hold = true;
    const WindowChanges c = request();
    const WindowId id = schedule(c);
    rig_.clock.set(*c.start_usec);
    rig_.scheduler.fire(id, TimerKind::Start);
    rig_.scheduler.fire(id, TimerKind::Start);
    EXPECT_EQ(rig_.prechecks.runs, 1);
    rig_.prechecks.release();
    EXPECT_EQ(window(id).status, Status::InProgress);
    rig_.scheduler.fire(id, TimerKind::Start);
    EXPECT_EQ(rig_.prechecks.runs, 1);
    EXPECT_EQ(rig_.hosts.flips.size(), 1u);
    EXPECT_EQ(rig_.notifier.count(Notice::Started), 1);
}

// ---------------------------------------------------------------------------------------------
// After a restart: load() and resume()

TEST_F(PlannerTest, AScheduledWindowWhoseEndPassedWhileDownFails) {
    rig_.store.put(stored_window(1, Status::Scheduled, kT0 - 2 * kUsecPerHour, kT0 - kUsecPerHour));
    restart();
    const Window w = window(1);
    EXPECT_EQ(w.status, Status::Failed);
    EXPECT_TRUE(has_log(w, LogLevel::Error, "missed: the daemon was not running")) << log_text(w);
    EXPECT_EQ(rig_.notifier.sent.back().notice, Notice::Finished);
    EXPECT_TRUE(rig_.hosts.flips.empty());
    EXPECT_EQ(rig_.prechecks.runs, 0);
    ASSERT_EQ(rig_.scheduler.reconciles.size(), 1u);
    EXPECT_TRUE(rig_.scheduler.reconciles[0].empty());
    EXPECT_EQ(planner().manager_view(), ManagerView{});
    EXPECT_EQ(schedule(), 2u);
}

TEST_F(PlannerTest, AnInvalidWindowWhoseEndPassedWhileDownIsCancelled) {
    Window w = stored_window(1, Status::Scheduled, kT0 - 2 * kUsecPerHour, kT0 - kUsecPerHour);
    w.spec.valid = false;
    rig_.store.put(w);
    restart();
    EXPECT_EQ(window(1).status, Status::Cancelled);
    EXPECT_TRUE(has_log(window(1), "expired while invalid"));
}

TEST_F(PlannerTest, AScheduledWindowWhoseStartPassedWhileDownStartsOnce) {
    rig_.store.put(
        stored_window(1, Status::Scheduled, kT0 - 10 * kUsecPerMinute, kT0 + kUsecPerHour));
    restart();
    EXPECT_EQ(window(1).status, Status::Scheduled) << "started synchronously inside resume()";
    ASSERT_EQ(rig_.scheduler.reconciles.size(), 1u);
    ASSERT_EQ(rig_.scheduler.reconciles[0].count(1), 1u);
    const auto& timers = rig_.scheduler.reconciles[0].at(1);
    EXPECT_THAT(timers,
                ::testing::Contains(TimerSpec{TimerKind::Start, kT0 - 10 * kUsecPerMinute}));
    EXPECT_THAT(timers, ::testing::Contains(TimerSpec{TimerKind::End, kT0 + kUsecPerHour}));

    // The scheduler fires what is due: the missed upcoming notice does nothing, the start starts.
    rig_.scheduler.fire(1, TimerKind::Upcoming);
    rig_.scheduler.fire(1, TimerKind::Start);
    rig_.scheduler.fire(1, TimerKind::Start);
    const Window w = window(1);
    EXPECT_EQ(w.status, Status::InProgress);
    EXPECT_EQ(w.started_by_uid, 0u);
    EXPECT_EQ(rig_.prechecks.runs, 1);
    EXPECT_EQ(rig_.hosts.flips.size(), 1u);
    EXPECT_EQ(rig_.sessions.terminations.size(), 1u);
    EXPECT_EQ(rig_.notifier.count(Notice::Started), 1);
    EXPECT_EQ(rig_.notifier.count(Notice::Upcoming), 0);
}

TEST_F(PlannerTest, AFutureWindowIsReArmedAfterARestart) {
    rig_.store.put(
        stored_window(3, Status::Scheduled, kT0 + 2 * kUsecPerHour, kT0 + 3 * kUsecPerHour));
    rig_.store.put(stored_window(2, Status::Completed, kT0 - 2 * kUsecPerDay, kT0 - kUsecPerDay));
    restart();
    ASSERT_EQ(rig_.scheduler.reconciles.size(), 1u);
    const std::map<WindowId, std::vector<TimerSpec>> expected = {
        {3,
         {{TimerKind::Upcoming, kT0 + 2 * kUsecPerHour - 30 * kUsecPerMinute},
          {TimerKind::Start, kT0 + 2 * kUsecPerHour},
          {TimerKind::End, kT0 + 3 * kUsecPerHour}}}};
    EXPECT_EQ(rig_.scheduler.reconciles[0], expected);
    EXPECT_EQ(window(3).status, Status::Scheduled);
    EXPECT_EQ(planner().manager_view().next, 3u);
    EXPECT_EQ(rig_.notifier.sent.size(), 0u);
}

TEST_F(PlannerTest, AnAnnouncedUpcomingNoticeIsNotReArmedAfterARestart) {
    Window w = stored_window(1, Status::Scheduled, kT0 + 10 * kUsecPerMinute, kT0 + kUsecPerHour);
    w.steps_done = kStepUpcomingAnnounced | kStepReminder15;
    rig_.store.put(w);
    restart();
    // Only the reminders still to come are armed.
    EXPECT_EQ(rig_.scheduler.when(1, TimerKind::Upcoming), kT0 + 5 * kUsecPerMinute);
    EXPECT_NE(planner().manager_view().banner, "");
}

TEST_F(PlannerTest, AnInterruptedStartIsFinishedAfterARestart) {
    rig_.store.put(stored_window(1, Status::InProgress, kT0 - kUsecPerMinute, kT0 + kUsecPerHour));
    restart();
    const Window w = window(1);
    EXPECT_EQ(w.status, Status::InProgress);
    EXPECT_TRUE(w.done(kStepHostsEntered));
    EXPECT_TRUE(w.done(kStepSessionsEnded));
    EXPECT_TRUE(has_log(w, LogLevel::Warning, "The daemon stopped while the window was starting"))
        << log_text(w);
    ASSERT_EQ(rig_.hosts.flips.size(), 1u);
    EXPECT_THAT(rig_.hosts.flips[0].hosts, ElementsAre("web1", "db1"));
    ASSERT_EQ(rig_.sessions.terminations.size(), 1u);
    EXPECT_EQ(rig_.sessions.terminations[0].except_pid, 0u);
    EXPECT_EQ(rig_.prechecks.runs, 0);
    EXPECT_EQ(rig_.scheduler.when(1, TimerKind::End), kT0 + kUsecPerHour);
    planner().complete(1, "", {}, false, kAlice);
    EXPECT_EQ(window(1).status, Status::Completed);
}

TEST_F(PlannerTest, StepsDoneBeforeARestartAreNotRepeated) {
    Window w = stored_window(1, Status::InProgress, kT0 - kUsecPerMinute, kT0 + kUsecPerHour);
    w.steps_done = kStepHostsEntered | kStepStartAnnounced;
    rig_.store.put(w);
    restart();
    EXPECT_TRUE(rig_.hosts.flips.empty()) << "hosts flipped twice";
    ASSERT_EQ(rig_.sessions.terminations.size(), 1u);
    EXPECT_TRUE(window(1).done(kStepSessionsEnded));
    EXPECT_EQ(rig_.notifier.count(Notice::Started), 0);
}

TEST_F(PlannerTest, AFullyStartedWindowIsLeftAloneAfterARestart) {
    Window w = stored_window(1, Status::InProgress, kT0 - kUsecPerMinute, kT0 + kUsecPerHour);
    w.steps_done = kStepHostsEntered | kStepSessionsEnded | kStepStartAnnounced;
    rig_.store.put(w);
    restart();
    EXPECT_TRUE(rig_.hosts.flips.empty());
    EXPECT_TRUE(rig_.sessions.terminations.empty());
    EXPECT_EQ(window(1), w);
    EXPECT_TRUE(rig_.notifier.sent.empty());
    EXPECT_EQ(planner().manager_view().active, 1u);
    const std::map<WindowId, std::vector<TimerSpec>> expected = {
        {1, {{TimerKind::End, kT0 + kUsecPerHour}}}};
    ASSERT_EQ(rig_.scheduler.reconciles.size(), 1u);
    EXPECT_EQ(rig_.scheduler.reconciles[0], expected);
}

TEST_F(PlannerTest, TheStartedNoticeIsAStepThatARestartFinishes) {
    // kStepStartAnnounced ("started notices sent") is one of the persisted steps: a normal
    // start records it, and a restart that finds it missing sends the notice, once.
    const WindowId id = in_progress();
    EXPECT_TRUE(window(id).done(kStepStartAnnounced)) << "a start never records its notice";

    PlannerRig other;
    Window w = stored_window(1, Status::InProgress, kT0 - kUsecPerMinute, kT0 + kUsecPerHour);
    w.steps_done = kStepHostsEntered | kStepSessionsEnded;
    other.store.put(w);
    other.make();
    other.planner->resume();
    EXPECT_EQ(other.notifier.count(Notice::Started), 1)
        << "the started notice of an interrupted start is never sent";
    EXPECT_TRUE(other.planner->find(1)->done(kStepStartAnnounced));
}

TEST_F(PlannerTest, AnInProgressWindowWhoseEndPassedCompletesAfterARestart) {
    rig_.store.put(
        stored_window(1, Status::InProgress, kT0 - 2 * kUsecPerHour, kT0 - kUsecPerHour));
    restart();
    EXPECT_EQ(window(1).status, Status::InProgress) << "an in-progress window stays so";
    EXPECT_EQ(rig_.scheduler.when(1, TimerKind::End), kT0 - kUsecPerHour);
    rig_.scheduler.fire(1, TimerKind::End);
    EXPECT_EQ(window(1).status, Status::Completed);
}

TEST_F(PlannerTest, AnEndTimerDuringAFlipCompletesTheWindowAndSkipsTheHostsNotBegun) {
    rig_.hosts.hold = true;
    rig_.store.put(
        stored_window(1, Status::InProgress, kT0 - 2 * kUsecPerHour, kT0 - kUsecPerHour));
    restart();
    EXPECT_TRUE(planner().flipping(1));
    rig_.scheduler.fire(1, TimerKind::End);
    EXPECT_EQ(window(1).status, Status::CompletedWithErrors);
    rig_.hosts.release();
    EXPECT_TRUE(rig_.hosts.started.empty());
    EXPECT_EQ(window(1).host_progress.skipped, 2u);
}

// ---------------------------------------------------------------------------------------------
// The Manager's view

TEST_F(PlannerTest, TheManagerIsIdleWithNoWindow) {
    EXPECT_EQ(planner().manager_view(), ManagerView{});
    EXPECT_EQ(planner().manager_view().state, "idle");
    EXPECT_EQ(planner().manager_view().banner, "");
}

TEST_F(PlannerTest, AScheduledWindowHasNoBannerBeforeItsLeadTime) {
    const WindowId id = schedule();
    const ManagerView v = planner().manager_view();
    EXPECT_EQ(v.state, "scheduled");
    EXPECT_EQ(v.next, id);
    EXPECT_EQ(v.active, 0u);
    EXPECT_FALSE(v.under_maintenance);
    EXPECT_EQ(v.banner, "");
}

TEST_F(PlannerTest, TheInProgressBannerIsTheContractsText) {
    in_progress();
    EXPECT_EQ(planner().manager_view().banner, "System is under maintenance!");
    EXPECT_STREQ(kBannerInProgress, "System is under maintenance!");
}

TEST_F(PlannerTest, TheInProgressBannerIsTheContractsTextEvenWithANotifyMessage) {
    // Contract, Manager.Banner: "`System is under maintenance!` while in progress".
    WindowChanges c = request();
    c.notify_message = "Back by 03:00";
    in_progress(c);
    EXPECT_EQ(planner().manager_view().banner, "System is under maintenance!");
}

// ---------------------------------------------------------------------------------------------
// find(): history through the store, with a small cache

TEST_F(PlannerTest, FindReadsHistoryFromTheStoreOnce) {
    Window old = stored_window(1, Status::Completed, kT0 - 2 * kUsecPerDay, kT0 - kUsecPerDay);
    old.log.push_back({kT0 - kUsecPerDay, LogLevel::Info, "Finished by UID 1000 as completed."});
    rig_.store.put(old);
    restart();
    EXPECT_TRUE(planner().exists(1));
    const int gets = rig_.store.gets;
    const Window* w = planner().find(1);
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(*w, old);
    EXPECT_EQ(rig_.store.gets, gets + 1);
    ASSERT_NE(planner().find(1), nullptr);
    EXPECT_EQ(rig_.store.gets, gets + 1) << "a cached window was read again";
    EXPECT_EQ(planner().find(2), nullptr);
    EXPECT_EQ(rig_.store.gets, gets + 1) << "an unknown id went to the store";
}

TEST_F(PlannerTest, FindOfALiveWindowDoesNotTouchTheStore) {
    const WindowId id = schedule();
    const int gets = rig_.store.gets;
    ASSERT_NE(planner().find(id), nullptr);
    EXPECT_EQ(rig_.store.gets, gets);
}

TEST_F(PlannerTest, TheHistoryCacheIsSmallAndKeepsTheRecentlyRead) {
    for (WindowId id = 1; id <= 10; ++id) {
        rig_.store.put(stored_window(id, Status::Cancelled, kT0 - (20 - id) * kUsecPerDay,
                                     kT0 - (19 - id) * kUsecPerDay));
    }
    restart();
    int gets = rig_.store.gets;
    for (WindowId id = 1; id <= 10; ++id)
        ASSERT_NE(planner().find(id), nullptr);
    EXPECT_EQ(rig_.store.gets, gets + 10);
    gets = rig_.store.gets;
    // The eight most recently read (10 down to 3) are cached; 1 and 2 were dropped.
    ASSERT_NE(planner().find(3), nullptr);
    EXPECT_EQ(rig_.store.gets, gets);
    ASSERT_NE(planner().find(10), nullptr);
    EXPECT_EQ(rig_.store.gets, gets);
    const Window* w = planner().find(1);
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->id, 1u);
    EXPECT_EQ(rig_.store.gets, gets + 1);
    // Reading 1 dropped the least recently read: 4.
    ASSERT_NE(planner().find(4), nullptr);
    EXPECT_EQ(rig_.store.gets, gets + 2);
}

TEST_F(PlannerTest, AJustFinishedWindowIsCachedWithoutAStoreRead) {
    const WindowId id = schedule();
    planner().cancel(id, "", kAlice);
    const int gets = rig_.store.gets;
    ASSERT_NE(planner().find(id), nullptr);
    EXPECT_EQ(planner().find(id)->status, Status::Cancelled);
    EXPECT_EQ(rig_.store.gets, gets);
}

TEST_F(PlannerTest, AnEnumerationReadsTheHistoryAheadInChunks) {
    const WindowId n = Planner::kPrefetchChunk + 20;
    for (WindowId id = 1; id <= n; ++id) {
        rig_.store.put(stored_window(id, Status::Completed, kT0 - (2 * n - id) * kUsecPerDay,
                                     kT0 - (2 * n - id - 1) * kUsecPerDay));
    }
    restart();
    const WindowId live = schedule();
    const int gets = rig_.store.gets;
    planner().prefetch_history();
    for (WindowId id = 1; id <= n; ++id) {
        const Window* w = planner().find(id);
        ASSERT_NE(w, nullptr);
        EXPECT_EQ(*w, rig_.store.at(id));
    }
    ASSERT_NE(planner().find(live), nullptr);
    EXPECT_EQ(planner().find(live)->status, Status::Scheduled) << "the live window, not a copy";
    EXPECT_EQ(rig_.store.range_gets, 2) << "one read per chunk";
    EXPECT_EQ(rig_.store.gets, gets) << "a window was read on its own";
    planner().drop_prefetched();
    ASSERT_NE(planner().find(1), nullptr);
    EXPECT_EQ(rig_.store.gets, gets + 1) << "after the enumeration, history is read on demand";
    EXPECT_EQ(rig_.store.range_gets, 2);
}

TEST_F(PlannerTest, AFailedChunkReadLeavesFindReadingOneByOne) {
    rig_.store.put(stored_window(1, Status::Failed, kT0 - 2 * kUsecPerDay, kT0 - kUsecPerDay));
    restart();
    planner().prefetch_history();
    rig_.store.fail_range_gets = true;
    const int gets = rig_.store.gets;
    const Window* w = planner().find(1);
    ASSERT_NE(w, nullptr) << "the chunk could not be read, the window alone could";
    EXPECT_EQ(w->status, Status::Failed);
    EXPECT_EQ(rig_.store.gets, gets + 1);
    EXPECT_EQ(rig_.store.range_gets, 1);
    planner().drop_prefetched();
}

TEST_F(PlannerTest, FindReturnsNothingWhenTheStoreFails) {
    rig_.store.put(stored_window(1, Status::Failed, kT0 - 2 * kUsecPerDay, kT0 - kUsecPerDay));
    restart();
    rig_.store.fail_gets = true;
    EXPECT_EQ(planner().find(1), nullptr);
    rig_.store.fail_gets = false;
    EXPECT_NE(planner().find(1), nullptr);
}

// ---------------------------------------------------------------------------------------------
// DryRun, hosts and sessions by hand

TEST_F(PlannerTest, DryRunReportsAndChangesNothing) {
    rig_.prechecks.rows = {CannedPrechecks::pass("disk"),
                           CannedPrechecks::fail("ntp", "warning", "drift")};
    schedule();
    const Snapshot before = snapshot();
    std::optional<bool> ready;
    std::vector<PrecheckResult> rows;
    planner().dry_run([&](bool r, std::vector<PrecheckResult> checks) {
        ready = r;
        rows = std::move(checks);
    });
    EXPECT_EQ(ready, true);
    EXPECT_EQ(rows, rig_.prechecks.rows);
    rig_.prechecks.rows.push_back(CannedPrechecks::fail("disk2", "error", "full"));
    planner().dry_run([&](bool r, std::vector<PrecheckResult>) { ready = r; });
    EXPECT_EQ(ready, false);
    EXPECT_EQ(snapshot(), before);
}

TEST_F(PlannerTest, SetHostMaintenanceChecksTheNameAndRecordsTheState) {
    EXPECT_THAT(error_of(Errc::NoSuchHost,
                         [&] { planner().set_host_maintenance("mail9", true, kAlice, nullptr); }),
                AllOf(HasSubstr("mail9"), HasSubstr("web1, db1")));
    std::vector<std::optional<Error>> results;
    auto done = [&](std::optional<Error> e) { results.push_back(std::move(e)); };
    planner().set_host_maintenance("web1", true, kAlice, done);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_FALSE(results[0].has_value());
    ASSERT_EQ(rig_.hosts.flips.size(), 1u);
    EXPECT_TRUE(rig_.hosts.flips[0].enter);
    EXPECT_EQ(rig_.store.host_states.at("web1").state, HostState::Maintenance);
    ASSERT_EQ(rig_.listener.of_kind("host").size(), 1u);
    planner().set_host_maintenance("web1", false, kAlice, done);
    EXPECT_EQ(rig_.store.host_states.at("web1").state, HostState::Normal);
    EXPECT_EQ(rig_.listener.of_kind("host").size(), 2u);

    rig_.hosts.failing = {"db1"};
    planner().set_host_maintenance("db1", true, kAlice, done);
    ASSERT_EQ(results.size(), 3u);
    ASSERT_TRUE(results[2].has_value());
    EXPECT_EQ(results[2]->code(), Errc::HostFailed);
    EXPECT_THAT(results[2]->what(), HasSubstr("db1"));
}

// A host flipped by hand belongs to no window: who asked goes to the daemon's log, with the
// outcome, for success and failure alike.
TEST_F(PlannerTest, AHostFlippedByHandRecordsWhoAsked) {
    auto done = [](std::optional<Error>) {};
    planner().set_host_maintenance("web1", true, kAlice, done);
    rig_.hosts.failing = {"db1"};
    planner().set_host_maintenance("db1", false, kBob, done);
    const auto by_hand = rig_.listener.of_kind("by-hand");
    ASSERT_EQ(by_hand.size(), 2u);
    EXPECT_EQ(by_hand[0]->uid, kAlice.uid);
    EXPECT_TRUE(by_hand[0]->enabled);
    EXPECT_EQ(by_hand[0]->host_state, HostState::Maintenance);
    EXPECT_THAT(by_hand[0]->text, StartsWith("web1: "));
    EXPECT_EQ(by_hand[1]->uid, kBob.uid);
    EXPECT_FALSE(by_hand[1]->enabled);
    EXPECT_THAT(by_hand[1]->text, StartsWith("db1: "));
}

TEST_F(PlannerTest, ListHostsFillsInTheLastKnownState) {
    rig_.store.host_states["db1"] = {HostState::Maintenance, "entered by window 3", kT0};
    restart();
    rig_.hosts.reports = {{"web1", HostState::Normal, "", true},
                          {"db1", HostState::Unknown, "", false}};
    std::optional<Outcome<std::vector<HostReport>>> got;
    planner().list_hosts([&](Outcome<std::vector<HostReport>> o) { got = std::move(o); });
    ASSERT_TRUE(got && got->value);
    EXPECT_EQ((*got->value)[0].state, HostState::Normal);
    EXPECT_EQ((*got->value)[1].state, HostState::Maintenance);
    EXPECT_EQ((*got->value)[1].message, "entered by window 3");
}

// A host with a status command is probed, and the probe alone would hide why its last flip
// failed: the failure's message comes after the probe's, until a flip of the host succeeds.
TEST_F(PlannerTest, ListHostsShowsTheLastFailedFlipsMessage) {
    rig_.hosts.failing = {"db1"};
    planner().set_host_maintenance("db1", true, kAlice, [](std::optional<Error>) {});
    const std::string failure = rig_.store.host_states.at("db1").message;
    ASSERT_FALSE(failure.empty());
    rig_.hosts.reports = {{"web1", HostState::Normal, "", true},
                          {"db1", HostState::Normal, "drained: no", true}};
    std::optional<Outcome<std::vector<HostReport>>> got;
    planner().list_hosts([&](Outcome<std::vector<HostReport>> o) { got = std::move(o); });
    ASSERT_TRUE(got && got->value);
    EXPECT_EQ((*got->value)[0].message, "");
    EXPECT_EQ((*got->value)[1].state, HostState::Normal);
    EXPECT_EQ((*got->value)[1].message, "drained: no; last flip failed: " + failure);

    rig_.hosts.failing.clear();
    planner().set_host_maintenance("db1", true, kAlice, [](std::optional<Error>) {});
    planner().list_hosts([&](Outcome<std::vector<HostReport>> o) { got = std::move(o); });
    ASSERT_TRUE(got && got->value);
    EXPECT_EQ((*got->value)[1].message, "drained: no");
}

TEST_F(PlannerTest, ListHostsWaitingBeyondTheBoundAreRefusedBusy) {
    // Calls sent with NO_REPLY_EXPECTED escape dbus-daemon's cap on pending replies: the
    // daemon bounds the listings that wait for the hosts itself.
    rig_.hosts.hold_lists = true;
    int answered = 0;
    auto count = [&](Outcome<std::vector<HostReport>>) { ++answered; };
    for (std::size_t i = 0; i < Planner::kMaxWaitingHostLists; ++i)
        planner().list_hosts(count);
    try {
        planner().list_hosts(count);
        FAIL() << "a listing beyond the bound was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::Busy);
        EXPECT_THAT(e.what(), HasSubstr("try again"));
    }
    EXPECT_EQ(rig_.hosts.pending_lists.size(), Planner::kMaxWaitingHostLists);
    rig_.hosts.release_lists();
    EXPECT_EQ(answered, static_cast<int>(Planner::kMaxWaitingHostLists));
    planner().list_hosts(count);  // room again once they were answered
    EXPECT_EQ(rig_.hosts.pending_lists.size(), 1u);
}

TEST_F(PlannerTest, TerminateSessionsSparesTheCallerAndReturnsTheEnded) {
    rig_.sessions.ends = {{"c1", 1002, "carol", true, ""}, {"c2", 0, "root", false, "busy"}};
    std::optional<Outcome<std::vector<std::string>>> got;
    planner().terminate_sessions(true, kBob,
                                 [&](Outcome<std::vector<std::string>> o) { got = std::move(o); });
    ASSERT_TRUE(got && got->value);
    EXPECT_THAT(*got->value, ElementsAre("c1"));
    ASSERT_EQ(rig_.sessions.terminations.size(), 1u);
    EXPECT_TRUE(rig_.sessions.terminations[0].include_admins);
    EXPECT_EQ(rig_.sessions.terminations[0].except_pid, kBob.pid);
}

}  // namespace
}  // namespace maint
