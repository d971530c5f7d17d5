// Tests of the bus face's argument decoding (bus/options) and object paths (bus/paths): the
// a{sv} rules (unknown key, wrong type, key given twice, each key's meaning) and the window ids
// in object paths.
#include "bus/options.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "bus/paths.hpp"
#include "core/errors.hpp"

namespace maint::bus {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Strings = std::vector<std::string>;

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

const Strings kScheduleKeys = {"Comment",       "LoginMessage",   "ShowLoginMessage",
                               "NotifyMessage", "NotifyLeadUSec", "Hosts",
                               "AutoComplete"};
const Strings kUpdateOnlyKeys = {"StartUSec", "EndUSec", "Reason", "Notify", "Valid"};

// ---------------------------------------------------------------------------------------------
// ScheduleWindow's options

TEST(ScheduleOptions, EmptyMeansNoChanges) {
    EXPECT_TRUE(schedule_options({}).empty());
}

TEST(ScheduleOptions, DecodesEveryKey) {
    const OptionList options = {
        {"Comment", std::string("see ticket 42")},
        {"LoginMessage", std::string("back at 3")},
        {"ShowLoginMessage", true},
        {"NotifyMessage", std::string("reboot ahead")},
        {"NotifyLeadUSec", std::uint64_t{900'000'000}},
        {"Hosts", Strings{"web1", "db1"}},
        {"AutoComplete", false},
    };
    const WindowChanges c = schedule_options(options);
    EXPECT_EQ(c.comment, "see ticket 42");
    EXPECT_EQ(c.login_message, "back at 3");
    EXPECT_EQ(c.show_login_message, true);
    EXPECT_EQ(c.notify_message, "reboot ahead");
    EXPECT_EQ(c.notify_lead_usec, 900'000'000u);
    ASSERT_TRUE(c.hosts.has_value());
    EXPECT_THAT(*c.hosts, ElementsAre("web1", "db1"));
    EXPECT_EQ(c.auto_complete, false);
    // What ScheduleWindow takes as arguments is not set through the options.
    EXPECT_FALSE(c.start_usec || c.end_usec || c.reason || c.notify || c.valid);
}

TEST(ScheduleOptions, EachKeyAloneSetsOnlyItsField) {
    EXPECT_TRUE(schedule_options({{"Comment", std::string("c")}}).only_in_progress_fields());
    const WindowChanges lead = schedule_options({{"NotifyLeadUSec", std::uint64_t{0}}});
    EXPECT_EQ(lead.notify_lead_usec, 0u);
    EXPECT_FALSE(lead.hosts || lead.comment || lead.auto_complete);
    const WindowChanges hosts = schedule_options({{"Hosts", Strings{}}});
    ASSERT_TRUE(hosts.hosts.has_value());
    EXPECT_TRUE(hosts.hosts->empty());
    EXPECT_FALSE(hosts.notify_lead_usec);
}

TEST(ScheduleOptions, UnknownKeyListsTheKnownKeys) {
    const std::string msg = invalid_args([] { schedule_options({{"Colour", true}}); });
    EXPECT_THAT(msg, AllOf(StartsWith("options: "), HasSubstr("unknown key 'Colour'")));
    for (const auto& key : kScheduleKeys)
        EXPECT_THAT(msg, HasSubstr(key));
}

TEST(ScheduleOptions, UpdateOnlyKeysAreUnknownHere) {
    for (const auto& key : kUpdateOnlyKeys) {
        const std::string msg = invalid_args([&] { schedule_options({{key, std::uint64_t{1}}}); });
        EXPECT_THAT(msg, HasSubstr("unknown key '" + key + "'")) << key;
    }
}

TEST(ScheduleOptions, KeysAreCaseSensitive) {
    EXPECT_THAT(invalid_args([] {
                    schedule_options({{"comment", std::string("x")}});
                }),
                HasSubstr("unknown key 'comment'"));
}

TEST(ScheduleOptions, WrongTypeSaysExpectedAndActualSignature) {
    EXPECT_THAT(invalid_args([] {
                    schedule_options({{"ShowLoginMessage", std::string("yes")}});
                }),
                AllOf(StartsWith("options: "), HasSubstr("'ShowLoginMessage'"), HasSubstr("'b'"),
                      HasSubstr("not 's'")));
    EXPECT_THAT(invalid_args([] {
                    schedule_options({{"NotifyLeadUSec", true}});
                }),
                AllOf(HasSubstr("'NotifyLeadUSec'"), HasSubstr("'t'"), HasSubstr("not 'b'")));
    EXPECT_THAT(invalid_args([] {
                    schedule_options({{"Hosts", std::string("web1")}});
                }),
                AllOf(HasSubstr("'Hosts'"), HasSubstr("'as'"), HasSubstr("not 's'")));
    EXPECT_THAT(invalid_args([] {
                    schedule_options({{"Comment", Strings{"a"}}});
                }),
                AllOf(HasSubstr("'Comment'"), HasSubstr("'s'"), HasSubstr("not 'as'")));
    EXPECT_THAT(invalid_args([] {
                    schedule_options({{"AutoComplete", std::uint64_t{1}}});
                }),
                AllOf(HasSubstr("'AutoComplete'"), HasSubstr("'b'"), HasSubstr("not 't'")));
}

TEST(ScheduleOptions, OtherTypesAreNamedBySignature) {
    EXPECT_THAT(invalid_args([] {
                    schedule_options({{"NotifyLeadUSec", OtherType{"i"}}});
                }),
                AllOf(HasSubstr("'NotifyLeadUSec'"), HasSubstr("'t'"), HasSubstr("not 'i'")));
    EXPECT_THAT(invalid_args([] {
                    schedule_options({{"Hosts", OtherType{"a(ss)"}}});
                }),
                HasSubstr("not 'a(ss)'"));
}

TEST(ScheduleOptions, DuplicateKeyIsRefused) {
    const OptionList options = {
        {"Comment", std::string("one")}, {"AutoComplete", true}, {"Comment", std::string("two")}};
    EXPECT_THAT(invalid_args([&] { schedule_options(options); }),
                AllOf(StartsWith("options: "), HasSubstr("'Comment' given twice")));
}

// ---------------------------------------------------------------------------------------------
// Update's changes

TEST(UpdateChanges, DecodesEveryKey) {
    const OptionList options = {
        {"StartUSec", std::uint64_t{111}},
        {"EndUSec", std::uint64_t{222}},
        {"Reason", std::string("new reason")},
        {"Notify", Strings{"ops", "devs"}},
        {"Comment", std::string("c")},
        {"LoginMessage", std::string("l")},
        {"ShowLoginMessage", false},
        {"NotifyMessage", std::string("n")},
        {"NotifyLeadUSec", std::uint64_t{333}},
        {"Hosts", Strings{"web1"}},
        {"AutoComplete", true},
        {"Valid", false},
    };
    const WindowChanges c = update_changes(options);
    EXPECT_EQ(c.start_usec, 111u);
    EXPECT_EQ(c.end_usec, 222u);
    EXPECT_EQ(c.reason, "new reason");
    ASSERT_TRUE(c.notify.has_value());
    EXPECT_THAT(*c.notify, ElementsAre("ops", "devs"));
    EXPECT_EQ(c.comment, "c");
    EXPECT_EQ(c.login_message, "l");
    EXPECT_EQ(c.show_login_message, false);
    EXPECT_EQ(c.notify_message, "n");
    EXPECT_EQ(c.notify_lead_usec, 333u);
    ASSERT_TRUE(c.hosts.has_value());
    EXPECT_THAT(*c.hosts, ElementsAre("web1"));
    EXPECT_EQ(c.auto_complete, true);
    EXPECT_EQ(c.valid, false);
}

TEST(UpdateChanges, OnlyEndUSecIsAnInProgressChange) {
    const WindowChanges c = update_changes({{"EndUSec", std::uint64_t{5}}});
    EXPECT_EQ(c.end_usec, 5u);
    EXPECT_FALSE(c.start_usec);
    EXPECT_TRUE(c.only_in_progress_fields());
    EXPECT_FALSE(update_changes({{"Valid", true}}).only_in_progress_fields());
}

TEST(UpdateChanges, UnknownKeyListsAllTwelveKeys) {
    const std::string msg = invalid_args([] { update_changes({{"Force", true}}); });
    EXPECT_THAT(msg, AllOf(StartsWith("changes: "), HasSubstr("unknown key 'Force'")));
    for (const auto& key : kScheduleKeys)
        EXPECT_THAT(msg, HasSubstr(key));
    for (const auto& key : kUpdateOnlyKeys)
        EXPECT_THAT(msg, HasSubstr(key));
}

TEST(UpdateChanges, WrongTypeAndDuplicate) {
    EXPECT_THAT(invalid_args([] {
                    update_changes({{"StartUSec", std::string("now")}});
                }),
                AllOf(StartsWith("changes: "), HasSubstr("'StartUSec'"), HasSubstr("'t'"),
                      HasSubstr("not 's'")));
    EXPECT_THAT(invalid_args([] {
                    update_changes({{"Valid", OtherType{"u"}}});
                }),
                AllOf(HasSubstr("'Valid'"), HasSubstr("'b'"), HasSubstr("not 'u'")));
    EXPECT_THAT(invalid_args([] {
                    update_changes({{"Notify", std::string("ops")}});
                }),
                AllOf(HasSubstr("'Notify'"), HasSubstr("'as'"), HasSubstr("not 's'")));
    EXPECT_THAT(invalid_args([] {
                    update_changes({{"EndUSec", std::uint64_t{1}}, {"EndUSec", std::uint64_t{2}}});
                }),
                HasSubstr("'EndUSec' given twice"));
}

// ---------------------------------------------------------------------------------------------
// Start's Force and Complete's Failed

TEST(FlagOption, AbsentIsFalse) {
    EXPECT_FALSE(flag_option({}, "options", "Force"));
}

TEST(FlagOption, ReadsTheFlag) {
    EXPECT_TRUE(flag_option({{"Force", true}}, "options", "Force"));
    EXPECT_FALSE(flag_option({{"Force", false}}, "options", "Force"));
    EXPECT_TRUE(flag_option({{"Failed", true}}, "options", "Failed"));
}

TEST(FlagOption, UnknownKeyNamesTheOnlyKey) {
    EXPECT_THAT(
        invalid_args([] {
            flag_option({{"Failed", true}}, "options", "Force");
        }),
        AllOf(StartsWith("options: "), HasSubstr("unknown key 'Failed'"), HasSubstr("'Force'")));
    EXPECT_THAT(
        invalid_args([] {
            flag_option({{"Failed", true}, {"Note", std::string("x")}}, "options", "Failed");
        }),
        HasSubstr("unknown key 'Note'"));
}

TEST(FlagOption, WrongTypeSaysExpectedAndActualSignature) {
    EXPECT_THAT(invalid_args([] {
                    flag_option({{"Force", std::uint64_t{1}}}, "options", "Force");
                }),
                AllOf(StartsWith("options: "), HasSubstr("'Force'"), HasSubstr("'b'"),
                      HasSubstr("not 't'")));
    EXPECT_THAT(invalid_args([] {
                    flag_option({{"Force", OtherType{"i"}}}, "options", "Force");
                }),
                HasSubstr("not 'i'"));
}

TEST(FlagOption, DuplicateIsRefused) {
    EXPECT_THAT(invalid_args([] {
                    flag_option({{"Force", true}, {"Force", true}}, "options", "Force");
                }),
                HasSubstr("'Force' given twice"));
}

// ---------------------------------------------------------------------------------------------
// options_from(map of sdbus::Variant): what the generated adaptor hands over

TEST(OptionsFromVariants, KeepsKnownTypesAndNamesOthers) {
    std::map<std::string, sdbus::Variant> dict;
    dict["AutoComplete"] = sdbus::Variant(true);
    dict["NotifyLeadUSec"] = sdbus::Variant(std::uint64_t{42});
    dict["Comment"] = sdbus::Variant(std::string("hello"));
    dict["Hosts"] = sdbus::Variant(Strings{"web1", "db1"});
    dict["Odd"] = sdbus::Variant(std::int32_t{7});
    const OptionList list = options_from(dict);
    ASSERT_EQ(list.size(), 5u);
    std::map<std::string, OptionValue> got(list.begin(), list.end());
    EXPECT_EQ(std::get<bool>(got.at("AutoComplete")), true);
    EXPECT_EQ(std::get<std::uint64_t>(got.at("NotifyLeadUSec")), 42u);
    EXPECT_EQ(std::get<std::string>(got.at("Comment")), "hello");
    EXPECT_THAT(std::get<Strings>(got.at("Hosts")), ElementsAre("web1", "db1"));
    EXPECT_EQ(std::get<OtherType>(got.at("Odd")).signature, "i");
}

TEST(OptionsFromVariants, AWronglyTypedVariantIsRefusedWithItsSignature) {
    std::map<std::string, sdbus::Variant> dict;
    dict["NotifyLeadUSec"] = sdbus::Variant(std::uint32_t{5});
    EXPECT_THAT(invalid_args([&] { schedule_options(options_from(dict)); }),
                AllOf(HasSubstr("'NotifyLeadUSec'"), HasSubstr("not 'u'")));
}

// ---------------------------------------------------------------------------------------------
// options_from(sd_bus_message*): what the window objects' sd-bus vtable hands over

// A sealed method call to read back, made on a bus that is started over a socketpair but never
// talks to anyone (sd-bus creates messages only on a started bus).
class RawMessage : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_EQ(sd_bus_new(&bus_), 0);
        ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_), 0);
        ASSERT_GE(sd_bus_set_fd(bus_, fds_[0], fds_[0]), 0);
        ASSERT_GE(sd_bus_start(bus_), 0);
        ASSERT_GE(sd_bus_message_new_method_call(bus_, &m_, "org.example.Maintenance1",
                                                 "/org/example/Maintenance1/window/1",
                                                 "org.example.Maintenance1.Window", "Update"),
                  0);
    }
    void TearDown() override {
        sd_bus_message_unref(m_);
        sd_bus_close_unref(bus_);  // closes fds_[0]; never flushes to the silent peer
        close(fds_[1]);
    }
    void seal() {
        ASSERT_GE(sd_bus_message_seal(m_, 1, 0), 0);
        ASSERT_GE(sd_bus_message_rewind(m_, 1), 0);
    }

    sd_bus* bus_ = nullptr;
    sd_bus_message* m_ = nullptr;
    int fds_[2] = {-1, -1};
};

