// See polkit_daemon.hpp. Everything the child needs is prepared before fork(): the test binary
// has threads, so between fork() and execve() the child only makes async-signal-safe calls
// (unshare, mount, dup2, write, execve).
#include "harness/polkit_daemon.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "harness/daemon_process.hpp"
#include "harness/process.hpp"
#include "harness/temp_dir.hpp"
#include "harness/wait.hpp"

#ifndef MAINT_POLKIT_POLICY_FILE
#error "MAINT_POLKIT_POLICY_FILE must name the project's polkit/org.example.Maintenance1.policy"
#endif
#ifndef MAINT_POLKIT_RULES_EXAMPLE
#error "MAINT_POLKIT_RULES_EXAMPLE must name the project's polkit/maintadmin.rules.example"
#endif

namespace maint::it {
namespace {

constexpr const char* kActionsDir = "/usr/share/polkit-1/actions";
constexpr const char* kEtcRulesDir = "/etc/polkit-1/rules.d";
constexpr const char* kUsrRulesDir = "/usr/share/polkit-1/rules.d";
constexpr const char* kStockDefaultRules = "/usr/share/polkit-1/rules.d/50-default.rules";
constexpr const char* kPolkitBusPolicy =
    "/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf";

// In the child: report `what` and errno on stderr (the log file), then exit.
[[noreturn]] void child_fail(const char* what) {
    char digits[16];
    int n = 0;
    for (int e = errno; n < 15 && (e > 0 || n == 0); e /= 10)
        digits[n++] = static_cast<char>('0' + e % 10);
    (void)!::write(2, "polkit harness: ", 16);
    (void)!::write(2, what, std::strlen(what));
    (void)!::write(2, " failed, errno ", 15);
    while (n > 0)
        (void)!::write(2, &digits[--n], 1);
    (void)!::write(2, "\n", 1);
    ::_exit(125);
}

void make_dir(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    ::chmod(dir.c_str(), 0755);
}

void copy_readable(const std::filesystem::path& from, const std::filesystem::path& to) {
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
    ::chmod(to.c_str(), 0644);
}

// Whether this process may create a mount namespace (a forked child tries).
bool can_unshare_mounts() {
    const pid_t pid = ::fork();
    if (pid < 0)
        return false;
    if (pid == 0)
        ::_exit(::unshare(CLONE_NEWNS) == 0 ? 0 : 1);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

std::filesystem::path project_policy_file() {
    return MAINT_POLKIT_POLICY_FILE;
}

std::filesystem::path project_rules_example() {
    return MAINT_POLKIT_RULES_EXAMPLE;
}

std::optional<std::string> PolkitDaemon::unavailable_reason() {
    static const std::optional<std::string> reason = []() -> std::optional<std::string> {
        if (::geteuid() != 0)
            return "needs root: polkitd is started in a private mount namespace and drops to "
                   "its own user";
        if (::access(kPolkitdPath, X_OK) != 0)
            return std::string(kPolkitdPath) + " is not installed (package polkitd)";
        if (::getpwnam("polkitd") == nullptr)
            return std::string("there is no user polkitd (package polkitd)");
        if (::access(kPolkitBusPolicy, R_OK) != 0)
            return std::string(kPolkitBusPolicy) + " is missing (package polkitd)";
        for (const char* dir : {kActionsDir, kEtcRulesDir, kUsrRulesDir}) {
            struct stat st {};
            if (::stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
                return std::string(dir) + " is missing: nothing to bind-mount over";
        }
        if (!can_unshare_mounts())
            return std::string("cannot create a mount namespace (unshare(CLONE_NEWNS) failed)");
        return std::nullopt;
    }();
    return reason;
}

PolkitDaemon::PolkitDaemon(const std::filesystem::path& dir, const std::string& bus_address,
                           const std::vector<PolkitRulesFile>& rules,
                           std::chrono::milliseconds timeout)
    : dir_(dir),
      actions_(dir / "actions"),
      rules_(dir / "rules.d"),
      rules_usr_(dir / "rules-usr.d"),
      log_(dir / "polkitd.log") {
    make_dir(dir_);
    make_dir(actions_);
    make_dir(rules_);
    make_dir(rules_usr_);
    copy_readable(project_policy_file(), actions_ / "org.example.Maintenance1.policy");
    for (const auto& r : rules) {
        write_file(rules_ / r.name, r.text);
        ::chmod((rules_ / r.name).c_str(), 0644);
    }
    if (::access(kStockDefaultRules, R_OK) == 0)
        copy_readable(kStockDefaultRules, rules_usr_ / "50-default.rules");

    // Prepared before fork().
    std::string polkitd = kPolkitdPath;
    std::vector<std::string> argv = {polkitd};
    std::vector<std::string> env = environment_with({{"DBUS_SYSTEM_BUS_ADDRESS", bus_address},
                                                     {"DBUS_SESSION_BUS_ADDRESS", std::nullopt},
                                                     {"NOTIFY_SOCKET", std::nullopt}});
    std::vector<char*> c_argv;
    for (auto& a : argv)
        c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    std::vector<char*> c_env;
    for (auto& e : env)
        c_env.push_back(e.data());
    c_env.push_back(nullptr);
    const std::string actions = actions_.string();
    const std::string rules_etc = rules_.string();
    const std::string rules_usr = rules_usr_.string();

    const int log_fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0)
        throw std::runtime_error("open " + log_.string() + ": " + std::strerror(errno));
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const pid_t parent = ::getpid();
    const auto started = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(log_fd);
        ::close(null_fd);
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(126);
        if (::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0)
            ::_exit(126);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        if (::unshare(CLONE_NEWNS) < 0)
            child_fail("unshare(CLONE_NEWNS)");
        // Nothing mounted here may propagate back to the host's namespace.
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
            child_fail("mount --make-rprivate /");
        if (::mount(actions.c_str(), kActionsDir, nullptr, MS_BIND, nullptr) < 0)
            child_fail("bind-mount the actions directory");
        if (::mount(rules_etc.c_str(), kEtcRulesDir, nullptr, MS_BIND, nullptr) < 0)
            child_fail("bind-mount /etc/polkit-1/rules.d");
        if (::mount(rules_usr.c_str(), kUsrRulesDir, nullptr, MS_BIND, nullptr) < 0)
            child_fail("bind-mount /usr/share/polkit-1/rules.d");
        ::execve(c_argv[0], c_argv.data(), c_env.data());
        child_fail("execve polkitd");
    }
    ::close(log_fd);
    ::close(null_fd);
    pid_ = pid;

    bool exited = false;
    const bool up = wait_until(
        [&] {
            if (!running()) {
                exited = true;
                return true;
            }
            return name_has_owner(bus_address, kPolkitBusName);
        },
        timeout, std::chrono::milliseconds(10));
    startup_ = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (exited || !up) {
        stop();
        throw std::runtime_error(std::string("polkitd did not come up (") +
                                 (exited ? "it exited" : "no bus name after the timeout") +
                                 "); its output:\n" + output());
    }
}

PolkitDaemon::~PolkitDaemon() {
    stop();
}

bool PolkitDaemon::running() {
    if (pid_ <= 0 || reaped_)
        return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        reaped_ = true;
        return false;
    }
    return r == 0;
}

void PolkitDaemon::stop() {
    if (!running())
        return;
    ::kill(pid_, SIGTERM);
    if (!wait_until([&] { return !running(); }, std::chrono::seconds(3),
                    std::chrono::milliseconds(5))) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
    }
}

std::string PolkitDaemon::output() const {
    return read_file(log_);
}

}  // namespace maint::it
