// See daemon_test.hpp.
#include "harness/daemon_test.hpp"

#include <time.h>
#include <unistd.h>

namespace maint::it {

std::uint64_t now_usec() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * kUsecPerSec +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
}

std::string window_path(std::uint32_t id) {
    return std::string(kManagerPath) + "/window/" + std::to_string(id);
}

ManagerProxy::ManagerProxy(sdbus::IConnection& connection)
    : ProxyInterfaces(connection, kBusName, kManagerPath) {
    registerProxy();
}

ManagerProxy::~ManagerProxy() {
    unregisterProxy();
}

WindowProxy::WindowProxy(sdbus::IConnection& connection, const std::string& path)
    : ProxyInterfaces(connection, kBusName, path) {
    registerProxy();
}

WindowProxy::~WindowProxy() {
    unregisterProxy();
}

std::map<std::string, sdbus::Variant> get_all(sdbus::IProxy& proxy, const std::string& interface) {
    std::map<std::string, sdbus::Variant> props;
    proxy.callMethod("GetAll")
        .onInterface(kPropertiesInterface)
        .withArguments(interface)
        .storeResultsTo(props);
    return props;
}

std::string introspect(sdbus::IProxy& proxy) {
    std::string xml;
    proxy.callMethod("Introspect")
        .onInterface("org.freedesktop.DBus.Introspectable")
        .storeResultsTo(xml);
    return xml;
}

ManagedObjects get_managed_objects(sdbus::IProxy& proxy) {
    ManagedObjects objects;
    proxy.callMethod("GetManagedObjects")
        .onInterface(kObjectManagerInterface)
        .storeResultsTo(objects);
    return objects;
}

std::optional<sdbus::Error> error_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const sdbus::Error& e) {
        return e;
    }
    return std::nullopt;
}

::testing::AssertionResult fails_with(const std::string& name, const std::function<void()>& call,
                                      const std::vector<std::string>& message_parts) {
    const auto e = error_of(call);
    if (!e)
        return ::testing::AssertionFailure() << "expected " << name << ", but the call succeeded";
    if (e->getName() != name) {
        return ::testing::AssertionFailure()
               << "expected " << name << ", got " << e->getName() << ": " << e->getMessage();
    }
    for (const auto& part : message_parts) {
        if (e->getMessage().find(part) == std::string::npos) {
            return ::testing::AssertionFailure()
                   << name << " as expected, but its message does not contain \"" << part
                   << "\": " << e->getMessage();
        }
    }
    if (e->getMessage().empty()) {
        return ::testing::AssertionFailure() << name << " without a message";
    }
    return ::testing::AssertionSuccess() << name << ": " << e->getMessage();
}

bool log_contains(const std::vector<LogRow>& log, const std::string& text) {
    for (const auto& row : log) {
        if (std::get<2>(row).find(text) != std::string::npos)
            return true;
    }
    return false;
}

std::string log_text(const std::vector<LogRow>& log) {
    std::string out;
    for (const auto& row : log) {
        out += "  [" + std::get<1>(row) + "] " + std::get<2>(row) + "\n";
    }
    return out;
}

void DaemonTest::SetUp() {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root: the bus policy (dbus/org.example.Maintenance1.conf) lets only "
                        "root own org.example.Maintenance1";
    }
    dir_ = std::make_unique<TempDir>("maint-it.", 0755);
    bus_ = std::make_unique<PrivateBus>(dir_->subdir("bus", 0755));
    daemon_ =
        std::make_unique<DaemonProcess>(dir_->subdir("daemon"), bus_->address(), extra_config());
    if (!start_daemon()) {
        daemon_expected_ = false;
        return;
    }
    daemon_->start();
    connect();
}

void DaemonTest::connect() {
    recorder_ = std::make_unique<SignalRecorder>(bus_->address());
    client_ = sdbus::createSessionBusConnectionWithAddress(bus_->address());
    client_->setMethodCallTimeout(15 * kUsecPerSec);
    manager_ = std::make_unique<ManagerProxy>(*client_);
    client_->enterEventLoopAsync();
}

void DaemonTest::TearDown() {
    manager_.reset();
    if (client_)
        client_->leaveEventLoop();
    client_.reset();
    recorder_.reset();
    if (daemon_) {
        if (daemon_expected_ && !daemon_->running()) {
            ADD_FAILURE() << "maintenanced died during the test; its stderr:\n"
                          << daemon_->stderr_text();
        }
        if (daemon_->running())
            daemon_->stop();
    }
    daemon_.reset();
    bus_.reset();
    dir_.reset();
}

sdbus::ObjectPath DaemonTest::schedule(std::uint64_t start, std::uint64_t end,
                                       const std::string& reason,
                                       const std::vector<std::string>& notify,
                                       const Options& options) {
    return manager_->ScheduleWindow(start, end, reason, notify, options);
}

std::unique_ptr<WindowProxy> DaemonTest::window(const std::string& path) {
    return std::make_unique<WindowProxy>(*client_, path);
}

std::vector<LogRow> DaemonTest::window_log(const std::string& path) {
    return window(path)->Log();
}

std::string DaemonTest::window_status(const std::string& path) {
    return window(path)->Status();
}

std::unique_ptr<RecordedSignal> DaemonTest::wait_hosts_flipped(std::uint32_t id, std::size_t nth,
                                                               std::chrono::milliseconds timeout) {
    auto of_window = [id](const RecordedSignal& s) { return s.is("HostsFlipped") && s.id == id; };
    if (!wait_until([&] { return recorder_->count(of_window) >= nth; }, timeout))
        return nullptr;
    std::size_t seen = 0;
    for (const auto& s : recorder_->signals()) {
        if (of_window(s) && ++seen == nth)
            return std::make_unique<RecordedSignal>(s);
    }
    return nullptr;
}

bool DaemonTest::wait_status(const std::string& path, const std::string& status,
                             std::chrono::milliseconds timeout) {
    auto w = window(path);
    return wait_until(
        [&] {
            const auto e = error_of([&] {
                if (w->Status() != status)
                    throw sdbus::Error("x.NotYet", "");
            });
            return !e;
        },
        timeout, 20ms);
}

}  // namespace maint::it
