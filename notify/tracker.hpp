// The agent's memory of what is on the screen, and its decisions: given an event from maintenanced
// (a lifecycle signal, a changed window, or the daemon's whole state when it appears on the bus),
// which notification to show, replace or close. Each kind of notice has a slot; showing into a
// slot that holds a notification replaces it (replaces_id), so a reminder replaces the previous
// upcoming notice instead of stacking up. Every handler is idempotent: the same state reported
// twice (a daemon restarted mid-window, a signal that races the start-up read) shows nothing new.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "notify/notices.hpp"

namespace maint::notify {

enum class Slot { Upcoming, InProgress, Outcome };
inline constexpr std::size_t kSlotCount = 3;

struct Action {
    enum class Kind { Show, Close };
    Kind kind = Kind::Show;
    Slot slot = Slot::Upcoming;
    Notification notification;  // for Show

    static Action show(Slot slot, Notification n) { return {Kind::Show, slot, std::move(n)}; }
    static Action close(Slot slot) { return {Kind::Close, slot, {}}; }
    bool operator==(const Action&) const = default;
};

using Actions = std::vector<Action>;

// maintenanced's state as read when it appears on the bus.
struct Snapshot {
    std::optional<WindowInfo> active;  // ActiveWindow
    std::optional<WindowInfo> next;    // NextWindow
    // The Manager's Banner is set while State is "scheduled": users are being warned of `next`.
    bool upcoming_announced = false;
    // The windows followed() named, as they are now; one the daemon no longer knows is absent.
    std::vector<WindowInfo> followed;
};

class NoticeTracker {
  public:
    // WindowUpcoming: the lead time began, or a reminder is due.
    Actions window_upcoming(const WindowInfo& w, Usec now);
    // WindowStarted.
    Actions window_started(const WindowInfo& w);
    // WindowFinished; `w.status` is the outcome.
    Actions window_finished(const WindowInfo& w);
    // PropertiesChanged of a followed window (its times or messages).
    Actions window_changed(const WindowInfo& w, Usec now);
    // The daemon (re)appeared: catch up with whatever happened while nobody was listening.
    Actions synchronize(const Snapshot& s, Usec now);

    // The windows that have a notice on the screen, upcoming or in progress.
    std::vector<std::uint32_t> followed() const;

  private:
    struct Shown {
        std::uint32_t window = 0;
        Usec start_usec = 0;
        Notification notification;
    };

    std::optional<Shown> upcoming_;
    std::optional<Shown> in_progress_;
};

}  // namespace maint::notify
