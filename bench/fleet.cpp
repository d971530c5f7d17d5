// maint_bench_fleet: a fleet flipped in batches by the real maintenanced on a private bus (issue
// 13, "Fleet at engine speed"). A [Hosts fleet] group of 10,000 hosts, BatchSize=1000,
// MaxParallelHosts=4, whose EnterCommand is a stand-in batch command that sleeps 100 ms per
// batch and answers "HOST ok" for each line. Per round: a new window is scheduled and started,
// the bench waits for HostsFlipped, then completes the window. It prints, as medians over the
// rounds and ratios against baselines of the same run:
//   A  Start → HostsFlipped against the ideal ceil(batches / parallel) x 100 ms plus one process
//      start of the stand-in (measured in the same round: empty input, no sleep);
//   B  the daemon's VmHWM after the flips;
//   C  the p99 of a client calling Properties.GetAll on the Manager every 10 ms during the flips
//      against its p99 while the daemon is idle (the same client, pooled over the rounds).
// With --slurm, instead: the group is flipped through the shipped Slurm helper against a real
// slurmctld (tests/engines/slurm-fixture.sh, started and stopped by the bench), Start →
// HostsFlipped against the same `scontrol update ... State=DRAIN` run by hand, interleaved.
// A target not met is a finding, not a failure: exit 0 once measured, 1 when the setup failed,
// 2 on a usage error, 130 when interrupted.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sdbus-c++/sdbus-c++.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "common/bus_names.hpp"

#ifndef MAINT_DAEMON_PATH
#error "MAINT_DAEMON_PATH must name the maintenanced binary"
#endif
#ifndef MAINT_BATCH_STANDIN_PATH
#error "MAINT_BATCH_STANDIN_PATH must name the maint_bench_batch_standin binary"
#endif
#ifndef MAINT_SLURM_HELPER_PATH
#error "MAINT_SLURM_HELPER_PATH must name the slurm batch helper"
#endif
#ifndef MAINT_SLURM_FIXTURE
#error "MAINT_SLURM_FIXTURE must name tests/engines/slurm-fixture.sh"
#endif

extern char** environ;

