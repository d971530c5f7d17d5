// The lifecycle of maintenance windows: scheduling, the one-at-a-time rule, starting (by hand or
// by timer), completing, cancelling, missed windows after a restart. It decides; the ports act.
//
// Every change goes through one path (Planner::commit): applied to a copy, saved to the store,
// and only then made current and announced to the listener. A store failure leaves memory and
// disk as they were and surfaces as Errc::Failed.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/budget.hpp"
#include "core/ports.hpp"
#include "core/validation.hpp"
#include "core/window.hpp"

namespace maint {

// Which window properties a change touched (bits), for PropertiesChanged.
enum WindowField : std::uint32_t {
    kFieldStatus = 1u << 0,
    kFieldValid = 1u << 1,
    kFieldStartUSec = 1u << 2,
    kFieldEndUSec = 1u << 3,
    kFieldReason = 1u << 4,
    kFieldNotify = 1u << 5,
    kFieldComment = 1u << 6,
    kFieldLoginMessage = 1u << 7,
    kFieldShowLoginMessage = 1u << 8,
    kFieldNotifyMessage = 1u << 9,
    kFieldNotifyLeadUSec = 1u << 10,
    kFieldHosts = 1u << 11,
    kFieldAutoComplete = 1u << 12,
    kFieldStartedUSec = 1u << 13,
    kFieldStartedByUID = 1u << 14,
    kFieldFinishedUSec = 1u << 15,
    kFieldFinishedByUID = 1u << 16,
    kFieldCompletionNote = 1u << 17,
    kFieldPrecheckResults = 1u << 18,
    kFieldLog = 1u << 19,
    kFieldMaxFailedHosts = 1u << 20,
    kFieldHostProgress = 1u << 21,
    kFieldHostResults = 1u << 22,
};
std::uint32_t changed_fields(const Window& before, const Window& after);

// The Manager object's properties.
struct ManagerView {
    std::string state = "idle";  // idle | scheduled | in-progress
    bool under_maintenance = false;
    WindowId active = 0;  // 0: none
    WindowId next = 0;
    std::string banner;
    bool operator==(const ManagerView&) const = default;
};

inline constexpr const char* kBannerInProgress = "System is under maintenance!";

// What the planner tells the outside, after each change is stored.
class PlannerListener {
  public:
    virtual ~PlannerListener() = default;
    virtual void window_added(const Window& w) = 0;
    virtual void window_changed(const Window& w, std::uint32_t fields) = 0;
    virtual void window_upcoming(const Window& w) = 0;
    virtual void window_started(const Window& w) = 0;
    virtual void window_finished(const Window& w) = 0;
    virtual void manager_changed(const ManagerView& before, const ManagerView& after) = 0;
    virtual void host_state_changed(const std::string& host, HostState state) = 0;
    // A window's flip (on start or RetryHosts) is over: every host has a result (HostsFlipped).
    virtual void hosts_flipped(const Window& w) { (void)w; }
    // A host flipped by hand (SetHostMaintenance): who asked, and how it went. It belongs to no
    // window, so the daemon's own log is where it is recorded. No-op by default: only the log
    // listens.
    virtual void host_flipped_by_hand(const HostFlip& flip, bool enabled, Uid by) {
        (void)flip;
        (void)enabled;
        (void)by;
    }
    // Something went wrong that no caller is waiting to hear about (a timer's work, a late
    // step): for the daemon's own log.
    virtual void problem(WindowId id, const std::string& what) = 0;
};

struct PlannerPorts {
    WindowStore& store;
    Scheduler& scheduler;
    const Clock& clock;
    Prechecks& prechecks;
    HostFleet& hosts;
    Sessions& sessions;
    Notifier& notifier;
    Deferrer& deferrer;
};

struct PlannerSettings {
    Usec default_lead_usec = 30 * kUsecPerMinute;
    std::string default_max_failed_hosts;  // [Daemon] MaxFailedHosts=, checked
    KnownNames known;                      // configured audiences and hosts, in configuration order
};

// Who asked, and from which process (for sparing the starter's login session).
struct Actor {
    Uid uid = 0;
    std::uint32_t pid = 0;
};

class Planner {
  public:
    using Done = std::function<void(std::optional<Error>)>;

    Planner(PlannerPorts ports, PlannerSettings settings, PlannerListener& listener);
    ~Planner();

