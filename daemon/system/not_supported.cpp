// See not_supported.hpp.
#include "system/not_supported.hpp"

#include "system/journal.hpp"

namespace maint {

void HostsNotSupported::list(std::function<void(Outcome<std::vector<HostReport>>)>) {
    throw Error(Errc::NotSupported,
                "Host backends (local, command) are not available in this build of maintenanced");
}

void HostsNotSupported::flip(const std::vector<std::string>&, bool, WindowId,
                             std::function<void(const HostFlip&)>, std::function<void()>) {
    throw Error(Errc::NotSupported,
                "Host backends (local, command) are not available in this build of maintenanced");
}

void SessionsNotSupported::list(std::function<void(Outcome<std::vector<SessionInfo>>)>) {
    throw Error(Errc::NotSupported,
                "Login session management through logind is not available in this build of "
                "maintenanced");
}

void SessionsNotSupported::terminate(bool, std::uint32_t,
                                     std::function<void(Outcome<std::vector<SessionEnd>>)>) {
    throw Error(Errc::NotSupported,
                "Login session management through logind is not available in this build of "
                "maintenanced");
}

void ChecksNotSupported::run(std::function<void(std::vector<PrecheckResult>)> done) {
    std::vector<PrecheckResult> rows;
    for (const auto& c : checks_) {
        rows.push_back({c.name, c.description, c.severity == Severity::Error ? "error" : "warning",
                        "fail", "this build of maintenanced cannot run checks of this type yet"});
    }
    done(std::move(rows));
}

void LogNotifier::notify(Notice notice, const Window& w,
                         std::function<void(std::vector<std::string>)> done) {
    journal::info("Notice '" + std::string(to_string(notice)) + "' for window " +
                      std::to_string(w.id) + ": " + w.spec.reason,
                  {{"WINDOW_ID", std::to_string(w.id)}});
    done({});
}

}  // namespace maint
