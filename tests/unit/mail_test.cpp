// Email notices: header encoding (RFC 2047, no injection), quoted-printable bodies, RFC 5322
// dates, the scheduled and finished mails of a window, recipients resolved through real NSS
// (root, and a group with a primary and a supplementary member created for the test), and the
// Mailer handing a message to a sendmail stand-in and reporting a failing one.
#include "system/mail.hpp"

#include "common/nss.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/text.hpp"
#include "tests/support/mime_decode.hpp"

namespace maint {
namespace {

using namespace std::chrono_literals;
using test::decode_words;

constexpr Usec kStart = 1796086800ULL * kUsecPerSec;  // Tue 2026-12-01 02:00 CET
constexpr Usec kEnd = kStart + 2 * 3600 * kUsecPerSec;

// Sets TZ for one test and puts the old value back.
class ScopedTz {
  public:
    explicit ScopedTz(const char* tz) {
        if (const char* old = std::getenv("TZ"))
            old_ = old;
        ::setenv("TZ", tz, 1);
    }
    ~ScopedTz() {
        if (old_)
            ::setenv("TZ", old_->c_str(), 1);
        else
            ::unsetenv("TZ");
    }

  private:
    std::optional<std::string> old_;
};

std::string qp_decode(const std::string& in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '=' && i + 1 < in.size() && in[i + 1] == '\n') {
            ++i;  // soft line break
        } else if (in[i] == '=') {
            out += static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += in[i];
        }
    }
    return out;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

// The value of header `name` (with continuation lines joined), or nullopt.
std::optional<std::string> header(const std::string& mail, const std::string& name) {
    const auto head = mail.substr(0, mail.find("\n\n"));
    const auto lines = lines_of(head);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].rfind(name + ": ", 0) != 0)
            continue;
        std::string value = lines[i].substr(name.size() + 2);
        while (i + 1 < lines.size() && lines[i + 1].rfind(" ", 0) == 0)
            value += "\n" + lines[++i];
        return value;
    }
    return std::nullopt;
}

Window sample_window() {
    Window w;
    w.id = 7;
    w.spec.start_usec = kStart;
    w.spec.end_usec = kEnd;
    w.spec.reason = "Kernel upgrade on all nodes";
    w.spec.notify_message = "Expect two reboots.";
    w.spec.hosts = {"node1", "node2"};
    w.spec.notify = {"ops"};
    return w;
}

TEST(MailHeaders, NothingInAHeaderValueStartsANewHeader) {
    EXPECT_EQ(header_safe("Hi\r\nBcc: victim@example.com"), "Hi  Bcc: victim@example.com");
    MailMessage m;
    m.from = "root@localhost\nBcc: evil@example.com";
    m.to = {"alice"};
    m.subject = "Subject\r\nX-Injected: yes";
    m.body = "body\n";
    m.message_id = "<x@y>";
    const auto text = render_mail(m);
    const auto head = text.substr(0, text.find("\n\n"));
    for (const auto& line : lines_of(head)) {
        EXPECT_EQ(line.rfind("Bcc:", 0), std::string::npos) << line;
        EXPECT_EQ(line.rfind("X-Injected:", 0), std::string::npos) << line;
    }
}

TEST(MailHeaders, AsciiStaysAsItIsAndUtf8BecomesEncodedWordsThatSplitNoCharacter) {
    EXPECT_EQ(encode_header_text("Window 7 scheduled"), "Window 7 scheduled");
    const std::string subject =
        "[maintenance] Fenster 7 geplant: Dienstag – Kernel-Aktualisierung für alle Knoten, "
        "Größe ÄÖÜ äöü ß € ✓";
    const auto encoded = encode_header_text(subject);
    const auto words = decode_words(encoded);
    ASSERT_GT(words.size(), 1u);
    std::string joined;
    for (const auto& w : words) {
        EXPECT_TRUE(is_valid_utf8(w)) << "a character was split: " << w;
        joined += w;
    }
    EXPECT_EQ(joined, subject);
    for (const auto& line : lines_of(encoded)) {
        EXPECT_LE(line.size() + 9, 78u) << line;  // with "Subject: " in front
        EXPECT_EQ(line.find_first_of("\r\t"), std::string::npos);
    }
    // Text that only looks like an encoded-word is encoded too, so it reads back as itself.
    EXPECT_NE(encode_header_text("=?UTF-8?B?eA==?="), "=?UTF-8?B?eA==?=");
}

