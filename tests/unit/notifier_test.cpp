// SystemNotifier through a window's life on real parts: a pseudo-terminal listed in a utmp file
// written for the test receives the upcoming, started and finished notices; the motd file holds
// the upcoming notice, then the banner, then is gone; a sendmail stand-in receives one mail per
// event but the upcoming one; failures (a sendmail that fails, an audience that is gone, a motd
// that cannot be written) come back as lines, and the callback never runs inside notify().
#include "system/notifier.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utmpx.h>

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace maint {
namespace {

using namespace std::chrono_literals;

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class NotifierTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/maint-notifier-test.XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        ASSERT_GE(master_, 0);
        ASSERT_EQ(::grantpt(master_), 0);
        ASSERT_EQ(::unlockpt(master_), 0);
        const std::string pts = ::ptsname(master_);
        utmpx u{};
        u.ut_type = USER_PROCESS;
        u.ut_pid = ::getpid();
        std::strncpy(u.ut_user, "alice", sizeof u.ut_user);
        std::strncpy(u.ut_line, pts.c_str() + 5, sizeof u.ut_line);
        std::FILE* f = std::fopen((dir_ / "utmp").c_str(), "wb");
        std::fwrite(&u, sizeof u, 1, f);
        std::fclose(f);
        // A sendmail that appends each message to a file, with a separator.
        {
            std::ofstream out(dir_ / "sendmail");
            out << "#!/bin/sh\n{ cat; echo '----'; } >> " << (dir_ / "mails").string() << "\n";
        }
        ::chmod((dir_ / "sendmail").c_str(), 0755);

        settings_.sendmail = (dir_ / "sendmail").string();
        settings_.from = "root@localhost";
        settings_.wall = true;
        settings_.motd = true;
        settings_.audiences = {{"ops", {"root"}, {}, {"ops@example.com"}}};
        settings_.motd_file = dir_ / "motd.d" / "maintenanced";
        settings_.utmp_file = (dir_ / "utmp").string();
        settings_.sendmail_timeout = 10s;

        w_.id = 3;
        w_.spec.start_usec = 1796086800ULL * kUsecPerSec;
        w_.spec.end_usec = w_.spec.start_usec + 7200 * kUsecPerSec;
        w_.spec.reason = "Kernel upgrade";
        w_.spec.notify_message = "Expect reboots \x1b[5m!";
        w_.spec.notify = {"ops"};
    }
    void TearDown() override {
        ::close(master_);
        std::filesystem::remove_all(dir_);
    }

    std::vector<std::string> notify(SystemNotifier& n, Notice notice) {
        std::optional<std::vector<std::string>> failures;
        n.notify(notice, w_, [&](std::vector<std::string> f) { failures = std::move(f); });
        EXPECT_FALSE(failures) << "answered from within notify()";
        io_.run_for(15s);
        io_.restart();
        EXPECT_TRUE(failures) << "never answered";
        return failures.value_or(std::vector<std::string>{"never answered"});
    }
    std::string terminal() {
        std::string out;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(master_, buf, sizeof buf)) > 0)
            out.append(buf, static_cast<std::size_t>(n));
        return out;
    }
    std::size_t mails() {
        const auto text = read(dir_ / "mails");
        std::size_t count = 0;
        for (std::size_t pos = 0; (pos = text.find("\n----\n", pos)) != std::string::npos; ++pos)
            ++count;
        return count;
    }

    boost::asio::io_context io_;
    std::filesystem::path dir_;
    int master_ = -1;
    NotifierSettings settings_;
    Window w_;
};

