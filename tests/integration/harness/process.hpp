// Child processes for the tests: spawning a long-running one (the bus, the daemon) that is always
// killed and reaped when its owner goes, and running a command to completion with its output and
// exit status captured.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace maint::it {

// Reads one line from `fd` within `timeout` (without its newline); empty on timeout or end of
// file.
std::string read_line(int fd, std::chrono::milliseconds timeout);

// How a process ended.
struct ExitInfo {
    bool exited = false;  // true: `code` is the exit status; false: killed by `signal`
    int code = -1;
    int signal = 0;
    static ExitInfo from_wait_status(int status);
    std::string describe() const;  // "exit status 78", "killed by signal 9"
};

// Environment changes: a value sets the variable, nullopt removes it.
using EnvChanges = std::map<std::string, std::optional<std::string>>;

// The current environment with `changes` applied, as "KEY=VALUE" strings.
std::vector<std::string> environment_with(const EnvChanges& changes);

struct SpawnOptions {
    std::vector<std::string> argv;      // argv[0] is the program's path
    std::vector<std::string> env;       // the whole environment
    std::filesystem::path stdout_file;  // empty: /dev/null
    std::filesystem::path stderr_file;  // empty: /dev/null
    // An open descriptor of ours the child gets as `child_fd` (e.g. --print-address=3); -1: none.
    int pass_fd = -1;
    int child_fd = 3;
};

// A running child. Destroying it kills (SIGKILL) and reaps the process if it still runs; the child
// also dies with us (PR_SET_PDEATHSIG) should the test binary crash.
class Process {
  public:
    Process() = default;
    explicit Process(const SpawnOptions& options);
    ~Process();
    Process(Process&& other) noexcept;
    Process& operator=(Process&& other) noexcept;
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    // True while the process has not been reaped; reaps it (recording how it ended) if it died.
    bool running();
    // How it ended, once reaped.
    const std::optional<ExitInfo>& exit_info() const { return exit_; }
    // Waits up to `timeout` for the process to end; nullopt if it still runs.
    std::optional<ExitInfo> wait_for(std::chrono::milliseconds timeout);
    void send_signal(int signo);
    // SIGTERM, then SIGKILL if it has not ended after `grace`; returns how it ended.
    ExitInfo terminate(std::chrono::milliseconds grace = std::chrono::seconds(5));
    ExitInfo kill_now();

  private:
    pid_t pid_ = -1;
    std::optional<ExitInfo> exit_;
};

struct CommandResult {
    ExitInfo exit;
    bool timed_out = false;
    std::string out;
    std::string err;
    std::string describe() const;  // for assertion messages: status, stdout, stderr
};

// Runs argv to completion (killed after `timeout`) with `env` as its whole environment and stdin
// closed (/dev/null).
CommandResult run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace maint::it
