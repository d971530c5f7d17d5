// The D-Bus calls of maintenancectl, through the proxies sdbus-c++-xml2cpp generates from
// dbus/org.example.Maintenance1.xml. Two things sdbus-c++ 1.2 cannot say are set on the sd_bus
// beneath it (dbus/sd_bus_access.hpp): the allow-interactive-authorization flag, and a longer
// method-call timeout for the calls that run prechecks, flip hosts and end sessions.
#include "ctl/client.hpp"

#include <poll.h>
#include <systemd/sd-bus.h>

#include <algorithm>
#include <cerrno>

#include <sdbus-c++/sdbus-c++.h>

#include "common/bus_names.hpp"
#include "dbus/sd_bus_access.hpp"
#include "generated/maintenance1_proxy.h"

namespace maint::ctl {

namespace {

using names::kBusName;
using names::kManagerInterface;
using names::kManagerPath;
using names::kWindowInterface;

// Start, Complete, DryRun and SetHostMaintenance wait for prechecks, host backends and logind:
// allow ten minutes, not sd-bus's 25 s, so a slow fleet is not reported as an unreachable daemon.
constexpr std::uint64_t kLongCallUsec = 10ULL * 60 * 1'000'000;

using Props = std::map<std::string, sdbus::Variant>;
using CheckStruct = sdbus::Struct<std::string, std::string, std::string, std::string, std::string>;
using ProgressStruct = sdbus::Struct<uint32_t, uint32_t, uint32_t, uint32_t, uint32_t>;
using HostResultStruct = sdbus::Struct<std::string, std::string, std::string, uint64_t>;

constexpr const char* kDbusName = "org.freedesktop.DBus";
constexpr const char* kDbusPath = "/org/freedesktop/DBus";
constexpr const char* kPropertiesInterface = "org.freedesktop.DBus.Properties";

// The generated proxies declare a handler per signal. A one-shot client listens to none and never
// calls registerProxy(), which also spares the bus an AddMatch per signal.
class WindowProxy final : public sdbus::ProxyInterfaces<org::example::Maintenance1::Window_proxy,
                                                        sdbus::Properties_proxy> {
  public:
    WindowProxy(sdbus::IConnection& connection, const std::string& path)
        : ProxyInterfaces(connection, kBusName, path) {}

  private:
    void onPropertiesChanged(const std::string&, const Props&,
                             const std::vector<std::string>&) override {}
};

// Raises the bus's default call timeout for one call and puts it back afterwards.
class LongCall {
  public:
    explicit LongCall(sd_bus* bus) : bus_(bus) {
        sd_bus_get_method_call_timeout(bus_, &saved_);
        sd_bus_set_method_call_timeout(bus_, kLongCallUsec);
    }
    ~LongCall() { sd_bus_set_method_call_timeout(bus_, saved_); }
    LongCall(const LongCall&) = delete;
    LongCall& operator=(const LongCall&) = delete;

  private:
    sd_bus* bus_;
    std::uint64_t saved_ = 0;
};

// A property of a GetAll answer; a daemon that lacks one is shown its default, not refused.
template <typename T>
T property(const Props& props, const char* name, T fallback = T{}) {
    auto it = props.find(name);
    return it == props.end() ? fallback : it->second.get<T>();
}

std::vector<CheckResult> checks_of(const std::vector<CheckStruct>& rows) {
    std::vector<CheckResult> checks;
    checks.reserve(rows.size());
    for (const auto& r : rows) {
        checks.push_back({r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>()});
    }
    return checks;
}

HostProgress progress_of(const ProgressStruct& p) {
    return {p.get<0>(), p.get<1>(), p.get<2>(), p.get<3>(), p.get<4>()};
}

std::map<std::string, sdbus::Variant> variants_of(const OptionMap& options) {
    std::map<std::string, sdbus::Variant> out;
    for (const auto& [key, value] : options) {
        out.emplace(key, std::visit([](const auto& v) { return sdbus::Variant(v); }, value));
    }
    return out;
}

}  // namespace

// The matches and what they heard. No sender= in the rules of the daemon's signals: sd-bus
// cannot match a well-known name locally; the sender is compared with the name's owner instead,
// asked once the matches are in place.
class FlipWatch::Subscription {
  public:
    Subscription(sdbus::IConnection& connection, std::uint32_t id, std::string path)
        : connection_(connection), id_(id), path_(std::move(path)) {
        const std::string manager_rule = "type='signal',path='" + std::string(kManagerPath) +
                                         "',interface='" + std::string(kManagerInterface) + "'";
        slots_.push_back(connection_.addMatch(manager_rule + ",member='HostsFlipped'",
                                              [this](sdbus::Message& m) { on_manager(m); }));
        slots_.push_back(connection_.addMatch(manager_rule + ",member='WindowFinished'",
                                              [this](sdbus::Message& m) { on_manager(m); }));
        slots_.push_back(connection_.addMatch(
            "type='signal',path='" + path_ + "',interface='" + kPropertiesInterface +
                "',member='PropertiesChanged',arg0='" + std::string(kWindowInterface) + "'",
            [this](sdbus::Message& m) { on_properties(m); }));
        slots_.push_back(connection_.addMatch("type='signal',sender='" + std::string(kDbusName) +
                                                  "',path='" + kDbusPath + "',interface='" +
                                                  kDbusName + "',member='NameOwnerChanged',arg0='" +
                                                  std::string(kBusName) + "'",
                                              [this](sdbus::Message& m) { on_owner(m); }));
        auto bus = sdbus::createProxy(connection_, kDbusName, kDbusPath);
        bus->callMethod("GetNameOwner")
            .onInterface(kDbusName)
            .withArguments(std::string(kBusName))
            .storeResultsTo(owner_);
    }

