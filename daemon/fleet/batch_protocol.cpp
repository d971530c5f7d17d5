// The batch protocol's output parser (see batch_protocol.hpp). A line is held until its newline
// arrives, at most kMaxBatchLine + 1 bytes of it: the rest of an overlong line is dropped as it
// arrives.
#include "fleet/batch_protocol.hpp"

#include <cstring>
#include <span>
#include <utility>

#include "common/text.hpp"

namespace maint {
namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

std::string_view next_word(std::string_view& rest) {
    while (!rest.empty() && is_blank(rest.front()))
        rest.remove_prefix(1);
    std::size_t end = 0;
    while (end < rest.size() && !is_blank(rest[end]))
        ++end;
    const std::string_view word = rest.substr(0, end);
    rest.remove_prefix(end);
    return word;
}

// Text from a command as it may go into a window's Log: printable (common/text.hpp), on one line
// (a tab is a space), at most `max` bytes cut at a character boundary.
std::string shown(std::string_view raw, std::size_t max = kMaxBatchMessage) {
    std::string text = printable_text(raw);
    for (char& c : text) {
        if (c == '\t' || c == '\n')
            c = ' ';
    }
    text.resize(utf8_prefix(text, max).size());
    return text;
}

struct VerbName {
    BatchVerb verb;
    std::string_view name;
};

constexpr VerbName kFlipVerbs[] = {{BatchVerb::Ok, "ok"}, {BatchVerb::Failed, "failed"}};
constexpr VerbName kStatusVerbs[] = {{BatchVerb::Maintenance, "maintenance"},
                                     {BatchVerb::Normal, "normal"},
                                     {BatchVerb::Unknown, "unknown"}};

}  // namespace

BatchOutputParser::BatchOutputParser(BatchMode mode, LineHandler line, BadHandler bad)
    : mode_(mode), line_(std::move(line)), bad_(std::move(bad)) {}

void BatchOutputParser::feed(std::string_view chunk) {
    while (!chunk.empty()) {
        const void* found = std::memchr(chunk.data(), '\n', chunk.size());
        const std::size_t end =
            found == nullptr ? chunk.size() : static_cast<const char*>(found) - chunk.data();
        if (!overlong_) {
            // One byte more than a line may hold: a CR before the newline, or the byte that
            // makes the line too long.
            const std::size_t room = kMaxBatchLine + 1 - partial_.size();
            if (end > room) {
                partial_.append(chunk.substr(0, room));
                overlong_ = true;
            } else {
                partial_.append(chunk.substr(0, end));
            }
        }
        if (found == nullptr)
            return;
        complete_line();
        chunk.remove_prefix(end + 1);
    }
}

void BatchOutputParser::finish() {
    if (!partial_.empty() || overlong_)
        complete_line();
}

void BatchOutputParser::complete_line() {
    // The line is read in place and the buffer kept for the next one (100,000 lines should not
    // cost 100,000 allocations); it is emptied however this returns.
    struct Reset {
        BatchOutputParser& parser;
        ~Reset() {
            parser.partial_.clear();
            parser.overlong_ = false;
        }
    } reset{*this};

    std::string_view text = partial_;
    if (!overlong_ && !text.empty() && text.back() == '\r')
        text.remove_suffix(1);  // CR LF line ends
    if (overlong_ || text.size() > kMaxBatchLine) {
        bad_(shown(text), "line longer than " + std::to_string(kMaxBatchLine) + " bytes");
        return;
    }

    std::string_view rest = text;
    const std::string_view host = next_word(rest);
    if (host.empty())
        return;  // an empty (or blank) line
    if (auto problem = host_name_problem(host)) {
        bad_(shown(text), "the first word is not a host name: it " + *problem);
        return;
    }
    const std::string_view verb_text = next_word(rest);
    const bool flip = mode_ == BatchMode::Flip;
    const std::string_view expected =
        flip ? "expected ok or failed" : "expected maintenance, normal or unknown";
    if (verb_text.empty()) {
        bad_(shown(text), "no result after the host; " + std::string(expected));
        return;
    }
    const VerbName* verb = nullptr;
    for (const VerbName& v :
         flip ? std::span<const VerbName>(kFlipVerbs) : std::span<const VerbName>(kStatusVerbs)) {
        if (v.name == verb_text)
            verb = &v;
    }
    if (verb == nullptr) {
        bad_(shown(text),
             "unknown result '" + shown(verb_text, 64) + "'; " + std::string(expected));
        return;
    }
    while (!rest.empty() && is_blank(rest.front()))
        rest.remove_prefix(1);
    while (!rest.empty() && is_blank(rest.back()))
        rest.remove_suffix(1);

    BatchLine line;
    line.host = std::string(host);
    line.verb = verb->verb;
    line.message = shown(rest);
    line_(std::move(line));
}

}  // namespace maint
