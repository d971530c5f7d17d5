// maintenancectl's side of the bus: one connection to maintenanced and one method per D-Bus call,
// returning the plain values of model.hpp. Failures surface as sdbus::Error with the name and
// message the daemon (or the bus) gave; the caller decides what they mean for the exit status.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ctl/model.hpp"
#include "ctl/request.hpp"

namespace sdbus {
class IConnection;
}

namespace maint::ctl {

// The system bus itself could not be opened (exit status 3).
class BusUnavailable : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Waiting for the end of one window's host flip (start, retry-hosts). Made before the call that
// begins the flip: sd-bus installs a match synchronously (the bus has confirmed it when addMatch
// returns), so no signal of the flip can pass before the subscription.
class FlipWatch {
  public:
    enum class End {
        Flipped,         // HostsFlipped for the window
        WindowFinished,  // WindowFinished for the window came first
        DaemonGone,      // the daemon's name lost its owner, or the bus its connection
    };
    using ProgressHandler = std::function<void(const HostProgress&)>;
    using TickHandler = std::function<void()>;

    ~FlipWatch();
    FlipWatch(const FlipWatch&) = delete;
    FlipWatch& operator=(const FlipWatch&) = delete;

    // Runs the connection until the flip ends. `progress` is given every HostProgress the window
    // announces; `tick` is called about every `tick_every` while nothing ends the wait.
    End wait(const ProgressHandler& progress, const TickHandler& tick,
             std::chrono::milliseconds tick_every);

  private:
    friend class MaintenanceClient;
    class Subscription;
    explicit FlipWatch(std::unique_ptr<Subscription> subscription);

    std::unique_ptr<Subscription> subscription_;
};

struct ConnectOptions {
    std::optional<std::string> host;  // [USER@]HOST: over ssh, as systemctl -H
    bool interactive = false;         // set the allow-interactive-authorization flag
};

class MaintenanceClient {
  public:
    // Throws BusUnavailable.
    explicit MaintenanceClient(const ConnectOptions& options);
    ~MaintenanceClient();
    MaintenanceClient(const MaintenanceClient&) = delete;
    MaintenanceClient& operator=(const MaintenanceClient&) = delete;

    ManagerState manager_state();
    std::vector<WindowRow> list_windows();
    // Fills WindowRow::started for the rows of windows that may have started (one property read
    // each): ListWindows gives only the planned start.
    void add_started(std::vector<WindowRow>& rows);
    // GetWindow: the object path of a window, or NoSuchWindow.
    std::string window_path(std::uint32_t id);
    WindowDetails window(const std::string& path);
    HostProgress host_progress(const std::string& path);
    std::vector<HostRow> list_hosts();
    std::vector<SessionRow> list_sessions();

    // Returns the new window's object path.
    std::string schedule(Usec start, Usec end, const std::string& reason,
                         const std::vector<std::string>& notify, const OptionMap& options);
    DryRunReport dry_run();
    // Subscribes to the end of the flip of window `id` at `path` (call it before start or
    // retry_hosts).
    std::unique_ptr<FlipWatch> watch_flip(std::uint32_t id, const std::string& path);
    void start(const std::string& path, const OptionMap& options);
    void retry_hosts(const std::string& path);
    void complete(const std::string& path, const std::string& note,
                  const std::vector<std::string>& notify, bool failed);
    void cancel(const std::string& path, const std::string& reason);
    void update(const std::string& path, const OptionMap& changes);
    void set_host_maintenance(const std::string& host, bool enabled);
    std::vector<std::string> terminate_sessions(bool include_admins);
    void reload();

  private:
    class ManagerProxy;

    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<ManagerProxy> manager_;
};

}  // namespace maint::ctl
