// See child_process.hpp.
#include "system/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string_view>

extern char** environ;

namespace maint {
namespace {

int pidfd_open(pid_t pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

std::string seconds(std::chrono::milliseconds ms) {
    if (ms.count() % 1000 == 0)
        return std::to_string(ms.count() / 1000) + "s";
    return std::to_string(ms.count()) + "ms";
}

// Writing to a pipe whose reader is gone raises SIGPIPE, whose default action ends the process;
// there is no MSG_NOSIGNAL for pipes, so the daemon ignores it (EPIPE is returned instead).
// Children still start with every signal at its default (POSIX_SPAWN_SETSIGDEF below).
void ignore_sigpipe() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction current {};
        if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
            struct sigaction ignore {};
            ignore.sa_handler = SIG_IGN;
            sigemptyset(&ignore.sa_mask);
            ::sigaction(SIGPIPE, &ignore, nullptr);
        }
    });
}

}  // namespace

std::string ChildResult::describe() const {
    if (!started)
        return error;
    if (timed_out)
        return error.empty() ? "timed out" : error;
    if (signal != 0)
        return "killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
    return "exit status " + std::to_string(exit_status);
}

std::string ChildResult::first_line() const {
    std::size_t pos = 0;
    while (pos < output.size()) {
        std::size_t end = output.find('\n', pos);
        if (end == std::string::npos)
            end = output.size();
        std::string line = output.substr(pos, end - pos);
        const auto first = line.find_first_not_of(" \t\r");
        if (first != std::string::npos) {
            const auto last = line.find_last_not_of(" \t\r");
            return line.substr(first, last - first + 1);
        }
        pos = end + 1;
    }
    return {};
}

struct ChildProcess::Impl : std::enable_shared_from_this<ChildProcess::Impl> {
    Impl(boost::asio::io_context& io)
        : output(io), stdout_pipe(io), input(io), exited(io), timer(io) {}

    void take_stdout(std::string_view chunk) {
        if (on_stdout && !finished)
            on_stdout(chunk);
    }
    void take_output(std::string_view chunk) {
        const std::size_t room = kMaxChildOutput - result.output.size();
        result.output.append(chunk.data(), std::min(chunk.size(), room));
    }

    // Reads a pipe until every writer closed it, or, once the child has exited, until it is
    // empty: a grandchild that kept it open must not keep us waiting. reap() cancels the read
    // under way; whatever that read had already got comes first, then the rest is read here, on
    // the loop, with no other read pending, so the output keeps its order.
    template <class Take>
    void read_pipe(boost::asio::posix::stream_descriptor& pipe, std::array<char, 16384>& buf,
                   bool Impl::*done_flag, Take take) {
        pipe.async_read_some(
            boost::asio::buffer(buf), [self = shared_from_this(), &pipe, &buf, done_flag, take](
                                          const boost::system::error_code& ec, std::size_t n) {
                if (n > 0)
                    (self.get()->*take)(std::string_view(buf.data(), n));
                if (!ec && !self->exit_done) {
                    self->read_pipe(pipe, buf, done_flag, take);
                    return;
                }
                if (self->exit_done && pipe.is_open()) {
                    std::array<char, 4096> rest{};
                    for (;;) {
                        const ssize_t got = ::read(pipe.native_handle(), rest.data(), rest.size());
                        if (got <= 0)
                            break;
                        (self.get()->*take)(
                            std::string_view(rest.data(), static_cast<std::size_t>(got)));
                    }
                }
                self.get()->*done_flag = true;
                self->maybe_finish();
            });
    }

    void write_input() {
        boost::asio::async_write(
            input, boost::asio::buffer(input_text),
            [self = shared_from_this()](const boost::system::error_code&, std::size_t) {
                // Done, or the child closed its end (EPIPE), or we closed ours at the finish:
                // either way the child sees end of file now.
                boost::system::error_code ignored;
                self->input.close(ignored);
                self->input_text.clear();
            });
    }

    void read_output() { read_pipe(output, buffer, &Impl::output_done, &Impl::take_output); }
    void read_stdout() {
        read_pipe(stdout_pipe, stdout_buffer, &Impl::stdout_done, &Impl::take_stdout);
    }

