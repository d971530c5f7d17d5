// The error vocabulary of the domain. The bus face maps each code to its D-Bus error name
// (daemon/bus/errors.hpp); every message says what was wrong and what to do.
#pragma once

#include <stdexcept>
#include <string>

namespace maint {

enum class Errc {
    AlreadyScheduled,
    NoSuchWindow,
    NoSuchHost,
    InvalidState,
    NotReady,
    HostFailed,
    InvalidArgs,
    AccessDenied,
    InteractiveAuthorizationRequired,
    NotSupported,
    Busy,    // a bounded queue is full (probes, authorization checks): try again later
    Failed,  // an internal failure (e.g. the database could not be written)
};

class Error : public std::runtime_error {
  public:
    Error(Errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
    Errc code() const noexcept { return code_; }

  private:
    Errc code_;
};

}  // namespace maint
