// See bus_pump.hpp.
#include "bus/bus_pump.hpp"

#include <poll.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <limits>

namespace maint::bus {

BusPump::BusPump(boost::asio::io_context& io, sdbus::IConnection& connection)
    : io_(io), connection_(connection), fd_(io), timer_(io) {}

BusPump::~BusPump() {
    stop();
}

void BusPump::start() {
    fd_.assign(connection_.getEventLoopPollData().fd);
    run_once();
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
}

void BusPump::kick() {
    if (kick_posted_ || stopped_)
        return;
    kick_posted_ = true;
    boost::asio::post(io_, [this] {
        kick_posted_ = false;
        if (!stopped_)
            run_once();
    });
}

void BusPump::run_once() {
    while (connection_.processPendingRequest()) {
    }
    arm();
}

void BusPump::arm() {
    const auto poll = connection_.getEventLoopPollData();
    const std::uint64_t generation = ++generation_;
    boost::system::error_code ignored;
    fd_.cancel(ignored);
    timer_.cancel();

    auto on_event = [this, generation](const boost::system::error_code& ec) {
        if (ec || stopped_ || generation != generation_)
            return;
        run_once();
    };
    if (poll.events & POLLIN) {
        fd_.async_wait(boost::asio::posix::stream_descriptor::wait_read, on_event);
    }
    if (poll.events & POLLOUT) {
        fd_.async_wait(boost::asio::posix::stream_descriptor::wait_write, on_event);
    }
    if (poll.timeout_usec != std::numeric_limits<std::uint64_t>::max()) {
        using namespace std::chrono;
        timer_.expires_at(steady_clock::time_point(
            duration_cast<steady_clock::duration>(microseconds(poll.timeout_usec))));
        timer_.async_wait(on_event);
    }
}

}  // namespace maint::bus