TEST_F(RawMessage, ReadsEveryKnownTypeAndNamesOthers) {
    ASSERT_GE(
        sd_bus_message_append(m_, "a{sv}", 6, "AutoComplete", "b", 1, "NotifyLeadUSec", "t",
                              std::uint64_t{42}, "Comment", "s", "hello", "Hosts", "as", 2, "web1",
                              "db1", "Odd", "ai", 2, 1, 2, "Last", "s", "after the odd one"),
        0);
    ASSERT_GE(sd_bus_message_append(m_, "s", "trailer"), 0);
    seal();
    const OptionList list = options_from(m_);
    ASSERT_EQ(list.size(), 6u);
    EXPECT_EQ(list[0].first, "AutoComplete");
    EXPECT_EQ(std::get<bool>(list[0].second), true);
    EXPECT_EQ(list[1].first, "NotifyLeadUSec");
    EXPECT_EQ(std::get<std::uint64_t>(list[1].second), 42u);
    EXPECT_EQ(list[2].first, "Comment");
    EXPECT_EQ(std::get<std::string>(list[2].second), "hello");
    EXPECT_EQ(list[3].first, "Hosts");
    EXPECT_THAT(std::get<Strings>(list[3].second), ElementsAre("web1", "db1"));
    EXPECT_EQ(list[4].first, "Odd");
    EXPECT_EQ(std::get<OtherType>(list[4].second).signature, "ai");
    EXPECT_EQ(list[5].first, "Last");
    EXPECT_EQ(std::get<std::string>(list[5].second), "after the odd one");
    // The dictionary was consumed exactly: the next argument is readable.
    const char* trailer = nullptr;
    ASSERT_GE(sd_bus_message_read(m_, "s", &trailer), 0);
    EXPECT_STREQ(trailer, "trailer");
}

