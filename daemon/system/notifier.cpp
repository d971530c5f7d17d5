// See notifier.hpp.
#include "system/notifier.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>
#include <memory>

#include "common/text.hpp"
#include "common/timestamp.hpp"
#include "system/journal.hpp"
#include "system/wall.hpp"

namespace maint {
namespace {

std::string local_hostname() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0')
        return "localhost";
    return name;
}

// NotifyMessage when there is one, else the Reason: what users are told the window is about.
std::string what_for(const Window& w) {
    return printable_text(w.spec.notify_message.empty() ? w.spec.reason : w.spec.notify_message);
}

}  // namespace

NotifierSettings notifier_settings(const Config& config, std::string systemd_run) {
    NotifierSettings s;
    s.systemd_run = std::move(systemd_run);
    s.sendmail = config.sendmail;
    s.from = config.from;
    s.wall = config.wall;
    s.motd = config.motd;
    s.audiences = config.audiences;
    return s;
}

std::string terminal_notice(Notice notice, const Window& w, Usec now) {
    const std::string id = std::to_string(w.id);
    switch (notice) {
        case Notice::Upcoming:
        case Notice::Reminder:
            return "Maintenance of this system starts at " + format_timestamp(w.spec.start_usec) +
                   " (" + format_relative(w.spec.start_usec, now) + ") and lasts until " +
                   format_timestamp(w.spec.end_usec) + ".\n" + what_for(w) +
                   "\nUsers who are not administrators will be logged off: please save your "
                   "work.\n";
        case Notice::Started:
            return "System is under maintenance! (window " + id + ", until " +
                   format_timestamp(w.spec.end_usec) + ")\n" + what_for(w) +
                   "\nUsers who are not administrators are being logged off.\n";
        case Notice::Finished:
            if (w.started_usec == 0 && !w.done(kStepUpcomingAnnounced))
                return {};  // users never heard of it
            return "Maintenance window " + id + " is over: " + std::string(to_string(w.status)) +
                   ".\n";
        case Notice::Cancelled:
            if (!w.done(kStepUpcomingAnnounced))
                return {};
            return "The maintenance announced for " + format_timestamp(w.spec.start_usec) +
                   " is cancelled.\n";
        case Notice::Scheduled:
        case Notice::Updated:
            return {};
    }
    return {};
}

std::string motd_text(const Window& w, Usec now) {
    (void)now;
    if (w.status == Status::InProgress) {
        return "System is under maintenance!\n" + what_for(w) + "\n(until " +
               format_timestamp(w.spec.end_usec) + ")\n";
    }
    if (w.status == Status::Scheduled && w.done(kStepUpcomingAnnounced)) {
        return "Maintenance is scheduled from " + format_timestamp(w.spec.start_usec) + " to " +
               format_timestamp(w.spec.end_usec) + ":\n" + what_for(w) + "\n";
    }
    return {};
}

SystemNotifier::SystemNotifier(boost::asio::io_context& io, NotifierSettings settings)
    : io_(io), settings_(std::move(settings)), hostname_(local_hostname()) {}

void SystemNotifier::set_settings(NotifierSettings settings) {
    if (settings_.motd && (!settings.motd || settings.motd_file != settings_.motd_file)) {
        try {
            MotdFile(settings_.motd_file).clear();
        } catch (const MotdError& e) {
            journal::warning(e.what());
        }
    }
    settings_ = std::move(settings);
}

void SystemNotifier::update_motd(Notice notice, const Window& w, Usec now,
                                 std::vector<std::string>& failures) {
    if (!settings_.motd || notice == Notice::Scheduled)
        return;
    const MotdFile file(settings_.motd_file);
    try {
        const std::string text =
            notice == Notice::Finished || notice == Notice::Cancelled ? "" : motd_text(w, now);
        if (text.empty())
            file.clear();
        else
            file.show(text);
    } catch (const MotdError& e) {
        failures.push_back(std::string("motd: ") + e.what());
    }
}

void SystemNotifier::wall(Notice notice, const Window& w, Usec now) {
    if (!settings_.wall)
        return;
    const std::string text = terminal_notice(notice, w, now);
    if (text.empty())
        return;
    const auto terminals = logged_in_terminals(settings_.utmp_file);
    const auto report = write_to_terminals(wall_message(text, hostname_, now), terminals);
    const journal::Fields fields = {{"WINDOW_ID", std::to_string(w.id)}};
    if (!report.skipped.empty()) {
        journal::info("Wall: the " + std::string(to_string(notice)) + " notice did not reach " +
                          join(report.skipped, "; "),
                      fields);
    }
    journal::info("Wall: the " + std::string(to_string(notice)) + " notice of window " +
                      std::to_string(w.id) + " went to " + std::to_string(report.written) +
                      " terminal(s)",
                  fields);
}

void SystemNotifier::notify(Notice notice, const Window& w,
                            std::function<void(std::vector<std::string>)> done) {
    const Usec now = realtime_now();
    auto failures = std::make_shared<std::vector<std::string>>();
    update_motd(notice, w, now, *failures);
    wall(notice, w, now);

    std::optional<MailMessage> mail;
    if (!settings_.sendmail.empty() && !w.spec.notify.empty()) {
        auto recipients = resolve_recipients(w.spec.notify, settings_.audiences);
        for (const auto& p : recipients.problems)
            failures->push_back("email: " + p);
        if (!recipients.addresses.empty()) {
            mail = notice_mail(notice, w, std::move(recipients.addresses), settings_.from,
                               hostname_, now);
        }
    }
    // Always answered from the loop, never from within notify(): the planner's callback then
    // never runs inside the change that sent the notice.
    if (!mail) {
        boost::asio::post(io_, [failures, done = std::move(done)] { done(std::move(*failures)); });
        return;
    }
    const std::string to = join(mail->to, ", ");
    const WindowId id = w.id;
    Mailer(io_, settings_.sendmail_timeout, settings_.systemd_run)
        .send(settings_.sendmail, *mail,
              [failures, to, id, notice, done = std::move(done)](std::optional<std::string> why) {
                  if (why) {
                      failures->push_back("email to " + to + ": " + *why);
                  } else {
                      journal::info("Mail: the " + std::string(to_string(notice)) +
                                        " notice of window " + std::to_string(id) +
                                        " was handed to sendmail for " + to,
                                    {{"WINDOW_ID", std::to_string(id)}});
                  }
                  done(std::move(*failures));
              });
}

}  // namespace maint
