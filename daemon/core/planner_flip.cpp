// The flip of a window's hosts into maintenance: after Start has replied, on the loop, as the
// fleet reports each host. The rules (../shared/spec/dbus-api.md, "The error budget"):
//   - every host of the window gets one HostResults row, persisted; a host whose command was
//     started is marked `begun` on disk first, so a daemon killed mid-flip never flips it twice
//     (on resume such a host is `failed`, "interrupted", for RetryHosts to try again);
//   - when more hosts failed than the budget allows, no further host starts: the ones not begun
//     become `skipped`, the running ones finish;
//   - results are saved and HostProgress announced at most every kFlipFlushUsec, and once at
//     the end, with HostsFlipped.
#include <algorithm>
#include <unordered_map>

#include "common/text.hpp"
#include "core/planner.hpp"
#include "core/planner_internal.hpp"

namespace maint {

Planner::~Planner() = default;

void Planner::check_start_options(const StartOptions& options) {
    if (!options.max_failed_hosts)
        return;
    try {
        ErrorBudget::parse(*options.max_failed_hosts);
    } catch (const std::invalid_argument& e) {
        throw Error(Errc::InvalidArgs,
                    std::string("Invalid argument options: MaxFailedHosts: ") + e.what());
    }
}

Window* Planner::cached(WindowId id) {
    if (auto it = live_.find(id); it != live_.end())
        return &it->second;
    for (auto& w : history_cache_) {
        if (w.id == id)
            return &w;
    }
    return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Beginning: the hosts resolved once, then flipped

void Planner::begin_flip(WindowId id) {
    auto it = live_.find(id);
    if (it == live_.end() || it->second.status != Status::InProgress ||
        it->second.done(kStepHostsEntered) || flips_.count(id))
        return;
    if (it->second.done(kStepHostsResolved)) {
        run_flip(id);
        return;
    }
    busy_.erase(id);
    auto resolved = [this, id](Outcome<HostResolution> outcome) {
        auto live = live_.find(id);
        if (live == live_.end() || live->second.status != Status::InProgress)
            return;  // finished while the groups were asked
        std::vector<HostResult> rows;
        if (outcome.value) {
            rows.reserve(outcome.value->hosts.size());
            for (auto& h : outcome.value->hosts)
                rows.push_back({std::move(h), HostResultKind::Pending, "", 0, false});
        }
        try {
            ports_.store.replace_host_results(id, rows);
        } catch (const StoreError& e) {
            // Nothing was flipped: the window says so, and the flip is over (a waiting client
            // hears HostsFlipped). Should this commit fail too, the next start-up tries again.
            const std::string why = std::string("could not save the window's hosts: ") + e.what();
            listener_.problem(id, why);
            commit_or_report(id, [&](Window& x) {
                x.steps_done |= kStepHostsResolved | kStepHostsEntered;
                x.had_errors = true;
                add_log(x, LogLevel::Error, "Hosts were not put into maintenance: " + why);
            });
            if (const Window* w = find(id))
                listener_.hosts_flipped(*w);
            return;
        }
        const std::size_t total = rows.size();
        commit_or_report(id, [&](Window& x) {
            x.steps_done |= kStepHostsResolved;
            x.host_results = SharedHostResults(std::move(rows));
            x.host_progress = count_results(x.host_results.get());
            ++x.results_version;
            if (outcome.error) {
                x.had_errors = true;
                add_log(
                    x, LogLevel::Error,
                    std::string("Hosts were not put into maintenance: ") + outcome.error->what());
                return;
            }
            for (const auto& p : outcome.value->problems) {
                x.had_errors = true;
                add_log(x, LogLevel::Error, p);
            }
            const ErrorBudget budget = ErrorBudget::parse(x.flip_budget);
            add_log(x, LogLevel::Info,
                    total == 0
                        ? std::string("No hosts to put into maintenance.")
                        : "Putting " + std::to_string(total) + " host" + (total == 1 ? "" : "s") +
                              " into maintenance" +
                              (budget.none() ? std::string()
                                             : " (error budget: " + budget.text() + " failed)") +
                              ".");
        });
        if (live_.count(id) && live_.at(id).done(kStepHostsResolved))
            run_flip(id);
    };
    try {
        ports_.hosts.resolve(it->second.spec.hosts, resolved);
    } catch (const Error& e) {
        resolved(Outcome<HostResolution>::fail(e));
    }
}

void Planner::run_flip(WindowId id) {
    Window& w = live_.at(id);
    auto f = std::make_unique<Flip>();
    f->id = id;
    f->results = w.host_results;
    try {
        f->budget = ErrorBudget::parse(w.flip_budget);
    } catch (const std::invalid_argument&) {
        // Checked when it was set; a hand-edited database is no reason to stop a flip.
    }
    std::vector<HostResult>* rows = f->results.mutable_rows();
    std::vector<std::string> todo;
    if (rows) {
        f->index.reserve(rows->size());
        for (std::uint32_t i = 0; i < rows->size(); ++i)
            f->index.emplace((*rows)[i].host, i);
    }
    f->progress = w.host_progress;
    f->every_host_logged = f->progress.total <= kFlipLogEveryHost;
    Flip& flip = *f;
    flips_[id] = std::move(f);
    if (rows) {
        for (std::uint32_t i = 0; i < rows->size(); ++i) {
            HostResult& r = (*rows)[i];
            if (r.result != HostResultKind::Pending)
                continue;
            if (r.begun) {
                // Its command was started by a daemon that stopped before the answer came: it
                // may or may not have flipped, and it is not flipped twice.
                set_result(flip, i, HostResultKind::Failed,
                           r.host +
                               ": interrupted: the daemon stopped while it was being flipped; "
                               "its state is unknown (RetryHosts flips it again)");
                continue;
            }
            todo.push_back(r.host);
        }
    }
    if (!flip.stopping && flip.budget.exceeded(flip.progress.failed, flip.progress.total))
        stop_flip(id, "error budget of " + flip.budget.text() + " failed hosts exceeded");
    if (flip.stopping || todo.empty()) {
        flip_done(id);
        return;
    }
    HostFleet::FlipCallbacks callbacks;
    callbacks.starting = [this, id](const std::vector<std::string>& hosts) {
        return flip_starting(id, hosts);
    };
    callbacks.each = [this, id](const HostFlip& result) { flip_result(id, result); };
    callbacks.done = [this, id] { flip_done(id); };
    callbacks.note = [this, id](const std::string& line, bool error) {
        auto it = flips_.find(id);
        if (it == flips_.end())
            return;
        it->second->lines.push_back({now(), error ? LogLevel::Error : LogLevel::Warning, line});
        schedule_flush(id);
    };
    try {
        ports_.hosts.flip(todo, true, FlipContext{id, w.spec.reason}, std::move(callbacks));
    } catch (const Error& e) {
        // The backend refused outright (a host no longer configured, NotSupported): every host
        // not flipped fails with the reason, and the flip is over.
        const std::string why = std::string("not flipped: ") + e.what();
        for (const auto& h : todo) {
            if (auto p = flip.index.find(h); p != flip.index.end())
                set_result(flip, p->second, HostResultKind::Failed, h + ": " + why);
        }
        flip_done(id);
    }
}

// ---------------------------------------------------------------------------------------------
// As the fleet works

bool Planner::flip_starting(WindowId id, const std::vector<std::string>& hosts) {
    auto it = flips_.find(id);
    if (it == flips_.end())
        return false;
    Flip& f = *it->second;
    if (f.stopping)
        return false;  // stop_flip made them skipped
    std::vector<HostResult>& rows = *f.results.mutable_rows();
    std::vector<std::uint32_t> positions;
    positions.reserve(hosts.size());
    const Usec t = now();
    for (const auto& h : hosts) {
        auto p = f.index.find(h);
        if (p == f.index.end())
            continue;
        rows[p->second].begun = true;
        rows[p->second].time_usec = t;
        positions.push_back(p->second);
    }
    try {
        // On disk before the command runs: what a crash interrupts is never run again.
        ports_.store.save_host_results(id, rows, positions);
    } catch (const StoreError& e) {
        for (auto pos : positions) {
            rows[pos].begun = false;
            set_result(
                f, pos, HostResultKind::Failed,
                rows[pos].host + ": not flipped: could not record its start (" + e.what() + ")");
        }
        return false;
    }
    return true;
}

void Planner::flip_result(WindowId id, const HostFlip& flip) {
    auto it = flips_.find(id);
    if (it == flips_.end())
        return;
    Flip& f = *it->second;
    auto p = f.index.find(flip.name);
    if (p == f.index.end())
        return;
    const HostResultKind result = !flip.ok       ? HostResultKind::Failed
                                  : flip.already ? HostResultKind::Already
                                                 : HostResultKind::Maintenance;
    set_result(f, p->second, result, flip.message);
    record_host(flip, &f.host_states);
    if (!f.stopping && f.budget.exceeded(f.progress.failed, f.progress.total))
        stop_flip(id, "error budget of " + f.budget.text() + " failed hosts exceeded");
    schedule_flush(id);
}

void Planner::set_result(Flip& f, std::uint32_t pos, HostResultKind result, std::string message) {
    HostResult& r = (*f.results.mutable_rows())[pos];
    f.progress.add(r.result, -1);
    f.progress.add(result, +1);
    r.result = result;
    r.time_usec = now();
    const bool failed = result == HostResultKind::Failed;
    if (f.every_host_logged || (failed && f.failure_lines < kFlipFailureLines)) {
        f.lines.push_back({r.time_usec, failed ? LogLevel::Error : LogLevel::Info, message});
        if (failed && !f.every_host_logged && ++f.failure_lines == kFlipFailureLines) {
            f.lines.push_back(
                {r.time_usec, LogLevel::Warning, "Further failures are in HostResults only."});
        }
    }
    r.message = std::move(message);
    f.dirty.push_back(pos);
}

void Planner::stop_flip(WindowId id, const std::string& why) {
    auto it = flips_.find(id);
    if (it == flips_.end() || it->second->stopping)
        return;
    Flip& f = *it->second;
    f.stopping = true;
    std::vector<HostResult>& rows = *f.results.mutable_rows();
    std::size_t skipped = 0;
    for (std::uint32_t i = 0; i < rows.size(); ++i) {
        if (rows[i].result != HostResultKind::Pending || rows[i].begun)
            continue;
        const bool log_it = f.every_host_logged;
        f.every_host_logged = false;  // one line for them all, below
        set_result(f, i, HostResultKind::Skipped, why);
        f.every_host_logged = log_it;
        ++skipped;
    }
    f.lines.push_back({now(), LogLevel::Warning,
                       "The flip stops: " + why + "; " + std::to_string(skipped) + " host" +
                           (skipped == 1 ? " was" : "s were") +
                           " not begun and skipped (RetryHosts tries them again)."});
    flush_flip(id);
}

void Planner::schedule_flush(WindowId id) {
    auto it = flips_.find(id);
    if (it == flips_.end() || it->second->flush_scheduled)
        return;
    it->second->flush_scheduled = true;
    ports_.deferrer.defer(kFlipFlushUsec, [this, id] {
        auto f = flips_.find(id);
        if (f == flips_.end())
            return;
        f->second->flush_scheduled = false;
        flush_flip(id);
    });
}

void Planner::flush_flip(WindowId id) {
    auto it = flips_.find(id);
    if (it == flips_.end())
        return;
    Flip& f = *it->second;
    if (!f.host_states.empty()) {
        save_hosts(f.host_states);
        f.host_states.clear();
    }
    if (!f.dirty.empty()) {
        std::sort(f.dirty.begin(), f.dirty.end());
        f.dirty.erase(std::unique(f.dirty.begin(), f.dirty.end()), f.dirty.end());
        try {
            ports_.store.save_host_results(id, f.results.get(), f.dirty);
            f.dirty.clear();
        } catch (const StoreError& e) {
            // Kept dirty: the next flush tries again.
            listener_.problem(id, std::string("could not save the host results: ") + e.what());
        }
    }
    const bool errors = f.progress.failed + f.progress.skipped > 0;
    auto lines = std::move(f.lines);
    f.lines.clear();
    const HostProgress progress = f.progress;
    if (live_.count(id)) {
        commit_or_report(id, [&](Window& x) {
            x.host_progress = progress;
            ++x.results_version;
            if (errors)
                x.had_errors = true;
            for (auto& l : lines)
                x.log.push_back(std::move(l));
        });
        return;
    }
    // Finished while its last hosts ran: the results are on disk; the cached copy and the bus
    // learn the progress (a final window's log no longer changes).
    if (Window* w = cached(id); w && w->host_progress != progress) {
        w->host_progress = progress;
        ++w->results_version;
        listener_.window_changed(*w, kFieldHostProgress | kFieldHostResults);
    }
}

void Planner::flip_done(WindowId id) {
    auto it = flips_.find(id);
    if (it == flips_.end())
        return;
    flush_flip(id);
    const HostProgress p = it->second->progress;
    flips_.erase(it);
    if (live_.count(id)) {
        const std::string line =
            "Hosts: " + std::to_string(p.in_maintenance) + " of " + std::to_string(p.total) +
            " in maintenance" +
            (p.failed ? ", " + std::to_string(p.failed) + " failed" : std::string()) +
            (p.skipped ? ", " + std::to_string(p.skipped) + " skipped" : std::string()) + ".";
        commit_or_report(id, [&](Window& x) {
            x.steps_done |= kStepHostsEntered;
            add_log(x, p.failed + p.skipped ? LogLevel::Warning : LogLevel::Info, line);
        });
    }
    if (const Window* w = find(id))
        listener_.hosts_flipped(*w);
}

// ---------------------------------------------------------------------------------------------
// RetryHosts

void Planner::retry_hosts(WindowId id, const Actor& by) {
    Window& w = live(id, "retried");
    if (w.status != Status::InProgress)
        refuse_state(w, "retried");
    if (flips_.count(id) || busy_.count(id) || !w.done(kStepHostsEntered)) {
        throw Error(Errc::InvalidState, "Window " + std::to_string(id) +
                                            " is still flipping its hosts; retry when "
                                            "HostsFlipped says the flip is over");
    }
    std::vector<HostResult> rows = w.host_results.get();
    std::vector<std::uint32_t> positions;
    for (std::uint32_t i = 0; i < rows.size(); ++i) {
        if (rows[i].result != HostResultKind::Failed && rows[i].result != HostResultKind::Skipped)
            continue;
        rows[i].result = HostResultKind::Pending;
        rows[i].begun = false;
        rows[i].message.clear();
        rows[i].time_usec = now();
        positions.push_back(static_cast<std::uint32_t>(i));
    }
    if (positions.empty()) {
        throw Error(Errc::InvalidState,
                    "Window " + std::to_string(id) + " has no failed or skipped host to retry");
    }
    try {
        ports_.store.save_host_results(id, rows, positions);
    } catch (const StoreError& e) {
        throw Error(Errc::Failed, "Could not save window " + std::to_string(id) + ": " + e.what());
    }
    const std::size_t n = positions.size();
    commit(id, [&](Window& x) {
        x.steps_done &= ~kStepHostsEntered;
        x.host_results = SharedHostResults(std::move(rows));
        x.host_progress = count_results(x.host_results.get());
        ++x.results_version;
        add_log(x, LogLevel::Info,
                "Retrying " + std::to_string(n) + " failed or skipped host" + (n == 1 ? "" : "s") +
                    ", by UID " + std::to_string(by.uid) + ".");
    });
    run_flip(id);
}

}  // namespace maint
