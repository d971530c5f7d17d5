// Ports whose real implementation belongs to later work. Each refuses plainly with
// Errc::NotSupported naming what is missing: never a fake success.
#pragma once

#include "config/config.hpp"
#include "core/ports.hpp"

namespace maint {

class HostsNotSupported final : public HostFleet {
  public:
    void list(std::function<void(Outcome<std::vector<HostReport>>)> done) override;
    void flip(const std::vector<std::string>& hosts, bool enter, WindowId window,
              std::function<void(const HostFlip&)> each, std::function<void()> done) override;
};

class SessionsNotSupported final : public Sessions {
  public:
    void list(std::function<void(Outcome<std::vector<SessionInfo>>)> done) override;
    void terminate(bool include_admins, std::uint32_t except_pid,
                   std::function<void(Outcome<std::vector<SessionEnd>>)> done) override;
};

// Runs no check types yet: with no [Check] sections it reports ready with no rows; a configured
// check fails, saying that its type cannot run in this build.
class ChecksNotSupported final : public Prechecks {
  public:
    explicit ChecksNotSupported(std::vector<CheckConfig> checks) : checks_(std::move(checks)) {}
    void run(std::function<void(std::vector<PrecheckResult>)> done) override;
    void set_checks(std::vector<CheckConfig> checks) { checks_ = std::move(checks); }

  private:
    std::vector<CheckConfig> checks_;
};

// Sends notices only to the daemon's log: the mail, wall, motd and desktop channels come later.
class LogNotifier final : public Notifier {
  public:
    void notify(Notice notice, const Window& w,
                std::function<void(std::vector<std::string>)> done) override;
};

}  // namespace maint
