// SqliteWindowStore against real files in a temporary directory: round trips, the append-only
// log, durability across kill -9, and the refusal (never the replacement) of a database it cannot
// vouch for.
#include "store/sqlite_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace maint {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << bytes;
}

// Changes a database behind the store's back, as an administrator's sqlite3 shell would.
void raw_sql(const fs::path& db, const std::string& sql) {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
    const std::string message = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(h);
    ASSERT_EQ(rc, SQLITE_OK) << message << " in " << sql;
}

sqlite3_int64 raw_int(const fs::path& db, const std::string& sql) {
    sqlite3* h = nullptr;
    sqlite3_int64 v = -1;
    if (sqlite3_open(db.c_str(), &h) == SQLITE_OK) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW) {
            v = sqlite3_column_int64(s, 0);
        }
        sqlite3_finalize(s);
    }
    sqlite3_close(h);
    return v;
}

// 65,535 bytes of three-byte characters, and 65,536 of ASCII: the contract's 64 KiB bound.
std::string big_unicode() {
    std::string s;
    for (int i = 0; i < 21845; ++i) {
        s += "€";
    }
    return s;
}

// Every field set, none to its default; lists with characters a naive encoding would trip on.
Window full_window(WindowId id) {
    Window w;
    w.id = id;
    w.status = Status::InProgress;
    w.spec.start_usec = 1'700'000'000'000'000ULL;
    w.spec.end_usec = 1'700'000'360'000'000ULL;
    w.spec.reason =
        "Kernel-Update — Ядро ✓ 🛠 \"quoted\" 'single' \\ back,comma;semi\nnewline";
    w.spec.notify = {"ops", "Ünïcödé team", "", "a,b", "\"q\"", "[1]", "x\ty"};
    w.spec.comment = std::string(65536, 'c');
    w.spec.login_message = big_unicode();
    w.spec.show_login_message = true;
    w.spec.notify_message = std::string("nul\0inside", 10);
    w.spec.notify_lead_usec = std::numeric_limits<Usec>::max();
    w.spec.hosts = {"db1.example.com", "web-02", "ホスト", " spaced "};
    w.spec.auto_complete = false;
    w.spec.valid = false;
    w.created_usec = 1;
    w.created_by_uid = std::numeric_limits<Uid>::max();
    w.started_usec = (1ULL << 63) + 5;  // above SQLite's signed range
    w.started_by_uid = 1000;
    w.finished_usec = 3;
    w.finished_by_uid = 4;
    w.completion_note = "done ✓";
    w.precheck_results = {{"disk", "Free space on /", "error", "pass", "42 % free"},
                          {"backup", "Letzte Sicherung", "warning", "fail", ""}};
    w.log = {{10, LogLevel::Info, "Scheduled by root"},
             {11, LogLevel::Warning, "ワーニング"},
             {12, LogLevel::Error, std::string(65536, 'e')}};
    w.steps_done = kStepUpcomingAnnounced | kStepHostsEntered | kStepSessionsEnded |
                   kStepStartAnnounced | kStepFinishAnnounced;
    w.had_errors = true;
    w.spec.max_failed_hosts = "2.5%";
    w.flip_budget = "10";
    return w;
}

Window simple_window(WindowId id, Status status, std::size_t log_rows = 1) {
    Window w;
    w.id = id;
    w.status = status;
    w.spec.start_usec = 1000 * id;
    w.spec.end_usec = 1000 * id + 500;
    w.spec.reason = "window " + std::to_string(id);
    w.spec.hosts = {"h1", "h2"};
    w.spec.notify = {"ops"};
    for (std::size_t i = 0; i < log_rows; ++i) {
        w.log.push_back({1000 * id + i, LogLevel::Info, "entry " + std::to_string(i)});
    }
    return w;
}

class StoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string templ = (fs::temp_directory_path() / "store_test.XXXXXX").string();
        ASSERT_NE(::mkdtemp(templ.data()), nullptr);
        root_ = templ;
        dir_ = root_ / "state";
        db_ = dir_ / "windows.db";
    }
    void TearDown() override {
        std::error_code ec;
        fs::permissions(db_, fs::perms::owner_all, ec);
        fs::remove_all(root_, ec);
    }

    // The message of the StoreError that opening the store throws; "" if it opened.
    std::string open_error() {
        try {
            SqliteWindowStore store(dir_);
        } catch (const StoreError& e) {
            return e.what();
        }
        return "";
    }

    // A valid database with a few windows, closed.
    void make_database(int windows = 3) {
        SqliteWindowStore store(dir_);
        for (int i = 1; i <= windows; ++i) {
            store.save(simple_window(i, Status::Completed, 3));
        }
    }

    fs::path root_, dir_, db_;
};

// ---------------------------------------------------------------------------------------------
// Host results (schema version 2)

TEST_F(StoreTest, HostResultsAreSavedApartAndReadBackWithTheWindow) {
    Window w = simple_window(1, Status::InProgress);
    std::vector<HostResult> rows;
    for (int i = 0; i < 1000; ++i)
        rows.push_back({"node" + std::to_string(i), HostResultKind::Pending, "", 0, false});
    {
        SqliteWindowStore store(dir_);
        store.save(w);
        store.replace_host_results(1, rows);
        rows[3] = {"node3", HostResultKind::Failed, "ssh: timeout \u2713", 77, true};
        rows[999] = {"node999", HostResultKind::Already, "was drained", 78, true};
        rows[5].begun = true;
        store.save_host_results(1, rows, {3, 5, 999});
        // A window saved again keeps its results: save() does not touch them.
        w.log.push_back({2, LogLevel::Info, "more"});
        store.save(w);
    }
    SqliteWindowStore store(dir_);
    const auto got = store.get(1);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->host_results.get(), rows);
    EXPECT_EQ(got->host_progress, (HostProgress{1000, 1, 1, 0, 998}));
    const auto loaded = store.load();
    ASSERT_EQ(loaded.unfinished.size(), 1u);
    EXPECT_EQ(loaded.unfinished[0].host_results.get(), rows);
    // Replacing drops rows beyond the new list.
    rows.resize(10);
    store.replace_host_results(1, rows);
    EXPECT_EQ(store.get(1)->host_results.get(), rows);
}

TEST_F(StoreTest, AnUnknownHostResultIsRefusedNamingTheWindow) {
    {
        SqliteWindowStore store(dir_);
        store.save(simple_window(4, Status::InProgress));
        store.replace_host_results(4, {{"a", HostResultKind::Pending, "", 0, false}});
    }
    raw_sql(db_, "UPDATE window_host_results SET result = 'drained'");
    SqliteWindowStore store(dir_);
    try {
        (void)store.get(4);
        FAIL() << "read";
    } catch (const StoreError& e) {
        EXPECT_THAT(e.what(), HasSubstr("window 4: unknown host result \"drained\""));
    }
}

TEST_F(StoreTest, AVersion1DatabaseIsUpgradedKeepingItsWindows) {
    make_database(3);
    // Back to what 0.1 wrote: no budgets, no host results.
    raw_sql(db_,
            "DROP TABLE window_host_results; ALTER TABLE windows DROP COLUMN max_failed_hosts; "
            "ALTER TABLE windows DROP COLUMN flip_budget; PRAGMA user_version = 1");
    SqliteWindowStore store(dir_);
    EXPECT_EQ(raw_int(db_, "PRAGMA user_version"), 2);
    const auto c = store.load();
    ASSERT_EQ(c.summaries.size(), 3u);
    const auto w = store.get(2);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->spec.reason, "window 2");
    EXPECT_EQ(w->spec.max_failed_hosts, "");
    EXPECT_TRUE(w->host_results.get().empty());
    store.replace_host_results(2, {{"h1", HostResultKind::Maintenance, "ok", 1, true}});
    EXPECT_EQ(store.get(2)->host_progress.in_maintenance, 1u);
}

// ---------------------------------------------------------------------------------------------
// Round trips

