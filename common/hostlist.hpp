// Host lists as Slurm, pdsh and ClusterShell write them: "node[0001-0003,7] gpu07 login[1-2]".
// A bracket holds comma-separated numbers and ranges; a range keeps the zero padding of its
// first bound ("[08-10]" → 08 09 10); several brackets in one name multiply out
// ("rack[1-2]-n[1-2]" → rack1-n1 rack1-n2 rack2-n1 rack2-n2). Entries are separated by commas or
// white space outside brackets. Pure logic: no I/O.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace maint {

// A window holds at most this many hosts; a list that would expand to more is refused.
inline constexpr std::size_t kMaxHostlistNames = 100'000;

class HostlistError : public std::runtime_error {
  public:
    // `position`: the byte offset in the text where the problem is (0-based). what() is "at byte
    // N: message" with N = position + 1, as a person counts.
    HostlistError(std::size_t position, const std::string& message);
    std::size_t position() const { return position_; }

  private:
    std::size_t position_;
};

// Every name the text describes, in order, duplicates dropped (the first one stays). Each name is
// checked as a host name (common/text.hpp's host_name_problem). Throws HostlistError naming the
// position: an unclosed or empty bracket, a range whose end is before its start, a bound that is
// not a number (or has more than 18 digits), a name that is not a host name, more than `limit`
// names. The limit counts the names as written, duplicates too: it is checked on the sizes of
// the brackets, before any name is made, so "n[1-1000000000]" costs no more than "n[1-2]".
std::vector<std::string> expand_hostlist(std::string_view text,
                                         std::size_t limit = kMaxHostlistNames);

// The reverse, for one engine call per batch: the names, in order, folded into Slurm's form
// ("node[0001-0003,0007],gpu07"). expand_hostlist(compress_hostlist(v)) == v for names without
// duplicates.
std::string compress_hostlist(const std::vector<std::string>& hosts);

}  // namespace maint
