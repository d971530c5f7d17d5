// maintenance-notify: desktop notifications about planned maintenance, for the person logged in
// to a graphical session. Follows maintenanced on the system bus, posts to the notification server
// on the session bus.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "notify/daemon_watch.hpp"
#include "notify/desktop_notifications.hpp"
#include "notify/event_loop.hpp"
#include "notify/log.hpp"
#include "notify/tracker.hpp"

#ifndef MAINT_VERSION
#define MAINT_VERSION "unknown"
#endif

namespace {

using namespace maint::notify;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Owned on the session bus while the agent runs: one agent per session, however it was started
// (the systemd user unit and an XDG autostart entry both, in a desktop that honours neither's
// opt-out).
constexpr const char* kInstanceName = "org.example.MaintenanceNotify";

void usage(std::FILE* out) {
    std::fputs(
        "Usage: maintenance-notify [--help] [--version]\n"
        "\n"
        "Shows desktop notifications about planned maintenance: follows maintenanced on the\n"
        "system bus (or the bus DBUS_SYSTEM_BUS_ADDRESS names) and posts its upcoming, started\n"
        "and finished windows to the notification server on the session bus.\n"
        "\n"
        "  -h, --help     print this help and exit\n"
        "      --version  print the version and exit\n",
        out);
}

// Whether this process got the instance name (DBUS_NAME_FLAG_DO_NOT_QUEUE: no waiting in line).
bool claim_instance(sdbus::IConnection& session) {
    constexpr std::uint32_t kDoNotQueue = 4;
    constexpr std::uint32_t kPrimaryOwner = 1;
    auto dbus = sdbus::createProxy(session, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    std::uint32_t reply = 0;
    dbus->callMethod("RequestName")
        .onInterface("org.freedesktop.DBus")
        .withArguments(std::string(kInstanceName), kDoNotQueue)
        .storeResultsTo(reply);
    return reply == kPrimaryOwner;
}

int run() {
    block_termination_signals();

    std::unique_ptr<sdbus::IConnection> session;
    try {
        session = sdbus::createSessionBusConnection();
    } catch (const sdbus::Error& e) {
        log_message("Cannot connect to the session bus: " + e.getMessage());
        return kExitFailure;
    }
    if (!claim_instance(*session)) {
        log_message("Another maintenance-notify runs in this session; leaving it to that one.");
        return 0;
    }
    std::unique_ptr<sdbus::IConnection> system;
    try {
        system = sdbus::createSystemBusConnection();
    } catch (const sdbus::Error& e) {
        log_message("Cannot connect to the system bus: " + e.getMessage());
        return kExitFailure;
    }

    DesktopNotifications desktop(*session);
    NoticeTracker tracker;
    DaemonWatch watch(*system, tracker, [&desktop](const Actions& a) { desktop.apply(a); });
    watch.start();

    enum : std::size_t { kSystemBus, kSessionBus };
    const LoopEnd end = run_event_loop({system.get(), session.get()});
    switch (end.reason) {
        case LoopEnd::Reason::Signal:
            return 0;
        case LoopEnd::Reason::ConnectionLost:
            break;
    }
    if (end.connection == kSessionBus) {
        // The session is over; so is our job.
        log_message("The session bus went away (" + end.what + "); exiting.");
        return 0;
    }
    log_message("Lost the system bus (" + end.what + ").");
    return kExitFailure;
}

}  // namespace

int main(int argc, char* argv[]) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            usage(stdout);
            return 0;
        }
        if (arg == "--version") {
            std::printf("maintenance-notify %s\n", MAINT_VERSION);
            return 0;
        }
        std::fprintf(stderr, "maintenance-notify: unknown argument '%s'\n", arg.c_str());
        usage(stderr);
        return kExitUsage;
    }
    try {
        return run();
    } catch (const std::exception& e) {
        log_message(e.what());
        return kExitFailure;
    }
}