namespace {

using namespace maint::bench;
using Clock = std::chrono::steady_clock;

constexpr const char* kDaemonName = maint::names::kBusName;
constexpr const char* kManagerPath = maint::names::kManagerPath;
constexpr const char* kManagerInterface = maint::names::kManagerInterface;
constexpr const char* kWindowInterface = maint::names::kWindowInterface;
constexpr const char* kPropertiesInterface = "org.freedesktop.DBus.Properties";

// The targets of issue 13.
constexpr double kFlipRatioTarget = 1.2;
constexpr long kHwmTargetKb = 16 * 1024;
constexpr double kPollRatioTarget = 5.0;
constexpr double kSlurmRatioTarget = 1.2;

constexpr auto kDaemonStartTimeout = std::chrono::seconds(30);
constexpr auto kCallTimeout = std::chrono::minutes(2);
constexpr auto kFlipTimeout = std::chrono::minutes(10);
// Process starts of the stand-in measured per round (empty input, no sleep): the median counts.
constexpr std::size_t kStartSamples = 21;
// After Complete, before the next round's measurements: the daemon finishes what the window's
// end left (its commit, the signals).
constexpr auto kSettle = std::chrono::milliseconds(300);

struct Options {
    std::size_t hosts = 10000;
    unsigned batch = 1000;
    unsigned parallel = 4;
    unsigned command_ms = 100;
    std::size_t rounds = 5;
    unsigned poll_ms = 10;
    unsigned idle_ms = 1500;
    bool slurm = false;
    bool timeline = false;  // print every GetAll call during the flips, with its offset
};

void usage(std::FILE* out) {
    std::fprintf(
        out,
        "Usage: maint_bench_fleet [OPTIONS]\n"
        "\n"
        "The real maintenanced (%s) on a private bus with a [Hosts fleet]\n"
        "group of HOSTS hosts (node00001...), Backend=batch, BatchSize=BATCH,\n"
        "MaxParallelHosts=PARALLEL, whose EnterCommand is\n"
        "%s COMMAND-MS\n"
        "(reads its batch, sleeps COMMAND-MS, answers \"HOST ok\" a line). Each round schedules a\n"
        "window on the group, starts it, waits for HostsFlipped and completes it; a client calls\n"
        "Properties.GetAll on the Manager every POLL-MS throughout. Prints Start -> HostsFlipped\n"
        "against ceil(batches/PARALLEL) x COMMAND-MS + one process start of the stand-in, the\n"
        "daemon's VmHWM, and the GetAll p99 during the flips against idle; medians over rounds.\n"
        "\n"
        "With --slurm: a real slurmctld (%s, needs root,\n"
        "slurmctld and munge), the group flipped by the Slurm helper (%s enter %%w),\n"
        "Start -> HostsFlipped against `scontrol update NodeName=node[...] State=DRAIN` by hand,\n"
        "interleaved (RESUME between rounds).\n"
        "\n"
        "  --slurm          the Slurm comparison instead of the stand-in\n"
        "  --hosts N        hosts in the group (default 10000; --slurm: at most 99999)\n"
        "  --batch N        BatchSize (default 1000; --slurm: default HOSTS)\n"
        "  --parallel N     MaxParallelHosts (default 4)\n"
        "  --command-ms N   the stand-in's sleep per batch (default 100)\n"
        "  --rounds N       rounds (default 5)\n"
        "  --poll-ms N      the GetAll client's period (default 10)\n"
        "  --idle-ms N      the idle phase before each round's Start (default 1500)\n"
        "  --timeline       print each GetAll call during the flips: its offset from Start\n"
        "                   and its round trip (where the loop was held up)\n"
        "  -h, --help       this help\n"
        "\n"
        "Exit 0 when measured (targets met or not), 1 when the setup failed, 2 on a usage\n"
        "error, 130 when interrupted.\n",
        MAINT_DAEMON_PATH, MAINT_BATCH_STANDIN_PATH, MAINT_SLURM_FIXTURE, MAINT_SLURM_HELPER_PATH);
}

std::optional<Options> parse_arguments(int argc, char** argv, int& exit_code) {
    Options o;
    bool batch_given = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            usage(stdout);
            exit_code = 0;
            return std::nullopt;
        }
        if (arg == "--slurm") {
            o.slurm = true;
            continue;
        }
        if (arg == "--timeline") {
            o.timeline = true;
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
        struct Limits {
            const char* name;
            std::size_t min, max;
        };
        static const Limits limits[] = {
            {"--hosts", 1, 99'999},      {"--batch", 1, 100'000}, {"--parallel", 1, 4096},
            {"--command-ms", 0, 60'000}, {"--rounds", 1, 100},    {"--poll-ms", 1, 10'000},
            {"--idle-ms", 100, 600'000},
        };
        const Limits* limit = nullptr;
        for (const auto& l : limits) {
            if (arg == l.name)
                limit = &l;
        }
        if (!limit) {
            std::fprintf(stderr, "maint_bench_fleet: unknown option '%s'\n", arg.c_str());
            usage(stderr);
            exit_code = 2;
            return std::nullopt;
        }
        const auto number = parse_count(value);
        if (!number || *number < limit->min || *number > limit->max) {
            std::fprintf(stderr, "maint_bench_fleet: %s %s: expected %zu to %zu\n", arg.c_str(),
                         value.c_str(), limit->min, limit->max);
            exit_code = 2;
            return std::nullopt;
        }
        if (arg == "--hosts") {
            o.hosts = *number;
        } else if (arg == "--batch") {
            o.batch = static_cast<unsigned>(*number);
            batch_given = true;
        } else if (arg == "--parallel") {
            o.parallel = static_cast<unsigned>(*number);
        } else if (arg == "--command-ms") {
            o.command_ms = static_cast<unsigned>(*number);
        } else if (arg == "--rounds") {
            o.rounds = *number;
        } else if (arg == "--poll-ms") {
            o.poll_ms = static_cast<unsigned>(*number);
        } else {
            o.idle_ms = static_cast<unsigned>(*number);
        }
    }
    if (o.slurm && !batch_given)
        o.batch = static_cast<unsigned>(o.hosts);  // one scontrol call, as by hand
    return o;
}

volatile sig_atomic_t g_interrupted = 0;

void on_interrupt(int) {
    g_interrupted = 1;
}

struct BenchInterrupted {};

void check_interrupt() {
    if (g_interrupted)
        throw BenchInterrupted{};
}

// ---------------------------------------------------------------------------------------------
// Small helpers

template <class T>
T median_of(std::vector<T> v) {
    if (v.empty())
        return T{};
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// The q-quantile (0..1) of `v`, nearest rank.
double quantile(std::vector<double> v, double q) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

double ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

std::string node_name(std::size_t i) {
    char name[32];
    std::snprintf(name, sizeof name, "node%05zu", i);
    return name;
}

// "node[00001-10000]": the group's hosts, as Slurm and the configuration write them.
std::string node_range(std::size_t hosts) {
    if (hosts == 1)
        return node_name(1);
    char text[64];
    std::snprintf(text, sizeof text, "node[%05zu-%05zu]", std::size_t{1}, hosts);
    return text;
}

// CPU time of a process's reaped children so far, in seconds (/proc/PID/stat, cutime + cstime).
double children_cpu_of(pid_t pid) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos)
        return 0;
    std::istringstream fields(stat.substr(paren + 1));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 17 && fields >> field; ++i) {
        if (i == 16 || i == 17)
            ticks += std::strtod(field.c_str(), nullptr);
    }
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

struct ProgramRun {
    double wall_ms = 0;
    int status = 0;  // waitpid's
    bool ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }
};

