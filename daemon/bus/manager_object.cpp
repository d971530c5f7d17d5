// See manager_object.hpp.
#include "bus/manager_object.hpp"

#include "bus/authorize.hpp"
#include "bus/caller.hpp"
#include "bus/errors.hpp"
#include "bus/options.hpp"
#include "bus/paths.hpp"
#include "sd_bus_access.hpp"

#ifndef MAINT_VERSION
#define MAINT_VERSION "unknown"
#endif

namespace maint::bus {
namespace {

template <class... R>
std::shared_ptr<sdbus::Result<R...>> share(sdbus::Result<R...>&& r) {
    return std::make_shared<sdbus::Result<R...>>(std::move(r));
}

sdbus::ObjectPath path_or_root(WindowId id) {
    return sdbus::ObjectPath(id ? window_path(id) : std::string("/"));
}

}  // namespace

ManagerObject::ManagerObject(sdbus::IConnection& connection, Planner& planner,
                             Authorizer& authorizer, std::function<void()> reload)
    : AdaptorInterfaces(connection, kManagerPath),
      planner_(planner),
      authorizer_(authorizer),
      reload_(std::move(reload)) {
    registerAdaptor();
}

ManagerObject::~ManagerObject() {
    unregisterAdaptor();
}

void ManagerObject::emit_properties_changed(const std::vector<std::string>& names) {
    emitPropertiesChangedSignal(kManagerInterface, names);
}

Caller ManagerObject::current_caller() {
    return caller_of(busaccess::raw_message(*getObject().getCurrentlyProcessedMessage()));
}

template <class Reply, class Check, class Act>
void ManagerObject::authorized(const std::shared_ptr<Reply>& reply, Action action,
                               const char* method, Check&& check, Act&& act) {
    auto fail = [reply](const Error& e) { reply->returnError(to_sdbus(e)); };
    guarded(
        [&] {
            // A check may say which action the decoded request needs (ScheduleWindow: "run" for
            // a window that starts at once); else it is `action`.
            if constexpr (std::is_same_v<std::invoke_result_t<Check>, Action>)
                action = check();
            else
                check();
            const Caller caller = current_caller();
            authorize_then(authorizer_, caller, action, method,
                           [fail, caller, act = std::forward<Act>(act)](std::optional<Error> no) {
                               if (no) {
                                   fail(*no);
                                   return;
                               }
                               guarded([&] { act(caller); }, fail);
                           });
        },
        fail);
}

void ManagerObject::ScheduleWindow(sdbus::Result<sdbus::ObjectPath>&& result, uint64_t start_usec,
                                   uint64_t end_usec, std::string reason,
                                   std::vector<std::string> notify,
                                   std::map<std::string, sdbus::Variant> options) {
    auto reply = share(std::move(result));
    auto request = std::make_shared<WindowChanges>();
    auto needs = std::make_shared<Action>(Action::Schedule);
    authorized(
        reply, Action::Schedule, "ScheduleWindow",
        [&] {
            *request = schedule_options(options_from(options));
            request->start_usec = start_usec;
            request->end_usec = end_usec;
            request->reason = std::move(reason);
            request->notify = std::move(notify);
            planner_.check_schedule(*request);
            return *needs = planner_.schedule_action(*request);
        },
        [this, reply, request, needs](const Caller& c) {
            // An interactive authorization may take minutes: a start that came within the grace
            // meanwhile would start at once, which "schedule" alone does not allow.
            if (c.uid != 0 && *needs == Action::Schedule &&
                planner_.schedule_action(*request) == Action::Run) {
                throw Error(Errc::AccessDenied,
                            "The window's start came within 60 s while authorization was pending; "
                            "a window that starts at once needs the action " +
                                std::string(action_id(Action::Run)) + ": call again");
            }
            const WindowId id = planner_.schedule(*request, Actor{c.uid, c.pid});
            reply->returnResults(sdbus::ObjectPath(window_path(id)));
        });
}

void ManagerObject::DryRun(sdbus::Result<bool, std::vector<CheckRow>>&& result) {
    auto reply = share(std::move(result));
    authorized(
        reply, Action::Schedule, "DryRun", [] {},
        [this, reply](const Caller&) {
            planner_.dry_run([this, reply](bool ready, std::vector<PrecheckResult> checks) {
                std::vector<CheckRow> rows;
                rows.reserve(checks.size());
                for (auto& c : checks) {
                    rows.emplace_back(std::move(c.name), std::move(c.description),
                                      std::move(c.severity), std::move(c.result),
                                      std::move(c.message));
                }
                reply->returnResults(ready, rows);
            });
        });
}

std::vector<WindowRow> ManagerObject::ListWindows() {
    std::vector<WindowRow> rows;
    const auto& all = planner_.summaries();  // ascending; the contract wants newest first
    rows.reserve(all.size());
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
        const WindowSummary& s = *it;
        rows.emplace_back(s.id, std::string(to_string(s.status)), s.start_usec, s.end_usec,
                          s.reason, sdbus::ObjectPath(window_path(s.id)));
    }
    return rows;
}