TEST_F(StoreTest, CreatesDirectoryPrivateAndEmptyDatabase) {
    dir_ = root_ / "a" / "b" / "state";
    db_ = dir_ / "windows.db";
    SqliteWindowStore store(dir_);
    struct stat st {};
    ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    EXPECT_TRUE(fs::is_regular_file(db_));
    const auto c = store.load();
    EXPECT_TRUE(c.summaries.empty());
    EXPECT_TRUE(c.unfinished.empty());
    EXPECT_EQ(c.last_id, 0u);
    EXPECT_TRUE(store.load_host_states().empty());
    EXPECT_EQ(raw_int(db_, "PRAGMA user_version"), SqliteWindowStore::kSchemaVersion);
    EXPECT_EQ(raw_int(db_, "PRAGMA application_id"), SqliteWindowStore::kApplicationId);
}

TEST_F(StoreTest, RoundTripsEveryFieldInSessionAndAfterReopen) {
    const Window a = full_window(1);
    // The complement: defaults, empty lists, empty strings where `a` has text.
    Window b;
    b.id = 2;
    b.status = Status::Scheduled;
    b.spec.comment = "";
    b.spec.login_message = "x";
    {
        SqliteWindowStore store(dir_);
        store.save(a);
        store.save(b);
        EXPECT_EQ(store.get(1), a);
        EXPECT_EQ(store.get(2), b);
    }
    SqliteWindowStore store(dir_);
    const auto got = store.get(1);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->spec, a.spec);
    EXPECT_EQ(got->log, a.log);
    EXPECT_EQ(got->precheck_results, a.precheck_results);
    EXPECT_EQ(*got, a);
    EXPECT_EQ(store.get(2), b);
    const auto c = store.load();
    ASSERT_EQ(c.unfinished.size(), 2u);
    EXPECT_EQ(c.unfinished[0], a);
    EXPECT_EQ(c.unfinished[1], b);
}

TEST_F(StoreTest, PrecheckResultsAndListsAreReplacedOnSave) {
    SqliteWindowStore store(dir_);
    Window w = full_window(1);
    store.save(w);
    w.precheck_results = {{"only", "the last run", "error", "fail", "no"}};
    w.spec.hosts = {"h9"};
    w.spec.notify.clear();
    store.save(w);
    EXPECT_EQ(store.get(1), w);
    w.precheck_results.clear();
    store.save(w);
    EXPECT_EQ(store.get(1), w);
}

TEST_F(StoreTest, GetOfUnknownIdIsNothing) {
    SqliteWindowStore store(dir_);
    EXPECT_EQ(store.get(1), std::nullopt);
    store.save(simple_window(1, Status::Scheduled));
    EXPECT_EQ(store.get(2), std::nullopt);
    EXPECT_EQ(store.get(0), std::nullopt);
    EXPECT_EQ(store.get(std::numeric_limits<WindowId>::max()), std::nullopt);
}

TEST_F(StoreTest, ARangeReadGivesEachWindowWholeAsGetDoes) {
    SqliteWindowStore store(dir_);
    // Windows with lists and logs of different lengths, and gaps between their ids, so that
    // rows of one window's lists cannot be taken for another's.
    for (WindowId id : {2u, 3u, 5u, 9u}) {
        Window w = full_window(id);
        w.spec.notify.resize(id % 4);
        w.spec.hosts.resize(id % 3);
        w.log.resize(id % 4);
        w.precheck_results.resize(id % 2 ? 2 : 0);
        store.save(w);
    }
    const auto all = store.get_range(1, 100);
    ASSERT_EQ(all.size(), 4u);
    std::vector<WindowId> ids;
    for (const auto& w : all) {
        ids.push_back(w.id);
        EXPECT_EQ(std::optional<Window>(w), store.get(w.id)) << "window " << w.id;
    }
    EXPECT_EQ(ids, (std::vector<WindowId>{2, 3, 5, 9}));
    const auto middle = store.get_range(3, 5);
    ASSERT_EQ(middle.size(), 2u);
    EXPECT_EQ(middle[0].id, 3u);
    EXPECT_EQ(middle[1].id, 5u);
    EXPECT_TRUE(store.get_range(6, 8).empty());
    EXPECT_TRUE(store.get_range(9, 2).empty()) << "first after last";
}

