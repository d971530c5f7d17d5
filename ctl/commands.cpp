// One function per maintenancectl command: call the daemon, print what it said. Errors are
// turned into exit statuses in one place, run_command(), so every command reports alike:
// "maintenancectl start: <the daemon's message>" on one line of stderr.
#include "ctl/commands.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <sdbus-c++/Error.h>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>

#include "common/nss.hpp"
#include "ctl/client.hpp"
#include "ctl/polkit_agent.hpp"
#include "ctl/progress.hpp"
#include "ctl/render.hpp"
#include "ctl/request.hpp"

namespace maint::ctl {

namespace {

constexpr std::string_view kNotSupported = "org.freedesktop.DBus.Error.NotSupported";

// The local name of `uid`, or "" when NSS does not know it.
std::string local_user_name(std::uint32_t uid) {
    const auto user = nss::user_by_uid(uid);
    return user ? user->name : "";
}

// The commands that change something and so may need polkit to ask for a password.
bool may_need_authorization(Command c) {
    switch (c) {
        case Command::Schedule:
        case Command::DryRun:
        case Command::Start:
        case Command::Complete:
        case Command::Cancel:
        case Command::Update:
        case Command::RetryHosts:
        case Command::HostMaintenance:
        case Command::TerminateSessions:
        case Command::Reload:
            return true;
        default:
            return false;
    }
}

// The message of a refusal, prefixed with the command, on one line of stderr.
void complain(const Invocation& inv, const std::string& message) {
    std::cerr << "maintenancectl " << command_name(inv.command) << ": " << one_line(message)
              << "\n";
}

std::optional<WindowDetails> window_if_any(MaintenanceClient& client, const std::string& path) {
    if (path.empty() || path == "/") {
        return std::nullopt;
    }
    return client.window(path);
}

int status(MaintenanceClient& client, const Style& style) {
    StatusReport report;
    report.manager = client.manager_state();
    report.active = window_if_any(client, report.manager.active_window);
    report.next = window_if_any(client, report.manager.next_window);
    try {
        report.hosts = client.list_hosts();
    } catch (const sdbus::Error& e) {
        // A daemon built without host support still has a status to show.
        if (e.getName() != kNotSupported) {
            throw;
        }
        report.hosts_unavailable = e.getMessage();
    }
    std::cout << render_status(report, style);
    return kExitSuccess;
}

int dry_run(MaintenanceClient& client, const Invocation& inv, const Style& style) {
    DryRunReport report = client.dry_run();
    std::cout << render_dry_run(report, style) << std::flush;
    if (report.ready) {
        return kExitSuccess;
    }
    std::string failed;
    for (const auto& c : report.checks) {
        if (c.result != "pass" && c.severity == "error") {
            failed += (failed.empty() ? "" : ", ") + c.name;
        }
    }
    complain(inv, "not ready: failed error checks: " + (failed.empty() ? "(unnamed)" : failed));
    return kExitRefused;
}

std::optional<std::string> environment(const char* name) {
    const char* value = std::getenv(name);
    return value ? std::optional<std::string>(value) : std::nullopt;
}

// The width of the progress bar's line: stderr's terminal, else $COLUMNS, else 80.
std::size_t terminal_columns() {
    winsize size{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
        return size.ws_col;
    }
    if (auto columns = environment("COLUMNS")) {
        const long n = std::strtol(columns->c_str(), nullptr, 10);
        if (n > 0 && n < 10'000) {
            return static_cast<std::size_t>(n);
        }
    }
    return 80;
}

double monotonic_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// start and retry-hosts: the call that begins a flip of the window's hosts, then, unless
// --no-block, the wait for its end with the progress on stderr and the summary on stdout.
int flip(MaintenanceClient& client, const Invocation& inv, const Style& style) {
    const std::string path = client.window_path(inv.id);
    // Subscribed before the call: the flip of a small fleet may be over before its reply.
    std::unique_ptr<FlipWatch> watch;
    if (inv.block) {
        watch = client.watch_flip(inv.id, path);
    }
    if (inv.command == Command::Start) {
        client.start(path, start_options(inv));
    } else {
        client.retry_hosts(path);
    }
    if (!watch) {
        std::cout << render_window_done(inv.id, path, style);
        return kExitSuccess;
    }

    const TerminalFacts facts{::isatty(STDOUT_FILENO) == 1, ::isatty(STDERR_FILENO) == 1,
                              environment("TERM"), environment("NO_COLOR")};
    FlipProgress shown(std::string(command_name(inv.command)), progress_mode(facts, style.json),
                       progress_color(facts));
    auto show = [](const std::string& text) {
        if (!text.empty()) {
            std::cerr << text << std::flush;
        }
    };
    // Where the flip stands now; the window announces every change after this.
    show(shown.update(client.host_progress(path), monotonic_seconds(), terminal_columns()));
    const FlipWatch::End end = watch->wait(
        [&](const HostProgress& p) {
            show(shown.update(p, monotonic_seconds(), terminal_columns()));
        },
        [&] { show(shown.tick(monotonic_seconds(), terminal_columns())); },
        std::chrono::seconds(1));
    if (end == FlipWatch::End::DaemonGone) {
        show(shown.finish(HostProgress{}));
        complain(inv, "maintenanced went away before the hosts of window " +
                          std::to_string(inv.id) + " were flipped");
        return kExitUnreachable;
    }

    const WindowDetails w = client.window(path);
    FlipReport report;
    report.end =
        end == FlipWatch::End::Flipped ? FlipReport::End::Flipped : FlipReport::End::WindowFinished;
    report.id = inv.id;
    report.path = path;
    report.status = w.status;
    report.progress = w.host_progress;
    report.results = w.host_results;
    show(shown.finish(report.progress));
    std::cout << render_flip(report, style) << std::flush;
    const std::string problem = flip_problem(report);
    if (!problem.empty()) {
        complain(inv, problem);
    }
    return flip_exit_status(report);
}

int dispatch(MaintenanceClient& client, const Invocation& inv, const Style& style) {
    switch (inv.command) {
        case Command::Status:
            return status(client, style);
        case Command::List: {
            std::vector<WindowRow> rows = client.list_windows();
            if (!style.json) {
                client.add_started(rows);  // --json is ListWindows as it is
            }
            std::cout << render_window_list(rows, style);
            return kExitSuccess;
        }
        case Command::Show: {
            const WindowDetails w = client.window(client.window_path(inv.id));
            std::cout << (inv.show_hosts ? render_window_hosts(w, style) : render_window(w, style));
            return kExitSuccess;
        }
        case Command::Schedule: {
            const WindowSettings& s = inv.settings;
            std::string path =
                client.schedule(*s.start, *s.end, s.reason.value_or(""),
                                s.notify.value_or(std::vector<std::string>{}), schedule_options(s));
            std::cout << render_scheduled(window_id_of(path), path, style);
            return kExitSuccess;
        }
        case Command::DryRun:
            return dry_run(client, inv, style);
        case Command::Start:
        case Command::RetryHosts:
            return flip(client, inv, style);
        case Command::Complete: {
            std::string path = client.window_path(inv.id);
            client.complete(path, inv.note, inv.complete_notify, inv.failed);
            std::cout << render_window_done(inv.id, path, style);
            return kExitSuccess;
        }
        case Command::Cancel: {
            std::string path = client.window_path(inv.id);
            client.cancel(path, inv.cancel_reason);
            std::cout << render_window_done(inv.id, path, style);
            return kExitSuccess;
        }
        case Command::Update: {
            std::string path = client.window_path(inv.id);
            client.update(path, update_changes(inv.settings));
            std::cout << render_window_done(inv.id, path, style);
            return kExitSuccess;
        }
        case Command::Hosts:
            std::cout << render_hosts(client.list_hosts(), style);
            return kExitSuccess;
        case Command::HostMaintenance:
            client.set_host_maintenance(inv.host_name, inv.host_enabled);
            std::cout << render_host_done(inv.host_name, inv.host_enabled, style);
            return kExitSuccess;
        case Command::Sessions:
            std::cout << render_sessions(client.list_sessions(), style);
            return kExitSuccess;
        case Command::TerminateSessions:
            std::cout << render_terminated(client.terminate_sessions(inv.include_admins), style);
            return kExitSuccess;
        case Command::Reload:
            client.reload();
            std::cout << render_nothing(style);
            return kExitSuccess;
    }
    return kExitSuccess;
}

}  // namespace

int run_command(const Invocation& inv, Usec now) {
    // As timedatectl: ask for a password only when someone is at a terminal to type it.
    bool interactive = inv.ask_password && ::isatty(STDIN_FILENO) == 1;
    std::optional<TtyAuthAgent> agent;
    // Root is allowed without polkit (the API says so), so only others need an agent.
    if (interactive && !inv.host && ::geteuid() != 0 && may_need_authorization(inv.command)) {
        agent.emplace();
    }

    Style style;
    style.now = now;
    style.json = inv.json;
    style.legend = inv.legend;
    if (!inv.host) {
        style.user_name = local_user_name;
    }

    try {
        MaintenanceClient client({inv.host, interactive});
        int status = dispatch(client, inv, style);
        std::cout << std::flush;
        return status;
    } catch (const BusUnavailable& e) {
        std::string bus = inv.host ? "the system bus of " + *inv.host : "the system bus";
        complain(inv, "cannot connect to " + bus + ": " + e.what());
        return kExitUnreachable;
    } catch (const sdbus::Error& e) {
        std::string message = e.getMessage().empty() ? e.getName() : e.getMessage();
        if (is_unreachable_error(e.getName())) {
            complain(inv, "cannot reach maintenanced: " + message);
            return kExitUnreachable;
        }
        complain(inv, message);
        return kExitRefused;
    }
}

}  // namespace maint::ctl
