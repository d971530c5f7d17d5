// The PAM tests' main(): gtest, plus the two fixture steps ctest runs around them
// (--maint-create-test-users, --maint-remove-test-users; see pam_test_users.hpp).
#include <gtest/gtest.h>

#include <cstring>
#include <iostream>

#include "pam_test_users.hpp"

int main(int argc, char** argv) {
    using namespace maint::pamtest;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--maint-create-test-users") == 0) {
            // Not being able to is not a failure here: the tests skip, each saying why.
            if (auto why = ensure_test_users())
                std::cout << "pam test users not created: " << *why << '\n';
            return 0;
        }
        if (std::strcmp(argv[i], "--maint-remove-test-users") == 0)
            return remove_test_users() ? 0 : 1;
    }
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new TestUsersEnvironment);
    return RUN_ALL_TESTS();
}
