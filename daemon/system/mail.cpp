// See mail.hpp.
#include "system/mail.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <set>

#include "common/nss.hpp"
#include "common/text.hpp"
#include "common/timestamp.hpp"
#include "system/child_process.hpp"
#include "system/wall.hpp"

namespace maint {
namespace {

bool user_exists(const std::string& name) {
    return nss::user_by_name(name).has_value();
}

// An address sendmail -t can take from a To: header as one address: no spaces, no list or
// comment syntax, nothing that reads like an option.
bool plausible_address(std::string_view a) {
    if (a.empty() || a.front() == '-')
        return false;
    return std::none_of(a.begin(), a.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7f || c == ',' || c == ';' || c == '<' || c == '>' || c == '(' ||
               c == ')' || c == '"' || c == '\\';
    });
}

std::string strftime_local(Usec when, const char* format) {
    ::tzset();
    std::time_t seconds = static_cast<std::time_t>(when / kUsecPerSec);
    std::tm tm{};
    if (::localtime_r(&seconds, &tm) == nullptr)
        return "n/a";
    char buffer[128];
    const std::size_t n = std::strftime(buffer, sizeof buffer, format, &tm);
    return std::string(buffer, n);
}

bool same_local_day(Usec a, Usec b) {
    return strftime_local(a, "%Y-%m-%d") == strftime_local(b, "%Y-%m-%d");
}

std::string base64(std::string_view in) {
    static constexpr char kDigits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                           (static_cast<unsigned char>(in[i + 1]) << 8) |
                           static_cast<unsigned char>(in[i + 2]);
        out += kDigits[(v >> 18) & 63];
        out += kDigits[(v >> 12) & 63];
        out += kDigits[(v >> 6) & 63];
        out += kDigits[v & 63];
    }
    if (i < in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size())
            v |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += kDigits[(v >> 18) & 63];
        out += kDigits[(v >> 12) & 63];
        out += i + 1 < in.size() ? kDigits[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

bool needs_encoding(std::string_view s) {
    if (s.find("=?") != std::string_view::npos)  // would read as an encoded-word
        return true;
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u > 0x7e;
    });
}

std::string random_hex(std::size_t bytes) {
    std::string raw(bytes, '\0');
    if (::getrandom(raw.data(), raw.size(), 0) != static_cast<ssize_t>(raw.size())) {
        // Uniqueness then rests on the time and the pid in the id.
        for (auto& c : raw)
            c = static_cast<char>(std::rand());
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    return out;
}

std::string event_name(Notice notice, const Window& w) {
    if (notice == Notice::Finished)
        return std::string(to_string(w.status));
    return std::string(to_string(notice));
}

// The window's facts at the foot of every mail.
std::string facts(const Window& w, const std::string& hostname) {
    std::string s;
    s += "Window:  " + std::to_string(w.id) + "\n";
    s += "Status:  " + std::string(to_string(w.status)) + "\n";
    s += "Start:   " + format_timestamp(w.spec.start_usec) + "\n";
    s += "End:     " + format_timestamp(w.spec.end_usec) + "\n";
    if (w.started_usec != 0)
        s += "Started: " + format_timestamp(w.started_usec) + "\n";
    if (w.finished_usec != 0)
        s += "Ended:   " + format_timestamp(w.finished_usec) + "\n";
    if (!w.spec.hosts.empty())
        s += "Hosts:   " + printable_text(join(w.spec.hosts, ", ")) + "\n";
    s += "\n-- \nmaintenanced on " + hostname + "\n";
    return s;
}

}  // namespace

