// The lifecycle of maintenance windows. See planner.hpp for the rules of the road: every change
// through commit(), stored before it is announced; ports called only from here.
#include "core/planner.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <utility>

#include "common/text.hpp"
#include "common/timestamp.hpp"
#include "core/planner_internal.hpp"

namespace maint {
namespace {

// A wake-up this much earlier than its time is a clock that jumped back: re-arm instead.
constexpr Usec kTimerSlackUsec = kUsecPerSec;

// When the upcoming notice is due; none when the window has no lead time.
std::optional<Usec> upcoming_at(const Window& w) {
    if (w.spec.notify_lead_usec == 0)
        return std::nullopt;
    return w.spec.start_usec > w.spec.notify_lead_usec ? w.spec.start_usec - w.spec.notify_lead_usec
                                                       : 0;
}

// After the first upcoming notice, reminders at shrinking intervals before the start, as
// shutdown(8) warns before a scheduled power-off. Only those inside the lead time count.
struct Reminder {
    Usec before;
    Step step;
};
constexpr Reminder kReminders[] = {{30 * kUsecPerMinute, kStepReminder30},
                                   {15 * kUsecPerMinute, kStepReminder15},
                                   {5 * kUsecPerMinute, kStepReminder5},
                                   {1 * kUsecPerMinute, kStepReminder1}};

bool reminder_applies(const Window& w, const Reminder& r) {
    return r.before < w.spec.notify_lead_usec && w.spec.start_usec > r.before;
}

// When the next upcoming notice is due: the first one, then each reminder not yet sent.
std::optional<Usec> next_upcoming(const Window& w) {
    const auto first = upcoming_at(w);
    if (!first)
        return std::nullopt;
    if (!w.done(kStepUpcomingAnnounced))
        return first;
    for (const auto& r : kReminders) {  // earliest first
        if (reminder_applies(w, r) && !w.done(r.step))
            return w.spec.start_usec - r.before;
    }
    return std::nullopt;
}

// The reminders whose time has come by `t`: one notice covers them all.
std::uint32_t reminders_due(const Window& w, Usec t) {
    std::uint32_t steps = 0;
    for (const auto& r : kReminders) {
        if (reminder_applies(w, r) && w.spec.start_usec - r.before <= t)
            steps |= r.step;
    }
    return steps;
}

std::string uid_name(Uid uid) {
    return "UID " + std::to_string(uid);
}

std::string failed_checks(const std::vector<PrecheckResult>& checks) {
    std::vector<std::string> parts;
    for (const auto& c : checks) {
        if (!c.blocks_start())
            continue;
        std::string part = c.name;
        if (!c.message.empty())
            part += " (" + c.message + ")";
        parts.push_back(part);
    }
    return join(parts, "; ");
}

}  // namespace

namespace {

// Each window field: its bit, what the Log calls it, and how to tell it changed. (The names on
// the bus are the table's in daemon/bus/window_properties.cpp.)
struct FieldRule {
    WindowField field;
    const char* label;
    bool (*differs)(const Window&, const Window&);
};
#define SPEC_RULE(bit, label, member)                                                       \
    FieldRule {                                                                             \
        bit, label,                                                                         \
            [](const Window& a, const Window& b) { return a.spec.member != b.spec.member; } \
    }
#define RULE(bit, label, member)                                                          \
    FieldRule {                                                                           \
        bit, label, [](const Window& a, const Window& b) { return a.member != b.member; } \
    }
const FieldRule kFieldRules[] = {
    RULE(kFieldStatus, "status", status),
    SPEC_RULE(kFieldValid, "validity", valid),
    SPEC_RULE(kFieldStartUSec, "start", start_usec),
    SPEC_RULE(kFieldEndUSec, "end", end_usec),
    SPEC_RULE(kFieldReason, "reason", reason),
    SPEC_RULE(kFieldNotify, "audiences", notify),
    SPEC_RULE(kFieldComment, "comment", comment),
    SPEC_RULE(kFieldLoginMessage, "login message", login_message),
    SPEC_RULE(kFieldShowLoginMessage, "login message shown", show_login_message),
    SPEC_RULE(kFieldNotifyMessage, "notify message", notify_message),
    SPEC_RULE(kFieldNotifyLeadUSec, "lead time", notify_lead_usec),
    SPEC_RULE(kFieldHosts, "hosts", hosts),
    SPEC_RULE(kFieldAutoComplete, "auto-complete", auto_complete),
    RULE(kFieldStartedUSec, "start time", started_usec),
    RULE(kFieldStartedByUID, "starter", started_by_uid),
    RULE(kFieldFinishedUSec, "finish time", finished_usec),
    RULE(kFieldFinishedByUID, "finisher", finished_by_uid),
    RULE(kFieldCompletionNote, "completion note", completion_note),
    RULE(kFieldPrecheckResults, "precheck results", precheck_results),
    RULE(kFieldLog, "log", log),
    SPEC_RULE(kFieldMaxFailedHosts, "error budget", max_failed_hosts),
    RULE(kFieldHostProgress, "host progress", host_progress),
    RULE(kFieldHostResults, "host results", results_version),
};
#undef SPEC_RULE
#undef RULE

std::vector<std::string> field_labels(std::uint32_t fields) {
    std::vector<std::string> labels;
    for (const auto& r : kFieldRules) {
        if (fields & r.field)
            labels.emplace_back(r.label);
    }
    return labels;
}

}  // namespace

std::uint32_t changed_fields(const Window& a, const Window& b) {
    std::uint32_t f = 0;
    for (const auto& r : kFieldRules) {
        if (r.differs(a, b))
            f |= r.field;
    }
    return f;
}

Planner::Planner(PlannerPorts ports, PlannerSettings settings, PlannerListener& listener)
    : ports_(ports), settings_(std::move(settings)), listener_(listener) {
    ports_.scheduler.set_handler([this](WindowId id, TimerKind kind) { on_timer(id, kind); });
}

// ---------------------------------------------------------------------------------------------
// Loading and resuming

void Planner::load() {
    auto contents = ports_.store.load();
    summaries_ = std::move(contents.summaries);
    last_id_ = contents.last_id;
    live_.clear();
    for (auto& w : contents.unfinished)
        live_.emplace(w.id, std::move(w));
    host_states_ = ports_.store.load_host_states();
}

void Planner::resume() {
    const Usec t = now();
    std::vector<WindowId> ids;
    for (const auto& [id, w] : live_)
        ids.push_back(id);
    for (WindowId id : ids) {
        // One window's trouble (a full disk, say) must not keep the daemon from serving the
        // others: it is reported, and the next start-up tries again.
        try {
            resume_window(id, t);
        } catch (const Error& e) {
            listener_.problem(id, std::string("could not resume it: ") + e.what());
        }
    }
    std::map<WindowId, std::vector<TimerSpec>> wanted;
    for (const auto& [id, w] : live_)
        wanted[id] = timers_for(w);
    ports_.scheduler.reconcile(wanted);
}

void Planner::resume_window(WindowId id, Usec t) {
    const Window& w = live_.at(id);
    if (w.status == Status::Scheduled && t >= w.spec.end_usec) {
        if (w.spec.valid) {
            finish(id, Status::Failed, "", 0, "missed: the daemon was not running",
                   LogLevel::Error);
        } else {
            finish(id, Status::Cancelled, "", 0, "expired while invalid", LogLevel::Info);
        }
        return;
    }
    if (w.status != Status::InProgress)
        return;
    if (!w.done(kStepStartAnnounced)) {
        commit(id, [](Window& x) { x.steps_done |= kStepStartAnnounced; });
        listener_.window_started(live_.at(id));
        send_notice(id, Notice::Started);
    }
    const Window& again = live_.at(id);
    if (!again.done(kStepSessionsEnded)) {
        commit(id, [&](Window& x) {
            add_log(x, LogLevel::Warning,
                    "The daemon stopped while the window was starting; finishing the steps "
                    "that had not run.");
        });
        busy_[id] = "finishing its start";
        // The starter's process is gone with the old daemon's caller; no session is spared
        // beyond the admins'.
        run_start_steps(id, 0, [](std::optional<Error>) {});
    } else if (!again.done(kStepHostsEntered)) {
        commit(id, [&](Window& x) {
            add_log(x, LogLevel::Warning,
                    "The daemon stopped during the flip of the hosts; it goes on with the hosts "
                    "that have no result.");
        });
        begin_flip(id);
    }
}

void Planner::set_settings(PlannerSettings settings) {
    settings_ = std::move(settings);
}

// ---------------------------------------------------------------------------------------------
// Argument checks

WindowSpec Planner::schedule_spec(const WindowChanges& request) const {
    WindowSpec spec;
    spec.notify_lead_usec = settings_.default_lead_usec;
    spec.hosts = settings_.known.hosts;
    spec.max_failed_hosts = settings_.default_max_failed_hosts;
    spec = apply_changes(std::move(spec), request);
    WindowChanges changed = request;
    changed.start_usec = spec.start_usec;  // both times are arguments of ScheduleWindow
    changed.end_usec = spec.end_usec;
    changed.notify = spec.notify;
    validate_spec(spec, changed, settings_.known, now());
    return spec;
}

void Planner::check_schedule(const WindowChanges& request) const {
    schedule_spec(request);
}

void Planner::check_update(WindowId id, const WindowChanges& changes) {
    if (!exists(id))
        throw Error(Errc::NoSuchWindow, "There is no window " + std::to_string(id));
    auto it = live_.find(id);
    if (it == live_.end())
        return;  // a finished window: refused with InvalidState later
    validate_spec(apply_changes(it->second.spec, changes), changes, settings_.known, now());
}

void Planner::check_finish(WindowId id, std::string_view argument, const std::string& text,
                           const std::vector<std::string>& notify) {
    if (!exists(id))
        throw Error(Errc::NoSuchWindow, "There is no window " + std::to_string(id));
    check_text(argument, text);
    validate_audiences("notify", notify, settings_.known);
}

Action Planner::schedule_action(const WindowChanges& request) const {
    const Usec start = request.start_usec.value_or(0);
    return start <= now() + kStartGraceUsec ? Action::Run : Action::Schedule;
}

Action Planner::update_action(WindowId id, const WindowChanges& changes) const {
    const auto it = live_.find(id);
    if (it == live_.end())
        return Action::Schedule;  // refused later (NoSuchWindow, InvalidState)
    const Window& w = it->second;
    if (w.status == Status::InProgress)
        return changes.end_usec && *changes.end_usec != w.spec.end_usec ? Action::Run
                                                                        : Action::Schedule;
    // A scheduled window that is (made) valid with a start (moved) into the grace starts now.
    const bool valid = changes.valid.value_or(w.spec.valid);
    const Usec start = changes.start_usec.value_or(w.spec.start_usec);
    if ((changes.start_usec || changes.valid) && valid && start <= now() + kStartGraceUsec)
        return Action::Run;
    return Action::Schedule;
}

// ---------------------------------------------------------------------------------------------
// The operations

WindowId Planner::schedule(const WindowChanges& request, const Actor& by) {
    WindowSpec spec = schedule_spec(request);
    if (!live_.empty()) {
        const Window& other = live_.begin()->second;
        throw Error(Errc::AlreadyScheduled,
                    "Window " + std::to_string(other.id) + " is already " +
                        std::string(to_string(other.status)) +
                        " (one window at a time): complete or cancel it first");
    }
    const ManagerView before_view = manager_view();
    Window w;
    w.id = last_id_ + 1;
    w.status = Status::Scheduled;
    w.spec = std::move(spec);
    w.created_usec = now();
    w.created_by_uid = by.uid;
    add_log(w, LogLevel::Info,
            "Scheduled by " + uid_name(by.uid) + " for " + format_timestamp(w.spec.start_usec) +
                " to " + format_timestamp(w.spec.end_usec) +
                (w.spec.valid ? "" : " (invalid: it will not start by itself)") + ".");
    try {
        ports_.store.save(w);
    } catch (const StoreError& e) {
        throw Error(Errc::Failed, std::string("Could not save the new window: ") + e.what());
    }
    last_id_ = w.id;
    summaries_.push_back(summarize(w));
    const WindowId id = w.id;
    auto& stored = live_.emplace(id, std::move(w)).first->second;
    listener_.window_added(stored);
    const ManagerView after_view = manager_view();
    if (after_view != before_view)
        listener_.manager_changed(before_view, after_view);
    rearm(stored);
    send_notice(id, Notice::Scheduled);
    return id;
}

void Planner::update(WindowId id, const WindowChanges& changes, const Actor& by) {
    Window& w = live(id, "updated");
    // While a start runs its prechecks the plan must hold still; once in progress, the fields
    // that may change (end, messages) are not the ones the start steps read.
    if (auto b = busy_.find(id); b != busy_.end() && w.status == Status::Scheduled) {
        throw Error(Errc::InvalidState, "Window " + std::to_string(id) + " is busy (" + b->second +
                                            "); try again when it is done");
    }
    if (w.status == Status::InProgress && !changes.only_in_progress_fields()) {
        throw Error(Errc::InvalidState, "Window " + std::to_string(id) +
                                            " is in-progress: only EndUSec, Comment, LoginMessage, "
                                            "ShowLoginMessage and NotifyMessage can change");
    }
    if (changes.empty())
        return;
    WindowSpec spec = apply_changes(w.spec, changes);
    validate_spec(spec, changes, settings_.known, now());
    const bool times_changed = spec.start_usec != w.spec.start_usec ||
                               spec.end_usec != w.spec.end_usec ||
                               spec.notify_lead_usec != w.spec.notify_lead_usec;
    commit(id, [&](Window& x) {
        const uint32_t fields = [&] {
            Window probe = x;
            probe.spec = spec;
            return changed_fields(x, probe);
        }();
        x.spec = spec;
        // A new start time deserves a new upcoming notice.
        if (times_changed)
            x.steps_done &= ~kUpcomingSteps;
        const std::vector<std::string> names = field_labels(fields);
        add_log(x, LogLevel::Info,
                "Updated by " + uid_name(by.uid) + ": " +
                    (names.empty() ? std::string("nothing changed") : join(names, ", ")) + ".");
    });
    if (times_changed)
        send_notice(id, Notice::Updated);
}

void Planner::cancel(WindowId id, const std::string& reason, const Actor& by) {
    check_text("reason", reason);
    const Window& w = live(id, "cancelled");
    if (w.status != Status::Scheduled)
        refuse_state(w, "cancelled");
    if (auto b = busy_.find(id); b != busy_.end()) {
        throw Error(Errc::InvalidState,
                    "Window " + std::to_string(id) + " is busy (" + b->second + ")");
    }
    finish(id, Status::Cancelled, reason, by.uid,
           "Cancelled by " + uid_name(by.uid) + (reason.empty() ? "." : ": " + reason),
           LogLevel::Info);
}

void Planner::complete(WindowId id, const std::string& note, const std::vector<std::string>& notify,
                       bool failed, const Actor& by) {
    check_text("note", note);
    validate_audiences("notify", notify, settings_.known);
    const Window& w = live(id, "completed");
    if (w.status != Status::InProgress)
        refuse_state(w, "completed");
    if (auto b = busy_.find(id); b != busy_.end()) {
        throw Error(Errc::InvalidState, "Window " + std::to_string(id) + " is still starting (" +
                                            b->second + "); complete it when that is done");
    }
    stop_flip(id, "the window was completed during the flip");
    const Status outcome =
        failed ? Status::Failed
               : (live_.at(id).had_errors ? Status::CompletedWithErrors : Status::Completed);
    std::string line = "Finished by " + uid_name(by.uid) + " as " +
                       std::string(to_string(outcome)) + (note.empty() ? "." : ": " + note);
    if (outcome == Status::CompletedWithErrors) {
        line += " (some steps failed: see the errors above)";
    }
    finish(id, outcome, note, by.uid, line,
           outcome == Status::Completed ? LogLevel::Info : LogLevel::Warning, notify);
}

void Planner::start(WindowId id, const StartOptions& options, const Actor& by, Done done) {
    check_start_options(options);
    const Window& w = live(id, "started");
    if (w.status != Status::Scheduled)
        refuse_state(w, "started");
    if (auto b = busy_.find(id); b != busy_.end()) {
        throw Error(Errc::InvalidState,
                    "Window " + std::to_string(id) + " is already " + b->second);
    }
    busy_[id] = "running its prechecks";
    StartRequest req{id, options.force, false, by, options.max_failed_hosts};
    ports_.prechecks.run([this, req, done = std::move(done)](std::vector<PrecheckResult> checks) {
        begin(req, checks, done);
    });
}

void Planner::begin(const StartRequest& req, const std::vector<PrecheckResult>& checks, Done done) {
    busy_.erase(req.id);
    auto it = live_.find(req.id);
    if (it == live_.end() || it->second.status != Status::Scheduled) {
        done(Error(Errc::InvalidState, "Window " + std::to_string(req.id) +
                                           " changed while its prechecks ran; not started"));
        return;
    }
    const bool ready =
        std::none_of(checks.begin(), checks.end(), [](const auto& c) { return c.blocks_start(); });
    const std::string failed = failed_checks(checks);
    try {
        commit(req.id, [&](Window& x) {
            x.precheck_results = checks;
            for (const auto& c : checks) {
                const LogLevel level = c.result == "pass"      ? LogLevel::Info
                                       : c.severity == "error" ? LogLevel::Error
                                                               : LogLevel::Warning;
                add_log(x, level,
                        "Precheck " + c.name + " (" + c.description + "): " + c.result +
                            (c.message.empty() ? "" : ": " + c.message));
            }
            if (!ready && !req.force) {
                add_log(x, LogLevel::Error,
                        std::string(req.automatic ? "Automatic start" : "Start") +
                            " refused: System is not ready for maintenance: " + failed);
            }
        });
        if (!ready && !req.force) {
            if (req.automatic) {
                finish(req.id, Status::Failed, "", 0,
                       "Failed: the automatic start was refused by the prechecks: " + failed,
                       LogLevel::Error);
            }
            done(Error(Errc::NotReady,
                       "System is not ready for maintenance; failed checks: " + failed +
                           ". Fix them, or start anyway (option Force=true; maintenancectl start "
                           "--force)."));
            return;
        }
        commit(req.id, [&](Window& x) {
            x.status = Status::InProgress;
            x.started_usec = now();
            x.started_by_uid = req.by.uid;
            x.steps_done |= kStepStartAnnounced;  // before sending: at most once
            x.flip_budget = req.max_failed_hosts.value_or(x.spec.max_failed_hosts);
            if (!ready) {
                add_log(x, LogLevel::Warning,
                        "Forced by " + uid_name(req.by.uid) + " despite failed checks: " + failed);
            }
            add_log(x, LogLevel::Info,
                    req.automatic ? std::string("Started automatically at its start time.")
                                  : "Started by " + uid_name(req.by.uid) + ".");
        });
    } catch (const Error& e) {
        done(e);
        return;
    }
    listener_.window_started(live_.at(req.id));
    send_notice(req.id, Notice::Started);
    busy_[req.id] = "ending the login sessions";
    run_start_steps(req.id, req.by.pid, std::move(done));
}

void Planner::run_start_steps(WindowId id, std::uint32_t except_pid, Done done) {
    // The sessions first (quick, and the point of a window), then Start replies; the flip of a
    // fleet may take minutes and goes on in the loop.
    end_sessions(id, except_pid, [this, id, done] {
        busy_.erase(id);
        if (auto it = live_.find(id); it != live_.end())
            rearm(it->second);
        done(std::nullopt);
        begin_flip(id);
    });
}

void Planner::end_sessions(WindowId id, std::uint32_t except_pid, std::function<void()> next) {
    const Window& w = live_.at(id);
    if (w.done(kStepSessionsEnded)) {
        next();
        return;
    }
    auto record = [this, id, next](Outcome<std::vector<SessionEnd>> outcome) {
        commit_or_report(id, [&](Window& x) {
            x.steps_done |= kStepSessionsEnded;
            if (outcome.error) {
                // Whatever the cause (logind absent included: NotSupported), the sessions the
                // window was to end may still be there: a step failed, as a host that did not
                // flip, and the completion says so (completed-with-errors).
                x.had_errors = true;
                add_log(x, LogLevel::Error,
                        std::string("Login sessions were not ended: ") + outcome.error->what());
                return;
            }
            for (const auto& s : *outcome.value) {
                if (!s.ok)
                    x.had_errors = true;
                add_log(x, s.ok ? LogLevel::Info : LogLevel::Error,
                        "Session " + s.id + " of " + s.user + " (" + uid_name(s.uid) + ") " +
                            (s.ok ? "ended" : "could not be ended") +
                            (s.message.empty() ? "." : ": " + s.message));
            }
        });
        next();
    };
    try {
        ports_.sessions.terminate(false, except_pid, record);
    } catch (const Error& e) {
        record(Outcome<std::vector<SessionEnd>>::fail(e));
    }
}

void Planner::dry_run(std::function<void(bool, std::vector<PrecheckResult>)> done) {
    // The groups' HostsCommand= are asked too (the listing a start would use); one that fails
    // is a warning: a start still flips the hosts of its last listing.
    auto run_checks = [this, done = std::move(done)](std::vector<PrecheckResult> listing) {
        ports_.prechecks.run(
            [done, listing = std::move(listing)](std::vector<PrecheckResult> checks) {
                checks.insert(checks.end(), listing.begin(), listing.end());
                const bool ready = std::none_of(checks.begin(), checks.end(),
                                                [](const auto& c) { return c.blocks_start(); });
                done(ready, std::move(checks));
            });
    };
    try {
        ports_.hosts.resolve(settings_.known.hosts, [run_checks](Outcome<HostResolution> o) {
            std::vector<PrecheckResult> listing;
            if (o.value) {
                for (const auto& problem : o.value->problems) {
                    listing.push_back({"host-groups", "Every host group can list its hosts",
                                       "warning", "fail", problem});
                }
            }
            run_checks(std::move(listing));
        });
    } catch (const Error&) {
        run_checks({});
    }
}

void Planner::set_host_maintenance(const std::string& host, bool enabled, const Actor& by,
                                   Done done) {
    check_host_name("host", host);
    const auto& known = settings_.known.hosts;
    if (!settings_.known.is_host(host)) {
        throw Error(Errc::NoSuchHost, "There is no host '" + host + "' in the configuration" +
                                          (known.empty() || known.size() > 32
                                               ? ""
                                               : "; hosts and groups: " + join(known, ", ")));
    }
    auto result = std::make_shared<std::optional<Error>>();
    HostFleet::FlipCallbacks callbacks;
    callbacks.each = [this, result, enabled, by](const HostFlip& flip) {
        record_host(flip);
        listener_.host_flipped_by_hand(flip, enabled, by.uid);
        if (!flip.ok)
            *result = Error(Errc::HostFailed, flip.message);
    };
    callbacks.done = [result, done = std::move(done)] { done(*result); };
    ports_.hosts.flip({host}, enabled, FlipContext{}, std::move(callbacks));
}

void Planner::list_hosts(std::function<void(Outcome<std::vector<HostReport>>)> done) {
    if (waiting_host_lists_ >= kMaxWaitingHostLists) {
        throw Error(Errc::Busy, "Too many host listings are waiting for the hosts' status (" +
                                    std::to_string(kMaxWaitingHostLists) +
                                    "); try again in a moment");
    }
    ++waiting_host_lists_;
    auto answer = [this, done = std::move(done)](Outcome<std::vector<HostReport>> outcome) {
        --waiting_host_lists_;
        if (outcome.value) {
            for (auto& h : *outcome.value) {
                auto it = host_states_.find(h.name);
                if (it == host_states_.end())
                    continue;
                const StoredHostState& last = it->second;
                if (!h.probed) {
                    h.state = last.state;
                    if (h.message.empty())
                        h.message = last.message;
                    continue;
                }
                // A probe says how the host is now, which hides why its last flip failed: a
                // failed flip is kept as state unknown with the command's message, and shown
                // after the probe's own message until a flip of the host succeeds.
                if (last.state == HostState::Unknown && !last.message.empty()) {
                    h.message += (h.message.empty() ? "" : "; ") +
                                 std::string("last flip failed: ") + last.message;
                }
            }
        }
        done(std::move(outcome));
    };
    try {
        ports_.hosts.list(std::move(answer));
    } catch (...) {
        --waiting_host_lists_;
        throw;
    }
}

void Planner::list_sessions(std::function<void(Outcome<std::vector<SessionInfo>>)> done) {
    ports_.sessions.list(std::move(done));
}

void Planner::terminate_sessions(bool include_admins, const Actor& by,
                                 std::function<void(Outcome<std::vector<std::string>>)> done) {
    ports_.sessions.terminate(include_admins, by.pid,
                              [done = std::move(done)](Outcome<std::vector<SessionEnd>> outcome) {
                                  if (outcome.error) {
                                      done(Outcome<std::vector<std::string>>::fail(*outcome.error));
                                      return;
                                  }
                                  std::vector<std::string> ended;
                                  for (const auto& s : *outcome.value) {
                                      if (s.ok)
                                          ended.push_back(s.id);
                                  }
                                  done(Outcome<std::vector<std::string>>::ok(std::move(ended)));
                              });
}

void Planner::note(WindowId id, LogLevel level, std::string message, bool error) {
    if (!live_.count(id))
        return;
    commit_or_report(id, [&](Window& x) {
        add_log(x, level, std::move(message));
        if (error)
            x.had_errors = true;
    });
}

// ---------------------------------------------------------------------------------------------
// Timers

std::vector<TimerSpec> Planner::timers_for(const Window& w) const {
    std::vector<TimerSpec> timers;
    if (w.status == Status::Scheduled) {
        if (w.spec.valid) {
            if (const auto at = next_upcoming(w))
                timers.push_back({TimerKind::Upcoming, *at});
            timers.push_back({TimerKind::Start, w.spec.start_usec});
        }
        timers.push_back({TimerKind::End, w.spec.end_usec});
    } else if (w.status == Status::InProgress && w.spec.auto_complete) {
        timers.push_back({TimerKind::End, w.spec.end_usec});
    }
    return timers;
}

void Planner::rearm(const Window& w) {
    ports_.scheduler.arm(w.id, timers_for(w));
}

void Planner::on_timer(WindowId id, TimerKind kind) {
    auto it = live_.find(id);
    if (it == live_.end())
        return;  // a stale wake-up for a finished window
    const Window& w = it->second;
    const Usec t = now();
    const bool busy = busy_.count(id) != 0;
    try {
        switch (kind) {
            case TimerKind::Upcoming: {
                if (w.status != Status::Scheduled || !w.spec.valid || t >= w.spec.start_usec)
                    return;
                const auto at = next_upcoming(w);
                if (!at)
                    return;
                if (t + kTimerSlackUsec < *at) {
                    rearm(w);
                    return;
                }
                const bool first = !w.done(kStepUpcomingAnnounced);
                commit(id, [&](Window& x) {
                    // Marked before sending (at most once); reminders already due go with it.
                    x.steps_done |= kStepUpcomingAnnounced | reminders_due(x, t + kTimerSlackUsec);
                    add_log(x, LogLevel::Info,
                            std::string(first ? "Upcoming notice" : "Reminder") +
                                ": the window starts " + format_timestamp(x.spec.start_usec) +
                                " (" + format_relative(x.spec.start_usec, t) + ").");
                });
                listener_.window_upcoming(live_.at(id));
                send_notice(id, first ? Notice::Upcoming : Notice::Reminder);
                return;
            }
            case TimerKind::Start:
                if (w.status != Status::Scheduled || !w.spec.valid || busy)
                    return;
                if (t + kTimerSlackUsec < w.spec.start_usec) {
                    rearm(w);
                    return;
                }
                busy_[id] = "running its prechecks";
                ports_.prechecks.run([this, id](std::vector<PrecheckResult> checks) {
                    begin(StartRequest{id, false, true, Actor{0, 0}, std::nullopt}, checks,
                          [this, id](std::optional<Error> e) {
                              // A refusal by the prechecks already failed the window, in its
                              // log; anything else nobody else would hear of.
                              if (e && e->code() != Errc::NotReady) {
                                  listener_.problem(id, std::string("the automatic start "
                                                                    "failed: ") +
                                                            e->what());
                              }
                          });
                });
                return;
            case TimerKind::End:
                if (busy)
                    return;  // re-armed when the start steps finish
                if (t + kTimerSlackUsec < w.spec.end_usec) {
                    rearm(w);
                    return;
                }
                if (w.status == Status::Scheduled) {
                    if (w.spec.valid) {
                        finish(id, Status::Failed, "", 0,
                               "Failed: the window's end passed before it could start",
                               LogLevel::Error);
                    } else {
                        finish(id, Status::Cancelled, "", 0, "Cancelled: expired while invalid",
                               LogLevel::Info);
                    }
                } else if (w.status == Status::InProgress && w.spec.auto_complete) {
                    stop_flip(id, "the window ended during the flip");
                    const Status outcome =
                        live_.at(id).had_errors ? Status::CompletedWithErrors : Status::Completed;
                    finish(id, outcome, "", 0,
                           "Finished automatically at its end as " +
                               std::string(to_string(outcome)) + ".",
                           outcome == Status::Completed ? LogLevel::Info : LogLevel::Warning);
                }
                return;
        }
    } catch (const Error& e) {
        // Nobody waits for a timer's outcome: the window keeps its state, so the next start-up
        // (or wake-up) tries again.
        listener_.problem(id, std::string("the ") + std::string(to_string(kind)) +
                                  " timer's work failed: " + e.what());
    }
}

// ---------------------------------------------------------------------------------------------
// The one path for changes

Window Planner::current(WindowId id) {
    if (auto it = live_.find(id); it != live_.end())
        return it->second;
    if (const Window* w = find(id))
        return *w;
    throw Error(Errc::NoSuchWindow, "There is no window " + std::to_string(id));
}

void Planner::finish(WindowId id, Status status, const std::string& note, Uid by,
                     const std::string& log_line, LogLevel level,
                     const std::optional<std::vector<std::string>>& audiences) {
    commit(id, [&](Window& x) {
        x.status = status;
        x.finished_usec = now();
        x.finished_by_uid = by;
        x.completion_note = note;
        // Marked before it is sent: a crash loses a notice, never repeats one.
        x.steps_done |= kStepFinishAnnounced;
        add_log(x, level, log_line);
        // Complete's notify chooses exactly whom the completion notice goes to ("the completion
        // notice sent to notify"); Notify keeps the audiences the window was planned with.
        if (audiences) {
            add_log(x, LogLevel::Info,
                    audiences->empty()
                        ? std::string("The completion notice goes to no audience.")
                        : "The completion notice goes to: " + join(*audiences, ", ") + ".");
        }
    });
    const Window* w = find(id);
    if (w)
        listener_.window_finished(*w);
    send_notice(id, status == Status::Cancelled ? Notice::Cancelled : Notice::Finished, audiences);
}

void Planner::send_notice(WindowId id, Notice notice,
                          const std::optional<std::vector<std::string>>& audiences) {
    const Window* found = find(id);
    if (!found)
        return;
    std::optional<Window> readdressed;
    if (audiences) {
        readdressed = *found;
        readdressed->spec.notify = *audiences;
    }
    const Window& w = readdressed ? *readdressed : *found;
    ports_.notifier.notify(notice, w, [this, id, notice](std::vector<std::string> failures) {
        if (failures.empty())
            return;
        commit_or_report(id, [&](Window& x) {
            for (const auto& f : failures) {
                add_log(x, LogLevel::Error,
                        "The " + std::string(to_string(notice)) + " notice failed: " + f);
            }
            if (!is_final(x.status))
                x.had_errors = true;
        });
    });
}

void Planner::record_host(const HostFlip& flip, std::map<std::string, StoredHostState>* batch) {
    StoredHostState next{flip.state, flip.message, now()};
    auto it = host_states_.find(flip.name);
    const bool changed = it == host_states_.end() || it->second.state != flip.state;
    if (batch)
        (*batch)[flip.name] = next;
    else
        save_hosts({{flip.name, next}});
    host_states_[flip.name] = std::move(next);
    if (changed)
        listener_.host_state_changed(flip.name, flip.state);
}

void Planner::save_hosts(const std::map<std::string, StoredHostState>& states) {
    try {
        ports_.store.save_host_states(states);
    } catch (const StoreError& e) {
        // The window's log records the flips; the last known state is a convenience.
        std::vector<std::string> names;
        for (const auto& [name, state] : states)
            names.push_back(name);
        listener_.problem(0, "could not save the state of host" +
                                 std::string(names.size() == 1 ? " " : "s ") + join(names, ", ") +
                                 ": " + e.what());
    }
}

void Planner::add_log(Window& w, LogLevel level, std::string message) const {
    w.log.push_back({now(), level, std::move(message)});
}

Window& Planner::live(WindowId id, std::string_view operation) {
    if (auto it = live_.find(id); it != live_.end())
        return it->second;
    if (const Window* w = find(id))
        refuse_state(*w, operation);
    throw Error(Errc::NoSuchWindow, "There is no window " + std::to_string(id));
}

void Planner::refuse_state(const Window& w, std::string_view operation) const {
    std::string allowed;
    if (operation == "started" || operation == "cancelled")
        allowed = "a scheduled window";
    if (operation == "completed" || operation == "retried")
        allowed = "an in-progress window";
    if (operation == "updated")
        allowed = "a scheduled or in-progress window";
    throw Error(Errc::InvalidState, "Window " + std::to_string(w.id) + " is " +
                                        std::string(to_string(w.status)) + "; only " + allowed +
                                        " can be " + std::string(operation));
}

// ---------------------------------------------------------------------------------------------
// Reads

ManagerView Planner::manager_view() const {
    ManagerView v;
    for (const auto& [id, w] : live_) {
        if (w.status == Status::InProgress) {
            v.active = id;
            v.state = "in-progress";
            v.under_maintenance = true;
            v.banner = kBannerInProgress;  // the contract's text; NotifyMessage is its own
        } else if (w.status == Status::Scheduled) {
            v.next = id;
        }
    }
    if (v.active == 0 && v.next != 0) {
        v.state = "scheduled";
        const Window& w = live_.at(v.next);
        if (w.spec.valid && w.done(kStepUpcomingAnnounced)) {
            // The reason always; the notify message, when there is one, after it.
            v.banner = "Maintenance is scheduled from " + format_timestamp(w.spec.start_usec) +
                       " to " + format_timestamp(w.spec.end_usec) + ": " + w.spec.reason +
                       (w.spec.notify_message.empty() ? "" : " \u2014 " + w.spec.notify_message);
        }
    }
    return v;
}

std::vector<WindowSummary> Planner::list() const {
    return {summaries_.rbegin(), summaries_.rend()};
}

bool Planner::exists(WindowId id) const {
    return std::binary_search(
        summaries_.begin(), summaries_.end(), WindowSummary{id, {}, 0, 0, {}},
        [](const WindowSummary& a, const WindowSummary& b) { return a.id < b.id; });
}

std::vector<WindowId> Planner::ids() const {
    std::vector<WindowId> out;
    out.reserve(summaries_.size());
    for (const auto& s : summaries_)
        out.push_back(s.id);
    return out;
}

void Planner::prefetch_history() {
    enumerating_ = true;
}

void Planner::drop_prefetched() {
    enumerating_ = false;
    prefetched_.clear();
}

const Window* Planner::find(WindowId id) {
    if (auto it = live_.find(id); it != live_.end())
        return &it->second;
    if (auto it = prefetched_.find(id); it != prefetched_.end())
        return &it->second;
    if (enumerating_ && exists(id)) {
        prefetched_.clear();
        try {
            const WindowId last = id > std::numeric_limits<WindowId>::max() - kPrefetchChunk
                                      ? std::numeric_limits<WindowId>::max()
                                      : id + kPrefetchChunk - 1;
            for (auto& w : ports_.store.get_range(id, last)) {
                if (is_final(w.status) && !live_.count(w.id))
                    prefetched_.emplace(w.id, std::move(w));
            }
        } catch (const StoreError& e) {
            // Read one by one below, as without the enumeration.
            listener_.problem(
                id, std::string("could not read the history from the store: ") + e.what());
        }
        if (auto it = prefetched_.find(id); it != prefetched_.end())
            return &it->second;
    }
    for (auto it = history_cache_.begin(); it != history_cache_.end(); ++it) {
        if (it->id == id) {
            history_cache_.splice(history_cache_.begin(), history_cache_, it);
            return &history_cache_.front();
        }
    }
    if (!exists(id))
        return nullptr;
    std::optional<Window> loaded;
    try {
        loaded = ports_.store.get(id);
    } catch (const StoreError& e) {
        listener_.problem(id, std::string("could not read it from the store: ") + e.what());
        return nullptr;
    }
    if (!loaded)
        return nullptr;
    history_cache_.push_front(std::move(*loaded));
    if (history_cache_.size() > kHistoryCacheSize)
        history_cache_.pop_back();
    return &history_cache_.front();
}

}  // namespace maint
