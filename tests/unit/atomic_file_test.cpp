// The one atomic file writer (daemon/system/atomic_file), which the motd banner and the login
// state file that pam_maintenance.so trusts both use: the whole content, the mode whatever the
// umask, a symlink at the target replaced rather than followed, and on failure the target as it
// was, no temporary file left, and an error naming the file.
#include "system/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace maint {
namespace {

class AtomicFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/maint-atomic-test.XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        old_umask_ = ::umask(0077);
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
    std::size_t entries() const {
        return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir_),
                                                      std::filesystem::directory_iterator()));
    }

    std::filesystem::path dir_;
    mode_t old_umask_ = 0;
};

TEST_F(AtomicFileTest, WritesTheWholeContentWithItsModeWhateverTheUmask) {
    const std::string big(1 << 20, 'x');
    replace_file_atomically(dir_ / "state", big + "end\n");
    EXPECT_EQ(read(dir_ / "state"), big + "end\n");
    struct stat st {};
    ASSERT_EQ(::stat((dir_ / "state").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
    replace_file_atomically(dir_ / "state", "second\n", {0600, true});
    EXPECT_EQ(read(dir_ / "state"), "second\n");
    ASSERT_EQ(::stat((dir_ / "state").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    EXPECT_EQ(entries(), 1u) << "a temporary file was left behind";
}

TEST_F(AtomicFileTest, ReplacesASymlinkAtTheTargetInsteadOfWritingThroughIt) {
    std::ofstream(dir_ / "victim") << "keep me\n";
    std::filesystem::create_symlink(dir_ / "victim", dir_ / "state");
    replace_file_atomically(dir_ / "state", "new\n");
    EXPECT_EQ(read(dir_ / "victim"), "keep me\n");
    EXPECT_FALSE(std::filesystem::is_symlink(dir_ / "state"));
    EXPECT_EQ(read(dir_ / "state"), "new\n");
}

TEST_F(AtomicFileTest, AFailureLeavesTheTargetAsItWasAndNoTemporaryFile) {
    // A directory at the target: the rename fails after everything was written.
    std::filesystem::create_directory(dir_ / "state");
    std::ofstream(dir_ / "state" / "inside") << "untouched\n";
    try {
        replace_file_atomically(dir_ / "state", "new\n");
        FAIL() << "replaced a directory";
    } catch (const AtomicFileError& e) {
        EXPECT_NE(std::string(e.what()).find((dir_ / "state").string()), std::string::npos)
            << e.what();
        EXPECT_NE(e.error(), 0);
    }
    EXPECT_EQ(read(dir_ / "state" / "inside"), "untouched\n");
    EXPECT_EQ(entries(), 1u) << "a temporary file was left behind";
}

TEST_F(AtomicFileTest, AMissingDirectoryIsAnErrorNamingIt) {
    try {
        replace_file_atomically(dir_ / "none" / "state", "x");
        FAIL() << "wrote into a missing directory";
    } catch (const AtomicFileError& e) {
        EXPECT_NE(std::string(e.what()).find((dir_ / "none").string()), std::string::npos);
        EXPECT_EQ(e.error(), ENOENT);
    }
}

}  // namespace
}  // namespace maint
