// The configuration loader: the main file and its drop-ins, read with inih, into a validated
// Config.
//
// inih (Debian's build) gives its handler no line number, truncates lines longer than its buffer
// without a word, knows only ';' inline comments and never reports an empty section. So inih
// reads through our own line reader, which numbers the lines, refuses lines inih would cut,
// strips "# comment" and "; comment" tails, and parses section headers itself (inih would also cut
// a section name at 49 bytes): inih is handed a placeholder header, and the handler takes the
// section from the reader. Nothing may throw across inih's C frames, so one file is read in two
// steps: the reader and handler record headers and assignments (or the first problem), then the
// assignments are interpreted into the configuration, where a bad value throws ConfigError.
#include "config/config.hpp"

#include <ini.h>
#include <stdio.h>  // getline
#include <sys/types.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "common/hostlist.hpp"
#include "common/text.hpp"
#include "core/budget.hpp"

namespace maint {

namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Where a thing was written, for messages.

struct Location {
    std::string file;
    unsigned line = 0;
};

std::string where(const Location& at) {
    return at.file + ":" + std::to_string(at.line);
}

[[noreturn]] void fail(const Location& at, const std::string& message) {
    throw ConfigError(where(at) + ": " + message);
}

// ---------------------------------------------------------------------------------------------
// The sections and keys there are.

enum class Kind { Daemon, Access, Notify, Audience, Host, Hosts, Check };

struct KindInfo {
    Kind kind;
    std::string_view name;
    bool named;  // [Kind NAME] rather than [Kind]
    std::vector<std::string_view> keys;
};

const std::array<KindInfo, 7>& kinds() {
    static const std::array<KindInfo, 7> table = {{
        {Kind::Daemon,
         "Daemon",
         false,
         {"StateDirectory", "RuntimeDirectory", "Scheduler", "MaxParallelHosts", "MaxFailedHosts"}},
        {Kind::Access, "Access", false, {"AdminGroups"}},
        {Kind::Notify, "Notify", false, {"LeadTimeSec", "Sendmail", "From", "Wall", "Motd"}},
        {Kind::Audience, "Audience", true, {"Users", "Groups", "Emails"}},
        {Kind::Host,
         "Host",
         true,
         {"Backend", "EnterCommand", "LeaveCommand", "StatusCommand", "TimeoutSec"}},
        {Kind::Hosts,
         "Hosts",
         true,
         {"Backend", "Hosts", "HostsCommand", "EnterCommand", "LeaveCommand", "StatusCommand",
          "BatchSize", "TimeoutSec"}},
        {Kind::Check,
         "Check",
         true,
         {"Type", "Unit", "Command", "Severity", "Description", "TimeoutSec"}},
    }};
    return table;
}

const KindInfo* kind_named(std::string_view name) {
    for (const auto& info : kinds()) {
        if (info.name == name)
            return &info;
    }
    return nullptr;
}

const KindInfo& info_of(Kind kind) {
    for (const auto& info : kinds()) {
        if (info.kind == kind)
            return info;
    }
    std::abort();  // every Kind is in the table
}

constexpr std::string_view kSectionList =
    "[Daemon], [Access], [Notify], [Audience NAME], [Host NAME], [Hosts NAME] or [Check NAME]";

bool ascii_iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}
bool is_control(unsigned char c) {
    return c < 0x20 || c == 0x7F;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back()))
        s.remove_suffix(1);
    return s;
}

std::string section_title(Kind kind, const std::string& name) {
    const auto& info = info_of(kind);
    return "[" + std::string(info.name) + (info.named ? " " + name : std::string()) + "]";
}

// ---------------------------------------------------------------------------------------------
// Step one: one file into headers and assignments.

struct Section {
    Kind kind;
    std::string name;  // empty for [Daemon], [Access], [Notify]
    unsigned line;     // of this header
};

// A header (key empty) or a Key=value line with its continuation lines joined.
struct Entry {
    std::size_t section;  // index into ParsedFile::sections
    std::string key;
    std::string value;
    unsigned line;
};

struct Problem {
    unsigned line;
    std::string message;
};

struct FileReader {
    std::FILE* file = nullptr;
    std::string path;

    unsigned line_no = 0;
    std::optional<Problem> problem;  // the first one; reading stops there
    int read_errno = 0;              // set when reading the file failed

    std::vector<Section> sections;
    std::vector<Entry> entries;
    std::optional<std::size_t> current_section;
    // Mirrors inih's "previous name": an indented line after a key continues its value.
    bool key_in_section = false;
    bool line_is_continuation = false;
    // Where each key was first given, per section title, to refuse a second one in this file.
    std::map<std::pair<std::string, std::string>, unsigned> first_given;

    void report(std::string message) {
        if (!problem)
            problem = Problem{line_no, std::move(message)};
    }

