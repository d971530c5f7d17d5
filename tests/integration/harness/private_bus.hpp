// A private "system" bus for one test: dbus-daemon on a unix socket in a temp directory, with a
// copy of the stock system policy, the distribution's policy directories and the project's own
// dbus/ directory (so that root may own org.example.Maintenance1). Stopped on destruction.
#pragma once

#include <filesystem>
#include <string>

#include "harness/process.hpp"

namespace maint::it {

class PrivateBus {
  public:
    // Writes <dir>/bus.conf and starts dbus-daemon; throws std::runtime_error (with the bus's
    // stderr) when it does not come up. `dir` must be reachable by unprivileged users (0755).
    explicit PrivateBus(const std::filesystem::path& dir);
    ~PrivateBus();
    PrivateBus(const PrivateBus&) = delete;
    PrivateBus& operator=(const PrivateBus&) = delete;

    // "unix:path=/tmp/.../system_bus_socket" as dbus-daemon printed it.
    const std::string& address() const { return address_; }
    const std::filesystem::path& socket_path() const { return socket_; }

  private:
    std::filesystem::path dir_;
    std::filesystem::path socket_;
    std::string address_;
    Process process_;
};

// The bus configuration PrivateBus writes (exposed for tests of the harness itself).
std::string private_bus_config(const std::filesystem::path& socket,
                               const std::filesystem::path& policy_dir);

}  // namespace maint::it
