// Wall: a notice written to every terminal of a logged-in user, as shutdown(8) and wall(1) do.
// The terminals come from utmp (USER_PROCESS entries); each is opened with O_NONBLOCK and written
// once, so a stuck terminal (output stopped with ^S, a hung ssh) costs nothing and never blocks
// the event loop: what does not fit at once is not written there.
//
// A terminal that cannot be written is not an error of the window: users log out between the
// utmp read and the open, terminals are stopped or gone, and nobody could act on a log line
// "pts/3: EIO"; shutdown(8) ignores them too. They are reported for the daemon's own log only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/timespan.hpp"

namespace maint {

// The terminal a utmp line names ("pts/3", "tty1", "/dev/pts/3") as "/dev/pts/3"; nullopt unless
// it is /dev/pts/N, /dev/ttyNAME (letters and digits) or /dev/console. ut_line is data whoever
// wrote the utmp entry chose, and merely opening some devices acts on them (a watchdog).
std::optional<std::string> terminal_path(std::string_view line);

// The terminals of logged-in users, "/dev/pts/3", each once, in utmp order. `utmp_file` empty:
// the system's (/run/utmp). A line that is not a terminal_path is skipped.
std::vector<std::string> logged_in_terminals(const std::string& utmp_file = {});

// What is written to each terminal: a bell, "Broadcast message from maintenanced@HOST (DATE):",
// an empty line, `text` (made printable: common/text.hpp), all with CR LF line endings.
std::string wall_message(std::string_view text, const std::string& hostname, Usec now);

struct WallReport {
    std::size_t written = 0;
    std::vector<std::string> skipped;  // "/dev/pts/3: Resource temporarily unavailable"
};

// Writes `message` (as wall_message made it) to each terminal. Each is checked again (a
// terminal_path), opened without following a symbolic link, and written only when it is a
// character device and a terminal.
WallReport write_to_terminals(const std::string& message,
                              const std::vector<std::string>& terminals);

}  // namespace maint
