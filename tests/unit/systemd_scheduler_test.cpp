// The pure parts of the systemd Scheduler: unit names both ways, and OnCalendar= values checked
// against systemd's own parser (systemd-analyze calendar) when it is installed. The units
// themselves are tested under real systemd in tests/system.
#include "system/systemd_scheduler.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

namespace maint {
namespace {

TEST(SystemdSchedulerNames, SayWhatTheyAre) {
    EXPECT_EQ(timer_unit_name(7, TimerKind::Start), "maintenanced-window-7-start.timer");
    EXPECT_EQ(timer_unit_name(7, TimerKind::Upcoming), "maintenanced-window-7-upcoming.timer");
    EXPECT_EQ(timer_unit_name(12, TimerKind::End, ".service"),
              "maintenanced-window-12-end.service");
}

TEST(SystemdSchedulerNames, ParseBackEveryKind) {
    for (TimerKind k : {TimerKind::Upcoming, TimerKind::Start, TimerKind::End}) {
        for (const char* suffix : {".timer", ".service"}) {
            const auto parsed = parse_timer_unit(timer_unit_name(4294967295u, k, suffix));
            ASSERT_TRUE(parsed) << to_string(k) << suffix;
            EXPECT_EQ(parsed->first, 4294967295u);
            EXPECT_EQ(parsed->second, k);
        }
    }
}

TEST(SystemdSchedulerNames, RefuseAnyOtherName) {
    for (const char* name :
         {"", "maintenanced.service", "maintenanced-window-.timer", "maintenanced-window-7.timer",
          "maintenanced-window-7-begin.timer", "maintenanced-window-0-start.timer",
          "maintenanced-window-x-start.timer", "maintenanced-window-7-start",
          "maintenanced-window-99999999999-start.timer", "other-window-7-start.timer"}) {
        EXPECT_FALSE(parse_timer_unit(name)) << name;
    }
}

TEST(SystemdSchedulerCalendar, IsAnAbsoluteUtcTimeToTheMicrosecond) {
    // 2090-06-15 12:34:56.654321 UTC
    EXPECT_EQ(calendar_spec(3801213296654321ull), "2090-06-15 12:34:56.654321 UTC");
    EXPECT_EQ(calendar_spec(3801213296000000ull), "2090-06-15 12:34:56.000000 UTC");
}

std::string run(const std::string& command) {
    std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(command.c_str(), "r"), pclose);
    if (!pipe)
        return {};
    std::string out;
    std::array<char, 256> buf{};
    while (fgets(buf.data(), buf.size(), pipe.get()))
        out += buf.data();
    return out;
}

TEST(SystemdSchedulerCalendar, SystemdReadsItAsTheSameInstant) {
    if (run("command -v systemd-analyze").empty())
        GTEST_SKIP() << "systemd-analyze is not installed";
    const std::string spec = calendar_spec(3801213296654321ull);
    const std::string out = run("TZ=UTC systemd-analyze calendar '" + spec + "' 2>&1");
    EXPECT_NE(out.find("Normalized form: 2090-06-15 12:34:56.654321 UTC"), std::string::npos)
        << out;
    EXPECT_NE(out.find("Next elapse: Thu 2090-06-15 12:34:56 UTC"), std::string::npos) << out;
}

}  // namespace
}  // namespace maint
