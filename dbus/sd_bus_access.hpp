// The one place where we reach under sdbus-c++ 1.2 to the sd-bus objects it wraps.
//
// sdbus-c++ 1.2 (Debian bookworm) offers neither fallback vtables (which the daemon needs to
// serve thousands of window objects without registering each one: 11 KB per registered object,
// 109 MB for 10,000 windows, measured) nor the allow-interactive-authorization flag (which
// polkit needs). libsystemd offers both, given the sd_bus* and sd_bus_message* that sdbus-c++
// keeps in the protected member Message::msg_. A pointer to that member may be formed through a
// derived class ([class.protected]), which is what MessageAccess does: no layout assumption,
// no cast of an object to a type it is not.
#pragma once

#include <systemd/sd-bus.h>

#include <sdbus-c++/sdbus-c++.h>

namespace maint::busaccess {

struct MessageAccess : sdbus::Message {
    static sd_bus_message* raw(const sdbus::Message& m) {
        constexpr auto member = &MessageAccess::msg_;
        return static_cast<sd_bus_message*>(m.*member);
    }
};

// The sd_bus message behind an sdbus-c++ message (borrowed; sdbus-c++ keeps the reference).
inline sd_bus_message* raw_message(const sdbus::Message& m) {
    return MessageAccess::raw(m);
}

// The sd_bus behind a connection (borrowed; the connection owns it and outlives every use).
inline sd_bus* raw_bus(sdbus::IConnection& connection) {
    auto proxy = sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    auto call = proxy->createMethodCall("org.freedesktop.DBus.Peer", "Ping");
    return sd_bus_message_get_bus(raw_message(call));
}

}  // namespace maint::busaccess
