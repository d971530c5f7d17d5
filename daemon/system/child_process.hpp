// Runs a program as a child process on the daemon's one event loop: no thread per child, no
// shell. The child gets /dev/null as standard input (or a pipe fed from ChildOptions::input) and
// one pipe for standard output and error together; its exit is seen through a pidfd, so a thousand
// children cost a thousand descriptors and no polling. A child that outlives its timeout gets
// SIGTERM, then SIGKILL. Each child leads a process group of its own, killed whole when the child
// times out and, unless told otherwise, when it exits (nothing it left running survives it), and
// gets the daemon's environment without NOTIFY_SOCKET, WATCHDOG_PID and WATCHDOG_USEC.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace maint {

struct ChildResult {
    bool started = false;  // false: could not run it at all (see `error`)
    bool timed_out = false;
    int exit_status = -1;  // when it exited
    int signal = 0;        // when a signal ended it
    std::string output;    // standard output and error, at most kMaxChildOutput bytes
    std::string error;     // why it did not start

    bool ok() const { return started && !timed_out && signal == 0 && exit_status == 0; }
    // "exit status 3", "killed by signal 9 (Killed)", "timed out after 30s", "could not run
    // /bin/x: No such file or directory".
    std::string describe() const;
    // The first non-empty line of the output, trimmed: a check's or host's message.
    std::string first_line() const;
};

inline constexpr std::size_t kMaxChildOutput = 64 * 1024;

struct ChildOptions {
    std::chrono::milliseconds timeout{30'000};
    std::chrono::milliseconds kill_after{5'000};  // SIGTERM, then SIGKILL this much later
    // Written to the child's standard input through a pipe, asynchronously on the loop, which is
    // then closed (end of file). Empty: standard input is /dev/null. A child that exits without
    // reading all of it is not an error here (its exit status says what happened); SIGPIPE is
    // ignored in this process from the first such run on, so that cannot kill the daemon.
    std::string input{};
    // Kill the child's process group once the child has exited: nothing it started outlives it.
    // Off only for a program whose job is to leave work behind (sendmail: an MTA such as exim
    // delivers in a background process after sendmail returns).
    bool end_group_at_exit = true;
    // Standard output as it comes, chunk by chunk (a batch command's lines, as each host
    // finishes): with it, standard output goes to its own pipe and only to this; `output` in the
    // result then holds standard error alone. Called on the loop, never after `done`.
    std::function<void(std::string_view chunk)> on_stdout{};
    // Added to the child's environment, "NAME=value" each (replacing a variable of that name).
    std::vector<std::string> environment{};
};

// Starts `argv` (argv[0] is an absolute path, or a name searched in PATH); `done` runs once on
// the loop when it has exited and its output is read, or at once (posted) when it cannot start.
// Dropping the returned handle does not stop the child; the handle can kill it early.
class ChildProcess {
  public:
    using Done = std::function<void(ChildResult)>;
    static std::shared_ptr<ChildProcess> run(boost::asio::io_context& io,
                                             std::vector<std::string> argv, ChildOptions options,
                                             Done done);
    ~ChildProcess();
    void terminate();

    struct Impl;

  private:
    explicit ChildProcess(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<Impl> impl_;
};

}  // namespace maint
