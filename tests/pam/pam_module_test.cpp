// pam_maintenance.so against the real libpam and real NSS users, two ways:
//  - Direct: the module's pam_sm_acct_mgmt, found with dlsym() and called on a real PAM handle, for
//    its exact return codes (PAM_IGNORE and PAM_SUCCESS look the same through a stack).
//  - Stack: pam_acct_mgmt() on a service file shaped like Debian's common-account with the line
//    pam-auth-update writes for pam-configs/maintenance, for what a login actually gets.
// Every run also collects what the conversation showed and what went to syslog (pam_run.hpp).
#include <dlfcn.h>
#include <fcntl.h>
#include <security/pam_appl.h>
#include <security/pam_modules.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "pam_run.hpp"
#include "pam_test_users.hpp"

namespace maint::pamtest {
namespace {

namespace fs = std::filesystem;

using AcctMgmt = int (*)(pam_handle_t*, int, int, const char**);

constexpr const char* kUnknownUser = "pam_nosuchuser";
constexpr const char* kDefaultLine = "System is under maintenance; only administrators may log in.";

// The file as the daemon writes it (the format of pam_maintenance(8)).
constexpr const char* kActiveState =
    R"(# maintenanced: a maintenance window is in progress (read by pam_maintenance.so)
WINDOW_ID=7
END_USEC=1764115199000000
ADMIN_GROUPS=sudo wheel pam_maintadm
SHOW_LOGIN_MESSAGE=yes
LOGIN_MESSAGE=System under maintenance until 03:00.\nPlease come back later.\nNotes: \\\\fs01\\maint
)";
constexpr const char* kActiveMessage =
    "System under maintenance until 03:00.\nPlease come back later.\nNotes: \\\\fs01\\maint";

std::string window_state(const std::string& admin_groups_line, const std::string& show_line,
                         const std::string& message_line) {
    return "WINDOW_ID=12\nEND_USEC=1764115199000000\n" + admin_groups_line + "\n" + show_line +
           "\n" + message_line + "\n";
}

const char* rc_name(int rc) {
    switch (rc) {
        case PAM_SUCCESS:
            return "PAM_SUCCESS";
        case PAM_IGNORE:
            return "PAM_IGNORE";
        case PAM_PERM_DENIED:
            return "PAM_PERM_DENIED";
        case PAM_USER_UNKNOWN:
            return "PAM_USER_UNKNOWN";
        case PAM_AUTH_ERR:
            return "PAM_AUTH_ERR";
        case PAM_SYSTEM_ERR:
            return "PAM_SYSTEM_ERR";
        default:
            return "another code";
    }
}

std::string describe(const PamOutcome& o) {
    std::ostringstream s;
    s << "rc " << o.rc << " (" << rc_name(o.rc) << ")";
    if (!o.error.empty())
        s << "; error: " << o.error;
    for (const auto& m : o.shown)
        s << "\n  shown (style " << m.style << "): " << m.text;
    for (const auto& l : o.logged)
        s << "\n  logged (priority " << l.priority << "): " << l.text;
    if (!o.logs_captured)
        s << "\n  (syslog not captured: " << o.capture_problem << ")";
    return s.str();
}

// Whether a line of that priority containing every one of `needles` went to syslog. Without a
// capture (no mount namespaces) it cannot be checked and counts as found.
::testing::AssertionResult logged(const PamOutcome& o, int priority,
                                  const std::vector<std::string>& needles) {
    if (!o.logs_captured)
        return ::testing::AssertionSuccess() << "not checked";
    for (const auto& l : o.logged) {
        if (l.priority != priority || l.facility != LOG_AUTHPRIV)
            continue;
        bool all = true;
        for (const auto& n : needles)
            all = all && l.text.find(n) != std::string::npos;
        if (all)
            return ::testing::AssertionSuccess();
    }
    std::string want;
    for (const auto& n : needles)
        want += " \"" + n + "\"";
    return ::testing::AssertionFailure()
           << "no line of priority " << priority << " with" << want << " in:\n"
           << describe(o);
}

bool logged_at(const PamOutcome& o, int priority) {
    for (const auto& l : o.logged) {
        if (l.priority == priority)
            return true;
    }
    return false;
}

// dlopen()ed once in the test process, before any child is forked.
AcctMgmt module_entry(std::string& error) {
    static void* handle = ::dlopen(MAINT_PAM_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
    static std::string open_error = handle ? "" : ::dlerror();
    if (!handle) {
        error = open_error;
        return nullptr;
    }
    auto* fn = reinterpret_cast<AcctMgmt>(::dlsym(handle, "pam_sm_acct_mgmt"));
    if (!fn)
        error = "pam_sm_acct_mgmt not exported";
    return fn;
}

std::string run_capturing(const std::string& command) {
    std::string out;
    FILE* p = ::popen(command.c_str(), "r");
    if (!p)
        return out;
    std::array<char, 512> buf;
    while (size_t n = std::fread(buf.data(), 1, buf.size(), p))
        out.append(buf.data(), n);
    ::pclose(p);
    return out;
}

class PamModule : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::geteuid() != 0)
            GTEST_SKIP() << "needs root: the tests create users with useradd and write "
                            "root-owned state files";
        if (auto why = ensure_test_users())
            GTEST_SKIP() << *why;
        std::string error;
        entry_ = module_entry(error);
        ASSERT_NE(entry_, nullptr) << MAINT_PAM_MODULE_PATH << ": " << error;

