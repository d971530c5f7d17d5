// Tests of the contract's input rules (core/validation): text and name bounds, UTF-8, the time
// rules, configured names, de-duplication and what may change on an in-progress window.
#include "core/validation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/errors.hpp"

namespace maint {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr Usec kNow = 1'800'000'000 * kUsecPerSec;

// The message of the InvalidArgs error `f` throws; fails the test if it throws nothing or
// something else.
std::string invalid_args(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::InvalidArgs) << e.what();
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "threw something other than maint::Error: " << e.what();
        return {};
    }
    ADD_FAILURE() << "did not throw";
    return {};
}

WindowSpec good_spec() {
    WindowSpec s;
    s.start_usec = kNow + kUsecPerHour;
    s.end_usec = kNow + 2 * kUsecPerHour;
    s.reason = "kernel update";
    return s;
}

WindowChanges all_times_changed() {
    WindowChanges c;
    c.start_usec = 0;
    c.end_usec = 0;
    return c;
}

const KnownNames kKnown{{"ops", "devs"}, {"web1", "db1"}, nullptr};

// ---------------------------------------------------------------------------------------------
// Texts

TEST(ValidationText, ExactlyTheLimitIsAccepted) {
    EXPECT_NO_THROW(check_text("reason", std::string(kMaxTextBytes, 'x')));
    EXPECT_EQ(kMaxTextBytes, 64u * 1024u);
}

TEST(ValidationText, OneByteOverTheLimitIsRefused) {
    const std::string msg =
        invalid_args([] { check_text("reason", std::string(kMaxTextBytes + 1, 'x')); });
    EXPECT_THAT(msg, AllOf(StartsWith("reason: "), HasSubstr("too long"), HasSubstr("65537"),
                           HasSubstr("65536")));
}

TEST(ValidationText, MultiByteCharactersCountInBytes) {
    // 32768 two-byte characters: exactly 64 KiB.
    std::string text;
    for (std::size_t i = 0; i < kMaxTextBytes / 2; ++i)
        text += "\xc3\xa4";
    EXPECT_NO_THROW(check_text("notes", text));
    text += "a";
    EXPECT_THAT(invalid_args([&] { check_text("notes", text); }), HasSubstr("too long"));
}

TEST(ValidationText, EmptyAndValidUtf8AreAccepted) {
    EXPECT_NO_THROW(check_text("reason", ""));
    EXPECT_NO_THROW(check_text("reason", "Wartung f\xc3\xbcr 5 \xe2\x82\xac \xf0\x9d\x84\x9e"));
    EXPECT_NO_THROW(check_text("reason", "line one\nline two\ttab"));
}

TEST(ValidationText, InvalidUtf8IsRefused) {
    const std::vector<std::string> bad = {
        "\x80",                     // a lone continuation byte
        "abc\xc3",                  // truncated two-byte sequence
        "\xe2\x82",                 // truncated three-byte sequence
        "\xc0\xaf",                 // overlong '/'
        "\xe0\x80\xaf",             // overlong three-byte form
        "\xed\xa0\x80",             // a UTF-16 surrogate
        "\xf4\x90\x80\x80",         // above U+10FFFF
        "\xff",                     // never valid
        std::string("ok\xc3(", 4),  // bad continuation byte
    };
    for (const auto& s : bad) {
        const std::string msg = invalid_args([&] { check_text("Comment", s); });
        EXPECT_THAT(msg, AllOf(StartsWith("Comment: "), HasSubstr("UTF-8")));
    }
}

// ---------------------------------------------------------------------------------------------
// Names

TEST(ValidationName, OneToMaxBytesAreAccepted) {
    EXPECT_NO_THROW(check_name("host", "a"));
    EXPECT_NO_THROW(check_name("host", std::string(kMaxNameBytes, 'h')));
    EXPECT_NO_THROW(check_name("host", "m\xc3\xbcnchen-01.example.org"));
    EXPECT_EQ(kMaxNameBytes, 255u);
}

TEST(ValidationName, EmptyIsRefused) {
    EXPECT_THAT(invalid_args([] { check_name("host", ""); }),
                AllOf(StartsWith("host: "), HasSubstr("empty")));
}

