// Tests of the in-process Scheduler (system/internal_scheduler) on a real Boost.Asio io_context
// and a real CLOCK_REALTIME timerfd: firing once with the right (id, kind), past timers firing
// promptly but never from inside arm(), re-arming, disarming, reconciling and re-arming from the
// handler.
#include "system/internal_scheduler.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <utility>
#include <vector>

#include "common/timestamp.hpp"

namespace maint {
namespace {

using namespace std::chrono_literals;
using Fired = std::pair<WindowId, TimerKind>;

constexpr Usec kMsec = 1000;

class InternalSchedulerTest : public ::testing::Test {
  protected:
    InternalSchedulerTest() : scheduler_(io_) {
        scheduler_.set_handler([this](WindowId id, TimerKind kind) {
            fired_.emplace_back(id, kind);
            fired_at_.push_back(realtime_now());
            if (on_fire_)
                on_fire_(id, kind);
        });
    }

    // Runs the loop until `count` timers fired or `limit` passed.
    void run_until_fired(std::size_t count, std::chrono::milliseconds limit = 2000ms) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (fired_.size() < count && std::chrono::steady_clock::now() < deadline) {
            io_.run_one_until(deadline);
            if (io_.stopped())
                io_.restart();
        }
    }
    // Runs the loop for `span`, whatever fires.
    void run_for(std::chrono::milliseconds span) {
        io_.run_for(span);
        io_.restart();
    }

