// The daemon drives a real Slurm controller (the slurm_cluster fixture: 10,000 nodes, no slurmd)
// through the shipped Slurm helper: a window's Start drains every node of its [Hosts slurm] group
// in batches, as Slurm itself then reports; hosts Slurm does not know fail and stay failed on
// RetryHosts without touching the drained ones; a host re-enabled by hand is resumed alone.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>

#include "harness/daemon_test.hpp"
#include "harness/wait.hpp"

namespace maint::it {
namespace {

// What Slurm says of every node: name → (state, reason).
struct NodeState {
    std::string state;
    std::string reason;
};

std::string run(const std::string& command) {
    std::string out;
    if (FILE* p = ::popen(command.c_str(), "r")) {
        char buf[65536];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
            out.append(buf, n);
        ::pclose(p);
    }
    return out;
}

std::map<std::string, NodeState> slurm_nodes() {
    std::map<std::string, NodeState> nodes;
    std::istringstream in(run("scontrol -o show node 2>/dev/null"));
    for (std::string line; std::getline(in, line);) {
        auto field = [&](const std::string& key) -> std::string {
            const auto at = line.find(" " + key + "=");
            const auto begin =
                at == std::string::npos && line.rfind(key + "=", 0) == 0
                    ? key.size() + 1
                    : (at == std::string::npos ? std::string::npos : at + key.size() + 2);
            if (begin == std::string::npos)
                return {};
            // Reason= runs to the " [user@time]" Slurm appends, the other values to a space.
            if (key == "Reason")
                return line.substr(begin, line.find(" [", begin) - begin);
            return line.substr(begin, line.find(' ', begin) - begin);
        };
        nodes[field("NodeName")] = {field("State"), field("Reason")};
    }
    return nodes;
}

bool drained(const NodeState& n) {
    return n.state.find("DRAIN") != std::string::npos;
}

class SlurmFleet : public DaemonTest {
  protected:
    static std::string cluster() { return MAINT_SLURM_CLUSTER_DIR; }
    void SetUp() override {
        // The daemon, the helper and scontrol here all talk to the fixture's controller.
        ::setenv("SLURM_CONF", (cluster() + "/slurm.conf").c_str(), 1);
        if (run("scontrol ping 2>&1").find("UP") == std::string::npos) {
            up_ = false;
            GTEST_SKIP() << "no Slurm controller at " << cluster()
                         << " (the slurm_cluster fixture of ctest -L slurm starts it)";
        }
        resume_all();
        DaemonTest::SetUp();
    }
    void TearDown() override {
        if (!up_)
            return;
        resume_all();
        DaemonTest::TearDown();
    }
    bool up_ = true;
    static void resume_all() {
        run("scontrol update NodeName=node[00001-10000] State=RESUME >/dev/null 2>&1");
    }
    std::string extra_config() const override {
        const std::string helper = MAINT_SLURM_HELPER_PATH;
        return "[Daemon]\nMaxParallelHosts=4\n\n[Hosts slurm]\nHosts=node[00001-10000] "
               "ghost[1-3]\nEnterCommand=" +
               helper + " enter %w\nLeaveCommand=" + helper + " leave %w\nStatusCommand=" + helper +
               " status\nBatchSize=5000\nTimeoutSec=5min\n";
    }
    std::unique_ptr<RecordedSignal> flipped(std::uint32_t id, std::size_t nth) {
        return wait_hosts_flipped(id, nth, 300s);
    }
};

TEST_F(SlurmFleet, StartDrainsTenThousandNodesAndOnlyTheRightOnesResume) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    auto w = window(schedule(start, start + kUsecPerHour, "BIOS update", {},
                             {{"Hosts", sdbus::Variant(std::vector<std::string>{"slurm"})}}));
    w->Start({});
    const auto done = flipped(1, 1);
    ASSERT_TRUE(done) << log_text(w->Log());
    EXPECT_EQ(done->in_maintenance, 10000u) << log_text(w->Log());
    EXPECT_EQ(done->failed, 3u) << "the ghosts are no Slurm nodes";

    auto nodes = slurm_nodes();
    ASSERT_EQ(nodes.size(), 10000u);
    std::size_t drained_nodes = 0;
    for (const auto& [name, n] : nodes) {
        if (drained(n))
            ++drained_nodes;
        ASSERT_NE(n.reason.find("BIOS update (maintenance window 1)"), std::string::npos)
            << name << ": " << n.state << " \"" << n.reason << "\"";
    }
    EXPECT_EQ(drained_nodes, 10000u);
    bool ghost_message = false;
    for (const auto& r : w->HostResults()) {
        if (std::get<0>(r) == "ghost2") {
            EXPECT_EQ(std::get<1>(r), "failed");
            ghost_message = std::get<2>(r).find("not a Slurm node") != std::string::npos;
        }
    }
    EXPECT_TRUE(ghost_message) << "Slurm's reason for the ghost is not in its result";

    // RetryHosts tries the ghosts again; Slurm's drained nodes are not asked again.
    run("scontrol update NodeName=node00007 State=RESUME");  // behind the daemon's back
    w->RetryHosts({});
    const auto again = flipped(1, 2);
    ASSERT_TRUE(again) << log_text(w->Log());
    EXPECT_EQ(again->failed, 3u);
    EXPECT_FALSE(drained(slurm_nodes().at("node00007"))) << "RetryHosts flipped a host in "
                                                            "maintenance again";

    // A host re-enabled by hand is resumed, and no other.
    manager_->SetHostMaintenance("node00042", false);
    nodes = slurm_nodes();
    EXPECT_FALSE(drained(nodes.at("node00042"))) << nodes.at("node00042").state;
    EXPECT_TRUE(drained(nodes.at("node00041")));
    EXPECT_TRUE(drained(nodes.at("node00043")));
    w->Complete("done", {}, {});
    EXPECT_TRUE(drained(slurm_nodes().at("node09999"))) << "hosts stay in maintenance";
}

}  // namespace
}  // namespace maint::it
