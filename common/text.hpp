// Small text helpers shared by the daemon and its client.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maint {

// The one UTF-8 decoder of the tree. Well-formed means: no overlong forms, no surrogates,
// nothing above U+10FFFF.
// The length (1 to 4) of the well-formed sequence that starts at s[i]; 0 when none does.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i = 0);
// The code point of the well-formed sequence of `length` bytes at s[i].
char32_t utf8_code_point(std::string_view s, std::size_t i, std::size_t length);
// True when all of `s` is well-formed UTF-8.
bool is_valid_utf8(std::string_view s);
// The longest prefix of `s` of at most `max_bytes` that does not end inside a well-formed
// sequence: a cut that keeps valid UTF-8 valid.
std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes);

// `s` with nothing a terminal would interpret: control characters (C0 but LF and TAB, DEL, the C1
// range U+0080..U+009F) and the bidi overrides and isolates (U+202A..U+202E, U+2066..U+2069)
// removed, CR LF made LF, bytes that are not UTF-8 replaced by '?'. For every user- or
// program-provided text that reaches terminals, mail or a window's log (reason, messages, notes,
// the output of batch commands).
std::string printable_text(std::string_view s);

// Splits on runs of ASCII whitespace; no quoting.
std::vector<std::string> split_words(std::string_view s);

// Splits a command line into words the way systemd's ExecStart= does: whitespace separates
// words, "double" and 'single' quotes group, backslash escapes (\\ \" \' \n \t \s and a
// trailing-backslash line continuation are not needed here). Throws ParseError (timespan.hpp) on
// an unterminated quote or a trailing backslash.
std::vector<std::string> split_command_line(std::string_view s);

// Host names become arguments of admin-configured commands (%h), which recipes often pass to
// `sh -c`: only the host name character set is allowed (letters, digits, '-', '.', '_'), not
// starting with '-' (it would read as an option), at most kMaxHostNameBytes bytes.
inline constexpr std::size_t kMaxHostNameBytes = 253;
// Why `name` is not an acceptable host name ("contains '$'"), or nullopt when it is.
std::optional<std::string> host_name_problem(std::string_view name);

// Joins with `sep`.
std::string join(const std::vector<std::string>& parts, std::string_view sep);

}  // namespace maint
