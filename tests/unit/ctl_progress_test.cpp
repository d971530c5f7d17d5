// Tests of what maintenancectl start and retry-hosts show while and after they wait for a host
// flip: the choice between a bar and lines, the bar and the lines themselves, the summary, the
// exit status, and the window views of the flip's properties (show, show --hosts, --json).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "ctl/progress.hpp"
#include "ctl/render.hpp"
#include "ctl/request.hpp"

namespace maint::ctl {
namespace {

constexpr Usec S = kUsecPerSec;
constexpr Usec kNow = 1774944000 * S;  // 2026-03-31 08:00:00 UTC

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// Times are shown in UTC here; TZ is put back afterwards.
class CtlProgressTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (const char* old = std::getenv("TZ")) {
            saved_ = old;
        }
        ::setenv("TZ", "UTC", 1);
        ::tzset();
    }
    void TearDown() override {
        if (saved_) {
            ::setenv("TZ", saved_->c_str(), 1);
        } else {
            ::unsetenv("TZ");
        }
        ::tzset();
    }

  private:
    std::optional<std::string> saved_;
};

TEST_F(CtlProgressTest, ABarOnlyWhenBothStreamsAreATerminalThatIsNotDumb) {
    const TerminalFacts tty{true, true, "xterm-256color", std::nullopt};
    EXPECT_EQ(progress_mode(tty, false), ProgressMode::Bar);
    EXPECT_EQ(progress_mode(tty, true), ProgressMode::None) << "--json: the document only";
    TerminalFacts piped = tty;
    piped.stdout_tty = false;
    EXPECT_EQ(progress_mode(piped, false), ProgressMode::Lines) << "maintenancectl start | tee";
    piped = tty;
    piped.stderr_tty = false;
    EXPECT_EQ(progress_mode(piped, false), ProgressMode::Lines) << "2>log";
    TerminalFacts dumb = tty;
    dumb.term = "dumb";
    EXPECT_EQ(progress_mode(dumb, false), ProgressMode::Lines);
    dumb.term = std::nullopt;
    EXPECT_EQ(progress_mode(dumb, false), ProgressMode::Lines) << "no TERM";
    dumb.term = "";
    EXPECT_EQ(progress_mode(dumb, false), ProgressMode::Lines);

    EXPECT_TRUE(progress_color(tty));
    TerminalFacts no_color = tty;
    no_color.no_color = "1";
    EXPECT_FALSE(progress_color(no_color));
    no_color.no_color = "";
    EXPECT_TRUE(progress_color(no_color)) << "NO_COLOR counts when it is not empty";
}

TEST_F(CtlProgressTest, TheLineOfAStep) {
    EXPECT_EQ(progress_line("start", {10000, 2990, 10, 0, 7000}),
              "start: 30% (3000/10000 hosts: 2990 in maintenance, 10 failed, 0 skipped)");
    EXPECT_EQ(progress_line("retry-hosts", {3, 2, 0, 1, 0}),
              "retry-hosts: 100% (3/3 hosts: 2 in maintenance, 0 failed, 1 skipped)");
    EXPECT_EQ(progress_line("start", {0, 0, 0, 0, 0}),
              "start: 100% (0/0 hosts: 0 in maintenance, 0 failed, 0 skipped)");
}