TEST(ValidationName, LongerThanMaxIsRefused) {
    EXPECT_THAT(invalid_args([] { check_name("host", std::string(kMaxNameBytes + 1, 'h')); }),
                AllOf(StartsWith("host: "), HasSubstr("too long"), HasSubstr("256")));
}

TEST(ValidationName, ControlCharactersAreRefused) {
    for (const std::string& s :
         {std::string("a\nb"), std::string("\tab"), std::string("ab\x7f"), std::string("a\x01"),
          std::string("a\x1f"), std::string("a\0b", 3)}) {
        EXPECT_THAT(invalid_args([&] { check_name("notify", s); }),
                    AllOf(StartsWith("notify: "), HasSubstr("control character")));
    }
    EXPECT_NO_THROW(check_name("notify", "a b ~"));  // space and tilde are printable
}

TEST(ValidationName, InvalidUtf8IsRefused) {
    EXPECT_THAT(invalid_args([] { check_name("host", "web\xc3"); }), HasSubstr("UTF-8"));
}

// ---------------------------------------------------------------------------------------------
// WindowChanges

TEST(ValidationChanges, EmptyMeansNothingSet) {
    EXPECT_TRUE(WindowChanges{}.empty());
    const std::vector<std::function<void(WindowChanges&)>> setters = {
        [](WindowChanges& c) { c.start_usec = 1; },
        [](WindowChanges& c) { c.end_usec = 1; },
        [](WindowChanges& c) { c.reason = ""; },
        [](WindowChanges& c) { c.notify = std::vector<std::string>{}; },
        [](WindowChanges& c) { c.comment = ""; },
        [](WindowChanges& c) { c.login_message = ""; },
        [](WindowChanges& c) { c.show_login_message = false; },
        [](WindowChanges& c) { c.notify_message = ""; },
        [](WindowChanges& c) { c.notify_lead_usec = 0; },
        [](WindowChanges& c) { c.hosts = std::vector<std::string>{}; },
        [](WindowChanges& c) { c.auto_complete = false; },
        [](WindowChanges& c) { c.valid = false; },
    };
    for (std::size_t i = 0; i < setters.size(); ++i) {
        WindowChanges c;
        setters[i](c);
        EXPECT_FALSE(c.empty()) << "setter " << i;
    }
}

TEST(ValidationChanges, OnlyEndCommentAndMessagesMayChangeInProgress) {
    EXPECT_TRUE(WindowChanges{}.only_in_progress_fields());
    const std::vector<std::pair<const char*, std::function<void(WindowChanges&)>>> allowed = {
        {"EndUSec", [](WindowChanges& c) { c.end_usec = 1; }},
        {"Comment", [](WindowChanges& c) { c.comment = "x"; }},
        {"LoginMessage", [](WindowChanges& c) { c.login_message = "x"; }},
        {"ShowLoginMessage", [](WindowChanges& c) { c.show_login_message = true; }},
        {"NotifyMessage", [](WindowChanges& c) { c.notify_message = "x"; }},
    };
    const std::vector<std::pair<const char*, std::function<void(WindowChanges&)>>> refused = {
        {"StartUSec", [](WindowChanges& c) { c.start_usec = 1; }},
        {"Reason", [](WindowChanges& c) { c.reason = "x"; }},
        {"Notify", [](WindowChanges& c) { c.notify = std::vector<std::string>{}; }},
        {"NotifyLeadUSec", [](WindowChanges& c) { c.notify_lead_usec = 1; }},
        {"Hosts", [](WindowChanges& c) { c.hosts = std::vector<std::string>{}; }},
        {"AutoComplete", [](WindowChanges& c) { c.auto_complete = true; }},
        {"Valid", [](WindowChanges& c) { c.valid = true; }},
    };
    WindowChanges all_allowed;
    for (const auto& [name, set] : allowed) {
        WindowChanges c;
        set(c);
        EXPECT_TRUE(c.only_in_progress_fields()) << name;
        set(all_allowed);
    }
    EXPECT_TRUE(all_allowed.only_in_progress_fields());
    for (const auto& [name, set] : refused) {
        WindowChanges c;
        set(c);
        EXPECT_FALSE(c.only_in_progress_fields()) << name;
        WindowChanges mixed = all_allowed;
        set(mixed);
        EXPECT_FALSE(mixed.only_in_progress_fields()) << "EndUSec and messages plus " << name;
    }
}

