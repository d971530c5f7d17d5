// Slurm-style host lists (see hostlist.hpp). An entry is parsed into literal parts and brackets
// first, and its size is the product of its brackets' sizes: the limit is checked on those
// numbers, so "n[1-1000000000]" is refused before a single name is made.
#include "common/hostlist.hpp"

#include <algorithm>
#include <cstdint>
#include <unordered_set>
#include <utility>

#include "common/text.hpp"

namespace maint {
namespace {

// Bounds are parsed into 64 bits; 18 digits always fit, and no host numbering needs more.
constexpr std::size_t kMaxDigits = 18;

constexpr std::string_view kExpected =
    "expected host names and ranges such as node[01-10,12] gpu07, separated by commas or spaces";

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_separator(char c) {
    return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
           c == '.' || c == '_';
}

// A character as an error message shows it: printable ASCII quoted, anything else by its code.
std::string shown(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f)
        return "'" + std::string(1, c) + "'";
    static constexpr char kHex[] = "0123456789abcdef";
    return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 0xf];
}

std::string format_number(std::uint64_t value, std::size_t width) {
    std::string digits = std::to_string(value);
    if (digits.size() < width)
        digits.insert(0, width - digits.size(), '0');
    return digits;
}

// One "lo-hi" (or "n") inside brackets; `width` is the length of lo as written (Slurm's rule:
// the first bound fixes the zero padding).
struct Range {
    std::uint64_t lo = 0;
    std::uint64_t hi = 0;
    std::size_t width = 0;
};

// A literal part of a name, or a bracket (`ranges` not empty).
struct Part {
    std::string literal;
    std::vector<Range> ranges;
};

struct Entry {
    std::size_t position = 0;  // of its first byte
    std::vector<Part> parts;
    std::size_t count = 0;  // names it makes, saturated at the limit + 1 (Parser::over_)
};

class Parser {
  public:
    Parser(std::string_view text, std::size_t limit)
        : text_(text), limit_(limit), over_(limit < SIZE_MAX ? limit + 1 : limit) {}

    // Every entry, checked, with its size; throws on the first problem, or once the sizes add
    // up to more than the limit.
    std::vector<Entry> entries() {
        std::vector<Entry> out;
        std::size_t total = 0;
        while (true) {
            while (i_ < text_.size() && is_separator(text_[i_]))
                ++i_;
            if (i_ == text_.size())
                break;
            Entry entry = parse_entry();
            total += entry.count;
            if (total > limit_) {
                throw HostlistError(entry.position, "this entry brings the list to more than " +
                                                        std::to_string(limit_) +
                                                        " names; expected at most " +
                                                        std::to_string(limit_) + " hosts in all");
            }
            out.push_back(std::move(entry));
        }
        return out;
    }

  private:
    [[noreturn]] void fail(std::size_t at, const std::string& message) const {
        throw HostlistError(at, message + "; " + std::string(kExpected));
    }

    Entry parse_entry() {
        Entry entry;
        entry.position = i_;
        entry.count = 1;
        if (text_[i_] == '-')
            fail(i_, "a host name starts with '-'");
        while (i_ < text_.size() && !is_separator(text_[i_])) {
            const char c = text_[i_];
            if (c == '[') {
                Part bracket;
                const std::size_t size = parse_bracket(bracket.ranges);
                entry.count = saturating_product(entry.count, size);
                entry.parts.push_back(std::move(bracket));
            } else if (c == ']') {
                fail(i_, "']' without an opening '['");
            } else if (is_name_char(c)) {
                if (entry.parts.empty() || !entry.parts.back().ranges.empty())
                    entry.parts.emplace_back();
                entry.parts.back().literal += c;
                ++i_;
            } else {
                fail(i_, shown(c) +
                             " is not allowed in a host name (letters, digits, '-', '.' and '_')");
            }
        }
        return entry;
    }

