// See desktop_harness.hpp.
#include "desktop/desktop_harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "harness/daemon_process.hpp"
#include "harness/private_bus.hpp"
#include "harness/temp_dir.hpp"
#include "harness/wait.hpp"

#ifndef MAINT_NOTIFY_PATH
#error "MAINT_NOTIFY_PATH must name the maintenance-notify binary"
#endif
#ifndef MAINT_DESKTOP_ARTIFACTS_DIR
#error "MAINT_DESKTOP_ARTIFACTS_DIR must name where the screenshot goes"
#endif

namespace maint::it::desktop {

using namespace std::chrono_literals;

namespace {

constexpr const char* kNotificationsName = "org.freedesktop.Notifications";

// Starts `argv` with descriptor 3 as the write end of a pipe and returns the first line it
// writes there (dbus-daemon --print-address=3, Xvfb -displayfd 3).
std::string spawn_and_read_line(Process& process, SpawnOptions o,
                                std::chrono::milliseconds timeout) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) < 0)
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    o.pass_fd = pipe_fds[1];
    o.child_fd = 3;
    try {
        process = Process(o);
    } catch (...) {
        ::close(pipe_fds[0]);
        ::close(pipe_fds[1]);
        throw;
    }
    ::close(pipe_fds[1]);
    std::string line = read_line(pipe_fds[0], timeout);
    ::close(pipe_fds[0]);
    return line;
}

// The address dbus-daemon printed, without its guid.
std::string strip_guid(std::string address) {
    if (const auto comma = address.find(','); comma != std::string::npos)
        address.resize(comma);
    return address;
}

std::string start_bus(Process& process, const std::filesystem::path& dir,
                      const std::string& config) {
    write_file(dir / "bus.conf", config);
    SpawnOptions o;
    o.argv = {MAINT_DBUS_DAEMON, "--config-file=" + (dir / "bus.conf").string(), "--nofork",
              "--nopidfile", "--print-address=3"};
    o.env = environment_with({});
    o.stderr_file = dir / "bus.log";
    const std::string address = spawn_and_read_line(process, o, 10s);
    if (address.empty()) {
        process.kill_now();
        throw std::runtime_error("dbus-daemon did not start: " + read_file(dir / "bus.log"));
    }
    return strip_guid(address);
}

}  // namespace

std::optional<std::string> Tools::missing() const {
    std::string out;
    for (const auto& [name, path] :
         std::map<std::string, std::string>{{"Xvfb (xvfb)", xvfb},
                                            {"dunst", dunst},
                                            {"dunstctl (dunst)", dunstctl},
                                            {"busctl (systemd)", busctl},
                                            {"xwd (x11-apps)", xwd},
                                            {"xwdtopnm (netpbm)", xwdtopnm},
                                            {"pnmtopng (netpbm)", pnmtopng}}) {
        if (path.empty() || ::access(path.c_str(), X_OK) != 0)
            out += (out.empty() ? "" : ", ") + name;
    }
    if (out.empty())
        return std::nullopt;
    return out + " missing: run scripts/install-deps.sh";
}

const Tools& tools() {
    static const Tools t{MAINT_XVFB, MAINT_DUNST,    MAINT_DUNSTCTL, MAINT_BUSCTL,
                         MAINT_XWD,  MAINT_XWDTOPNM, MAINT_PNMTOPNG};
    return t;
}

// --- buses ---------------------------------------------------------------------------------------

SessionBus::SessionBus(const std::filesystem::path& dir) {
    address_ = start_bus(
        process_, dir,
        R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:path=)" +
            (dir / "session_bus_socket").string() +
            R"(</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
)");
}

SessionBus::~SessionBus() {
    process_.terminate(2s);
}

void SessionBus::kill() {
    process_.kill_now();
}

ActivatableSystemBus::ActivatableSystemBus(const std::filesystem::path& dir)
    : marker_(dir / "activated") {
    const auto services = dir / "services";
    std::filesystem::create_directories(services);
    write_file(services / "org.example.Maintenance1.service",
               "[D-BUS Service]\nName=org.example.Maintenance1\nExec=/bin/sh -c 'echo activated "
               ">> " +
                   marker_.string() + "'\nUser=root\n");
    std::string config = private_bus_config(dir / "system_bus_socket", MAINT_DBUS_POLICY_DIR);
    config.insert(config.rfind("</busconfig>"),
                  "  <servicedir>" + services.string() + "</servicedir>\n");
    address_ = start_bus(process_, dir, config);
}