TEST_F(CtlProgressTest, TheBar) {
    const HostProgress p{10000, 4497, 3, 0, 5500};
    // 4500 of 10000 done at 120 hosts/s: 5500 left, 46 s.
    EXPECT_EQ(progress_bar("start", p, 120.0, 100, false),
              "start [===========>             ]  45% 4500/10000 hosts, 3 failed, 0 skipped, 120 "
              "hosts/s, 46s left");
    EXPECT_EQ(progress_bar("start", p, std::nullopt, 100, false),
              "start [================>                   ]  45% 4500/10000 hosts, 3 failed, 0 "
              "skipped, -- hosts/s");
    EXPECT_EQ(progress_bar("start", {4, 0, 0, 0, 4}, 0.5, 80, false),
              "start [>            ]   0% 0/4 hosts, 0 failed, 0 skipped, 0.5 hosts/s, 8s left");
    EXPECT_EQ(progress_bar("start", {4, 4, 0, 0, 0}, 2.0, 80, false),
              "start [=============] 100% 4/4 hosts, 0 failed, 0 skipped, 2.0 hosts/s, 0s left");
    // Past an hour the time left is in minutes; with no room for a bar, the figures alone.
    EXPECT_EQ(progress_bar("start", {10000, 0, 0, 0, 10000}, 2.0, 80, false),
              "start: 0% 0/10000 hosts, 0 failed, 0 skipped, 2.0 hosts/s, 1h 24min left");
    // Never as wide as the terminal (it would wrap, and \r would redraw the wrong line).
    for (std::size_t columns : {20u, 45u, 60u, 70u, 80u, 200u}) {
        EXPECT_LT(progress_bar("start", p, 120.0, columns, false).size(), columns) << columns;
    }
    // Too narrow for a bar: the figures, the time left and then the rate left out, at last cut.
    EXPECT_EQ(progress_bar("start", p, 120.0, 75, false),
              "start: 45% 4500/10000 hosts, 3 failed, 0 skipped, 120 hosts/s, 46s left");
    EXPECT_EQ(progress_bar("start", p, 120.0, 62, false),
              "start: 45% 4500/10000 hosts, 3 failed, 0 skipped, 120 hosts/s");
    EXPECT_EQ(progress_bar("start", p, 120.0, 61, false),
              "start: 45% 4500/10000 hosts, 3 failed, 0 skipped");
    EXPECT_EQ(progress_bar("start", p, 120.0, 50, false),
              "start: 45% 4500/10000 hosts, 3 failed, 0 skipped");
    EXPECT_EQ(progress_bar("start", p, std::nullopt, 50, false),
              "start: 45% 4500/10000 hosts, 3 failed, 0 skipped");
    EXPECT_EQ(progress_bar("start", p, 120.0, 30, false), "start: 45% 4500/10000 hosts, ");
    // The failed and skipped counts in colour when there are any.
    const std::string coloured = progress_bar("start", {10, 5, 2, 1, 2}, std::nullopt, 100, true);
    EXPECT_TRUE(contains(coloured, "\x1b[0;1;31m2 failed\x1b[0m")) << coloured;
    EXPECT_TRUE(contains(coloured, "\x1b[0;1;33m1 skipped\x1b[0m")) << coloured;
    const std::string calm = progress_bar("start", {10, 5, 0, 0, 5}, std::nullopt, 100, true);
    EXPECT_FALSE(contains(calm, "\x1b")) << calm;
}

TEST_F(CtlProgressTest, LinesAtEachNewTenPercent) {
    FlipProgress shown("start", ProgressMode::Lines, true);
    EXPECT_EQ(shown.update({0, 0, 0, 0, 0}, 0, 80), "") << "hosts not resolved yet";
    EXPECT_EQ(shown.update({10, 0, 0, 0, 10}, 0.1, 80), "");
    EXPECT_EQ(shown.update({10, 1, 0, 0, 9}, 0.2, 80),
              "start: 10% (1/10 hosts: 1 in maintenance, 0 failed, 0 skipped)\n");
    EXPECT_EQ(shown.update({10, 1, 0, 0, 9}, 0.3, 80), "") << "the same step again";
    EXPECT_EQ(shown.tick(1.0, 80), "") << "no redraws in lines";
    EXPECT_EQ(shown.update({10, 4, 1, 0, 5}, 0.4, 80),
              "start: 50% (5/10 hosts: 4 in maintenance, 1 failed, 0 skipped)\n")
        << "steps passed at once make one line";
    EXPECT_EQ(shown.update({10, 8, 1, 1, 0}, 0.5, 80),
              "start: 100% (10/10 hosts: 8 in maintenance, 1 failed, 1 skipped)\n");
    EXPECT_EQ(shown.finish({10, 8, 1, 1, 0}), "") << "100% was printed";

    FlipProgress quick("start", ProgressMode::Lines, false);
    EXPECT_EQ(quick.update({2, 0, 0, 0, 2}, 0, 80), "");
    EXPECT_EQ(quick.finish({2, 2, 0, 0, 0}),
              "start: 100% (2/2 hosts: 2 in maintenance, 0 failed, 0 skipped)\n")
        << "a flip over before its progress was announced still ends with its line";
    FlipProgress empty("start", ProgressMode::Lines, false);
    EXPECT_EQ(empty.finish({0, 0, 0, 0, 0}), "") << "no hosts: no percentage";
}

