// Authorization through the REAL polkitd (issue 3): a private bus, polkitd on it with the project's
// own polkit/org.example.Maintenance1.policy and the sample polkit/maintadmin.rules.example (in a
// private mount namespace, see harness/polkit_daemon.hpp), the real maintenanced as root, and the
// test users maint_admin (group maintadmin) and maint_user (see harness/test_users.hpp).
//
// For every mutating method of the contract, called by root, by maint_admin and by maint_user:
// root and maint_admin pass authorization, maint_user gets AccessDenied; with a rule answering
// "auth_admin" and no allow-interactive-authorization flag the answer is
// InteractiveAuthorizationRequired. A refused call changes nothing: the properties of the Manager
// and of every window, the bytes and times of the database files, no signal. A recording rule
// (polkit.log) shows which action the daemon asked polkit about, so every method is checked
// against the action id of the contract's Authorization table. Read-only calls need no
// authorization; arguments are checked before polkit is asked, and polkit is asked asynchronously
// (root is served while polkitd thinks about someone else); the bus policy lets no user but root
// own the name; polkitd (and pkaction) list every action with its description and defaults;
// without polkitd a non-root caller is told polkit is not available.
//
// One polkitd per test suite (shared by its tests); one maintenanced per test.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/as_user.hpp"
#include "harness/daemon_test.hpp"
#include "harness/polkit_daemon.hpp"
#include "harness/process.hpp"
#include "harness/test_users.hpp"