ActivatableSystemBus::~ActivatableSystemBus() {
    process_.terminate(2s);
}

bool ActivatableSystemBus::activation_attempted() const {
    return std::filesystem::exists(marker_);
}

// --- X and dunst ---------------------------------------------------------------------------------

XServer::XServer(const std::filesystem::path& dir) : dir_(dir) {
    SpawnOptions o;
    o.argv = {tools().xvfb,  "-displayfd", "3",   "-screen", "0",
              "1024x768x24", "-nolisten",  "tcp", "-br",     "-noreset"};
    o.env = environment_with({});
    o.stderr_file = dir / "xvfb.log";
    const std::string number = spawn_and_read_line(process_, o, 20s);
    if (number.empty()) {
        process_.kill_now();
        throw std::runtime_error("Xvfb did not start: " + read_file(dir / "xvfb.log"));
    }
    display_ = ":" + number;
}

XServer::~XServer() {
    // SIGTERM: Xvfb removes its lock file and socket.
    process_.terminate(5s);
}

void XServer::screenshot(const std::filesystem::path& file) const {
    const Tools& t = tools();
    const std::string pipeline = t.xwd + " -root -silent -display " + display_ + " | " +
                                 t.xwdtopnm + " 2>/dev/null | " + t.pnmtopng + " > '" +
                                 file.string() + "'";
    const auto r =
        run_command({"/bin/bash", "-o", "pipefail", "-c", pipeline}, environment_with({}), 30s);
    if (!r.exit.exited || r.exit.code != 0 || !std::filesystem::exists(file) ||
        std::filesystem::file_size(file) == 0) {
        throw std::runtime_error("screenshot failed: " + r.describe());
    }
}

Dunst::Dunst(const std::filesystem::path& dir, const std::string& display,
             const std::string& session_address)
    : dir_(dir), session_address_(session_address), display_(display) {
    // dunst 1.9's settings: the geometry is width/height/origin/offset; follow=none keeps it on
    // the one screen. No timeouts, so a notification leaves the screen only when it is closed.
    write_file(dir / "dunstrc",
               "[global]\n"
               "    monitor = 0\n"
               "    follow = none\n"
               "    width = 460\n"
               "    height = 200\n"
               "    origin = top-right\n"
               "    offset = 10x10\n"
               "    font = DejaVu Sans 11\n"
               "    markup = full\n"
               "    format = \"<b>%s</b>\\n%b\"\n"
               "    frame_width = 2\n"
               "    padding = 10\n"
               "    horizontal_padding = 10\n"
               "    idle_threshold = 0\n"
               "    history_length = 50\n"
               "[urgency_low]\n"
               "    timeout = 0\n"
               "[urgency_normal]\n"
               "    background = \"#1d3557\"\n"
               "    foreground = \"#f1faee\"\n"
               "    frame_color = \"#a8dadc\"\n"
               "    timeout = 0\n"
               "[urgency_critical]\n"
               "    background = \"#9d0208\"\n"
               "    foreground = \"#ffffff\"\n"
               "    frame_color = \"#ffba08\"\n"
               "    timeout = 0\n");
    SpawnOptions o;
    o.argv = {tools().dunst, "-config", (dir / "dunstrc").string()};
    o.env = env();
    o.stdout_file = dir / "dunst.log";
    o.stderr_file = dir / "dunst.log";
    process_ = Process(o);
    const bool up = wait_until(
        [&] { return !process_.running() || name_has_owner(session_address_, kNotificationsName); },
        15s, 20ms);
    if (!up || !process_.running())
        throw std::runtime_error("dunst did not come up: " + output());
}

Dunst::~Dunst() {
    process_.terminate(5s);
}

