// Points in time: parsing them the way systemd reads timestamps, and showing them to a person in
// local time with the zone plus a relative hint. Shared by maintenancectl and the daemon's notices.
#pragma once

#include <string>
#include <string_view>

#include "timespan.hpp"

namespace maint {

// Microseconds since the epoch, CLOCK_REALTIME.
Usec realtime_now();

// Parses a timestamp as systemd.time(7) does, relative to `now`:
//   "2026-12-01 02:00", "2026-12-01 02:00:00", "2026-12-01 02:00:00 UTC", "2026-12-01" (midnight),
//   "02:00" (today), "today", "tomorrow", "yesterday", "now", "tomorrow 03:00",
//   "+2h", "+1h 30min", "-5min", "@1764554400" (epoch seconds), and a trailing "UTC" or a zone
//   name from the tz database ("Europe/Berlin"). Local time is the process's TZ.
// Throws ParseError with a message that says what was expected.
Usec parse_timestamp(std::string_view text, Usec now);

// "Tue 2026-12-01 02:00:00 CET" in local time (the process's TZ); 0 is "n/a".
std::string format_timestamp(Usec when);

// "in 2h 13min", "3 days ago", "now" — relative to `now`, two units at most, like systemctl.
std::string format_relative(Usec when, Usec now);

}  // namespace maint
