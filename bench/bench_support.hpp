// What the read-path benchmark needs around the code it measures: a temp directory, child
// processes that die with the bench, a private system bus, CPU pinning and /proc readings.
// Self-contained on purpose: the integration-test harness is not built when tests are off.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace maint::bench {

// The bench could not set up what it measures: it exits non-zero, unlike a target not met.
class SetupError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

std::string read_file(const std::filesystem::path& file);
void write_file(const std::filesystem::path& file, const std::string& contents);

// "<base>/<prefix>XXXXXX", removed with everything in it when the object goes.
class TempDir {
  public:
    TempDir(const std::filesystem::path& base, const std::string& prefix, unsigned mode);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

// $TMPDIR, or /tmp.
std::filesystem::path default_temp_base();

// The current environment with the `set` variables set and the `removed` ones taken out.
using EnvVar = std::pair<std::string, std::string>;
std::vector<std::string> environment_with(const std::vector<EnvVar>& set,
                                          const std::vector<std::string>& removed = {});

// A child process: stdout and stderr appended to `log`, stdin /dev/null, SIGKILLed if the bench
// dies (PR_SET_PDEATHSIG), stopped and reaped when the object goes.
class ChildProcess {
  public:
    ChildProcess() = default;
    // `pass_fd` (if >= 0) becomes the child's descriptor 3.
    ChildProcess(std::vector<std::string> argv, std::vector<std::string> env,
                 const std::filesystem::path& log, int pass_fd = -1);
    ~ChildProcess();
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    // False once the process has ended (and then it is reaped).
    bool running();
    // "exit status 1", "killed by signal 9"; empty while it runs.
    std::string describe_exit() const;
    // SIGTERM, then SIGKILL after `grace`.
    void stop(std::chrono::milliseconds grace);

  private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    int wait_status_ = 0;
};

// A private bus of the system type: dbus-daemon on <dir>/system_bus_socket with the stock
// system policy, the distribution's policy directories, the project's dbus/ directory (root may
// own org.example.Maintenance1) and `extra_policy` (XML inserted into <busconfig>).
class PrivateBus {
  public:
    PrivateBus(const std::filesystem::path& dir, const std::string& extra_policy);
    const std::string& address() const { return address_; }
    pid_t pid() const { return process_.pid(); }

  private:
    std::string address_;
    ChildProcess process_;
};

// The threads of `pid` (/proc/PID/task).
std::vector<pid_t> thread_ids(pid_t pid);
// sched_setaffinity on every thread of `pid` (as taskset -a -p does); returns how many.
std::size_t pin_process(pid_t pid, int cpu);
void pin_thread(pid_t tid, int cpu);
void pin_current_thread(int cpu);

// A whole non-negative decimal number, or nullopt (for the command-line options).
std::optional<std::size_t> parse_count(const std::string& text);
// "12.3 MB" for a size in kB; "n/a" for a negative one (unknown).
std::string format_mb(long kb);
// The number in one field of /proc/PID/status ("Threads", "VmHWM", ...), or -1; pid 0 is
// this process.
long status_field(pid_t pid, const char* key);

// Fields of /proc/PID/status, in kB.
struct MemoryStatus {
    long rss_kb = -1;
    long hwm_kb = -1;
    long rss_anon_kb = -1;
    long rss_file_kb = -1;
    long rss_shmem_kb = -1;
};
MemoryStatus read_memory(pid_t pid);

// Time on a CPU in ns (/proc/.../schedstat, first field): of one thread, or summed over every
// thread of `pid`. Unlike wall time it does not grow while other tasks hold the CPU.
std::uint64_t thread_cpu_ns(pid_t pid, pid_t tid);
std::uint64_t process_cpu_ns(pid_t pid);

// Minor page faults of the whole process so far (/proc/PID/stat, field 10).
std::uint64_t minor_faults(pid_t pid);

// voluntary_ctxt_switches + nonvoluntary_ctxt_switches summed over every thread of `pid`.
std::uint64_t context_switches(pid_t pid);

}  // namespace maint::bench
