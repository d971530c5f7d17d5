// See journal.hpp.
#include "system/journal.hpp"

#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/timestamp.hpp"
#include "system/message_ids.hpp"

namespace maint::journal {
namespace {

// Whether stderr is the journal's stream (systemd sets JOURNAL_STREAM=dev:ino for it).
bool stderr_is_journal() {
    static const bool is = [] {
        const char* e = std::getenv("JOURNAL_STREAM");
        if (!e)
            return false;
        struct stat st {};
        if (fstat(STDERR_FILENO, &st) < 0)
            return false;
        unsigned long dev = 0, ino = 0;
        if (std::sscanf(e, "%lu:%lu", &dev, &ino) != 2)
            return false;
        return dev == st.st_dev && ino == st.st_ino;
    }();
    return is;
}

std::string wid(WindowId id) {
    return std::to_string(id);
}

}  // namespace

std::string host_state_phrase(HostState state) {
    switch (state) {
        case HostState::Maintenance:
            return "in maintenance";
        case HostState::Normal:
            return "out of maintenance";
        case HostState::Unknown:
            break;
    }
    return "in an unknown state";
}

void log(int priority, const std::string& message, const Fields& fields) {
    if (!stderr_is_journal()) {
        std::fprintf(stderr, "<%d>%s\n", priority, message.c_str());
        return;
    }
    std::vector<std::string> lines;
    lines.reserve(fields.size() + 2);
    lines.push_back("MESSAGE=" + message);
    lines.push_back("PRIORITY=" + std::to_string(priority));
    for (const auto& [k, v] : fields)
        lines.push_back(k + "=" + v);
    std::vector<iovec> iov;
    iov.reserve(lines.size());
    for (auto& l : lines)
        iov.push_back({l.data(), l.size()});
    sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
}

void LifecycleLog::window_added(const Window& w) {
    notice("Window " + wid(w.id) + " scheduled for " + format_timestamp(w.spec.start_usec) +
               " to " + format_timestamp(w.spec.end_usec) + ": " + w.spec.reason,
           {{"MESSAGE_ID", message_id::kScheduled},
            {"WINDOW_ID", wid(w.id)},
            {"OPERATOR_UID", std::to_string(w.created_by_uid)}});
}

void LifecycleLog::window_changed(const Window& w, std::uint32_t fields) {
    // Only a change of what was planned is an "update"; status, log and results have their own.
    constexpr std::uint32_t kPlanned =
        kFieldValid | kFieldStartUSec | kFieldEndUSec | kFieldReason | kFieldNotify |
        kFieldComment | kFieldLoginMessage | kFieldShowLoginMessage | kFieldNotifyMessage |
        kFieldNotifyLeadUSec | kFieldHosts | kFieldAutoComplete;
    if ((fields & kFieldStatus) || !(fields & kPlanned))
        return;
    info("Window " + wid(w.id) + " updated: " + format_timestamp(w.spec.start_usec) + " to " +
             format_timestamp(w.spec.end_usec),
         {{"MESSAGE_ID", message_id::kUpdated}, {"WINDOW_ID", wid(w.id)}});
}

void LifecycleLog::window_upcoming(const Window& w) {
    notice("Window " + wid(w.id) + " starts " + format_timestamp(w.spec.start_usec) + ": " +
               w.spec.reason,
           {{"MESSAGE_ID", message_id::kUpcoming}, {"WINDOW_ID", wid(w.id)}});
}

void LifecycleLog::window_started(const Window& w) {
    notice("Window " + wid(w.id) + " started; the system is under maintenance",
           {{"MESSAGE_ID", message_id::kStarted},
            {"WINDOW_ID", wid(w.id)},
            {"OPERATOR_UID", std::to_string(w.started_by_uid)}});
}

void LifecycleLog::window_finished(const Window& w) {
    const char* id = w.status == Status::Cancelled ? message_id::kCancelled
                     : w.status == Status::Failed  ? message_id::kFailed
                                                   : message_id::kCompleted;
    const int priority = w.status == Status::Failed                ? 3
                         : w.status == Status::CompletedWithErrors ? 4
                                                                   : 5;
    log(priority,
        "Window " + wid(w.id) + " finished: " + std::string(to_string(w.status)) +
            (w.completion_note.empty() ? "" : ": " + w.completion_note),
        {{"MESSAGE_ID", id},
         {"WINDOW_ID", wid(w.id)},
         {"WINDOW_STATUS", std::string(to_string(w.status))},
         {"OPERATOR_UID", std::to_string(w.finished_by_uid)}});
}

void LifecycleLog::manager_changed(const ManagerView&, const ManagerView&) {}

void LifecycleLog::host_state_changed(const std::string& host, HostState state) {
    notice("Host " + host + " is " + host_state_phrase(state),
           {{"MESSAGE_ID", message_id::kHostFlipped},
            {"HOST", host},
            {"HOST_STATE", std::string(to_string(state))}});
}

void LifecycleLog::host_flipped_by_hand(const HostFlip& flip, bool enabled, Uid by) {
    const std::string asked =
        std::string(enabled ? "into" : "out of") + " maintenance by UID " + std::to_string(by);
    log(flip.ok ? 5 : 4,
        flip.ok ? "Host " + flip.name + " put " + asked + ": " + flip.message
                : "Host " + flip.name + " could not be put " + asked + ": " + flip.message,
        {{"MESSAGE_ID", message_id::kHostFlipped},
         {"HOST", flip.name},
         {"HOST_STATE", std::string(to_string(flip.state))},
         {"OPERATOR_UID", std::to_string(by)}});
}

void LifecycleLog::hosts_flipped(const Window& w) {
    const HostProgress& p = w.host_progress;
    log(p.failed + p.skipped ? 4 : 5,
        "Window " + wid(w.id) + " flipped its hosts: " + std::to_string(p.in_maintenance) + " of " +
            std::to_string(p.total) + " in maintenance, " + std::to_string(p.failed) + " failed, " +
            std::to_string(p.skipped) + " skipped",
        {{"MESSAGE_ID", message_id::kHostFlipped}, {"WINDOW_ID", wid(w.id)}});
}

void LifecycleLog::problem(WindowId id, const std::string& what) {
    Fields fields{{"MESSAGE_ID", message_id::kProblem}};
    if (id)
        fields.push_back({"WINDOW_ID", wid(id)});
    error(id ? "Window " + wid(id) + ": " + what : what, fields);
}

#define FANOUT(call)           \
    for (auto* l : listeners_) \
        l->call;

void ListenerFanout::window_added(const Window& w) {
    FANOUT(window_added(w))
}
void ListenerFanout::window_changed(const Window& w, std::uint32_t f) {
    FANOUT(window_changed(w, f))
}
void ListenerFanout::window_upcoming(const Window& w) {
    FANOUT(window_upcoming(w))
}
void ListenerFanout::window_started(const Window& w) {
    FANOUT(window_started(w))
}
void ListenerFanout::window_finished(const Window& w) {
    FANOUT(window_finished(w))
}
void ListenerFanout::manager_changed(const ManagerView& b, const ManagerView& a) {
    FANOUT(manager_changed(b, a))
}
void ListenerFanout::host_state_changed(const std::string& h, HostState s) {
    FANOUT(host_state_changed(h, s))
}
void ListenerFanout::host_flipped_by_hand(const HostFlip& f, bool enabled, Uid by) {
    FANOUT(host_flipped_by_hand(f, enabled, by))
}
void ListenerFanout::hosts_flipped(const Window& w) {
    FANOUT(hosts_flipped(w))
}
void ListenerFanout::problem(WindowId id, const std::string& what) {
    FANOUT(problem(id, what))
}

#undef FANOUT

}  // namespace maint::journal
