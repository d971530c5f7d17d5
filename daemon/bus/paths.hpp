// Object paths of the contract.
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "core/window.hpp"

namespace maint::bus {

inline constexpr const char* kBusName = "org.example.Maintenance1";
inline constexpr const char* kManagerPath = "/org/example/Maintenance1";
inline constexpr const char* kWindowPrefix = "/org/example/Maintenance1/window";
inline constexpr const char* kManagerInterface = "org.example.Maintenance1.Manager";
inline constexpr const char* kWindowInterface = "org.example.Maintenance1.Window";
inline constexpr const char* kTimersInterface = "org.example.Maintenance1.Timers";

inline std::string window_path(WindowId id) {
    return std::string(kWindowPrefix) + "/" + std::to_string(id);
}

// The id in "/org/example/Maintenance1/window/<id>": decimal, no sign, no leading zero.
inline std::optional<WindowId> window_id_of(std::string_view path) {
    const std::string prefix = std::string(kWindowPrefix) + "/";
    if (path.substr(0, prefix.size()) != prefix)
        return std::nullopt;
    const std::string_view digits = path.substr(prefix.size());
    if (digits.empty() || digits[0] == '0')
        return std::nullopt;
    WindowId id = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (ec != std::errc() || end != digits.data() + digits.size())
        return std::nullopt;
    return id;
}

}  // namespace maint::bus
