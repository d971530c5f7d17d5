// Every D-Bus error name maintenanced answers with, and the mapping from the domain's codes.
#pragma once

#include <string_view>

#include <sdbus-c++/Error.h>

#include "core/errors.hpp"

namespace maint::bus {

inline constexpr std::string_view kErrorAlreadyScheduled =
    "org.example.Maintenance1.Error.AlreadyScheduled";
inline constexpr std::string_view kErrorNoSuchWindow =
    "org.example.Maintenance1.Error.NoSuchWindow";
inline constexpr std::string_view kErrorNoSuchHost = "org.example.Maintenance1.Error.NoSuchHost";
inline constexpr std::string_view kErrorInvalidState =
    "org.example.Maintenance1.Error.InvalidState";
inline constexpr std::string_view kErrorNotReady = "org.example.Maintenance1.Error.NotReady";
inline constexpr std::string_view kErrorHostFailed = "org.example.Maintenance1.Error.HostFailed";
inline constexpr std::string_view kErrorBusy = "org.example.Maintenance1.Error.Busy";
inline constexpr std::string_view kErrorInvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs";
inline constexpr std::string_view kErrorAccessDenied = "org.freedesktop.DBus.Error.AccessDenied";
inline constexpr std::string_view kErrorInteractiveAuthorizationRequired =
    "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired";
inline constexpr std::string_view kErrorNotSupported = "org.freedesktop.DBus.Error.NotSupported";
inline constexpr std::string_view kErrorFailed = "org.freedesktop.DBus.Error.Failed";

std::string_view error_name(Errc code);
sdbus::Error to_sdbus(const Error& e);

}  // namespace maint::bus
