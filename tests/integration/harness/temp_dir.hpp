// A directory under $TMPDIR (or /tmp) that exists for the lifetime of one object and is removed
// with everything in it when the object goes, also when a test fails half-way.
#pragma once

#include <filesystem>
#include <string>

namespace maint::it {

class TempDir {
  public:
    // Creates "<TMPDIR>/<prefix>XXXXXX" with mode `mode` (0700 by default; a private bus's
    // directory needs 0755 so that an unprivileged caller can reach the socket).
    explicit TempDir(const std::string& prefix = "maint-it.", unsigned mode = 0700);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    // A subdirectory, created (with parents) when missing.
    std::filesystem::path subdir(const std::string& name, unsigned mode = 0700) const;

  private:
    std::filesystem::path path_;
};

// Whole-file helpers for tests.
std::string read_file(const std::filesystem::path& file);
void write_file(const std::filesystem::path& file, const std::string& contents);

}  // namespace maint::it
