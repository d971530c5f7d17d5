// The whole lifecycle of a window over the bus, as a client sees it: ScheduleWindow, every
// property of the window object, DryRun, Start, the Manager's state, Complete, ListWindows,
// GetWindow; Cancel; Update of a scheduled and of an in-progress window.
#include <gtest/gtest.h>

#include "harness/daemon_test.hpp"
#include "harness/properties.hpp"

namespace maint::it {
namespace {

const std::map<std::string, std::string> kWindowPropertyTypes = {
    {"Id", "u"},
    {"Status", "s"},
    {"Valid", "b"},
    {"StartUSec", "t"},
    {"EndUSec", "t"},
    {"Reason", "s"},
    {"Notify", "as"},
    {"Comment", "s"},
    {"LoginMessage", "s"},
    {"ShowLoginMessage", "b"},
    {"NotifyMessage", "s"},
    {"NotifyLeadUSec", "t"},
    {"Hosts", "as"},
    {"AutoComplete", "b"},
    {"CreatedUSec", "t"},
    {"CreatedByUID", "u"},
    {"StartedUSec", "t"},
    {"StartedByUID", "u"},
    {"FinishedUSec", "t"},
    {"FinishedByUID", "u"},
    {"CompletionNote", "s"},
    {"PrecheckResults", "a(sssss)"},
    {"Log", "a(tss)"},
    {"MaxFailedHosts", "s"},
    {"HostProgress", "(uuuuu)"},
    {"HostResults", "a(ssst)"},
};

const std::map<std::string, std::string> kManagerPropertyTypes = {
    {"State", "s"},      {"UnderMaintenance", "b"}, {"ActiveWindow", "o"},
    {"NextWindow", "o"}, {"Banner", "s"},           {"Version", "s"},
};

constexpr const char* kInProgressBanner = "System is under maintenance!";

using Lifecycle = DaemonTest;

TEST_F(Lifecycle, ScheduleDryRunStartCompleteOverTheBus) {
    const std::uint64_t t0 = now_usec();
    const std::uint64_t start = t0 + kUsecPerHour;
    const std::uint64_t end = start + 2 * kUsecPerHour;
    const Options options = {
        {"Comment", sdbus::Variant(std::string("ticket 4711"))},
        {"LoginMessage", sdbus::Variant(std::string("Come back after 04:00"))},
        {"ShowLoginMessage", sdbus::Variant(true)},
        {"NotifyMessage", sdbus::Variant(std::string("Expect reboots"))},
        {"NotifyLeadUSec", sdbus::Variant(std::uint64_t{10 * kUsecPerMin})},
        {"AutoComplete", sdbus::Variant(false)},
    };
    const auto path = schedule(start, end, "Kernel upgrade", {"ops"}, options);
    const std::uint64_t t1 = now_usec();
    EXPECT_EQ(std::string(path), window_path(1));

    // Every property of the contract, each with its type and value.
    auto w = window(path);
    const auto props = get_all(w->raw(), kWindowInterface);
    EXPECT_EQ(signatures_of(props), kWindowPropertyTypes);
    EXPECT_EQ(prop<std::uint32_t>(props, "Id"), 1u);
    EXPECT_EQ(prop<std::string>(props, "Status"), "scheduled");
    EXPECT_TRUE(prop<bool>(props, "Valid"));
    EXPECT_EQ(prop<std::uint64_t>(props, "StartUSec"), start);
    EXPECT_EQ(prop<std::uint64_t>(props, "EndUSec"), end);
    EXPECT_EQ(prop<std::string>(props, "Reason"), "Kernel upgrade");
    EXPECT_EQ(prop<std::vector<std::string>>(props, "Notify"), std::vector<std::string>{"ops"});
    EXPECT_EQ(prop<std::string>(props, "Comment"), "ticket 4711");
    EXPECT_EQ(prop<std::string>(props, "LoginMessage"), "Come back after 04:00");
    EXPECT_TRUE(prop<bool>(props, "ShowLoginMessage"));
    EXPECT_EQ(prop<std::string>(props, "NotifyMessage"), "Expect reboots");
    EXPECT_EQ(prop<std::uint64_t>(props, "NotifyLeadUSec"), 10 * kUsecPerMin);
    // Hosts defaults to every configured host.
    EXPECT_EQ(prop<std::vector<std::string>>(props, "Hosts"), std::vector<std::string>{"testhost"});
    EXPECT_FALSE(prop<bool>(props, "AutoComplete"));
    const auto created = prop<std::uint64_t>(props, "CreatedUSec");
    EXPECT_GE(created, t0);
    EXPECT_LE(created, t1);
    EXPECT_EQ(prop<std::uint32_t>(props, "CreatedByUID"), 0u);
    EXPECT_EQ(prop<std::uint64_t>(props, "StartedUSec"), 0u);
    EXPECT_EQ(prop<std::uint32_t>(props, "StartedByUID"), 0u);
    EXPECT_EQ(prop<std::uint64_t>(props, "FinishedUSec"), 0u);
    EXPECT_EQ(prop<std::uint32_t>(props, "FinishedByUID"), 0u);
    EXPECT_EQ(prop<std::string>(props, "CompletionNote"), "");
    EXPECT_TRUE(prop<std::vector<CheckRow>>(props, "PrecheckResults").empty());
    const auto log = prop<std::vector<LogRow>>(props, "Log");
    ASSERT_FALSE(log.empty()) << "the scheduling is not in the window's Log";
    EXPECT_EQ(std::get<1>(log.front()), "info");
    EXPECT_GE(std::get<0>(log.front()), t0);
    EXPECT_LE(std::get<0>(log.front()), t1);

    // The Manager: one window scheduled, nothing in progress, no banner outside the lead time.
    const auto mprops = get_all(manager_->raw(), kManagerInterface);
    EXPECT_EQ(signatures_of(mprops), kManagerPropertyTypes);
    EXPECT_EQ(manager_->State(), "scheduled");
    EXPECT_EQ(std::string(manager_->NextWindow()), window_path(1));
    EXPECT_EQ(std::string(manager_->ActiveWindow()), "/");
    EXPECT_FALSE(manager_->UnderMaintenance());
    EXPECT_EQ(manager_->Banner(), "");
    EXPECT_EQ(manager_->Version(), MAINT_PROJECT_VERSION);

    // No [Check] configured: ready, nothing to report.
    const auto [ready, checks] = manager_->DryRun();
    EXPECT_TRUE(ready);
    EXPECT_TRUE(checks.empty());

    // Start by hand, before the start time.
    const std::uint64_t s0 = now_usec();
    w->Start({});
    const std::uint64_t s1 = now_usec();
    EXPECT_EQ(w->Status(), "in-progress");
    EXPECT_GE(w->StartedUSec(), s0);
    EXPECT_LE(w->StartedUSec(), s1);
    EXPECT_EQ(w->StartedByUID(), 0u);
    EXPECT_EQ(manager_->State(), "in-progress");
    EXPECT_TRUE(manager_->UnderMaintenance());
    EXPECT_EQ(std::string(manager_->ActiveWindow()), window_path(1));
    EXPECT_EQ(std::string(manager_->NextWindow()), "/");
    EXPECT_EQ(manager_->Banner().rfind(kInProgressBanner, 0), 0u)
        << "Banner: \"" << manager_->Banner() << "\"";

    // Complete with a note.
    const std::uint64_t c0 = now_usec();
    w->Complete("All done, kernel 6.1 running", {"ops"}, {});
    const std::uint64_t c1 = now_usec();
    const auto done = get_all(w->raw(), kWindowInterface);
    EXPECT_EQ(prop<std::string>(done, "Status"), kCompletedWithoutLogind);
    EXPECT_GE(prop<std::uint64_t>(done, "FinishedUSec"), c0);
    EXPECT_LE(prop<std::uint64_t>(done, "FinishedUSec"), c1);
    EXPECT_EQ(prop<std::uint32_t>(done, "FinishedByUID"), 0u);
    EXPECT_EQ(prop<std::string>(done, "CompletionNote"), "All done, kernel 6.1 running");
    const auto final_log = prop<std::vector<LogRow>>(done, "Log");
    EXPECT_GT(final_log.size(), log.size()) << log_text(final_log);
    for (std::size_t i = 0; i < final_log.size(); ++i) {
        const auto& level = std::get<1>(final_log[i]);
        EXPECT_TRUE(level == "info" || level == "warning" || level == "error") << level;
        if (i > 0) {
            EXPECT_GE(std::get<0>(final_log[i]), std::get<0>(final_log[i - 1]));
        }
    }
    EXPECT_EQ(manager_->State(), "idle");
    EXPECT_FALSE(manager_->UnderMaintenance());
    EXPECT_EQ(std::string(manager_->ActiveWindow()), "/");
    EXPECT_EQ(std::string(manager_->NextWindow()), "/");
    EXPECT_EQ(manager_->Banner(), "");

    // A second window: ListWindows is newest first; GetWindow finds both.
    const std::uint64_t start2 = now_usec() + 3 * kUsecPerHour;
    const auto path2 = schedule(start2, start2 + kUsecPerHour, "Disk swap");
    EXPECT_EQ(std::string(path2), window_path(2));
    const auto rows = manager_->ListWindows();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0], WindowRow(2u, "scheduled", start2, start2 + kUsecPerHour, "Disk swap",
                                 sdbus::ObjectPath(window_path(2))));
    EXPECT_EQ(rows[1], WindowRow(1u, kCompletedWithoutLogind, start, end, "Kernel upgrade",
                                 sdbus::ObjectPath(window_path(1))));
    EXPECT_EQ(std::string(manager_->GetWindow(1)), window_path(1));
    EXPECT_EQ(std::string(manager_->GetWindow(2)), window_path(2));
}

