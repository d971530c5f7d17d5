// maintenance-notify against real parts: the real maintenanced on a private system bus (the
// integration harness), a private session bus with dunst on Xvfb as the notification server, and a
// monitor on that session bus that records every Notify and CloseNotification and their answers.
// A window is announced, started, run through a daemon restart and completed; what the agent sent
// is checked on the wire and what the user got in dunst (displayed, history, `dunstctl`), and a
// screenshot of the critical notice is kept. Further tests: a window already in progress at
// start-up (and extended), no bus activation of the daemon, no notification server, the session
// ending, a second agent.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "desktop/desktop_harness.hpp"
#include "harness/daemon_test.hpp"
#include "harness/json_check.hpp"

#ifndef MAINT_NOTIFY_PATH
#error "MAINT_NOTIFY_PATH must name the maintenance-notify binary"
#endif

namespace maint::it::desktop {
namespace {

constexpr auto kTimeout = 20s;
constexpr std::uint32_t kClosedByCall = 3;  // NotificationClosed's reason for CloseNotification

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

int urgency_of(const NotifyCall& c) {
    return c.urgency ? *c.urgency : -1;
}

const HistoryEntry* find_entry(const std::vector<HistoryEntry>& history, std::uint32_t id) {
    for (const auto& e : history) {
        if (e.id == static_cast<std::int32_t>(id))
            return &e;
    }
    return nullptr;
}

class DesktopAgent : public DaemonTest {
  protected:
    // False: the session bus has no notification server until the test starts one.
    virtual bool start_notification_server() const { return true; }

    void SetUp() override {
        DaemonTest::SetUp();
        if (IsSkipped() || HasFatalFailure())
            return;
        if (const auto missing = tools().missing())
            GTEST_SKIP() << *missing;
        session_ = std::make_unique<SessionBus>(dir_->subdir("session", 0755));
        monitor_ = std::make_unique<NotificationMonitor>(session_->address());
        if (start_notification_server())
            start_dunst();
    }

    void TearDown() override {
        if (agent_)
            stop_agent();
        dunst_.reset();
        x_.reset();
        monitor_.reset();
        session_.reset();
        DaemonTest::TearDown();
    }

    void start_dunst() {
        x_ = std::make_unique<XServer>(dir_->subdir("x"));
        dunst_ = std::make_unique<Dunst>(dir_->subdir("dunst"), x_->display(), session_->address());
    }

    // Starts the agent (on the test's system bus unless another is named) and waits until it has
    // read the daemon's state, or found that there is no daemon.
    void start_agent(const std::string& system_address = {}) {
        agent_ = std::make_unique<Agent>(dir_->subdir("agent"),
                                         system_address.empty() ? bus_->address() : system_address,
                                         session_->address());
        const bool ready = wait_until(
            [&] {
                const std::string log = agent_->log();
                return !agent_->running() || contains(log, "Following maintenanced") ||
                       contains(log, "is not on the system bus");
            },
            kTimeout, 20ms);
        ASSERT_TRUE(ready && agent_->running()) << "maintenance-notify did not come up:\n"
                                                << agent_->log();
    }

    // SIGTERM; it must have been running until then and end cleanly.
    void stop_agent() {
        EXPECT_TRUE(agent_->running()) << "maintenance-notify died during the test:\n"
                                       << agent_->log();
        const ExitInfo e = agent_->stop();
        EXPECT_TRUE(e.exited && e.code == 0)
            << "maintenance-notify ended with " << e.describe() << ":\n"
            << agent_->log();
        agent_.reset();
    }

    // The Notify calls, once `count` of them were answered.
    std::vector<NotifyCall> notifications(std::size_t count) {
        auto calls = monitor_->wait_answered(count, kTimeout);
        EXPECT_GE(calls.size(), count) << "Notify calls so far:\n"
                                       << monitor_->dump() << "maintenance-notify:\n"
                                       << (agent_ ? agent_->log() : "");
        return calls;
    }

