// Points in time as systemd.time(7) writes them: the parser behind maintenancectl's START/END
// arguments and the formatter behind every time the daemon and the client show to a person.
//
// Zones: local time is the process's TZ (localtime_r/mktime), "UTC" uses timegm, the local zone's
// own abbreviations ("CET", "CEST") pick standard or daylight time as systemd does, and a
// tz-database name ("Europe/Berlin") is honoured by pointing TZ at it for the duration of the
// conversion. That last case changes the process environment briefly, so it must not race with
// another thread reading local time; the client is single-threaded and the daemon only formats.
#include "timestamp.hpp"

#include <strings.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <limits>
#include <optional>
#include <vector>

namespace maint {

namespace {

constexpr std::string_view kExpected =
    "expected a time like \"2026-12-01 02:00\", \"2026-12-01 02:00:00 UTC\", \"tomorrow 03:00\", "
    "\"+2h\" or \"@1764554400\"";

// Which clock a civil time is read in.
struct Zone {
    enum class Kind { Local, Utc, Named };
    Kind kind = Kind::Local;
    std::string name;  // for Named: the tz-database name
    int isdst = -1;    // for Local: 0 or 1 when the text named the standard or daylight zone
};

// Points TZ at another zone and back again; the old value is restored even when parsing throws.
class TzOverride {
  public:
    explicit TzOverride(const std::string& zone) {
        if (const char* old = std::getenv("TZ")) {
            saved_ = old;
        }
        // The leading colon tells glibc to read the zone file rather than a POSIX TZ rule.
        ::setenv("TZ", (":" + zone).c_str(), 1);
        ::tzset();
    }
    ~TzOverride() {
        if (saved_) {
            ::setenv("TZ", saved_->c_str(), 1);
        } else {
            ::unsetenv("TZ");
        }
        ::tzset();
    }
    TzOverride(const TzOverride&) = delete;
    TzOverride& operator=(const TzOverride&) = delete;

  private:
    std::optional<std::string> saved_;
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
        s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
        s.remove_suffix(1);
    }
    return s;
}

std::vector<std::string> words_of(std::string_view s) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) {
            ++i;
        }
        std::size_t start = i;
        while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) {
            ++i;
        }
        if (i > start) {
            words.emplace_back(s.substr(start, i - start));
        }
    }
    return words;
}

