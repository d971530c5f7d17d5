// Time spans in systemd's syntax ("90s", "30min", "1h 30min", "2d"), shared by the daemon's
// configuration and maintenancectl's --lead option.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace maint {

using Usec = std::uint64_t;

inline constexpr Usec kUsecPerSec = 1'000'000ULL;
inline constexpr Usec kUsecPerMinute = 60 * kUsecPerSec;
inline constexpr Usec kUsecPerHour = 60 * kUsecPerMinute;
inline constexpr Usec kUsecPerDay = 24 * kUsecPerHour;

// Thrown by the parsers of this folder; what() is a one-line message saying what was wrong.
class ParseError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Parses a span as systemd.time(7) does: numbers (decimal fractions allowed) each followed by a
// unit (usec, us, msec, ms, s, sec, second(s), m, min, minute(s), h, hr, hour(s), d, day(s),
// w, week(s), M, month(s), y, year(s)), separated by optional whitespace. A bare number means
// `default_unit` (seconds for *Sec settings). Throws ParseError on anything else or on overflow.
Usec parse_timespan(std::string_view text, Usec default_unit = kUsecPerSec);

// Formats a span the way systemd prints it: "1h 30min", "2d", "90ms"; 0 is "0".
std::string format_timespan(Usec span);

}  // namespace maint
