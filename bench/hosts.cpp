// maint_bench_hosts: flipping a fleet of command hosts into maintenance with SystemHosts::flip,
// the daemon's own code (daemon/system/hosts.cpp and child_process.cpp), driven directly on one
// boost::asio::io_context in this process: no D-Bus, no daemon process, no planner. Every host's
// EnterCommand takes --command-ms; at most --parallel run at once. It prints the wall time from
// the flip() call to its `done` against the ideal ceil(hosts / parallel) x command time, the
// most commands seen running at once (counted by the commands themselves in a shared counter,
// and sampled from /proc), this process's thread count while flipping, its peak RSS and its CPU
// time per host; with two baselines in the same run (every host at once, and one at a time on
// fewer hosts) and two commands (a tiny counting program, and /bin/sleep). Then (or alone, with
// --through-daemon) the same fleet through the real maintenanced on a private bus: ScheduleWindow
// and Start over D-Bus, timed to the last HostStateChanged, with the daemon's threads, peak RSS
// and CPU. A target not met is a finding, not a failure: exit 0 once measured, 1 when the setup
// failed, 2 on a usage error, 130 when interrupted.
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sdbus-c++/sdbus-c++.h>
#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "common/bus_names.hpp"
#include "config/config.hpp"
#include "core/errors.hpp"
#include "system/hosts.hpp"

#ifndef MAINT_HOST_COMMAND_PATH
#error "MAINT_HOST_COMMAND_PATH must name the maint_bench_host_command binary"
#endif
#ifndef MAINT_DAEMON_PATH
#error "MAINT_DAEMON_PATH must name the maintenanced binary"
#endif

extern char** environ;

