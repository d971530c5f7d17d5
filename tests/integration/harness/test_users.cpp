// See test_users.hpp. The state file has one line per fact:
//   created-group NAME | created-user NAME | added-member USER GROUP | holder PID
// and is only read or written under an exclusive flock() of the lock file.
#include "harness/test_users.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>
#include <vector>

#include "harness/process.hpp"
#include "harness/temp_dir.hpp"

namespace maint::it {
namespace {

constexpr const char* kLockFile = "/run/maint-it-test-users.lock";
constexpr const char* kStateFile = "/run/maint-it-test-users.state";

struct State {
    std::vector<std::string> created;  // "created-group x", "created-user x", "added-member u g"
    std::set<pid_t> holders;
};

State read_state() {
    State s;
    std::istringstream in(read_file(kStateFile));
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("holder ", 0) == 0) {
            s.holders.insert(static_cast<pid_t>(std::stol(line.substr(7))));
        } else if (!line.empty()) {
            s.created.push_back(line);
        }
    }
    return s;
}

void write_state(const State& s) {
    if (s.created.empty() && s.holders.empty()) {
        std::error_code ec;
        std::filesystem::remove(kStateFile, ec);
        return;
    }
    std::string text;
    for (const auto& c : s.created)
        text += c + "\n";
    for (pid_t p : s.holders)
        text += "holder " + std::to_string(p) + "\n";
    const std::string tmp = std::string(kStateFile) + ".new";
    write_file(tmp, text);
    std::filesystem::rename(tmp, kStateFile);
}

bool alive(pid_t pid) {
    return ::kill(pid, 0) == 0 || errno == EPERM;
}

// An exclusive lock shared by every test process of every build directory.
class FileLock {
  public:
    FileLock() : fd_(::open(kLockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
        if (fd_ < 0)
            throw std::runtime_error(std::string("open ") + kLockFile + ": " +
                                     std::strerror(errno));
        while (::flock(fd_, LOCK_EX) < 0) {
            if (errno != EINTR) {
                ::close(fd_);
                throw std::runtime_error(std::string("flock: ") + std::strerror(errno));
            }
        }
    }
    ~FileLock() { ::close(fd_); }
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

  private:
    int fd_;
};

bool user_exists(const std::string& name) {
    return ::getpwnam(name.c_str()) != nullptr;
}

bool group_exists(const std::string& name) {
    return ::getgrnam(name.c_str()) != nullptr;
}

bool is_member(const std::string& user, const std::string& group_name) {
    const struct group* g = ::getgrnam(group_name.c_str());
    if (!g)
        return false;
    for (char** m = g->gr_mem; m && *m; ++m) {
        if (user == *m)
            return true;
    }
    return false;
}

// Runs a shadow-utils command; throws with its output when it fails.
void run_tool(const std::vector<std::string>& argv) {
    const auto r = run_command(argv, environment_with({}), std::chrono::seconds(30));
    if (!r.exit.exited || r.exit.code != 0) {
        std::string cmd;
        for (const auto& a : argv)
            cmd += (cmd.empty() ? "" : " ") + a;
        throw std::runtime_error(cmd + " failed: " + r.describe());
    }
}

std::string find_tool(const std::string& name) {
    for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
        const std::string p = dir + name;
        if (::access(p.c_str(), X_OK) == 0)
            return p;
    }
    return {};
}

bool g_held = false;

}  // namespace

std::optional<std::string> ensure_test_users() {
    static std::optional<std::string> result = []() -> std::optional<std::string> {
        if (::geteuid() != 0)
            return std::string("needs root to create the test users ") + kAdminUser + " and " +
                   kPlainUser;
        const std::string useradd = find_tool("useradd");
        const std::string groupadd = find_tool("groupadd");
        const std::string usermod = find_tool("usermod");
        if (useradd.empty() || groupadd.empty() || usermod.empty())
            return std::string("useradd/groupadd/usermod (package passwd) are not installed");
        try {
            FileLock lock;
            State s = read_state();
            auto record = [&](const std::string& fact) {
                s.created.push_back(fact);
                // Written at once: should a later step fail, what exists is still known.
                write_state(s);
            };
            s.holders.insert(::getpid());
            write_state(s);
            g_held = true;
            if (!group_exists(kAdminGroup)) {
                run_tool({groupadd, kAdminGroup});
                record(std::string("created-group ") + kAdminGroup);
            }
            for (const char* user : {kAdminUser, kPlainUser}) {
                if (!user_exists(user)) {
                    run_tool({useradd, "-M", "-s", "/usr/sbin/nologin", "-c",
                              "maintenanced integration tests", user});
                    record(std::string("created-user ") + user);
                }
            }
            if (!is_member(kAdminUser, kAdminGroup)) {
                run_tool({usermod, "-a", "-G", kAdminGroup, kAdminUser});
                record(std::string("added-member ") + kAdminUser + " " + kAdminGroup);
            }
            if (is_member(kPlainUser, kAdminGroup)) {
                return std::string(kPlainUser) + " already exists and is a member of " +
                       kAdminGroup + "; it must be a plain user for these tests";
            }
        } catch (const std::exception& e) {
            return std::string("cannot create the test users: ") + e.what();
        }
        return std::nullopt;
    }();
    return result;
}

void release_test_users() {
    if (!g_held)
        return;
    g_held = false;
    try {
        FileLock lock;
        State s = read_state();
        s.holders.erase(::getpid());
        for (auto it = s.holders.begin(); it != s.holders.end();) {
            it = alive(*it) ? std::next(it) : s.holders.erase(it);
        }
        if (!s.holders.empty()) {
            write_state(s);
            return;
        }
        // The last one out: undo in reverse order (users before the groups they are in).
        std::vector<std::string> undo(s.created.rbegin(), s.created.rend());
        std::stable_partition(undo.begin(), undo.end(), [](const std::string& fact) {
            return fact.rfind("created-group ", 0) != 0;
        });
        std::vector<std::string> left;
        for (const auto& fact : undo) {
            std::istringstream words(fact);
            std::string kind, a, b;
            words >> kind >> a >> b;
            try {
                if (kind == "created-user" && user_exists(a)) {
                    run_tool({find_tool("userdel"), a});
                } else if (kind == "added-member" && is_member(a, b)) {
                    run_tool({find_tool("gpasswd"), "-d", a, b});
                } else if (kind == "created-group" && group_exists(a)) {
                    run_tool({find_tool("groupdel"), a});
                }
            } catch (const std::exception&) {
                left.push_back(fact);
            }
        }
        s.created.assign(left.rbegin(), left.rend());
        write_state(s);
    } catch (const std::exception&) {
        // Best effort at the end of a run: nothing to report to.
    }
}

}  // namespace maint::it