TEST(ValidationApply, AppliesOnlyTheFieldsSet) {
    const WindowSpec before = good_spec();
    EXPECT_EQ(apply_changes(before, WindowChanges{}), before);

    WindowChanges c;
    c.end_usec = before.end_usec + 5;
    c.login_message = "go away";
    c.show_login_message = true;
    c.valid = false;
    WindowSpec expected = before;
    expected.end_usec = before.end_usec + 5;
    expected.login_message = "go away";
    expected.show_login_message = true;
    expected.valid = false;
    EXPECT_EQ(apply_changes(before, c), expected);
}

TEST(ValidationApply, AppliesEveryField) {
    WindowChanges c;
    c.start_usec = 11;
    c.end_usec = 22;
    c.reason = "r";
    c.notify = std::vector<std::string>{"ops"};
    c.comment = "c";
    c.login_message = "l";
    c.show_login_message = true;
    c.notify_message = "n";
    c.notify_lead_usec = 33;
    c.hosts = std::vector<std::string>{"web1"};
    c.auto_complete = false;
    c.valid = false;
    const WindowSpec s = apply_changes(WindowSpec{}, c);
    EXPECT_EQ(
        s, (WindowSpec{11, 22, "r", {"ops"}, "c", "l", true, "n", 33, {"web1"}, false, false, ""}));
}

TEST(ValidationApply, ListsAreDeduplicatedFirstOccurrenceWins) {
    WindowChanges c;
    c.notify = std::vector<std::string>{"ops", "devs", "ops", "devs", "ops"};
    c.hosts = std::vector<std::string>{"db1", "web1", "db1"};
    const WindowSpec s = apply_changes(good_spec(), c);
    EXPECT_THAT(s.notify, ElementsAre("ops", "devs"));
    EXPECT_THAT(s.hosts, ElementsAre("db1", "web1"));
}

// 200,000 distinct names, as one unprivileged call may send before polkit is asked.
std::vector<std::string> many_distinct_names(std::size_t n = 200'000) {
    std::vector<std::string> names;
    names.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        names.push_back("audience-" + std::to_string(i));
    return names;
}

TEST(ValidationApply, AHugeListIsRefusedOnItsSizeBeforeDeduplicating) {
    // De-duplicating first (as 0.1 did, quadratically) took minutes and then refused the list
    // anyway; the cap comes first now, from apply_changes itself.
    WindowChanges c;
    c.notify = many_distinct_names();
    EXPECT_THAT(invalid_args([&] { apply_changes(good_spec(), c); }),
                AllOf(StartsWith("notify: "), HasSubstr("more than 4096 entries")));
    WindowChanges h;
    h.hosts = many_distinct_names();
    EXPECT_THAT(invalid_args([&] { apply_changes(good_spec(), h); }),
                AllOf(StartsWith("Hosts: "), HasSubstr("more than 4096 entries")));
}

TEST(ValidationApply, TheCapCountsEntriesAsSent) {
    WindowChanges c;
    c.notify = many_distinct_names(kMaxListEntries);
    EXPECT_EQ(apply_changes(good_spec(), c).notify.size(), kMaxListEntries);
    c.notify->push_back("audience-0");  // a duplicate still counts toward the cap
    EXPECT_THAT(invalid_args([&] { apply_changes(good_spec(), c); }),
                HasSubstr("more than 4096 entries"));
}

TEST(ValidationAudiences, AHugeListIsRefusedOnItsSize) {
    EXPECT_THAT(invalid_args([] { validate_audiences("notify", many_distinct_names(), kKnown); }),
                AllOf(StartsWith("notify: "), HasSubstr("more than 4096 entries")));
}

// ---------------------------------------------------------------------------------------------
// validate_spec