namespace {

using namespace maint::bench;
using Clock = std::chrono::steady_clock;

// The targets of issue 6, item 4.
constexpr double kRatioTarget = 1.2;
// How often the loop samples /proc and the counter while flipping (on the loop itself: a
// sampling thread would be counted as one of ours).
constexpr auto kSamplePeriod = std::chrono::milliseconds(5);
// The scaled serial baseline: one host at a time, on at most this many hosts.
constexpr std::size_t kSerialHosts = 20;
// systemd's default soft limit on open files for a service (DefaultLimitNOFILE=1024:524288).
constexpr rlim_t kServiceNofile = 1024;

struct Options {
    std::size_t hosts = 1000;
    unsigned parallel = 64;
    unsigned command_ms = 100;
    std::size_t rounds = 3;
    bool direct = true;  // SystemHosts::flip in this process
    bool daemon = true;  // through the real maintenanced on a private bus
};

void usage(std::FILE* out) {
    std::fprintf(
        out,
        "Usage: maint_bench_hosts [OPTIONS]\n"
        "\n"
        "Flips HOSTS command hosts into maintenance with SystemHosts::flip, the daemon's code,\n"
        "on one io_context in this process (no D-Bus, no daemon). Each EnterCommand takes\n"
        "COMMAND-MS; at most PARALLEL run at once (MaxParallelHosts). Prints the wall time\n"
        "against ceil(HOSTS/PARALLEL) x COMMAND-MS, the most commands running at once, this\n"
        "process's thread count while flipping, its peak RSS and CPU per host; baselines in\n"
        "the same run: PARALLEL=HOSTS, and PARALLEL=1 on min(HOSTS, %zu) hosts. Two commands:\n"
        "%s (counts itself, then sleeps)\n"
        "and /bin/sleep. Exit 0 when measured (targets met or not), 1 when the setup failed,\n"
        "2 on a usage error, 130 when interrupted.\n"
        "\n"
        "Then, through the daemon: a private dbus-daemon and the real maintenanced\n"
        "(%s) with HOSTS command hosts and MaxParallelHosts=PARALLEL;\n"
        "ScheduleWindow, then the window's Start; the time from just before Start to the\n"
        "last HostStateChanged \"maintenance\", the daemon's threads and VmHWM.\n"
        "\n"
        "  --through-daemon only the run through the daemon\n"
        "  --no-daemon      only the in-process measurements\n"
        "  --hosts N        hosts flipped (default 1000)\n"
        "  --parallel N     MaxParallelHosts (default 64)\n"
        "  --command-ms N   how long each EnterCommand takes (default 100)\n"
        "  --rounds N       rounds of every scenario, interleaved; medians shown (default 3)\n"
        "  -h, --help       this help\n",
        kSerialHosts, MAINT_HOST_COMMAND_PATH, MAINT_DAEMON_PATH);
}

std::optional<Options> parse_arguments(int argc, char** argv, int& exit_code) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            usage(stdout);
            exit_code = 0;
            return std::nullopt;
        }
        if (arg == "--through-daemon") {
            o.direct = false;
            o.daemon = true;
            continue;
        }
        if (arg == "--no-daemon") {
            o.direct = true;
            o.daemon = false;
            continue;
        }
        std::string value;
        if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg.resize(eq);
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            value = "(missing)";
        }
        auto bad = [&](const char* why) {
            std::fprintf(stderr, "maint_bench_hosts: %s %s: %s\n", arg.c_str(), value.c_str(), why);
            usage(stderr);
            exit_code = 2;
            return std::nullopt;
        };
        if (arg != "--hosts" && arg != "--parallel" && arg != "--command-ms" && arg != "--rounds") {
            std::fprintf(stderr, "maint_bench_hosts: unknown option '%s'\n", arg.c_str());
            usage(stderr);
            exit_code = 2;
            return std::nullopt;
        }
        const auto number = parse_count(value);
        if (!number)
            return bad("expected a non-negative integer");
        if (arg == "--hosts") {
            if (*number == 0 || *number > 100'000)
                return bad("1 to 100000");
            o.hosts = *number;
        } else if (arg == "--parallel") {
            if (*number == 0 || *number > 100'000)
                return bad("1 to 100000");
            o.parallel = static_cast<unsigned>(*number);
        } else if (arg == "--command-ms") {
            if (*number == 0 || *number > 60'000)
                return bad("1 to 60000");
            o.command_ms = static_cast<unsigned>(*number);
        } else {
            if (*number == 0 || *number > 100)
                return bad("1 to 100");
            o.rounds = *number;
        }
    }
    return o;
}

volatile sig_atomic_t g_interrupted = 0;

void on_interrupt(int) {
    g_interrupted = 1;
}

// ---------------------------------------------------------------------------------------------
// What the bench reads about itself

// The number after "Key:" in /proc/self/status; -1 when missing.
// Children of this process's main thread, the one that spawns them (/proc/.../children).
long child_count() {
    static const std::string path = "/proc/self/task/" + std::to_string(::getpid()) + "/children";
    std::ifstream in(path);
    long n = 0;
    std::string pid;
    while (in >> pid)
        ++n;
    return n;
}

// Resets VmHWM to the current RSS (Linux >= 4.0), so that each scenario's peak is its own.
bool reset_peak_rss() {
    const int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = ::write(fd, "5", 1) == 1;
    ::close(fd);
    return ok;
}

double cpu_seconds(int who) {
    rusage u{};
    ::getrusage(who, &u);
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

double thread_cpu_seconds() {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + t.tv_nsec / 1e9;
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

// The shared counter maint_bench_host_command keeps (host_command.cpp, Counter).
struct HostCounter {
    int running;
    int most_running;
    int started;
    int finished;
};

class CounterFile {
  public:
    explicit CounterFile(const std::filesystem::path& file) : path_(file) {
        const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            throw SetupError("cannot create " + file.string() + ": " + std::strerror(errno));
        if (::ftruncate(fd, 4096) != 0) {
            ::close(fd);
            throw SetupError("cannot size " + file.string() + ": " + std::strerror(errno));
        }
        void* map = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        ::close(fd);
        if (map == MAP_FAILED)
            throw SetupError("cannot map " + file.string() + ": " + std::strerror(errno));
        counter_ = static_cast<HostCounter*>(map);
    }
    ~CounterFile() { ::munmap(counter_, 4096); }
    CounterFile(const CounterFile&) = delete;
    CounterFile& operator=(const CounterFile&) = delete;

    const std::filesystem::path& path() const { return path_; }
    void reset() {
        __atomic_store_n(&counter_->running, 0, __ATOMIC_SEQ_CST);
        __atomic_store_n(&counter_->most_running, 0, __ATOMIC_SEQ_CST);
        __atomic_store_n(&counter_->started, 0, __ATOMIC_SEQ_CST);
        __atomic_store_n(&counter_->finished, 0, __ATOMIC_SEQ_CST);
    }
    int running() const { return __atomic_load_n(&counter_->running, __ATOMIC_SEQ_CST); }
    int most_running() const { return __atomic_load_n(&counter_->most_running, __ATOMIC_SEQ_CST); }
    int started() const { return __atomic_load_n(&counter_->started, __ATOMIC_SEQ_CST); }

  private:
    std::filesystem::path path_;
    HostCounter* counter_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// One scenario: a fleet, a limit, a command

enum class Command { Counting, Sleep };

struct Scenario {
    std::string label;
    std::size_t hosts;
    unsigned parallel;
    Command command;
    std::optional<rlim_t> nofile;  // a lower soft RLIMIT_NOFILE for this scenario
};

struct Result {
    double wall_s = 0;
    double flip_call_ms = 0;  // the synchronous part of flip(): validation, queueing, 1st spawns
    std::size_t ok = 0;
    std::size_t failed = 0;
    std::string first_failure;
    int most_running_counted = -1;  // by the commands; -1 for /bin/sleep
    int started_counted = -1;
    long most_children_sampled = 0;
    long threads_min = -1;
    long threads_max = -1;
    std::size_t samples = 0;
    double max_loop_lag_ms = 0;
    long rss_before_kb = -1;
    long hwm_kb = -1;
    double self_cpu_s = 0;  // without the sampler's own
    double sampler_cpu_s = 0;
    double children_cpu_s = 0;
};

std::vector<maint::HostConfig> fleet(std::size_t count, const std::vector<std::string>& enter) {
    std::vector<maint::HostConfig> hosts;
    hosts.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "host-%05zu", i + 1);
        maint::HostConfig h;
        h.name = name;
        h.backend = maint::HostBackend::Command;
        h.enter_command = enter;
        h.leave_command = enter;
        h.timeout_usec = 60 * maint::kUsecPerSec;
        hosts.push_back(std::move(h));
    }
    return hosts;
}

std::string sleep_argument(unsigned ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%u.%03u", ms / 1000, ms % 1000);
    return text;
}

Result run_scenario(const Scenario& s, const Options& options, CounterFile& counter) {
    const std::vector<std::string> enter =
        s.command == Command::Counting
            ? std::vector<std::string>{MAINT_HOST_COMMAND_PATH, counter.path().string(),
                                       std::to_string(options.command_ms), "%h"}
            : std::vector<std::string>{"/bin/sleep", sleep_argument(options.command_ms)};
    std::vector<maint::HostConfig> hosts = fleet(s.hosts, enter);
    std::vector<std::string> names;
    names.reserve(hosts.size());
    for (const auto& h : hosts)
        names.push_back(h.name);
    counter.reset();

    rlimit saved_nofile{};
    if (s.nofile) {
        ::getrlimit(RLIMIT_NOFILE, &saved_nofile);
        rlimit lower = saved_nofile;
        lower.rlim_cur = std::min(*s.nofile, saved_nofile.rlim_max);
        if (::setrlimit(RLIMIT_NOFILE, &lower) != 0)
            throw SetupError(std::string("setrlimit(RLIMIT_NOFILE): ") + std::strerror(errno));
    }

    Result r;
    boost::asio::io_context io;
    maint::SystemHosts fleet_under_test(io, std::move(hosts), s.parallel);
    boost::asio::steady_timer sampler(io);
    bool done = false;

    auto sample = [&] {
        const double cpu_begin = thread_cpu_seconds();
        const long threads = status_field(0, "Threads");
        r.threads_min = r.threads_min < 0 ? threads : std::min(r.threads_min, threads);
        r.threads_max = std::max(r.threads_max, threads);
        r.most_children_sampled = std::max(r.most_children_sampled, child_count());
        ++r.samples;
        r.sampler_cpu_s += thread_cpu_seconds() - cpu_begin;
    };
    std::function<void(Clock::time_point)> arm = [&](Clock::time_point when) {
        sampler.expires_at(when);
        sampler.async_wait([&, when](const boost::system::error_code& ec) {
            if (ec || done)
                return;
            const double lag =
                std::chrono::duration<double, std::milli>(Clock::now() - when).count();
            r.max_loop_lag_ms = std::max(r.max_loop_lag_ms, lag);
            sample();
            arm(std::max(when + kSamplePeriod, Clock::now()));
        });
    };

    ::malloc_trim(0);
    const bool peak_reset = reset_peak_rss();
    r.rss_before_kb = status_field(0, "VmRSS");
    const double self_before = cpu_seconds(RUSAGE_SELF);
    const double children_before = cpu_seconds(RUSAGE_CHILDREN);
    const auto begin = Clock::now();
    Clock::time_point end;
    maint::HostFleet::FlipCallbacks callbacks;
    callbacks.each = [&](const maint::HostFlip& flip) {
        if (flip.ok) {
            ++r.ok;
        } else {
            if (r.failed++ == 0)
                r.first_failure = flip.message;
        }
    };
    callbacks.done = [&] {
        end = Clock::now();
        done = true;
        sample();
        sampler.cancel();
    };
    fleet_under_test.flip(names, true, maint::FlipContext{1, "bench"}, std::move(callbacks));
    r.flip_call_ms = std::chrono::duration<double, std::milli>(Clock::now() - begin).count();
    sample();  // right after the first spawns, before the loop runs
    if (!done)
        arm(Clock::now() + kSamplePeriod);
    io.run();
    r.self_cpu_s = cpu_seconds(RUSAGE_SELF) - self_before - r.sampler_cpu_s;
    r.children_cpu_s = cpu_seconds(RUSAGE_CHILDREN) - children_before;
    r.hwm_kb = peak_reset ? status_field(0, "VmHWM") : -1;
    if (s.nofile)
        ::setrlimit(RLIMIT_NOFILE, &saved_nofile);
    if (!done)
        throw SetupError(s.label + ": the loop ran out of work before flip() said done");
    r.wall_s = std::chrono::duration<double>(end - begin).count();
    if (s.command == Command::Counting) {
        r.most_running_counted = counter.most_running();
        r.started_counted = counter.started();
    }
    return r;
}

// ---------------------------------------------------------------------------------------------
// The floor: what starting a process costs on this machine right now, without Asio or
// SystemHosts. The loop starts its commands one after the other, and posix_spawn returns only
// once the child has exec'd (CLONE_VFORK), so no flip of N hosts can take less than N times
// this, whatever the parallelism.

constexpr std::size_t kFloorSpawns = 100;

struct Floor {
    double spawn_ms = 0;       // median posix_spawn call
    double parent_cpu_ms = 0;  // this process's CPU per start (RUSAGE_SELF)
    double child_cpu_ms = 0;   // the child's CPU from clone to exit (RUSAGE_CHILDREN)
};

Floor spawn_floor(const std::vector<std::string>& command) {
    std::vector<char*> args;
    std::vector<std::string> words = command;
    for (auto& w : words)
        args.push_back(w.data());
    args.push_back(nullptr);
    // Set up as ChildProcess::run sets up every command (daemon/system/child_process.cpp):
    // stdin /dev/null, stdout and stderr a pipe, every signal at its default, an empty mask,
    // its own process group. Only the pipe's read end, the pidfd and the loop are left out.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
    std::vector<double> calls;
    std::vector<pid_t> pids;
    const double self_before = cpu_seconds(RUSAGE_SELF);
    const double children_before = cpu_seconds(RUSAGE_CHILDREN);
    for (std::size_t i = 0; i < kFloorSpawns; ++i) {
        pid_t pid = -1;
        const auto begin = Clock::now();
        int pipefd[2];
        if (::pipe2(pipefd, O_CLOEXEC) != 0)
            throw SetupError(std::string("pipe2: ") + std::strerror(errno));
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDERR_FILENO);
        const int e = ::posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(pipefd[0]);
        ::close(pipefd[1]);
        calls.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
        if (e != 0) {
            posix_spawnattr_destroy(&attr);
            for (const pid_t p : pids)
                ::waitpid(p, nullptr, 0);
            throw SetupError("posix_spawn " + command[0] + ": " + std::strerror(e));
        }
        pids.push_back(pid);
    }
    posix_spawnattr_destroy(&attr);
    for (const pid_t p : pids)
        ::waitpid(p, nullptr, 0);
    const double n = static_cast<double>(kFloorSpawns);
    std::sort(calls.begin(), calls.end());
    return {calls[calls.size() / 2], (cpu_seconds(RUSAGE_SELF) - self_before) * 1000.0 / n,
            (cpu_seconds(RUSAGE_CHILDREN) - children_before) * 1000.0 / n};
}

// ---------------------------------------------------------------------------------------------
// Reporting

template <class T>
T median_of(std::vector<T> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double ideal_seconds(const Scenario& s, const Options& o) {
    const double waves = std::ceil(static_cast<double>(s.hosts) / s.parallel);
    return waves * o.command_ms / 1000.0;
}

int run_direct(const Options& options) {
    const auto run_begin = Clock::now();
    const long threads_at_start = status_field(0, "Threads");
    const std::filesystem::path shm = "/dev/shm";
    TempDir dir(std::filesystem::is_directory(shm) ? shm : default_temp_base(),
                "maint-bench-hosts.", 0755);
    CounterFile counter(dir.path() / "counter");
    if (::access(MAINT_HOST_COMMAND_PATH, X_OK) != 0)
        throw SetupError(std::string("cannot run ") + MAINT_HOST_COMMAND_PATH);
    if (::access("/bin/sleep", X_OK) != 0)
        throw SetupError("cannot run /bin/sleep");
    rlimit nofile{};
    ::getrlimit(RLIMIT_NOFILE, &nofile);

    const std::size_t serial_hosts = std::min(options.hosts, kSerialHosts);
    const std::string n = std::to_string(options.hosts);
    const std::string p = std::to_string(options.parallel);
    std::vector<Scenario> scenarios;
    for (const Command c : {Command::Counting, Command::Sleep}) {
        const std::string cmd = c == Command::Counting ? "counter" : "sleep";
        scenarios.push_back({cmd + ": " + n + " hosts, parallel " + p, options.hosts,
                             options.parallel, c, std::nullopt});
        scenarios.push_back({cmd + ": " + n + " hosts, parallel " + n + " (all at once)",
                             options.hosts, static_cast<unsigned>(options.hosts), c, std::nullopt});
        scenarios.push_back({cmd + ": " + std::to_string(serial_hosts) + " hosts, parallel 1",
                             serial_hosts, 1, c, std::nullopt});
    }
    // What the daemon meets as a systemd service that does not raise its limit: every running
    // command holds two descriptors (its output pipe and its pidfd).
    if (nofile.rlim_cur > kServiceNofile && options.hosts * 2 + 16 > kServiceNofile) {
        scenarios.push_back({"counter: " + n + " hosts, parallel " + n + ", nofile " +
                                 std::to_string(kServiceNofile),
                             options.hosts, static_cast<unsigned>(options.hosts), Command::Counting,
                             kServiceNofile});
    }

    std::printf(
        "maint_bench_hosts: SystemHosts::flip (daemon/system/hosts.cpp, the daemon's code) driven\n"
        "directly on one boost::asio::io_context in this process: no D-Bus, no daemon\n");
    std::printf("  counter  %s COUNTER %u %%h: counts itself in a shared file, sleeps %u ms\n",
                MAINT_HOST_COMMAND_PATH, options.command_ms, options.command_ms);
    std::printf("  sleep    /bin/sleep %s\n", sleep_argument(options.command_ms).c_str());
    std::printf(
        "  machine  %ld CPUs online, load average %s; RLIMIT_NOFILE soft %llu; this process "
        "has %ld thread%s\n",
        ::sysconf(_SC_NPROCESSORS_ONLN), load_average().c_str(),
        static_cast<unsigned long long>(nofile.rlim_cur), threads_at_start,
        threads_at_start == 1 ? "" : "s");
    std::printf(
        "  rounds   %zu, scenarios interleaved; each figure is the median (min-max) of the "
        "rounds\n",
        options.rounds);
    std::fflush(stdout);

    const std::vector<std::string> counter_now = {MAINT_HOST_COMMAND_PATH, counter.path().string(),
                                                  "0", "floor"};
    const std::vector<std::string> sleep_now = {"/bin/sleep", "0"};
    std::vector<std::vector<Result>> results(scenarios.size());
    std::vector<double> floor_counter, floor_sleep;
    std::vector<Floor> floors_counter, floors_sleep;
    for (std::size_t round = 0; round < options.rounds; ++round) {
        floors_counter.push_back(spawn_floor(counter_now));
        floors_sleep.push_back(spawn_floor(sleep_now));
        floor_counter.push_back(floors_counter.back().spawn_ms);
        floor_sleep.push_back(floors_sleep.back().spawn_ms);
        for (std::size_t i = 0; i < scenarios.size(); ++i) {
            if (g_interrupted)
                return 130;
            results[i].push_back(run_scenario(scenarios[i], options, counter));
        }
        std::printf("  round %zu done\n", round + 1);
        std::fflush(stdout);
    }

    const double spawn_counter_ms = median_of(floor_counter);
    const double spawn_sleep_ms = median_of(floor_sleep);
    std::printf(
        "\nprocess start, without Asio or SystemHosts (%zu posix_spawn calls in a row, set up as "
        "ChildProcess does;\nmedian of each call; over the rounds: median (min-max))\n",
        kFloorSpawns);
    auto floor_line = [](const char* name, const std::vector<double>& calls,
                         const std::vector<Floor>& floors) {
        std::vector<double> parent, child;
        for (const auto& f : floors) {
            parent.push_back(f.parent_cpu_ms * 1000.0);
            child.push_back(f.child_cpu_ms * 1000.0);
        }
        std::printf(
            "  %-8s posix_spawn call %.2f ms (%.2f-%.2f); CPU per start: this process %.0f us, "
            "the child %.0f us\n",
            name, median_of(calls), *std::min_element(calls.begin(), calls.end()),
            *std::max_element(calls.begin(), calls.end()), median_of(parent), median_of(child));
    };
    floor_line("counter", floor_counter, floors_counter);
    floor_line("sleep", floor_sleep, floors_sleep);

    std::printf("\ntime (wall from flip() to its done; ideal = ceil(hosts/parallel) x %u ms)\n",
                options.command_ms);
    std::printf("  %-46s %7s %20s %7s %8s %8s %9s %9s %8s\n", "", "ideal s", "wall s (min-max)",
                "ratio", "floor s", "/bound", "per wave", "flip() ms", "lag ms");
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
        const auto& s = scenarios[i];
        std::vector<double> walls, calls, lags;
        for (const auto& r : results[i]) {
            walls.push_back(r.wall_s);
            calls.push_back(r.flip_call_ms);
            lags.push_back(r.max_loop_lag_ms);
        }
        const double ideal = ideal_seconds(s, options);
        const double wall = median_of(walls);
        const double waves = std::ceil(static_cast<double>(s.hosts) / s.parallel);
        char range[40];
        std::snprintf(range, sizeof range, "%.3f (%.3f-%.3f)", wall,
                      *std::min_element(walls.begin(), walls.end()),
                      *std::max_element(walls.begin(), walls.end()));
        const double floor_s =
            static_cast<double>(s.hosts) *
            (s.command == Command::Counting ? spawn_counter_ms : spawn_sleep_ms) / 1000.0;
        std::printf("  %-46s %7.3f %20s %6.2fx %8.3f %7.2fx %6.2f ms %9.1f %8.1f\n",
                    s.label.c_str(), ideal, range, wall / ideal, floor_s,
                    wall / std::max(ideal, floor_s), (wall - ideal) * 1000.0 / waves,
                    median_of(calls), *std::max_element(lags.begin(), lags.end()));
    }
    std::printf(
        "  floor s: hosts x the process start above, the least any one loop can take;\n"
        "  /bound: wall / max(ideal, floor);\n"
        "  per wave: (wall - ideal) / waves, what each slot loses between commands;\n"
        "  flip() ms: the synchronous call (checks, queueing, the first spawns), median;\n"
        "  lag ms: the worst lateness of a %lld ms timer on the same loop, over the rounds\n",
        static_cast<long long>(kSamplePeriod.count()));

    std::printf("\nresources (this process; threads sampled on the loop every %lld ms)\n",
                static_cast<long long>(kSamplePeriod.count()));
    std::printf("  %-46s %9s %9s %7s %11s %11s %10s %9s\n", "", "most run", "children", "threads",
                "VmHWM", "HWM-RSS0", "CPU us/h", "child us");
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
        const auto& s = scenarios[i];
        int counted = -1;
        long children = 0, threads_min = 1 << 30, threads_max = 0, hwm = -1, growth = -1;
        std::vector<double> cpu, child_cpu;
        for (const auto& r : results[i]) {
            counted = std::max(counted, r.most_running_counted);
            children = std::max(children, r.most_children_sampled);
            threads_min = std::min(threads_min, r.threads_min);
            threads_max = std::max(threads_max, r.threads_max);
            if (r.hwm_kb >= 0) {
                hwm = std::max(hwm, r.hwm_kb);
                growth = std::max(growth, r.hwm_kb - r.rss_before_kb);
            }
            cpu.push_back(r.self_cpu_s * 1e6 / static_cast<double>(s.hosts));
            child_cpu.push_back(r.children_cpu_s * 1e6 / static_cast<double>(s.hosts));
        }
        char threads[16];
        if (threads_min == threads_max)
            std::snprintf(threads, sizeof threads, "%ld", threads_max);
        else
            std::snprintf(threads, sizeof threads, "%ld-%ld", threads_min, threads_max);
        std::printf("  %-46s %9s %9ld %7s %11s %11s %10.0f %9.0f\n", s.label.c_str(),
                    counted < 0 ? "-" : std::to_string(counted).c_str(), children, threads,
                    format_mb(hwm).c_str(), format_mb(growth).c_str(), median_of(cpu),
                    median_of(child_cpu));
    }
    std::printf(
        "  most run: the most commands running at once, counted by the commands (max over "
        "rounds);\n"
        "  children: the most children of this process seen in /proc at a sample (a lower "
        "bound);\n"
        "  threads: Threads: of /proc/self/status at every sample (at start: %ld);\n"
        "  VmHWM: peak RSS, reset before each scenario (clear_refs 5); HWM-RSS0: its growth in "
        "it;\n"
        "  CPU us/h: getrusage(RUSAGE_SELF) per host, median, less the sampler's own; child us:\n"
        "  RUSAGE_CHILDREN per host\n",
        threads_at_start);

    bool any_failed = false;
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
        std::size_t failed = 0;
        std::string first;
        for (const auto& r : results[i]) {
            if (r.failed > 0 && first.empty())
                first = r.first_failure;
            failed += r.failed;
        }
        if (failed > 0) {
            if (!any_failed)
                std::printf("\nhosts that failed\n");
            any_failed = true;
            std::printf("  %-46s %zu of %zu over the rounds; first: %s\n",
                        scenarios[i].label.c_str(), failed, scenarios[i].hosts * options.rounds,
                        first.c_str());
        }
    }

    const auto& headline = results[0];
    std::vector<double> walls;
    int counted = 0;
    long threads_max = 0;
    std::size_t failed = 0;
    for (const auto& r : headline) {
        walls.push_back(r.wall_s);
        counted = std::max(counted, r.most_running_counted);
        threads_max = std::max(threads_max, r.threads_max);
        failed += r.failed;
    }
    const double ratio = median_of(walls) / ideal_seconds(scenarios[0], options);
    long threads_all_at_once = 0;
    for (const auto& r : results[1])
        threads_all_at_once = std::max(threads_all_at_once, r.threads_max);
    auto verdict = [](bool met) { return met ? "met" : "NOT met"; };
    std::printf("\nverdict (%s)\n", scenarios[0].label.c_str());
    std::printf(
        "  wall / ideal = %.2fx, target <= %.1fx: %s (continuous ideal %zu/%u x %u ms = "
        "%.3f s: %.2fx)\n",
        ratio, kRatioTarget, verdict(ratio <= kRatioTarget), options.hosts, options.parallel,
        options.command_ms,
        static_cast<double>(options.hosts) / options.parallel * options.command_ms / 1000.0,
        median_of(walls) /
            (static_cast<double>(options.hosts) / options.parallel * options.command_ms / 1000.0));
    {
        std::vector<double> per_start;
        for (const auto& f : floors_counter)
            per_start.push_back(f.parent_cpu_ms + f.child_cpu_ms);
        const double cpus = static_cast<double>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
        const double cpu_floor =
            static_cast<double>(options.hosts) * median_of(per_start) / 1000.0 / cpus;
        std::printf(
            "  process start alone: %zu x %.2f ms of CPU (parent + child) / %.0f CPUs = %.3f s "
            "= %.2fx the ideal,\n  even with every CPU free; wall / max(ideal, that) = %.2fx\n",
            options.hosts, median_of(per_start), cpus, cpu_floor,
            cpu_floor / ideal_seconds(scenarios[0], options),
            median_of(walls) / std::max(cpu_floor, ideal_seconds(scenarios[0], options)));
    }
    std::printf("  most running at once = %d, limit %u: %s\n", counted, options.parallel,
                verdict(counted <= static_cast<int>(options.parallel)));
    std::printf(
        "  threads while flipping = %ld (%ld with %zu at once; %ld at start): %s\n", threads_max,
        threads_all_at_once, options.hosts, threads_at_start,
        verdict(threads_max == threads_at_start && threads_all_at_once == threads_at_start));
    std::printf("  hosts that failed = %zu: %s\n", failed, verdict(failed == 0));
    std::printf("\ntotal run %.1f s\n",
                std::chrono::duration<double>(Clock::now() - run_begin).count());
    std::fflush(stdout);
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Through the daemon: the real maintenanced on a private bus, driven by D-Bus calls as a user
// would drive it. What it measures includes what the in-process run leaves out: the planner,
// the signals, the log writes and the store's saves.

