// maintenanced: arguments, configuration, the objects, the name, READY=1, the loop.
#include <systemd/sd-daemon.h>

#include <sys/resource.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "bus/announcer.hpp"
#include "bus/bus_pump.hpp"
#include "bus/manager_object.hpp"
#include "bus/paths.hpp"
#include "bus/timers_object.hpp"
#include "bus/window_objects.hpp"
#include "common/timestamp.hpp"
#include "config/config.hpp"
#include "core/planner.hpp"
#include "sd_bus_access.hpp"
#include "store/sqlite_store.hpp"
#include "system/asio_deferrer.hpp"
#include "system/checks.hpp"
#include "system/hosts.hpp"
#include "system/internal_scheduler.hpp"
#include "system/journal.hpp"
#include "system/logind_sessions.hpp"
#include "system/notifier.hpp"
#include "system/polkit_authorizer.hpp"
#include "system/runtime_state.hpp"
#include "system/systemd_scheduler.hpp"

#ifndef MAINT_VERSION
#define MAINT_VERSION "unknown"
#endif

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitDataError = 65;  // EX_DATAERR: the state database cannot be used
constexpr int kExitConfig = 78;     // EX_CONFIG

struct Options {
    std::filesystem::path config = maint::kDefaultConfigFile;
    bool config_given = false;
};

void usage(std::FILE* out) {
    std::fprintf(out,
                 "Usage: maintenanced [--config FILE]\n"
                 "\n"
                 "The planned-maintenance daemon: serves org.example.Maintenance1 on the system\n"
                 "bus (or the bus DBUS_SYSTEM_BUS_ADDRESS names).\n"
                 "\n"
                 "  --config FILE   read FILE and FILE.d/*.conf instead of %s\n"
                 "  --version       print the version and exit\n"
                 "  -h, --help      print this help and exit\n",
                 maint::kDefaultConfigFile);
}

std::optional<Options> parse_arguments(int argc, char** argv, int& exit_code) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            usage(stdout);
            exit_code = 0;
            return std::nullopt;
        }
        if (arg == "--version") {
            std::printf("maintenanced %s\n", MAINT_VERSION);
            exit_code = 0;
            return std::nullopt;
        }
        if (arg == "--config" && i + 1 < argc) {
            o.config = argv[++i];
            o.config_given = true;
        } else if (arg.rfind("--config=", 0) == 0) {
            o.config = arg.substr(9);
            o.config_given = true;
        } else {
            std::fprintf(stderr, "maintenanced: unknown or incomplete argument '%s'\n",
                         arg.c_str());
            usage(stderr);
            exit_code = kExitUsage;
            return std::nullopt;
        }
    }
    return o;
}

maint::PlannerSettings settings_from(const maint::Config& c, const maint::SystemHosts& hosts) {
    maint::PlannerSettings s;
    s.default_lead_usec = c.lead_time_usec;
    s.default_max_failed_hosts = c.max_failed_hosts;
    for (const auto& a : c.audiences)
        s.known.audiences.push_back(a.name);
    for (const auto& h : c.hosts)
        s.known.hosts.push_back(h.name);
    for (const auto& g : c.host_groups)
        s.known.hosts.push_back(g.name);
    s.known.grouped_hosts = hosts.grouped_hosts();
    return s;
}

class RealtimeClock final : public maint::Clock {
  public:
    maint::Usec now() const override { return maint::realtime_now(); }
};

// Scheduler=auto: systemd's timers when systemd is on the bus (and we may make units), else
// in-process ones.
std::unique_ptr<maint::Scheduler> make_scheduler(maint::SchedulerKind kind,
                                                 boost::asio::io_context& io,
                                                 sdbus::IConnection& connection,
                                                 const maint::Clock& clock,
                                                 maint::PlannerListener& listener,
                                                 maint::SystemdScheduler*& systemd_scheduler) {
    using namespace maint;
    bool systemd = kind == SchedulerKind::Systemd;
    if (kind == SchedulerKind::Auto)
        systemd = geteuid() == 0 && SystemdScheduler::available(connection);
    if (!systemd) {
        journal::info("Scheduling with in-process timers");
        return std::make_unique<InternalScheduler>(io);
    }
    auto scheduler = std::make_unique<SystemdScheduler>(
        io, connection, clock,
        SystemdScheduler::Settings{MAINT_BUSCTL, bus::kBusName, bus::kManagerPath,
                                   bus::kTimersInterface},
        [&listener](WindowId id, const std::string& what) { listener.problem(id, what); });
    scheduler->discover();
    systemd_scheduler = scheduler.get();
    journal::info("Scheduling with systemd timers (maintenanced-window-*.timer)");
    return scheduler;
}

// WATCHDOG=1 at half the interval systemd asks for (WatchdogSec=): the one periodic wake-up the
// daemon has, and only under a service manager that wants it.
class Watchdog {
  public:
    explicit Watchdog(boost::asio::io_context& io) : timer_(io) {
        std::uint64_t usec = 0;
        if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
            return;
        interval_ = std::chrono::microseconds(usec / 2);
        tick();
    }

  private:
    void tick() {
        sd_notify(0, "WATCHDOG=1");
        timer_.expires_after(interval_);
        timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec)
                tick();
        });
    }

    boost::asio::steady_timer timer_;
    std::chrono::microseconds interval_{};
};