TEST_F(Lifecycle, DefaultsOfAMinimalWindow) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Minimal");
    const auto props = get_all(window(path)->raw(), kWindowInterface);
    EXPECT_TRUE(prop<bool>(props, "AutoComplete")) << "AutoComplete defaults to true";
    EXPECT_TRUE(prop<bool>(props, "Valid"));
    EXPECT_TRUE(prop<std::vector<std::string>>(props, "Notify").empty());
    // [Notify] LeadTimeSec is not set in the test configuration: the built-in 30 min.
    EXPECT_EQ(prop<std::uint64_t>(props, "NotifyLeadUSec"), 30 * kUsecPerMin);
    EXPECT_EQ(prop<std::vector<std::string>>(props, "Hosts"), std::vector<std::string>{"testhost"});
}

TEST_F(Lifecycle, CancelAScheduledWindow) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Router firmware");
    auto w = window(path);
    const std::uint64_t c0 = now_usec();
    w->Cancel("Vendor postponed the firmware");
    EXPECT_EQ(w->Status(), "cancelled");
    EXPECT_GE(w->FinishedUSec(), c0);
    EXPECT_EQ(w->FinishedByUID(), 0u);
    EXPECT_EQ(w->CompletionNote(), "Vendor postponed the firmware");
    EXPECT_TRUE(log_contains(w->Log(), "Vendor postponed the firmware")) << log_text(w->Log());
    EXPECT_EQ(manager_->State(), "idle");
    EXPECT_EQ(std::string(manager_->NextWindow()), "/");
    // The place is free again, and the cancelled window stays in the history.
    const auto path2 = schedule(start, start + kUsecPerHour, "Router firmware, again");
    EXPECT_EQ(std::string(path2), window_path(2));
    const auto rows = manager_->ListWindows();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(std::get<1>(rows[1]), "cancelled");
}