constexpr const char* kDaemonName = maint::names::kBusName;
constexpr const char* kManagerPath = maint::names::kManagerPath;
constexpr const char* kManagerInterface = maint::names::kManagerInterface;
constexpr const char* kWindowInterface = maint::names::kWindowInterface;
constexpr auto kDaemonStartTimeout = std::chrono::seconds(30);
// Start runs the prechecks and may answer only once the flip is under way or done.
constexpr auto kStartCallTimeout = std::chrono::minutes(5);
// The most the bench waits for the last HostStateChanged after Start returned.
constexpr auto kFlipTimeout = std::chrono::minutes(10);
constexpr std::uint64_t kHostTimeoutSec = 120;

std::string daemon_host_name(std::size_t i) {
    char name[32];
    std::snprintf(name, sizeof name, "h%04zu", i);
    return name;
}

std::string daemon_config(const Options& o, const std::filesystem::path& state,
                          const std::filesystem::path& run, const std::filesystem::path& counter) {
    // Scheduler=internal: no systemd here. No mail, wall or motd: nothing outside the temp dirs
    // is touched.
    std::string text =
        "# Written by maint_bench_hosts.\n[Daemon]\nStateDirectory=" + state.string() +
        "\nRuntimeDirectory=" + run.string() +
        "\nScheduler=internal\nMaxParallelHosts=" + std::to_string(o.parallel) +
        "\n\n[Notify]\nSendmail=\nWall=no\nMotd=no\n";
    const std::string enter = std::string("EnterCommand=") + MAINT_HOST_COMMAND_PATH + " " +
                              counter.string() + " " + std::to_string(o.command_ms) + " %h\n";
    for (std::size_t i = 0; i < o.hosts; ++i) {
        text += "\n[Host " + daemon_host_name(i) + "]\nBackend=command\n" + enter +
                "LeaveCommand=/bin/true\nTimeoutSec=" + std::to_string(kHostTimeoutSec) + "\n";
    }
    return text;
}