        char tmpl[] = "/tmp/maint-pam.XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        state_ = dir_ / "active";
        confdir_ = dir_ / "pam.d";
        fs::create_directory(confdir_);
        const std::string module_line =
            std::string(MAINT_PAM_MODULE_PATH) + " state=" + state_.string() + "\n";
        write_file(confdir_ / "maint-direct", "account required pam_permit.so\n");
        // libpam reads "other" along with every service, and logs an error without it.
        write_file(confdir_ / "other", "account required pam_deny.so\n");
        // /etc/pam.d/common-account of Debian 12 as pam-auth-update writes it once
        // pam-configs/maintenance is enabled, with the module named by its build path.
        write_file(confdir_ / "maint-common-account",
                   "account\t[success=1 new_authtok_reqd=done default=ignore]\tpam_unix.so\n"
                   "account\trequisite\t\t\tpam_deny.so\n"
                   "account\trequired\t\t\tpam_permit.so\n"
                   "account\trequired\t" +
                       module_line);
        write_file(confdir_ / "maint-alone", "account required " + module_line);
    }

    void TearDown() override {
        if (!dir_.empty()) {
            std::error_code ec;
            fs::remove_all(dir_, ec);
        }
    }

    static void write_file(const fs::path& path, const std::string& text) {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << text;
        ASSERT_TRUE(out.flush()) << path;
    }

    // Writes the state file as the daemon does (a temporary file renamed into place), then gives
    // it the owner and mode the test asks for.
    void write_state(const std::string& text, mode_t mode = 0644, uid_t uid = 0, gid_t gid = 0) {
        const fs::path tmp = dir_ / ".active.new";
        write_file(tmp, text);
        ASSERT_EQ(::chown(tmp.c_str(), uid, gid), 0);
        ASSERT_EQ(::chmod(tmp.c_str(), mode), 0);
        fs::rename(tmp, state_);
    }

    std::string state_arg() const { return "state=" + state_.string(); }

    // pam_sm_acct_mgmt itself, on a handle of a real PAM service, with the given arguments.
    PamOutcome direct(const char* user, std::vector<std::string> args = {}, int flags = 0) {
        if (args.empty())
            args.push_back(state_arg());
        const AcctMgmt fn = entry_;
        auto o = run_pam(confdir_, "maint-direct", user, [&](pam_handle_t* pamh) {
            std::vector<const char*> argv;
            for (const auto& a : args)
                argv.push_back(a.c_str());
            return fn(pamh, flags, static_cast<int>(argv.size()), argv.data());
        });
        EXPECT_EQ(o.error, "") << describe(o);
        return o;
    }

    // A whole account stack, through pam_acct_mgmt().
    PamOutcome stack(const char* user, const std::string& service = "maint-common-account") {
        auto o = run_pam(confdir_, service, user,
                         [](pam_handle_t* pamh) { return ::pam_acct_mgmt(pamh, 0); });
        EXPECT_EQ(o.error, "") << describe(o);
        return o;
    }

    AcctMgmt entry_ = nullptr;
    fs::path dir_, state_, confdir_;
};

const std::vector<const char*> kEveryone = {"root", kSupplementaryAdmin, kPrimaryAdmin, kPlainUser,
                                            kUnknownUser};
