// The Scheduler that uses systemd timers, so that `systemctl list-timers` shows a person what is
// coming and a window starts at its time even when the daemon is not running (the timer's
// companion service calls the daemon, which bus activation starts).
//
// Each armed timer is a transient unit pair made with StartTransientUnit:
//   maintenanced-window-7-start.timer    OnCalendar=<absolute UTC time>, AccuracySec=1ms
//   maintenanced-window-7-start.service  busctl call ... org.example.Maintenance1.Timers
//                                        Elapsed 7 start
// Transient units vanish at reboot and can be stopped by hand: at start-up the scheduler reads
// what systemd has (discover()), and reconcile() removes strays and re-creates what is missing.
// The Elapsed method is answered only for root callers running in the unit named for that very
// timer, so nobody can fire a window's timer by calling the daemon.
//
// Every call to systemd is asynchronous, except discover(), which runs once before the daemon
// serves anyone.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include "core/ports.hpp"

namespace maint {

// "maintenanced-window-7-start.timer"; parse_timer_unit() is its inverse (nullopt for any other
// name).
std::string timer_unit_name(WindowId id, TimerKind kind, std::string_view suffix = ".timer");
std::optional<std::pair<WindowId, TimerKind>> parse_timer_unit(std::string_view unit);
// "2026-12-01 02:00:00.000000 UTC": an OnCalendar= value for exactly `when`.
std::string calendar_spec(Usec when);

class SystemdScheduler final : public Scheduler {
  public:
    struct Settings {
        std::string busctl;    // the companion service's program
        std::string bus_name;  // the daemon's well-known name
        std::string object_path;
        std::string interface;  // where Elapsed is: org.example.Maintenance1.Timers
        Usec accuracy_usec = 1000;
    };
    // `problem` hears
    // of what went wrong (for the log: a timer that could not be made is a missed window).
    SystemdScheduler(boost::asio::io_context& io, sdbus::IConnection& connection,
                     const Clock& clock, Settings settings,
                     std::function<void(WindowId, const std::string&)> problem);
    ~SystemdScheduler() override;

    // Whether org.freedesktop.systemd1 is on the bus (for Scheduler=auto). Blocking.
    static bool available(sdbus::IConnection& connection);

    // Reads the window timers systemd has now. Blocking; once, before serving. Throws
    // sdbus::Error when systemd cannot be asked.
    void discover();

    // A timer's companion service called org.example.Maintenance1.Timers.Elapsed (served by
    // bus/timers_object). Accepted only from root running in the unit named for that timer:
    // throws Error(AccessDenied) for anyone else, Error(InvalidArgs) for an unknown kind.
    void elapsed(WindowId id, const std::string& kind, uid_t caller_euid,
                 const std::string& caller_unit);

    void set_handler(Handler handler) override;
    void arm(WindowId id, const std::vector<TimerSpec>& timers) override;
    void reconcile(const std::map<WindowId, std::vector<TimerSpec>>& wanted) override;

  private:
    using Key = std::pair<WindowId, TimerKind>;
    struct Slot {
        std::optional<Usec> wanted;    // what the planner asked for
        std::optional<Usec> existing;  // what systemd has (or is being asked to have)
        std::uint64_t generation = 0;  // bumps on every change of `wanted`
    };

    void set_wanted(const Key& key, std::optional<Usec> when);
    void converge(const Key& key);
    void create(const Key& key, Usec when, std::uint64_t generation, int attempt);
    void stop(const Key& key);
    void fire_soon(const Key& key);

    boost::asio::io_context& io_;
    const Clock& clock_;
    Settings settings_;
    std::function<void(WindowId, const std::string&)> problem_;
    std::unique_ptr<sdbus::IProxy> systemd_;
    std::map<Key, Slot> slots_;
    Handler handler_;
    // Guards callbacks that outlive the scheduler (replies, retry timers).
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace maint