TEST(ValidationSpec, AGoodSpecPasses) {
    EXPECT_NO_THROW(validate_spec(good_spec(), all_times_changed(), kKnown, kNow));
}

TEST(ValidationSpec, EndMustBeAfterStart) {
    WindowSpec s = good_spec();
    s.end_usec = s.start_usec;
    EXPECT_THAT(invalid_args([&] { validate_spec(s, all_times_changed(), kKnown, kNow); }),
                AllOf(StartsWith("end_usec: "), HasSubstr("not after the start")));
    s.end_usec = s.start_usec - 1;
    EXPECT_THAT(invalid_args([&] { validate_spec(s, all_times_changed(), kKnown, kNow); }),
                StartsWith("end_usec: "));
    s.end_usec = s.start_usec + 1;
    EXPECT_NO_THROW(validate_spec(s, all_times_changed(), kKnown, kNow));
}

TEST(ValidationSpec, EndMustBeAfterStartEvenWhenNeitherChanged) {
    WindowSpec s = good_spec();
    s.end_usec = s.start_usec;
    EXPECT_THAT(invalid_args([&] { validate_spec(s, WindowChanges{}, kKnown, kNow); }),
                StartsWith("end_usec: "));
}

TEST(ValidationSpec, AStartIsRequired) {
    WindowSpec s = good_spec();
    s.start_usec = 0;
    EXPECT_THAT(invalid_args([&] { validate_spec(s, all_times_changed(), kKnown, kNow); }),
                StartsWith("start_usec: "));
}

TEST(ValidationSpec, StartExactlySixtySecondsInThePastIsAccepted) {
    WindowSpec s = good_spec();
    s.start_usec = kNow - 60 * kUsecPerSec;
    EXPECT_NO_THROW(validate_spec(s, all_times_changed(), kKnown, kNow));
}

TEST(ValidationSpec, StartMoreThanSixtySecondsInThePastIsRefused) {
    WindowSpec s = good_spec();
    s.start_usec = kNow - 60 * kUsecPerSec - 1;
    EXPECT_THAT(invalid_args([&] { validate_spec(s, all_times_changed(), kKnown, kNow); }),
                AllOf(StartsWith("start_usec: "), HasSubstr("more than 60 s in the past")));
}

TEST(ValidationSpec, AnUnchangedPastStartIsKept) {
    // An in-progress window's start lies in the past; changing its end must still work.
    WindowSpec s = good_spec();
    s.start_usec = kNow - kUsecPerDay;
    WindowChanges c;
    c.end_usec = s.end_usec;
    EXPECT_NO_THROW(validate_spec(s, c, kKnown, kNow));
}

TEST(ValidationSpec, AnEndThatHasPassedIsRefused) {
    WindowSpec s = good_spec();
    s.start_usec = kNow - 30 * kUsecPerSec;
    s.end_usec = kNow;
    EXPECT_THAT(invalid_args([&] { validate_spec(s, all_times_changed(), kKnown, kNow); }),
                AllOf(StartsWith("end_usec: "), HasSubstr("already passed")));
    s.end_usec = kNow + 1;
    EXPECT_NO_THROW(validate_spec(s, all_times_changed(), kKnown, kNow));
}

TEST(ValidationSpec, AnUnchangedPassedEndIsNotReChecked) {
    WindowSpec s = good_spec();
    s.start_usec = kNow - 2 * kUsecPerHour;
    s.end_usec = kNow - kUsecPerHour;
    WindowChanges c;
    c.comment = "late note";
    EXPECT_NO_THROW(validate_spec(s, c, kKnown, kNow));
}

// These errors are given before authorization: they name what the caller sent, never the
// configured names (security review, issue 12).
TEST(ValidationSpec, UnknownAudienceDoesNotDiscloseTheConfiguredOnes) {
    WindowSpec s = good_spec();
    s.notify = {"ops", "sales"};
    WindowChanges c = all_times_changed();
    c.notify = s.notify;
    const std::string why = invalid_args([&] { validate_spec(s, c, kKnown, kNow); });
    EXPECT_THAT(why, AllOf(StartsWith("notify: "), HasSubstr("unknown audience 'sales'")));
    EXPECT_THAT(why, Not(HasSubstr("devs")));
    EXPECT_THAT(why, Not(HasSubstr("configured:")));
}

