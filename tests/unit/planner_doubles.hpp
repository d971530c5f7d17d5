// In-memory stand-ins for the planner's ports (core/ports.hpp), for fast tests of the lifecycle
// with no database, bus or real timer. Each double records what the planner asked of it; some can
// be told to fail, to throw Error(NotSupported), or to hold their answer until the test releases
// it (to look at the planner while an asynchronous step is under way).
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/planner.hpp"
#include "core/ports.hpp"

namespace maint::doubles {

// 2027-01-15 08:00:00 UTC: a fixed "now" so that tests do not depend on the real clock.
inline constexpr Usec kT0 = 1'800'000'000ULL * kUsecPerSec;

class ManualClock final : public Clock {
  public:
    explicit ManualClock(Usec t = kT0) : t_(t) {}
    Usec now() const override { return t_; }
    void set(Usec t) { t_ = t; }
    void advance(Usec d) { t_ += d; }

  private:
    Usec t_;
};

// Windows and host states in maps. Checks the port's promise that logs are append-only.
class MemoryStore final : public WindowStore {
  public:
    std::map<WindowId, Window> windows;
    WindowId last_id = 0;  // as a real store: the highest id ever saved, never lowered
    std::map<std::string, StoredHostState> host_states;
    int host_state_saves = 0;      // transactions, not hosts
    int saves = 0;                 // successful window saves
    int gets = 0;                  // calls of get()
    int range_gets = 0;            // calls of get_range()
    int saves_until_failure = -1;  // window saves that succeed before one throws (-1: none)
    bool fail_gets = false;
    bool fail_range_gets = false;
    bool fail_host_saves = false;
    std::vector<std::string> violations;  // broken promises of the port, for the test to check

    // The next window save throws StoreError, or the one after `skip` successful ones.
    void fail_next_save(int skip = 0) { saves_until_failure = skip; }
    const Window& at(WindowId id) const { return windows.at(id); }
    // Puts a window in as if a previous daemon had saved it.
    void put(const Window& w) {
        windows[w.id] = w;
        last_id = std::max(last_id, w.id);
    }

    // Host results apart from the windows, as a real store keeps them: a window saved keeps
    // none of the planner's (shared, updated in place) rows.
    std::map<WindowId, std::vector<HostResult>> results;
    int result_saves = 0;            // transactions of host results
    bool fail_result_saves = false;  // they throw StoreError

    // The window as a real store reads it back: with a copy of its host results.
    Window with_results(Window w) const {
        auto it = results.find(w.id);
        std::vector<HostResult> rows = it == results.end() ? std::vector<HostResult>{} : it->second;
        w.host_progress = count_results(rows);
        w.host_results = SharedHostResults(std::move(rows));
        return w;
    }

    Contents load() override {
        Contents c;
        for (const auto& [id, w] : windows) {
            c.summaries.push_back(summarize(w));
            if (!is_final(w.status))
                c.unfinished.push_back(with_results(w));
        }
        c.last_id = last_id;
        return c;
    }
    std::optional<Window> get(WindowId id) override {
        ++gets;
        if (fail_gets)
            throw StoreError("the database is locked");
        auto it = windows.find(id);
        if (it == windows.end())
            return std::nullopt;
        return with_results(it->second);
    }
    std::vector<Window> get_range(WindowId first, WindowId last) override {
        ++range_gets;
        if (fail_gets || fail_range_gets)
            throw StoreError("the database is locked");
        std::vector<Window> out;
        for (auto it = windows.lower_bound(first); it != windows.end() && it->first <= last; ++it)
            out.push_back(with_results(it->second));
        return out;
    }
    void save(const Window& w) override {
        if (saves_until_failure == 0) {
            saves_until_failure = -1;
            throw StoreError("disk full");
        }
        if (saves_until_failure > 0)
            --saves_until_failure;
        if (auto it = windows.find(w.id); it != windows.end()) {
            const auto& old = it->second.log;
            if (w.log.size() < old.size() || !std::equal(old.begin(), old.end(), w.log.begin())) {
                violations.push_back("window " + std::to_string(w.id) + ": log rewritten");
            }
            if (is_final(it->second.status) && it->second.status != w.status) {
                violations.push_back("window " + std::to_string(w.id) + ": final status changed");
            }
        }
        ++saves;
        Window kept = w;
        kept.host_results = SharedHostResults();
        windows[w.id] = std::move(kept);
        last_id = std::max(last_id, w.id);
    }
    void replace_host_results(WindowId id, const std::vector<HostResult>& rows) override {
        if (fail_result_saves)
            throw StoreError("disk full");
        ++result_saves;
        results[id] = rows;
    }
    void save_host_results(WindowId id, const std::vector<HostResult>& rows,
                           const std::vector<std::uint32_t>& positions) override {
        if (positions.empty())
            return;
        if (fail_result_saves)
            throw StoreError("disk full");
        ++result_saves;
        auto& kept = results[id];
        for (auto pos : positions) {
            if (kept.size() <= pos)
                kept.resize(pos + 1);
            kept[pos] = rows[pos];
        }
    }
    std::map<std::string, StoredHostState> load_host_states() override { return host_states; }
    void save_host_states(const std::map<std::string, StoredHostState>& states) override {
        if (fail_host_saves)
            throw StoreError("disk full");
        ++host_state_saves;
        for (const auto& [host, state] : states)
            host_states[host] = state;
    }
};

// Records arm() and reconcile(); the test fires timers by hand.
class RecordingScheduler final : public Scheduler {
  public:
    struct Arm {
        WindowId id = 0;
        std::vector<TimerSpec> timers;
    };
    Handler handler;
    std::vector<Arm> arms;
    std::vector<std::map<WindowId, std::vector<TimerSpec>>> reconciles;
    std::map<WindowId, std::vector<TimerSpec>> armed;  // what is armed now

