// The names of the contract (dbus/org.example.Maintenance1.xml), in one place for the daemon,
// maintenancectl, the desktop agent and the benchmarks. The bus name comes from CMake
// (MAINT_BUS_NAME, which also fills in the unit, the bus policy and the activation file).
#pragma once

#ifndef MAINT_BUS_NAME
#error "MAINT_BUS_NAME must name maintenanced's bus name (set by common/CMakeLists.txt)"
#endif

namespace maint::names {

inline constexpr const char* kBusName = MAINT_BUS_NAME;
inline constexpr const char* kManagerPath = "/org/example/Maintenance1";
inline constexpr const char* kWindowPrefix = "/org/example/Maintenance1/window";
inline constexpr const char* kManagerInterface = MAINT_BUS_NAME ".Manager";
inline constexpr const char* kWindowInterface = MAINT_BUS_NAME ".Window";
inline constexpr const char* kTimersInterface = MAINT_BUS_NAME ".Timers";

}  // namespace maint::names
