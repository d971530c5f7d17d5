// Replacing a file so that a reader sees the old content or the new, never half of either: a
// temporary file made with mkostemp in the same directory (O_EXCL, so no link is followed),
// written in full (EINTR retried), given its mode whatever the umask, closed with its errors
// checked, renamed over the target. On any failure the temporary file is removed, the target is
// untouched, and AtomicFileError names the file and the reason. The motd banner and the login
// state file that pam_maintenance.so trusts are written with it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace maint {

class AtomicFileError : public std::runtime_error {
  public:
    AtomicFileError(const std::string& what, int error) : std::runtime_error(what), error_(error) {}
    int error() const noexcept { return error_; }  // the errno

  private:
    int error_;
};

struct AtomicFileOptions {
    mode_t mode = 0644;
    // fsync the file before the rename and the directory after it (a file on disk that must
    // survive a power cut; not needed under /run).
    bool durable = false;
};

// The directory must exist. Throws AtomicFileError.
void replace_file_atomically(const std::filesystem::path& path, std::string_view content,
                             AtomicFileOptions options = AtomicFileOptions());

}  // namespace maint