    void set_handler(Handler h) override { handler = std::move(h); }
    void arm(WindowId id, const std::vector<TimerSpec>& timers) override {
        arms.push_back({id, timers});
        if (timers.empty()) {
            armed.erase(id);
        } else {
            armed[id] = timers;
        }
    }
    void reconcile(const std::map<WindowId, std::vector<TimerSpec>>& wanted) override {
        reconciles.push_back(wanted);
        armed.clear();
        for (const auto& [id, timers] : wanted) {
            if (!timers.empty())
                armed[id] = timers;
        }
    }

    std::vector<TimerSpec> timers(WindowId id) const {
        auto it = armed.find(id);
        return it == armed.end() ? std::vector<TimerSpec>{} : it->second;
    }
    std::optional<Usec> when(WindowId id, TimerKind kind) const {
        for (const auto& t : timers(id)) {
            if (t.kind == kind)
                return t.when_usec;
        }
        return std::nullopt;
    }
    // As the real scheduler does: the timer is used up, then the handler runs.
    void fire(WindowId id, TimerKind kind) {
        if (auto it = armed.find(id); it != armed.end()) {
            auto& list = it->second;
            list.erase(std::remove_if(list.begin(), list.end(),
                                      [kind](const TimerSpec& t) { return t.kind == kind; }),
                       list.end());
            if (list.empty())
                armed.erase(it);
        }
        if (handler)
            handler(id, kind);
    }
};

// Canned rows, handed over at once or held until release().
class CannedPrechecks final : public Prechecks {
  public:
    using Done = std::function<void(std::vector<PrecheckResult>)>;
    std::vector<PrecheckResult> rows;
    bool hold = false;
    int runs = 0;
    std::vector<Done> pending;

    void run(Done done) override {
        ++runs;
        if (hold) {
            pending.push_back(std::move(done));
        } else {
            done(rows);
        }
    }
    void release() {
        auto waiting = std::move(pending);
        pending.clear();
        for (auto& done : waiting)
            done(rows);
    }

    static PrecheckResult pass(const std::string& name, const std::string& severity = "error") {
        return {name, "checks " + name, severity, "pass", ""};
    }
    static PrecheckResult fail(const std::string& name, const std::string& severity,
                               const std::string& message) {
        return {name, "checks " + name, severity, "fail", message};
    }
};

// Hosts that flip (or fail, or refuse with NotSupported), one after the other as a fleet with
// one slot would; flips can be held until release(). Groups resolve to their hosts.
class FakeHostFleet final : public HostFleet {
  public:
    struct FlipCall {
        std::vector<std::string> hosts;
        bool enter = false;
        WindowId window = 0;
    };
    std::vector<FlipCall> flips;
    std::vector<std::string> started;                  // every host `starting` let start, in order
    std::function<void(const std::string&)> on_start;  // as each host starts, before its result
    std::set<std::string> failing;                     // hosts whose flip fails
    std::set<std::string> already;                     // hosts already in the wanted state
    std::map<std::string, std::vector<std::string>> groups;
    std::vector<std::string> resolve_problems;
    std::optional<Error> resolve_error;
    bool not_supported = false;  // flip() throws Error(NotSupported)
    bool hold = false;
    std::vector<std::function<void()>> pending;
    std::vector<HostReport> reports;
    std::optional<Error> list_error;