    // Reads the store. Throws StoreError when it cannot be used.
    void load();
    // After the bus is up: settles windows whose times passed while the daemon was down,
    // finishes interrupted steps, and arms every timer (reconciling the scheduler's).
    void resume();
    void set_settings(PlannerSettings settings);
    const PlannerSettings& settings() const { return settings_; }

    // Argument checks that need no authorization, run before asking for it (and again inside
    // the operations). Throw Error: InvalidArgs, NoSuchWindow.
    void check_schedule(const WindowChanges& request) const;
    void check_update(WindowId id, const WindowChanges& changes);
    // Complete's note and notify list, or Cancel's reason (`argument` names it in errors).
    void check_finish(WindowId id, std::string_view argument, const std::string& text,
                      const std::vector<std::string>& notify);

    // The polkit action a request needs. "schedule" plans windows, but a window set to start
    // within kStartGraceUsec of now starts itself at once, and moving an in-progress window's end
    // stands in for Complete: those need "run", as Start and Complete do.
    Action schedule_action(const WindowChanges& request) const;
    Action update_action(WindowId id, const WindowChanges& changes) const;

    // The mutating operations. Synchronous ones throw Error; asynchronous ones report through
    // `done` (exactly once) and throw only when refused before anything started.
    WindowId schedule(const WindowChanges& request, const Actor& by);
    void update(WindowId id, const WindowChanges& changes, const Actor& by);
    void cancel(WindowId id, const std::string& reason, const Actor& by);
    void complete(WindowId id, const std::string& note, const std::vector<std::string>& notify,
                  bool failed, const Actor& by);
    // Start's options: Force, and MaxFailedHosts (this start's error budget instead of the
    // window's; checked by check_start_options).
    struct StartOptions {
        bool force = false;
        std::optional<std::string> max_failed_hosts;
    };
    static void check_start_options(const StartOptions& options);
    // Replies (done) once the window is in progress and its sessions are ended; the flip of its
    // hosts goes on afterwards (HostProgress, HostResults, HostsFlipped).
    void start(WindowId id, const StartOptions& options, const Actor& by, Done done);
    void start(WindowId id, bool force, const Actor& by, Done done) {
        start(id, StartOptions{force, std::nullopt}, by, std::move(done));
    }
    // Flips an in-progress window's failed and skipped hosts again, with the budget of its last
    // flip. Throws InvalidState while a flip of the window runs or when none has results to
    // retry.
    void retry_hosts(WindowId id, const Actor& by);
    bool flipping(WindowId id) const { return flips_.count(id) != 0; }
    // How often a running flip saves and announces its progress (4 a second).
    static constexpr Usec kFlipFlushUsec = 250'000;
    // Up to this many hosts, a flip logs every host's line; a bigger fleet logs its failures
    // (at most kFlipFailureLines of them) and the summary: HostResults has every host.
    static constexpr std::size_t kFlipLogEveryHost = 64;
    static constexpr std::size_t kFlipFailureLines = 100;
    void dry_run(std::function<void(bool ready, std::vector<PrecheckResult>)> done);
    void set_host_maintenance(const std::string& host, bool enabled, const Actor& by, Done done);
    // Anyone may list the hosts, and a listing may wait for the hosts' status commands: at most
    // kMaxWaitingHostLists wait at once, more are refused with Errc::Busy (a call sent with
    // NO_REPLY_EXPECTED escapes dbus-daemon's cap on pending replies).
    static constexpr std::size_t kMaxWaitingHostLists = 32;
    void list_hosts(std::function<void(Outcome<std::vector<HostReport>>)> done);
    void list_sessions(std::function<void(Outcome<std::vector<SessionInfo>>)> done);
    void terminate_sessions(bool include_admins, const Actor& by,
                            std::function<void(Outcome<std::vector<std::string>>)> done);

    // A line for a live window's log from outside its own steps (a session the login guard
    // ended, a state file that could not be written); `error` counts toward
    // completed-with-errors. Store failures go to the listener's problem().
    void note(WindowId id, LogLevel level, std::string message, bool error = false);

