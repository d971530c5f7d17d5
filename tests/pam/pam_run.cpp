// See pam_run.hpp. The child sends its findings to the parent over a pipe as records:
// a type byte, an int, a length and that many bytes.
#include "pam_run.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define MAINT_LEAK_CHECK 1
#endif

namespace maint::pamtest {
namespace {

enum : char { kRc = 'R', kShown = 'S', kLog = 'L', kCaptured = 'C', kProblem = 'P', kError = 'E' };

void put(std::string& out, char type, int value, const std::string& text = {}) {
    const auto len = static_cast<uint32_t>(text.size());
    out.push_back(type);
    out.append(reinterpret_cast<const char*>(&value), sizeof value);
    out.append(reinterpret_cast<const char*>(&len), sizeof len);
    out.append(text);
}

int record_conversation(int n, const struct pam_message** msg, struct pam_response** resp,
                        void* data) {
    auto* shown = static_cast<std::vector<ShownMessage>*>(data);
    auto* replies =
        static_cast<pam_response*>(std::calloc(static_cast<size_t>(n), sizeof(pam_response)));
    if (!replies)
        return PAM_BUF_ERR;
    for (int i = 0; i < n; ++i)
        shown->push_back({msg[i]->msg_style, msg[i]->msg ? msg[i]->msg : ""});
    *resp = replies;
    return PAM_SUCCESS;
}

// In the child: a private /dev with a syslog socket. Returns the socket, or -1 with the reason.
int capture_syslog(std::string& problem) {
    auto fail = [&](const char* what) {
        problem = std::string(what) + ": " + std::strerror(errno);
        return -1;
    };
    if (::unshare(CLONE_NEWNS) != 0)
        return fail("unshare(CLONE_NEWNS)");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        return fail("making / private");
    if (::mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755") != 0)
        return fail("mounting a tmpfs on /dev");
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail("socket");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, "/dev/log");
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return fail("bind /dev/log");
    return fd;
}

LogLine parse_log(const std::string& datagram) {
    LogLine line{-1, -1, datagram};
    if (datagram.empty() || datagram[0] != '<')
        return line;
    const auto close = datagram.find('>');
    if (close == std::string::npos)
        return line;
    const int pri = std::atoi(datagram.substr(1, close - 1).c_str());
    line.priority = LOG_PRI(pri);
    line.facility = pri & LOG_FACMASK;
    // "<PRI>Mmm dd hh:mm:ss ident: message": the timestamp has no ": ".
    const auto colon = datagram.find(": ", close);
    line.text =
        colon == std::string::npos ? datagram.substr(close + 1) : datagram.substr(colon + 2);
    return line;
}

[[noreturn]] void child(int out_fd, const std::string& confdir, const std::string& service,
                        const char* user, const std::function<int(pam_handle_t*)>& action) {
    std::string out;
    std::string problem;
    const int log_fd = capture_syslog(problem);
    put(out, kCaptured, log_fd >= 0 ? 1 : 0);
    if (log_fd < 0)
        put(out, kProblem, 0, problem);
    ::closelog();  // a connection inherited from the parent would bypass our socket

    std::vector<ShownMessage> shown;
    const pam_conv conv{record_conversation, &shown};
    pam_handle_t* pamh = nullptr;
    const int started = ::pam_start_confdir(service.c_str(), user, &conv, confdir.c_str(), &pamh);
    if (started != PAM_SUCCESS) {
        put(out, kError, started, "pam_start_confdir failed");
    } else {
        const int rc = action(pamh);
        put(out, kRc, rc);
        ::pam_end(pamh, rc);
    }
    for (const auto& m : shown)
        put(out, kShown, m.style, m.text);
#ifdef MAINT_LEAK_CHECK
    // The child leaves with _exit(), past LeakSanitizer's check at exit: what the module (or
    // libpam) allocated and did not free is looked for here, after pam_end().
    if (__lsan_do_recoverable_leak_check() != 0)
        put(out, kError, 0, "LeakSanitizer found leaks in the PAM child (report on stderr)");
#endif

    if (log_fd >= 0) {
        std::string buf(70000, '\0');
        for (;;) {
            const ssize_t n = ::recv(log_fd, buf.data(), buf.size(), MSG_DONTWAIT);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                break;
            put(out, kLog, 0, buf.substr(0, static_cast<size_t>(n)));
        }
    }
    for (size_t done = 0; done < out.size();) {
        const ssize_t n = ::write(out_fd, out.data() + done, out.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += static_cast<size_t>(n);
    }
    ::_exit(0);  // no atexit handlers, no leak check of the parent's heap
}

}  // namespace

PamOutcome run_pam(const std::string& confdir, const std::string& service, const char* user,
                   const std::function<int(pam_handle_t*)>& action) {
    PamOutcome outcome;
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        outcome.error = std::string("pipe: ") + std::strerror(errno);
        return outcome;
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        outcome.error = std::string("fork: ") + std::strerror(errno);
        ::close(pipe_fds[0]);
        ::close(pipe_fds[1]);
        return outcome;
    }
    if (pid == 0) {
        ::close(pipe_fds[0]);
        child(pipe_fds[1], confdir, service, user, action);
    }
    ::close(pipe_fds[1]);
    std::string in;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        in.append(buf, static_cast<size_t>(n));
    }
    ::close(pipe_fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        outcome.error = "the PAM child process failed (wait status " + std::to_string(status) + ")";

    for (size_t pos = 0; pos + 1 + sizeof(int) + sizeof(uint32_t) <= in.size();) {
        const char type = in[pos];
        int value;
        uint32_t len;
        std::memcpy(&value, in.data() + pos + 1, sizeof value);
        std::memcpy(&len, in.data() + pos + 1 + sizeof value, sizeof len);
        pos += 1 + sizeof value + sizeof len;
        const std::string text = in.substr(pos, len);
        pos += len;
        switch (type) {
            case kRc:
                outcome.rc = value;
                break;
            case kShown:
                outcome.shown.push_back({value, text});
                break;
            case kLog:
                outcome.logged.push_back(parse_log(text));
                break;
            case kCaptured:
                outcome.logs_captured = value != 0;
                break;
            case kProblem:
                outcome.capture_problem = text;
                break;
            case kError:
                outcome.error = text + " (" + std::to_string(value) + ")";
                break;
        }
    }
    return outcome;
}

}  // namespace maint::pamtest