Recipients resolve_recipients(const std::vector<std::string>& audience_names,
                              const std::vector<AudienceConfig>& audiences) {
    Recipients out;
    std::set<std::string> addresses;
    auto add = [&](const std::string& a, const std::string& what) {
        if (plausible_address(a))
            addresses.insert(a);
        else
            out.problems.push_back(what + " '" + header_safe(a) + "' is not a usable address");
    };
    for (const auto& name : audience_names) {
        auto it = std::find_if(audiences.begin(), audiences.end(),
                               [&](const AudienceConfig& a) { return a.name == name; });
        if (it == audiences.end()) {
            out.problems.push_back("audience '" + header_safe(name) + "' is not configured");
            continue;
        }
        for (const auto& u : it->users) {
            if (user_exists(u))
                add(u, "user");
            else
                out.problems.push_back("user '" + header_safe(u) + "' of audience '" + name +
                                       "' is unknown");
        }
        for (const auto& g : it->groups) {
            const auto members = nss::group_members(g);
            if (!members) {
                out.problems.push_back("group '" + header_safe(g) + "' of audience '" + name +
                                       "' is unknown");
                continue;
            }
            for (const auto& m : *members)
                add(m, "user");
        }
        for (const auto& e : it->emails)
            add(e, "address");
    }
    out.addresses.assign(addresses.begin(), addresses.end());
    return out;
}

std::string header_safe(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            c = ' ';
    }
    return out;
}

std::string encode_header_text(std::string_view raw) {
    const std::string s = header_safe(raw);
    if (!needs_encoding(s))
        return s;
    // 39 bytes make 52 base64 characters: "Subject: " plus one encoded-word stays under 78.
    constexpr std::size_t kChunk = 39;
    std::string out;
    std::size_t pos = 0;
    while (pos < s.size()) {
        std::size_t end = std::min(pos + kChunk, s.size());
        // Back off to the start of a UTF-8 character: a word must hold whole characters.
        while (end < s.size() && end > pos + 1 &&
               (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
            --end;
        if (!out.empty())
            out += "\n ";
        out += "=?UTF-8?B?" + base64(s.substr(pos, end - pos)) + "?=";
        pos = end;
    }
    return out;
}

std::string quoted_printable(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    std::size_t column = 0;
    auto put = [&](std::string_view piece) {
        if (column + piece.size() > 75) {  // plus the soft break's '=': 76
            out += "=\n";
            column = 0;
        }
        out += piece;
        column += piece.size();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const auto u = static_cast<unsigned char>(c);
        if (c == '\n') {
            out += '\n';
            column = 0;
            continue;
        }
        const bool line_end = i + 1 == text.size() || text[i + 1] == '\n';
        if (((c == ' ' || c == '\t') && !line_end) || (u >= 33 && u <= 126 && c != '=')) {
            put(std::string_view(&text[i], 1));
        } else {
            const char encoded[3] = {'=', kHex[u >> 4], kHex[u & 15]};
            put(std::string_view(encoded, 3));
        }
    }
    return out;
}

std::string rfc5322_date(Usec when) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    ::tzset();
    std::time_t seconds = static_cast<std::time_t>(when / kUsecPerSec);
    std::tm tm{};
    ::localtime_r(&seconds, &tm);
    const long offset = tm.tm_gmtoff / 60;
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld",
                  kDays[tm.tm_wday % 7], tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, offset < 0 ? '-' : '+', std::labs(offset) / 60,
                  std::labs(offset) % 60);
    return buffer;
}

std::string format_time_span(Usec start, Usec end) {
    const std::string from = strftime_local(start, "%a %Y-%m-%d %H:%M %Z");
    const std::string to = same_local_day(start, end) ? strftime_local(end, "%H:%M %Z")
                                                      : strftime_local(end, "%a %Y-%m-%d %H:%M %Z");
    return from + " \u2013 " + to;
}

std::string render_mail(const MailMessage& m) {
    std::string body;
    body.reserve(m.body.size());
    for (char c : m.body) {
        if (c != '\r')
            body += c;
    }
    if (!body.empty() && body.back() != '\n')
        body += '\n';
    bool plain = true;
    std::size_t line = 0;
    for (char c : body) {
        const auto u = static_cast<unsigned char>(c);
        line = c == '\n' ? 0 : line + 1;
        if (u > 0x7e || (u < 0x20 && c != '\n' && c != '\t') || line > 998)
            plain = false;
    }

    std::string h;
    auto header = [&](std::string_view name, std::string_view value) {
        h += std::string(name) + ": " + header_safe(value) + "\n";
    };
    header("From", m.from);
    std::string to;
    for (const auto& a : m.to) {
        if (!to.empty())
            to += ",\n ";
        to += header_safe(a);
    }
    h += "To: " + to + "\n";
    h += "Subject: " + encode_header_text(m.subject) + "\n";
    header("Date", rfc5322_date(m.date_usec));
    header("Message-ID", m.message_id);
    header("MIME-Version", "1.0");
    header("Content-Type", "text/plain; charset=UTF-8");
    header("Content-Transfer-Encoding", plain ? "7bit" : "quoted-printable");
    header("Auto-Submitted", "auto-generated");
    for (const auto& [name, value] : m.extra_headers)
        header(header_safe(name), value);
    return h + "\n" + (plain ? body : quoted_printable(body));
}