const std::vector<const char*> kAdmins = {"root", kSupplementaryAdmin, kPrimaryAdmin};

// ---- no window ------------------------------------------------------------------------------

TEST_F(PamModule, NoStateFileIgnoresEveryone) {
    for (const char* user : kEveryone) {
        SCOPED_TRACE(user);
        const auto o = direct(user, {state_arg(), "debug"});
        EXPECT_EQ(o.rc, PAM_IGNORE) << describe(o);
        EXPECT_TRUE(o.shown.empty()) << describe(o);
        EXPECT_TRUE(logged(o, LOG_DEBUG, {"no maintenance window in progress", state_.string()}));
        EXPECT_FALSE(logged_at(o, LOG_ERR)) << describe(o);
    }
}

TEST_F(PamModule, MissingStateDirectoryMeansNoWindow) {
    const auto o = direct(kPlainUser, {"state=" + (dir_ / "no-such-dir" / "active").string()});
    EXPECT_EQ(o.rc, PAM_IGNORE) << describe(o);
    EXPECT_FALSE(logged_at(o, LOG_ERR)) << describe(o);
}

// ---- a window in progress -------------------------------------------------------------------

TEST_F(PamModule, RefusesAPlainUserAndShowsTheLoginMessage) {
    write_state(kActiveState);
    const auto o = direct(kPlainUser);
    EXPECT_EQ(o.rc, PAM_PERM_DENIED) << describe(o);
    ASSERT_EQ(o.shown.size(), 1u) << describe(o);
    EXPECT_EQ(o.shown[0].style, PAM_ERROR_MSG);
    EXPECT_EQ(o.shown[0].text, kActiveMessage);
    EXPECT_TRUE(logged(o, LOG_NOTICE, {"refused user pam_user", "maintenance window 7"}));
}

TEST_F(PamModule, AdminsThroughSupplementaryOrPrimaryGroupAndRootPass) {
    write_state(kActiveState);
    for (const char* user : kAdmins) {
        SCOPED_TRACE(user);
        const auto o = direct(user);
        EXPECT_EQ(o.rc, PAM_IGNORE) << describe(o);
        EXPECT_TRUE(o.shown.empty()) << describe(o);
        EXPECT_FALSE(logged_at(o, LOG_NOTICE)) << describe(o);
    }
}

TEST_F(PamModule, DebugSaysWhyAnAdminPasses) {
    write_state(kActiveState);
    auto o = direct(kSupplementaryAdmin, {state_arg(), "debug"});
    EXPECT_EQ(o.rc, PAM_IGNORE) << describe(o);
    EXPECT_TRUE(logged(o, LOG_DEBUG, {"pam_admin is an admin: member of group pam_maintadm"}));
    o = direct(kPrimaryAdmin, {state_arg(), "debug"});
    EXPECT_TRUE(logged(o, LOG_DEBUG, {"pam_primary is an admin: member of group pam_maintadm"}));
    o = direct("root", {state_arg(), "debug"});
    EXPECT_TRUE(logged(o, LOG_DEBUG, {"root has uid 0"}));
}

TEST_F(PamModule, OnlyRootIsAnAdminWithoutAdminGroups) {
    write_state("WINDOW_ID=3\nSHOW_LOGIN_MESSAGE=yes\nLOGIN_MESSAGE=Back at 5.\n");
    EXPECT_EQ(direct("root").rc, PAM_IGNORE);
    for (const char* user : {kSupplementaryAdmin, kPrimaryAdmin, kPlainUser}) {
        SCOPED_TRACE(user);
        const auto o = direct(user);
        EXPECT_EQ(o.rc, PAM_PERM_DENIED) << describe(o);
        ASSERT_EQ(o.shown.size(), 1u) << describe(o);
        EXPECT_EQ(o.shown[0].text, "Back at 5.");
    }
}

TEST_F(PamModule, AnAdminGroupThatDoesNotExistIsSkipped) {
    write_state(window_state("ADMIN_GROUPS=pam_no_such_group  pam_maintadm",
                             "SHOW_LOGIN_MESSAGE=no", "LOGIN_MESSAGE="));
    EXPECT_EQ(direct(kSupplementaryAdmin).rc, PAM_IGNORE);
    EXPECT_EQ(direct(kPlainUser).rc, PAM_PERM_DENIED);

    write_state(
        window_state("ADMIN_GROUPS=pam_no_such_group", "SHOW_LOGIN_MESSAGE=no", "LOGIN_MESSAGE="));
    const auto o = direct(kSupplementaryAdmin);
    EXPECT_EQ(o.rc, PAM_PERM_DENIED) << describe(o);
    EXPECT_FALSE(logged_at(o, LOG_ERR)) << describe(o);
}

