// See seed_history.hpp.
//
// Why seeding goes through tmpfs: the store commits every save with an fsync of its WAL
// (synchronous=FULL), about 4.5 ms on the ext4 disk of the build machines, so 10,000 saves in
// place take some 45 s. The store has no batch API (one transaction per save is its contract),
// so the windows are saved one by one into a scratch directory on /dev/shm, where fsync costs
// nothing, and the closed database (checkpointed by SQLite when the store closes) is copied
// into the state directory. The result is byte for byte what the store writes; only its
// crash-safety during seeding, which a benchmark does not need, is skipped.
#include "seed_history.hpp"

#include <sys/statfs.h>
#include <sys/vfs.h>

#include <array>
#include <system_error>

#include "bench_support.hpp"
#include "common/timestamp.hpp"
#include "store/sqlite_store.hpp"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

namespace maint::bench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kScratchBase = "/dev/shm";

// Reasons of the kind administrators write, varied so that the strings differ in length.
constexpr std::array<const char*, 6> kReasons{
    "Kernel upgrade to 6.1.0-%u and reboot (ticket OPS-%u)",
    "Quarterly patching: openssl, glibc, systemd, sudo (change request CR-%u, OPS-%u)",
    "Firmware update of the RAID controllers, batch %u (OPS-%u)",
    "Replace failed disk in bay %u (OPS-%u)",
    "Database minor version upgrade %u; applications read-only (OPS-%u)",
    "Network switch replacement in rack %u (OPS-%u)",
};

std::string reason_for(WindowId id) {
    char text[160];
    std::snprintf(text, sizeof text, kReasons[id % kReasons.size()], id % 97 + 1, 10000 + id);
    return text;
}

bool on_tmpfs(const fs::path& dir) {
    struct statfs fs_info {};
    return ::statfs(dir.c_str(), &fs_info) == 0 &&
           static_cast<unsigned long>(fs_info.f_type) == TMPFS_MAGIC;
}

void save_all(const fs::path& dir, std::size_t count) {
    SqliteWindowStore store(dir);
    const Usec now = realtime_now();
    for (std::size_t i = 1; i <= count; ++i)
        store.save(history_window(static_cast<WindowId>(i), count, now));
}

}  // namespace