// A non-root user may own and call the daemon's name on the private bus (the shipped policy
// gives it to root only).
std::string daemon_bus_policy() {
    if (::getuid() == 0)
        return {};
    return "  <policy user=\"" + std::to_string(::getuid()) + "\">\n    <allow own=\"" +
           kDaemonName + "\"/>\n    <allow send_destination=\"" + kDaemonName +
           "\"/>\n  </policy>\n";
}

long children_of(pid_t pid) {
    long n = 0;
    for (pid_t tid : thread_ids(pid)) {
        std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) +
                         "/children");
        std::string child;
        while (in >> child)
            ++n;
    }
    return n;
}

// What the signal connection's thread records.
struct SignalLog {
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t maintenance = 0;
    std::size_t other = 0;
    std::string first_other;
    Clock::time_point last;
};

// CPU time of a process's reaped children so far, in seconds (/proc/PID/stat, cutime + cstime).
double children_cpu_of(pid_t pid) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos)
        return -1;
    // After ')': state (3) ... utime (14), stime (15), cutime (16), cstime (17).
    std::istringstream fields(stat.substr(paren + 1));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 17 && fields >> field; ++i) {
        if (i == 16 || i == 17)
            ticks += std::strtod(field.c_str(), nullptr);
    }
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

struct BenchInterrupted {};

