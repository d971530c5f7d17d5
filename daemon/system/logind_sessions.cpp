// See logind_sessions.hpp.
#include "system/logind_sessions.hpp"

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>

namespace maint {
namespace {

constexpr const char* kLogin1 = "org.freedesktop.login1";
constexpr const char* kLogin1Path = "/org/freedesktop/login1";
constexpr const char* kManagerInterface = "org.freedesktop.login1.Manager";
constexpr const char* kSessionInterface = "org.freedesktop.login1.Session";

using SessionRow =
    sdbus::Struct<std::string, std::uint32_t, std::string, std::string, sdbus::ObjectPath>;

Error login1_error(const sdbus::Error& e, const std::string& doing) {
    if (e.getName() == "org.freedesktop.DBus.Error.ServiceUnknown" ||
        e.getName() == "org.freedesktop.DBus.Error.NameHasNoOwner") {
        return Error(Errc::NotSupported,
                     "systemd-logind (org.freedesktop.login1) is not on the system bus, so login "
                     "sessions cannot be " +
                         doing);
    }
    return Error(Errc::Failed,
                 "logind could not " + doing + ": " + e.getName() + ": " + e.getMessage());
}

std::string variant_string(const std::map<std::string, sdbus::Variant>& props,
                           const std::string& key) {
    auto it = props.find(key);
    if (it == props.end() || it->second.peekValueType() != "s")
        return {};
    return it->second.get<std::string>();
}

}  // namespace

LogindSessions::LogindSessions(boost::asio::io_context& io, sdbus::IConnection& connection,
                               const AdminGroups& admins)
    : io_(io),
      connection_(connection),
      admins_(admins),
      login1_(sdbus::createProxy(connection, kLogin1, kLogin1Path)) {
    login1_->uponSignal("SessionNew")
        .onInterface(kManagerInterface)
        .call([this](const std::string& id, const sdbus::ObjectPath& path) {
            on_session_new(id, path);
        });
    login1_->finishRegistration();
}

LogindSessions::~LogindSessions() {
    *alive_ = false;
}

void LogindSessions::list(std::function<void(Outcome<std::vector<SessionInfo>>)> done) {
    login1_->callMethodAsync("ListSessions")
        .onInterface(kManagerInterface)
        .uponReplyInvoke([this, alive = alive_, done](const sdbus::Error* error,
                                                      std::vector<SessionRow> rows) {
            if (!*alive)
                return;
            if (error) {
                done(Outcome<std::vector<SessionInfo>>::fail(login1_error(*error, "listed")));
                return;
            }
            // Where each session is (its TTY, remote host or seat) needs one more question per
            // session, all of them at once.
            struct Round {
                std::vector<SessionInfo> sessions;
                std::size_t pending = 0;
                std::function<void(Outcome<std::vector<SessionInfo>>)> done;
            };
            auto round = std::make_shared<Round>();
            round->done = done;
            for (const auto& r : rows) {
                round->sessions.push_back(
                    {r.get<0>(), r.get<1>(), r.get<2>(), admins_.is_admin(r.get<1>()), r.get<3>()});
            }
            round->pending = rows.size();
            if (rows.empty()) {
                done(Outcome<std::vector<SessionInfo>>::ok({}));
                return;
            }
            for (std::size_t i = 0; i < rows.size(); ++i) {
                auto session = sdbus::createProxy(connection_, kLogin1, rows[i].get<4>());
                auto* raw = session.get();
                raw->callMethodAsync("GetAll")
                    .onInterface("org.freedesktop.DBus.Properties")
                    .withArguments(std::string(kSessionInterface))
                    .uponReplyInvoke(
                        [round, i, keep = std::shared_ptr<sdbus::IProxy>(std::move(session))](
                            const sdbus::Error* e, std::map<std::string, sdbus::Variant> props) {
                            if (!e) {
                                auto& s = round->sessions[i];
                                const std::string tty = variant_string(props, "TTY");
                                const std::string remote = variant_string(props, "RemoteHost");
                                if (!tty.empty())
                                    s.where = tty;
                                if (!remote.empty())
                                    s.where += (s.where.empty() ? "" : " from ") + remote;
                            }
                            if (--round->pending == 0) {
                                round->done(Outcome<std::vector<SessionInfo>>::ok(
                                    std::move(round->sessions)));
                            }
                        });
            }
        });
}

void LogindSessions::terminate(bool include_admins, std::uint32_t except_pid,
                               std::function<void(Outcome<std::vector<SessionEnd>>)> done) {
    if (except_pid == 0) {
        terminate_except(include_admins, "", std::move(done));
        return;
    }
    login1_->callMethodAsync("GetSessionByPID")
        .onInterface(kManagerInterface)
        .withArguments(except_pid)
        .uponReplyInvoke([this, alive = alive_, include_admins, done](const sdbus::Error* error,
                                                                      sdbus::ObjectPath path) {
            if (!*alive)
                return;
            // A caller outside any session (a script run by cron, say) spares none.
            terminate_except(include_admins, error ? std::string() : std::string(path), done);
        });
}

void LogindSessions::terminate_except(bool include_admins, const std::string& spared,
                                      std::function<void(Outcome<std::vector<SessionEnd>>)> done) {
    login1_->callMethodAsync("ListSessions")
        .onInterface(kManagerInterface)
        .uponReplyInvoke([this, alive = alive_, include_admins, spared, done](
                             const sdbus::Error* error, std::vector<SessionRow> rows) {
            if (!*alive)
                return;
            if (error) {
                done(Outcome<std::vector<SessionEnd>>::fail(login1_error(*error, "listed")));
                return;
            }
            struct Round {
                std::vector<SessionEnd> ends;
                std::size_t pending = 0;
                std::function<void(Outcome<std::vector<SessionEnd>>)> done;
            };
            auto round = std::make_shared<Round>();
            round->done = done;
            std::vector<SessionEnd> targets;
            std::vector<sdbus::ObjectPath> paths;
            for (const auto& r : rows) {
                if (!spared.empty() && std::string(r.get<4>()) == spared)
                    continue;
                if (!include_admins && admins_.is_admin(r.get<1>()))
                    continue;
                targets.push_back({r.get<0>(), r.get<1>(), r.get<2>(), false, ""});
                paths.push_back(r.get<4>());
            }
            round->ends.resize(targets.size());
            round->pending = targets.size();
            if (targets.empty()) {
                done(Outcome<std::vector<SessionEnd>>::ok({}));
                return;
            }
            for (std::size_t i = 0; i < targets.size(); ++i) {
                end_session(targets[i], paths[i], [round, i](SessionEnd end) {
                    round->ends[i] = std::move(end);
                    if (--round->pending == 0)
                        round->done(Outcome<std::vector<SessionEnd>>::ok(std::move(round->ends)));
                });
            }
        });
}

void LogindSessions::when_settled(const sdbus::ObjectPath& path, std::function<void()> then,
                                  int attempt) {
    constexpr int kAttempts = 100;  // 10 s: a user's first session waits for user@.service
    auto session = std::shared_ptr<sdbus::IProxy>(sdbus::createProxy(connection_, kLogin1, path));
    session->callMethodAsync("Get")
        .onInterface("org.freedesktop.DBus.Properties")
        .withArguments(std::string(kSessionInterface), std::string("State"))
        .uponReplyInvoke([this, alive = alive_, path, then, attempt, session](
                             const sdbus::Error* error, sdbus::Variant state) {
            if (!*alive)
                return;
            if (error || attempt >= kAttempts || state.peekValueType() != "s" ||
                state.get<std::string>() != "opening") {
                then();
                return;
            }
            auto timer =
                std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(100));
            timer->async_wait(
                [this, alive, timer, path, then, attempt](const boost::system::error_code& ec) {
                    if (!ec && *alive)
                        when_settled(path, then, attempt + 1);
                });
        });
}

