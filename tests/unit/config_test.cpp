// Tests of the configuration loader (daemon/config) on real files in a temporary directory: the
// spec's example, drop-ins, defaults, and for every kind of mistake the FILE:LINE an admin must
// fix.
#include "config/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace maint {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr Usec S = kUsecPerSec;

// The example of /work/shared/spec/configuration.md, verbatim.
constexpr const char* kSpecExample = R"ini([Daemon]
StateDirectory=/var/lib/maintenanced   # the windows and their history (crash-safe database)
RuntimeDirectory=/run/maintenanced     # files other programs read: the PAM module's state file
Scheduler=auto                         # systemd | internal | auto (systemd timers when systemd runs, else in-process timers)
MaxParallelHosts=64                    # hosts flipped at once

[Access]
AdminGroups=sudo wheel maintadmin      # members, and root, are admins: never logged off, may log in during maintenance

[Notify]
LeadTimeSec=30min                      # default warning time before a start (NotifyLeadUSec)
Sendmail=/usr/sbin/sendmail            # mail goes through `sendmail -t -oi`; empty: no email
From=root@localhost
Wall=yes                               # notices on every terminal, as shutdown(8) does
Motd=yes                               # /run/motd.d/maintenanced shows the banner or upcoming notice

[Audience admins]                      # a name ScheduleWindow's and Complete's `notify` may use
Users=alice
Groups=maintadmin                      # every member; local accounts get local mail
Emails=ops@example.com

[Host node1]
Backend=command                        # local | command
EnterCommand=/usr/bin/ssh %h systemctl start maintenance.target   # %h host name, %w window id, %% a percent sign
LeaveCommand=/usr/bin/ssh %h systemctl stop maintenance.target
StatusCommand=/usr/bin/ssh %h systemctl is-active --quiet maintenance.target   # exit 0: in maintenance, 1..3: normal, else unknown
TimeoutSec=30

[Host localhost]
Backend=local                          # starts/stops maintenance.target on this machine through systemd

[Check backups]
Type=unit-inactive                     # unit-inactive | unit-active | no-failed-units | hosts-normal | command
Unit=backup.timer
Severity=error                         # error blocks Start; warning only reports
Description=Backup jobs are disabled

[Check replication]
Type=command                           # exit 0 passes; its first line of output is the message
Command=/usr/local/bin/check-replication --quiet
TimeoutSec=20
Severity=error
Description=Geo-replication is paused
)ini";

class ConfigTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string templ = (fs::temp_directory_path() / "maint-config-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(templ.data()), nullptr);
        dir_ = templ;
        main_ = dir_ / "maintenanced.conf";
        dropins_ = dir_ / "maintenanced.conf.d";
    }
    void TearDown() override { fs::remove_all(dir_); }

    static void write(const fs::path& path, const std::string& text) {
        fs::create_directories(path.parent_path());
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << text;
        ASSERT_TRUE(out.good()) << path;
    }
    void write_main(const std::string& text) { write(main_, text); }
    fs::path write_dropin(const std::string& name, const std::string& text) {
        write(dropins_ / name, text);
        return dropins_ / name;
    }

    Config load() { return load_config(main_, true); }

    // The message of the ConfigError that loading throws ("" and a test failure if none).
    std::string error_of_loading() {
        try {
            load_config(main_, true);
        } catch (const ConfigError& e) {
            return e.what();
        }
        ADD_FAILURE() << "the configuration loaded";
        return {};
    }

    // Writes `text` as the main file and expects an error at `line` of it saying `what`.
    void expect_error(const std::string& text, unsigned line, const std::string& what) {
        SCOPED_TRACE(text);
        write_main(text);
        const std::string message = error_of_loading();
        EXPECT_THAT(message, StartsWith(at(main_, line))) << message;
        EXPECT_THAT(message, HasSubstr(what)) << message;
        EXPECT_THAT(message, HasSubstr("expected")) << message;
    }

    static std::string at(const fs::path& file, unsigned line) {
        return file.string() + ":" + std::to_string(line) + ": ";
    }

    fs::path dir_;
    fs::path main_;
    fs::path dropins_;
};

TEST_F(ConfigTest, SpecExampleLoads) {
    write_main(kSpecExample);
    const Config c = load();
    EXPECT_EQ(c.state_directory, "/var/lib/maintenanced");
    EXPECT_EQ(c.runtime_directory, "/run/maintenanced");
    EXPECT_EQ(c.scheduler, SchedulerKind::Auto);
    EXPECT_EQ(c.max_parallel_hosts, 64u);
    EXPECT_THAT(c.admin_groups, ElementsAre("sudo", "wheel", "maintadmin"));
    EXPECT_EQ(c.lead_time_usec, 30 * kUsecPerMinute);
    EXPECT_EQ(c.sendmail, "/usr/sbin/sendmail");
    EXPECT_EQ(c.from, "root@localhost");
    EXPECT_TRUE(c.wall);
    EXPECT_TRUE(c.motd);

    ASSERT_EQ(c.audiences.size(), 1u);
    EXPECT_EQ(c.audiences[0].name, "admins");
    EXPECT_THAT(c.audiences[0].users, ElementsAre("alice"));
    EXPECT_THAT(c.audiences[0].groups, ElementsAre("maintadmin"));
    EXPECT_THAT(c.audiences[0].emails, ElementsAre("ops@example.com"));

    ASSERT_EQ(c.hosts.size(), 2u);
    EXPECT_EQ(c.hosts[0].name, "node1");
    EXPECT_EQ(c.hosts[0].backend, HostBackend::Command);
    EXPECT_THAT(c.hosts[0].enter_command,
                ElementsAre("/usr/bin/ssh", "%h", "systemctl", "start", "maintenance.target"));
    EXPECT_THAT(c.hosts[0].leave_command,
                ElementsAre("/usr/bin/ssh", "%h", "systemctl", "stop", "maintenance.target"));
    EXPECT_THAT(c.hosts[0].status_command,
                ElementsAre("/usr/bin/ssh", "%h", "systemctl", "is-active", "--quiet",
                            "maintenance.target"));
    EXPECT_EQ(c.hosts[0].timeout_usec, 30 * S);
    EXPECT_EQ(c.hosts[1].name, "localhost");
    EXPECT_EQ(c.hosts[1].backend, HostBackend::Local);
    EXPECT_TRUE(c.hosts[1].enter_command.empty());

    ASSERT_EQ(c.checks.size(), 2u);
    EXPECT_EQ(c.checks[0].name, "backups");
    EXPECT_EQ(c.checks[0].type, CheckType::UnitInactive);
    EXPECT_EQ(c.checks[0].unit, "backup.timer");
    EXPECT_TRUE(c.checks[0].command.empty());
    EXPECT_EQ(c.checks[0].severity, Severity::Error);
    EXPECT_EQ(c.checks[0].description, "Backup jobs are disabled");
    EXPECT_EQ(c.checks[0].timeout_usec, 30 * S);
    EXPECT_EQ(c.checks[1].name, "replication");
    EXPECT_EQ(c.checks[1].type, CheckType::Command);
    EXPECT_THAT(c.checks[1].command, ElementsAre("/usr/local/bin/check-replication", "--quiet"));
    EXPECT_TRUE(c.checks[1].unit.empty());
    EXPECT_EQ(c.checks[1].timeout_usec, 20 * S);
    EXPECT_EQ(c.checks[1].description, "Geo-replication is paused");

    EXPECT_THAT(c.sources, ElementsAre(main_));
}

