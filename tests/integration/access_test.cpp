// Authorization as a caller sees it: an unprivileged user (nobody, from a forked child with its
// own connection) is refused every change with AccessDenied (no polkit on the private bus, so only
// root may act), while reading properties, ListWindows, GetWindow, GetManagedObjects and
// introspection keep working for it.
#include <gtest/gtest.h>
#include <unistd.h>

#include "harness/as_user.hpp"
#include "harness/daemon_test.hpp"

namespace maint::it {
namespace {

int append_empty_dict(sd_bus_message* m) {
    return sd_bus_message_append(m, "a{sv}", 0);
}

class Access : public DaemonTest {
  protected:
    void SetUp() override {
        if (::geteuid() != 0)
            GTEST_SKIP() << "needs root to run a child as nobody";
        DaemonTest::SetUp();
    }

    std::map<std::string, UserCallResult> as_nobody(const std::vector<UserCall>& calls) {
        std::map<std::string, UserCallResult> out;
        for (auto& r : call_as_user(kNobodyUid, kNobodyGid, bus_->address(), calls)) {
            out[r.label] = r;
        }
        return out;
    }
};

TEST_F(Access, NonRootCallerIsDeniedEveryChange) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Root's window");
    const std::string wp = path;
    const std::uint64_t s2 = start + 5 * kUsecPerHour;

    const std::vector<UserCall> calls = {
        {"ScheduleWindow", kManagerPath, kManagerInterface, "ScheduleWindow",
         [=](sd_bus_message* m) {
             return sd_bus_message_append(m, "ttsasa{sv}", s2, s2 + kUsecPerHour, "Nobody's window",
                                          0, 0);
         }},
        {"DryRun", kManagerPath, kManagerInterface, "DryRun", {}},
        {"Reload", kManagerPath, kManagerInterface, "Reload", {}},
        {"TerminateSessions", kManagerPath, kManagerInterface, "TerminateSessions",
         [](sd_bus_message* m) { return sd_bus_message_append(m, "b", 0); }},
        {"SetHostMaintenance", kManagerPath, kManagerInterface, "SetHostMaintenance",
         [](sd_bus_message* m) { return sd_bus_message_append(m, "sb", "testhost", 1); }},
        {"Start", wp, kWindowInterface, "Start", append_empty_dict},
        {"Update", wp, kWindowInterface, "Update",
         [](sd_bus_message* m) {
             return sd_bus_message_append(m, "a{sv}", 1, "Reason", "s", "hijacked");
         }},
        {"Cancel", wp, kWindowInterface, "Cancel",
         [](sd_bus_message* m) { return sd_bus_message_append(m, "s", "because"); }},
    };
    const auto results = as_nobody(calls);
    ASSERT_EQ(results.size(), calls.size());
    for (const auto& [label, r] : results) {
        EXPECT_EQ(r.error_name, kErrAccessDenied) << r.describe();
        EXPECT_FALSE(r.error_message.empty()) << label;
        // The bus policy lets everyone call; the daemon itself refused.
        EXPECT_EQ(r.error_message.find("Rejected send message"), std::string::npos)
            << "refused by the bus policy, not by the daemon: " << r.describe();
    }

    // Nothing changed.
    auto w = window(path);
    EXPECT_EQ(w->Status(), "scheduled");
    EXPECT_EQ(w->Reason(), "Root's window");
    EXPECT_EQ(manager_->ListWindows().size(), 1u);
}

TEST_F(Access, NonRootCallerIsDeniedCompleteOfAnInProgressWindow) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Running");
    window(path)->Start({});
    const auto results = as_nobody(
        {{"Complete", std::string(path), kWindowInterface, "Complete",
          [](sd_bus_message* m) { return sd_bus_message_append(m, "sasa{sv}", "done", 0, 0); }}});
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results.at("Complete").error_name, kErrAccessDenied)
        << results.at("Complete").describe();
    EXPECT_EQ(window(path)->Status(), "in-progress");
}

