// The hosts a window flips into maintenance, through their configured backends:
//   command  EnterCommand / LeaveCommand / StatusCommand, with %h (host), %w (window id), %%
//   local    this machine's maintenance.target, started and stopped with systemctl
//   batch    a [Hosts NAME] group: one command per batch of up to BatchSize hosts, given the
//            hosts on standard input and answering a line per host (daemon/fleet/batch_protocol)
// Every command is a child process on the event loop (never a shell, never a thread), with its
// timeout, and at most MaxParallelHosts of them (a host's, or a batch's) run at once across all
// operations. A single host already in the wanted state (by its status) is reported as such and
// not flipped again; a batch command is trusted to say so itself.
//
// list() answers anyone (ListHosts needs no authorization), so what a caller can make root run
// is bounded: a host's (or group's) StatusCommand runs at most once at a time (lists arriving
// meanwhile share its answer), an answer younger than kProbeReuse is served as the known state
// without asking again. (How many ListHosts calls may wait at once is the planner's bound.)
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
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
    // A batch command's standard error kept for the window's log.
    static constexpr std::size_t kMaxBatchStderr = 4096;

    // `probe_reuse`: how long a StatusCommand's answer stands as the known state.
    SystemHosts(boost::asio::io_context& io, std::vector<HostConfig> hosts,
                std::vector<HostGroupConfig> groups, unsigned max_parallel,
                std::chrono::steady_clock::duration probe_reuse = kProbeReuse);
    // Without groups.
    SystemHosts(boost::asio::io_context& io, std::vector<HostConfig> hosts, unsigned max_parallel,
                std::chrono::steady_clock::duration probe_reuse = kProbeReuse)
        : SystemHosts(io, std::move(hosts), {}, max_parallel, probe_reuse) {}
    ~SystemHosts() override;
    void set_hosts(std::vector<HostConfig> hosts, std::vector<HostGroupConfig> groups,
                   unsigned max_parallel);

    // Runs every group's HostsCommand= now (start-up, Reload); `done` once all have answered.
    void refresh_groups(std::function<void()> done);
    // Every host of every group, as configured and as HostsCommand= last listed them.
    std::shared_ptr<const std::unordered_set<std::string>> grouped_hosts() const {
        return grouped_;
    }
    // Called when grouped_hosts() changed (a listing brought other hosts).
    void on_groups_changed(std::function<void()> fn) { groups_changed_ = std::move(fn); }

    void list(std::function<void(Outcome<std::vector<HostReport>>)> done) override;
    void resolve(const std::vector<std::string>& names,
                 std::function<void(Outcome<HostResolution>)> done) override;
    void flip(const std::vector<std::string>& hosts, bool enter, const FlipContext& context,
              FlipCallbacks callbacks) override;

  private:
    struct Round;
    // A unit of work that holds one of the MaxParallelHosts slots until it calls `release`:
    // one host, one batch, or one probe. A flip's jobs carry their round and hosts, so that the
    // round's `starting` is asked before they take a slot.
    struct Job {
        std::shared_ptr<Round> round;
        std::vector<std::string> hosts;
        std::function<void(std::function<void()> release)> run;
    };
    void enqueue(Job job);
    void start_jobs();
    void spawn_ready();
    // Shared, not copied: a host's job and its callbacks each hold the host (a flip of 1,000
    // hosts used to copy every host's commands several times over).
    using HostPtr = std::shared_ptr<const HostConfig>;
    struct Group {
        HostGroupConfig config;
        std::vector<std::string> listed;  // HostsCommand='s last listing
        std::vector<std::string> hosts;   // config.hosts, then the listed ones not among them
        bool listing = false;
        std::vector<std::function<void(std::string problem)>> waiting;  // for the listing
    };
    using GroupPtr = std::shared_ptr<Group>;
    HostPtr find(const std::string& name) const;
    GroupPtr group_of(const std::string& host) const;
    void reindex();
    void regroup();
    // Runs a group's HostsCommand (one at a time per group); `done` gets a problem line or "".
    void list_group(const GroupPtr& g, std::function<void(std::string problem)> done);
    // The host's commands, with the local backend's systemctl lines filled in.
    std::vector<std::string> command_for(const HostConfig& h, bool enter) const;
    std::vector<std::string> status_for(const HostConfig& h) const;
    void run(const HostConfig& h, std::vector<std::string> argv, WindowId window,
             ChildProcess::Done done);
    // A host's state by its StatusCommand: the recent answer, the probe under way, or a new one.
    using ProbeDone = std::function<void(HostState, const std::string& message)>;
    void probe(const HostPtr& h, std::vector<std::string> status, ProbeDone done);
    // A grouped host's state, by its group's StatusCommand run over a batch.
    void probe_grouped(const GroupPtr& g, const std::string& host, ProbeDone done);
    void run_batch(const GroupPtr& g, std::vector<std::string> hosts, bool enter,
                   const std::shared_ptr<Round>& round, std::function<void()> release);
    // A flip changes the host: its last answer is no longer the known state.
    void forget_probe(const std::string& host) { probed_.erase(host); }

    boost::asio::io_context& io_;
    std::vector<HostPtr> hosts_;
    std::vector<GroupPtr> groups_;
    unsigned max_parallel_;
    std::chrono::steady_clock::duration probe_reuse_;
    unsigned taken_ = 0;  // slots held by jobs ready or running
    std::deque<Job> queue_;
    std::deque<Job> ready_;  // told `starting`, waiting for their turn to be spawned
    std::map<std::string, std::size_t> index_;                 // host name → hosts_ position
    std::unordered_map<std::string, GroupPtr> grouped_index_;  // grouped host → its group
    std::unordered_map<std::string, GroupPtr> group_named_;
    std::shared_ptr<const std::unordered_set<std::string>> grouped_ =
        std::make_shared<std::unordered_set<std::string>>();
    std::function<void()> groups_changed_;
    bool spawn_posted_ = false;
    struct Probed {
        HostState state = HostState::Unknown;
        std::string message;
        std::chrono::steady_clock::time_point at;
    };
    std::map<std::string, Probed> probed_;                   // recent answers, by host
    std::map<std::string, std::vector<ProbeDone>> probing_;  // probes under way: who waits
    // Grouped hosts to probe, gathered in one turn of the loop into batches of their group.
    std::unordered_map<const Group*, std::vector<std::string>> gathering_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace maint