TEST_F(NotifierTest, AWindowsLifeOnTheTerminalInTheMotdAndByMail) {
    SystemNotifier n(io_, settings_);
    const auto& motd = settings_.motd_file;

    EXPECT_EQ(notify(n, Notice::Scheduled), std::vector<std::string>{});
    EXPECT_EQ(mails(), 1u);
    EXPECT_EQ(terminal(), "");
    EXPECT_FALSE(std::filesystem::exists(motd));
    const auto first = read(dir_ / "mails");
    EXPECT_NE(first.find("To: ops@example.com,\n root\n"), std::string::npos) << first;
    EXPECT_NE(first.find("X-Maintenance-Window: 3\n"), std::string::npos) << first;

    w_.steps_done |= kStepUpcomingAnnounced;
    EXPECT_EQ(notify(n, Notice::Upcoming), std::vector<std::string>{});
    EXPECT_EQ(mails(), 2u) << "the first upcoming notice is mailed";
    EXPECT_NE(read(dir_ / "mails").find("X-Maintenance-Event: upcoming\n"), std::string::npos);
    auto seen = terminal();
    EXPECT_NE(seen.find("Broadcast message from maintenanced@"), std::string::npos) << seen;
    EXPECT_NE(seen.find("Maintenance of this system starts at"), std::string::npos) << seen;
    EXPECT_NE(seen.find("Expect reboots [5m!"), std::string::npos) << seen;
    EXPECT_EQ(seen.find('\x1b'), std::string::npos);
    const auto upcoming = read(motd);
    EXPECT_EQ(upcoming.rfind("Maintenance is scheduled from ", 0), 0u) << upcoming;

    // A reminder goes to the terminals again, not to the mailboxes.
    EXPECT_EQ(notify(n, Notice::Reminder), std::vector<std::string>{});
    EXPECT_EQ(mails(), 2u) << "a reminder is not mailed";
    seen = terminal();
    EXPECT_NE(seen.find("Maintenance of this system starts at"), std::string::npos) << seen;

    w_.status = Status::InProgress;
    w_.started_usec = w_.spec.start_usec;
    EXPECT_EQ(notify(n, Notice::Started), std::vector<std::string>{});
    EXPECT_EQ(mails(), 3u);
    seen = terminal();
    EXPECT_NE(seen.find("System is under maintenance! (window 3"), std::string::npos) << seen;
    EXPECT_EQ(read(motd).rfind("System is under maintenance!\nExpect reboots [5m!\n", 0), 0u)
        << read(motd);
    struct stat st {};
    ASSERT_EQ(::stat(motd.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);

    w_.status = Status::Completed;
    w_.finished_usec = w_.spec.end_usec;
    w_.completion_note = "All hosts upgraded.";
    EXPECT_EQ(notify(n, Notice::Finished), std::vector<std::string>{});
    EXPECT_EQ(mails(), 4u);
    seen = terminal();
    EXPECT_NE(seen.find("Maintenance window 3 is over: completed."), std::string::npos) << seen;
    EXPECT_FALSE(std::filesystem::exists(motd));
    const auto all = read(dir_ / "mails");
    EXPECT_NE(all.find("\n\nAll hosts upgraded.\n\nOutcome: completed\n"), std::string::npos)
        << all;
}

TEST_F(NotifierTest, FailuresComeBackAsLinesAndTurningChannelsOffStopsThem) {
    settings_.sendmail = "/bin/false";
    settings_.audiences = {{"ops", {"root"}, {}, {}}};
    w_.spec.notify = {"ops", "gone"};
    SystemNotifier n(io_, settings_);
    EXPECT_EQ(notify(n, Notice::Scheduled),
              (std::vector<std::string>{"email: audience 'gone' is not configured",
                                        "email to root: /bin/false exit status 1"}));

    // A motd that cannot be written is a failure of the notice.
    std::ofstream(dir_ / "blocker") << "x";
    auto s = settings_;
    s.sendmail.clear();
    s.motd_file = dir_ / "blocker" / "maintenanced";
    n.set_settings(s);
    w_.steps_done |= kStepUpcomingAnnounced;
    const auto f = notify(n, Notice::Upcoming);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].rfind("motd: could not create a file in " + (dir_ / "blocker").string(), 0), 0u)
        << f[0];

    // Everything off: nothing is written anywhere, and the answer is still asynchronous.
    s.motd = false;
    s.wall = false;
    n.set_settings(s);
    terminal();
    EXPECT_EQ(notify(n, Notice::Upcoming), std::vector<std::string>{});
    EXPECT_EQ(terminal(), "");
}

TEST_F(NotifierTest, TurningMotdOffRemovesTheFile) {
    SystemNotifier n(io_, settings_);
    w_.steps_done |= kStepUpcomingAnnounced;
    settings_.sendmail.clear();
    n.set_settings(settings_);
    notify(n, Notice::Upcoming);
    ASSERT_TRUE(std::filesystem::exists(settings_.motd_file));
    settings_.motd = false;
    n.set_settings(settings_);
    EXPECT_FALSE(std::filesystem::exists(settings_.motd_file));
}

}  // namespace
}  // namespace maint
