// The host backends on a real io_context with real programs: %-expansion, status exit codes,
// flips that report each host, hosts already in the wanted state left alone, failures said
// plainly, and MaxParallelHosts honoured (counted by the commands themselves, not by timing).
#include "system/hosts.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace maint {
namespace {

using namespace std::chrono_literals;

TEST(HostCommand, ExpandsHostWindowAndPercent) {
    EXPECT_EQ(
        expand_host_command({"/usr/bin/ssh", "%h", "echo", "w%w", "100%%", "%h%h"}, "node1", 7),
        (std::vector<std::string>{"/usr/bin/ssh", "node1", "echo", "w7", "100%", "node1node1"}));
    EXPECT_EQ(expand_host_command({"a%"}, "h", 1), (std::vector<std::string>{"a%"}));
}

TEST(HostCommand, StatusExitCodesMeanWhatTheContractSays) {
    ChildResult r;
    r.started = true;
    r.exit_status = 0;
    EXPECT_EQ(host_state_from_status(r), HostState::Maintenance);
    for (int code : {1, 2, 3}) {
        r.exit_status = code;
        EXPECT_EQ(host_state_from_status(r), HostState::Normal) << code;
    }
    r.exit_status = 4;
    EXPECT_EQ(host_state_from_status(r), HostState::Unknown);
    r.exit_status = 0;
    r.timed_out = true;
    EXPECT_EQ(host_state_from_status(r), HostState::Unknown);
    r = ChildResult{};
    EXPECT_EQ(host_state_from_status(r), HostState::Unknown) << "did not start";
}

class SystemHostsTest : public ::testing::Test {
  protected:
    SystemHostsTest() {
        dir_ = std::filesystem::temp_directory_path() /
               ("maint-hosts-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    ~SystemHostsTest() override { std::filesystem::remove_all(dir_); }

    // A host whose state is a file: present means in maintenance.
    HostConfig file_host(const std::string& name) const {
        const std::string f = (dir_ / name).string();
        HostConfig h;
        h.name = name;
        h.backend = HostBackend::Command;
        h.enter_command = {"/bin/sh", "-c", "touch " + f + "; echo %h is now in maintenance"};
        h.leave_command = {"/bin/rm", "-f", f};
        h.status_command = {"/usr/bin/test", "-e", f};
        return h;
    }

    std::vector<HostFlip> flip(SystemHosts& hosts, const std::vector<std::string>& names,
                               bool enter) {
        std::vector<HostFlip> flips;
        bool done = false;
        HostFleet::FlipCallbacks callbacks;
        callbacks.each = [&](const HostFlip& f) { flips.push_back(f); };
        callbacks.done = [&] { done = true; };
        hosts.flip(names, enter, FlipContext{9, "test"}, std::move(callbacks));
        io_.run_for(20s);
        io_.restart();
        EXPECT_TRUE(done);
        return flips;
    }

    std::filesystem::path dir_;
    boost::asio::io_context io_;
};

TEST_F(SystemHostsTest, EnterThenEnterAgainThenLeave) {
    SystemHosts hosts(io_, {file_host("a"), file_host("b")}, 4);
    auto flips = flip(hosts, {"a", "b"}, true);
    ASSERT_EQ(flips.size(), 2u);
    for (const auto& f : flips) {
        EXPECT_TRUE(f.ok) << f.message;
        EXPECT_FALSE(f.already);
        EXPECT_EQ(f.state, HostState::Maintenance);
        EXPECT_EQ(f.message, f.name + " entered maintenance: " + f.name + " is now in maintenance");
    }
    flips = flip(hosts, {"a"}, true);
    ASSERT_EQ(flips.size(), 1u);
    EXPECT_TRUE(flips[0].ok);
    EXPECT_TRUE(flips[0].already);
    EXPECT_EQ(flips[0].message, "a was already in maintenance: nothing done");

    flips = flip(hosts, {"a"}, false);
    ASSERT_EQ(flips.size(), 1u);
    EXPECT_TRUE(flips[0].ok);
    EXPECT_EQ(flips[0].state, HostState::Normal);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "a"));
    EXPECT_TRUE(std::filesystem::exists(dir_ / "b"));
}

TEST_F(SystemHostsTest, AFailureSaysWhichHostAndWhy) {
    HostConfig h = file_host("bad");
    h.enter_command = {"/bin/sh", "-c", "echo 'node unreachable' >&2; exit 255"};
    SystemHosts hosts(io_, {h}, 4);
    const auto flips = flip(hosts, {"bad"}, true);
    ASSERT_EQ(flips.size(), 1u);
    EXPECT_FALSE(flips[0].ok);
    EXPECT_EQ(flips[0].state, HostState::Unknown);
    EXPECT_EQ(flips[0].message,
              "bad could not enter maintenance (exit status 255): node unreachable");
}

TEST_F(SystemHostsTest, AnUnknownHostIsRefused) {
    SystemHosts hosts(io_, {file_host("a")}, 4);
    try {
        hosts.flip({"nope"}, true, FlipContext{1, ""}, {});
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::NoSuchHost);
    }
}