    bool hold_lists = false;  // list() answers only on release_lists()
    std::vector<std::function<void(Outcome<std::vector<HostReport>>)>> pending_lists;
    void release_lists() {
        auto waiting = std::move(pending_lists);
        pending_lists.clear();
        for (auto& done : waiting)
            done(Outcome<std::vector<HostReport>>::ok(reports));
    }

    void list(std::function<void(Outcome<std::vector<HostReport>>)> done) override {
        if (hold_lists) {
            pending_lists.push_back(std::move(done));
            return;
        }
        if (list_error) {
            done(Outcome<std::vector<HostReport>>::fail(*list_error));
        } else {
            done(Outcome<std::vector<HostReport>>::ok(reports));
        }
    }
    void resolve(const std::vector<std::string>& names,
                 std::function<void(Outcome<HostResolution>)> done) override {
        if (resolve_error) {
            done(Outcome<HostResolution>::fail(*resolve_error));
            return;
        }
        HostResolution r;
        r.problems = resolve_problems;
        std::set<std::string> seen;
        for (const auto& n : names) {
            auto g = groups.find(n);
            for (const auto& h : g == groups.end() ? std::vector<std::string>{n} : g->second) {
                if (seen.insert(h).second)
                    r.hosts.push_back(h);
            }
        }
        done(Outcome<HostResolution>::ok(std::move(r)));
    }
    void flip(const std::vector<std::string>& hosts, bool enter, const FlipContext& context,
              FlipCallbacks callbacks) override {
        flips.push_back({hosts, enter, context.window});
        if (not_supported)
            throw Error(Errc::NotSupported, "no host backend is configured");
        auto work = [this, hosts, enter, callbacks = std::move(callbacks)] {
            for (const auto& h : hosts) {
                if (callbacks.starting && !callbacks.starting({h}))
                    continue;
                started.push_back(h);
                if (on_start)
                    on_start(h);
                HostFlip f;
                f.name = h;
                f.ok = failing.count(h) == 0;
                f.already = already.count(h) != 0;
                f.state = !f.ok ? HostState::Unknown
                                : (enter ? HostState::Maintenance : HostState::Normal);
                f.message = f.ok ? "Host " + h + (enter ? " entered" : " left") + " maintenance"
                                 : "Host " + h + " did not answer";
                callbacks.each(f);
            }
            callbacks.done();
        };
        if (hold) {
            pending.push_back(std::move(work));
        } else {
            work();
        }
    }
    void release() {
        auto waiting = std::move(pending);
        pending.clear();
        for (auto& work : waiting)
            work();
    }
};

// Deferred calls run when the test says (run()), as if their time had come.
class ManualDeferrer final : public Deferrer {
  public:
    std::vector<std::pair<Usec, std::function<void()>>> calls;
    void defer(Usec delay_usec, std::function<void()> fn) override {
        calls.emplace_back(delay_usec, std::move(fn));
    }
    void run() {
        auto due = std::move(calls);
        calls.clear();
        for (auto& [delay, fn] : due)
            fn();
    }
};

// Login sessions: terminate() reports `ends`, or `error` through the callback, or throws
// Error(NotSupported) at once.
class FakeSessions final : public Sessions {
  public:
    struct TerminateCall {
        bool include_admins = false;
        std::uint32_t except_pid = 0;
    };
    std::vector<TerminateCall> terminations;
    std::vector<SessionEnd> ends;
    std::optional<Error> error;
    bool not_supported = false;
    std::vector<SessionInfo> sessions;

    void list(std::function<void(Outcome<std::vector<SessionInfo>>)> done) override {
        done(Outcome<std::vector<SessionInfo>>::ok(sessions));
    }
    void terminate(bool include_admins, std::uint32_t except_pid,
                   std::function<void(Outcome<std::vector<SessionEnd>>)> done) override {
        terminations.push_back({include_admins, except_pid});
        if (not_supported)
            throw Error(Errc::NotSupported, "logind is not available");
        if (error) {
            done(Outcome<std::vector<SessionEnd>>::fail(*error));
        } else {
            done(Outcome<std::vector<SessionEnd>>::ok(ends));
        }
    }
};

// Records every notice with the window as it was sent; can report failed channels per notice.
class RecordingNotifier final : public Notifier {
  public:
    struct Sent {
        Notice notice;
        Window window;
    };
    std::vector<Sent> sent;
    std::map<Notice, std::vector<std::string>> failures;

