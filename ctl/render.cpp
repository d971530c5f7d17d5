// maintenancectl's output, for people and for scripts. The JSON keys are the D-Bus names (property
// names, or the argument names of the list methods in CamelCase) so a script reading --json can
// be checked against the API documentation; times stay in microseconds since the epoch there.
#include "ctl/render.hpp"

#include <algorithm>
#include <charconv>

#include "common/timestamp.hpp"
#include "ctl/json.hpp"
#include "ctl/request.hpp"

namespace maint::ctl {

namespace {

constexpr std::string_view kWindowPathPrefix = "/org/example/Maintenance1/window/";

std::size_t display_width(std::string_view s) {
    // Counting code points (bytes that are not UTF-8 continuation bytes) is right for the Latin,
    // Greek and Cyrillic text of reasons and host names; wide CJK characters would count as one.
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string yes_no(bool b) {
    return b ? "yes" : "no";
}

std::string or_none(const std::string& s) {
    return s.empty() ? "(none)" : s;
}

std::string list_or_none(const std::vector<std::string>& items) {
    if (items.empty()) {
        return "(none)";
    }
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ", ") + sanitize(item);
    }
    return out;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
    return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// "Key: value" lines, the keys right-aligned as timedatectl does; lines after the first of a
// value are indented under its first line.
class Fields {
  public:
    void add(std::string key, std::string value) {
        lines_.emplace_back(std::move(key), std::move(value));
    }

    std::string str() const {
        std::size_t width = 0;
        for (const auto& [key, value] : lines_) {
            width = std::max(width, display_width(key));
        }
        std::string out;
        for (const auto& [key, value] : lines_) {
            out += std::string(width - display_width(key), ' ') + key + ": ";
            out += indent_continuations(value, width + 2);
            out += '\n';
        }
        return out;
    }

  private:
    static std::string indent_continuations(const std::string& value, std::size_t indent) {
        std::string out;
        for (char c : value) {
            if (c == '\n') {
                out += '\n' + std::string(indent, ' ');
            } else {
                out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
            }
        }
        return out;
    }

