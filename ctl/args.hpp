// maintenancectl's command line, turned into a plain description of what to do. Pure: no bus, no
// output, no clock (the caller passes `now` for relative times), so every rule is unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/timespan.hpp"

namespace maint::ctl {

enum class Command {
    Status,
    List,
    Show,
    Schedule,
    DryRun,
    Start,
    Complete,
    Cancel,
    Update,
    RetryHosts,
    Hosts,
    HostMaintenance,
    Sessions,
    TerminateSessions,
    Reload,
};

// The verb as typed: "dry-run", "host-maintenance", ...
std::string_view command_name(Command command);

// Bad usage: what() is one line saying what was wrong (exit status 2).
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// What schedule and update can set; for update an unset field is left as it is. The same
// fields as the daemon's WindowChanges (daemon/core/validation.hpp), kept apart on purpose:
// maintenancectl speaks the bus contract and links nothing of the daemon.
struct WindowSettings {
    std::optional<Usec> start;
    std::optional<Usec> end;
    std::optional<std::string> reason;
    std::optional<std::vector<std::string>> notify;
    std::optional<std::string> comment;
    std::optional<std::string> login_message;
    std::optional<bool> show_login_message;
    std::optional<std::string> notify_message;
    std::optional<Usec> notify_lead;
    std::optional<std::vector<std::string>> hosts;
    std::optional<bool> auto_complete;
    std::optional<bool> valid;
    // The error budget, "10" or "5%" ("" for none). For start, the Start option of that name.
    std::optional<std::string> max_failed_hosts;

    bool empty() const;
};

struct Invocation {
    enum class Action { Run, Help, Version };
    Action action = Action::Run;

    // Global options.
    bool json = false;
    bool ask_password = true;
    bool legend = true;
    std::optional<std::string> host;  // -H [USER@]HOST

    Command command = Command::Status;
    std::uint32_t id = 0;                      // show, start, complete, cancel, update, retry-hosts
    WindowSettings settings;                   // schedule, update (start: max_failed_hosts only)
    std::optional<Usec> duration;              // schedule START --duration SPAN
    bool force = false;                        // start --force
    bool block = true;                         // start, retry-hosts: wait for the flip (--no-block)
    bool show_hosts = false;                   // show --hosts
    std::string note;                          // complete --note
    std::vector<std::string> complete_notify;  // complete --notify
    bool failed = false;                       // complete --failed
    std::string cancel_reason;                 // cancel --reason
    std::string host_name;                     // host-maintenance NAME
    bool host_enabled = false;                 // host-maintenance on|off
    bool include_admins = false;               // terminate-sessions --include-admins
};

// Parses argv[1..] (without the program name). Times are read relative to `now`.
// Throws UsageError.
Invocation parse_arguments(const std::vector<std::string>& args, Usec now);

// The --help text.
std::string help_text();

// Helpers the parser uses, exposed for their tests.
std::uint32_t parse_window_id(std::string_view text);
bool parse_boolean(std::string_view what, std::string_view text);
// parse_boolean's words, refused with "needs on or off" (host-maintenance NAME on|off).
bool parse_on_off(std::string_view what, std::string_view text);
std::vector<std::string> split_list(std::string_view text);
// --max-failed's value as the daemon takes it: a count ("10"), a share ("5%", "2.5%": at most two
// decimals, at most 100%) or "" (no budget). The count's ceiling is the daemon's to say.
std::string parse_max_failed(std::string_view what, std::string_view text);

}  // namespace maint::ctl
