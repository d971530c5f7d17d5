// maintenancectl's argument parser. Options may come before or after the command, as with
// systemctl's getopt permutation; a hand-written scanner keeps it free of getopt's global state
// so the tests can call it again and again.
#include "ctl/args.hpp"

#include <strings.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "common/text.hpp"
#include "common/timestamp.hpp"

namespace maint::ctl {

namespace {

enum class Opt {
    Json,
    NoAskPassword,
    Host,
    NoLegend,
    Version,
    Help,
    Reason,
    Notify,
    Comment,
    LoginMessage,
    ShowLoginMessage,
    NotifyMessage,
    Lead,
    Hosts,
    NoAutoComplete,
    AutoComplete,
    Start,
    End,
    Duration,
    Valid,
    Force,
    Note,
    Failed,
    IncludeAdmins,
    MaxFailed,
    NoBlock,
    ShowHosts,
};

// None: a flag. Required: "--opt VALUE" or "--opt=VALUE". Optional: "--opt" or "--opt=VALUE".
enum class Arg { None, Required, Optional };

struct OptionSpec {
    std::string_view name;
    char short_name;
    Arg arg;
    Opt id;
};

constexpr std::array kOptions = {
    OptionSpec{"json", 0, Arg::None, Opt::Json},
    OptionSpec{"no-ask-password", 0, Arg::None, Opt::NoAskPassword},
    OptionSpec{"host", 'H', Arg::Required, Opt::Host},
    OptionSpec{"no-legend", 0, Arg::None, Opt::NoLegend},
    OptionSpec{"version", 0, Arg::None, Opt::Version},
    OptionSpec{"help", 'h', Arg::None, Opt::Help},
    OptionSpec{"reason", 0, Arg::Required, Opt::Reason},
    OptionSpec{"notify", 0, Arg::Required, Opt::Notify},
    OptionSpec{"comment", 0, Arg::Required, Opt::Comment},
    OptionSpec{"login-message", 0, Arg::Required, Opt::LoginMessage},
    OptionSpec{"show-login-message", 0, Arg::Optional, Opt::ShowLoginMessage},
    OptionSpec{"notify-message", 0, Arg::Required, Opt::NotifyMessage},
    OptionSpec{"lead", 0, Arg::Required, Opt::Lead},
    OptionSpec{"hosts", 0, Arg::Required, Opt::Hosts},
    OptionSpec{"no-auto-complete", 0, Arg::None, Opt::NoAutoComplete},
    OptionSpec{"auto-complete", 0, Arg::Optional, Opt::AutoComplete},
    OptionSpec{"start", 0, Arg::Required, Opt::Start},
    OptionSpec{"end", 0, Arg::Required, Opt::End},
    OptionSpec{"duration", 0, Arg::Required, Opt::Duration},
    OptionSpec{"valid", 0, Arg::Required, Opt::Valid},
    OptionSpec{"force", 0, Arg::None, Opt::Force},
    OptionSpec{"note", 0, Arg::Required, Opt::Note},
    OptionSpec{"failed", 0, Arg::None, Opt::Failed},
    OptionSpec{"include-admins", 0, Arg::None, Opt::IncludeAdmins},
    OptionSpec{"max-failed", 0, Arg::Required, Opt::MaxFailed},
    OptionSpec{"no-block", 0, Arg::None, Opt::NoBlock},
    // `show ID --hosts` is a flag, not the window option --hosts H1,H2 (see find_long).
    OptionSpec{"hosts", 0, Arg::None, Opt::ShowHosts},
};

struct CommandSpec {
    std::string_view name;
    Command command;
    std::vector<std::string_view> operands;  // what the positional arguments are called
};

const std::vector<CommandSpec>& commands() {
    static const std::vector<CommandSpec> table = {
        {"status", Command::Status, {}},
        {"list", Command::List, {}},
        {"show", Command::Show, {"ID"}},
        {"schedule", Command::Schedule, {"START", "END"}},
        {"dry-run", Command::DryRun, {}},
        {"start", Command::Start, {"ID"}},
        {"complete", Command::Complete, {"ID"}},
        {"cancel", Command::Cancel, {"ID"}},
        {"update", Command::Update, {"ID"}},
        {"retry-hosts", Command::RetryHosts, {"ID"}},
        {"hosts", Command::Hosts, {}},
        {"host-maintenance", Command::HostMaintenance, {"NAME", "on|off"}},
        {"sessions", Command::Sessions, {}},
        {"terminate-sessions", Command::TerminateSessions, {}},
        {"reload", Command::Reload, {}},
    };
    return table;
}

bool is_window_setting(Opt o) {
    switch (o) {
        case Opt::Comment:
        case Opt::LoginMessage:
        case Opt::ShowLoginMessage:
        case Opt::NotifyMessage:
        case Opt::Lead:
        case Opt::Hosts:
        case Opt::NoAutoComplete:
        case Opt::AutoComplete:
            return true;
        default:
            return false;
    }
}

bool accepts(Command c, Opt o) {
    switch (o) {
        case Opt::Json:
        case Opt::NoAskPassword:
        case Opt::Host:
        case Opt::NoLegend:
        case Opt::Version:
        case Opt::Help:
            return true;
        case Opt::Reason:
            return c == Command::Schedule || c == Command::Update || c == Command::Cancel;
        case Opt::Notify:
            return c == Command::Schedule || c == Command::Update || c == Command::Complete;
        case Opt::Start:
        case Opt::End:
        case Opt::Valid:
            return c == Command::Update;
        case Opt::Force:
            return c == Command::Start;
        case Opt::Note:
        case Opt::Failed:
            return c == Command::Complete;
        case Opt::IncludeAdmins:
            return c == Command::TerminateSessions;
        case Opt::Duration:
            return c == Command::Schedule;
        case Opt::MaxFailed:
            return c == Command::Schedule || c == Command::Update || c == Command::Start;
        case Opt::NoBlock:
            return c == Command::Start || c == Command::RetryHosts;
        case Opt::ShowHosts:
            return c == Command::Show;
        default:
            return is_window_setting(o) && (c == Command::Schedule || c == Command::Update);
    }
}

struct GivenOption {
    const OptionSpec* spec;
    std::string spelled;  // as typed, for messages: "--force", "-H"
    std::optional<std::string> value;
};

std::string quoted(std::string_view s) {
    return "'" + std::string(s) + "'";
}

// `command` is the first operand seen so far (the command, once typed): after `show`, --hosts is
// the flag ShowHosts; anywhere else it is the window option, which takes a value.
const OptionSpec* find_long(std::string_view name, std::string_view command) {
    for (const auto& spec : kOptions) {
        if (spec.name != name) {
            continue;
        }
        const bool show_flag = spec.id == Opt::ShowHosts;
        if (spec.id == Opt::Hosts || show_flag) {
            if (show_flag != (command == "show")) {
                continue;
            }
        }
        return &spec;
    }
    return nullptr;
}

const OptionSpec* find_short(char c) {
    for (const auto& spec : kOptions) {
        if (spec.short_name != 0 && spec.short_name == c) {
            return &spec;
        }
    }
    return nullptr;
}

// A word that is an option rather than an operand. "-" and a dash followed by a digit are
// operands, so that a relative time such as "-5min" needs no "--" before it.
bool looks_like_option(const std::string& word) {
    return word.size() >= 2 && word[0] == '-' && !(word[1] >= '0' && word[1] <= '9');
}

void scan(const std::vector<std::string>& args, std::vector<GivenOption>& options,
          std::vector<std::string>& operands) {
    bool options_ended = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& word = args[i];
        if (options_ended || !looks_like_option(word)) {
            operands.push_back(word);
            continue;
        }
        if (word == "--") {
            options_ended = true;
            continue;
        }
        if (word.starts_with("--")) {
            auto eq = word.find('=');
            std::string name = word.substr(2, eq == std::string::npos ? eq : eq - 2);
            const OptionSpec* spec =
                find_long(name, operands.empty() ? std::string_view() : operands.front());
            if (spec == nullptr) {
                throw UsageError("unknown option " + quoted("--" + name));
            }
            GivenOption given{spec, "--" + name, std::nullopt};
            if (eq != std::string::npos) {
                if (spec->arg == Arg::None) {
                    throw UsageError("option " + quoted(given.spelled) + " takes no value");
                }
                given.value = word.substr(eq + 1);
            } else if (spec->arg == Arg::Required) {
                if (i + 1 >= args.size()) {
                    throw UsageError("option " + quoted(given.spelled) + " needs a value");
                }
                given.value = args[++i];
            }
            options.push_back(std::move(given));
            continue;
        }
        // A cluster of short options: "-h", "-Hhost", "-H host".
        for (std::size_t j = 1; j < word.size(); ++j) {
            const OptionSpec* spec = find_short(word[j]);
            std::string spelled = std::string("-") + word[j];
            if (spec == nullptr) {
                throw UsageError("unknown option " + quoted(spelled));
            }
            GivenOption given{spec, spelled, std::nullopt};
            if (spec->arg == Arg::Required) {
                if (j + 1 < word.size()) {
                    given.value = word.substr(j + 1);
                } else if (i + 1 < args.size()) {
                    given.value = args[++i];
                } else {
                    throw UsageError("option " + quoted(spelled) + " needs a value");
                }
                options.push_back(std::move(given));
                break;
            }
            options.push_back(std::move(given));
        }
    }
}

Usec time_argument(std::string_view what, const std::string& text, Usec now) {
    try {
        return parse_timestamp(text, now);
    } catch (const ParseError& e) {
        throw UsageError("cannot parse " + std::string(what) + " " + quoted(text) + ": " +
                         e.what());
    }
}

Usec span_argument(std::string_view what, const std::string& text) {
    try {
        return parse_timespan(text, kUsecPerSec);
    } catch (const ParseError& e) {
        throw UsageError("cannot parse " + std::string(what) + " " + quoted(text) + ": " +
                         e.what());
    }
}

// Lists given more than once add up; an empty value starts the list afresh (as systemd's
// list settings do), which is also how `update --notify=` clears the audiences.
void add_to_list(std::vector<std::string>& list, const std::string& value) {
    std::vector<std::string> items = split_list(value);
    if (items.empty()) {
        list.clear();
    }
    list.insert(list.end(), items.begin(), items.end());
}

void add_to_list(std::optional<std::vector<std::string>>& list, const std::string& value) {
    add_to_list(list ? *list : list.emplace(), value);
}

void apply(Invocation& inv, const GivenOption& given, Usec now) {
    const std::string value = given.value.value_or("");
    WindowSettings& s = inv.settings;
    switch (given.spec->id) {
        case Opt::Json:
            inv.json = true;
            break;
        case Opt::NoAskPassword:
            inv.ask_password = false;
            break;
        case Opt::Host:
            if (value.empty()) {
                throw UsageError("option " + quoted(given.spelled) + " needs a host name");
            }
            inv.host = value;
            break;
        case Opt::NoLegend:
            inv.legend = false;
            break;
        case Opt::Version:
        case Opt::Help:
            break;  // handled before the command is looked at
        case Opt::Reason:
            if (inv.command == Command::Cancel) {
                inv.cancel_reason = value;
            } else {
                // The daemon refuses it too (InvalidArgs); said here, it is a usage error.
                if (value.find_first_not_of(" \t\n\r\v\f") == std::string::npos) {
                    throw UsageError("option " + quoted(given.spelled) +
                                     " may not be empty: say why the maintenance is needed");
                }
                s.reason = value;
            }
            break;
        case Opt::Notify:
            if (inv.command == Command::Complete) {
                add_to_list(inv.complete_notify, value);
            } else {
                add_to_list(s.notify, value);
            }
            break;
        case Opt::Comment:
            s.comment = value;
            break;
        case Opt::LoginMessage:
            s.login_message = value;
            break;
        case Opt::ShowLoginMessage:
            s.show_login_message = given.value ? parse_boolean(given.spelled, value) : true;
            break;
        case Opt::NotifyMessage:
            s.notify_message = value;
            break;
        case Opt::Lead:
            s.notify_lead = span_argument(given.spelled, value);
            break;
        case Opt::Hosts:
            add_to_list(s.hosts, value);
            break;
        case Opt::NoAutoComplete:
            s.auto_complete = false;
            break;
        case Opt::AutoComplete:
            s.auto_complete = given.value ? parse_boolean(given.spelled, value) : true;
            break;
        case Opt::Start:
            s.start = time_argument(given.spelled, value, now);
            break;
        case Opt::End:
            s.end = time_argument(given.spelled, value, now);
            break;
        case Opt::Duration:
            inv.duration = span_argument(given.spelled, value);
            if (*inv.duration == 0) {
                throw UsageError("option " + quoted(given.spelled) + " needs a span above zero");
            }
            break;
        case Opt::Valid:
            s.valid = parse_boolean(given.spelled, value);
            break;
        case Opt::Force:
            inv.force = true;
            break;
        case Opt::Note:
            inv.note = value;
            break;
        case Opt::Failed:
            inv.failed = true;
            break;
        case Opt::IncludeAdmins:
            inv.include_admins = true;
            break;
        case Opt::MaxFailed:
            s.max_failed_hosts = parse_max_failed(given.spelled, value);
            break;
        case Opt::NoBlock:
            inv.block = false;
            break;
        case Opt::ShowHosts:
            inv.show_hosts = true;
            break;
    }
}

std::string operand_list(const std::vector<std::string_view>& names) {
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i) {
        text += i == 0 ? "" : (i + 1 == names.size() ? " and " : ", ");
        text += names[i];
    }
    return text;
}

}  // namespace

