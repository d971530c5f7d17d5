// Fills a state directory with finished windows of history, written by the daemon's own store
// (SqliteWindowStore::save), so the file is exactly what the daemon itself would have written.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>

#include "core/window.hpp"

namespace maint::bench {

// Names the seeded windows use; the daemon's configuration must declare them.
inline constexpr const char* kSeedHost = "testhost";
inline constexpr const char* kSeedAudience = "ops";

// Finished window `id` of `count`: one a day going back from yesterday (id `count` is the
// newest), with a reason, comment, messages, a precheck result and a log of a few lines.
Window history_window(WindowId id, std::size_t count, Usec now);

struct SeedReport {
    std::chrono::duration<double> elapsed{};  // saving, copying and checking
    std::string where;                        // how it was written, for the report
    std::uintmax_t database_bytes = 0;
};

// Writes windows 1..count into <state_dir>/windows.db (which must not exist yet) and checks
// that the store loads them back. Throws SetupError or StoreError.
SeedReport seed_history(const std::filesystem::path& state_dir, std::size_t count);

}  // namespace maint::bench
