// Building ScheduleWindow's, Update's and Start's option dictionaries, and classifying D-Bus
// errors into maintenancectl's exit statuses.
#include "ctl/request.hpp"

#include <array>

namespace maint::ctl {

namespace {

// The settings both methods share, under the names the D-Bus API gives them.
void add_common(OptionMap& map, const WindowSettings& s) {
    if (s.comment) {
        map["Comment"] = *s.comment;
    }
    if (s.login_message) {
        map["LoginMessage"] = *s.login_message;
    }
    if (s.show_login_message) {
        map["ShowLoginMessage"] = *s.show_login_message;
    }
    if (s.notify_message) {
        map["NotifyMessage"] = *s.notify_message;
    }
    if (s.notify_lead) {
        map["NotifyLeadUSec"] = *s.notify_lead;
    }
    if (s.hosts) {
        map["Hosts"] = *s.hosts;
    }
    if (s.auto_complete) {
        map["AutoComplete"] = *s.auto_complete;
    }
    if (s.max_failed_hosts) {
        map["MaxFailedHosts"] = *s.max_failed_hosts;
    }
}

}  // namespace

OptionMap schedule_options(const WindowSettings& settings) {
    OptionMap map;
    add_common(map, settings);
    return map;
}

OptionMap update_changes(const WindowSettings& s) {
    OptionMap map;
    add_common(map, s);
    if (s.start) {
        map["StartUSec"] = *s.start;
    }
    if (s.end) {
        map["EndUSec"] = *s.end;
    }
    if (s.reason) {
        map["Reason"] = *s.reason;
    }
    if (s.notify) {
        map["Notify"] = *s.notify;
    }
    if (s.valid) {
        map["Valid"] = *s.valid;
    }
    return map;
}

OptionMap start_options(const Invocation& inv) {
    OptionMap map;
    if (inv.force) {
        map["Force"] = true;
    }
    if (inv.settings.max_failed_hosts) {
        map["MaxFailedHosts"] = *inv.settings.max_failed_hosts;
    }
    return map;
}

bool is_unreachable_error(std::string_view name) {
    // sd-bus reports local failures as errno-derived names: "System.Error.ECONNREFUSED" and
    // the like, or the mapped standard ones below.
    static constexpr std::array<std::string_view, 17> kUnreachable = {
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
        "org.freedesktop.DBus.Error.NoReply",
        "org.freedesktop.DBus.Error.Timeout",
        "org.freedesktop.DBus.Error.TimedOut",
        "org.freedesktop.DBus.Error.Disconnected",
        "org.freedesktop.DBus.Error.NoServer",
        "org.freedesktop.DBus.Error.NoNetwork",
        "System.Error.ENOTCONN",
        "System.Error.ECONNREFUSED",
        "System.Error.ECONNRESET",
        "System.Error.ECONNABORTED",
        "System.Error.EPIPE",
        "System.Error.ESHUTDOWN",
        "System.Error.ETIMEDOUT",
        "System.Error.EHOSTUNREACH",
        "System.Error.ENETUNREACH",
    };
    for (auto u : kUnreachable) {
        if (name == u) {
            return true;
        }
    }
    return false;
}

}  // namespace maint::ctl
