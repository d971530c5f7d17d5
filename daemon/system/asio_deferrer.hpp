// The Deferrer port on the daemon's loop: a steady timer per call (a flip defers at most one
// call at a time, so there are never many).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

#include "core/ports.hpp"

namespace maint {

class AsioDeferrer final : public Deferrer {
  public:
    explicit AsioDeferrer(boost::asio::io_context& io) : io_(io) {}
    ~AsioDeferrer() override { *alive_ = false; }

    void defer(Usec delay_usec, std::function<void()> fn) override {
        auto timer =
            std::make_shared<boost::asio::steady_timer>(io_, std::chrono::microseconds(delay_usec));
        timer->async_wait(
            [timer, alive = alive_, fn = std::move(fn)](const boost::system::error_code& ec) {
                if (!ec && *alive)
                    fn();
            });
    }

  private:
    boost::asio::io_context& io_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace maint
