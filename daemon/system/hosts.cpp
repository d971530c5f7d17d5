// See hosts.hpp.
#include "system/hosts.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>

namespace maint {
namespace {

constexpr const char* kMaintenanceTarget = "maintenance.target";

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

SystemHosts::SystemHosts(boost::asio::io_context& io, std::vector<HostConfig> hosts,
                         unsigned max_parallel, std::chrono::steady_clock::duration probe_reuse)
    : io_(io), max_parallel_(std::max(1u, max_parallel)), probe_reuse_(probe_reuse) {
    set_hosts(std::move(hosts), max_parallel);
}

SystemHosts::~SystemHosts() {
    *alive_ = false;
}

void SystemHosts::set_hosts(std::vector<HostConfig> hosts, unsigned max_parallel) {
    // Jobs already queued or running keep the configuration they were started with.
    hosts_.clear();
    probed_.clear();  // the commands may have changed
    hosts_.reserve(hosts.size());
    for (auto& h : hosts)
        hosts_.push_back(std::make_shared<const HostConfig>(std::move(h)));
    reindex();
    max_parallel_ = std::max(1u, max_parallel);
    start_jobs();
}

SystemHosts::HostPtr SystemHosts::find(const std::string& name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : hosts_[it->second];
}

void SystemHosts::reindex() {
    index_.clear();
    for (std::size_t i = 0; i < hosts_.size(); ++i)
        index_.emplace(hosts_[i]->name, i);
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

void SystemHosts::enqueue(Job job) {
    queue_.push_back(std::move(job));
    start_jobs();
}

void SystemHosts::start_jobs() {
    // Each start waits for its child to exec (milliseconds on a loaded machine): a few per turn
    // of the loop, so that bus calls are answered in between.
    constexpr int kStartsPerTurn = 8;
    int started = 0;
    while (running_ < max_parallel_ && !queue_.empty()) {
        if (started++ == kStartsPerTurn) {
            if (!start_posted_) {
                start_posted_ = true;
                boost::asio::post(io_, [this, alive = alive_] {
                    if (!*alive)
                        return;
                    start_posted_ = false;
                    start_jobs();
                });
            }
            return;
        }
        Job job = std::move(queue_.front());
        queue_.pop_front();
        ++running_;
        job([this, alive = alive_] {
            if (!*alive)
                return;
            --running_;
            start_jobs();
        });
    }
}

void SystemHosts::list(std::function<void(Outcome<std::vector<HostReport>>)> done) {
    struct Round {
        std::vector<HostReport> reports;
        std::size_t pending = 0;
        std::function<void(Outcome<std::vector<HostReport>>)> done;
    };
    auto round = std::make_shared<Round>();
    round->done = std::move(done);
    for (const auto& h : hosts_)
        round->reports.push_back({h->name, HostState::Unknown, "", false});
    // One for the loop itself, released after it: a round whose answers are all known
    // finishes there, once.
    round->pending = 1;
    auto finish_one = [round] {
        if (--round->pending != 0)
            return;
        round->done(Outcome<std::vector<HostReport>>::ok(std::move(round->reports)));
    };
    for (std::size_t i = 0; i < hosts_.size(); ++i) {
        const HostPtr h = hosts_[i];
        auto status = status_for(*h);
        if (status.empty())
            continue;  // no StatusCommand: the last known state (the planner's)
        round->reports[i].probed = true;
        ++round->pending;
        probe(h, std::move(status),
              [round, i, finish_one](HostState state, const std::string& message) {
                  round->reports[i].state = state;
                  round->reports[i].message = message;
                  finish_one();
              });
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
    enqueue([this, h, status = std::move(status), alive = alive_](std::function<void()> release) {
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
    });
}

void SystemHosts::flip(const std::vector<std::string>& hosts, bool enter, WindowId window,
                       std::function<void(const HostFlip&)> each, std::function<void()> done) {
    std::vector<HostPtr> targets;
    targets.reserve(hosts.size());
    for (const auto& name : hosts) {
        auto h = find(name);
        if (!h)
            throw Error(Errc::NoSuchHost, "There is no host '" + name + "' in the configuration");
        targets.push_back(std::move(h));
    }
    if (targets.empty()) {
        boost::asio::post(io_, std::move(done));
        return;
    }
    // One round for every host's job: the jobs hold it, not copies of the callbacks (whose
    // captures may be as big as the host list: copying them per host made a flip quadratic).
    struct Round {
        std::function<void(const HostFlip&)> each;
        std::function<void()> done;
        std::size_t pending;
        HostState wanted;
        const char* verb;
        void finish(const HostFlip& flip) {
            each(flip);
            if (--pending == 0)
                done();
        }
    };
    const HostState wanted = enter ? HostState::Maintenance : HostState::Normal;
    auto round = std::make_shared<Round>(
        Round{std::move(each), std::move(done), targets.size(), wanted, enter ? "enter" : "leave"});
    for (auto& h : targets) {
        forget_probe(h->name);
        enqueue([this, h = std::move(h), enter, window, round](std::function<void()> release) {
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
        });
    }
}

}  // namespace maint
