// The one place that asks NSS about users and groups (getpw*_r, getgr*_r, getgrouplist), with
// buffers that grow until an entry fits, so that LDAP and SSSD entries of any size are read.
// Used by the daemon (who is an admin, mail audiences, names in the log) and by maintenancectl
// (user names in its output). NSS is asked each time: nothing is cached.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace maint::nss {

struct User {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;  // the primary group
};

std::optional<User> user_by_uid(uid_t uid);
std::optional<User> user_by_name(const std::string& name);
// The user name of `uid`, or its number as text when NSS does not know it.
std::string user_name(uid_t uid);

std::optional<gid_t> group_id(const std::string& group);
// Every group `user` is in: its primary group and the supplementary ones.
std::vector<gid_t> groups_of(const User& user);
// The members of `group`: those listed in it and those whose primary group it is, sorted,
// without duplicates. The latter needs a walk over the whole passwd database (getpwent), the
// only way NSS answers "whose primary group is G": cheap for /etc/passwd, one enumeration of
// the directory for LDAP or SSSD, and where enumeration is disabled (SSSD's default) such users
// are simply not found. Nullopt when NSS does not know the group.
std::optional<std::vector<std::string>> group_members(const std::string& group);

}  // namespace maint::nss