    std::vector<std::pair<std::string, std::string>> lines_;
};

std::string user_label(std::uint32_t uid, const Style& style) {
    std::string name = style.user_name ? style.user_name(uid) : "";
    return name.empty() ? "uid " + std::to_string(uid)
                        : name + " (uid " + std::to_string(uid) + ")";
}

std::string check_line(const CheckResult& c) {
    std::string text = c.message.empty() ? c.description : c.message;
    std::string result = c.result + std::string(c.result.size() < 4 ? 4 - c.result.size() : 0, ' ');
    std::string severity =
        c.severity + std::string(c.severity.size() < 7 ? 7 - c.severity.size() : 0, ' ');
    return result + "  " + severity + "  " + sanitize(c.name) + ": " + sanitize(text);
}

void host_progress_json(JsonWriter& j, const HostProgress& p) {
    j.begin_object();
    j.key("Total").number(p.total);
    j.key("InMaintenance").number(p.in_maintenance);
    j.key("Failed").number(p.failed);
    j.key("Skipped").number(p.skipped);
    j.key("Pending").number(p.pending);
    j.end_object();
}

void host_result_json(JsonWriter& j, const HostResult& h) {
    j.begin_object();
    j.key("Host").string(h.host);
    j.key("Result").string(h.result);
    j.key("Message").string(h.message);
    j.key("TimeUSec").number(h.time);
    j.end_object();
}

void window_json(JsonWriter& j, const WindowDetails& w) {
    j.begin_object();
    j.key("Path").string(w.path);
    j.key("Id").number(w.id);
    j.key("Status").string(w.status);
    j.key("Valid").boolean(w.valid);
    j.key("StartUSec").number(w.start);
    j.key("EndUSec").number(w.end);
    j.key("Reason").string(w.reason);
    j.key("Notify").strings(w.notify);
    j.key("Comment").string(w.comment);
    j.key("LoginMessage").string(w.login_message);
    j.key("ShowLoginMessage").boolean(w.show_login_message);
    j.key("NotifyMessage").string(w.notify_message);
    j.key("NotifyLeadUSec").number(w.notify_lead);
    j.key("Hosts").strings(w.hosts);
    j.key("AutoComplete").boolean(w.auto_complete);
    j.key("CreatedUSec").number(w.created);
    j.key("CreatedByUID").number(w.created_by);
    j.key("StartedUSec").number(w.started);
    j.key("StartedByUID").number(w.started_by);
    j.key("FinishedUSec").number(w.finished);
    j.key("FinishedByUID").number(w.finished_by);
    j.key("CompletionNote").string(w.completion_note);
    j.key("PrecheckResults").begin_array();
    for (const auto& c : w.prechecks) {
        j.begin_object();
        j.key("Name").string(c.name);
        j.key("Description").string(c.description);
        j.key("Severity").string(c.severity);
        j.key("Result").string(c.result);
        j.key("Message").string(c.message);
        j.end_object();
    }
    j.end_array();
    j.key("Log").begin_array();
    for (const auto& e : w.log) {
        j.begin_object().key("TimeUSec").number(e.time).key("Level").string(e.level);
        j.key("Message").string(e.message).end_object();
    }
    j.end_array();
    j.key("MaxFailedHosts").string(w.max_failed_hosts);
    j.key("HostProgress");
    host_progress_json(j, w.host_progress);
    j.key("HostResults").begin_array();
    for (const auto& h : w.host_results) {
        host_result_json(j, h);
    }
    j.end_array();
    j.end_object();
}

std::string host_progress_text(const HostProgress& p) {
    return std::to_string(p.total) + " total, " + std::to_string(p.in_maintenance) +
           " in maintenance, " + std::to_string(p.failed) + " failed, " +
           std::to_string(p.skipped) + " skipped, " + std::to_string(p.pending) + " pending";
}

// "db1, db2 and 3 more": the hosts of `results` whose result is `result`, at most `most` named.
std::string hosts_with(const std::vector<HostResult>& results, std::string_view result,
                       std::size_t most) {
    std::vector<std::string> named;
    std::size_t count = 0;
    for (const auto& h : results) {
        if (h.result != result) {
            continue;
        }
        if (++count <= most) {
            named.push_back(sanitize(h.host));
        }
    }
    std::string out;
    for (std::size_t i = 0; i < named.size(); ++i) {
        const bool last = i + 1 == named.size() && count == named.size();
        out += i == 0 ? "" : (last ? " and " : ", ");
        out += named[i];
    }
    if (count > named.size()) {
        out += " and " + std::to_string(count - named.size()) + " more";
    }
    return out;
}

// The message of the first host with `result`, on one line: why hosts were skipped.
std::string first_message(const std::vector<HostResult>& results, std::string_view result) {
    for (const auto& h : results) {
        if (h.result == result && !h.message.empty()) {
            return one_line(h.message);
        }
    }
    return "";
}

void checks_json(JsonWriter& j, const std::vector<CheckResult>& checks) {
    j.begin_array();
    for (const auto& c : checks) {
        j.begin_object();
        j.key("Name").string(c.name);
        j.key("Description").string(c.description);
        j.key("Severity").string(c.severity);
        j.key("Result").string(c.result);
        j.key("Message").string(c.message);
        j.end_object();
    }
    j.end_array();
}

void add_window_summary(Fields& f, const std::string& label, const WindowDetails& w, Usec now) {
    std::string head = std::to_string(w.id) + " (" + w.status + (w.valid ? "" : ", invalid") + ")";
    f.add(label, w.reason.empty() ? head : head + ": " + sanitize(w.reason));
    // A window started by hand runs from when it was started, not from its planned start.
    if (w.started != 0) {
        f.add("Started", when(w.started, now));
    } else {
        f.add("Start", when(w.start, now));
    }
    f.add("End", when(w.end, now));
}

std::string hosts_line(const StatusReport& report) {
    if (report.hosts_unavailable) {
        std::string why = one_line(*report.hosts_unavailable);
        return "not supported by the daemon" + (why.empty() ? "" : " (" + why + ")");
    }
    if (report.hosts.empty()) {
        return "none (no hosts configured)";
    }
    std::vector<std::string> in, unknown;
    for (const auto& h : report.hosts) {
        if (h.state == "maintenance") {
            in.push_back(h.name);
        } else if (h.state == "unknown") {
            unknown.push_back(h.name);
        }
    }
    std::string line = in.empty() ? "none" : list_or_none(in);
    line += " (of " + plural(report.hosts.size(), "host", "hosts") + ")";
    if (!unknown.empty()) {
        line += "; state unknown: " + list_or_none(unknown);
    }
    return line;
}

std::string with_footer(const Table& table, const Style& style, const std::string& footer) {
    std::string out = table.str(style.legend);
    if (style.legend) {
        out += "\n" + footer + "\n";
    }
    return out;
}

}  // namespace

std::string when(Usec time, Usec now) {
    if (time == 0) {
        return "n/a";
    }
    return format_timestamp(time) + " (" + format_relative(time, now) + ")";
}

std::uint32_t window_id_of(const std::string& path) {
    if (!path.starts_with(kWindowPathPrefix)) {
        return 0;
    }
    std::string_view digits = std::string_view(path).substr(kWindowPathPrefix.size());
    std::uint32_t id = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    return ec == std::errc{} && end == digits.data() + digits.size() ? id : 0;
}

std::string one_line(std::string_view message) {
    std::string out;
    bool pending_break = false;
    for (char c : message) {
        if (c == '\n' || c == '\r') {
            pending_break = !out.empty();
            continue;
        }
        if (pending_break) {
            out += "; ";
            pending_break = false;
        }
        out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == ';')) {
        out.pop_back();
    }
    return out;
}

