// maintenancectl's output: aligned "Key: value" views and tables for people (after timedatectl
// and loginctl), one JSON document for scripts. Pure functions of the data, `now` and the style.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ctl/model.hpp"

namespace maint::ctl {

struct Style {
    Usec now = 0;
    bool json = false;
    bool legend = true;  // table headings and footers
    // The user name of a uid, or "" when unknown. Left empty for a remote daemon, whose users
    // this machine does not know.
    std::function<std::string(std::uint32_t)> user_name;
};

std::string render_status(const StatusReport& report, const Style& style);
std::string render_window_list(const std::vector<WindowRow>& rows, const Style& style);
std::string render_window(const WindowDetails& window, const Style& style);
// `show ID --hosts`: the window's HostResults, HOST RESULT TIME MESSAGE (with --json an array).
std::string render_window_hosts(const WindowDetails& window, const Style& style);
std::string render_hosts(const std::vector<HostRow>& hosts, const Style& style);
std::string render_sessions(const std::vector<SessionRow>& sessions, const Style& style);
std::string render_dry_run(const DryRunReport& report, const Style& style);
std::string render_scheduled(std::uint32_t id, const std::string& path, const Style& style);
std::string render_terminated(const std::vector<std::string>& ids, const Style& style);

// The end of a host flip that start or retry-hosts waited for: the summary line,
// "2 hosts in maintenance, 1 failed (db1), 0 skipped", or with --json one document with the
// counts and the failed hosts.
std::string render_flip(const FlipReport& report, const Style& style);
// The summary line alone; at most kFlipHostsNamed failed hosts are named, then "and N more".
inline constexpr std::size_t kFlipHostsNamed = 10;
std::string flip_summary(const FlipReport& report);
// 0 when every host is in maintenance, else 1.
int flip_exit_status(const FlipReport& report);
// Why the exit status is 1, for stderr ("" when it is 0).
std::string flip_problem(const FlipReport& report);

// The JSON answers of commands that print nothing for people ("" when not style.json).
std::string render_window_done(std::uint32_t id, const std::string& path, const Style& style);
std::string render_host_done(const std::string& host, bool maintenance, const Style& style);
std::string render_nothing(const Style& style);

// "Tue 2026-12-01 02:00:00 CET (in 2h 13min)", or "n/a" for 0.
std::string when(Usec time, Usec now);

// The window id at the end of a window object path, or 0.
std::uint32_t window_id_of(const std::string& path);

// A message as one line (a daemon's error, say): line breaks become "; ", trailing blanks go.
std::string one_line(std::string_view message);

// Table cells and one-line values: control characters (line breaks, tabs, escapes a caller
// may have put in a reason) become spaces, so that they cannot break a table or the terminal.
std::string sanitize(std::string_view text);

// Columns of text, aligned by the number of characters (UTF-8 code points) in each cell.
class Table {
  public:
    struct Column {
        std::string heading;
        bool right_aligned = false;
    };
    explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
    void add_row(std::vector<std::string> cells);
    // The rows, with the headings first when `legend`; no trailing blanks on any line.
    std::string str(bool legend) const;
    std::size_t size() const { return rows_.size(); }

  private:
    std::vector<Column> columns_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace maint::ctl