TEST_F(ConfigTest, EveryValueOtherThanTheDefault) {
    write_main(
        "[Daemon]\n"
        "StateDirectory=/srv/state\n"
        "RuntimeDirectory=/run/m2\n"
        "Scheduler=internal\n"
        "MaxParallelHosts=4096\n"
        "[Access]\n"
        "AdminGroups=ops\n"
        "[Notify]\n"
        "LeadTimeSec=1h 30min\n"
        "Sendmail=\n"
        "From=maint@example.org\n"
        "Wall=no\n"
        "Motd=off\n"
        "[Host db]\n"
        "Backend=command\n"
        "EnterCommand=/usr/bin/fleet enter %h --window=%w --load=100%%\n"
        "LeaveCommand=/usr/bin/fleet leave %h\n"
        "TimeoutSec=1.5\n"
        "[Check failed]\n"
        "Type=no-failed-units\n"
        "Severity=warning\n"
        "TimeoutSec=2min\n"
        "[Check fleet]\n"
        "Type=hosts-normal\n"
        "[Check web]\n"
        "Type=unit-active\n"
        "Unit=nginx.service\n");
    const Config c = load();
    EXPECT_EQ(c.state_directory, "/srv/state");
    EXPECT_EQ(c.runtime_directory, "/run/m2");
    EXPECT_EQ(c.scheduler, SchedulerKind::Internal);
    EXPECT_EQ(c.max_parallel_hosts, 4096u);
    EXPECT_THAT(c.admin_groups, ElementsAre("ops"));
    EXPECT_EQ(c.lead_time_usec, 90 * kUsecPerMinute);
    EXPECT_EQ(c.sendmail, "");
    EXPECT_EQ(c.from, "maint@example.org");
    EXPECT_FALSE(c.wall);
    EXPECT_FALSE(c.motd);
    ASSERT_EQ(c.hosts.size(), 1u) << "configured hosts replace the default localhost";
    EXPECT_EQ(c.hosts[0].name, "db");
    EXPECT_THAT(c.hosts[0].enter_command,
                ElementsAre("/usr/bin/fleet", "enter", "%h", "--window=%w", "--load=100%%"));
    EXPECT_TRUE(c.hosts[0].status_command.empty());
    EXPECT_EQ(c.hosts[0].timeout_usec, 1'500'000u);
    ASSERT_EQ(c.checks.size(), 3u);
    EXPECT_EQ(c.checks[0].type, CheckType::NoFailedUnits);
    EXPECT_EQ(c.checks[0].severity, Severity::Warning);
    EXPECT_EQ(c.checks[0].timeout_usec, 120 * S);
    EXPECT_EQ(c.checks[0].description, "failed") << "Description defaults to the name";
    EXPECT_EQ(c.checks[1].type, CheckType::HostsNormal);
    EXPECT_EQ(c.checks[2].type, CheckType::UnitActive);
    EXPECT_EQ(c.checks[2].unit, "nginx.service");
}

TEST_F(ConfigTest, NoFileGivesTheBuiltInDefaults) {
    const Config c = load_config(main_, false);
    const Config d;  // config.hpp's defaults
    EXPECT_EQ(c.state_directory, d.state_directory);
    EXPECT_EQ(c.runtime_directory, d.runtime_directory);
    EXPECT_EQ(c.scheduler, SchedulerKind::Auto);
    EXPECT_EQ(c.max_parallel_hosts, 64u);
    EXPECT_THAT(c.admin_groups, ElementsAre("sudo", "wheel", "maintadmin"));
    EXPECT_EQ(c.lead_time_usec, 30 * kUsecPerMinute);
    EXPECT_EQ(c.sendmail, "/usr/sbin/sendmail");
    EXPECT_EQ(c.from, "root@localhost");
    EXPECT_TRUE(c.wall);
    EXPECT_TRUE(c.motd);
    EXPECT_TRUE(c.audiences.empty());
    EXPECT_TRUE(c.checks.empty());
    ASSERT_EQ(c.hosts.size(), 1u);
    EXPECT_EQ(c.hosts[0].name, "localhost");
    EXPECT_EQ(c.hosts[0].backend, HostBackend::Local);
    EXPECT_TRUE(c.sources.empty());
}

TEST_F(ConfigTest, AnEmptyFileGivesTheDefaultsToo) {
    write_main("# nothing here\n\n; nor here\n");
    const Config c = load();
    ASSERT_EQ(c.hosts.size(), 1u);
    EXPECT_EQ(c.hosts[0].name, "localhost");
    EXPECT_THAT(c.sources, ElementsAre(main_));
}

TEST_F(ConfigTest, RequiredMainFileMissing) {
    try {
        load_config(main_, true);
        FAIL() << "a missing --config file loaded";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()),
                  main_.string() + ": cannot read: No such file or directory");
    }
}

TEST_F(ConfigTest, UnreadableMainFileIsAnErrorEvenWhenOptional) {
    fs::create_directory(main_);  // a directory cannot be read as a file, even by root
    try {
        load_config(main_, false);
        FAIL() << "a directory loaded as the configuration file";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), main_.string() + ": cannot read: Is a directory");
    }
}

