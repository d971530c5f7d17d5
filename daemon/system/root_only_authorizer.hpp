// The Authorizer used until polkit is wired in: uid 0 may do everything, everyone else nothing.
#pragma once

#include "core/ports.hpp"

namespace maint {

class RootOnlyAuthorizer final : public Authorizer {
public:
    void authorize(const Caller& caller, Action action, const std::string& method,
                   std::function<void(AuthDecision)> done) override;
};

}  // namespace maint
