// See polkit_authorizer.hpp.
#include "system/polkit_authorizer.hpp"

#include <chrono>
#include <map>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "system/journal.hpp"
#include "system/message_ids.hpp"

namespace maint {
namespace {

constexpr const char* kAuthorityInterface = "org.freedesktop.PolicyKit1.Authority";
constexpr std::uint32_t kAllowUserInteraction = 1;
// An authentication agent waits for a person; without one polkit answers at once.
constexpr auto kInteractiveTimeout = std::chrono::minutes(5);
constexpr auto kTimeout = std::chrono::seconds(25);

using Subject = sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>;
using Details = std::map<std::string, std::string>;

bool polkit_missing(const sdbus::Error& e) {
    return e.getName() == "org.freedesktop.DBus.Error.ServiceUnknown" ||
           e.getName() == "org.freedesktop.DBus.Error.NameHasNoOwner";
}

void log_denial(const Caller& caller, Action action, const std::string& method,
                const std::string& why) {
    journal::warning("Denied " + method + " to UID " + std::to_string(caller.uid) + " (" +
                         std::string(action_id(action)) + "): " + why,
                     {{"MESSAGE_ID", message_id::kAccessDenied},
                      {"OPERATOR_UID", std::to_string(caller.uid)},
                      {"POLKIT_ACTION", std::string(action_id(action))},
                      {"DBUS_METHOD", method}});
}

}  // namespace

PolkitAuthorizer::PolkitAuthorizer(sdbus::IConnection& connection)
    : authority_(sdbus::createProxy(connection, "org.freedesktop.PolicyKit1",
                                    "/org/freedesktop/PolicyKit1/Authority")) {}

void PolkitAuthorizer::authorize(const Caller& caller, Action action, const std::string& method,
                                 std::function<void(AuthDecision)> done) {
    if (caller.uid == 0) {
        done({Verdict::Allowed, {}});
        return;
    }
    const Subject subject{"system-bus-name", {{"name", sdbus::Variant(caller.bus_name)}}};
    const std::uint32_t flags = caller.interactive_allowed ? kAllowUserInteraction : 0;
    const std::string id(action_id(action));
    authority_->callMethodAsync("CheckAuthorization")
        .onInterface(kAuthorityInterface)
        .withTimeout(caller.interactive_allowed ? kInteractiveTimeout : kTimeout)
        .withArguments(subject, id, Details{}, flags, std::string())
        .uponReplyInvoke([caller, action, method, id, done](
                             const sdbus::Error* error, sdbus::Struct<bool, bool, Details> result) {
            if (error) {
                const std::string why =
                    polkit_missing(*error)
                        ? "polkit (org.freedesktop.PolicyKit1) is not available, so only root "
                          "may call " +
                              method
                        : "polkit could not decide (" + error->getName() + ": " +
                              error->getMessage() + ")";
                log_denial(caller, action, method, why);
                done({polkit_missing(*error) ? Verdict::Unavailable : Verdict::Denied,
                      "Access denied for " + method + ": " + why});
                return;
            }
            const bool authorized = std::get<0>(result);
            const bool challenge = std::get<1>(result);
            if (authorized) {
                done({Verdict::Allowed, {}});
                return;
            }
            if (challenge) {
                log_denial(caller, action, method, "authentication required");
                // With the flag set, polkit already tried an agent: none answered.
                done({Verdict::InteractiveRequired,
                      caller.interactive_allowed
                          ? "Authentication is required for " + method + " (" + id +
                                ") but no authentication agent answered: run it from a "
                                "desktop session or a terminal (maintenancectl starts "
                                "pkttyagent), or as root"
                          : "Interactive authentication is required for " + method + " (" + id +
                                "): allow it on the call (busctl "
                                "--allow-interactive-authorization=yes; maintenancectl asks on a "
                                "terminal unless --no-ask-password)"});
                return;
            }
            log_denial(caller, action, method, "not authorized");
            done({Verdict::Denied, "Access denied: UID " + std::to_string(caller.uid) +
                                       " may not call " + method + " (polkit action " + id + ")"});
        });
}

}  // namespace maint
