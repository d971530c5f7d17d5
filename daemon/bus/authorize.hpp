// The shared shape of every mutating method: the arguments were checked; now ask the Authorizer,
// and either go on or answer with the denial as the contract names it.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/ports.hpp"

namespace maint::bus {

// Calls `then` with nullopt when `caller` may do `action`, else with the Error to answer
// (AccessDenied, InteractiveAuthorizationRequired, Busy).
inline void authorize_then(Authorizer& authorizer, const Caller& caller, Action action,
                           const std::string& method,
                           std::function<void(std::optional<Error>)> then) {
    authorizer.authorize(caller, action, method, [then = std::move(then)](AuthDecision d) {
        switch (d.verdict) {
            case Verdict::Allowed:
                then(std::nullopt);
                return;
            case Verdict::InteractiveRequired:
                then(Error(Errc::InteractiveAuthorizationRequired, d.message));
                return;
            case Verdict::Busy:
                then(Error(Errc::Busy, d.message));
                return;
            case Verdict::Denied:
            case Verdict::Unavailable:
                then(Error(Errc::AccessDenied, d.message));
                return;
        }
    });
}

// Runs `body`, turning what it throws into `fail(Error)`: the domain's errors as they are,
// anything else as Errc::Failed (a bug or a resource problem, said plainly).
template <class Body, class Fail>
void guarded(Body&& body, Fail&& fail) {
    try {
        body();
    } catch (const Error& e) {
        fail(e);
    } catch (const std::exception& e) {
        fail(Error(Errc::Failed, std::string("Internal error: ") + e.what()));
    }
}

}  // namespace maint::bus
