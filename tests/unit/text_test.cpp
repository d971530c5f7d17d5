// Tests of the text helpers (common/text): strict UTF-8 validation and cutting, the printable
// filter, word splitting, the ExecStart=-like command line splitter and join.
#include "common/text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/timespan.hpp"  // ParseError

namespace maint {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Words = std::vector<std::string>;

TEST(IsValidUtf8, AcceptsWellFormedText) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ASCII ~"));
    EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9"));                // é, 2 bytes
    EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));               // €, 3 bytes
    EXPECT_TRUE(is_valid_utf8("\xf0\x9d\x84\x9e"));           // 𝄞, 4 bytes
    EXPECT_TRUE(is_valid_utf8("\xc2\x80"));                   // U+0080, smallest 2-byte
    EXPECT_TRUE(is_valid_utf8("\xe0\xa0\x80"));               // U+0800, smallest 3-byte
    EXPECT_TRUE(is_valid_utf8("\xed\x9f\xbf"));               // U+D7FF, just below surrogates
    EXPECT_TRUE(is_valid_utf8("\xee\x80\x80"));               // U+E000, just above
    EXPECT_TRUE(is_valid_utf8("\xef\xbf\xbf"));               // U+FFFF
    EXPECT_TRUE(is_valid_utf8("\xf0\x90\x80\x80"));           // U+10000
    EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));           // U+10FFFF, the last
    EXPECT_TRUE(is_valid_utf8(std::string_view("a\0b", 3)));  // U+0000 is UTF-8
}

TEST(IsValidUtf8, RejectsMalformedText) {
    for (const char* bad : {
             "\x80",              // a continuation byte alone
             "\xbf",              //
             "\xc3",              // truncated 2-byte
             "\xe2\x82",          // truncated 3-byte
             "\xf0\x9d\x84",      // truncated 4-byte
             "\xc0\xaf",          // overlong '/'
             "\xc1\xbf",          // overlong
             "\xe0\x80\xaf",      // overlong 3-byte
             "\xe0\x9f\xbf",      // overlong 3-byte, largest
             "\xf0\x80\x80\xaf",  // overlong 4-byte
             "\xf0\x8f\xbf\xbf",  // overlong 4-byte, largest
             "\xed\xa0\x80",      // U+D800, a surrogate
             "\xed\xbf\xbf",      // U+DFFF
             "\xf4\x90\x80\x80",  // U+110000
             "\xf5\x80\x80\x80",  // beyond Unicode
             "\xff",              //
             "\xfe",              //
             "\xc3\x28",          // a lead byte followed by ASCII
             "\xe2\x28\xa1",      //
             "ok\xe2\x82",        // good text, then a truncated sequence
         }) {
        EXPECT_FALSE(is_valid_utf8(bad)) << testing::PrintToString(std::string(bad));
    }
}

TEST(SplitWords, SplitsOnRunsOfWhitespace) {
    EXPECT_THAT(split_words("alice bob"), ElementsAre("alice", "bob"));
    EXPECT_THAT(split_words("  a\t\tb \n c\r\v\fd  "), ElementsAre("a", "b", "c", "d"));
    EXPECT_THAT(split_words("\"a b\""), ElementsAre("\"a", "b\""));  // no quoting
    EXPECT_TRUE(split_words("").empty());
    EXPECT_TRUE(split_words(" \t ").empty());
}

TEST(SplitCommandLine, PlainWords) {
    EXPECT_THAT(split_command_line("/usr/bin/ssh %h systemctl start maintenance.target"),
                ElementsAre("/usr/bin/ssh", "%h", "systemctl", "start", "maintenance.target"));
    EXPECT_THAT(split_command_line("  /bin/true\t "), ElementsAre("/bin/true"));
    EXPECT_TRUE(split_command_line("").empty());
    EXPECT_TRUE(split_command_line("   ").empty());
}

