// Email notices: who receives them (the window's audiences resolved through NSS), the message
// itself (MIME for UTF-8, an RFC 2047 subject, headers nothing can be injected into), and handing
// it to `sendmail -t -oi` as a child process on the event loop, the interface every Unix MTA
// provides.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "core/ports.hpp"

namespace maint {

struct Recipients {
    std::vector<std::string> addresses;  // sorted, each once
    // What could not be resolved ("audience 'x' is not configured", "user 'bob' is unknown"):
    // the mail still goes to everyone else.
    std::vector<std::string> problems;
};

// The audiences named `audience_names` as mail addresses: `Users` as local user names (those
// NSS knows), every member of `Groups` (nss::group_members), `Emails` verbatim.
Recipients resolve_recipients(const std::vector<std::string>& audience_names,
                              const std::vector<AudienceConfig>& audiences);

struct MailMessage {
    std::string from;
    std::vector<std::string> to;
    std::string subject;  // UTF-8
    std::string body;     // UTF-8, LF line endings
    Usec date_usec = 0;
    std::string message_id;  // "<...@host>"
    std::vector<std::pair<std::string, std::string>> extra_headers;
};

// The message as `sendmail -t` reads it: headers, an empty line, the body; LF line endings.
// Every header value goes through header_safe; the body is 7bit when it is short-lined ASCII,
// quoted-printable otherwise.
std::string render_mail(const MailMessage& m);

// CR, LF and every other control character replaced by a space: nothing put into a header can
// start a header of its own.
std::string header_safe(std::string_view s);
// `s` as it may stand in an unstructured header: itself when printable ASCII, else RFC 2047
// encoded-words (UTF-8, base64) that split no character, folded onto continuation lines.
std::string encode_header_text(std::string_view s);
// Quoted-printable (RFC 2045): lines of at most 76 characters, LF line breaks kept as hard ones.
std::string quoted_printable(std::string_view text);
// "Tue, 01 Dec 2026 02:00:00 +0100": RFC 5322's date in local time, whatever the locale.
std::string rfc5322_date(Usec when);
// "Tue 2026-12-01 02:00 CET – 04:00 CET" (the end's date too when it is another day).
std::string format_time_span(Usec start, Usec end);

// The mail a notice sends for window `w`, or nullopt for notices that send none: every event but
// the upcoming one, which repeats at shrinking intervals and belongs on the terminals and
// desktops; the scheduling mail already gave the times.
std::optional<MailMessage> notice_mail(Notice notice, const Window& w, std::vector<std::string> to,
                                       const std::string& from, const std::string& hostname,
                                       Usec now);

// Hands messages to sendmail, never blocking the loop.
class Mailer {
  public:
    // Empty on success, else what went wrong: "/usr/sbin/sendmail exit status 75: <first line>".
    using Done = std::function<void(std::optional<std::string> failure)>;
    // With `systemd_run`, sendmail runs in a transient service of its own, outside the daemon's
    // sandbox: under maintenanced.service (no capabilities, /var read-only) a local MTA cannot
    // queue a message (exim's sendmail needs setgroups(), postfix's postdrop its group and
    // spool). The unit ends when sendmail does, leaving the MTA's background delivery running
    // (KillMode=process), as mail from cron does.
    Mailer(boost::asio::io_context& io, std::chrono::milliseconds timeout,
           std::string systemd_run = {})
        : io_(io), timeout_(timeout), systemd_run_(std::move(systemd_run)) {}
    void send(const std::string& sendmail, const MailMessage& m, Done done);
    // The command line send() runs.
    std::vector<std::string> command(const std::string& sendmail) const;

  private:
    boost::asio::io_context& io_;
    std::chrono::milliseconds timeout_;
    std::string systemd_run_;
};

}  // namespace maint
