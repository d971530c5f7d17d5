// Tests of time span parsing and formatting (common/timespan): systemd.time(7)'s span syntax, the
// errors for what it is not, and that every formatted span parses back to itself.
#include "common/timespan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace maint {
namespace {

using ::testing::HasSubstr;

constexpr Usec S = kUsecPerSec;
constexpr Usec kMonth = 2'629'800 * S;
constexpr Usec kYear = 31'557'600 * S;

TEST(ParseTimespan, SpecExamples) {
    EXPECT_EQ(parse_timespan("90s"), 90 * S);
    EXPECT_EQ(parse_timespan("30min"), 30 * kUsecPerMinute);
    EXPECT_EQ(parse_timespan("1h 30min"), 90 * kUsecPerMinute);
    EXPECT_EQ(parse_timespan("2d"), 2 * kUsecPerDay);
    EXPECT_EQ(parse_timespan("1.5h"), 90 * kUsecPerMinute);
    EXPECT_EQ(parse_timespan("500ms"), 500'000u);
}

TEST(ParseTimespan, BareNumberUsesTheDefaultUnit) {
    EXPECT_EQ(parse_timespan("30"), 30 * S);
    EXPECT_EQ(parse_timespan("30", kUsecPerMinute), 30 * kUsecPerMinute);
    EXPECT_EQ(parse_timespan("1.5", kUsecPerMinute), 90 * S);
    EXPECT_EQ(parse_timespan("7", 1), 7u);
    EXPECT_EQ(parse_timespan("0"), 0u);
    // As in systemd, numbers without a unit, separated by spaces, each take the default unit.
    EXPECT_EQ(parse_timespan("1 2"), 3 * S);
}

TEST(ParseTimespan, EveryUnitName) {
    const std::vector<std::pair<const char*, Usec>> units = {
        {"usec", 1},
        {"us", 1},
        {"\xce\xbcs", 1},
        {"msec", 1000},
        {"ms", 1000},
        {"s", S},
        {"sec", S},
        {"second", S},
        {"seconds", S},
        {"m", kUsecPerMinute},
        {"min", kUsecPerMinute},
        {"minute", kUsecPerMinute},
        {"minutes", kUsecPerMinute},
        {"h", kUsecPerHour},
        {"hr", kUsecPerHour},
        {"hour", kUsecPerHour},
        {"hours", kUsecPerHour},
        {"d", kUsecPerDay},
        {"day", kUsecPerDay},
        {"days", kUsecPerDay},
        {"w", 7 * kUsecPerDay},
        {"week", 7 * kUsecPerDay},
        {"weeks", 7 * kUsecPerDay},
        {"M", kMonth},
        {"month", kMonth},
        {"months", kMonth},
        {"y", kYear},
        {"year", kYear},
        {"years", kYear},
    };
    for (const auto& [unit, usec] : units) {
        EXPECT_EQ(parse_timespan(std::string("3") + unit), 3 * usec) << unit;
        EXPECT_EQ(parse_timespan(std::string("3 ") + unit), 3 * usec) << unit;
    }
}

TEST(ParseTimespan, SumsTermsWithOrWithoutSpaces) {
    EXPECT_EQ(parse_timespan("1h30min"), 90 * kUsecPerMinute);
    EXPECT_EQ(parse_timespan("  2d 3h  "), 2 * kUsecPerDay + 3 * kUsecPerHour);
    EXPECT_EQ(parse_timespan("1min 30s 250ms"), 90 * S + 250'000);
    EXPECT_EQ(parse_timespan("1\t h"), kUsecPerHour);
    // "m" is minutes and "M" months, as in systemd.
    EXPECT_EQ(parse_timespan("1m"), kUsecPerMinute);
    EXPECT_EQ(parse_timespan("1M"), kMonth);
}

TEST(ParseTimespan, Fractions) {
    EXPECT_EQ(parse_timespan(".5s"), 500'000u);
    EXPECT_EQ(parse_timespan("0.25min"), 15 * S);
    EXPECT_EQ(parse_timespan("1.000001s"), 1'000'001u);
    // Digits beyond a microsecond add nothing.
    EXPECT_EQ(parse_timespan("1.0000019s"), 1'000'001u);
    EXPECT_EQ(parse_timespan("1.5ms"), 1'500u);
}

TEST(ParseTimespan, LargestAndOverflow) {
    const Usec max = std::numeric_limits<Usec>::max();
    EXPECT_EQ(parse_timespan("18446744073709551614us"), max - 1);
    EXPECT_EQ(parse_timespan("584542y"), 584542 * kYear);
    for (const char* text : {"18446744073709551615us", "99999999999999999999999", "584543y",
                             "18446744073709551614us 1us", "584542y 1y", "9999999999999999999d"}) {
        try {
            parse_timespan(text);
            ADD_FAILURE() << text << " was accepted";
        } catch (const ParseError& e) {
            EXPECT_THAT(e.what(), HasSubstr(std::string("\"") + text + "\"")) << text;
            EXPECT_THAT(e.what(), HasSubstr("too large")) << text;
            EXPECT_THAT(e.what(), HasSubstr("expected")) << text;
        }
    }
}

TEST(ParseTimespan, RejectsWhatIsNotASpan) {
    const std::vector<std::pair<const char*, const char*>> cases = {
        {"", "empty"},
        {"   ", "empty"},
        {"-5s", "negative"},
        {"1h -5s", "negative"},
        {"5x", "unknown unit \"x\""},
        {"5 parsecs", "unknown unit \"parsecs\""},
        {"5secs", "unknown unit \"secs\""},
        {"5S", "unknown unit \"S\""},
        {"abc", "expected a number at \"abc\""},
        {"h", "expected a number at \"h\""},
        {"5.", "followed by digits"},
        {"5.s", "followed by digits"},
        {"1.5.5", "unexpected \".\""},
        {"5-3", "unexpected \"-\""},
        {"+5s", "expected a number"},
        {"infinity", "expected a number"},
    };
    for (const auto& [text, why] : cases) {
        try {
            const Usec got = parse_timespan(text);
            ADD_FAILURE() << "\"" << text << "\" was accepted as " << got;
        } catch (const ParseError& e) {
            const std::string message = e.what();
            EXPECT_THAT(message, HasSubstr(std::string("\"") + text + "\"")) << text;
            EXPECT_THAT(message, HasSubstr(why)) << text;
            EXPECT_THAT(message, HasSubstr("expected a number and a unit")) << text;
        }
    }
}

TEST(FormatTimespan, LikeSystemd) {
    EXPECT_EQ(format_timespan(0), "0");
    EXPECT_EQ(format_timespan(1), "1us");
    EXPECT_EQ(format_timespan(500'000), "500ms");
    EXPECT_EQ(format_timespan(90'000), "90ms");
    EXPECT_EQ(format_timespan(1'500), "1.5ms");
    EXPECT_EQ(format_timespan(1'500'000), "1.5s");
    EXPECT_EQ(format_timespan(1'000'001), "1.000001s");
    EXPECT_EQ(format_timespan(30 * S), "30s");
    EXPECT_EQ(format_timespan(90 * S), "1min 30s");
    EXPECT_EQ(format_timespan(61'500'000), "1min 1.5s");
    EXPECT_EQ(format_timespan(30 * kUsecPerMinute), "30min");
    EXPECT_EQ(format_timespan(90 * kUsecPerMinute), "1h 30min");
    EXPECT_EQ(format_timespan(2 * kUsecPerDay), "2d");
    EXPECT_EQ(format_timespan(2 * kUsecPerDay + 3 * kUsecPerHour), "2d 3h");
    EXPECT_EQ(format_timespan(7 * kUsecPerDay), "1w");
    EXPECT_EQ(format_timespan(30 * kUsecPerDay), "4w 2d");
    EXPECT_EQ(format_timespan(kMonth), "1month");
    EXPECT_EQ(format_timespan(kYear + kMonth), "1y 1month");
    EXPECT_EQ(format_timespan(kUsecPerHour + 1), "1h 1us");
}

TEST(FormatTimespan, ParsesBackToTheSameSpan) {
    std::vector<Usec> spans = {0,
                               1,
                               999,
                               1'000,
                               1'001,
                               59'999'999,
                               60'000'000,
                               60'000'001,
                               kYear - 1,
                               kYear,
                               std::numeric_limits<Usec>::max() - 1};
    // A fixed pseudo-random walk over every magnitude.
    Usec x = 88172645463325252ULL;
    for (int i = 0; i < 2000; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        spans.push_back((x >> (i % 64)) % (std::numeric_limits<Usec>::max() - 1));
    }
    for (const Usec span : spans) {
        const std::string text = format_timespan(span);
        EXPECT_EQ(parse_timespan(text), span) << text;
    }
}

}  // namespace
}  // namespace maint