namespace maint::it {
namespace {

// Removes the test users at the end of the run (only what the tests created).
[[maybe_unused]] ::testing::Environment* const kUsersEnvironment =
    ::testing::AddGlobalTestEnvironment(new TestUsersEnvironment);

constexpr const char* kErrInteractive =
    "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired";

constexpr const char* kActSchedule = "org.example.maintenance1.schedule";
constexpr const char* kActRun = "org.example.maintenance1.run";
constexpr const char* kActForceStart = "org.example.maintenance1.force-start";
constexpr const char* kActSessions = "org.example.maintenance1.manage-sessions";
constexpr const char* kActHosts = "org.example.maintenance1.manage-hosts";
constexpr const char* kActReload = "org.example.maintenance1.reload";

// The Authorization table of the contract (../shared/spec/dbus-api.md).
const std::vector<std::string>& spec_actions() {
    static const std::vector<std::string> ids = {kActSchedule, kActRun,   kActForceStart,
                                                 kActSessions, kActHosts, kActReload};
    return ids;
}

// polkit's PolkitImplicitAuthorization values as EnumerateActions reports them.
constexpr std::uint32_t kImplicitNo = 0;
constexpr std::uint32_t kImplicitAuthAdminKeep = 4;

// ------------------------------------------------------------------------------------------------
// Rules files

// First in name order: logs every question about our actions, then lets later rules decide.
const PolkitRulesFile kRecordingRule = {
    "00-maint-it-record.rules",
    "// maintenanced integration tests: which action polkitd was asked about, for whom.\n"
    "polkit.addRule(function(action, subject) {\n"
    "    if (action.id.indexOf(\"org.example.maintenance1.\") == 0)\n"
    "        polkit.log(\"maint-it: asked \" + action.id + \" for \" + subject.user);\n"
    "});\n"};

// Answers "authentication as an administrator required" to maint_user for every action.
const PolkitRulesFile kChallengeRule = {
    "10-maint-it-challenge.rules",
    "// maintenanced integration tests: maint_user must authenticate as an administrator.\n"
    "polkit.addRule(function(action, subject) {\n"
    "    if (action.id.indexOf(\"org.example.maintenance1.\") == 0 &&\n"
    "        subject.user == \"maint_user\")\n"
    "        return polkit.Result.AUTH_ADMIN;\n"
    "});\n"};

// polkitd takes a second over every question about maint_user (and then says no).
const PolkitRulesFile kSlowRule = {
    "10-maint-it-slow.rules",
    "// maintenanced integration tests: a slow answer for maint_user.\n"
    "polkit.addRule(function(action, subject) {\n"
    "    if (action.id.indexOf(\"org.example.maintenance1.\") == 0 &&\n"
    "        subject.user == \"maint_user\") {\n"
    "        polkit.spawn([\"/bin/sleep\", \"1\"]);\n"
    "        return polkit.Result.NO;\n"
    "    }\n"
    "});\n"};

// Grants maint_user the "schedule" action and nothing else.
const PolkitRulesFile kScheduleOnlyRule = {
    "10-maint-it-schedule-only.rules",
    "// maintenanced integration tests: maint_user may schedule, nothing more.\n"
    "polkit.addRule(function(action, subject) {\n"
    "    if (action.id == \"org.example.maintenance1.schedule\" &&\n"
    "        subject.user == \"maint_user\")\n"
    "        return polkit.Result.YES;\n"
    "});\n"};

PolkitRulesFile maintadmin_rules() {
    // Installed under the name its own comment suggests.
    return {"49-maintenanced.rules", read_file(project_rules_example())};
}

// ------------------------------------------------------------------------------------------------
// The calls, as any user makes them

// One mutating call and what the contract says about it.
struct Probe {
    std::string method;  // the D-Bus method, as the daemon names it in its log of denials
    std::string action;  // the polkit action the contract's table names for it
    UserCall call;
};

Probe schedule_window(std::uint64_t start, std::uint64_t end, const std::string& reason,
                      std::vector<std::string> notify = {}) {
    return {"ScheduleWindow", kActSchedule,
            UserCall{"ScheduleWindow", kManagerPath, kManagerInterface, "ScheduleWindow",
                     [=](sd_bus_message* m) {
                         int r = sd_bus_message_append(m, "tts", start, end, reason.c_str());
                         if (r >= 0)
                             r = sd_bus_message_open_container(m, 'a', "s");
                         for (const auto& n : notify) {
                             if (r >= 0)
                                 r = sd_bus_message_append(m, "s", n.c_str());
                         }
                         if (r >= 0)
                             r = sd_bus_message_close_container(m);
                         if (r >= 0)
                             r = sd_bus_message_append(m, "a{sv}", 0);
                         return r;
                     }}};
}

Probe dry_run() {
    return {"DryRun", kActSchedule,
            UserCall{"DryRun", kManagerPath, kManagerInterface, "DryRun", {}}};
}

Probe update_reason(const std::string& path, const std::string& reason) {
    return {"Update", kActSchedule,
            UserCall{"Update", path, kWindowInterface, "Update", [=](sd_bus_message* m) {
                         return sd_bus_message_append(m, "a{sv}", 1, "Reason", "s", reason.c_str());
                     }}};
}

Probe update_notify(const std::string& path, const std::string& audience) {
    return {"Update", kActSchedule,
            UserCall{"Update", path, kWindowInterface, "Update", [=](sd_bus_message* m) {
                         return sd_bus_message_append(m, "a{sv}", 1, "Notify", "as", 1,
                                                      audience.c_str());
                     }}};
}

// Update setting one time (StartUSec, EndUSec), needing `action`.
Probe update_time(const std::string& path, const std::string& key, std::uint64_t usec,
                  const char* action) {
    return {"Update", action,
            UserCall{"Update " + key, path, kWindowInterface, "Update", [=](sd_bus_message* m) {
                         return sd_bus_message_append(m, "a{sv}", 1, key.c_str(), "t", usec);
                     }}};
}

Probe cancel(const std::string& path, const std::string& reason) {
    return {"Cancel", kActSchedule,
            UserCall{"Cancel", path, kWindowInterface, "Cancel", [=](sd_bus_message* m) {
                         return sd_bus_message_append(m, "s", reason.c_str());
                     }}};
}

Probe start(const std::string& path) {
    return {"Start", kActRun, UserCall{"Start", path, kWindowInterface, "Start", [](auto* m) {
                                           return sd_bus_message_append(m, "a{sv}", 0);
                                       }}};
}

Probe start_forced(const std::string& path) {
    return {"Start", kActForceStart,
            UserCall{"Start with Force", path, kWindowInterface, "Start", [](auto* m) {
                         return sd_bus_message_append(m, "a{sv}", 1, "Force", "b", 1);
                     }}};
}

Probe complete(const std::string& path, const std::string& note) {
    return {"Complete", kActRun,
            UserCall{"Complete", path, kWindowInterface, "Complete", [=](sd_bus_message* m) {
                         return sd_bus_message_append(m, "sasa{sv}", note.c_str(), 0, 0);
                     }}};
}

Probe set_host_maintenance(const std::string& host, bool enabled) {
    return {"SetHostMaintenance", kActHosts,
            UserCall{"SetHostMaintenance", kManagerPath, kManagerInterface, "SetHostMaintenance",
                     [=](sd_bus_message* m) {
                         return sd_bus_message_append(m, "sb", host.c_str(), enabled ? 1 : 0);
                     }}};
}

Probe terminate_sessions(bool include_admins) {
    return {"TerminateSessions", kActSessions,
            UserCall{"TerminateSessions", kManagerPath, kManagerInterface, "TerminateSessions",
                     [=](sd_bus_message* m) {
                         return sd_bus_message_append(m, "b", include_admins ? 1 : 0);
                     }}};
}

Probe reload() {
    return {"Reload", kActReload,
            UserCall{"Reload", kManagerPath, kManagerInterface, "Reload", {}}};
}

UserCall get_all_call(const std::string& path, const std::string& interface) {
    return {"GetAll " + interface + " " + path, path, kPropertiesInterface, "GetAll",
            [=](sd_bus_message* m) { return sd_bus_message_append(m, "s", interface.c_str()); }};
}

// ------------------------------------------------------------------------------------------------
// What "nothing changed" means

// A property value as text, the structured ones (PrecheckResults, Log) in full.
std::string value_text(const sdbus::Variant& v) {
    const std::string sig = v.peekValueType();
    std::ostringstream o;
    if (sig == "a(sssss)") {
        for (const auto& r : v.get<std::vector<CheckRow>>()) {
            o << "(" << std::get<0>(r) << "|" << std::get<1>(r) << "|" << std::get<2>(r) << "|"
              << std::get<3>(r) << "|" << std::get<4>(r) << ")";
        }
        return o.str();
    }
    if (sig == "a(tss)") {
        for (const auto& r : v.get<std::vector<LogRow>>())
            o << "(" << std::get<0>(r) << "|" << std::get<1>(r) << "|" << std::get<2>(r) << ")";
        return o.str();
    }
    return variant_text(v);
}

// The database files' bytes and modification times: any write by a refused call changes them.
// (SQLite in WAL mode writes windows.db-wal first; windows.db-shm changes on reads too, so it is
// left out.)
struct DbFingerprint {
    std::string db;
    std::string wal;
    std::string times;
    bool operator==(const DbFingerprint& o) const {
        return db == o.db && wal == o.wal && times == o.times;
    }
    std::string describe() const {
        return "windows.db " + std::to_string(db.size()) + " bytes, windows.db-wal " +
               std::to_string(wal.size()) + " bytes, mtimes " + times;
    }
};

std::string mtime_of(const std::filesystem::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0)
        return "(none)";
    return std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

DbFingerprint fingerprint(const std::filesystem::path& db) {
    const std::filesystem::path wal = db.string() + "-wal";
    return {read_file(db), read_file(wal), mtime_of(db) + " " + mtime_of(wal)};
}

const UserIdentity kRoot{"root", 0, 0, {0}};

// ------------------------------------------------------------------------------------------------
// The fixture

// One private bus with polkitd on it, shared by the tests of a suite.
struct PolkitRig {
    std::optional<std::string> skip;  // why the suite cannot run here
    std::string error;                // why the rig did not come up although it could
    std::unique_ptr<TempDir> dir;
    std::unique_ptr<PrivateBus> bus;
    std::unique_ptr<PolkitDaemon> polkit;