TEST(MailBody, QuotedPrintableRoundTripsAndKeepsLinesShort) {
    const std::string body = "Grüße, the = sign, trailing space \n" + std::string(200, 'x') +
                             "\n\tTab\nLast line with ü at the end ü";
    const auto qp = quoted_printable(body);
    EXPECT_EQ(qp_decode(qp), body);
    for (const auto& line : lines_of(qp)) {
        EXPECT_LE(line.size(), 76u) << line;
        EXPECT_TRUE(line.empty() || (line.back() != ' ' && line.back() != '\t')) << line;
        for (char c : line)
            EXPECT_TRUE((c >= 32 && c <= 126) || c == '\t') << line;
    }
}

TEST(MailDates, Rfc5322InLocalTimeWithTheOffset) {
    ScopedTz tz("Europe/Berlin");
    EXPECT_EQ(rfc5322_date(kStart), "Tue, 01 Dec 2026 02:00:00 +0100");
    EXPECT_EQ(format_time_span(kStart, kEnd), "Tue 2026-12-01 02:00 CET \u2013 04:00 CET");
    EXPECT_EQ(format_time_span(kStart, kStart + 26 * 3600 * kUsecPerSec),
              "Tue 2026-12-01 02:00 CET \u2013 Wed 2026-12-02 04:00 CET");
    ScopedTz ny("America/New_York");
    EXPECT_EQ(rfc5322_date(kStart), "Mon, 30 Nov 2026 20:00:00 -0500");
}

TEST(NoticeMail, TheScheduledMailCarriesTheReasonAndSaysWhichWindowAndWhen) {
    ScopedTz tz("Europe/Berlin");
    const auto m =
        notice_mail(Notice::Scheduled, sample_window(), {"alice", "ops@example.com"},
                    "Maintenance <root@localhost>", "node0", kStart - 3600 * kUsecPerSec);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->subject,
              "[maintenance] Window 7 scheduled: Tue 2026-12-01 02:00 CET \u2013 04:00 CET");
    EXPECT_EQ(m->body.rfind("Kernel upgrade on all nodes\n\nExpect two reboots.\n", 0), 0u)
        << m->body;
    EXPECT_NE(m->body.find("Window:  7\n"), std::string::npos);
    EXPECT_NE(m->body.find("Start:   Tue 2026-12-01 02:00:00 CET\n"), std::string::npos);
    EXPECT_NE(m->body.find("Hosts:   node1, node2\n"), std::string::npos);

    const auto text = render_mail(*m);
    EXPECT_EQ(header(text, "From"), "Maintenance <root@localhost>");
    EXPECT_EQ(header(text, "To"), "alice,\n ops@example.com");
    EXPECT_EQ(header(text, "MIME-Version"), "1.0");
    EXPECT_EQ(header(text, "Content-Type"), "text/plain; charset=UTF-8");
    EXPECT_EQ(header(text, "Content-Transfer-Encoding"), "7bit");
    EXPECT_EQ(header(text, "Auto-Submitted"), "auto-generated");
    EXPECT_EQ(header(text, "X-Maintenance-Window"), "7");
    EXPECT_EQ(header(text, "X-Maintenance-Event"), "scheduled");
    EXPECT_EQ(header(text, "Date"), "Tue, 01 Dec 2026 01:00:00 +0100");
    const auto id = header(text, "Message-ID").value_or("");
    EXPECT_EQ(id.front(), '<');
    EXPECT_NE(id.find("@node0>"), std::string::npos) << id;
    std::string subject;
    for (const auto& w : decode_words(header(text, "Subject").value_or("")))
        subject += w;
    EXPECT_EQ(subject, m->subject);
    // A second mail of the same notice has its own Message-ID.
    const auto again = notice_mail(Notice::Scheduled, sample_window(), {"alice"}, "r@l", "node0",
                                   kStart - 3600 * kUsecPerSec);
    EXPECT_NE(again->message_id, m->message_id);
}

