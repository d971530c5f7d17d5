// The real maintenanced, run by a test: its configuration file (state and runtime directories in
// a temp directory, plus whatever a test adds), started against a private bus, waited for until it
// owns org.example.Maintenance1, stopped with SIGTERM or killed with SIGKILL, restarted on the
// same state. Its stderr goes to a file per start so tests can read what it said.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "harness/process.hpp"

namespace maint::it {

inline constexpr const char* kBusName = "org.example.Maintenance1";

// Whether `name` has an owner on the bus at `address` (a fresh connection per call).
bool name_has_owner(const std::string& address, const std::string& name);

class DaemonProcess {
  public:
    // `dir` holds config, state/, run/ and the stderr logs. `extra_config` is appended to the
    // base configuration (which sets [Daemon] directories, Scheduler=internal, no mail, wall or
    // motd, and one harmless command host "testhost").
    DaemonProcess(std::filesystem::path dir, std::string bus_address,
                  std::string extra_config = {});
    ~DaemonProcess();
    DaemonProcess(const DaemonProcess&) = delete;
    DaemonProcess& operator=(const DaemonProcess&) = delete;

    const std::filesystem::path& config_file() const { return config_file_; }
    const std::filesystem::path& state_dir() const { return state_dir_; }
    const std::filesystem::path& runtime_dir() const { return runtime_dir_; }
    std::filesystem::path database() const { return state_dir_ / "windows.db"; }

    // The base configuration text for this daemon's directories.
    std::string base_config() const;
    // Rewrites the configuration file: the base plus `extra`.
    void write_config(const std::string& extra);
    // Rewrites the configuration file with exactly `text` (no base).
    void write_raw_config(const std::string& text);

    // Starts the daemon and waits until it owns the name. Throws std::runtime_error (with the
    // daemon's stderr) when it exits or does not get there within `timeout`.
    void start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Starts the daemon expecting it to refuse: returns how it ended (nullopt if it was still
    // running after `timeout`, in which case it is killed).
    std::optional<ExitInfo> start_expecting_exit(
        std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // SIGTERM and wait; waits until the bus saw the name go.
    ExitInfo stop();
    // SIGKILL (no chance to clean up); waits until the bus saw the name go.
    ExitInfo kill9();
    void send_signal(int signo);
    bool running();
    pid_t pid() const { return process_.pid(); }

    // What the last started process wrote on stderr (so far).
    std::string stderr_text() const;
    std::filesystem::path stderr_file() const;

  private:
    void spawn();
    void wait_until_name_gone();

    std::filesystem::path dir_;
    std::string bus_address_;
    std::filesystem::path config_file_;
    std::filesystem::path state_dir_;
    std::filesystem::path runtime_dir_;
    int starts_ = 0;
    Process process_;
};

}  // namespace maint::it
