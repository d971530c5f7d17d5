// Tests of maintenancectl's pure parts: the argument parser, the option dictionaries it leads to
// (only what was given is sent), the error classification, the JSON writer and the renderers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "ctl/args.hpp"
#include "ctl/json.hpp"
#include "ctl/render.hpp"
#include "ctl/request.hpp"

namespace maint::ctl {
namespace {

constexpr Usec S = kUsecPerSec;
constexpr Usec kNow = 1774944000 * S;  // 2026-03-31 10:00:00 CEST

// Times in these tests are read and shown in Europe/Berlin; TZ is put back afterwards.
class CtlTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (const char* old = std::getenv("TZ")) {
            saved_ = old;
        }
        ::setenv("TZ", "Europe/Berlin", 1);
        ::tzset();
    }
    void TearDown() override {
        if (saved_) {
            ::setenv("TZ", saved_->c_str(), 1);
        } else {
            ::unsetenv("TZ");
        }
        ::tzset();
    }

    static Invocation parse(std::vector<std::string> args) { return parse_arguments(args, kNow); }

    // The message of the UsageError `args` must cause.
    static std::string usage_error(std::vector<std::string> args) {
        try {
            parse_arguments(args, kNow);
        } catch (const UsageError& e) {
            return e.what();
        }
        ADD_FAILURE() << "no usage error";
        return "";
    }

  private:
    std::optional<std::string> saved_;
};

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

TEST_F(CtlTest, NoCommandIsStatus) {
    Invocation inv = parse({});
    EXPECT_EQ(inv.action, Invocation::Action::Run);
    EXPECT_EQ(inv.command, Command::Status);
    EXPECT_FALSE(inv.json);
    EXPECT_TRUE(inv.ask_password);
    EXPECT_TRUE(inv.legend);
    EXPECT_FALSE(inv.host);
}

TEST_F(CtlTest, GlobalOptionsGoAnywhere) {
    Invocation inv =
        parse({"--json", "list", "--no-legend", "-H", "root@db1", "--no-ask-password"});
    EXPECT_EQ(inv.command, Command::List);
    EXPECT_TRUE(inv.json);
    EXPECT_FALSE(inv.legend);
    EXPECT_FALSE(inv.ask_password);
    EXPECT_EQ(inv.host, "root@db1");
    EXPECT_EQ(parse({"-Hdb2", "status"}).host, "db2");
    EXPECT_EQ(parse({"--host=db3"}).host, "db3");
    EXPECT_EQ(parse({"--host", "db4", "hosts"}).command, Command::Hosts);
}

TEST_F(CtlTest, HelpAndVersionWin) {
    EXPECT_EQ(parse({"-h"}).action, Invocation::Action::Help);
    EXPECT_EQ(parse({"start", "--help"}).action, Invocation::Action::Help);
    EXPECT_EQ(parse({"nonsense", "--help"}).action, Invocation::Action::Help);
    EXPECT_EQ(parse({"--version"}).action, Invocation::Action::Version);
    EXPECT_TRUE(contains(help_text(), "host-maintenance NAME on|off"));
}

TEST_F(CtlTest, EveryCommandByName) {
    EXPECT_EQ(parse({"status"}).command, Command::Status);
    EXPECT_EQ(parse({"list"}).command, Command::List);
    EXPECT_EQ(parse({"show", "3"}).command, Command::Show);
    EXPECT_EQ(parse({"dry-run"}).command, Command::DryRun);
    EXPECT_EQ(parse({"start", "3"}).command, Command::Start);
    EXPECT_EQ(parse({"complete", "3"}).command, Command::Complete);
    EXPECT_EQ(parse({"cancel", "3"}).command, Command::Cancel);
    EXPECT_EQ(parse({"update", "3", "--reason", "x"}).command, Command::Update);
    EXPECT_EQ(parse({"hosts"}).command, Command::Hosts);
    EXPECT_EQ(parse({"host-maintenance", "web1", "on"}).command, Command::HostMaintenance);
    EXPECT_EQ(parse({"sessions"}).command, Command::Sessions);
    EXPECT_EQ(parse({"terminate-sessions"}).command, Command::TerminateSessions);
    EXPECT_EQ(parse({"reload"}).command, Command::Reload);
    EXPECT_EQ(parse({"retry-hosts", "3"}).command, Command::RetryHosts);
    EXPECT_EQ(command_name(Command::RetryHosts), "retry-hosts");
    EXPECT_EQ(command_name(Command::HostMaintenance), "host-maintenance");
    EXPECT_EQ(command_name(Command::DryRun), "dry-run");
}