    // Parses "[Kind]" or "[Kind NAME]"; records it, or a problem.
    void header(std::string_view text) {
        const auto close = text.find(']');
        if (close == std::string_view::npos) {
            report("section header without ']'; expected " + std::string(kSectionList));
            return;
        }
        if (close + 1 != text.size()) {
            report("unexpected text after ']' of the section header: \"" +
                   std::string(text.substr(close + 1)) + "\"");
            return;
        }
        const std::string_view inner = text.substr(1, close - 1);
        const auto space = inner.find_first_of(" \t");
        const std::string_view kind_text = inner.substr(0, space);
        const KindInfo* info = kind_named(kind_text);
        if (info == nullptr) {
            std::string message = "unknown section [" + std::string(inner) + "]; expected " +
                                  std::string(kSectionList);
            for (const auto& k : kinds()) {
                if (ascii_iequal(k.name, kind_text)) {
                    message += " (names are case-sensitive: " + std::string(k.name) + ")";
                }
            }
            report(message);
            return;
        }
        std::string name;
        if (!info->named) {
            if (space != std::string_view::npos) {
                report("[" + std::string(info->name) + "] takes no name; expected [" +
                       std::string(info->name) + "]");
                return;
            }
        } else {
            if (space == std::string_view::npos) {
                report("[" + std::string(info->name) + "] needs a name; expected [" +
                       std::string(info->name) + " NAME]");
                return;
            }
            name = std::string(inner.substr(space + 1));
            if (auto why = bad_name(*info, name)) {
                report(*why);
                return;
            }
        }
        sections.push_back(Section{info->kind, std::move(name), line_no});
        current_section = sections.size() - 1;
        entries.push_back(Entry{*current_section, {}, {}, line_no});
        key_in_section = false;
    }

    static std::optional<std::string> bad_name(const KindInfo& info, const std::string& name) {
        const std::string expected = "; expected [" + std::string(info.name) +
                                     " NAME] with a NAME of 1 to 255 bytes of UTF-8 without "
                                     "whitespace or control characters";
        if (name.empty())
            return "empty " + std::string(info.name) + " name" + expected;
        if (name.size() > 255) {
            return std::string(info.name) + " name of " + std::to_string(name.size()) + " bytes" +
                   expected;
        }
        if (!is_valid_utf8(name))
            return std::string(info.name) + " name is not valid UTF-8" + expected;
        for (const char c : name) {
            if (is_blank(c) || is_control(static_cast<unsigned char>(c))) {
                return std::string(info.name) + " name \"" + name +
                       "\" contains whitespace or a control character" + expected;
            }
        }
        // A host name becomes an argument of the host's commands (%h): one starting with '-'
        // would be read as an option (ssh -oProxyCommand=...). A group's name stands where host
        // names do (a window's Hosts), so it is one too.
        if (info.kind == Kind::Host || info.kind == Kind::Hosts) {
            if (auto problem = host_name_problem(name)) {
                return std::string(info.kind == Kind::Host ? "host" : "group") + " name \"" + name +
                       "\" " + *problem +
                       "; expected a host name: letters, digits, '-', '.' and '_', not starting "
                       "with '-', at most " +
                       std::to_string(kMaxHostNameBytes) + " bytes";
            }
        }
        return std::nullopt;
    }

    // Called by inih for each Key=value line and each continuation line.
    void assignment(std::string_view key, std::string_view value) {
        if (problem)
            return;
        if (line_is_continuation) {
            // The reader only marks continuations after a key of the current section.
            std::string& joined = entries.back().value;
            if (!joined.empty())
                joined += ' ';
            joined += value;
            return;
        }
        if (!current_section) {
            report(std::string(key) + "= comes before any section; expected a section header (" +
                   std::string(kSectionList) + ") first");
            return;
        }
        const Section& section = sections[*current_section];
        const KindInfo& info = info_of(section.kind);
        const std::string title = section_title(section.kind, section.name);
        if (std::find(info.keys.begin(), info.keys.end(), key) == info.keys.end()) {
            std::string message =
                "unknown key " + std::string(key) + "= in " + title + "; expected one of: ";
            std::string hint;
            for (std::size_t i = 0; i < info.keys.size(); ++i) {
                message += (i > 0 ? ", " : "") + std::string(info.keys[i]) + "=";
                if (ascii_iequal(info.keys[i], key)) {
                    hint = " (names are case-sensitive: " + std::string(info.keys[i]) + "=)";
                }
            }
            report(message + hint);
            return;
        }
        const auto [it, inserted] =
            first_given.emplace(std::make_pair(title, std::string(key)), line_no);
        if (!inserted) {
            report(std::string(key) + "= given twice in " + title + " (first at line " +
                   std::to_string(it->second) +
                   "); expected it once per file (a later drop-in may override it)");
            return;
        }
        entries.push_back(Entry{*current_section, std::string(key), std::string(value), line_no});
    }

    // Cuts an inline comment: '#' or ';' after whitespace, as in the spec's example.
    static std::string_view strip_comment(std::string_view line) {
        for (std::size_t i = 1; i < line.size(); ++i) {
            if ((line[i] == '#' || line[i] == ';') && is_blank(line[i - 1])) {
                return line.substr(0, i);
            }
        }
        return line;
    }

