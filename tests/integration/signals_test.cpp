// Every state change is announced: a second connection sees WindowScheduled, InterfacesAdded,
// PropertiesChanged of the Manager and of the window, WindowStarted and WindowFinished, in order.
#include <gtest/gtest.h>

#include "harness/daemon_test.hpp"

namespace maint::it {
namespace {

constexpr auto kSignalTimeout = 5s;

using Signals = DaemonTest;

TEST_F(Signals, LifecycleIsAnnouncedToASubscriber) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Announced");
    const std::string wp = path;

    auto scheduled = recorder_->wait_for(manager_signal("WindowScheduled", 1), kSignalTimeout);
    ASSERT_TRUE(scheduled) << recorder_->dump();
    EXPECT_EQ(scheduled->window, wp);
    EXPECT_EQ(scheduled->path, kManagerPath);

    auto added = recorder_->wait_for(
        [&](const RecordedSignal& s) { return s.is("InterfacesAdded") && s.object == wp; },
        kSignalTimeout);
    ASSERT_TRUE(added) << "no InterfacesAdded for the new window\n" << recorder_->dump();
    EXPECT_EQ(added->path, kManagerPath) << "InterfacesAdded comes from the ObjectManager";
    EXPECT_EQ(added->interface, kObjectManagerInterface);
    ASSERT_TRUE(added->interfaces.count(kWindowInterface)) << added->describe();
    const auto& props = added->interfaces.at(kWindowInterface);
    ASSERT_TRUE(props.count("Id")) << added->describe();
    EXPECT_EQ(variant_text(props.at("Id")), "1");

    EXPECT_TRUE(recorder_->wait_for(
        property_changed(kManagerPath, kManagerInterface, "State", "scheduled"), kSignalTimeout))
        << recorder_->dump();
    EXPECT_TRUE(recorder_->wait_for(
        property_changed(kManagerPath, kManagerInterface, "NextWindow", wp), kSignalTimeout))
        << recorder_->dump();

    auto w = window(path);
    w->Start({});
    auto started = recorder_->wait_for(manager_signal("WindowStarted", 1), kSignalTimeout);
    ASSERT_TRUE(started) << recorder_->dump();
    EXPECT_EQ(started->window, wp);
    EXPECT_TRUE(recorder_->wait_for(property_changed(wp, kWindowInterface, "Status", "in-progress"),
                                    kSignalTimeout))
        << recorder_->dump();
    EXPECT_TRUE(recorder_->wait_for(
        property_changed(kManagerPath, kManagerInterface, "State", "in-progress"), kSignalTimeout))
        << recorder_->dump();
    EXPECT_TRUE(recorder_->wait_for(
        property_changed(kManagerPath, kManagerInterface, "UnderMaintenance", "true"),
        kSignalTimeout))
        << recorder_->dump();
    EXPECT_TRUE(recorder_->wait_for(
        property_changed(kManagerPath, kManagerInterface, "ActiveWindow", wp), kSignalTimeout))
        << recorder_->dump();
    EXPECT_TRUE(recorder_->wait_for(
        [&](const RecordedSignal& s) {
            if (s.member != "PropertiesChanged" || s.path != kManagerPath)
                return false;
            auto it = s.changed.find("Banner");
            return it != s.changed.end() &&
                   variant_text(it->second).rfind("System is under maintenance!", 0) == 0;
        },
        kSignalTimeout))
        << recorder_->dump();
    // The Log is announced as invalidated (EmitsChangedSignal=invalidates).
    EXPECT_TRUE(
        recorder_->wait_for(property_invalidated(wp, kWindowInterface, "Log"), kSignalTimeout))
        << recorder_->dump();

    w->Complete("Done", {}, {});
    auto finished =
        recorder_->wait_for(window_finished(1, kCompletedWithoutLogind), kSignalTimeout);
    ASSERT_TRUE(finished) << recorder_->dump();
    EXPECT_EQ(finished->window, wp);
    EXPECT_TRUE(recorder_->wait_for(
        property_changed(wp, kWindowInterface, "Status", kCompletedWithoutLogind), kSignalTimeout))
        << recorder_->dump();
    EXPECT_TRUE(recorder_->wait_for(
        property_changed(kManagerPath, kManagerInterface, "State", "idle"), kSignalTimeout))
        << recorder_->dump();
    EXPECT_TRUE(recorder_->wait_for(
        property_changed(kManagerPath, kManagerInterface, "ActiveWindow", "/"), kSignalTimeout))
        << recorder_->dump();