    bool wait_closed(std::uint32_t id) {
        return monitor_->wait(
            [&] {
                for (const auto& s : monitor_->closed_signals()) {
                    if (s.id == id && s.reason == kClosedByCall)
                        return true;
                }
                return false;
            },
            kTimeout);
    }

    bool wait_displayed(int count) {
        return wait_until([&] { return dunst_->count("displayed") == count; }, 5s, 20ms);
    }

    std::string context() const {
        return "\nOn the session bus:\n" + monitor_->dump() + "maintenance-notify:\n" +
               (agent_ ? agent_->log() : "");
    }

    std::unique_ptr<SessionBus> session_;
    std::unique_ptr<NotificationMonitor> monitor_;
    std::unique_ptr<XServer> x_;
    std::unique_ptr<Dunst> dunst_;
    std::unique_ptr<Agent> agent_;
};

TEST_F(DesktopAgent, AnnouncesRunsAndClosesAWindowAndSurvivesADaemonRestart) {
    ASSERT_NO_FATAL_FAILURE(start_agent());

    // Nothing happens: nothing is shown, and no CPU is used.
    const long ticks = agent_->cpu_ticks();
    std::this_thread::sleep_for(1500ms);
    EXPECT_LE(agent_->cpu_ticks() - ticks, 1) << "the agent used CPU while nothing happened";
    EXPECT_TRUE(monitor_->notify_calls().empty()) << context();

    // Scheduled with a lead time that has begun already: the upcoming notice, at once.
    const std::uint64_t now = now_usec();
    const auto path =
        schedule(now + 10 * kUsecPerMin, now + 70 * kUsecPerMin, "Kernel upgrade", {},
                 {{"NotifyLeadUSec", sdbus::Variant(std::uint64_t{kUsecPerHour})},
                  {"NotifyMessage", sdbus::Variant(std::string("Expect two reboots."))}});
    auto calls = notifications(1);
    ASSERT_EQ(calls.size(), 1u) << context();
    const NotifyCall upcoming = calls[0];
    ASSERT_TRUE(upcoming.id) << upcoming.describe();
    EXPECT_EQ(upcoming.app_name, "maintenance-notify");
    EXPECT_EQ(upcoming.replaces_id, 0u);
    EXPECT_EQ(upcoming.icon, "appointment-soon");
    EXPECT_EQ(upcoming.summary, "Maintenance in 10 minutes");
    EXPECT_EQ(upcoming.body.rfind("Expect two reboots.\nFrom ", 0), 0u) << upcoming.body;
    EXPECT_TRUE(contains(upcoming.body, "Users who are not administrators will be logged off"))
        << upcoming.body;
    EXPECT_EQ(urgency_of(upcoming), 1);
    EXPECT_EQ(upcoming.expire_timeout, -1);
    EXPECT_TRUE(wait_displayed(1)) << dunst_->count("displayed");

    // Moved, still within the lead time: the daemon announces it again, and the new notice
    // replaces the old one.
    auto w = window(path);
    w->Update({{"StartUSec", sdbus::Variant(now + 20 * kUsecPerMin)}});
    calls = notifications(2);
    ASSERT_EQ(calls.size(), 2u) << context();
    EXPECT_EQ(calls[1].replaces_id, *upcoming.id);
    EXPECT_EQ(calls[1].id, upcoming.id);
    EXPECT_EQ(calls[1].summary, "Maintenance in 20 minutes");
    EXPECT_TRUE(wait_displayed(1)) << dunst_->count("displayed");
    EXPECT_EQ(dunst_->count("history"), 0);

    // Started: the upcoming notice is closed, the critical one stays up.
    w->Start({});
    calls = notifications(3);
    ASSERT_EQ(calls.size(), 3u) << context();
    const NotifyCall running = calls[2];
    ASSERT_TRUE(running.id) << running.describe();
    EXPECT_EQ(running.summary, "System is under maintenance");
    EXPECT_EQ(running.body.rfind("Expect two reboots.\nUntil ", 0), 0u) << running.body;
    EXPECT_EQ(urgency_of(running), 2);
    EXPECT_EQ(running.expire_timeout, 0);
    EXPECT_EQ(running.icon, "dialog-warning");
    EXPECT_EQ(running.replaces_id, 0u);
    EXPECT_TRUE(wait_closed(*upcoming.id)) << context();
    EXPECT_EQ(monitor_->close_calls(), std::vector<std::uint32_t>{*upcoming.id});
    EXPECT_TRUE(wait_displayed(1)) << dunst_->count("displayed");
    auto history = dunst_->history();
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0].id, static_cast<std::int32_t>(*upcoming.id));
    EXPECT_EQ(history[0].appname, "maintenance-notify");
    EXPECT_EQ(history[0].summary, "Maintenance in 20 minutes");

