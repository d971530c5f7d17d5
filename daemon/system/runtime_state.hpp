// What other programs read while a window is in progress, kept in step with the planner:
//   <RuntimeDirectory>/active   the PAM module's state file (pam_maintenance(8)): the window,
//                               its login message, and who the admins are
// and the logind guard that ends a non-admin session appearing during the window. The file is
// replaced atomically (write, then rename) and removed when the window finishes.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/planner.hpp"
#include "system/admins.hpp"
#include "system/logind_sessions.hpp"

namespace maint {

// The state file's text for `w` (see pam/pam_maintenance.8.scd for the format).
std::string active_state_text(const Window& w, const std::vector<std::string>& admin_groups);

class RuntimeState final : public PlannerListener {
  public:
    RuntimeState(std::filesystem::path runtime_directory, const AdminGroups& admins,
                 LogindSessions* sessions, Planner& planner);
    // Brings the file and the guard in line with the planner (at start-up, after a reload).
    void sync();
    std::filesystem::path state_file() const { return dir_ / "active"; }

    void window_added(const Window&) override {}
    void window_changed(const Window& w, std::uint32_t fields) override;
    void window_upcoming(const Window&) override {}
    void window_started(const Window& w) override;
    void window_finished(const Window& w) override;
    void manager_changed(const ManagerView&, const ManagerView&) override {}
    void host_state_changed(const std::string&, HostState) override {}
    void problem(WindowId, const std::string&) override {}

  private:
    void activate(const Window& w);
    void deactivate();

    std::filesystem::path dir_;
    const AdminGroups& admins_;
    LogindSessions* sessions_;
    Planner& planner_;
    std::optional<WindowId> active_;
};

}  // namespace maint