TEST_F(PamModule, ShowLoginMessageNoRefusesWithoutAWord) {
    write_state(window_state("ADMIN_GROUPS=pam_maintadm", "SHOW_LOGIN_MESSAGE=no",
                             "LOGIN_MESSAGE=Not to be shown."));
    const auto o = direct(kPlainUser);
    EXPECT_EQ(o.rc, PAM_PERM_DENIED) << describe(o);
    EXPECT_TRUE(o.shown.empty()) << describe(o);
    EXPECT_TRUE(logged(o, LOG_NOTICE, {"refused user pam_user", "maintenance window 12"}));
}

TEST_F(PamModule, AnEmptyLoginMessageShowsTheStandardLine) {
    write_state(
        window_state("ADMIN_GROUPS=pam_maintadm", "SHOW_LOGIN_MESSAGE=yes", "LOGIN_MESSAGE="));
    const auto o = direct(kPlainUser);
    EXPECT_EQ(o.rc, PAM_PERM_DENIED) << describe(o);
    ASSERT_EQ(o.shown.size(), 1u) << describe(o);
    EXPECT_EQ(o.shown[0].style, PAM_ERROR_MSG);
    EXPECT_EQ(o.shown[0].text, kDefaultLine);
}

TEST_F(PamModule, WithoutShowLoginMessageTheMessageIsShown) {
    write_state("WINDOW_ID=4\nADMIN_GROUPS=pam_maintadm\n");
    const auto o = direct(kPlainUser);
    EXPECT_EQ(o.rc, PAM_PERM_DENIED) << describe(o);
    ASSERT_EQ(o.shown.size(), 1u) << describe(o);
    EXPECT_EQ(o.shown[0].text, kDefaultLine);
}

TEST_F(PamModule, PamSilentRefusesWithoutAWord) {
    write_state(kActiveState);
    const auto o = direct(kPlainUser, {}, PAM_SILENT);
    EXPECT_EQ(o.rc, PAM_PERM_DENIED) << describe(o);
    EXPECT_TRUE(o.shown.empty()) << describe(o);
}

TEST_F(PamModule, AUserUnknownToNssIsRefusedAsUnknown) {
    write_state(kActiveState);
    const auto o = direct(kUnknownUser);
    EXPECT_EQ(o.rc, PAM_USER_UNKNOWN) << describe(o);
    EXPECT_TRUE(o.shown.empty()) << describe(o);
    EXPECT_TRUE(logged(o, LOG_NOTICE, {"refused unknown user pam_nosuchuser", "window 7"}));
}

TEST_F(PamModule, NoUserNameIsRefusedAsUnknown) {
    write_state(kActiveState);
    const auto o = direct(nullptr);
    EXPECT_EQ(o.rc, PAM_USER_UNKNOWN) << describe(o);
    EXPECT_TRUE(logged(o, LOG_ERR, {"no user name"}));
}

TEST_F(PamModule, UnknownKeysCommentsAndBlankLinesAreIgnored) {
    write_state(
        "# written by a newer maintenanced\n\nFUTURE_KEY=a value = with equals\nLOGIN_MESSAGE=Hi "
        "there\n# another comment\nADMIN_GROUPS=\tpam_maintadm\t\nWINDOW_ID=99\nX_2=\n");
    auto o = direct(kPlainUser);
    EXPECT_EQ(o.rc, PAM_PERM_DENIED) << describe(o);
    ASSERT_EQ(o.shown.size(), 1u) << describe(o);
    EXPECT_EQ(o.shown[0].text, "Hi there");
    o = direct(kSupplementaryAdmin);
    EXPECT_EQ(o.rc, PAM_IGNORE) << describe(o);
}

// ---- a state file the module cannot trust or read: logged, ignored -----------------------------

