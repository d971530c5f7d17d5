// Every rule the contract puts on what callers send: sizes, encodings, times, names that must
// be configured. Violations throw Error(Errc::InvalidArgs) saying which argument and why.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/window.hpp"

namespace maint {

inline constexpr std::size_t kMaxTextBytes = 64 * 1024;    // reason, notes, messages
inline constexpr std::size_t kMaxNameBytes = 255;          // audience and host names
inline constexpr std::size_t kMaxListEntries = 4096;       // audiences or hosts in one list
inline constexpr Usec kStartGraceUsec = 60 * kUsecPerSec;  // how far in the past a start may be
// The longest window: its end at most 366 days after its start. A year (a leap one included)
// covers any real maintenance; an end 100 years away is a typo, not a plan.
inline constexpr Usec kMaxWindowUsec = 366 * kUsecPerDay;

// A free text argument: at most kMaxTextBytes of valid UTF-8.
void check_text(std::string_view argument, std::string_view value);
// A name: 1..kMaxNameBytes of valid UTF-8 with no control characters.
void check_name(std::string_view argument, std::string_view value);
// A host name (SetHostMaintenance's host, Hosts entries): see host_name_problem (common/text).
void check_host_name(std::string_view argument, std::string_view value);

// What a caller asks to set: ScheduleWindow's arguments and options, or Update's changes. Only
// the fields present are applied.
struct WindowChanges {
    std::optional<Usec> start_usec;
    std::optional<Usec> end_usec;
    std::optional<std::string> reason;
    std::optional<std::vector<std::string>> notify;
    std::optional<std::string> comment;
    std::optional<std::string> login_message;
    std::optional<bool> show_login_message;
    std::optional<std::string> notify_message;
    std::optional<Usec> notify_lead_usec;
    std::optional<std::vector<std::string>> hosts;
    std::optional<bool> auto_complete;
    std::optional<bool> valid;
    std::optional<std::string> max_failed_hosts;

    bool empty() const;
    // True when only what may change on an in-progress window is set: EndUSec, Comment and the
    // messages (LoginMessage, ShowLoginMessage, NotifyMessage).
    bool only_in_progress_fields() const;
};

// The configured names a window may refer to.
struct KnownNames {
    std::vector<std::string> audiences;
    // [Host] names and [Hosts] group names: what a window flips when it names none.
    std::vector<std::string> hosts;
    // The hosts of the groups (as configured, and as their HostsCommand= last listed them),
    // which a window may also name one by one. Shared: a fleet's are 100,000 names.
    std::shared_ptr<const std::unordered_set<std::string>> grouped_hosts;
    bool is_host(const std::string& name) const;
};

// A window's reason (ScheduleWindow's `reason`, Update's `Reason`): not empty, not only
// whitespace.
void check_reason(std::string_view argument, std::string_view value);
// The end at most kMaxWindowUsec after the start.
void check_span(Usec start_usec, Usec end_usec);

// Applies `changes` to `spec`, de-duplicating lists (first occurrence wins).
WindowSpec apply_changes(WindowSpec spec, const WindowChanges& changes);

// Checks a spec about to be stored, `changed` saying what the caller set: a start set now may
// not lie more than kStartGraceUsec in the past, an end set now must be in the future, and names
// set now must be configured (a window keeps names a later reload dropped until they change).
void validate_spec(const WindowSpec& spec, const WindowChanges& changed, const KnownNames& known,
                   Usec now);

// Checks audience names against the configuration (Complete's notify list).
void validate_audiences(std::string_view argument, const std::vector<std::string>& names,
                        const KnownNames& known);

}  // namespace maint
