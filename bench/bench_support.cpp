// See bench_support.hpp. The bus configuration and the spawning follow the integration tests'
// harness (tests/integration/harness/private_bus.cpp, process.cpp), trimmed to what the bench
// needs.
#include "bench_support.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

#include "tests/support/private_bus_conf.hpp"

#ifndef MAINT_DBUS_DAEMON
#error "MAINT_DBUS_DAEMON must name the dbus-daemon binary"
#endif
#ifndef MAINT_DBUS_POLICY_DIR
#error "MAINT_DBUS_POLICY_DIR must name the project's dbus/ directory"
#endif

extern char** environ;

namespace maint::bench {
namespace {

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

// Reads one line from `fd` within `timeout`; empty on timeout or EOF.
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

std::string bus_config(const std::filesystem::path& socket, const std::string& extra_policy) {
    // The private bus of the integration tests (scripts/private-bus.conf.in), with the
    // daemon's policy and the bench's own.
    return support::private_bus_conf(socket,
                                     "<includedir>/usr/share/dbus-1/system.d</includedir>\n"
                                     "  <includedir>/etc/dbus-1/system.d</includedir>\n"
                                     "  <includedir>" MAINT_DBUS_POLICY_DIR "</includedir>\n" +
                                         extra_policy);
}

// The number after "Key:" in a /proc status file ("VmRSS:   5120 kB"); -1 when missing.
long status_field(const std::string& status, const std::string& key) {
    std::istringstream in(status);
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, key.size() + 1, key + ":") == 0)
            return std::strtol(line.c_str() + key.size() + 1, nullptr, 10);
    }
    return -1;
}

}  // namespace

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::filesystem::path& file, const std::string& contents) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << contents;
    out.close();
    if (!out)
        throw SetupError("cannot write " + file.string());
}

// ---------------------------------------------------------------------------------------------
// Temp directory and environment

std::filesystem::path default_temp_base() {
    const char* base = std::getenv("TMPDIR");
    return base && *base ? base : "/tmp";
}

TempDir::TempDir(const std::filesystem::path& base, const std::string& prefix, unsigned mode) {
    std::string pattern = (base / (prefix + "XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr)
        throw SetupError(errno_text("mkdtemp " + pattern));
    path_ = pattern;
    ::chmod(path_.c_str(), mode);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::vector<std::string> environment_with(const std::vector<EnvVar>& set,
                                          const std::vector<std::string>& removed) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        const std::string entry = *e;
        const std::string name = entry.substr(0, entry.find('='));
        const bool replaced =
            std::any_of(set.begin(), set.end(), [&](const EnvVar& v) { return v.first == name; });
        if (replaced || std::find(removed.begin(), removed.end(), name) != removed.end())
            continue;
        env.push_back(entry);
    }
    for (const auto& [key, value] : set)
        env.push_back(key + "=" + value);
    return env;
}

// ---------------------------------------------------------------------------------------------
// Child processes

ChildProcess::ChildProcess(std::vector<std::string> argv, std::vector<std::string> env,
                           const std::filesystem::path& log, int pass_fd) {
    // Everything the child touches is prepared before fork(): between fork() and execve() it
    // makes only async-signal-safe calls.
    std::vector<char*> c_argv;
    for (auto& a : argv)
        c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    std::vector<char*> c_env;
    for (auto& e : env)
        c_env.push_back(e.data());
    c_env.push_back(nullptr);

    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (null_fd < 0 || log_fd < 0) {
        const std::string why = errno_text("open " + log.string());
        if (null_fd >= 0)
            ::close(null_fd);
        if (log_fd >= 0)
            ::close(log_fd);
        throw SetupError(why);
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(126);
        // Its own process group: a Ctrl-C at the terminal reaches the bench, which then stops
        // the children itself, in order.
        ::setpgid(0, 0);
        // The passed descriptor is moved above 0..2 first, should it sit there.
        int extra = pass_fd;
        if (extra >= 0 && extra <= 2)
            extra = ::fcntl(extra, F_DUPFD_CLOEXEC, 10);
        if (::dup2(null_fd, 0) != 0 || ::dup2(log_fd, 1) != 1 || ::dup2(log_fd, 2) != 2)
            ::_exit(126);
        if (extra >= 0 && ::dup2(extra, 3) != 3)
            ::_exit(126);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(c_argv[0], c_argv.data(), c_env.data());
        ::_exit(127);
    }
    const int fork_errno = errno;
    ::close(null_fd);
    ::close(log_fd);
    if (pid < 0)
        throw SetupError(std::string("fork: ") + std::strerror(fork_errno));
    pid_ = pid;
}

ChildProcess::~ChildProcess() {
    stop(std::chrono::seconds(5));
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), reaped_(other.reaped_), wait_status_(other.wait_status_) {
    other.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
        stop(std::chrono::seconds(5));
        pid_ = other.pid_;
        reaped_ = other.reaped_;
        wait_status_ = other.wait_status_;
        other.pid_ = -1;
    }
    return *this;
}

bool ChildProcess::running() {
    if (pid_ <= 0 || reaped_)
        return false;
    const pid_t r = ::waitpid(pid_, &wait_status_, WNOHANG);
    if (r == pid_)
        reaped_ = true;
    return r == 0;
}

std::string ChildProcess::describe_exit() const {
    if (!reaped_)
        return {};
    if (WIFEXITED(wait_status_))
        return "exit status " + std::to_string(WEXITSTATUS(wait_status_));
    return "killed by signal " + std::to_string(WTERMSIG(wait_status_));
}