std::string sanitize(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            c = ' ';
        }
    }
    return out;
}

void Table::add_row(std::vector<std::string> cells) {
    cells.resize(columns_.size());
    for (auto& cell : cells) {
        cell = sanitize(cell);
    }
    rows_.push_back(std::move(cells));
}

std::string Table::str(bool legend) const {
    std::vector<std::size_t> widths(columns_.size(), 0);
    for (std::size_t c = 0; c < columns_.size(); ++c) {
        if (legend) {
            widths[c] = display_width(columns_[c].heading);
        }
        for (const auto& row : rows_) {
            widths[c] = std::max(widths[c], display_width(row[c]));
        }
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            std::string pad(widths[c] - display_width(cells[c]), ' ');
            bool last = c + 1 == cells.size();
            out += columns_[c].right_aligned ? pad + cells[c] : cells[c] + (last ? "" : pad);
            if (!last) {
                out += "  ";
            }
        }
        while (!out.empty() && out.back() == ' ') {
            out.pop_back();
        }
        return out + "\n";
    };
    std::string out;
    if (legend) {
        std::vector<std::string> headings;
        for (const auto& column : columns_) {
            headings.push_back(column.heading);
        }
        out += line(headings);
    }
    for (const auto& row : rows_) {
        out += line(row);
    }
    return out;
}