    // inih's reader: one line per call, so inih's own count matches ours. Returns null at the
    // end of the file or once there is a problem (which stops the parse).
    char* next_line(char* buffer, int size) {
        if (problem || read_errno != 0)
            return nullptr;
        char* raw = nullptr;
        std::size_t capacity = 0;
        errno = 0;
        const ssize_t got = ::getline(&raw, &capacity, file);
        std::unique_ptr<char, decltype(&std::free)> owned(raw, &std::free);
        if (got < 0) {
            if (std::ferror(file))
                read_errno = errno != 0 ? errno : EIO;
            return nullptr;
        }
        ++line_no;
        line_is_continuation = false;
        std::string_view line(raw, static_cast<std::size_t>(got));
        if (!line.empty() && line.back() == '\n')
            line.remove_suffix(1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line_no == 1 && line.substr(0, 3) == "\xEF\xBB\xBF")
            line.remove_prefix(3);

        if (!is_valid_utf8(line)) {
            report("line is not valid UTF-8; expected UTF-8 text");
            return nullptr;
        }
        for (const char c : line) {
            if (c != '\t' && is_control(static_cast<unsigned char>(c))) {
                report("line contains a control character; expected text");
                return nullptr;
            }
        }

        std::string_view text = strip_comment(line);
        while (!text.empty() && is_blank(text.back()))
            text.remove_suffix(1);
        const std::string_view content = trim(text);
        const bool indented = !text.empty() && is_blank(text.front());

        std::string feed;  // what inih sees of this line
        if (content.empty() || content.front() == '#' || content.front() == ';') {
            // Blank or comment: inih ignores it, and so do we.
        } else if (indented && key_in_section) {
            line_is_continuation = true;
            feed = text;
        } else if (content.front() == '[') {
            header(content);
            if (problem)
                return nullptr;
            feed = "[s]";  // resets inih's previous name; the handler ignores inih's section
        } else {
            const auto equals = content.find('=');
            const auto colon = content.find(':');
            if (equals == std::string_view::npos ||
                (colon != std::string_view::npos && colon < equals)) {
                report(
                    "expected Key=value, a section header such as [Daemon], or a comment "
                    "(# or ;), not \"" +
                    std::string(content) + "\"");
                return nullptr;
            }
            if (trim(content.substr(0, equals)).empty()) {
                report("Key=value line without a key; expected Key=value, not \"" +
                       std::string(content) + "\"");
                return nullptr;
            }
            key_in_section = true;
            feed = text;
        }

        // inih's buffer holds size - 3 characters of text ('\r', '\n' and '\0' besides).
        const int longest = size - 3;
        if (static_cast<long long>(feed.size()) > longest) {
            report("line longer than " + std::to_string(longest) +
                   " characters; expected shorter lines: continue a long value on the next "
                   "line, indented");
            return nullptr;
        }
        feed += '\n';
        std::copy(feed.begin(), feed.end(), buffer);
        buffer[feed.size()] = '\0';
        return buffer;
    }
};

char* read_line_for_inih(char* buffer, int size, void* stream) {
    return static_cast<FileReader*>(stream)->next_line(buffer, size);
}

int handle_for_inih(void* user, const char* /*section: ours is better*/, const char* name,
                    const char* value) {
    static_cast<FileReader*>(user)->assignment(name, value);
    return 1;  // problems are recorded, and stop the reader
}

struct ParsedFile {
    std::vector<Section> sections;
    std::vector<Entry> entries;
    // The first problem inih or our reader found; entries stop before it.
    std::optional<Problem> problem;
};

// Reads one file. Returns nullopt when it does not exist and may be absent.
std::optional<ParsedFile> parse_file(const fs::path& path, bool must_exist) {
    std::FILE* file = std::fopen(path.c_str(), "re");
    if (file == nullptr) {
        const int error = errno;
        if (error == ENOENT && !must_exist)
            return std::nullopt;
        throw ConfigError(path.string() +
                          ": cannot read: " + std::system_category().message(error));
    }
    std::unique_ptr<std::FILE, decltype(&std::fclose)> closer(file, &std::fclose);

    FileReader reader;
    reader.file = file;
    reader.path = path.string();
    const int result = ini_parse_stream(&read_line_for_inih, &reader, &handle_for_inih, &reader);
    if (reader.read_errno != 0) {
        throw ConfigError(path.string() +
                          ": cannot read: " + std::system_category().message(reader.read_errno));
    }
    if (result == -2)
        throw ConfigError(path.string() + ": cannot read: out of memory");
    if (result > 0 && (!reader.problem || reader.problem->line > unsigned(result))) {
        // Our reader refuses every line inih could not parse before inih sees it; this is a
        // safety net for a difference between the two.
        reader.problem =
            Problem{unsigned(result), "cannot parse this line; expected Key=value or [Section]"};
    }
    return ParsedFile{std::move(reader.sections), std::move(reader.entries),
                      std::move(reader.problem)};
}

// ---------------------------------------------------------------------------------------------
// Step two: values.

// A value that cannot be used; the caller adds the location and the key.
struct BadValue {
    std::string message;
};