TEST_F(CtlTest, ScheduleWithEveryOption) {
    Invocation inv = parse({"schedule", "2026-12-01 02:00", "+1d", "--reason", "Kernel upgrade",
                            "--notify", "ops,users", "--comment=ticket 42", "--login-message",
                            "Back at 4", "--show-login-message", "--notify-message", "Save work",
                            "--lead", "1h 30min", "--hosts", "web1, web2", "--no-auto-complete"});
    EXPECT_EQ(inv.command, Command::Schedule);
    const WindowSettings& s = inv.settings;
    EXPECT_EQ(s.start, 1796086800 * S);
    EXPECT_EQ(s.end, kNow + kUsecPerDay);
    EXPECT_EQ(s.reason, "Kernel upgrade");
    EXPECT_EQ(s.notify, (std::vector<std::string>{"ops", "users"}));
    EXPECT_EQ(s.comment, "ticket 42");
    EXPECT_EQ(s.login_message, "Back at 4");
    EXPECT_EQ(s.show_login_message, true);
    EXPECT_EQ(s.notify_message, "Save work");
    EXPECT_EQ(s.notify_lead, 90 * kUsecPerMinute);
    EXPECT_EQ(s.hosts, (std::vector<std::string>{"web1", "web2"}));
    EXPECT_EQ(s.auto_complete, false);
    EXPECT_FALSE(s.valid);

    OptionMap options = schedule_options(s);
    EXPECT_EQ(options.size(), 7u);
    EXPECT_EQ(std::get<std::string>(options.at("Comment")), "ticket 42");
    EXPECT_EQ(std::get<std::string>(options.at("LoginMessage")), "Back at 4");
    EXPECT_EQ(std::get<bool>(options.at("ShowLoginMessage")), true);
    EXPECT_EQ(std::get<std::string>(options.at("NotifyMessage")), "Save work");
    EXPECT_EQ(std::get<Usec>(options.at("NotifyLeadUSec")), 90 * kUsecPerMinute);
    EXPECT_EQ(std::get<std::vector<std::string>>(options.at("Hosts")),
              (std::vector<std::string>{"web1", "web2"}));
    EXPECT_EQ(std::get<bool>(options.at("AutoComplete")), false);
}

TEST_F(CtlTest, ScheduleWithOnlyAReasonSendsNoOptions) {
    Invocation inv = parse({"schedule", "tomorrow 03:00", "tomorrow 05:00", "--reason", "r"});
    EXPECT_EQ(inv.settings.start, 1775005200 * S);
    EXPECT_EQ(inv.settings.end, 1775012400 * S);
    EXPECT_FALSE(inv.settings.notify);
    EXPECT_TRUE(schedule_options(inv.settings).empty());
}

TEST_F(CtlTest, ScheduleByDuration) {
    Invocation inv = parse({"schedule", "tomorrow 03:00", "--duration", "2h", "--reason", "r"});
    EXPECT_EQ(inv.settings.start, 1775005200 * S);
    EXPECT_EQ(inv.settings.end, 1775012400 * S);
    EXPECT_TRUE(schedule_options(inv.settings).empty()) << "--duration is no D-Bus option";
    Invocation eq = parse({"schedule", "+1h", "--duration=1h 30min", "--reason", "r"});
    EXPECT_EQ(*eq.settings.end - *eq.settings.start, 90 * kUsecPerMinute);
    EXPECT_TRUE(
        contains(usage_error({"schedule", "+1h", "+2h", "--duration", "1h", "--reason", "r"}),
                 "END or --duration SPAN, not both"));
    EXPECT_TRUE(contains(usage_error({"schedule", "+1h", "--reason", "r"}),
                         "needs START and END (or START and --duration SPAN)"));
    EXPECT_TRUE(contains(usage_error({"schedule", "+1h", "--duration", "soon", "--reason", "r"}),
                         "cannot parse --duration 'soon'"));
    EXPECT_TRUE(contains(usage_error({"schedule", "+1h", "--duration", "0", "--reason", "r"}),
                         "above zero"));
    EXPECT_TRUE(contains(usage_error({"update", "1", "--duration", "1h"}),
                         "'--duration' does not apply to 'update'"));
    EXPECT_TRUE(contains(help_text(), "schedule START --duration SPAN --reason TEXT"));
}

TEST_F(CtlTest, AnEmptyReasonIsBadUsage) {
    for (const char* reason : {"", "  ", "\t"}) {
        EXPECT_TRUE(contains(usage_error({"schedule", "+1h", "+2h", "--reason", reason}),
                             "'--reason' may not be empty"))
            << "'" << reason << "'";
        EXPECT_TRUE(contains(usage_error({"update", "1", std::string("--reason=") + reason}),
                             "'--reason' may not be empty"));
    }
    // Cancel's reason is optional and may be empty.
    EXPECT_EQ(parse({"cancel", "1", "--reason", ""}).cancel_reason, "");
}

