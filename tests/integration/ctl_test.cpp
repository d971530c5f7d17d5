// maintenancectl through the real binary against the real daemon on the private bus: what it does
// is checked on the bus; its exit statuses are cli.md's (0 success, 1 refused by the daemon with
// the message on one line of stderr, 2 bad usage, 3 daemon unreachable).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "harness/daemon_test.hpp"
#include "harness/json_check.hpp"
#include "harness/process.hpp"

namespace maint::it {
namespace {

using HostProgressRow =
    sdbus::Struct<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>;

class Ctl : public DaemonTest {
  protected:
    void SetUp() override {
#ifndef MAINT_CTL_PATH
        GTEST_SKIP() << "maintenancectl is not built (no maintenancectl target in this tree)";
#else
        DaemonTest::SetUp();
#endif
    }

    CommandResult ctl(const std::vector<std::string>& args,
                      std::optional<std::string> address = std::nullopt) {
        return run_command(ctl_argv(args), ctl_env(address), 20s);
    }

    static std::vector<std::string> ctl_argv(const std::vector<std::string>& args) {
#ifdef MAINT_CTL_PATH
        std::vector<std::string> argv = {MAINT_CTL_PATH};
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
#else
        return args;
#endif
    }

    std::vector<std::string> ctl_env(std::optional<std::string> address = std::nullopt) const {
        return environment_with({{"DBUS_SYSTEM_BUS_ADDRESS", address.value_or(bus_->address())},
                                 {"TZ", std::string("UTC")},
                                 {"LC_ALL", std::string("C.UTF-8")},
                                 {"SYSTEMD_PAGER", std::string("cat")},
                                 {"PAGER", std::string("cat")}});
    }

    static std::string at(std::uint64_t usec) {
        return "@" + std::to_string(usec / kUsecPerSec);
    }

    static bool has_word(const std::string& text, const std::string& word) {
        return std::regex_search(text, std::regex("(^|[^0-9A-Za-z])" + word + "($|[^0-9A-Za-z])"));
    }

    static std::vector<std::string> lines_of(const std::string& text) {
        std::vector<std::string> out;
        std::istringstream in(text);
        std::string line;
        while (std::getline(in, line))
            out.push_back(line);
        return out;
    }

