// See internal_scheduler.hpp.
#include "system/internal_scheduler.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "common/timestamp.hpp"

namespace maint {
namespace {

int make_timerfd() {
    int fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0) {
        throw std::runtime_error(std::string("timerfd_create: ") + std::strerror(errno));
    }
    return fd;
}

}  // namespace

InternalScheduler::InternalScheduler(boost::asio::io_context& io) : timerfd_(io, make_timerfd()) {}

void InternalScheduler::set_handler(Handler handler) {
    handler_ = std::move(handler);
}

void InternalScheduler::arm(WindowId id, const std::vector<TimerSpec>& timers) {
    if (timers.empty()) {
        timers_.erase(id);
    } else {
        timers_[id] = timers;
    }
    reprogram();
}

void InternalScheduler::reconcile(const std::map<WindowId, std::vector<TimerSpec>>& wanted) {
    timers_.clear();
    for (const auto& [id, timers] : wanted) {
        if (!timers.empty())
            timers_[id] = timers;
    }
    reprogram();
}

void InternalScheduler::reprogram() {
    Usec earliest = std::numeric_limits<Usec>::max();
    for (const auto& [id, timers] : timers_) {
        for (const auto& t : timers)
            earliest = std::min(earliest, t.when_usec);
    }
    itimerspec spec{};
    if (earliest != std::numeric_limits<Usec>::max()) {
        earliest = std::max<Usec>(earliest, 1);  // 0 would disarm the timerfd
        spec.it_value.tv_sec = static_cast<time_t>(earliest / kUsecPerSec);
        spec.it_value.tv_nsec = static_cast<long>((earliest % kUsecPerSec) * 1000);
    }
    if (timerfd_settime(timerfd_.native_handle(), TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
                        &spec, nullptr) < 0) {
        throw std::runtime_error(std::string("timerfd_settime: ") + std::strerror(errno));
    }
    if (!waiting_ && earliest != std::numeric_limits<Usec>::max()) {
        waiting_ = true;
        timerfd_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                            [this](const boost::system::error_code& ec) { on_readable(ec); });
    }
}

void InternalScheduler::on_readable(const boost::system::error_code& ec) {
    waiting_ = false;
    if (ec)
        return;  // cancelled: the scheduler is going away
    std::uint64_t expirations = 0;
    // ECANCELED means the clock was set: fall through and re-examine every timer.
    (void)!::read(timerfd_.native_handle(), &expirations, sizeof expirations);

    const Usec now = realtime_now();
    std::vector<std::pair<WindowId, TimerKind>> due;
    for (auto it = timers_.begin(); it != timers_.end();) {
        auto& timers = it->second;
        for (auto t = timers.begin(); t != timers.end();) {
            if (t->when_usec <= now) {
                due.emplace_back(it->first, t->kind);
                t = timers.erase(t);
            } else {
                ++t;
            }
        }
        it = timers.empty() ? timers_.erase(it) : std::next(it);
    }
    // Handlers may arm() again; each arm() reprograms the timerfd.
    for (const auto& [id, kind] : due) {
        if (handler_)
            handler_(id, kind);
    }
    reprogram();
}

}  // namespace maint