std::string_view command_name(Command command) {
    for (const auto& spec : commands()) {
        if (spec.command == command) {
            return spec.name;
        }
    }
    return "?";
}

bool WindowSettings::empty() const {
    return !start && !end && !reason && !notify && !comment && !login_message &&
           !show_login_message && !notify_message && !notify_lead && !hosts && !auto_complete &&
           !valid && !max_failed_hosts;
}

std::uint32_t parse_window_id(std::string_view text) {
    std::uint64_t id = 0;
    bool digits = !text.empty() && text.size() <= 10 &&
                  text.find_first_not_of("0123456789") == std::string_view::npos;
    if (digits) {
        std::from_chars(text.data(), text.data() + text.size(), id);
    }
    if (!digits || id == 0 || id > std::numeric_limits<std::uint32_t>::max()) {
        throw UsageError("invalid window ID " + quoted(text) +
                         ": expected a decimal number from 1 to 4294967295");
    }
    return static_cast<std::uint32_t>(id);
}

bool parse_on_off(std::string_view what, std::string_view text) {
    try {
        return parse_boolean(what, text);
    } catch (const UsageError&) {
        throw UsageError(std::string(what) + " needs on or off, not " + quoted(text));
    }
}

bool parse_boolean(std::string_view what, std::string_view text) {
    auto is = [&](std::string_view word) {
        return text.size() == word.size() &&
               ::strncasecmp(text.data(), word.data(), text.size()) == 0;
    };
    if (is("yes") || is("y") || is("true") || is("t") || is("on") || is("1")) {
        return true;
    }
    if (is("no") || is("n") || is("false") || is("f") || is("off") || is("0")) {
        return false;
    }
    throw UsageError(std::string(what) + " needs yes or no, not " + quoted(text));
}