TEST_F(ConfigTest, DropInsOverrideAndMergeInLexicalOrder) {
    write_main(
        "[Notify]\n"
        "LeadTimeSec=30min\n"
        "Wall=no\n"
        "[Host a]\n"
        "Backend=command\n"
        "EnterCommand=/bin/enter %h\n"
        "LeaveCommand=/bin/leave %h\n"
        "[Audience ops]\n"
        "Users=alice\n"
        "Emails=ops@example.com\n");
    // Written out of order: the loader sorts.
    const auto second = write_dropin("20-second.conf",
                                     "[Notify]\n"
                                     "LeadTimeSec=2h\n"
                                     "[Host b]\n");
    const auto first = write_dropin("10-first.conf",
                                    "[Notify]\n"
                                    "LeadTimeSec=1h\n"
                                    "[Host a]\n"
                                    "TimeoutSec=5\n"
                                    "[Audience ops]\n"
                                    "Users=bob carol\n");
    // Not read: other suffixes, hidden files, directories.
    write_dropin("05-disabled.conf.disabled", "[Nonsense]\n");
    write_dropin("05-backup.conf~", "[Nonsense]\n");
    write_dropin(".hidden.conf", "[Nonsense]\n");
    write_dropin("dir.conf/x.conf", "[Nonsense]\n");

    const Config c = load();
    EXPECT_EQ(c.lead_time_usec, 2 * kUsecPerHour) << "the last drop-in wins";
    EXPECT_FALSE(c.wall) << "a key no drop-in sets keeps the main file's value";
    ASSERT_EQ(c.hosts.size(), 2u);
    EXPECT_EQ(c.hosts[0].name, "a");
    EXPECT_EQ(c.hosts[0].backend, HostBackend::Command);
    EXPECT_THAT(c.hosts[0].enter_command, ElementsAre("/bin/enter", "%h"));
    EXPECT_EQ(c.hosts[0].timeout_usec, 5 * S);
    EXPECT_EQ(c.hosts[1].name, "b");
    EXPECT_EQ(c.hosts[1].backend, HostBackend::Local);
    ASSERT_EQ(c.audiences.size(), 1u);
    EXPECT_THAT(c.audiences[0].users, ElementsAre("bob", "carol")) << "a later value replaces";
    EXPECT_THAT(c.audiences[0].emails, ElementsAre("ops@example.com"));
    EXPECT_THAT(c.sources, ElementsAre(main_, first, second));
}

TEST_F(ConfigTest, DropInsAreReadInTheByteOrderOfTheirNames) {
    write_main("[Daemon]\nMaxParallelHosts=1\n");
    // Created in neither sorted nor reverse order, so the directory's own order cannot pass for
    // the sorted one; "B" sorts before "a" (bytes, not locale), "10" before "9".
    const std::vector<std::string> created = {"50-e.conf", "10-b.conf", "90-g.conf", "B.conf",
                                              "9-x.conf",  "70-f.conf", "a.conf",    "20-c.conf",
                                              "30-d.conf", "00-a.conf"};
    for (std::size_t i = 0; i < created.size(); ++i) {
        write_dropin(created[i], "[Daemon]\nMaxParallelHosts=" + std::to_string(100 + i) + "\n");
    }
    std::vector<std::string> sorted = created;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(sorted.front(), "00-a.conf");
    ASSERT_EQ(sorted.back(), "a.conf");

    const Config c = load();
    std::vector<fs::path> expected = {main_};
    for (const auto& name : sorted)
        expected.push_back(dropins_ / name);
    EXPECT_EQ(c.sources, expected);
    EXPECT_EQ(c.max_parallel_hosts, 106u) << "a.conf, the last by name, wins";
}

TEST_F(ConfigTest, DropInsAreReadWithoutAMainFile) {
    const auto only = write_dropin("50-only.conf", "[Daemon]\nMaxParallelHosts=3\n");
    const Config c = load_config(main_, false);
    EXPECT_EQ(c.max_parallel_hosts, 3u);
    EXPECT_THAT(c.sources, ElementsAre(only));
}

TEST_F(ConfigTest, ErrorsInDropInsNameTheDropIn) {
    write_main("[Daemon]\nMaxParallelHosts=3\n");
    write_dropin("10-ok.conf", "[Daemon]\nMaxParallelHosts=4\n");
    const auto bad = write_dropin("20-bad.conf", "# a comment\n[Daemon]\nMaxParallelHosts=0\n");
    const std::string message = error_of_loading();
    EXPECT_THAT(message,
                StartsWith(at(bad, 3) + "MaxParallelHosts=0: expected an integer from 1 to 4096"));
}

TEST_F(ConfigTest, DropInDirectoryThatIsAFile) {
    write_main("");
    write(dropins_, "not a directory\n");
    EXPECT_THAT(error_of_loading(), StartsWith(dropins_.string() + ": cannot read: "));
}

TEST_F(ConfigTest, AKeyTwiceInOneFileIsAnError) {
    expect_error("[Notify]\nWall=no\nMotd=no\nWall=yes\n", 4,
                 "Wall= given twice in [Notify] (first at line 2)");
    // Also when the section is opened twice in the file.
    expect_error("[Host a]\nTimeoutSec=5\n[Notify]\nWall=no\n[Host a]\nTimeoutSec=6\n", 6,
                 "TimeoutSec= given twice in [Host a] (first at line 2)");
}

TEST_F(ConfigTest, ASectionOpenedTwiceInOneFileMerges) {
    write_main(
        "[Host a]\nBackend=command\n[Notify]\nWall=no\n[Host "
        "a]\nEnterCommand=/bin/e\nLeaveCommand=/bin/l\n");
    const Config c = load();
    ASSERT_EQ(c.hosts.size(), 1u);
    EXPECT_EQ(c.hosts[0].backend, HostBackend::Command);
    EXPECT_THAT(c.hosts[0].leave_command, ElementsAre("/bin/l"));
}

TEST_F(ConfigTest, TheSameKeyInTwoFilesIsAnOverride) {
    write_main("[Notify]\nWall=no\n");
    write_dropin("a.conf", "[Notify]\nWall=yes\n");
    EXPECT_TRUE(load().wall);
}

TEST_F(ConfigTest, UnknownSectionsAndKeys) {
    expect_error("[Daemon]\nScheduler=auto\n\n[Deamon]\n", 4, "unknown section [Deamon]");
    expect_error("[daemon]\n", 1, "names are case-sensitive: Daemon");
    expect_error("[Notify]\nWall=no\nLeadTime=5min\n", 3, "unknown key LeadTime= in [Notify]");
    expect_error("[Notify]\nwall=no\n", 2, "names are case-sensitive: Wall=");
    expect_error("[Host a]\nUnit=x.service\n", 2, "unknown key Unit= in [Host a]");
    expect_error("[Check a]\nBackend=local\n", 2, "unknown key Backend= in [Check a]");
    expect_error("# a comment\nWall=no\n", 2, "Wall= comes before any section");
}

TEST_F(ConfigTest, MalformedLines) {
    expect_error("[Notify]\nWall no\n", 2, "expected Key=value");
    expect_error("[Notify]\nWall: no\n", 2, "expected Key=value");
    expect_error("[Notify]\n=no\n", 2, "without a key");
    expect_error("[Notify\n", 1, "section header without ']'");
    expect_error("[Notify] extra\n", 1, "unexpected text after ']'");
    expect_error("[Notify]\nWall=no\n\x01\n", 3, "control character");
    expect_error("[Notify]\nFrom=a\xff@b\n", 2, "not valid UTF-8");
}