// Each host command in flight holds two descriptors; the soft limit of 1024 would fail hosts
// beyond ~500 at once. The hard limit is what the service manager grants (and select() is
// never used here, so a large soft limit is safe).
void raise_fd_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int run(const Options& options) {
    using namespace maint;
    raise_fd_limit();

    Config config;
    try {
        config = load_config(options.config, options.config_given);
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "maintenanced: %s\n", e.what());
        return kExitConfig;
    }

    SqliteWindowStore store(config.state_directory);
    boost::asio::io_context io;
    RealtimeClock clock;
    auto connection = sdbus::createSystemBusConnection();
    bus::BusPump pump(io, *connection);
    journal::ListenerFanout listeners;
    SystemdScheduler* systemd_scheduler = nullptr;
    auto scheduler =
        make_scheduler(config.scheduler, io, *connection, clock, listeners, systemd_scheduler);
    SystemHosts hosts(io, config.hosts, config.host_groups, config.max_parallel_hosts);
    AsioDeferrer deferrer(io);
    SystemChecks prechecks(io, *connection, hosts, config.checks);
    AdminGroups admins(config.admin_groups);
    LogindSessions sessions(io, *connection, admins);
    // As systemd's service (its sandbox), mail goes through a transient unit: see Mailer.
    const std::string systemd_run =
        geteuid() == 0 && std::getenv("INVOCATION_ID") && SystemdScheduler::available(*connection)
            ? MAINT_SYSTEMD_RUN
            : "";
    SystemNotifier notifier(io, notifier_settings(config, systemd_run));
    journal::LifecycleLog lifecycle_log;
    listeners.add(lifecycle_log);

    Planner planner({store, *scheduler, clock, prechecks, hosts, sessions, notifier, deferrer},
                    settings_from(config, hosts), listeners);
    // A group's HostsCommand= may list other hosts at any listing: a window may name them.
    hosts.on_groups_changed([&] { planner.set_settings(settings_from(config, hosts)); });
    planner.load();
    RuntimeState runtime(config.runtime_directory, admins, &sessions, planner);
    listeners.add(runtime);

    auto reload = [&] {
        Config next;
        try {
            next = load_config(options.config, options.config_given);
        } catch (const ConfigError& e) {
            throw Error(Errc::InvalidArgs, std::string("Configuration not reloaded: ") + e.what() +
                                               "; the running configuration stays in force");
        }
        if (next.state_directory != config.state_directory ||
            next.runtime_directory != config.runtime_directory) {
            journal::warning("StateDirectory= and RuntimeDirectory= take effect at the next start");
        }
        prechecks.set_checks(next.checks);
        hosts.set_hosts(next.hosts, next.host_groups, next.max_parallel_hosts);
        planner.set_settings(settings_from(next, hosts));
        admins.set(next.admin_groups);
        notifier.set_settings(notifier_settings(next, systemd_run));
        runtime.sync();  // the state file names the admin groups
        config = std::move(next);
        hosts.refresh_groups([] {});
        journal::notice("Configuration reloaded");
    };

    PolkitAuthorizer authorizer(*connection);
    bus::ManagerObject manager(*connection, planner, authorizer, reload);
    bus::WindowObjects windows(io, busaccess::raw_bus(*connection), planner, authorizer);
    bus::TimersObject timers(*connection, nullptr);
    if (systemd_scheduler) {
        timers.set_handler([systemd_scheduler](WindowId id, const std::string& kind,
                                               const bus::TimerCaller& caller) {
            systemd_scheduler->elapsed(id, kind, caller.euid, caller.unit);
        });
    }
    bus::BusAnnouncer announcer(manager, windows);
    listeners.add(announcer);

    hosts.refresh_groups([] {});
    planner.resume();
    runtime.sync();  // a window in progress before a restart keeps its logins closed
    connection->requestName(bus::kBusName);

    boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int signo) {
            if (ec)
                return;
            if (signo == SIGHUP) {
                sd_notify(0, "RELOADING=1");
                try {
                    reload();
                } catch (const Error& e) {
                    journal::error(e.what());
                }
                sd_notify(0, "READY=1");
                signals.async_wait(on_signal);
                return;
            }
            sd_notify(0, "STOPPING=1\nSTATUS=Stopping");
            pump.stop();
        };
    signals.async_wait(on_signal);

    Watchdog watchdog(io);

    const auto view = planner.manager_view();
    sd_notifyf(0, "READY=1\nSTATUS=%s", view.state.c_str());
    journal::info(std::string("maintenanced ") + MAINT_VERSION + " ready on the bus as " +
                  bus::kBusName);
    pump.run();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    int exit_code = 0;
    const auto options = parse_arguments(argc, argv, exit_code);
    if (!options)
        return exit_code;
    try {
        return run(*options);
    } catch (const maint::StoreError& e) {
        std::fprintf(stderr, "maintenanced: %s\n", e.what());
        return kExitDataError;
    } catch (const sdbus::Error& e) {
        std::fprintf(stderr, "maintenanced: D-Bus: %s: %s\n", e.getName().c_str(),
                     e.getMessage().c_str());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "maintenanced: %s\n", e.what());
        return 1;
    }
}