    void notify(Notice notice, const Window& w,
                std::function<void(std::vector<std::string>)> done) override {
        sent.push_back({notice, w});
        auto it = failures.find(notice);
        done(it == failures.end() ? std::vector<std::string>{} : it->second);
    }
    int count(Notice notice) const {
        return static_cast<int>(std::count_if(
            sent.begin(), sent.end(), [notice](const Sent& s) { return s.notice == notice; }));
    }
    std::vector<Notice> notices() const {
        std::vector<Notice> out;
        for (const auto& s : sent)
            out.push_back(s.notice);
        return out;
    }
};

// Records what the planner announces, and whether the store already held each announced window.
class RecordingListener final : public PlannerListener {
  public:
    struct Event {
        std::string kind;  // added changed upcoming started finished manager host by-hand problem
        Window window;
        std::uint32_t fields = 0;
        ManagerView before;
        ManagerView after;
        std::string text;  // host name or problem text
        HostState host_state = HostState::Unknown;
        WindowId id = 0;
        Uid uid = 0;           // who flipped a host by hand
        bool enabled = false;  // into (true) or out of maintenance, by hand
        bool stored = false;   // the store held exactly `window` when this was heard
    };
    std::vector<Event> events;

    explicit RecordingListener(const MemoryStore& store) : store_(store) {}

    void window_added(const Window& w) override { record("added", w); }
    void window_changed(const Window& w, std::uint32_t fields) override {
        record("changed", w).fields = fields;
    }
    void window_upcoming(const Window& w) override { record("upcoming", w); }
    void window_started(const Window& w) override { record("started", w); }
    void window_finished(const Window& w) override { record("finished", w); }
    void manager_changed(const ManagerView& before, const ManagerView& after) override {
        Event e;
        e.kind = "manager";
        e.before = before;
        e.after = after;
        events.push_back(std::move(e));
    }
    void host_state_changed(const std::string& host, HostState state) override {
        Event e;
        e.kind = "host";
        e.text = host;
        e.host_state = state;
        events.push_back(std::move(e));
    }
    void host_flipped_by_hand(const HostFlip& flip, bool enabled, Uid by) override {
        Event e;
        e.kind = "by-hand";
        e.text = flip.name + ": " + flip.message;
        e.host_state = flip.state;
        e.enabled = enabled;
        e.uid = by;
        events.push_back(std::move(e));
    }
    void hosts_flipped(const Window& w) override { record("flipped", w); }
    void problem(WindowId id, const std::string& what) override {
        Event e;
        e.kind = "problem";
        e.id = id;
        e.text = what;
        events.push_back(std::move(e));
    }

    std::vector<std::string> kinds() const {
        std::vector<std::string> out;
        for (const auto& e : events)
            out.push_back(e.kind);
        return out;
    }
    std::vector<const Event*> of_kind(const std::string& kind) const {
        std::vector<const Event*> out;
        for (const auto& e : events) {
            if (e.kind == kind)
                out.push_back(&e);
        }
        return out;
    }
    void clear() { events.clear(); }

  private:
    Event& record(const char* kind, const Window& w) {
        Event e;
        e.kind = kind;
        e.window = w;
        // A copy of the rows as they are now: the planner updates them in place.
        e.window.host_results = SharedHostResults(w.host_results.get());
        e.id = w.id;
        // The host results are saved apart from the window (and as a flip goes, ahead of it).
        auto without_results = [](Window x) {
            x.host_results = SharedHostResults();
            x.host_progress = {};
            return x;
        };
        auto it = store_.windows.find(w.id);
        e.stored = it != store_.windows.end() && without_results(it->second) == without_results(w);
        events.push_back(std::move(e));
        return events.back();
    }

    const MemoryStore& store_;
};

// Every double wired to one Planner. Tests reach into the members to set them up and to look.
struct PlannerRig {
    ManualClock clock;
    MemoryStore store;
    RecordingScheduler scheduler;
    CannedPrechecks prechecks;
    FakeHostFleet hosts;
    FakeSessions sessions;
    RecordingNotifier notifier;
    ManualDeferrer deferrer;
    RecordingListener listener{store};
    PlannerSettings settings;
    std::optional<Planner> planner;

    PlannerRig() {
        settings.default_lead_usec = 30 * kUsecPerMinute;
        settings.known.audiences = {"ops", "devs"};
        settings.known.hosts = {"web1", "db1"};
    }
    // A new planner over the doubles (and over what the store holds), loaded but not resumed.
    Planner& make() {
        planner.reset();
        planner.emplace(
            PlannerPorts{store, scheduler, clock, prechecks, hosts, sessions, notifier, deferrer},
            settings, listener);
        planner->load();
        return *planner;
    }
};

}  // namespace maint::doubles
