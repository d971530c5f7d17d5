// Decoding of the a{sv} arguments (ScheduleWindow's options, Update's changes, Start's and
// Complete's options) into the domain's types, with InvalidArgs for an unknown key, a wrongly
// typed value or a key given twice. The same rules whether the dictionary arrived through the
// generated adaptor (sdbus::Variant) or through the window objects' sd-bus vtable.
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <sdbus-c++/Types.h>

#include "core/validation.hpp"

namespace maint::bus {

// A value of a type no option has; kept to say what was sent.
struct OtherType {
    std::string signature;
};
using OptionValue =
    std::variant<bool, std::uint64_t, std::string, std::vector<std::string>, OtherType>;
using OptionList = std::vector<std::pair<std::string, OptionValue>>;

// The value of option `key` as a T, or Error(InvalidArgs) naming the argument, the key and both
// types.
[[noreturn]] void wrong_option_type(std::string_view argument, std::string_view key,
                                    const OptionValue& v, std::string_view signature);
// A list with more than kMaxListEntries entries: Error(InvalidArgs) naming `argument` and `key`
// (everything here runs before authorization, so sizes are checked before contents).
void check_option_list_size(std::string_view argument, std::string_view key, std::size_t size);
template <class T>
const T& option_value(std::string_view argument, std::string_view key, const OptionValue& v,
                      std::string_view signature) {
    if (const T* p = std::get_if<T>(&v)) {
        if constexpr (std::is_same_v<T, std::vector<std::string>>)
            check_option_list_size(argument, key, p->size());
        return *p;
    }
    wrong_option_type(argument, key, v, signature);
}

OptionList options_from(const std::map<std::string, sdbus::Variant>& dict);
// Reads an a{sv} at the message's current position. Throws Error(InvalidArgs) if it is not one.
OptionList options_from(sd_bus_message* m);
// Reads an `as` at the message's current position, refusing it with InvalidArgs (naming
// `argument` and `key`) as soon as it has more than kMaxListEntries entries.
std::vector<std::string> string_list_from(sd_bus_message* m, std::string_view argument,
                                          const std::string& key);

// ScheduleWindow's options and Update's changes: the window properties the table in
// window_properties.cpp marks settable by each.
WindowChanges schedule_options(const OptionList& options);
WindowChanges update_changes(const OptionList& options);
// Start's options: Force. Complete's options: Failed. Returns the flag (false when absent).
bool flag_option(const OptionList& options, std::string_view argument, std::string_view key);
// Start's options: Force b, MaxFailedHosts s (checked by the planner).
struct StartFlags {
    bool force = false;
    std::optional<std::string> max_failed_hosts;
};
StartFlags start_options(const OptionList& options);
// An a{sv} for which no key is defined yet (RetryHosts'): any key is InvalidArgs.
void no_options(const OptionList& options, std::string_view argument);

}  // namespace maint::bus
