// What maintenance-notify tells the person at the desktop: the notifications for a window that is
// upcoming, in progress or over, made from the window's properties and the time. No bus here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/timespan.hpp"

namespace maint::notify {

inline constexpr const char* kAppName = "maintenance-notify";

inline constexpr std::string_view kStatusScheduled = "scheduled";
inline constexpr std::string_view kStatusInProgress = "in-progress";

// The properties of an org.example.Maintenance1.Window object that the notices are made of.
struct WindowInfo {
    std::uint32_t id = 0;
    std::string status;
    bool valid = true;
    Usec start_usec = 0;
    Usec end_usec = 0;
    Usec notify_lead_usec = 0;
    std::string reason;
    std::string notify_message;
    std::string completion_note;
};

// The urgency levels of the Desktop Notifications Specification ("urgency" hint, a byte).
enum class Urgency : std::uint8_t { Low = 0, Normal = 1, Critical = 2 };

// One notification, as org.freedesktop.Notifications.Notify takes it; the application name,
// replaces_id and the (empty) list of actions are added when it is sent.
struct Notification {
    // Plain text without control characters (other than newline and tab in the body); the body
    // is escaped when it is sent to a server that renders body markup.
    std::string summary;
    std::string body;
    std::string icon;  // a name from the freedesktop Icon Naming Specification
    Urgency urgency = Urgency::Normal;
    std::int32_t expire_timeout_ms = -1;  // -1: the server's default; 0: until it is closed

    bool operator==(const Notification&) const = default;
};

// completed, completed-with-errors, failed, cancelled: a window that is over.
bool is_finished(std::string_view status);

// Whether the daemon has begun warning users of a scheduled window: it is valid, has a lead time,
// and its lead time has begun by `now`.
bool upcoming_notice_due(const WindowInfo& w, Usec now);

// "in 15 minutes", "in 1 hour 30 minutes", "in 2 days 3 hours": the time until `when`, rounded
// to the nearest minute; "in less than a minute" below half a minute, "now" once it has passed.
std::string format_time_left(Usec when, Usec now);

// The notice of the lead time before the start, repeated (and replaced) at each reminder.
Notification upcoming_notice(const WindowInfo& w, Usec now);
// The critical notice that stays while the window is in progress.
Notification in_progress_notice(const WindowInfo& w);
// How the window ended.
Notification outcome_notice(const WindowInfo& w);

// `text` for a server that renders body markup (the "body-markup" capability): &, < and > as
// entities.
std::string escape_markup(std::string_view text);

}  // namespace maint::notify
