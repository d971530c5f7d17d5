// Tests of the table of window properties (daemon/bus/window_properties): the keys each a{sv}
// argument accepts, that every setter stores what it is given, and that every WindowField bit
// names exactly one property.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "bus/options.hpp"
#include "bus/window_properties.hpp"
#include "core/errors.hpp"
#include "core/planner.hpp"

namespace maint::bus {
namespace {

TEST(WindowProperties, ScheduleTakesThePlanDetailsAndUpdateAlsoTheTimesReasonAudiencesValidity) {
    EXPECT_EQ(
        settable_keys(true),
        (std::vector<std::string>{"Comment", "LoginMessage", "ShowLoginMessage", "NotifyMessage",
                                  "NotifyLeadUSec", "Hosts", "AutoComplete", "MaxFailedHosts"}));
    EXPECT_EQ(
        settable_keys(false),
        (std::vector<std::string>{"Valid", "StartUSec", "EndUSec", "Reason", "Notify", "Comment",
                                  "LoginMessage", "ShowLoginMessage", "NotifyMessage",
                                  "NotifyLeadUSec", "Hosts", "AutoComplete", "MaxFailedHosts"}));
    EXPECT_EQ(settable_property("Id", false), nullptr);
    EXPECT_EQ(settable_property("StartUSec", true), nullptr)
        << "ScheduleWindow has it as an argument";
    EXPECT_EQ(settable_property("startusec", false), nullptr) << "keys are case-sensitive";
}

TEST(WindowProperties, EverySetterStoresItsValueInTheRightPlace) {
    // One value of each property's type; the decoded request must differ from an empty one in
    // exactly that field, with that value.
    for (const auto& p : window_properties()) {
        if (p.settable == Settable::No)
            continue;
        const std::string sig = p.signature;
        OptionValue v;
        if (sig == "b")
            v = true;
        else if (sig == "t")
            v = std::uint64_t{4242};
        else if (sig == "s")
            v = std::string("text of ") + p.name;
        else if (sig == "as")
            v = std::vector<std::string>{std::string("item of ") + p.name};
        else
            FAIL() << p.name << " has a type no option has: " << sig;
        const WindowChanges c = update_changes({{p.name, v}});
        EXPECT_FALSE(c.empty()) << p.name;
        // Exactly one member set, and it holds the value.
        int set = 0;
        auto check = [&](const auto& member, const char* name) {
            if (!member)
                return;
            ++set;
            EXPECT_STREQ(name, p.name);
            using T = std::decay_t<decltype(*member)>;
            EXPECT_EQ(*member, std::get<T>(v)) << p.name;
        };
        check(c.valid, "Valid");
        check(c.start_usec, "StartUSec");
        check(c.end_usec, "EndUSec");
        check(c.reason, "Reason");
        check(c.notify, "Notify");
        check(c.comment, "Comment");
        check(c.login_message, "LoginMessage");
        check(c.show_login_message, "ShowLoginMessage");
        check(c.notify_message, "NotifyMessage");
        check(c.notify_lead_usec, "NotifyLeadUSec");
        check(c.hosts, "Hosts");
        check(c.auto_complete, "AutoComplete");
        check(c.max_failed_hosts, "MaxFailedHosts");
        EXPECT_EQ(set, 1) << p.name;
    }
}

TEST(WindowProperties, AValueOfTheWrongTypeNamesTheArgumentKeyAndTypes) {
    try {
        (void)update_changes({{"EndUSec", std::string("tomorrow")}});
        FAIL() << "accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::InvalidArgs);
        EXPECT_STREQ(e.what(), "changes: 'EndUSec' must be of type 't', not 's'");
    }
}

TEST(WindowProperties, EachFieldBitNamesOneChangingProperty) {
    std::set<std::uint32_t> bits;
    for (const auto& p : window_properties()) {
        if (p.flags & SD_BUS_VTABLE_PROPERTY_CONST) {
            EXPECT_EQ(p.field, 0u) << p.name << " is constant and has a field bit";
            continue;
        }
        ASSERT_NE(p.field, 0u) << p.name << " changes but has no field bit";
        EXPECT_EQ(p.field & (p.field - 1), 0u) << p.name << ": one bit";
        EXPECT_TRUE(bits.insert(p.field).second) << p.name << " shares its bit";
        EXPECT_EQ(changed_property_names(p.field), std::vector<const char*>{p.name});
    }
    EXPECT_EQ(bits.size(), 23u) << "every WindowField has its property";
    const auto both = changed_property_names(kFieldStatus | kFieldLog);
    EXPECT_EQ(std::vector<std::string>(both.begin(), both.end()),
              (std::vector<std::string>{"Status", "Log"}));
}

TEST(WindowProperties, TheVtableHasEveryPropertyWithItsSignatureAndFlags) {
    const auto vtable = window_property_vtable();
    const auto table = window_properties();
    ASSERT_EQ(vtable.size(), table.size());
    for (std::size_t i = 0; i < table.size(); ++i) {
        EXPECT_STREQ(vtable[i].x.property.member, table[i].name);
        EXPECT_STREQ(vtable[i].x.property.signature, table[i].signature);
        EXPECT_EQ(vtable[i].x.property.get, table[i].get);
        EXPECT_EQ(vtable[i].flags & table[i].flags, table[i].flags);
    }
}

}  // namespace
}  // namespace maint::bus