TEST(SplitCommandLine, QuotesGroup) {
    EXPECT_THAT(split_command_line("/bin/sh -c \"echo a  b\" x"),
                ElementsAre("/bin/sh", "-c", "echo a  b", "x"));
    EXPECT_THAT(split_command_line("echo 'it is \"quoted\"'"),
                ElementsAre("echo", "it is \"quoted\""));
    EXPECT_THAT(split_command_line("echo \"it's\""), ElementsAre("echo", "it's"));
    // Quoted parts join the text around them into one word, as in systemd.
    EXPECT_THAT(split_command_line("a\"b c\"d 'e'f"), ElementsAre("ab cd", "ef"));
    // Empty quotes are an empty word.
    EXPECT_THAT(split_command_line("cmd \"\" ''"), ElementsAre("cmd", "", ""));
}

TEST(SplitCommandLine, Escapes) {
    EXPECT_THAT(split_command_line(R"(a\\b)"), ElementsAre("a\\b"));
    EXPECT_THAT(split_command_line(R"("say \"hi\"")"), ElementsAre("say \"hi\""));
    EXPECT_THAT(split_command_line(R"(it\'s)"), ElementsAre("it's"));
    EXPECT_THAT(split_command_line(R"(a\nb c\td)"), ElementsAre("a\nb", "c\td"));
    EXPECT_THAT(split_command_line(R"(one\stoken)"), ElementsAre("one token"));
    EXPECT_THAT(split_command_line(R"('\\' "\'")"), ElementsAre("\\", "'"));
    EXPECT_THAT(split_command_line(R"(\"quoted\")"), ElementsAre("\"quoted\""));
}

TEST(SplitCommandLine, Errors) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"(echo "abc)", "unterminated double quote"},
        {R"(echo 'abc)", "unterminated single quote"},
        {R"(echo "a'b)", "unterminated double quote"},
        {R"(echo abc\)", "ends with a backslash"},
        {R"(echo "abc\)", "ends with a backslash"},
        {R"(echo a\qb)", "unknown escape \\q"},
        {R"(echo a\ b)", "unknown escape \\ "},
    };
    for (const auto& [text, why] : cases) {
        try {
            const auto words = split_command_line(text);
            ADD_FAILURE() << text << " was split into " << testing::PrintToString(words);
        } catch (const ParseError& e) {
            EXPECT_THAT(e.what(), HasSubstr("\"" + text + "\"")) << text;
            EXPECT_THAT(e.what(), HasSubstr(why)) << text;
            EXPECT_THAT(e.what(), HasSubstr("expected")) << text;
        }
    }
}

TEST(Join, WithSeparator) {
    EXPECT_EQ(join({}, ", "), "");
    EXPECT_EQ(join({"a"}, ", "), "a");
    EXPECT_EQ(join({"a", "b", "c"}, ", "), "a, b, c");
    EXPECT_EQ(join({"", ""}, "-"), "-");
    EXPECT_EQ(join({"x", "y"}, ""), "xy");
}

}  // namespace
TEST(HostNameProblem, TheHostNameCharacterSet) {
    EXPECT_EQ(host_name_problem("node-1.example.org"), std::nullopt);
    EXPECT_EQ(host_name_problem("DB_2"), std::nullopt);
    EXPECT_EQ(host_name_problem(std::string(253, 'h')), std::nullopt);
    EXPECT_NE(host_name_problem(""), std::nullopt);
    EXPECT_NE(host_name_problem(std::string(254, 'h')), std::nullopt);
    EXPECT_EQ(host_name_problem("-x"), "starts with '-'");
    for (const char* bad : {"a;b", "a b", "a$b", "a`b", "a|b", "a&b", "a>b", "a\"b", "a'b", "a(b",
                            "a*b", "a\\b", "a/b", "a\nb", "a%b"}) {
        EXPECT_NE(host_name_problem(bad), std::nullopt) << bad;
    }
}

}  // namespace maint