TEST_F(StoreTest, LoadGivesSummariesInIdOrderUnfinishedInFullAndLastId) {
    {
        SqliteWindowStore store(dir_);
        store.save(simple_window(5, Status::Completed));
        store.save(simple_window(2, Status::Cancelled));
        store.save(simple_window(9, Status::Scheduled, 4));
        store.save(simple_window(7, Status::InProgress, 2));
        store.save(simple_window(3, Status::CompletedWithErrors));
        store.save(simple_window(4, Status::Failed));
    }
    SqliteWindowStore store(dir_);
    const auto c = store.load();
    const std::vector<WindowSummary> want{
        summarize(simple_window(2, Status::Cancelled)),
        summarize(simple_window(3, Status::CompletedWithErrors)),
        summarize(simple_window(4, Status::Failed)),
        summarize(simple_window(5, Status::Completed)),
        summarize(simple_window(7, Status::InProgress)),
        summarize(simple_window(9, Status::Scheduled)),
    };
    EXPECT_EQ(c.summaries, want);
    ASSERT_EQ(c.unfinished.size(), 2u);
    EXPECT_EQ(c.unfinished[0], simple_window(7, Status::InProgress, 2));
    EXPECT_EQ(c.unfinished[1], simple_window(9, Status::Scheduled, 4));
    EXPECT_EQ(c.last_id, 9u);
}

TEST_F(StoreTest, LastIdIsTheHighestEverStoredEvenIfRowsWerePruned) {
    make_database(4);
    raw_sql(db_,
            "DELETE FROM window_log WHERE window_id = 4; DELETE FROM window_notify WHERE "
            "window_id = 4; DELETE FROM window_hosts WHERE window_id = 4; DELETE FROM windows "
            "WHERE id = 4;");
    SqliteWindowStore store(dir_);
    const auto c = store.load();
    EXPECT_EQ(c.summaries.size(), 3u);
    EXPECT_EQ(c.last_id, 4u);
}

// ---------------------------------------------------------------------------------------------
// The append-only log

TEST_F(StoreTest, LogGrowsAcrossAThousandSavesWithoutRewritingRows) {
    SqliteWindowStore store(dir_);
    Window w = simple_window(1, Status::InProgress, 0);
    Window other = simple_window(2, Status::Scheduled, 0);
    for (int i = 0; i < 1000; ++i) {
        w.log.push_back({static_cast<Usec>(i), static_cast<LogLevel>(i % 3),
                         "step " + std::to_string(i) + " ✓"});
        store.save(w);
        if (i % 100 == 0) {  // interleaved with another window's log
            other.log.push_back({static_cast<Usec>(i), LogLevel::Info, "other"});
            store.save(other);
        }
    }
    EXPECT_EQ(store.get(1), w);
    EXPECT_EQ(store.get(2), other);
    // Every row was inserted once: a rewrite would have produced ~500,000 rowids.
    EXPECT_EQ(raw_int(db_, "SELECT count(*) FROM window_log"), 1010);
    EXPECT_EQ(raw_int(db_, "SELECT max(rowid) FROM window_log"), 1010);
}

TEST_F(StoreTest, EntriesOnDiskAreNeverRewritten) {
    SqliteWindowStore store(dir_);
    Window w = simple_window(1, Status::InProgress, 2);
    store.save(w);
    Window changed = w;
    changed.log[0].message = "rewritten history";
    changed.log.push_back({99, LogLevel::Error, "new"});
    store.save(changed);
    const auto got = store.get(1);
    ASSERT_TRUE(got.has_value());
    ASSERT_EQ(got->log.size(), 3u);
    EXPECT_EQ(got->log[0], w.log[0]);
    EXPECT_EQ(got->log[2], changed.log[2]);
}