TEST(NoticeMail, TheFinishedMailCarriesTheNoteAndTheOutcome) {
    ScopedTz tz("Europe/Berlin");
    auto w = sample_window();
    w.status = Status::CompletedWithErrors;
    w.started_usec = kStart;
    w.finished_usec = kEnd;
    w.completion_note = "Alle Knoten aktualisiert; node2 brauchte zwei Anläufe.";
    const auto m = notice_mail(Notice::Finished, w, {"alice"}, "root@localhost", "node0", kEnd);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->subject,
              "[maintenance] Window 7 completed-with-errors: Tue 2026-12-01 02:00 CET \u2013 04:00 "
              "CET");
    EXPECT_EQ(m->body.rfind(w.completion_note + "\n\nOutcome: completed-with-errors\n", 0), 0u)
        << m->body;
    const auto text = render_mail(*m);
    EXPECT_EQ(header(text, "Content-Transfer-Encoding"), "quoted-printable");
    EXPECT_EQ(header(text, "X-Maintenance-Status"), "completed-with-errors");
    EXPECT_EQ(qp_decode(text.substr(text.find("\n\n") + 2)), m->body);
}

TEST(NoticeMail, TheFirstUpcomingNoticeIsMailedAndTheRemindersAreNot) {
    const auto w = sample_window();
    const auto m =
        notice_mail(Notice::Upcoming, w, {"alice"}, "r@l", "h", w.spec.start_usec - kUsecPerHour);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->subject.rfind("[maintenance] Window " + std::to_string(w.id) + " upcoming: ", 0),
              0u)
        << m->subject;
    EXPECT_EQ(m->body.rfind("Maintenance starts in 1h.\n\n" + w.spec.reason + "\n", 0), 0u)
        << m->body;
    EXPECT_NE(render_mail(*m).find("X-Maintenance-Event: upcoming\n"), std::string::npos);
    EXPECT_FALSE(notice_mail(Notice::Reminder, w, {"alice"}, "r@l", "h", kStart));
}