TEST_F(PamModule, UntrustedStateFilesAreLoggedAndIgnored) {
    struct Case {
        const char* what;
        mode_t mode;
        uid_t uid;
        gid_t gid;
        const char* reason;
    };
    for (const Case& c : {Case{"world-writable", 0666, 0, 0, "writable by everyone"},
                          Case{"owned by nobody", 0644, 65534, 0, "not owned by root"},
                          Case{"writable by group 100", 0664, 0, 100, "writable by a group"},
                          Case{"writable by group root", 0664, 0, 0, "writable by a group"}}) {
        SCOPED_TRACE(c.what);
        write_state(kActiveState, c.mode, c.uid, c.gid);
        const auto o = direct(kPlainUser);
        EXPECT_EQ(o.rc, PAM_IGNORE) << describe(o);
        EXPECT_TRUE(o.shown.empty()) << describe(o);
        EXPECT_TRUE(logged(o, LOG_ERR, {state_.string(), "is not trusted", c.reason}));
    }
}

TEST_F(PamModule, RootOnlyStateFilesAreTrusted) {
    for (mode_t mode : {mode_t{0644}, mode_t{0600}, mode_t{0444}}) {
        SCOPED_TRACE(mode);
        write_state(kActiveState, mode);
        EXPECT_EQ(direct(kPlainUser).rc, PAM_PERM_DENIED);
    }
}

// Security review, issue 12: the state file is opened without following a symbolic link, in a
// directory only root can write.
TEST_F(PamModule, ASymbolicLinkAsStateFileIsLoggedAndIgnored) {
    const fs::path real = dir_ / "elsewhere";
    write_file(real, kActiveState);
    ASSERT_EQ(::chmod(real.c_str(), 0644), 0);
    fs::create_symlink(real, state_);
    const auto o = direct(kPlainUser);
    EXPECT_EQ(o.rc, PAM_IGNORE) << describe(o);
    EXPECT_TRUE(o.shown.empty()) << describe(o);
    EXPECT_TRUE(logged(o, LOG_ERR, {state_.string(), "symbolic link"}));
}

TEST_F(PamModule, AStateDirectoryOthersCanWriteIsLoggedAndIgnored) {
    write_state(kActiveState);
    for (mode_t mode : {mode_t{0777}, mode_t{0775}, mode_t{01777}}) {
        SCOPED_TRACE(mode);
        ASSERT_EQ(::chmod(dir_.c_str(), mode), 0);
        const auto o = direct(kPlainUser);
        EXPECT_EQ(o.rc, PAM_IGNORE) << describe(o);
        EXPECT_TRUE(logged(o, LOG_ERR, {"directory " + dir_.string(), "is not trusted"}));
    }
    ASSERT_EQ(::chmod(dir_.c_str(), 0700), 0);
    EXPECT_EQ(direct(kPlainUser).rc, PAM_PERM_DENIED);
}

TEST_F(PamModule, TheLoginMessageCarriesNoTerminalControls) {
    // C1 CSI as UTF-8 (U+009B), RIGHT-TO-LEFT OVERRIDE U+202E, FIRST STRONG ISOLATE U+2068, and
    // a raw ESC: none may reach the user's terminal.
    write_state(window_state("ADMIN_GROUPS=pam_maintadm", "SHOW_LOGIN_MESSAGE=yes",
                             "LOGIN_MESSAGE=Back \xc2\x9b"
                             "31mat 5\xe2\x80\xae evil\xe2\x81\xa8 \x1b[2Jok \xc3\xa9t\xc3\xa9"));
    const auto o = direct(kPlainUser);
    EXPECT_EQ(o.rc, PAM_PERM_DENIED) << describe(o);
    ASSERT_EQ(o.shown.size(), 1u) << describe(o);
    EXPECT_EQ(o.shown[0].text, "Back 31mat 5 evil [2Jok \xc3\xa9t\xc3\xa9");
}

TEST_F(PamModule, AStateFileOver64KiBIsLoggedAndIgnored) {
    const std::string valid = kActiveState;
    std::string padded = valid + "#" + std::string(64 * 1024 - valid.size() - 2, 'x') + "\n";
    ASSERT_EQ(padded.size(), 64u * 1024);
    write_state(padded);
    EXPECT_EQ(direct(kPlainUser).rc, PAM_PERM_DENIED) << "exactly 64 KiB is still read";

    write_state(padded + "\n");
    const auto o = direct(kPlainUser);
    EXPECT_EQ(o.rc, PAM_IGNORE) << describe(o);
    EXPECT_TRUE(logged(o, LOG_ERR, {state_.string(), "larger than 64 KiB"}));

    write_state(valid + "#" + std::string(8 * 1024 * 1024, 'x') + "\n");
    EXPECT_EQ(direct(kPlainUser).rc, PAM_IGNORE);
}

