// See hosts.hpp.
#include "system/hosts.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <unordered_set>

#include "common/hostlist.hpp"
#include "common/text.hpp"
#include "fleet/batch_protocol.hpp"

namespace maint {
namespace {

constexpr const char* kMaintenanceTarget = "maintenance.target";
// How much of a HostsCommand='s output is read: 100,000 host names of up to 80 bytes.
constexpr std::size_t kMaxListingBytes = 8 * 1024 * 1024;
// Spawning waits for the child to exec (milliseconds on a loaded machine): a few per turn of the
// loop, so that bus calls are answered in between.
constexpr int kStartsPerTurn = 8;

std::vector<std::string> batch_environment(const FlipContext& context, const char* action) {
    std::vector<std::string> env{"MAINTENANCE_ACTION=" + std::string(action)};
    if (context.window != 0) {
        env.push_back("MAINTENANCE_WINDOW_ID=" + std::to_string(context.window));
        env.push_back("MAINTENANCE_REASON=" + context.reason);
    }
    return env;
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        lines.push_back(text.substr(0, nl));
        if (nl == std::string_view::npos)
            break;
        text.remove_prefix(nl + 1);
    }
    return lines;
}

std::string trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos)
        return {};
    const auto last = s.find_last_not_of(" \t\r");
    return std::string(s.substr(first, last - first + 1));
}

std::string batch_input(const std::vector<std::string>& hosts) {
    std::string input;
    std::size_t size = 0;
    for (const auto& h : hosts)
        size += h.size() + 1;
    input.reserve(size);
    for (const auto& h : hosts) {
        input += h;
        input += '\n';
    }
    return input;
}

std::string with_output(const std::string& text, const ChildResult& r) {
    const std::string line = r.first_line();
    return line.empty() ? text : text + ": " + line;
}

}  // namespace

std::vector<std::string> expand_host_command(const std::vector<std::string>& command,
                                             const std::string& host, WindowId window) {
    std::vector<std::string> out;
    out.reserve(command.size());
    for (const auto& word : command) {
        std::string w;
        for (std::size_t i = 0; i < word.size(); ++i) {
            if (word[i] != '%' || i + 1 == word.size()) {
                w += word[i];
                continue;
            }
            const char c = word[++i];
            if (c == 'h')
                w += host;
            else if (c == 'w')
                w += std::to_string(window);
            else if (c == '%')
                w += '%';
            else
                w += std::string("%") + c;  // refused at load; kept verbatim if it got here
        }
        out.push_back(std::move(w));
    }
    return out;
}

HostState host_state_from_status(const ChildResult& r) {
    if (!r.started || r.timed_out || r.signal != 0)
        return HostState::Unknown;
    if (r.exit_status == 0)
        return HostState::Maintenance;
    if (r.exit_status >= 1 && r.exit_status <= 3)
        return HostState::Normal;
    return HostState::Unknown;
}

struct SystemHosts::Round {
    FlipCallbacks callbacks;
    std::size_t pending = 0;
    HostState wanted = HostState::Maintenance;
    FlipContext context;
    const char* verb = "enter";

    void finish(const HostFlip& flip) {
        if (callbacks.each)
            callbacks.each(flip);
        settle(1);
    }
    // Hosts that end without a result of their own (not started).
    void settle(std::size_t n) {
        pending -= std::min(n, pending);
        if (pending == 0 && callbacks.done) {
            auto done = std::move(callbacks.done);
            callbacks.done = nullptr;
            done();
        }
    }
    void note(const std::string& line, bool error) {
        if (callbacks.note)
            callbacks.note(line, error);
    }
};

SystemHosts::SystemHosts(boost::asio::io_context& io, std::vector<HostConfig> hosts,
                         std::vector<HostGroupConfig> groups, unsigned max_parallel,
                         std::chrono::steady_clock::duration probe_reuse)
    : io_(io), max_parallel_(std::max(1u, max_parallel)), probe_reuse_(probe_reuse) {
    set_hosts(std::move(hosts), std::move(groups), max_parallel);
}

