// The prechecks of DryRun and Start, every type of the configuration contract, run concurrently
// on the event loop, each with its own timeout:
//   command          the program's exit status (0 passes); its first line of output is the message
//   unit-inactive    systemd says the unit is not active (a unit that does not exist is inactive)
//   unit-active      systemd says the unit is active
//   no-failed-units  systemd has no unit in the failed state
//   hosts-normal     no configured host is in maintenance already (asked of the host backends)
// A check that cannot run or times out fails, with a message that says so.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <vector>

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include "config/config.hpp"
#include "core/ports.hpp"

namespace maint {

class SystemChecks final : public Prechecks {
  public:
    SystemChecks(boost::asio::io_context& io, sdbus::IConnection& connection, HostFleet& hosts,
                 std::vector<CheckConfig> checks);
    ~SystemChecks() override;
    void run(std::function<void(std::vector<PrecheckResult>)> done) override;
    void set_checks(std::vector<CheckConfig> checks) { checks_ = std::move(checks); }

  private:
    using Report = std::function<void(bool pass, std::string message)>;
    void run_one(const CheckConfig& check, Report report);
    void run_command(const CheckConfig& check, Report report);
    void run_unit(const CheckConfig& check, bool want_active, Report report);
    void run_no_failed_units(const CheckConfig& check, Report report);
    void run_hosts_normal(Report report);

    boost::asio::io_context& io_;
    HostFleet& hosts_;
    std::vector<CheckConfig> checks_;
    std::unique_ptr<sdbus::IProxy> systemd_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace maint
