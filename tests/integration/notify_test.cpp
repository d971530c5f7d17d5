// Notices on real parts: the daemon mails a window's audience through the real local MTA
// (Debian's exim4, `sendmail -t -oi`, delivering to /var/mail/USER for a user made for the test;
// exim needs no daemon running for that: it forks its own delivery), the scheduled, started and
// completed mails arrive with their headers and bodies; a failing Sendmail= puts the failure in
// the window's Log and makes the completion completed-with-errors; with Motd=yes the real
// /run/motd.d/maintenanced holds the banner while the window runs and is gone after.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "harness/daemon_test.hpp"
#include "tests/support/mime_decode.hpp"

namespace maint::it {
namespace {

constexpr const char* kSendmail = "/usr/sbin/sendmail";
constexpr const char* kMotd = "/run/motd.d/maintenanced";

std::string qp_decode(const std::string& in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '=' && i + 1 < in.size() && in[i + 1] == '\n') {
            ++i;
        } else if (in[i] == '=' && i + 2 < in.size()) {
            out += static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += in[i];
        }
    }
    return out;
}

struct Mail {
    std::string head;
    std::string body;  // decoded
    std::optional<std::string> header(const std::string& name) const {
        std::istringstream in(head);
        std::string line, value;
        bool found = false;
        while (std::getline(in, line)) {
            if (found && !line.empty() && (line[0] == ' ' || line[0] == '\t')) {
                value += line;
                continue;
            }
            if (found)
                break;
            if (line.rfind(name + ": ", 0) == 0) {
                found = true;
                value = line.substr(name.size() + 2);
            }
        }
        if (!found)
            return std::nullopt;
        return value;
    }
    // The Subject with its RFC 2047 words decoded.
    std::string subject() const {
        const std::string raw = header("Subject").value_or("");
        const auto words = test::decode_words(raw);
        if (words.empty())
            return raw;
        std::string out;
        for (const auto& w : words)
            out += w;
        return out;
    }
};

// The messages of an mbox file with the maintenance headers.
std::vector<Mail> read_mailbox(const std::filesystem::path& mbox) {
    std::vector<Mail> mails;
    if (!std::filesystem::exists(mbox))
        return mails;
    const std::string text = read_file(mbox);
    std::vector<std::size_t> starts;
    for (std::size_t pos = 0; pos < text.size();) {
        if (text.compare(pos, 5, "From ") == 0)
            starts.push_back(pos);
        const auto nl = text.find('\n', pos);
        if (nl == std::string::npos)
            break;
        pos = nl + 1;
    }
    for (std::size_t i = 0; i < starts.size(); ++i) {
        const std::size_t end = i + 1 < starts.size() ? starts[i + 1] : text.size();
        const std::string one = text.substr(starts[i], end - starts[i]);
        const auto split = one.find("\n\n");
        Mail m;
        m.head = one.substr(0, split + 1);
        std::string body = split == std::string::npos ? "" : one.substr(split + 2);
        if (m.header("Content-Transfer-Encoding") == "quoted-printable")
            body = qp_decode(body);
        m.body = body;
        if (m.header("X-Maintenance-Window"))
            mails.push_back(std::move(m));
    }
    return mails;
}

int run_quiet(const std::string& command) {
    return std::system((command + " >/dev/null 2>&1").c_str());
}

// The base configuration says Sendmail=, Wall=no, Motd=no; a key may appear once per file, so a
// test's [Notify] goes into a drop-in, which wins, written before the daemon starts.
class NotifyTest : public DaemonTest {
  protected:
    virtual std::string notify_config() const = 0;
    bool start_daemon() const override { return false; }
    void SetUp() override {
        DaemonTest::SetUp();
        if (IsSkipped() || HasFatalFailure())
            return;
        const auto dropins = daemon_->config_file().string() + ".d";
        std::filesystem::create_directories(dropins);
        write_file(dropins + "/50-notify.conf", "[Notify]\n" + notify_config());
        daemon_->start();
        connect();
    }
};

// A local user for the test's mail, unique to this process (ctest runs tests in parallel).
class NotifyMail : public NotifyTest {
  protected:
    NotifyMail() : user_("mtmail" + std::to_string(::getpid())), mbox_("/var/mail/" + user_) {}

    void SetUp() override {
        if (::geteuid() != 0)
            GTEST_SKIP() << "needs root";
        if (::access(kSendmail, X_OK) != 0)
            GTEST_SKIP() << kSendmail << " is missing: install exim4-daemon-light";
        // With a home: exim's local delivery changes into it.
        ASSERT_EQ(run_quiet("useradd -m -d /tmp/" + user_ + " -s /usr/sbin/nologin " + user_), 0);
        created_ = true;
        std::filesystem::remove(mbox_);
        NotifyTest::SetUp();
    }
    void TearDown() override {
        NotifyTest::TearDown();
        if (created_) {
            run_quiet("userdel -r " + user_);
            std::filesystem::remove(mbox_);
        }
    }
    std::string notify_config() const override {
        return "Sendmail=" + std::string(kSendmail) + "\nFrom=maintenance@localhost\n";
    }
    std::string extra_config() const override {
        return "[Audience readers]\nUsers=" + user_ + "\n";
    }
    // Waits for the mailbox to hold `count` maintenance mails.
    std::vector<Mail> wait_mails(std::size_t count) {
        std::vector<Mail> mails;
        wait_until(
            [&] {
                mails = read_mailbox(mbox_);
                return mails.size() >= count;
            },
            30s, 50ms);
        return mails;
    }

