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
