// See root_only_authorizer.hpp.
#include "system/root_only_authorizer.hpp"

#include "system/journal.hpp"

namespace maint {

void RootOnlyAuthorizer::authorize(const Caller& caller, Action action, const std::string& method,
                                   std::function<void(AuthDecision)> done) {
    if (caller.uid == 0) {
        done({Verdict::Allowed, {}});
        return;
    }
    journal::warning("Denied " + method + " (" + std::string(action_id(action)) + ") to UID " +
                         std::to_string(caller.uid) + ": only root is allowed",
                     {{"OPERATOR_UID", std::to_string(caller.uid)}});
    done({Verdict::Denied, "Only root may call " + method + " (" + std::string(action_id(action)) +
                               ") on this system"});
}

}  // namespace maint
