// See checks.hpp.
#include "system/checks.hpp"

#include <boost/asio/post.hpp>
#include <chrono>

#include "common/text.hpp"
#include "common/timespan.hpp"
#include "system/child_process.hpp"

namespace maint {
namespace {

constexpr const char* kSystemd = "org.freedesktop.systemd1";
constexpr const char* kManagerInterface = "org.freedesktop.systemd1.Manager";

using UnitRow =
    sdbus::Struct<std::string, std::string, std::string, std::string, std::string, std::string,
                  sdbus::ObjectPath, std::uint32_t, std::string, sdbus::ObjectPath>;

std::chrono::milliseconds millis(Usec usec) {
    return std::chrono::milliseconds(std::max<Usec>(usec / 1000, 1));
}

std::string bus_failure(const sdbus::Error& e, const CheckConfig& check) {
    if (e.getName() == "org.freedesktop.DBus.Error.ServiceUnknown" ||
        e.getName() == "org.freedesktop.DBus.Error.NameHasNoOwner")
        return "systemd is not available on the system bus, so unit states cannot be read";
    if (e.getName() == "org.freedesktop.DBus.Error.NoReply" ||
        e.getName() == "org.freedesktop.DBus.Error.Timeout")
        return "timed out after " + format_timespan(check.timeout_usec) + " asking systemd";
    return "could not ask systemd: " + e.getName() + ": " + e.getMessage();
}

}  // namespace

SystemChecks::SystemChecks(boost::asio::io_context& io, sdbus::IConnection& connection,
                           HostFleet& hosts, std::vector<CheckConfig> checks)
    : io_(io),
      hosts_(hosts),
      checks_(std::move(checks)),
      systemd_(sdbus::createProxy(connection, kSystemd, "/org/freedesktop/systemd1")) {}

SystemChecks::~SystemChecks() {
    *alive_ = false;
}

void SystemChecks::run(std::function<void(std::vector<PrecheckResult>)> done) {
    struct Round {
        std::vector<PrecheckResult> rows;
        std::size_t pending = 0;
        std::function<void(std::vector<PrecheckResult>)> done;
    };
    auto round = std::make_shared<Round>();
    round->done = std::move(done);
    round->pending = checks_.size();
    for (const auto& c : checks_) {
        round->rows.push_back({c.name, c.description.empty() ? c.name : c.description,
                               c.severity == Severity::Error ? "error" : "warning", "fail", ""});
    }
    if (checks_.empty()) {
        boost::asio::post(io_, [round] { round->done({}); });
        return;
    }
    for (std::size_t i = 0; i < checks_.size(); ++i) {
        run_one(checks_[i], [round, i](bool pass, std::string message) {
            auto& row = round->rows[i];
            row.result = pass ? "pass" : "fail";
            row.message = std::move(message);
            if (--round->pending == 0)
                round->done(std::move(round->rows));
        });
    }
}

void SystemChecks::run_one(const CheckConfig& check, Report report) {
    switch (check.type) {
        case CheckType::Command:
            run_command(check, std::move(report));
            return;
        case CheckType::UnitInactive:
            run_unit(check, false, std::move(report));
            return;
        case CheckType::UnitActive:
            run_unit(check, true, std::move(report));
            return;
        case CheckType::NoFailedUnits:
            run_no_failed_units(check, std::move(report));
            return;
        case CheckType::HostsNormal:
            run_hosts_normal(std::move(report));
            return;
    }
}

void SystemChecks::run_command(const CheckConfig& check, Report report) {
    ChildProcess::run(io_, check.command, {.timeout = millis(check.timeout_usec)},
                      [report](ChildResult r) {
                          std::string line = r.first_line();
                          if (r.ok()) {
                              report(true, line);
                              return;
                          }
                          std::string why = r.describe();
                          report(false, line.empty() ? why : line + " (" + why + ")");
                      });
}

void SystemChecks::run_unit(const CheckConfig& check, bool want_active, Report report) {
    // ListUnitsByNames answers for units that are not loaded too (load state "not-found").
    systemd_->callMethodAsync("ListUnitsByNames")
        .onInterface(kManagerInterface)
        .withTimeout(std::chrono::microseconds(check.timeout_usec))
        .withArguments(std::vector<std::string>{check.unit})
        .uponReplyInvoke([alive = alive_, check, want_active, report](const sdbus::Error* error,
                                                                      std::vector<UnitRow> rows) {
            if (!*alive)
                return;
            if (error) {
                report(false, bus_failure(*error, check));
                return;
            }
            const std::string load = rows.empty() ? "not-found" : rows[0].get<2>();
            const std::string active = rows.empty() ? "inactive" : rows[0].get<3>();
            const std::string sub = rows.empty() ? "dead" : rows[0].get<4>();
            const bool is_active = active == "active" || active == "reloading" ||
                                   active == "activating" || active == "refreshing";
            std::string state = check.unit + " is " + active + " (" + sub + ")";
            if (load == "not-found")
                state = check.unit + " does not exist";
            report(is_active == want_active, state);
        });
}

void SystemChecks::run_no_failed_units(const CheckConfig& check, Report report) {
    systemd_->callMethodAsync("ListUnitsFiltered")
        .onInterface(kManagerInterface)
        .withTimeout(std::chrono::microseconds(check.timeout_usec))
        .withArguments(std::vector<std::string>{"failed"})
        .uponReplyInvoke(
            [alive = alive_, check, report](const sdbus::Error* error, std::vector<UnitRow> rows) {
                if (!*alive)
                    return;
                if (error) {
                    report(false, bus_failure(*error, check));
                    return;
                }
                if (rows.empty()) {
                    report(true, "no failed units");
                    return;
                }
                std::vector<std::string> names;
                for (const auto& r : rows)
                    names.push_back(r.get<0>());
                report(false, std::to_string(names.size()) + " failed unit" +
                                  (names.size() == 1 ? "" : "s") + ": " + join(names, ", "));
            });
}

void SystemChecks::run_hosts_normal(Report report) {
    try {
        hosts_.list([report](Outcome<std::vector<HostReport>> outcome) {
            if (outcome.error) {
                report(false,
                       std::string("could not read the hosts' states: ") + outcome.error->what());
                return;
            }
            std::vector<std::string> in_maintenance, unknown;
            for (const auto& h : *outcome.value) {
                if (h.state == HostState::Maintenance)
                    in_maintenance.push_back(h.name);
                else if (h.state == HostState::Unknown)
                    unknown.push_back(h.name);
            }
            if (!in_maintenance.empty()) {
                report(false, "already in maintenance: " + join(in_maintenance, ", "));
                return;
            }
            if (!unknown.empty()) {
                report(false, "state unknown: " + join(unknown, ", "));
                return;
            }
            report(true, "all " + std::to_string(outcome.value->size()) + " hosts are normal");
        });
    } catch (const Error& e) {
        report(false, std::string("could not read the hosts' states: ") + e.what());
    }
}

}  // namespace maint
