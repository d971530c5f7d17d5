// See desktop_notifications.hpp.
#include "notify/desktop_notifications.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "notify/log.hpp"

namespace maint::notify {
namespace {

constexpr const char* kServerName = "org.freedesktop.Notifications";
constexpr const char* kServerPath = "/org/freedesktop/Notifications";
constexpr const char* kServerInterface = "org.freedesktop.Notifications";

std::size_t index_of(Slot slot) {
    return static_cast<std::size_t>(slot);
}

}  // namespace

DesktopNotifications::DesktopNotifications(sdbus::IConnection& session)
    : server_(sdbus::createProxy(session, kServerName, kServerPath)) {}

void DesktopNotifications::apply(const Actions& actions) {
    for (const auto& a : actions) {
        if (a.kind == Action::Kind::Show)
            show(a.slot, a.notification);
        else
            close(a.slot);
    }
}

bool DesktopNotifications::body_markup() {
    if (!body_markup_) {
        std::vector<std::string> capabilities;
        server_->callMethod("GetCapabilities")
            .onInterface(kServerInterface)
            .storeResultsTo(capabilities);
        body_markup_ = std::find(capabilities.begin(), capabilities.end(), "body-markup") !=
                       capabilities.end();
    }
    return *body_markup_;
}

void DesktopNotifications::show(Slot slot, const Notification& n) {
    std::uint32_t& id = ids_[index_of(slot)];
    try {
        const std::string body = body_markup() ? escape_markup(n.body) : n.body;
        const std::map<std::string, sdbus::Variant> hints{
            {"urgency", sdbus::Variant(static_cast<std::uint8_t>(n.urgency))}};
        std::uint32_t new_id = 0;
        server_->callMethod("Notify")
            .onInterface(kServerInterface)
            .withArguments(std::string(kAppName), id, n.icon, n.summary, body,
                           std::vector<std::string>{}, hints, n.expire_timeout_ms)
            .storeResultsTo(new_id);
        id = new_id;
    } catch (const sdbus::Error& e) {
        // The server may be another one next time.
        body_markup_.reset();
        log_message("Cannot show the notification \"" + n.summary + "\": " + e.getName() + ": " +
                    e.getMessage());
    }
}

void DesktopNotifications::close(Slot slot) {
    std::uint32_t& id = ids_[index_of(slot)];
    if (id == 0)
        return;
    const std::uint32_t closing = id;
    id = 0;
    try {
        server_->callMethod("CloseNotification")
            .onInterface(kServerInterface)
            .withArguments(closing);
    } catch (const sdbus::Error& e) {
        log_message("Cannot close notification " + std::to_string(closing) + ": " + e.getName() +
                    ": " + e.getMessage());
    }
}

}  // namespace maint::notify