sdbus::ObjectPath ManagerObject::GetWindow(const uint32_t& id) {
    if (!planner_.exists(id)) {
        throw to_sdbus(Error(Errc::NoSuchWindow, "There is no window " + std::to_string(id)));
    }
    return sdbus::ObjectPath(window_path(id));
}

void ManagerObject::ListHosts(sdbus::Result<std::vector<HostRow>>&& result) {
    auto reply = share(std::move(result));
    guarded(
        [&] {
            planner_.list_hosts([this, reply](Outcome<std::vector<HostReport>> outcome) {
                if (outcome.error) {
                    reply->returnError(to_sdbus(*outcome.error));
                } else {
                    std::vector<HostRow> rows;
                    for (const auto& h : *outcome.value) {
                        rows.emplace_back(h.name, std::string(to_string(h.state)), h.message);
                    }
                    reply->returnResults(rows);
                }
            });
        },
        [&](const Error& e) { reply->returnError(to_sdbus(e)); });
}

void ManagerObject::SetHostMaintenance(sdbus::Result<>&& result, std::string host, bool enabled) {
    auto reply = share(std::move(result));
    authorized(
        reply, Action::ManageHosts, "SetHostMaintenance", [&] { check_host_name("host", host); },
        [this, reply, host, enabled](const Caller& c) {
            planner_.set_host_maintenance(host, enabled, Actor{c.uid, c.pid},
                                          [this, reply](std::optional<Error> e) {
                                              if (e) {
                                                  reply->returnError(to_sdbus(*e));
                                              } else {
                                                  reply->returnResults();
                                              }
                                          });
        });
}

void ManagerObject::ListSessions(sdbus::Result<std::vector<SessionRow>>&& result) {
    auto reply = share(std::move(result));
    guarded(
        [&] {
            planner_.list_sessions([this, reply](Outcome<std::vector<SessionInfo>> outcome) {
                if (outcome.error) {
                    reply->returnError(to_sdbus(*outcome.error));
                } else {
                    std::vector<SessionRow> rows;
                    for (const auto& s : *outcome.value) {
                        rows.emplace_back(s.id, s.uid, s.user, s.is_admin, s.where);
                    }
                    reply->returnResults(rows);
                }
            });
        },
        [&](const Error& e) { reply->returnError(to_sdbus(e)); });
}

void ManagerObject::TerminateSessions(sdbus::Result<std::vector<std::string>>&& result,
                                      bool include_admins) {
    auto reply = share(std::move(result));
    authorized(
        reply, Action::ManageSessions, "TerminateSessions", [] {},
        [this, reply, include_admins](const Caller& c) {
            planner_.terminate_sessions(include_admins, Actor{c.uid, c.pid},
                                        [this, reply](Outcome<std::vector<std::string>> outcome) {
                                            if (outcome.error) {
                                                reply->returnError(to_sdbus(*outcome.error));
                                            } else {
                                                reply->returnResults(*outcome.value);
                                            }
                                        });
        });
}

void ManagerObject::Reload(sdbus::Result<>&& result) {
    auto reply = share(std::move(result));
    authorized(
        reply, Action::Reload, "Reload", [] {},
        [this, reply](const Caller&) {
            reload_();
            reply->returnResults();
        });
}

std::string ManagerObject::State() {
    return planner_.manager_view().state;
}
bool ManagerObject::UnderMaintenance() {
    return planner_.manager_view().under_maintenance;
}
sdbus::ObjectPath ManagerObject::ActiveWindow() {
    return path_or_root(planner_.manager_view().active);
}
sdbus::ObjectPath ManagerObject::NextWindow() {
    return path_or_root(planner_.manager_view().next);
}
std::string ManagerObject::Banner() {
    return planner_.manager_view().banner;
}
std::string ManagerObject::Version() {
    return MAINT_VERSION;
}

}  // namespace maint::bus