TEST_F(StoreTest, LogAppendsAcrossReopenWithAndWithoutLoad) {
    Window w = simple_window(1, Status::InProgress, 3);
    Window done = simple_window(2, Status::Completed, 2);
    {
        SqliteWindowStore store(dir_);
        store.save(w);
        store.save(done);
    }
    {
        SqliteWindowStore store(dir_);  // no load(): the count comes from the file
        w.log.push_back({50, LogLevel::Warning, "after reopen"});
        store.save(w);
        done.log.push_back({51, LogLevel::Info, "finished notices sent"});
        store.save(done);
    }
    {
        SqliteWindowStore store(dir_);
        auto c = store.load();
        ASSERT_EQ(c.unfinished.size(), 1u);
        EXPECT_EQ(c.unfinished[0], w);
        w.log.push_back({60, LogLevel::Error, "after load"});
        store.save(w);
    }
    SqliteWindowStore store(dir_);
    EXPECT_EQ(store.get(1), w);
    EXPECT_EQ(store.get(2), done);
}

TEST_F(StoreTest, ShorterLogTruncatesSoTheFileMirrorsTheWindow) {
    SqliteWindowStore store(dir_);
    Window w = simple_window(1, Status::InProgress, 5);
    store.save(w);
    w.log.resize(2);
    store.save(w);
    EXPECT_EQ(store.get(1), w);
    w.log.push_back({7, LogLevel::Info, "again"});
    store.save(w);
    EXPECT_EQ(store.get(1), w);
}

TEST_F(StoreTest, FailedSaveLeavesNothingBehindAndTheNextSaveIsComplete) {
    SqliteWindowStore store(dir_);
    Window w = simple_window(1, Status::Scheduled, 1);
    store.save(w);
    // Make the second log row's insert fail in the middle of the transaction.
    raw_sql(db_,
            "CREATE TRIGGER boom BEFORE INSERT ON window_log WHEN NEW.message = 'boom' "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
    Window next = w;
    next.status = Status::InProgress;
    next.spec.reason = "changed";
    next.log.push_back({2, LogLevel::Info, "fine"});
    next.log.push_back({3, LogLevel::Info, "boom"});
    try {
        store.save(next);
        FAIL() << "save() did not throw";
    } catch (const StoreError& e) {
        EXPECT_THAT(e.what(), HasSubstr(db_.string()));
        EXPECT_THAT(e.what(), HasSubstr("saving window 1"));
        EXPECT_THAT(e.what(), HasSubstr("injected failure"));
    }
    EXPECT_EQ(store.get(1), w);  // not half of `next`
    raw_sql(db_, "DROP TRIGGER boom");
    store.save(next);
    EXPECT_EQ(store.get(1), next);
}

// ---------------------------------------------------------------------------------------------
// Host states

TEST_F(StoreTest, HostStatesRoundTripAndUpdate) {
    std::map<std::string, StoredHostState> want{
        {"db1", {HostState::Maintenance, "entered for window 3", 17}},
        {"ホスト", {HostState::Unknown, "", 0}},
        {"web", {HostState::Normal, big_unicode(), std::numeric_limits<Usec>::max()}},
    };
    {
        SqliteWindowStore store(dir_);
        store.save_host_states({{"db1", {HostState::Normal, "first", 1}}});
        store.save_host_states({});  // nothing to do, and no transaction left open
        store.save_host_states(want);
        EXPECT_EQ(store.load_host_states(), want);
    }
    SqliteWindowStore store(dir_);
    EXPECT_EQ(store.load_host_states(), want);
}

// ---------------------------------------------------------------------------------------------
// Durability

// A child saves windows and reports each id only after save() returned, then is killed with
// SIGKILL in the middle of its work: every reported window must be there after reopening.
TEST_F(StoreTest, EverySavedWindowSurvivesKillMinus9) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(fds[0]);
        try {
            SqliteWindowStore store(dir_);
            for (WindowId id = 1;; ++id) {
                Window w = full_window(id);
                w.log.push_back({id, LogLevel::Info, "saved"});
                store.save(w);
                if (::write(fds[1], &id, sizeof id) != sizeof id) {
                    ::_exit(2);
                }
            }
        } catch (...) {
            ::_exit(3);
        }
    }
    ::close(fds[1]);
    WindowId acknowledged = 0;
    for (WindowId id; acknowledged < 20 && ::read(fds[0], &id, sizeof id) == sizeof id;) {
        acknowledged = id;
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child ended by itself, status " << status;
    ASSERT_EQ(acknowledged, 20u);

    SqliteWindowStore store(dir_);
    const auto c = store.load();
    ASSERT_GE(c.last_id, acknowledged);
    for (WindowId id = 1; id <= acknowledged; ++id) {
        Window w = full_window(id);
        w.log.push_back({id, LogLevel::Info, "saved"});
        EXPECT_EQ(store.get(id), w) << "window " << id;
    }
}