[[noreturn]] void bad(std::string message) {
    throw BadValue{std::move(message)};
}

bool parse_bool(std::string_view v) {
    for (const char* yes : {"yes", "true", "1", "on"}) {
        if (ascii_iequal(v, yes))
            return true;
    }
    for (const char* no : {"no", "false", "0", "off"}) {
        if (ascii_iequal(v, no))
            return false;
    }
    bad("expected a boolean: yes, no, true, false, 1, 0, on or off");
}

unsigned parse_count(std::string_view v, unsigned low, unsigned high) {
    const std::string expected =
        "expected an integer from " + std::to_string(low) + " to " + std::to_string(high);
    if (v.empty() ||
        !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        bad(expected);
    }
    unsigned long long n = 0;
    const auto [end, error] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (error != std::errc() || end != v.data() + v.size() || n < low || n > high)
        bad(expected);
    return static_cast<unsigned>(n);
}

Usec parse_span(std::string_view v, bool must_be_positive) {
    Usec span = 0;
    try {
        span = parse_timespan(v, kUsecPerSec);
    } catch (const ParseError& e) {
        bad(e.what());
    }
    if (must_be_positive && span == 0)
        bad("expected a time span greater than 0, such as 30s");
    return span;
}

fs::path parse_absolute_path(std::string_view v) {
    if (v.empty() || v.front() != '/')
        bad("expected an absolute path (starting with /)");
    for (const auto& part : fs::path(v)) {
        if (part == "." || part == "..")
            bad("expected a normalized absolute path, without . or ..");
    }
    return fs::path(v);
}

std::string expect_one_of(std::initializer_list<std::string_view> names) {
    std::string out = "expected ";
    std::size_t i = 0;
    for (const auto name : names) {
        if (i > 0)
            out += (i + 1 == names.size()) ? " or " : ", ";
        out += name;
        ++i;
    }
    return out;
}

// A user or group name: what shadow-utils and systemd accept, loosely, and nothing that could be
// mistaken for an option or a list separator.
std::vector<std::string> parse_account_names(std::string_view v, std::string_view what) {
    auto names = split_words(v);
    for (const auto& name : names) {
        if (name.front() == '-' || name.find_first_of(":/,") != std::string::npos) {
            bad("\"" + name + "\" is not a " + std::string(what) + " name; expected " +
                std::string(what) + " names separated by spaces");
        }
    }
    return names;
}

// An address that goes into a mail header as is: local@domain, with nothing that could end the
// header, start another, or make a list or a display name of it. Characters first, so that
// "a@b,c@d" is reported for its comma.
void check_address(const std::string& address) {
    const std::string expected = "expected an address such as ops@example.com";
    for (const char c : address) {
        const auto u = static_cast<unsigned char>(c);
        if (is_control(u) || c == ' ' ||
            std::string_view("<>,;:\"()[]\\").find(c) != std::string_view::npos) {
            bad("\"" + address + "\" contains a character not allowed in an address (" +
                (is_control(u) || c == ' ' ? std::string("whitespace or a control character")
                                           : "'" + std::string(1, c) + "'") +
                "); " + expected);
        }
    }
    const auto at = address.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == address.size() ||
        address.find('@', at + 1) != std::string::npos) {
        bad("\"" + address + "\" is not an email address; " + expected);
    }
    if (address.front() == '-')
        bad("\"" + address + "\" starts with '-'; " + expected);
    const std::string_view domain = std::string_view(address).substr(at + 1);
    if (domain.front() == '.' || domain.back() == '.' ||
        domain.find("..") != std::string_view::npos) {
        bad("\"" + address + "\" has a malformed domain; " + expected);
    }
}

std::vector<std::string> parse_addresses(std::string_view v) {
    auto addresses = split_words(v);
    for (const auto& address : addresses)
        check_address(address);
    return addresses;
}

// A command as words like ExecStart=, in which no specifiers are expanded (a '%' is passed as
// it is: "sinfo -o %N").
std::vector<std::string> parse_plain_command(std::string_view v) {
    if (v.empty())
        return {};  // unset: "EnterCommand=" clears an earlier value
    std::vector<std::string> words;
    try {
        words = split_command_line(v);
    } catch (const ParseError& e) {
        bad(e.what());
    }
    if (words.empty() || words.front().empty())
        bad("expected a program and its arguments");
    return words;
}

// A host command: words like ExecStart=, with only the specifiers the host backends expand.
std::vector<std::string> parse_host_command(std::string_view v) {
    std::vector<std::string> words = parse_plain_command(v);
    for (const auto& word : words) {
        for (std::size_t i = 0; i < word.size(); ++i) {
            if (word[i] != '%')
                continue;
            const char next = i + 1 < word.size() ? word[i + 1] : '\0';
            if (next != 'h' && next != 'w' && next != '%') {
                bad(std::string(next == '\0' ? "a lone '%' at the end of a word"
                                             : "unknown specifier %" + std::string(1, next)) +
                    "; expected %h (host name), %w (window id) or %% (a percent sign)");
            }
            ++i;
        }
    }
    return words;
}

