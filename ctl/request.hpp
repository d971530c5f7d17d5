// The option dictionaries (a{sv}) maintenancectl sends, built from the parsed command line as
// plain values so the rule "send only what the user gave" is tested without a bus.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ctl/args.hpp"

namespace maint::ctl {

// The D-Bus types the options use: b, t, s, as.
using OptionValue = std::variant<bool, Usec, std::string, std::vector<std::string>>;
using OptionMap = std::map<std::string, OptionValue>;

// ScheduleWindow's options: everything given except start, end, reason and the audiences, which
// are the method's own arguments.
OptionMap schedule_options(const WindowSettings& settings);

// Window.Update's changes: exactly the settings given, under their property names.
OptionMap update_changes(const WindowSettings& settings);

// Window.Start's options: Force when --force, MaxFailedHosts when --max-failed was given.
OptionMap start_options(const Invocation& invocation);

// The exit statuses of maintenancectl.
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;

// Whether a D-Bus error name means the daemon was never reached (no bus, no owner of the name,
// no reply in time, connection lost), rather than that it answered with a refusal.
bool is_unreachable_error(std::string_view error_name);

}  // namespace maint::ctl
