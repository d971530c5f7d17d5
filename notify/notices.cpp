// See notices.hpp.
#include "notify/notices.hpp"

#include <array>

#include "common/timestamp.hpp"

namespace maint::notify {
namespace {

constexpr Usec kMinutesPerHour = 60;
constexpr Usec kMinutesPerDay = 24 * kMinutesPerHour;

std::string count(Usec n, std::string_view unit) {
    return std::to_string(n) + " " + std::string(unit) + (n == 1 ? "" : "s");
}

// "2 hours", "1 hour 30 minutes": the larger unit, and the smaller one when it is not zero.
std::string two_units(Usec big, std::string_view big_unit, Usec small,
                      std::string_view small_unit) {
    std::string text = count(big, big_unit);
    if (small != 0)
        text += " " + count(small, small_unit);
    return text;
}

// Drops the control characters a reason or note might carry (terminal escapes, carriage
// returns), keeping newlines and tabs.
std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f)
            continue;
        out += c;
    }
    return out;
}

// What users are told the window is about: NotifyMessage when there is one, else the Reason (as
// the daemon's own notices do).
std::string what_for(const WindowInfo& w) {
    return printable(w.notify_message.empty() ? w.reason : w.notify_message);
}

struct Outcome {
    std::string_view status;
    std::string_view summary;
    std::string_view icon;
};

constexpr std::array kOutcomes{
    Outcome{"completed", "Maintenance completed", "dialog-information"},
    Outcome{"completed-with-errors", "Maintenance completed with errors", "dialog-warning"},
    Outcome{"failed", "Maintenance failed", "dialog-error"},
    Outcome{"cancelled", "Maintenance cancelled", "dialog-information"},
};

}  // namespace

bool is_finished(std::string_view status) {
    for (const auto& o : kOutcomes) {
        if (o.status == status)
            return true;
    }
    return false;
}

bool upcoming_notice_due(const WindowInfo& w, Usec now) {
    if (!w.valid || w.notify_lead_usec == 0)
        return false;
    return w.start_usec <= w.notify_lead_usec || w.start_usec - w.notify_lead_usec <= now;
}

std::string format_time_left(Usec when, Usec now) {
    if (when <= now)
        return "now";
    const Usec minutes = (when - now + 30 * kUsecPerSec) / kUsecPerMinute;
    if (minutes == 0)
        return "in less than a minute";
    if (minutes < kMinutesPerHour)
        return "in " + count(minutes, "minute");
    if (minutes < kMinutesPerDay) {
        return "in " +
               two_units(minutes / kMinutesPerHour, "hour", minutes % kMinutesPerHour, "minute");
    }
    return "in " + two_units(minutes / kMinutesPerDay, "day",
                             minutes % kMinutesPerDay / kMinutesPerHour, "hour");
}

Notification upcoming_notice(const WindowInfo& w, Usec now) {
    const std::string left = format_time_left(w.start_usec, now);
    Notification n;
    n.summary = left == "now" ? "Maintenance starts now" : "Maintenance " + left;
    n.body = what_for(w) + "\nFrom " + format_timestamp(w.start_usec) + " to " +
             format_timestamp(w.end_usec) +
             ".\nUsers who are not administrators will be logged off: please save your work.";
    n.icon = "appointment-soon";
    n.urgency = Urgency::Normal;
    n.expire_timeout_ms = -1;
    return n;
}

Notification in_progress_notice(const WindowInfo& w) {
    Notification n;
    n.summary = "System is under maintenance";
    n.body = what_for(w) + "\nUntil " + format_timestamp(w.end_usec) +
             "; only administrators can log in.";
    n.icon = "dialog-warning";
    n.urgency = Urgency::Critical;
    n.expire_timeout_ms = 0;
    return n;
}

Notification outcome_notice(const WindowInfo& w) {
    Notification n;
    n.summary = "Maintenance finished (" + printable(w.status) + ")";
    n.icon = "dialog-information";
    for (const auto& o : kOutcomes) {
        if (o.status == w.status) {
            n.summary = o.summary;
            n.icon = o.icon;
        }
    }
    const std::string note = printable(w.completion_note);
    if (w.status == "cancelled") {
        n.body = "The maintenance announced for " + format_timestamp(w.start_usec) +
                 " will not take place.";
        if (!note.empty())
            n.body += "\n" + note;
    } else {
        n.body = note.empty() ? what_for(w) : note;
    }
    n.urgency = Urgency::Normal;
    n.expire_timeout_ms = -1;
    return n;
}

std::string escape_markup(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

}  // namespace maint::notify
