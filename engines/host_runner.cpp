// See host_runner.hpp.
#include "engines/host_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <list>
#include <optional>
#include <stdexcept>

extern char** environ;

namespace maint::engines {
namespace {

using Clock = std::chrono::steady_clock;

struct Child {
    std::string host;
    pid_t pid = -1;
    int pidfd = -1;
    int out = -1;  // our end of the output pipe; -1 once at its end
    HostEnd end;
    bool exited = false;
    bool term_sent = false;
    bool has_deadline = false;
    Clock::time_point deadline;
};

std::string system_error(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

void append_output(HostEnd& end, const char* data, std::size_t n) {
    const std::size_t room = kMaxHostOutput - end.output.size();
    end.output.append(data, std::min(n, room));
}

// Reads what is there now; closes the pipe at its end (every writer gone).
void read_output(Child& c) {
    std::array<char, 4096> buffer{};
    for (;;) {
        const ssize_t n = ::read(c.out, buffer.data(), buffer.size());
        if (n > 0) {
            append_output(c.end, buffer.data(), static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        ::close(c.out);
        c.out = -1;
        return;
    }
}

// Makes sure 2 descriptors per child (the output pipe and the pidfd) and some to spare fit under
// the soft limit, raising it up to the hard one when needed.
void make_room_for(unsigned parallel) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) < 0)
        return;
    const rlim_t needed = 2 * static_cast<rlim_t>(parallel) + 32;
    if (limit.rlim_cur >= needed)
        return;
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
        throw std::runtime_error("--parallel " + std::to_string(parallel) + " needs " +
                                 std::to_string(needed) + " open files, and the hard limit is " +
                                 std::to_string(limit.rlim_max) + " (LimitNOFILE=)");
    }
    limit.rlim_cur = needed;
    if (::setrlimit(RLIMIT_NOFILE, &limit) < 0)
        throw std::runtime_error(system_error("could not raise the open files limit"));
}

class Runner {
  public:
    Runner(const std::vector<std::string>& hosts, const RunnerOptions& options,
           const std::function<void(const std::string&, const Verdict&)>& report)
        : hosts_(hosts), options_(options), report_(report) {}

    ~Runner() {
        if (signal_fd_ >= 0)
            ::close(signal_fd_);
        if (null_fd_ >= 0)
            ::close(null_fd_);
        if (blocked_)
            ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    }

    RunSummary run() {
        make_room_for(options_.parallel);
        setup();
        std::size_t next = 0;
        while (next < hosts_.size() || !children_.empty()) {
            while (summary_.stopped_by.empty() && children_.size() < options_.parallel &&
                   next < hosts_.size()) {
                start(hosts_[next++]);
            }
            if (!summary_.stopped_by.empty() && next < hosts_.size()) {
                // Told to stop: the hosts not started yet are not started at all.
                for (; next < hosts_.size(); ++next) {
                    finish(hosts_[next], {options_.status ? Result::Unknown : Result::Failed,
                                          "not started: each-host got " + summary_.stopped_by});
                }
            }
            if (children_.empty())
                continue;
            wait_once();
        }
        return summary_;
    }