std::string render_status(const StatusReport& r, const Style& style) {
    if (style.json) {
        JsonWriter j;
        j.begin_object();
        j.key("State").string(r.manager.state);
        j.key("UnderMaintenance").boolean(r.manager.under_maintenance);
        j.key("Banner").string(r.manager.banner);
        j.key("Version").string(r.manager.version);
        for (const auto& [key, window] :
             {std::pair{"ActiveWindow", &r.active}, {"NextWindow", &r.next}}) {
            j.key(key);
            if (*window) {
                window_json(j, **window);
            } else {
                j.null();
            }
        }
        j.key("Hosts");
        if (r.hosts_unavailable) {
            j.null();
            j.key("HostsUnavailable").string(*r.hosts_unavailable);
        } else {
            j.begin_array();
            for (const auto& h : r.hosts) {
                j.begin_object().key("Name").string(h.name).key("State").string(h.state);
                j.key("Message").string(h.message).end_object();
            }
            j.end_array();
        }
        j.end_object();
        return j.str() + "\n";
    }
    Fields f;
    f.add("State", r.manager.state);
    f.add("Banner", or_none(r.manager.banner));
    if (r.active) {
        add_window_summary(f, "Active window", *r.active, style.now);
    }
    if (r.next) {
        add_window_summary(f, "Next window", *r.next, style.now);
    }
    if (!r.active && !r.next) {
        f.add("Next window", "none");
    }
    f.add("Hosts in maintenance", hosts_line(r));
    return f.str();
}

std::string render_window_list(const std::vector<WindowRow>& rows, const Style& style) {
    if (style.json) {
        JsonWriter j;
        j.begin_array();
        for (const auto& w : rows) {
            j.begin_object();
            j.key("Id").number(w.id);
            j.key("Status").string(w.status);
            j.key("StartUSec").number(w.start);
            j.key("EndUSec").number(w.end);
            j.key("Reason").string(w.reason);
            j.key("Path").string(w.path);
            j.end_object();
        }
        j.end_array();
        return j.str() + "\n";
    }
    // START is when the window began for one that did (started early by hand, say), else the
    // planned start; `show` gives both.
    Table table({{"ID", true}, {"STATUS"}, {"START"}, {"END"}, {"REASON"}});
    for (const auto& w : rows) {
        table.add_row({std::to_string(w.id), w.status,
                       format_timestamp(w.started != 0 ? w.started : w.start),
                       format_timestamp(w.end), w.reason});
    }
    return with_footer(table, style, plural(rows.size(), "window", "windows") + " listed.");
}

