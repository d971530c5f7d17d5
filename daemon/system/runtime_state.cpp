// See runtime_state.hpp.
#include "system/runtime_state.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "common/text.hpp"
#include "system/atomic_file.hpp"
#include "system/journal.hpp"

namespace maint {
namespace {

// The PAM module ignores a state file over 64 KiB (and then lets everyone in): the message is
// cut well below that, at a character boundary.
constexpr std::size_t kMaxLoginMessage = 16 * 1024;

// Made printable as wall and motd text is (printable_text: no control characters, C1 or bidi
// controls; the PAM module filters again), then backslash and newline escaped as the module
// reads them.
std::string escape(const std::string& raw) {
    const std::string s = printable_text(raw);
    std::string out;
    std::size_t i = 0;
    for (; i < s.size() && i < kMaxLoginMessage; ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += ' ';
        else
            out += static_cast<char>(c);
    }
    if (i < s.size()) {
        while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80)
            out.pop_back();  // continuation bytes of a cut character
        if (!out.empty() && (static_cast<unsigned char>(out.back()) & 0x80))
            out.pop_back();  // and its lead byte
        out += "...";
    }
    return out;
}

// Writes `text` to `path` so that a reader sees the old file or the new one, never half; mode
// 0644 whatever the umask (every login process reads it).
void replace_file(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    try {
        replace_file_atomically(path, text);
    } catch (const AtomicFileError& e) {
        throw std::system_error(e.error(), std::generic_category(), e.what());
    }
}

}  // namespace

std::string active_state_text(const Window& w, const std::vector<std::string>& admin_groups) {
    return "# maintenanced: a maintenance window is in progress (read by pam_maintenance.so)\n"
           "WINDOW_ID=" +
           std::to_string(w.id) + "\nEND_USEC=" + std::to_string(w.spec.end_usec) +
           "\nADMIN_GROUPS=" + join(admin_groups, " ") +
           "\nSHOW_LOGIN_MESSAGE=" + (w.spec.show_login_message ? "yes" : "no") +
           "\nLOGIN_MESSAGE=" + escape(w.spec.login_message) + "\n";
}

RuntimeState::RuntimeState(std::filesystem::path runtime_directory, const AdminGroups& admins,
                           LogindSessions* sessions, Planner& planner)
    : dir_(std::move(runtime_directory)), admins_(admins), sessions_(sessions), planner_(planner) {}

void RuntimeState::sync() {
    const ManagerView view = planner_.manager_view();
    if (view.active != 0) {
        if (const Window* w = planner_.find(view.active)) {
            activate(*w);
            return;
        }
    }
    deactivate();
}

void RuntimeState::window_changed(const Window& w, std::uint32_t fields) {
    constexpr std::uint32_t kRead = kFieldLoginMessage | kFieldShowLoginMessage | kFieldEndUSec;
    if (w.status == Status::InProgress && (fields & kRead))
        activate(w);
}

void RuntimeState::window_started(const Window& w) {
    activate(w);
}

void RuntimeState::window_finished(const Window& w) {
    if (active_ == w.id)
        deactivate();
}

void RuntimeState::activate(const Window& w) {
    try {
        replace_file(state_file(), active_state_text(w, admins_.groups()));
    } catch (const std::exception& e) {
        planner_.note(w.id, LogLevel::Error,
                      std::string("Could not write the login state file, so logins are not "
                                  "restricted: ") +
                          e.what(),
                      true);
    }
    if (!active_ && sessions_) {
        const WindowId id = w.id;
        sessions_->guard(true, [this, id](const SessionEnd& end) {
            planner_.note(id, end.ok ? LogLevel::Info : LogLevel::Error,
                          "Session " + end.id + " of " + end.user + " (UID " +
                              std::to_string(end.uid) + ") began during the window and " +
                              (end.ok ? "was ended." : "could not be ended: " + end.message),
                          !end.ok);
        });
    }
    active_ = w.id;
}

void RuntimeState::deactivate() {
    std::error_code ec;
    std::filesystem::remove(state_file(), ec);
    if (ec) {
        journal::error("Could not remove " + state_file().string() + ": " + ec.message() +
                       "; non-admin logins stay refused until it is removed");
    }
    if (sessions_)
        sessions_->guard(false);
    active_.reset();
}

}  // namespace maint