TEST_F(CtlTest, StringsThatAreNotUtf8AreBadUsageNamingTheArgument) {
    EXPECT_TRUE(contains(usage_error({"schedule", "+1h", "+2h", "--reason", "bad \xff byte"}),
                         "option '--reason' is not valid UTF-8"));
    EXPECT_TRUE(contains(usage_error({"complete", "1", "--note=\xc3"}),
                         "option '--note' is not valid UTF-8"));
    EXPECT_TRUE(contains(usage_error({"host-maintenance", "web\xfe", "on"}),
                         "NAME of 'host-maintenance' is not valid UTF-8"));
    EXPECT_EQ(parse({"schedule", "+1h", "+2h", "--reason", "Grüße"}).settings.reason, "Grüße");
}

TEST_F(CtlTest, NegativeRelativeTimesAreOperandsNotOptions) {
    Invocation inv = parse({"schedule", "-5min", "+1h", "--reason", "r"});
    EXPECT_EQ(inv.settings.start, kNow - 5 * kUsecPerMinute);
    Invocation dashed = parse({"schedule", "--reason", "r", "--", "-5min", "+1h"});
    EXPECT_EQ(dashed.settings.start, kNow - 5 * kUsecPerMinute);
}

TEST_F(CtlTest, UpdateSendsOnlyWhatWasGiven) {
    Invocation inv = parse({"update", "7", "--end", "2026-12-01 05:00 UTC", "--valid=no"});
    EXPECT_EQ(inv.id, 7u);
    OptionMap changes = update_changes(inv.settings);
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(std::get<Usec>(changes.at("EndUSec")), 1796101200 * S);
    EXPECT_EQ(std::get<bool>(changes.at("Valid")), false);

    changes = update_changes(parse({"update", "7", "--start", "+2h", "--reason", "new", "--notify=",
                                    "--show-login-message=no", "--auto-complete", "--valid", "yes"})
                                 .settings);
    ASSERT_EQ(changes.size(), 6u);
    EXPECT_EQ(std::get<Usec>(changes.at("StartUSec")), kNow + 2 * kUsecPerHour);
    EXPECT_EQ(std::get<std::string>(changes.at("Reason")), "new");
    EXPECT_TRUE(std::get<std::vector<std::string>>(changes.at("Notify")).empty());
    EXPECT_EQ(std::get<bool>(changes.at("ShowLoginMessage")), false);
    EXPECT_EQ(std::get<bool>(changes.at("AutoComplete")), true);
    EXPECT_EQ(std::get<bool>(changes.at("Valid")), true);
}