// One flip through a fresh bus and daemon whose state directory is under `state_base`.
struct DaemonRun {
    std::string where;  // the state directory's file system
    double daemon_start_s = 0;
    double wall_s = 0;  // from just before Start to the last HostStateChanged "maintenance"
    double start_call_s = 0;
    std::size_t maintenance = 0;
    std::size_t other = 0;
    std::string first_other;
    int most_running = 0;
    int started = 0;
    long children_max = 0;
    long threads_idle = 0;
    long threads_max = 0;
    std::size_t samples = 0;
    MemoryStatus memory_idle;
    MemoryStatus memory_after;
    double daemon_cpu_s = 0;    // every thread of the daemon, over the flip (schedstat)
    double children_cpu_s = 0;  // its reaped commands (cutime + cstime)
    double bus_cpu_s = 0;       // dbus-daemon
    std::string window_status;
    std::size_t log_lines = 0;
};

DaemonRun flip_through_daemon(const Options& options, const std::filesystem::path& state_base,
                              const std::string& where, CounterFile& counter) {
    DaemonRun r;
    r.where = where;
    TempDir dir(state_base, "maint-bench-hosts-daemon.", 0755);
    const auto state_dir = dir.path() / "state";
    const auto runtime_dir = dir.path() / "run";
    const auto daemon_log = dir.path() / "maintenanced.log";
    std::filesystem::create_directories(state_dir);
    std::filesystem::create_directories(runtime_dir);

    PrivateBus bus(dir.path(), daemon_bus_policy());
    ::setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.address().c_str(), 1);

    const auto config_file = dir.path() / "maintenanced.conf";
    write_file(config_file, daemon_config(options, state_dir, runtime_dir, counter.path()));
    const auto daemon_begin = Clock::now();
    ChildProcess daemon(
        {MAINT_DAEMON_PATH, "--config", config_file.string()},
        environment_with({{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}},
                         {"NOTIFY_SOCKET", "JOURNAL_STREAM", "LISTEN_FDS", "LISTEN_PID"}),
        daemon_log);
    auto daemon_failure = [&](const std::string& what) {
        const std::string how = daemon.running() ? "still running" : daemon.describe_exit();
        std::string output = read_file(daemon_log);
        if (output.size() > 8000)
            output = "[...]\n" + output.substr(output.size() - 8000);
        return SetupError(what + " (maintenanced " + how + "); the end of its output:\n" + output);
    };

    auto calls = sdbus::createSystemBusConnection();
    auto bus_proxy = sdbus::createProxy(*calls, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    auto owned = [&] {
        bool has_owner = false;
        bus_proxy->callMethod("NameHasOwner")
            .onInterface("org.freedesktop.DBus")
            .withArguments(std::string(kDaemonName))
            .storeResultsTo(has_owner);
        return has_owner;
    };
    while (!owned()) {
        if (g_interrupted)
            throw BenchInterrupted{};
        if (!daemon.running())
            throw daemon_failure("maintenanced exited before owning " + std::string(kDaemonName));
        if (Clock::now() - daemon_begin > kDaemonStartTimeout)
            throw daemon_failure("maintenanced did not own " + std::string(kDaemonName));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    r.daemon_start_s = std::chrono::duration<double>(Clock::now() - daemon_begin).count();

    // The signals on their own connection and thread; the calls, synchronous, on the other.
    SignalLog log;
    auto signals = sdbus::createSystemBusConnection();
    auto signal_proxy = sdbus::createProxy(*signals, kDaemonName, kManagerPath);
    signal_proxy->uponSignal("HostStateChanged")
        .onInterface(kManagerInterface)
        .call([&log](const std::string& host, const std::string& state) {
            const auto now = Clock::now();
            std::lock_guard lock(log.mutex);
            if (state == "maintenance") {
                ++log.maintenance;
                log.last = now;
            } else if (log.other++ == 0) {
                log.first_other = host + " " + state;
            }
            log.changed.notify_all();
        });
    signal_proxy->finishRegistration();
    signals->enterEventLoopAsync();
    struct LeaveLoop {
        sdbus::IConnection& connection;
        ~LeaveLoop() { connection.leaveEventLoop(); }
    } leave_loop{*signals};

    r.threads_idle = status_field(daemon.pid(), "Threads");
    r.threads_max = r.threads_idle;
    r.memory_idle = read_memory(daemon.pid());

    auto manager = sdbus::createProxy(*calls, kDaemonName, kManagerPath);
    std::vector<std::string> names;
    names.reserve(options.hosts);
    for (std::size_t i = 0; i < options.hosts; ++i)
        names.push_back(daemon_host_name(i));
    const auto now_usec =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    const std::uint64_t hour = 3600ULL * 1'000'000ULL;
    std::map<std::string, sdbus::Variant> schedule_options{
        {"Hosts", sdbus::Variant(names)}, {"NotifyLeadUSec", sdbus::Variant(std::uint64_t{0})}};
    sdbus::ObjectPath window_path;
    std::atomic<bool> sampling{true};
    Clock::time_point begin;
    std::uint64_t daemon_cpu_before = 0, bus_cpu_before = 0;
    double children_cpu_before = 0;
    try {
        manager->callMethod("ScheduleWindow")
            .onInterface(kManagerInterface)
            .withArguments(now_usec + hour, now_usec + 3 * hour,
                           std::string("maint_bench_hosts through the daemon"),
                           std::vector<std::string>{}, schedule_options)
            .storeResultsTo(window_path);
        auto window = sdbus::createProxy(*calls, kDaemonName, window_path);

        counter.reset();
        // Threads and children of the daemon, sampled from here while it flips (a thread of the
        // bench: it is the daemon's threads that are counted).
        std::thread sampler([&] {
            while (sampling.load()) {
                const long threads = status_field(daemon.pid(), "Threads");
                r.threads_max = std::max(r.threads_max, threads);
                r.children_max = std::max(r.children_max, children_of(daemon.pid()));
                ++r.samples;
                std::this_thread::sleep_for(kSamplePeriod);
            }
        });
        struct Join {
            std::atomic<bool>& flag;
            std::thread& thread;
            ~Join() {
                flag = false;
                if (thread.joinable())
                    thread.join();
            }
        } join{sampling, sampler};

        daemon_cpu_before = process_cpu_ns(daemon.pid());
        bus_cpu_before = process_cpu_ns(bus.pid());
        children_cpu_before = children_cpu_of(daemon.pid());
        begin = Clock::now();
        window->callMethod("Start")
            .onInterface(kWindowInterface)
            .withTimeout(kStartCallTimeout)
            .withArguments(std::map<std::string, sdbus::Variant>{});
        r.start_call_s = std::chrono::duration<double>(Clock::now() - begin).count();

        std::unique_lock lock(log.mutex);
        const auto deadline = Clock::now() + kFlipTimeout;
        while (log.maintenance + log.other < options.hosts) {
            log.changed.wait_for(lock, std::chrono::milliseconds(100));
            if (g_interrupted)
                throw BenchInterrupted{};
            if (Clock::now() > deadline || !daemon.running()) {
                const std::size_t seen = log.maintenance + log.other;
                lock.unlock();
                throw daemon_failure("HostStateChanged for " + std::to_string(seen) + " of " +
                                     std::to_string(options.hosts) + " hosts");
            }
        }
    } catch (const sdbus::Error& e) {
        throw daemon_failure("a call failed: " + e.getName() + ": " + e.getMessage());
    }
    sampling = false;
    r.daemon_cpu_s = static_cast<double>(process_cpu_ns(daemon.pid()) - daemon_cpu_before) / 1e9;
    r.bus_cpu_s = static_cast<double>(process_cpu_ns(bus.pid()) - bus_cpu_before) / 1e9;
    r.children_cpu_s = children_cpu_of(daemon.pid()) - children_cpu_before;
    r.memory_after = read_memory(daemon.pid());
    try {
        auto window = sdbus::createProxy(*calls, kDaemonName, window_path);
        r.window_status =
            window->getProperty("Status").onInterface(kWindowInterface).get<std::string>();
        const auto lines =
            window->getProperty("Log")
                .onInterface(kWindowInterface)
                .get<std::vector<sdbus::Struct<std::uint64_t, std::string, std::string>>>();
        r.log_lines = lines.size();
    } catch (const sdbus::Error& e) {
        throw daemon_failure("reading the window failed: " + e.getName() + ": " + e.getMessage());
    }
    {
        std::lock_guard lock(log.mutex);
        r.maintenance = log.maintenance;
        r.other = log.other;
        r.first_other = log.first_other;
        r.wall_s = std::chrono::duration<double>(log.last - begin).count();
    }
    r.most_running = counter.most_running();
    r.started = counter.started();
    return r;
}

int run_through_daemon(const Options& options) {
    const auto run_begin = Clock::now();
    if (::access(MAINT_DAEMON_PATH, X_OK) != 0)
        throw SetupError(std::string("cannot run ") + MAINT_DAEMON_PATH);
    const std::filesystem::path shm = "/dev/shm";
    const bool have_shm = std::filesystem::is_directory(shm);
    // The counter on tmpfs: the commands map it.
    TempDir counter_dir(have_shm ? shm : default_temp_base(), "maint-bench-hosts.", 0755);
    CounterFile counter(counter_dir.path() / "counter");

    std::printf(
        "\nthrough the daemon: %s on a private bus, %zu command hosts, MaxParallelHosts=%u\n",
        MAINT_DAEMON_PATH, options.hosts, options.parallel);
    std::printf(
        "  hosts    EnterCommand=%s COUNTER %u %%h, LeaveCommand=/bin/true, "
        "TimeoutSec=%llu\n",
        MAINT_HOST_COMMAND_PATH, options.command_ms,
        static_cast<unsigned long long>(kHostTimeoutSec));
    std::printf(
        "  calls    ScheduleWindow (start in 1 h, Hosts = all, NotifyLeadUSec=0), then the "
        "window's Start;\n           timed from just before Start to the last HostStateChanged "
        "\"maintenance\"\n");
    std::printf("  machine  load average %s\n", load_average().c_str());
    std::fflush(stdout);

    // The state directory where a service's would be (a disk, with its syncs), then on tmpfs,
    // where a sync costs nothing: the difference is what the syncs cost.
    std::vector<std::pair<std::filesystem::path, std::string>> places = {
        {default_temp_base(), "state on " + default_temp_base().string() + " (disk)"}};
    if (have_shm)
        places.push_back({shm, "state on /dev/shm (tmpfs)"});
    std::vector<DaemonRun> runs;
    for (const auto& [base, label] : places) {
        if (g_interrupted)
            return 130;
        try {
            runs.push_back(flip_through_daemon(options, base, label, counter));
        } catch (const BenchInterrupted&) {
            return 130;
        }
        std::printf("  %s: done\n", label.c_str());
        std::fflush(stdout);
    }

    const double waves = std::ceil(static_cast<double>(options.hosts) / options.parallel);
    const double ideal = waves * options.command_ms / 1000.0;
    const double n = static_cast<double>(options.hosts);
    std::printf("\n  ideal ceil(%zu/%u) x %u ms = %.3f s\n", options.hosts, options.parallel,
                options.command_ms, ideal);
    std::printf("  %-38s %9s %7s %9s %8s %9s %7s %9s %9s %9s %9s\n", "", "wall s", "ratio",
                "Start s", "most run", "children", "threads", "VmHWM", "daemon ms", "cmd ms/h",
                "bus ms/h");
    for (const auto& r : runs) {
        char threads[24];
        std::snprintf(threads, sizeof threads, "%ld/%ld", r.threads_idle, r.threads_max);
        std::printf("  %-38s %9.3f %6.2fx %9.3f %8d %9ld %7s %9s %9.2f %9.2f %9.2f\n",
                    r.where.c_str(), r.wall_s, r.wall_s / ideal, r.start_call_s, r.most_running,
                    r.children_max, threads, format_mb(r.memory_after.hwm_kb).c_str(),
                    r.daemon_cpu_s * 1000.0 / n, r.children_cpu_s * 1000.0 / n,
                    r.bus_cpu_s * 1000.0 / n);
    }
    std::printf(
        "  wall s: from just before Start to the last HostStateChanged \"maintenance\";\n"
        "  Start s: the Start call (it answers once the hosts are flipped);\n"
        "  most run: the most commands running at once, counted by the commands;\n"
        "  children: the most children of the daemon seen in /proc (sampled every %lld ms);\n"
        "  threads: the daemon's, idle / the most seen while flipping;\n"
        "  VmHWM: the daemon's peak RSS after the flip;\n"
        "  daemon ms, cmd ms, bus ms per host: CPU of the daemon (every thread), of its\n"
        "  commands (cutime + cstime) and of dbus-daemon over the flip, per host\n",
        static_cast<long long>(kSamplePeriod.count()));
    for (const auto& r : runs) {
        std::printf(
            "  %s: daemon up %.2f s after exec; VmRSS %s idle, %s after (anon %s, file %s, "
            "shmem %s);\n    window %s, %zu log lines; %d commands started\n",
            r.where.c_str(), r.daemon_start_s, format_mb(r.memory_idle.rss_kb).c_str(),
            format_mb(r.memory_after.rss_kb).c_str(), format_mb(r.memory_after.rss_anon_kb).c_str(),
            format_mb(r.memory_after.rss_file_kb).c_str(),
            format_mb(r.memory_after.rss_shmem_kb).c_str(), r.window_status.c_str(), r.log_lines,
            r.started);
        if (r.other > 0)
            std::printf("    hosts in another state: %zu; first: %s\n", r.other,
                        r.first_other.c_str());
    }

    const DaemonRun& head = runs.front();
    auto verdict = [](bool met) { return met ? "met" : "NOT met"; };
    std::printf("\nverdict (through the daemon, %s)\n", head.where.c_str());
    std::printf("  Start to last HostStateChanged / ideal = %.2fx, target <= %.1fx: %s\n",
                head.wall_s / ideal, kRatioTarget, verdict(head.wall_s / ideal <= kRatioTarget));
    {
        // What this machine must spend on the commands alone, whatever runs them: their own CPU
        // (process creation is most of it here), spread over every CPU.
        const double cpus = static_cast<double>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
        const double cpu_floor = head.children_cpu_s / cpus;
        std::printf(
            "  the commands' own CPU: %.2f ms a host x %zu / %.0f CPUs = %.3f s = %.2fx "
            "the ideal;\n  wall / max(ideal, that) = %.2fx; the daemon's own CPU: %.2f ms "
            "a host\n",
            head.children_cpu_s * 1000.0 / n, options.hosts, cpus, cpu_floor, cpu_floor / ideal,
            head.wall_s / std::max(ideal, cpu_floor), head.daemon_cpu_s * 1000.0 / n);
    }
    std::printf("  most running at once = %d, limit %u: %s\n", head.most_running, options.parallel,
                verdict(head.most_running <= static_cast<int>(options.parallel)));
    std::printf("  daemon threads while flipping = %ld (%ld idle): %s\n", head.threads_max,
                head.threads_idle, verdict(head.threads_max == head.threads_idle));
    std::printf("  daemon peak RSS (VmHWM) = %s (%s idle): reported, no target\n",
                format_mb(head.memory_after.hwm_kb).c_str(),
                format_mb(head.memory_idle.rss_kb).c_str());
    std::printf("  hosts not in maintenance = %zu: %s\n", head.other, verdict(head.other == 0));
    std::printf("\ntotal through the daemon %.1f s\n",
                std::chrono::duration<double>(Clock::now() - run_begin).count());
    std::fflush(stdout);
    return 0;
}

int run(const Options& options) {
    if (options.direct) {
        const int code = run_direct(options);
        if (code != 0 || !options.daemon)
            return code;
    }
    return run_through_daemon(options);
}

}  // namespace

int main(int argc, char** argv) {
    int exit_code = 0;
    const auto options = parse_arguments(argc, argv, exit_code);
    if (!options)
        return exit_code;
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    try {
        const int code = run(*options);
        if (code == 130)
            std::fprintf(stderr, "maint_bench_hosts: interrupted\n");
        return code;
    } catch (const maint::Error& e) {
        std::fprintf(stderr, "maint_bench_hosts: setup failed: %s\n", e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "maint_bench_hosts: setup failed: %s\n", e.what());
    }
    return 1;
}