    void start(const std::vector<PolkitRulesFile>& rules) {
        skip = PolkitDaemon::unavailable_reason();
        if (!skip)
            skip = ensure_test_users();
        if (skip)
            return;
        try {
            dir = std::make_unique<TempDir>("maint-it-pk.", 0755);
            bus = std::make_unique<PrivateBus>(dir->subdir("bus", 0755));
            polkit =
                std::make_unique<PolkitDaemon>(dir->subdir("polkit", 0755), bus->address(), rules);
        } catch (const std::exception& e) {
            error = e.what();
        }
    }
    void stop() {
        polkit.reset();
        bus.reset();
        dir.reset();
        skip.reset();
        error.clear();
    }
};

class PolkitTestBase : public ::testing::Test {
  protected:
    virtual PolkitRig& rig() = 0;
    virtual std::string extra_config() const { return {}; }

    void SetUp() override {
        PolkitRig& r = rig();
        if (r.skip)
            GTEST_SKIP() << *r.skip;
        ASSERT_TRUE(r.error.empty()) << r.error;
        ASSERT_TRUE(r.polkit && r.polkit->running())
            << "polkitd is gone; its output:\n"
            << (r.polkit ? r.polkit->output() : std::string());
        admin_ = identity_of(kAdminUser);
        user_ = identity_of(kPlainUser);
        dir_ = std::make_unique<TempDir>("maint-it.", 0755);
        daemon_ =
            std::make_unique<DaemonProcess>(dir_->subdir("daemon"), address(), extra_config());
        daemon_->start();
        recorder_ = std::make_unique<SignalRecorder>(address());
        client_ = sdbus::createSessionBusConnectionWithAddress(address());
        client_->setMethodCallTimeout(15 * kUsecPerSec);
        manager_ = std::make_unique<ManagerProxy>(*client_);
        client_->enterEventLoopAsync();
    }

    void TearDown() override {
        manager_.reset();
        if (client_)
            client_->leaveEventLoop();
        client_.reset();
        recorder_.reset();
        if (daemon_) {
            if (!daemon_->running()) {
                ADD_FAILURE() << "maintenanced died during the test; its stderr:\n"
                              << daemon_->stderr_text();
            } else {
                daemon_->stop();
            }
        }
        daemon_.reset();
        dir_.reset();
    }

    const std::string& address() { return rig().bus->address(); }

    std::unique_ptr<WindowProxy> window(const std::string& path) {
        return std::make_unique<WindowProxy>(*client_, path);
    }

    // Root schedules a window a day ahead (far from any lead time or timer).
    std::string root_schedules(const std::string& reason = "Root's window",
                               const std::vector<std::string>& notify = {}) {
        const std::uint64_t s = now_usec() + 24 * kUsecPerHour;
        return manager_->ScheduleWindow(s, s + kUsecPerHour, reason, notify, {});
    }

    std::vector<UserCallResult> run_as(const UserIdentity& who, const std::vector<Probe>& probes) {
        std::vector<UserCall> calls;
        for (const auto& p : probes)
            calls.push_back(p.call);
        auto results = call_as_user(who, address(), calls);
        EXPECT_EQ(results.size(), calls.size()) << "the child as " << who.name << " stopped early";
        return results;
    }

    // Everything a caller can read: the Manager's properties, ListWindows, every window's
    // properties.
    std::string snapshot() {
        std::ostringstream o;
        for (const auto& [k, v] : get_all(manager_->raw(), kManagerInterface))
            o << "Manager." << k << "=" << value_text(v) << "\n";
        for (const auto& row : manager_->ListWindows()) {
            const std::string path = std::get<5>(row);
            o << "ListWindows: " << std::get<0>(row) << " " << std::get<1>(row) << " "
              << std::get<2>(row) << " " << std::get<3>(row) << " " << std::get<4>(row) << " "
              << path << "\n";
            auto w = window(path);
            for (const auto& [k, v] : get_all(w->raw(), kWindowInterface))
                o << path << "." << k << "=" << value_text(v) << "\n";
        }
        // Hosts and sessions (answered NotSupported where this build has no backend).
        if (const auto e = error_of([&] {
                for (const auto& h : manager_->ListHosts()) {
                    o << "ListHosts: " << std::get<0>(h) << " " << std::get<1>(h) << " "
                      << std::get<2>(h) << "\n";
                }
            })) {
            o << "ListHosts: " << e->getName() << "\n";
        }
        if (const auto e = error_of([&] {
                for (const auto& x : manager_->ListSessions()) {
                    o << "ListSessions: " << std::get<0>(x) << " " << std::get<1>(x) << " "
                      << std::get<2>(x) << " " << std::get<3>(x) << " " << std::get<4>(x) << "\n";
                }
            })) {
            o << "ListSessions: " << e->getName() << "\n";
        }
        return o.str();
    }

    // Waits until no signal has come for a while: the announcements of earlier calls (a Start's
    // host flips, its log lines) reach the recorder's connection a little after their reply.
    void settle() {
        const bool quiet = wait_until(
            [&] {
                recorder_->clear();
                return recorder_->wait_for([](const RecordedSignal&) { return true; }, 250ms) ==
                       nullptr;
            },
            10s, 0ms);
        EXPECT_TRUE(quiet) << "the daemon never went quiet: " << recorder_->dump();
    }

    // The questions polkitd was asked since the test began (or since `mark`), as
    // "action for user" lines, from the recording rule.
    std::vector<std::string> polkit_questions(std::size_t mark) {
        std::vector<std::string> out;
        const std::string text = rig().polkit->output();
        std::istringstream lines(text.substr(std::min(mark, text.size())));
        std::string line;
        const std::string tag = "maint-it: asked ";
        while (std::getline(lines, line)) {
            const auto at = line.find(tag);
            if (at != std::string::npos)
                out.push_back(line.substr(at + tag.size()));
        }
        return out;
    }
    std::size_t polkit_mark() { return rig().polkit->output().size(); }