std::string parse_max_failed(std::string_view what, std::string_view text) {
    auto digits = [](std::string_view s) {
        return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
    };
    auto refuse = [&](std::string_view why) {
        throw UsageError(std::string(what) + " needs a count such as 10 or a share such as 5%" +
                         std::string(why) + ", not " + quoted(text));
    };
    if (text.empty() || digits(text)) {
        return std::string(text);
    }
    if (text.back() != '%') {
        refuse("");
    }
    std::string_view number = text.substr(0, text.size() - 1);
    const auto dot = number.find('.');
    const std::string_view whole = number.substr(0, dot);
    const std::string_view fraction =
        dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
    if (!digits(whole) || (dot != std::string_view::npos && !digits(fraction))) {
        refuse("");
    }
    if (fraction.size() > 2) {
        refuse(" (with at most two decimals)");
    }
    // At most 100% (the whole part read with a ceiling, however many digits it has).
    unsigned percent = 0;
    for (char c : whole) {
        percent = std::min(percent * 10 + static_cast<unsigned>(c - '0'), 1000u);
    }
    const bool fraction_zero = fraction.find_first_not_of('0') == std::string_view::npos;
    if (percent > 100 || (percent == 100 && !fraction_zero)) {
        refuse(" (a share of at most 100%)");
    }
    return std::string(text);
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> items;
    while (true) {
        auto comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        auto first = item.find_first_not_of(" \t");
        if (first != std::string_view::npos) {
            auto last = item.find_last_not_of(" \t");
            items.emplace_back(item.substr(first, last - first + 1));
        }
        if (comma == std::string_view::npos) {
            break;
        }
        text.remove_prefix(comma + 1);
    }
    return items;
}

