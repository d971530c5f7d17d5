// Names of the ports' enumerations, as the contract and the logs spell them.
#include "core/ports.hpp"

namespace maint {

std::string_view to_string(HostState s) {
    switch (s) {
        case HostState::Normal:
            return "normal";
        case HostState::Maintenance:
            return "maintenance";
        case HostState::Unknown:
            break;
    }
    return "unknown";
}

std::optional<HostState> parse_host_state(std::string_view s) {
    if (s == "normal")
        return HostState::Normal;
    if (s == "maintenance")
        return HostState::Maintenance;
    if (s == "unknown")
        return HostState::Unknown;
    return std::nullopt;
}

std::string_view to_string(TimerKind k) {
    switch (k) {
        case TimerKind::Upcoming:
            return "upcoming";
        case TimerKind::Start:
            return "start";
        case TimerKind::End:
            break;
    }
    return "end";
}

std::string_view action_id(Action a) {
    switch (a) {
        case Action::Schedule:
            return "org.example.maintenance1.schedule";
        case Action::Run:
            return "org.example.maintenance1.run";
        case Action::ForceStart:
            return "org.example.maintenance1.force-start";
        case Action::ManageSessions:
            return "org.example.maintenance1.manage-sessions";
        case Action::ManageHosts:
            return "org.example.maintenance1.manage-hosts";
        case Action::Reload:
            break;
    }
    return "org.example.maintenance1.reload";
}

std::string_view to_string(Notice n) {
    switch (n) {
        case Notice::Scheduled:
            return "scheduled";
        case Notice::Updated:
            return "updated";
        case Notice::Upcoming:
            return "upcoming";
        case Notice::Reminder:
            return "reminder";
        case Notice::Started:
            return "started";
        case Notice::Finished:
            return "finished";
        case Notice::Cancelled:
            break;
    }
    return "cancelled";
}

}  // namespace maint
