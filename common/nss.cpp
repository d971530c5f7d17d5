// See nss.hpp.
#include "common/nss.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace maint::nss {
namespace {

constexpr std::size_t kMaxBuffer = 1u << 20;

// Calls `call(buffer)` (a getpw*_r or getgr*_r) with a buffer that doubles while it answers
// ERANGE, up to 1 MiB. Returns its result.
template <class Call>
int with_buffer(Call&& call) {
    std::vector<char> buf(1024);
    for (;;) {
        const int r = call(buf);
        if (r != ERANGE || buf.size() >= kMaxBuffer)
            return r;
        buf.resize(buf.size() * 2);
    }
}

User from(const passwd& pw) {
    return {pw.pw_name, pw.pw_uid, pw.pw_gid};
}

}  // namespace

std::optional<User> user_by_uid(uid_t uid) {
    std::optional<User> user;
    with_buffer([&](std::vector<char>& buf) {
        passwd pw{};
        passwd* found = nullptr;
        const int r = ::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found);
        if (r == 0 && found)
            user = from(pw);
        return r;
    });
    return user;
}

std::optional<User> user_by_name(const std::string& name) {
    std::optional<User> user;
    with_buffer([&](std::vector<char>& buf) {
        passwd pw{};
        passwd* found = nullptr;
        const int r = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
        if (r == 0 && found)
            user = from(pw);
        return r;
    });
    return user;
}

std::string user_name(uid_t uid) {
    const auto user = user_by_uid(uid);
    return user ? user->name : std::to_string(uid);
}

std::optional<gid_t> group_id(const std::string& name) {
    std::optional<gid_t> gid;
    with_buffer([&](std::vector<char>& buf) {
        group gr{};
        group* hit = nullptr;
        const int r = ::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &hit);
        if (r == 0 && hit)
            gid = gr.gr_gid;
        return r;
    });
    return gid;
}

std::vector<gid_t> groups_of(const User& user) {
    int count = 32;
    std::vector<gid_t> gids(static_cast<std::size_t>(count));
    while (::getgrouplist(user.name.c_str(), user.gid, gids.data(), &count) < 0) {
        if (count > 65536)
            return {user.gid};
        gids.resize(static_cast<std::size_t>(count) * 2);
        count = static_cast<int>(gids.size());
    }
    gids.resize(static_cast<std::size_t>(count));
    return gids;
}

std::optional<std::vector<std::string>> group_members(const std::string& name) {
    std::optional<gid_t> gid;
    std::vector<std::string> members;
    with_buffer([&](std::vector<char>& buf) {
        group gr{};
        group* hit = nullptr;
        const int r = ::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &hit);
        if (r == 0 && hit) {
            gid = gr.gr_gid;
            members.clear();
            for (char** m = gr.gr_mem; m && *m; ++m)
                members.emplace_back(*m);
        }
        return r;
    });
    if (!gid)
        return std::nullopt;
    ::setpwent();
    std::vector<char> buf(4096);
    for (;;) {
        passwd pw{};
        passwd* found = nullptr;
        const int r = ::getpwent_r(&pw, buf.data(), buf.size(), &found);
        if (r == ERANGE && buf.size() < kMaxBuffer) {
            buf.resize(buf.size() * 2);
            continue;
        }
        if (r != 0 || !found)
            break;
        if (pw.pw_gid == *gid)
            members.emplace_back(pw.pw_name);
    }
    ::endpwent();
    std::sort(members.begin(), members.end());
    members.erase(std::unique(members.begin(), members.end()), members.end());
    return members;
}

}  // namespace maint::nss