    FlipWatch::End wait(const ProgressHandler& progress, const TickHandler& tick,
                        std::chrono::milliseconds tick_every) {
        using Clock = std::chrono::steady_clock;
        sd_bus* bus = busaccess::raw_bus(connection_);
        auto next_tick = Clock::now() + tick_every;
        for (;;) {
            // What arrived during the call that began the flip waits in sd-bus's queue: process
            // everything queued before polling.
            while (!end_ && connection_.processPendingRequest()) {
                deliver(progress);
            }
            deliver(progress);
            if (end_) {
                return *end_;
            }
            if (sd_bus_is_open(bus) <= 0) {
                return End::DaemonGone;
            }
            const auto poll_data = connection_.getEventLoopPollData();
            const auto until_tick =
                std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - Clock::now());
            int timeout = static_cast<int>(std::max<std::int64_t>(until_tick.count(), 0));
            const int bus_timeout = poll_data.getPollTimeout();
            if (bus_timeout >= 0) {
                timeout = std::min(timeout, bus_timeout);
            }
            pollfd fd{poll_data.fd, poll_data.events, 0};
            if (::poll(&fd, 1, timeout) < 0 && errno != EINTR) {
                throw sdbus::Error("System.Error.EIO", "cannot wait for the bus");
            }
            if (Clock::now() >= next_tick) {
                tick();
                next_tick = Clock::now() + tick_every;
            }
        }
    }

  private:
    // The daemon's own signal (or, before the owner is known, anyone's).
    bool from_daemon(const sdbus::Message& m) const {
        return owner_.empty() || m.getSender() == owner_;
    }

    void on_manager(sdbus::Message& m) {
        if (!from_daemon(m)) {
            return;
        }
        std::uint32_t id = 0;
        m >> id;
        if (id != id_ || end_) {
            return;
        }
        end_ =
            m.getMemberName() == std::string("HostsFlipped") ? End::Flipped : End::WindowFinished;
    }

    void on_properties(sdbus::Message& m) {
        if (!from_daemon(m)) {
            return;
        }
        std::string interface;
        std::map<std::string, sdbus::Variant> changed;
        m >> interface >> changed;
        auto it = changed.find("HostProgress");
        if (it != changed.end()) {
            news_ = progress_of(it->second.get<ProgressStruct>());
        }
    }

    void on_owner(sdbus::Message& m) {
        std::string name, old_owner, new_owner;
        m >> name >> old_owner >> new_owner;
        if (name == kBusName && new_owner != owner_ && !end_) {
            end_ = End::DaemonGone;
        }
    }

    void deliver(const ProgressHandler& progress) {
        if (news_) {
            const HostProgress p = *news_;
            news_.reset();
            progress(p);
        }
    }

    sdbus::IConnection& connection_;
    std::uint32_t id_;
    std::string path_;
    std::string owner_;
    std::vector<sdbus::Slot> slots_;
    std::optional<HostProgress> news_;
    std::optional<FlipWatch::End> end_;
};