TEST_F(ConfigTest, SectionNames) {
    expect_error("[Daemon x]\n", 1, "[Daemon] takes no name");
    expect_error("[Host]\n", 1, "[Host] needs a name");
    expect_error("[Audience ]\n", 1, "empty Audience name");
    expect_error("[Host a b]\n", 1, "contains whitespace");
    expect_error("[Host a\tb]\n", 1, "contains whitespace");
    expect_error("[Check  x]\n", 1, "contains whitespace");
    expect_error("\n[Host " + std::string(256, 'h') + "]\n", 2, "name of 256 bytes");
    expect_error("[Host caf\xc3]\n", 1, "not valid UTF-8");
    expect_error("[Host a\x7f]\n", 1, "control character");
    expect_error("[Host -oProxyCommand=x]\n", 1, "starts with '-'");

    // 253 bytes for a host (255 for others), and non-ASCII audiences, are fine; a header line is
    // not limited like Key=value lines.
    const std::string longest(253, 'h');
    write_main("[Host " + longest + "]\n[Audience \xc3\xa9quipe]\n");
    const Config c = load();
    ASSERT_EQ(c.hosts.size(), 1u);
    EXPECT_EQ(c.hosts[0].name, longest);
    ASSERT_EQ(c.audiences.size(), 1u);
    EXPECT_EQ(c.audiences[0].name, "\xc3\xa9quipe");
}

// Recipes pass %h to `sh -c`: a host name is only ever a host name.
TEST_F(ConfigTest, HostNamesAreHostNames) {
    expect_error("[Host web1;reboot]\n", 1, "contains ';'");
    expect_error("\n\n[Host $(id)]\n", 3, "contains '$'");
    expect_error("[Host a`id`]\n", 1, "contains '`'");
    expect_error("[Host a|b]\n", 1, "contains '|'");
    expect_error("[Host caf\xc3\xa9]\n", 1, "outside letters, digits");
    expect_error("[Host " + std::string(254, 'h') + "]\n", 1, "at most 253");
    write_main("[Host node-1.example.org]\n[Host db_2]\n[Host 10.0.0.7]\n");
    const Config c = load();
    ASSERT_EQ(c.hosts.size(), 3u);
    EXPECT_EQ(c.hosts[0].name, "node-1.example.org");
}

TEST_F(ConfigTest, EmptySectionsCount) {
    write_main("[Host quiet]\n\n[Audience nobody]\n# only a comment\n");
    const Config c = load();
    ASSERT_EQ(c.hosts.size(), 1u) << "an empty [Host] still replaces the default localhost";
    EXPECT_EQ(c.hosts[0].name, "quiet");
    EXPECT_EQ(c.hosts[0].backend, HostBackend::Local);
    ASSERT_EQ(c.audiences.size(), 1u);
    EXPECT_EQ(c.audiences[0].name, "nobody");
    EXPECT_TRUE(c.audiences[0].users.empty());
    // An empty [Check] is a command check without a command: an error at its header.
    expect_error("[Notify]\n\n[Check empty]\n", 3,
                 "[Check empty] has Type=command but no Command=");
}

TEST_F(ConfigTest, BadDaemonValues) {
    expect_error("[Daemon]\nStateDirectory=var/lib/m\n", 2,
                 "StateDirectory=var/lib/m: expected an absolute path");
    expect_error("[Daemon]\nStateDirectory=\n", 2, "expected an absolute path");
    expect_error("[Daemon]\nRuntimeDirectory=/run/../etc\n", 2, "without . or ..");
    expect_error("[Daemon]\nScheduler=cron\n", 2,
                 "Scheduler=cron: expected systemd, internal or auto");
    expect_error("[Daemon]\nScheduler=Auto\n", 2, "expected systemd, internal or auto");
    for (const char* n : {"0", "4097", "-1", "+5", "abc", "", "1.5", "99999999999999999999"}) {
        expect_error(std::string("[Daemon]\nMaxParallelHosts=") + n + "\n", 2,
                     "expected an integer from 1 to 4096");
    }
    write_main("[Daemon]\nMaxParallelHosts=1\n");
    EXPECT_EQ(load().max_parallel_hosts, 1u);
}

TEST_F(ConfigTest, BadAccessAndNotifyValues) {
    expect_error("[Access]\nAdminGroups=wheel -x\n", 2, "\"-x\" is not a group name");
    expect_error("[Access]\nAdminGroups=a:b\n", 2, "not a group name");
    expect_error("[Notify]\nLeadTimeSec=5x\n", 2,
                 "LeadTimeSec=5x: \"5x\" is not a valid time span: unknown unit");
    expect_error("[Notify]\nLeadTimeSec=-5min\n", 2, "negative");
    expect_error("[Notify]\nSendmail=sendmail\n", 2,
                 "Sendmail=sendmail: expected an absolute path");
    expect_error("[Notify]\nWall=maybe\n", 2, "Wall=maybe: expected a boolean");
    expect_error("[Notify]\nMotd=\n", 2, "expected a boolean");
    expect_error("[Notify]\nFrom=\n", 2, "expected an address");
    expect_error("[Notify]\nFrom=root\n", 2, "not an email address");
    expect_error("[Notify]\nFrom=Root <root@localhost>\n", 2, "not allowed in an address");
}

TEST_F(ConfigTest, BooleansAndSpans) {
    for (const auto& [text, value] : std::vector<std::pair<std::string, bool>>{{"yes", true},
                                                                               {"true", true},
                                                                               {"1", true},
                                                                               {"on", true},
                                                                               {"YES", true},
                                                                               {"no", false},
                                                                               {"false", false},
                                                                               {"0", false},
                                                                               {"off", false},
                                                                               {"Off", false}}) {
        write_main("[Notify]\nWall=" + text + "\nMotd=" + text + "\n");
        const Config c = load();
        EXPECT_EQ(c.wall, value) << text;
        EXPECT_EQ(c.motd, value) << text;
    }
    write_main("[Notify]\nLeadTimeSec=90\n");
    EXPECT_EQ(load().lead_time_usec, 90 * S) << "a bare number is seconds";
    write_main("[Notify]\nLeadTimeSec=0\n");
    EXPECT_EQ(load().lead_time_usec, 0u) << "no warning time is allowed";
}

TEST_F(ConfigTest, EmailsCannotInjectHeaders) {
    for (const char* bad :
         {"ops@example.com,evil@example.org", "<ops@example.com>", "ops@example.com>",
          "Ops <ops@example.com>", "ops", "@example.com", "ops@", "a@b@c", "ops@example.com;x@y",
          "\"ops\"@example.com", "ops@.example.com", "ops@example..com", "-f@example.com",
          "ops(x)@example.com"}) {
        expect_error(std::string("[Audience a]\nEmails=") + bad + "\n", 2, "expected an address");
    }
    expect_error("[Audience a]\nEmails=ops@example.com,evil@example.org\n", 2,
                 "\"ops@example.com,evil@example.org\" contains a character not allowed in an "
                 "address (',')");
    // A continuation line joins with a space, so it cannot start a new header either.
    expect_error("[Audience a]\nEmails=ops@example.com\n  Bcc:evil@example.org\n", 2,
                 "\"Bcc:evil@example.org\"");
    write_main("[Audience a]\nEmails=ops@example.com first.last+tag@sub.example.org\n");
    EXPECT_THAT(load().audiences.at(0).emails,
                ElementsAre("ops@example.com", "first.last+tag@sub.example.org"));
}

