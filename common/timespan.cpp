// Time spans in systemd.time(7)'s syntax. The parser follows systemd's parse_time() (a sum of
// "number unit" terms, decimal fractions, a bare number in the caller's default unit), but looks
// a unit up as a whole word so that "5x" is reported as an unknown unit rather than a stray
// character. The formatter follows systemd's format_timespan() with full accuracy, so that
// parse_timespan(format_timespan(x)) == x for every x.
#include "timespan.hpp"

#include <array>
#include <limits>
#include <optional>

namespace maint {

namespace {

// systemd's lengths of a month and a year: a twelfth of a Julian year, and a Julian year.
constexpr Usec kUsecPerMsec = 1'000ULL;
constexpr Usec kUsecPerWeek = 7 * kUsecPerDay;
constexpr Usec kUsecPerMonth = 2'629'800ULL * kUsecPerSec;
constexpr Usec kUsecPerYear = 31'557'600ULL * kUsecPerSec;

// The largest span: systemd keeps UINT64_MAX for "infinity", which a span here never is.
constexpr Usec kMaxSpan = std::numeric_limits<Usec>::max() - 1;

struct Unit {
    std::string_view name;
    Usec usec;
};

constexpr std::array<Unit, 29> kUnits = {{
    {"usec", 1},
    {"us", 1},
    {"\xce\xbcs", 1},  // "μs"
    {"msec", kUsecPerMsec},
    {"ms", kUsecPerMsec},
    {"seconds", kUsecPerSec},
    {"second", kUsecPerSec},
    {"sec", kUsecPerSec},
    {"s", kUsecPerSec},
    {"minutes", kUsecPerMinute},
    {"minute", kUsecPerMinute},
    {"min", kUsecPerMinute},
    {"m", kUsecPerMinute},
    {"hours", kUsecPerHour},
    {"hour", kUsecPerHour},
    {"hr", kUsecPerHour},
    {"h", kUsecPerHour},
    {"days", kUsecPerDay},
    {"day", kUsecPerDay},
    {"d", kUsecPerDay},
    {"weeks", kUsecPerWeek},
    {"week", kUsecPerWeek},
    {"w", kUsecPerWeek},
    {"months", kUsecPerMonth},
    {"month", kUsecPerMonth},
    {"M", kUsecPerMonth},
    {"years", kUsecPerYear},
    {"year", kUsecPerYear},
    {"y", kUsecPerYear},
}};

constexpr std::string_view kExpected =
    "expected a number and a unit (us, ms, s, min, h, d, w, M, y), such as \"90s\", \"30min\", "
    "\"1h 30min\" or \"2d\"";

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::optional<Usec> unit_named(std::string_view name) {
    for (const auto& unit : kUnits) {
        if (unit.name == name)
            return unit.usec;
    }
    return std::nullopt;
}

[[noreturn]] void invalid(std::string_view text, std::string_view why) {
    std::string message = "\"" + std::string(text) + "\" is not a valid time span: ";
    if (!why.empty())
        message += std::string(why) + "; ";
    message += kExpected;
    throw ParseError(message);
}

[[noreturn]] void too_large(std::string_view text) {
    throw ParseError("\"" + std::string(text) +
                     "\" is too large a time span: expected at most about 584542 years");
}

// a + b, or nullopt past kMaxSpan.
std::optional<Usec> add(Usec a, Usec b) {
    if (b > kMaxSpan - a)
        return std::nullopt;
    return a + b;
}

// a * b, or nullopt past kMaxSpan.
std::optional<Usec> multiply(Usec a, Usec b) {
    if (b != 0 && a > kMaxSpan / b)
        return std::nullopt;
    return a * b;
}

}  // namespace

Usec parse_timespan(std::string_view text, Usec default_unit) {
    std::size_t i = 0;
    const std::size_t n = text.size();
    auto skip_space = [&] {
        while (i < n && is_space(text[i]))
            ++i;
    };

    skip_space();
    if (i == n)
        invalid(text, "it is empty");

    Usec total = 0;
    while (true) {
        skip_space();
        if (i == n)
            break;
        if (text[i] == '-')
            invalid(text, "a span cannot be negative");

        // The number: digits, and an optional '.' with at least one digit after it.
        const std::size_t number_start = i;
        Usec whole = 0;
        bool overflow = false;
        while (i < n && is_digit(text[i])) {
            const auto next = multiply(whole, 10);
            const auto sum = next ? add(*next, Usec(text[i] - '0')) : std::nullopt;
            if (!sum)
                overflow = true;
            whole = sum.value_or(0);
            ++i;
        }
        std::string_view fraction;
        if (i < n && text[i] == '.') {
            const std::size_t fraction_start = ++i;
            while (i < n && is_digit(text[i]))
                ++i;
            fraction = text.substr(fraction_start, i - fraction_start);
            if (fraction.empty())
                invalid(text, "a '.' must be followed by digits");
        } else if (i == number_start) {
            // Neither digits nor a fraction: report the word that stands where a number should.
            std::size_t end = i;
            while (end < n && !is_space(text[end]))
                ++end;
            invalid(text, "expected a number at \"" + std::string(text.substr(i, end - i)) + "\"");
        }
        if (overflow)
            too_large(text);

        // The unit: a word right after the number (or after spaces), else the default unit.
        std::size_t unit_start = i;
        while (unit_start < n && is_space(text[unit_start]))
            ++unit_start;
        std::size_t unit_end = unit_start;
        while (unit_end < n && !is_space(text[unit_end]) && !is_digit(text[unit_end]) &&
               text[unit_end] != '.' && text[unit_end] != '-') {
            ++unit_end;
        }
        Usec multiplier = default_unit;
        if (unit_end > unit_start) {
            const std::string_view word = text.substr(unit_start, unit_end - unit_start);
            const auto unit = unit_named(word);
            if (!unit)
                invalid(text, "unknown unit \"" + std::string(word) + "\"");
            multiplier = *unit;
            i = unit_end;
        } else if (unit_start == i && i < n) {
            // "1.5.5" or "5-": something that is neither a unit nor a separator.
            invalid(text, "unexpected \"" + std::string(text.substr(i, 1)) + "\"");
        } else {
            i = unit_start;
        }

        const auto term = multiply(whole, multiplier);
        if (!term)
            too_large(text);
        auto sum = add(total, *term);
        if (!sum)
            too_large(text);
        total = *sum;
        // Fraction digits beyond the unit's resolution add nothing, as in systemd.
        Usec scale = multiplier / 10;
        for (const char digit : fraction) {
            sum = add(total, Usec(digit - '0') * scale);
            if (!sum)
                too_large(text);
            total = *sum;
            scale /= 10;
        }
    }
    return total;
}

std::string format_timespan(Usec span) {
    if (span == 0)
        return "0";

    static constexpr std::array<Unit, 9> kTable = {{
        {"y", kUsecPerYear},
        {"month", kUsecPerMonth},
        {"w", kUsecPerWeek},
        {"d", kUsecPerDay},
        {"h", kUsecPerHour},
        {"min", kUsecPerMinute},
        {"s", kUsecPerSec},
        {"ms", kUsecPerMsec},
        {"us", 1},
    }};

    std::string out;
    Usec rest = span;
    for (const auto& unit : kTable) {
        if (rest == 0)
            break;
        if (rest < unit.usec)
            continue;
        if (!out.empty())
            out += ' ';
        const Usec whole = rest / unit.usec;
        const Usec part = rest % unit.usec;
        out += std::to_string(whole);
        // Under a minute, a remainder is written as a decimal fraction: "1.5s", not "1s 500ms".
        if (rest < kUsecPerMinute && part > 0 && unit.usec > 1) {
            int width = 0;
            for (Usec u = unit.usec; u > 1; u /= 10)
                ++width;
            std::string digits = std::to_string(part);
            digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
            while (!digits.empty() && digits.back() == '0')
                digits.pop_back();
            out += '.' + digits;
            rest = 0;
        } else {
            rest = part;
        }
        out += unit.name;
    }
    return out;
}

}  // namespace maint
