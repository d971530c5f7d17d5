// What start and retry-hosts show while they wait for a window's host flip: a progress bar
// redrawn in place on a terminal, a line per 10% otherwise. Pure: the caller says what the
// terminal is, what time it is (seconds of a monotonic clock) and how wide the line may be, and
// writes the returned text to stderr, so every line is unit-tested without a terminal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ctl/model.hpp"

namespace maint::ctl {

enum class ProgressMode {
    None,   // --json: nothing but the document at the end
    Bar,    // a terminal: one line, redrawn in place
    Lines,  // a pipe, a file, a dumb terminal: "start: 30% (...)" per 10%
};

// What the process knows about its output, as systemd's tools look at it.
struct TerminalFacts {
    bool stdout_tty = false;
    bool stderr_tty = false;
    std::optional<std::string> term;      // $TERM
    std::optional<std::string> no_color;  // $NO_COLOR
};

// Bar only when stdout and stderr both are terminals (systemd's on_tty(): a pipe on either side
// means a log or a script is reading) and $TERM is set and not "dumb".
ProgressMode progress_mode(const TerminalFacts& facts, bool json);
// Colour in the bar unless $NO_COLOR is set and not empty (https://no-color.org).
bool progress_color(const TerminalFacts& facts);

// "start: 30% (3000/10000 hosts: 2990 in maintenance, 10 failed, 0 skipped)".
std::string progress_line(std::string_view verb, const HostProgress& progress);

// "start [=====>     ]  45% 4500/10000 hosts, 3 failed, 0 skipped, 120 hosts/s, 46s left",
// no wider than `columns` (the figures go first, then the bar is dropped). `rate` is hosts per
// second, nullopt while unknown.
std::string progress_bar(std::string_view verb, const HostProgress& progress,
                         std::optional<double> rate, std::size_t columns, bool color);

// The state of one wait: the last 10% step printed, and where the rate is measured from.
class FlipProgress {
  public:
    FlipProgress(std::string verb, ProgressMode mode, bool color);

    // A HostProgress the window announced, at `now` seconds; the text to write on stderr ("" for
    // none): in Bar mode the redrawn bar, in Lines mode a line when a new 10% step is reached.
    std::string update(const HostProgress& progress, double now, std::size_t columns);
    // Nothing new, but time passed: the bar with its rate and time left brought up to date.
    std::string tick(double now, std::size_t columns);
    // The wait is over with `final`: Bar mode clears its line; Lines mode prints the last step
    // if it was not printed yet.
    std::string finish(const HostProgress& final);

    // Hosts per second since the first HostProgress seen, once hosts got a result after it.
    std::optional<double> rate(double now) const;

  private:
    std::string verb_;
    ProgressMode mode_;
    bool color_;
    std::optional<HostProgress> last_;
    unsigned printed_step_ = 0;  // tenths of the hosts done that were printed
    bool drawn_ = false;
    std::uint32_t first_done_ = 0;
    double first_time_ = 0;
};

}  // namespace maint::ctl