void ChildProcess::stop(std::chrono::milliseconds grace) {
    if (!running())
        return;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid_, SIGKILL);
            while (::waitpid(pid_, &wait_status_, 0) < 0 && errno == EINTR) {
            }
            reaped_ = true;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

// ---------------------------------------------------------------------------------------------
// The private bus

PrivateBus::PrivateBus(const std::filesystem::path& dir, const std::string& extra_policy) {
    const auto socket = dir / "system_bus_socket";
    const auto config = dir / "bus.conf";
    write_file(config, bus_config(socket, extra_policy));

    int address_pipe[2];
    if (::pipe2(address_pipe, O_CLOEXEC) < 0)
        throw SetupError(errno_text("pipe2"));
    try {
        process_ = ChildProcess({MAINT_DBUS_DAEMON, "--config-file=" + config.string(), "--nofork",
                                 "--nopidfile", "--print-address=3"},
                                environment_with({}), dir / "bus.log", address_pipe[1]);
    } catch (...) {
        ::close(address_pipe[0]);
        ::close(address_pipe[1]);
        throw;
    }
    ::close(address_pipe[1]);
    address_ = read_line(address_pipe[0], std::chrono::seconds(10));
    ::close(address_pipe[0]);
    if (address_.empty() || !std::filesystem::exists(socket)) {
        process_.stop(std::chrono::milliseconds(0));
        throw SetupError("dbus-daemon did not start: " + read_file(dir / "bus.log"));
    }
    // "unix:path=...,guid=...": clients need only the path.
    if (auto comma = address_.find(','); comma != std::string::npos)
        address_.resize(comma);
}

// ---------------------------------------------------------------------------------------------
// Pinning and /proc

std::vector<pid_t> thread_ids(pid_t pid) {
    std::vector<pid_t> tids;
    const std::string dir = "/proc/" + std::to_string(pid) + "/task";
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr)
        throw SetupError(errno_text("opendir " + dir));
    while (const dirent* e = ::readdir(d)) {
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
            tids.push_back(static_cast<pid_t>(std::strtol(e->d_name, nullptr, 10)));
    }
    ::closedir(d);
    return tids;
}

std::size_t pin_process(pid_t pid, int cpu) {
    const auto tids = thread_ids(pid);
    for (pid_t tid : tids)
        pin_thread(tid, cpu);
    return tids.size();
}

void pin_thread(pid_t tid, int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (::sched_setaffinity(tid, sizeof set, &set) != 0) {
        throw SetupError(errno_text("sched_setaffinity(" + std::to_string(tid) + ", CPU " +
                                    std::to_string(cpu) + ")"));
    }
}

void pin_current_thread(int cpu) {
    pin_thread(0, cpu);
}

MemoryStatus read_memory(pid_t pid) {
    const std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
    MemoryStatus m;
    m.rss_kb = status_field(status, "VmRSS");
    m.hwm_kb = status_field(status, "VmHWM");
    m.rss_anon_kb = status_field(status, "RssAnon");
    m.rss_file_kb = status_field(status, "RssFile");
    m.rss_shmem_kb = status_field(status, "RssShmem");
    if (m.rss_kb < 0 || m.hwm_kb < 0)
        throw SetupError("cannot read VmRSS/VmHWM of process " + std::to_string(pid));
    return m;
}

std::uint64_t thread_cpu_ns(pid_t pid, pid_t tid) {
    const std::string text =
        read_file("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/schedstat");
    if (text.empty())
        throw SetupError("cannot read the schedstat of thread " + std::to_string(tid));
    return std::strtoull(text.c_str(), nullptr, 10);
}

std::uint64_t process_cpu_ns(pid_t pid) {
    std::uint64_t total = 0;
    for (pid_t tid : thread_ids(pid))
        total += std::strtoull(read_file("/proc/" + std::to_string(pid) + "/task/" +
                                         std::to_string(tid) + "/schedstat")
                                   .c_str(),
                               nullptr, 10);
    return total;
}

std::uint64_t minor_faults(pid_t pid) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    // The command name (field 2) may hold spaces; the fields after its ')' are plain numbers:
    // state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt.
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos)
        throw SetupError("cannot read /proc/" + std::to_string(pid) + "/stat");
    std::istringstream fields(stat.substr(paren + 1));
    std::string field;
    for (int i = 0; i < 8 && fields >> field; ++i) {
    }
    return std::strtoull(field.c_str(), nullptr, 10);
}

std::uint64_t context_switches(pid_t pid) {
    std::uint64_t total = 0;
    for (pid_t tid : thread_ids(pid)) {
        const std::string status =
            read_file("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/status");
        const long voluntary = status_field(status, "voluntary_ctxt_switches");
        const long nonvoluntary = status_field(status, "nonvoluntary_ctxt_switches");
        // A thread that ended between the listing and the read has no status: skip it.
        if (voluntary >= 0 && nonvoluntary >= 0)
            total += static_cast<std::uint64_t>(voluntary + nonvoluntary);
    }
    return total;
}

std::optional<std::size_t> parse_count(const std::string& text) {
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::string format_mb(long kb) {
    if (kb < 0)
        return "n/a";
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(kb) / 1024.0);
    return text;
}

long status_field(pid_t pid, const char* key) {
    std::ifstream in(pid == 0 ? std::string("/proc/self/status")
                              : "/proc/" + std::to_string(pid) + "/status");
    std::string line;
    const std::string prefix = std::string(key) + ":";
    while (std::getline(in, line)) {
        if (line.compare(0, prefix.size(), prefix) == 0)
            return std::strtol(line.c_str() + prefix.size(), nullptr, 10);
    }
    return -1;
}

}  // namespace maint::bench
