// Tests of the Asio <-> sd-bus pump (daemon/bus/bus_pump) on a real io_context, with a stand-in
// bus: an eventfd as the bus's descriptor, and the poll events, deadline and queue that the test
// sets as sd-bus would. Checked: what a handler leaves for sd-bus to do (a deadline, a write) is
// done without anyone telling the pump; a flood of messages does not keep the other handlers
// from running; an idle bus is armed once and never again.
#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <thread>

#include <gtest/gtest.h>

#include "bus/bus_pump.hpp"

namespace maint::bus {
namespace {

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

std::uint64_t monotonic_usec() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::uint64_t(ts.tv_sec) * 1000000u + std::uint64_t(ts.tv_nsec) / 1000u;
}

class FakeBus final : public PumpedBus {
  public:
    FakeBus() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
    ~FakeBus() override { close(fd_); }
    FakeBus(const FakeBus&) = delete;
    FakeBus& operator=(const FakeBus&) = delete;

    sdbus::IConnection::PollData poll_data() const override {
        // As sd-bus: messages already read make the timeout "now".
        return {fd_, events, queued > 0 ? 0 : deadline};
    }

    // One step, as sd_bus_process: a queued message, else a pending write, else a due deadline.
    bool process_one() override {
        if (queued > 0) {
            if (queued != kNever)
                --queued;
            ++dispatched;
            if (on_dispatched)
                on_dispatched();
            return true;
        }
        if (events & POLLOUT) {
            events = POLLIN;
            ++flushed;
            if (on_flushed)
                on_flushed();
            return true;
        }
        if (deadline != kNever && monotonic_usec() >= deadline) {
            deadline = kNever;
            ++timed_out;
            if (on_timed_out)
                on_timed_out();
            return true;
        }
        return false;
    }

    short events = POLLIN;
    std::uint64_t deadline = kNever;
    std::uint64_t queued = 0;  // kNever: a flood that never ends
    std::uint64_t dispatched = 0;
    int flushed = 0;
    int timed_out = 0;
    std::function<void()> on_dispatched;
    std::function<void()> on_flushed;
    std::function<void()> on_timed_out;

  private:
    int fd_;
};

class BusPumpTest : public ::testing::Test {
  protected:
    BusPumpTest() : guard_(io_) {
        // A pump that never gets round to what the test waits for would run forever.
        guard_.expires_after(std::chrono::seconds(20));
        guard_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) {
                gave_up_ = true;
                io_.stop();
            }
        });
    }

    // Runs the pump with a timer ticking every millisecond (another handler that wants its
    // turns); stops it at the n-th tick. Returns the ticks seen.
    int run_ticking(BusPump& pump, int n) {
        int ticks = 0;
        boost::asio::steady_timer tick(io_);
        std::function<void()> again = [&] {
            tick.expires_after(std::chrono::milliseconds(1));
            tick.async_wait([&](const boost::system::error_code& ec) {
                if (ec)
                    return;
                if (++ticks == n) {
                    pump.stop();
                    return;
                }
                again();
            });
        };
        again();
        pump.run();
        return ticks;
    }

    boost::asio::io_context io_;
    FakeBus bus_;
    boost::asio::steady_timer guard_;
    bool gave_up_ = false;
};

TEST_F(BusPumpTest, ActsOnADeadlineThatAHandlerStartedWithoutBeingTold) {
    BusPump pump(io_, bus_);
    // A handler that is no bus callback (a timer, a child's exit) starts a call: sd-bus now has
    // a reply deadline in 20 ms, which it must be asked about when it passes.
    boost::asio::steady_timer later(io_, std::chrono::milliseconds(5));
    later.async_wait(
        [this](const boost::system::error_code&) { bus_.deadline = monotonic_usec() + 20000; });
    bus_.on_timed_out = [&] { pump.stop(); };
    pump.run();
    EXPECT_FALSE(gave_up_) << "the deadline set in a handler was never acted on";
    EXPECT_EQ(bus_.timed_out, 1);
}

TEST_F(BusPumpTest, FlushesWhatAHandlerLeftUnwritten) {
    BusPump pump(io_, bus_);
    // A reply sent from a handler that the socket took only in part: sd-bus asks for POLLOUT.
    boost::asio::post(io_, [this] { bus_.events = POLLIN | POLLOUT; });
    bus_.on_flushed = [&] { pump.stop(); };
    pump.run();
    EXPECT_FALSE(gave_up_) << "the rest of the write was never flushed";
    EXPECT_EQ(bus_.flushed, 1);
}

TEST_F(BusPumpTest, AFloodOfMessagesLeavesTurnsForTheOtherHandlers) {
    BusPump pump(io_, bus_, PumpLimits{16, std::chrono::seconds(10)});
    bus_.queued = kNever;
    const int ticks = run_ticking(pump, 5);
    EXPECT_FALSE(gave_up_);
    EXPECT_EQ(ticks, 5) << "the timer starved behind the bus";
    EXPECT_GT(bus_.dispatched, 16u) << "the bus was served more than one turn meanwhile";
}

TEST_F(BusPumpTest, ASlowFloodEndsTheTurnAtItsTimeLimit) {
    // Every message takes 1 ms (a costly enumeration); the turn may hold 1,000 of them but only
    // 5 ms. Five timer ticks later the bus has had about five turns, not five seconds' worth.
    BusPump pump(io_, bus_, PumpLimits{1000, std::chrono::milliseconds(5)});
    bus_.queued = kNever;
    bus_.on_dispatched = [] { std::this_thread::sleep_for(std::chrono::milliseconds(1)); };
    const int ticks = run_ticking(pump, 5);
    EXPECT_EQ(ticks, 5);
    EXPECT_LT(bus_.dispatched, 200u) << "turns were not cut at their time limit";
}

TEST_F(BusPumpTest, AnIdleBusIsArmedOnceWhateverElseRuns) {
    BusPump pump(io_, bus_);
    int ran = 0;
    for (int i = 0; i < 1000; ++i)
        boost::asio::post(io_, [&] { ++ran; });
    boost::asio::post(io_, [&] { pump.stop(); });
    pump.run();
    EXPECT_EQ(ran, 1000);
    EXPECT_EQ(pump.arms(), 1u) << "re-armed although sd-bus's poll data never changed";
}

TEST_F(BusPumpTest, ReturnsWhenStoppedFromOutsideTheBus) {
    BusPump pump(io_, bus_);
    boost::asio::steady_timer soon(io_, std::chrono::milliseconds(1));
    soon.async_wait([&](const boost::system::error_code&) { pump.stop(); });
    pump.run();
    EXPECT_FALSE(gave_up_);
    pump.run();  // a second run after stop returns at once
    EXPECT_FALSE(gave_up_);
}

}  // namespace
}  // namespace maint::bus
