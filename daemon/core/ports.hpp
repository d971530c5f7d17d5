// The seams between the domain and the world: everything the planner needs from outside, as
// interfaces. Real implementations live in daemon/store, daemon/system and daemon/bus; tests
// of the pure logic may substitute their own. No sdbus, no Asio here.
//
// Callbacks run on the daemon's one event-loop thread. A port may refuse an operation outright
// by throwing maint::Error synchronously (e.g. Errc::NotSupported).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "errors.hpp"
#include "window.hpp"

namespace maint {

// A value, or the Error that prevented it: what asynchronous ports hand to their callbacks.
template <class T>
struct Outcome {
    std::optional<T> value;
    std::optional<Error> error;
    static Outcome ok(T v) { return {std::move(v), std::nullopt}; }
    static Outcome fail(Error e) { return {std::nullopt, std::move(e)}; }
};

class Clock {
  public:
    virtual ~Clock() = default;
    // CLOCK_REALTIME, microseconds since the epoch.
    virtual Usec now() const = 0;
};

// ---------------------------------------------------------------------------------------------
// Persistence

class StoreError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class HostState { Normal, Maintenance, Unknown };
std::string_view to_string(HostState s);
std::optional<HostState> parse_host_state(std::string_view s);

struct StoredHostState {
    HostState state = HostState::Unknown;
    std::string message;
    Usec changed_usec = 0;
    bool operator==(const StoredHostState&) const = default;
};

// The windows and their history. Every call is atomic: a save is either fully on disk when it
// returns or not at all (and then throws StoreError saying why).
class WindowStore {
  public:
    struct Contents {
        std::vector<WindowSummary> summaries;  // every window, ascending id
        std::vector<Window> unfinished;        // full windows whose status is not final
        WindowId last_id = 0;                  // the highest id ever stored
    };
    virtual ~WindowStore() = default;
    virtual Contents load() = 0;
    // The full window (history included), or nullopt if there is none with that id.
    virtual std::optional<Window> get(WindowId id) = 0;
    // The full windows with ids from `first` to `last`, ascending (an enumeration of the
    // history reads them in one pass instead of one get() each).
    virtual std::vector<Window> get_range(WindowId first, WindowId last) = 0;
    // Inserts or replaces the window; log entries are append-only.
    virtual void save(const Window& w) = 0;
    virtual std::map<std::string, StoredHostState> load_host_states() = 0;
    // Inserts or replaces the given hosts' last known states, all in one transaction.
    virtual void save_host_states(const std::map<std::string, StoredHostState>& states) = 0;
    // A window's host results (HostResults): all of them, replacing any there were, or the rows
    // at `positions` of `results` (a flip's progress), each call one transaction. save() does
    // not write them: a fleet's results are far bigger than the rest of its window. get(),
    // get_range() and load() read them back.
    virtual void replace_host_results(WindowId id, const std::vector<HostResult>& results) = 0;
    virtual void save_host_results(WindowId id, const std::vector<HostResult>& results,
                                   const std::vector<std::uint32_t>& positions) = 0;
};

// Calls back later on the loop (a flip's progress is saved and announced at most this often).
class Deferrer {
  public:
    virtual ~Deferrer() = default;
    virtual void defer(Usec delay_usec, std::function<void()> fn) = 0;
};

// ---------------------------------------------------------------------------------------------
// Timers

enum class TimerKind { Upcoming, Start, End };
std::string_view to_string(TimerKind k);

struct TimerSpec {
    TimerKind kind = TimerKind::Start;
    Usec when_usec = 0;  // CLOCK_REALTIME
    bool operator==(const TimerSpec&) const = default;
};

// Wakes the planner at absolute wall-clock times, also across clock jumps. A timer whose time
// has already passed fires promptly (never synchronously from within arm()).
class Scheduler {
  public:
    using Handler = std::function<void(WindowId, TimerKind)>;
    virtual ~Scheduler() = default;
    virtual void set_handler(Handler handler) = 0;
    // Makes exactly `timers` armed for the window; an empty list disarms all of its timers.
    virtual void arm(WindowId id, const std::vector<TimerSpec>& timers) = 0;
    // Called once at start-up with every window that should have timers; timers of any other
    // window are stray and go.
    virtual void reconcile(const std::map<WindowId, std::vector<TimerSpec>>& wanted) = 0;
};

// ---------------------------------------------------------------------------------------------
// Authorization

// Who is calling, as the bus tells it.
struct Caller {
    std::string bus_name;  // unique name, ":1.42"
    Uid uid = 0;
    std::uint32_t pid = 0;
    bool interactive_allowed = false;  // the message's allow-interactive-authorization flag
};

enum class Action { Schedule, Run, ForceStart, ManageSessions, ManageHosts, Reload };
// "org.example.maintenance1.schedule", ...
std::string_view action_id(Action a);

// Busy: too many checks are already waiting (refused at once, nothing was asked).
enum class Verdict { Allowed, Denied, InteractiveRequired, Unavailable, Busy };
struct AuthDecision {
    Verdict verdict = Verdict::Denied;
    std::string message;  // why, for the error reply when not allowed
};

class Authorizer {
  public:
    virtual ~Authorizer() = default;
    // `method` is the D-Bus method being authorized, for the log of denials.
    virtual void authorize(const Caller& caller, Action action, const std::string& method,
                           std::function<void(AuthDecision)> done) = 0;
};

// ---------------------------------------------------------------------------------------------
// The neighbours a window acts upon

class Prechecks {
  public:
    virtual ~Prechecks() = default;
    // Runs every configured check concurrently; `done` gets one row per check, in
    // configuration order.
    virtual void run(std::function<void(std::vector<PrecheckResult>)> done) = 0;
};

struct HostReport {
    std::string name;
    HostState state = HostState::Unknown;
    std::string message;
    bool probed = false;  // state comes from asking the host now (else: the last known one)
};

// The hosts a window's names stand for: its hosts, and the hosts of its groups as their
// HostsCommand= lists them now.
struct HostResolution {
    std::vector<std::string> hosts;     // in order, without duplicates
    std::vector<std::string> problems;  // lines for the window's log (a listing that failed)
};

// What a flip is for, for the commands (%w) and the batch commands' environment.
struct FlipContext {
    WindowId window = 0;  // 0: a host flipped by hand
    std::string reason;
};

struct HostFlip {
    std::string name;
    bool ok = false;
    bool already = false;  // the host was already in the wanted state: nothing was done
    HostState state = HostState::Unknown;
    std::string message;  // a line for the window's log
};

class HostFleet {
  public:
    virtual ~HostFleet() = default;
    virtual void list(std::function<void(Outcome<std::vector<HostReport>>)> done) = 0;
    // The hosts `names` (hosts and group names) stand for; an unknown name is an error.
    virtual void resolve(const std::vector<std::string>& names,
                         std::function<void(Outcome<HostResolution>)> done) = 0;

