// Tests of the bound on authorization checks waiting for polkit (system/polkit_authorizer's
// PendingChecks): per uid and in total, slots given back when their last copy goes, refusals
// that say which bound was hit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "system/polkit_authorizer.hpp"

namespace maint {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(PendingChecks, OneUidGetsAtMostItsShare) {
    PendingChecks checks(3, 10);
    std::vector<PendingChecks::Slot> held;
    for (int i = 0; i < 3; ++i) {
        auto taken = checks.take(1000);
        ASSERT_TRUE(taken.slot) << taken.refused;
        held.push_back(taken.slot);
    }
    const auto refused = checks.take(1000);
    EXPECT_FALSE(refused.slot);
    EXPECT_THAT(refused.refused, AllOf(HasSubstr("UID 1000"), HasSubstr("at most 3")));
    EXPECT_TRUE(checks.take(1001).slot) << "another uid is not held up";
    EXPECT_EQ(checks.waiting(1000), 3u);
    held.pop_back();  // one check answered
    EXPECT_EQ(checks.waiting(1000), 2u);
    EXPECT_TRUE(checks.take(1000).slot);
}

TEST(PendingChecks, AllUidsTogetherGetAtMostTheTotal) {
    PendingChecks checks(2, 5);
    std::vector<PendingChecks::Slot> held;
    for (Uid uid = 1000; held.size() < 5; ++uid) {
        for (int i = 0; i < 2 && held.size() < 5; ++i)
            held.push_back(checks.take(uid).slot);
    }
    for (const auto& s : held)
        ASSERT_TRUE(s);
    EXPECT_EQ(checks.waiting(), 5u);
    const auto refused = checks.take(2000);
    EXPECT_FALSE(refused.slot);
    EXPECT_THAT(refused.refused, AllOf(HasSubstr("at most 5"), HasSubstr("try again")));
    held.clear();
    EXPECT_EQ(checks.waiting(), 0u);
    EXPECT_TRUE(checks.take(2000).slot);
}

TEST(PendingChecks, ASlotIsGivenBackWhenItsLastCopyGoes) {
    PendingChecks checks(1, 1);
    auto slot = checks.take(1000).slot;
    ASSERT_TRUE(slot);
    auto copy = slot;
    slot.reset();
    EXPECT_EQ(checks.waiting(), 1u);
    EXPECT_FALSE(checks.take(1000).slot);
    copy.reset();
    EXPECT_EQ(checks.waiting(), 0u);
    EXPECT_EQ(checks.waiting(1000), 0u);
}

TEST(PendingChecks, TheDefaultsStayWellBelowDbusDaemonsReplyCap) {
    // dbus-daemon lets a connection await 128 replies (max_replies_per_connection); the daemon's
    // own calls to systemd and logind need some of them.
    EXPECT_LE(PendingChecks::kTotal, 64u);
    EXPECT_LT(PendingChecks::kPerUid, PendingChecks::kTotal);
}

TEST(PendingChecks, ASlotMayOutliveTheCounter) {
    PendingChecks::Slot slot;
    {
        PendingChecks checks;
        slot = checks.take(1000).slot;
    }
    slot.reset();  // gives back nothing, touches nothing
    SUCCEED();
}

}  // namespace
}  // namespace maint
