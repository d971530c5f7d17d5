// Hostile input: oversize and malformed arguments are refused with InvalidArgs and never crash
// the daemon (it still answers, its state unchanged); calls with the wrong signature, to unknown
// objects or members are refused by the bus layer without harm.
#include <gtest/gtest.h>

#include "harness/daemon_test.hpp"

namespace maint::it {
namespace {

class Robustness : public DaemonTest {
  protected:
    // The daemon still runs and answers, with exactly the windows it had.
    void expect_alive(std::size_t windows) {
        EXPECT_TRUE(daemon_->running()) << daemon_->stderr_text();
        EXPECT_EQ(manager_->ListWindows().size(), windows);
        EXPECT_FALSE(manager_->Version().empty());
    }
    // `call` either fails with InvalidArgs or creates a window, which is then cancelled.
    void expect_refused_or_taken(const std::function<sdbus::ObjectPath()>& call) {
        std::optional<sdbus::ObjectPath> path;
        const auto e = error_of([&] { path = call(); });
        if (e) {
            EXPECT_EQ(e->getName(), kErrInvalidArgs) << e->getMessage();
        } else {
            window(*path)->Cancel("test");
            cancelled_ += 1;
        }
    }
    std::size_t cancelled_ = 0;
};

TEST_F(Robustness, OversizeArgumentsAreRefused) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const std::uint64_t end = start + kUsecPerHour;
    // 1 MiB of reason, and of every option text.
    const std::string mib(1024 * 1024, 'x');
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] { schedule(start, end, mib); }, {"reason"}));
    for (const char* key : {"Comment", "LoginMessage", "NotifyMessage"}) {
        EXPECT_TRUE(fails_with(kErrInvalidArgs,
                               [&] {
                                   schedule(start, end, "x", {}, {{key, sdbus::Variant(mib)}});
                               },
                               {key}));
    }
    // Ten thousand host names, a hundred thousand audiences: refused or taken, never a crash.
    std::vector<std::string> many_hosts(10000, "testhost");
    expect_refused_or_taken([&] {
        return schedule(start, end, "x", {}, {{"Hosts", sdbus::Variant(many_hosts)}});
    });
    std::vector<std::string> many_audiences(100000, "ops");
    expect_refused_or_taken([&] { return schedule(start, end, "x", many_audiences); });
    // A very long host name.
    EXPECT_TRUE(fails_with(
        kErrInvalidArgs,
        [&] {
            schedule(
                start, end, "x", {},
                {{"Hosts", sdbus::Variant(std::vector<std::string>{std::string(100000, 'h')})}});
        },
        {"Hosts"}));
    // An empty name and a name with a control character.
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] {
                               schedule(start, end, "x", {},
                                        {{"Hosts", sdbus::Variant(std::vector<std::string>{""})}});
                           },
                           {"Hosts"}));
    EXPECT_TRUE(
        fails_with(kErrInvalidArgs, [&] { schedule(start, end, "x", {"o\nps"}); }, {"notify"}));
    expect_alive(cancelled_);

    // The same on an existing window.
    const auto path = schedule(start, end, "Target");
    auto w = window(path);
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] {
                               w->Update({{"Reason", sdbus::Variant(mib)}});
                           },
                           {"reason"}));
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] { w->Cancel(mib); }, {"reason"}));
    w->Start({});
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] { w->Complete(mib, {}, {}); }, {"note"}));
    EXPECT_TRUE(fails_with(kErrInvalidArgs,
                           [&] {
                               w->Update({{"LoginMessage", sdbus::Variant(mib)}});
                           },
                           {"LoginMessage"}));
    EXPECT_EQ(w->Reason(), "Target");
    EXPECT_EQ(w->Status(), "in-progress");
    expect_alive(cancelled_ + 1);
}

