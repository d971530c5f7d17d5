// The message of the day: one file in /run/motd.d that pam_motd shows at login, holding the
// upcoming notice before a window or the in-progress banner during it, and gone otherwise.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace maint {

inline constexpr const char* kMotdFile = "/run/motd.d/maintenanced";

// A motd file that could not be written or removed; what() names the file and the reason.
class MotdError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class MotdFile {
  public:
    explicit MotdFile(std::filesystem::path path = kMotdFile) : path_(std::move(path)) {}
    const std::filesystem::path& path() const { return path_; }
    // Replaces the file's content atomically (a temporary file in the same directory, renamed
    // over it), mode 0644 whatever the umask (the service runs with UMask=0077, and pam_motd
    // reads as the user logging in). The directory is made (0755) when missing. Throws MotdError.
    void show(const std::string& text) const;
    // Removes the file; no file is fine. Throws MotdError.
    void clear() const;

  private:
    std::filesystem::path path_;
};

}  // namespace maint