FlipWatch::FlipWatch(std::unique_ptr<Subscription> subscription)
    : subscription_(std::move(subscription)) {}

FlipWatch::~FlipWatch() = default;

FlipWatch::End FlipWatch::wait(const ProgressHandler& progress, const TickHandler& tick,
                               std::chrono::milliseconds tick_every) {
    return subscription_->wait(progress, tick, tick_every);
}

class MaintenanceClient::ManagerProxy final
    : public sdbus::ProxyInterfaces<org::example::Maintenance1::Manager_proxy,
                                    sdbus::Properties_proxy> {
  public:
    explicit ManagerProxy(sdbus::IConnection& connection)
        : ProxyInterfaces(connection, kBusName, kManagerPath) {}

  private:
    void onWindowScheduled(const uint32_t&, const sdbus::ObjectPath&) override {}
    void onWindowUpcoming(const uint32_t&, const sdbus::ObjectPath&, const uint64_t&) override {}
    void onWindowStarted(const uint32_t&, const sdbus::ObjectPath&) override {}
    void onWindowFinished(const uint32_t&, const sdbus::ObjectPath&, const std::string&) override {}
    void onHostStateChanged(const std::string&, const std::string&) override {}
    void onHostsFlipped(const uint32_t&, const sdbus::ObjectPath&, const uint32_t&, const uint32_t&,
                        const uint32_t&) override {}
    void onPropertiesChanged(const std::string&, const Props&,
                             const std::vector<std::string>&) override {}
};

MaintenanceClient::MaintenanceClient(const ConnectOptions& options) {
    try {
        connection_ = options.host ? sdbus::createRemoteSystemBusConnection(*options.host)
                                   : sdbus::createSystemBusConnection();
    } catch (const sdbus::Error& e) {
        throw BusUnavailable(e.getMessage().empty() ? e.getName() : e.getMessage());
    }
    // As timedatectl: polkit may ask for a password only when the caller can answer.
    sd_bus_set_allow_interactive_authorization(busaccess::raw_bus(*connection_),
                                               options.interactive ? 1 : 0);
    manager_ = std::make_unique<ManagerProxy>(*connection_);
}

MaintenanceClient::~MaintenanceClient() = default;

ManagerState MaintenanceClient::manager_state() {
    Props props = manager_->GetAll(kManagerInterface);
    ManagerState m;
    m.state = property<std::string>(props, "State");
    m.under_maintenance = property<bool>(props, "UnderMaintenance");
    m.active_window = property<sdbus::ObjectPath>(props, "ActiveWindow", sdbus::ObjectPath("/"));
    m.next_window = property<sdbus::ObjectPath>(props, "NextWindow", sdbus::ObjectPath("/"));
    m.banner = property<std::string>(props, "Banner");
    m.version = property<std::string>(props, "Version");
    return m;
}

std::vector<WindowRow> MaintenanceClient::list_windows() {
    std::vector<WindowRow> rows;
    for (const auto& r : manager_->ListWindows()) {
        rows.push_back({r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>(), r.get<5>()});
    }
    return rows;
}

void MaintenanceClient::add_started(std::vector<WindowRow>& rows) {
    for (auto& r : rows) {
        if (r.status == "scheduled" || r.status == "cancelled") {
            continue;  // never started
        }
        r.started = WindowProxy(*connection_, r.path).StartedUSec();
    }
}

std::string MaintenanceClient::window_path(std::uint32_t id) {
    return manager_->GetWindow(id);
}

