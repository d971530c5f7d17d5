// maintenancectl: plan and run maintenance windows through maintenanced's D-Bus API.
#include <iostream>
#include <string>
#include <vector>

#include "common/timestamp.hpp"
#include "ctl/args.hpp"
#include "ctl/commands.hpp"
#include "ctl/request.hpp"

int main(int argc, char* argv[]) {
    using namespace maint::ctl;
    // One clock reading for the whole command: relative times typed and shown agree.
    const maint::Usec now = maint::realtime_now();
    Invocation invocation;
    try {
        invocation = parse_arguments(std::vector<std::string>(argv + 1, argv + argc), now);
    } catch (const UsageError& e) {
        std::cerr << "maintenancectl: " << e.what() << "\nTry 'maintenancectl --help'.\n";
        return kExitUsage;
    }
    switch (invocation.action) {
        case Invocation::Action::Help:
            std::cout << help_text();
            return kExitSuccess;
        case Invocation::Action::Version:
            std::cout << "maintenancectl " MAINT_VERSION "\n";
            return kExitSuccess;
        case Invocation::Action::Run:
            break;
    }
    return run_command(invocation, now);
}