    void wait_exit() {
        exited.async_wait(boost::asio::posix::descriptor_base::wait_read,
                          [self = shared_from_this()](const boost::system::error_code& ec) {
                              if (ec)
                                  return;
                              self->reap();
                          });
    }

    void reap() {
        // Seen exited but not yet reaped, the child's pid cannot be reused: its group (helpers
        // it left behind, a backgrounded `sleep`) is killed before the pid is given back.
        siginfo_t info{};
        if (end_group_at_exit &&
            ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            info.si_pid == pid) {
            ::kill(-pid, SIGKILL);
        }
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            pid = -1;
            if (WIFEXITED(status))
                result.exit_status = WEXITSTATUS(status);
            else if (WIFSIGNALED(status))
                result.signal = WTERMSIG(status);
            exit_done = true;
            timer.cancel();
            // A grandchild that kept the pipe open must not keep us waiting: the output is
            // whatever was written by the time the child exited, plus what is already queued.
            boost::system::error_code ignored;
            if (!output_done)
                output.cancel(ignored);
            if (!stdout_done)
                stdout_pipe.cancel(ignored);
            maybe_finish();
        }
    }

    void arm_timeout(ChildOptions options) {
        timer.expires_after(options.timeout);
        timer.async_wait([self = shared_from_this(), options](const boost::system::error_code& ec) {
            if (ec || self->pid < 0)
                return;
            self->result.timed_out = true;
            self->result.error = "timed out after " + seconds(options.timeout);
            ::kill(-self->pid, SIGTERM);  // its process group: helpers too
            self->timer.expires_after(options.kill_after);
            self->timer.async_wait([self](const boost::system::error_code& ec2) {
                if (!ec2 && self->pid > 0)
                    ::kill(-self->pid, SIGKILL);
            });
        });
    }

    void maybe_finish() {
        if (!output_done || !stdout_done || !exit_done || finished)
            return;
        finished = true;
        boost::system::error_code ignored;
        output.close(ignored);
        stdout_pipe.close(ignored);
        on_stdout = nullptr;
        input.close(ignored);
        exited.close(ignored);
        auto cb = std::move(done);
        cb(std::move(result));
    }

    pid_t pid = -1;
    boost::asio::posix::stream_descriptor output;       // stderr (and stdout without on_stdout)
    boost::asio::posix::stream_descriptor stdout_pipe;  // stdout, with on_stdout
    std::function<void(std::string_view)> on_stdout;
    std::array<char, 16384> stdout_buffer{};
    bool stdout_done = true;
    boost::asio::posix::stream_descriptor input;  // our end of the child's stdin, when fed
    std::string input_text;
    boost::asio::posix::stream_descriptor exited;
    boost::asio::steady_timer timer;
    std::array<char, 16384> buffer{};
    ChildResult result;
    Done done;
    bool output_done = false;
    bool end_group_at_exit = true;
    bool exit_done = false;
    bool finished = false;
};

