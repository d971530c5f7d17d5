// Who is an admin, asked of the real NSS of this machine: uid 0 always; a user through the
// primary group; a user through a supplementary group (any group of /etc/group that lists a
// member); nobody through a group that does not exist; an unknown uid never.
#include "system/admins.hpp"

#include <grp.h>
#include <pwd.h>

#include <gtest/gtest.h>

namespace maint {
namespace {

TEST(AdminGroups, RootIsAlwaysAnAdmin) {
    EXPECT_TRUE(AdminGroups({}).is_admin(0));
    EXPECT_TRUE(AdminGroups({"no-such-group-here"}).is_admin(0));
}

TEST(AdminGroups, ThePrimaryGroupCounts) {
    const passwd* nobody = ::getpwnam("nobody");
    ASSERT_NE(nobody, nullptr);
    const group* primary = ::getgrgid(nobody->pw_gid);
    ASSERT_NE(primary, nullptr);
    const uid_t uid = nobody->pw_uid;
    const std::string name = primary->gr_name;
    EXPECT_TRUE(AdminGroups({"sudo", name}).is_admin(uid));
    EXPECT_FALSE(AdminGroups({"sudo", "wheel", "maintadmin-not-here"}).is_admin(uid));
}

TEST(AdminGroups, ASupplementaryGroupCounts) {
    // Any group that lists a member who has another primary group.
    ::setgrent();
    std::string group_name, member;
    while (const group* g = ::getgrent()) {
        for (char** m = g->gr_mem; m && *m; ++m) {
            const passwd* pw = ::getpwnam(*m);
            if (pw && pw->pw_uid != 0 && pw->pw_gid != g->gr_gid) {
                group_name = g->gr_name;
                member = *m;
                break;
            }
        }
        if (!member.empty())
            break;
    }
    ::endgrent();
    if (member.empty())
        GTEST_SKIP() << "no group on this machine lists a supplementary member";
    const uid_t uid = ::getpwnam(member.c_str())->pw_uid;
    EXPECT_TRUE(AdminGroups({"no-such-group-here", group_name}).is_admin(uid))
        << member << " in " << group_name;
}

TEST(AdminGroups, AnUnknownUserIsNotAnAdmin) {
    EXPECT_FALSE(AdminGroups({"root", "sudo"}).is_admin(4'000'000'000u));
    EXPECT_EQ(user_name(4'000'000'000u), "4000000000");
    EXPECT_EQ(user_name(0), "root");
}

}  // namespace
}  // namespace maint
