// Small text helpers shared by the daemon and its client.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maint {

// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
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