std::string render_window(const WindowDetails& w, const Style& style) {
    if (style.json) {
        JsonWriter j;
        window_json(j, w);
        return j.str() + "\n";
    }
    Fields f;
    f.add("Window", std::to_string(w.id));
    f.add("Status", w.status);
    f.add("Valid", yes_no(w.valid));
    f.add("Planned start", when(w.start, style.now));
    f.add("Started", when(w.started, style.now));
    f.add("End", when(w.end, style.now));
    f.add("Reason", or_none(w.reason));
    f.add("Notify", list_or_none(w.notify));
    f.add("Hosts", list_or_none(w.hosts));
    f.add("Max failed hosts", or_none(sanitize(w.max_failed_hosts)));
    f.add("Host progress", host_progress_text(w.host_progress));
    // A fleet's results run to thousands of lines: `show ID --hosts` is their table.
    f.add("Host results", w.host_results.empty()
                              ? "(none)"
                              : plural(w.host_results.size(), "entry", "entries") +
                                    " (maintenancectl show " + std::to_string(w.id) + " --hosts)");
    f.add("Auto-complete", yes_no(w.auto_complete));
    f.add("Notify lead", format_timespan(w.notify_lead));
    f.add("Notify message", or_none(w.notify_message));
    f.add("Login message", or_none(w.login_message));
    f.add("Show login message", yes_no(w.show_login_message));
    f.add("Comment", or_none(w.comment));
    f.add("Created", when(w.created, style.now));
    f.add("Created by", user_label(w.created_by, style));
    f.add("Started by", w.started == 0 ? "n/a" : user_label(w.started_by, style));
    f.add("Finished", when(w.finished, style.now));
    f.add("Finished by", w.finished == 0 ? "n/a" : user_label(w.finished_by, style));
    f.add("Completion note", or_none(w.completion_note));
    std::string checks;
    for (const auto& c : w.prechecks) {
        checks += (checks.empty() ? "" : "\n") + check_line(c);
    }
    f.add("Prechecks", checks.empty() ? "(not run)" : checks);
    std::string out = f.str() + "\nLog:\n";
    if (w.log.empty()) {
        out += "  (empty)\n";
    }
    for (const auto& e : w.log) {
        std::string level = e.level + std::string(e.level.size() < 7 ? 7 - e.level.size() : 0, ' ');
        std::string head = "  " + format_timestamp(e.time) + "  " + level + "  ";
        std::string message;
        for (char c : e.message) {
            message +=
                c == '\n'
                    ? "\n" + std::string(display_width(head), ' ')
                    : std::string(1, (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c);
        }
        out += head + message + "\n";
    }
    return out;
}

std::string render_window_hosts(const WindowDetails& w, const Style& style) {
    if (style.json) {
        JsonWriter j;
        j.begin_array();
        for (const auto& h : w.host_results) {
            host_result_json(j, h);
        }
        j.end_array();
        return j.str() + "\n";
    }
    Table table({{"HOST"}, {"RESULT"}, {"TIME"}, {"MESSAGE"}});
    for (const auto& h : w.host_results) {
        table.add_row({h.host, h.result, when(h.time, style.now), one_line(h.message)});
    }
    return with_footer(table, style,
                       plural(w.host_results.size(), "host", "hosts") +
                           " listed: " + host_progress_text(w.host_progress) + ".");
}

std::string flip_summary(const FlipReport& r) {
    const HostProgress& p = r.progress;
    std::string out = plural(p.in_maintenance, "host", "hosts") + " in maintenance, " +
                      std::to_string(p.failed) + " failed";
    if (p.failed > 0) {
        out += " (" + hosts_with(r.results, "failed", kFlipHostsNamed) + ")";
    }
    out += ", " + std::to_string(p.skipped) + " skipped";
    if (p.skipped > 0) {
        const std::string why = first_message(r.results, "skipped");
        out += why.empty() ? "" : " (" + why + ")";
    }
    if (p.pending > 0) {
        out += ", " + std::to_string(p.pending) + " pending";
    }
    return out;
}

int flip_exit_status(const FlipReport& r) {
    const HostProgress& p = r.progress;
    return p.failed == 0 && p.skipped == 0 && p.pending == 0 ? kExitSuccess : kExitRefused;
}

std::string flip_problem(const FlipReport& r) {
    if (flip_exit_status(r) == kExitSuccess) {
        return "";
    }
    const std::string id = std::to_string(r.id);
    if (r.end == FlipReport::End::WindowFinished && r.progress.pending > 0) {
        return "window " + id + " finished (" + r.status +
               ") before its hosts were flipped: " + std::to_string(r.progress.pending) +
               " pending";
    }
    std::string why;
    if (r.progress.failed > 0) {
        why = plural(r.progress.failed, "host", "hosts") + " failed";
    }
    if (r.progress.skipped > 0) {
        why += (why.empty() ? "" : ", ") + plural(r.progress.skipped, "host", "hosts") + " skipped";
    }
    if (r.progress.pending > 0) {
        why += (why.empty() ? "" : ", ") + plural(r.progress.pending, "host", "hosts") + " pending";
    }
    std::string hint = "'maintenancectl show " + id + " --hosts' says why";
    if (r.status == "in-progress") {
        hint += ", 'maintenancectl retry-hosts " + id + "' tries them again";
    }
    return "not every host is in maintenance: " + why + "; " + hint;
}

std::string render_flip(const FlipReport& r, const Style& style) {
    if (!style.json) {
        return flip_summary(r) + "\n";
    }
    const HostProgress& p = r.progress;
    JsonWriter j;
    j.begin_object();
    j.key("Id").number(r.id);
    j.key("Path").string(r.path);
    j.key("Status").string(r.status);
    j.key("Flipped").boolean(r.end == FlipReport::End::Flipped);
    j.key("Total").number(p.total);
    j.key("InMaintenance").number(p.in_maintenance);
    j.key("Failed").number(p.failed);
    j.key("Skipped").number(p.skipped);
    j.key("Pending").number(p.pending);
    j.key("FailedHosts").begin_array();
    for (const auto& h : r.results) {
        if (h.result == "failed") {
            host_result_json(j, h);
        }
    }
    j.end_array();
    j.end_object();
    return j.str() + "\n";
}

std::string render_hosts(const std::vector<HostRow>& hosts, const Style& style) {
    if (style.json) {
        JsonWriter j;
        j.begin_array();
        for (const auto& h : hosts) {
            j.begin_object().key("Name").string(h.name).key("State").string(h.state);
            j.key("Message").string(h.message).end_object();
        }
        j.end_array();
        return j.str() + "\n";
    }
    Table table({{"NAME"}, {"STATE"}, {"MESSAGE"}});
    for (const auto& h : hosts) {
        table.add_row({h.name, h.state, h.message});
    }
    return with_footer(table, style, plural(hosts.size(), "host", "hosts") + " listed.");
}

std::string render_sessions(const std::vector<SessionRow>& sessions, const Style& style) {
    if (style.json) {
        JsonWriter j;
        j.begin_array();
        for (const auto& s : sessions) {
            j.begin_object();
            j.key("Id").string(s.id);
            j.key("UID").number(s.uid);
            j.key("User").string(s.user);
            j.key("Admin").boolean(s.admin);
            j.key("Where").string(s.where);
            j.end_object();
        }
        j.end_array();
        return j.str() + "\n";
    }
    Table table({{"ID", true}, {"UID", true}, {"USER"}, {"ADMIN"}, {"WHERE"}});
    for (const auto& s : sessions) {
        table.add_row({s.id, std::to_string(s.uid), s.user, yes_no(s.admin), s.where});
    }
    return with_footer(table, style, plural(sessions.size(), "session", "sessions") + " listed.");
}

std::string render_dry_run(const DryRunReport& report, const Style& style) {
    if (style.json) {
        JsonWriter j;
        j.begin_object().key("Ready").boolean(report.ready).key("Checks");
        checks_json(j, report.checks);
        j.end_object();
        return j.str() + "\n";
    }
    Table table({{"RESULT"}, {"SEVERITY"}, {"NAME"}, {"MESSAGE"}});
    std::size_t failed = 0;
    for (const auto& c : report.checks) {
        failed += c.result != "pass" ? 1 : 0;
        table.add_row(
            {c.result, c.severity, c.name, c.message.empty() ? c.description : c.message});
    }
    std::string footer = plural(report.checks.size(), "check", "checks") + ", " +
                         std::to_string(failed) +
                         " failed: " + (report.ready ? "ready." : "not ready.");
    return with_footer(table, style, footer);
}

std::string render_scheduled(std::uint32_t id, const std::string& path, const Style& style) {
    if (style.json) {
        return render_window_done(id, path, style);
    }
    return std::to_string(id) + "\n";
}

std::string render_terminated(const std::vector<std::string>& ids, const Style& style) {
    if (style.json) {
        JsonWriter j;
        j.begin_object().key("Terminated").strings(ids).end_object();
        return j.str() + "\n";
    }
    Table table({{"ID"}});
    for (const auto& id : ids) {
        table.add_row({id});
    }
    return with_footer(table, style, plural(ids.size(), "session", "sessions") + " terminated.");
}

std::string render_window_done(std::uint32_t id, const std::string& path, const Style& style) {
    if (!style.json) {
        return "";
    }
    JsonWriter j;
    j.begin_object().key("Id").number(id).key("Path").string(path).end_object();
    return j.str() + "\n";
}

std::string render_host_done(const std::string& host, bool maintenance, const Style& style) {
    if (!style.json) {
        return "";
    }
    JsonWriter j;
    j.begin_object().key("Host").string(host).key("Maintenance").boolean(maintenance).end_object();
    return j.str() + "\n";
}

std::string render_nothing(const Style& style) {
    return style.json ? "{}\n" : "";
}

}  // namespace maint::ctl