TEST_F(Lifecycle, UpdateAScheduledWindow) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Old reason");
    auto w = window(path);
    const std::uint64_t start2 = start + 2 * kUsecPerHour;
    const std::uint64_t end2 = start2 + 3 * kUsecPerHour;
    w->Update({{"StartUSec", sdbus::Variant(start2)},
               {"EndUSec", sdbus::Variant(end2)},
               {"Reason", sdbus::Variant(std::string("New reason"))},
               {"Valid", sdbus::Variant(false)},
               {"Notify", sdbus::Variant(std::vector<std::string>{"ops"})},
               {"AutoComplete", sdbus::Variant(false)}});
    const auto props = get_all(w->raw(), kWindowInterface);
    EXPECT_EQ(prop<std::uint64_t>(props, "StartUSec"), start2);
    EXPECT_EQ(prop<std::uint64_t>(props, "EndUSec"), end2);
    EXPECT_EQ(prop<std::string>(props, "Reason"), "New reason");
    EXPECT_FALSE(prop<bool>(props, "Valid"));
    EXPECT_EQ(prop<std::vector<std::string>>(props, "Notify"), std::vector<std::string>{"ops"});
    EXPECT_FALSE(prop<bool>(props, "AutoComplete"));
    EXPECT_EQ(prop<std::string>(props, "Status"), "scheduled");
    // An invalid window still holds the one pending place.
    EXPECT_EQ(manager_->State(), "scheduled");
    EXPECT_EQ(std::string(manager_->NextWindow()), window_path(1));
    EXPECT_TRUE(fails_with(kErrAlreadyScheduled,
                           [&] { schedule(start, start + kUsecPerHour, "Another"); }));
    // ListWindows shows the new times and reason.
    const auto rows = manager_->ListWindows();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0], WindowRow(1u, "scheduled", start2, end2, "New reason",
                                 sdbus::ObjectPath(window_path(1))));
    w->Update({{"Valid", sdbus::Variant(true)}});
    EXPECT_TRUE(w->Valid());
    // The same validation as ScheduleWindow.
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] {
                               w->Update({{"EndUSec", sdbus::Variant(start2)}});
                           },
                           {"end_usec"}));
    EXPECT_EQ(w->EndUSec(), end2);
}