    std::string user_;
    std::filesystem::path mbox_;
    bool created_ = false;
};

TEST_F(NotifyMail, TheRealMtaDeliversTheScheduledStartedAndCompletionMails) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path =
        schedule(start, start + kUsecPerHour, "Kernel upgrade on every node", {"readers"},
                 {{"NotifyMessage", sdbus::Variant(std::string("Expect two reboots."))}});
    auto w = window(path);

    auto mails = wait_mails(1);
    ASSERT_EQ(mails.size(), 1u) << "the scheduled mail did not arrive in " << mbox_;
    const Mail& scheduled = mails[0];
    EXPECT_EQ(scheduled.header("X-Maintenance-Window"), "1");
    EXPECT_EQ(scheduled.header("X-Maintenance-Event"), "scheduled");
    EXPECT_EQ(scheduled.header("Auto-Submitted"), "auto-generated");
    EXPECT_EQ(scheduled.header("MIME-Version"), "1.0");
    EXPECT_EQ(scheduled.header("Content-Type"), "text/plain; charset=UTF-8");
    EXPECT_EQ(scheduled.header("From"), "maintenance@localhost");
    // exim qualifies a local name in a locally submitted header: "user@host".
    EXPECT_EQ(scheduled.header("To").value_or("").rfind(user_, 0), 0u) << *scheduled.header("To");
    EXPECT_TRUE(scheduled.header("Date"));
    EXPECT_TRUE(scheduled.header("Message-ID"));
    EXPECT_EQ(scheduled.subject().rfind("[maintenance] Window 1 scheduled: ", 0), 0u)
        << scheduled.subject();
    EXPECT_NE(scheduled.subject().find(" \u2013 "), std::string::npos) << scheduled.subject();
    EXPECT_EQ(scheduled.body.rfind("Kernel upgrade on every node\n\nExpect two reboots.\n", 0), 0u)
        << scheduled.body;

    w->Start({});
    mails = wait_mails(2);
    ASSERT_EQ(mails.size(), 2u) << "the started mail did not arrive";
    EXPECT_EQ(mails[1].header("X-Maintenance-Event"), "started");

    const std::string note = "All hosts upgraded. Grüße from the night shift.";
    // Complete's notify is exactly whom the completion mail goes to.
    w->Complete(note, {"readers"}, {});
    mails = wait_mails(3);
    ASSERT_EQ(mails.size(), 3u) << "the completion mail did not arrive";
    const Mail& finished = mails[2];
    EXPECT_EQ(finished.header("X-Maintenance-Event"), kCompletedWithoutLogind);
    EXPECT_EQ(finished.header("Content-Transfer-Encoding"), "quoted-printable");
    EXPECT_EQ(finished.subject().rfind(
                  "[maintenance] Window 1 " + std::string(kCompletedWithoutLogind) + ": ", 0),
              0u)
        << finished.subject();
    EXPECT_EQ(finished.body.rfind(note + "\n\nOutcome: " + kCompletedWithoutLogind + "\n", 0), 0u)
        << finished.body;

    EXPECT_EQ(w->Status(), kCompletedWithoutLogind);
    EXPECT_FALSE(log_contains(w->Log(), "notice failed")) << log_text(w->Log());
}

class NotifyFailingSendmail : public NotifyTest {
  protected:
    std::string notify_config() const override { return "Sendmail=/bin/false\n"; }
};

TEST_F(NotifyFailingSendmail, TheFailureIsLoggedAndTheCompletionHasErrors) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Kernel upgrade", {"ops"});
    auto w = window(path);
    ASSERT_TRUE(wait_until(
        [&] {
            return log_contains(w->Log(),
                                "The scheduled notice failed: email to root: /bin/false exit "
                                "status 1");
        },
        10s))
        << log_text(w->Log());
    w->Start({});
    w->Complete("Done.", {}, {});
    EXPECT_EQ(w->Status(), "completed-with-errors");
}

class NotifyMotd : public NotifyTest {
  protected:
    void SetUp() override {
        if (::geteuid() != 0)
            GTEST_SKIP() << "needs root";
        if (std::filesystem::exists(kMotd))
            GTEST_SKIP() << kMotd << " exists already: another maintenanced runs here";
        NotifyTest::SetUp();
    }
    void TearDown() override {
        NotifyTest::TearDown();
        std::filesystem::remove(kMotd);
    }
    std::string notify_config() const override { return "Motd=yes\n"; }
};

TEST_F(NotifyMotd, TheBannerIsInTheMotdWhileTheWindowRunsAndGoneAfter) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Kernel upgrade", {},
                               {{"NotifyMessage", sdbus::Variant(std::string("Back at 04:00."))}});
    auto w = window(path);
    EXPECT_FALSE(std::filesystem::exists(kMotd)) << "no upcoming notice is due yet";
    w->Start({});
    ASSERT_TRUE(wait_until([] { return std::filesystem::exists(kMotd); }, 5s));
    EXPECT_EQ(read_file(kMotd).rfind("System is under maintenance!\nBack at 04:00.\n", 0), 0u)
        << read_file(kMotd);
    EXPECT_EQ(std::filesystem::status(kMotd).permissions(),
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                  std::filesystem::perms::group_read | std::filesystem::perms::others_read);
    w->Complete("Done.", {}, {});
    EXPECT_TRUE(wait_until([] { return !std::filesystem::exists(kMotd); }, 5s));
    EXPECT_EQ(w->Status(), kCompletedWithoutLogind);
}

}  // namespace
}  // namespace maint::it
