// The progress of a host flip for people, on stderr (see progress.hpp).
#include "ctl/progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "common/timespan.hpp"

namespace maint::ctl {

namespace {

constexpr std::string_view kClearLine = "\r\x1b[K";
constexpr std::string_view kRed = "\x1b[0;1;31m";
constexpr std::string_view kYellow = "\x1b[0;1;33m";
constexpr std::string_view kNormal = "\x1b[0m";
// The bar itself is drawn only when at least this many characters are left for it.
constexpr std::size_t kMinBarWidth = 10;

unsigned percent_of(const HostProgress& p) {
    if (p.total == 0) {
        return 100;
    }
    return static_cast<unsigned>(std::uint64_t{p.done()} * 100 / p.total);
}

// Whole tenths of the hosts with a result: the step of the Lines mode.
unsigned step_of(const HostProgress& p) {
    if (p.total == 0) {
        return 0;
    }
    return static_cast<unsigned>(std::uint64_t{p.done()} * 10 / p.total);
}

// "46s", "2min 3s", "1h 24min": seconds are noise past an hour.
std::string left_text(double seconds) {
    if (seconds > 1e7) {
        return "--";
    }
    auto whole = static_cast<Usec>(std::ceil(seconds));
    if (whole >= 3600) {
        whole = (whole + 59) / 60 * 60;
    }
    return whole == 0 ? "0s" : format_timespan(whole * kUsecPerSec);
}

std::string rate_text(double rate) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, rate < 10 ? "%.1f" : "%.0f", rate);
    return buffer;
}

}  // namespace

ProgressMode progress_mode(const TerminalFacts& facts, bool json) {
    if (json) {
        return ProgressMode::None;
    }
    const bool dumb = !facts.term || facts.term->empty() || *facts.term == "dumb";
    return facts.stdout_tty && facts.stderr_tty && !dumb ? ProgressMode::Bar : ProgressMode::Lines;
}

bool progress_color(const TerminalFacts& facts) {
    return !facts.no_color || facts.no_color->empty();
}

std::string progress_line(std::string_view verb, const HostProgress& p) {
    return std::string(verb) + ": " + std::to_string(percent_of(p)) + "% (" +
           std::to_string(p.done()) + "/" + std::to_string(p.total) +
           " hosts: " + std::to_string(p.in_maintenance) + " in maintenance, " +
           std::to_string(p.failed) + " failed, " + std::to_string(p.skipped) + " skipped)";
}

std::string progress_bar(std::string_view verb, const HostProgress& p, std::optional<double> rate,
                         std::size_t columns, bool color) {
    const unsigned percent = percent_of(p);
    const std::string figures = std::to_string(percent) + "% " + std::to_string(p.done()) + "/" +
                                std::to_string(p.total) + " hosts, ";
    // After the bar the percentage is right-aligned, so that the figures do not shift.
    const std::string pad(percent < 10 ? 2 : percent < 100 ? 1 : 0, ' ');
    const std::string failed = std::to_string(p.failed) + " failed";
    const std::string skipped = std::to_string(p.skipped) + " skipped";
    // The tails from the richest to the barest, for narrower and narrower lines.
    std::vector<std::string> tails;
    if (rate && *rate > 0) {
        const std::string per_second = ", " + rate_text(*rate) + " hosts/s";
        tails = {per_second + ", " + left_text(p.pending / *rate) + " left", per_second, ""};
    } else {
        tails = {", -- hosts/s", ""};
    }
    const std::size_t text_width =
        pad.size() + figures.size() + failed.size() + 2 + skipped.size() + tails.front().size();

    // "VERB [====>    ] " in front when there is room for a bar of some width, else "VERB: ".
    // The last column stays empty: a line that fills it wraps on some terminals.
    std::string head = std::string(verb) + ": ";
    std::string tail = tails.front();
    if (columns > text_width + verb.size() + 5 + kMinBarWidth) {
        const std::size_t inner =
            std::min<std::size_t>(columns - 1 - text_width - verb.size() - 4, 40);
        const std::size_t filled = p.total == 0 ? inner : inner * p.done() / p.total;
        head = std::string(verb) + " [" + std::string(filled, '=');
        if (filled < inner) {
            head += '>';
            head += std::string(inner - filled - 1, ' ');
        }
        head += "] " + pad;
    } else {
        const std::size_t fixed = head.size() + figures.size() + failed.size() + 2 + skipped.size();
        for (const auto& t : tails) {
            tail = t;
            if (fixed + t.size() < columns) {
                break;
            }
        }
    }
    std::string plain = head + figures + failed + ", " + skipped + tail;
    if (plain.size() >= columns && columns > 0) {
        // Narrower still: the figures, cut. Redrawn with \r, the line must never wrap.
        return plain.substr(0, columns - 1);
    }
    if (!color) {
        return plain;
    }
    auto paint = [](const std::string& text, bool on, std::string_view colour) {
        return on ? std::string(colour) + text + std::string(kNormal) : text;
    };
    return head + figures + paint(failed, p.failed > 0, kRed) + ", " +
           paint(skipped, p.skipped > 0, kYellow) + tail;
}

FlipProgress::FlipProgress(std::string verb, ProgressMode mode, bool color)
    : verb_(std::move(verb)), mode_(mode), color_(color) {}

std::optional<double> FlipProgress::rate(double now) const {
    if (!last_ || last_->done() <= first_done_ || now <= first_time_) {
        return std::nullopt;
    }
    return (last_->done() - first_done_) / (now - first_time_);
}

std::string FlipProgress::update(const HostProgress& progress, double now, std::size_t columns) {
    if (!last_) {
        first_done_ = progress.done();
        first_time_ = now;
    }
    last_ = progress;
    switch (mode_) {
        case ProgressMode::None:
            return "";
        case ProgressMode::Bar:
            return tick(now, columns);
        case ProgressMode::Lines:
            break;
    }
    const unsigned step = step_of(progress);
    if (step <= printed_step_) {
        return "";
    }
    printed_step_ = step;
    return progress_line(verb_, progress) + "\n";
}

std::string FlipProgress::tick(double now, std::size_t columns) {
    if (mode_ != ProgressMode::Bar || !last_) {
        return "";
    }
    drawn_ = true;
    return std::string(kClearLine) + progress_bar(verb_, *last_, rate(now), columns, color_);
}

std::string FlipProgress::finish(const HostProgress& final) {
    switch (mode_) {
        case ProgressMode::None:
            return "";
        case ProgressMode::Bar:
            return drawn_ ? std::string(kClearLine) : "";
        case ProgressMode::Lines:
            break;
    }
    if (final.total == 0 || step_of(final) <= printed_step_) {
        return "";
    }
    printed_step_ = step_of(final);
    last_ = final;
    return progress_line(verb_, final) + "\n";
}

}  // namespace maint::ctl
