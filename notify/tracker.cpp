// See tracker.hpp.
#include "notify/tracker.hpp"

namespace maint::notify {
namespace {

void append(Actions& to, Actions more) {
    to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

const WindowInfo* find(const Snapshot& s, std::uint32_t id) {
    for (const auto& w : s.followed) {
        if (w.id == id)
            return &w;
    }
    if (s.active && s.active->id == id)
        return &*s.active;
    if (s.next && s.next->id == id)
        return &*s.next;
    return nullptr;
}

}  // namespace

Actions NoticeTracker::window_upcoming(const WindowInfo& w, Usec now) {
    if (w.status != kStatusScheduled)
        return {};  // a late signal: the window has moved on
    Notification n = upcoming_notice(w, now);
    upcoming_ = Shown{w.id, w.start_usec, n};
    return {Action::show(Slot::Upcoming, std::move(n))};
}

Actions NoticeTracker::window_started(const WindowInfo& w) {
    if (w.status != kStatusInProgress)
        return {};  // already over: WindowFinished follows
    Actions out;
    // Only one window can be pending: whatever was announced is this one, or obsolete.
    if (upcoming_) {
        out.push_back(Action::close(Slot::Upcoming));
        upcoming_.reset();
    }
    Notification n = in_progress_notice(w);
    if (in_progress_ && in_progress_->window == w.id && in_progress_->notification == n)
        return out;
    in_progress_ = Shown{w.id, w.start_usec, n};
    out.push_back(Action::show(Slot::InProgress, std::move(n)));
    return out;
}

Actions NoticeTracker::window_finished(const WindowInfo& w) {
    const bool was_running = in_progress_ && in_progress_->window == w.id;
    const bool was_announced = upcoming_ && upcoming_->window == w.id;
    if (!was_running && !was_announced)
        return {};  // nothing of it was shown: users never heard of it
    Actions out;
    if (was_running) {
        out.push_back(Action::close(Slot::InProgress));
        in_progress_.reset();
    }
    if (was_announced) {
        out.push_back(Action::close(Slot::Upcoming));
        upcoming_.reset();
    }
    out.push_back(Action::show(Slot::Outcome, outcome_notice(w)));
    return out;
}

Actions NoticeTracker::window_changed(const WindowInfo& w, Usec now) {
    if (in_progress_ && in_progress_->window == w.id && w.status == kStatusInProgress) {
        // A new end time or message: the critical notice says it, in place.
        Notification n = in_progress_notice(w);
        if (n == in_progress_->notification)
            return {};
        in_progress_->notification = n;
        return {Action::show(Slot::InProgress, std::move(n))};
    }
    if (upcoming_ && upcoming_->window == w.id && w.status == kStatusScheduled &&
        !upcoming_notice_due(w, now)) {
        // Postponed beyond its lead time, or made invalid: the warning no longer holds. A start
        // that is still within the lead time is announced again by the daemon itself.
        upcoming_.reset();
        return {Action::close(Slot::Upcoming)};
    }
    return {};
}

Actions NoticeTracker::synchronize(const Snapshot& s, Usec now) {
    Actions out;
    // What became of the windows on the screen.
    if (in_progress_) {
        const WindowInfo* w = find(s, in_progress_->window);
        if (w == nullptr) {
            out.push_back(Action::close(Slot::InProgress));
            in_progress_.reset();
        } else if (is_finished(w->status)) {
            append(out, window_finished(*w));
        }
    }
    if (upcoming_) {
        const WindowInfo* w = find(s, upcoming_->window);
        if (w != nullptr && is_finished(w->status)) {
            append(out, window_finished(*w));
        } else if (w == nullptr || (w->status == kStatusScheduled &&
                                    !(s.upcoming_announced && s.next && s.next->id == w->id))) {
            out.push_back(Action::close(Slot::Upcoming));
            upcoming_.reset();
        }
    }
    // What is going on now.
    if (s.active) {
        append(out, window_started(*s.active));
    } else if (s.next && s.upcoming_announced) {
        const bool shown = upcoming_ && upcoming_->window == s.next->id &&
                           upcoming_->start_usec == s.next->start_usec;
        if (!shown)
            append(out, window_upcoming(*s.next, now));
    }
    return out;
}

std::vector<std::uint32_t> NoticeTracker::followed() const {
    std::vector<std::uint32_t> ids;
    if (upcoming_)
        ids.push_back(upcoming_->window);
    if (in_progress_ && (!upcoming_ || upcoming_->window != in_progress_->window))
        ids.push_back(in_progress_->window);
    return ids;
}

}  // namespace maint::notify
