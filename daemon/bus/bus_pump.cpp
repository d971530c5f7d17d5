// See bus_pump.hpp.
#include "bus/bus_pump.hpp"

#include <poll.h>

#include <chrono>
#include <limits>

namespace maint::bus {
namespace {

class ConnectionBus final : public PumpedBus {
  public:
    explicit ConnectionBus(sdbus::IConnection& connection) : connection_(connection) {}
    sdbus::IConnection::PollData poll_data() const override {
        return connection_.getEventLoopPollData();
    }
    bool process_one() override { return connection_.processPendingRequest(); }

  private:
    sdbus::IConnection& connection_;
};

}  // namespace

BusPump::BusPump(boost::asio::io_context& io, sdbus::IConnection& connection, Limits limits)
    : io_(io),
      owned_(std::make_unique<ConnectionBus>(connection)),
      bus_(*owned_),
      limits_(limits),
      fd_(io),
      timer_(io) {}

BusPump::BusPump(boost::asio::io_context& io, PumpedBus& bus, Limits limits)
    : io_(io), bus_(bus), limits_(limits), fd_(io), timer_(io) {}

BusPump::~BusPump() {
    stop();
}

void BusPump::run() {
    if (stopped_)
        return;
    fd_.assign(bus_.poll_data().fd);
    dispatch();
    // One handler at a time, and after each the bus's waits brought up to date: the handler may
    // have sent something or started a call. Re-arming costs two Asio operations, so it happens
    // only when sd-bus's answer changed; asking is two function calls without a system call.
    while (!stopped_ && io_.run_one())
        sync();
}

void BusPump::stop() {
    if (stopped_)
        return;
    stopped_ = true;
    boost::system::error_code ignored;
    fd_.cancel(ignored);
    timer_.cancel();
    if (fd_.is_open())
        (void)fd_.release();
    io_.stop();
}

void BusPump::dispatch() {
    // Bounded: what is left is still queued in sd-bus (its timeout is then 0) or in the socket
    // (the fd is readable), so the waits armed below fire again at once, behind the handlers
    // that became ready meanwhile.
    const auto deadline = std::chrono::steady_clock::now() + limits_.time_per_turn;
    for (unsigned n = 0; n < limits_.messages_per_turn && !stopped_; ++n) {
        if (!bus_.process_one() || std::chrono::steady_clock::now() >= deadline)
            break;
    }
    armed_ = false;
    sync();
}

void BusPump::sync() {
    if (stopped_)
        return;
    const auto poll = bus_.poll_data();
    if (armed_ && poll.events == armed_events_ && poll.timeout_usec == armed_timeout_)
        return;
    arm(poll);
}

void BusPump::arm(const sdbus::IConnection::PollData& poll) {
    const std::uint64_t generation = ++generation_;
    ++arms_;
    armed_ = true;
    armed_events_ = poll.events;
    armed_timeout_ = poll.timeout_usec;
    boost::system::error_code ignored;
    fd_.cancel(ignored);
    timer_.cancel();

    auto on_event = [this, generation](const boost::system::error_code& ec) {
        if (ec || stopped_ || generation != generation_)
            return;
        dispatch();
    };
    if (poll.events & POLLIN)
        fd_.async_wait(boost::asio::posix::stream_descriptor::wait_read, on_event);
    if (poll.events & POLLOUT)
        fd_.async_wait(boost::asio::posix::stream_descriptor::wait_write, on_event);
    if (poll.timeout_usec != std::numeric_limits<std::uint64_t>::max()) {
        using namespace std::chrono;
        timer_.expires_at(steady_clock::time_point(
            duration_cast<steady_clock::duration>(microseconds(poll.timeout_usec))));
        timer_.async_wait(on_event);
    }
}

}  // namespace maint::bus
