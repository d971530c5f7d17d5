// The PAM module's state file as the daemon writes it: the keys pam_maintenance(8) reads, the
// login message escaped its way, control characters dropped, and the size capped well under the
// module's 64 KiB limit (over it, the module would let everyone in).
#include "system/runtime_state.hpp"

#include <gtest/gtest.h>

namespace maint {
namespace {

Window in_progress(const std::string& message) {
    Window w;
    w.id = 7;
    w.status = Status::InProgress;
    w.spec.end_usec = 1764115199000000ull;
    w.spec.show_login_message = true;
    w.spec.login_message = message;
    return w;
}

TEST(StateFile, HoldsWhatThePamModuleReads) {
    EXPECT_EQ(active_state_text(in_progress("Back at 03:00.\nSorry \\o/"), {"sudo", "maintadmin"}),
              "# maintenanced: a maintenance window is in progress (read by pam_maintenance.so)\n"
              "WINDOW_ID=7\n"
              "END_USEC=1764115199000000\n"
              "ADMIN_GROUPS=sudo maintadmin\n"
              "SHOW_LOGIN_MESSAGE=yes\n"
              "LOGIN_MESSAGE=Back at 03:00.\\nSorry \\\\o/\n");
}

TEST(StateFile, DropsControlCharacters) {
    const std::string text = active_state_text(in_progress("a\x1b[31mb\rc\td\x7f"), {});
    EXPECT_NE(text.find("LOGIN_MESSAGE=a[31mbc d\n"), std::string::npos) << text;
}

TEST(StateFile, DropsC1AndBidiControlsAndMendsBrokenUtf8) {
    // U+009B (CSI as C2 9B), U+202E (right-to-left override), U+2066 (isolate), a stray byte.
    const std::string text = active_state_text(in_progress("a\xc2\x9b"
                                                           "31mb\xe2\x80\xae"
                                                           "cd\xe2\x81\xa6"
                                                           "e\xff"
                                                           "f"),
                                               {});
    EXPECT_NE(text.find("LOGIN_MESSAGE=a31mbcde?f\n"), std::string::npos) << text;
}

TEST(StateFile, CapsTheMessageAtACharacterBoundary) {
    std::string big;
    while (big.size() < 64 * 1024)
        big += "\xc3\xa9";  // é, two bytes: a cut can fall inside one
    const std::string text = active_state_text(in_progress(big), {"sudo"});
    EXPECT_LT(text.size(), 20u * 1024);
    const auto at = text.find("LOGIN_MESSAGE=");
    ASSERT_NE(at, std::string::npos);
    const std::string value = text.substr(at + 14, text.size() - at - 15);
    ASSERT_GE(value.size(), 3u);
    EXPECT_EQ(value.substr(value.size() - 3), "...");
    EXPECT_EQ((value.size() - 3) % 2, 0u) << "a character was cut in half";
}

}  // namespace
}  // namespace maint
