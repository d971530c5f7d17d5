// See as_user.hpp. The child uses sd-bus directly (no sdbus-c++ threads) and reports one line per
// call: "label<TAB>ok" or "label<TAB>error<TAB>name<TAB>message".
#include "harness/as_user.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace maint::it {
namespace {

std::string clean(const char* s) {
    std::string out = s ? s : "";
    for (char& c : out) {
        if (c == '\t' || c == '\n')
            c = ' ';
    }
    return out;
}

void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t w = ::write(fd, text.data() + done, text.size() - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        done += static_cast<std::size_t>(w);
    }
}

[[noreturn]] void child(int out, const UserIdentity& who, const std::string& address,
                        const std::vector<UserCall>& calls) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const uid_t uid = who.uid;
    const gid_t gid = who.gid;
    if (::setgroups(who.groups.size(), who.groups.empty() ? nullptr : who.groups.data()) < 0 ||
        ::setresgid(gid, gid, gid) < 0 || ::setresuid(uid, uid, uid) < 0 || ::geteuid() != uid) {
        write_all(out, std::string("!setup\terror\tsetresuid\t") + std::strerror(errno) + "\n");
        ::_exit(1);
    }
    sd_bus* bus = nullptr;
    int r = sd_bus_new(&bus);
    if (r >= 0)
        r = sd_bus_set_address(bus, address.c_str());
    if (r >= 0)
        r = sd_bus_set_bus_client(bus, 1);
    if (r >= 0)
        r = sd_bus_start(bus);
    if (r < 0) {
        write_all(out, std::string("!setup\terror\tconnect\t") + std::strerror(-r) + "\n");
        ::_exit(1);
    }
    for (const auto& c : calls) {
        sd_bus_message* m = nullptr;
        sd_bus_message* reply = nullptr;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        r = sd_bus_message_new_method_call(bus, &m, c.destination.c_str(), c.path.c_str(),
                                           c.interface.c_str(), c.member.c_str());
        if (r >= 0 && c.allow_interactive)
            r = sd_bus_message_set_allow_interactive_authorization(m, 1);
        if (r >= 0 && c.append)
            r = c.append(m);
        if (r < 0) {
            write_all(out, c.label + "\terror\t(building the call)\t" + std::strerror(-r) + "\n");
        } else if (sd_bus_call(bus, m, 10 * 1000 * 1000, &error, &reply) < 0) {
            write_all(out, c.label + "\terror\t" + clean(error.name) + "\t" + clean(error.message) +
                               "\n");
        } else {
            write_all(out, c.label + "\tok\n");
        }
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        sd_bus_message_unref(m);
    }
    sd_bus_flush_close_unref(bus);
    ::_exit(0);
}

}  // namespace

std::string UserCallResult::describe() const {
    return label + ": " + (ok ? std::string("ok") : error_name + " (" + error_message + ")");
}

UserIdentity identity_of(const std::string& user) {
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found)
        throw std::runtime_error("no such user: " + user);
    UserIdentity who;
    who.name = user;
    who.uid = pw.pw_uid;
    who.gid = pw.pw_gid;
    int n = 32;
    for (;;) {
        who.groups.assign(static_cast<std::size_t>(n), 0);
        const int want = n;
        if (::getgrouplist(user.c_str(), pw.pw_gid, who.groups.data(), &n) >= 0) {
            who.groups.resize(static_cast<std::size_t>(n));
            break;
        }
        if (n <= want)
            n = want * 2;
    }
    return who;
}

std::vector<UserCallResult> call_as_user(uid_t uid, gid_t gid, const std::string& address,
                                         const std::vector<UserCall>& calls) {
    UserIdentity who;
    who.uid = uid;
    who.gid = gid;
    return call_as_user(who, address, calls);
}

namespace {

// One child: forks, runs the calls as `who`, and returns what it printed — or nullopt when it
// printed nothing at all before the deadline.
std::optional<std::string> run_child(const UserIdentity& who, const std::string& address,
                                     const std::vector<UserCall>& calls,
                                     std::chrono::seconds limit) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0)
        throw std::runtime_error("pipe2 failed");
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(p[0]);
        ::close(p[1]);
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        ::close(p[0]);
        child(p[1], who, address, calls);
    }
    ::close(p[1]);
    std::string text;
    bool eof = false;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            break;
        pollfd pf{p[0], POLLIN, 0};
        const int n = ::poll(&pf, 1, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        char buf[4096];
        const ssize_t r = ::read(p[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            eof = true;
            break;
        }
        text.append(buf, static_cast<std::size_t>(r));
    }
    ::close(p[0]);
    ::kill(pid, SIGKILL);  // no-op when it already exited
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!eof && text.empty())
        return std::nullopt;
    return text;
}

}  // namespace

std::vector<UserCallResult> call_as_user(const UserIdentity& who, const std::string& address,
                                         const std::vector<UserCall>& calls) {
    const uid_t uid = who.uid;
    // A child forked from this multi-threaded process (the test's bus connections run their
    // own threads) can, rarely, stop dead in a lock another thread held at fork time (seen
    // once under ASan). It then prints nothing at all: try once more with a fresh fork; a
    // second silence is a real failure and comes back as no results.
    std::optional<std::string> out = run_child(who, address, calls, std::chrono::seconds(20));
    if (!out) {
        std::fprintf(stderr, "call_as_user: the child as uid %u said nothing in 20 s; retrying\n",
                     static_cast<unsigned>(uid));
        out = run_child(who, address, calls, std::chrono::seconds(30));
    }
    const std::string text = out.value_or("");

    std::vector<UserCallResult> results;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::vector<std::string> f;
        std::size_t start = 0;
        for (;;) {
            const auto tab = line.find('\t', start);
            f.push_back(line.substr(start, tab == std::string::npos ? tab : tab - start));
            if (tab == std::string::npos)
                break;
            start = tab + 1;
        }
        if (f[0] == "!setup") {
            throw std::runtime_error("child as uid " + std::to_string(uid) + " failed: " + line);
        }
        UserCallResult res;
        res.label = f[0];
        res.ok = f.size() > 1 && f[1] == "ok";
        if (!res.ok) {
            res.error_name = f.size() > 2 ? f[2] : "";
            res.error_message = f.size() > 3 ? f[3] : "";
        }
        results.push_back(std::move(res));
    }
    return results;
}

}  // namespace maint::it
