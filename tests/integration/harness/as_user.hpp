// Calls made as another user: a forked child drops to that uid/gid (and the user's supplementary
// groups, as a login would set them), opens its own sd-bus connection to the private bus, makes
// the calls, and reports each outcome (the D-Bus error name and message, or success) back over a
// pipe.
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>

#include <functional>
#include <string>
#include <vector>

namespace maint::it {

inline constexpr uid_t kNobodyUid = 65534;
inline constexpr gid_t kNobodyGid = 65534;

struct UserCall {
    std::string label;  // names the result
    std::string path;
    std::string interface;
    std::string member;
    // Appends the call's arguments (runs in the child); empty: no arguments.
    std::function<int(sd_bus_message*)> append;
    std::string destination = "org.example.Maintenance1";
    // Sets the allow-interactive-authorization flag on the call (busctl
    // --allow-interactive-authorization=yes).
    bool allow_interactive = false;
};

// Who a child runs as: uid, primary gid and supplementary groups.
struct UserIdentity {
    std::string name;  // for messages; may be empty
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;  // empty: none
};

// `user` as NSS knows it, with the supplementary groups initgroups() would give it (so a bus
// peer's groups are what polkit's isInGroup() sees). Throws std::runtime_error when unknown.
UserIdentity identity_of(const std::string& user);

struct UserCallResult {
    std::string label;
    bool ok = false;
    std::string error_name;  // empty when ok
    std::string error_message;
    std::string describe() const;
};

// Runs `calls` in order as uid/gid on the bus at `address`. Throws
// std::runtime_error when the child cannot be set up (dropping privileges, connecting).
std::vector<UserCallResult> call_as_user(uid_t uid, gid_t gid, const std::string& address,
                                         const std::vector<UserCall>& calls);
// The same as `who` (uid, gid and supplementary groups).
std::vector<UserCallResult> call_as_user(const UserIdentity& who, const std::string& address,
                                         const std::vector<UserCall>& calls);

}  // namespace maint::it
