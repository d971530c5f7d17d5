// Tests of the window vocabulary (core/window): the contract's names for statuses and log
// levels, which statuses are final, and the legal transitions between them.
#include "core/window.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <utility>

namespace maint {
namespace {

constexpr std::array<Status, 6> kAllStatuses = {
    Status::Scheduled, Status::InProgress,          Status::Completed,
    Status::Failed,    Status::CompletedWithErrors, Status::Cancelled,
};

TEST(WindowStatus, NamesAreTheContractsSpelling) {
    EXPECT_EQ(to_string(Status::Scheduled), "scheduled");
    EXPECT_EQ(to_string(Status::InProgress), "in-progress");
    EXPECT_EQ(to_string(Status::Completed), "completed");
    EXPECT_EQ(to_string(Status::CompletedWithErrors), "completed-with-errors");
    EXPECT_EQ(to_string(Status::Failed), "failed");
    EXPECT_EQ(to_string(Status::Cancelled), "cancelled");
}

TEST(WindowStatus, NamesRoundTrip) {
    std::set<std::string_view> names;
    for (Status s : kAllStatuses) {
        const auto parsed = parse_status(to_string(s));
        ASSERT_TRUE(parsed.has_value()) << to_string(s);
        EXPECT_EQ(*parsed, s) << to_string(s);
        names.insert(to_string(s));
    }
    EXPECT_EQ(names.size(), kAllStatuses.size()) << "two statuses share a name";
}

TEST(WindowStatus, UnknownNamesAreRefused) {
    for (std::string_view bad :
         {"", "Scheduled", "in_progress", "inprogress", "done", "scheduled ", "unknown"}) {
        EXPECT_FALSE(parse_status(bad).has_value()) << "'" << bad << "'";
    }
}

TEST(WindowStatus, FinalStatuses) {
    EXPECT_FALSE(is_final(Status::Scheduled));
    EXPECT_FALSE(is_final(Status::InProgress));
    EXPECT_TRUE(is_final(Status::Completed));
    EXPECT_TRUE(is_final(Status::CompletedWithErrors));
    EXPECT_TRUE(is_final(Status::Failed));
    EXPECT_TRUE(is_final(Status::Cancelled));
}

// All 36 pairs against the contract: scheduled → in-progress | cancelled | failed;
// in-progress → completed | completed-with-errors | failed; nothing from a final status.
TEST(WindowStatus, LegalTransitionsMatchTheContract) {
    const std::set<std::pair<Status, Status>> legal = {
        {Status::Scheduled, Status::InProgress},
        {Status::Scheduled, Status::Cancelled},
        {Status::Scheduled, Status::Failed},
        {Status::InProgress, Status::Completed},
        {Status::InProgress, Status::CompletedWithErrors},
        {Status::InProgress, Status::Failed},
    };
    int checked = 0;
    for (Status from : kAllStatuses) {
        for (Status to : kAllStatuses) {
            EXPECT_EQ(is_legal_transition(from, to), legal.count({from, to}) == 1)
                << to_string(from) << " -> " << to_string(to);
            ++checked;
        }
    }
    EXPECT_EQ(checked, 36);
}

TEST(WindowStatus, NothingLeavesAFinalStatus) {
    for (Status from : kAllStatuses) {
        if (!is_final(from))
            continue;
        for (Status to : kAllStatuses) {
            EXPECT_FALSE(is_legal_transition(from, to))
                << to_string(from) << " -> " << to_string(to);
        }
    }
}

TEST(WindowLogLevel, NamesRoundTrip) {
    EXPECT_EQ(to_string(LogLevel::Info), "info");
    EXPECT_EQ(to_string(LogLevel::Warning), "warning");
    EXPECT_EQ(to_string(LogLevel::Error), "error");
    for (LogLevel l : {LogLevel::Info, LogLevel::Warning, LogLevel::Error}) {
        const auto parsed = parse_log_level(to_string(l));
        ASSERT_TRUE(parsed.has_value()) << to_string(l);
        EXPECT_EQ(*parsed, l);
    }
    for (std::string_view bad : {"", "Info", "warn", "err", "debug"}) {
        EXPECT_FALSE(parse_log_level(bad).has_value()) << "'" << bad << "'";
    }
}

TEST(WindowPrecheck, OnlyAFailedErrorCheckBlocksTheStart) {
    PrecheckResult r{"disk", "free space", "error", "fail", "95% full"};
    EXPECT_TRUE(r.blocks_start());
    r.result = "pass";
    EXPECT_FALSE(r.blocks_start());
    r.severity = "warning";
    r.result = "fail";
    EXPECT_FALSE(r.blocks_start());
}

TEST(WindowSteps, DoneReadsTheBits) {
    Window w;
    EXPECT_FALSE(w.done(kStepHostsEntered));
    w.steps_done = kStepHostsEntered | kStepStartAnnounced;
    EXPECT_TRUE(w.done(kStepHostsEntered));
    EXPECT_TRUE(w.done(kStepStartAnnounced));
    EXPECT_FALSE(w.done(kStepSessionsEnded));
    EXPECT_FALSE(w.done(kStepUpcomingAnnounced));
}

TEST(WindowSummary, SummarizeKeepsTheListedFields) {
    Window w;
    w.id = 7;
    w.status = Status::Failed;
    w.spec.start_usec = 100;
    w.spec.end_usec = 200;
    w.spec.reason = "kernel update";
    w.spec.comment = "not in the summary";
    const WindowSummary s = summarize(w);
    EXPECT_EQ(s, (WindowSummary{7, Status::Failed, 100, 200, "kernel update"}));
}

}  // namespace
}  // namespace maint
