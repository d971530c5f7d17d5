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

PendingChecks::Taken PendingChecks::take(Uid uid) {
    if (waiting_ >= total_) {
        return {nullptr, std::to_string(waiting_) +
                             " authorization checks are already waiting for polkit (at most " +
                             std::to_string(total_) + "); try again in a moment"};
    }
    std::size_t& mine = by_uid_[uid];
    if (mine >= per_uid_) {
        return {nullptr, "UID " + std::to_string(uid) + " already has " + std::to_string(mine) +
                             " authorization checks waiting for polkit (at most " +
                             std::to_string(per_uid_) +
                             "); answer or cancel those first, or try again in a moment"};
    }
    ++mine;
    ++waiting_;
    return {Slot(static_cast<void*>(this),
                 [this, uid, alive = alive_](void*) {
                     if (*alive)
                         give_back(uid);
                 }),
            {}};
}

std::size_t PendingChecks::waiting(Uid uid) const {
    const auto it = by_uid_.find(uid);
    return it == by_uid_.end() ? 0 : it->second;
}

void PendingChecks::give_back(Uid uid) {
    --waiting_;
    if (auto it = by_uid_.find(uid); it != by_uid_.end() && --it->second == 0)
        by_uid_.erase(it);
}

PolkitAuthorizer::PolkitAuthorizer(sdbus::IConnection& connection)
    : authority_(sdbus::createProxy(connection, "org.freedesktop.PolicyKit1",
                                    "/org/freedesktop/PolicyKit1/Authority")) {}

void PolkitAuthorizer::authorize(const Caller& caller, Action action, const std::string& method,
                                 std::function<void(AuthDecision)> done) {
    if (caller.uid == 0) {
        done({Verdict::Allowed, {}});
        return;
    }
    auto [slot, refused] = pending_.take(caller.uid);
    if (!slot) {
        log_denial(caller, action, method, refused);
        done({Verdict::Busy, "Too busy to authorize " + method + ": " + refused});
        return;
    }
    const Subject subject{"system-bus-name", {{"name", sdbus::Variant(caller.bus_name)}}};
    const std::uint32_t flags = caller.interactive_allowed ? kAllowUserInteraction : 0;
    const std::string id(action_id(action));
    authority_->callMethodAsync("CheckAuthorization")
        .onInterface(kAuthorityInterface)
        .withTimeout(caller.interactive_allowed ? kInteractiveTimeout : kTimeout)
        .withArguments(subject, id, Details{}, flags, std::string())
        .uponReplyInvoke([caller, action, method, id, done,
                          held = std::make_shared<PendingChecks::Slot>(std::move(slot))](
                             const sdbus::Error* error, sdbus::Struct<bool, bool, Details> result) {
            held->reset();  // answered: the check no longer waits
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
