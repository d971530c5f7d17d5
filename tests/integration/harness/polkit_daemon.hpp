// The real polkitd on a private bus, with the project's own actions and the test's rules, without
// touching the host's polkit configuration: a forked child enters a private mount namespace
// (unshare(CLONE_NEWNS), / made private), bind-mounts temp directories over polkitd's hard-coded
// directories
//   /usr/share/polkit-1/actions   <- <dir>/actions   (polkit/org.example.Maintenance1.policy)
//   /etc/polkit-1/rules.d         <- <dir>/rules.d   (the test's rules)
//   /usr/share/polkit-1/rules.d   <- <dir>/rules-usr.d (a copy of the stock 50-default.rules)
// and execs /usr/lib/polkit-1/polkitd with DBUS_SYSTEM_BUS_ADDRESS naming the private bus. The
// PID namespace is the host's, so the PIDs of bus peers mean the same to polkitd. PrivateBus's
// configuration includes /usr/share/dbus-1/system.d, whose org.freedesktop.PolicyKit1.conf lets
// user polkitd own org.freedesktop.PolicyKit1 (polkitd drops from root to that user).
// The recipe is ../shared/sandbox/polkit-on-private-bus.sh's.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace maint::it {

inline constexpr const char* kPolkitBusName = "org.freedesktop.PolicyKit1";
inline constexpr const char* kPolkitdPath = "/usr/lib/polkit-1/polkitd";

// The project's polkit files, from the source tree.
std::filesystem::path project_policy_file();    // polkit/org.example.Maintenance1.policy
std::filesystem::path project_rules_example();  // polkit/maintadmin.rules.example

// A JavaScript rules file for /etc/polkit-1/rules.d (files are read in name order).
struct PolkitRulesFile {
    std::string name;  // e.g. "49-maintenanced.rules"
    std::string text;
};

class PolkitDaemon {
  public:
    // Why polkitd cannot run here (not root, polkitd or its user missing, no mount namespaces),
    // or nullopt.
    static std::optional<std::string> unavailable_reason();

    // Lays out <dir>/actions, <dir>/rules.d (with `rules`), <dir>/rules-usr.d, starts polkitd and
    // waits until it owns org.freedesktop.PolicyKit1 on the bus at `bus_address`. Throws
    // std::runtime_error (with polkitd's output) when it does not get there. `dir` must be
    // reachable by the polkitd user (0755 parents).
    PolkitDaemon(const std::filesystem::path& dir, const std::string& bus_address,
                 const std::vector<PolkitRulesFile>& rules,
                 std::chrono::milliseconds timeout = std::chrono::seconds(15));
    ~PolkitDaemon();
    PolkitDaemon(const PolkitDaemon&) = delete;
    PolkitDaemon& operator=(const PolkitDaemon&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    // What polkitd printed (stdout and stderr) so far.
    std::string output() const;
    const std::filesystem::path& actions_dir() const { return actions_; }
    const std::filesystem::path& rules_dir() const { return rules_; }
    // How long start-up took (fork to owning its name).
    std::chrono::milliseconds startup_time() const { return startup_; }

  private:
    void stop();

    std::filesystem::path dir_;
    std::filesystem::path actions_;
    std::filesystem::path rules_;
    std::filesystem::path rules_usr_;
    std::filesystem::path log_;
    pid_t pid_ = -1;
    bool reaped_ = false;
    std::chrono::milliseconds startup_{0};
};

}  // namespace maint::it