    const auto screenshot = artifacts_dir() / "maintenance-notify-in-progress.png";
    ASSERT_NO_THROW(x_->screenshot(screenshot));
    std::cout << "screenshot of the in-progress notification: " << screenshot.string() << "\n";
    RecordProperty("screenshot", screenshot.string());

    // maintenanced is killed mid-window and comes back: the agent follows the new instance and
    // shows nothing twice.
    daemon_->kill9();
    ASSERT_TRUE(agent_->wait_for_log("left the system bus", kTimeout)) << agent_->log();
    daemon_->start();
    ASSERT_TRUE(agent_->wait_for_log("Following maintenanced", kTimeout, 2)) << agent_->log();
    EXPECT_TRUE(agent_->running());
    EXPECT_EQ(monitor_->notify_calls().size(), 3u) << context();
    EXPECT_EQ(monitor_->close_calls().size(), 1u) << context();
    EXPECT_EQ(dunst_->count("displayed"), 1);

    // Completed, through the new instance: the critical notice is closed, the outcome shown. The
    // private bus has no logind, so the sessions could not be ended and the window completes
    // with errors (the plain "completed" text is the notices' unit tests' to check).
    w = window(path);
    w->Complete("All hosts upgraded.", {}, {});
    calls = notifications(4);
    ASSERT_EQ(calls.size(), 4u) << context();
    const NotifyCall& outcome = calls[3];
    EXPECT_EQ(outcome.summary, "Maintenance completed with errors");
    EXPECT_EQ(outcome.body, "All hosts upgraded.");
    EXPECT_EQ(outcome.icon, "dialog-warning");
    EXPECT_EQ(urgency_of(outcome), 1);
    EXPECT_EQ(outcome.replaces_id, 0u);
    EXPECT_TRUE(wait_closed(*running.id)) << context();
    EXPECT_EQ(monitor_->close_calls(), (std::vector<std::uint32_t>{*upcoming.id, *running.id}));
    EXPECT_TRUE(wait_displayed(1)) << dunst_->count("displayed");  // the outcome

    history = dunst_->history();
    ASSERT_EQ(history.size(), 2u);
    const HistoryEntry* closed = find_entry(history, *running.id);
    ASSERT_NE(closed, nullptr);
    EXPECT_EQ(closed->summary, "System is under maintenance");
    EXPECT_EQ(closed->body, running.body);
    const std::string json = dunst_->history_json();
    std::string error;
    EXPECT_TRUE(is_json_document(json, &error)) << error << "\n" << json;
    EXPECT_TRUE(contains(json, "\"Maintenance in 20 minutes\"")) << json;
    EXPECT_TRUE(contains(json, "\"System is under maintenance\"")) << json;
}

