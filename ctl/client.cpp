// The D-Bus calls of maintenancectl, through the proxies sdbus-c++-xml2cpp generates from
// dbus/org.example.Maintenance1.xml. Two things sdbus-c++ 1.2 cannot say are set on the sd_bus
// beneath it (dbus/sd_bus_access.hpp): the allow-interactive-authorization flag, and a longer
// method-call timeout for the calls that run prechecks, flip hosts and end sessions.
#include "ctl/client.hpp"

#include <systemd/sd-bus.h>

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

std::map<std::string, sdbus::Variant> variants_of(const OptionMap& options) {
    std::map<std::string, sdbus::Variant> out;
    for (const auto& [key, value] : options) {
        out.emplace(key, std::visit([](const auto& v) { return sdbus::Variant(v); }, value));
    }
    return out;
}

}  // namespace

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
    return w;
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

void MaintenanceClient::start(const std::string& path, bool force) {
    WindowProxy proxy(*connection_, path);
    std::map<std::string, sdbus::Variant> options;
    if (force) {
        options.emplace("Force", sdbus::Variant(true));
    }
    LongCall long_call(busaccess::raw_bus(*connection_));
    proxy.Start(options);
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