std::vector<std::string> Dunst::env() const {
    return environment_with({{"DISPLAY", display_},
                             {"WAYLAND_DISPLAY", std::nullopt},
                             {"DBUS_SESSION_BUS_ADDRESS", session_address_},
                             {"XDG_CONFIG_HOME", (dir_ / "config").string()}});
}

std::string Dunst::output() const {
    return read_file(dir_ / "dunst.log");
}

int Dunst::count(const std::string& which) const {
    const auto r = run_command({tools().dunstctl, "count", which}, env());
    if (!r.exit.exited || r.exit.code != 0)
        throw std::runtime_error("dunstctl count " + which + ": " + r.describe());
    return std::stoi(r.out);
}

std::string Dunst::history_json() const {
    const auto r = run_command({tools().dunstctl, "history"}, env());
    if (!r.exit.exited || r.exit.code != 0)
        throw std::runtime_error("dunstctl history: " + r.describe());
    return r.out;
}

std::vector<HistoryEntry> Dunst::history() const {
    // The call dunstctl makes, read typed instead of through busctl's JSON.
    sd_bus* bus = nullptr;
    sd_bus_message* reply = nullptr;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    std::vector<HistoryEntry> out;
    auto fail = [&](const std::string& what, int r) {
        const std::string text = what + ": " + (error.message ? error.message : std::strerror(-r));
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        sd_bus_flush_close_unref(bus);
        throw std::runtime_error(text);
    };
    int r = sd_bus_new(&bus);
    if (r < 0)
        fail("sd_bus_new", r);
    if ((r = sd_bus_set_address(bus, session_address_.c_str())) < 0 ||
        (r = sd_bus_set_bus_client(bus, 1)) < 0 || (r = sd_bus_start(bus)) < 0)
        fail("connecting to the session bus", r);
    r = sd_bus_call_method(bus, kNotificationsName, "/org/freedesktop/Notifications",
                           "org.dunstproject.cmd0", "NotificationListHistory", &error, &reply, "");
    if (r < 0)
        fail("NotificationListHistory", r);
    if ((r = sd_bus_message_enter_container(reply, 'a', "a{sv}")) < 0)
        fail("reading the history", r);
    while ((r = sd_bus_message_enter_container(reply, 'a', "{sv}")) > 0) {
        HistoryEntry e;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
            const char* key = nullptr;
            sd_bus_message_read(reply, "s", &key);
            const std::string k = key ? key : "";
            const char* s = nullptr;
            if (k == "id") {
                sd_bus_message_read(reply, "v", "i", &e.id);
            } else if ((k == "summary" || k == "body" || k == "appname") &&
                       sd_bus_message_read(reply, "v", "s", &s) >= 0) {
                (k == "summary" ? e.summary : k == "body" ? e.body : e.appname) = s ? s : "";
            } else {
                sd_bus_message_skip(reply, "v");
            }
            sd_bus_message_exit_container(reply);
        }
        sd_bus_message_exit_container(reply);
        out.push_back(std::move(e));
    }
    sd_bus_message_unref(reply);
    sd_bus_flush_close_unref(bus);
    return out;
}

// --- the monitor ---------------------------------------------------------------------------------

std::string NotifyCall::describe() const {
    std::ostringstream s;
    s << "Notify(app=" << app_name << ", replaces_id=" << replaces_id << ", icon=" << icon
      << ", summary=\"" << summary << "\", body=\"" << body
      << "\", urgency=" << (urgency ? std::to_string(*urgency) : "none")
      << ", expire_timeout=" << expire_timeout << ") -> "
      << (id      ? std::to_string(*id)
          : error ? *error
                  : "no reply");
    return s.str();
}

