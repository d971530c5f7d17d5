// See wall.hpp.
#include "system/wall.hpp"

#include <fcntl.h>
#include <paths.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utmpx.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/text.hpp"
#include "common/timestamp.hpp"

namespace maint {

std::optional<std::string> terminal_path(std::string_view line) {
    if (line.starts_with("/dev/"))
        line.remove_prefix(5);
    auto alnum = [](std::string_view s) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        });
    };
    const bool pts =
        line.starts_with("pts/") && line.size() > 4 &&
        std::all_of(line.begin() + 4, line.end(), [](char c) { return c >= '0' && c <= '9'; });
    const bool tty = line.starts_with("tty") && alnum(line.substr(3));
    if (!pts && !tty && line != "console")
        return std::nullopt;
    return "/dev/" + std::string(line);
}

std::vector<std::string> logged_in_terminals(const std::string& utmp_file) {
    std::vector<std::string> out;
    // The utmpx functions keep one global position; the daemon's one thread is their only user.
    if (!utmp_file.empty() && ::utmpxname(utmp_file.c_str()) != 0)
        return out;
    ::setutxent();
    while (const utmpx* u = ::getutxent()) {
        if (u->ut_type != USER_PROCESS || u->ut_user[0] == '\0')
            continue;
        std::string line(u->ut_line, ::strnlen(u->ut_line, sizeof u->ut_line));
        if (line.empty())
            continue;
        const auto path = terminal_path(line);
        if (!path)
            continue;
        if (std::find(out.begin(), out.end(), *path) == out.end())
            out.push_back(*path);
    }
    ::endutxent();
    if (!utmp_file.empty())
        ::utmpxname(_PATH_UTMPX);
    return out;
}

std::string wall_message(std::string_view text, const std::string& hostname, Usec now) {
    std::string out = "\a\r\nBroadcast message from maintenanced@" + printable_text(hostname) +
                      " (" + format_timestamp(now) + "):\r\n\r\n";
    for (char c : printable_text(text)) {
        if (c == '\n')
            out += "\r\n";
        else
            out += c;
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0)
        out += "\r\n";
    return out;
}

WallReport write_to_terminals(const std::string& message,
                              const std::vector<std::string>& terminals) {
    WallReport report;
    for (const auto& path : terminals) {
        if (terminal_path(path) != path) {
            report.skipped.push_back(path + ": not the name of a terminal below /dev");
            continue;
        }
        const int fd =
            ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            const int e = errno;
            // Its user turned messages off (`mesg n`, or login(1)'s TTYPERM=0600): the daemon,
            // which keeps no CAP_DAC_OVERRIDE, respects that as wall(1) does for non-root.
            struct stat st {};
            if (e == EACCES && ::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IWGRP) == 0)
                report.skipped.push_back(path + ": its user turned messages off (mesg n)");
            else
                report.skipped.push_back(path + ": " + std::strerror(e));
            continue;
        }
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode)) {
            report.skipped.push_back(path + ": not a character device");
            ::close(fd);
            continue;
        }
        if (!::isatty(fd)) {
            report.skipped.push_back(path + ": not a terminal");
            ::close(fd);
            continue;
        }
        const ssize_t n = ::write(fd, message.data(), message.size());
        if (n < 0) {
            report.skipped.push_back(path + ": " + std::strerror(errno));
        } else if (static_cast<std::size_t>(n) < message.size()) {
            report.skipped.push_back(path + ": only " + std::to_string(n) + " of " +
                                     std::to_string(message.size()) + " bytes fit");
        } else {
            ++report.written;
        }
        ::close(fd);
    }
    return report;
}

}  // namespace maint