namespace maint {
namespace {

TEST(Utf8Decoder, GivesTheLengthAndCodePointOfEachWellFormedSequence) {
    const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";  // a é € 😀
    EXPECT_EQ(utf8_sequence_length(s, 0), 1u);
    EXPECT_EQ(utf8_code_point(s, 0, 1), U'a');
    EXPECT_EQ(utf8_sequence_length(s, 1), 2u);
    EXPECT_EQ(utf8_code_point(s, 1, 2), U'\u00E9');
    EXPECT_EQ(utf8_sequence_length(s, 3), 3u);
    EXPECT_EQ(utf8_code_point(s, 3, 3), U'\u20AC');
    EXPECT_EQ(utf8_sequence_length(s, 6), 4u);
    EXPECT_EQ(utf8_code_point(s, 6, 4), U'\U0001F600');
    EXPECT_EQ(utf8_sequence_length(s, s.size()), 0u) << "past the end";
}

TEST(Utf8Decoder, FindsNoSequenceWhereTheBytesAreNotOne) {
    EXPECT_EQ(utf8_sequence_length("\x80"), 0u) << "a lone continuation byte";
    EXPECT_EQ(utf8_sequence_length("\xC0\x80"), 0u) << "overlong NUL";
    EXPECT_EQ(utf8_sequence_length("\xE0\x80\x80"), 0u) << "overlong";
    EXPECT_EQ(utf8_sequence_length("\xED\xA0\x80"), 0u) << "a surrogate";
    EXPECT_EQ(utf8_sequence_length("\xF4\x90\x80\x80"), 0u) << "above U+10FFFF";
    EXPECT_EQ(utf8_sequence_length("\xE2\x82"), 0u) << "cut short";
    EXPECT_EQ(utf8_sequence_length("\xC2\x9B"), 2u) << "U+009B is well-formed (if unprintable)";
    EXPECT_EQ(utf8_code_point("\xC2\x9B", 0, 2), U'\u009B');
}

TEST(PrintableText, EscapeSequencesAndOtherControlsNeverReachATerminal) {
    EXPECT_EQ(printable_text("Reboot\x1b]0;owned\x07 now\x1b[2J\r\nnext\tline"),
              "Reboot]0;owned now[2J\nnext\tline");
    EXPECT_EQ(printable_text("C1 CSI \xc2\x9b"
                             "31m and raw \x9b"
                             "31m"),
              "C1 CSI 31m and raw ?31m");
    EXPECT_EQ(printable_text("Grüße – ✓ \x7f"), "Grüße – ✓ ");
    EXPECT_EQ(printable_text("overlong \xc0\xaf and cut \xe2\x82"), "overlong ?? and cut ??");
}

TEST(PrintableText, BidiOverridesAndIsolatesAreRemoved) {
    // "Reboot at 5 " then RIGHT-TO-LEFT OVERRIDE ... POP, and the isolates LRI..PDI.
    EXPECT_EQ(printable_text("Reboot at 5 \xe2\x80\xaemp\xe2\x80\xac \xe2\x81\xa6x\xe2\x81\xa9"
                             " \xe2\x80\xaa\xe2\x80\xab\xe2\x80\xad\xe2\x81\xa7\xe2\x81\xa8"),
              "Reboot at 5 mp x ");
    // Their neighbours stay: EN DASH U+2013, ZERO WIDTH JOINER U+200D is not a bidi control,
    // U+2070 SUPERSCRIPT ZERO.
    EXPECT_EQ(printable_text("a\xe2\x80\x93"
                             "b\xe2\x81\xb0"),
              "a\xe2\x80\x93"
              "b\xe2\x81\xb0");
}

TEST(Utf8Prefix, CutsAtACharacterBoundary) {
    EXPECT_EQ(utf8_prefix("abc", 5), "abc");
    EXPECT_EQ(utf8_prefix("abcdef", 3), "abc");
    EXPECT_EQ(utf8_prefix("ab\xe2\x82\xac", 4), "ab") << "the euro sign does not fit";
    EXPECT_EQ(utf8_prefix("ab\xe2\x82\xac", 5), "ab\xe2\x82\xac");
    EXPECT_EQ(utf8_prefix("\xc3\xa9\xc3\xa9", 3), "\xc3\xa9");
    EXPECT_EQ(utf8_prefix("a\xff\xfe", 2), "a\xff") << "a stray byte counts as one";
    EXPECT_EQ(utf8_prefix("\xf0\x9d\x84\x9e", 3), "");
    EXPECT_EQ(utf8_prefix("", 0), "");
}

}  // namespace
}  // namespace maint
