// See errors.hpp.
#include "bus/errors.hpp"

#include <string>

namespace maint::bus {

std::string_view error_name(Errc code) {
    switch (code) {
        case Errc::AlreadyScheduled:
            return kErrorAlreadyScheduled;
        case Errc::NoSuchWindow:
            return kErrorNoSuchWindow;
        case Errc::NoSuchHost:
            return kErrorNoSuchHost;
        case Errc::InvalidState:
            return kErrorInvalidState;
        case Errc::NotReady:
            return kErrorNotReady;
        case Errc::HostFailed:
            return kErrorHostFailed;
        case Errc::InvalidArgs:
            return kErrorInvalidArgs;
        case Errc::AccessDenied:
            return kErrorAccessDenied;
        case Errc::InteractiveAuthorizationRequired:
            return kErrorInteractiveAuthorizationRequired;
        case Errc::NotSupported:
            return kErrorNotSupported;
        case Errc::Busy:
            return kErrorBusy;
        case Errc::Failed:
            break;
    }
    return kErrorFailed;
}

sdbus::Error to_sdbus(const Error& e) {
    return sdbus::Error(std::string(error_name(e.code())), e.what());
}

}  // namespace maint::bus