void LogindSessions::end_session(const SessionEnd& who, const sdbus::ObjectPath& path,
                                 std::function<void(SessionEnd)> done) {
    when_settled(path, [this, who, done] { terminate_now(who, done); });
}

void LogindSessions::terminate_now(const SessionEnd& who, std::function<void(SessionEnd)> done) {
    login1_->callMethodAsync("TerminateSession")
        .onInterface(kManagerInterface)
        .withArguments(who.id)
        .uponReplyInvoke([alive = alive_, who, done](const sdbus::Error* error) {
            if (!*alive)
                return;
            SessionEnd end = who;
            end.ok = error == nullptr;
            if (error)
                end.message = error->getName() + ": " + error->getMessage();
            done(std::move(end));
        });
}

void LogindSessions::guard(bool on, std::function<void(const SessionEnd&)> ended) {
    guarding_ = on;
    ended_ = on ? std::move(ended) : nullptr;
}

void LogindSessions::on_session_new(const std::string& id, const sdbus::ObjectPath& path) {
    if (!guarding_)
        return;
    auto session = std::shared_ptr<sdbus::IProxy>(sdbus::createProxy(connection_, kLogin1, path));
    session->callMethodAsync("Get")
        .onInterface("org.freedesktop.DBus.Properties")
        .withArguments(std::string(kSessionInterface), std::string("User"))
        .uponReplyInvoke([this, alive = alive_, id, path, session](const sdbus::Error* error,
                                                                   sdbus::Variant user) {
            if (!*alive || !guarding_ || error)
                return;
            const auto uid =
                std::get<0>(user.get<sdbus::Struct<std::uint32_t, sdbus::ObjectPath>>());
            if (admins_.is_admin(uid))
                return;
            end_session({id, uid, user_name(uid), false, ""}, path, [this, alive](SessionEnd end) {
                if (*alive && ended_)
                    ended_(end);
            });
        });
}

}  // namespace maint
