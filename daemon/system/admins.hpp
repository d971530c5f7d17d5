// Who is an admin: uid 0, and members (primary or supplementary) of [Access] AdminGroups,
// resolved through NSS at the moment of asking, so that LDAP and SSSD users count.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace maint {

class AdminGroups {
  public:
    explicit AdminGroups(std::vector<std::string> groups) : groups_(std::move(groups)) {}
    void set(std::vector<std::string> groups) { groups_ = std::move(groups); }
    const std::vector<std::string>& groups() const { return groups_; }
    // False for a uid NSS does not know (other than 0).
    bool is_admin(uid_t uid) const;

  private:
    std::vector<std::string> groups_;
};

// The user name of `uid`, or its number as text when NSS does not know it.
std::string user_name(uid_t uid);

}  // namespace maint
