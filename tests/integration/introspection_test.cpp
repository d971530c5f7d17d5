// The live introspection of /org/example/Maintenance1 and of a window object serves exactly what
// dbus/org.example.Maintenance1.xml declares: each interface's methods (argument names, types,
// directions), properties (type, access) and signals; the Manager object also serves
// org.freedesktop.DBus.ObjectManager, whose GetManagedObjects lists the windows.
#include <gtest/gtest.h>

#include "harness/daemon_test.hpp"
#include "harness/introspection.hpp"

#ifndef MAINT_INTERFACE_XML
#error "MAINT_INTERFACE_XML must name dbus/org.example.Maintenance1.xml"
#endif

namespace maint::it {
namespace {

class Introspection : public DaemonTest {
  protected:
    void SetUp() override {
        DaemonTest::SetUp();
        contract_ = parse_introspection(read_file(MAINT_INTERFACE_XML));
    }

    // Compares one served interface with the contract's.
    void expect_matches_contract(const IntrospectedNode& live, const std::string& interface) {
        ASSERT_TRUE(contract_.interfaces.count(interface)) << interface << " not in the XML";
        ASSERT_TRUE(live.interfaces.count(interface)) << interface << " is not served";
        const auto& want = contract_.interfaces.at(interface);
        const auto& got = live.interfaces.at(interface);
        EXPECT_EQ(got.methods, want.methods)
            << interface << " methods:" << set_difference_text(want.methods, got.methods);
        EXPECT_EQ(got.properties, want.properties)
            << interface << " properties:" << set_difference_text(want.properties, got.properties);
        EXPECT_EQ(got.signals, want.signals)
            << interface << " signals:" << set_difference_text(want.signals, got.signals);
    }

    void expect_emits_match_contract(const IntrospectedNode& live, const std::string& interface) {
        ASSERT_TRUE(live.interfaces.count(interface));
        const auto& want = contract_.interfaces.at(interface).property_emits;
        const auto& got = live.interfaces.at(interface).property_emits;
        EXPECT_EQ(got, want) << interface << " EmitsChangedSignal:"
                             << set_difference_text(want, got);
    }

    IntrospectedNode contract_;
};

TEST_F(Introspection, TheContractXmlIsReadable) {
    // Guards the comparisons below against comparing two empty sets.
    ASSERT_EQ(contract_.interfaces.size(), 3u);
    const auto& m = contract_.interfaces.at(kManagerInterface);
    EXPECT_EQ(m.methods.size(), 9u);
    EXPECT_EQ(m.properties.size(), 6u);
    EXPECT_EQ(m.signals.size(), 6u);
    EXPECT_TRUE(
        m.methods.count("method ScheduleWindow(in t start_usec, in t end_usec, in s reason, "
                        "in as notify, in a{sv} options, out o window)"));
    const auto& w = contract_.interfaces.at(kWindowInterface);
    EXPECT_EQ(w.methods.size(), 5u);
    EXPECT_EQ(w.properties.size(), 26u);
    EXPECT_TRUE(w.properties.count("property Log a(tss) read"));
    const auto& t = contract_.interfaces.at("org.example.Maintenance1.Timers");
    EXPECT_EQ(t.methods.size(), 1u);
}

TEST_F(Introspection, ManagerObjectServesExactlyTheContract) {
    const auto live = parse_introspection(introspect(manager_->raw()));
    expect_matches_contract(live, kManagerInterface);
    expect_matches_contract(live, "org.example.Maintenance1.Timers");
    EXPECT_TRUE(live.interfaces.count(kObjectManagerInterface))
        << "the Manager object does not serve org.freedesktop.DBus.ObjectManager";
    EXPECT_TRUE(live.interfaces.count(kPropertiesInterface));
    EXPECT_TRUE(live.interfaces.count("org.freedesktop.DBus.Introspectable"));
    EXPECT_FALSE(live.interfaces.count(kWindowInterface));
}

TEST_F(Introspection, WindowObjectServesExactlyTheContract) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Introspected");
    const auto live = parse_introspection(introspect(window(path)->raw()));
    expect_matches_contract(live, kWindowInterface);
    EXPECT_TRUE(live.interfaces.count(kPropertiesInterface));
    EXPECT_FALSE(live.interfaces.count(kManagerInterface));
}

TEST_F(Introspection, PropertyChangeAnnotationsMatchTheContract) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Annotated");
    expect_emits_match_contract(parse_introspection(introspect(manager_->raw())),
                                kManagerInterface);
    expect_emits_match_contract(parse_introspection(introspect(window(path)->raw())),
                                kWindowInterface);
}

TEST_F(Introspection, WindowsAreChildNodes) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    window(schedule(start, start + kUsecPerHour, "One"))->Cancel("x");
    schedule(start, start + kUsecPerHour, "Two");
    auto parent = std::make_unique<WindowProxy>(*client_, std::string(kManagerPath) + "/window");
    const auto live = parse_introspection(introspect(parent->raw()));
    std::set<std::string> children(live.children.begin(), live.children.end());
    EXPECT_EQ(children, (std::set<std::string>{"1", "2"}));
}

TEST_F(Introspection, GetManagedObjectsListsTheWindows) {
    EXPECT_TRUE(get_managed_objects(manager_->raw()).empty()) << "no windows yet";
    const std::uint64_t start = now_usec() + kUsecPerHour;
    window(schedule(start, start + kUsecPerHour, "One"))->Cancel("x");
    schedule(start, start + kUsecPerHour, "Two");
    const auto objects = get_managed_objects(manager_->raw());
    ASSERT_EQ(objects.size(), 2u);
    for (std::uint32_t id : {1u, 2u}) {
        const sdbus::ObjectPath p(window_path(id));
        ASSERT_TRUE(objects.count(p)) << p;
        ASSERT_TRUE(objects.at(p).count(kWindowInterface)) << p;
        const auto& props = objects.at(p).at(kWindowInterface);
        ASSERT_TRUE(props.count("Id"));
        EXPECT_EQ(variant_text(props.at("Id")), std::to_string(id));
        ASSERT_TRUE(props.count("Status"));
        EXPECT_EQ(variant_text(props.at("Status")), id == 1 ? "cancelled" : "scheduled");
        EXPECT_EQ(props.size(), 26u);
    }
}

}  // namespace
}  // namespace maint::it
