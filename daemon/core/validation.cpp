// The contract's input rules, in one place, so that ScheduleWindow, Update and Complete agree.
#include "core/validation.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <unordered_set>

#include "common/text.hpp"
#include "common/timestamp.hpp"
#include "core/budget.hpp"
#include "core/errors.hpp"

namespace maint {
namespace {

[[noreturn]] void invalid(std::string_view argument, const std::string& why) {
    throw Error(Errc::InvalidArgs, std::string(argument) + ": " + why);
}

// The size is checked before anything looks at the entries: a caller not yet authorized may
// send hundreds of thousands of names, and nothing before polkit may cost more than the cap.
void check_list_size(std::string_view argument, const std::vector<std::string>& names) {
    if (names.size() > kMaxListEntries) {
        invalid(argument, "more than " + std::to_string(kMaxListEntries) + " entries (" +
                              std::to_string(names.size()) + ")");
    }
}

// First occurrence wins; linear in the list's bytes.
std::vector<std::string> dedup(std::string_view argument, const std::vector<std::string>& in) {
    check_list_size(argument, in);
    std::vector<std::string> out;
    out.reserve(in.size());
    std::unordered_set<std::string_view> seen;
    seen.reserve(in.size());
    for (const auto& s : in) {
        if (seen.insert(s).second)
            out.push_back(s);
    }
    return out;
}

void check_names(std::string_view argument, const std::vector<std::string>& names,
                 const std::vector<std::string>& known, std::string_view kind,
                 const std::unordered_set<std::string>* also = nullptr) {
    check_list_size(argument, names);
    const std::unordered_set<std::string_view> configured(known.begin(), known.end());
    const bool hosts = kind == "host";
    for (const auto& n : names) {
        if (hosts)
            check_host_name(argument, n);
        else
            check_name(argument, n);
        if (!configured.count(n) && !(also && also->count(n))) {
            // Checked before authorization: the configured names are not the caller's to learn
            // here (an authorized caller sees them in the configuration or in ListHosts).
            invalid(argument,
                    "unknown " + std::string(kind) + " '" + n + "' (not in the configuration)");
        }
    }
}

}  // namespace

void check_text(std::string_view argument, std::string_view value) {
    if (value.size() > kMaxTextBytes) {
        invalid(argument, "too long (" + std::to_string(value.size()) + " bytes; at most " +
                              std::to_string(kMaxTextBytes) + ")");
    }
    if (!is_valid_utf8(value))
        invalid(argument, "not valid UTF-8");
}

void check_name(std::string_view argument, std::string_view value) {
    if (value.empty())
        invalid(argument, "a name may not be empty");
    if (value.size() > kMaxNameBytes) {
        invalid(argument, "name too long (" + std::to_string(value.size()) + " bytes; at most " +
                              std::to_string(kMaxNameBytes) + ")");
    }
    if (!is_valid_utf8(value))
        invalid(argument, "name is not valid UTF-8");
    for (unsigned char c : value) {
        if (c < 0x20 || c == 0x7f)
            invalid(argument, "name contains a control character");
    }
}

void check_reason(std::string_view argument, std::string_view value) {
    if (value.find_first_not_of(" \t\n\r\v\f") == std::string_view::npos)
        invalid(argument, "may not be empty: say why the maintenance is needed");
}

void check_span(Usec start_usec, Usec end_usec) {
    if (end_usec > start_usec && end_usec - start_usec > kMaxWindowUsec) {
        invalid("end_usec", "the end (" + format_timestamp(end_usec) +
                                ") is more than 366 days after the start (" +
                                format_timestamp(start_usec) + ")");
    }
}

void check_host_name(std::string_view argument, std::string_view value) {
    check_name(argument, value);
    if (auto problem = host_name_problem(value)) {
        invalid(argument, "host name '" + std::string(value) + "' " + *problem +
                              "; a host name has letters, digits, '-', '.' and '_' only");
    }
}

bool WindowChanges::empty() const {
    return !start_usec && !end_usec && !reason && !notify && !comment && !login_message &&
           !show_login_message && !notify_message && !notify_lead_usec && !hosts &&
           !auto_complete && !valid && !max_failed_hosts;
}

bool WindowChanges::only_in_progress_fields() const {
    return !start_usec && !reason && !notify && !notify_lead_usec && !hosts && !auto_complete &&
           !valid && !max_failed_hosts;
}

WindowSpec apply_changes(WindowSpec spec, const WindowChanges& c) {
    if (c.start_usec)
        spec.start_usec = *c.start_usec;
    if (c.end_usec)
        spec.end_usec = *c.end_usec;
    if (c.reason)
        spec.reason = *c.reason;
    if (c.notify)
        spec.notify = dedup("notify", *c.notify);
    if (c.comment)
        spec.comment = *c.comment;
    if (c.login_message)
        spec.login_message = *c.login_message;
    if (c.show_login_message)
        spec.show_login_message = *c.show_login_message;
    if (c.notify_message)
        spec.notify_message = *c.notify_message;
    if (c.notify_lead_usec)
        spec.notify_lead_usec = *c.notify_lead_usec;
    if (c.hosts)
        spec.hosts = dedup("Hosts", *c.hosts);
    if (c.auto_complete)
        spec.auto_complete = *c.auto_complete;
    if (c.valid)
        spec.valid = *c.valid;
    if (c.max_failed_hosts)
        spec.max_failed_hosts = *c.max_failed_hosts;
    return spec;
}

void validate_spec(const WindowSpec& s, const WindowChanges& changed, const KnownNames& known,
                   Usec now) {
    check_text("reason", s.reason);
    check_text("Comment", s.comment);
    check_text("LoginMessage", s.login_message);
    check_text("NotifyMessage", s.notify_message);
    if (changed.notify)
        check_names("notify", s.notify, known.audiences, "audience");
    if (changed.hosts)
        check_names("Hosts", s.hosts, known.hosts, "host", known.grouped_hosts.get());
    if (changed.max_failed_hosts) {
        try {
            ErrorBudget::parse(s.max_failed_hosts);
        } catch (const std::invalid_argument& e) {
            invalid("MaxFailedHosts", e.what());
        }
    }
    if (s.start_usec == 0)
        invalid("start_usec", "no start time given");
    if (s.end_usec <= s.start_usec) {
        invalid("end_usec", "the end (" + format_timestamp(s.end_usec) +
                                ") is not after the start (" + format_timestamp(s.start_usec) +
                                ")");
    }
    if (changed.start_usec && s.start_usec + kStartGraceUsec < now) {
        invalid("start_usec",
                "the start (" + format_timestamp(s.start_usec) + ") is more than 60 s in the past");
    }
    if (changed.end_usec && s.end_usec <= now) {
        invalid("end_usec", "the end (" + format_timestamp(s.end_usec) + ") has already passed");
    }
    if (changed.reason)
        check_reason("reason", s.reason);
    if (changed.start_usec || changed.end_usec)
        check_span(s.start_usec, s.end_usec);
    if (s.notify_lead_usec > 365 * kUsecPerDay) {
        invalid("NotifyLeadUSec", "lead time longer than a year");
    }
}

bool KnownNames::is_host(const std::string& name) const {
    return std::find(hosts.begin(), hosts.end(), name) != hosts.end() ||
           (grouped_hosts && grouped_hosts->count(name));
}

void validate_audiences(std::string_view argument, const std::vector<std::string>& names,
                        const KnownNames& known) {
    check_names(argument, names, known.audiences, "audience");
}

}  // namespace maint