// ---------------------------------------------------------------------------------------------
// Refusals: the message names the file and what to do, and the file is left as it was.

TEST_F(StoreTest, RefusesAFileThatIsNotADatabase) {
    fs::create_directories(dir_);
    std::string garbage;
    for (int i = 0; i < 200; ++i) {
        garbage += "this is not an SQLite database, line " + std::to_string(i) + "\n";
    }
    write_bytes(db_, garbage);
    const std::string message = open_error();
    EXPECT_THAT(message, HasSubstr(db_.string()));
    EXPECT_THAT(message, HasSubstr("is not a maintenanced database"));
    EXPECT_THAT(message, HasSubstr("move it aside"));
    EXPECT_EQ(read_bytes(db_), garbage);
}

TEST_F(StoreTest, RefusesATruncatedDatabase) {
    make_database(300);
    const auto full = read_bytes(db_);
    ASSERT_GT(full.size(), 16u * 4096u);
    const std::string half = full.substr(0, full.size() / 2);
    write_bytes(db_, half);
    const std::string message = open_error();
    EXPECT_THAT(message, HasSubstr(db_.string()));
    EXPECT_THAT(message, HasSubstr("damaged"));
    EXPECT_THAT(message, HasSubstr("restore it from a backup"));
    EXPECT_EQ(read_bytes(db_), half);
}

TEST_F(StoreTest, RefusesADatabaseWithADamagedPage) {
    make_database(300);
    // The root of the log's b-tree: an interior page whose cell pointers follow its header.
    const auto page = raw_int(db_, "SELECT rootpage FROM sqlite_master WHERE name = 'window_log'");
    const auto page_size = raw_int(db_, "PRAGMA page_size");
    ASSERT_GT(page, 1);
    ASSERT_GT(page_size, 0);
    std::string bytes = read_bytes(db_);
    const auto offset = static_cast<std::size_t>((page - 1) * page_size + 12);
    ASSERT_GT(bytes.size(), offset + 64);
    bytes.replace(offset, 64, 64, '\xff');
    write_bytes(db_, bytes);
    const std::string message = open_error();
    EXPECT_THAT(message, HasSubstr(db_.string()));
    EXPECT_THAT(message, HasSubstr("is damaged"));
    EXPECT_THAT(message, HasSubstr("restore it from a backup"));
    EXPECT_EQ(read_bytes(db_), bytes);
}

TEST_F(StoreTest, RefusesADatabaseOfANewerSchema) {
    make_database();
    raw_sql(db_, "PRAGMA user_version = 3");
    const auto before = read_bytes(db_);
    const std::string message = open_error();
    EXPECT_THAT(message, HasSubstr(db_.string()));
    EXPECT_THAT(message,
                HasSubstr("newer maintenanced (schema version 3; this one knows up to 2)"));
    EXPECT_EQ(read_bytes(db_), before);
}

TEST_F(StoreTest, RefusesADatabaseOfAnotherApplication) {
    make_database();
    raw_sql(db_, "PRAGMA application_id = 1234");
    auto before = read_bytes(db_);
    std::string message = open_error();
    EXPECT_THAT(message, HasSubstr(db_.string()));
    EXPECT_THAT(message, HasSubstr("not a maintenanced database"));
    EXPECT_THAT(message, HasSubstr("application_id 0x000004d2"));
    EXPECT_EQ(read_bytes(db_), before);

    fs::remove(db_);
    raw_sql(db_, "CREATE TABLE photos (id INTEGER PRIMARY KEY, jpeg BLOB)");
    before = read_bytes(db_);
    message = open_error();
    EXPECT_THAT(message, HasSubstr(db_.string()));
    EXPECT_THAT(message, HasSubstr("not a maintenanced database"));
    EXPECT_EQ(read_bytes(db_), before);
}