    // Reads.
    ManagerView manager_view() const;
    std::vector<WindowSummary> list() const;  // newest first
    // Every window, ascending id, without a copy (valid until the next mutating operation).
    const std::vector<WindowSummary>& summaries() const { return summaries_; }
    bool exists(WindowId id) const;
    std::vector<WindowId> ids() const;  // ascending
    // The full window, loading finished ones from the store on demand into a small cache. The
    // pointer stays valid until the next call of find() or of a mutating operation.
    const Window* find(WindowId id);
    // An enumeration of every window is coming (ObjectManager.GetManagedObjects, ascending
    // ids): until drop_prefetched(), find() reads finished windows ahead in chunks of
    // kPrefetchChunk ids (a query per table instead of five per window), holding one chunk.
    static constexpr WindowId kPrefetchChunk = 256;
    void prefetch_history();
    void drop_prefetched();

    // The scheduler's wake-ups (public for the scheduler's handler and for tests).
    void on_timer(WindowId id, TimerKind kind);

  private:
    struct StartRequest {
        WindowId id = 0;
        bool force = false;
        bool automatic = false;
        Actor by;
        std::optional<std::string> max_failed_hosts;
    };

    void resume_window(WindowId id, Usec now);
    WindowSpec schedule_spec(const WindowChanges& request) const;
    Window current(WindowId id);
    Window& live(WindowId id, std::string_view operation);
    [[noreturn]] void refuse_state(const Window& w, std::string_view operation) const;
    template <class Change>
    void commit(WindowId id, Change&& change);
    // commit() for work nobody waits on: a failure goes to the listener's problem().
    template <class Change>
    void commit_or_report(WindowId id, Change&& change);
    void add_log(Window& w, LogLevel level, std::string message) const;
    void rearm(const Window& w);
    std::vector<TimerSpec> timers_for(const Window& w) const;
    void begin(const StartRequest& req, const std::vector<PrecheckResult>& checks, Done done);
    void run_start_steps(WindowId id, std::uint32_t except_pid, Done done);

    // The flip of a window's hosts (planner_flip.cpp).
    struct Flip;
    void begin_flip(WindowId id);
    void run_flip(WindowId id);
    bool flip_starting(WindowId id, const std::vector<std::string>& hosts);
    void flip_result(WindowId id, const HostFlip& flip);
    void flip_done(WindowId id);
    // No further host starts; those not begun become skipped with `why`.
    void stop_flip(WindowId id, const std::string& why);
    void set_result(Flip& f, std::uint32_t pos, HostResultKind result, std::string message);
    void schedule_flush(WindowId id);
    // Saves the changed results, commits the log lines gathered, announces the progress.
    void flush_flip(WindowId id);
    Window* cached(WindowId id);
    void end_sessions(WindowId id, std::uint32_t except_pid, std::function<void()> next);
    // `audiences`: whom the finished notice goes to instead of the window's Notify (Complete's
    // notify argument); nullopt: the window's own audiences.
    void finish(WindowId id, Status status, const std::string& note, Uid by,
                const std::string& log_line, LogLevel level,
                const std::optional<std::vector<std::string>>& audiences = std::nullopt);
    void send_notice(WindowId id, Notice notice,
                     const std::optional<std::vector<std::string>>& audiences = std::nullopt);
    // Keeps a host's new last known state and announces a change. With `batch`, saving it is
    // left to the caller (save_hosts), so that a fleet's states take one sync per batch.
    void record_host(const HostFlip& flip, std::map<std::string, StoredHostState>* batch = nullptr);
    void save_hosts(const std::map<std::string, StoredHostState>& states);
    Usec now() const { return ports_.clock.now(); }

    PlannerPorts ports_;
    PlannerSettings settings_;
    PlannerListener& listener_;
    std::map<WindowId, Window> live_;        // scheduled and in-progress windows
    std::vector<WindowSummary> summaries_;   // every window, ascending id
    std::list<Window> history_cache_;        // recently read finished windows, newest first
    bool enumerating_ = false;               // between prefetch_history and drop_prefetched
    std::map<WindowId, Window> prefetched_;  // the chunk of finished windows read ahead
    std::map<WindowId, std::string> busy_;   // windows with a start under way: what runs
    std::map<std::string, StoredHostState> host_states_;  // last known, persisted
    WindowId last_id_ = 0;
    std::size_t waiting_host_lists_ = 0;
    std::map<WindowId, std::unique_ptr<Flip>> flips_;  // the flips under way
};

}  // namespace maint