TEST_F(CtlProgressTest, ABarRedrawnInPlaceWithItsRate) {
    FlipProgress shown("start", ProgressMode::Bar, false);
    EXPECT_EQ(shown.tick(0, 80), "") << "nothing to draw yet";
    EXPECT_EQ(shown.finish({}), "") << "nothing drawn, nothing to clear";
    EXPECT_EQ(shown.update({100, 0, 0, 0, 100}, 10.0, 100),
              "\r\x1b[Kstart [>                                       ]   0% 0/100 hosts, 0 "
              "failed, 0 skipped, -- hosts/s");
    EXPECT_FALSE(shown.rate(11.0)) << "no host done since the first sight";
    // 10 hosts in 2 s: 5 hosts/s, 90 left: 18 s.
    EXPECT_EQ(shown.update({100, 10, 0, 0, 90}, 12.0, 100),
              "\r\x1b[Kstart [==>                          ]  10% 10/100 hosts, 0 failed, 0 "
              "skipped, 5.0 hosts/s, 18s left");
    ASSERT_TRUE(shown.rate(12.0));
    EXPECT_DOUBLE_EQ(*shown.rate(12.0), 5.0);
    // A second later, nothing new: the rate falls.
    EXPECT_EQ(shown.tick(14.0, 100),
              "\r\x1b[Kstart [==>                          ]  10% 10/100 hosts, 0 failed, 0 "
              "skipped, 2.5 hosts/s, 36s left");
    EXPECT_EQ(shown.finish({100, 100, 0, 0, 0}), "\r\x1b[K") << "the bar is cleared at the end";

    FlipProgress json("start", ProgressMode::None, false);
    EXPECT_EQ(json.update({10, 5, 0, 0, 5}, 0, 80), "");
    EXPECT_EQ(json.tick(1, 80), "");
    EXPECT_EQ(json.finish({10, 10, 0, 0, 0}), "");
}

FlipReport report_with(HostProgress p, std::vector<HostResult> results) {
    FlipReport r;
    r.id = 7;
    r.path = "/org/example/Maintenance1/window/7";
    r.status = "in-progress";
    r.progress = p;
    r.results = std::move(results);
    return r;
}

TEST_F(CtlProgressTest, TheSummaryNamesTheFailedHosts) {
    FlipReport all = report_with({3, 3, 0, 0, 0}, {{"web1", "maintenance", "", kNow},
                                                   {"web2", "already", "", kNow},
                                                   {"web3", "maintenance", "", kNow}});
    EXPECT_EQ(flip_summary(all), "3 hosts in maintenance, 0 failed, 0 skipped");
    EXPECT_EQ(flip_exit_status(all), kExitSuccess);
    EXPECT_EQ(flip_problem(all), "");
    Style style{kNow, false, true, {}};
    EXPECT_EQ(render_flip(all, style), "3 hosts in maintenance, 0 failed, 0 skipped\n");

    FlipReport some = report_with({3, 1, 1, 1, 0}, {{"web1", "maintenance", "", kNow},
                                                    {"db1", "failed", "db1: lag", kNow},
                                                    {"db2", "skipped",
                                                     "error budget of 0 failed "
                                                     "hosts exceeded",
                                                     kNow}});
    EXPECT_EQ(flip_summary(some),
              "1 host in maintenance, 1 failed (db1), 1 skipped (error budget of 0 failed hosts "
              "exceeded)");
    EXPECT_EQ(flip_exit_status(some), kExitRefused);
    EXPECT_EQ(flip_problem(some),
              "not every host is in maintenance: 1 host failed, 1 host skipped; 'maintenancectl "
              "show 7 --hosts' says why, 'maintenancectl retry-hosts 7' tries them again");

    // Ten hosts named at most.
    std::vector<HostResult> many;
    for (int i = 1; i <= 13; ++i) {
        many.push_back({"n" + std::to_string(i), "failed", "down", kNow});
    }
    EXPECT_EQ(flip_summary(report_with({13, 0, 13, 0, 0}, many)),
              "0 hosts in maintenance, 13 failed (n1, n2, n3, n4, n5, n6, n7, n8, n9, n10 and 3 "
              "more), 0 skipped");
    many.resize(2);
    EXPECT_EQ(flip_summary(report_with({2, 0, 2, 0, 0}, many)),
              "0 hosts in maintenance, 2 failed (n1 and n2), 0 skipped");

    // The window finished while hosts were still to be flipped.
    FlipReport cut = report_with({4, 2, 0, 0, 2}, {});
    cut.end = FlipReport::End::WindowFinished;
    cut.status = "completed-with-errors";
    EXPECT_EQ(flip_summary(cut), "2 hosts in maintenance, 0 failed, 0 skipped, 2 pending");
    EXPECT_EQ(flip_exit_status(cut), kExitRefused);
    EXPECT_EQ(flip_problem(cut),
              "window 7 finished (completed-with-errors) before its hosts were flipped: 2 pending");
}

