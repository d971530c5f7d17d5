// The Authorizer that asks polkit, the way systemd's daemons do (src/shared/bus-polkit.c): the
// caller's unique bus name is the subject, the call is asynchronous so that the daemon keeps
// serving others while polkit (or an authentication agent) thinks, uid 0 is allowed without
// asking, and interactive authentication happens only when the caller allowed it.
#pragma once

#include <functional>
#include <memory>

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include "core/ports.hpp"

namespace maint {

class PolkitAuthorizer final : public Authorizer {
  public:
    explicit PolkitAuthorizer(sdbus::IConnection& connection);
    void authorize(const Caller& caller, Action action, const std::string& method,
                   std::function<void(AuthDecision)> done) override;

  private:
    std::unique_ptr<sdbus::IProxy> authority_;
};

}  // namespace maint