std::shared_ptr<ChildProcess> ChildProcess::run(boost::asio::io_context& io,
                                                std::vector<std::string> argv, ChildOptions options,
                                                Done done) {
    auto impl = std::make_shared<Impl>(io);
    impl->done = std::move(done);
    auto fail = [&](const std::string& why) {
        impl->result.error = why;
        boost::asio::post(io, [impl] {
            auto cb = std::move(impl->done);
            cb(std::move(impl->result));
        });
        return std::shared_ptr<ChildProcess>(new ChildProcess(impl));
    };
    if (argv.empty() || argv[0].empty())
        return fail("no command given");

    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) < 0)
        return fail(std::string("could not make a pipe: ") + std::strerror(errno));

    int stdoutfd[2] = {-1, -1};
    if (options.on_stdout && ::pipe2(stdoutfd, O_CLOEXEC) < 0) {
        const int e = errno;
        ::close(pipefd[0]);
        ::close(pipefd[1]);
        return fail(std::string("could not make a pipe: ") + std::strerror(e));
    }
    auto close_stdout_pipe = [&] {
        for (int& fd : stdoutfd) {
            if (fd >= 0)
                ::close(fd);
            fd = -1;
        }
    };
    int inputfd[2] = {-1, -1};
    if (!options.input.empty()) {
        if (::pipe2(inputfd, O_CLOEXEC) < 0) {
            const int e = errno;
            ::close(pipefd[0]);
            ::close(pipefd[1]);
            close_stdout_pipe();
            return fail(std::string("could not make a pipe: ") + std::strerror(e));
        }
        ignore_sigpipe();
    }

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (inputfd[0] >= 0)
        posix_spawn_file_actions_adddup2(&actions, inputfd[0], STDIN_FILENO);
    else
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, stdoutfd[1] >= 0 ? stdoutfd[1] : pipefd[1],
                                     STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDERR_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // The child starts with default signal handling and an empty mask, whatever ours are.
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETPGROUP);  // its own group: killed whole

    // The daemon's environment without what systemd gave the daemon alone: a child that found
    // NOTIFY_SOCKET could tell systemd the daemon is ready, stopping, or alive (the watchdog).
    auto replaced = [&](std::string_view var) {
        for (const auto& extra : options.environment) {
            const auto eq = extra.find('=');
            if (eq != std::string::npos && var.size() > eq && var[eq] == '=' &&
                var.substr(0, eq) == std::string_view(extra).substr(0, eq))
                return true;
        }
        return false;
    };
    std::vector<char*> env;
    for (char** e = environ; e && *e; ++e) {
        const std::string_view var(*e);
        const bool own = var.starts_with("NOTIFY_SOCKET=") || var.starts_with("WATCHDOG_PID=") ||
                         var.starts_with("WATCHDOG_USEC=");
        if (!own && !replaced(var))
            env.push_back(*e);
    }
    for (auto& extra : options.environment)
        env.push_back(extra.data());
    env.push_back(nullptr);

    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    pid_t pid = -1;
    const int r =
        argv[0].find('/') != std::string::npos
            ? ::posix_spawn(&pid, argv[0].c_str(), &actions, &attr, args.data(), env.data())
            : ::posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(pipefd[1]);
    if (stdoutfd[1] >= 0) {
        ::close(stdoutfd[1]);
        stdoutfd[1] = -1;
    }
    if (inputfd[0] >= 0)
        ::close(inputfd[0]);
    if (r != 0) {
        ::close(pipefd[0]);
        close_stdout_pipe();
        if (inputfd[1] >= 0)
            ::close(inputfd[1]);
        return fail("could not run " + argv[0] + ": " + std::strerror(r));
    }
    const int pidfd = pidfd_open(pid);
    if (pidfd < 0) {
        const int e = errno;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        ::close(pipefd[0]);
        close_stdout_pipe();
        if (inputfd[1] >= 0)
            ::close(inputfd[1]);
        return fail(std::string("could not watch the child (pidfd_open): ") + std::strerror(e));
    }
    impl->pid = pid;
    impl->result.started = true;
    impl->output.assign(pipefd[0]);
    impl->output.non_blocking(true);
    if (stdoutfd[0] >= 0) {
        impl->stdout_pipe.assign(stdoutfd[0]);
        impl->stdout_pipe.non_blocking(true);
        impl->on_stdout = std::move(options.on_stdout);
        impl->stdout_done = false;
        impl->read_stdout();
    }
    impl->exited.assign(pidfd);
    if (inputfd[1] >= 0) {
        impl->input.assign(inputfd[1]);
        impl->input.non_blocking(true);
        impl->input_text = std::move(options.input);
        impl->write_input();
    }
    impl->read_output();
    impl->wait_exit();
    impl->end_group_at_exit = options.end_group_at_exit;
    impl->arm_timeout(options);
    return std::shared_ptr<ChildProcess>(new ChildProcess(impl));
}

ChildProcess::~ChildProcess() = default;

void ChildProcess::terminate() {
    if (impl_ && impl_->pid > 0)
        ::kill(-impl_->pid, SIGTERM);  // its process group, helpers too
}

}  // namespace maint