    // At '[': parses up to and past the matching ']'; returns how many numbers it holds
    // (saturated at over_).
    std::size_t parse_bracket(std::vector<Range>& ranges) {
        const std::size_t open = i_++;
        std::size_t size = 0;
        if (i_ < text_.size() && text_[i_] == ']')
            fail(open, "empty brackets '[]'");
        while (true) {
            Range range;
            const std::size_t lo_at = i_;
            range.lo = parse_number(open, "a number");
            range.width = i_ - lo_at;
            range.hi = range.lo;
            const bool is_range = i_ < text_.size() && text_[i_] == '-';
            if (is_range) {
                ++i_;
                range.hi = parse_number(open, "a number after '-'");
                if (range.hi < range.lo) {
                    fail(lo_at, "the range " + std::string(text_.substr(lo_at, i_ - lo_at)) +
                                    " ends before it starts (write the smaller number first)");
                }
            }
            const std::uint64_t span = range.hi - range.lo;  // one less than its size
            size = span >= over_ - size ? over_ : size + span + 1;
            ranges.push_back(range);
            if (i_ == text_.size())
                fail(open, "'[' is never closed");
            if (text_[i_] == ']') {
                ++i_;
                return size;
            }
            if (text_[i_] != ',') {
                fail(i_, std::string(is_range ? "expected ',' or ']' after a range"
                                              : "expected ',', '-' or ']' after a number") +
                             " in brackets, not " + shown(text_[i_]));
            }
            ++i_;
        }
    }

    std::uint64_t parse_number(std::size_t open, const char* what) {
        const std::size_t start = i_;
        while (i_ < text_.size() && is_digit(text_[i_]))
            ++i_;
        if (i_ == start) {
            if (i_ == text_.size())
                fail(open, "'[' is never closed");
            fail(i_, std::string("expected ") + what + " in brackets, not " + shown(text_[i_]));
        }
        if (i_ - start > kMaxDigits) {
            fail(start, "a number of more than " + std::to_string(kMaxDigits) + " digits");
        }
        std::uint64_t n = 0;
        for (std::size_t k = start; k < i_; ++k)
            n = n * 10 + static_cast<std::uint64_t>(text_[k] - '0');
        return n;
    }

    std::size_t saturating_product(std::size_t a, std::size_t b) const {
        if (a == 0 || b == 0)
            return 0;
        return a > over_ / b ? over_ : std::min(a * b, over_);
    }

    std::string_view text_;
    std::size_t limit_;
    std::size_t over_;  // limit_ + 1: where counts stop growing
    std::size_t i_ = 0;
};

// Makes the names of one entry, brackets multiplied out with the first one outermost (an
// odometer, not recursion: an entry may have any number of brackets).
class Expander {
  public:
    Expander(std::vector<std::string>& out, std::unordered_set<std::string>& seen)
        : out_(out), seen_(seen) {}

    void expand(const Entry& entry) {
        // Per part: the index of its current range and the current number in it.
        std::vector<std::pair<std::size_t, std::uint64_t>> at(entry.parts.size());
        for (std::size_t k = 0; k < entry.parts.size(); ++k) {
            if (!entry.parts[k].ranges.empty())
                at[k] = {0, entry.parts[k].ranges.front().lo};
        }
        while (true) {
            std::string name;
            for (std::size_t k = 0; k < entry.parts.size(); ++k) {
                const Part& p = entry.parts[k];
                name += p.ranges.empty() ? p.literal
                                         : format_number(at[k].second, p.ranges[at[k].first].width);
            }
            add(entry, std::move(name));
            if (!advance(entry, at))
                return;
        }
    }