std::string quoted(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

Usec checked_add(Usec a, Usec b) {
    if (b > std::numeric_limits<Usec>::max() - a) {
        throw ParseError("the time is too far in the future");
    }
    return a + b;
}

Usec span_of(std::string_view text) {
    text = trim(text);
    if (text.empty()) {
        throw ParseError("a time span is missing after the sign; " + std::string(kExpected));
    }
    return parse_timespan(text, kUsecPerSec);
}

// "1764554400" or "1764554400.25": seconds since the epoch.
Usec epoch_of(std::string_view text) {
    auto dot = text.find('.');
    std::string_view whole = text.substr(0, dot);
    std::string_view frac =
        dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    auto digits_only = [](std::string_view s) {
        for (char c : s) {
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    };
    if (whole.empty() || !digits_only(whole) || !digits_only(frac) ||
        (dot != std::string_view::npos && frac.empty())) {
        throw ParseError("after \"@\" expected seconds since the epoch, like \"@1764554400\"");
    }
    Usec seconds = 0;
    auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
    if (ec != std::errc{} || end != whole.data() + whole.size() ||
        seconds > std::numeric_limits<Usec>::max() / kUsecPerSec) {
        throw ParseError("the time is too far in the future");
    }
    Usec usec = 0;
    Usec scale = kUsecPerSec / 10;
    // Digits beyond microseconds cannot be represented; they are dropped, not rounded.
    for (std::size_t i = 0; i < frac.size() && scale > 0; ++i, scale /= 10) {
        usec += static_cast<Usec>(frac[i] - '0') * scale;
    }
    return checked_add(seconds * kUsecPerSec, usec);
}

bool equals_nocase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<int> weekday_of(std::string_view word) {
    static constexpr std::array<std::string_view, 7> kShort = {"Sun", "Mon", "Tue", "Wed",
                                                               "Thu", "Fri", "Sat"};
    static constexpr std::array<std::string_view, 7> kLong = {
        "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
    for (int i = 0; i < 7; ++i) {
        if (equals_nocase(word, kShort[i]) || equals_nocase(word, kLong[i])) {
            return i;
        }
    }
    return std::nullopt;
}

// A tz-database name we may safely hand to TZ: glibc silently falls back to UTC for a name it
// cannot find, so the zone file is looked up here first, and nothing may point outside TZDIR.
bool is_tz_database_name(const std::string& name) {
    if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos) {
        return false;
    }
    bool has_letter = false;
    for (char c : name) {
        bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        has_letter = has_letter || alpha;
        if (!alpha && !(c >= '0' && c <= '9') && c != '/' && c != '_' && c != '-' && c != '+') {
            return false;
        }
    }
    if (!has_letter) {
        return false;
    }
    const char* dir = std::getenv("TZDIR");
    std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + name;
    std::ifstream file(path, std::ios::binary);
    char magic[4] = {};
    return file.read(magic, sizeof magic) && std::string_view(magic, 4) == "TZif";
}

std::optional<Zone> zone_of(const std::string& word) {
    if (word == "UTC") {
        return Zone{Zone::Kind::Utc, {}, 0};
    }
    ::tzset();
    bool standard = word == ::tzname[0];
    bool daylight = word == ::tzname[1];
    if (standard || daylight) {
        // Both names equal (a zone without daylight time): let mktime decide.
        return Zone{Zone::Kind::Local, {}, standard && daylight ? -1 : (daylight ? 1 : 0)};
    }
    if (is_tz_database_name(word)) {
        return Zone{Zone::Kind::Named, word, -1};
    }
    return std::nullopt;
}

// Reads a run of 1..max_digits decimal digits covering the whole of `s`. (An out parameter
// rather than std::optional<int>: g++ 12 warns falsely about optionals read after checks.)
bool read_number(std::string_view s, std::size_t max_digits, int& out) {
    if (s.empty() || s.size() > max_digits) {
        return false;
    }
    int value = 0;
    for (char c : s) {
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    out = value;
    return true;
}

struct Date {
    int year = 0, month = 0, day = 0;
};

struct TimeOfDay {
    int hour = 0, minute = 0, second = 0;
    Usec usec = 0;
};

bool is_leap(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
    static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// "2026-12-01": a valid date, or nullopt when the word is not shaped like one.
std::optional<Date> date_of(std::string_view word) {
    auto first = word.find('-');
    auto second = first == std::string_view::npos ? first : word.find('-', first + 1);
    Date d{};
    if (first != 4 || second == std::string_view::npos ||
        !read_number(word.substr(0, 4), 4, d.year) ||
        !read_number(word.substr(first + 1, second - first - 1), 2, d.month) ||
        !read_number(word.substr(second + 1), 2, d.day)) {
        return std::nullopt;
    }
    if (d.year < 1970) {
        throw ParseError("year " + std::to_string(d.year) + " is before 1970");
    }
    if (d.month < 1 || d.month > 12) {
        throw ParseError("month " + std::to_string(d.month) + " is out of range (1-12)");
    }
    if (d.day < 1 || d.day > days_in_month(d.year, d.month)) {
        throw ParseError(std::string(word) + " is not a day of the calendar");
    }
    return d;
}

// "02:00", "02:00:30", "02:00:30.5": a valid time of day, or nullopt when not shaped like one.
std::optional<TimeOfDay> time_of(std::string_view word) {
    auto dot = word.find('.');
    bool has_frac = dot != std::string_view::npos;
    std::string_view frac = has_frac ? word.substr(dot + 1) : std::string_view{};
    std::string_view hms = word.substr(0, dot);
    auto c1 = hms.find(':');
    if (c1 == std::string_view::npos) {
        return std::nullopt;
    }
    auto c2 = hms.find(':', c1 + 1);
    bool has_seconds = c2 != std::string_view::npos;
    TimeOfDay t;
    int digits = 0;
    if (!read_number(hms.substr(0, c1), 2, t.hour) ||
        !read_number(hms.substr(c1 + 1, has_seconds ? c2 - c1 - 1 : c2), 2, t.minute) ||
        (has_seconds && !read_number(hms.substr(c2 + 1), 2, t.second)) ||
        (has_frac && (!has_seconds || !read_number(frac, 6, digits)))) {
        return std::nullopt;
    }
    Usec scale = kUsecPerSec / 10;
    for (char c : frac) {
        t.usec += static_cast<Usec>(c - '0') * scale;
        scale /= 10;
    }
    if (t.hour > 23 || t.minute > 59 || t.second > 59) {
        throw ParseError(std::string(word) + " is not a time of day (00:00:00-23:59:59)");
    }
    return t;
}

std::tm civil_of(std::time_t t, const Zone& zone) {
    std::tm tm{};
    bool ok = zone.kind == Zone::Kind::Utc ? ::gmtime_r(&t, &tm) != nullptr
                                           : ::localtime_r(&t, &tm) != nullptr;
    if (!ok) {
        throw ParseError("the current time cannot be represented");
    }
    return tm;
}

// Seconds since the epoch of a civil time; mktime/timegm also normalise a day past the month's
// end, which is how "tomorrow" on the 31st becomes the 1st.
std::time_t seconds_of(std::tm& tm, const Zone& zone) {
    std::time_t t;
    if (zone.kind == Zone::Kind::Utc) {
        t = ::timegm(&tm);
    } else {
        tm.tm_isdst = zone.isdst;
        t = ::mktime(&tm);
    }
    // -1 is also a valid answer (1969-12-31 23:59:59 UTC), but that is before 1970 and refused.
    if (t < 0) {
        throw ParseError("the time is before 1970 or cannot be represented");
    }
    return t;
}

Usec parse_absolute(std::string_view text, Usec now) {
    ::tzset();  // the local zone's names and rules as TZ says now, not as it said at start-up
    std::vector<std::string> words = words_of(text);
    Zone zone;
    if (words.size() >= 2) {
        if (auto z = zone_of(words.back())) {
            zone = *z;
            words.pop_back();
        }
    }
    std::optional<int> weekday;
    if (words.size() >= 2) {
        weekday = weekday_of(words.front());
        if (weekday) {
            words.erase(words.begin());
        }
    }
    if (words.empty() || words.size() > 2) {
        throw ParseError(std::string(kExpected));
    }

    std::optional<TzOverride> tz;
    if (zone.kind == Zone::Kind::Named) {
        tz.emplace(zone.name);
    }

    std::optional<Date> date;
    int day_offset = 0;
    bool relative_day = false;
    const std::string& first = words.front();
    if (first == "today" || first == "tomorrow" || first == "yesterday") {
        relative_day = true;
        day_offset = first == "tomorrow" ? 1 : (first == "yesterday" ? -1 : 0);
    } else {
        date = date_of(first);
    }

    std::optional<TimeOfDay> time;
    if (date || relative_day) {
        if (words.size() == 2) {
            time = time_of(words[1]);
            if (!time) {
                throw ParseError(quoted(words[1]) + " is not a time of day like \"02:00\"");
            }
        }
    } else {
        // No date: a time of day alone means today.
        time = words.size() == 1 ? time_of(first) : std::nullopt;
        if (!time) {
            throw ParseError(std::string(kExpected));
        }
        relative_day = true;
    }

    std::tm tm{};
    if (relative_day) {
        tm = civil_of(static_cast<std::time_t>(now / kUsecPerSec), zone);
        tm.tm_mday += day_offset;
    } else {
        tm.tm_year = date->year - 1900;
        tm.tm_mon = date->month - 1;
        tm.tm_mday = date->day;
    }
    TimeOfDay tod = time.value_or(TimeOfDay{});
    tm.tm_hour = tod.hour;
    tm.tm_min = tod.minute;
    tm.tm_sec = tod.second;

    std::time_t seconds = seconds_of(tm, zone);
    if (weekday && tm.tm_wday != *weekday) {
        throw ParseError("the weekday " + quoted(text.substr(0, text.find(' '))) +
                         " does not match the date");
    }
    return static_cast<Usec>(seconds) * kUsecPerSec + tod.usec;
}

std::string plural(Usec n, std::string_view unit) {
    return std::to_string(n) + " " + std::string(unit) + (n == 1 ? "" : "s");
}

// Two units at most, the smaller one left out when it is zero.
std::string pair(const std::string& big, Usec small, const std::string& small_text) {
    return small == 0 ? big : big + " " + small_text;
}

}  // namespace

Usec realtime_now() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<Usec>(ts.tv_sec) * kUsecPerSec + static_cast<Usec>(ts.tv_nsec) / 1000;
}

Usec parse_timestamp(std::string_view input, Usec now) {
    std::string_view text = trim(input);
    if (text.empty()) {
        throw ParseError("the time is empty; " + std::string(kExpected));
    }
    if (text == "now") {
        return now;
    }
    if (text.front() == '+') {
        return checked_add(now, span_of(text.substr(1)));
    }
    constexpr std::string_view kAgo = " ago";
    bool ago = text.size() > kAgo.size() && text.substr(text.size() - kAgo.size()) == kAgo;
    if (text.front() == '-' || ago) {
        Usec span =
            ago ? span_of(text.substr(0, text.size() - kAgo.size())) : span_of(text.substr(1));
        if (span > now) {
            throw ParseError("the time is before 1970");
        }
        return now - span;
    }
    if (text.front() == '@') {
        return epoch_of(text.substr(1));
    }
    return parse_absolute(text, now);
}

std::string format_timestamp(Usec when) {
    if (when == 0 || when == std::numeric_limits<Usec>::max()) {
        return "n/a";
    }
    // glibc's localtime_r does not re-read TZ by itself; a changed TZ must be noticed.
    ::tzset();
    std::time_t seconds = static_cast<std::time_t>(when / kUsecPerSec);
    std::tm tm{};
    if (::localtime_r(&seconds, &tm) == nullptr) {
        return "n/a";
    }
    char buffer[128];
    std::size_t n = std::strftime(buffer, sizeof buffer, "%a %Y-%m-%d %H:%M:%S %Z", &tm);
    return n == 0 ? "n/a" : std::string(buffer, n);
}

std::string format_relative(Usec when, Usec now) {
    bool future = when > now;
    Usec d = future ? when - now : now - when;
    // The lengths systemd uses: a year of 365.25 days, a month of a twelfth of that.
    constexpr Usec kYear = 31'557'600ULL * kUsecPerSec;
    constexpr Usec kMonth = 2'629'800ULL * kUsecPerSec;
    constexpr Usec kWeek = 7 * kUsecPerDay;

    std::string text;
    if (d >= kYear) {
        Usec months = (d % kYear) / kMonth;
        text = pair(plural(d / kYear, "year"), months, plural(months, "month"));
    } else if (d >= kMonth) {
        Usec days = (d % kMonth) / kUsecPerDay;
        text = pair(plural(d / kMonth, "month"), days, plural(days, "day"));
    } else if (d >= kWeek) {
        Usec days = (d % kWeek) / kUsecPerDay;
        text = pair(plural(d / kWeek, "week"), days, plural(days, "day"));
    } else if (d >= 2 * kUsecPerDay) {
        text = plural(d / kUsecPerDay, "day");
    } else if (d >= 25 * kUsecPerHour) {
        Usec hours = (d - kUsecPerDay) / kUsecPerHour;
        text = "1 day " + std::to_string(hours) + "h";
    } else if (d >= 6 * kUsecPerHour) {
        text = std::to_string(d / kUsecPerHour) + "h";
    } else if (d >= kUsecPerHour) {
        Usec minutes = (d % kUsecPerHour) / kUsecPerMinute;
        text =
            pair(std::to_string(d / kUsecPerHour) + "h", minutes, std::to_string(minutes) + "min");
    } else if (d >= 5 * kUsecPerMinute) {
        text = std::to_string(d / kUsecPerMinute) + "min";
    } else if (d >= kUsecPerMinute) {
        Usec seconds = (d % kUsecPerMinute) / kUsecPerSec;
        text = pair(std::to_string(d / kUsecPerMinute) + "min", seconds,
                    std::to_string(seconds) + "s");
    } else if (d >= kUsecPerSec) {
        text = std::to_string(d / kUsecPerSec) + "s";
    } else {
        // Below a second the difference is the time it took to ask, not information.
        return "now";
    }
    return future ? "in " + text : text + " ago";
}

}  // namespace maint
