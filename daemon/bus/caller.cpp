// See caller.hpp.
#include "bus/caller.hpp"

#include <cstring>
#include <memory>
#include <string>

namespace maint::bus {

Caller caller_of(sd_bus_message* m) {
    sd_bus_creds* raw = nullptr;
    const int r = sd_bus_query_sender_creds(
        m, SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID | SD_BUS_CREDS_PID | SD_BUS_CREDS_UNIQUE_NAME,
        &raw);
    std::unique_ptr<sd_bus_creds, decltype(&sd_bus_creds_unref)> creds(raw, sd_bus_creds_unref);
    Caller c;
    if (const char* sender = sd_bus_message_get_sender(m))
        c.bus_name = sender;
    uid_t uid = 0;
    if (r < 0 || (sd_bus_creds_get_euid(creds.get(), &uid) < 0 &&
                  sd_bus_creds_get_uid(creds.get(), &uid) < 0)) {
        throw Error(Errc::AccessDenied, "Cannot determine the caller's user: " +
                                            std::string(std::strerror(r < 0 ? -r : ENODATA)));
    }
    c.uid = uid;
    pid_t pid = 0;
    if (sd_bus_creds_get_pid(creds.get(), &pid) >= 0)
        c.pid = static_cast<std::uint32_t>(pid);
    c.interactive_allowed = sd_bus_message_get_allow_interactive_authorization(m) > 0;
    return c;
}

}  // namespace maint::bus
