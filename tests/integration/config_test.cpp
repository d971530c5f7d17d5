// Start-up refusals and configuration changes: a corrupt database is refused (exit 65, the file
// named and left untouched); a broken configuration is refused (exit 78, file:line); Reload with a
// broken file is refused with InvalidArgs naming file:line while the old configuration stays in
// force; SIGHUP with a good changed file takes effect.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "harness/daemon_test.hpp"

namespace maint::it {
namespace {

constexpr int kExitDataError = 65;
constexpr int kExitConfig = 78;

// The 1-based line of the first occurrence of `needle` in `text`.
int line_of(const std::string& text, const std::string& needle) {
    const auto at = text.find(needle);
    if (at == std::string::npos)
        return -1;
    int line = 1;
    for (std::size_t i = 0; i < at; ++i) {
        if (text[i] == '\n')
            ++line;
    }
    return line;
}

class StartupRefusal : public DaemonTest {
  protected:
    bool start_daemon() const override { return false; }
};

TEST_F(StartupRefusal, CorruptDatabaseIsRefusedAndLeftAlone) {
    std::string garbage;
    for (int i = 0; garbage.size() < 8192; ++i) {
        garbage += "this is not an SQLite database, line " + std::to_string(i) + "\n";
    }
    write_file(daemon_->database(), garbage);
    const auto e = daemon_->start_expecting_exit();
    ASSERT_TRUE(e.has_value()) << "maintenanced kept running on a corrupt database";
    EXPECT_TRUE(e->exited) << e->describe();
    EXPECT_EQ(e->code, kExitDataError) << daemon_->stderr_text();
    EXPECT_NE(daemon_->stderr_text().find(daemon_->database().string()), std::string::npos)
        << "stderr does not name the file:\n"
        << daemon_->stderr_text();
    EXPECT_EQ(read_file(daemon_->database()), garbage) << "the database file was changed";
    EXPECT_FALSE(name_has_owner(bus_->address(), kBusName));
}

TEST_F(StartupRefusal, UnknownKeyIsRefusedWithFileAndLine) {
    const std::string text = daemon_->base_config() + "\n[Notify]\nLeadTimeSecs=10min\n";
    daemon_->write_raw_config(text);
    const auto e = daemon_->start_expecting_exit();
    ASSERT_TRUE(e.has_value()) << "maintenanced started with an unknown key";
    EXPECT_TRUE(e->exited) << e->describe();
    EXPECT_EQ(e->code, kExitConfig) << daemon_->stderr_text();
    const std::string where =
        daemon_->config_file().string() + ":" + std::to_string(line_of(text, "LeadTimeSecs")) + ":";
    EXPECT_NE(daemon_->stderr_text().find(where), std::string::npos)
        << "stderr does not name " << where << ":\n"
        << daemon_->stderr_text();
    EXPECT_NE(daemon_->stderr_text().find("LeadTimeSecs"), std::string::npos)
        << daemon_->stderr_text();
}

TEST_F(StartupRefusal, UnknownSectionAndBadValueAreRefused) {
    struct Case {
        std::string text;    // appended to the base configuration
        std::string needle;  // the line the error is on (for a section: it or its first key)
        int lines;           // how many lines from `needle` on may be named
    };
    const std::vector<Case> cases = {
        {"[Nonsense]\nKey=1\n", "[Nonsense]", 2},
        {"[Daemon]\nMaxParallelHosts=lots\n", "MaxParallelHosts=lots", 1},
        {"[Notify]\nLeadTimeSec=soon\n", "LeadTimeSec=soon", 1},
        {"[Host badhost]\nBackend=teleport\n", "Backend=teleport", 1},
        {"[Check odd]\nType=astrology\n", "Type=astrology", 1},
        {"[Daemon]\nMaxFailedHosts=ten\n", "MaxFailedHosts=ten", 1},
        {"[Hosts fleet]\nHosts=node[1-3\n", "Hosts=node[1-3", 1},
        {"[Hosts fleet]\nHosts=n1\nEnterCommand=/bin/true %h\n", "EnterCommand=/bin/true %h", 1},
    };
    for (const auto& c : cases) {
        const std::string text = daemon_->base_config() + "\n" + c.text;
        daemon_->write_raw_config(text);
        const auto e = daemon_->start_expecting_exit();
        ASSERT_TRUE(e.has_value()) << "maintenanced started with:\n" << c.text;
        EXPECT_TRUE(e->exited && e->code == kExitConfig) << e->describe() << " for:\n"
                                                         << c.text << daemon_->stderr_text();
        const std::string file = daemon_->config_file().string() + ":";
        const std::string err = daemon_->stderr_text();
        const int first = line_of(text, c.needle);
        bool named = false;
        for (int line = first; line < first + c.lines; ++line) {
            named = named || err.find(file + std::to_string(line) + ":") != std::string::npos;
        }
        EXPECT_TRUE(named) << "stderr does not name " << file << first << " for:\n"
                           << c.text << err;
    }
}

TEST_F(StartupRefusal, DropInIsReadAndItsErrorsNamed) {
    const auto dropins = daemon_->config_file().string() + ".d";
    std::filesystem::create_directories(dropins);
    write_file(dropins + "/50-broken.conf", "[Daemon]\n# a comment\nNoSuchKey=1\n");
    const auto e = daemon_->start_expecting_exit();
    ASSERT_TRUE(e.has_value()) << "maintenanced ignored a broken drop-in";
    EXPECT_EQ(e->code, kExitConfig) << daemon_->stderr_text();
    EXPECT_NE(daemon_->stderr_text().find(dropins + "/50-broken.conf:3:"), std::string::npos)
        << daemon_->stderr_text();
}

TEST_F(StartupRefusal, AGoodDatabaseSurvivesTheRefusalOfABrokenConfig) {
    daemon_->start();
    connect();
    const std::uint64_t start = now_usec() + kUsecPerHour;
    schedule(start, start + kUsecPerHour, "Keep");
    daemon_->stop();
    const std::string db = read_file(daemon_->database());
    daemon_->write_config("[Daemon]\nBogus=yes\n");
    const auto e = daemon_->start_expecting_exit();
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->code, kExitConfig);
    EXPECT_EQ(read_file(daemon_->database()), db) << "a refused start changed the database";
    daemon_->write_config("");
    daemon_->start();
    EXPECT_EQ(manager_->ListWindows().size(), 1u);
}

class DropIns : public DaemonTest {
  protected:
    bool start_daemon() const override { return false; }
};

TEST_F(DropIns, ALaterDropInWins) {
    daemon_->write_config("[Notify]\nLeadTimeSec=20min\n");
    const auto dropins = daemon_->config_file().string() + ".d";
    std::filesystem::create_directories(dropins);
    write_file(dropins + "/10-first.conf", "[Notify]\nLeadTimeSec=1h\n");
    write_file(dropins + "/20-second.conf",
               "[Notify]\nLeadTimeSec=7min\n\n[Audience dropin]\nUsers=root\n");
    write_file(dropins + "/ignored.txt", "this is not a .conf file\n");
    daemon_->start();
    connect();
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Drop-ins", {"dropin", "ops"});
    EXPECT_EQ(window(path)->NotifyLeadUSec(), 7 * kUsecPerMin);
}

TEST_F(DropIns, TimeSpansUseSystemdSyntax) {
    daemon_->write_config("[Notify]\nLeadTimeSec=1h 30min\n");
    daemon_->start();
    connect();
    const std::uint64_t start = now_usec() + 3 * kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Span");
    EXPECT_EQ(window(path)->NotifyLeadUSec(), 90 * kUsecPerMin);
}

using Reload = DaemonTest;

TEST_F(Reload, BrokenConfigIsRefusedAndTheOldOneStays) {
    const std::string text =
        daemon_->base_config() + "\n[Audience newteam]\nUsers=root\nShoeSize=44\n";
    daemon_->write_raw_config(text);
    const std::string where =
        daemon_->config_file().string() + ":" + std::to_string(line_of(text, "ShoeSize")) + ":";
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] { manager_->Reload(); }, {where}));

    // Still working, with the old configuration: "ops" is known, "newteam" is not.
    const std::uint64_t start = now_usec() + kUsecPerHour;
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] { schedule(start, start + kUsecPerHour, "x", {"newteam"}); },
                           {"newteam"}));
    const auto path = schedule(start, start + kUsecPerHour, "Still served", {"ops"});
    EXPECT_EQ(window(path)->Status(), "scheduled");

    // SIGHUP with the same broken file: logged, not fatal.
    daemon_->send_signal(SIGHUP);
    std::this_thread::sleep_for(300ms);
    EXPECT_TRUE(daemon_->running()) << daemon_->stderr_text();
    EXPECT_EQ(manager_->State(), "scheduled");
}