TEST(NoticeMail, ControlCharactersNeverReachTheBody) {
    auto w = sample_window();
    w.spec.reason = "Reboot\x1b]0;owned\x07 now\x1b[2J";
    const auto m = notice_mail(Notice::Cancelled, w, {"alice"}, "r@l", "h", kStart);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->body.find('\x1b'), std::string::npos);
    EXPECT_EQ(m->body.find('\x07'), std::string::npos);
    EXPECT_NE(m->body.find("cancelled"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Recipients through real NSS

int run_quiet(const std::string& command) {
    return std::system((command + " >/dev/null 2>&1").c_str());
}

TEST(Recipients, UsersGroupMembersAndEmailsDeduplicatedAndSorted) {
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root to create a test user and group";
    // Names unique to this process: ctest may run other test processes at the same time.
    const std::string tag = std::to_string(::getpid());
    const std::string group = "mtg" + tag, primary = "mtp" + tag, member = "mtm" + tag;
    ASSERT_EQ(run_quiet("groupadd " + group), 0);
    ASSERT_EQ(run_quiet("useradd -M -N -s /usr/sbin/nologin -g " + group + " " + primary), 0);
    ASSERT_EQ(run_quiet("useradd -M -N -s /usr/sbin/nologin -G " + group + " " + member), 0);

    const auto members = nss::group_members(group);
    std::vector<AudienceConfig> audiences = {
        {"ops", {"root", member}, {group}, {"ops@example.com", "root"}},
        {"dba", {"nosuchuser" + tag}, {"nosuchgroup" + tag}, {"dba@example.com", "a b@x"}},
    };
    const auto r = resolve_recipients({"ops", "dba", "gone"}, audiences);

    run_quiet("userdel " + member);
    run_quiet("userdel " + primary);
    run_quiet("groupdel " + group);

    ASSERT_TRUE(members);
    // The primary member comes from the passwd walk, the other from the group's member list.
    EXPECT_EQ(*members, (std::vector<std::string>{member, primary}));
    EXPECT_FALSE(nss::group_members("nosuchgroup" + tag));
    EXPECT_EQ(r.addresses, (std::vector<std::string>{"dba@example.com", member, primary,
                                                     "ops@example.com", "root"}));
    EXPECT_EQ(r.problems,
              (std::vector<std::string>{
                  "user 'nosuchuser" + tag + "' of audience 'dba' is unknown",
                  "group 'nosuchgroup" + tag + "' of audience 'dba' is unknown",
                  "address 'a b@x' is not a usable address", "audience 'gone' is not configured"}));
}

// ---------------------------------------------------------------------------------------------
// The Mailer with a sendmail stand-in: what it is given on the command line and on stdin

TEST(MailerCommand, SendmailRunsDirectlyOrInATransientUnitOfItsOwn) {
    boost::asio::io_context io;
    EXPECT_EQ(Mailer(io, std::chrono::seconds(60)).command("/usr/sbin/sendmail"),
              (std::vector<std::string>{"/usr/sbin/sendmail", "-t", "-oi"}));
    const auto argv = Mailer(io, std::chrono::milliseconds(1500), "/usr/bin/systemd-run")
                          .command("/usr/sbin/sendmail");
    ASSERT_GE(argv.size(), 5u);
    EXPECT_EQ(argv.front(), "/usr/bin/systemd-run");
    // sendmail's own command line comes last and whole, after the end of systemd-run's options.
    EXPECT_EQ(std::vector<std::string>(argv.end() - 4, argv.end()),
              (std::vector<std::string>{"--", "/usr/sbin/sendmail", "-t", "-oi"}));
    for (const char* option : {"--wait", "--pipe", "--collect", "--property=KillMode=process",
                               "--property=RuntimeMaxSec=2"}) {
        EXPECT_NE(std::find(argv.begin(), argv.end(), option), argv.end()) << option;
    }
}

class MailerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/maint-mail-test.XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::optional<std::string> send(const std::string& sendmail, const MailMessage& m) {
        std::optional<std::optional<std::string>> result;
        Mailer(io_, 10s).send(sendmail, m, [&](std::optional<std::string> f) { result = f; });
        io_.run_for(15s);
        io_.restart();
        EXPECT_TRUE(result) << "never finished";
        return result.value_or(std::string("never finished"));
    }

    boost::asio::io_context io_;
    std::filesystem::path dir_;
};

TEST_F(MailerTest, TheMessageGoesToSendmailsStandardInputWithDashTAndDashOi) {
    const auto script = dir_ / "sendmail";
    {
        std::ofstream out(script);
        out << "#!/bin/sh\necho \"$@\" > " << (dir_ / "args").string() << "\ncat > "
            << (dir_ / "mail").string() << "\n";
    }
    ::chmod(script.c_str(), 0755);
    MailMessage m;
    m.from = "root@localhost";
    m.to = {"alice"};
    m.subject = "Hello";
    m.body = "Line one\n.\nLine three\n";
    m.message_id = "<1@h>";
    EXPECT_EQ(send(script.string(), m), std::nullopt);
    std::ifstream args(dir_ / "args");
    std::string line;
    std::getline(args, line);
    EXPECT_EQ(line, "-t -oi");
    std::ifstream mail(dir_ / "mail");
    std::stringstream got;
    got << mail.rdbuf();
    EXPECT_EQ(got.str(), render_mail(m));
}

TEST_F(MailerTest, AFailingSendmailSaysWhatHappened) {
    const auto script = dir_ / "sendmail";
    {
        std::ofstream out(script);
        out << "#!/bin/sh\ncat >/dev/null\necho 'temporary failure, try later' >&2\nexit 75\n";
    }
    ::chmod(script.c_str(), 0755);
    MailMessage m;
    m.to = {"alice"};
    EXPECT_EQ(send(script.string(), m),
              script.string() + " exit status 75: temporary failure, try later");
    EXPECT_EQ(send("/bin/false", m), "/bin/false exit status 1");
    EXPECT_EQ(send((dir_ / "missing").string(), m),
              "could not run " + (dir_ / "missing").string() + ": No such file or directory");
}

}  // namespace
}  // namespace maint
