// Drives an sdbus-c++ connection from the daemon's one Asio event loop: the bus fd in a
// stream_descriptor (released, never closed: the connection owns it) and a steady_timer for
// sd-bus's own timeouts (CLOCK_MONOTONIC, as steady_clock is on Linux). No thread of its own.
//
// The pump owns the loop: run() runs one Asio handler at a time and, after each, asks sd-bus
// what it waits for now. A handler that sent a reply or a signal, started a call that awaits a
// reply, or left messages queued changes sd-bus's poll events or timeout, and the pump re-arms
// its waits then (and only then). Nobody else needs to know that sd-bus has to be kept moving.
//
// The pump dispatches at most Limits::messages_per_turn bus messages, for at most
// Limits::time_per_turn, before it yields to the other handlers (timers, child processes, the
// watchdog): a flood of calls from the bus slows their answers, never the rest of the daemon.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

#include <sdbus-c++/IConnection.h>

namespace maint::bus {

// What the pump needs of a bus. sdbus::IConnection has it (see BusPump's constructor); the
// unit tests give a stand-in.
class PumpedBus {
  public:
    virtual ~PumpedBus() = default;
    virtual sdbus::IConnection::PollData poll_data() const = 0;
    // Dispatches one message or does one step of I/O; false when there was nothing to do.
    virtual bool process_one() = 0;
};

struct PumpLimits {
    unsigned messages_per_turn = 64;
    // A turn also ends once it has taken this long: one costly call (GetManagedObjects over a
    // long history takes about 0.3 s for 10,000 windows) holds the loop for itself alone.
    std::chrono::microseconds time_per_turn{10000};
};

class BusPump {
  public:
    using Limits = PumpLimits;

    BusPump(boost::asio::io_context& io, sdbus::IConnection& connection,
            PumpLimits limits = PumpLimits());
    BusPump(boost::asio::io_context& io, PumpedBus& bus, PumpLimits limits = PumpLimits());
    ~BusPump();
    BusPump(const BusPump&) = delete;
    BusPump& operator=(const BusPump&) = delete;

    // Serves the bus and runs the loop until stop() or until the io_context stops or runs out
    // of work.
    void run();
    // Stops waiting on the bus and stops the loop. Safe from a handler.
    void stop();

    // How often the waits were re-armed since the start; for tests and benchmarks.
    std::uint64_t arms() const { return arms_; }

  private:
    void dispatch();
    void sync();
    void arm(const sdbus::IConnection::PollData& poll);

    boost::asio::io_context& io_;
    std::unique_ptr<PumpedBus> owned_;
    PumpedBus& bus_;
    Limits limits_;
    boost::asio::posix::stream_descriptor fd_;
    boost::asio::steady_timer timer_;
    std::uint64_t generation_ = 0;  // invalidates waits armed before the last arm()
    short armed_events_ = 0;
    std::uint64_t armed_timeout_ = 0;
    bool armed_ = false;
    bool stopped_ = false;
    std::uint64_t arms_ = 0;
};

}  // namespace maint::bus