TEST_F(StoreTest, RefusesASchemaWithATableMissing) {
    make_database();
    raw_sql(db_, "DROP TABLE window_log");
    const auto before = read_bytes(db_);
    const std::string message = open_error();
    EXPECT_THAT(message, HasSubstr(db_.string()));
    EXPECT_THAT(message, HasSubstr("table window_log is missing"));
    EXPECT_EQ(read_bytes(db_), before);
}

TEST_F(StoreTest, RefusesASchemaWithAColumnMissing) {
    make_database();
    raw_sql(db_, "ALTER TABLE windows DROP COLUMN completion_note");
    const auto before = read_bytes(db_);
    const std::string message = open_error();
    EXPECT_THAT(message, HasSubstr(db_.string()));
    EXPECT_THAT(message, HasSubstr("completion_note"));
    EXPECT_EQ(read_bytes(db_), before);
}

TEST_F(StoreTest, RefusesADirectoryWhereTheDatabaseShouldBe) {
    fs::create_directories(db_);
    const std::string message = open_error();
    EXPECT_THAT(message, HasSubstr(db_.string()));
    EXPECT_THAT(message, HasSubstr("is a directory"));
    EXPECT_TRUE(fs::is_directory(db_));
    EXPECT_TRUE(fs::is_empty(db_));
}

TEST_F(StoreTest, RefusesAStateDirectoryThatIsAFile) {
    write_bytes(dir_, "not a directory");
    const std::string message = open_error();
    EXPECT_THAT(message, HasSubstr(dir_.string()));
    EXPECT_THAT(message, HasSubstr("is not a directory"));
    EXPECT_EQ(read_bytes(dir_), "not a directory");
}