TEST_F(DesktopAgent, AWindowInProgressAtStartUpIsShownAtOnceKeptUpToDateAndItsFailureReported) {
    const std::uint64_t now = now_usec();
    const auto path = schedule(now + kUsecPerHour, now + 2 * kUsecPerHour, "Disk replacement");
    auto w = window(path);
    w->Start({});

    ASSERT_NO_FATAL_FAILURE(start_agent());
    auto calls = notifications(1);
    ASSERT_EQ(calls.size(), 1u) << context();
    const NotifyCall running = calls[0];
    ASSERT_TRUE(running.id);
    EXPECT_EQ(running.summary, "System is under maintenance");
    EXPECT_EQ(running.body.rfind("Disk replacement\nUntil ", 0), 0u) << running.body;
    EXPECT_EQ(urgency_of(running), 2);
    EXPECT_EQ(running.expire_timeout, 0);
    EXPECT_TRUE(wait_displayed(1)) << dunst_->count("displayed");

    // Extended: the critical notice tells the new end, in place.
    w->Update({{"EndUSec", sdbus::Variant(now + 3 * kUsecPerHour)}});
    calls = notifications(2);
    ASSERT_EQ(calls.size(), 2u) << context();
    EXPECT_EQ(calls[1].replaces_id, *running.id);
    EXPECT_EQ(calls[1].id, running.id);
    EXPECT_EQ(calls[1].summary, "System is under maintenance");
    EXPECT_NE(calls[1].body, running.body);
    EXPECT_EQ(urgency_of(calls[1]), 2);
    EXPECT_TRUE(wait_displayed(1)) << dunst_->count("displayed");

    w->Complete("The new disk is faulty.", {}, {{"Failed", sdbus::Variant(true)}});
    calls = notifications(3);
    ASSERT_EQ(calls.size(), 3u) << context();
    EXPECT_EQ(calls[2].summary, "Maintenance failed");
    EXPECT_EQ(calls[2].body, "The new disk is faulty.");
    EXPECT_EQ(calls[2].icon, "dialog-error");
    EXPECT_TRUE(wait_closed(*running.id)) << context();
    EXPECT_EQ(monitor_->close_calls(), std::vector<std::uint32_t>{*running.id});
}

class DesktopAgentActivation : public DesktopAgent {
  protected:
    bool start_daemon() const override { return false; }
};

TEST_F(DesktopAgentActivation, NeverBusActivatesTheDaemonAndFollowsItWhenItComes) {
    ActivatableSystemBus bus(dir_->subdir("activatable", 0755));
    ASSERT_NO_FATAL_FAILURE(start_agent(bus.address()));
    EXPECT_TRUE(contains(agent_->log(), "is not on the system bus; waiting for it"))
        << agent_->log();
    std::this_thread::sleep_for(500ms);
    EXPECT_FALSE(bus.activation_attempted()) << "the agent's start activated the daemon";

    // The daemon comes: the agent follows it.
    DaemonProcess daemon(dir_->subdir("daemon-activatable"), bus.address());
    daemon.start();
    ASSERT_TRUE(agent_->wait_for_log("Following maintenanced", kTimeout)) << agent_->log();
    {
        auto connection = sdbus::createSessionBusConnectionWithAddress(bus.address());
        ManagerProxy manager(*connection);
        const std::uint64_t now = now_usec();
        manager.ScheduleWindow(now + 5 * kUsecPerMin, now + 65 * kUsecPerMin, "Firmware update", {},
                               {{"NotifyLeadUSec", sdbus::Variant(std::uint64_t{kUsecPerHour})}});
    }
    const auto calls = notifications(1);
    ASSERT_EQ(calls.size(), 1u) << context();
    EXPECT_EQ(calls[0].summary, "Maintenance in 5 minutes");

    // ... and goes again: nothing is called on its name.
    daemon.stop();
    ASSERT_TRUE(agent_->wait_for_log("left the system bus", kTimeout)) << agent_->log();
    std::this_thread::sleep_for(500ms);
    EXPECT_FALSE(bus.activation_attempted()) << "the agent activated the daemon after it left";
    stop_agent();

    // The check is a real one: a call to the name does activate it on this bus.
    // (The activated command never takes the name: the call is not waited out.)
    const auto r =
        run_command({tools().busctl, "--address=" + bus.address(), "--timeout=2", "call",
                     "org.example.Maintenance1", "/", "org.freedesktop.DBus.Peer", "Ping"},
                    environment_with({}), 30s);
    EXPECT_TRUE(wait_until([&] { return bus.activation_attempted(); }, 10s)) << r.describe();
}