  private:
    void setup() {
        null_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null_fd_ < 0)
            throw std::runtime_error(system_error("could not open /dev/null"));
        // The stop signals arrive through a descriptor of the poll loop, so that they are seen
        // between two steps of it and never in the middle of one.
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGTERM);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGHUP);
        if (::sigprocmask(SIG_BLOCK, &stop, &old_mask_) < 0)
            throw std::runtime_error(system_error("could not block the stop signals"));
        blocked_ = true;
        signal_fd_ = ::signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK);
        if (signal_fd_ < 0)
            throw std::runtime_error(system_error("could not make a signalfd"));
    }

    void finish(const std::string& host, const Verdict& verdict) {
        if (verdict.result == Result::Failed || verdict.result == Result::Unknown)
            ++summary_.failed;
        report_(host, verdict);
    }

    // Starts the command for `host`, or reports at once why it cannot run.
    void start(const std::string& host) {
        const std::vector<std::string> argv = expand_host_command(options_.command, host);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        const std::string host_var = "MAINTENANCE_HOST=" + host;
        std::vector<char*> env;
        for (char** e = environ; e && *e; ++e) {
            if (std::strncmp(*e, "MAINTENANCE_HOST=", 17) != 0)
                env.push_back(*e);
        }
        env.push_back(const_cast<char*>(host_var.c_str()));
        env.push_back(nullptr);

        HostEnd failed_start;
        int out[2];
        int exec_error[2];  // the child writes errno here when exec fails; exec closes it
        if (::pipe2(out, O_CLOEXEC) < 0) {
            failed_start.error = system_error("could not make a pipe");
            finish(host, judge(failed_start, options_.status));
            return;
        }
        if (::pipe2(exec_error, O_CLOEXEC) < 0) {
            failed_start.error = system_error("could not make a pipe");
            ::close(out[0]);
            ::close(out[1]);
            finish(host, judge(failed_start, options_.status));
            return;
        }
        const pid_t parent = ::getpid();
        const pid_t pid = ::fork();
        if (pid == 0) {
            // The child: only async-signal-safe calls until exec.
            ::setpgid(0, 0);
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent)
                ::_exit(127);  // each-host died before prctl took effect
            ::dup2(null_fd_, STDIN_FILENO);
            ::dup2(out[1], STDOUT_FILENO);
            ::dup2(out[1], STDERR_FILENO);
            struct sigaction dfl {};
            dfl.sa_handler = SIG_DFL;
            ::sigaction(SIGPIPE, &dfl, nullptr);  // each-host ignores it; the command must not
            ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
            ::execvpe(args[0], args.data(), env.data());
            const int e = errno;
            [[maybe_unused]] const ssize_t ignored = ::write(exec_error[1], &e, sizeof e);
            ::_exit(127);
        }
        ::close(out[1]);
        ::close(exec_error[1]);
        if (pid < 0) {
            failed_start.error = system_error("could not fork");
            ::close(out[0]);
            ::close(exec_error[0]);
            finish(host, judge(failed_start, options_.status));
            return;
        }
        ::setpgid(pid, pid);  // also here: no race with a kill of the group before the child ran
        int e = 0;
        ssize_t n;
        do {
            n = ::read(exec_error[0], &e, sizeof e);
        } while (n < 0 && errno == EINTR);
        ::close(exec_error[0]);
        if (n == static_cast<ssize_t>(sizeof e)) {
            ::waitpid(pid, nullptr, 0);
            ::close(out[0]);
            failed_start.error = "could not run " + argv[0] + ": " + std::strerror(e);
            finish(host, judge(failed_start, options_.status));
            return;
        }

        Child c;
        c.host = host;
        c.pid = pid;
        c.out = out[0];
        c.end.started = true;
        ::fcntl(c.out, F_SETFL, ::fcntl(c.out, F_GETFL) | O_NONBLOCK);
        c.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
        if (c.pidfd < 0) {
            const std::string why = system_error("could not watch the command (pidfd_open)");
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            ::close(c.out);
            failed_start.error = why;
            finish(host, judge(failed_start, options_.status));
            return;
        }
        if (options_.timeout > 0) {
            c.has_deadline = true;
            c.deadline = Clock::now() + std::chrono::microseconds(options_.timeout);
        }
        children_.push_back(std::move(c));
    }

    void wait_once() {
        std::vector<pollfd> fds;
        std::vector<std::pair<Child*, bool>> owners;  // (child, is its pidfd) per fds[i > 0]
        fds.push_back({signal_fd_, POLLIN, 0});
        std::optional<Clock::time_point> soonest;
        for (auto& c : children_) {
            if (c.out >= 0) {
                fds.push_back({c.out, POLLIN, 0});
                owners.emplace_back(&c, false);
            }
            fds.push_back({c.pidfd, POLLIN, 0});
            owners.emplace_back(&c, true);
            if (c.has_deadline && (!soonest || c.deadline < *soonest))
                soonest = c.deadline;
        }
        int timeout_ms = -1;
        if (soonest) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(*soonest - Clock::now());
            timeout_ms = static_cast<int>(std::clamp<long long>(left.count(), 0, 60'000));
        }
        if (::poll(fds.data(), fds.size(), timeout_ms) < 0) {
            if (errno == EINTR)
                return;
            throw std::runtime_error(system_error("poll failed"));
        }

        if (fds[0].revents != 0)
            take_signal();
        for (std::size_t i = 1; i < fds.size(); ++i) {
            if (fds[i].revents == 0)
                continue;
            auto [c, is_pidfd] = owners[i - 1];
            if (!is_pidfd && c->out >= 0)
                read_output(*c);
            else if (is_pidfd && !c->exited)
                reap(*c);
        }
        enforce_deadlines();

        for (auto it = children_.begin(); it != children_.end();) {
            if (it->exited) {
                finish(it->host, judge(it->end, options_.status));
                it = children_.erase(it);
            } else {
                ++it;
            }
        }
    }

    void take_signal() {
        signalfd_siginfo info{};
        while (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
            if (!summary_.stopped_by.empty())
                continue;
            summary_.stopped_by =
                sigabbrev_np(static_cast<int>(info.ssi_signo))
                    ? std::string("SIG") + sigabbrev_np(static_cast<int>(info.ssi_signo))
                    : "signal " + std::to_string(info.ssi_signo);
            const auto now = Clock::now();
            for (auto& c : children_) {
                c.end.stopped_by = summary_.stopped_by;
                if (!c.term_sent) {
                    ::kill(-c.pid, SIGTERM);
                    c.term_sent = true;
                    c.has_deadline = true;
                    c.deadline = now + std::chrono::microseconds(options_.kill_after);
                }
            }
        }
    }

    void reap(Child& c) {
        // Exited but not reaped, its pid (and so its group id) cannot be reused: what it left
        // running in its group is killed before the pid is given back.
        ::kill(-c.pid, SIGKILL);
        int status = 0;
        pid_t r;
        do {
            r = ::waitpid(c.pid, &status, 0);
        } while (r < 0 && errno == EINTR);
        if (WIFEXITED(status))
            c.end.exit_status = WEXITSTATUS(status);
        else if (WIFSIGNALED(status))
            c.end.signal = WTERMSIG(status);
        ::close(c.pidfd);
        c.pidfd = -1;
        // The output written before the exit is in the pipe; a killed leftover that held it
        // open must not keep us waiting for the end of it.
        if (c.out >= 0) {
            read_output(c);
            if (c.out >= 0) {
                ::close(c.out);
                c.out = -1;
            }
        }
        c.exited = true;
    }

    void enforce_deadlines() {
        const auto now = Clock::now();
        for (auto& c : children_) {
            if (c.exited || !c.has_deadline || c.deadline > now)
                continue;
            if (!c.term_sent) {
                c.end.timed_out = true;
                c.end.timeout = options_.timeout;
                ::kill(-c.pid, SIGTERM);  // its process group: what it started too
                c.term_sent = true;
                c.deadline = now + std::chrono::microseconds(options_.kill_after);
            } else {
                ::kill(-c.pid, SIGKILL);
                c.has_deadline = false;
            }
        }
    }

    const std::vector<std::string>& hosts_;
    const RunnerOptions& options_;
    const std::function<void(const std::string&, const Verdict&)>& report_;
    std::list<Child> children_;  // a list: poll's owners point into it across erasures
    RunSummary summary_;
    int signal_fd_ = -1;
    int null_fd_ = -1;
    sigset_t old_mask_{};
    bool blocked_ = false;
};

}  // namespace

RunSummary run_each_host(const std::vector<std::string>& hosts, const RunnerOptions& options,
                         const std::function<void(const std::string&, const Verdict&)>& report) {
    Runner runner(hosts, options, report);
    return runner.run();
}

}  // namespace maint::engines