TEST_F(PamModule, AStateFileThatIsNotARegularFileIsLoggedAndIgnored) {
    fs::create_directory(state_);
    auto o = direct(kPlainUser);
    EXPECT_EQ(o.rc, PAM_IGNORE) << describe(o);
    EXPECT_TRUE(logged(o, LOG_ERR, {state_.string(), "not a regular file"}));
    fs::remove(state_);

    // A FIFO nobody writes to must not hang the login.
    ASSERT_EQ(::mkfifo(state_.c_str(), 0644), 0);
    o = direct(kPlainUser);
    EXPECT_EQ(o.rc, PAM_IGNORE) << describe(o);
    EXPECT_TRUE(logged(o, LOG_ERR, {state_.string(), "not a regular file"}));
}

TEST_F(PamModule, AStateFileThatCannotBeOpenedIsLoggedAndIgnored) {
    write_file(dir_ / "plain-file", "WINDOW_ID=1\n");
    const std::string path = (dir_ / "plain-file" / "active").string();
    const auto o = direct(kPlainUser, {"state=" + path});
    EXPECT_EQ(o.rc, PAM_IGNORE) << describe(o);
    EXPECT_TRUE(logged(o, LOG_ERR, {"cannot open the state file " + path, "Not a directory"}));
}

TEST_F(PamModule, MalformedStateFilesAreLoggedAndIgnored) {
    struct Case {
        std::string text;
        const char* reason;
    };
    const std::vector<Case> cases = {
        {"", "no WINDOW_ID"},
        {"# only a comment\n", "no WINDOW_ID"},
        {"garbage\n", "line 1 is not KEY=VALUE"},
        {"WINDOW_ID=7\nADMIN_GROUPS pam_maintadm\n", "line 2 is not KEY=VALUE"},
        {"WINDOW_ID=seven\n", "WINDOW_ID is not a number"},
        {"WINDOW_ID=\n", "WINDOW_ID is not a number"},
        {"WINDOW_ID=123456789012345678901\n", "WINDOW_ID is not a number"},
        {"WINDOW_ID=7\nEND_USEC=soon\n", "END_USEC is not a number"},
        {"WINDOW_ID=7\nWINDOW_ID=8\n", "WINDOW_ID is given twice"},
        {"WINDOW_ID=7\nSHOW_LOGIN_MESSAGE=no\nSHOW_LOGIN_MESSAGE=no\n",
         "SHOW_LOGIN_MESSAGE is given twice"},
        {"WINDOW_ID=7\nSHOW_LOGIN_MESSAGE=maybe\n", "neither yes nor no"},
        {"WINDOW_ID=7\nLOGIN_MESSAGE=tab\\there\n", "unknown escape \\t"},
        {"WINDOW_ID=7\nLOGIN_MESSAGE=ends in \\\n", "lone backslash"},
        {" WINDOW_ID=7\n", "is not a key"},
        {"window_id=7\n", "is not a key"},
        {"=7\n", "is not a key"},
        {std::string("WINDOW_ID=7\n\0\n", 14), "NUL byte"},
        {std::string("\x7f"
                     "ELF\x02\x01\x01\x00\x00\x00",
                     10),
         "NUL byte"},
        {"\x89PNG\r\n\x1a\n", "line 1 is not KEY=VALUE"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.text));
        write_state(c.text);
        const auto o = direct(kPlainUser);
        EXPECT_EQ(o.rc, PAM_IGNORE) << describe(o);
        EXPECT_TRUE(o.shown.empty()) << describe(o);
        EXPECT_TRUE(
            logged(o, LOG_ERR, {"the state file " + state_.string() + " is malformed", c.reason}));
    }
}

// ---- arguments ------------------------------------------------------------------------------

TEST_F(PamModule, AnUnknownArgumentIsLoggedAndIgnored) {
    write_state(kActiveState);
    const auto o = direct(kPlainUser, {"frobnicate", state_arg()});
    EXPECT_EQ(o.rc, PAM_PERM_DENIED) << describe(o);
    EXPECT_TRUE(logged(o, LOG_ERR, {"unknown option frobnicate"}));
}