// A command of a [Hosts] group: %w and %% only. Its hosts come on standard input, so there is
// no host name to put in its words.
std::vector<std::string> parse_group_command(std::string_view v) {
    std::vector<std::string> words = parse_plain_command(v);
    const std::string expected = "expected %w (the window id) or %% (a percent sign)";
    for (const auto& word : words) {
        for (std::size_t i = 0; i < word.size(); ++i) {
            if (word[i] != '%')
                continue;
            const char next = i + 1 < word.size() ? word[i + 1] : '\0';
            if (next == 'h') {
                bad("%h in a command of a [Hosts] group: its hosts come on standard input, one a "
                    "line, not as arguments; " +
                    expected);
            }
            if (next != 'w' && next != '%') {
                bad(std::string(next == '\0' ? "a lone '%' at the end of a word"
                                             : "unknown specifier %" + std::string(1, next)) +
                    "; " + expected);
            }
            ++i;
        }
    }
    return words;
}

// Hosts=: a host list as Slurm writes it (common/hostlist.hpp); empty: none.
std::vector<std::string> parse_host_list(std::string_view v) {
    try {
        return expand_hostlist(v);
    } catch (const HostlistError& e) {
        bad(e.what());
    }
}

// MaxFailedHosts=: kept as written, once ErrorBudget accepts it.
std::string parse_error_budget(std::string_view v) {
    try {
        ErrorBudget::parse(v);
    } catch (const std::invalid_argument& e) {
        bad(e.what());
    }
    return std::string(v);
}

// A systemd unit name: name.type, from systemd's character set, at most 255 bytes.
std::string parse_unit(std::string_view v) {
    if (v.empty())
        return {};  // unset
    const std::string expected = "expected a unit name such as backup.timer or postgresql.service";
    static constexpr std::array<std::string_view, 11> kTypes = {
        "service", "socket", "target", "device", "mount", "automount",
        "swap",    "timer",  "path",   "slice",  "scope"};
    const auto dot = v.rfind('.');
    if (v.size() > 255 || dot == std::string_view::npos || dot == 0 ||
        std::find(kTypes.begin(), kTypes.end(), v.substr(dot + 1)) == kTypes.end()) {
        bad("\"" + std::string(v) + "\" is not a unit name; " + expected);
    }
    for (const char c : v) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') ||
                        std::string_view(":-_.\\@").find(c) != std::string_view::npos;
        if (!ok)
            bad("\"" + std::string(v) + "\" contains '" + std::string(1, c) + "'; " + expected);
    }
    return std::string(v);
}

// ---------------------------------------------------------------------------------------------
// Merging the files.

// A host or a check as the files read so far describe it, and where its settings were made,
// for the messages of the checks across sections.
struct HostState {
    HostConfig config;
    Location header;                     // its first header
    std::size_t order = 0;               // of that header, in reading order
    Location backend_header;             // the header of the section that set Backend= last
    std::map<std::string, Location> at;  // where each key was set last
};

struct HostGroupState {
    HostGroupConfig config;
    Location header;  // its first header
    std::size_t order = 0;
    std::map<std::string, Location> at;  // where each key was set last
    // The line that set Hosts= last (the group's hosts are "there"), and its reading order.
    std::optional<Location> hosts_at;
    std::size_t hosts_order = 0;
    // The line that set Hosts= or HostsCommand= last: where "no hosts at all" is reported.
    std::optional<Location> host_source_at;
};

// A name among hosts and groups, for the checks that they are distinct: the section it names or
// whose host it is, and where that was set. Messages are made only for a clash (100,000 hosts).
struct NameOwner {
    const std::string* title;  // "[Host a]", "[Hosts g]"
    bool grouped_host;         // a host of the group `title`, not the section's own name
    const Location* at;
    std::size_t order;

    // As the one reported, and as the other one.
    std::string subject(std::string_view name) const {
        return grouped_host ? "host " + std::string(name) + " of " + *title : *title;
    }
    std::string object() const { return grouped_host ? "a host of " + *title : *title; }
};

struct CheckState {
    CheckConfig config;
    bool description_set = false;
    Location type_header;  // the header of the section that set Type= last
    std::map<std::string, Location> at;
};

class Loader {
  public:
    void read(const fs::path& path, bool must_exist) {
        auto parsed = parse_file(path, must_exist);
        if (!parsed)
            return;
        config_.sources.push_back(path);
        const std::string file = path.string();
        for (const Entry& entry : parsed->entries) {
            const Section& section = parsed->sections[entry.section];
            const Location at{file, entry.line};
            const Location header{file, section.line};
            ++order_;
            if (entry.key.empty()) {
                declare(section, header);
                continue;
            }
            try {
                apply(section, entry.key, entry.value, at, header);
            } catch (const BadValue& e) {
                fail(at, entry.key + "=" + entry.value + ": " + e.message);
            }
        }
        if (parsed->problem)
            fail(Location{file, parsed->problem->line}, parsed->problem->message);
    }