TEST_F(Robustness, MalformedOptionValuesAreRefused) {
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const std::uint64_t end = start + kUsecPerHour;
    using Pair = sdbus::Struct<std::string, std::uint32_t>;
    const std::vector<std::pair<std::string, sdbus::Variant>> bad = {
        {"Comment", sdbus::Variant(std::vector<std::string>{"a", "b"})},
        {"ShowLoginMessage", sdbus::Variant(std::string("true"))},
        {"ShowLoginMessage", sdbus::Variant(std::uint32_t{1})},
        {"NotifyLeadUSec", sdbus::Variant(std::int64_t{-1})},
        {"NotifyLeadUSec", sdbus::Variant(std::uint32_t{60})},
        {"AutoComplete", sdbus::Variant(std::int32_t{0})},
        {"Hosts", sdbus::Variant(std::vector<std::uint32_t>{1, 2})},
        {"Hosts", sdbus::Variant(Pair("testhost", 1u))},
        {"Comment", sdbus::Variant(sdbus::ObjectPath("/a/path"))},
        {"Comment", sdbus::Variant(std::map<std::string, sdbus::Variant>{
                        {"x", sdbus::Variant(std::string("y"))}})},
        {"", sdbus::Variant(true)},
    };
    for (const auto& [key, value] : bad) {
        EXPECT_TRUE(fails_with(kErrInvalidArgs,
                               [&] {
                                   schedule(start, end, "x", {}, {{key, value}});
                               }))
            << key << " as " << value.peekValueType();
    }
    // A lead time longer than a year is nonsense.
    EXPECT_TRUE(fails_with(
        kErrInvalidArgs,
        [&] {
            schedule(start, end, "x", {},
                     {{"NotifyLeadUSec", sdbus::Variant(std::uint64_t{400} * 24 * kUsecPerHour)}});
        },
        {"NotifyLeadUSec"}));
    // Extreme times.
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] { schedule(0, end, "x"); }));
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] { schedule(start, 0, "x"); }));
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] { schedule(UINT64_MAX, UINT64_MAX, "x"); }));
    expect_alive(0);
    // Times at the far end: refused or stored as they are, never a crash.
    std::optional<sdbus::ObjectPath> far;
    const auto e = error_of([&] { far = schedule(UINT64_MAX - 2, UINT64_MAX - 1, "Far future"); });
    if (e) {
        EXPECT_EQ(e->getName(), kErrInvalidArgs) << e->getMessage();
        expect_alive(0);
    } else {
        EXPECT_EQ(window(*far)->EndUSec(), UINT64_MAX - 1);
        expect_alive(1);
    }
}

TEST_F(Robustness, WrongSignaturesUnknownMembersAndObjects) {
    auto& raw = manager_->raw();
    // Arguments that do not match the method's signature.
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] {
        raw.callMethod("ScheduleWindow")
            .onInterface(kManagerInterface)
            .withArguments(std::string("now"));
    }));
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] {
        raw.callMethod("GetWindow").onInterface(kManagerInterface).withArguments(std::string("1"));
    }));
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] {
        raw.callMethod("ScheduleWindow")
            .onInterface(kManagerInterface)
            .withArguments(std::uint64_t{1}, std::uint64_t{2}, std::string("x"),
                           std::vector<std::string>{}, std::vector<std::string>{});
    }));
    // Unknown members and objects.
    EXPECT_TRUE(
        error_of([&] { raw.callMethod("Frobnicate").onInterface(kManagerInterface); }).has_value());
    const std::uint64_t start = now_usec() + kUsecPerHour;
    const auto path = schedule(start, start + kUsecPerHour, "Real");
    for (const char* p :
         {"/org/example/Maintenance1/window/999", "/org/example/Maintenance1/window/01",
          "/org/example/Maintenance1/window/x", "/org/example/Maintenance1/window/0"}) {
        auto ghost = window(p);
        EXPECT_TRUE(error_of([&] { ghost->Start({}); }).has_value()) << p;
        EXPECT_TRUE(error_of([&] { ghost->Status(); }).has_value()) << p;
    }
    auto w = window(path);
    EXPECT_TRUE(fails_with(kErrInvalidArgs, [&] {
        w->raw().callMethod("Start").onInterface(kWindowInterface).withArguments(true);
    }));
    // Properties are read-only.
    EXPECT_TRUE(
        error_of([&] {
            w->raw().setProperty("Reason").onInterface(kWindowInterface).toValue(std::string("no"));
        }).has_value());
    EXPECT_TRUE(error_of([&] {
                    manager_->raw()
                        .setProperty("State")
                        .onInterface(kManagerInterface)
                        .toValue(std::string("idle"));
                }).has_value());
    EXPECT_EQ(w->Reason(), "Real");
    EXPECT_EQ(manager_->State(), "scheduled");
    expect_alive(1);
}

TEST_F(Robustness, ManyCallsInARow) {
    // A burst of refused and accepted calls; the daemon stays consistent.
    const std::uint64_t start = now_usec() + kUsecPerHour;
    for (int i = 0; i < 50; ++i) {
        const auto path = schedule(start, start + kUsecPerHour, "Burst " + std::to_string(i));
        EXPECT_TRUE(fails_with(kErrAlreadyScheduled,
                               [&] { schedule(start, start + kUsecPerHour, "Second"); }));
        window(path)->Cancel("burst");
    }
    const auto rows = manager_->ListWindows();
    ASSERT_EQ(rows.size(), 50u);
    EXPECT_EQ(std::get<0>(rows.front()), 50u);
    EXPECT_EQ(std::get<0>(rows.back()), 1u);
    expect_alive(50);
}

}  // namespace
}  // namespace maint::it
