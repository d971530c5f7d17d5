// The daemon's own log: structured entries to journald when it is there (sd_journal_send with
// fields such as WINDOW_ID= and MESSAGE_ID=), plain lines on stderr otherwise.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "core/planner.hpp"

namespace maint::journal {

using Fields = std::vector<std::pair<std::string, std::string>>;

void log(int priority, const std::string& message, const Fields& fields = {});
inline void info(const std::string& m, const Fields& f = {}) {
    log(6, m, f);
}
inline void notice(const std::string& m, const Fields& f = {}) {
    log(5, m, f);
}
inline void warning(const std::string& m, const Fields& f = {}) {
    log(4, m, f);
}
inline void error(const std::string& m, const Fields& f = {}) {
    log(3, m, f);
}

// "in maintenance", "out of maintenance", "in an unknown state": a host's state in a sentence.
std::string host_state_phrase(HostState state);

// Logs each lifecycle event of the planner, with the window's id.
class LifecycleLog final : public PlannerListener {
  public:
    void window_added(const Window& w) override;
    void window_changed(const Window& w, std::uint32_t fields) override;
    void window_upcoming(const Window& w) override;
    void window_started(const Window& w) override;
    void window_finished(const Window& w) override;
    void manager_changed(const ManagerView& before, const ManagerView& after) override;
    void host_state_changed(const std::string& host, HostState state) override;
    void host_flipped_by_hand(const HostFlip& flip, bool enabled, Uid by) override;
    void hosts_flipped(const Window& w) override;
    void problem(WindowId id, const std::string& what) override;
};

// Hands several listeners the same events, in order.
class ListenerFanout final : public PlannerListener {
  public:
    void add(PlannerListener& l) { listeners_.push_back(&l); }
    void window_added(const Window& w) override;
    void window_changed(const Window& w, std::uint32_t fields) override;
    void window_upcoming(const Window& w) override;
    void window_started(const Window& w) override;
    void window_finished(const Window& w) override;
    void manager_changed(const ManagerView& before, const ManagerView& after) override;
    void host_state_changed(const std::string& host, HostState state) override;
    void host_flipped_by_hand(const HostFlip& flip, bool enabled, Uid by) override;
    void hosts_flipped(const Window& w) override;
    void problem(WindowId id, const std::string& what) override;

  private:
    std::vector<PlannerListener*> listeners_;
};

}  // namespace maint::journal
