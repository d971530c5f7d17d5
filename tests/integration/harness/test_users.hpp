// The test users of the polkit tests: `maint_admin` (a member of the group `maintadmin`, which the
// project's sample rules file grants every action) and `maint_user` (a plain user). They are real
// entries of /etc/passwd and /etc/group, because polkitd looks the caller's groups up through NSS
// from the uid of its bus name.
//
// Created with useradd/groupadd when missing, the first time a test process asks for them; removed
// again (only what the tests created) when the last test process that used them releases them.
// ctest runs test processes in parallel, so the bookkeeping is shared between processes: a lock
// file and a state file under /run list what was created and which live processes still use it.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace maint::it {

inline constexpr const char* kAdminUser = "maint_admin";
inline constexpr const char* kPlainUser = "maint_user";
inline constexpr const char* kAdminGroup = "maintadmin";

// Makes sure both users (and the group, with maint_admin in it) exist, once per process. Returns
// nullopt when they do, else why they cannot (not root, useradd missing or failing).
std::optional<std::string> ensure_test_users();

// Gives this process's hold on the users up; removes what the tests created once no other live
// test process holds them. Does nothing when ensure_test_users() was not called.
void release_test_users();

// Releases the users at the end of the test binary's run.
class TestUsersEnvironment : public ::testing::Environment {
  public:
    void TearDown() override { release_test_users(); }
};

}  // namespace maint::it