WindowDetails MaintenanceClient::window(const std::string& path) {
    WindowProxy proxy(*connection_, path);
    Props p = proxy.GetAll(kWindowInterface);
    WindowDetails w;
    w.path = path;
    w.id = property<uint32_t>(p, "Id");
    w.status = property<std::string>(p, "Status");
    w.valid = property<bool>(p, "Valid", true);
    w.start = property<uint64_t>(p, "StartUSec");
    w.end = property<uint64_t>(p, "EndUSec");
    w.reason = property<std::string>(p, "Reason");
    w.notify = property<std::vector<std::string>>(p, "Notify");
    w.comment = property<std::string>(p, "Comment");
    w.login_message = property<std::string>(p, "LoginMessage");
    w.show_login_message = property<bool>(p, "ShowLoginMessage");
    w.notify_message = property<std::string>(p, "NotifyMessage");
    w.notify_lead = property<uint64_t>(p, "NotifyLeadUSec");
    w.hosts = property<std::vector<std::string>>(p, "Hosts");
    w.auto_complete = property<bool>(p, "AutoComplete", true);
    w.created = property<uint64_t>(p, "CreatedUSec");
    w.created_by = property<uint32_t>(p, "CreatedByUID");
    w.started = property<uint64_t>(p, "StartedUSec");
    w.started_by = property<uint32_t>(p, "StartedByUID");
    w.finished = property<uint64_t>(p, "FinishedUSec");
    w.finished_by = property<uint32_t>(p, "FinishedByUID");
    w.completion_note = property<std::string>(p, "CompletionNote");
    w.prechecks = checks_of(property<std::vector<CheckStruct>>(p, "PrecheckResults"));
    using LogStruct = sdbus::Struct<uint64_t, std::string, std::string>;
    for (const auto& e : property<std::vector<LogStruct>>(p, "Log")) {
        w.log.push_back({e.get<0>(), e.get<1>(), e.get<2>()});
    }
    w.max_failed_hosts = property<std::string>(p, "MaxFailedHosts");
    w.host_progress = progress_of(property<ProgressStruct>(p, "HostProgress"));
    for (const auto& h : property<std::vector<HostResultStruct>>(p, "HostResults")) {
        w.host_results.push_back({h.get<0>(), h.get<1>(), h.get<2>(), h.get<3>()});
    }
    return w;
}

HostProgress MaintenanceClient::host_progress(const std::string& path) {
    return progress_of(WindowProxy(*connection_, path).HostProgress());
}

std::vector<HostRow> MaintenanceClient::list_hosts() {
    std::vector<HostRow> hosts;
    for (const auto& h : manager_->ListHosts()) {
        hosts.push_back({h.get<0>(), h.get<1>(), h.get<2>()});
    }
    return hosts;
}

std::vector<SessionRow> MaintenanceClient::list_sessions() {
    std::vector<SessionRow> sessions;
    for (const auto& s : manager_->ListSessions()) {
        sessions.push_back({s.get<0>(), s.get<1>(), s.get<2>(), s.get<3>(), s.get<4>()});
    }
    return sessions;
}

std::string MaintenanceClient::schedule(Usec start, Usec end, const std::string& reason,
                                        const std::vector<std::string>& notify,
                                        const OptionMap& options) {
    return manager_->ScheduleWindow(start, end, reason, notify, variants_of(options));
}

DryRunReport MaintenanceClient::dry_run() {
    LongCall long_call(busaccess::raw_bus(*connection_));
    auto [ready, rows] = manager_->DryRun();
    return {ready, checks_of(rows)};
}

void MaintenanceClient::start(const std::string& path, const OptionMap& options) {
    WindowProxy proxy(*connection_, path);
    LongCall long_call(busaccess::raw_bus(*connection_));
    proxy.Start(variants_of(options));
}

void MaintenanceClient::retry_hosts(const std::string& path) {
    WindowProxy(*connection_, path).RetryHosts({});
}

std::unique_ptr<FlipWatch> MaintenanceClient::watch_flip(std::uint32_t id,
                                                         const std::string& path) {
    return std::unique_ptr<FlipWatch>(
        new FlipWatch(std::make_unique<FlipWatch::Subscription>(*connection_, id, path)));
}

void MaintenanceClient::complete(const std::string& path, const std::string& note,
                                 const std::vector<std::string>& notify, bool failed) {
    WindowProxy proxy(*connection_, path);
    std::map<std::string, sdbus::Variant> options;
    if (failed) {
        options.emplace("Failed", sdbus::Variant(true));
    }
    LongCall long_call(busaccess::raw_bus(*connection_));
    proxy.Complete(note, notify, options);
}

void MaintenanceClient::cancel(const std::string& path, const std::string& reason) {
    WindowProxy(*connection_, path).Cancel(reason);
}

void MaintenanceClient::update(const std::string& path, const OptionMap& changes) {
    WindowProxy(*connection_, path).Update(variants_of(changes));
}

void MaintenanceClient::set_host_maintenance(const std::string& host, bool enabled) {
    LongCall long_call(busaccess::raw_bus(*connection_));
    manager_->SetHostMaintenance(host, enabled);
}

std::vector<std::string> MaintenanceClient::terminate_sessions(bool include_admins) {
    return manager_->TerminateSessions(include_admins);
}

void MaintenanceClient::reload() {
    manager_->Reload();
}

}  // namespace maint::ctl
