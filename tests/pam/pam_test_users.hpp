// The users of the PAM tests, real entries of /etc/passwd and /etc/group because the module asks
// NSS: `pam_admin` (a supplementary member of the admin group `pam_maintadm`), `pam_primary`
// (whose primary group is `pam_maintadm`) and `pam_user` (in no admin group). They have names of
// their own, not the integration tests' `maintadmin`, so that the two suites, which ctest runs in
// parallel, never create or delete each other's entries.
//
// useradd and userdel take a second or more each, so they are created once per ctest run by the
// fixture test `pam.test-users.create` and removed by `pam.test-users.remove`; a test binary run by
// hand creates what is missing and removes it again at its end (a gtest Environment). Every
// process holds a shared flock() on /run/maint-pam-test-users.lock while it uses them and
// creates or removes them only under the exclusive lock; /run/maint-pam-test-users.state lists
// what the tests created, and nothing else is ever removed.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace maint::pamtest {

inline constexpr const char* kAdminGroup = "pam_maintadm";
inline constexpr const char* kSupplementaryAdmin = "pam_admin";
inline constexpr const char* kPrimaryAdmin = "pam_primary";
inline constexpr const char* kPlainUser = "pam_user";

// Makes sure the users exist and holds them for the rest of the process. Returns nullopt when
// they do, else why they cannot (not root, shadow tools missing, a clashing existing entry).
std::optional<std::string> ensure_test_users();

// Ends this process's hold; when this process created any of the users and no other process
// holds them, removes everything the tests created.
void release_test_users();

// Waits until no process holds the users, then removes everything the tests created. Returns
// false (with a message on stderr) when something could not be removed.
bool remove_test_users();

class TestUsersEnvironment : public ::testing::Environment {
  public:
    void TearDown() override { release_test_users(); }
};

}  // namespace maint::pamtest
