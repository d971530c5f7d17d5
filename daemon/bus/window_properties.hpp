// The one table of org.example.Maintenance1.Window's properties: name, signature, flags, the
// WindowField bit that announces a change, the getter, and whether ScheduleWindow's options or
// Update's changes may set it (and how). The window objects' fallback vtable, the names in
// PropertiesChanged and the keys the a{sv} arguments accept are all made from it; a property is
// added here and in dbus/org.example.Maintenance1.xml (the introspection test compares the two).
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "bus/options.hpp"
#include "core/validation.hpp"

namespace maint::bus {

// Which a{sv} argument may set a property.
enum class Settable {
    No,
    Update,             // Update's changes only
    ScheduleAndUpdate,  // ScheduleWindow's options and Update's changes
};

struct WindowProperty {
    const char* name;
    const char* signature;
    std::uint64_t flags;  // SD_BUS_VTABLE_PROPERTY_CONST, _EMITS_CHANGE or _EMITS_INVALIDATION
    std::uint32_t field;  // its WindowField bit; 0 for a constant
    sd_bus_property_get_t get;  // userdata: the const Window*
    Settable settable;
    // Stores the option's value in the request; throws Error(InvalidArgs) naming `argument`
    // and the key for a value of another type. Null when not settable.
    void (*set)(WindowChanges& changes, const OptionValue& value, std::string_view argument,
                const WindowProperty& self);
};

std::span<const WindowProperty> window_properties();

// The property a key names, if an argument of this kind may set it; else null.
const WindowProperty* settable_property(std::string_view key, bool schedule);
// The keys an argument of this kind accepts, in the table's order (for the error message).
std::vector<std::string> settable_keys(bool schedule);

// The names for PropertiesChanged of the fields set in `fields` (a WindowField mask), in the
// table's order; the pointers are the table's own.
std::vector<const char*> changed_property_names(std::uint32_t fields);

// The properties as sd-bus vtable entries, in the table's order.
std::vector<sd_bus_vtable> window_property_vtable();

}  // namespace maint::bus
