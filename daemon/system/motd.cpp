// See motd.hpp.
#include "system/motd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "system/atomic_file.hpp"

namespace maint {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path, int error) {
    throw MotdError("could not " + what + " " + path.string() + ": " + std::strerror(error));
}

}  // namespace

void MotdFile::show(const std::string& text) const {
    const auto dir = path_.parent_path();
    if (::mkdir(dir.c_str(), 0755) == 0)
        ::chmod(dir.c_str(), 0755);  // the umask took bits away
    else if (errno != EEXIST)
        fail("make the directory", dir, errno);

    try {
        replace_file_atomically(path_, text);
    } catch (const AtomicFileError& e) {
        throw MotdError(e.what());
    }
}

void MotdFile::clear() const {
    if (::unlink(path_.c_str()) < 0 && errno != ENOENT)
        fail("remove", path_, errno);
}

}  // namespace maint