    // Exit status 1 with the daemon's refusal as one line on stderr, naming the command.
    void expect_refused(const CommandResult& r, const std::string& command) {
        EXPECT_TRUE(r.exit.exited && r.exit.code == 1) << r.describe();
        const auto lines = lines_of(r.err);
        EXPECT_EQ(lines.size(), 1u) << "the refusal is not one line:\n" << r.describe();
        if (!lines.empty()) {
            EXPECT_NE(lines[0].find(command), std::string::npos)
                << "not prefixed with the command '" << command << "': " << lines[0];
        }
    }
};

TEST_F(Ctl, ScheduleListShowStartCompleteThroughTheBinary) {
    const std::uint64_t start = (now_usec() / kUsecPerSec + 3600) * kUsecPerSec;
    const std::uint64_t end = start + 2 * kUsecPerHour;
    auto r = ctl({"schedule", at(start), at(end), "--reason", "CLI window", "--notify", "ops",
                  "--comment", "from the CLI", "--login-message", "Come back later",
                  "--show-login-message", "--lead", "10min", "--hosts", "testhost",
                  "--no-auto-complete"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_TRUE(has_word(r.out, "1")) << "schedule does not print the new id:\n" << r.describe();

    // What it did, as the bus sees it.
    auto w = window(window_path(1));
    EXPECT_EQ(w->Reason(), "CLI window");
    EXPECT_EQ(w->StartUSec(), start);
    EXPECT_EQ(w->EndUSec(), end);
    EXPECT_EQ(w->Notify(), std::vector<std::string>{"ops"});
    EXPECT_EQ(w->Comment(), "from the CLI");
    EXPECT_EQ(w->LoginMessage(), "Come back later");
    EXPECT_TRUE(w->ShowLoginMessage());
    EXPECT_EQ(w->NotifyLeadUSec(), 10 * kUsecPerMin);
    EXPECT_EQ(w->Hosts(), std::vector<std::string>{"testhost"});
    EXPECT_FALSE(w->AutoComplete());

    r = ctl({"list"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    bool listed = false;
    for (const auto& line : lines_of(r.out)) {
        if (has_word(line, "1") && line.find("scheduled") != std::string::npos &&
            line.find("CLI window") != std::string::npos) {
            listed = true;
        }
    }
    EXPECT_TRUE(listed) << r.describe();

    r = ctl({"show", "1"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_NE(r.out.find("CLI window"), std::string::npos) << r.describe();
    EXPECT_NE(r.out.find("from the CLI"), std::string::npos) << r.describe();
    EXPECT_NE(r.out.find("scheduled"), std::string::npos) << r.describe();

    r = ctl({"status"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_NE(r.out.find("scheduled"), std::string::npos) << r.describe();

    r = ctl({"dry-run"});
    EXPECT_EQ(r.exit.code, 0) << "no checks configured: ready\n" << r.describe();

    r = ctl({"start", "1"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_EQ(w->Status(), "in-progress");
    r = ctl({"status"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_NE(r.out.find("in-progress"), std::string::npos) << r.describe();
    EXPECT_NE(r.out.find("System is under maintenance!"), std::string::npos) << r.describe();

    r = ctl({"complete", "1", "--note", "All good", "--notify", "ops"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_EQ(w->Status(), kCompletedWithoutLogind);
    EXPECT_EQ(w->CompletionNote(), "All good");
    EXPECT_EQ(manager_->State(), "idle");
}

TEST_F(Ctl, CancelUpdateAndFailedThroughTheBinary) {
    auto r = ctl({"schedule", "+1h", "+2h", "--reason", "To cancel"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    r = ctl({"cancel", "1", "--reason", "Not needed"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_EQ(window(window_path(1))->Status(), "cancelled");
    EXPECT_EQ(window(window_path(1))->CompletionNote(), "Not needed");

    r = ctl({"schedule", "+1h", "+2h", "--reason", "To update"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_TRUE(has_word(r.out, "2")) << r.describe();
    const std::uint64_t new_end = (now_usec() / kUsecPerSec + 5 * 3600) * kUsecPerSec;
    r = ctl({"update", "2", "--reason", "Updated", "--end", at(new_end), "--valid=no"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    auto w = window(window_path(2));
    EXPECT_EQ(w->Reason(), "Updated");
    EXPECT_EQ(w->EndUSec(), new_end);
    EXPECT_FALSE(w->Valid());

    r = ctl({"start", "2", "--force"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    r = ctl({"complete", "2", "--failed", "--note", "Broke"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_EQ(w->Status(), "failed");
}

TEST_F(Ctl, JsonOutputIsOneDocument) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    schedule(start, start + kUsecPerHour, "JSON \"quoted\" window");
    const std::vector<std::vector<std::string>> commands = {
        {"--json", "list"}, {"--json", "show", "1"}, {"--json", "status"}, {"--json", "dry-run"}};
    for (const auto& args : commands) {
        const auto r = ctl(args);
        ASSERT_EQ(r.exit.code, 0) << args[1] << "\n" << r.describe();
        std::string error;
        EXPECT_TRUE(is_json_document(r.out, &error))
            << args[1] << ": not one JSON document (" << error << "):\n"
            << r.out;
        if (args[1] == "list" || args[1] == "show") {
            EXPECT_NE(r.out.find(R"(JSON \"quoted\" window)"), std::string::npos) << r.out;
        }
    }
}

// Whether a --json value says what a D-Bus value says: same type, same value, and for the
// structs of PrecheckResults and Log the member names ctl/render.cpp documents.
::testing::AssertionResult same(const std::string& what, const JsonValue* j,
                                const sdbus::Variant& v) {
    using K = JsonValue::Kind;
    if (j == nullptr)
        return ::testing::AssertionFailure() << what << ": missing in the JSON";
    const std::string type = v.peekValueType();
    auto differ = [&](const std::string& bus, const std::string& json) {
        return ::testing::AssertionFailure()
               << what << " (" << type << "): bus " << bus << ", JSON " << json;
    };
    auto json_text = [&] { return j->is(K::String) ? '"' + j->text + '"' : j->text; };
    if (type == "s" || type == "o") {
        const std::string b =
            type == "s" ? v.get<std::string>() : std::string(v.get<sdbus::ObjectPath>());
        if (!j->is(K::String) || j->text != b)
            return differ('"' + b + '"', json_text());
    } else if (type == "b") {
        if (!j->is(K::Bool) || j->boolean != v.get<bool>())
            return differ(v.get<bool>() ? "true" : "false", json_text());
    } else if (type == "u" || type == "t") {
        const std::uint64_t b = type == "u" ? v.get<std::uint32_t>() : v.get<std::uint64_t>();
        if (j->unsigned_number() != b)
            return differ(std::to_string(b), json_text());
    } else if (type == "as") {
        const auto b = v.get<std::vector<std::string>>();
        if (!j->is(K::Array) || j->items.size() != b.size())
            return differ(std::to_string(b.size()) + " strings", "another array");
        for (std::size_t i = 0; i < b.size(); ++i) {
            if (!j->items[i].is(K::String) || j->items[i].text != b[i])
                return differ('"' + b[i] + '"', "item " + std::to_string(i));
        }
    } else if (type == "a(sssss)") {
        const auto b = v.get<std::vector<CheckRow>>();
        if (!j->is(K::Array) || j->items.size() != b.size())
            return differ(std::to_string(b.size()) + " checks", "another array");
        const char* keys[] = {"Name", "Description", "Severity", "Result", "Message"};
        for (std::size_t i = 0; i < b.size(); ++i) {
            const std::string row[] = {std::get<0>(b[i]), std::get<1>(b[i]), std::get<2>(b[i]),
                                       std::get<3>(b[i]), std::get<4>(b[i])};
            for (int k = 0; k < 5; ++k) {
                auto r = same(what + "[" + std::to_string(i) + "]." + keys[k],
                              j->items[i].find(keys[k]), sdbus::Variant(row[k]));
                if (!r)
                    return r;
            }
        }
    } else if (type == "a(tss)") {
        const auto b = v.get<std::vector<LogRow>>();
        if (!j->is(K::Array) || j->items.size() != b.size())
            return differ(std::to_string(b.size()) + " log entries", "another array");
        for (std::size_t i = 0; i < b.size(); ++i) {
            const std::string at = what + "[" + std::to_string(i) + "].";
            for (auto r :
                 {same(at + "TimeUSec", j->items[i].find("TimeUSec"),
                       sdbus::Variant(std::get<0>(b[i]))),
                  same(at + "Level", j->items[i].find("Level"), sdbus::Variant(std::get<1>(b[i]))),
                  same(at + "Message", j->items[i].find("Message"),
                       sdbus::Variant(std::get<2>(b[i])))}) {
                if (!r)
                    return r;
            }
        }
    } else if (type == "(uuuuu)") {
        const auto b = v.get<sdbus::Struct<std::uint32_t, std::uint32_t, std::uint32_t,
                                           std::uint32_t, std::uint32_t>>();
        if (!j->is(K::Object) || j->members.size() != 5)
            return differ("HostProgress", "not an object of 5 members");
        const std::uint32_t values[] = {std::get<0>(b), std::get<1>(b), std::get<2>(b),
                                        std::get<3>(b), std::get<4>(b)};
        const char* keys[] = {"Total", "InMaintenance", "Failed", "Skipped", "Pending"};
        for (int k = 0; k < 5; ++k) {
            auto r = same(what + "." + keys[k], j->find(keys[k]), sdbus::Variant(values[k]));
            if (!r)
                return r;
        }
    } else if (type == "a(ssst)") {
        const auto b = v.get<
            std::vector<sdbus::Struct<std::string, std::string, std::string, std::uint64_t>>>();
        if (!j->is(K::Array) || j->items.size() != b.size())
            return differ(std::to_string(b.size()) + " host results", "another array");
        for (std::size_t i = 0; i < b.size(); ++i) {
            const std::string at = what + "[" + std::to_string(i) + "].";
            if (j->items[i].members.size() != 4)
                return differ("Host Result Message TimeUSec", "other members");
            for (auto r :
                 {same(at + "Host", j->items[i].find("Host"), sdbus::Variant(std::get<0>(b[i]))),
                  same(at + "Result", j->items[i].find("Result"),
                       sdbus::Variant(std::get<1>(b[i]))),
                  same(at + "Message", j->items[i].find("Message"),
                       sdbus::Variant(std::get<2>(b[i]))),
                  same(at + "TimeUSec", j->items[i].find("TimeUSec"),
                       sdbus::Variant(std::get<3>(b[i])))}) {
                if (!r)
                    return r;
            }
        }
    } else {
        return ::testing::AssertionFailure() << what << ": no comparison for type " << type;
    }
    return ::testing::AssertionSuccess();
}

// A window as --json shows it (show, and status's ActiveWindow/NextWindow) against the window
// object's properties: the same names (plus Path), the same values.
void expect_window_json(const JsonValue& j, const std::string& path,
                        const std::map<std::string, sdbus::Variant>& props) {
    ASSERT_TRUE(j.is(JsonValue::Kind::Object));
    EXPECT_TRUE(same("Path", j.find("Path"), sdbus::Variant(sdbus::ObjectPath(path))));
    std::set<std::string> json_keys, bus_keys;
    for (const auto& [k, v] : j.members) {
        if (k != "Path")
            json_keys.insert(k);
    }
    for (const auto& [name, value] : props) {
        bus_keys.insert(name);
        EXPECT_TRUE(same(name, j.find(name), value));
    }
    EXPECT_EQ(json_keys, bus_keys) << "--json and the window's properties name different fields";
}

// --json is checked field by field against the bus: `show` against the window object's
// properties, `list` against ListWindows, `status` against the Manager's properties (and its
// windows against theirs). Strings with quotes and non-ASCII text must come through unchanged.
TEST_F(Ctl, JsonOutputSaysWhatTheBusSays) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto p1 =
        schedule(start, start + kUsecPerHour, "JSON \"quoted\" window, Grüße \\ tab\there", {},
                 {{"Comment", sdbus::Variant(std::string("internal"))},
                  {"LoginMessage", sdbus::Variant(std::string("Come back at 04:00"))},
                  {"ShowLoginMessage", sdbus::Variant(true)},
                  {"NotifyMessage", sdbus::Variant(std::string("Save your work"))},
                  {"NotifyLeadUSec", sdbus::Variant(std::uint64_t{20 * kUsecPerMin})},
                  {"MaxFailedHosts", sdbus::Variant(std::string("5%"))}});
    auto w1 = window(p1);
    w1->Start({});
    // Start replies before the hosts are flipped: once the flip is over, HostProgress and
    // HostResults stay as they are while the JSON and the bus are compared.
    ASSERT_TRUE(recorder_->wait_for(manager_signal("HostsFlipped", 1), 10s)) << recorder_->dump();
    ASSERT_FALSE(w1->HostResults().empty()) << "the window's host has no result to compare";

    auto parsed = [&](const std::vector<std::string>& args) {
        const auto r = ctl(args);
        EXPECT_EQ(r.exit.code, 0) << r.describe();
        std::string error;
        auto j = parse_json(r.out, &error);
        EXPECT_TRUE(j) << "not one JSON document (" << error << "):\n" << r.out;
        return j.value_or(JsonValue{});
    };

    // show, while the window is in progress.
    expect_window_json(parsed({"--json", "show", "1"}), p1, get_all(w1->raw(), kWindowInterface));

    // status: the Manager's properties, and the active window's.
    {
        const JsonValue st = parsed({"--json", "status"});
        const auto m = get_all(manager_->raw(), kManagerInterface);
        for (const char* name : {"State", "UnderMaintenance", "Banner", "Version"})
            EXPECT_TRUE(same(name, st.find(name), m.at(name)));
        EXPECT_EQ(std::string(m.at("ActiveWindow").get<sdbus::ObjectPath>()), std::string(p1));
        ASSERT_NE(st.find("ActiveWindow"), nullptr);
        expect_window_json(*st.find("ActiveWindow"), p1, get_all(w1->raw(), kWindowInterface));
        EXPECT_EQ(std::string(m.at("NextWindow").get<sdbus::ObjectPath>()), "/");
        ASSERT_NE(st.find("NextWindow"), nullptr);
        EXPECT_TRUE(st.find("NextWindow")->is(JsonValue::Kind::Null));
    }

    // A finished window and a scheduled one: list against ListWindows.
    w1->Complete("Done \"right\"", {}, {});
    const std::uint64_t start2 = now_usec() + 2 * kUsecPerHour;
    const auto p2 = schedule(start2, start2 + kUsecPerHour, "Second");
    expect_window_json(parsed({"--json", "show", "1"}), p1, get_all(w1->raw(), kWindowInterface));
    {
        const JsonValue list = parsed({"--json", "list"});
        const auto rows = manager_->ListWindows();
        ASSERT_TRUE(list.is(JsonValue::Kind::Array));
        ASSERT_EQ(list.items.size(), rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const JsonValue& j = list.items[i];
            const std::string at = "row " + std::to_string(i) + ": ";
            EXPECT_EQ(j.members.size(), 6u) << at << "Id Status StartUSec EndUSec Reason Path";
            EXPECT_TRUE(same(at + "Id", j.find("Id"), sdbus::Variant(std::get<0>(rows[i]))));
            EXPECT_TRUE(
                same(at + "Status", j.find("Status"), sdbus::Variant(std::get<1>(rows[i]))));
            EXPECT_TRUE(
                same(at + "StartUSec", j.find("StartUSec"), sdbus::Variant(std::get<2>(rows[i]))));
            EXPECT_TRUE(
                same(at + "EndUSec", j.find("EndUSec"), sdbus::Variant(std::get<3>(rows[i]))));
            EXPECT_TRUE(
                same(at + "Reason", j.find("Reason"), sdbus::Variant(std::get<4>(rows[i]))));
            EXPECT_TRUE(same(at + "Path", j.find("Path"), sdbus::Variant(std::get<5>(rows[i]))));
        }
    }
    {
        const JsonValue st = parsed({"--json", "status"});
        const auto m = get_all(manager_->raw(), kManagerInterface);
        for (const char* name : {"State", "UnderMaintenance", "Banner", "Version"})
            EXPECT_TRUE(same(name, st.find(name), m.at(name)));
        ASSERT_NE(st.find("NextWindow"), nullptr);
        expect_window_json(*st.find("NextWindow"), p2,
                           get_all(window(p2)->raw(), kWindowInterface));
        EXPECT_TRUE(st.find("ActiveWindow")->is(JsonValue::Kind::Null));
    }
}

TEST_F(Ctl, ExitStatusOneWhenTheDaemonRefuses) {
    expect_refused(ctl({"start", "999"}), "start");
    expect_refused(ctl({"show", "999"}), "show");
    const std::uint64_t start = now_usec() + kUsecPerHour;
    schedule(start, start + kUsecPerHour, "Present");
    expect_refused(ctl({"complete", "1"}), "complete");
    expect_refused(ctl({"schedule", "+3h", "+4h", "--reason", "Second"}), "schedule");
    expect_refused(ctl({"schedule", "+3h", "+4h", "--reason", "x", "--notify", "nobody-knows"}),
                   "schedule");
    EXPECT_EQ(manager_->ListWindows().size(), 1u);
}

TEST_F(Ctl, ExitStatusTwoForBadUsage) {
    const std::vector<std::vector<std::string>> usages = {
        {"frobnicate"},
        {"schedule"},
        {"start"},
        {"start", "one"},
        {"schedule", "+1h", "+2h", "--reason", "x", "--bogus"},
        {"schedule", "not a time", "+2h", "--reason", "x"},
        {"host-maintenance", "testhost", "maybe"}};
    for (const auto& args : usages) {
        const auto r = ctl(args);
        EXPECT_TRUE(r.exit.exited && r.exit.code == 2) << args[0] << "\n" << r.describe();
        EXPECT_FALSE(r.err.empty()) << "no hint for bad usage: " << args[0];
    }
    EXPECT_TRUE(manager_->ListWindows().empty());
    EXPECT_EQ(ctl({"--version"}).exit.code, 0);
    EXPECT_EQ(ctl({"--no-ask-password", "status"}).exit.code, 0);
    EXPECT_EQ(ctl({"--help"}).exit.code, 0);
}

TEST_F(Ctl, ExitStatusThreeWhenTheDaemonCannotBeReached) {
    // No bus at all.
    const std::string nowhere = "unix:path=" + (dir_->path() / "no-bus-here").string();
    for (const char* command : {"status", "list"}) {
        const auto r = ctl({command}, nowhere);
        EXPECT_TRUE(r.exit.exited && r.exit.code == 3) << command << "\n" << r.describe();
    }
    // A bus, but no daemon on it.
    daemon_->stop();
    expect_daemon_gone();
    for (const char* command : {"status", "list"}) {
        const auto r = ctl({command});
        EXPECT_TRUE(r.exit.exited && r.exit.code == 3) << command << "\n" << r.describe();
    }
}

TEST_F(Ctl, ListIsNewestFirstWithLocalTimesAndALegend) {
    const std::uint64_t start = now_usec() + 2 * kUsecPerHour;
    window(schedule(start, start + kUsecPerHour, "Older one"))->Cancel("x");
    schedule(start, start + kUsecPerHour, "Newer one");
    auto r = ctl({"list"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    const auto older = r.out.find("Older one");
    const auto newer = r.out.find("Newer one");
    ASSERT_NE(older, std::string::npos) << r.describe();
    ASSERT_NE(newer, std::string::npos) << r.describe();
    EXPECT_LT(newer, older) << "list is not newest first:\n" << r.out;
    EXPECT_NE(r.out.find("ID"), std::string::npos) << "no legend:\n" << r.out;
    EXPECT_NE(r.out.find("STATUS"), std::string::npos) << "no legend:\n" << r.out;
    // Shown in local time (TZ=UTC here) with the zone.
    EXPECT_NE(r.out.find("UTC"), std::string::npos) << r.out;
    r = ctl({"--no-legend", "list"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_EQ(r.out.find("STATUS"), std::string::npos) << "--no-legend printed a legend:\n"
                                                       << r.out;
    EXPECT_EQ(lines_of(r.out).size(), 2u) << r.out;
    // show gives a relative hint next to the times.
    r = ctl({"show", "2"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_NE(r.out.find("UTC"), std::string::npos) << r.out;
    EXPECT_TRUE(r.out.find("in 1h") != std::string::npos ||
                r.out.find("in 2h") != std::string::npos)
        << "no relative hint for a start two hours ahead:\n"
        << r.out;
}

TEST_F(Ctl, HostsAndRefusalsAndReloadWork) {
    auto r = ctl({"host-maintenance", "testhost", "on"});
    EXPECT_EQ(r.exit.code, 0) << r.describe();
    r = ctl({"hosts"});
    EXPECT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_TRUE(has_word(r.out, "testhost")) << r.describe();
    EXPECT_TRUE(has_word(r.out, "maintenance")) << "the last known state\n" << r.describe();
    expect_refused(ctl({"host-maintenance", "no-such-host", "on"}), "host-maintenance");
    // This daemon build answers NotSupported for sessions: the daemon refused (1).
    expect_refused(ctl({"sessions"}), "sessions");
    expect_refused(ctl({"terminate-sessions"}), "terminate-sessions");
    r = ctl({"reload"});
    EXPECT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_TRUE(daemon_->running());
}

class CtlWithCheck : public Ctl {
  protected:
    std::string extra_config() const override {
        return "[Check replication]\nType=command\nCommand=/bin/false\nSeverity=error\n"
               "Description=Geo-replication is paused\n";
    }
};

TEST_F(CtlWithCheck, DryRunExitsOneWhenNotReady) {
    const auto r = ctl({"dry-run"});
    EXPECT_TRUE(r.exit.exited && r.exit.code == 1) << r.describe();
    EXPECT_NE(r.out.find("replication"), std::string::npos) << r.describe();
}

// A fleet of command hosts, each a small shell script in the test's directory that leaves a file
// when its host enters maintenance: web1 at once, slow after a second, gated when the test
// creates the file "gate", db1 never until the test creates "db1-fixed".
class CtlFleet : public Ctl {
  protected:
    void SetUp() override {
        Ctl::SetUp();
        if (IsSkipped() || HasFatalFailure())
            return;
        const std::string d = dir_->path().string();
        script("web1", "touch " + d + "/web1-in\n");
        script("slow", "sleep 1\ntouch " + d + "/slow-in\n");
        // Bounded, so that a test that never opens the gate leaves no process behind for long.
        script("gated", "i=0\nwhile [ ! -e " + d + "/gate ] && [ $i -lt 600 ]; do\n  sleep 0.05\n" +
                            "  i=$((i + 1))\ndone\n[ -e " + d + "/gate ] && touch " + d +
                            "/gated-in\n");
        script("db1", "if [ ! -e " + d + "/db1-fixed ]; then\n" +
                          "  echo 'db1 refuses: replication lag' >&2\n  exit 1\nfi\n");
    }

    std::string extra_config() const override {
        std::string config;
        for (const char* name : {"web1", "slow", "gated", "db1"}) {
            config += std::string("[Host ") + name + "]\nBackend=command\nEnterCommand=/bin/sh " +
                      path(std::string(name) + ".sh").string() +
                      "\nLeaveCommand=/bin/true\nTimeoutSec=60s\n\n";
        }
        return config;
    }

    std::filesystem::path path(const std::string& name) const { return dir_->path() / name; }

    void script(const std::string& host, const std::string& body) const {
        std::ofstream(path(host + ".sh")) << "#!/bin/sh\n" << body;
    }

    void touch(const std::string& name) const { std::ofstream(path(name)).flush(); }

    static std::string read_file(const std::filesystem::path& f) {
        std::ifstream in(f);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    // maintenancectl ARGS... in the background, its stdout and stderr (not terminals) into
    // ctl.out and ctl.err.
    Process spawn_ctl(const std::vector<std::string>& args) {
        SpawnOptions o;
        o.argv = ctl_argv(args);
        o.env = ctl_env();
        o.stdout_file = path("ctl.out");
        o.stderr_file = path("ctl.err");
        return Process(o);
    }

    HostProgressRow progress(std::uint32_t id) { return window(window_path(id))->HostProgress(); }

    void schedule_for(const std::string& hosts, const std::vector<std::string>& more = {}) {
        std::vector<std::string> args = {"schedule", "+1h",     "+2h", "--reason",
                                         "Fleet",    "--hosts", hosts};
        args.insert(args.end(), more.begin(), more.end());
        const auto r = ctl(args);
        ASSERT_EQ(r.exit.code, 0) << r.describe();
    }
};

TEST_F(CtlFleet, StartWaitsUntilTheFlipIsOverAndPrintsTheSummary) {
    schedule_for("web1,slow");
    const auto r = ctl({"start", "1"});
    EXPECT_TRUE(r.exit.exited && r.exit.code == 0) << r.describe();
    EXPECT_EQ(r.out, "2 hosts in maintenance, 0 failed, 0 skipped\n") << r.describe();
    // It waited: the host that takes a second has its result, and no host is pending.
    EXPECT_TRUE(std::filesystem::exists(path("slow-in"))) << r.describe();
    const auto p = progress(1);
    EXPECT_EQ(std::get<0>(p), 2u);
    EXPECT_EQ(std::get<1>(p), 2u);
    EXPECT_EQ(std::get<4>(p), 0u) << "start returned while a host was pending";
    EXPECT_EQ(window(window_path(1))->Status(), "in-progress");
}

TEST_F(CtlFleet, AFailedHostIsNamedExitsOneAndRetryHostsBringsItIn) {
    schedule_for("web1,db1", {"--max-failed", "1"});
    EXPECT_EQ(window(window_path(1))->MaxFailedHosts(), "1");

    auto r = ctl({"start", "1"});
    EXPECT_TRUE(r.exit.exited && r.exit.code == 1) << r.describe();
    EXPECT_NE(r.out.find("1 host in maintenance, 1 failed (db1), 0 skipped"), std::string::npos)
        << r.describe();
    const auto err = lines_of(r.err);
    ASSERT_FALSE(err.empty()) << r.describe();
    EXPECT_NE(err.back().find("maintenancectl start: "), std::string::npos) << r.describe();
    EXPECT_NE(err.back().find("retry-hosts 1"), std::string::npos) << r.describe();

    // show --hosts: a row per host with its result and message.
    r = ctl({"show", "1", "--hosts"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    const auto rows = lines_of(r.out);
    ASSERT_FALSE(rows.empty()) << r.describe();
    EXPECT_TRUE(has_word(rows[0], "HOST") && has_word(rows[0], "RESULT") &&
                has_word(rows[0], "TIME") && has_word(rows[0], "MESSAGE"))
        << r.describe();
    bool web1 = false, db1 = false;
    for (const auto& line : rows) {
        web1 = web1 || (line.starts_with("web1 ") && has_word(line, "maintenance") &&
                        line.find("UTC") != std::string::npos);
        db1 = db1 || (line.starts_with("db1 ") && has_word(line, "failed") &&
                      line.find("replication lag") != std::string::npos);
    }
    EXPECT_TRUE(web1 && db1) << r.describe();
    r = ctl({"--no-legend", "show", "1", "--hosts"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_EQ(lines_of(r.out).size(), 2u) << r.describe();

    // Plain show sums the results up and points at --hosts.
    r = ctl({"show", "1"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    EXPECT_NE(r.out.find("Max failed hosts: 1\n"), std::string::npos) << r.out;
    EXPECT_NE(
        r.out.find("Host progress: 2 total, 1 in maintenance, 1 failed, 0 skipped, 0 pending"),
        std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("Host results: 2 entries (maintenancectl show 1 --hosts)"),
              std::string::npos)
        << r.out;

    touch("db1-fixed");
    r = ctl({"retry-hosts", "1"});
    EXPECT_TRUE(r.exit.exited && r.exit.code == 0) << r.describe();
    EXPECT_NE(r.out.find("2 hosts in maintenance, 0 failed, 0 skipped"), std::string::npos)
        << r.describe();
    const auto p = progress(1);
    EXPECT_EQ(std::get<1>(p), 2u);
    EXPECT_EQ(std::get<2>(p), 0u);
    EXPECT_EQ(std::get<4>(p), 0u);
}

TEST_F(CtlFleet, JsonStartIsOneDocumentWithTheCountsAndTheFailedHosts) {
    schedule_for("web1,db1");
    auto r = ctl({"--json", "start", "1"});
    EXPECT_TRUE(r.exit.exited && r.exit.code == 1) << r.describe();
    EXPECT_EQ(lines_of(r.err).size(), 1u) << "--json shows no progress:\n" << r.describe();
    std::string error;
    auto j = parse_json(r.out, &error);
    ASSERT_TRUE(j) << error << "\n" << r.describe();
    auto number = [&](const char* key) {
        const JsonValue* v = j->find(key);
        return v ? v->unsigned_number().value_or(999) : 999;
    };
    EXPECT_EQ(number("Id"), 1u);
    EXPECT_EQ(number("Total"), 2u);
    EXPECT_EQ(number("InMaintenance"), 1u);
    EXPECT_EQ(number("Failed"), 1u);
    EXPECT_EQ(number("Skipped"), 0u);
    EXPECT_EQ(number("Pending"), 0u);
    ASSERT_NE(j->find("Flipped"), nullptr);
    EXPECT_TRUE(j->find("Flipped")->boolean);
    const JsonValue* failed = j->find("FailedHosts");
    ASSERT_TRUE(failed && failed->is(JsonValue::Kind::Array) && failed->items.size() == 1) << r.out;
    ASSERT_NE(failed->items[0].find("Host"), nullptr);
    EXPECT_EQ(failed->items[0].find("Host")->text, "db1");
    ASSERT_NE(failed->items[0].find("Message"), nullptr);
    EXPECT_NE(failed->items[0].find("Message")->text.find("replication lag"), std::string::npos);

    r = ctl({"--json", "show", "1", "--hosts"});
    ASSERT_EQ(r.exit.code, 0) << r.describe();
    j = parse_json(r.out, &error);
    ASSERT_TRUE(j && j->is(JsonValue::Kind::Array)) << error << "\n" << r.describe();
    ASSERT_EQ(j->items.size(), 2u) << r.out;
    ASSERT_NE(j->items[1].find("Result"), nullptr);
    EXPECT_EQ(j->items[1].find("Result")->text, "failed");
}

TEST_F(CtlFleet, NoBlockReturnsWhileAHostIsStillPending) {
    schedule_for("web1,gated");
    const auto r = ctl({"start", "1", "--no-block", "--max-failed=50%"});
    EXPECT_TRUE(r.exit.exited && r.exit.code == 0) << r.describe();
    EXPECT_EQ(r.out, "") << r.describe();
    // The gated host cannot have a result before the gate opens.
    const auto p = progress(1);
    EXPECT_GT(std::get<4>(p), 0u) << "no host pending right after start --no-block";
    EXPECT_EQ(window(window_path(1))->Status(), "in-progress");
    touch("gate");
    EXPECT_TRUE(recorder_->wait_for(manager_signal("HostsFlipped", 1), 20s)) << recorder_->dump();
    EXPECT_TRUE(std::filesystem::exists(path("gated-in")));
}

TEST_F(CtlFleet, WithoutATerminalProgressIsALinePerTenPercent) {
    schedule_for("web1,gated");
    Process ctl_process = spawn_ctl({"start", "1"});
    const std::string half = "start: 50% (1/2 hosts: 1 in maintenance, 0 failed, 0 skipped)\n";
    ASSERT_TRUE(
        wait_until([&] { return read_file(path("ctl.err")).find(half) != std::string::npos; }, 20s))
        << "stderr: " << read_file(path("ctl.err"));
    EXPECT_TRUE(ctl_process.running()) << "start returned before the gated host had a result";
    touch("gate");
    const auto exit = ctl_process.wait_for(20s);
    ASSERT_TRUE(exit) << "start did not return after the flip";
    EXPECT_TRUE(exit->exited && exit->code == 0) << exit->describe();
    EXPECT_EQ(read_file(path("ctl.err")),
              half + "start: 100% (2/2 hosts: 2 in maintenance, 0 failed, 0 skipped)\n");
    EXPECT_EQ(read_file(path("ctl.out")), "2 hosts in maintenance, 0 failed, 0 skipped\n");
}

TEST_F(CtlFleet, StartExitsThreeWhenTheDaemonGoesAwayDuringTheFlip) {
    schedule_for("web1,gated");
    Process ctl_process = spawn_ctl({"start", "1"});
    ASSERT_TRUE(wait_until(
        [&] { return read_file(path("ctl.err")).find("start: 50%") != std::string::npos; }, 20s))
        << "stderr: " << read_file(path("ctl.err"));
    daemon_->stop();
    expect_daemon_gone();
    const auto exit = ctl_process.wait_for(20s);
    touch("gate");  // the host's script may outlive the daemon
    ASSERT_TRUE(exit) << "start still waits for a daemon that is gone";
    EXPECT_TRUE(exit->exited && exit->code == 3) << exit->describe();
    const std::string err = read_file(path("ctl.err"));
    EXPECT_NE(err.find("maintenancectl start: maintenanced went away"), std::string::npos) << err;
    EXPECT_EQ(read_file(path("ctl.out")), "");
}

TEST_F(CtlFleet, RetryHostsWithNothingToRetryIsRefused) {
    schedule_for("web1");
    ASSERT_EQ(ctl({"start", "1"}).exit.code, 0);
    expect_refused(ctl({"retry-hosts", "1"}), "retry-hosts");
    expect_refused(ctl({"retry-hosts", "2"}), "retry-hosts");
}

}  // namespace
}  // namespace maint::it
