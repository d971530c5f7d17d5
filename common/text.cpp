// Small text helpers shared by the daemon and its client: UTF-8 validation and cutting, the
// printable filter, word splitting, and the ExecStart=-like command line splitter used for the
// configuration's commands.
#include "text.hpp"

#include "timespan.hpp"  // ParseError

namespace maint {

namespace {

bool is_ascii_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// C1 controls (U+0080..U+009F: CSI, U+009B, starts escape sequences too) and the bidi overrides
// and isolates (U+202A..U+202E, U+2066..U+2069, which reorder what follows them on the screen:
// text that reads differently from what it is).
bool is_terminal_control(char32_t cp) {
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const std::size_t n = s.size();
    if (i >= n)
        return 0;
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    if (c < 0x80)
        return 1;
    // The lead byte fixes the length and the range the second byte may take; the ranges exclude
    // overlong forms (C0, C1, E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code points
    // above U+10FFFF (F4 90..BF, F5..FF).
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        length = 2;
    } else if (c == 0xE0) {
        length = 3;
        low = 0xA0;
    } else if (c == 0xED) {
        length = 3;
        high = 0x9F;
    } else if (c >= 0xE1 && c <= 0xEF) {
        length = 3;
    } else if (c == 0xF0) {
        length = 4;
        low = 0x90;
    } else if (c == 0xF4) {
        length = 4;
        high = 0x8F;
    } else if (c >= 0xF1 && c <= 0xF3) {
        length = 4;
    } else {
        return 0;
    }
    if (n - i < length)
        return 0;
    if (byte(i + 1) < low || byte(i + 1) > high)
        return 0;
    for (std::size_t k = 2; k < length; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF)
            return 0;
    }
    return length;
}

char32_t utf8_code_point(std::string_view s, std::size_t i, std::size_t length) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    static constexpr unsigned char kLeadBits[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    char32_t cp = byte(0) & kLeadBits[length];
    for (std::size_t k = 1; k < length; ++k)
        cp = (cp << 6) | (byte(k) & 0x3F);
    return cp;
}

bool is_valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t length = utf8_sequence_length(s, i);
        if (length == 0)
            return false;
        i += length;
    }
    return true;
}

std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) {
    if (s.size() <= max_bytes)
        return s;
    std::size_t end = 0;
    for (std::size_t i = 0; i < max_bytes;) {
        const std::size_t length = utf8_sequence_length(s, i);
        const std::size_t step = length == 0 ? 1 : length;  // a stray byte is one "character"
        if (i + step > max_bytes)
            break;
        i += step;
        end = i;
    }
    return s.substr(0, end);
}

std::string printable_text(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f))
                out += static_cast<char>(c);
            ++i;
            continue;
        }
        const std::size_t n = utf8_sequence_length(s, i);
        if (n == 0) {
            out += '?';
            ++i;
            continue;
        }
        if (!is_terminal_control(utf8_code_point(s, i, n)))
            out.append(s.substr(i, n));
        i += n;
    }
    return out;
}

std::vector<std::string> split_words(std::string_view s) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_ascii_space(s[i]))
            ++i;
        const std::size_t start = i;
        while (i < s.size() && !is_ascii_space(s[i]))
            ++i;
        if (i > start)
            words.emplace_back(s.substr(start, i - start));
    }
    return words;
}

std::vector<std::string> split_command_line(std::string_view s) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;  // true once a word has begun, even if it is "" so far
    char quote = 0;        // the open quote character, or 0
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '\\') {
            if (i + 1 == s.size()) {
                throw ParseError("command line \"" + std::string(s) +
                                 "\" ends with a backslash: expected a character after it, "
                                 "such as \\\\ for a backslash");
            }
            const char e = s[++i];
            switch (e) {
                case '\\':
                case '"':
                case '\'':
                    word += e;
                    break;
                case 'n':
                    word += '\n';
                    break;
                case 't':
                    word += '\t';
                    break;
                case 's':
                    word += ' ';
                    break;
                default:
                    throw ParseError("command line \"" + std::string(s) +
                                     "\" has the unknown escape \\" + std::string(1, e) +
                                     ": expected \\\\, \\\", \\', \\n, \\t or \\s");
            }
            in_word = true;
        } else if (quote != 0) {
            if (c == quote) {
                quote = 0;
            } else {
                word += c;
            }
        } else if (c == '"' || c == '\'') {
            quote = c;
            in_word = true;
        } else if (is_ascii_space(c)) {
            if (in_word) {
                words.push_back(std::move(word));
                word.clear();
                in_word = false;
            }
        } else {
            word += c;
            in_word = true;
        }
    }
    if (quote != 0) {
        throw ParseError("command line \"" + std::string(s) + "\" has an unterminated " +
                         (quote == '"' ? "double" : "single") + " quote: expected a closing " +
                         std::string(1, quote));
    }
    if (in_word)
        words.push_back(std::move(word));
    return words;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0)
            out += sep;
        out += parts[i];
    }
    return out;
}

std::optional<std::string> host_name_problem(std::string_view name) {
    if (name.empty())
        return "is empty";
    if (name.size() > kMaxHostNameBytes) {
        return "is " + std::to_string(name.size()) + " bytes long (at most " +
               std::to_string(kMaxHostNameBytes) + ")";
    }
    if (name.front() == '-')
        return "starts with '-'";
    for (const char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
        if (!ok) {
            const auto u = static_cast<unsigned char>(c);
            return (u >= 0x21 && u < 0x7f) ? "contains '" + std::string(1, c) + "'"
                                           : "contains a byte outside letters, digits, '-', '.' "
                                             "and '_'";
        }
    }
    return std::nullopt;
}

}  // namespace maint
