// The SQLite WindowStore: schema, migrations, the checks that refuse a database this code cannot
// vouch for, and the one-transaction-per-save write path.
#include "store/sqlite_store.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <system_error>
#include <utility>

namespace maint {
namespace {

namespace fs = std::filesystem;

// What to tell the administrator, by kind of trouble.
constexpr const char* kMoveAsideOrRestore =
    "move it aside to start with an empty history, or restore it from a backup";
constexpr const char* kRestoreOrMoveAside =
    "restore it from a backup, or move it aside to start with an empty history";
constexpr const char* kCheckPermissions =
    "check that the daemon (root) can read and write it and its directory";

// Version 1: the windows, their lists in child tables (one row per element, so any string
// round-trips without an encoding of our own), the append-only log, the hosts' last known
// states, and the highest id ever handed out (ids are never reused, even if rows were pruned).
// In `windows` the summary columns come first and the long texts last, so that listing every
// window reads only the start of each row.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('last_id', 0);
CREATE TABLE windows (
    id INTEGER PRIMARY KEY,
    status TEXT NOT NULL,
    start_usec INTEGER NOT NULL,
    end_usec INTEGER NOT NULL,
    reason TEXT NOT NULL,
    valid INTEGER NOT NULL,
    auto_complete INTEGER NOT NULL,
    show_login_message INTEGER NOT NULL,
    notify_lead_usec INTEGER NOT NULL,
    created_usec INTEGER NOT NULL,
    created_by_uid INTEGER NOT NULL,
    started_usec INTEGER NOT NULL,
    started_by_uid INTEGER NOT NULL,
    finished_usec INTEGER NOT NULL,
    finished_by_uid INTEGER NOT NULL,
    steps_done INTEGER NOT NULL,
    had_errors INTEGER NOT NULL,
    comment TEXT NOT NULL,
    login_message TEXT NOT NULL,
    notify_message TEXT NOT NULL,
    completion_note TEXT NOT NULL
);
CREATE TABLE window_notify (
    window_id INTEGER NOT NULL REFERENCES windows (id),
    seq INTEGER NOT NULL,
    audience TEXT NOT NULL,
    PRIMARY KEY (window_id, seq)
) WITHOUT ROWID;
CREATE TABLE window_hosts (
    window_id INTEGER NOT NULL REFERENCES windows (id),
    seq INTEGER NOT NULL,
    host TEXT NOT NULL,
    PRIMARY KEY (window_id, seq)
) WITHOUT ROWID;
CREATE TABLE window_prechecks (
    window_id INTEGER NOT NULL REFERENCES windows (id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    severity TEXT NOT NULL,
    result TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (window_id, seq)
);
CREATE TABLE window_log (
    window_id INTEGER NOT NULL REFERENCES windows (id),
    seq INTEGER NOT NULL,
    time_usec INTEGER NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (window_id, seq)
);
CREATE TABLE host_states (
    host TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    message TEXT NOT NULL,
    changed_usec INTEGER NOT NULL
);
)sql";

// Version 2 (0.2, fleets): the error budget of a window and of its current flip, and one row
// per host of a window's flip (HostResults), written apart from the window: a fleet's results
// are far bigger than the rest of it. `begun`: the host's command was started, so that a flip
// interrupted by a crash never runs it again.
constexpr const char* kSchemaV2 = R"sql(
ALTER TABLE windows ADD COLUMN max_failed_hosts TEXT NOT NULL DEFAULT '';
ALTER TABLE windows ADD COLUMN flip_budget TEXT NOT NULL DEFAULT '';
CREATE TABLE window_host_results (
    window_id INTEGER NOT NULL REFERENCES windows (id),
    seq INTEGER NOT NULL,
    host TEXT NOT NULL,
    result TEXT NOT NULL,
    message TEXT NOT NULL,
    time_usec INTEGER NOT NULL,
    begun INTEGER NOT NULL,
    PRIMARY KEY (window_id, seq)
) WITHOUT ROWID;
)sql";

// The tables this code reads and writes; a database of our application lacking one is refused.
constexpr std::array<const char*, 8> kTables{
    "meta",       "windows",     "window_notify",      "window_hosts", "window_prechecks",
    "window_log", "host_states", "window_host_results"};

// kMigrations[v - 1] brings a database from schema version v - 1 to v (version 0 is the empty
// file) and returns an SQLite result code. Each runs inside the transaction that also sets
// user_version, so a crash leaves one version or the other, never a mix. Version 2 is one more
// function here and kSchemaVersion = 2.
using Migration = int (*)(sqlite3* db);

int migrate_to_1(sqlite3* db) {
    return sqlite3_exec(db, kSchemaV1, nullptr, nullptr, nullptr);
}

int migrate_to_2(sqlite3* db) {
    return sqlite3_exec(db, kSchemaV2, nullptr, nullptr, nullptr);
}

constexpr std::array<Migration, SqliteWindowStore::kSchemaVersion> kMigrations{migrate_to_1,
                                                                               migrate_to_2};

std::string errno_text(int err) {
    return err != 0 ? std::string(": ") + std::strerror(err) : std::string();
}

// SQLite's INTEGER is signed 64-bit; times are unsigned. The bits round-trip unchanged.
sqlite3_int64 to_db(std::uint64_t v) {
    return static_cast<sqlite3_int64>(v);
}

// Resets a statement after use, whatever happened, so that it holds no lock, no row and no
// pointer into a caller's string.
class ResetAfterUse {
  public:
    explicit ResetAfterUse(sqlite3_stmt* s) : s_(s) {}
    ~ResetAfterUse() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    ResetAfterUse(const ResetAfterUse&) = delete;
    ResetAfterUse& operator=(const ResetAfterUse&) = delete;

