// A maintenance window: its data, its statuses and the legal transitions between them.
// No bus, no I/O: this is the vocabulary every other layer speaks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/timespan.hpp"

namespace maint {

using WindowId = std::uint32_t;
using Uid = std::uint32_t;

enum class Status { Scheduled, InProgress, Completed, CompletedWithErrors, Failed, Cancelled };

std::string_view to_string(Status s);
std::optional<Status> parse_status(std::string_view s);
// Completed, CompletedWithErrors, Failed and Cancelled are final: nothing changes them.
bool is_final(Status s);
// scheduled → in-progress | cancelled | failed; in-progress → completed | completed-with-errors |
// failed. Nothing else.
bool is_legal_transition(Status from, Status to);

enum class LogLevel { Info, Warning, Error };
std::string_view to_string(LogLevel l);
std::optional<LogLevel> parse_log_level(std::string_view s);

struct LogEntry {
    Usec time_usec = 0;
    LogLevel level = LogLevel::Info;
    std::string message;
    bool operator==(const LogEntry&) const = default;
};

// One row of DryRun / PrecheckResults: (name, description, severity, result, message).
struct PrecheckResult {
    std::string name;
    std::string description;
    std::string severity;  // "error" | "warning"
    std::string result;    // "pass" | "fail"
    std::string message;
    bool blocks_start() const { return severity == "error" && result == "fail"; }
    bool operator==(const PrecheckResult&) const = default;
};

// The fields a scheduler chooses (ScheduleWindow's arguments and options; Update's changes).
struct WindowSpec {
    Usec start_usec = 0;
    Usec end_usec = 0;
    std::string reason;
    std::vector<std::string> notify;  // audience names
    std::string comment;
    std::string login_message;
    bool show_login_message = false;
    std::string notify_message;
    Usec notify_lead_usec = 0;
    std::vector<std::string> hosts;
    bool auto_complete = true;
    bool valid = true;
    // The error budget of its flips (core/budget.hpp's text); empty: none.
    std::string max_failed_hosts;
    bool operator==(const WindowSpec&) const = default;
};

// What became of one host of a window's flip (HostResults). Pending: not flipped yet, or being
// flipped (`begun`: its command was started; after a crash such a host is not flipped again).
enum class HostResultKind { Pending, Maintenance, Already, Failed, Skipped };
std::string_view to_string(HostResultKind r);
std::optional<HostResultKind> parse_host_result(std::string_view s);

struct HostResult {
    std::string host;
    HostResultKind result = HostResultKind::Pending;
    std::string message;
    Usec time_usec = 0;  // when the result came (or, while pending and begun, when it began)
    bool begun = false;
    bool operator==(const HostResult&) const = default;
};

// HostProgress (uuuuu): total, in maintenance (maintenance + already), failed, skipped, pending.
struct HostProgress {
    std::uint32_t total = 0;
    std::uint32_t in_maintenance = 0;
    std::uint32_t failed = 0;
    std::uint32_t skipped = 0;
    std::uint32_t pending = 0;
    void add(HostResultKind r, int delta = 1);
    bool operator==(const HostProgress&) const = default;
};
HostProgress count_results(const std::vector<HostResult>& results);

// A window's host results, one per host in the order they are flipped. Shared, not copied: the
// planner copies a window at every change, and a fleet's results are 100,000 rows; the flip
// updates them in place and bumps Window::results_version. Compared by contents.
class SharedHostResults {
  public:
    SharedHostResults() = default;
    explicit SharedHostResults(std::vector<HostResult> rows)
        : rows_(std::make_shared<std::vector<HostResult>>(std::move(rows))) {}
    const std::vector<HostResult>& get() const { return rows_ ? *rows_ : empty(); }
    std::vector<HostResult>* mutable_rows() { return rows_.get(); }
    bool has_rows() const { return rows_ != nullptr; }
    bool operator==(const SharedHostResults& o) const {
        return rows_ == o.rows_ || get() == o.get();
    }

  private:
    static const std::vector<HostResult>& empty();
    std::shared_ptr<std::vector<HostResult>> rows_;
};

// Lifecycle steps already carried out, persisted with the window so that a restart finishes
// what was begun and repeats nothing. Bits of Window::steps_done.
enum Step : std::uint32_t {
    kStepUpcomingAnnounced = 1u << 0,  // WindowUpcoming sent for the current start time
    kStepHostsEntered = 1u << 1,     // the window's current flip is over (every host has a result)
    kStepSessionsEnded = 1u << 2,    // non-admin sessions were ended
    kStepStartAnnounced = 1u << 3,   // started notices sent
    kStepFinishAnnounced = 1u << 4,  // finished notices sent
    // Reminders after the first upcoming notice, N minutes before the start (for the current
    // start time, like kStepUpcomingAnnounced).
    kStepReminder30 = 1u << 5,
    kStepReminder15 = 1u << 6,
    kStepReminder5 = 1u << 7,
    kStepReminder1 = 1u << 8,
    // The window's hosts (and groups) were resolved into its host results: a resumed flip goes
    // on with them instead of asking the groups again.
    kStepHostsResolved = 1u << 9,
};
inline constexpr std::uint32_t kUpcomingSteps =
    kStepUpcomingAnnounced | kStepReminder30 | kStepReminder15 | kStepReminder5 | kStepReminder1;

struct Window {
    WindowId id = 0;
    Status status = Status::Scheduled;
    WindowSpec spec;
    Usec created_usec = 0;
    Uid created_by_uid = 0;
    Usec started_usec = 0;
    Uid started_by_uid = 0;
    Usec finished_usec = 0;
    Uid finished_by_uid = 0;
    std::string completion_note;
    std::vector<PrecheckResult> precheck_results;
    std::vector<LogEntry> log;
    std::uint32_t steps_done = 0;
    // Some step failed (a host that did not flip, a session not ended, a notice not sent): a
    // completion becomes completed-with-errors.
    bool had_errors = false;
    // The budget of the current (or last) flip: the window's, or Start's MaxFailedHosts option.
    std::string flip_budget;
    SharedHostResults host_results;
    HostProgress host_progress;  // counted from host_results, kept up to date with them
    // Bumped when host_results change in place (they are announced by invalidation).
    std::uint32_t results_version = 0;

    bool done(Step s) const { return (steps_done & s) != 0; }
    bool operator==(const Window&) const = default;
};

// One row of ListWindows; all the daemon keeps in memory of a finished window.
struct WindowSummary {
    WindowId id = 0;
    Status status = Status::Scheduled;
    Usec start_usec = 0;
    Usec end_usec = 0;
    std::string reason;
    bool operator==(const WindowSummary&) const = default;
};

inline WindowSummary summarize(const Window& w) {
    return {w.id, w.status, w.spec.start_usec, w.spec.end_usec, w.spec.reason};
}

}  // namespace maint
