// Running pkttyagent next to maintenancectl, the way systemd's polkit_agent_open() does: the agent
// closes the --notify-fd pipe once it is registered with polkitd, so the call that may need a
// password is sent only after someone is there to ask for it.
#include "ctl/polkit_agent.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace maint::ctl {

namespace {

constexpr const char* kAgent = "/usr/bin/pkttyagent";
// An agent that cannot reach polkitd gives up by itself; this only bounds a wedged one.
constexpr int kRegistrationTimeoutMs = 10'000;

}  // namespace

TtyAuthAgent::TtyAuthAgent() {
    if (::access(kAgent, X_OK) != 0) {
        return;
    }
    int pipe_fd[2];
    if (::pipe2(pipe_fd, O_CLOEXEC) != 0) {
        return;
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        ::close(pipe_fd[0]);
        ::close(pipe_fd[1]);
        return;
    }
    if (pid == 0) {
        // The write end must survive exec; everything else is close-on-exec already.
        ::fcntl(pipe_fd[1], F_SETFD, 0);
        // The agent prompts on /dev/tty; its stderr only carries "cannot register" when polkitd
        // is absent, and then the daemon's own refusal says what happened.
        int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null_fd >= 0) {
            ::dup2(null_fd, STDERR_FILENO);
        }
        std::string fd = std::to_string(pipe_fd[1]);
        ::execl(kAgent, kAgent, "--notify-fd", fd.c_str(), "--fallback",
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    pid_ = pid;
    ::close(pipe_fd[1]);
    // Registered, or gone: either way the write end closes and read() sees end of file.
    pollfd p{pipe_fd[0], POLLIN, 0};
    while (::poll(&p, 1, kRegistrationTimeoutMs) < 0 && errno == EINTR) {
    }
    ::close(pipe_fd[0]);
}

TtyAuthAgent::~TtyAuthAgent() {
    if (pid_ <= 0) {
        return;
    }
    ::kill(pid_, SIGTERM);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace maint::ctl
