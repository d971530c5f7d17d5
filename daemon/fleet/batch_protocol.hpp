// The batch protocol (../shared/spec/configuration.md, "The batch protocol"): a batch command
// gets its hosts on standard input, one a line, and writes one line per host to standard output
// as each finishes:
//   enter, leave:  HOST ok [message]          HOST failed message
//   status:        HOST maintenance|normal|unknown [message]
// The parser takes the output in chunks as they arrive (a line may be split anywhere, also inside
// a UTF-8 sequence), and hands out each complete line. Words are separated by spaces or tabs; the
// message is the rest of the line, its inner spacing kept. A line ending in CR LF counts as one
// ending in LF; a `failed` line without a message is taken (the message is empty). Pure logic:
// no I/O.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace maint {

enum class BatchMode { Flip, Status };
enum class BatchVerb { Ok, Failed, Maintenance, Normal, Unknown };

struct BatchLine {
    std::string host;
    BatchVerb verb = BatchVerb::Failed;
    // Printable text on one line (common/text.hpp's printable_text, a tab made a space), at most
    // kMaxBatchMessage bytes cut at a character boundary.
    std::string message;
};

// A line longer than this (its LF or CR LF not counted) is cut there (the rest, up to the
// newline, is dropped and the line is reported as malformed): output of any size costs bounded
// memory.
inline constexpr std::size_t kMaxBatchLine = 4096;
inline constexpr std::size_t kMaxBatchMessage = 1024;

class BatchOutputParser {
  public:
    using LineHandler = std::function<void(BatchLine)>;
    // A line that is not a protocol line (empty and blank lines are skipped silently): the text,
    // cut to a printable kMaxBatchMessage, and why ("unknown result 'done'; expected ok or
    // failed", "no result after the host; ...", "the first word is not a host name: ...", "line
    // longer than 4096 bytes").
    using BadHandler = std::function<void(std::string line, std::string why)>;

    // The handlers are called from feed() and finish(), and must not call them.
    BatchOutputParser(BatchMode mode, LineHandler line, BadHandler bad);
    void feed(std::string_view chunk);
    // End of output: a last line without a newline counts.
    void finish();

  private:
    void complete_line();
    BatchMode mode_;
    LineHandler line_;
    BadHandler bad_;
    std::string partial_;
    bool overlong_ = false;
};

}  // namespace maint