Window history_window(WindowId id, std::size_t count, Usec now) {
    Window w;
    w.id = id;
    // Status mix: mostly completed, some with errors, failed or cancelled.
    if (id % 50 == 0) {
        w.status = Status::Cancelled;
    } else if (id % 23 == 0) {
        w.status = Status::Failed;
    } else if (id % 7 == 0) {
        w.status = Status::CompletedWithErrors;
    } else {
        w.status = Status::Completed;
    }
    const Usec days_ago = static_cast<Usec>(count - id + 1);
    w.spec.start_usec = now - days_ago * kUsecPerDay - (days_ago % 5) * kUsecPerHour;
    w.spec.end_usec = w.spec.start_usec + 2 * kUsecPerHour;
    w.spec.reason = reason_for(id);
    w.spec.notify = {kSeedAudience};
    w.spec.comment = "Change request CR-" + std::to_string(20000 + id) + ", approved by CAB.";
    w.spec.login_message = "This system is under maintenance until " +
                           format_timestamp(w.spec.end_usec) + ". Only admins may log in.";
    w.spec.show_login_message = true;
    w.spec.notify_message = "Planned maintenance: " + w.spec.reason;
    w.spec.notify_lead_usec = 30 * kUsecPerMinute;
    w.spec.hosts = {kSeedHost};
    w.created_usec = w.spec.start_usec - 3 * kUsecPerDay;
    w.log.push_back({w.created_usec, LogLevel::Info,
                     "Scheduled by UID 0 for " + format_timestamp(w.spec.start_usec) + " to " +
                         format_timestamp(w.spec.end_usec) + "."});
    w.steps_done = kStepUpcomingAnnounced;
    w.log.push_back(
        {w.spec.start_usec - w.spec.notify_lead_usec, LogLevel::Info,
         "Upcoming notice: the window starts " + format_timestamp(w.spec.start_usec) + "."});
    if (w.status == Status::Cancelled) {
        w.finished_usec = w.spec.start_usec - kUsecPerHour;
        w.log.push_back({w.finished_usec, LogLevel::Info,
                         "Cancelled by UID 0: postponed, the vendor patch is not out yet"});
        w.steps_done |= kStepFinishAnnounced;
        return w;
    }
    w.precheck_results = {{"disk-space", "Free space on /var", "error", "pass", "12 GiB free"}};
    w.log.push_back({w.spec.start_usec, LogLevel::Info,
                     "Precheck disk-space (Free space on /var): pass: 12 GiB free"});
    w.started_usec = w.spec.start_usec;
    w.log.push_back({w.started_usec, LogLevel::Info, "Started automatically at its start time."});
    w.log.push_back({w.started_usec + 2 * kUsecPerSec, LogLevel::Info,
                     std::string("Host ") + kSeedHost + " entered maintenance."});
    w.steps_done |= kStepHostsEntered | kStepSessionsEnded | kStepStartAnnounced;
    w.finished_usec = w.spec.end_usec - 10 * kUsecPerMinute;
    w.steps_done |= kStepFinishAnnounced;
    switch (w.status) {
        case Status::CompletedWithErrors:
            w.had_errors = true;
            w.log.push_back({w.started_usec + 3 * kUsecPerSec, LogLevel::Error,
                             "Session 42 of UID 1000 could not be ended: Access denied"});
            w.completion_note = "Done; one session had to be ended by hand.";
            w.log.push_back({w.finished_usec, LogLevel::Warning,
                             "Finished by UID 0 as completed-with-errors: " + w.completion_note +
                                 " (some steps failed: see the errors above)"});
            break;
        case Status::Failed:
            w.completion_note = "Rolled back: the new kernel did not boot on the spare node.";
            w.log.push_back({w.finished_usec, LogLevel::Warning,
                             "Finished by UID 0 as failed: " + w.completion_note});
            break;
        default:
            w.completion_note = "All hosts upgraded and back in service.";
            w.log.push_back({w.finished_usec, LogLevel::Info,
                             "Finished by UID 0 as completed: " + w.completion_note});
            break;
    }
    return w;
}

SeedReport seed_history(const fs::path& state_dir, std::size_t count) {
    SeedReport report;
    const auto begin = std::chrono::steady_clock::now();
    fs::create_directories(state_dir);
    if (on_tmpfs(state_dir) || !on_tmpfs(kScratchBase)) {
        save_all(state_dir, count);
        report.where = on_tmpfs(state_dir) ? "saved in place (tmpfs)"
                                           : "saved in place (no tmpfs at /dev/shm: one fsync "
                                             "per window)";
    } else {
        TempDir scratch(kScratchBase, "maint-bench-seed.", 0700);
        save_all(scratch.path(), count);
        // The store is closed: SQLite has checkpointed the WAL into the main file. Any -wal
        // left is copied with it; -shm is rebuilt by whoever opens the database next.
        for (const char* suffix : {"", "-wal"}) {
            const fs::path from =
                scratch.path() / (std::string(SqliteWindowStore::kFileName) + suffix);
            if (fs::exists(from))
                fs::copy_file(from, state_dir / from.filename());
        }
        report.where = "saved one by one on tmpfs (/dev/shm), then copied";
    }
    // The daemon will be the judge, but a wrong count here would make every figure meaningless.
    {
        SqliteWindowStore check(state_dir);
        const auto contents = check.load();
        if (contents.summaries.size() != count || !contents.unfinished.empty()) {
            throw SetupError("the seeded database holds " +
                             std::to_string(contents.summaries.size()) + " windows (" +
                             std::to_string(contents.unfinished.size()) + " unfinished), not " +
                             std::to_string(count) + " finished ones");
        }
    }
    report.elapsed = std::chrono::steady_clock::now() - begin;
    std::error_code ec;
    report.database_bytes = fs::file_size(state_dir / SqliteWindowStore::kFileName, ec);
    return report;
}

}  // namespace maint::bench