TEST_F(Access, NonRootCallerCanRead) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const std::string wp = schedule(start, start + kUsecPerHour, "Readable");
    const std::vector<UserCall> calls = {
        {"Get State", kManagerPath, kPropertiesInterface, "Get",
         [](sd_bus_message* m) {
             return sd_bus_message_append(m, "ss", kManagerInterface, "State");
         }},
        {"GetAll Manager", kManagerPath, kPropertiesInterface, "GetAll",
         [](sd_bus_message* m) { return sd_bus_message_append(m, "s", kManagerInterface); }},
        {"GetAll Window", wp, kPropertiesInterface, "GetAll",
         [](sd_bus_message* m) { return sd_bus_message_append(m, "s", kWindowInterface); }},
        {"Get Log", wp, kPropertiesInterface, "Get",
         [](sd_bus_message* m) { return sd_bus_message_append(m, "ss", kWindowInterface, "Log"); }},
        {"ListWindows", kManagerPath, kManagerInterface, "ListWindows", {}},
        {"GetWindow", kManagerPath, kManagerInterface, "GetWindow",
         [](sd_bus_message* m) { return sd_bus_message_append(m, "u", 1u); }},
        {"GetManagedObjects", kManagerPath, kObjectManagerInterface, "GetManagedObjects", {}},
        {"Introspect", kManagerPath, "org.freedesktop.DBus.Introspectable", "Introspect", {}},
    };
    const auto results = as_nobody(calls);
    ASSERT_EQ(results.size(), calls.size());
    for (const auto& [label, r] : results)
        EXPECT_TRUE(r.ok) << r.describe();

    // List* needs no authorization either: this build answers NotSupported, not AccessDenied.
    const auto lists =
        as_nobody({{"ListHosts", kManagerPath, kManagerInterface, "ListHosts", {}},
                   {"ListSessions", kManagerPath, kManagerInterface, "ListSessions", {}}});
    for (const auto& [label, r] : lists) {
        EXPECT_NE(r.error_name, kErrAccessDenied) << r.describe();
    }

    // Errors of reads are the contract's errors, not AccessDenied.
    const auto missing =
        as_nobody({{"GetWindow 999", kManagerPath, kManagerInterface, "GetWindow",
                    [](sd_bus_message* m) { return sd_bus_message_append(m, "u", 999u); }}});
    EXPECT_EQ(missing.at("GetWindow 999").error_name, kErrNoSuchWindow)
        << missing.at("GetWindow 999").describe();
}

TEST_F(Access, OnlyRootMayOwnTheName) {
    // The project's bus policy (dbus/org.example.Maintenance1.conf) is in force on the private
    // bus: nobody cannot take the name, even while it is queued behind the daemon.
    const auto results =
        as_nobody({{"RequestName", "/org/freedesktop/DBus", "org.freedesktop.DBus", "RequestName",
                    [](sd_bus_message* m) { return sd_bus_message_append(m, "su", kBusName, 4u); },
                    "org.freedesktop.DBus"}});
    EXPECT_EQ(results.at("RequestName").error_name, kErrAccessDenied)
        << results.at("RequestName").describe();
    EXPECT_TRUE(name_has_owner(bus_->address(), kBusName));
}

TEST_F(Access, BadArgumentsFromNonRootAreInvalidArgsNotAccessDenied) {
    // The arguments are checked before authorization (as systemd's daemons do).
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto results =
        as_nobody({{"ScheduleWindow", kManagerPath, kManagerInterface, "ScheduleWindow",
                    [=](sd_bus_message* m) {
                        return sd_bus_message_append(m, "ttsasa{sv}", start, start, "bad", 0, 0);
                    }}});
    EXPECT_EQ(results.at("ScheduleWindow").error_name, kErrInvalidArgs)
        << results.at("ScheduleWindow").describe();
}

}  // namespace
}  // namespace maint::it
