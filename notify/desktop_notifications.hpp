// The session bus side: org.freedesktop.Notifications, as the Desktop Notifications
// Specification describes it. Carries out the tracker's actions: Notify with the slot's previous
// id as replaces_id, CloseNotification for the slot's id. A missing or failing notification server
// is reported on stderr and otherwise ignored: the next event tries again.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include <sdbus-c++/sdbus-c++.h>

#include "notify/tracker.hpp"

namespace maint::notify {

class DesktopNotifications {
  public:
    explicit DesktopNotifications(sdbus::IConnection& session);

    void apply(const Actions& actions);

  private:
    void show(Slot slot, const Notification& n);
    void close(Slot slot);
    // Whether the server renders markup in bodies (asked once, when it first answers).
    bool body_markup();

    std::unique_ptr<sdbus::IProxy> server_;
    std::array<std::uint32_t, kSlotCount> ids_{};  // 0: nothing shown in the slot
    std::optional<bool> body_markup_;
};

}  // namespace maint::notify