    Config finish() {
        for (const auto& host : hosts_)
            check_host(host);
        for (const auto& group : groups_)
            check_group(group);
        check_names_are_distinct();
        for (auto& host : hosts_)
            config_.hosts.push_back(std::move(host.config));
        for (auto& group : groups_)
            config_.host_groups.push_back(std::move(group.config));
        for (auto& check : checks_) {
            check_check(check);
            if (!check.description_set)
                check.config.description = check.config.name;
            config_.checks.push_back(std::move(check.config));
        }
        for (auto& audience : audiences_)
            config_.audiences.push_back(std::move(audience));
        if (config_.hosts.empty() && config_.host_groups.empty()) {
            HostConfig local;
            local.name = "localhost";
            local.backend = HostBackend::Local;
            config_.hosts.push_back(std::move(local));
        }
        return std::move(config_);
    }

  private:
    HostState& host(const std::string& name, const Location& header) {
        for (auto& h : hosts_) {
            if (h.config.name == name)
                return h;
        }
        HostState& h = hosts_.emplace_back();
        h.config.name = name;
        h.header = header;
        h.order = order_;
        h.backend_header = header;
        return h;
    }
    HostGroupState& group(const std::string& name, const Location& header) {
        for (auto& g : groups_) {
            if (g.config.name == name)
                return g;
        }
        HostGroupState& g = groups_.emplace_back();
        g.config.name = name;
        g.header = header;
        g.order = order_;
        return g;
    }
    CheckState& check(const std::string& name, const Location& header) {
        for (auto& c : checks_) {
            if (c.config.name == name)
                return c;
        }
        CheckState& c = checks_.emplace_back();
        c.config.name = name;
        c.type_header = header;
        return c;
    }
    AudienceConfig& audience(const std::string& name) {
        for (auto& a : audiences_) {
            if (a.name == name)
                return a;
        }
        AudienceConfig& a = audiences_.emplace_back();
        a.name = name;
        return a;
    }

    // A header alone makes the thing exist: an empty [Host foo] is a local host named foo.
    void declare(const Section& section, const Location& header) {
        switch (section.kind) {
            case Kind::Audience:
                audience(section.name);
                break;
            case Kind::Host:
                host(section.name, header);
                break;
            case Kind::Hosts:
                group(section.name, header);
                break;
            case Kind::Check:
                check(section.name, header);
                break;
            default:
                break;
        }
    }

    void apply(const Section& section, const std::string& key, const std::string& v,
               const Location& at, const Location& header) {
        switch (section.kind) {
            case Kind::Daemon:
                if (key == "StateDirectory") {
                    config_.state_directory = parse_absolute_path(v);
                } else if (key == "RuntimeDirectory") {
                    config_.runtime_directory = parse_absolute_path(v);
                } else if (key == "Scheduler") {
                    if (v == "systemd") {
                        config_.scheduler = SchedulerKind::Systemd;
                    } else if (v == "internal") {
                        config_.scheduler = SchedulerKind::Internal;
                    } else if (v == "auto") {
                        config_.scheduler = SchedulerKind::Auto;
                    } else {
                        bad(expect_one_of({"systemd", "internal", "auto"}));
                    }
                } else if (key == "MaxParallelHosts") {
                    config_.max_parallel_hosts = parse_count(v, 1, 4096);
                } else if (key == "MaxFailedHosts") {
                    config_.max_failed_hosts = parse_error_budget(v);
                }
                break;
            case Kind::Access:
                if (key == "AdminGroups")
                    config_.admin_groups = parse_account_names(v, "group");
                break;
            case Kind::Notify:
                if (key == "LeadTimeSec") {
                    config_.lead_time_usec = parse_span(v, false);
                } else if (key == "Sendmail") {
                    config_.sendmail = v.empty() ? std::string() : parse_absolute_path(v).string();
                } else if (key == "From") {
                    if (v.empty())
                        bad("expected an address such as root@localhost");
                    check_address(v);
                    config_.from = v;
                } else if (key == "Wall") {
                    config_.wall = parse_bool(v);
                } else if (key == "Motd") {
                    config_.motd = parse_bool(v);
                }
                break;
            case Kind::Audience: {
                AudienceConfig& a = audience(section.name);
                if (key == "Users") {
                    a.users = parse_account_names(v, "user");
                } else if (key == "Groups") {
                    a.groups = parse_account_names(v, "group");
                } else if (key == "Emails") {
                    a.emails = parse_addresses(v);
                }
                break;
            }
            case Kind::Host: {
                HostState& h = host(section.name, header);
                if (key == "Backend") {
                    if (v == "local") {
                        h.config.backend = HostBackend::Local;
                    } else if (v == "command") {
                        h.config.backend = HostBackend::Command;
                    } else {
                        bad(expect_one_of({"local", "command"}));
                    }
                    h.backend_header = header;
                } else if (key == "EnterCommand") {
                    h.config.enter_command = parse_host_command(v);
                } else if (key == "LeaveCommand") {
                    h.config.leave_command = parse_host_command(v);
                } else if (key == "StatusCommand") {
                    h.config.status_command = parse_host_command(v);
                } else if (key == "TimeoutSec") {
                    h.config.timeout_usec = parse_span(v, true);
                }
                h.at[key] = at;
                break;
            }
            case Kind::Hosts: {
                HostGroupState& g = group(section.name, header);
                if (key == "Backend") {
                    // The only one so far; the key exists so that a group says what it is, and
                    // for the backends to come.
                    if (v != "batch")
                        bad(expect_one_of({"batch"}));
                } else if (key == "Hosts") {
                    g.config.hosts = parse_host_list(v);
                    g.hosts_at = at;
                    g.hosts_order = order_;
                    g.host_source_at = at;
                } else if (key == "HostsCommand") {
                    g.config.hosts_command = parse_plain_command(v);
                    g.host_source_at = at;
                } else if (key == "EnterCommand") {
                    g.config.enter_command = parse_group_command(v);
                } else if (key == "LeaveCommand") {
                    g.config.leave_command = parse_group_command(v);
                } else if (key == "StatusCommand") {
                    g.config.status_command = parse_group_command(v);
                } else if (key == "BatchSize") {
                    g.config.batch_size =
                        parse_count(v, 1, static_cast<unsigned>(kMaxHostlistNames));
                } else if (key == "TimeoutSec") {
                    g.config.timeout_usec = parse_span(v, true);
                }
                g.at[key] = at;
                break;
            }
            case Kind::Check: {
                CheckState& c = check(section.name, header);
                if (key == "Type") {
                    if (v == "unit-inactive") {
                        c.config.type = CheckType::UnitInactive;
                    } else if (v == "unit-active") {
                        c.config.type = CheckType::UnitActive;
                    } else if (v == "no-failed-units") {
                        c.config.type = CheckType::NoFailedUnits;
                    } else if (v == "hosts-normal") {
                        c.config.type = CheckType::HostsNormal;
                    } else if (v == "command") {
                        c.config.type = CheckType::Command;
                    } else {
                        bad(expect_one_of({"unit-inactive", "unit-active", "no-failed-units",
                                           "hosts-normal", "command"}));
                    }
                    c.type_header = header;
                } else if (key == "Unit") {
                    c.config.unit = parse_unit(v);
                } else if (key == "Command") {
                    c.config.command = parse_plain_command(v);
                } else if (key == "Severity") {
                    if (v == "error") {
                        c.config.severity = Severity::Error;
                    } else if (v == "warning") {
                        c.config.severity = Severity::Warning;
                    } else {
                        bad(expect_one_of({"error", "warning"}));
                    }
                } else if (key == "Description") {
                    c.config.description = v;
                    c.description_set = !v.empty();  // empty: back to the name
                } else if (key == "TimeoutSec") {
                    c.config.timeout_usec = parse_span(v, true);
                }
                c.at[key] = at;
                break;
            }
        }
    }

