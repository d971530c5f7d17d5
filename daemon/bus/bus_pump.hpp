// Drives an sdbus-c++ connection from the daemon's one Asio event loop: the bus fd in a
// stream_descriptor (released, never closed: the connection owns it) and a steady_timer for
// sd-bus's own timeouts (CLOCK_MONOTONIC, as steady_clock is on Linux). No thread of its own.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>

#include <sdbus-c++/IConnection.h>

namespace maint::bus {

class BusPump {
  public:
    BusPump(boost::asio::io_context& io, sdbus::IConnection& connection);
    ~BusPump();
    BusPump(const BusPump&) = delete;
    BusPump& operator=(const BusPump&) = delete;

    // Processes what is pending and waits for more.
    void start();
    // After something was sent outside a bus callback (a late reply, a signal from a timer):
    // flushes and re-arms for the new poll events and timeout. Cheap; coalesced.
    void kick();
    void stop();

  private:
    void run_once();
    void arm();

    boost::asio::io_context& io_;
    sdbus::IConnection& connection_;
    boost::asio::posix::stream_descriptor fd_;
    boost::asio::steady_timer timer_;
    std::uint64_t generation_ = 0;  // invalidates waits armed before the last arm()
    bool kick_posted_ = false;
    bool stopped_ = false;
};

}  // namespace maint::bus