TEST_F(StoreTest, RefusesAnUnreadableOrReadOnlyFile) {
    if (::geteuid() == 0) {
        GTEST_SKIP() << "root reads and writes any file";
    }
    make_database();
    const auto before = read_bytes(db_);
    fs::permissions(db_, fs::perms::none);
    std::string message = open_error();
    EXPECT_THAT(message, HasSubstr(db_.string()));
    EXPECT_THAT(message, HasSubstr("cannot be read and written"));
    fs::permissions(db_, fs::perms::owner_read);
    message = open_error();
    EXPECT_THAT(message, HasSubstr(db_.string()));
    EXPECT_THAT(message, HasSubstr("read-only"));
    fs::permissions(db_, fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(read_bytes(db_), before);
}

TEST_F(StoreTest, AnEmptyFileBecomesANewDatabase) {
    fs::create_directories(dir_);
    write_bytes(db_, "");
    SqliteWindowStore store(dir_);
    store.save(simple_window(1, Status::Scheduled));
    EXPECT_EQ(store.load().summaries.size(), 1u);
}

TEST_F(StoreTest, RefusesRowsThatDoNotDecode) {
    make_database(3);
    raw_sql(db_, "UPDATE windows SET status = 'paused' WHERE id = 2");
    {
        SqliteWindowStore store(dir_);
        try {
            store.load();
            FAIL() << "load() accepted an unknown status";
        } catch (const StoreError& e) {
            EXPECT_THAT(e.what(), HasSubstr(db_.string()));
            EXPECT_THAT(e.what(), HasSubstr("window 2: unknown status \"paused\""));
        }
        EXPECT_THROW(store.get(2), StoreError);
        EXPECT_TRUE(store.get(1).has_value());
    }
    raw_sql(db_,
            "UPDATE windows SET status = 'completed' WHERE id = 2;"
            "UPDATE window_log SET level = 'debug' WHERE window_id = 3 AND seq = 1;");
    {
        SqliteWindowStore store(dir_);
        EXPECT_EQ(store.load().summaries.size(), 3u);  // summaries do not read the log
        try {
            store.get(3);
            FAIL() << "get() accepted an unknown log level";
        } catch (const StoreError& e) {
            EXPECT_THAT(e.what(), HasSubstr(db_.string()));
            EXPECT_THAT(e.what(), HasSubstr("window 3: unknown log level \"debug\""));
        }
    }
    raw_sql(db_,
            "UPDATE window_log SET level = 'info';"
            "UPDATE windows SET start_usec = 'soon' WHERE id = 1;"
            "INSERT INTO host_states VALUES ('db1', 'sleeping', '', 0);");
    SqliteWindowStore store(dir_);
    try {
        store.load();
        FAIL() << "load() accepted a text start time";
    } catch (const StoreError& e) {
        EXPECT_THAT(e.what(), HasSubstr("window 1: start_usec is not an integer"));
    }
    try {
        store.load_host_states();
        FAIL() << "load_host_states() accepted an unknown state";
    } catch (const StoreError& e) {
        EXPECT_THAT(e.what(), HasSubstr(db_.string()));
        EXPECT_THAT(e.what(), HasSubstr("host \"db1\": unknown host state \"sleeping\""));
    }
}

// ---------------------------------------------------------------------------------------------
// Scale: not an assertion on time, a number to watch.

TEST_F(StoreTest, LoadOfTenThousandWindowsIsTimed) {
    constexpr int kWindows = 10000;
    make_database(0);
    // Filled in one transaction behind the store's back: 10,000 fsynced saves would time the
    // disk, not load().
    {
        sqlite3* h = nullptr;
        ASSERT_EQ(sqlite3_open(db_.c_str(), &h), SQLITE_OK);
        sqlite3_exec(h, "BEGIN", nullptr, nullptr, nullptr);
        std::string sql;
        for (int id = 1; id <= kWindows; ++id) {
            const char* status = id > kWindows - 2 ? "scheduled" : "completed";
            sql = "INSERT INTO windows VALUES (" + std::to_string(id) + ", '" + status + "', " +
                  std::to_string(id * 1000) + ", " + std::to_string(id * 1000 + 500) +
                  ", 'Patch day " + std::to_string(id) +
                  "', 1, 1, 0, 0, 1, 0, 2, 0, 3, 0, 31, 0, 'a comment', '', '', 'done', '', '');"
                  "INSERT INTO window_notify VALUES (" +
                  std::to_string(id) + ", 0, 'ops');INSERT INTO window_hosts VALUES (" +
                  std::to_string(id) + ", 0, 'db1');";
            for (int i = 0; i < 4; ++i) {
                sql += "INSERT INTO window_log VALUES (" + std::to_string(id) + ", " +
                       std::to_string(i) + ", " + std::to_string(id * 1000 + i) +
                       ", 'info', 'Host db1 entered maintenance mode for this window');";
            }
            ASSERT_EQ(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
                << sqlite3_errmsg(h);
        }
        sqlite3_exec(h, "UPDATE meta SET value = 10000 WHERE key = 'last_id'; COMMIT", nullptr,
                     nullptr, nullptr);
        sqlite3_close(h);
    }
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    SqliteWindowStore store(dir_);
    const auto t1 = Clock::now();
    const auto c = store.load();
    const auto t2 = Clock::now();
    EXPECT_EQ(c.summaries.size(), static_cast<std::size_t>(kWindows));
    EXPECT_EQ(c.unfinished.size(), 2u);
    EXPECT_EQ(c.last_id, static_cast<WindowId>(kWindows));
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    std::printf(
        "[   TIME   ] 10,000 windows (%.1f MB file): open + checks %.1f ms, load() %.1f ms, "
        "SQLite heap %.0f KiB\n",
        static_cast<double>(fs::file_size(db_)) / 1e6, ms(t1 - t0), ms(t2 - t1),
        static_cast<double>(sqlite3_memory_used()) / 1024.0);
}

}  // namespace
}  // namespace maint