  private:
    sqlite3_stmt* s_;
};

// The strings are owned by the caller of save() and outlive the step: no copy needed.
void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
    sqlite3_bind_text64(s, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
}
void bind_int(sqlite3_stmt* s, int i, sqlite3_int64 v) {
    sqlite3_bind_int64(s, i, v);
}

}  // namespace

void SqliteWindowStore::DbCloser::operator()(sqlite3* db) const {
    // _v2: the connection closes once the statements (finalized after it here) are gone.
    sqlite3_close_v2(db);
}

void SqliteWindowStore::StmtFinalizer::operator()(sqlite3_stmt* s) const {
    sqlite3_finalize(s);
}

SqliteWindowStore::SqliteWindowStore(const fs::path& state_directory)
    : path_(state_directory / kFileName) {
    open_file(state_directory);
    inspect_and_migrate();
    check_schema();
    prepare_statements();
}

SqliteWindowStore::~SqliteWindowStore() = default;

// ---------------------------------------------------------------------------------------------
// Errors

void SqliteWindowStore::fail(const std::string& what, const std::string& todo) const {
    throw StoreError(path_.string() + " " + what + ": " + todo);
}

void SqliteWindowStore::fail_sqlite(const std::string& doing) const {
    const int code = sqlite3_extended_errcode(db_.get());
    std::string detail = sqlite3_errmsg(db_.get());
    if (const int err = sqlite3_system_errno(db_.get()); err != 0 && (code & 0xff) != SQLITE_OK) {
        detail += errno_text(err);
    }
    const std::string why = " (" + doing + ": " + detail + ")";
    switch (code & 0xff) {
        case SQLITE_NOTADB:
            fail("is not a maintenanced database" + why, kMoveAsideOrRestore);
        case SQLITE_CORRUPT:
            fail("is damaged" + why, kRestoreOrMoveAside);
        case SQLITE_FULL:
            fail("could not be written, the file system is full" + why,
                 "free some space; the change was not saved");
        case SQLITE_CANTOPEN:
        case SQLITE_PERM:
        case SQLITE_READONLY:
        case SQLITE_AUTH:
            fail("cannot be read and written" + why, kCheckPermissions);
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            fail("is locked by another process" + why,
                 "stop the other program using it (another maintenanced, or an sqlite3 shell in "
                 "a write transaction)");
        default:
            fail("could not be used" + why,
                 "check the file system and the file; if the file is damaged, " +
                     std::string(kRestoreOrMoveAside));
    }
}

void SqliteWindowStore::fail_decode(const std::string& what) const {
    fail("holds a row this maintenanced cannot read (" + what +
             "); it was changed by something else or by a newer version",
         kRestoreOrMoveAside);
}

// ---------------------------------------------------------------------------------------------
// Opening

void SqliteWindowStore::open_file(const fs::path& dir) {
    std::error_code ec;
    const auto dir_status = fs::status(dir, ec);
    if (dir_status.type() == fs::file_type::not_found) {
        if (dir.has_parent_path()) {
            fs::create_directories(dir.parent_path(), ec);
        }
        // 0700: the history names people and hosts; only the daemon (root) needs it.
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
            const int err = errno;
            throw StoreError(dir.string() + " cannot be created" + errno_text(err) +
                             ": create it (mode 0700, owned by root) or set StateDirectory= in "
                             "[Daemon] to a writable directory");
        }
    } else if (ec) {
        throw StoreError(dir.string() + " cannot be examined (" + ec.message() +
                         "): " + kCheckPermissions);
    } else if (dir_status.type() != fs::file_type::directory) {
        throw StoreError(dir.string() +
                         " is not a directory: the state directory must be one; move the file "
                         "aside or set StateDirectory= in [Daemon]");
    }

    const auto file_status = fs::status(path_, ec);
    if (file_status.type() == fs::file_type::directory) {
        fail("is a directory, not a database file",
             "move it aside to start with an empty history, or put the database back");
    }
    if (!ec && file_status.type() != fs::file_type::regular &&
        file_status.type() != fs::file_type::not_found) {
        fail("is not a regular file", kMoveAsideOrRestore);
    }

    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    db_.reset(raw);  // also on failure: SQLite hands out a handle to close
    if (rc != SQLITE_OK) {
        if (!db_) {
            throw StoreError(path_.string() + " cannot be opened: out of memory");
        }
        fail_sqlite("opening");
    }
    sqlite3_extended_result_codes(db_.get(), 1);
    // SQLite falls back to read-only when the file is write-protected; we would only find out
    // at the first save, after the daemon promised to keep windows.
    if (sqlite3_db_readonly(db_.get(), "main") == 1) {
        fail("can only be opened read-only", kCheckPermissions);
    }
    // Another process (an administrator's sqlite3 shell) may hold the lock briefly.
    sqlite3_busy_timeout(db_.get(), 2000);
}