    // In order, each exactly once.
    const int i_scheduled = recorder_->index_of(manager_signal("WindowScheduled", 1));
    const int i_started = recorder_->index_of(manager_signal("WindowStarted", 1));
    const int i_finished = recorder_->index_of(manager_signal("WindowFinished", 1));
    EXPECT_LT(i_scheduled, i_started);
    EXPECT_LT(i_started, i_finished);
    EXPECT_EQ(recorder_->count(manager_signal("WindowScheduled", 1)), 1u);
    EXPECT_EQ(recorder_->count(manager_signal("WindowStarted", 1)), 1u);
    EXPECT_EQ(recorder_->count(manager_signal("WindowFinished", 1)), 1u);
    // Nothing announced a window that does not exist.
    for (const auto& s : recorder_->signals()) {
        if (s.interface == kManagerInterface && s.member.rfind("Window", 0) == 0) {
            EXPECT_EQ(s.id, 1u) << s.describe();
        }
    }
}

TEST_F(Signals, CancelAndUpdateAreAnnounced) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Before");
    const std::string wp = path;
    auto w = window(path);
    w->Update({{"Reason", sdbus::Variant(std::string("After"))}, {"Valid", sdbus::Variant(false)}});
    EXPECT_TRUE(recorder_->wait_for(property_changed(wp, kWindowInterface, "Reason", "After"),
                                    kSignalTimeout))
        << recorder_->dump();
    EXPECT_TRUE(recorder_->wait_for(property_changed(wp, kWindowInterface, "Valid", "false"),
                                    kSignalTimeout))
        << recorder_->dump();
    w->Cancel("Not needed");
    auto finished = recorder_->wait_for(window_finished(1, "cancelled"), kSignalTimeout);
    ASSERT_TRUE(finished) << recorder_->dump();
    EXPECT_EQ(finished->window, wp);
    EXPECT_TRUE(recorder_->wait_for(property_changed(wp, kWindowInterface, "Status", "cancelled"),
                                    kSignalTimeout))
        << recorder_->dump();
    EXPECT_TRUE(recorder_->wait_for(
        property_changed(kManagerPath, kManagerInterface, "State", "idle"), kSignalTimeout))
        << recorder_->dump();
    EXPECT_TRUE(recorder_->wait_for(
        property_changed(kManagerPath, kManagerInterface, "NextWindow", "/"), kSignalTimeout))
        << recorder_->dump();
    EXPECT_EQ(recorder_->count(manager_signal("WindowStarted", 1)), 0u);
}

TEST_F(Signals, RefusedCallsAnnounceNothing) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    schedule(start, start + kUsecPerHour, "The only one");
    ASSERT_TRUE(recorder_->wait_for(manager_signal("WindowScheduled", 1), kSignalTimeout));
    // Let everything of the first call arrive, then start afresh.
    ASSERT_TRUE(recorder_->wait_for(
        property_changed(kManagerPath, kManagerInterface, "State", "scheduled"), kSignalTimeout));
    recorder_->clear();
    EXPECT_FALSE(error_of([&] { manager_->ListWindows(); }).has_value());
    EXPECT_TRUE(fails_with(kErrAlreadyScheduled, [&] {
        schedule(start + 3 * kUsecPerHour, start + 4 * kUsecPerHour, "x");
    }));
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] { schedule(start, start, "x"); }));
    // A later change acts as a barrier: once its signal is here, any stray one would be too.
    window(window_path(1))->Update({{"Comment", sdbus::Variant(std::string("barrier"))}});
    ASSERT_TRUE(recorder_->wait_for(
        property_changed(window_path(1), kWindowInterface, "Comment", "barrier"), kSignalTimeout))
        << recorder_->dump();
    for (const auto& s : recorder_->signals()) {
        EXPECT_FALSE(s.is("WindowScheduled") || s.is("InterfacesAdded")) << s.describe();
        if (s.is("PropertiesChanged")) {
            EXPECT_EQ(s.path, window_path(1)) << s.describe();
        }
    }
}

}  // namespace
}  // namespace maint::it