NotificationMonitor::NotificationMonitor(const std::string& address) {
    auto fail = [&](const std::string& what, int r) {
        sd_bus_flush_close_unref(bus_);
        bus_ = nullptr;
        throw std::runtime_error("monitor: " + what + ": " + std::strerror(-r));
    };
    int r = sd_bus_new(&bus_);
    if (r < 0)
        throw std::runtime_error(std::string("sd_bus_new: ") + std::strerror(-r));
    if ((r = sd_bus_set_address(bus_, address.c_str())) < 0 ||
        (r = sd_bus_set_monitor(bus_, 1)) < 0 || (r = sd_bus_set_bus_client(bus_, 1)) < 0 ||
        (r = sd_bus_start(bus_)) < 0)
        fail("connecting", r);
    sd_bus_message* call = nullptr;
    if ((r = sd_bus_message_new_method_call(
             bus_, &call, "org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.Monitoring", "BecomeMonitor")) < 0)
        fail("BecomeMonitor", r);
    r = sd_bus_message_append(call, "asu", 4,
                              "type='method_call',interface='org.freedesktop.Notifications'",
                              "type='method_return'", "type='error'",
                              "type='signal',interface='org.freedesktop.Notifications'", 0u);
    if (r >= 0)
        r = sd_bus_call(bus_, call, 0, nullptr, nullptr);
    sd_bus_message_unref(call);
    if (r < 0)
        fail("BecomeMonitor", r);
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop_fd_ < 0)
        fail("eventfd", -errno);
    thread_ = std::thread([this] { run(); });
}

NotificationMonitor::~NotificationMonitor() {
    const std::uint64_t one = 1;
    if (::write(stop_fd_, &one, sizeof one) < 0) {
        // The thread then runs until the bus goes; nothing better to do.
    }
    thread_.join();
    ::close(stop_fd_);
    sd_bus_flush_close_unref(bus_);
}

void NotificationMonitor::run() {
    for (;;) {
        for (;;) {
            sd_bus_message* m = nullptr;
            const int r = sd_bus_process(bus_, &m);
            if (m != nullptr) {
                record(m);
                sd_bus_message_unref(m);
            }
            if (r < 0)
                return;  // the bus went away
            if (r == 0)
                break;
        }
        pollfd fds[2] = {{sd_bus_get_fd(bus_), static_cast<short>(sd_bus_get_events(bus_)), 0},
                         {stop_fd_, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR)
            return;
        if (fds[1].revents & POLLIN)
            return;
    }
}

void NotificationMonitor::record(sd_bus_message* m) {
    std::lock_guard lock(mutex_);
    if (sd_bus_message_is_method_call(m, "org.freedesktop.Notifications", "Notify") > 0) {
        NotifyCall c;
        c.sender = sd_bus_message_get_sender(m) ? sd_bus_message_get_sender(m) : "";
        sd_bus_message_get_cookie(m, &c.cookie);
        const char *app = nullptr, *icon = nullptr, *summary = nullptr, *body = nullptr;
        if (sd_bus_message_read(m, "susss", &app, &c.replaces_id, &icon, &summary, &body) < 0)
            return;
        c.app_name = app;
        c.icon = icon;
        c.summary = summary;
        c.body = body;
        sd_bus_message_skip(m, "as");
        if (sd_bus_message_enter_container(m, 'a', "{sv}") > 0) {
            while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                const char* key = nullptr;
                sd_bus_message_read(m, "s", &key);
                std::uint8_t urgency = 0;
                if (key && std::strcmp(key, "urgency") == 0 &&
                    sd_bus_message_read(m, "v", "y", &urgency) >= 0)
                    c.urgency = urgency;
                else
                    sd_bus_message_skip(m, "v");
                sd_bus_message_exit_container(m);
            }
            sd_bus_message_exit_container(m);
        }
        sd_bus_message_read(m, "i", &c.expire_timeout);
        notify_.push_back(std::move(c));
    } else if (sd_bus_message_is_method_call(m, "org.freedesktop.Notifications",
                                             "CloseNotification") > 0) {
        std::uint32_t id = 0;
        if (sd_bus_message_read(m, "u", &id) >= 0)
            close_.push_back(id);
    } else if (sd_bus_message_is_signal(m, "org.freedesktop.Notifications", "NotificationClosed") >
               0) {
        ClosedSignal s;
        if (sd_bus_message_read(m, "uu", &s.id, &s.reason) >= 0)
            closed_.push_back(s);
    } else {
        std::uint8_t type = 0;
        std::uint64_t reply_to = 0;
        sd_bus_message_get_type(m, &type);
        if (sd_bus_message_get_reply_cookie(m, &reply_to) < 0)
            return;
        const char* destination = sd_bus_message_get_destination(m);
        for (auto& c : notify_) {
            if (c.cookie != reply_to || !destination || c.sender != destination)
                continue;
            if (type == SD_BUS_MESSAGE_METHOD_RETURN) {
                std::uint32_t id = 0;
                if (sd_bus_message_read(m, "u", &id) >= 0)
                    c.id = id;
            } else {
                const sd_bus_error* e = sd_bus_message_get_error(m);
                c.error = e && e->name ? e->name : "error";
            }
        }
    }
    changed_.notify_all();
}

