// /org/example/Maintenance1: the org.example.Maintenance1.Manager interface (generated adaptor)
// plus ObjectManager and Properties. Thin: decode and check arguments, authorize, call the
// planner, map errors, reply.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "core/planner.hpp"
#include "generated/maintenance1_adaptor.h"

namespace maint::bus {

using WindowRow =
    sdbus::Struct<uint32_t, std::string, uint64_t, uint64_t, std::string, sdbus::ObjectPath>;
using CheckRow = sdbus::Struct<std::string, std::string, std::string, std::string, std::string>;
using HostRow = sdbus::Struct<std::string, std::string, std::string>;
using SessionRow = sdbus::Struct<std::string, uint32_t, std::string, bool, std::string>;

class ManagerObject final
    : public sdbus::AdaptorInterfaces<org::example::Maintenance1::Manager_adaptor,
                                      sdbus::ObjectManager_adaptor, sdbus::Properties_adaptor> {
  public:
    // `reload` re-reads the configuration and applies it, or throws Error(InvalidArgs) saying
    // which file and line is wrong (the running configuration then stays).
    ManagerObject(sdbus::IConnection& connection, Planner& planner, Authorizer& authorizer,
                  std::function<void()> reload);
    ~ManagerObject();

    void emit_properties_changed(const std::vector<std::string>& names);

  private:
    void ScheduleWindow(sdbus::Result<sdbus::ObjectPath>&& result, uint64_t start_usec,
                        uint64_t end_usec, std::string reason, std::vector<std::string> notify,
                        std::map<std::string, sdbus::Variant> options) override;
    void DryRun(sdbus::Result<bool, std::vector<CheckRow>>&& result) override;
    std::vector<WindowRow> ListWindows() override;
    sdbus::ObjectPath GetWindow(const uint32_t& id) override;
    void ListHosts(sdbus::Result<std::vector<HostRow>>&& result) override;
    void SetHostMaintenance(sdbus::Result<>&& result, std::string host, bool enabled) override;
    void ListSessions(sdbus::Result<std::vector<SessionRow>>&& result) override;
    void TerminateSessions(sdbus::Result<std::vector<std::string>>&& result,
                           bool include_admins) override;
    void Reload(sdbus::Result<>&& result) override;

    std::string State() override;
    bool UnderMaintenance() override;
    sdbus::ObjectPath ActiveWindow() override;
    sdbus::ObjectPath NextWindow() override;
    std::string Banner() override;
    std::string Version() override;

    Caller current_caller();
    // Checks with `check`, authorizes `action`, then runs `act(caller)`; any Error goes to
    // `reply` as the contract's error.
    template <class Reply, class Check, class Act>
    void authorized(const std::shared_ptr<Reply>& reply, Action action, const char* method,
                    Check&& check, Act&& act);

    Planner& planner_;
    Authorizer& authorizer_;
    std::function<void()> reload_;
};

}  // namespace maint::bus
