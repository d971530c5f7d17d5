// each-host's engine: runs one command per host, at most `parallel` at a time, in this one
// process: fork and exec, a pipe for each child's output, a pidfd for its exit, and one poll(2)
// loop over all of them (no threads). Each child leads a process group of its own, so that a
// timeout ends everything it started (SIGTERM, then SIGKILL `kill_after` later), and whatever
// it leaves running in its group is killed when it exits. Each child also dies with each-host
// (PR_SET_PDEATHSIG), and SIGTERM, SIGINT or SIGHUP to each-host is passed on to every running
// group, the hosts not started yet being reported as such: the daemon's timeout of the whole
// batch then ends the per-host commands too.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/timespan.hpp"
#include "engines/host_command.hpp"

namespace maint::engines {

inline constexpr unsigned kMaxParallel = 1024;

struct RunnerOptions {
    unsigned parallel = 64;
    Usec timeout = 30 * kUsecPerSec;  // per host; 0: none
    Usec kill_after = 5 * kUsecPerSec;
    bool status = false;
    std::vector<std::string> command;  // with %h
};

struct RunSummary {
    std::size_t failed = 0;  // hosts whose result is failed (or unknown, with `status`)
    std::string stopped_by;  // the signal that stopped each-host, "" when none did
};

// Runs the command for every host (each once, in order of `hosts`, which has no duplicates) and
// calls `report` as each one finishes. Each child gets standard input from /dev/null, the
// environment of each-host plus MAINTENANCE_HOST=<host>. Throws std::runtime_error when the
// process cannot do its work at all (no descriptors, no signalfd).
RunSummary run_each_host(const std::vector<std::string>& hosts, const RunnerOptions& options,
                         const std::function<void(const std::string&, const Verdict&)>& report);

}  // namespace maint::engines
