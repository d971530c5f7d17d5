// The WindowStore port on SQLite: <state directory>/windows.db, one transaction per save,
// committed to disk before save() returns. A database this code cannot vouch for is refused with
// a StoreError saying which file, what is wrong and what to do; it is never replaced.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/ports.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace maint {

class SqliteWindowStore final : public WindowStore {
  public:
    // The schema version this code writes (PRAGMA user_version); older databases are migrated
    // up to it, newer ones are refused.
    static constexpr int kSchemaVersion = 2;
    // PRAGMA application_id ("MNTD"): tells our database apart from any other SQLite file.
    static constexpr std::int32_t kApplicationId = 0x4d4e5444;
    static constexpr const char* kFileName = "windows.db";

    // Opens <state_directory>/windows.db, creating the directory (mode 0700) and the database if
    // missing, and checks it. Throws StoreError if it cannot be used.
    explicit SqliteWindowStore(const std::filesystem::path& state_directory);
    ~SqliteWindowStore() override;
    SqliteWindowStore(const SqliteWindowStore&) = delete;
    SqliteWindowStore& operator=(const SqliteWindowStore&) = delete;

    Contents load() override;
    std::optional<Window> get(WindowId id) override;
    std::vector<Window> get_range(WindowId first, WindowId last) override;
    void save(const Window& w) override;
    std::map<std::string, StoredHostState> load_host_states() override;
    void save_host_states(const std::map<std::string, StoredHostState>& states) override;
    void replace_host_results(WindowId id, const std::vector<HostResult>& results) override;
    void save_host_results(WindowId id, const std::vector<HostResult>& results,
                           const std::vector<std::uint32_t>& positions) override;

    const std::filesystem::path& path() const { return path_; }

  private:
    struct DbCloser {
        void operator()(sqlite3* db) const;
    };
    struct StmtFinalizer {
        void operator()(sqlite3_stmt* s) const;
    };
    using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

    void open_file(const std::filesystem::path& state_directory);
    void inspect_and_migrate();
    void check_schema();
    void prepare_statements();
    void exec(const char* sql, const char* doing);
    Stmt prepare(const char* sql);
    bool step_row(sqlite3_stmt* s, const char* doing);
    void step_done(sqlite3_stmt* s, const char* doing);
    std::optional<Window> read_window(WindowId id);
    // The windows with ids first..last, ascending: one query per table, not one per window.
    std::vector<Window> read_windows(WindowId first, WindowId last);
    std::uint32_t persisted_log_rows(WindowId id);
    // All rows (positions null) or those at `positions`, in one transaction; `replace` deletes
    // the window's rows first.
    void write_host_results(WindowId id, const std::vector<HostResult>& results,
                            const std::vector<std::uint32_t>* positions, bool replace);
    [[noreturn]] void fail(const std::string& what, const std::string& todo) const;
    [[noreturn]] void fail_sqlite(const std::string& doing) const;
    [[noreturn]] void fail_decode(const std::string& what) const;

    // Column readers that refuse a value of the wrong type or out of range.
    std::int64_t column_int(sqlite3_stmt* s, int col, const char* what) const;
    std::uint32_t column_u32(sqlite3_stmt* s, int col, const char* what) const;
    bool column_bool(sqlite3_stmt* s, int col, const char* what) const;
    std::string column_text(sqlite3_stmt* s, int col, const char* what) const;
    Status column_status(sqlite3_stmt* s, int col) const;
    // A text column naming one of an enum's values; anything else is refused, naming the row.
    template <class Parse>
    auto column_enum(sqlite3_stmt* s, int col, const char* what, Parse parse) const;
    void rollback_if_open();

    std::filesystem::path path_;
    // Declared before the statements so that it is closed after they are finalized.
    std::unique_ptr<sqlite3, DbCloser> db_;

    // Every statement, prepared once when the store opens.
    Stmt begin_, commit_, rollback_;
    Stmt upsert_window_, bump_last_id_, select_last_id_;
    Stmt delete_notify_, insert_notify_, delete_hosts_, insert_hosts_;
    Stmt delete_prechecks_, insert_precheck_;
    Stmt insert_log_, truncate_log_, count_log_;
    Stmt select_summaries_, select_window_, select_notify_, select_hosts_, select_prechecks_,
        select_log_;
    Stmt upsert_host_state_, select_host_states_;
    Stmt select_host_results_, delete_host_results_, upsert_host_result_;

    // How many log rows of a window are on disk, for the windows saved or loaded in full since
    // the store was opened: save() then inserts only the entries past that count instead of
    // rewriting a log that grows with every change. A window not in the map is counted once.
    std::unordered_map<WindowId, std::uint32_t> persisted_log_;
};

}  // namespace maint
