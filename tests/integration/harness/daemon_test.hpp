// The base fixture of the integration tests: per test a temp directory, a private bus, the real
// maintenanced on it, a client connection with generated proxies, and a second connection that
// records signals. Torn down in reverse order whatever happened in the test; a daemon that died
// during a test is reported as a failure.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "generated/maintenance1_proxy.h"
#include "harness/daemon_process.hpp"
#include "harness/private_bus.hpp"
#include "harness/signal_recorder.hpp"
#include "harness/temp_dir.hpp"
#include "harness/wait.hpp"

namespace maint::it {

using namespace std::chrono_literals;

inline constexpr const char* kManagerPath = "/org/example/Maintenance1";
inline constexpr const char* kManagerInterface = "org.example.Maintenance1.Manager";
inline constexpr const char* kWindowInterface = "org.example.Maintenance1.Window";
inline constexpr const char* kPropertiesInterface = "org.freedesktop.DBus.Properties";
inline constexpr const char* kObjectManagerInterface = "org.freedesktop.DBus.ObjectManager";

inline constexpr const char* kErrAlreadyScheduled =
    "org.example.Maintenance1.Error.AlreadyScheduled";
inline constexpr const char* kErrNoSuchWindow = "org.example.Maintenance1.Error.NoSuchWindow";
inline constexpr const char* kErrNoSuchHost = "org.example.Maintenance1.Error.NoSuchHost";
inline constexpr const char* kErrInvalidState = "org.example.Maintenance1.Error.InvalidState";
inline constexpr const char* kErrNotReady = "org.example.Maintenance1.Error.NotReady";
inline constexpr const char* kErrHostFailed = "org.example.Maintenance1.Error.HostFailed";
inline constexpr const char* kErrInvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs";
inline constexpr const char* kErrAccessDenied = "org.freedesktop.DBus.Error.AccessDenied";
inline constexpr const char* kErrNotSupported = "org.freedesktop.DBus.Error.NotSupported";

// The rig has no systemd-logind on its private bus, so a started window's sessions step fails
// ("Login sessions were not ended") and its completion is completed-with-errors, as the
// contract wants when a session could not be ended. A stand-in logind would give back plain
// "completed" here.
inline constexpr const char* kCompletedWithoutLogind = "completed-with-errors";

inline constexpr std::uint64_t kUsecPerSec = 1'000'000;
inline constexpr std::uint64_t kUsecPerMin = 60 * kUsecPerSec;
inline constexpr std::uint64_t kUsecPerHour = 60 * kUsecPerMin;

// CLOCK_REALTIME in microseconds, as the contract's times.
std::uint64_t now_usec();

std::string window_path(std::uint32_t id);

using Options = std::map<std::string, sdbus::Variant>;
using WindowRow = sdbus::Struct<std::uint32_t, std::string, std::uint64_t, std::uint64_t,
                                std::string, sdbus::ObjectPath>;
using CheckRow = sdbus::Struct<std::string, std::string, std::string, std::string, std::string>;
using LogRow = sdbus::Struct<std::uint64_t, std::string, std::string>;
using ManagedObjects =
    std::map<sdbus::ObjectPath, std::map<std::string, std::map<std::string, sdbus::Variant>>>;

// The Manager through the generated proxy, plus the standard interfaces by plain calls.
class ManagerProxy final
    : public sdbus::ProxyInterfaces<org::example::Maintenance1::Manager_proxy> {
  public:
    explicit ManagerProxy(sdbus::IConnection& connection);
    ~ManagerProxy();
    sdbus::IProxy& raw() { return getProxy(); }

  private:
    void onWindowScheduled(const uint32_t&, const sdbus::ObjectPath&) override {}
    void onWindowUpcoming(const uint32_t&, const sdbus::ObjectPath&, const uint64_t&) override {}
    void onWindowStarted(const uint32_t&, const sdbus::ObjectPath&) override {}
    void onWindowFinished(const uint32_t&, const sdbus::ObjectPath&, const std::string&) override {}
    void onHostStateChanged(const std::string&, const std::string&) override {}
    void onHostsFlipped(const uint32_t&, const sdbus::ObjectPath&, const uint32_t&, const uint32_t&,
                        const uint32_t&) override {}
};

class WindowProxy final : public sdbus::ProxyInterfaces<org::example::Maintenance1::Window_proxy> {
  public:
    WindowProxy(sdbus::IConnection& connection, const std::string& path);
    ~WindowProxy();
    sdbus::IProxy& raw() { return getProxy(); }
};

// org.freedesktop.DBus.Properties / Introspectable / ObjectManager through any proxy.
std::map<std::string, sdbus::Variant> get_all(sdbus::IProxy& proxy, const std::string& interface);
std::string introspect(sdbus::IProxy& proxy);
ManagedObjects get_managed_objects(sdbus::IProxy& proxy);

// Runs `call`; the D-Bus error it failed with, or nullopt when it succeeded.
std::optional<sdbus::Error> error_of(const std::function<void()>& call);

// Succeeds when `call` fails with D-Bus error `name` and (if given) a message containing every
// one of `message_parts`.
::testing::AssertionResult fails_with(const std::string& name, const std::function<void()>& call,
                                      const std::vector<std::string>& message_parts = {});

// A log row's message contains `text`.
bool log_contains(const std::vector<LogRow>& log, const std::string& text);
std::string log_text(const std::vector<LogRow>& log);

class DaemonTest : public ::testing::Test {
  protected:
    // Added to the daemon's base configuration; override to configure checks, audiences, ...
    virtual std::string extra_config() const { return {}; }
    // False: SetUp prepares the bus and the daemon's files but does not start it.
    virtual bool start_daemon() const { return true; }

    void SetUp() override;
    void TearDown() override;

    // Connects the client and the recorder (done by SetUp when the daemon starts there).
    void connect();
    // The daemon should be running at the end of the test (TearDown reports it if not).
    void expect_daemon_gone() { daemon_expected_ = false; }

    sdbus::ObjectPath schedule(std::uint64_t start, std::uint64_t end,
                               const std::string& reason = "Kernel upgrade",
                               const std::vector<std::string>& notify = {},
                               const Options& options = {});
    std::unique_ptr<WindowProxy> window(const std::string& path);
    std::vector<LogRow> window_log(const std::string& path);
    std::string window_status(const std::string& path);
    // Waits until the window's Status is `status`.
    bool wait_status(const std::string& path, const std::string& status,
                     std::chrono::milliseconds timeout);
    // The nth HostsFlipped of window `id` (counting from 1), once it came; null on timeout.
    std::unique_ptr<RecordedSignal> wait_hosts_flipped(std::uint32_t id, std::size_t nth,
                                                       std::chrono::milliseconds timeout);

    std::unique_ptr<TempDir> dir_;
    std::unique_ptr<PrivateBus> bus_;
    std::unique_ptr<DaemonProcess> daemon_;
    std::unique_ptr<sdbus::IConnection> client_;
    std::unique_ptr<ManagerProxy> manager_;
    std::unique_ptr<SignalRecorder> recorder_;

  private:
    bool daemon_expected_ = true;
};

}  // namespace maint::it
