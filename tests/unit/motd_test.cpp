// The motd file: written whole (no temporary files left), mode 0644 under the service's umask
// 0077, its directory made when missing, replaced and removed; a path that cannot be written is
// a MotdError naming the file.
#include "system/motd.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace maint {
namespace {

class MotdTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/maint-motd-test.XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        old_umask_ = ::umask(0077);  // as the service runs
    }
    void TearDown() override {
        ::umask(old_umask_);
        std::filesystem::remove_all(dir_);
    }
    static std::string read(const std::filesystem::path& p) {
        std::ifstream in(p);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    static unsigned mode_of(const std::filesystem::path& p) {
        struct stat st {};
        ::stat(p.c_str(), &st);
        return st.st_mode & 07777;
    }

    std::filesystem::path dir_;
    mode_t old_umask_ = 0;
};

TEST_F(MotdTest, ShowWritesTheFileWorldReadableAndReplacesIt) {
    const MotdFile motd(dir_ / "motd.d" / "maintenanced");
    motd.show("Maintenance is scheduled.\n");
    EXPECT_EQ(read(motd.path()), "Maintenance is scheduled.\n");
    EXPECT_EQ(mode_of(motd.path()), 0644u);
    EXPECT_EQ(mode_of(dir_ / "motd.d"), 0755u);
    motd.show("System is under maintenance!\n");
    EXPECT_EQ(read(motd.path()), "System is under maintenance!\n");
    EXPECT_EQ(mode_of(motd.path()), 0644u);
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_ / "motd.d"))
        ++files;
    EXPECT_EQ(files, 1u) << "a temporary file was left behind";
}

TEST_F(MotdTest, ClearRemovesItAndNoFileIsFine) {
    const MotdFile motd(dir_ / "maintenanced");
    motd.show("x\n");
    motd.clear();
    EXPECT_FALSE(std::filesystem::exists(motd.path()));
    EXPECT_NO_THROW(motd.clear());
}

TEST_F(MotdTest, AnUnwritablePlaceIsAnErrorNamingTheFile) {
    std::ofstream(dir_ / "not-a-dir") << "x";
    const MotdFile motd(dir_ / "not-a-dir" / "maintenanced");
    try {
        motd.show("x\n");
        FAIL() << "no error";
    } catch (const MotdError& e) {
        EXPECT_NE(std::string(e.what()).find((dir_ / "not-a-dir").string()), std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("Not a directory"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace maint
