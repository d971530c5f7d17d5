// Who sent a method call, asked of the bus driver (never of /proc: that would race with a
// caller that exits and whose PID is reused).
#pragma once

#include <systemd/sd-bus.h>

#include "core/ports.hpp"

namespace maint::bus {

// Throws Error(Errc::AccessDenied) when the bus cannot say who the caller is.
Caller caller_of(sd_bus_message* m);

}  // namespace maint::bus
