// The agent's one loop: its bus connections and the termination signals in one poll(2), on one
// thread. It sleeps until a connection has a message or a signal arrives; the only timeout it
// ever sets is one sd-bus asks for (a pending call's), so an idle agent uses no CPU at all.
#pragma once

#include <string>
#include <vector>

#include <sdbus-c++/IConnection.h>

namespace maint::notify {

struct LoopEnd {
    enum class Reason { Signal, ConnectionLost };
    Reason reason = Reason::Signal;
    std::size_t connection = 0;  // for ConnectionLost: the index into the loop's connections
    std::string what;            // the signal's name, or the connection's error
};

// Blocks SIGTERM, SIGINT and SIGHUP, so that they are delivered to the loop instead; to be called
// before anything starts a thread.
void block_termination_signals();

// Dispatches messages on `connections` until a termination signal arrives or a connection fails.
// Throws std::system_error when it cannot wait.
LoopEnd run_event_loop(const std::vector<sdbus::IConnection*>& connections);

}  // namespace maint::notify
