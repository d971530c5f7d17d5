// Object paths of the contract (the names are common/bus_names.hpp's).
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "common/bus_names.hpp"
#include "core/window.hpp"

namespace maint::bus {

using names::kBusName;
using names::kManagerInterface;
using names::kManagerPath;
using names::kTimersInterface;
using names::kWindowInterface;
using names::kWindowPrefix;

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