    static void check_host(const HostState& h) {
        const std::string title = section_title(Kind::Host, h.config.name);
        if (h.config.backend == HostBackend::Command) {
            for (const auto& [key, command] :
                 {std::pair{"EnterCommand", &h.config.enter_command},
                  std::pair{"LeaveCommand", &h.config.leave_command}}) {
                if (command->empty()) {
                    fail(h.backend_header, title + " has Backend=command but no " + key +
                                               "=; expected " + key +
                                               "=PROGRAM ARGUMENTS... (%h is the host name)");
                }
            }
            return;
        }
        for (const auto& [key, command] : {std::pair{"EnterCommand", &h.config.enter_command},
                                           std::pair{"LeaveCommand", &h.config.leave_command},
                                           std::pair{"StatusCommand", &h.config.status_command}}) {
            if (!command->empty()) {
                fail(h.at.at(key),
                     std::string(key) + "= in " + title +
                         ", whose Backend is local; expected Backend=command, or no " + key + "=");
            }
        }
    }

    static void check_group(const HostGroupState& g) {
        const std::string title = section_title(Kind::Hosts, g.config.name);
        // A key that was never set is missing at the group's first header; one that a drop-in
        // cleared, at the line that cleared it.
        for (const auto& [key, command] : {std::pair{"EnterCommand", &g.config.enter_command},
                                           std::pair{"LeaveCommand", &g.config.leave_command}}) {
            if (command->empty()) {
                const auto set = g.at.find(key);
                fail(set != g.at.end() ? set->second : g.header,
                     title + " has no " + key + "=; expected " + key +
                         "=PROGRAM ARGUMENTS... (%w is the window id; the hosts come on standard "
                         "input)");
            }
        }
        if (g.config.hosts.empty() && g.config.hosts_command.empty()) {
            fail(g.host_source_at.value_or(g.header),
                 title +
                     " has no hosts; expected Hosts=NAMES (such as node[001-100]) or "
                     "HostsCommand=PROGRAM ARGUMENTS... that lists them");
        }
    }

