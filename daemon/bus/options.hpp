// Decoding of the a{sv} arguments (ScheduleWindow's options, Update's changes, Start's and
// Complete's options) into the domain's types, with InvalidArgs for an unknown key, a wrongly
// typed value or a key given twice. The same rules whether the dictionary arrived through the
// generated adaptor (sdbus::Variant) or through the window objects' sd-bus vtable.
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <map>
#include <string>
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

OptionList options_from(const std::map<std::string, sdbus::Variant>& dict);
// Reads an a{sv} at the message's current position. Throws Error(InvalidArgs) if it is not one.
OptionList options_from(sd_bus_message* m);
// Reads an `as` at the message's current position, refusing it with InvalidArgs (naming
// `argument` and `key`) as soon as it has more than kMaxListEntries entries.
std::vector<std::string> string_list_from(sd_bus_message* m, std::string_view argument,
                                          const std::string& key);

// ScheduleWindow's options: Comment, LoginMessage, ShowLoginMessage, NotifyMessage,
// NotifyLeadUSec, Hosts, AutoComplete.
WindowChanges schedule_options(const OptionList& options);
// Update's changes: the above plus StartUSec, EndUSec, Reason, Notify, Valid.
WindowChanges update_changes(const OptionList& options);
// Start's options: Force. Complete's options: Failed. Returns the flag (false when absent).
bool flag_option(const OptionList& options, std::string_view argument, std::string_view key);

}  // namespace maint::bus
