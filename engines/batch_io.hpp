// The helpers' side of the batch protocol (docs/configuration.md, "The batch protocol"): the
// batch's host names come on standard input, one a line; each host's result goes to standard
// output as one line, "HOST ok [message]", "HOST failed message" or, for a status command,
// "HOST maintenance|normal|unknown [message]", written whole and at once so that the daemon sees
// it as soon as the host is done.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace maint::engines {

// The daemon cuts a message at 1024 bytes (daemon/fleet/batch_protocol.hpp): ours stay below.
inline constexpr std::size_t kMaxResultMessage = 1000;

enum class Result { Ok, Failed, Maintenance, Normal, Unknown };
std::string_view result_word(Result r);

// The host names of `in`: blanks around a name are dropped, empty lines skipped, a name given
// twice counts once (the first stays). A line that is not a host name (common/text.hpp's
// host_name_problem) is no host of the batch: when it is one word it gets a "failed" line on
// `out_fd` (the daemon then knows why), otherwise a message on `err` only, because its words
// would be read as a host and a result.
struct Batch {
    std::vector<std::string> hosts;
    std::size_t rejected = 0;  // lines that were not host names
};
Batch read_batch(std::istream& in, int out_fd, std::ostream& err);

// A message fit for one protocol line: control characters (newlines too) become spaces, runs of
// blanks one space, blanks at the ends are dropped, and it is cut at kMaxResultMessage bytes
// (never inside a UTF-8 sequence, with "..." at the cut).
std::string clean_message(std::string_view text);

// "HOST WORD[ MESSAGE]\n", the message cleaned.
std::string result_line(std::string_view host, Result result, std::string_view message);

// Writes `text` with write(2), whole (retrying short writes and EINTR). A reader that went away
// (EPIPE; SIGPIPE must be ignored) is not an error here: the daemon treats hosts it never heard
// of as failed, and the helper still finishes its work.
void write_all(int fd, std::string_view text);

// write_all of one result_line.
void write_result(int fd, std::string_view host, Result result, std::string_view message);

// The first line of `text` that has something other than blanks, trimmed; "" when none.
std::string first_line(std::string_view text);

}  // namespace maint::engines
