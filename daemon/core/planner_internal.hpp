// What planner.cpp and planner_flip.cpp share and nobody else sees: the one path for changes
// (commit), and the state of a flip under way.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/planner.hpp"

namespace maint {

// Finished windows kept in memory after a read (the rest are read from the store on demand).
inline constexpr std::size_t kHistoryCacheSize = 8;

struct Planner::Flip {
    WindowId id = 0;
    SharedHostResults results;                             // the window's rows, updated in place
    std::unordered_map<std::string, std::uint32_t> index;  // host → position
    ErrorBudget budget;
    HostProgress progress;
    std::vector<std::uint32_t> dirty;  // positions changed since the last save
    std::vector<LogEntry> lines;       // log lines waiting for the next flush
    std::size_t failure_lines = 0;     // failures logged one by one in this flip
    bool stopping = false;             // start no further host
    bool flush_scheduled = false;
    bool every_host_logged = false;
    std::map<std::string, StoredHostState> host_states;  // unsaved last known states
};

// ---------------------------------------------------------------------------------------------
// The one path for changes: applied to a copy, saved, then made current and announced.

template <class Change>
void Planner::commit(WindowId id, Change&& change) {
    const ManagerView before_view = manager_view();
    const Window before = current(id);
    Window after = before;
    change(after);
    try {
        ports_.store.save(after);
    } catch (const StoreError& e) {
        throw Error(Errc::Failed, "Could not save window " + std::to_string(id) + ": " + e.what());
    }
    const std::uint32_t fields = changed_fields(before, after);
    auto summary = std::lower_bound(summaries_.begin(), summaries_.end(), id,
                                    [](const WindowSummary& s, WindowId v) { return s.id < v; });
    if (summary != summaries_.end() && summary->id == id)
        *summary = summarize(after);
    history_cache_.remove_if([id](const Window& w) { return w.id == id; });
    prefetched_.erase(id);
    const Window* installed;
    if (is_final(after.status)) {
        live_.erase(id);
        history_cache_.push_front(std::move(after));
        if (history_cache_.size() > kHistoryCacheSize)
            history_cache_.pop_back();
        installed = &history_cache_.front();
    } else {
        installed = &(live_[id] = std::move(after));
    }
    rearm(*installed);
    if (fields != 0)
        listener_.window_changed(*installed, fields);
    const ManagerView after_view = manager_view();
    if (after_view != before_view)
        listener_.manager_changed(before_view, after_view);
}

template <class Change>
void Planner::commit_or_report(WindowId id, Change&& change) {
    try {
        commit(id, std::forward<Change>(change));
    } catch (const Error& e) {
        listener_.problem(id, e.what());
    }
}

}  // namespace maint
