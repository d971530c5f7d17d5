// The batch protocol (../shared/spec/configuration.md, "The batch protocol"): a batch command
// gets its hosts on standard input, one a line, and writes one line per host to standard output
// as each finishes:
//   enter, leave:  HOST ok [message]          HOST failed message
//   status:        HOST maintenance|normal|unknown [message]
// The parser takes the output in chunks as they arrive (a line may be split anywhere, also inside
// a UTF-8 sequence), and hands out each complete line. Pure logic: no I/O.
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
    std::string message;  // printable text only (control characters dropped), at most kMaxBatchMessage
};

// A line longer than this is cut there (the rest, up to the newline, is dropped and the line is
// reported as malformed): output of any size costs bounded memory.
inline constexpr std::size_t kMaxBatchLine = 4096;
inline constexpr std::size_t kMaxBatchMessage = 1024;

class BatchOutputParser {
  public:
    using LineHandler = std::function<void(BatchLine)>;
    // A line that is not a protocol line (empty lines are skipped silently): the text, cut to a
    // printable kMaxBatchMessage, and why ("unknown result 'done'", "no result after the host",
    // "line longer than 4096 bytes").
    using BadHandler = std::function<void(std::string line, std::string why)>;

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
