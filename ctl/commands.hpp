// Running one parsed maintenancectl command against the daemon: the bus calls, the output, and
// the exit status (0 done, 1 refused, 3 unreachable; usage errors never get this far).
#pragma once

#include "ctl/args.hpp"

namespace maint::ctl {

int run_command(const Invocation& invocation, Usec now);

}  // namespace maint::ctl