TEST_F(CtlProgressTest, TheJsonOfAFlip) {
    FlipReport some = report_with({2, 1, 1, 0, 0}, {{"web1", "maintenance", "in", 5 * S},
                                                    {"db1", "failed", "db1 \"lag\"", 6 * S}});
    Style style{kNow, true, true, {}};
    EXPECT_EQ(render_flip(some, style),
              R"({"Id":7,"Path":"/org/example/Maintenance1/window/7","Status":"in-progress",)"
              R"("Flipped":true,"Total":2,"InMaintenance":1,"Failed":1,"Skipped":0,"Pending":0,)"
              R"("FailedHosts":[{"Host":"db1","Result":"failed","Message":"db1 \"lag\"",)"
              R"("TimeUSec":6000000}]})"
              "\n");
}

WindowDetails flipped_window() {
    WindowDetails w;
    w.path = "/org/example/Maintenance1/window/7";
    w.id = 7;
    w.status = "in-progress";
    w.max_failed_hosts = "5%";
    w.host_progress = {3, 1, 1, 0, 1};
    w.host_results = {{"web1", "maintenance", "web1 entered maintenance", kNow - 90 * S},
                      {"db1", "failed", "db1 could not\nenter maintenance", kNow - 60 * S},
                      {"web2", "pending", "", 0}};
    return w;
}

TEST_F(CtlProgressTest, ShowSumsTheHostsUp) {
    Style style{kNow, false, true, {}};
    const std::string out = render_window(flipped_window(), style);
    for (const char* line :
         {"  Max failed hosts: 5%\n",
          "     Host progress: 3 total, 1 in maintenance, 1 failed, 0 skipped, 1 pending\n",
          "      Host results: 3 entries (maintenancectl show 7 --hosts)\n"}) {
        EXPECT_TRUE(contains(out, line)) << "missing: " << line << "\nin:\n" << out;
    }
    EXPECT_FALSE(contains(out, "db1 could not")) << "the results themselves are --hosts'";
    WindowDetails none;
    const std::string empty = render_window(none, style);
    EXPECT_TRUE(contains(empty, "  Max failed hosts: (none)\n")) << empty;
    EXPECT_TRUE(contains(empty, "      Host results: (none)\n")) << empty;
}

TEST_F(CtlProgressTest, ShowHostsIsATable) {
    Style style{kNow, false, true, {}};
    EXPECT_EQ(render_window_hosts(flipped_window(), style),
              "HOST  RESULT       TIME                                        MESSAGE\n"
              "web1  maintenance  Tue 2026-03-31 07:58:30 UTC (1min 30s ago)  web1 entered "
              "maintenance\n"
              "db1   failed       Tue 2026-03-31 07:59:00 UTC (1min ago)      db1 could not; enter "
              "maintenance\n"
              "web2  pending      n/a\n"
              "\n3 hosts listed: 3 total, 1 in maintenance, 1 failed, 0 skipped, 1 pending.\n");
    style.legend = false;
    const std::string bare = render_window_hosts(flipped_window(), style);
    EXPECT_FALSE(contains(bare, "HOST"));
    EXPECT_FALSE(contains(bare, "listed"));
    EXPECT_EQ(std::count(bare.begin(), bare.end(), '\n'), 3);
}

TEST_F(CtlProgressTest, ShowHostsAndShowJson) {
    Style style{kNow, true, true, {}};
    EXPECT_EQ(render_window_hosts(flipped_window(), style),
              R"([{"Host":"web1","Result":"maintenance","Message":"web1 entered maintenance",)"
              R"("TimeUSec":1774943910000000},{"Host":"db1","Result":"failed",)"
              R"("Message":"db1 could not\nenter maintenance","TimeUSec":1774943940000000},)"
              R"({"Host":"web2","Result":"pending","Message":"","TimeUSec":0}])"
              "\n");
    const std::string show = render_window(flipped_window(), style);
    EXPECT_TRUE(contains(show, R"("MaxFailedHosts":"5%",)")) << show;
    EXPECT_TRUE(contains(
        show,
        R"("HostProgress":{"Total":3,"InMaintenance":1,"Failed":1,"Skipped":0,"Pending":1},)"))
        << show;
    EXPECT_TRUE(contains(show, R"("HostResults":[{"Host":"web1","Result":"maintenance",)")) << show;
}

}  // namespace
}  // namespace maint::ctl
