// maintenanced's configuration: the validated result of the main file and its drop-ins
// (see ../shared/spec/configuration.md, docs/ and maintenanced.conf(5)). Plain data: the loader
// fills it, main.cpp maps it onto the parts that use it.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/timespan.hpp"

namespace maint {

enum class SchedulerKind { Auto, Systemd, Internal };
enum class HostBackend { Local, Command };
enum class CheckType { Command, HostsNormal, UnitInactive, UnitActive, NoFailedUnits };
enum class Severity { Error, Warning };

struct HostConfig {
    std::string name;
    HostBackend backend = HostBackend::Local;
    // Commands split into words like ExecStart=; may contain %h, %w and %% (checked at load).
    std::vector<std::string> enter_command;
    std::vector<std::string> leave_command;
    std::vector<std::string> status_command;  // empty: no status command
    Usec timeout_usec = 30 * kUsecPerSec;
};

// [Hosts NAME], Backend=batch (the default, and the only backend of groups so far): a group of
// hosts flipped by one engine, BatchSize hosts per run of its commands, which speak the batch
// protocol (daemon/fleet/batch_protocol.hpp). EnterCommand= and LeaveCommand= are required, and
// Hosts= or HostsCommand= (or both).
struct HostGroupConfig {
    std::string name;
    // Hosts= expanded (common/hostlist.hpp), in order, without duplicates; may be empty when
    // HostsCommand= lists them.
    std::vector<std::string> hosts;
    // HostsCommand=: prints the engine's hosts, one a line (run at start-up, Reload, DryRun and
    // Start); empty: none. No specifiers: a '%' is passed as it is ("sinfo -h -N -o %N").
    std::vector<std::string> hosts_command;
    // May contain %w and %% (no %h: the hosts come on standard input).
    std::vector<std::string> enter_command;
    std::vector<std::string> leave_command;
    std::vector<std::string> status_command;  // empty: no status command
    unsigned batch_size = 1000;               // 1..100000
    Usec timeout_usec = 10 * kUsecPerMinute;  // per run of a command, for the whole batch
};

struct CheckConfig {
    std::string name;
    CheckType type = CheckType::Command;
    std::string unit;                  // unit-inactive, unit-active
    std::vector<std::string> command;  // command
    Severity severity = Severity::Error;
    std::string description;  // defaults to the check's name
    Usec timeout_usec = 30 * kUsecPerSec;
};

struct AudienceConfig {
    std::string name;
    std::vector<std::string> users;
    std::vector<std::string> groups;
    std::vector<std::string> emails;
};

struct Config {
    // [Daemon]
    std::filesystem::path state_directory = "/var/lib/maintenanced";
    std::filesystem::path runtime_directory = "/run/maintenanced";
    SchedulerKind scheduler = SchedulerKind::Auto;
    unsigned max_parallel_hosts = 64;
    // The default error budget of a window, as written (checked with ErrorBudget::parse); empty:
    // none.
    std::string max_failed_hosts;
    // [Access]
    std::vector<std::string> admin_groups = {"sudo", "wheel", "maintadmin"};
    // [Notify]
    Usec lead_time_usec = 30 * kUsecPerMinute;
    std::string sendmail = "/usr/sbin/sendmail";  // empty: no email
    std::string from = "root@localhost";
    bool wall = true;
    bool motd = true;
    // [Audience NAME], [Host NAME], [Check NAME]: in order of first appearance.
    std::vector<AudienceConfig> audiences;
    // With no [Host] and no [Hosts] section anywhere, the local host is the only host:
    // {name "localhost", Backend=local}.
    std::vector<HostConfig> hosts;
    // [Hosts NAME], in order of first appearance. A group's name and its hosts' names are distinct
    // from every [Host] name and from every other group's names and hosts (checked at load).
    std::vector<HostGroupConfig> host_groups;
    std::vector<CheckConfig> checks;
    // The files that were read, in order (for logs and `maintenancectl status`).
    std::vector<std::filesystem::path> sources;
};

// A configuration that cannot be used. what() is "FILE:LINE: message" (or "FILE: message" when
// the problem is not on one line): the line an admin needs to fix, and what was expected.
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Reads `main_file` and then every `<main_file>.d/*.conf` in lexical order; a later value wins for
// the same key and sections of the same name merge. A missing main file is fine (built-in
// defaults) unless `main_file_required` (an explicit --config). Throws ConfigError.
Config load_config(const std::filesystem::path& main_file, bool main_file_required);

inline constexpr const char* kDefaultConfigFile = "/etc/maintenanced/maintenanced.conf";

}  // namespace maint