void SqliteWindowStore::exec(const char* sql, const char* doing) {
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        fail_sqlite(doing);
    }
}

void SqliteWindowStore::inspect_and_migrate() {
    // Read-only questions first: a database we refuse is left exactly as it was.
    auto pragma_int = [this](const char* sql) {
        Stmt s = prepare(sql);
        if (!step_row(s.get(), "reading its header")) {
            return sqlite3_int64{0};
        }
        return sqlite3_column_int64(s.get(), 0);
    };
    const auto application_id = pragma_int("PRAGMA application_id");
    const auto version = pragma_int("PRAGMA user_version");
    const auto tables = pragma_int(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");

    {
        Stmt check = prepare("PRAGMA quick_check(3)");
        std::string problems;
        while (step_row(check.get(), "checking its integrity")) {
            const auto* text = sqlite3_column_text(check.get(), 0);
            const std::string line = text ? reinterpret_cast<const char*>(text) : "";
            if (line == "ok") {
                break;
            }
            problems += (problems.empty() ? "" : "; ") + line;
        }
        // One line for the journal and the terminal.
        for (char& ch : problems) {
            if (ch == '\n') {
                ch = ' ';
            }
        }
        if (!problems.empty()) {
            fail("is damaged (quick_check: " + problems + ")", kRestoreOrMoveAside);
        }
    }

    const bool empty = application_id == 0 && version == 0 && tables == 0;
    if (!empty && application_id != kApplicationId) {
        char id[16];
        std::snprintf(id, sizeof id, "0x%08llx",
                      static_cast<unsigned long long>(static_cast<std::uint32_t>(application_id)));
        fail(std::string("is not a maintenanced database (an SQLite database of another "
                         "application: application_id ") +
                 id + ", tables: " + std::to_string(tables) + ")",
             kMoveAsideOrRestore);
    }
    if (version > kSchemaVersion) {
        fail("was written by a newer maintenanced (schema version " + std::to_string(version) +
                 "; this one knows up to " + std::to_string(kSchemaVersion) + ")",
             "run that newer version, or restore a backup made by this one; moving the file "
             "aside starts an empty history");
    }
    if (!empty && version < 1) {
        fail("is damaged (application_id set but schema version 0)", kRestoreOrMoveAside);
    }

    // Durability: every change is committed before its signal and its reply, and a restart
    // (also after kill -9 or a power cut) must find it. WAL with synchronous=FULL syncs the log
    // at each commit: one fsync per save, where a rollback journal needs two or three (journal,
    // database, directory); an administrator's sqlite3 .backup can also read without blocking
    // the daemon. If the file system cannot do WAL (no shared memory, e.g. some network file
    // systems) SQLite keeps the rollback journal, which with FULL is just as durable.
    exec("PRAGMA journal_mode = WAL", "switching to write-ahead logging");
    exec("PRAGMA synchronous = FULL", "setting synchronous mode");
    // Memory: the daemon's whole RSS budget is 12 MB with 10,000 windows; 256 KiB of page
    // cache is plenty for one writer, the OS page cache does the rest.
    exec("PRAGMA cache_size = -256", "setting the cache size");
    exec("PRAGMA foreign_keys = ON", "enabling foreign keys");
    // Keeps the -wal file from staying at its largest size after a checkpoint.
    exec("PRAGMA journal_size_limit = 4194304", "limiting the journal size");
    exec("PRAGMA trusted_schema = OFF", "distrusting the schema");

    for (auto v = version + 1; v <= kSchemaVersion; ++v) {
        exec("BEGIN IMMEDIATE", "starting the upgrade");
        const std::string tail = "PRAGMA user_version = " + std::to_string(v) +
                                 "; PRAGMA application_id = " + std::to_string(kApplicationId) +
                                 ";";
        if (kMigrations[v - 1](db_.get()) != SQLITE_OK ||
            sqlite3_exec(db_.get(), tail.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK ||
            sqlite3_exec(db_.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
            const std::string message = sqlite3_errmsg(db_.get());
            sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
            fail("could not be upgraded to schema version " + std::to_string(v) + " (" + message +
                     ")",
                 "check the free space and the permissions; the file was left at version " +
                     std::to_string(v - 1));
        }
    }
}

void SqliteWindowStore::check_schema() {
    Stmt has_table = prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
    for (const char* table : kTables) {
        ResetAfterUse reset(has_table.get());
        sqlite3_bind_text(has_table.get(), 1, table, -1, SQLITE_STATIC);
        if (!step_row(has_table.get(), "reading the schema")) {
            fail(std::string("is incomplete (table ") + table + " is missing)",
                 kRestoreOrMoveAside);
        }
    }
}

SqliteWindowStore::Stmt SqliteWindowStore::prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
        SQLITE_OK) {
        const int code = sqlite3_extended_errcode(db_.get()) & 0xff;
        // A missing column is a schema that does not match; anything else is SQLite's to say.
        if (code == SQLITE_ERROR) {
            fail(std::string("does not have the tables this maintenanced expects (") +
                     sqlite3_errmsg(db_.get()) + ")",
                 kRestoreOrMoveAside);
        }
        fail_sqlite("preparing a statement");
    }
    return Stmt(s);
}

void SqliteWindowStore::prepare_statements() {
    begin_ = prepare("BEGIN IMMEDIATE");
    commit_ = prepare("COMMIT");
    rollback_ = prepare("ROLLBACK");
    upsert_window_ = prepare(
        "INSERT INTO windows (id, status, start_usec, end_usec, reason, valid, auto_complete, "
        "show_login_message, notify_lead_usec, created_usec, created_by_uid, started_usec, "
        "started_by_uid, finished_usec, finished_by_uid, steps_done, had_errors, comment, "
        "login_message, notify_message, completion_note, max_failed_hosts, flip_budget) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
        "?19, ?20, ?21, ?22, ?23) "
        "ON CONFLICT (id) DO UPDATE SET status = excluded.status, "
        "start_usec = excluded.start_usec, end_usec = excluded.end_usec, "
        "reason = excluded.reason, valid = excluded.valid, "
        "auto_complete = excluded.auto_complete, "
        "show_login_message = excluded.show_login_message, "
        "notify_lead_usec = excluded.notify_lead_usec, created_usec = excluded.created_usec, "
        "created_by_uid = excluded.created_by_uid, started_usec = excluded.started_usec, "
        "started_by_uid = excluded.started_by_uid, finished_usec = excluded.finished_usec, "
        "finished_by_uid = excluded.finished_by_uid, steps_done = excluded.steps_done, "
        "had_errors = excluded.had_errors, comment = excluded.comment, "
        "login_message = excluded.login_message, notify_message = excluded.notify_message, "
        "completion_note = excluded.completion_note, "
        "max_failed_hosts = excluded.max_failed_hosts, flip_budget = excluded.flip_budget");
    bump_last_id_ = prepare("UPDATE meta SET value = ?1 WHERE key = 'last_id' AND value < ?1");
    select_last_id_ = prepare("SELECT value FROM meta WHERE key = 'last_id'");
    delete_notify_ = prepare("DELETE FROM window_notify WHERE window_id = ?1");
    insert_notify_ =
        prepare("INSERT INTO window_notify (window_id, seq, audience) VALUES (?1, ?2, ?3)");
    delete_hosts_ = prepare("DELETE FROM window_hosts WHERE window_id = ?1");
    insert_hosts_ = prepare("INSERT INTO window_hosts (window_id, seq, host) VALUES (?1, ?2, ?3)");
    delete_prechecks_ = prepare("DELETE FROM window_prechecks WHERE window_id = ?1");
    insert_precheck_ = prepare(
        "INSERT INTO window_prechecks (window_id, seq, name, description, severity, result, "
        "message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    insert_log_ = prepare(
        "INSERT INTO window_log (window_id, seq, time_usec, level, message) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    truncate_log_ = prepare("DELETE FROM window_log WHERE window_id = ?1 AND seq >= ?2");
    count_log_ = prepare("SELECT count(*) FROM window_log WHERE window_id = ?1");
    select_summaries_ =
        prepare("SELECT id, status, start_usec, end_usec, reason FROM windows ORDER BY id");
    select_window_ = prepare(
        "SELECT id, status, start_usec, end_usec, reason, valid, auto_complete, "
        "show_login_message, notify_lead_usec, created_usec, created_by_uid, started_usec, "
        "started_by_uid, finished_usec, finished_by_uid, steps_done, had_errors, comment, "
        "login_message, notify_message, completion_note, max_failed_hosts, flip_budget "
        "FROM windows WHERE id BETWEEN ?1 AND ?2 ORDER BY id");
    select_notify_ = prepare(
        "SELECT window_id, audience FROM window_notify WHERE window_id BETWEEN ?1 AND ?2 "
        "ORDER BY window_id, seq");
    select_hosts_ = prepare(
        "SELECT window_id, host FROM window_hosts WHERE window_id BETWEEN ?1 AND ?2 "
        "ORDER BY window_id, seq");
    select_prechecks_ = prepare(
        "SELECT window_id, name, description, severity, result, message FROM window_prechecks "
        "WHERE window_id BETWEEN ?1 AND ?2 ORDER BY window_id, seq");
    select_log_ = prepare(
        "SELECT window_id, time_usec, level, message FROM window_log "
        "WHERE window_id BETWEEN ?1 AND ?2 ORDER BY window_id, seq");
    select_host_results_ = prepare(
        "SELECT window_id, host, result, message, time_usec, begun FROM window_host_results "
        "WHERE window_id BETWEEN ?1 AND ?2 ORDER BY window_id, seq");
    delete_host_results_ = prepare("DELETE FROM window_host_results WHERE window_id = ?1");
    upsert_host_result_ = prepare(
        "INSERT INTO window_host_results (window_id, seq, host, result, message, time_usec, "
        "begun) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (window_id, seq) DO UPDATE SET "
        "host = excluded.host, result = excluded.result, message = excluded.message, "
        "time_usec = excluded.time_usec, begun = excluded.begun");
    upsert_host_state_ = prepare(
        "INSERT INTO host_states (host, state, message, changed_usec) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (host) DO UPDATE SET state = excluded.state, message = excluded.message, "
        "changed_usec = excluded.changed_usec");
    select_host_states_ =
        prepare("SELECT host, state, message, changed_usec FROM host_states ORDER BY host");
}

// ---------------------------------------------------------------------------------------------
// Stepping and decoding

bool SqliteWindowStore::step_row(sqlite3_stmt* s, const char* doing) {
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    fail_sqlite(doing);
}

void SqliteWindowStore::step_done(sqlite3_stmt* s, const char* doing) {
    ResetAfterUse reset(s);
    if (sqlite3_step(s) != SQLITE_DONE) {
        fail_sqlite(doing);
    }
}

namespace {

// Which row a bad value is in, for the message: every SELECT here starts with the window id
// (or, for host states, the host name).
std::string row_label(sqlite3_stmt* s) {
    if (sqlite3_column_type(s, 0) == SQLITE_INTEGER) {
        return "window " + std::to_string(sqlite3_column_int64(s, 0));
    }
    const auto* text = sqlite3_column_text(s, 0);
    return "host \"" + std::string(text ? reinterpret_cast<const char*>(text) : "") + "\"";
}

}  // namespace

std::int64_t SqliteWindowStore::column_int(sqlite3_stmt* s, int col, const char* what) const {
    if (sqlite3_column_type(s, col) != SQLITE_INTEGER) {
        fail_decode(row_label(s) + ": " + what + " is not an integer");
    }
    return sqlite3_column_int64(s, col);
}

std::uint32_t SqliteWindowStore::column_u32(sqlite3_stmt* s, int col, const char* what) const {
    const auto v = column_int(s, col, what);
    if (v < 0 || v > std::numeric_limits<std::uint32_t>::max()) {
        fail_decode(row_label(s) + ": " + what + " " + std::to_string(v) + " is out of range");
    }
    return static_cast<std::uint32_t>(v);
}

bool SqliteWindowStore::column_bool(sqlite3_stmt* s, int col, const char* what) const {
    const auto v = column_int(s, col, what);
    if (v != 0 && v != 1) {
        fail_decode(row_label(s) + ": " + what + " " + std::to_string(v) + " is not 0 or 1");
    }
    return v == 1;
}

Status SqliteWindowStore::column_status(sqlite3_stmt* s, int col) const {
    const std::string status = column_text(s, col, "status");
    const auto parsed = parse_status(status);
    if (!parsed) {
        fail_decode(row_label(s) + ": unknown status \"" + status + "\"");
    }
    return *parsed;
}

std::string SqliteWindowStore::column_text(sqlite3_stmt* s, int col, const char* what) const {
    if (sqlite3_column_type(s, col) != SQLITE_TEXT) {
        fail_decode(row_label(s) + ": " + what + " is not text");
    }
    // Text first, then its length: the documented order that avoids a conversion.
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
    const int size = sqlite3_column_bytes(s, col);
    return std::string(text, static_cast<std::size_t>(size));
}

// A failed COMMIT may leave the transaction open (busy), or SQLite may have rolled it back
// already (I/O error); either way nothing of a failed write may stay pending.
void SqliteWindowStore::rollback_if_open() {
    if (sqlite3_get_autocommit(db_.get()) == 0) {
        ResetAfterUse reset(rollback_.get());
        sqlite3_step(rollback_.get());
    }
}

template <class Parse>
auto SqliteWindowStore::column_enum(sqlite3_stmt* s, int col, const char* what, Parse parse) const {
    const std::string text = column_text(s, col, what);
    const auto parsed = parse(text);
    if (!parsed) {
        fail_decode(row_label(s) + ": unknown " + what + " \"" + text + "\"");
    }
    return *parsed;
}

std::vector<Window> SqliteWindowStore::read_windows(WindowId first, WindowId last) {
    std::vector<Window> windows;
    {
        sqlite3_stmt* s = select_window_.get();
        ResetAfterUse reset(s);
        bind_int(s, 1, first);
        bind_int(s, 2, last);
        while (step_row(s, "reading a window")) {
            Window& w = windows.emplace_back();
            w.id = column_u32(s, 0, "id");
            w.status = column_status(s, 1);
            w.spec.start_usec = static_cast<Usec>(column_int(s, 2, "start_usec"));
            w.spec.end_usec = static_cast<Usec>(column_int(s, 3, "end_usec"));
            w.spec.reason = column_text(s, 4, "reason");
            w.spec.valid = column_bool(s, 5, "valid");
            w.spec.auto_complete = column_bool(s, 6, "auto_complete");
            w.spec.show_login_message = column_bool(s, 7, "show_login_message");
            w.spec.notify_lead_usec = static_cast<Usec>(column_int(s, 8, "notify_lead_usec"));
            w.created_usec = static_cast<Usec>(column_int(s, 9, "created_usec"));
            w.created_by_uid = column_u32(s, 10, "created_by_uid");
            w.started_usec = static_cast<Usec>(column_int(s, 11, "started_usec"));
            w.started_by_uid = column_u32(s, 12, "started_by_uid");
            w.finished_usec = static_cast<Usec>(column_int(s, 13, "finished_usec"));
            w.finished_by_uid = column_u32(s, 14, "finished_by_uid");
            w.steps_done = column_u32(s, 15, "steps_done");
            w.had_errors = column_bool(s, 16, "had_errors");
            w.spec.comment = column_text(s, 17, "comment");
            w.spec.login_message = column_text(s, 18, "login_message");
            w.spec.notify_message = column_text(s, 19, "notify_message");
            w.completion_note = column_text(s, 20, "completion_note");
            w.spec.max_failed_hosts = column_text(s, 21, "max_failed_hosts");
            w.flip_budget = column_text(s, 22, "flip_budget");
        }
    }
    if (windows.empty())
        return windows;
    // The rows of each list come ordered by window and position; the windows are ordered by id.
    auto owner = [&](sqlite3_stmt* s) -> Window* {
        const WindowId id = column_u32(s, 0, "window_id");
        auto it = std::lower_bound(windows.begin(), windows.end(), id,
                                   [](const Window& w, WindowId v) { return w.id < v; });
        return it != windows.end() && it->id == id ? &*it : nullptr;
    };
    auto each_row = [&](const Stmt& stmt, const char* doing, auto&& take) {
        sqlite3_stmt* s = stmt.get();
        ResetAfterUse reset(s);
        bind_int(s, 1, first);
        bind_int(s, 2, last);
        while (step_row(s, doing)) {
            if (Window* w = owner(s))
                take(*w, s);
        }
    };
    each_row(select_notify_, "reading a window's audiences", [&](Window& w, sqlite3_stmt* s) {
        w.spec.notify.push_back(column_text(s, 1, "audience"));
    });
    each_row(select_hosts_, "reading a window's hosts", [&](Window& w, sqlite3_stmt* s) {
        w.spec.hosts.push_back(column_text(s, 1, "host"));
    });
    each_row(select_prechecks_, "reading a window's precheck results",
             [&](Window& w, sqlite3_stmt* s) {
                 PrecheckResult r;
                 r.name = column_text(s, 1, "precheck name");
                 r.description = column_text(s, 2, "precheck description");
                 r.severity = column_text(s, 3, "precheck severity");
                 r.result = column_text(s, 4, "precheck result");
                 r.message = column_text(s, 5, "precheck message");
                 w.precheck_results.push_back(std::move(r));
             });
    each_row(select_log_, "reading a window's log", [&](Window& w, sqlite3_stmt* s) {
        LogEntry e;
        e.time_usec = static_cast<Usec>(column_int(s, 1, "log time_usec"));
        e.level = column_enum(s, 2, "log level", parse_log_level);
        e.message = column_text(s, 3, "log message");
        w.log.push_back(std::move(e));
    });
    std::vector<std::vector<HostResult>> results(windows.size());
    each_row(select_host_results_, "reading a window's host results",
             [&](Window& w, sqlite3_stmt* s) {
                 HostResult r;
                 r.host = column_text(s, 1, "host result's host");
                 r.result = column_enum(s, 2, "host result", parse_host_result);
                 r.message = column_text(s, 3, "host result's message");
                 r.time_usec = static_cast<Usec>(column_int(s, 4, "host result's time_usec"));
                 r.begun = column_bool(s, 5, "host result's begun");
                 results[static_cast<std::size_t>(&w - windows.data())].push_back(std::move(r));
             });
    for (std::size_t i = 0; i < windows.size(); ++i) {
        windows[i].host_progress = count_results(results[i]);
        windows[i].host_results = SharedHostResults(std::move(results[i]));
    }
    return windows;
}

std::optional<Window> SqliteWindowStore::read_window(WindowId id) {
    auto windows = read_windows(id, id);
    if (windows.empty())
        return std::nullopt;
    return std::move(windows.front());
}

// ---------------------------------------------------------------------------------------------
// The port

WindowStore::Contents SqliteWindowStore::load() {
    Contents c;
    std::vector<WindowId> unfinished;
    {
        sqlite3_stmt* s = select_summaries_.get();
        ResetAfterUse reset(s);
        while (step_row(s, "listing the windows")) {
            WindowSummary sum;
            sum.id = column_u32(s, 0, "id");
            sum.status = column_status(s, 1);
            sum.start_usec = static_cast<Usec>(column_int(s, 2, "start_usec"));
            sum.end_usec = static_cast<Usec>(column_int(s, 3, "end_usec"));
            sum.reason = column_text(s, 4, "reason");
            if (!is_final(sum.status)) {
                unfinished.push_back(sum.id);
            }
            c.summaries.push_back(std::move(sum));
        }
    }
    {
        sqlite3_stmt* s = select_last_id_.get();
        ResetAfterUse reset(s);
        if (step_row(s, "reading the last id")) {
            const auto v = sqlite3_column_int64(s, 0);
            if (v > 0 && v <= std::numeric_limits<WindowId>::max()) {
                c.last_id = static_cast<WindowId>(v);
            }
        }
    }
    if (!c.summaries.empty()) {
        c.last_id = std::max(c.last_id, c.summaries.back().id);
    }
    for (WindowId id : unfinished) {
        auto w = read_window(id);
        if (!w) {
            continue;  // cannot happen inside one connection; nothing to resume if it did
        }
        persisted_log_[id] = static_cast<std::uint32_t>(w->log.size());
        c.unfinished.push_back(std::move(*w));
    }
    return c;
}

std::optional<Window> SqliteWindowStore::get(WindowId id) {
    return read_window(id);
}

std::vector<Window> SqliteWindowStore::get_range(WindowId first, WindowId last) {
    if (first > last)
        return {};
    return read_windows(first, last);
}

std::uint32_t SqliteWindowStore::persisted_log_rows(WindowId id) {
    if (auto it = persisted_log_.find(id); it != persisted_log_.end()) {
        return it->second;
    }
    sqlite3_stmt* s = count_log_.get();
    ResetAfterUse reset(s);
    bind_int(s, 1, id);
    std::uint32_t n = 0;
    if (step_row(s, "counting a window's log")) {
        n = static_cast<std::uint32_t>(sqlite3_column_int64(s, 0));
    }
    return n;
}

void SqliteWindowStore::save(const Window& w) {
    const std::string saving = "saving window " + std::to_string(w.id);
    const char* doing = saving.c_str();
    step_done(begin_.get(), doing);
    try {
        {
            sqlite3_stmt* s = upsert_window_.get();
            ResetAfterUse reset(s);
            bind_int(s, 1, w.id);
            const auto status = to_string(w.status);
            sqlite3_bind_text(s, 2, status.data(), static_cast<int>(status.size()), SQLITE_STATIC);
            bind_int(s, 3, to_db(w.spec.start_usec));
            bind_int(s, 4, to_db(w.spec.end_usec));
            bind_text(s, 5, w.spec.reason);
            bind_int(s, 6, w.spec.valid);
            bind_int(s, 7, w.spec.auto_complete);
            bind_int(s, 8, w.spec.show_login_message);
            bind_int(s, 9, to_db(w.spec.notify_lead_usec));
            bind_int(s, 10, to_db(w.created_usec));
            bind_int(s, 11, w.created_by_uid);
            bind_int(s, 12, to_db(w.started_usec));
            bind_int(s, 13, w.started_by_uid);
            bind_int(s, 14, to_db(w.finished_usec));
            bind_int(s, 15, w.finished_by_uid);
            bind_int(s, 16, w.steps_done);
            bind_int(s, 17, w.had_errors);
            bind_text(s, 18, w.spec.comment);
            bind_text(s, 19, w.spec.login_message);
            bind_text(s, 20, w.spec.notify_message);
            bind_text(s, 21, w.completion_note);
            bind_text(s, 22, w.spec.max_failed_hosts);
            bind_text(s, 23, w.flip_budget);
            if (sqlite3_step(s) != SQLITE_DONE) {
                fail_sqlite(doing);
            }
        }
        bind_int(bump_last_id_.get(), 1, w.id);
        step_done(bump_last_id_.get(), doing);

        // The lists are short (names of audiences, hosts, checks): replaced whole.
        auto replace_list = [&](sqlite3_stmt* del, sqlite3_stmt* ins,
                                const std::vector<std::string>& items) {
            bind_int(del, 1, w.id);
            step_done(del, doing);
            for (std::size_t i = 0; i < items.size(); ++i) {
                bind_int(ins, 1, w.id);
                bind_int(ins, 2, static_cast<sqlite3_int64>(i));
                bind_text(ins, 3, items[i]);
                step_done(ins, doing);
            }
        };
        replace_list(delete_notify_.get(), insert_notify_.get(), w.spec.notify);
        replace_list(delete_hosts_.get(), insert_hosts_.get(), w.spec.hosts);

        bind_int(delete_prechecks_.get(), 1, w.id);
        step_done(delete_prechecks_.get(), doing);
        for (std::size_t i = 0; i < w.precheck_results.size(); ++i) {
            const auto& r = w.precheck_results[i];
            sqlite3_stmt* s = insert_precheck_.get();
            bind_int(s, 1, w.id);
            bind_int(s, 2, static_cast<sqlite3_int64>(i));
            bind_text(s, 3, r.name);
            bind_text(s, 4, r.description);
            bind_text(s, 5, r.severity);
            bind_text(s, 6, r.result);
            bind_text(s, 7, r.message);
            step_done(s, doing);
        }

        // The log is append-only: only entries past those on disk are written. A shorter log
        // than stored (no caller does that) truncates, so the file still mirrors the window.
        const std::uint32_t stored = persisted_log_rows(w.id);
        if (w.log.size() < stored) {
            bind_int(truncate_log_.get(), 1, w.id);
            bind_int(truncate_log_.get(), 2, static_cast<sqlite3_int64>(w.log.size()));
            step_done(truncate_log_.get(), doing);
        }
        for (std::size_t i = stored; i < w.log.size(); ++i) {
            const auto& e = w.log[i];
            sqlite3_stmt* s = insert_log_.get();
            bind_int(s, 1, w.id);
            bind_int(s, 2, static_cast<sqlite3_int64>(i));
            bind_int(s, 3, to_db(e.time_usec));
            const auto level = to_string(e.level);
            sqlite3_bind_text(s, 4, level.data(), static_cast<int>(level.size()), SQLITE_STATIC);
            bind_text(s, 5, e.message);
            step_done(s, doing);
        }
        step_done(commit_.get(), doing);
        persisted_log_[w.id] = static_cast<std::uint32_t>(w.log.size());
    } catch (...) {
        // A failed COMMIT may leave the transaction open (busy) or SQLite may have rolled it
        // back already (I/O error); either way nothing of this save must stay pending.
        rollback_if_open();
        // Whether an uncertain commit reached the disk is unknown: count again next time.
        persisted_log_.erase(w.id);
        throw;
    }
}

void SqliteWindowStore::write_host_results(WindowId id, const std::vector<HostResult>& results,
                                           const std::vector<std::uint32_t>* positions,
                                           bool replace) {
    const std::string saving = "saving the host results of window " + std::to_string(id);
    const char* doing = saving.c_str();
    try {
        step_done(begin_.get(), doing);
        if (replace) {
            bind_int(delete_host_results_.get(), 1, id);
            step_done(delete_host_results_.get(), doing);
        }
        auto write = [&](std::size_t i) {
            const HostResult& r = results[i];
            sqlite3_stmt* s = upsert_host_result_.get();
            bind_int(s, 1, id);
            bind_int(s, 2, static_cast<sqlite3_int64>(i));
            bind_text(s, 3, r.host);
            const auto result = to_string(r.result);
            sqlite3_bind_text(s, 4, result.data(), static_cast<int>(result.size()), SQLITE_STATIC);
            bind_text(s, 5, r.message);
            bind_int(s, 6, to_db(r.time_usec));
            bind_int(s, 7, r.begun);
            step_done(s, doing);
        };
        if (positions) {
            for (const auto pos : *positions) {
                if (pos < results.size())
                    write(pos);
            }
        } else {
            for (std::size_t i = 0; i < results.size(); ++i)
                write(i);
        }
        step_done(commit_.get(), doing);
    } catch (...) {
        rollback_if_open();
        throw;
    }
}

void SqliteWindowStore::replace_host_results(WindowId id, const std::vector<HostResult>& results) {
    write_host_results(id, results, nullptr, true);
}

void SqliteWindowStore::save_host_results(WindowId id, const std::vector<HostResult>& results,
                                          const std::vector<std::uint32_t>& positions) {
    if (positions.empty())
        return;
    write_host_results(id, results, &positions, false);
}

std::map<std::string, StoredHostState> SqliteWindowStore::load_host_states() {
    std::map<std::string, StoredHostState> states;
    sqlite3_stmt* s = select_host_states_.get();
    ResetAfterUse reset(s);
    while (step_row(s, "reading the host states")) {
        std::string host = column_text(s, 0, "host");
        StoredHostState st;
        st.state = column_enum(s, 1, "host state", parse_host_state);
        st.message = column_text(s, 2, "message");
        st.changed_usec = static_cast<Usec>(column_int(s, 3, "changed_usec"));
        states.emplace(std::move(host), std::move(st));
    }
    return states;
}

void SqliteWindowStore::save_host_states(const std::map<std::string, StoredHostState>& states) {
    if (states.empty())
        return;
    // One transaction, so one sync, however many hosts.
    const char* doing = "saving the host states";
    try {
        step_done(begin_.get(), doing);
        for (const auto& [host, state] : states) {
            sqlite3_stmt* s = upsert_host_state_.get();
            bind_text(s, 1, host);
            const auto name = to_string(state.state);
            sqlite3_bind_text(s, 2, name.data(), static_cast<int>(name.size()), SQLITE_STATIC);
            bind_text(s, 3, state.message);
            bind_int(s, 4, to_db(state.changed_usec));
            step_done(s, ("saving the state of host " + host).c_str());
        }
        step_done(commit_.get(), doing);
    } catch (...) {
        rollback_if_open();
        throw;
    }
}

}  // namespace maint
