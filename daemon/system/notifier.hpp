// The real Notifier: one notice fanned out to the channels [Notify] turns on. Email to the
// window's audiences (mail.hpp), the terminals of logged-in users (wall.hpp) and the message of
// the day (motd.hpp). The planner calls it once per event; nothing here repeats a notice.
//
// Which notice goes where:
//   email   scheduled, updated, started, finished, cancelled (not upcoming: see mail.hpp)
//   wall    upcoming, started, finished; cancelled once users were warned of the window
//   motd    upcoming → the upcoming notice; started (and updated while in progress) → the
//           banner; updated while scheduled → the new upcoming notice, or none until it is
//           due again; finished, cancelled → removed
//
// `done` gets a line per channel that failed: a mail sendmail did not take (or recipients that
// could not be resolved), a motd file that could not be written. Terminals that could not be
// written only reach the daemon's log (see wall.hpp).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/ports.hpp"
#include "system/mail.hpp"
#include "system/motd.hpp"

namespace maint {

struct NotifierSettings {
    std::string sendmail;  // empty: no email
    std::string from;
    bool wall = false;
    bool motd = false;
    std::vector<AudienceConfig> audiences;
    // Fixed in the daemon; tests point them elsewhere.
    std::filesystem::path motd_file = kMotdFile;
    std::string utmp_file;  // empty: the system's
    std::chrono::milliseconds sendmail_timeout{60'000};
    // Non-empty: sendmail runs in a transient unit made by this systemd-run (see Mailer).
    std::string systemd_run;
};

NotifierSettings notifier_settings(const Config& config, std::string systemd_run = {});

// The texts for terminals and the motd, from the window's (sanitized) fields. Empty: the
// notice writes nothing there.
std::string terminal_notice(Notice notice, const Window& w, Usec now);
std::string motd_text(const Window& w, Usec now);

class SystemNotifier final : public Notifier {
  public:
    SystemNotifier(boost::asio::io_context& io, NotifierSettings settings);
    // A reload: later notices follow the new settings. Turning Motd off removes the file.
    void set_settings(NotifierSettings settings);

    void notify(Notice notice, const Window& w,
                std::function<void(std::vector<std::string> failures)> done) override;

  private:
    // Failure lines of the motd channel.
    void update_motd(Notice notice, const Window& w, Usec now, std::vector<std::string>& failures);
    void wall(Notice notice, const Window& w, Usec now);

    boost::asio::io_context& io_;
    NotifierSettings settings_;
    std::string hostname_;
};

}  // namespace maint
