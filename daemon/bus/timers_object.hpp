// org.example.Maintenance1.Timers at the Manager's path: Elapsed, called by the companion
// service of each systemd timer the scheduler made (system/systemd_scheduler.hpp). This object
// says who called (effective UID and unit, from the bus); the scheduler decides whether that
// caller may say that this timer elapsed.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "core/window.hpp"
#include "generated/maintenance1_adaptor.h"

namespace maint::bus {

struct TimerCaller {
    uid_t euid = static_cast<uid_t>(-1);
    std::string unit;  // empty when the caller is in no unit
};

class TimersObject final
    : public sdbus::AdaptorInterfaces<org::example::Maintenance1::Timers_adaptor> {
  public:
    // Throws maint::Error to refuse (AccessDenied, InvalidArgs); unset: refused, since the
    // daemon then schedules with in-process timers.
    using Handler = std::function<void(WindowId id, const std::string& kind, const TimerCaller&)>;

    TimersObject(sdbus::IConnection& connection, Handler handler);
    void set_handler(Handler handler) { handler_ = std::move(handler); }
    ~TimersObject();

  private:
    void Elapsed(const uint32_t& id, const std::string& kind) override;

    Handler handler_;
};

}  // namespace maint::bus