SystemHosts::~SystemHosts() {
    *alive_ = false;
}

void SystemHosts::set_hosts(std::vector<HostConfig> hosts, std::vector<HostGroupConfig> groups,
                            unsigned max_parallel) {
    // Jobs already queued or running keep the configuration they were started with.
    hosts_.clear();
    probed_.clear();  // the commands may have changed
    hosts_.reserve(hosts.size());
    for (auto& h : hosts)
        hosts_.push_back(std::make_shared<const HostConfig>(std::move(h)));
    // A group keeps its last listing across a reload until its HostsCommand= answers again.
    std::unordered_map<std::string, std::vector<std::string>> listed;
    for (const auto& g : groups_)
        listed[g->config.name] = g->listed;
    groups_.clear();
    for (auto& config : groups) {
        auto g = std::make_shared<Group>();
        g->config = std::move(config);
        if (auto it = listed.find(g->config.name);
            it != listed.end() && !g->config.hosts_command.empty())
            g->listed = std::move(it->second);
        groups_.push_back(std::move(g));
    }
    reindex();
    regroup();
    max_parallel_ = std::max(1u, max_parallel);
    start_jobs();
}

SystemHosts::HostPtr SystemHosts::find(const std::string& name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : hosts_[it->second];
}

SystemHosts::GroupPtr SystemHosts::group_of(const std::string& host) const {
    const auto it = grouped_index_.find(host);
    return it == grouped_index_.end() ? nullptr : it->second;
}

void SystemHosts::reindex() {
    index_.clear();
    for (std::size_t i = 0; i < hosts_.size(); ++i)
        index_.emplace(hosts_[i]->name, i);
}

void SystemHosts::regroup() {
    grouped_index_.clear();
    group_named_.clear();
    auto names = std::make_shared<std::unordered_set<std::string>>();
    for (const auto& g : groups_)
        group_named_.emplace(g->config.name, g);
    for (const auto& g : groups_) {
        g->hosts.clear();
        auto take = [&](const std::string& h) {
            // A listed name that is a [Host], a group, or another group's host stays where the
            // configuration put it (the loader refuses such clashes among configured names).
            if (index_.count(h) || group_named_.count(h) || grouped_index_.count(h))
                return;
            grouped_index_.emplace(h, g);
            g->hosts.push_back(h);
            names->insert(h);
        };
        for (const auto& h : g->config.hosts)
            take(h);
        for (const auto& h : g->listed)
            take(h);
    }
    const bool changed = *names != *grouped_;
    grouped_ = std::move(names);
    if (changed && groups_changed_)
        groups_changed_();
}

std::vector<std::string> SystemHosts::command_for(const HostConfig& h, bool enter) const {
    if (h.backend == HostBackend::Local)
        return {"systemctl", enter ? "start" : "stop", kMaintenanceTarget};
    return enter ? h.enter_command : h.leave_command;
}

std::vector<std::string> SystemHosts::status_for(const HostConfig& h) const {
    if (h.backend == HostBackend::Local)
        return {"systemctl", "is-active", "--quiet", kMaintenanceTarget};
    return h.status_command;
}

void SystemHosts::run(const HostConfig& h, std::vector<std::string> argv, WindowId window,
                      ChildProcess::Done done) {
    const auto timeout = std::chrono::milliseconds(std::max<Usec>(h.timeout_usec / 1000, 1));
    ChildProcess::run(io_, expand_host_command(argv, h.name, window), {.timeout = timeout},
                      std::move(done));
}

// ---------------------------------------------------------------------------------------------
// The slots

void SystemHosts::enqueue(Job job) {
    queue_.push_back(std::move(job));
    start_jobs();
}

