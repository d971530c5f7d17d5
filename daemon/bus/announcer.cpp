// See announcer.hpp.
#include "bus/announcer.hpp"

#include "bus/paths.hpp"

namespace maint::bus {

void BusAnnouncer::window_added(const Window& w) {
    windows_.emit_added(w.id);
    manager_.emitWindowScheduled(w.id, sdbus::ObjectPath(window_path(w.id)));
}

void BusAnnouncer::window_changed(const Window& w, std::uint32_t fields) {
    windows_.emit_changed(w.id, fields);
}

void BusAnnouncer::window_upcoming(const Window& w) {
    manager_.emitWindowUpcoming(w.id, sdbus::ObjectPath(window_path(w.id)), w.spec.start_usec);
}

void BusAnnouncer::window_started(const Window& w) {
    manager_.emitWindowStarted(w.id, sdbus::ObjectPath(window_path(w.id)));
}

void BusAnnouncer::window_finished(const Window& w) {
    manager_.emitWindowFinished(w.id, sdbus::ObjectPath(window_path(w.id)),
                                std::string(to_string(w.status)));
}

void BusAnnouncer::manager_changed(const ManagerView& before, const ManagerView& after) {
    std::vector<std::string> names;
    if (before.state != after.state)
        names.emplace_back("State");
    if (before.under_maintenance != after.under_maintenance)
        names.emplace_back("UnderMaintenance");
    if (before.active != after.active)
        names.emplace_back("ActiveWindow");
    if (before.next != after.next)
        names.emplace_back("NextWindow");
    if (before.banner != after.banner)
        names.emplace_back("Banner");
    if (names.empty())
        return;
    manager_.emit_properties_changed(names);
}

void BusAnnouncer::host_state_changed(const std::string& host, HostState state) {
    manager_.emitHostStateChanged(host, std::string(to_string(state)));
}

void BusAnnouncer::hosts_flipped(const Window& w) {
    manager_.emitHostsFlipped(w.id, sdbus::ObjectPath(window_path(w.id)),
                              w.host_progress.in_maintenance, w.host_progress.failed,
                              w.host_progress.skipped);
}

void BusAnnouncer::problem(WindowId, const std::string&) {}

}  // namespace maint::bus
