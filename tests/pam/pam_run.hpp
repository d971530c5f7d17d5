// Runs the real libpam on a service file from a private configuration directory
// (pam_start_confdir) in a child process, and reports what happened: the return code, every
// message the conversation was shown, and every line sent to syslog. The child gets a mount
// namespace of its own with a tmpfs on /dev and a datagram socket at /dev/log, so the module's
// pam_syslog() lines are caught without touching the host's logging; where mount namespaces are
// not allowed the run still happens, without the log lines (logs_captured is false).
#pragma once

#include <security/pam_appl.h>

#include <functional>
#include <string>
#include <vector>

namespace maint::pamtest {

struct ShownMessage {
    int style;  // PAM_ERROR_MSG, PAM_TEXT_INFO, ...
    std::string text;
};

struct LogLine {
    int priority;      // LOG_ERR, LOG_NOTICE, ... (without the facility)
    int facility;      // LOG_AUTHPRIV for pam_syslog()
    std::string text;  // the message after syslog's "<PRI>timestamp ident:" header
};

struct PamOutcome {
    int rc = -1;
    std::vector<ShownMessage> shown;
    std::vector<LogLine> logged;
    bool logs_captured = false;
    std::string capture_problem;  // why logs_captured is false
    std::string error;            // set when the run itself failed (pam_start, the child)
};

// Starts `service` from `confdir` for `user` (nullptr: no user set), calls `action` on the handle
// and ends it. `action` runs in the child.
PamOutcome run_pam(const std::string& confdir, const std::string& service, const char* user,
                   const std::function<int(pam_handle_t*)>& action);

}  // namespace maint::pamtest