TEST_F(RawMessage, KeepsDuplicatesForTheDecoderToRefuse) {
    ASSERT_GE(sd_bus_message_append(m_, "a{sv}", 2, "Force", "b", 1, "Force", "b", 0), 0);
    seal();
    const OptionList list = options_from(m_);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_THAT(invalid_args([&] { flag_option(list, "options", "Force"); }),
                HasSubstr("'Force' given twice"));
}

TEST_F(RawMessage, EmptyDictionary) {
    ASSERT_GE(sd_bus_message_append(m_, "a{sv}", 0), 0);
    seal();
    EXPECT_TRUE(options_from(m_).empty());
}

TEST_F(RawMessage, NotADictionaryIsInvalidArgs) {
    ASSERT_GE(sd_bus_message_append(m_, "as", 1, "Force"), 0);
    seal();
    EXPECT_THAT(invalid_args([&] { options_from(m_); }),
                AllOf(StartsWith("options: "), HasSubstr("malformed")));
}

TEST_F(RawMessage, AHugeListIsRefusedWhileItIsRead) {
    // Every entry is read into memory only up to the cap: decoding runs before authorization.
    ASSERT_GE(sd_bus_message_open_container(m_, SD_BUS_TYPE_ARRAY, "{sv}"), 0);
    ASSERT_GE(sd_bus_message_open_container(m_, SD_BUS_TYPE_DICT_ENTRY, "sv"), 0);
    ASSERT_GE(sd_bus_message_append(m_, "s", "Hosts"), 0);
    ASSERT_GE(sd_bus_message_open_container(m_, SD_BUS_TYPE_VARIANT, "as"), 0);
    ASSERT_GE(sd_bus_message_open_container(m_, SD_BUS_TYPE_ARRAY, "s"), 0);
    for (std::size_t i = 0; i <= kMaxListEntries; ++i)
        ASSERT_GE(sd_bus_message_append(m_, "s", ("web" + std::to_string(i)).c_str()), 0);
    for (int i = 0; i < 4; ++i)
        ASSERT_GE(sd_bus_message_close_container(m_), 0);
    seal();
    EXPECT_THAT(invalid_args([&] { options_from(m_); }),
                AllOf(StartsWith("options: "), HasSubstr("'Hosts' has more than 4096 entries")));
}

