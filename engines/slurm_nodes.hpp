// What Slurm says about nodes, read from `scontrol -o show node LIST` (one line per node), and
// what the helper makes of it: a node's maintenance state, and whether its drain is one that
// maintenanced set (its reason ends in "(maintenance window N)" or "(maintenanced)"). Pure logic:
// no I/O.
//
// scontrol rather than `sinfo -N`: sinfo's per-node listing takes seconds for 10,000 nodes (it
// is quadratic in the number of nodes: 3 to 8 s here, against 0.5 s for scontrol), it drops names
// Slurm does not know without a word where scontrol says "Node X not found", and it leaves out
// nodes that are in no partition.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/batch_io.hpp"

namespace maint::engines {

struct SlurmNode {
    std::string name;
    std::string state;               // as scontrol shows it: "IDLE+DRAIN+NOT_RESPONDING"
    std::string base;                // "IDLE", "ALLOCATED", "MIXED", "DOWN", "UNKNOWN", ...
    std::vector<std::string> flags;  // "DRAIN", "NOT_RESPONDING", "MAINT", ...
    std::string reason;              // without the " [user@time]" scontrol adds; "" when none

    bool has(std::string_view flag) const;
    // Drained or draining: the DRAIN flag (on any base state, DOWN+DRAIN too).
    bool drain() const;
};

struct NodeAnswer {
    std::map<std::string, SlurmNode> nodes;
    // A name Slurm does not know → what Slurm said about it ("Node x not found").
    std::map<std::string, std::string> unknown;
};

// Parses what `scontrol -o show node LIST` wrote on standard output and standard error. Lines
// that are neither a node nor a "not found" are ignored.
NodeAnswer parse_show_node(std::string_view out, std::string_view err);

// A node's state for a status command: drained or draining (the DRAIN flag) or in a maintenance
// reservation (MAINT) is maintenance; IDLE, ALLOCATED, MIXED and COMPLETING without those are
// normal, whatever other flags say (NOT_RESPONDING, POWERED_DOWN...); DOWN, FAIL, ERROR,
// FUTURE, UNKNOWN and anything else are unknown. The message says the state and the reason.
struct NodeStatus {
    Result result = Result::Unknown;
    std::string message;
};
NodeStatus node_status(const SlurmNode& node);

// The reason the helper drains with: the window's reason (cleaned, at most kMaxReasonBytes; or
// "maintenance" when empty) and "(maintenance window N)", or "(maintenanced)" without a window.
inline constexpr std::size_t kMaxReasonBytes = 200;
std::string drain_reason(std::string_view window_reason, std::optional<unsigned long> window);

// True when `reason` is one drain_reason makes: `leave` resumes only such nodes.
bool is_maintenanced_reason(std::string_view reason);

}  // namespace maint::engines
