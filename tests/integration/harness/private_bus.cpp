// See private_bus.hpp. The policy is the stock system.conf's, minus what needs a real system
// (<user>, <fork>, the pidfile, syslog, the activation helper): the same recipe as the project's
// sandbox script, carried here so the tests depend on nothing outside the tree.
#include "harness/private_bus.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "harness/temp_dir.hpp"
#include "tests/support/private_bus_conf.hpp"

#ifndef MAINT_DBUS_DAEMON
#error "MAINT_DBUS_DAEMON must name the dbus-daemon binary"
#endif
#ifndef MAINT_DBUS_POLICY_DIR
#error "MAINT_DBUS_POLICY_DIR must name the project's dbus/ directory"
#endif

namespace maint::it {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);

}  // namespace

std::string private_bus_config(const std::filesystem::path& socket,
                               const std::filesystem::path& policy_dir) {
    return support::private_bus_conf(socket,
                                     "<includedir>/usr/share/dbus-1/system.d</includedir>\n"
                                     "  <includedir>/etc/dbus-1/system.d</includedir>\n"
                                     "  <includedir>" +
                                         policy_dir.string() + "</includedir>");
}

PrivateBus::PrivateBus(const std::filesystem::path& dir)
    : dir_(dir), socket_(dir / "system_bus_socket") {
    const auto config = dir_ / "bus.conf";
    write_file(config, private_bus_config(socket_, MAINT_DBUS_POLICY_DIR));

    int address_pipe[2];
    if (::pipe2(address_pipe, O_CLOEXEC) < 0) {
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    }
    SpawnOptions o;
    o.argv = {MAINT_DBUS_DAEMON, "--config-file=" + config.string(), "--nofork", "--nopidfile",
              "--print-address=3"};
    o.env = environment_with({});
    o.stderr_file = dir_ / "bus.log";
    o.pass_fd = address_pipe[1];
    o.child_fd = 3;
    try {
        process_ = Process(o);
    } catch (...) {
        ::close(address_pipe[0]);
        ::close(address_pipe[1]);
        throw;
    }
    ::close(address_pipe[1]);
    address_ = read_line(address_pipe[0], kStartTimeout);
    ::close(address_pipe[0]);
    if (address_.empty() || !std::filesystem::exists(socket_)) {
        process_.kill_now();
        throw std::runtime_error("dbus-daemon did not start: " + read_file(dir_ / "bus.log"));
    }
    // dbus-daemon prints "unix:path=...,guid=..."; clients only need the path.
    if (auto comma = address_.find(','); comma != std::string::npos)
        address_.resize(comma);
}

PrivateBus::~PrivateBus() {
    process_.terminate(std::chrono::seconds(2));
}

}  // namespace maint::it
