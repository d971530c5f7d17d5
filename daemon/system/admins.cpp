// See admins.hpp.
#include "system/admins.hpp"

#include <algorithm>

#include "common/nss.hpp"

namespace maint {

bool AdminGroups::is_admin(uid_t uid) const {
    if (uid == 0)
        return true;
    const auto user = nss::user_by_uid(uid);
    if (!user)
        return false;
    const auto gids = nss::groups_of(*user);
    return std::any_of(groups_.begin(), groups_.end(), [&](const std::string& g) {
        const auto gid = nss::group_id(g);  // a group that does not exist has no members
        return gid && std::find(gids.begin(), gids.end(), *gid) != gids.end();
    });
}

std::string user_name(uid_t uid) {
    return nss::user_name(uid);
}

}  // namespace maint