std::optional<MailMessage> notice_mail(Notice notice, const Window& w, std::vector<std::string> to,
                                       const std::string& from, const std::string& hostname,
                                       Usec now) {
    if (notice == Notice::Reminder)
        return std::nullopt;  // people were mailed at the first notice; terminals get the rest
    const std::string event = event_name(notice, w);
    const std::string reason = printable_text(w.spec.reason);
    const std::string message = printable_text(w.spec.notify_message);

    MailMessage m;
    m.from = from;
    m.to = std::move(to);
    m.date_usec = now;
    m.subject = "[maintenance] Window " + std::to_string(w.id) + " " + event + ": " +
                format_time_span(w.spec.start_usec, w.spec.end_usec);
    m.message_id = "<" + std::to_string(now) + "." + random_hex(6) + ".window" +
                   std::to_string(w.id) + "." + event + "@" + header_safe(hostname) + ">";
    m.extra_headers = {{"X-Maintenance-Window", std::to_string(w.id)},
                       {"X-Maintenance-Event", event},
                       {"X-Maintenance-Status", std::string(to_string(w.status))}};

    std::string body;
    switch (notice) {
        case Notice::Finished: {
            const std::string note = printable_text(w.completion_note);
            body = note.empty() ? "(The window was completed without a note.)\n" : note + "\n";
            body += "\nOutcome: " + std::string(to_string(w.status)) + "\n";
            body += "Reason:  " + reason + "\n";
            break;
        }
        case Notice::Cancelled:
            body = "This maintenance is cancelled.\n\n" + reason + "\n";
            break;
        case Notice::Upcoming:
            body = "Maintenance starts " + format_relative(w.spec.start_usec, now) + ".\n\n" +
                   reason + "\n";
            if (!message.empty())
                body += "\n" + message + "\n";
            break;
        case Notice::Started:
            body = "Maintenance has started.\n\n" + reason + "\n";
            if (!message.empty())
                body += "\n" + message + "\n";
            break;
        default:  // Scheduled, Updated: the Reason is the body, as the seed has it
            body = reason + "\n";
            if (!message.empty())
                body += "\n" + message + "\n";
            break;
    }
    m.body = body + "\n" + facts(w, hostname);
    return m;
}

std::vector<std::string> Mailer::command(const std::string& sendmail) const {
    std::vector<std::string> argv;
    if (!systemd_run_.empty()) {
        const auto seconds =
            std::max<long long>(1, std::chrono::ceil<std::chrono::seconds>(timeout_).count());
        argv = {systemd_run_,
                "--quiet",
                "--wait",
                "--pipe",
                "--collect",
                "--service-type=exec",
                "--description=maintenanced: a notice by mail",
                "--property=KillMode=process",
                "--property=RuntimeMaxSec=" + std::to_string(seconds),
                "--"};
    }
    argv.insert(argv.end(), {sendmail, "-t", "-oi"});
    return argv;
}

void Mailer::send(const std::string& sendmail, const MailMessage& m, Done done) {
    ChildOptions options;
    options.timeout = timeout_;
    options.input = render_mail(m);
    // A local MTA's sendmail (exim) queues the mail and delivers it in a background process of
    // its own: that one must outlive sendmail (as KillMode=process does under systemd-run).
    options.end_group_at_exit = false;
    ChildProcess::run(io_, command(sendmail), std::move(options),
                      [sendmail, done = std::move(done)](ChildResult r) {
                          if (r.ok()) {
                              done(std::nullopt);
                              return;
                          }
                          std::string why =
                              r.started ? sendmail + " " + r.describe() : r.describe();
                          const std::string line = r.first_line();
                          if (!line.empty())
                              why += ": " + line;
                          done(why);
                      });
}

}  // namespace maint