TEST_F(SystemHostsTest, ListProbesHostsWithAStatusCommandOnly) {
    HostConfig plain = file_host("plain");
    plain.status_command.clear();
    SystemHosts hosts(io_, {file_host("a"), plain}, 4);
    flip(hosts, {"a"}, true);
    std::optional<Outcome<std::vector<HostReport>>> got;
    hosts.list([&](Outcome<std::vector<HostReport>> o) { got = std::move(o); });
    io_.run_for(20s);
    ASSERT_TRUE(got && got->value);
    ASSERT_EQ(got->value->size(), 2u);
    EXPECT_EQ((*got->value)[0].name, "a");
    EXPECT_EQ((*got->value)[0].state, HostState::Maintenance);
    EXPECT_TRUE((*got->value)[0].probed);
    EXPECT_EQ((*got->value)[1].name, "plain");
    EXPECT_FALSE((*got->value)[1].probed);
}

// A host whose StatusCommand records each run in dir_/probes and answers "normal".
HostConfig counted_host(const std::filesystem::path& dir, const std::string& name) {
    HostConfig h;
    h.name = name;
    h.backend = HostBackend::Command;
    h.enter_command = {"/bin/true"};
    h.leave_command = {"/bin/true"};
    h.status_command = {"/bin/sh", "-c",
                        "echo %h >> " + (dir / "probes").string() + "; sleep 0.2; exit 1"};
    return h;
}

int probes_run(const std::filesystem::path& dir) {
    std::ifstream in(dir / "probes");
    std::string line;
    int n = 0;
    while (std::getline(in, line))
        ++n;
    return n;
}

TEST_F(SystemHostsTest, ListsArrivingDuringAProbeShareIt) {
    // Anyone may list the hosts; each listing used to run every StatusCommand (as root) again.
    SystemHosts hosts(io_, {counted_host(dir_, "a"), counted_host(dir_, "b")}, 4);
    std::vector<Outcome<std::vector<HostReport>>> got;
    for (int i = 0; i < 5; ++i)
        hosts.list([&](Outcome<std::vector<HostReport>> o) { got.push_back(std::move(o)); });
    io_.run_for(20s);
    ASSERT_EQ(got.size(), 5u);
    for (const auto& o : got) {
        ASSERT_TRUE(o.value);
        ASSERT_EQ(o.value->size(), 2u);
        EXPECT_EQ((*o.value)[0].state, HostState::Normal);
        EXPECT_TRUE((*o.value)[0].probed);
        EXPECT_EQ((*o.value)[1].state, HostState::Normal);
    }
    EXPECT_EQ(probes_run(dir_), 2) << "one probe per host, shared by the five listings";
}

TEST_F(SystemHostsTest, ARecentAnswerIsServedAsTheKnownState) {
    SystemHosts hosts(io_, {counted_host(dir_, "a")}, 4, std::chrono::hours(1));
    for (int i = 0; i < 3; ++i) {
        std::optional<Outcome<std::vector<HostReport>>> got;
        hosts.list([&](Outcome<std::vector<HostReport>> o) { got = std::move(o); });
        io_.run_for(20s);
        io_.restart();
        ASSERT_TRUE(got && got->value);
        EXPECT_EQ((*got->value)[0].state, HostState::Normal);
    }
    EXPECT_EQ(probes_run(dir_), 1);
}

TEST_F(SystemHostsTest, AFlipMakesTheNextListingAskAgain) {
    SystemHosts hosts(io_, {file_host("a")}, 4, std::chrono::hours(1));
    auto state_of_a = [&] {
        std::optional<Outcome<std::vector<HostReport>>> got;
        hosts.list([&](Outcome<std::vector<HostReport>> o) { got = std::move(o); });
        io_.run_for(20s);
        io_.restart();
        EXPECT_TRUE(got && got->value);
        return got && got->value ? (*got->value)[0].state : HostState::Unknown;
    };
    EXPECT_EQ(state_of_a(), HostState::Normal);
    flip(hosts, {"a"}, true);
    EXPECT_EQ(state_of_a(), HostState::Maintenance);
}

TEST_F(SystemHostsTest, NoMoreThanMaxParallelHostsRunAtOnce) {
    // Each command counts the running ones in a shared directory and records the most it saw.
    const std::string d = dir_.string();
    std::vector<HostConfig> config;
    std::vector<std::string> names;
    for (int i = 0; i < 12; ++i) {
        HostConfig h;
        h.name = "n" + std::to_string(i);
        h.backend = HostBackend::Command;
        h.enter_command = {"/bin/sh", "-c",
                           "touch " + d + "/run.%h; n=$(ls " + d +
                               " | grep -c '^run\\.'); echo $n >> " + d + "/seen; sleep 0.2; rm " +
                               d + "/run.%h"};
        config.push_back(h);
        names.push_back(h.name);
    }
    SystemHosts hosts(io_, config, 3);
    const auto flips = flip(hosts, names, true);
    ASSERT_EQ(flips.size(), 12u);
    for (const auto& f : flips)
        EXPECT_TRUE(f.ok) << f.message;
    std::ifstream seen(dir_ / "seen");
    int most = 0, n = 0, lines = 0;
    while (seen >> n) {
        most = std::max(most, n);
        ++lines;
    }
    EXPECT_EQ(lines, 12);
    EXPECT_LE(most, 3) << "more than MaxParallelHosts ran at once";
    EXPECT_GE(most, 2) << "they ran one at a time";
}

}  // namespace
}  // namespace maint