TEST_F(PamModule, ARelativeStatePathIsLoggedAndTheDefaultUsed) {
    const auto o = direct(kPlainUser, {"state=relative/active"});
    EXPECT_TRUE(
        logged(o, LOG_ERR, {"state=relative/active", "absolute path", "/run/maintenanced/active"}));
}

// ---- the shared object ------------------------------------------------------------------------

TEST_F(PamModule, ExportsOnlyPamSmAcctMgmt) {
    const std::string out =
        run_capturing(std::string(MAINT_NM) + " -D --defined-only " + MAINT_PAM_MODULE_PATH);
    std::set<std::string> exported;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::string address, type, name;
        if (words >> address >> type >> name)
            exported.insert(name);
    }
    EXPECT_EQ(exported, std::set<std::string>{"pam_sm_acct_mgmt"}) << out;
}

TEST_F(PamModule, NeedsNothingButLibpamAndLibc) {
    const std::string out =
        run_capturing(std::string(MAINT_READELF) + " -d " + MAINT_PAM_MODULE_PATH);
    std::set<std::string> needed;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
        const auto open = line.find("(NEEDED)");
        const auto lib = line.find('[');
        if (open == std::string::npos || lib == std::string::npos)
            continue;
        const std::string name = line.substr(lib + 1, line.find(']', lib) - lib - 1);
        // The sanitizers' runtimes, in a -DMAINT_SANITIZE=ON build only.
        if (name.rfind("libasan", 0) != 0 && name.rfind("libubsan", 0) != 0)
            needed.insert(name);
    }
    EXPECT_EQ(needed, (std::set<std::string>{"libpam.so.0", "libc.so.6"})) << out;
}

// ---- through a real account stack -----------------------------------------------------------

TEST_F(PamModule, CommonAccountStackAdmitsEveryoneWithoutAWindow) {
    for (const char* user : {"root", kSupplementaryAdmin, kPrimaryAdmin, kPlainUser}) {
        SCOPED_TRACE(user);
        const auto o = stack(user);
        EXPECT_EQ(o.rc, PAM_SUCCESS) << describe(o);
        EXPECT_TRUE(o.shown.empty()) << describe(o);
    }
}

TEST_F(PamModule, CommonAccountStackKeepsAPlainUserOutDuringAWindow) {
    write_state(kActiveState);
    const auto o = stack(kPlainUser);
    EXPECT_EQ(o.rc, PAM_PERM_DENIED) << describe(o);
    ASSERT_EQ(o.shown.size(), 1u) << describe(o);
    EXPECT_EQ(o.shown[0].style, PAM_ERROR_MSG);
    EXPECT_EQ(o.shown[0].text, kActiveMessage);
    EXPECT_TRUE(logged(o, LOG_NOTICE,
                       {"pam_maintenance(maint-common-account:account): refused user pam_user",
                        "maintenance window 7"}));
}

TEST_F(PamModule, CommonAccountStackAdmitsAdminsDuringAWindow) {
    write_state(kActiveState);
    for (const char* user : kAdmins) {
        SCOPED_TRACE(user);
        const auto o = stack(user);
        EXPECT_EQ(o.rc, PAM_SUCCESS) << describe(o);
        EXPECT_TRUE(o.shown.empty()) << describe(o);
    }
}

TEST_F(PamModule, CommonAccountStackAdmitsEveryoneWhenTheStateFileIsCorrupt) {
    write_state("\x01\x02 not a state file\n");
    const auto o = stack(kPlainUser);
    EXPECT_EQ(o.rc, PAM_SUCCESS) << describe(o);
    EXPECT_TRUE(logged(o, LOG_ERR, {"pam_maintenance(maint-common-account:account)", "malformed"}));
}

// The module never says yes: alone in a stack it cannot let anyone in, even without a window,
// because libpam fails a stack in which no module gave a positive answer (PAM_PERM_DENIED). This is
// why it answers PAM_IGNORE for admins and belongs after (or beside) the modules that grant access.
TEST_F(PamModule, AloneInAStackItAdmitsNobody) {
    for (const char* user : {"root", kPlainUser}) {
        SCOPED_TRACE(user);
        const auto o = stack(user, "maint-alone");
        EXPECT_EQ(o.rc, PAM_PERM_DENIED) << describe(o);
    }
}

}  // namespace
}  // namespace maint::pamtest
