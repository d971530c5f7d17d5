// slurm: the batch helper that drains and resumes Slurm nodes for maintenanced (see
// maintenanced-slurm(8)). One scontrol call per batch in the common case, so that a window of
// 10,000 nodes costs what one `scontrol update` by hand costs; when Slurm refuses the call, a
// bounded search finds out which hosts it refused, so that each host gets its own result.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "engines/batch_io.hpp"
#include "engines/run_program.hpp"
#include "engines/slurm_hostlist.hpp"
#include "engines/slurm_nodes.hpp"

#ifndef MAINT_VERSION
#define MAINT_VERSION "unknown"
#endif

namespace {

using namespace maint::engines;

constexpr int kExitSomeFailed = 1;
constexpr int kExitUsage = 2;

// When one call for the batch and one for the hosts left after the unknown ones are set apart
// both fail, the hosts still not where they should be are tried one by one, at most this many:
// a batch where everything fails (the controller refuses the user) must not become 10,000 calls.
constexpr std::size_t kMaxSingleCalls = 32;

void usage(std::FILE* out) {
    std::fprintf(
        out,
        "Usage: slurm enter|leave|status [WINDOW]\n"
        "\n"
        "maintenanced's batch helper for Slurm: reads host names (Slurm node names), one a\n"
        "line, on standard input and writes one result line per host on standard output.\n"
        "\n"
        "Commands:\n"
        "  enter   drain the nodes: scontrol update NodeName=LIST State=DRAIN\n"
        "          Reason=\"REASON (maintenance window WINDOW)\"\n"
        "  leave   resume the nodes maintenanced drained: scontrol update NodeName=LIST\n"
        "          State=RESUME; a node drained for another reason stays drained\n"
        "  status  maintenance (drained, draining), normal (idle, allocated, mixed) or\n"
        "          unknown, from scontrol show node\n"
        "\n"
        "WINDOW is the window's id (%%w); without it, $MAINTENANCE_WINDOW_ID.\n"
        "REASON is $MAINTENANCE_REASON. $SCONTROL names the scontrol to run.\n"
        "\n"
        "  --version   print the version and exit\n"
        "  -h, --help  print this help and exit\n");
}

// A window id: a positive decimal number. "" and "0" mean none (a flip by hand).
std::optional<std::optional<unsigned long>> parse_window(const std::string& text) {
    if (text.empty())
        return std::optional<unsigned long>{};
    if (text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    const unsigned long id = std::stoul(text);
    if (id == 0)
        return std::optional<unsigned long>{};
    return std::optional<unsigned long>{id};
}

class SlurmFlip {
  public:
    explicit SlurmFlip(std::string scontrol) : scontrol_(std::move(scontrol)) {}

    bool any_failed() const { return failed_; }

    void enter(const std::vector<std::string>& hosts, const std::string& reason) {
        flip(
            hosts, {"State=DRAIN", "Reason=" + reason},
            [&](const SlurmNode& n) { return n.drain() && n.reason == reason; }, "drain set");
    }

    void leave(const std::vector<std::string>& hosts) {
        // Only drains maintenanced set are undone (as Node Health Check undrains only the nodes
        // it drained): RESUME would also put back into service a node an admin drained for a
        // broken disk, and a DOWN node with it.
        std::string failure;
        const NodeAnswer answer = query(hosts, failure);
        std::vector<std::string> ours;
        std::string lines;
        for (const auto& h : hosts) {
            const SlurmNode* node = known(answer, h, failure, Result::Failed, lines);
            if (!node)
                continue;
            if (node->drain() && is_maintenanced_reason(node->reason)) {
                ours.push_back(h);
            } else if (node->drain()) {
                lines += failed_line(h, "drained for another reason (\"" + node->reason +
                                            "\"), not by maintenanced: left drained; `scontrol "
                                            "update NodeName=" +
                                            h + " State=RESUME` resumes it");
            } else if (node->has("MAINT")) {
                lines += failed_line(h,
                                     "in a maintenance reservation, which maintenanced did "
                                     "not make: end it with scontrol delete reservation");
            } else {
                lines += result_line(h, Result::Ok, "not drained: " + node->state);
            }
        }
        write_all(STDOUT_FILENO, lines);
        flip(
            ours, {"State=RESUME"}, [](const SlurmNode& n) { return !n.drain(); }, "resumed");
    }

    void status(const std::vector<std::string>& hosts) {
        std::string failure;
        const NodeAnswer answer = query(hosts, failure);
        std::string lines;
        for (const auto& h : hosts) {
            const SlurmNode* node = known(answer, h, failure, Result::Unknown, lines);
            if (!node)
                continue;
            const NodeStatus s = node_status(*node);
            lines += result_line(h, s.result, s.message);
        }
        write_all(STDOUT_FILENO, lines);
    }

  private:
    using Reached = std::function<bool(const SlurmNode&)>;

    std::string failed_line(const std::string& host, const std::string& message) {
        failed_ = true;
        return result_line(host, Result::Failed, message);
    }

    ProgramResult update(const std::string& hostlist, const std::vector<std::string>& settings) {
        std::vector<std::string> argv{scontrol_, "update", "NodeName=" + hostlist};
        argv.insert(argv.end(), settings.begin(), settings.end());
        return run_program(argv);
    }

    // What Slurm says about `hosts`; `failure` is set when scontrol could not answer for some.
    NodeAnswer query(const std::vector<std::string>& hosts, std::string& failure) {
        NodeAnswer all;
        for (const auto& chunk : split_slurm_hostlist(hosts)) {
            const ProgramResult r = run_program({scontrol_, "-o", "show", "node", chunk.hostlist});
            NodeAnswer a = parse_show_node(r.out, r.err);
            if (a.nodes.empty() && a.unknown.empty() && !r.ok())
                failure = "scontrol show node failed: " + r.problem();
            all.nodes.merge(a.nodes);
            all.unknown.merge(a.unknown);
        }
        return all;
    }

    // The node `host` is in `answer`; otherwise appends its line (`absent`: failed for a flip,
    // unknown for a status) and returns null.
    const SlurmNode* known(const NodeAnswer& answer, const std::string& host,
                           const std::string& failure, Result absent, std::string& lines) {
        if (const auto it = answer.nodes.find(host); it != answer.nodes.end())
            return &it->second;
        std::string message;
        if (const auto it = answer.unknown.find(host); it != answer.unknown.end())
            message = "not a Slurm node: " + it->second;
        else if (!failure.empty())
            message = failure;
        else
            message = "scontrol show node said nothing about it";
        if (absent == Result::Failed)
            failed_ = true;
        lines += result_line(host, absent, message);
        return nullptr;
    }

    // One update call per argument-sized chunk; when Slurm refuses one, settle() finds out host
    // by host.
    void flip(const std::vector<std::string>& hosts, const std::vector<std::string>& settings,
              const Reached& reached, const std::string& ok_message) {
        for (const auto& chunk : split_slurm_hostlist(hosts)) {
            const ProgramResult r = update(chunk.hostlist, settings);
            if (r.ok()) {
                std::string lines;
                for (const auto& h : chunk.hosts)
                    lines += result_line(h, Result::Ok, ok_message);
                write_all(STDOUT_FILENO, lines);
                continue;
            }
            settle(chunk.hosts, settings, reached, ok_message);
        }
    }

    // Slurm refused an update of `hosts` as a whole. A name it does not know makes it refuse the
    // whole call and change nothing; a node in the wrong state makes it refuse the call after
    // changing the others (RESUME of a node that is not drained). So: ask Slurm where each node
    // is now; set the unknown names apart; try the others once more together; ask again; and try
    // those still not there one by one (at most kMaxSingleCalls), so that each gets Slurm's own
    // message.
    void settle(const std::vector<std::string>& hosts, const std::vector<std::string>& settings,
                const Reached& reached, const std::string& ok_message) {
        std::vector<std::string> rest = sort_out(hosts, reached, ok_message);
        if (rest.empty())
            return;
        std::vector<std::string> refused;
        std::string refusal;
        for (const auto& chunk : split_slurm_hostlist(rest)) {
            const ProgramResult r = update(chunk.hostlist, settings);
            if (r.ok()) {
                std::string lines;
                for (const auto& h : chunk.hosts)
                    lines += result_line(h, Result::Ok, ok_message);
                write_all(STDOUT_FILENO, lines);
            } else {
                refused.insert(refused.end(), chunk.hosts.begin(), chunk.hosts.end());
                refusal = r.problem();
            }
        }
        if (refused.empty())
            return;
        rest = sort_out(refused, reached, ok_message);
        std::size_t tried = 0;
        for (const auto& h : rest) {
            if (tried == kMaxSingleCalls) {
                write_all(STDOUT_FILENO, failed_line(h, refusal + " (not tried alone: more than " +
                                                            std::to_string(kMaxSingleCalls) +
                                                            " hosts of the batch were refused)"));
                continue;
            }
            ++tried;
            const ProgramResult r = update(h, settings);
            write_all(STDOUT_FILENO, r.ok() ? result_line(h, Result::Ok, ok_message)
                                            : failed_line(h, r.problem()));
        }
    }

    // Writes the lines of the hosts that are settled (unknown to Slurm: failed; already where
    // they should be: ok) and returns the others.
    std::vector<std::string> sort_out(const std::vector<std::string>& hosts, const Reached& reached,
                                      const std::string& ok_message) {
        std::string failure;
        const NodeAnswer answer = query(hosts, failure);
        std::vector<std::string> rest;
        std::string lines;
        for (const auto& h : hosts) {
            const SlurmNode* node = known(answer, h, failure, Result::Failed, lines);
            if (!node)
                continue;
            if (reached(*node))
                lines += result_line(h, Result::Ok, ok_message);
            else
                rest.push_back(h);
        }
        write_all(STDOUT_FILENO, lines);
        return rest;
    }

    std::string scontrol_;
    bool failed_ = false;
};

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            usage(stdout);
            return 0;
        }
        if (arg == "--version") {
            std::printf("maintenanced slurm helper %s\n", MAINT_VERSION);
            return 0;
        }
        if (arg.size() > 1 && arg[0] == '-') {
            std::fprintf(stderr, "slurm: unknown option %s (see slurm --help)\n", arg.c_str());
            return kExitUsage;
        }
        args.push_back(arg);
    }
    if (args.empty() || args.size() > 2 ||
        (args[0] != "enter" && args[0] != "leave" && args[0] != "status")) {
        std::fprintf(stderr,
                     "slurm: expected enter, leave or status and at most a window id, got \"%s\" "
                     "(see slurm --help)\n",
                     args.empty() ? "" : maint::engines::clean_message(args[0]).c_str());
        return kExitUsage;
    }
    const std::string& action = args[0];

    // The window: the argument (%w), or the environment when it is missing or empty.
    std::optional<unsigned long> window;
    if (args.size() == 2 && !args[1].empty()) {
        const auto parsed = parse_window(args[1]);
        if (!parsed) {
            std::fprintf(stderr, "slurm: the window id \"%s\" is not a number\n",
                         maint::engines::clean_message(args[1]).c_str());
            return kExitUsage;
        }
        window = *parsed;
    } else if (const char* env = std::getenv("MAINTENANCE_WINDOW_ID")) {
        const auto parsed = parse_window(env);
        if (!parsed) {
            std::fprintf(stderr, "slurm: MAINTENANCE_WINDOW_ID=\"%s\" is not a number\n",
                         maint::engines::clean_message(env).c_str());
            return kExitUsage;
        }
        window = *parsed;
    }
    const char* reason_env = std::getenv("MAINTENANCE_REASON");
    const char* scontrol_env = std::getenv("SCONTROL");
    const std::string scontrol = scontrol_env && *scontrol_env ? scontrol_env : "scontrol";

    // The daemon may stop reading (it timed out): a write must fail, not kill us.
    ::signal(SIGPIPE, SIG_IGN);
    std::ios::sync_with_stdio(false);  // std::cin reads in blocks, not in step with stdio
    const auto batch = maint::engines::read_batch(std::cin, STDOUT_FILENO, std::cerr);
    const auto& hosts = batch.hosts;
    SlurmFlip flip(scontrol);
    if (action == "enter")
        flip.enter(hosts, maint::engines::drain_reason(reason_env ? reason_env : "", window));
    else if (action == "leave")
        flip.leave(hosts);
    else
        flip.status(hosts);
    return flip.any_failed() || batch.rejected > 0 ? kExitSomeFailed : 0;
}