Invocation parse_arguments(const std::vector<std::string>& args, Usec now) {
    std::vector<GivenOption> options;
    std::vector<std::string> operands;
    scan(args, options, operands);

    // Strings go to the daemon as D-Bus strings, which must be UTF-8: a bad byte would end in
    // sd-bus's "Failed to serialize a string value" (exit 1) instead of a usage error.
    for (const auto& given : options) {
        if (given.value && !is_valid_utf8(*given.value)) {
            throw UsageError("the value of option " + quoted(given.spelled) +
                             " is not valid UTF-8");
        }
    }

    Invocation inv;
    for (const auto& given : options) {
        if (given.spec->id == Opt::Help) {
            inv.action = Invocation::Action::Help;
            return inv;
        }
    }
    for (const auto& given : options) {
        if (given.spec->id == Opt::Version) {
            inv.action = Invocation::Action::Version;
            return inv;
        }
    }

    // No command is "status", as timedatectl shows its status.
    const CommandSpec* command = &commands().front();
    if (!operands.empty()) {
        command = nullptr;
        for (const auto& spec : commands()) {
            if (spec.name == operands.front()) {
                command = &spec;
            }
        }
        if (command == nullptr) {
            throw UsageError("unknown command " + quoted(operands.front()));
        }
        operands.erase(operands.begin());
    }
    inv.command = command->command;

    for (const auto& given : options) {
        if (!accepts(inv.command, given.spec->id)) {
            throw UsageError("option " + quoted(given.spelled) + " does not apply to " +
                             quoted(command->name));
        }
    }
    for (std::size_t i = 0; i < operands.size() && i < command->operands.size(); ++i) {
        if (!is_valid_utf8(operands[i])) {
            throw UsageError(std::string(command->operands[i]) + " of " + quoted(command->name) +
                             " is not valid UTF-8");
        }
    }

    // schedule START --duration SPAN takes the place of schedule START END.
    std::vector<std::string_view> wanted = command->operands;
    const bool by_duration = std::any_of(options.begin(), options.end(), [](const GivenOption& g) {
        return g.spec->id == Opt::Duration;
    });
    if (by_duration) {
        if (operands.size() == 2) {
            throw UsageError("'schedule' takes END or --duration SPAN, not both");
        }
        wanted.pop_back();
    }
    if (operands.size() < wanted.size()) {
        throw UsageError(quoted(command->name) + " needs " + operand_list(wanted) +
                         (inv.command == Command::Schedule && !by_duration
                              ? " (or START and --duration SPAN)"
                              : ""));
    }
    if (operands.size() > wanted.size()) {
        throw UsageError("too many arguments for " + quoted(command->name) + ": " +
                         quoted(operands[wanted.size()]));
    }

    for (const auto& given : options) {
        apply(inv, given, now);
    }

    switch (inv.command) {
        case Command::Show:
        case Command::Start:
        case Command::Complete:
        case Command::Cancel:
        case Command::Update:
        case Command::RetryHosts:
            inv.id = parse_window_id(operands[0]);
            break;
        case Command::Schedule:
            inv.settings.start = time_argument("START", operands[0], now);
            if (inv.duration) {
                if (*inv.duration > std::numeric_limits<Usec>::max() - *inv.settings.start) {
                    throw UsageError("START plus --duration is past the end of time");
                }
                inv.settings.end = *inv.settings.start + *inv.duration;
            } else {
                inv.settings.end = time_argument("END", operands[1], now);
            }
            break;
        case Command::HostMaintenance:
            if (operands[0].empty()) {
                throw UsageError("the host NAME is empty");
            }
            inv.host_name = operands[0];
            inv.host_enabled =
                parse_on_off("the second argument of 'host-maintenance'", operands[1]);
            break;
        default:
            break;
    }
    if (inv.command == Command::Schedule && !inv.settings.reason) {
        throw UsageError("'schedule' needs --reason TEXT");
    }
    if (inv.command == Command::Update && inv.settings.empty()) {
        throw UsageError(
            "'update' needs something to change: --start, --end, --reason, --notify, --comment, "
            "--login-message, --show-login-message, --notify-message, --lead, --hosts, "
            "--[no-]auto-complete, --max-failed or --valid");
    }
    return inv;
}

