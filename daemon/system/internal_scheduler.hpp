// The in-process Scheduler: one timerfd on CLOCK_REALTIME for the earliest armed time, woken by
// Asio. TFD_TIMER_CANCEL_ON_SET makes a wall-clock jump wake it too, so every timer is
// re-examined against the new time. Idle, it costs nothing: no polling, no periodic tick.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "core/ports.hpp"

namespace maint {

class InternalScheduler final : public Scheduler {
  public:
    explicit InternalScheduler(boost::asio::io_context& io);
    void set_handler(Handler handler) override;
    void arm(WindowId id, const std::vector<TimerSpec>& timers) override;
    void reconcile(const std::map<WindowId, std::vector<TimerSpec>>& wanted) override;

  private:
    void reprogram();
    void on_readable(const boost::system::error_code& ec);

    boost::asio::posix::stream_descriptor timerfd_;
    std::map<WindowId, std::vector<TimerSpec>> timers_;
    Handler handler_;
    bool waiting_ = false;
};

}  // namespace maint