  private:
    // Moves to the next combination, the last bracket fastest; false after the last one.
    static bool advance(const Entry& entry,
                        std::vector<std::pair<std::size_t, std::uint64_t>>& at) {
        for (std::size_t k = entry.parts.size(); k-- > 0;) {
            const std::vector<Range>& ranges = entry.parts[k].ranges;
            if (ranges.empty())
                continue;
            auto& [range, n] = at[k];
            if (n < ranges[range].hi) {
                ++n;
                return true;
            }
            if (range + 1 < ranges.size()) {
                ++range;
                n = ranges[range].lo;
                return true;
            }
            at[k] = {0, ranges.front().lo};  // carry into the bracket before
        }
        return false;
    }

    void add(const Entry& entry, std::string name) {
        // Its characters were checked while parsing, and it cannot start with '-'; the length
        // is all that is left to check.
        if (auto problem = host_name_problem(name)) {
            throw HostlistError(entry.position, "the host name " + name.substr(0, 64) +
                                                    (name.size() > 64 ? "..." : "") + " " +
                                                    *problem + "; " + std::string(kExpected));
        }
        if (seen_.insert(name).second)
            out_.push_back(std::move(name));
    }

    std::vector<std::string>& out_;
    std::unordered_set<std::string>& seen_;
};

// A name split before its trailing digits: "node0007" → {"node", "0007"}. No digits, or more
// than fit a bound: the whole name is the prefix.
struct Split {
    std::string_view prefix;
    std::string_view digits;
    std::uint64_t value = 0;
};

Split split_name(std::string_view name) {
    std::size_t start = name.size();
    while (start > 0 && is_digit(name[start - 1]))
        --start;
    Split s{name, {}, 0};
    const std::size_t n = name.size() - start;
    if (n == 0 || n > kMaxDigits)
        return s;
    s.prefix = name.substr(0, start);
    s.digits = name.substr(start);
    for (const char c : s.digits)
        s.value = s.value * 10 + static_cast<std::uint64_t>(c - '0');
    return s;
}

}  // namespace

HostlistError::HostlistError(std::size_t position, const std::string& message)
    : std::runtime_error("at byte " + std::to_string(position + 1) + ": " + message),
      position_(position) {}

std::vector<std::string> expand_hostlist(std::string_view text, std::size_t limit) {
    const std::vector<Entry> entries = Parser(text, limit).entries();
    std::vector<std::string> names;
    std::unordered_set<std::string> seen;
    std::size_t total = 0;
    for (const Entry& e : entries)
        total += e.count;
    names.reserve(total);
    seen.reserve(total);
    Expander expander(names, seen);
    for (const Entry& e : entries)
        expander.expand(e);
    return names;
}

std::string compress_hostlist(const std::vector<std::string>& hosts) {
    // Adjacent names with the same prefix share one bracket, so the order is kept; inside it a
    // range grows while the next number is one more and is written with the range's padding.
    std::string out;
    std::size_t i = 0;
    while (i < hosts.size()) {
        const Split first = split_name(hosts[i]);
        std::size_t j = i + 1;
        if (!first.digits.empty()) {
            while (j < hosts.size()) {
                const Split next = split_name(hosts[j]);
                if (next.digits.empty() || next.prefix != first.prefix)
                    break;
                ++j;
            }
        }
        if (!out.empty())
            out += ',';
        if (j == i + 1) {
            out += hosts[i];
            i = j;
            continue;
        }
        out += first.prefix;
        out += '[';
        std::size_t k = i;
        while (k < j) {
            const Split lo = split_name(hosts[k]);
            const std::size_t width = lo.digits.size();
            std::size_t end = k + 1;  // one past the last name of this range
            std::uint64_t value = lo.value;
            while (end < j) {
                const Split next = split_name(hosts[end]);
                if (next.value != value + 1 || format_number(next.value, width) != next.digits)
                    break;
                value = next.value;
                ++end;
            }
            if (k != i)
                out += ',';
            out += lo.digits;
            if (end - k > 1) {
                out += '-';
                out += split_name(hosts[end - 1]).digits;
            }
            k = end;
        }
        out += ']';
        i = j;
    }
    return out;
}

}  // namespace maint
