// See timers_object.hpp.
#include "bus/timers_object.hpp"

#include <systemd/sd-bus.h>

#include <memory>

#include "bus/errors.hpp"
#include "bus/paths.hpp"
#include "core/errors.hpp"
#include "sd_bus_access.hpp"

namespace maint::bus {

TimersObject::TimersObject(sdbus::IConnection& connection, Handler handler)
    : AdaptorInterfaces(connection, kManagerPath), handler_(std::move(handler)) {
    registerAdaptor();
}

TimersObject::~TimersObject() {
    unregisterAdaptor();
}

void TimersObject::Elapsed(const uint32_t& id, const std::string& kind) {
    if (!handler_) {
        throw to_sdbus(Error(Errc::AccessDenied,
                             "Elapsed is for the companion services of the daemon's systemd "
                             "timers, and the daemon schedules with in-process timers"));
    }
    TimerCaller caller;
    sd_bus_creds* raw = nullptr;
    const int r = sd_bus_query_sender_creds(
        busaccess::raw_message(*getObject().getCurrentlyProcessedMessage()),
        SD_BUS_CREDS_EUID | SD_BUS_CREDS_UNIT | SD_BUS_CREDS_AUGMENT, &raw);
    std::unique_ptr<sd_bus_creds, decltype(&sd_bus_creds_unref)> creds(raw, sd_bus_creds_unref);
    const char* unit = nullptr;
    if (r >= 0) {
        if (sd_bus_creds_get_euid(creds.get(), &caller.euid) < 0)
            caller.euid = static_cast<uid_t>(-1);
        if (sd_bus_creds_get_unit(creds.get(), &unit) >= 0 && unit)
            caller.unit = unit;
    }
    try {
        handler_(id, kind, caller);
    } catch (const Error& e) {
        throw to_sdbus(e);
    }
}

}  // namespace maint::bus