TEST_F(ConfigTest, BadHostValues) {
    expect_error("[Host a]\nBackend=ssh\n", 2, "Backend=ssh: expected local or command");
    expect_error("[Host a]\nBackend=command\nEnterCommand=/bin/x %x\nLeaveCommand=/bin/y\n", 3,
                 "unknown specifier %x");
    expect_error("[Host a]\nBackend=command\nEnterCommand=/bin/x 100%\nLeaveCommand=/bin/y\n", 3,
                 "a lone '%'");
    expect_error("[Host a]\nBackend=command\nEnterCommand=/bin/x \"oops\nLeaveCommand=/bin/y\n", 3,
                 "unterminated double quote");
    expect_error("[Host a]\nBackend=command\nEnterCommand=/bin/x\nLeaveCommand=\"\" x\n", 4,
                 "expected a program");
    expect_error("[Host a]\nTimeoutSec=0\n", 2,
                 "TimeoutSec=0: expected a time span greater than 0");
    expect_error("[Host a]\nTimeoutSec=soon\n", 2, "not a valid time span");
}

TEST_F(ConfigTest, HostBackendsNeedTheirCommands) {
    // A command host without a command: at the header of the section that set Backend=command.
    expect_error("[Notify]\nWall=no\n[Host a]\nBackend=command\nLeaveCommand=/bin/l\n", 3,
                 "[Host a] has Backend=command but no EnterCommand=");
    expect_error("[Host a]\nBackend=command\nEnterCommand=/bin/e\n", 1,
                 "[Host a] has Backend=command but no LeaveCommand=");
    // A local host with a command: at the command.
    expect_error("[Host a]\nBackend=local\nTimeoutSec=5\nStatusCommand=/bin/s\n", 4,
                 "StatusCommand= in [Host a], whose Backend is local");
    expect_error("[Host a]\nEnterCommand=/bin/e\n", 2,
                 "EnterCommand= in [Host a], whose Backend is local");
}

TEST_F(ConfigTest, HostValidationPointsIntoTheDropInThatCausedIt) {
    write_main("[Host a]\nBackend=local\n");
    const auto dropin =
        write_dropin("10-a.conf", "\n[Host a]\nBackend=command\nEnterCommand=/bin/e\n");
    EXPECT_THAT(error_of_loading(),
                StartsWith(at(dropin, 2) + "[Host a] has Backend=command but no LeaveCommand="));
}

TEST_F(ConfigTest, ADropInCanTurnACommandHostLocalByClearingItsCommands) {
    write_main("[Host a]\nBackend=command\nEnterCommand=/bin/e\nLeaveCommand=/bin/l\n");
    write_dropin("10-a.conf", "[Host a]\nBackend=local\nEnterCommand=\nLeaveCommand=\n");
    const Config c = load();
    ASSERT_EQ(c.hosts.size(), 1u);
    EXPECT_EQ(c.hosts[0].backend, HostBackend::Local);
    EXPECT_TRUE(c.hosts[0].enter_command.empty());
}

TEST_F(ConfigTest, BadCheckValues) {
    expect_error("[Check a]\nType=unit-failed\n", 2,
                 "Type=unit-failed: expected unit-inactive, unit-active, no-failed-units, "
                 "hosts-normal or command");
    expect_error("[Check a]\nType=command\nCommand=/bin/c\nSeverity=fatal\n", 4,
                 "Severity=fatal: expected error or warning");
    expect_error("[Check a]\nType=command\nCommand=/bin/c\nTimeoutSec=0\n", 4,
                 "expected a time span greater than 0");
    expect_error("[Check a]\nType=unit-active\nUnit=backup\n", 3, "\"backup\" is not a unit name");
    expect_error("[Check a]\nType=unit-active\nUnit=backup.bogus\n", 3, "not a unit name");
    expect_error("[Check a]\nType=unit-active\nUnit=my$unit.service\n", 3, "contains '$'");
    expect_error("[Check a]\nType=command\nCommand=/bin/c 'x\n", 3, "unterminated single quote");
}

TEST_F(ConfigTest, CheckTypesTakeTheirKeysOnly) {
    expect_error("[Check a]\nType=unit-inactive\n", 1,
                 "[Check a] has Type=unit-inactive but no Unit=");
    expect_error("\n[Check a]\nType=unit-active\nSeverity=warning\n", 2,
                 "has Type=unit-active but no Unit=");
    expect_error("[Check a]\nType=command\nDescription=x\n", 1, "has Type=command but no Command=");
    expect_error("[Check a]\nType=command\nCommand=/bin/c\nUnit=x.service\n", 4,
                 "Unit= in [Check a], whose Type is command");
    expect_error("[Check a]\nCommand=/bin/c\nType=unit-inactive\nUnit=x.service\n", 2,
                 "Command= in [Check a], whose Type is unit-inactive");
    expect_error("[Check a]\nType=hosts-normal\nUnit=x.service\n", 3, "whose Type is hosts-normal");
    expect_error("[Check a]\nType=no-failed-units\nCommand=/bin/c\n", 3,
                 "whose Type is no-failed-units");
    // Type defaults to command.
    write_main("[Check a]\nCommand=/bin/c x\n");
    const Config c = load();
    ASSERT_EQ(c.checks.size(), 1u);
    EXPECT_EQ(c.checks[0].type, CheckType::Command);
    EXPECT_THAT(c.checks[0].command, ElementsAre("/bin/c", "x"));
}

TEST_F(ConfigTest, DescriptionDefaultsToTheNameAndCanBeReset) {
    write_main("[Check a]\nCommand=/bin/c\nDescription=Something\n");
    write_dropin("10.conf", "[Check a]\nDescription=\n");
    EXPECT_EQ(load().checks.at(0).description, "a");
}

TEST_F(ConfigTest, TheFirstErrorInAFileIsReported) {
    // A bad value before an unknown key, and an unknown key before a bad value.
    expect_error("[Notify]\nWall=maybe\nNoSuchKey=1\n", 2, "Wall=maybe");
    expect_error("[Notify]\nNoSuchKey=1\nWall=maybe\n", 2, "unknown key NoSuchKey=");
}

TEST_F(ConfigTest, LongLines) {
    // 197 characters is inih's limit here ('\r', '\n' and '\0' take the rest of its 200).
    const std::string prefix = "Description=";
    const std::string fits = prefix + std::string(197 - prefix.size(), 'x');
    write_main("[Check a]\nCommand=/bin/c\n" + fits + "\n");
    EXPECT_EQ(load().checks.at(0).description, std::string(197 - prefix.size(), 'x'));

    expect_error("[Check a]\nCommand=/bin/c\n" + fits + "y\n", 3,
                 "line longer than 197 characters; expected shorter lines: continue a long value "
                 "on the next line, indented");
    // A long comment, or a long comment after a value, is fine: inih never sees it.
    write_main("# " + std::string(500, 'c') + "\n[Check a]\nCommand=/bin/c\n" + fits + "   # " +
               std::string(300, 'c') + "\n");
    EXPECT_EQ(load().checks.at(0).description.size(), 197 - prefix.size());
}