std::string help_text() {
    return R"(maintenancectl [OPTIONS...] COMMAND ...

Plan and run maintenance windows through maintenanced (org.example.Maintenance1).

Commands:
  status                          State, banner, the active or next window and the
                                  hosts in maintenance (the default command)
  list                            Every window, newest first
  show ID                         Every property of one window, then its log
  show ID --hosts                 The window's hosts: HOST RESULT TIME MESSAGE
  schedule START END --reason TEXT [WINDOW OPTIONS...]
  schedule START --duration SPAN --reason TEXT [WINDOW OPTIONS...]
                                  Schedule a window; prints its ID
  dry-run                         Run the prechecks now; exit 1 when not ready
  start ID [--force] [--max-failed N|P%] [--no-block]
                                  Start a scheduled window now and wait until its
                                  hosts are flipped; exit 1 when some failed
  retry-hosts ID [--no-block]     Flip the failed and skipped hosts of the window
                                  in progress again, and wait as start does
  complete ID [--note TEXT] [--notify A,B] [--failed]
                                  Finish the window in progress
  cancel ID [--reason TEXT]       Cancel a scheduled window
  update ID [--start TIME] [--end TIME] [--valid=yes|no] [WINDOW OPTIONS...]
                                  Change a window; only what is given changes
  hosts                           The hosts and their maintenance state
  host-maintenance NAME on|off    Flip one host into or out of maintenance
  sessions                        The login sessions
  terminate-sessions [--include-admins]
                                  End every session but your own
  reload                          Make the daemon re-read its configuration

Window options (schedule, update):
     --duration SPAN              (schedule) The end is START plus SPAN, instead of END
     --reason TEXT                Why: the body of the notices (not empty)
     --notify A,B                 Audiences to tell, from the configuration
     --comment TEXT               Internal notes
     --login-message TEXT         Shown to users refused at login
     --show-login-message[=BOOL]  Show the login message
     --notify-message TEXT        Extra text of the upcoming notice and the banner
     --lead SPAN                  Warn users this long before the start
     --hosts H1,H2                Hosts to put into maintenance (default: all)
     --no-auto-complete           Do not complete by itself when the end passes
     --auto-complete[=BOOL]       Complete by itself when the end passes
     --max-failed N|P%            Error budget: start no further host once more
                                  than N hosts (P% of them) failed; "" for none
                                  (also start's, for that start only)

Options of start and retry-hosts:
     --force                      (start) Start although an error check fails
     --no-block                   Return once the window is in progress, without
                                  waiting for its hosts

Options:
  -h --help                       Show this help
     --version                    Show the version
     --json                       Print one JSON document on stdout, for scripts
     --no-ask-password            Never ask for a password to authorize
  -H --host=[USER@]HOST           Talk to the daemon on another machine over ssh
     --no-legend                  Print no column headings and no footer

Times as systemd.time(7) reads them: "2026-12-01 02:00", "2026-12-01 02:00:00 UTC",
"tomorrow 03:00", "+2h", "+1h 30min", "@1764554400". Spans: "90s", "30min", "1h 30min".
Exit status: 0 done, 1 refused by the daemon, 2 bad usage, 3 the daemon could not be reached.
)";
}

}  // namespace maint::ctl