    boost::asio::io_context io_;  // declared first: outlives the scheduler's descriptor
    InternalScheduler scheduler_;
    std::vector<Fired> fired_;
    std::vector<Usec> fired_at_;
    std::function<void(WindowId, TimerKind)> on_fire_;
};

TEST_F(InternalSchedulerTest, ATimerAheadFiresOnceWithItsIdAndKind) {
    const Usec when = realtime_now() + 50 * kMsec;
    scheduler_.arm(3, {{TimerKind::Start, when}});
    run_until_fired(1);
    ASSERT_EQ(fired_.size(), 1u);
    EXPECT_EQ(fired_[0], Fired(3, TimerKind::Start));
    EXPECT_GE(fired_at_[0], when) << "fired before its time";
    EXPECT_LT(fired_at_[0], when + 1000 * kMsec) << "fired far too late";
    run_for(200ms);
    EXPECT_EQ(fired_.size(), 1u) << "a fired timer fired again";
}

TEST_F(InternalSchedulerTest, APastTimerFiresPromptlyButNotFromInsideArm) {
    const Usec armed_at = realtime_now();
    scheduler_.arm(1, {{TimerKind::End, armed_at - 10 * kUsecPerSec}});
    EXPECT_TRUE(fired_.empty()) << "the handler ran synchronously inside arm()";
    run_until_fired(1);
    ASSERT_EQ(fired_.size(), 1u);
    EXPECT_EQ(fired_[0], Fired(1, TimerKind::End));
    EXPECT_LT(fired_at_[0], armed_at + 500 * kMsec) << "a due timer was not prompt";
}

TEST_F(InternalSchedulerTest, TimeZeroCountsAsPast) {
    scheduler_.arm(1, {{TimerKind::Upcoming, 0}});
    EXPECT_TRUE(fired_.empty());
    run_until_fired(1, 1000ms);
    ASSERT_EQ(fired_.size(), 1u);
    EXPECT_EQ(fired_[0], Fired(1, TimerKind::Upcoming));
}

TEST_F(InternalSchedulerTest, ReconcileNeverFiresSynchronously) {
    scheduler_.reconcile({{4, {{TimerKind::Start, realtime_now() - kUsecPerSec}}}});
    EXPECT_TRUE(fired_.empty());
    run_until_fired(1);
    ASSERT_EQ(fired_.size(), 1u);
    EXPECT_EQ(fired_[0], Fired(4, TimerKind::Start));
}

TEST_F(InternalSchedulerTest, ReArmingReplacesTheWindowsTimers) {
    const Usec now = realtime_now();
    scheduler_.arm(1, {{TimerKind::Start, now + 40 * kMsec}});
    scheduler_.arm(1, {{TimerKind::End, now + 80 * kMsec}});
    run_until_fired(1);
    run_for(200ms);
    ASSERT_EQ(fired_.size(), 1u);
    EXPECT_EQ(fired_[0], Fired(1, TimerKind::End));
}

TEST_F(InternalSchedulerTest, ArmingLaterPostponesAPastTimer) {
    const Usec now = realtime_now();
    scheduler_.arm(1, {{TimerKind::Start, now - kUsecPerSec}});
    scheduler_.arm(1, {{TimerKind::Start, now + 300 * kMsec}});
    run_for(100ms);
    EXPECT_TRUE(fired_.empty()) << "the replaced, past timer still fired";
    run_until_fired(1);
    ASSERT_EQ(fired_.size(), 1u);
    EXPECT_GE(fired_at_[0], now + 300 * kMsec);
}

TEST_F(InternalSchedulerTest, AnEmptyListDisarms) {
    const Usec now = realtime_now();
    scheduler_.arm(1, {{TimerKind::Start, now + 30 * kMsec}, {TimerKind::End, now + 60 * kMsec}});
    scheduler_.arm(2, {{TimerKind::End, now + 90 * kMsec}});
    scheduler_.arm(1, {});
    run_until_fired(1);
    run_for(150ms);
    ASSERT_EQ(fired_.size(), 1u);
    EXPECT_EQ(fired_[0], Fired(2, TimerKind::End));
}

TEST_F(InternalSchedulerTest, DisarmingEverythingFiresNothing) {
    scheduler_.arm(1, {{TimerKind::Start, realtime_now() - kUsecPerSec}});
    scheduler_.arm(1, {});
    run_for(200ms);
    EXPECT_TRUE(fired_.empty());
}

TEST_F(InternalSchedulerTest, ReconcileDropsStrayWindows) {
    const Usec now = realtime_now();
    scheduler_.arm(1, {{TimerKind::Start, now + 30 * kMsec}});
    scheduler_.arm(2, {{TimerKind::Start, now + 30 * kMsec}});
    scheduler_.arm(3, {{TimerKind::End, now - kUsecPerSec}});
    scheduler_.reconcile({{2, {{TimerKind::Upcoming, now + 60 * kMsec}}}, {5, {}}});
    run_until_fired(1);
    run_for(150ms);
    ASSERT_EQ(fired_.size(), 1u);
    EXPECT_EQ(fired_[0], Fired(2, TimerKind::Upcoming));
}

TEST_F(InternalSchedulerTest, EachTimerOfAWindowFiresOnceInTimeOrder) {
    const Usec now = realtime_now();
    scheduler_.arm(7, {{TimerKind::Upcoming, now + 30 * kMsec},
                       {TimerKind::Start, now + 80 * kMsec},
                       {TimerKind::End, now + 130 * kMsec}});
    run_until_fired(3);
    run_for(100ms);
    ASSERT_EQ(fired_.size(), 3u);
    EXPECT_EQ(fired_[0], Fired(7, TimerKind::Upcoming));
    EXPECT_EQ(fired_[1], Fired(7, TimerKind::Start));
    EXPECT_EQ(fired_[2], Fired(7, TimerKind::End));
}

TEST_F(InternalSchedulerTest, TimersOfSeveralWindowsAllFire) {
    const Usec now = realtime_now();
    scheduler_.arm(1, {{TimerKind::End, now + 60 * kMsec}});
    scheduler_.arm(2, {{TimerKind::Start, now + 20 * kMsec}});
    run_until_fired(2);
    ASSERT_EQ(fired_.size(), 2u);
    EXPECT_EQ(fired_[0], Fired(2, TimerKind::Start));
    EXPECT_EQ(fired_[1], Fired(1, TimerKind::End));
}

TEST_F(InternalSchedulerTest, AHandlerMayReArmFromInsideTheCallback) {
    on_fire_ = [this](WindowId id, TimerKind kind) {
        if (kind == TimerKind::Start)
            scheduler_.arm(id, {{TimerKind::End, realtime_now() + 30 * kMsec}});
    };
    scheduler_.arm(9, {{TimerKind::Start, realtime_now() + 20 * kMsec}});
    run_until_fired(2);
    run_for(100ms);
    ASSERT_EQ(fired_.size(), 2u);
    EXPECT_EQ(fired_[0], Fired(9, TimerKind::Start));
    EXPECT_EQ(fired_[1], Fired(9, TimerKind::End));
}

TEST_F(InternalSchedulerTest, AHandlerMayArmAPastTimerFromInsideTheCallback) {
    int depth = 0;
    on_fire_ = [&](WindowId id, TimerKind kind) {
        ++depth;
        EXPECT_EQ(depth, 1) << "the handler was re-entered from arm()";
        if (kind == TimerKind::Start)
            scheduler_.arm(id, {{TimerKind::End, 1}});
        --depth;
    };
    scheduler_.arm(9, {{TimerKind::Start, 1}});
    run_until_fired(2);
    ASSERT_EQ(fired_.size(), 2u);
    EXPECT_EQ(fired_[1], Fired(9, TimerKind::End));
}

}  // namespace
}  // namespace maint