TEST(ValidationSpec, UnknownAudienceWhenNoneIsConfigured) {
    WindowSpec s = good_spec();
    s.notify = {"ops"};
    WindowChanges c = all_times_changed();
    c.notify = s.notify;
    EXPECT_THAT(invalid_args([&] { validate_spec(s, c, KnownNames{}, kNow); }),
                HasSubstr("unknown audience 'ops'"));
}

TEST(ValidationSpec, UnknownHostDoesNotDiscloseTheConfiguredOnes) {
    WindowSpec s = good_spec();
    s.hosts = {"web1", "mail9"};
    WindowChanges c = all_times_changed();
    c.hosts = s.hosts;
    const std::string why = invalid_args([&] { validate_spec(s, c, kKnown, kNow); });
    EXPECT_THAT(why, AllOf(StartsWith("Hosts: "), HasSubstr("unknown host 'mail9'")));
    EXPECT_THAT(why, Not(HasSubstr("db1")));
}

TEST(ValidationSpec, NamesAreCheckedOnlyWhenSetNow) {
    // A window keeps names a later reload dropped until they change.
    WindowSpec s = good_spec();
    s.notify = {"gone"};
    s.hosts = {"retired"};
    EXPECT_NO_THROW(validate_spec(s, all_times_changed(), kKnown, kNow));
}

TEST(ValidationSpec, ConfiguredNamesPass) {
    WindowSpec s = good_spec();
    s.notify = {"devs", "ops"};
    s.hosts = {"db1"};
    WindowChanges c = all_times_changed();
    c.notify = s.notify;
    c.hosts = s.hosts;
    EXPECT_NO_THROW(validate_spec(s, c, kKnown, kNow));
}

TEST(ValidationSpec, NamesInListsMustBeWellFormed) {
    WindowSpec s = good_spec();
    s.hosts = {"web1", ""};
    WindowChanges c = all_times_changed();
    c.hosts = s.hosts;
    EXPECT_THAT(invalid_args([&] { validate_spec(s, c, kKnown, kNow); }),
                AllOf(StartsWith("Hosts: "), HasSubstr("empty")));
    s.hosts = {"web1\n"};
    c.hosts = s.hosts;
    EXPECT_THAT(invalid_args([&] { validate_spec(s, c, kKnown, kNow); }),
                HasSubstr("control character"));
}

TEST(ValidationSpec, HostEntriesMustBeHostNames) {
    WindowSpec s = good_spec();
    WindowChanges c = all_times_changed();
    for (const std::string bad : {"web1;reboot", "$(id)", "-oProxyCommand=x", "a b"}) {
        s.hosts = {"web1", bad};
        c.hosts = s.hosts;
        EXPECT_THAT(invalid_args([&] {
                        validate_spec(s, c, KnownNames{{}, {"web1", bad}, nullptr}, kNow);
                    }),
                    StartsWith("Hosts: "))
            << bad;
    }
}

TEST(ValidationName, CheckHostNameNamesTheArgument) {
    EXPECT_NO_THROW(check_host_name("host", "node-1.example.org"));
    EXPECT_THAT(invalid_args([] { check_host_name("host", "web1&&reboot"); }),
                AllOf(StartsWith("host: "), HasSubstr("contains '&'")));
    EXPECT_THAT(invalid_args([] { check_host_name("host", std::string(254, 'h')); }),
                AllOf(StartsWith("host: "), HasSubstr("at most 253")));
}

TEST(ValidationSpec, TooManyEntriesAreRefused) {
    WindowSpec s = good_spec();
    s.notify = std::vector<std::string>(kMaxListEntries + 1, "ops");
    WindowChanges c = all_times_changed();
    c.notify = s.notify;
    EXPECT_THAT(invalid_args([&] { validate_spec(s, c, kKnown, kNow); }),
                AllOf(StartsWith("notify: "), HasSubstr("more than 4096")));
}

