// Names of statuses and log levels as the contract spells them, and the transition table.
#include "core/window.hpp"

#include <array>
#include <utility>

namespace maint {
namespace {

constexpr std::array<std::pair<Status, std::string_view>, 6> kStatusNames{{
    {Status::Scheduled, "scheduled"},
    {Status::InProgress, "in-progress"},
    {Status::Completed, "completed"},
    {Status::CompletedWithErrors, "completed-with-errors"},
    {Status::Failed, "failed"},
    {Status::Cancelled, "cancelled"},
}};

constexpr std::array<std::pair<LogLevel, std::string_view>, 3> kLevelNames{{
    {LogLevel::Info, "info"},
    {LogLevel::Warning, "warning"},
    {LogLevel::Error, "error"},
}};

}  // namespace

std::string_view to_string(Status s) {
    for (const auto& [status, name] : kStatusNames) {
        if (status == s)
            return name;
    }
    return "unknown";
}

std::optional<Status> parse_status(std::string_view s) {
    for (const auto& [status, name] : kStatusNames) {
        if (name == s)
            return status;
    }
    return std::nullopt;
}

bool is_final(Status s) {
    return s != Status::Scheduled && s != Status::InProgress;
}

bool is_legal_transition(Status from, Status to) {
    switch (from) {
        case Status::Scheduled:
            return to == Status::InProgress || to == Status::Cancelled || to == Status::Failed;
        case Status::InProgress:
            return to == Status::Completed || to == Status::CompletedWithErrors ||
                   to == Status::Failed;
        default:
            return false;
    }
}

std::string_view to_string(LogLevel l) {
    for (const auto& [level, name] : kLevelNames) {
        if (level == l)
            return name;
    }
    return "info";
}

std::optional<LogLevel> parse_log_level(std::string_view s) {
    for (const auto& [level, name] : kLevelNames) {
        if (name == s)
            return level;
    }
    return std::nullopt;
}

namespace {
constexpr std::string_view kHostResultNames[] = {"pending", "maintenance", "already", "failed",
                                                 "skipped"};
}  // namespace

std::string_view to_string(HostResultKind r) {
    return kHostResultNames[static_cast<int>(r)];
}

std::optional<HostResultKind> parse_host_result(std::string_view s) {
    for (int i = 0; i < 5; ++i) {
        if (kHostResultNames[i] == s)
            return static_cast<HostResultKind>(i);
    }
    return std::nullopt;
}

void HostProgress::add(HostResultKind r, int delta) {
    auto bump = [delta](std::uint32_t& n) { n = static_cast<std::uint32_t>(n + delta); };
    switch (r) {
        case HostResultKind::Pending:
            bump(pending);
            break;
        case HostResultKind::Maintenance:
        case HostResultKind::Already:
            bump(in_maintenance);
            break;
        case HostResultKind::Failed:
            bump(failed);
            break;
        case HostResultKind::Skipped:
            bump(skipped);
            break;
    }
}

HostProgress count_results(const std::vector<HostResult>& results) {
    HostProgress p;
    p.total = static_cast<std::uint32_t>(results.size());
    for (const auto& r : results)
        p.add(r.result);
    return p;
}

const std::vector<HostResult>& SharedHostResults::empty() {
    static const std::vector<HostResult> none;
    return none;
}

}  // namespace maint