TEST_F(Lifecycle, UpdateAnInProgressWindowOnlyItsEndAndMessages) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Database migration");
    auto w = window(path);
    w->Start({});
    ASSERT_EQ(w->Status(), "in-progress");
    const std::uint64_t new_end = start + 5 * kUsecPerHour;
    w->Update({{"EndUSec", sdbus::Variant(new_end)}});
    EXPECT_EQ(w->EndUSec(), new_end);
    w->Update({{"NotifyMessage", sdbus::Variant(std::string("Taking longer"))}});
    EXPECT_EQ(w->NotifyMessage(), "Taking longer");
    EXPECT_TRUE(
        fails_with(kErrInvalidState,
                   [&] {
                       w->Update({{"Hosts", sdbus::Variant(std::vector<std::string>{"testhost"})}});
                   },
                   {"in-progress"}));
    EXPECT_TRUE(fails_with(kErrInvalidState,
                           [&] {
                               w->Update({{"StartUSec", sdbus::Variant(start + kUsecPerHour)}});
                           },
                           {"in-progress"}));
    EXPECT_EQ(w->StartUSec(), start);
    EXPECT_EQ(w->Status(), "in-progress");
}

TEST_F(Lifecycle, InvalidWindowCanStillBeStartedByHand) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "On hold");
    auto w = window(path);
    w->Update({{"Valid", sdbus::Variant(false)}});
    w->Start({});
    EXPECT_EQ(w->Status(), "in-progress");
    EXPECT_EQ(manager_->State(), "in-progress");
}

TEST_F(Lifecycle, CompleteWithFailedRecordsFailed) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Risky change");
    auto w = window(path);
    w->Start({});
    w->Complete("Rolled back", {}, {{"Failed", sdbus::Variant(true)}});
    EXPECT_EQ(w->Status(), "failed");
    EXPECT_EQ(w->CompletionNote(), "Rolled back");
    EXPECT_EQ(manager_->State(), "idle");
}

}  // namespace
}  // namespace maint::it
