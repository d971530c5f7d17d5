// Messages on stderr, one line each, prefixed with the program's name: under systemd they go to
// the journal with the unit, in a terminal they read as any tool's.
#pragma once

#include <cstdio>
#include <string>

namespace maint::notify {

inline void log_message(const std::string& text) {
    std::fprintf(stderr, "maintenance-notify: %s\n", text.c_str());
}

}  // namespace maint::notify