TEST_F(CtlTest, ListsAddUpAndAnEmptyValueResets) {
    EXPECT_EQ(parse({"schedule", "+1h", "+2h", "--reason", "r", "--notify", "a", "--notify", "b,c"})
                  .settings.notify,
              (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(parse({"schedule", "+1h", "+2h", "--reason", "r", "--hosts", "a",
                     "--hosts=", "--hosts", "d"})
                  .settings.hosts,
              (std::vector<std::string>{"d"}));
    EXPECT_EQ(split_list(" a , ,b,"), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(split_list("").empty());
}

TEST_F(CtlTest, WindowCommandOptions) {
    EXPECT_TRUE(parse({"start", "3", "--force"}).force);
    EXPECT_FALSE(parse({"start", "3"}).force);
    Invocation done =
        parse({"complete", "12", "--note", "All done", "--notify", "ops", "--failed"});
    EXPECT_EQ(done.id, 12u);
    EXPECT_EQ(done.note, "All done");
    EXPECT_EQ(done.complete_notify, (std::vector<std::string>{"ops"}));
    EXPECT_TRUE(done.failed);
    EXPECT_FALSE(done.settings.notify);  // complete's audiences are not a window setting
    EXPECT_EQ(parse({"cancel", "4", "--reason", "postponed"}).cancel_reason, "postponed");
    EXPECT_FALSE(parse({"cancel", "4", "--reason", "postponed"}).settings.reason);
    EXPECT_TRUE(parse({"terminate-sessions", "--include-admins"}).include_admins);
}

TEST_F(CtlTest, StartWaitsUnlessNoBlock) {
    Invocation start = parse({"start", "3"});
    EXPECT_TRUE(start.block);
    EXPECT_TRUE(start_options(start).empty()) << "nothing given, nothing sent";
    EXPECT_FALSE(parse({"start", "3", "--no-block"}).block);
    EXPECT_FALSE(parse({"--no-block", "start", "3"}).block);
    Invocation retry = parse({"retry-hosts", "12", "--no-block"});
    EXPECT_EQ(retry.id, 12u);
    EXPECT_FALSE(retry.block);
    EXPECT_TRUE(parse({"retry-hosts", "12"}).block);
    EXPECT_TRUE(contains(usage_error({"complete", "3", "--no-block"}),
                         "'--no-block' does not apply to 'complete'"));
    EXPECT_TRUE(contains(usage_error({"retry-hosts"}), "'retry-hosts' needs ID"));
    EXPECT_TRUE(contains(usage_error({"retry-hosts", "x"}), "invalid window ID 'x'"));
    EXPECT_TRUE(contains(usage_error({"retry-hosts", "3", "--force"}),
                         "'--force' does not apply to 'retry-hosts'"));
    EXPECT_TRUE(contains(usage_error({"retry-hosts", "3", "--max-failed", "2"}),
                         "'--max-failed' does not apply to 'retry-hosts'"));
}

TEST_F(CtlTest, MaxFailedIsTheStartOptionAndAWindowSetting) {
    Invocation start = parse({"start", "3", "--force", "--max-failed", "5%"});
    OptionMap options = start_options(start);
    ASSERT_EQ(options.size(), 2u);
    EXPECT_EQ(std::get<bool>(options.at("Force")), true);
    EXPECT_EQ(std::get<std::string>(options.at("MaxFailedHosts")), "5%");
    EXPECT_EQ(std::get<std::string>(
                  start_options(parse({"start", "3", "--max-failed="})).at("MaxFailedHosts")),
              "")
        << "an empty value is sent: no budget for this start";

    OptionMap schedule = schedule_options(
        parse({"schedule", "+1h", "+2h", "--reason", "r", "--max-failed=10"}).settings);
    ASSERT_EQ(schedule.size(), 1u);
    EXPECT_EQ(std::get<std::string>(schedule.at("MaxFailedHosts")), "10");

    OptionMap update = update_changes(parse({"update", "4", "--max-failed", "2.5%"}).settings);
    ASSERT_EQ(update.size(), 1u) << "--max-failed alone is something to change";
    EXPECT_EQ(std::get<std::string>(update.at("MaxFailedHosts")), "2.5%");
    EXPECT_TRUE(contains(usage_error({"complete", "3", "--max-failed", "1"}),
                         "'--max-failed' does not apply to 'complete'"));
}

TEST_F(CtlTest, MaxFailedValues) {
    for (const char* good : {"", "0", "10", "00010", "100000", "0%", "5%", "2.5%", "2.50%", "100%",
                             "100.00%", "007%"}) {
        EXPECT_EQ(parse_max_failed("--max-failed", good), good) << good;
    }
    for (const char* bad : {"ten", "-1", "+3", "5 %", "%", "5%%", "1e3", ".5%", "5.%", "2.555%",
                            "100.01%", "101%", "99999999999999999999%", " 5", "5,5%"}) {
        EXPECT_THROW(parse_max_failed("--max-failed", bad), UsageError) << bad;
    }
    EXPECT_TRUE(contains(usage_error({"start", "1", "--max-failed", "ten"}),
                         "--max-failed needs a count such as 10 or a share such as 5%, not 'ten'"));
    EXPECT_TRUE(contains(usage_error({"start", "1", "--max-failed", "150%"}), "at most 100%"));
    EXPECT_TRUE(contains(usage_error({"start", "1", "--max-failed", "1.125%"}), "two decimals"));
    EXPECT_TRUE(contains(usage_error({"start", "1", "--max-failed"}), "needs a value"));
}

// `show ID --hosts` is a flag; everywhere else --hosts is the window option with its list.
TEST_F(CtlTest, HostsIsAFlagOfShowAndAListElsewhere) {
    Invocation show = parse({"show", "--hosts", "3"});
    EXPECT_TRUE(show.show_hosts);
    EXPECT_EQ(show.id, 3u);
    EXPECT_TRUE(parse({"show", "3", "--hosts"}).show_hosts);
    EXPECT_TRUE(parse({"--json", "show", "3", "--hosts", "--no-legend"}).show_hosts);
    EXPECT_FALSE(parse({"show", "3"}).show_hosts);
    EXPECT_TRUE(contains(usage_error({"show", "3", "--hosts=web1"}), "'--hosts' takes no value"));
    EXPECT_EQ(
        parse({"schedule", "+1h", "+2h", "--reason", "r", "--hosts", "web1,web2"}).settings.hosts,
        (std::vector<std::string>{"web1", "web2"}));
    EXPECT_EQ(parse({"update", "5", "--hosts", "db1"}).settings.hosts,
              (std::vector<std::string>{"db1"}));
    // Before the command, --hosts is the window option: it takes the next word.
    EXPECT_TRUE(contains(usage_error({"--hosts", "web1", "show", "3"}),
                         "'--hosts' does not apply to 'show'"));
    EXPECT_TRUE(contains(usage_error({"list", "--hosts"}), "'--hosts' needs a value"));
}

TEST_F(CtlTest, HostMaintenance) {
    Invocation on = parse({"host-maintenance", "web1", "on"});
    EXPECT_EQ(on.host_name, "web1");
    EXPECT_TRUE(on.host_enabled);
    EXPECT_FALSE(parse({"host-maintenance", "web1", "off"}).host_enabled);
    EXPECT_TRUE(contains(usage_error({"host-maintenance", "web1", "sideways"}), "'sideways'"));
    EXPECT_TRUE(contains(usage_error({"host-maintenance", "web1", "maybe"}), "needs on or off"))
        << usage_error({"host-maintenance", "web1", "maybe"});
    EXPECT_FALSE(contains(usage_error({"host-maintenance", "web1", "maybe"}), "yes or no"));
    EXPECT_TRUE(parse({"host-maintenance", "web1", "yes"}).host_enabled);
    EXPECT_FALSE(parse({"host-maintenance", "web1", "0"}).host_enabled);
    EXPECT_TRUE(contains(usage_error({"host-maintenance", "web1"}), "needs NAME and on|off"));
}

TEST_F(CtlTest, WindowIds) {
    EXPECT_EQ(parse_window_id("1"), 1u);
    EXPECT_EQ(parse_window_id("4294967295"), 4294967295u);
    for (const char* bad :
         {"", "0", "-1", "+1", "1.0", "0x10", "4294967296", "99999999999", "3 ", "abc"}) {
        EXPECT_THROW(parse_window_id(bad), UsageError) << bad;
    }
    EXPECT_TRUE(contains(usage_error({"show", "abc"}), "invalid window ID 'abc'"));
}

TEST_F(CtlTest, Booleans) {
    for (const char* yes : {"yes", "YES", "y", "true", "on", "1"}) {
        EXPECT_TRUE(parse_boolean("--valid", yes)) << yes;
    }
    for (const char* no : {"no", "n", "false", "Off", "0"}) {
        EXPECT_FALSE(parse_boolean("--valid", no)) << no;
    }
    EXPECT_TRUE(contains(usage_error({"update", "1", "--valid=maybe"}), "--valid needs yes or no"));
}

TEST_F(CtlTest, UsageErrorsSayWhatIsWrong) {
    EXPECT_TRUE(contains(usage_error({"frobnicate"}), "unknown command 'frobnicate'"));
    EXPECT_TRUE(contains(usage_error({"list", "--frob"}), "unknown option '--frob'"));
    EXPECT_TRUE(contains(usage_error({"-x"}), "unknown option '-x'"));
    EXPECT_TRUE(contains(usage_error({"list", "--force"}), "'--force' does not apply to 'list'"));
    EXPECT_TRUE(contains(usage_error({"schedule", "+1h", "+2h", "--valid=no", "--reason", "r"}),
                         "'--valid' does not apply to 'schedule'"));
    EXPECT_TRUE(contains(usage_error({"show"}), "'show' needs ID"));
    EXPECT_TRUE(
        contains(usage_error({"status", "extra"}), "too many arguments for 'status': 'extra'"));
    EXPECT_TRUE(contains(usage_error({"schedule", "+1h", "+2h"}), "needs --reason"));
    EXPECT_TRUE(contains(usage_error({"schedule", "soon", "+2h", "--reason", "r"}),
                         "cannot parse START 'soon'"));
    EXPECT_TRUE(contains(usage_error({"schedule", "+1h", "2026-13-01", "--reason", "r"}),
                         "cannot parse END"));
    EXPECT_TRUE(contains(usage_error({"update", "1", "--lead", "5 parsecs"}),
                         "cannot parse --lead '5 parsecs'"));
    EXPECT_TRUE(
        contains(usage_error({"update", "1", "--start", "never"}), "cannot parse --start 'never'"));
    EXPECT_TRUE(contains(usage_error({"update", "1"}), "'update' needs something to change"));
    EXPECT_TRUE(contains(usage_error({"list", "--json=yes"}), "'--json' takes no value"));
    EXPECT_TRUE(contains(usage_error({"cancel", "1", "--reason"}), "'--reason' needs a value"));
    EXPECT_TRUE(contains(usage_error({"-H"}), "'-H' needs a value"));
    EXPECT_TRUE(contains(usage_error({"--host="}), "needs a host name"));
}

TEST_F(CtlTest, UnreachableErrors) {
    EXPECT_TRUE(is_unreachable_error("org.freedesktop.DBus.Error.ServiceUnknown"));
    EXPECT_TRUE(is_unreachable_error("org.freedesktop.DBus.Error.NameHasNoOwner"));
    EXPECT_TRUE(is_unreachable_error("org.freedesktop.DBus.Error.NoReply"));
    EXPECT_TRUE(is_unreachable_error("org.freedesktop.DBus.Error.Timeout"));
    EXPECT_TRUE(is_unreachable_error("System.Error.ECONNREFUSED"));
    EXPECT_FALSE(is_unreachable_error("org.freedesktop.DBus.Error.AccessDenied"));
    EXPECT_FALSE(is_unreachable_error("org.freedesktop.DBus.Error.InvalidArgs"));
    EXPECT_FALSE(is_unreachable_error("org.example.Maintenance1.Error.InvalidState"));
}

TEST_F(CtlTest, JsonEscapesStrings) {
    EXPECT_EQ(json_quote("plain"), "\"plain\"");
    EXPECT_EQ(json_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(json_quote("l1\nl2\t\r\b\f"), "\"l1\\nl2\\t\\r\\b\\f\"");
    EXPECT_EQ(json_quote(std::string("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
    EXPECT_EQ(json_quote(std::string("nul\0x", 5)), "\"nul\\u0000x\"");
    EXPECT_EQ(json_quote("Wartung für €"), "\"Wartung für €\"");         // UTF-8 passes through
    EXPECT_EQ(json_quote("\xF0\x9F\x94\xA7"), "\"\xF0\x9F\x94\xA7\"");   // U+1F527
    EXPECT_EQ(json_quote("bad\xC3"), "\"bad\\ufffd\"");                  // truncated sequence
    EXPECT_EQ(json_quote("\xC0\xAF"), "\"\\ufffd\\ufffd\"");             // overlong "/"
    EXPECT_EQ(json_quote("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
    EXPECT_EQ(json_quote("/"), "\"/\"");
}

TEST_F(CtlTest, JsonDocumentStructure) {
    JsonWriter j;
    j.begin_object();
    j.key("Id").number(std::uint32_t{3});
    j.key("Big").number(std::uint64_t{18446744073709551615ULL});
    j.key("Ok").boolean(true);
    j.key("None").null();
    j.key("List").strings({"a", "b"});
    j.key("Empty").begin_array().end_array();
    j.key("Nested")
        .begin_array()
        .begin_object()
        .key("k")
        .string("v")
        .end_object()
        .begin_object()
        .end_object()
        .end_array();
    j.end_object();
    EXPECT_EQ(j.str(),
              R"({"Id":3,"Big":18446744073709551615,"Ok":true,"None":null,"List":["a","b"],)"
              R"("Empty":[],"Nested":[{"k":"v"},{}]})");
}

TEST_F(CtlTest, TableAlignsAndDropsControlCharacters) {
    Table table({{"ID", true}, {"NAME"}, {"NOTE"}});
    table.add_row({"7", "für", "a\nb"});
    table.add_row({"123", "x", ""});
    EXPECT_EQ(table.str(true),
              " ID  NAME  NOTE\n"
              "  7  für   a b\n"
              "123  x\n");
    EXPECT_EQ(table.str(false),
              "  7  für  a b\n"
              "123  x\n");
}

std::vector<WindowRow> two_windows() {
    return {{2, "scheduled", 1796086800 * S, 1796094000 * S, "Kernel\nupgrade",
             "/org/example/Maintenance1/window/2"},
            {1, "completed-with-errors", 1782864000 * S, 1782871200 * S, "Disks",
             "/org/example/Maintenance1/window/1"}};
}

TEST_F(CtlTest, ListTable) {
    Style style{kNow, false, true, {}};
    EXPECT_EQ(
        render_window_list(two_windows(), style),
        "ID  STATUS                 START                         END                      "
        "     REASON\n"
        " 2  scheduled              Tue 2026-12-01 02:00:00 CET   Tue 2026-12-01 04:00:00 CET "
        "  Kernel upgrade\n"
        " 1  completed-with-errors  Wed 2026-07-01 02:00:00 CEST  Wed 2026-07-01 04:00:00 "
        "CEST  Disks\n"
        "\n2 windows listed.\n");
}

// A window started early by hand: `list` shows when it started, not when it was planned to.
TEST_F(CtlTest, ListShowsTheActualStartOfAStartedWindow) {
    Style style{kNow, false, false, {}};
    std::vector<WindowRow> rows = {two_windows()[1]};
    rows[0].started = 1782860400 * S;  // an hour before the planned start
    EXPECT_EQ(render_window_list(rows, style),
              "1  completed-with-errors  Wed 2026-07-01 01:00:00 CEST  Wed 2026-07-01 04:00:00 "
              "CEST  Disks\n");
}

TEST_F(CtlTest, ListWithoutLegendHasNoHeaderNorFooter) {
    Style style{kNow, false, false, {}};
    std::string out = render_window_list(two_windows(), style);
    EXPECT_FALSE(contains(out, "STATUS"));
    EXPECT_FALSE(contains(out, "listed"));
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
}

TEST_F(CtlTest, ListJson) {
    Style style{kNow, true, true, {}};
    EXPECT_EQ(
        render_window_list({two_windows()[1]}, style),
        R"([{"Id":1,"Status":"completed-with-errors","StartUSec":1782864000000000,)"
        R"("EndUSec":1782871200000000,"Reason":"Disks","Path":"/org/example/Maintenance1/window/1"}])"
        "\n");
}

WindowDetails scheduled_window() {
    WindowDetails w;
    w.path = "/org/example/Maintenance1/window/3";
    w.id = 3;
    w.status = "scheduled";
    w.start = kNow + 2 * kUsecPerHour + 13 * kUsecPerMinute;
    w.end = kNow + 4 * kUsecPerHour;
    w.reason = "Kernel upgrade";
    w.notify = {"ops"};
    w.hosts = {"web1", "web2"};
    w.notify_lead = kUsecPerHour;
    w.created = kNow - 3 * kUsecPerDay;
    w.created_by = 1000;
    w.log = {{kNow - 3 * kUsecPerDay, "info", "Scheduled\nby alice"}};
    return w;
}

TEST_F(CtlTest, StatusView) {
    StatusReport report;
    report.manager = {"scheduled", false, "/", "/org/example/Maintenance1/window/3", "", "0.1.0"};
    report.next = scheduled_window();
    report.hosts = {
        {"web1", "maintenance", ""}, {"web2", "normal", ""}, {"db1", "unknown", "ssh failed"}};
    Style style{kNow, false, true, {}};
    EXPECT_EQ(render_status(report, style),
              "               State: scheduled\n"
              "              Banner: (none)\n"
              "         Next window: 3 (scheduled): Kernel upgrade\n"
              "               Start: Tue 2026-03-31 12:13:00 CEST (in 2h 13min)\n"
              "                 End: Tue 2026-03-31 14:00:00 CEST (in 4h)\n"
              "Hosts in maintenance: web1 (of 3 hosts); state unknown: db1\n");
}

TEST_F(CtlTest, StatusOfAWindowStartedEarlyShowsWhenItStarted) {
    StatusReport report;
    report.manager = {"in-progress",
                      true,
                      "/org/example/Maintenance1/window/3",
                      "/",
                      "System is under maintenance!\nSave your work",
                      "0.1.0"};
    report.active = scheduled_window();
    report.active->status = "in-progress";
    report.active->valid = false;
    report.active->started = kNow - 10 * kUsecPerMinute;
    Style style{kNow, false, true, {}};
    EXPECT_EQ(render_status(report, style),
              "               State: in-progress\n"
              "              Banner: System is under maintenance!\n"
              "                      Save your work\n"
              "       Active window: 3 (in-progress, invalid): Kernel upgrade\n"
              "             Started: Tue 2026-03-31 09:50:00 CEST (10min ago)\n"
              "                 End: Tue 2026-03-31 14:00:00 CEST (in 4h)\n"
              "Hosts in maintenance: none (no hosts configured)\n");
}

TEST_F(CtlTest, StatusWhenHostsAreNotSupported) {
    StatusReport report;
    report.manager = {"idle", false, "/", "/", "", "0.1.0"};
    report.hosts_unavailable = "No host backend is configured.";
    Style style{kNow, false, true, {}};
    std::string out = render_status(report, style);
    EXPECT_TRUE(contains(out, "Next window: none\n"));
    EXPECT_TRUE(contains(
        out,
        "Hosts in maintenance: not supported by the daemon (No host backend is configured.)\n"));

    style.json = true;
    EXPECT_EQ(render_status(report, style),
              R"({"State":"idle","UnderMaintenance":false,"Banner":"","Version":"0.1.0",)"
              R"("ActiveWindow":null,"NextWindow":null,"Hosts":null,)"
              R"("HostsUnavailable":"No host backend is configured."})"
              "\n");
}

// `show` gives both: the planned start and when it started.
TEST_F(CtlTest, ShowGivesThePlannedAndTheActualStart) {
    Style style{kNow, false, true, {}};
    WindowDetails w = scheduled_window();
    w.status = "in-progress";
    w.started = kNow - 10 * 60 * S;
    const std::string out = render_window(w, style);
    EXPECT_TRUE(contains(out, "     Planned start: Tue 2026-03-31 12:13:00 CEST (in 2h 13min)\n"))
        << out;
    EXPECT_TRUE(contains(out, "           Started: Tue 2026-03-31 09:50:00 CEST (10min ago)\n"))
        << out;
}

TEST_F(CtlTest, ShowViewListsEveryPropertyThenTheLog) {
    Style style{kNow, false, true,
                [](std::uint32_t uid) { return uid == 1000 ? std::string("alice") : ""; }};
    WindowDetails w = scheduled_window();
    w.prechecks = {{"disk", "Enough space", "error", "pass", ""},
                   {"backup", "Recent backup", "warning", "fail", "3 days old"}};
    std::string out = render_window(w, style);
    for (const char* line : {"            Window: 3\n",
                             "            Status: scheduled\n",
                             "             Valid: yes\n",
                             "     Planned start: Tue 2026-03-31 12:13:00 CEST (in 2h 13min)\n",
                             "               End: Tue 2026-03-31 14:00:00 CEST (in 4h)\n",
                             "            Reason: Kernel upgrade\n",
                             "            Notify: ops\n",
                             "             Hosts: web1, web2\n",
                             "     Auto-complete: yes\n",
                             "       Notify lead: 1h\n",
                             "    Notify message: (none)\n",
                             "     Login message: (none)\n",
                             "Show login message: no\n",
                             "           Comment: (none)\n",
                             "           Created: Sat 2026-03-28 09:00:00 CET (3 days ago)\n",
                             "        Created by: alice (uid 1000)\n",
                             "           Started: n/a\n",
                             "        Started by: n/a\n",
                             "          Finished: n/a\n",
                             "       Finished by: n/a\n",
                             "   Completion note: (none)\n",
                             "         Prechecks: pass  error    disk: Enough space\n"
                             "                    fail  warning  backup: 3 days old\n",
                             "\nLog:\n  Sat 2026-03-28 09:00:00 CET  info     Scheduled\n"
                             "                                        by alice\n"}) {
        EXPECT_TRUE(contains(out, line)) << "missing: " << line << "\nin:\n" << out;
    }
}

TEST_F(CtlTest, ShowJsonUsesTheDbusNames) {
    Style style{kNow, true, true, {}};
    std::string out = render_window(scheduled_window(), style);
    EXPECT_TRUE(contains(out, R"("Id":3,"Status":"scheduled","Valid":true,)"));
    EXPECT_TRUE(contains(out, R"("Hosts":["web1","web2"])"));
    EXPECT_TRUE(contains(
        out,
        R"("Log":[{"TimeUSec":1774684800000000,"Level":"info","Message":"Scheduled\nby alice"}])"));
    EXPECT_EQ(out.back(), '\n');
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST_F(CtlTest, OtherTables) {
    Style style{kNow, false, true, {}};
    EXPECT_EQ(
        render_hosts({{"web1", "maintenance", "flipped by hand"}, {"db1", "normal", ""}}, style),
        "NAME  STATE        MESSAGE\n"
        "web1  maintenance  flipped by hand\n"
        "db1   normal\n"
        "\n2 hosts listed.\n");
    EXPECT_EQ(
        render_sessions(
            {{"4", 1000, "alice", false, "pts/0"}, {"c12", 0, "root", true, "10.0.0.7"}}, style),
        " ID   UID  USER   ADMIN  WHERE\n"
        "  4  1000  alice  no     pts/0\n"
        "c12     0  root   yes    10.0.0.7\n"
        "\n2 sessions listed.\n");
    DryRunReport dry{false, {{"disk", "Enough space", "error", "fail", "2% free"}}};
    EXPECT_EQ(render_dry_run(dry, style),
              "RESULT  SEVERITY  NAME  MESSAGE\n"
              "fail    error     disk  2% free\n"
              "\n1 check, 1 failed: not ready.\n");
    EXPECT_EQ(render_scheduled(5, "/org/example/Maintenance1/window/5", style), "5\n");
    EXPECT_EQ(render_window_done(5, "/x", style), "");
    style.json = true;
    EXPECT_EQ(render_scheduled(5, "/org/example/Maintenance1/window/5", style),
              "{\"Id\":5,\"Path\":\"/org/example/Maintenance1/window/5\"}\n");
    EXPECT_EQ(render_terminated({"4", "7"}, style), "{\"Terminated\":[\"4\",\"7\"]}\n");
    EXPECT_EQ(
        render_dry_run(dry, style),
        R"({"Ready":false,"Checks":[{"Name":"disk","Description":"Enough space","Severity":"error",)"
        R"("Result":"fail","Message":"2% free"}]})"
        "\n");
    EXPECT_EQ(render_nothing(style), "{}\n");
}

TEST_F(CtlTest, SmallHelpers) {
    EXPECT_EQ(window_id_of("/org/example/Maintenance1/window/42"), 42u);
    EXPECT_EQ(window_id_of("/org/example/Maintenance1/window/4x"), 0u);
    EXPECT_EQ(window_id_of("/"), 0u);
    EXPECT_EQ(one_line("Window 3 is in-progress\nonly a scheduled window can be started\n"),
              "Window 3 is in-progress; only a scheduled window can be started");
    EXPECT_EQ(when(0, kNow), "n/a");
    EXPECT_EQ(when(kNow - 3 * kUsecPerDay, kNow), "Sat 2026-03-28 09:00:00 CET (3 days ago)");
}

}  // namespace
}  // namespace maint::ctl