void SystemHosts::start_jobs() {
    // The jobs that take the free slots go together, and each flip's `starting` is asked once
    // for all of its jobs among them: one record on disk for many hosts, not one per host.
    for (;;) {
        std::vector<Job> taking;
        while (taken_ + taking.size() < max_parallel_ && !queue_.empty()) {
            taking.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        if (taking.empty())
            break;
        for (std::size_t i = 0; i < taking.size();) {
            std::size_t j = i;
            while (j < taking.size() && taking[j].round == taking[i].round)
                ++j;
            const auto round = taking[i].round;
            bool go = true;
            if (round && round->callbacks.starting) {
                std::vector<std::string> hosts;
                for (std::size_t k = i; k < j; ++k)
                    hosts.insert(hosts.end(), taking[k].hosts.begin(), taking[k].hosts.end());
                go = round->callbacks.starting(hosts);
            }
            for (std::size_t k = i; k < j; ++k) {
                if (go) {
                    ready_.push_back(std::move(taking[k]));
                    ++taken_;
                } else {
                    round->settle(taking[k].hosts.size());
                }
            }
            i = j;
        }
    }
    spawn_ready();
}

void SystemHosts::spawn_ready() {
    int started = 0;
    while (!ready_.empty()) {
        if (started++ == kStartsPerTurn) {
            if (!spawn_posted_) {
                spawn_posted_ = true;
                boost::asio::post(io_, [this, alive = alive_] {
                    if (!*alive)
                        return;
                    spawn_posted_ = false;
                    spawn_ready();
                });
            }
            return;
        }
        Job job = std::move(ready_.front());
        ready_.pop_front();
        job.run([this, alive = alive_] {
            if (!*alive)
                return;
            --taken_;
            start_jobs();
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Groups: their listings, and the names a window holds

void SystemHosts::refresh_groups(std::function<void()> done) {
    auto pending = std::make_shared<std::size_t>(1);
    auto one_done = [pending, done = std::move(done)](const std::string&) {
        if (--*pending == 0 && done)
            done();
    };
    for (const auto& g : groups_) {
        if (g->config.hosts_command.empty())
            continue;
        ++*pending;
        list_group(g, one_done);
    }
    one_done("");
}

void SystemHosts::list_group(const GroupPtr& g, std::function<void(std::string problem)> done) {
    if (g->config.hosts_command.empty()) {
        done("");
        return;
    }
    g->waiting.push_back(std::move(done));
    if (g->listing)
        return;  // the listing under way answers this caller too
    g->listing = true;
    enqueue(
        {nullptr, {}, [this, g, alive = alive_](std::function<void()> release) {
             auto text = std::make_shared<std::string>();
             ChildOptions options;
             options.timeout =
                 std::chrono::milliseconds(std::max<Usec>(g->config.timeout_usec / 1000, 1));
             options.on_stdout = [text](std::string_view chunk) {
                 const std::size_t room = kMaxListingBytes - text->size();
                 text->append(chunk.substr(0, std::min(chunk.size(), room)));
             };
             ChildProcess::run(
                 io_, g->config.hosts_command, std::move(options),
                 [this, g, text, alive, release](ChildResult r) {
                     release();
                     if (!*alive)
                         return;
                     std::string problem;
                     const std::string title = "HostsCommand= of [Hosts " + g->config.name + "]";
                     if (!r.ok()) {
                         problem = title + " failed (" + r.describe() + ")" +
                                   (r.first_line().empty() ? "" : ": " + r.first_line()) +
                                   "; its last listing stands";
                     } else {
                         std::vector<std::string> listed;
                         std::unordered_set<std::string> seen;
                         std::size_t bad = 0;
                         std::string first_bad;
                         for (const auto& line : split_lines(*text)) {
                             const std::string name = trim(line);
                             if (name.empty() || !seen.insert(name).second)
                                 continue;
                             if (host_name_problem(name) || listed.size() >= kMaxHostlistNames) {
                                 if (bad++ == 0)
                                     first_bad = name.substr(0, 80);
                                 continue;
                             }
                             listed.push_back(name);
                         }
                         if (bad) {
                             problem = title + " listed " + std::to_string(bad) +
                                       " name(s) that are not host names or too many, "
                                       "ignored (the first: '" +
                                       first_bad + "')";
                         }
                         g->listed = std::move(listed);
                         regroup();
                     }
                     g->listing = false;
                     auto waiting = std::move(g->waiting);
                     g->waiting.clear();
                     for (auto& w : waiting)
                         w(problem);
                 });
         }});
}

void SystemHosts::resolve(const std::vector<std::string>& names,
                          std::function<void(Outcome<HostResolution>)> done) {
    struct Resolving {
        std::vector<std::string> names;
        HostResolution resolution;
        std::size_t pending = 1;
        std::function<void(Outcome<HostResolution>)> done;
    };
    auto r = std::make_shared<Resolving>();
    r->names = names;
    r->done = std::move(done);
    auto finish = [this, r](const std::string& problem) {
        if (!problem.empty())
            r->resolution.problems.push_back(problem);
        if (--r->pending != 0)
            return;
        std::unordered_set<std::string> seen;
        auto add = [&](const std::string& h) {
            if (r->resolution.hosts.size() >= kMaxHostlistNames)
                return;
            if (seen.insert(h).second)
                r->resolution.hosts.push_back(h);
        };
        std::size_t total = 0;
        for (const auto& name : r->names) {
            if (auto g = group_named_.find(name); g != group_named_.end()) {
                total += g->second->hosts.size();
                for (const auto& h : g->second->hosts)
                    add(h);
            } else if (find(name) || group_of(name)) {
                ++total;
                add(name);
            } else {
                r->resolution.problems.push_back("Host or group '" + name +
                                                 "' is no longer in the configuration; skipped");
            }
        }
        if (total > kMaxHostlistNames && r->resolution.hosts.size() == kMaxHostlistNames) {
            r->resolution.problems.push_back(
                "The window names more than " + std::to_string(kMaxHostlistNames) +
                " hosts; only the first " + std::to_string(kMaxHostlistNames) + " are flipped");
        }
        r->done(Outcome<HostResolution>::ok(std::move(r->resolution)));
    };
    for (const auto& name : names) {
        if (auto g = group_named_.find(name); g != group_named_.end()) {
            ++r->pending;
            list_group(g->second, finish);
        }
    }
    finish("");
}

// ---------------------------------------------------------------------------------------------
// Listing

void SystemHosts::list(std::function<void(Outcome<std::vector<HostReport>>)> done) {
    struct ListRound {
        std::vector<HostReport> reports;
        std::size_t pending = 0;
        std::function<void(Outcome<std::vector<HostReport>>)> done;
    };
    auto round = std::make_shared<ListRound>();
    round->done = std::move(done);
    std::size_t count = hosts_.size();
    for (const auto& g : groups_)
        count += g->hosts.size();
    round->reports.reserve(count);
    for (const auto& h : hosts_)
        round->reports.push_back({h->name, HostState::Unknown, "", false});
    for (const auto& g : groups_) {
        for (const auto& h : g->hosts)
            round->reports.push_back({h, HostState::Unknown, "", false});
    }
    // One for the loop itself, released after it: a round whose answers are all known
    // finishes there, once.
    round->pending = 1;
    auto finish_one = [round] {
        if (--round->pending != 0)
            return;
        round->done(Outcome<std::vector<HostReport>>::ok(std::move(round->reports)));
    };
    auto answer = [round, finish_one](std::size_t i) {
        return [round, i, finish_one](HostState state, const std::string& message) {
            round->reports[i].state = state;
            round->reports[i].message = message;
            finish_one();
        };
    };
    std::size_t i = 0;
    for (; i < hosts_.size(); ++i) {
        const HostPtr h = hosts_[i];
        auto status = status_for(*h);
        if (status.empty())
            continue;  // no StatusCommand: the last known state (the planner's)
        round->reports[i].probed = true;
        ++round->pending;
        probe(h, std::move(status), answer(i));
    }
    for (const auto& g : groups_) {
        for (const auto& h : g->hosts) {
            if (!g->config.status_command.empty()) {
                round->reports[i].probed = true;
                ++round->pending;
                probe_grouped(g, h, answer(i));
            }
            ++i;
        }
    }
    finish_one();
}

void SystemHosts::probe(const HostPtr& h, std::vector<std::string> status, ProbeDone done) {
    if (auto known = probed_.find(h->name);
        known != probed_.end() &&
        std::chrono::steady_clock::now() - known->second.at < probe_reuse_) {
        done(known->second.state, known->second.message);
        return;
    }
    auto [waiting, first] = probing_.try_emplace(h->name);
    waiting->second.push_back(std::move(done));
    if (!first)
        return;  // a probe is under way: its answer is this caller's too
    enqueue({nullptr,
             {h->name},
             [this, h, status = std::move(status), alive = alive_](std::function<void()> release) {
                 run(*h, status, 0, [this, h, alive, release](ChildResult r) {
                     const HostState state = host_state_from_status(r);
                     std::string message = r.first_line();
                     if (state == HostState::Unknown)
                         message = with_output("status unknown (" + r.describe() + ")", r);
                     release();
                     if (!*alive)
                         return;
                     probed_[h->name] = {state, message, std::chrono::steady_clock::now()};
                     auto node = probing_.extract(h->name);
                     if (node.empty())
                         return;
                     for (auto& waiter : node.mapped())
                         waiter(state, message);
                 });
             }});
}

void SystemHosts::probe_grouped(const GroupPtr& g, const std::string& host, ProbeDone done) {
    if (auto known = probed_.find(host);
        known != probed_.end() &&
        std::chrono::steady_clock::now() - known->second.at < probe_reuse_) {
        done(known->second.state, known->second.message);
        return;
    }
    auto [waiting, first] = probing_.try_emplace(host);
    waiting->second.push_back(std::move(done));
    if (!first)
        return;
    // Hosts asked about in the same turn share a batch: a listing of a 10,000-host group runs
    // its StatusCommand 10,000 / BatchSize times, not 10,000 times.
    auto [slot, post] = gathering_.try_emplace(g.get());
    slot->second.push_back(host);
    if (!post)
        return;
    boost::asio::post(io_, [this, g, alive = alive_] {
        if (!*alive)
            return;
        auto node = gathering_.extract(g.get());
        if (node.empty())
            return;
        auto hosts = std::move(node.mapped());
        const std::size_t size = std::max(1u, g->config.batch_size);
        for (std::size_t from = 0; from < hosts.size(); from += size) {
            std::vector<std::string> batch(
                hosts.begin() + static_cast<std::ptrdiff_t>(from),
                hosts.begin() + static_cast<std::ptrdiff_t>(std::min(hosts.size(), from + size)));
            enqueue({nullptr, batch, [this, g, batch, alive](std::function<void()> release) {
                         auto open = std::make_shared<std::unordered_set<std::string>>(
                             batch.begin(), batch.end());
                         auto answer = [this, alive, open](const std::string& h, HostState state,
                                                           const std::string& message) {
                             if (!*alive || !open->erase(h))
                                 return;
                             probed_[h] = {state, message, std::chrono::steady_clock::now()};
                             auto node = probing_.extract(h);
                             if (node.empty())
                                 return;
                             for (auto& waiter : node.mapped())
                                 waiter(state, message);
                         };
                         auto parser = std::make_shared<BatchOutputParser>(
                             BatchMode::Status,
                             [answer](BatchLine line) {
                                 const HostState state =
                                     line.verb == BatchVerb::Maintenance ? HostState::Maintenance
                                     : line.verb == BatchVerb::Normal    ? HostState::Normal
                                                                         : HostState::Unknown;
                                 answer(line.host, state, line.message);
                             },
                             [](std::string, std::string) {});
                         ChildOptions options;
                         options.timeout = std::chrono::milliseconds(
                             std::max<Usec>(g->config.timeout_usec / 1000, 1));
                         options.input = batch_input(batch);
                         options.environment = batch_environment({}, "status");
                         options.on_stdout = [parser](std::string_view chunk) {
                             parser->feed(chunk);
                         };
                         ChildProcess::run(
                             io_, expand_host_command(g->config.status_command, "", 0),
                             std::move(options), [parser, open, answer, release](ChildResult r) {
                                 parser->finish();
                                 release();
                                 const std::vector<std::string> left(open->begin(), open->end());
                                 for (const auto& h : left) {
                                     answer(h, HostState::Unknown,
                                            "status unknown: no answer from the group's "
                                            "StatusCommand (" +
                                                r.describe() + ")");
                                 }
                             });
                     }});
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Flipping

void SystemHosts::flip(const std::vector<std::string>& hosts, bool enter,
                       const FlipContext& context, FlipCallbacks callbacks) {
    std::vector<HostPtr> singles;
    std::vector<std::pair<GroupPtr, std::vector<std::string>>> batches;
    std::map<Group*, std::size_t> open_batch;  // a group's batch being filled
    for (const auto& name : hosts) {
        if (auto h = find(name)) {
            singles.push_back(std::move(h));
            continue;
        }
        auto g = group_of(name);
        if (!g) {
            throw Error(Errc::NoSuchHost,
                        group_named_.count(name)
                            ? "'" + name + "' is a group of hosts; name one of its hosts"
                            : "There is no host '" + name + "' in the configuration");
        }
        auto it = open_batch.find(g.get());
        if (it == open_batch.end() ||
            batches[it->second].second.size() >= std::max(1u, g->config.batch_size)) {
            batches.push_back({g, {}});
            open_batch[g.get()] = batches.size() - 1;
            it = open_batch.find(g.get());
        }
        batches[it->second].second.push_back(name);
    }
    auto round = std::make_shared<Round>();
    round->callbacks = std::move(callbacks);
    round->pending = hosts.size();
    round->wanted = enter ? HostState::Maintenance : HostState::Normal;
    round->context = context;
    round->verb = enter ? "enter" : "leave";
    if (hosts.empty()) {
        boost::asio::post(io_, [round] { round->settle(0); });
        return;
    }
    for (auto& h : singles) {
        forget_probe(h->name);
        Job job;
        job.round = round;
        job.hosts = {h->name};
        job.run = [this, h = std::move(h), enter, round](std::function<void()> release) {
            const WindowId window = round->context.window;
            auto act = [this, h, enter, window, round, release] {
                run(*h, command_for(*h, enter), window,
                    [this, alive = alive_, h, round, release](ChildResult r) {
                        if (*alive)
                            forget_probe(h->name);
                        HostFlip flip{h->name, r.ok(), false, HostState::Unknown, ""};
                        if (r.ok()) {
                            flip.state = round->wanted;
                            flip.message =
                                with_output(h->name + (round->wanted == HostState::Maintenance
                                                           ? " entered maintenance"
                                                           : " left maintenance"),
                                            r);
                        } else {
                            flip.message = with_output(h->name + " could not " + round->verb +
                                                           " maintenance (" + r.describe() + ")",
                                                       r);
                        }
                        release();
                        round->finish(flip);
                    });
            };
            const auto status = status_for(*h);
            if (status.empty()) {
                act();
                return;
            }
            run(*h, status, window, [h, act, round, release](ChildResult r) {
                if (host_state_from_status(r) == round->wanted) {
                    release();
                    round->finish(
                        {h->name, true, true, round->wanted,
                         h->name + " was already " +
                             (round->wanted == HostState::Maintenance ? "in maintenance"
                                                                      : "out of maintenance") +
                             ": nothing done"});
                    return;
                }
                act();
            });
        };
        queue_.push_back(std::move(job));
    }
    for (auto& [g, batch] : batches) {
        for (const auto& h : batch)
            forget_probe(h);
        Job job;
        job.round = round;
        job.hosts = batch;
        job.run = [this, g = g, batch = std::move(batch), enter,
                   round](std::function<void()> release) mutable {
            run_batch(g, std::move(batch), enter, round, std::move(release));
        };
        queue_.push_back(std::move(job));
    }
    start_jobs();
}

void SystemHosts::run_batch(const GroupPtr& g, std::vector<std::string> hosts, bool enter,
                            const std::shared_ptr<Round>& round, std::function<void()> release) {
    struct Batch {
        std::unordered_set<std::string> open;
        std::size_t strays = 0;
    };
    auto batch = std::make_shared<Batch>();
    batch->open.insert(hosts.begin(), hosts.end());
    const std::string& group = g->config.name;
    auto alive = alive_;
    auto parser = std::make_shared<BatchOutputParser>(
        BatchMode::Flip,
        [this, batch, round, alive, group](BatchLine line) {
            if (!batch->open.erase(line.host)) {
                // A host outside the batch (or named twice): ignored, and said once per batch.
                if (batch->strays++ == 0) {
                    round->note(
                        "The batch command of [Hosts " + group +
                            "] named a host not in its batch (or twice), ignored: " + line.host,
                        false);
                }
                return;
            }
            if (*alive)
                forget_probe(line.host);
            const bool ok = line.verb == BatchVerb::Ok;
            HostFlip flip{line.host, ok, false, ok ? round->wanted : HostState::Unknown, ""};
            const std::string what =
                ok ? (round->wanted == HostState::Maintenance ? " entered maintenance"
                                                              : " left maintenance")
                   : std::string(" could not ") + round->verb + " maintenance";
            flip.message = line.host + what + (line.message.empty() ? "" : ": " + line.message);
            round->finish(flip);
        },
        [round, group](std::string line, std::string why) {
            round->note("The batch command of [Hosts " + group + "] wrote a line that is not a " +
                            "result (" + why + "): " + line,
                        false);
        });
    ChildOptions options;
    options.timeout = std::chrono::milliseconds(std::max<Usec>(g->config.timeout_usec / 1000, 1));
    options.input = batch_input(hosts);
    options.environment = batch_environment(round->context, enter ? "enter" : "leave");
    options.on_stdout = [parser](std::string_view chunk) { parser->feed(chunk); };
    ChildProcess::run(
        io_,
        expand_host_command(enter ? g->config.enter_command : g->config.leave_command, "",
                            round->context.window),
        std::move(options),
        [parser, batch, round, release, group, size = hosts.size()](ChildResult r) {
            parser->finish();
            release();
            if (!r.output.empty()) {
                std::string err = r.output.substr(0, kMaxBatchStderr);
                for (char& c : err) {
                    if (c == '\n' || c == '\r' || c == '\t')
                        c = ' ';
                    else if (static_cast<unsigned char>(c) < 0x20)
                        c = '?';
                }
                round->note("The batch command of [Hosts " + group + "] (" + std::to_string(size) +
                                " hosts, " + r.describe() + ") wrote on standard error: " + err,
                            !r.ok());
            }
            const std::string why = "no result from the batch command (" + r.describe() + ")";
            const std::vector<std::string> left(batch->open.begin(), batch->open.end());
            batch->open.clear();
            for (const auto& h : left) {
                round->finish({h, false, false, HostState::Unknown,
                               h + " could not " + round->verb + " maintenance: " + why});
            }
        });
}

}  // namespace maint
