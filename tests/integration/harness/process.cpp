// See process.hpp. Everything the child needs (argv, envp, paths) is prepared before fork(): the
// test binary has threads (bus connections), so between fork() and execve() the child only makes
// async-signal-safe calls.
#include "harness/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace maint::it {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<char*> c_strings(std::vector<std::string>& in) {
    std::vector<char*> out;
    out.reserve(in.size() + 1);
    for (auto& s : in)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// In the child: make `fd` descriptor `target` without close-on-exec. Async-signal-safe.
bool install_fd(int fd, int target) {
    if (fd == target)
        return ::fcntl(fd, F_SETFD, 0) == 0;
    return ::dup2(fd, target) == target;
}

struct ChildFds {
    int in = -1;
    int out = -1;
    int err = -1;
    int extra = -1;
    int extra_target = -1;
};

// fork() + execve(); the child closes nothing it does not own (everything of ours is
// O_CLOEXEC or closed by the kernel at exec).
pid_t fork_exec(std::vector<std::string> argv, std::vector<std::string> env, const ChildFds& fds) {
    if (argv.empty())
        throw std::invalid_argument("empty argv");
    auto c_argv = c_strings(argv);
    auto c_env = c_strings(env);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(126);
        // The extra descriptor first: it may sit on 0..2 before those are replaced.
        int extra = fds.extra;
        if (extra >= 0 && extra <= 2)
            extra = ::fcntl(extra, F_DUPFD_CLOEXEC, 10);
        if (!install_fd(fds.in, 0) || !install_fd(fds.out, 1) || !install_fd(fds.err, 2)) {
            ::_exit(126);
        }
        if (extra >= 0 && !install_fd(extra, fds.extra_target))
            ::_exit(126);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(c_argv[0], c_argv.data(), c_env.data());
        ::_exit(127);
    }
    return pid;
}

int open_or_null(const std::filesystem::path& p, int flags) {
    const int fd = ::open(p.empty() ? "/dev/null" : p.c_str(), flags | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw std::runtime_error("open " + p.string() + ": " + std::strerror(errno));
    }
    return fd;
}

}  // namespace

ExitInfo ExitInfo::from_wait_status(int status) {
    ExitInfo e;
    if (WIFEXITED(status)) {
        e.exited = true;
        e.code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        e.signal = WTERMSIG(status);
    }
    return e;
}

std::string ExitInfo::describe() const {
    return exited ? "exit status " + std::to_string(code)
                  : "killed by signal " + std::to_string(signal);
}

std::vector<std::string> environment_with(const EnvChanges& changes) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        const std::string entry = *e;
        const auto eq = entry.find('=');
        const std::string key = entry.substr(0, eq);
        if (changes.count(key))
            continue;
        env.push_back(entry);
    }
    for (const auto& [key, value] : changes) {
        if (value)
            env.push_back(key + "=" + *value);
    }
    return env;
}

Process::Process(const SpawnOptions& o) {
    ChildFds fds;
    fds.in = open_or_null({}, O_RDONLY);
    fds.out = open_or_null(o.stdout_file, O_WRONLY | O_CREAT | O_APPEND);
    fds.err = open_or_null(o.stderr_file, O_WRONLY | O_CREAT | O_APPEND);
    fds.extra = o.pass_fd;
    fds.extra_target = o.child_fd;
    try {
        pid_ = fork_exec(o.argv, o.env, fds);
    } catch (...) {
        ::close(fds.in);
        ::close(fds.out);
        ::close(fds.err);
        throw;
    }
    ::close(fds.in);
    ::close(fds.out);
    ::close(fds.err);
}

Process::~Process() {
    if (pid_ > 0 && !exit_)
        kill_now();
}

Process::Process(Process&& other) noexcept : pid_(other.pid_), exit_(other.exit_) {
    other.pid_ = -1;
    other.exit_.reset();
}

Process& Process::operator=(Process&& other) noexcept {
    if (this != &other) {
        if (pid_ > 0 && !exit_)
            kill_now();
        pid_ = other.pid_;
        exit_ = other.exit_;
        other.pid_ = -1;
        other.exit_.reset();
    }
    return *this;
}

bool Process::running() {
    if (pid_ <= 0 || exit_)
        return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        exit_ = ExitInfo::from_wait_status(status);
        return false;
    }
    return r == 0;
}

std::optional<ExitInfo> Process::wait_for(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (running()) {
        if (Clock::now() >= deadline)
            return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return exit_;
}

void Process::send_signal(int signo) {
    if (running())
        ::kill(pid_, signo);
}

ExitInfo Process::terminate(std::chrono::milliseconds grace) {
    send_signal(SIGTERM);
    if (auto e = wait_for(grace))
        return *e;
    return kill_now();
}

ExitInfo Process::kill_now() {
    if (pid_ <= 0)
        return {};
    if (!exit_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        exit_ = ExitInfo::from_wait_status(status);
    }
    return *exit_;
}

std::string CommandResult::describe() const {
    return (timed_out ? std::string("timed out, ") : std::string()) + exit.describe() +
           "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
}

CommandResult run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          std::chrono::milliseconds timeout) {
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) < 0)
        throw std::runtime_error("pipe2 failed");
    if (::pipe2(err_pipe, O_CLOEXEC) < 0) {
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        throw std::runtime_error("pipe2 failed");
    }
    ChildFds fds;
    fds.in = open_or_null({}, O_RDONLY);
    fds.out = out_pipe[1];
    fds.err = err_pipe[1];
    pid_t pid = -1;
    try {
        pid = fork_exec(argv, env, fds);
    } catch (...) {
        for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], fds.in})
            ::close(fd);
        throw;
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    ::close(fds.in);

    CommandResult result;
    const auto deadline = Clock::now() + timeout;
    pollfd pfds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_count = 2;
    while (open_count > 0) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            ::kill(pid, SIGKILL);
            break;
        }
        const int n = ::poll(pfds, 2, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        for (int i = 0; i < 2; ++i) {
            if (pfds[i].fd < 0 || pfds[i].revents == 0)
                continue;
            char buf[4096];
            const ssize_t r = ::read(pfds[i].fd, buf, sizeof buf);
            if (r > 0) {
                sinks[i]->append(buf, static_cast<std::size_t>(r));
            } else if (r == 0 || errno != EINTR) {
                ::close(pfds[i].fd);
                pfds[i].fd = -1;
                --open_count;
            }
        }
    }
    for (auto& p : pfds) {
        if (p.fd >= 0)
            ::close(p.fd);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit = ExitInfo::from_wait_status(status);
    return result;
}

std::string read_line(int fd, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string line;
    while (line.find('\n') == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            break;
        pollfd p{fd, POLLIN, 0};
        const int n = ::poll(&p, 1, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        char buf[256];
        const ssize_t r = ::read(fd, buf, sizeof buf);
        if (r <= 0)
            break;
        line.append(buf, static_cast<std::size_t>(r));
    }
    if (auto nl = line.find('\n'); nl != std::string::npos)
        line.resize(nl);
    return line;
}

}  // namespace maint::it
