// See motd.hpp.
#include "system/motd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

    std::string tmp = (dir / ("." + path_.filename().string() + ".XXXXXX")).string();
    const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
    if (fd < 0)
        fail("create a file in", dir, errno);
    auto give_up = [&](const std::string& what) {
        const int e = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        fail(what, tmp, e);
    };
    if (::fchmod(fd, 0644) < 0)
        give_up("set the mode of");
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            give_up("write");
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) < 0) {
        const int e = errno;
        ::unlink(tmp.c_str());
        fail("write", tmp, e);
    }
    if (::rename(tmp.c_str(), path_.c_str()) < 0) {
        const int e = errno;
        ::unlink(tmp.c_str());
        fail("replace", path_, e);
    }
}

void MotdFile::clear() const {
    if (::unlink(path_.c_str()) < 0 && errno != ENOENT)
        fail("remove", path_, errno);
}

}  // namespace maint