TEST(ValidationSpec, EveryTextFieldIsBounded) {
    const std::string too_long(kMaxTextBytes + 1, 'x');
    const std::vector<std::pair<const char*, std::function<void(WindowSpec&)>>> fields = {
        {"reason", [&](WindowSpec& s) { s.reason = too_long; }},
        {"Comment", [&](WindowSpec& s) { s.comment = too_long; }},
        {"LoginMessage", [&](WindowSpec& s) { s.login_message = too_long; }},
        {"NotifyMessage", [&](WindowSpec& s) { s.notify_message = too_long; }},
    };
    for (const auto& [name, set] : fields) {
        WindowSpec s = good_spec();
        set(s);
        EXPECT_THAT(invalid_args([&] { validate_spec(s, all_times_changed(), kKnown, kNow); }),
                    AllOf(StartsWith(std::string(name) + ": "), HasSubstr("too long")))
            << name;
    }
    WindowSpec s = good_spec();
    s.login_message = "\xc3";
    EXPECT_THAT(invalid_args([&] { validate_spec(s, all_times_changed(), kKnown, kNow); }),
                AllOf(StartsWith("LoginMessage: "), HasSubstr("UTF-8")));
}

TEST(ValidationSpec, LeadTimeAtMostAYear) {
    WindowSpec s = good_spec();
    s.notify_lead_usec = 365 * kUsecPerDay;
    EXPECT_NO_THROW(validate_spec(s, all_times_changed(), kKnown, kNow));
    s.notify_lead_usec = 365 * kUsecPerDay + 1;
    EXPECT_THAT(invalid_args([&] { validate_spec(s, all_times_changed(), kKnown, kNow); }),
                StartsWith("NotifyLeadUSec: "));
}

TEST(ValidationSpec, AReasonSetNowMayNotBeEmptyOrOnlyWhitespace) {
    WindowChanges c = all_times_changed();
    c.reason = "";
    WindowSpec s = good_spec();
    for (const char* reason : {"", " ", " \t\n "}) {
        s.reason = reason;
        EXPECT_THAT(invalid_args([&] { validate_spec(s, c, kKnown, kNow); }),
                    AllOf(StartsWith("reason: "), HasSubstr("empty")))
            << "'" << reason << "'";
    }
    s.reason = " x ";
    EXPECT_NO_THROW(validate_spec(s, c, kKnown, kNow));
    // A window stored before the rule keeps its empty reason until the reason changes.
    s.reason = "";
    EXPECT_NO_THROW(validate_spec(s, all_times_changed(), kKnown, kNow));
}

TEST(ValidationSpec, TheEndAtMost366DaysAfterTheStart) {
    WindowSpec s = good_spec();
    s.end_usec = s.start_usec + 366 * kUsecPerDay;
    EXPECT_NO_THROW(validate_spec(s, all_times_changed(), kKnown, kNow));
    s.end_usec = s.start_usec + 366 * kUsecPerDay + 1;
    EXPECT_THAT(invalid_args([&] { validate_spec(s, all_times_changed(), kKnown, kNow); }),
                AllOf(StartsWith("end_usec: "), HasSubstr("more than 366 days")));
    s.end_usec = s.start_usec + 100 * 365 * kUsecPerDay;
    WindowChanges only_end;
    only_end.end_usec = s.end_usec;
    EXPECT_THAT(invalid_args([&] { validate_spec(s, only_end, kKnown, kNow); }),
                StartsWith("end_usec: "));
}

TEST(ValidationAudiences, ChecksAgainstTheConfiguration) {
    EXPECT_NO_THROW(validate_audiences("notify", {}, kKnown));
    EXPECT_NO_THROW(validate_audiences("notify", {"devs"}, kKnown));
    EXPECT_THAT(invalid_args([] {
                    validate_audiences("notify", {"devs", "board"}, kKnown);
                }),
                AllOf(StartsWith("notify: "), HasSubstr("unknown audience 'board'"),
                      Not(HasSubstr("ops"))));
}

}  // namespace
}  // namespace maint
