// See daemon_process.hpp.
#include "harness/daemon_process.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>

#include <stdexcept>
#include <thread>

#include "harness/temp_dir.hpp"
#include "harness/wait.hpp"

#ifndef MAINT_DAEMON_PATH
#error "MAINT_DAEMON_PATH must name the maintenanced binary"
#endif

namespace maint::it {

bool name_has_owner(const std::string& address, const std::string& name) {
    sd_bus* bus = nullptr;
    if (sd_bus_new(&bus) < 0)
        return false;
    bool owned = false;
    if (sd_bus_set_address(bus, address.c_str()) >= 0 && sd_bus_set_bus_client(bus, 1) >= 0 &&
        sd_bus_start(bus) >= 0) {
        sd_bus_message* reply = nullptr;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        if (sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "NameHasOwner", &error, &reply, "s",
                               name.c_str()) >= 0) {
            int b = 0;
            if (sd_bus_message_read(reply, "b", &b) >= 0)
                owned = b != 0;
        }
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
    }
    sd_bus_flush_close_unref(bus);
    return owned;
}

DaemonProcess::DaemonProcess(std::filesystem::path dir, std::string bus_address,
                             std::string extra_config)
    : dir_(std::move(dir)),
      bus_address_(std::move(bus_address)),
      config_file_(dir_ / "maintenanced.conf"),
      state_dir_(dir_ / "state"),
      runtime_dir_(dir_ / "run") {
    std::filesystem::create_directories(state_dir_);
    ::chmod(state_dir_.c_str(), 0700);
    std::filesystem::create_directories(runtime_dir_);
    write_config(extra_config);
}

DaemonProcess::~DaemonProcess() {
    if (process_.running())
        process_.terminate(std::chrono::seconds(5));
}

std::string DaemonProcess::base_config() const {
    return "# Written by the integration tests' DaemonProcess.\n"
           "[Daemon]\n"
           "StateDirectory=" +
           state_dir_.string() +
           "\n"
           "RuntimeDirectory=" +
           runtime_dir_.string() +
           "\n"
           "Scheduler=internal\n"
           "\n"
           "[Notify]\n"
           "Sendmail=\n"
           "Wall=no\n"
           "Motd=no\n"
           "\n"
           "[Host testhost]\n"
           "Backend=command\n"
           "EnterCommand=/bin/true\n"
           "LeaveCommand=/bin/true\n"
           "\n"
           "[Audience ops]\n"
           "Users=root\n";
}

void DaemonProcess::write_config(const std::string& extra) {
    write_raw_config(base_config() + (extra.empty() ? "" : "\n" + extra));
}

void DaemonProcess::write_raw_config(const std::string& text) {
    write_file(config_file_, text);
}

std::filesystem::path DaemonProcess::stderr_file() const {
    return dir_ / ("stderr." + std::to_string(starts_) + ".log");
}

std::string DaemonProcess::stderr_text() const {
    return read_file(stderr_file());
}

void DaemonProcess::spawn() {
    if (process_.running())
        throw std::logic_error("maintenanced is already running");
    ++starts_;
    SpawnOptions o;
    o.argv = {MAINT_DAEMON_PATH, "--config", config_file_.string()};
    o.env = environment_with({{"DBUS_SYSTEM_BUS_ADDRESS", bus_address_},
                              {"NOTIFY_SOCKET", std::nullopt},
                              {"JOURNAL_STREAM", std::nullopt},
                              {"LISTEN_FDS", std::nullopt},
                              {"LISTEN_PID", std::nullopt}});
    o.stdout_file = dir_ / ("stdout." + std::to_string(starts_) + ".log");
    o.stderr_file = stderr_file();
    process_ = Process(o);
}

void DaemonProcess::start(std::chrono::milliseconds timeout) {
    spawn();
    bool exited = false;
    const bool up = wait_until(
        [&] {
            if (!process_.running()) {
                exited = true;
                return true;
            }
            return name_has_owner(bus_address_, kBusName);
        },
        timeout, std::chrono::milliseconds(10));
    if (exited || !up) {
        const std::string how =
            exited ? process_.exit_info()->describe() : "no bus name after the timeout";
        if (!exited)
            process_.kill_now();
        throw std::runtime_error("maintenanced did not come up (" + how + "); stderr:\n" +
                                 stderr_text());
    }
}

std::optional<ExitInfo> DaemonProcess::start_expecting_exit(std::chrono::milliseconds timeout) {
    spawn();
    if (auto e = process_.wait_for(timeout))
        return e;
    process_.kill_now();
    return std::nullopt;
}

void DaemonProcess::wait_until_name_gone() {
    // The kernel closed the socket when the process died; the bus may not have noticed yet, and a
    // new daemon must not find the old owner still registered.
    wait_until([&] { return !name_has_owner(bus_address_, kBusName); }, std::chrono::seconds(5),
               std::chrono::milliseconds(5));
}

ExitInfo DaemonProcess::stop() {
    const ExitInfo e = process_.terminate(std::chrono::seconds(10));
    wait_until_name_gone();
    return e;
}

ExitInfo DaemonProcess::kill9() {
    const ExitInfo e = process_.kill_now();
    wait_until_name_gone();
    return e;
}

void DaemonProcess::send_signal(int signo) {
    process_.send_signal(signo);
}

bool DaemonProcess::running() {
    return process_.running();
}

}  // namespace maint::it
