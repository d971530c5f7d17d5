// Wall on real terminals: the broadcast banner with CR LF (the text made safe by common/text), the
// terminals of logged-in users read from a utmp file written for the test, and the notice written
// to a real pseudo-terminal (posix_openpt), also when that terminal is stuck and takes nothing.
#include "system/wall.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <utmpx.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace maint {
namespace {

using namespace std::chrono_literals;

// A pseudo-terminal pair: what is written to the terminal (the slave) is read at the master.
class Pty {
  public:
    Pty() {
        master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0)
            throw std::runtime_error("no pty");
        name_ = ::ptsname(master_);
    }
    ~Pty() {
        if (slave_ >= 0)
            ::close(slave_);
        ::close(master_);
    }
    const std::string& name() const { return name_; }  // "/dev/pts/N"
    // Everything written to the terminal so far.
    std::string read_all() {
        std::string out;
        char buf[4096];
        for (;;) {
            const ssize_t n = ::read(master_, buf, sizeof buf);
            if (n <= 0)
                break;
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }
    // Fills the terminal's buffers until it takes nothing more: a user who pressed ^S.
    void clog() {
        slave_ = ::open(name_.c_str(), O_WRONLY | O_NOCTTY | O_NONBLOCK);
        std::string chunk(4096, 'x');
        while (::write(slave_, chunk.data(), chunk.size()) > 0) {
        }
    }

  private:
    int master_ = -1;
    int slave_ = -1;
    std::string name_;
};

utmpx entry(short type, const std::string& user, const std::string& line) {
    utmpx u{};
    u.ut_type = type;
    u.ut_pid = ::getpid();
    std::strncpy(u.ut_user, user.c_str(), sizeof u.ut_user);
    std::strncpy(u.ut_line, line.c_str(), sizeof u.ut_line);
    return u;
}

class WallTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/maint-wall-test.XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string write_utmp(const std::vector<utmpx>& entries) {
        const auto path = (dir_ / "utmp").string();
        std::FILE* f = std::fopen(path.c_str(), "wb");
        for (const auto& e : entries)
            std::fwrite(&e, sizeof e, 1, f);
        std::fclose(f);
        return path;
    }

    std::filesystem::path dir_;
};

TEST(WallMessage, ABroadcastBannerThenTheTextWithCrLf) {
    const auto m =
        wall_message("First line\nSecond \x1b[31mline", "node0", 1796086800ULL * 1000000);
    EXPECT_EQ(m.rfind("\a\r\nBroadcast message from maintenanced@node0 (", 0), 0u) << m;
    EXPECT_NE(m.find("):\r\n\r\nFirst line\r\nSecond [31mline\r\n"), std::string::npos) << m;
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (m[i] == '\n') {
            ASSERT_GT(i, 0u);
            EXPECT_EQ(m[i - 1], '\r') << "a bare LF at " << i;
        }
    }
    EXPECT_EQ(m.find('\x1b'), std::string::npos);
}

TEST_F(WallTest, TheTerminalsOfLoggedInUsersComeFromUtmp) {
    const auto path = write_utmp({
        entry(BOOT_TIME, "reboot", "~"),
        entry(USER_PROCESS, "alice", "pts/5"),
        entry(LOGIN_PROCESS, "LOGIN", "tty2"),
        entry(DEAD_PROCESS, "", "pts/6"),
        entry(USER_PROCESS, "bob", "/dev/tty1"),
        entry(USER_PROCESS, "alice", "pts/5"),            // the same terminal twice
        entry(USER_PROCESS, "mallory", "../etc/passwd"),  // not below /dev
        entry(USER_PROCESS, "mallory", "/etc/shadow"),
    });
    EXPECT_EQ(logged_in_terminals(path), (std::vector<std::string>{"/dev/pts/5", "/dev/tty1"}));
    EXPECT_TRUE(logged_in_terminals((dir_ / "none").string()).empty());
}

TEST(TerminalPath, OnlyTerminalsBelowDev) {
    EXPECT_EQ(terminal_path("pts/3"), "/dev/pts/3");
    EXPECT_EQ(terminal_path("/dev/pts/17"), "/dev/pts/17");
    EXPECT_EQ(terminal_path("tty1"), "/dev/tty1");
    EXPECT_EQ(terminal_path("ttyS0"), "/dev/ttyS0");
    EXPECT_EQ(terminal_path("console"), "/dev/console");
    for (const char* bad :
         {"", "pts/", "pts/x", "pts/3/../../sda", "pts/../watchdog", "watchdog", "sda", "null",
          "../etc/passwd", "/etc/shadow", "tty1/x", "tty", "/dev/shm/fake", "pts//3"}) {
        EXPECT_EQ(terminal_path(bad), std::nullopt) << bad;
    }
}

TEST_F(WallTest, UtmpLinesNamingOtherDevicesAreSkipped) {
    const auto path = write_utmp({
        entry(USER_PROCESS, "mallory", "watchdog"),  // opening it arms the hardware watchdog
        entry(USER_PROCESS, "mallory", "sda"),
        entry(USER_PROCESS, "mallory", "shm/fake-tty"),
        entry(USER_PROCESS, "alice", "pts/5"),
    });
    EXPECT_EQ(logged_in_terminals(path), (std::vector<std::string>{"/dev/pts/5"}));
}

TEST_F(WallTest, ADeviceThatIsNoTerminalIsNeverOpened) {
    const auto report = write_to_terminals("x", {"/dev/null", "/dev/full"});
    EXPECT_EQ(report.written, 0u);
    EXPECT_EQ(report.skipped,
              (std::vector<std::string>{"/dev/null: not the name of a terminal below /dev",
                                        "/dev/full: not the name of a terminal below /dev"}));
}

TEST_F(WallTest, TheNoticeReachesARealTerminalFoundThroughUtmp) {
    Pty pty;
    const auto path = write_utmp({entry(USER_PROCESS, "alice", pty.name().substr(5))});
    const auto terminals = logged_in_terminals(path);
    ASSERT_EQ(terminals, std::vector<std::string>{pty.name()});
    const auto message = wall_message("Maintenance starts in 15min.", "node0", 0);
    const auto report = write_to_terminals(message, terminals);
    EXPECT_EQ(report.written, 1u);
    EXPECT_TRUE(report.skipped.empty());
    // The terminal's line discipline may turn CR LF into CR CR LF (ONLCR): compare without CRs.
    auto strip = [](std::string s) {
        std::erase(s, '\r');
        return s;
    };
    EXPECT_EQ(strip(pty.read_all()), strip(message));
}

TEST_F(WallTest, WhatIsNoTerminalOrIsGoneOrIsStuckIsSkippedWithoutWaiting) {
    Pty stuck;
    stuck.clog();
    Pty fine;
    const auto file = (dir_ / "plain").string();
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fclose(f);
    const auto start = std::chrono::steady_clock::now();
    const auto report = write_to_terminals(wall_message(std::string(2000, 'm'), "node0", 0),
                                           {file, "/dev/pts/999999", stuck.name(), fine.name()});
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    EXPECT_EQ(report.written, 1u);
    ASSERT_EQ(report.skipped.size(), 3u);
    EXPECT_EQ(report.skipped[0], file + ": not the name of a terminal below /dev");
    EXPECT_EQ(report.skipped[1], "/dev/pts/999999: No such file or directory");
    EXPECT_EQ(report.skipped[2].rfind(stuck.name() + ": ", 0), 0u) << report.skipped[2];
    EXPECT_EQ(std::filesystem::file_size(file), 0u);
}

}  // namespace
}  // namespace maint
