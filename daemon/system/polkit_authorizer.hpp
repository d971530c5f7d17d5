// The Authorizer that asks polkit, the way systemd's daemons do (src/shared/bus-polkit.c): the
// caller's unique bus name is the subject, the call is asynchronous so that the daemon keeps
// serving others while polkit (or an authentication agent) thinks, uid 0 is allowed without
// asking, and interactive authentication happens only when the caller allowed it.
//
// Checks that wait for polkit are bounded, per uid and in total: an interactive check may wait
// five minutes for a person, and each waiting check holds one of the replies dbus-daemon lets
// the daemon's connection await (128 on the system bus); beyond the bound a call is refused at
// once with Busy instead of starving every other caller of the daemon.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include "core/ports.hpp"

namespace maint {

// Counts the checks under way, per uid and in total. A check holds a Slot while it waits; the
// slot is given back when the last copy of it goes.
class PendingChecks {
  public:
    static constexpr std::size_t kPerUid = 8;
    static constexpr std::size_t kTotal = 64;

    PendingChecks(std::size_t per_uid = kPerUid, std::size_t total = kTotal)
        : per_uid_(per_uid), total_(total) {}
    PendingChecks(const PendingChecks&) = delete;
    PendingChecks& operator=(const PendingChecks&) = delete;

    using Slot = std::shared_ptr<void>;
    // A slot for `uid`, or the reason there is none (for the Busy reply).
    struct Taken {
        Slot slot;
        std::string refused;
    };
    Taken take(Uid uid);
    std::size_t waiting() const { return waiting_; }
    std::size_t waiting(Uid uid) const;

  private:
    void give_back(Uid uid);
    std::size_t per_uid_;
    std::size_t total_;
    std::size_t waiting_ = 0;
    std::map<Uid, std::size_t> by_uid_;
    // Slots outliving this object (a proxy destroyed after it) give back nothing.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  public:
    ~PendingChecks() { *alive_ = false; }
};

class PolkitAuthorizer final : public Authorizer {
  public:
    explicit PolkitAuthorizer(sdbus::IConnection& connection);
    void authorize(const Caller& caller, Action action, const std::string& method,
                   std::function<void(AuthDecision)> done) override;

  private:
    PendingChecks pending_;  // before authority_: its callbacks hold slots
    std::unique_ptr<sdbus::IProxy> authority_;
};

}  // namespace maint
