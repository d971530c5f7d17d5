// Tests of timestamp parsing and formatting (common/timestamp), with a fixed `now` and a fixed TZ:
// the expected values were computed independently (Python's zoneinfo), not by this code.
#include "common/timestamp.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace maint {
namespace {

constexpr Usec S = kUsecPerSec;

// 2026-03-31 10:00:00 CEST, a Tuesday, two days after the switch to summer time.
constexpr Usec kNow = 1774944000 * S;

// Every test runs in Europe/Berlin and leaves TZ as it found it.
class TimestampTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (const char* old = std::getenv("TZ")) {
            saved_ = old;
        }
        use_zone("Europe/Berlin");
    }
    void TearDown() override {
        if (saved_) {
            ::setenv("TZ", saved_->c_str(), 1);
        } else {
            ::unsetenv("TZ");
        }
        ::tzset();
    }
    static void use_zone(const char* zone) {
        ::setenv("TZ", zone, 1);
        ::tzset();
    }

  private:
    std::optional<std::string> saved_;
};

TEST_F(TimestampTest, AbsoluteLocalTimes) {
    // 2026-12-01 02:00 CET is 01:00 UTC.
    EXPECT_EQ(parse_timestamp("2026-12-01 02:00", kNow), 1796086800 * S);
    EXPECT_EQ(parse_timestamp("2026-12-01 02:00:00", kNow), 1796086800 * S);
    EXPECT_EQ(parse_timestamp("  2026-12-01   02:00  ", kNow), 1796086800 * S);
    EXPECT_EQ(parse_timestamp("2026-12-01 02:00:00.25", kNow), 1796086800 * S + 250'000);
    EXPECT_EQ(parse_timestamp("2026-12-01", kNow), 1796079600 * S);        // midnight
    EXPECT_EQ(parse_timestamp("2026-7-1 2:00", kNow), 1782864000 * S);     // summer time
    EXPECT_EQ(parse_timestamp("2028-02-29 12:00", kNow), 1835434800 * S);  // a leap day
}

TEST_F(TimestampTest, ExplicitZones) {
    EXPECT_EQ(parse_timestamp("2026-12-01 02:00:00 UTC", kNow), 1796090400 * S);
    EXPECT_EQ(parse_timestamp("2026-12-01 02:00 America/New_York", kNow), 1796108400 * S);
    // The local zone's abbreviations, as format_timestamp writes them, pick the side of the
    // autumn fold: 02:30 happens twice on 2026-10-25.
    EXPECT_EQ(parse_timestamp("2026-10-25 02:30 CEST", kNow), 1792888200 * S);
    EXPECT_EQ(parse_timestamp("2026-10-25 02:30 CET", kNow), 1792891800 * S);
    // A weekday that matches the date is accepted (format_timestamp's output parses back).
    EXPECT_EQ(parse_timestamp("Tue 2026-12-01 02:00:00 CET", kNow), 1796086800 * S);
}

TEST_F(TimestampTest, NamedZoneLeavesTzAlone) {
    parse_timestamp("tomorrow 03:00 Asia/Tokyo", kNow);
    ASSERT_NE(std::getenv("TZ"), nullptr);
    EXPECT_STREQ(std::getenv("TZ"), "Europe/Berlin");
    EXPECT_EQ(format_timestamp(1796086800 * S), "Tue 2026-12-01 02:00:00 CET");
}

TEST_F(TimestampTest, DayWordsAndTimeOfDay) {
    EXPECT_EQ(parse_timestamp("now", kNow), kNow);
    EXPECT_EQ(parse_timestamp("today", kNow), 1774908000 * S);
    EXPECT_EQ(parse_timestamp("yesterday", kNow), 1774821600 * S);
    EXPECT_EQ(parse_timestamp("tomorrow", kNow), 1774994400 * S);
    EXPECT_EQ(parse_timestamp("tomorrow 03:00", kNow), 1775005200 * S);
    EXPECT_EQ(parse_timestamp("02:00", kNow), 1774915200 * S);  // today, even though it passed
    EXPECT_EQ(parse_timestamp("today 23:59:59", kNow), 1774994399 * S);
    // "tomorrow" in Tokyo: 2026-04-01 00:00 JST is 2026-03-31 15:00 UTC.
    EXPECT_EQ(parse_timestamp("tomorrow Asia/Tokyo", kNow), 1774969200 * S);
    EXPECT_EQ(parse_timestamp("tomorrow 03:00 UTC", kNow), 1775012400 * S);
}

TEST_F(TimestampTest, TomorrowAcrossTheSpringSwitchIsTwentyThreeHoursAway) {
    const Usec saturday_noon = 1774695600 * S;  // 2026-03-28 12:00 CET
    EXPECT_EQ(parse_timestamp("tomorrow 12:00", saturday_noon), saturday_noon + 23 * kUsecPerHour);
}

TEST_F(TimestampTest, TomorrowAtTheEndOfTheYear) {
    const Usec new_years_eve = 1798754400 * S;  // 2026-12-31 23:00 CET
    EXPECT_EQ(parse_timestamp("tomorrow 01:00", new_years_eve), 1798761600 * S);
}

TEST_F(TimestampTest, RelativeTimes) {
    EXPECT_EQ(parse_timestamp("+2h", kNow), kNow + 2 * kUsecPerHour);
    EXPECT_EQ(parse_timestamp("+1h 30min", kNow), kNow + 90 * kUsecPerMinute);
    EXPECT_EQ(parse_timestamp("-5min", kNow), kNow - 5 * kUsecPerMinute);
    EXPECT_EQ(parse_timestamp("5min ago", kNow), kNow - 5 * kUsecPerMinute);
    EXPECT_EQ(parse_timestamp("+90", kNow), kNow + 90 * S);  // a bare number is seconds
}

TEST_F(TimestampTest, EpochSeconds) {
    EXPECT_EQ(parse_timestamp("@1764554400", kNow), 1764554400 * S);
    EXPECT_EQ(parse_timestamp("@1764554400.25", kNow), 1764554400 * S + 250'000);
    EXPECT_EQ(parse_timestamp("@0", kNow), 0u);
}

TEST_F(TimestampTest, UtcProcessZone) {
    use_zone("UTC");
    EXPECT_EQ(parse_timestamp("2026-12-01 02:00", kNow), 1796090400 * S);
    EXPECT_EQ(format_timestamp(1796086800 * S), "Tue 2026-12-01 01:00:00 UTC");
}

TEST_F(TimestampTest, RefusesWhatIsNotATime) {
    for (const char* bad : {"",
                            "   ",
                            "soon",
                            "2026-13-01",
                            "2026-02-30",
                            "2027-02-29",
                            "2026-12-01 25:00",
                            "2026-12-01 02:60",
                            "2026-12-01 02:00:00.",
                            "2026-12-01 02:00 Mars/Olympus",
                            "2026-12-01 02:00 ../../etc/passwd",
                            "1969-12-31 23:00",
                            "Wed 2026-12-01",
                            "tomorrow 3pm",
                            "tomorrow 03:00 04:00",
                            "@",
                            "@12ab",
                            "@1.",
                            "+",
                            "-",
                            "-60y",
                            "26-12-01",
                            "2026/12/01",
                            "Tue"}) {
        EXPECT_THROW(parse_timestamp(bad, kNow), ParseError) << "accepted: \"" << bad << "\"";
    }
}

TEST_F(TimestampTest, ErrorMessagesSayWhatIsWrong) {
    try {
        parse_timestamp("2026-13-01", kNow);
        FAIL() << "no exception";
    } catch (const ParseError& e) {
        EXPECT_NE(std::string(e.what()).find("month 13"), std::string::npos) << e.what();
    }
    try {
        parse_timestamp("Wed 2026-12-01 02:00", kNow);
        FAIL() << "no exception";
    } catch (const ParseError& e) {
        EXPECT_NE(std::string(e.what()).find("weekday"), std::string::npos) << e.what();
    }
}

TEST_F(TimestampTest, FormatsInLocalTimeWithTheZone) {
    EXPECT_EQ(format_timestamp(1796086800 * S), "Tue 2026-12-01 02:00:00 CET");
    EXPECT_EQ(format_timestamp(1782864000 * S + 999'999), "Wed 2026-07-01 02:00:00 CEST");
    EXPECT_EQ(format_timestamp(0), "n/a");
    use_zone("America/New_York");
    EXPECT_EQ(format_timestamp(1796108400 * S), "Tue 2026-12-01 02:00:00 EST");
}

TEST_F(TimestampTest, FormattedTimesParseBack) {
    for (Usec t : {kNow, 1796086800 * S, 1792888200 * S, 1792891800 * S, 1782864000 * S}) {
        EXPECT_EQ(parse_timestamp(format_timestamp(t), kNow), t) << format_timestamp(t);
    }
}

TEST_F(TimestampTest, RelativeHints) {
    const Usec n = kNow;
    EXPECT_EQ(format_relative(n, n), "now");
    EXPECT_EQ(format_relative(n + 400'000, n), "now");
    EXPECT_EQ(format_relative(n - 1 * S, n), "1s ago");
    EXPECT_EQ(format_relative(n + 59 * S, n), "in 59s");
    EXPECT_EQ(format_relative(n + 60 * S, n), "in 1min");
    EXPECT_EQ(format_relative(n + 90 * S, n), "in 1min 30s");
    EXPECT_EQ(format_relative(n + 10 * kUsecPerMinute + 20 * S, n), "in 10min");
    EXPECT_EQ(format_relative(n + 2 * kUsecPerHour + 13 * kUsecPerMinute + 5 * S, n),
              "in 2h 13min");
    EXPECT_EQ(format_relative(n - 3 * kUsecPerHour, n), "3h ago");
    EXPECT_EQ(format_relative(n + 7 * kUsecPerHour + 59 * kUsecPerMinute, n), "in 7h");
    EXPECT_EQ(format_relative(n + 30 * kUsecPerHour, n), "in 1 day 6h");
    EXPECT_EQ(format_relative(n - 3 * kUsecPerDay, n), "3 days ago");
    EXPECT_EQ(format_relative(n - 8 * kUsecPerDay, n), "1 week 1 day ago");
    EXPECT_EQ(format_relative(n + 14 * kUsecPerDay, n), "in 2 weeks");
    EXPECT_EQ(format_relative(n + 45 * kUsecPerDay, n), "in 1 month 14 days");
    EXPECT_EQ(format_relative(n + 400 * kUsecPerDay, n), "in 1 year 1 month");
    EXPECT_EQ(format_relative(0, n), "56 years 2 months ago");
}

}  // namespace
}  // namespace maint
