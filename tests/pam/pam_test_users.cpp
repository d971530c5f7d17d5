// See pam_test_users.hpp. The state file has one fact a line, "group NAME" or "user NAME", in the
// order of creation, and is only read or written under the exclusive lock.
#include "pam_test_users.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace maint::pamtest {
namespace {

constexpr const char* kLockFile = "/run/maint-pam-test-users.lock";
constexpr const char* kStateFile = "/run/maint-pam-test-users.state";

int g_lock_fd = -1;      // held (shared) while this process uses the users
bool g_created = false;  // this process created some of them

std::vector<std::string> read_state() {
    std::vector<std::string> facts;
    std::ifstream in(kStateFile);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty())
            facts.push_back(line);
    }
    return facts;
}

void write_state(const std::vector<std::string>& facts) {
    if (facts.empty()) {
        ::unlink(kStateFile);
        return;
    }
    const std::string tmp = std::string(kStateFile) + ".new";
    {
        std::ofstream out(tmp, std::ios::trunc);
        for (const auto& f : facts)
            out << f << '\n';
        if (!out.flush())
            throw std::runtime_error(std::string("cannot write ") + tmp);
    }
    if (::rename(tmp.c_str(), kStateFile) != 0)
        throw std::runtime_error(std::string("rename to ") + kStateFile + ": " +
                                 std::strerror(errno));
}

void lock(int fd, int how) {
    while (::flock(fd, how) != 0) {
        if (errno != EINTR)
            throw std::runtime_error(std::string("flock ") + kLockFile + ": " +
                                     std::strerror(errno));
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

// Runs a shadow-utils command; throws with its output when it fails.
void run_tool(const std::vector<std::string>& argv) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0)
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    const pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::dup2(out[1], STDERR_FILENO);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(out[1]);
    std::string output;
    char buf[512];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        output.append(buf, static_cast<size_t>(n));
    }
    ::close(out[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::string cmd;
        for (const auto& a : argv)
            cmd += (cmd.empty() ? "" : " ") + a;
        throw std::runtime_error(cmd + " failed (status " + std::to_string(status) +
                                 "): " + output);
    }
}

std::optional<gid_t> group_gid(const std::string& name) {
    const struct group* g = ::getgrnam(name.c_str());
    return g ? std::optional<gid_t>(g->gr_gid) : std::nullopt;
}

bool user_exists(const std::string& name) {
    return ::getpwnam(name.c_str()) != nullptr;
}

bool listed_member(const std::string& user, const std::string& group) {
    const struct group* g = ::getgrnam(group.c_str());
    for (char** m = g ? g->gr_mem : nullptr; m && *m; ++m) {
        if (user == *m)
            return true;
    }
    return false;
}

// Whether the three users are there as the tests need them; else what is wrong.
std::optional<std::string> check_users() {
    const auto gid = group_gid(kAdminGroup);
    if (!gid)
        return std::string("group ") + kAdminGroup + " is missing";
    const struct passwd* admin = ::getpwnam(kSupplementaryAdmin);
    if (!admin || !listed_member(kSupplementaryAdmin, kAdminGroup))
        return std::string(kSupplementaryAdmin) + " is missing or not a member of " + kAdminGroup;
    const struct passwd* primary = ::getpwnam(kPrimaryAdmin);
    if (!primary || primary->pw_gid != *gid)
        return std::string(kPrimaryAdmin) + " is missing or its primary group is not " +
               kAdminGroup;
    const struct passwd* plain = ::getpwnam(kPlainUser);
    if (!plain || plain->pw_gid == *gid || listed_member(kPlainUser, kAdminGroup))
        return std::string(kPlainUser) + " is missing or in " + kAdminGroup +
               "; it must be a plain user";
    return std::nullopt;
}

