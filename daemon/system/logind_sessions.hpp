// Login sessions through systemd-logind (org.freedesktop.login1), asynchronously:
// ListSessions for who is logged in, TerminateSession to end one, GetSessionByPID to find the
// session of the admin who started a window (spared). While a window is in progress, guard()
// makes a session that appears anyway (SessionNew) of a non-admin end at once.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include "core/ports.hpp"
#include "system/admins.hpp"

namespace maint {

class LogindSessions final : public Sessions {
  public:
    LogindSessions(boost::asio::io_context& io, sdbus::IConnection& connection,
                   const AdminGroups& admins);
    ~LogindSessions() override;

    void list(std::function<void(Outcome<std::vector<SessionInfo>>)> done) override;
    void terminate(bool include_admins, std::uint32_t except_pid,
                   std::function<void(Outcome<std::vector<SessionEnd>>)> done) override;

    // While `on`, a new session of a non-admin is ended as soon as logind announces it, and
    // `ended` hears of each (for the window's log).
    void guard(bool on, std::function<void(const SessionEnd&)> ended = {});

  private:
    void terminate_except(bool include_admins, const std::string& spared,
                          std::function<void(Outcome<std::vector<SessionEnd>>)> done);
    void end_session(const SessionEnd& who, const sdbus::ObjectPath& path,
                     std::function<void(SessionEnd)> done);
    // Runs `then` once the session is past "opening": ending an opening session cancels its
    // scope before its processes are in it, and they would live on outside any session.
    void when_settled(const sdbus::ObjectPath& path, std::function<void()> then, int attempt = 0);
    void terminate_now(const SessionEnd& who, std::function<void(SessionEnd)> done);
    void on_session_new(const std::string& id, const sdbus::ObjectPath& path);

    boost::asio::io_context& io_;
    sdbus::IConnection& connection_;
    const AdminGroups& admins_;
    std::unique_ptr<sdbus::IProxy> login1_;
    bool guarding_ = false;
    std::function<void(const SessionEnd&)> ended_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace maint
