// See atomic_file.hpp.
#include "system/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace maint {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path, int error) {
    throw AtomicFileError("could not " + what + " " + path.string() + ": " + std::strerror(error),
                          error);
}

}  // namespace

void replace_file_atomically(const std::filesystem::path& path, std::string_view content,
                             AtomicFileOptions options) {
    const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    std::string tmp = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
    const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
    if (fd < 0)
        fail("create a file in", dir, errno);
    auto give_up = [&](const std::string& what) {
        const int e = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        fail(what, tmp, e);
    };
    if (::fchmod(fd, options.mode) < 0)
        give_up("set the mode of");
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            give_up("write");
        done += static_cast<std::size_t>(n);
    }
    if (options.durable && ::fsync(fd) < 0)
        give_up("flush");
    // A close that fails may have lost what was written (NFS, a full disk): not renamed then.
    if (::close(fd) < 0) {
        const int e = errno;
        ::unlink(tmp.c_str());
        fail("write", tmp, e);
    }
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        const int e = errno;
        ::unlink(tmp.c_str());
        fail("replace", path, e);
    }
    if (options.durable) {
        const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            ::fsync(dfd);
            ::close(dfd);
        }
    }
}

}  // namespace maint
