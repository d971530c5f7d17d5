// The hosts a window flips into maintenance, through their configured backends:
//   command  EnterCommand / LeaveCommand / StatusCommand, with %h (host), %w (window id), %%
//   local    this machine's maintenance.target, started and stopped with systemctl
// Every command is a child process on the event loop (never a shell, never a thread), with the
// host's timeout, and at most MaxParallelHosts of them run at once across all operations.
// A host already in the wanted state (by its status) is reported as such and not flipped again.
//
// list() answers anyone (ListHosts needs no authorization), so what a caller can make root run
// is bounded: a host's StatusCommand runs at most once at a time (lists arriving meanwhile share
// its answer), an answer younger than kProbeReuse is served as the known state without asking
// again. (How many ListHosts calls may wait at once is the planner's bound.)
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/ports.hpp"
#include "system/child_process.hpp"

namespace maint {

// "%h" → host, "%w" → window id, "%%" → "%", in every word.
std::vector<std::string> expand_host_command(const std::vector<std::string>& command,
                                             const std::string& host, WindowId window);
// StatusCommand's exit status: 0 in maintenance, 1..3 normal, anything else unknown.
HostState host_state_from_status(const ChildResult& r);

class SystemHosts final : public HostFleet {
  public:
    static constexpr std::chrono::seconds kProbeReuse{5};

    // `probe_reuse`: how long a StatusCommand's answer stands as the known state.
    SystemHosts(boost::asio::io_context& io, std::vector<HostConfig> hosts, unsigned max_parallel,
                std::chrono::steady_clock::duration probe_reuse = kProbeReuse);
    ~SystemHosts() override;
    void set_hosts(std::vector<HostConfig> hosts, unsigned max_parallel);

    void list(std::function<void(Outcome<std::vector<HostReport>>)> done) override;
    void flip(const std::vector<std::string>& hosts, bool enter, WindowId window,
              std::function<void(const HostFlip&)> each, std::function<void()> done) override;

  private:
    // A unit of work that holds one of the MaxParallelHosts slots until it calls `release`.
    using Job = std::function<void(std::function<void()> release)>;
    void enqueue(Job job);
    void start_jobs();
    // Shared, not copied: a host's job and its callbacks each hold the host (a flip of 1,000
    // hosts used to copy every host's commands several times over).
    using HostPtr = std::shared_ptr<const HostConfig>;
    HostPtr find(const std::string& name) const;
    void reindex();
    // The host's commands, with the local backend's systemctl lines filled in.
    std::vector<std::string> command_for(const HostConfig& h, bool enter) const;
    std::vector<std::string> status_for(const HostConfig& h) const;
    void run(const HostConfig& h, std::vector<std::string> argv, WindowId window,
             ChildProcess::Done done);
    // A host's state by its StatusCommand: the recent answer, the probe under way, or a new one.
    using ProbeDone = std::function<void(HostState, const std::string& message)>;
    void probe(const HostPtr& h, std::vector<std::string> status, ProbeDone done);
    // A flip changes the host: its last answer is no longer the known state.
    void forget_probe(const std::string& host) { probed_.erase(host); }

    boost::asio::io_context& io_;
    std::vector<HostPtr> hosts_;
    unsigned max_parallel_;
    std::chrono::steady_clock::duration probe_reuse_;
    unsigned running_ = 0;
    std::deque<Job> queue_;
    std::map<std::string, std::size_t> index_;  // host name → hosts_ position
    bool start_posted_ = false;
    struct Probed {
        HostState state = HostState::Unknown;
        std::string message;
        std::chrono::steady_clock::time_point at;
    };
    std::map<std::string, Probed> probed_;                   // recent answers, by host
    std::map<std::string, std::vector<ProbeDone>> probing_;  // probes under way: who waits
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace maint