// Runs `argv` (a path, or a name searched in PATH) to its end: stdin /dev/null, stdout and
// stderr appended to `log` (or /dev/null); the wall time from just before posix_spawn to the
// return of waitpid.
ProgramRun run_program(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                       const std::filesystem::path& log = "/dev/null") {
    std::vector<std::string> words = argv, vars = env;
    std::vector<char*> args, envp;
    for (auto& w : words)
        args.push_back(w.data());
    args.push_back(nullptr);
    for (auto& v : vars)
        envp.push_back(v.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    ProgramRun r;
    pid_t pid = -1;
    const auto begin = Clock::now();
    const int e = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (e != 0)
        throw SetupError("cannot run " + argv[0] + ": " + std::strerror(e));
    while (::waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
    }
    r.wall_ms = ms_between(begin, Clock::now());
    return r;
}

std::string describe_status(int status) {
    if (WIFEXITED(status))
        return "exit status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return "killed by signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
}

std::string tail_of(const std::filesystem::path& file, std::size_t bytes) {
    std::string text = read_file(file);
    if (text.size() > bytes)
        text = "[...]\n" + text.substr(text.size() - bytes);
    return text;
}

// ---------------------------------------------------------------------------------------------
// The daemon on its private bus, and what the bench hears from it

// A non-root user may own and call the daemon's name on the private bus (the shipped policy
// gives it to root only).
std::string bus_policy() {
    if (::getuid() == 0)
        return {};
    return "  <policy user=\"" + std::to_string(::getuid()) + "\">\n    <allow own=\"" +
           kDaemonName + "\"/>\n    <allow send_destination=\"" + kDaemonName +
           "\"/>\n  </policy>\n";
}

// The signals on a connection and thread of their own, each taken with its arrival time.
class SignalWatch {
  public:
    struct Flipped {
        Clock::time_point at;
        std::uint32_t in_maintenance = 0, failed = 0, skipped = 0;
    };

    SignalWatch() : connection_(sdbus::createSystemBusConnection()) {
        proxy_ = sdbus::createProxy(*connection_, kDaemonName, kManagerPath);
        proxy_->uponSignal("HostsFlipped")
            .onInterface(kManagerInterface)
            .call([this](std::uint32_t id, const sdbus::ObjectPath&, std::uint32_t in_maintenance,
                         std::uint32_t failed, std::uint32_t skipped) {
                const auto now = Clock::now();
                std::lock_guard lock(mutex_);
                flipped_[id] = {now, in_maintenance, failed, skipped};
                changed_.notify_all();
            });
        proxy_->uponSignal("HostStateChanged")
            .onInterface(kManagerInterface)
            .call([this](const std::string&, const std::string&) {
                std::lock_guard lock(mutex_);
                ++host_state_changes_;
            });
        proxy_->finishRegistration();
        connection_->enterEventLoopAsync();
    }
    ~SignalWatch() { connection_->leaveEventLoop(); }
    SignalWatch(const SignalWatch&) = delete;
    SignalWatch& operator=(const SignalWatch&) = delete;

    // HostsFlipped of window `id`, or nullopt when `give_up` says so (checked every 100 ms).
    template <class GiveUp>
    std::optional<Flipped> wait_flipped(std::uint32_t id, GiveUp&& give_up) {
        std::unique_lock lock(mutex_);
        for (;;) {
            if (auto it = flipped_.find(id); it != flipped_.end())
                return it->second;
            changed_.wait_for(lock, std::chrono::milliseconds(100));
            if (give_up())
                return std::nullopt;
        }
    }
    std::uint64_t host_state_changes() {
        std::lock_guard lock(mutex_);
        return host_state_changes_;
    }

  private:
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<sdbus::IProxy> proxy_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::uint32_t, Flipped> flipped_;
    std::uint64_t host_state_changes_ = 0;
};

// A client calling Properties.GetAll on the Manager every `period`, on its own connection and
// thread, from start to stop: each call's send time and round trip.
class GetAllPoller {
  public:
    struct Sample {
        Clock::time_point sent;
        double us;
    };

    explicit GetAllPoller(std::chrono::milliseconds period)
        : period_(period), connection_(sdbus::createSystemBusConnection()) {
        proxy_ = sdbus::createProxy(*connection_, kDaemonName, kManagerPath);
        thread_ = std::thread([this] { run(); });
    }
    ~GetAllPoller() { stop(); }
    GetAllPoller(const GetAllPoller&) = delete;
    GetAllPoller& operator=(const GetAllPoller&) = delete;

    void stop() {
        stopping_ = true;
        if (thread_.joinable())
            thread_.join();
    }
    std::vector<Sample> samples() {
        std::lock_guard lock(mutex_);
        return samples_;
    }
    std::size_t errors() {
        std::lock_guard lock(mutex_);
        return errors_;
    }
    std::string first_error() {
        std::lock_guard lock(mutex_);
        return first_error_;
    }

  private:
    void run() {
        auto next = Clock::now();
        while (!stopping_) {
            const auto sent = Clock::now();
            try {
                std::map<std::string, sdbus::Variant> properties;
                proxy_->callMethod("GetAll")
                    .onInterface(kPropertiesInterface)
                    .withArguments(std::string(kManagerInterface))
                    .storeResultsTo(properties);
                const double us =
                    std::chrono::duration<double, std::micro>(Clock::now() - sent).count();
                std::lock_guard lock(mutex_);
                samples_.push_back({sent, us});
            } catch (const sdbus::Error& e) {
                std::lock_guard lock(mutex_);
                if (errors_++ == 0)
                    first_error_ = e.getName() + ": " + e.getMessage();
            }
            next += period_;
            const auto now = Clock::now();
            if (next < now)
                next = now;  // a late call delays the next one; no burst to catch up
            std::this_thread::sleep_until(next);
        }
    }

    std::chrono::milliseconds period_;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<sdbus::IProxy> proxy_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    std::mutex mutex_;
    std::vector<Sample> samples_;
    std::size_t errors_ = 0;
    std::string first_error_;
};

// A private bus, a state directory on the temp dir's file system (a disk, as a service's) and
// the daemon with `config`, up once it owns its name.
class DaemonOnBus {
  public:
    DaemonOnBus(const std::string& group_section, unsigned parallel,
                const std::vector<EnvVar>& extra_env)
        : dir_(default_temp_base(), "maint-bench-fleet.", 0755) {
        const auto state = dir_.path() / "state";
        const auto run = dir_.path() / "run";
        std::filesystem::create_directories(state);
        std::filesystem::create_directories(run);
        bus_.emplace(dir_.path(), bus_policy());
        ::setenv("DBUS_SYSTEM_BUS_ADDRESS", bus_->address().c_str(), 1);
        // Scheduler=internal: no systemd here. No mail, wall or motd: nothing outside the temp
        // dirs is touched.
        const std::string config =
            "# Written by maint_bench_fleet.\n[Daemon]\nStateDirectory=" + state.string() +
            "\nRuntimeDirectory=" + run.string() +
            "\nScheduler=internal\nMaxParallelHosts=" + std::to_string(parallel) +
            "\n\n[Notify]\nSendmail=\nWall=no\nMotd=no\n\n" + group_section;
        config_ = dir_.path() / "maintenanced.conf";
        write_file(config_, config);
        log_ = dir_.path() / "maintenanced.log";
        std::vector<EnvVar> env = {{"DBUS_SYSTEM_BUS_ADDRESS", bus_->address()}};
        env.insert(env.end(), extra_env.begin(), extra_env.end());
        const auto begin = Clock::now();
        daemon_ = ChildProcess(
            {MAINT_DAEMON_PATH, "--config", config_.string()},
            environment_with(env, {"NOTIFY_SOCKET", "JOURNAL_STREAM", "LISTEN_FDS", "LISTEN_PID"}),
            log_);
        calls_ = sdbus::createSystemBusConnection();
        auto bus_proxy =
            sdbus::createProxy(*calls_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
        for (;;) {
            bool owned = false;
            bus_proxy->callMethod("NameHasOwner")
                .onInterface("org.freedesktop.DBus")
                .withArguments(std::string(kDaemonName))
                .storeResultsTo(owned);
            if (owned)
                break;
            check_interrupt();
            if (!daemon_.running())
                throw failure("maintenanced exited before owning " + std::string(kDaemonName));
            if (Clock::now() - begin > kDaemonStartTimeout)
                throw failure("maintenanced did not own " + std::string(kDaemonName));
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        up_s_ = std::chrono::duration<double>(Clock::now() - begin).count();
        manager_ = sdbus::createProxy(*calls_, kDaemonName, kManagerPath);
    }

    pid_t pid() const { return daemon_.pid(); }
    pid_t bus_pid() const { return bus_->pid(); }
    double up_s() const { return up_s_; }
    bool running() { return daemon_.running(); }
    const std::filesystem::path& dir() const { return dir_.path(); }

    SetupError failure(const std::string& what) {
        const std::string how = daemon_.running() ? "still running" : daemon_.describe_exit();
        return SetupError(what + " (maintenanced " + how + "); the end of its output:\n" +
                          tail_of(log_, 6000));
    }

    // A window on `hosts` starting in an hour; its id and object.
    std::pair<std::uint32_t, sdbus::ObjectPath> schedule(const std::string& reason,
                                                         const std::vector<std::string>& hosts) {
        const auto now_usec =
            static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
        const std::uint64_t hour = 3600ULL * 1'000'000ULL;
        std::map<std::string, sdbus::Variant> options{
            {"Hosts", sdbus::Variant(hosts)}, {"NotifyLeadUSec", sdbus::Variant(std::uint64_t{0})}};
        sdbus::ObjectPath path;
        manager_->callMethod("ScheduleWindow")
            .onInterface(kManagerInterface)
            .withTimeout(kCallTimeout)
            .withArguments(now_usec + hour, now_usec + 3 * hour, reason, std::vector<std::string>{},
                           options)
            .storeResultsTo(path);
        auto window = sdbus::createProxy(*calls_, kDaemonName, path);
        const auto id =
            window->getProperty("Id").onInterface(kWindowInterface).get<std::uint32_t>();
        return {id, path};
    }
    void start(const sdbus::ObjectPath& window) {
        auto proxy = sdbus::createProxy(*calls_, kDaemonName, window);
        proxy->callMethod("Start")
            .onInterface(kWindowInterface)
            .withTimeout(kCallTimeout)
            .withArguments(std::map<std::string, sdbus::Variant>{});
    }
    void complete(const sdbus::ObjectPath& window) {
        auto proxy = sdbus::createProxy(*calls_, kDaemonName, window);
        proxy->callMethod("Complete")
            .onInterface(kWindowInterface)
            .withTimeout(kCallTimeout)
            .withArguments(std::string("maint_bench_fleet round done"), std::vector<std::string>{},
                           std::map<std::string, sdbus::Variant>{});
    }
    std::string status(const sdbus::ObjectPath& window) {
        auto proxy = sdbus::createProxy(*calls_, kDaemonName, window);
        return proxy->getProperty("Status").onInterface(kWindowInterface).get<std::string>();
    }
    // The window's Log, its last `lines` lines.
    std::string log_tail(const sdbus::ObjectPath& window, std::size_t lines) {
        auto proxy = sdbus::createProxy(*calls_, kDaemonName, window);
        const auto log =
            proxy->getProperty("Log")
                .onInterface(kWindowInterface)
                .get<std::vector<sdbus::Struct<std::uint64_t, std::string, std::string>>>();
        std::string text;
        for (std::size_t i = log.size() > lines ? log.size() - lines : 0; i < log.size(); ++i)
            text += "    " + std::get<1>(log[i]) + ": " + std::get<2>(log[i]) + "\n";
        return text;
    }

  private:
    TempDir dir_;
    std::optional<PrivateBus> bus_;
    std::filesystem::path config_;
    std::filesystem::path log_;
    ChildProcess daemon_;
    std::unique_ptr<sdbus::IConnection> calls_;
    std::unique_ptr<sdbus::IProxy> manager_;
    double up_s_ = 0;
};

// One window through the daemon: Schedule, then Start timed to HostsFlipped, then Complete.
struct Flip {
    double schedule_ms = 0;
    double start_call_ms = 0;  // the Start call itself (it answers before the flip)
    double flipped_ms = 0;     // from just before Start to HostsFlipped
    SignalWatch::Flipped result;
    std::uint64_t host_state_changes = 0;
    double daemon_cpu_ms = 0;    // every thread of the daemon, Start to HostsFlipped
    double children_cpu_ms = 0;  // its reaped commands (cutime + cstime)
    double bus_cpu_ms = 0;       // dbus-daemon
    Clock::time_point begin, end;
    std::string problem;  // not every host in maintenance: what the window's log says
};

Flip flip_once(DaemonOnBus& daemon, SignalWatch& signals, const std::string& group,
               std::size_t hosts, std::size_t round) {
    Flip f;
    const auto scheduled_at = Clock::now();
    const auto [id, path] =
        daemon.schedule("maint_bench_fleet round " + std::to_string(round), {group});
    f.schedule_ms = ms_between(scheduled_at, Clock::now());
    const std::uint64_t changes_before = signals.host_state_changes();
    const std::uint64_t cpu_before = process_cpu_ns(daemon.pid());
    const std::uint64_t bus_before = process_cpu_ns(daemon.bus_pid());
    const double children_before = children_cpu_of(daemon.pid());
    f.begin = Clock::now();
    daemon.start(path);
    f.start_call_ms = ms_between(f.begin, Clock::now());
    const auto deadline = Clock::now() + kFlipTimeout;
    const auto flipped = signals.wait_flipped(
        id, [&] { return g_interrupted || Clock::now() > deadline || !daemon.running(); });
    check_interrupt();
    if (!flipped)
        throw daemon.failure("no HostsFlipped for window " + std::to_string(id));
    f.result = *flipped;
    f.end = flipped->at;
    f.flipped_ms = ms_between(f.begin, f.end);
    f.daemon_cpu_ms = static_cast<double>(process_cpu_ns(daemon.pid()) - cpu_before) / 1e6;
    f.bus_cpu_ms = static_cast<double>(process_cpu_ns(daemon.bus_pid()) - bus_before) / 1e6;
    f.children_cpu_ms = (children_cpu_of(daemon.pid()) - children_before) * 1000.0;
    if (f.result.in_maintenance != hosts)
        f.problem = daemon.log_tail(path, 6);
    // The HostStateChanged signals are sent before HostsFlipped, on the same connection: all of
    // this flip's have arrived.
    f.host_state_changes = signals.host_state_changes() - changes_before;
    daemon.complete(path);
    return f;
}

void print_machine(const Options&) {
    std::printf(
        "  machine  %ld CPUs online, load average %s; nothing pinned (the daemon's\n"
        "           commands inherit its CPU affinity, and the flip uses every CPU)\n",
        ::sysconf(_SC_NPROCESSORS_ONLN), load_average().c_str());
}

// ---------------------------------------------------------------------------------------------
// The stand-in fleet: figures A, B and C

int run_fleet(const Options& o) {
    const auto run_begin = Clock::now();
    for (const char* program : {MAINT_DAEMON_PATH, MAINT_BATCH_STANDIN_PATH}) {
        if (::access(program, X_OK) != 0)
            throw SetupError(std::string("cannot run ") + program);
    }
    const std::size_t batches = (o.hosts + o.batch - 1) / o.batch;
    const std::size_t waves = (batches + o.parallel - 1) / o.parallel;
    const double ideal_sleep_ms = static_cast<double>(waves) * o.command_ms;

    const std::string standin = MAINT_BATCH_STANDIN_PATH;
    const std::string section = "[Hosts fleet]\nBackend=batch\nHosts=" + node_range(o.hosts) +
                                "\nEnterCommand=" + standin + " " + std::to_string(o.command_ms) +
                                "\nLeaveCommand=" + standin +
                                " 0\nBatchSize=" + std::to_string(o.batch) + "\nTimeoutSec=120\n";

    std::printf(
        "maint_bench_fleet: maintenanced flips a fleet in batches (%s)\n"
        "  group    [Hosts fleet] Backend=batch, Hosts=%s, BatchSize=%u, MaxParallelHosts=%u\n"
        "           EnterCommand=%s %u: reads its batch, sleeps %u ms, answers \"HOST ok\" a "
        "line\n",
        MAINT_DAEMON_PATH, node_range(o.hosts).c_str(), o.batch, o.parallel, standin.c_str(),
        o.command_ms, o.command_ms);
    std::printf(
        "  rounds   %zu: process starts of the stand-in (%zu, empty input, no sleep), idle %u ms,\n"
        "           ScheduleWindow (Hosts = fleet), Start timed to HostsFlipped, Complete;\n"
        "           a client calls GetAll on the Manager every %u ms throughout\n",
        o.rounds, kStartSamples, o.idle_ms, o.poll_ms);
    print_machine(o);
    std::fflush(stdout);

    DaemonOnBus daemon(section, o.parallel, {});
    const MemoryStatus idle_memory = read_memory(daemon.pid());
    std::printf("  daemon   pid %d, up %.2f s after exec; state in %s (a disk: real syncs)\n",
                daemon.pid(), daemon.up_s(), daemon.dir().c_str());
    std::fflush(stdout);
    SignalWatch signals;
    GetAllPoller poller{std::chrono::milliseconds(o.poll_ms)};

    struct Round {
        double start_ms = 0;  // one process start of the stand-in, median of the round
        Flip flip;
        Clock::time_point idle_begin, idle_end;
        MemoryStatus memory;
    };
    std::vector<Round> rounds;
    const std::vector<std::string> start_argv = {standin, "0"};
    const std::vector<std::string> env = environment_with({});
    for (std::size_t i = 0; i < o.rounds; ++i) {
        check_interrupt();
        Round r;
        std::vector<double> starts;
        for (std::size_t k = 0; k < kStartSamples; ++k) {
            const ProgramRun p = run_program(start_argv, env);
            if (!p.ok())
                throw SetupError(standin + " 0 with empty input: " + describe_status(p.status));
            starts.push_back(p.wall_ms);
        }
        r.start_ms = median_of(starts);
        r.idle_begin = Clock::now();
        std::this_thread::sleep_for(std::chrono::milliseconds(o.idle_ms));
        r.idle_end = Clock::now();
        check_interrupt();
        try {
            r.flip = flip_once(daemon, signals, "fleet", o.hosts, i + 1);
        } catch (const sdbus::Error& e) {
            throw daemon.failure("a call failed: " + e.getName() + ": " + e.getMessage());
        }
        r.memory = read_memory(daemon.pid());
        rounds.push_back(r);
        std::printf(
            "  round %zu: %.1f ms to HostsFlipped (%u in maintenance), process start %.2f ms\n",
            i + 1, r.flip.flipped_ms, r.flip.result.in_maintenance, r.start_ms);
        std::fflush(stdout);
        std::this_thread::sleep_for(kSettle);
    }
    poller.stop();
    const auto samples = poller.samples();

    // --- A
    std::vector<double> starts, flipped, ratios, start_calls, cpu, children, bus;
    for (const auto& r : rounds) {
        starts.push_back(r.start_ms);
        flipped.push_back(r.flip.flipped_ms);
        ratios.push_back(r.flip.flipped_ms / (ideal_sleep_ms + r.start_ms));
        start_calls.push_back(r.flip.start_call_ms);
        cpu.push_back(r.flip.daemon_cpu_ms);
        children.push_back(r.flip.children_cpu_ms);
        bus.push_back(r.flip.bus_cpu_ms);
    }
    const double n = static_cast<double>(o.hosts);
    std::printf(
        "\nA. Start -> HostsFlipped (ideal = ceil(%zu batches / %u) x %u ms + one process "
        "start of the stand-in, per round)\n",
        batches, o.parallel, o.command_ms);
    std::printf("  %-7s %10s %10s %8s %9s %8s %10s %10s %10s %9s\n", "round", "flipped ms",
                "ideal ms", "ratio", "Start ms", "HSC", "daemon ms", "us/host", "cmds ms",
                "bus ms");
    for (std::size_t i = 0; i < rounds.size(); ++i) {
        const auto& r = rounds[i];
        std::printf("  %-7zu %10.1f %10.1f %7.2fx %9.1f %8llu %10.1f %10.1f %10.1f %9.1f\n", i + 1,
                    r.flip.flipped_ms, ideal_sleep_ms + r.start_ms, ratios[i], r.flip.start_call_ms,
                    static_cast<unsigned long long>(r.flip.host_state_changes),
                    r.flip.daemon_cpu_ms, r.flip.daemon_cpu_ms * 1000.0 / n, r.flip.children_cpu_ms,
                    r.flip.bus_cpu_ms);
    }
    std::printf("  %-7s %10.1f %10.1f %7.2fx %9.1f %8s %10.1f %10.1f %10.1f %9.1f\n", "median",
                median_of(flipped), ideal_sleep_ms + median_of(starts), median_of(ratios),
                median_of(start_calls), "", median_of(cpu), median_of(cpu) * 1000.0 / n,
                median_of(children), median_of(bus));
    std::printf(
        "  process start of the stand-in: median %.2f ms (per round: median of %zu runs)\n"
        "  Start ms: the Start call (it answers once the window is in progress);\n"
        "  HSC: HostStateChanged signals received (a host already in maintenance from an earlier\n"
        "  round changes no state: only the first round sends them);\n"
        "  daemon ms: the daemon's CPU from Start to HostsFlipped (schedstat, every thread);\n"
        "  us/host: that per host; cmds ms: its commands' CPU (cutime + cstime); bus ms:\n"
        "  dbus-daemon's CPU\n",
        median_of(starts), kStartSamples);
    for (std::size_t i = 0; i < rounds.size(); ++i) {
        if (!rounds[i].flip.problem.empty()) {
            std::printf(
                "  round %zu: %u in maintenance, %u failed, %u skipped; the window's log "
                "ends:\n%s",
                i + 1, rounds[i].flip.result.in_maintenance, rounds[i].flip.result.failed,
                rounds[i].flip.result.skipped, rounds[i].flip.problem.c_str());
        }
    }

    // --- B
    std::printf("\nB. daemon memory (/proc/%d/status)\n", daemon.pid());
    std::printf("  idle, before the first round  VmRSS %9s  VmHWM %9s\n",
                format_mb(idle_memory.rss_kb).c_str(), format_mb(idle_memory.hwm_kb).c_str());
    for (std::size_t i = 0; i < rounds.size(); ++i) {
        const auto& m = rounds[i].memory;
        std::printf("  after round %-17zu VmRSS %9s  VmHWM %9s  (anon %s, file %s)\n", i + 1,
                    format_mb(m.rss_kb).c_str(), format_mb(m.hwm_kb).c_str(),
                    format_mb(m.rss_anon_kb).c_str(), format_mb(m.rss_file_kb).c_str());
    }
    const long hwm = rounds.back().memory.hwm_kb;
    const long hwm_first = rounds.front().memory.hwm_kb;

    // --- C
    std::vector<double> idle_us, flip_us;
    for (const auto& s : samples) {
        for (const auto& r : rounds) {
            if (s.sent >= r.idle_begin && s.sent < r.idle_end)
                idle_us.push_back(s.us);
            else if (s.sent >= r.flip.begin && s.sent < r.flip.end)
                flip_us.push_back(s.us);
        }
    }
    std::printf("\nC. GetAll(Manager) every %u ms, the same client; pooled over the rounds\n",
                o.poll_ms);
    std::printf("  %-26s %8s %10s %10s %10s\n", "", "calls", "p50 us", "p99 us", "max us");
    auto poll_line = [](const char* label, const std::vector<double>& v) {
        std::printf("  %-26s %8zu %10.1f %10.1f %10.1f\n", label, v.size(), quantile(v, 0.5),
                    quantile(v, 0.99), v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()));
    };
    poll_line("idle (before each Start)", idle_us);
    poll_line("during the flips", flip_us);
    if (poller.errors() > 0)
        std::printf("  %zu calls failed; the first: %s\n", poller.errors(),
                    poller.first_error().c_str());
    const double p99_ratio = quantile(flip_us, 0.99) / std::max(1.0, quantile(idle_us, 0.99));
    if (o.timeline) {
        for (std::size_t i = 0; i < rounds.size(); ++i) {
            std::printf(
                "  round %zu, GetAll calls from Start to HostsFlipped (%.1f ms): offset ms "
                "/ round trip ms\n   ",
                i + 1, rounds[i].flip.flipped_ms);
            std::size_t k = 0;
            for (const auto& s : samples) {
                if (s.sent < rounds[i].flip.begin || s.sent >= rounds[i].flip.end)
                    continue;
                std::printf(" %.0f/%.1f%s", ms_between(rounds[i].flip.begin, s.sent), s.us / 1000.0,
                            ++k % 10 == 0 ? "\n   " : "");
            }
            std::printf("\n");
        }
    }
    if (flip_us.size() < 100) {
        std::printf(
            "  (fewer than 100 calls during the flips: their p99 is their maximum; more "
            "--rounds make it a percentile)\n");
    }

    auto verdict = [](bool met) { return met ? "met" : "NOT met"; };
    std::printf("\nverdict\n");
    std::printf(
        "  A  Start -> HostsFlipped / (ideal %.0f ms + one process start %.2f ms) = "
        "%.2fx (median of %zu), target <= %.1fx: %s\n",
        ideal_sleep_ms, median_of(starts), median_of(ratios), rounds.size(), kFlipRatioTarget,
        verdict(median_of(ratios) <= kFlipRatioTarget));
    std::printf("     (round 1, every host changing state: %.2fx; daemon CPU %.1f us a host)\n",
                ratios.front(), rounds.front().flip.daemon_cpu_ms * 1000.0 / n);
    std::printf("  B  daemon VmHWM after the flips = %s (after the first: %s), target <= %s: %s\n",
                format_mb(hwm).c_str(), format_mb(hwm_first).c_str(),
                format_mb(kHwmTargetKb).c_str(), verdict(hwm >= 0 && hwm <= kHwmTargetKb));
    std::printf(
        "  C  GetAll p99 during the flips / p99 idle = %.1f / %.1f us = %.2fx, target "
        "<= %.0fx: %s\n",
        quantile(flip_us, 0.99), quantile(idle_us, 0.99), p99_ratio, kPollRatioTarget,
        verdict(p99_ratio <= kPollRatioTarget));
    std::size_t not_in = 0;
    for (const auto& r : rounds)
        not_in += o.hosts - std::min<std::size_t>(o.hosts, r.flip.result.in_maintenance);
    std::printf("  hosts not in maintenance over the rounds = %zu: %s\n", not_in,
                verdict(not_in == 0));
    std::printf("\n  machine at the end: load average %s\ntotal run %.1f s\n",
                load_average().c_str(),
                std::chrono::duration<double>(Clock::now() - run_begin).count());
    std::fflush(stdout);
    return 0;
}

// ---------------------------------------------------------------------------------------------
// The Slurm figure: the daemon and the Slurm helper against scontrol by hand

// tests/engines/slurm-fixture.sh's controller in a temp dir, stopped when the object goes.
class SlurmCluster {
  public:
    explicit SlurmCluster(std::size_t nodes)
        // Unix socket paths are short: the directory is /tmp's, not $TMPDIR's.
        : dir_("/tmp", "mbslurm.", 0755) {
        const auto out = dir_.path() / "fixture.out";
        const auto env = environment_with({{"SLURM_FIXTURE_NODES", std::to_string(nodes)}});
        const ProgramRun r =
            run_program({MAINT_SLURM_FIXTURE, "start", dir_.path().string()}, env, out);
        started_ = true;
        if (!r.ok())
            throw SetupError("slurm-fixture.sh start " + dir_.path().string() + ": " +
                             describe_status(r.status) + "\n" + tail_of(out, 4000));
        conf_ = (dir_.path() / "slurm.conf").string();
    }
    ~SlurmCluster() {
        if (started_) {
            run_program({MAINT_SLURM_FIXTURE, "stop", dir_.path().string()}, environment_with({}),
                        dir_.path() / "fixture.out");
        }
    }
    SlurmCluster(const SlurmCluster&) = delete;
    SlurmCluster& operator=(const SlurmCluster&) = delete;

    const std::string& conf() const { return conf_; }
    const std::filesystem::path& dir() const { return dir_.path(); }

  private:
    TempDir dir_;
    bool started_ = false;
    std::string conf_;
};

// Why the Slurm figure cannot be taken here, or "".
std::string slurm_unavailable() {
    if (::geteuid() != 0)
        return "not root (the fixture's munged and slurmctld run as root here)";
    for (const char* program : {"slurmctld", "munged", "munge", "unmunge", "scontrol", "sinfo"}) {
        bool found = false;
        for (const char* dir :
             {"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"}) {
            if (::access((std::string(dir) + "/" + program).c_str(), X_OK) == 0)
                found = true;
        }
        if (!found)
            return std::string(program) +
                   " is not installed (scripts/install-deps.sh installs slurmctld, slurm-client "
                   "and munge)";
    }
    if (::access(MAINT_SLURM_FIXTURE, X_OK) != 0)
        return std::string("cannot run ") + MAINT_SLURM_FIXTURE;
    if (::access(MAINT_SLURM_HELPER_PATH, X_OK) != 0)
        return std::string("cannot run ") + MAINT_SLURM_HELPER_PATH;
    return {};
}

int run_slurm(const Options& o) {
    const auto run_begin = Clock::now();
    const std::string range = node_range(o.hosts);
    std::printf(
        "maint_bench_fleet --slurm: %zu Slurm nodes drained through maintenanced vs by hand\n",
        o.hosts);
    if (const std::string why = slurm_unavailable(); !why.empty()) {
        std::printf("  SKIP: %s\n", why.c_str());
        return 0;
    }
    const std::string helper = MAINT_SLURM_HELPER_PATH;
    const std::string section =
        "[Hosts slurm]\nBackend=batch\nHosts=" + range + "\nEnterCommand=" + helper +
        " enter %w\nLeaveCommand=" + helper + " leave %w\nStatusCommand=" + helper +
        " status\nBatchSize=" + std::to_string(o.batch) + "\nTimeoutSec=10min\n";
    std::printf(
        "  group    [Hosts slurm] Backend=batch, Hosts=%s, BatchSize=%u, MaxParallelHosts=%u\n"
        "           EnterCommand=%s enter %%w\n"
        "  by hand  scontrol update NodeName=%s State=DRAIN Reason=x, as one process\n"
        "  rounds   %zu, interleaved (the first of the pair alternates); RESUME by hand after\n"
        "           each, not timed; the daemon's windows are completed between rounds\n",
        range.c_str(), o.batch, o.parallel, helper.c_str(), range.c_str(), o.rounds);
    print_machine(o);
    std::fflush(stdout);

    const auto fixture_begin = Clock::now();
    SlurmCluster cluster(o.hosts);
    std::printf("  cluster  slurmctld of %s, %zu nodes, up in %.1f s (%s start)\n",
                cluster.conf().c_str(), o.hosts,
                std::chrono::duration<double>(Clock::now() - fixture_begin).count(),
                MAINT_SLURM_FIXTURE);
    std::fflush(stdout);
    DaemonOnBus daemon(section, o.parallel, {{"SLURM_CONF", cluster.conf()}});
    std::printf("  daemon   pid %d, up %.2f s after exec, SLURM_CONF in its environment\n",
                daemon.pid(), daemon.up_s());
    std::fflush(stdout);
    SignalWatch signals;

    const auto env = environment_with({{"SLURM_CONF", cluster.conf()}});
    const auto scontrol_log = cluster.dir() / "scontrol.out";
    auto scontrol = [&](const std::string& state, bool reason) {
        std::vector<std::string> argv = {"scontrol", "update", "NodeName=" + range,
                                         "State=" + state};
        if (reason)
            argv.push_back("Reason=x");
        const ProgramRun r = run_program(argv, env, scontrol_log);
        if (!r.ok())
            throw SetupError("scontrol update State=" + state + ": " + describe_status(r.status) +
                             "\n" + tail_of(scontrol_log, 2000));
        return r.wall_ms;
    };
    // Every node drained, or none (sinfo -t drain lists the drained and draining ones).
    auto drained = [&]() {
        const auto out = cluster.dir() / "sinfo.out";
        std::filesystem::remove(out);
        run_program({"sinfo", "-h", "-t", "drain,draining,drained", "-o", "%D"}, env, out);
        std::size_t n = 0;
        std::istringstream in(read_file(out));
        for (std::string line; std::getline(in, line);)
            n += std::strtoul(line.c_str(), nullptr, 10);
        return n;
    };

    std::vector<double> by_hand, through, ratios, daemon_cpu;
    std::vector<std::size_t> drained_after;
    for (std::size_t i = 0; i < o.rounds; ++i) {
        check_interrupt();
        double hand_ms = 0;
        Flip f;
        auto hand = [&] {
            hand_ms = scontrol("DRAIN", true);
            scontrol("RESUME", false);
        };
        auto via_daemon = [&] {
            try {
                f = flip_once(daemon, signals, "slurm", o.hosts, i + 1);
            } catch (const sdbus::Error& e) {
                throw daemon.failure("a call failed: " + e.getName() + ": " + e.getMessage());
            }
            drained_after.push_back(drained());
            scontrol("RESUME", false);
        };
        if (i % 2 == 0) {
            hand();
            via_daemon();
        } else {
            via_daemon();
            hand();
        }
        by_hand.push_back(hand_ms);
        through.push_back(f.flipped_ms);
        ratios.push_back(f.flipped_ms / hand_ms);
        daemon_cpu.push_back(f.daemon_cpu_ms);
        std::printf(
            "  round %zu: by hand %.1f ms, through the daemon %.1f ms = %.2fx (%u in "
            "maintenance, %zu drained by Slurm's count)\n",
            i + 1, hand_ms, f.flipped_ms, ratios.back(), f.result.in_maintenance,
            drained_after.back());
        if (!f.problem.empty())
            std::printf("    the window's log ends:\n%s", f.problem.c_str());
        std::fflush(stdout);
    }
    std::printf("\n  %-38s %10s %10s\n", "", "median ms", "min-max");
    auto line = [](const char* label, const std::vector<double>& v) {
        std::printf("  %-38s %10.1f %4.0f-%.0f\n", label, median_of(v),
                    *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()));
    };
    line("scontrol update ... State=DRAIN by hand", by_hand);
    line("Start -> HostsFlipped through the daemon", through);
    line("the daemon's CPU over its flip", daemon_cpu);
    std::printf("\nverdict\n");
    const double ratio = median_of(ratios);
    std::printf(
        "  Slurm: Start -> HostsFlipped / scontrol by hand = %.2fx (median of %zu "
        "interleaved pairs), target <= %.1fx: %s\n",
        ratio, ratios.size(), kSlurmRatioTarget, ratio <= kSlurmRatioTarget ? "met" : "NOT met");
    std::size_t short_of = 0;
    for (std::size_t d : drained_after)
        short_of += o.hosts - std::min(o.hosts, d);
    std::printf("  nodes not drained after the daemon's flips = %zu: %s\n", short_of,
                short_of == 0 ? "met" : "NOT met");
    std::printf("\n  machine at the end: load average %s\ntotal run %.1f s\n",
                load_average().c_str(),
                std::chrono::duration<double>(Clock::now() - run_begin).count());
    std::fflush(stdout);
    return 0;
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
        return options->slurm ? run_slurm(*options) : run_fleet(*options);
    } catch (const BenchInterrupted&) {
        std::fprintf(stderr, "maint_bench_fleet: interrupted\n");
        return 130;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "maint_bench_fleet: setup failed: %s\n", e.what());
    }
    return 1;
}