// Creates what is missing, recording it; the caller holds the exclusive lock.
void create_missing() {
    const std::string useradd = find_tool("useradd");
    const std::string groupadd = find_tool("groupadd");
    if (useradd.empty() || groupadd.empty())
        throw std::runtime_error("useradd/groupadd (package passwd) are not installed");
    std::vector<std::string> facts = read_state();
    auto record = [&](const std::string& fact) {
        facts.push_back(fact);
        write_state(facts);  // at once: should a later step fail, what exists is still known
        g_created = true;
    };
    const std::vector<std::string> common = {"-M", "-s", "/usr/sbin/nologin", "-c",
                                             "maintenanced PAM tests"};
    auto add_user = [&](const char* name, std::vector<std::string> extra) {
        if (user_exists(name))
            return;
        std::vector<std::string> argv = {useradd};
        argv.insert(argv.end(), common.begin(), common.end());
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.push_back(name);
        run_tool(argv);
        record(std::string("user ") + name);
    };
    if (!group_gid(kAdminGroup)) {
        run_tool({groupadd, kAdminGroup});
        record(std::string("group ") + kAdminGroup);
    }
    add_user(kSupplementaryAdmin, {"-G", kAdminGroup});
    add_user(kPrimaryAdmin, {"-g", kAdminGroup});
    add_user(kPlainUser, {});
}

// Removes everything recorded, users before groups; the caller holds the exclusive lock.
bool remove_recorded() {
    std::vector<std::string> facts = read_state();
    std::stable_partition(facts.begin(), facts.end(),
                          [](const std::string& f) { return f.rfind("user ", 0) == 0; });
    std::vector<std::string> left;
    for (const auto& fact : facts) {
        const bool is_user = fact.rfind("user ", 0) == 0;
        const std::string name = fact.substr(fact.find(' ') + 1);
        try {
            if (is_user && user_exists(name))
                run_tool({find_tool("userdel"), name});
            else if (!is_user && group_gid(name))
                run_tool({find_tool("groupdel"), name});
        } catch (const std::exception& e) {
            std::cerr << "pam test users: " << e.what() << '\n';
            left.push_back(fact);
        }
    }
    write_state(left);
    return left.empty();
}

int open_lock() {
    const int fd = ::open(kLockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        throw std::runtime_error(std::string("open ") + kLockFile + ": " + std::strerror(errno));
    return fd;
}

}  // namespace

std::optional<std::string> ensure_test_users() {
    static const std::optional<std::string> result = []() -> std::optional<std::string> {
        if (::geteuid() != 0)
            return std::string("needs root to create the test users ") + kSupplementaryAdmin +
                   ", " + kPrimaryAdmin + " and " + kPlainUser;
        try {
            g_lock_fd = open_lock();
            // Turning the exclusive lock into a shared one is not atomic (flock(2)): someone may
            // remove the users in between, so check under the shared lock and go round again.
            for (int attempt = 0; attempt < 5; ++attempt) {
                lock(g_lock_fd, LOCK_EX);
                if (check_users())
                    create_missing();
                lock(g_lock_fd, LOCK_SH);
                if (auto wrong = check_users(); !wrong)
                    return std::nullopt;
                else if (attempt == 4)
                    return "the test users are not as the tests need them: " + *wrong;
            }
        } catch (const std::exception& e) {
            return std::string("cannot create the test users: ") + e.what();
        }
        return std::string("cannot create the test users");
    }();
    return result;
}

void release_test_users() {
    if (g_lock_fd < 0)
        return;
    try {
        // Only when nobody else holds them: a failed non-blocking conversion drops our shared
        // lock, which is what leaving means anyway.
        if (g_created && ::flock(g_lock_fd, LOCK_EX | LOCK_NB) == 0)
            remove_recorded();
    } catch (const std::exception& e) {
        std::cerr << "pam test users: " << e.what() << '\n';
    }
    ::close(g_lock_fd);
    g_lock_fd = -1;
}

bool remove_test_users() {
    if (::geteuid() != 0)
        return true;  // nothing can have been created
    try {
        const int fd = open_lock();
        lock(fd, LOCK_EX);
        const bool ok = remove_recorded();
        ::close(fd);
        return ok;
    } catch (const std::exception& e) {
        std::cerr << "pam test users: " << e.what() << '\n';
        return false;
    }
}

}  // namespace maint::pamtest
