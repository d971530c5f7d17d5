// What maintenancectl reads from the daemon, as plain values: the bus layer (client.cpp) fills
// these from D-Bus replies and the renderers (render.cpp) print them, neither knowing the other.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/timespan.hpp"

namespace maint::ctl {

// One row of ListWindows.
struct WindowRow {
    std::uint32_t id = 0;
    std::string status;
    Usec start = 0;
    Usec end = 0;
    std::string reason;
    std::string path;
    // StartedUSec, for a window that started (read apart: ListWindows gives the planned start).
    Usec started = 0;
};

// One precheck result, as DryRun and PrecheckResults report it.
struct CheckResult {
    std::string name;
    std::string description;
    std::string severity;  // "error" | "warning"
    std::string result;    // "pass" | "fail"
    std::string message;
};

struct LogEntry {
    Usec time = 0;
    std::string level;  // "info" | "warning" | "error"
    std::string message;
};

// A window's HostProgress: where its current or last host flip stands.
struct HostProgress {
    std::uint32_t total = 0;
    std::uint32_t in_maintenance = 0;  // results "maintenance" and "already"
    std::uint32_t failed = 0;
    std::uint32_t skipped = 0;
    std::uint32_t pending = 0;

    // Hosts with a result: every one but the pending.
    std::uint32_t done() const { return total > pending ? total - pending : 0; }
    bool operator==(const HostProgress&) const = default;
};

// One entry of a window's HostResults.
struct HostResult {
    std::string host;
    std::string result;  // "maintenance" | "already" | "failed" | "skipped" | "pending"
    std::string message;
    Usec time = 0;
};

// Every property of a window object.
struct WindowDetails {
    std::string path;
    std::uint32_t id = 0;
    std::string status;
    bool valid = true;
    Usec start = 0;
    Usec end = 0;
    std::string reason;
    std::vector<std::string> notify;
    std::string comment;
    std::string login_message;
    bool show_login_message = false;
    std::string notify_message;
    Usec notify_lead = 0;
    std::vector<std::string> hosts;
    bool auto_complete = true;
    Usec created = 0;
    std::uint32_t created_by = 0;
    Usec started = 0;
    std::uint32_t started_by = 0;
    Usec finished = 0;
    std::uint32_t finished_by = 0;
    std::string completion_note;
    std::vector<CheckResult> prechecks;
    std::vector<LogEntry> log;
    std::string max_failed_hosts;  // "" for no error budget
    HostProgress host_progress;
    std::vector<HostResult> host_results;
};

struct HostRow {
    std::string name;
    std::string state;  // "normal" | "maintenance" | "unknown"
    std::string message;
};

struct SessionRow {
    std::string id;
    std::uint32_t uid = 0;
    std::string user;
    bool admin = false;
    std::string where;
};

// The manager object's properties.
struct ManagerState {
    std::string state;
    bool under_maintenance = false;
    std::string active_window;  // object path, "/" for none
    std::string next_window;
    std::string banner;
    std::string version;
};

// Everything `status` shows.
struct StatusReport {
    ManagerState manager;
    std::optional<WindowDetails> active;
    std::optional<WindowDetails> next;
    std::vector<HostRow> hosts;
    // Set when the daemon refused ListHosts as not supported: why, in its words.
    std::optional<std::string> hosts_unavailable;
};

// How the wait for a window's host flip (start, retry-hosts) ended, and the window then.
struct FlipReport {
    enum class End {
        Flipped,         // HostsFlipped: every host has a result
        WindowFinished,  // WindowFinished came first (completed or failed during the flip)
    };
    End end = End::Flipped;
    std::uint32_t id = 0;
    std::string path;
    std::string status;  // the window's Status when the wait ended
    HostProgress progress;
    std::vector<HostResult> results;
};

struct DryRunReport {
    bool ready = false;
    std::vector<CheckResult> checks;
};

}  // namespace maint::ctl
