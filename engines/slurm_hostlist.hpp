// Host names folded into Slurm's hostlist form ("node[00001-10000],gpu07") for the one scontrol
// argument NodeName=, and split into as few such arguments as the kernel lets one argument be.
//
// PRIVATE to the Slurm helper until common/hostlist.cpp (maint::compress_hostlist, written on
// another branch) is merged: then fold_slurm_hostlist becomes a call of it (after sorting, which
// it does not do) and this file keeps only the splitting. Pure logic: no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace maint::engines {

// The kernel refuses an exec whose single argument is longer than MAX_ARG_STRLEN (32 pages,
// 128 KiB, with its terminating NUL): a hostlist argument, "NodeName=" included, stays below
// this, with room to spare.
inline constexpr std::size_t kMaxHostlistArgument = 120 * 1024;

// Slurm refuses a bracket range of more than 65536 names ("Too many hosts in range").
inline constexpr unsigned long kMaxSlurmRange = 65536;

// The names in Slurm's hostlist syntax, as short as a greedy fold makes it: names that differ
// only in a trailing number share a bracket ("node[1-3,7]"), a range keeps the width of its zero
// padding ("n[08-10]"), names without a trailing number (or all digits) stay as they are. The
// order of the names is not kept (scontrol does not care; sorting is what lets ranges form);
// duplicates are folded into one. `scontrol show hostnames` of the result is the same set.
std::string fold_slurm_hostlist(const std::vector<std::string>& hosts);

// `hosts` split into groups whose fold is at most `max_bytes` long, each as {fold, names}; the
// groups together hold every name once, in fold order. A single name longer than `max_bytes`
// still gets a group of its own (host names are at most 253 bytes, far below any limit here).
struct HostlistChunk {
    std::string hostlist;
    std::vector<std::string> hosts;
};
std::vector<HostlistChunk> split_slurm_hostlist(const std::vector<std::string>& hosts,
                                                std::size_t max_bytes = kMaxHostlistArgument);

}  // namespace maint::engines