    // The daemon's log of denials: "Denied <method> to UID <uid> (<action>)".
    static std::string denial(const Probe& p, uid_t uid) {
        return "Denied " + p.method + " to UID " + std::to_string(uid) + " (" + p.action + ")";
    }

    // Every probe, called as `who`, is refused with `error`; the daemon logged each denial with
    // the method, the uid and the contract's action; polkitd was asked about that action first;
    // and nothing changed: properties, database files, signals.
    void expect_refused(const UserIdentity& who, const std::vector<Probe>& probes,
                        const std::string& error) {
        settle();
        const std::string before = snapshot();
        const DbFingerprint db_before = fingerprint(daemon_->database());
        const std::size_t log_before = daemon_->stderr_text().size();
        recorder_->clear();

        std::vector<std::size_t> marks;
        std::vector<UserCallResult> results;
        for (const auto& p : probes) {
            // One child per call, so polkitd's questions can be told apart per call.
            marks.push_back(polkit_mark());
            auto r = run_as(who, {p});
            results.push_back(r.empty() ? UserCallResult{p.call.label, false, "(no result)", ""}
                                        : r.front());
        }

        const std::string log = daemon_->stderr_text().substr(log_before);
        for (std::size_t i = 0; i < probes.size(); ++i) {
            const Probe& p = probes[i];
            const UserCallResult& r = results[i];
            SCOPED_TRACE(p.call.label + " as " + who.name);
            EXPECT_EQ(r.error_name, error) << r.describe();
            EXPECT_FALSE(r.error_message.empty()) << r.describe();
            EXPECT_EQ(r.error_message.find("Rejected send message"), std::string::npos)
                << "refused by the bus policy, not by the daemon: " << r.describe();
            EXPECT_NE(log.find(denial(p, who.uid)), std::string::npos)
                << "the daemon did not log \"" << denial(p, who.uid) << "\"; it logged:\n"
                << log;
            const auto asked = polkit_questions(marks[i]);
            // Refused: polkit goes on to check the actions implying this one, so only the first
            // question is this call's own.
            ASSERT_FALSE(asked.empty()) << "polkitd was not asked; its output:\n"
                                        << rig().polkit->output();
            EXPECT_EQ(asked.front(), p.action + " for " + who.name);
        }

        EXPECT_EQ(recorder_->wait_for([](const RecordedSignal&) { return true; }, 300ms), nullptr)
            << "a refused call was announced: " << recorder_->dump();
        EXPECT_EQ(snapshot(), before) << "a refused call changed what callers see";
        const DbFingerprint db_after = fingerprint(daemon_->database());
        EXPECT_TRUE(db_after == db_before)
            << "a refused call wrote to the database: before " << db_before.describe() << "; after "
            << db_after.describe();
    }

    // `probe`, called as `who`, passes authorization: it succeeds, or fails with one of
    // `after_auth` (errors the daemon only gives once authorized). For a non-root caller polkitd
    // was asked about exactly the contract's action and said yes; root is not asked at all.
    UserCallResult expect_authorized(const UserIdentity& who, const Probe& probe,
                                     const std::vector<std::string>& after_auth = {}) {
        SCOPED_TRACE(probe.call.label + " as " + who.name);
        const std::size_t mark = polkit_mark();
        const std::size_t log_before = daemon_->stderr_text().size();
        auto results = run_as(who, {probe});
        if (results.empty())
            return {};
        const UserCallResult r = results.front();
        if (!r.ok) {
            EXPECT_NE(std::find(after_auth.begin(), after_auth.end(), r.error_name),
                      after_auth.end())
                << r.describe();
            EXPECT_NE(r.error_name, kErrAccessDenied) << r.describe();
            EXPECT_NE(r.error_name, kErrInteractive) << r.describe();
        }
        const std::string log = daemon_->stderr_text().substr(log_before);
        EXPECT_EQ(log.find("Denied " + probe.method), std::string::npos) << log;
        const auto asked = polkit_questions(mark);
        if (who.uid == 0) {
            EXPECT_TRUE(asked.empty()) << "polkitd was asked about root: " << asked.front();
        } else {
            EXPECT_EQ(asked, std::vector<std::string>{probe.action + " for " + who.name})
                << "polkitd's output:\n"
                << rig().polkit->output();
        }
        return r;
    }

    UserIdentity admin_;
    UserIdentity user_;
    std::unique_ptr<TempDir> dir_;
    std::unique_ptr<DaemonProcess> daemon_;
    std::unique_ptr<SignalRecorder> recorder_;
    std::unique_ptr<sdbus::IConnection> client_;
    std::unique_ptr<ManagerProxy> manager_;
};

// One polkitd per test suite, with the recording rule, the suite's own rule (if any) and the
// sample rules file: maintadmin may do everything; everyone else gets polkit's defaults
// (allow_any "no": the test users have no active session).
template <const PolkitRulesFile* kSuiteRule>
class PolkitWith : public PolkitTestBase {
  public:
    static void SetUpTestSuite() {
        std::vector<PolkitRulesFile> rules{kRecordingRule};
        if constexpr (kSuiteRule != nullptr)
            rules.push_back(*kSuiteRule);
        rules.push_back(maintadmin_rules());
        shared().start(rules);
    }
    static void TearDownTestSuite() { shared().stop(); }