    // Host names and group names stand side by side in a window's Hosts: each may mean one
    // thing only. A clash is reported where the later of the two was written.
    void check_names_are_distinct() const {
        std::size_t total = 0;
        for (const auto& g : groups_) {
            total += g.config.hosts.size();
            if (total > kMaxHostlistNames) {
                fail(*g.hosts_at, section_title(Kind::Hosts, g.config.name) +
                                      " brings the hosts of all groups to " +
                                      std::to_string(total) + "; expected at most " +
                                      std::to_string(kMaxHostlistNames) +
                                      " hosts in all groups together");
            }
        }
        std::unordered_map<std::string_view, NameOwner> owners;
        owners.reserve(hosts_.size() + groups_.size() + total);
        const auto claim = [&owners](std::string_view name, const NameOwner& owner) {
            const auto [it, inserted] = owners.emplace(name, owner);
            if (inserted)
                return;
            const bool owner_later = it->second.order <= owner.order;
            const NameOwner& earlier = owner_later ? it->second : owner;
            const NameOwner& later = owner_later ? owner : it->second;
            fail(*later.at, later.subject(name) + " is named like " + earlier.object() + " (" +
                                where(*earlier.at) +
                                "); expected names distinct across [Host] sections, [Hosts] "
                                "groups and the hosts of groups (a host is in one place only)");
        };
        std::vector<std::string> titles;  // stable: reserved for every section
        titles.reserve(hosts_.size() + groups_.size());
        for (const auto& h : hosts_) {
            titles.push_back(section_title(Kind::Host, h.config.name));
            claim(h.config.name, NameOwner{&titles.back(), false, &h.header, h.order});
        }
        for (const auto& g : groups_) {
            titles.push_back(section_title(Kind::Hosts, g.config.name));
            claim(g.config.name, NameOwner{&titles.back(), false, &g.header, g.order});
        }
        for (std::size_t k = 0; k < groups_.size(); ++k) {
            const HostGroupState& g = groups_[k];
            const std::string* title = &titles[hosts_.size() + k];
            for (const auto& name : g.config.hosts)
                claim(name, NameOwner{title, true, &*g.hosts_at, g.hosts_order});
        }
    }

    static void check_check(const CheckState& c) {
        const std::string title = section_title(Kind::Check, c.config.name);
        const bool takes_unit =
            c.config.type == CheckType::UnitInactive || c.config.type == CheckType::UnitActive;
        const bool takes_command = c.config.type == CheckType::Command;
        const std::string type = [&] {
            switch (c.config.type) {
                case CheckType::UnitInactive:
                    return "unit-inactive";
                case CheckType::UnitActive:
                    return "unit-active";
                case CheckType::NoFailedUnits:
                    return "no-failed-units";
                case CheckType::HostsNormal:
                    return "hosts-normal";
                case CheckType::Command:
                    break;
            }
            return "command";
        }();
        if (takes_unit && c.config.unit.empty()) {
            fail(c.type_header, title + " has Type=" + type +
                                    " but no Unit=; expected Unit=NAME, "
                                    "such as Unit=backup.timer");
        }
        if (takes_command && c.config.command.empty()) {
            fail(c.type_header, title +
                                    " has Type=command but no Command=; expected "
                                    "Command=PROGRAM ARGUMENTS...");
        }
        if (!takes_unit && !c.config.unit.empty()) {
            fail(c.at.at("Unit"), "Unit= in " + title + ", whose Type is " + type +
                                      "; expected Unit= only with Type=unit-inactive or "
                                      "Type=unit-active");
        }
        if (!takes_command && !c.config.command.empty()) {
            fail(c.at.at("Command"), "Command= in " + title + ", whose Type is " + type +
                                         "; expected Command= only with Type=command");
        }
    }

    Config config_;
    std::size_t order_ = 0;  // entries read so far, in all files: what was written later
    std::vector<HostState> hosts_;
    std::vector<HostGroupState> groups_;
    std::vector<CheckState> checks_;
    std::vector<AudienceConfig> audiences_;
};

}  // namespace

Config load_config(const std::filesystem::path& main_file, bool main_file_required) {
    Loader loader;
    loader.read(main_file, main_file_required);

    // Drop-ins: regular files named *.conf, in the byte order of their names; hidden files (and
    // editors' "#x.conf#" leftovers, which do not end in .conf) are skipped, as systemd does.
    const fs::path dropin_dir = main_file.string() + ".d";
    std::error_code error;
    fs::directory_iterator it(dropin_dir, error);
    if (error) {
        if (error == std::errc::no_such_file_or_directory)
            return loader.finish();
        throw ConfigError(dropin_dir.string() + ": cannot read: " + error.message());
    }
    std::vector<std::string> names;
    for (; it != fs::directory_iterator(); it.increment(error)) {
        const std::string name = it->path().filename().string();
        if (name.size() <= 5 || name.front() == '.' || !name.ends_with(".conf"))
            continue;
        std::error_code type_error;
        if (fs::is_directory(it->path(), type_error))
            continue;
        names.push_back(name);
    }
    if (error)
        throw ConfigError(dropin_dir.string() + ": cannot read: " + error.message());
    std::sort(names.begin(), names.end());
    for (const auto& name : names)
        loader.read(dropin_dir / name, true);
    return loader.finish();
}

}  // namespace maint
