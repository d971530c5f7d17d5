// The desktop around maintenance-notify in the tests: a private session bus, an X server (Xvfb)
// with dunst on it as the notification server, a monitor that records what crosses the session
// bus to and from org.freedesktop.Notifications, and the agent itself. Each is a real process
// (or connection), stopped and reaped when its object goes.
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness/process.hpp"

namespace maint::it::desktop {

// The programs the tests run, as CMake found them (empty: not installed).
struct Tools {
    std::string xvfb, dunst, dunstctl, busctl, xwd, xwdtopnm, pnmtopng;
    // What is missing for a test with a notification server and screenshots, or nullopt.
    std::optional<std::string> missing() const;
};
const Tools& tools();

// dbus-daemon as a session bus on a unix socket in `dir`: everyone may own any name, and root
// may monitor.
class SessionBus {
  public:
    explicit SessionBus(const std::filesystem::path& dir);
    ~SessionBus();
    SessionBus(const SessionBus&) = delete;
    SessionBus& operator=(const SessionBus&) = delete;

    const std::string& address() const { return address_; }
    // SIGKILL: the bus goes away under its clients, as at the end of a session.
    void kill();

  private:
    std::string address_;
    Process process_;
};

// A private system bus (the integration harness's policy) on which org.example.Maintenance1 is
// bus-activatable: activating it runs a shell command that appends a line to `marker()` (and does
// not take the name).
class ActivatableSystemBus {
  public:
    explicit ActivatableSystemBus(const std::filesystem::path& dir);
    ~ActivatableSystemBus();
    ActivatableSystemBus(const ActivatableSystemBus&) = delete;
    ActivatableSystemBus& operator=(const ActivatableSystemBus&) = delete;

    const std::string& address() const { return address_; }
    const std::filesystem::path& marker() const { return marker_; }
    bool activation_attempted() const;

  private:
    std::filesystem::path marker_;
    std::string address_;
    Process process_;
};

// Xvfb on a display number it picks itself (-displayfd), 1024x768, black.
class XServer {
  public:
    explicit XServer(const std::filesystem::path& dir);
    ~XServer();
    XServer(const XServer&) = delete;
    XServer& operator=(const XServer&) = delete;

    const std::string& display() const { return display_; }  // ":N"
    // The whole screen as a PNG at `file` (xwd | xwdtopnm | pnmtopng). Throws std::runtime_error.
    void screenshot(const std::filesystem::path& file) const;

  private:
    std::filesystem::path dir_;
    std::string display_;
    Process process_;
};

// One entry of dunst's history (org.dunstproject.cmd0.NotificationListHistory, which
// `dunstctl history` prints as JSON).
struct HistoryEntry {
    std::int32_t id = 0;
    std::string appname;
    std::string summary;
    std::string body;
};

// dunst with a minimal configuration for dunst 1.9: notifications in the top right corner of the
// X server's screen, none of them expiring by itself (so that what leaves the screen was closed).
class Dunst {
  public:
    Dunst(const std::filesystem::path& dir, const std::string& display,
          const std::string& session_address);
    ~Dunst();
    Dunst(const Dunst&) = delete;
    Dunst& operator=(const Dunst&) = delete;

    bool running() { return process_.running(); }
    // `dunstctl count displayed` (or history, waiting). Throws std::runtime_error on failure.
    int count(const std::string& which) const;
    // `dunstctl history`'s JSON text.
    std::string history_json() const;
    // The history, newest first.
    std::vector<HistoryEntry> history() const;
    std::string output() const;

  private:
    std::vector<std::string> env() const;

    std::filesystem::path dir_;
    std::string session_address_;
    std::string display_;
    Process process_;
};

// What the monitor saw of the Desktop Notifications protocol.
struct NotifyCall {
    std::string sender;
    std::string app_name;
    std::uint32_t replaces_id = 0;
    std::string icon;
    std::string summary;
    std::string body;
    std::optional<std::uint8_t> urgency;
    std::int32_t expire_timeout = 0;
    std::optional<std::uint32_t> id;   // from the reply
    std::optional<std::string> error;  // an error reply instead
    std::uint64_t cookie = 0;
    std::string describe() const;
};

struct ClosedSignal {
    std::uint32_t id = 0;
    std::uint32_t reason = 0;  // 1 expired, 2 dismissed, 3 CloseNotification, 4 other
};

// A monitor connection (org.freedesktop.DBus.Monitoring.BecomeMonitor) to the session bus,
// recording Notify and CloseNotification calls with their replies, and NotificationClosed.
class NotificationMonitor {
  public:
    explicit NotificationMonitor(const std::string& address);
    ~NotificationMonitor();
    NotificationMonitor(const NotificationMonitor&) = delete;
    NotificationMonitor& operator=(const NotificationMonitor&) = delete;

    std::vector<NotifyCall> notify_calls() const;
    std::vector<std::uint32_t> close_calls() const;  // their ids
    std::vector<ClosedSignal> closed_signals() const;
    // Waits until `done` holds (checked whenever a message was recorded).
    bool wait(const std::function<bool()>& done, std::chrono::milliseconds timeout);
    // Waits until `count` Notify calls were answered; returns them all.
    std::vector<NotifyCall> wait_answered(std::size_t count, std::chrono::milliseconds timeout);
    std::string dump() const;

  private:
    void run();
    void record(sd_bus_message* m);

    sd_bus* bus_ = nullptr;
    int stop_fd_ = -1;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<NotifyCall> notify_;
    std::vector<std::uint32_t> close_;
    std::vector<ClosedSignal> closed_;
};

// maintenance-notify with its buses; its stderr in a file.
class Agent {
  public:
    Agent(const std::filesystem::path& dir, const std::string& system_address,
          const std::string& session_address);
    ~Agent();
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    pid_t pid() const { return process_.pid(); }
    bool running() { return process_.running(); }
    std::string log() const;
    // Waits until the log holds `text` at least `times` times.
    bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout, int times = 1);
    std::optional<ExitInfo> wait_for_exit(std::chrono::milliseconds timeout);
    // SIGTERM, and how it ended.
    ExitInfo stop();
    // User plus system CPU time so far, in clock ticks (/proc/PID/stat).
    long cpu_ticks() const;

  private:
    std::filesystem::path log_;
    Process process_;
};

// The directory the tests leave their screenshot in (created).
std::filesystem::path artifacts_dir();

}  // namespace maint::it::desktop