    struct FlipCallbacks {
        // Right before hosts are started (one host, a batch, or all that take free slots at
        // once): false keeps them from starting, and they count as finished without an `each`
        // (the caller recorded why). Null: always start.
        std::function<bool(const std::vector<std::string>& hosts)> starting;
        std::function<void(const HostFlip&)> each;  // as each host finishes, in any order
        std::function<void()> done;                 // once, after the last host
        // A line for the window's log that is about no one host (a batch command's standard
        // error, a line of its output that is not the protocol's). Null: dropped.
        std::function<void(const std::string& line, bool error)> note;
    };
    // Flips `hosts` into (enter) or out of maintenance. Throws Error(NoSuchHost) for a name it
    // does not know, before starting anything.
    virtual void flip(const std::vector<std::string>& hosts, bool enter, const FlipContext& context,
                      FlipCallbacks callbacks) = 0;
};

struct SessionInfo {
    std::string id;
    Uid uid = 0;
    std::string user;
    bool is_admin = false;
    std::string where;  // tty, seat or remote host
};

struct SessionEnd {
    std::string id;
    Uid uid = 0;
    std::string user;
    bool ok = false;
    std::string message;
};

class Sessions {
  public:
    virtual ~Sessions() = default;
    virtual void list(std::function<void(Outcome<std::vector<SessionInfo>>)> done) = 0;
    // Ends every session (non-admin ones only unless include_admins) except the one that
    // process `except_pid` belongs to (0: none spared).
    virtual void terminate(bool include_admins, std::uint32_t except_pid,
                           std::function<void(Outcome<std::vector<SessionEnd>>)> done) = 0;
};

// Upcoming is the first notice before a start; Reminder each later one (30, 15, 5, 1 minutes).
enum class Notice { Scheduled, Updated, Upcoming, Reminder, Started, Finished, Cancelled };
std::string_view to_string(Notice n);

class Notifier {
  public:
    virtual ~Notifier() = default;
    // Tells people about the window; `done` gets one line per channel that failed (empty: all
    // sent).
    virtual void notify(Notice notice, const Window& w,
                        std::function<void(std::vector<std::string> failures)> done) = 0;
};

}  // namespace maint
