// See event_loop.hpp.
#include "notify/event_loop.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <system_error>

#include <sdbus-c++/Error.h>

namespace maint::notify {
namespace {

sigset_t termination_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}

class SignalFd {
  public:
    SignalFd() {
        const sigset_t set = termination_signals();
        fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd_ < 0)
            throw std::system_error(errno, std::generic_category(), "signalfd");
    }
    ~SignalFd() { ::close(fd_); }
    SignalFd(const SignalFd&) = delete;
    SignalFd& operator=(const SignalFd&) = delete;

    int fd() const { return fd_; }
    // The signal that arrived, or 0.
    int take() const {
        signalfd_siginfo info{};
        if (::read(fd_, &info, sizeof info) != sizeof info)
            return 0;
        return static_cast<int>(info.ssi_signo);
    }

  private:
    int fd_ = -1;
};

std::uint64_t monotonic_usec() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000 +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
}

// poll(2)'s timeout for sd-bus's absolute CLOCK_MONOTONIC one: -1 for none, rounded up to whole
// milliseconds so that the loop does not wake a moment too early and spin.
int poll_timeout_ms(std::uint64_t deadline_usec) {
    if (deadline_usec == std::numeric_limits<std::uint64_t>::max())
        return -1;
    const std::uint64_t now = monotonic_usec();
    if (deadline_usec <= now)
        return 0;
    const std::uint64_t ms = (deadline_usec - now + 999) / 1000;
    return ms > static_cast<std::uint64_t>(std::numeric_limits<int>::max())
               ? std::numeric_limits<int>::max()
               : static_cast<int>(ms);
}

}  // namespace

void block_termination_signals() {
    const sigset_t set = termination_signals();
    if (const int r = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); r != 0)
        throw std::system_error(r, std::generic_category(), "pthread_sigmask");
}

LoopEnd run_event_loop(const std::vector<sdbus::IConnection*>& connections) {
    const SignalFd signals;
    std::vector<pollfd> fds(connections.size() + 1);
    for (;;) {
        // Everything that is queued first: a call made on one connection from a callback of
        // another may have queued messages on either, so go round until both are quiet.
        for (bool busy = true; busy;) {
            busy = false;
            for (std::size_t i = 0; i < connections.size(); ++i) {
                try {
                    while (connections[i]->processPendingRequest())
                        busy = true;
                } catch (const sdbus::Error& e) {
                    return {LoopEnd::Reason::ConnectionLost, i, e.getMessage()};
                }
            }
        }

        std::uint64_t deadline = std::numeric_limits<std::uint64_t>::max();
        for (std::size_t i = 0; i < connections.size(); ++i) {
            try {
                const auto poll = connections[i]->getEventLoopPollData();
                fds[i] = {poll.fd, poll.events, 0};
                deadline = std::min(deadline, poll.timeout_usec);
            } catch (const sdbus::Error& e) {
                return {LoopEnd::Reason::ConnectionLost, i, e.getMessage()};
            }
        }
        fds.back() = {signals.fd(), POLLIN, 0};
        if (::poll(fds.data(), fds.size(), poll_timeout_ms(deadline)) < 0) {
            if (errno == EINTR)
                continue;
            throw std::system_error(errno, std::generic_category(), "poll");
        }
        if (fds.back().revents & POLLIN) {
            if (const int signo = signals.take(); signo != 0)
                return {LoopEnd::Reason::Signal, 0, ::strsignal(signo)};
        }
    }
}

}  // namespace maint::notify