TEST_F(RawMessage, StringListUpToTheCapIsRead) {
    ASSERT_GE(sd_bus_message_append(m_, "as", 2, "ops", "devs"), 0);
    seal();
    EXPECT_THAT(string_list_from(m_, "notify", "notify"), ElementsAre("ops", "devs"));
}

TEST(UpdateChanges, AHugeListIsRefusedOnItsSize) {
    Strings many;
    for (int i = 0; i < 200'000; ++i)
        many.push_back("host" + std::to_string(i));
    EXPECT_THAT(invalid_args([&] {
                    update_changes({{"Notify", many}});
                }),
                AllOf(StartsWith("changes: "), HasSubstr("'Notify' has more than 4096 entries")));
    EXPECT_THAT(invalid_args([&] {
                    schedule_options({{"Hosts", many}});
                }),
                AllOf(StartsWith("options: "), HasSubstr("'Hosts' has more than 4096 entries")));
}

TEST(ScheduleOptions, AHugeUnknownKeyIsQuotedShort) {
    const std::string key(100'000, 'k');
    const std::string message = invalid_args([&] { schedule_options({{key, true}}); });
    EXPECT_THAT(message, HasSubstr("unknown key 'kkkk"));
    EXPECT_LT(message.size(), 1000u);
}

// ---------------------------------------------------------------------------------------------
// Object paths

TEST(WindowPath, IsThePrefixAndTheDecimalId) {
    EXPECT_EQ(window_path(1), "/org/example/Maintenance1/window/1");
    EXPECT_EQ(window_path(42), "/org/example/Maintenance1/window/42");
    EXPECT_EQ(window_path(4294967295u), "/org/example/Maintenance1/window/4294967295");
}

TEST(WindowPath, RoundTrips) {
    for (WindowId id : {1u, 9u, 10u, 12345u, 4294967295u}) {
        EXPECT_EQ(window_id_of(window_path(id)), id) << id;
    }
}

TEST(WindowPath, RefusesWhatIsNotADecimalId) {
    const std::string p = "/org/example/Maintenance1/window/";
    for (const std::string& bad : {
             p + "0",           // ids count from 1
             p + "01",          // no leading zero
             p + "00",          //
             p + "-1",          // no sign
             p + "+1",          //
             p + "4294967296",  // one above the largest id
             p + "99999999999999999999",
             p + "1a",   // trailing junk
             p + "1/",   //
             p + "1/2",  //
             p + " 1",   //
             p + "1 ",   //
             p + "0x1",  //
             p,          // no id at all
             std::string("/org/example/Maintenance1/window"),
             std::string("/org/example/Maintenance1"),
             std::string("/org/example/Maintenance1/windows/1"),
             std::string("/org/example/Maintenance2/window/1"),
             std::string("org/example/Maintenance1/window/1"),
             std::string("/"),
             std::string(""),
         }) {
        EXPECT_FALSE(window_id_of(bad).has_value()) << "'" << bad << "'";
    }
}

TEST(WindowPath, TheManagersNamesAreTheContracts) {
    EXPECT_STREQ(kBusName, "org.example.Maintenance1");
    EXPECT_STREQ(kManagerPath, "/org/example/Maintenance1");
    EXPECT_STREQ(kManagerInterface, "org.example.Maintenance1.Manager");
    EXPECT_STREQ(kWindowInterface, "org.example.Maintenance1.Window");
}

}  // namespace
}  // namespace maint::bus
