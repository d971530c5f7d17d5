// Tells the bus what the planner did: InterfacesAdded and PropertiesChanged for window objects,
// the lifecycle signals and PropertiesChanged on the Manager. Runs on the loop thread, after the
// change is stored.
#pragma once

#include "bus/manager_object.hpp"
#include "bus/window_objects.hpp"
#include "core/planner.hpp"

namespace maint::bus {

class BusAnnouncer final : public PlannerListener {
  public:
    BusAnnouncer(ManagerObject& manager, WindowObjects& windows)
        : manager_(manager), windows_(windows) {}

    void window_added(const Window& w) override;
    void window_changed(const Window& w, std::uint32_t fields) override;
    void window_upcoming(const Window& w) override;
    void window_started(const Window& w) override;
    void window_finished(const Window& w) override;
    void manager_changed(const ManagerView& before, const ManagerView& after) override;
    void host_state_changed(const std::string& host, HostState state) override;
    void hosts_flipped(const Window& w) override;
    void problem(WindowId id, const std::string& what) override;

  private:
    ManagerObject& manager_;
    WindowObjects& windows_;
};

}  // namespace maint::bus