std::vector<NotifyCall> NotificationMonitor::notify_calls() const {
    std::lock_guard lock(mutex_);
    return notify_;
}

std::vector<std::uint32_t> NotificationMonitor::close_calls() const {
    std::lock_guard lock(mutex_);
    return close_;
}

std::vector<ClosedSignal> NotificationMonitor::closed_signals() const {
    std::lock_guard lock(mutex_);
    return closed_;
}

bool NotificationMonitor::wait(const std::function<bool()>& done,
                               std::chrono::milliseconds timeout) {
    // `done` reads through the locking accessors, so it is checked without the lock held.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (done())
            return true;
        std::unique_lock lock(mutex_);
        if (changed_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() +
                                                             50ms)) == std::cv_status::timeout &&
            std::chrono::steady_clock::now() >= deadline) {
            lock.unlock();
            return done();
        }
    }
}

std::vector<NotifyCall> NotificationMonitor::wait_answered(std::size_t count,
                                                           std::chrono::milliseconds timeout) {
    wait(
        [&] {
            const auto calls = notify_calls();
            std::size_t answered = 0;
            for (const auto& c : calls)
                answered += c.id || c.error;
            return answered >= count;
        },
        timeout);
    return notify_calls();
}

std::string NotificationMonitor::dump() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& c : notify_)
        out += "  " + c.describe() + "\n";
    for (const auto id : close_)
        out += "  CloseNotification(" + std::to_string(id) + ")\n";
    for (const auto& s : closed_)
        out += "  NotificationClosed(" + std::to_string(s.id) + ", " + std::to_string(s.reason) +
               ")\n";
    return out;
}

// --- the agent -----------------------------------------------------------------------------------

Agent::Agent(const std::filesystem::path& dir, const std::string& system_address,
             const std::string& session_address)
    : log_(dir / "maintenance-notify.log") {
    SpawnOptions o;
    o.argv = {MAINT_NOTIFY_PATH};
    o.env = environment_with({{"DBUS_SYSTEM_BUS_ADDRESS", system_address},
                              {"DBUS_SESSION_BUS_ADDRESS", session_address},
                              {"DISPLAY", std::nullopt},
                              {"WAYLAND_DISPLAY", std::nullopt}});
    o.stdout_file = log_;
    o.stderr_file = log_;
    process_ = Process(o);
}

Agent::~Agent() {
    if (process_.running())
        process_.terminate(5s);
}

std::string Agent::log() const {
    return read_file(log_);
}

bool Agent::wait_for_log(const std::string& text, std::chrono::milliseconds timeout, int times) {
    return wait_until(
        [&] {
            const std::string l = log();
            int n = 0;
            for (auto pos = l.find(text); pos != std::string::npos; pos = l.find(text, pos + 1))
                ++n;
            return n >= times;
        },
        timeout, 20ms);
}

std::optional<ExitInfo> Agent::wait_for_exit(std::chrono::milliseconds timeout) {
    return process_.wait_for(timeout);
}

ExitInfo Agent::stop() {
    return process_.terminate(10s);
}

long Agent::cpu_ticks() const {
    const std::string stat = read_file("/proc/" + std::to_string(process_.pid()) + "/stat");
    // The fields after the command name (which may contain blanks) in parentheses.
    std::istringstream in(stat.substr(stat.rfind(')') + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; in >> field; ++i) {
        if (i == 14)
            utime = std::stol(field);
        if (i == 15) {
            stime = std::stol(field);
            break;
        }
    }
    return utime + stime;
}

std::filesystem::path artifacts_dir() {
    const std::filesystem::path dir = MAINT_DESKTOP_ARTIFACTS_DIR;
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace maint::it::desktop
