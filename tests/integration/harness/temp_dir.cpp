// See temp_dir.hpp.
#include "harness/temp_dir.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace maint::it {

TempDir::TempDir(const std::string& prefix, unsigned mode) {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + prefix + "XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
        throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
    }
    path_ = buf.data();
    ::chmod(path_.c_str(), mode);
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::subdir(const std::string& name, unsigned mode) const {
    const auto dir = path_ / name;
    std::error_code ec;
    if (std::filesystem::create_directories(dir, ec))
        ::chmod(dir.c_str(), mode);
    if (ec)
        throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
    return dir;
}

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::filesystem::path& file, const std::string& contents) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << contents;
    out.close();
    if (!out)
        throw std::runtime_error("cannot write " + file.string());
}

}  // namespace maint::it