class DesktopAgentWithoutServer : public DesktopAgent {
  protected:
    bool start_notification_server() const override { return false; }
};

TEST_F(DesktopAgentWithoutServer, SaysSoAndShowsWhatComesOnceThereIsOne) {
    ASSERT_NO_FATAL_FAILURE(start_agent());
    const std::uint64_t now = now_usec();
    const auto path = schedule(now + 10 * kUsecPerMin, now + 70 * kUsecPerMin, "Kernel upgrade", {},
                               {{"NotifyLeadUSec", sdbus::Variant(std::uint64_t{kUsecPerHour})}});
    ASSERT_TRUE(
        agent_->wait_for_log("Cannot show the notification \"Maintenance in 10 minutes\": "
                             "org.freedesktop.DBus.Error.ServiceUnknown",
                             kTimeout))
        << agent_->log();
    EXPECT_TRUE(agent_->running());

    start_dunst();
    window(path)->Start({});
    const auto calls = monitor_->wait_answered(1, kTimeout);
    ASSERT_EQ(calls.size(), 1u) << context();
    EXPECT_EQ(calls[0].summary, "System is under maintenance");
    EXPECT_TRUE(calls[0].id) << calls[0].describe();
    EXPECT_TRUE(wait_displayed(1)) << dunst_->count("displayed");
}

TEST_F(DesktopAgent, ExitsCleanlyWhenTheSessionBusGoesAway) {
    ASSERT_NO_FATAL_FAILURE(start_agent());
    session_->kill();
    const auto e = agent_->wait_for_exit(kTimeout);
    ASSERT_TRUE(e) << "still running after the session bus went away:\n" << agent_->log();
    EXPECT_TRUE(e->exited && e->code == 0) << e->describe() << "\n" << agent_->log();
    EXPECT_TRUE(contains(agent_->log(), "The session bus went away")) << agent_->log();
    agent_.reset();
}

TEST_F(DesktopAgent, ASecondAgentInTheSameSessionLeavesItToTheFirst) {
    ASSERT_NO_FATAL_FAILURE(start_agent());
    Agent second(dir_->subdir("second-agent"), bus_->address(), session_->address());
    const auto e = second.wait_for_exit(kTimeout);
    ASSERT_TRUE(e) << "the second agent still runs:\n" << second.log();
    EXPECT_TRUE(e->exited && e->code == 0) << e->describe() << "\n" << second.log();
    EXPECT_TRUE(contains(second.log(), "Another maintenance-notify runs in this session"))
        << second.log();
    EXPECT_TRUE(agent_->running());
}

TEST(DesktopAgentCommandLine, PrintsItsVersionAndHelpAndRefusesUnknownArguments) {
    auto r = run_command({MAINT_NOTIFY_PATH, "--version"}, environment_with({}));
    EXPECT_TRUE(r.exit.exited && r.exit.code == 0) << r.describe();
    EXPECT_EQ(r.out, "maintenance-notify " MAINT_PROJECT_VERSION "\n");
    r = run_command({MAINT_NOTIFY_PATH, "--help"}, environment_with({}));
    EXPECT_TRUE(r.exit.exited && r.exit.code == 0) << r.describe();
    EXPECT_EQ(r.out.rfind("Usage: maintenance-notify", 0), 0u) << r.out;
    r = run_command({MAINT_NOTIFY_PATH, "--frobnicate"}, environment_with({}));
    EXPECT_TRUE(r.exit.exited && r.exit.code == 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "unknown argument '--frobnicate'")) << r.err;
}

}  // namespace
}  // namespace maint::it::desktop
