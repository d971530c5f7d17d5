// See admins.hpp.
#include "system/admins.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace maint {
namespace {

// getpw*_r and getgr*_r with a buffer that grows until the entry fits.
template <class Call>
bool with_buffer(Call&& call) {
    std::vector<char> buf(1024);
    for (;;) {
        const int r = call(buf);
        if (r != ERANGE)
            return r == 0;
        if (buf.size() > (1u << 20))
            return false;
        buf.resize(buf.size() * 2);
    }
}

}  // namespace

bool AdminGroups::is_admin(uid_t uid) const {
    if (uid == 0)
        return true;
    passwd pw{};
    passwd* found = nullptr;
    std::string name;
    gid_t primary = 0;
    if (!with_buffer([&](std::vector<char>& buf) {
            const int r = ::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found);
            if (r == 0 && found) {
                name = pw.pw_name;
                primary = pw.pw_gid;
            }
            return r;
        }) ||
        !found)
        return false;
    int count = 32;
    std::vector<gid_t> gids(count);
    while (::getgrouplist(name.c_str(), primary, gids.data(), &count) < 0) {
        if (count > 65536)
            return false;
        gids.resize(static_cast<std::size_t>(count) * 2);
        count = static_cast<int>(gids.size());
    }
    gids.resize(static_cast<std::size_t>(count));
    for (const auto& g : groups_) {
        group gr{};
        group* hit = nullptr;
        if (!with_buffer([&](std::vector<char>& buf) {
                return ::getgrnam_r(g.c_str(), &gr, buf.data(), buf.size(), &hit);
            }) ||
            !hit)
            continue;  // a group that does not exist has no members
        if (std::find(gids.begin(), gids.end(), gr.gr_gid) != gids.end())
            return true;
    }
    return false;
}

std::string user_name(uid_t uid) {
    passwd pw{};
    passwd* found = nullptr;
    std::string name;
    with_buffer([&](std::vector<char>& buf) {
        const int r = ::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found);
        if (r == 0 && found)
            name = pw.pw_name;
        return r;
    });
    return name.empty() ? std::to_string(uid) : name;
}

}  // namespace maint