  protected:
    static PolkitRig& shared() {
        static PolkitRig r;
        return r;
    }
    PolkitRig& rig() override { return shared(); }
};

using Polkit = PolkitWith<nullptr>;
// Plus a rule that answers "auth_admin" for maint_user.
using PolkitChallenge = PolkitWith<&kChallengeRule>;
// Plus a rule that makes polkitd think for a second about maint_user.
using PolkitSlow = PolkitWith<&kSlowRule>;
// Plus a rule that grants maint_user "schedule" only.
using PolkitScheduleOnly = PolkitWith<&kScheduleOnlyRule>;

// ------------------------------------------------------------------------------------------------
// The matrix: every mutating method, by root, maint_admin and maint_user

TEST_F(Polkit, ScheduleWindowAndDryRun) {
    const std::uint64_t s = now_usec() + 24 * kUsecPerHour;
    expect_refused(user_, {schedule_window(s, s + kUsecPerHour, "User's window"), dry_run()},
                   kErrAccessDenied);
    EXPECT_TRUE(manager_->ListWindows().empty());

    expect_authorized(admin_, dry_run());
    EXPECT_TRUE(expect_authorized(admin_, schedule_window(s, s + kUsecPerHour, "Admin's")).ok);
    ASSERT_NE(recorder_->wait_for(manager_signal("WindowScheduled", 1), 5s), nullptr)
        << recorder_->dump();
    auto w1 = window(window_path(1));
    EXPECT_EQ(w1->Reason(), "Admin's");
    EXPECT_EQ(w1->CreatedByUID(), admin_.uid);
    w1->Cancel("make room");

    expect_authorized(kRoot, dry_run());
    EXPECT_TRUE(expect_authorized(kRoot, schedule_window(s, s + kUsecPerHour, "Root's")).ok);
    auto w2 = window(window_path(2));
    EXPECT_EQ(w2->Reason(), "Root's");
    EXPECT_EQ(w2->CreatedByUID(), 0u);
}

TEST_F(Polkit, UpdateAndCancel) {
    const std::string path = root_schedules();
    expect_refused(user_, {update_reason(path, "hijacked"), cancel(path, "by a plain user")},
                   kErrAccessDenied);

    // The refused calls left nothing behind for a restarted daemon to find either.
    const std::string before_restart = snapshot();
    daemon_->stop();
    daemon_->start();
    EXPECT_EQ(snapshot(), before_restart);
    auto w = window(path);
    EXPECT_EQ(w->Reason(), "Root's window");
    EXPECT_EQ(w->Status(), "scheduled");

    const DbFingerprint db_before_admin = fingerprint(daemon_->database());
    EXPECT_TRUE(expect_authorized(admin_, update_reason(path, "Admin's reason")).ok);
    EXPECT_EQ(w->Reason(), "Admin's reason");
    // The database check does notice a write.
    EXPECT_FALSE(fingerprint(daemon_->database()) == db_before_admin);
    EXPECT_NE(recorder_->wait_for(
                  property_changed(path, kWindowInterface, "Reason", "Admin's reason"), 5s),
              nullptr)
        << recorder_->dump();
    EXPECT_TRUE(expect_authorized(kRoot, update_reason(path, "Root's reason")).ok);
    EXPECT_EQ(w->Reason(), "Root's reason");

    EXPECT_TRUE(expect_authorized(admin_, cancel(path, "Admin cancels")).ok);
    EXPECT_EQ(w->Status(), "cancelled");
    EXPECT_EQ(w->FinishedByUID(), admin_.uid);

    const std::string path2 = root_schedules("Second");
    EXPECT_TRUE(expect_authorized(kRoot, cancel(path2, "Root cancels")).ok);
    EXPECT_EQ(window(path2)->Status(), "cancelled");
}

TEST_F(Polkit, Start) {
    const std::string path = root_schedules();
    expect_refused(user_, {start(path)}, kErrAccessDenied);

    EXPECT_TRUE(expect_authorized(admin_, start(path)).ok);
    auto w = window(path);
    EXPECT_EQ(w->Status(), "in-progress");
    EXPECT_EQ(w->StartedByUID(), admin_.uid);
    EXPECT_NE(recorder_->wait_for(manager_signal("WindowStarted", 1), 5s), nullptr);
    w->Complete("done", {}, {});

    const std::string path2 = root_schedules("Second");
    EXPECT_TRUE(expect_authorized(kRoot, start(path2)).ok);
    EXPECT_EQ(window(path2)->Status(), "in-progress");
    EXPECT_EQ(window(path2)->StartedByUID(), 0u);
}

// A failing error precheck: Start without Force is NotReady (authorized by "run", then refused by
// the prechecks), Start with Force is authorized by "force-start".
class PolkitForce : public Polkit {
  protected:
    std::string extra_config() const override {
        return "[Check replication]\n"
               "Type=command\n"
               "Command=/bin/false\n"
               "Severity=error\n"
               "Description=Geo-replication is paused\n";
    }
};

TEST_F(PolkitForce, StartWithForce) {
    const std::string path = root_schedules();
    expect_refused(user_, {start_forced(path), start(path)}, kErrAccessDenied);

    expect_authorized(admin_, start(path), {kErrNotReady});
    auto w = window(path);
    EXPECT_EQ(w->Status(), "scheduled");
    EXPECT_TRUE(expect_authorized(admin_, start_forced(path)).ok);
    EXPECT_EQ(w->Status(), "in-progress");
    EXPECT_EQ(w->StartedByUID(), admin_.uid);
    w->Complete("done", {}, {});

    const std::string path2 = root_schedules("Second");
    EXPECT_TRUE(expect_authorized(kRoot, start_forced(path2)).ok);
    EXPECT_EQ(window(path2)->Status(), "in-progress");
}

TEST_F(Polkit, Complete) {
    const std::string path = root_schedules();
    auto w = window(path);
    w->Start({});
    expect_refused(user_, {complete(path, "by a plain user")}, kErrAccessDenied);
    EXPECT_EQ(w->Status(), "in-progress");

    EXPECT_TRUE(expect_authorized(admin_, complete(path, "Admin completes")).ok);
    EXPECT_EQ(w->Status(), kCompletedWithoutLogind);
    EXPECT_EQ(w->FinishedByUID(), admin_.uid);
    EXPECT_EQ(w->CompletionNote(), "Admin completes");

    const std::string path2 = root_schedules("Second");
    window(path2)->Start({});
    EXPECT_TRUE(expect_authorized(kRoot, complete(path2, "Root completes")).ok);
    EXPECT_EQ(window(path2)->Status(), kCompletedWithoutLogind);
}

// SetHostMaintenance and TerminateSessions may answer NotSupported where the build has no backend
// for them (hosts / logind): that answer only comes once authorized, so maint_admin must get
// root's answer while maint_user gets AccessDenied.
TEST_F(Polkit, SetHostMaintenance) {
    root_schedules();
    // The refused call flipped nothing: snapshot() includes ListHosts.
    expect_refused(user_, {set_host_maintenance("testhost", true)}, kErrAccessDenied);
    const auto by_admin = expect_authorized(admin_, set_host_maintenance("testhost", true),
                                            {kErrNotSupported, kErrHostFailed});
    const auto by_root = expect_authorized(kRoot, set_host_maintenance("testhost", false),
                                           {kErrNotSupported, kErrHostFailed});
    EXPECT_EQ(by_admin.ok, by_root.ok) << by_admin.describe() << " / " << by_root.describe();
    EXPECT_EQ(by_admin.error_name, by_root.error_name);
    if (by_admin.ok) {
        EXPECT_NE(recorder_->wait_for(
                      [](const RecordedSignal& x) {
                          return x.is("HostStateChanged") && x.host == "testhost" &&
                                 x.host_state == "maintenance";
                      },
                      5s),
                  nullptr)
            << recorder_->dump();
    }
    // An unknown host is only found out once authorized, too.
    expect_authorized(admin_, set_host_maintenance("no-such-host", true),
                      {kErrNoSuchHost, kErrNotSupported});
}

TEST_F(Polkit, TerminateSessions) {
    root_schedules();
    expect_refused(user_, {terminate_sessions(false), terminate_sessions(true)}, kErrAccessDenied);
    const auto by_admin = expect_authorized(admin_, terminate_sessions(false), {kErrNotSupported});
    const auto by_root = expect_authorized(kRoot, terminate_sessions(false), {kErrNotSupported});
    EXPECT_EQ(by_admin.ok, by_root.ok) << by_admin.describe() << " / " << by_root.describe();
    EXPECT_EQ(by_admin.error_name, by_root.error_name);
}

TEST_F(Polkit, Reload) {
    const std::string path = root_schedules();
    // A new audience in the file: only a reload makes it known.
    daemon_->write_config("[Audience extra]\nUsers=root\n");
    expect_refused(user_, {reload()}, kErrAccessDenied);
    auto w = window(path);
    EXPECT_TRUE(
        fails_with(kErrInvalidArgs,
                   [&] {
                       w->Update({{"Notify", sdbus::Variant(std::vector<std::string>{"extra"})}});
                   },
                   {"extra"}))
        << "the refused Reload re-read the configuration";

    EXPECT_TRUE(expect_authorized(admin_, reload()).ok);
    EXPECT_EQ(error_of([&] {
                  w->Update({{"Notify", sdbus::Variant(std::vector<std::string>{"extra"})}});
              }),
              std::nullopt)
        << "maint_admin's Reload did not re-read the configuration";

    daemon_->write_config("[Audience more]\nUsers=root\n");
    EXPECT_TRUE(expect_authorized(kRoot, reload()).ok);
    EXPECT_TRUE(expect_authorized(kRoot, update_notify(path, "more")).ok);
}

// ------------------------------------------------------------------------------------------------
// "auth_admin" without the allow-interactive-authorization flag

TEST_F(PolkitChallenge, EveryMutatingMethodNeedsInteractiveAuthorization) {
    const std::uint64_t s = now_usec() + 48 * kUsecPerHour;
    const std::string path = root_schedules();
    expect_refused(user_,
                   {schedule_window(s, s + kUsecPerHour, "User's window"), dry_run(),
                    update_reason(path, "hijacked"), cancel(path, "by a plain user"), start(path),
                    start_forced(path), set_host_maintenance("testhost", true),
                    terminate_sessions(false), reload()},
                   kErrInteractive);
    window(path)->Start({});
    expect_refused(user_, {complete(path, "by a plain user")}, kErrInteractive);

    // The member of maintadmin is not concerned by the rule.
    EXPECT_TRUE(expect_authorized(admin_, complete(path, "Admin completes")).ok);
}

TEST_F(PolkitChallenge, WithTheFlagButNoAgentTheCallIsStillRefused) {
    const std::string path = root_schedules();
    const std::string before = snapshot();
    const DbFingerprint db_before = fingerprint(daemon_->database());
    Probe p = update_reason(path, "hijacked");
    p.call.allow_interactive = true;
    const auto started = std::chrono::steady_clock::now();
    const auto r = run_as(user_, {p});
    ASSERT_EQ(r.size(), 1u);
    EXPECT_FALSE(r[0].ok) << "authorized without anyone authenticating";
    EXPECT_TRUE(r[0].error_name == kErrInteractive || r[0].error_name == kErrAccessDenied)
        << r[0].describe();
    if (r[0].error_name == kErrInteractive) {
        // The flag was set: telling the caller to set it would be no help.
        EXPECT_NE(r[0].error_message.find("no authentication agent answered"), std::string::npos)
            << r[0].describe();
    }
    // No authentication agent is registered for maint_user: polkit answers at once.
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_EQ(snapshot(), before);
    EXPECT_TRUE(fingerprint(daemon_->database()) == db_before);
}

// ------------------------------------------------------------------------------------------------
// How the daemon asks

TEST_F(Polkit, InvalidArgumentsAreRefusedBeforeAskingPolkit) {
    const std::uint64_t s = now_usec() + 24 * kUsecPerHour;
    const std::string path = root_schedules();
    const std::size_t mark = polkit_mark();
    Probe bad_update = update_reason(path, std::string(64 * 1024 + 1, 'r'));
    const auto r = run_as(user_, {schedule_window(s, s, "end not after start"), bad_update});
    ASSERT_EQ(r.size(), 2u);
    for (const auto& one : r)
        EXPECT_EQ(one.error_name, kErrInvalidArgs) << one.describe();
    EXPECT_TRUE(polkit_questions(mark).empty()) << polkit_questions(mark).front();
}

// "schedule" plans windows; it must not stand in for "run" (security review, issue 12): a window
// that starts at once (its start within the 60 s grace) and a moved end of an in-progress window
// (as good as Complete) need "run".
TEST_F(PolkitScheduleOnly, AWindowThatStartsAtOnceNeedsRun) {
    const std::uint64_t now = now_usec();
    Probe schedule_now = schedule_window(now, now + kUsecPerHour, "User's window, now");
    schedule_now.action = kActRun;
    expect_refused(user_, {schedule_now}, kErrAccessDenied);
    EXPECT_TRUE(manager_->ListWindows().empty());

    const std::uint64_t later = now_usec() + 24 * kUsecPerHour;
    const UserCallResult r =
        expect_authorized(user_, schedule_window(later, later + kUsecPerHour, "User's window"));
    ASSERT_TRUE(r.ok) << r.describe();
    const auto rows = manager_->ListWindows();
    ASSERT_EQ(rows.size(), 1u);
    const std::string path = std::get<5>(rows[0]);
    EXPECT_EQ(window(path)->Status(), "scheduled");

    // Moving the start to now would start it at once as well.
    expect_refused(user_, {update_time(path, "StartUSec", now_usec(), kActRun)}, kErrAccessDenied);
    EXPECT_TRUE(expect_authorized(
                    user_, update_time(path, "StartUSec", later + 30 * kUsecPerMin, kActSchedule))
                    .ok);
    EXPECT_EQ(window(path)->Status(), "scheduled");
}

TEST_F(PolkitScheduleOnly, MovingAnInProgressEndNeedsRun) {
    const std::string path = root_schedules();
    auto w = window(path);
    w->Start({});
    ASSERT_EQ(w->Status(), "in-progress");
    settle();
    // Any move: shortening it is as good as Complete, and the end is the run's to decide.
    expect_refused(user_, {update_time(path, "EndUSec", w->EndUSec() + kUsecPerHour, kActRun)},
                   kErrAccessDenied);
    EXPECT_EQ(w->Status(), "in-progress");
    // What "run" guards in the first place is refused too.
    expect_refused(user_, {complete(path, "done")}, kErrAccessDenied);
}

TEST_F(PolkitSlow, OtherCallersAreServedWhilePolkitThinks) {
    // CheckAuthorization is asked asynchronously: while polkitd takes its time over maint_user,
    // the daemon keeps answering root.
    const std::uint64_t s = now_usec() + 24 * kUsecPerHour;
    const std::size_t mark = polkit_mark();
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    std::vector<UserCallResult> slow;
    Clock::time_point user_done;
    std::thread user_call([&] {
        slow = call_as_user(user_, address(),
                            {schedule_window(s, s + kUsecPerHour, "User's window").call});
        user_done = Clock::now();
    });
    const bool asked = wait_until([&] { return !polkit_questions(mark).empty(); }, 5s, 5ms);
    const auto t1 = Clock::now();
    std::optional<sdbus::Error> root_error;
    if (asked) {
        root_error = error_of([&] {
            manager_->ListWindows();
            root_schedules();
        });
    }
    const auto root_done = Clock::now();
    user_call.join();

    ASSERT_TRUE(asked) << "polkitd was not asked; its output:\n" << rig().polkit->output();
    EXPECT_EQ(root_error, std::nullopt) << root_error->getMessage();
    EXPECT_LT(root_done - t1, 500ms) << "root waited for polkit's answer to someone else";
    EXPECT_LT(root_done, user_done) << "root was answered only after maint_user";
    ASSERT_EQ(slow.size(), 1u);
    EXPECT_EQ(slow[0].error_name, kErrAccessDenied) << slow[0].describe();
    EXPECT_GE(user_done - t0, 900ms) << "polkitd did not take its time: the test proves nothing";
}

// ------------------------------------------------------------------------------------------------
// Reading needs no authorization

TEST_F(Polkit, ReadOnlyCallsWorkForThePlainUser) {
    const std::string path = root_schedules("Readable");
    const std::size_t mark = polkit_mark();
    const std::vector<UserCall> calls = {
        get_all_call(kManagerPath, kManagerInterface),
        get_all_call(path, kWindowInterface),
        {"Get State", kManagerPath, kPropertiesInterface, "Get",
         [](sd_bus_message* m) {
             return sd_bus_message_append(m, "ss", kManagerInterface, "State");
         }},
        {"ListWindows", kManagerPath, kManagerInterface, "ListWindows", {}},
        {"GetWindow", kManagerPath, kManagerInterface, "GetWindow",
         [](sd_bus_message* m) { return sd_bus_message_append(m, "u", 1u); }},
        {"GetManagedObjects", kManagerPath, kObjectManagerInterface, "GetManagedObjects", {}},
        {"Introspect", kManagerPath, "org.freedesktop.DBus.Introspectable", "Introspect", {}},
    };
    const auto results = call_as_user(user_, address(), calls);
    ASSERT_EQ(results.size(), calls.size());
    for (const auto& r : results)
        EXPECT_TRUE(r.ok) << r.describe();
    // List*: this build may answer NotSupported, never AccessDenied.
    const auto lists =
        call_as_user(user_, address(),
                     {{"ListHosts", kManagerPath, kManagerInterface, "ListHosts", {}},
                      {"ListSessions", kManagerPath, kManagerInterface, "ListSessions", {}}});
    ASSERT_EQ(lists.size(), 2u);
    for (const auto& r : lists) {
        EXPECT_NE(r.error_name, kErrAccessDenied) << r.describe();
        EXPECT_NE(r.error_name, kErrInteractive) << r.describe();
    }
    // None of them asked polkit.
    EXPECT_TRUE(polkit_questions(mark).empty()) << polkit_questions(mark).front();
}

// ------------------------------------------------------------------------------------------------
// The bus policy

TEST_F(Polkit, OnlyRootMayOwnTheName) {
    // dbus/org.example.Maintenance1.conf is in force on the private bus: neither test user may
    // take the name, not even queued behind the daemon.
    for (const auto* who : {&user_, &admin_}) {
        const auto r = call_as_user(
            *who, address(),
            {{"RequestName", "/org/freedesktop/DBus", "org.freedesktop.DBus", "RequestName",
              [](sd_bus_message* m) { return sd_bus_message_append(m, "su", kBusName, 4u); },
              "org.freedesktop.DBus"}});
        ASSERT_EQ(r.size(), 1u);
        EXPECT_EQ(r[0].error_name, kErrAccessDenied) << who->name << ": " << r[0].describe();
    }
    EXPECT_TRUE(name_has_owner(address(), kBusName));
    EXPECT_TRUE(daemon_->running());
}

// ------------------------------------------------------------------------------------------------
// The actions as polkitd knows them

using ActionRow =
    sdbus::Struct<std::string, std::string, std::string, std::string, std::string, std::string,
                  std::uint32_t, std::uint32_t, std::uint32_t, std::map<std::string, std::string>>;

TEST_F(Polkit, PolkitdListsEveryActionWithItsDefaults) {
    // What pkaction asks: org.freedesktop.PolicyKit1.Authority.EnumerateActions.
    auto authority =
        sdbus::createProxy(*client_, kPolkitBusName, "/org/freedesktop/PolicyKit1/Authority");
    std::vector<ActionRow> rows;
    authority->callMethod("EnumerateActions")
        .onInterface("org.freedesktop.PolicyKit1.Authority")
        .withArguments(std::string())
        .storeResultsTo(rows);
    std::map<std::string, ActionRow> ours;
    for (const auto& row : rows) {
        if (std::get<0>(row).rfind("org.example.", 0) == 0)
            ours.emplace(std::get<0>(row), row);
    }
    std::vector<std::string> ids;
    for (const auto& [id, row] : ours)
        ids.push_back(id);
    std::vector<std::string> want = spec_actions();
    std::sort(want.begin(), want.end());
    EXPECT_EQ(ids, want) << "the policy's actions are not the contract's";
    for (const auto& [id, row] : ours) {
        SCOPED_TRACE(id);
        EXPECT_FALSE(std::get<1>(row).empty()) << "no description";
        EXPECT_FALSE(std::get<2>(row).empty()) << "no message";
        EXPECT_EQ(std::get<6>(row), kImplicitNo) << "allow_any";
        EXPECT_EQ(std::get<7>(row), kImplicitNo) << "allow_inactive";
        EXPECT_EQ(std::get<8>(row), kImplicitAuthAdminKeep) << "allow_active";
    }
    if (ours.count(kActForceStart)) {
        const auto& annotations = std::get<9>(ours.at(kActForceStart));
        const auto imply = annotations.find("org.freedesktop.policykit.imply");
        ASSERT_NE(imply, annotations.end()) << "force-start does not imply run";
        EXPECT_NE(imply->second.find(kActRun), std::string::npos) << imply->second;
    }
}

TEST_F(Polkit, PkactionShowsEveryActionWithItsDescription) {
    // pkaction is a client of polkitd: pointed at the private bus it sees the project's policy.
    const auto env = environment_with({{"DBUS_SYSTEM_BUS_ADDRESS", address()}});
    for (const auto& id : spec_actions()) {
        SCOPED_TRACE(id);
        const auto r = run_command({"/usr/bin/pkaction", "--action-id", id, "--verbose"}, env, 10s);
        ASSERT_TRUE(r.exit.exited && r.exit.code == 0) << r.describe();
        EXPECT_NE(r.out.find(id + ":"), std::string::npos) << r.out;
        const auto at = r.out.find("description:");
        ASSERT_NE(at, std::string::npos) << r.out;
        const std::string line = r.out.substr(at, r.out.find('\n', at) - at);
        EXPECT_NE(line.find_first_not_of(' ', std::string("description:").size()),
                  std::string::npos)
            << "an empty description: " << r.out;
        EXPECT_NE(r.out.find("implicit any:      no"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("implicit inactive: no"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("implicit active:   auth_admin_keep"), std::string::npos) << r.out;
    }
}

// ------------------------------------------------------------------------------------------------
// Without polkitd on the bus

class PolkitUnavailable : public DaemonTest {};

TEST_F(PolkitUnavailable, NonRootCallerIsToldPolkitIsNotAvailable) {
    // access_test.cpp checks that every change is AccessDenied without polkit; this checks what
    // the refusal says and what the daemon logs.
    ASSERT_FALSE(name_has_owner(bus_->address(), kPolkitBusName));
    const std::uint64_t s = now_usec() + 24 * kUsecPerHour;
    const auto r = call_as_user(kNobodyUid, kNobodyGid, bus_->address(),
                                {schedule_window(s, s + kUsecPerHour, "Nobody's").call});
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].error_name, kErrAccessDenied) << r[0].describe();
    EXPECT_NE(r[0].error_message.find("polkit"), std::string::npos) << r[0].describe();
    EXPECT_NE(r[0].error_message.find("not available"), std::string::npos) << r[0].describe();
    EXPECT_NE(
        daemon_->stderr_text().find("Denied ScheduleWindow to UID " + std::to_string(kNobodyUid)),
        std::string::npos)
        << daemon_->stderr_text();
    EXPECT_TRUE(manager_->ListWindows().empty());
    // Root needs no polkit.
    EXPECT_EQ(error_of([&] { schedule(s, s + kUsecPerHour, "Root's"); }), std::nullopt);
}

}  // namespace
}  // namespace maint::it
