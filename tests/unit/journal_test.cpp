// The daemon's own log lines, as they reach stderr outside the journal: the sentences a reader
// of `journalctl -u maintenanced` sees.
#include "system/journal.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace maint {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string logged(const std::function<void(journal::LifecycleLog&)>& event) {
    journal::LifecycleLog log;
    ::testing::internal::CaptureStderr();
    event(log);
    return ::testing::internal::GetCapturedStderr();
}

TEST(JournalTest, AHostsStateIsASentence) {
    EXPECT_EQ(logged([](auto& l) { l.host_state_changed("demo-node", HostState::Maintenance); }),
              "<5>Host demo-node is in maintenance\n");
    EXPECT_EQ(logged([](auto& l) { l.host_state_changed("demo-node", HostState::Normal); }),
              "<5>Host demo-node is out of maintenance\n");
    EXPECT_EQ(logged([](auto& l) { l.host_state_changed("demo-node", HostState::Unknown); }),
              "<5>Host demo-node is in an unknown state\n");
}

TEST(JournalTest, AHostFlippedByHandSaysWhoAsked) {
    const HostFlip ok{"web1", true, false, HostState::Maintenance, "web1 entered maintenance"};
    EXPECT_EQ(logged([&](auto& l) { l.host_flipped_by_hand(ok, true, 1000); }),
              "<5>Host web1 put into maintenance by UID 1000: web1 entered maintenance\n");
    const HostFlip failed{"db1", false, false, HostState::Unknown, "db1 could not leave"};
    const std::string line = logged([&](auto& l) { l.host_flipped_by_hand(failed, false, 0); });
    EXPECT_THAT(line, HasSubstr("<4>Host db1 could not be put out of maintenance by UID 0"));
    EXPECT_THAT(line, HasSubstr("db1 could not leave"));
    EXPECT_THAT(line, Not(HasSubstr("is unknown")));
}

}  // namespace
}  // namespace maint
