// maintenancectl's side of the bus: one connection to maintenanced and one method per D-Bus call,
// returning the plain values of model.hpp. Failures surface as sdbus::Error with the name and
// message the daemon (or the bus) gave; the caller decides what they mean for the exit status.
#pragma once

#include <cstdint>
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
    std::vector<HostRow> list_hosts();
    std::vector<SessionRow> list_sessions();

    // Returns the new window's object path.
    std::string schedule(Usec start, Usec end, const std::string& reason,
                         const std::vector<std::string>& notify, const OptionMap& options);
    DryRunReport dry_run();
    void start(const std::string& path, bool force);
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