TEST_F(ConfigTest, ContinuationLines) {
    const std::string part(150, 'd');
    write_main(
        "[Audience a]\n"
        "Users=alice\n"
        "  bob\n"
        "\tcarol   # a comment on a continuation line\n"
        "  # an indented comment is a comment\n"
        "  dave\n"
        "[Check c]\n"
        "Command=/bin/check\n"
        "    --flag \"two words\"\n"
        "Description=" +
        part +
        "\n"
        "  " +
        part + "\n");
    const Config c = load();
    EXPECT_THAT(c.audiences.at(0).users, ElementsAre("alice", "bob", "carol", "dave"));
    EXPECT_THAT(c.checks.at(0).command, ElementsAre("/bin/check", "--flag", "two words"));
    EXPECT_EQ(c.checks.at(0).description, part + " " + part);
}

TEST_F(ConfigTest, AnIndentedKeyRightAfterAHeaderIsAKey) {
    write_main("[Daemon]\nScheduler=internal\n[Notify]\n  Wall=no\nMotd=no\n");
    const Config c = load();
    EXPECT_EQ(c.scheduler, SchedulerKind::Internal);
    EXPECT_FALSE(c.wall);
    EXPECT_FALSE(c.motd);
}

// A second indented line continues the first key's value, as in inih and Python's configparser.
TEST_F(ConfigTest, AContinuationMakesABadValueAtTheKeysLine) {
    expect_error("[Notify]\nWall=no\n  Motd=no\n", 2, "Wall=no Motd=no: expected a boolean");
}

TEST_F(ConfigTest, InlineComments) {
    write_main(
        "# a comment\n"
        "; another\n"
        "   # an indented one\n"
        "[Notify]   ; after a header\n"
        "Wall=no # hash\n"
        "Motd=no\t; semicolon after a tab\n"
        "[Check ticket#42]\n"
        "Command=/bin/c #not-an-argument\n"
        "Description=Ticket#42; see the wiki\n");
    const Config c = load();
    EXPECT_FALSE(c.wall);
    EXPECT_FALSE(c.motd);
    ASSERT_EQ(c.checks.size(), 1u);
    EXPECT_EQ(c.checks[0].name, "ticket#42");
    EXPECT_THAT(c.checks[0].command, ElementsAre("/bin/c"));
    EXPECT_EQ(c.checks[0].description, "Ticket#42; see the wiki");
    // ';' not after whitespace is part of the value, so From= is refused.
    write_main("[Notify]\nFrom=root@localhost;\n");
    EXPECT_THAT(error_of_loading(), StartsWith(at(main_, 2) + "From=root@localhost;"));
}

TEST_F(ConfigTest, WindowsLineEndingsAndAByteOrderMark) {
    write_main(
        "\xEF\xBB\xBF[Notify]\r\nWall=no\r\n[Host a]\r\nBackend=command\r\n"
        "EnterCommand=/bin/e\r\nLeaveCommand=/bin/l\r\n");
    const Config c = load();
    EXPECT_FALSE(c.wall);
    ASSERT_EQ(c.hosts.size(), 1u);
    EXPECT_THAT(c.hosts[0].leave_command, ElementsAre("/bin/l"));
}

// ---------------------------------------------------------------------------------------------
// Added in 0.2: [Daemon] MaxFailedHosts= and [Hosts NAME] groups.

// The 0.2 example of /work/shared/spec/configuration.md for these keys, verbatim.
constexpr const char* kSpecFleetExample = R"ini([Daemon]
MaxFailedHosts=                        # default error budget of a window: a count ("10") or a share ("5%"); empty: none

[Hosts slurm]                          # a GROUP of hosts flipped by one engine in batches (Backend=batch)
Backend=batch
Hosts=node[0001-9999] login[1-2] gpu07 # names, with [a-b] / [a,b,c] ranges as Slurm, pdsh and ClusterShell write them
HostsCommand=/usr/bin/sinfo -h -N -o %N   # or: the engine lists its hosts, one a line (run at start-up, Reload, DryRun and Start)
EnterCommand=/usr/libexec/maintenanced/slurm enter %w
LeaveCommand=/usr/libexec/maintenanced/slurm leave %w
StatusCommand=/usr/libexec/maintenanced/slurm status
BatchSize=10000                        # at most this many hosts per command run; batches count against MaxParallelHosts
TimeoutSec=10min
)ini";

// A group with what it needs, for tests about something else.
constexpr const char* kGroup =
    "[Hosts g]\n"
    "Hosts=n[1-3]\n"
    "EnterCommand=/bin/enter %w\n"
    "LeaveCommand=/bin/leave %w\n";