TEST_F(Reload, GoodConfigByMethodTakesEffect) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] { schedule(start, start + kUsecPerHour, "x", {"newteam"}); }));
    daemon_->write_config("[Audience newteam]\nUsers=root\n");
    manager_->Reload();
    const auto path = schedule(start, start + kUsecPerHour, "New audience", {"newteam"});
    EXPECT_EQ(window(path)->Notify(), std::vector<std::string>{"newteam"});
}

TEST_F(Reload, SighupWithAGoodChangedConfigTakesEffect) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] { schedule(start, start + kUsecPerHour, "x", {"newteam"}); }));
    daemon_->write_config("[Audience newteam]\nUsers=root\n\n[Notify]\nLeadTimeSec=5min\n");
    daemon_->send_signal(SIGHUP);
    std::optional<sdbus::ObjectPath> path;
    EXPECT_TRUE(wait_until(
        [&] {
            return !error_of([&] {
                        path = schedule(start, start + kUsecPerHour, "After SIGHUP", {"newteam"});
                    }).has_value();
        },
        5s, 50ms))
        << "the new [Audience newteam] is not usable after SIGHUP\n"
        << daemon_->stderr_text();
    ASSERT_TRUE(path.has_value());
    EXPECT_EQ(window(*path)->NotifyLeadUSec(), 5 * kUsecPerMin)
        << "the new [Notify] LeadTimeSec= is not the default lead time";
    EXPECT_TRUE(daemon_->running());
}

}  // namespace
}  // namespace maint::it
