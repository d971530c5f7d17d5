// each-host's pure part: the per-host command line (%h) and what a finished command means for
// its host (the result line). No I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/timespan.hpp"
#include "engines/batch_io.hpp"

namespace maint::engines {

// Each word with "%h" replaced by the host and "%%" by "%"; any other "%" stays as it is (so that
// `date +%s` needs no escaping). In maintenanced.conf write "%%h": the daemon turns "%%" into "%"
// before it runs the helper, and leaves each-host its "%h".
std::vector<std::string> expand_host_command(const std::vector<std::string>& command,
                                             std::string_view host);

// How one host's command ended.
struct HostEnd {
    bool started = false;
    std::string error;  // why it did not start
    bool timed_out = false;
    Usec timeout = 0;        // the timeout it outlived
    std::string stopped_by;  // "SIGTERM" when each-host was told to stop while it ran
    int exit_status = -1;    // when it exited
    int signal = 0;          // when a signal ended it
    std::string output;      // standard output and error, the first kMaxHostOutput bytes
};

inline constexpr std::size_t kMaxHostOutput = 64 * 1024;

// The result for the host: `ok` on exit status 0, `failed` otherwise, the message being the
// command's first line of output, after what went wrong ("exit status 2: Permission denied",
// "timed out after 30s", "killed by signal 9 (Killed)"). With `status`, as StatusCommand= of a
// single host: exit status 0 is `maintenance`, 1 to 3 `normal`, anything else `unknown`.
struct Verdict {
    Result result = Result::Failed;
    std::string message;
};
Verdict judge(const HostEnd& end, bool status);

}  // namespace maint::engines
