// Who is an admin, asked of the real NSS of this machine: uid 0 always; a user through the
// primary group; a user through a supplementary group (a group and member the test creates); nobody
// through a group that does not exist; an unknown uid never.
#include "system/admins.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

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

int run_quiet(const std::string& command) {
    return std::system((command + " >/dev/null 2>&1").c_str());
}

// A group and a user who is a supplementary member of it (and not through the primary group),
// made for the test and removed after it: a fresh container's /etc/group lists no members, and
// a test that looked for one there passed there without testing anything.
class SupplementaryMember {
  public:
    SupplementaryMember() {
        // Names unique to this process: ctest may run other test processes at the same time.
        const std::string tag = std::to_string(::getpid());
        group_ = "mta" + tag;
        user_ = "mtu" + tag;
        if (run_quiet("groupadd " + group_) != 0)
            return;
        group_made_ = true;
        // -N with no -g: the primary group is useradd's default (users), not group_.
        user_made_ =
            run_quiet("useradd -M -N -s /usr/sbin/nologin -G " + group_ + " " + user_) == 0;
    }
    ~SupplementaryMember() {
        if (user_made_)
            run_quiet("userdel " + user_);
        if (group_made_)
            run_quiet("groupdel " + group_);
    }
    bool made() const { return user_made_; }
    const std::string& group() const { return group_; }
    const std::string& user() const { return user_; }

  private:
    std::string group_, user_;
    bool group_made_ = false, user_made_ = false;
};

TEST(AdminGroups, ASupplementaryGroupCounts) {
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root to create a group and a supplementary member of it";
    SupplementaryMember m;
    ASSERT_TRUE(m.made()) << "could not create group " << m.group() << " and user " << m.user();
    const passwd* pw = ::getpwnam(m.user().c_str());
    ASSERT_NE(pw, nullptr);
    const group* gr = ::getgrnam(m.group().c_str());
    ASSERT_NE(gr, nullptr);
    ASSERT_NE(pw->pw_gid, gr->gr_gid) << "the member must not be in the group by its primary gid";
    const uid_t uid = pw->pw_uid;
    EXPECT_TRUE(AdminGroups({"no-such-group-here", m.group()}).is_admin(uid))
        << m.user() << " in " << m.group();
    EXPECT_FALSE(AdminGroups({"no-such-group-here"}).is_admin(uid));
}

TEST(AdminGroups, AnUnknownUserIsNotAnAdmin) {
    EXPECT_FALSE(AdminGroups({"root", "sudo"}).is_admin(4'000'000'000u));
    EXPECT_EQ(user_name(4'000'000'000u), "4000000000");
    EXPECT_EQ(user_name(0), "root");
}

}  // namespace
}  // namespace maint