TEST_F(ConfigTest, SpecFleetExampleLoads) {
    write_main(kSpecFleetExample);
    const Config c = load();
    EXPECT_EQ(c.max_failed_hosts, "");
    EXPECT_TRUE(c.hosts.empty()) << "a [Hosts] group replaces the default localhost too";
    ASSERT_EQ(c.host_groups.size(), 1u);
    const HostGroupConfig& g = c.host_groups[0];
    EXPECT_EQ(g.name, "slurm");
    ASSERT_EQ(g.hosts.size(), 9999u + 3u);
    EXPECT_EQ(g.hosts[0], "node0001");
    EXPECT_EQ(g.hosts[9998], "node9999");
    EXPECT_THAT(std::vector<std::string>(g.hosts.end() - 3, g.hosts.end()),
                ElementsAre("login1", "login2", "gpu07"));
    EXPECT_THAT(g.hosts_command, ElementsAre("/usr/bin/sinfo", "-h", "-N", "-o", "%N"))
        << "HostsCommand= expands no specifiers";
    EXPECT_THAT(g.enter_command, ElementsAre("/usr/libexec/maintenanced/slurm", "enter", "%w"));
    EXPECT_THAT(g.leave_command, ElementsAre("/usr/libexec/maintenanced/slurm", "leave", "%w"));
    EXPECT_THAT(g.status_command, ElementsAre("/usr/libexec/maintenanced/slurm", "status"));
    EXPECT_EQ(g.batch_size, 10'000u);
    EXPECT_EQ(g.timeout_usec, 10 * kUsecPerMinute);
}

TEST_F(ConfigTest, AGroupWithItsDefaults) {
    write_main(
        "[Host db]\n"
        "[Hosts pcmk]\n"
        "Hosts=web[01-03],db-replica\n"
        "EnterCommand=/usr/libexec/maintenanced/pacemaker enter --window=%w --load=100%%\n"
        "LeaveCommand=/usr/libexec/maintenanced/pacemaker leave\n"
        "[Hosts k8s]\n"
        "HostsCommand=/usr/bin/kubectl get nodes -o name\n"
        "EnterCommand=/usr/libexec/maintenanced/generic cordon\n"
        "LeaveCommand=/usr/libexec/maintenanced/generic uncordon\n"
        "BatchSize=1\n"
        "TimeoutSec=1h\n");
    const Config c = load();
    ASSERT_EQ(c.hosts.size(), 1u);
    EXPECT_EQ(c.hosts[0].name, "db");
    ASSERT_EQ(c.host_groups.size(), 2u);
    const HostGroupConfig& pcmk = c.host_groups[0];
    EXPECT_EQ(pcmk.name, "pcmk");
    EXPECT_THAT(pcmk.hosts, ElementsAre("web01", "web02", "web03", "db-replica"));
    EXPECT_TRUE(pcmk.hosts_command.empty());
    EXPECT_THAT(pcmk.enter_command, ElementsAre("/usr/libexec/maintenanced/pacemaker", "enter",
                                                "--window=%w", "--load=100%%"));
    EXPECT_TRUE(pcmk.status_command.empty());
    EXPECT_EQ(pcmk.batch_size, 1000u) << "BatchSize= defaults to 1000";
    EXPECT_EQ(pcmk.timeout_usec, 10 * kUsecPerMinute) << "TimeoutSec= defaults to 10min";
    const HostGroupConfig& k8s = c.host_groups[1];
    EXPECT_EQ(k8s.name, "k8s");
    EXPECT_TRUE(k8s.hosts.empty()) << "the engine lists them";
    EXPECT_THAT(k8s.hosts_command, ElementsAre("/usr/bin/kubectl", "get", "nodes", "-o", "name"));
    EXPECT_EQ(k8s.batch_size, 1u);
    EXPECT_EQ(k8s.timeout_usec, kUsecPerHour);
}

TEST_F(ConfigTest, OnlyGroupsMeansNoLocalhost) {
    write_main(kGroup);
    const Config c = load();
    EXPECT_TRUE(c.hosts.empty());
    ASSERT_EQ(c.host_groups.size(), 1u);
    EXPECT_THAT(c.host_groups[0].hosts, ElementsAre("n1", "n2", "n3"));
    // And without any host section, localhost, and no groups.
    write_main("[Daemon]\nMaxFailedHosts=3\n");
    const Config d = load();
    ASSERT_EQ(d.hosts.size(), 1u);
    EXPECT_EQ(d.hosts[0].name, "localhost");
    EXPECT_TRUE(d.host_groups.empty());
}

TEST_F(ConfigTest, ALongHostListOverContinuationLines) {
    write_main(
        "[Hosts g]\n"
        "Hosts=rack[1-2]-n[01-02]\n"
        "      gpu07,gpu08\n"
        "      login1   # a comment\n"
        "EnterCommand=/bin/enter\n"
        "LeaveCommand=/bin/leave\n");
    EXPECT_THAT(load().host_groups.at(0).hosts,
                ElementsAre("rack1-n01", "rack1-n02", "rack2-n01", "rack2-n02", "gpu07", "gpu08",
                            "login1"));
}

TEST_F(ConfigTest, DropInsReplaceAGroupsKeys) {
    write_main(
        "[Hosts g]\n"
        "Hosts=n[1-3]\n"
        "HostsCommand=/bin/list\n"
        "EnterCommand=/bin/enter %w\n"
        "LeaveCommand=/bin/leave %w\n"
        "StatusCommand=/bin/status\n"
        "BatchSize=50\n");
    write_dropin("10-g.conf",
                 "[Hosts g]\n"
                 "Hosts=m[7-8]\n"
                 "StatusCommand=\n"
                 "TimeoutSec=30s\n");
    const Config c = load();
    ASSERT_EQ(c.host_groups.size(), 1u);
    const HostGroupConfig& g = c.host_groups[0];
    EXPECT_THAT(g.hosts, ElementsAre("m7", "m8")) << "a later Hosts= replaces, it does not add";
    EXPECT_THAT(g.hosts_command, ElementsAre("/bin/list"));
    EXPECT_THAT(g.enter_command, ElementsAre("/bin/enter", "%w"));
    EXPECT_TRUE(g.status_command.empty()) << "an empty value unsets";
    EXPECT_EQ(g.batch_size, 50u);
    EXPECT_EQ(g.timeout_usec, 30 * S);

    // An empty Hosts= resets the list: the engine's command lists the hosts then.
    write_dropin("20-g.conf", "[Hosts g]\nHosts=\n");
    const Config d = load();
    EXPECT_TRUE(d.host_groups.at(0).hosts.empty());
    EXPECT_THAT(d.host_groups.at(0).hosts_command, ElementsAre("/bin/list"));
}

TEST_F(ConfigTest, HostsGivenTwiceInOneFileIsAnError) {
    expect_error("[Hosts g]\nHosts=a\nEnterCommand=/bin/e\nHosts=b\n", 4,
                 "Hosts= given twice in [Hosts g] (first at line 2)");
}

TEST_F(ConfigTest, BadGroupValues) {
    const std::string commands = "EnterCommand=/bin/e\nLeaveCommand=/bin/l\n";
    expect_error("[Hosts g]\nBackend=command\n", 2, "Backend=command: expected batch");
    expect_error("[Hosts g]\nBackend=\n", 2, "expected batch");
    expect_error("[Hosts g]\n" + commands + "Hosts=node[1-3\n", 4,
                 "Hosts=node[1-3: at byte 5: '[' is never closed; expected host names");
    expect_error("[Hosts g]\nHosts=n[5-3]\n", 2, "at byte 3: the range 5-3 ends before it starts");
    expect_error("[Hosts g]\nHosts=web1;reboot\n", 2, "at byte 5: ';' is not allowed");
    expect_error("[Hosts g]\nHosts=n[1-100001]\n", 2, "more than 100000 names");
    expect_error("[Hosts g]\nEnterCommand=/bin/enter %h\n", 2,
                 "%h in a command of a [Hosts] group: its hosts come on standard input");
    expect_error("[Hosts g]\nLeaveCommand=/bin/leave %h\n", 2, "%h in a command");
    expect_error("[Hosts g]\nStatusCommand=/bin/status --host=%h\n", 2, "%h in a command");
    expect_error("[Hosts g]\nEnterCommand=/bin/enter %x\n", 2,
                 "unknown specifier %x; expected %w (the window id) or %% (a percent sign)");
    expect_error("[Hosts g]\nEnterCommand=/bin/enter 100%\n", 2, "a lone '%'");
    expect_error("[Hosts g]\nHostsCommand=/bin/list 'x\n", 2, "unterminated single quote");
    for (const char* n : {"0", "100001", "-1", "many", ""}) {
        expect_error(std::string("[Hosts g]\nBatchSize=") + n + "\n", 2,
                     "expected an integer from 1 to 100000");
    }
    expect_error("[Hosts g]\nTimeoutSec=0\n", 2, "expected a time span greater than 0");
    expect_error("[Hosts g]\nBatchsize=5\n", 2, "names are case-sensitive: BatchSize=");
    expect_error("[Hosts g]\nUnit=x.service\n", 2, "unknown key Unit= in [Hosts g]");

    write_main("[Hosts g]\nHosts=n1\n" + commands + "BatchSize=100000\n");
    EXPECT_EQ(load().host_groups.at(0).batch_size, 100'000u);
}

TEST_F(ConfigTest, GroupNamesAreHostNames) {
    expect_error("[Hosts]\n", 1, "[Hosts] needs a name");
    expect_error("[Hosts a$b]\n", 1, "group name \"a$b\" contains '$'");
    expect_error("[Hosts -x]\n", 1, "group name \"-x\" starts with '-'");
    expect_error("[hosts g]\n", 1, "names are case-sensitive: Hosts");
}

TEST_F(ConfigTest, AGroupNeedsItsCommandsAndSomeHosts) {
    expect_error("[Notify]\nWall=no\n[Hosts g]\nHosts=a\nLeaveCommand=/bin/l\n", 3,
                 "[Hosts g] has no EnterCommand=");
    expect_error("[Hosts g]\nHosts=a\nEnterCommand=/bin/e\n", 1, "[Hosts g] has no LeaveCommand=");
    expect_error("\n[Hosts g]\nEnterCommand=/bin/e\nLeaveCommand=/bin/l\n", 2,
                 "[Hosts g] has no hosts; expected Hosts=NAMES");
    expect_error("[Hosts g]\n", 1, "[Hosts g] has no EnterCommand=");

    // A drop-in that clears what a group needs is named, at its line.
    write_main(kGroup);
    const auto dropin = write_dropin("10-g.conf", "[Hosts g]\n\nLeaveCommand=\n");
    EXPECT_THAT(error_of_loading(), StartsWith(at(dropin, 3) + "[Hosts g] has no LeaveCommand="));
    write_dropin("10-g.conf", "[Hosts g]\nHostsCommand=\nHosts=\n");
    EXPECT_THAT(error_of_loading(), StartsWith(at(dropin, 3) + "[Hosts g] has no hosts"));
}

TEST_F(ConfigTest, AGroupIsNotNamedLikeAHost) {
    // The later of the two is reported, naming the other with its place.
    expect_error(std::string("[Host g]\n") + kGroup, 2,
                 "[Hosts g] is named like [Host g] (" + main_.string() + ":1)");
    expect_error(std::string(kGroup) + "[Host g]\n", 5,
                 "[Host g] is named like [Hosts g] (" + main_.string() + ":1)");
}

TEST_F(ConfigTest, AHostOfAGroupIsNotNamedLikeAnythingElse) {
    const std::string commands = "EnterCommand=/bin/e\nLeaveCommand=/bin/l\n";
    // Like a [Host].
    expect_error("[Host n2]\n" + std::string(kGroup), 3,
                 "host n2 of [Hosts g] is named like [Host n2] (" + main_.string() + ":1)");
    expect_error(std::string(kGroup) + "[Host n3]\n", 5,
                 "[Host n3] is named like a host of [Hosts g] (" + main_.string() + ":2)");
    // Like a group.
    expect_error(std::string(kGroup) + "[Hosts n1]\nHosts=x\n" + commands, 5,
                 "[Hosts n1] is named like a host of [Hosts g] (" + main_.string() + ":2)");
    expect_error("[Hosts g]\nHosts=g h\n" + commands, 2,
                 "host g of [Hosts g] is named like [Hosts g] (" + main_.string() + ":1)");
    // Like a host of another group.
    expect_error(
        std::string(kGroup) + "[Hosts other]\nHosts=m[1-9] n[3-4]\n" + commands, 6,
        "host n3 of [Hosts other] is named like a host of [Hosts g] (" + main_.string() + ":2)");

    // Across files: at the drop-in that made the clash.
    write_main(kGroup);
    const auto dropin = write_dropin("10-n1.conf", "# a host of its own now\n[Host n1]\n");
    EXPECT_THAT(error_of_loading(),
                StartsWith(at(dropin, 2) + "[Host n1] is named like a host of [Hosts g] (" +
                           main_.string() + ":2)"));
    // A drop-in that moves the host out of the group first is fine.
    write_dropin("10-n1.conf", "[Hosts g]\nHosts=n[2-3]\n[Host n1]\n");
    const Config c = load();
    ASSERT_EQ(c.hosts.size(), 1u);
    EXPECT_EQ(c.hosts[0].name, "n1");
    EXPECT_THAT(c.host_groups.at(0).hosts, ElementsAre("n2", "n3"));
}

TEST_F(ConfigTest, AtMost100000HostsInAllGroups) {
    const std::string commands = "EnterCommand=/bin/e\nLeaveCommand=/bin/l\n";
    expect_error("[Hosts a]\nHosts=a[1-60000]\n" + commands + "[Hosts b]\n" + commands +
                     "Hosts=b[1-40000] b[40001-40001]\n",
                 8,
                 "[Hosts b] brings the hosts of all groups to 100001; expected at most 100000 "
                 "hosts in all groups together");
    write_main("[Hosts a]\nHosts=a[1-60000]\n" + commands + "[Hosts b]\nHosts=b[1-40000]\n" +
               commands);
    const Config c = load();
    ASSERT_EQ(c.host_groups.size(), 2u);
    EXPECT_EQ(c.host_groups[0].hosts.size() + c.host_groups[1].hosts.size(), 100'000u);
}

TEST_F(ConfigTest, MaxFailedHosts) {
    for (const char* good : {"10", "0", "5%", "2.5%", "100%", ""}) {
        write_main(std::string("[Daemon]\nMaxFailedHosts=") + good + "\n");
        EXPECT_EQ(load().max_failed_hosts, good);
    }
    EXPECT_EQ(Config().max_failed_hosts, "") << "no budget by default";
    write_main("[Daemon]\nMaxFailedHosts=5%\n");
    write_dropin("10.conf", "[Daemon]\nMaxFailedHosts=\n");
    EXPECT_EQ(load().max_failed_hosts, "") << "a drop-in can take the budget away";
    fs::remove_all(dropins_);

    expect_error("[Daemon]\nScheduler=auto\nMaxFailedHosts=ten\n", 3,
                 "MaxFailedHosts=ten: expected a count such as 10 or a share such as 5%, got "
                 "'ten'");
    expect_error("[Daemon]\nMaxFailedHosts=101%\n", 2, "a share of at most 100%");
    expect_error("[Daemon]\nMaxFailedHosts=1.234%\n", 2, "at most two decimals");
    expect_error("[Daemon]\nMaxFailedHosts=-1\n", 2, "expected a count such as 10");
    expect_error("[Daemon]\nMaxFailedHosts=5%%\n", 2, "expected a count such as 10");
}

}  // namespace
}  // namespace maint
