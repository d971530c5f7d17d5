// See options.hpp.
#include "bus/options.hpp"

#include <set>

#include "bus/window_properties.hpp"
#include "common/text.hpp"
#include "core/errors.hpp"

namespace maint::bus {
namespace {

[[noreturn]] void invalid(std::string_view argument, const std::string& why) {
    throw Error(Errc::InvalidArgs, std::string(argument) + ": " + why);
}

// A key as quoted in an error: keys are caller-sent strings of any length, so at most 64 bytes,
// cut at a character boundary (the message must stay valid UTF-8).
std::string shown(const std::string& key) {
    constexpr std::size_t kMax = 64;
    if (key.size() <= kMax)
        return key;
    std::size_t end = kMax;
    while (end > 0 && (static_cast<unsigned char>(key[end]) & 0xC0) == 0x80)
        --end;
    return key.substr(0, end) + "...";
}

// Lists are refused on their size before anything looks at their entries (everything here runs
// before authorization).
void check_list_size(std::string_view argument, const std::string& key, std::size_t size) {
    if (size > kMaxListEntries) {
        invalid(argument, "'" + shown(key) + "' has more than " + std::to_string(kMaxListEntries) +
                              " entries");
    }
}

std::string type_of(const OptionValue& v) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, bool>)
                return "b";
            if constexpr (std::is_same_v<T, std::uint64_t>)
                return "t";
            if constexpr (std::is_same_v<T, std::string>)
                return "s";
            if constexpr (std::is_same_v<T, std::vector<std::string>>)
                return "as";
            if constexpr (std::is_same_v<T, OtherType>)
                return x.signature;
        },
        v);
}

WindowChanges decode(const OptionList& options, std::string_view argument, bool schedule) {
    WindowChanges c;
    std::set<std::string_view> seen;
    for (const auto& [key, value] : options) {
        const WindowProperty* p = settable_property(key, schedule);
        if (!p) {
            invalid(argument, "unknown key '" + shown(key) +
                                  "'; known keys: " + join(settable_keys(schedule), ", "));
        }
        if (!seen.insert(p->name).second)
            invalid(argument, "'" + shown(key) + "' given twice");
        p->set(c, value, argument, *p);
    }
    return c;
}

// RAII for sd_bus_message_enter_container/exit_container.
int check(int r, std::string_view argument) {
    if (r < 0)
        invalid(argument, "malformed dictionary");
    return r;
}

}  // namespace

void check_option_list_size(std::string_view argument, std::string_view key, std::size_t size) {
    check_list_size(argument, std::string(key), size);
}

void wrong_option_type(std::string_view argument, std::string_view key, const OptionValue& v,
                       std::string_view signature) {
    invalid(argument, "'" + shown(std::string(key)) + "' must be of type '" +
                          std::string(signature) + "', not '" + type_of(v) + "'");
}

OptionList options_from(const std::map<std::string, sdbus::Variant>& dict) {
    OptionList out;
    for (const auto& [key, v] : dict) {
        const std::string sig = v.peekValueType();
        if (sig == "b")
            out.emplace_back(key, v.get<bool>());
        else if (sig == "t")
            out.emplace_back(key, v.get<std::uint64_t>());
        else if (sig == "s")
            out.emplace_back(key, v.get<std::string>());
        else if (sig == "as")
            out.emplace_back(key, v.get<std::vector<std::string>>());
        else
            out.emplace_back(key, OtherType{sig});
    }
    return out;
}

std::vector<std::string> string_list_from(sd_bus_message* m, std::string_view argument,
                                          const std::string& key) {
    auto ok = [&](int r) {
        if (r < 0)
            invalid(argument, "not an array of strings");
        return r;
    };
    ok(sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "s"));
    std::vector<std::string> list;
    const char* s = nullptr;
    while (ok(sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &s)) > 0) {
        // Refused at the first entry past the cap: the rest is never copied.
        check_list_size(argument, key, list.size() + 1);
        list.emplace_back(s);
    }
    ok(sd_bus_message_exit_container(m));
    return list;
}

OptionList options_from(sd_bus_message* m) {
    const std::string_view arg = "options";
    OptionList out;
    check(sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}"), arg);
    while (check(sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv"), arg) > 0) {
        const char* key = nullptr;
        check(sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &key), arg);
        const char* contents = nullptr;
        check(sd_bus_message_peek_type(m, nullptr, &contents), arg);
        const std::string sig = contents ? contents : "";
        if (sig == "b") {
            int b = 0;
            check(sd_bus_message_read(m, "v", "b", &b), arg);
            out.emplace_back(key, b != 0);
        } else if (sig == "t") {
            std::uint64_t t = 0;
            check(sd_bus_message_read(m, "v", "t", &t), arg);
            out.emplace_back(key, t);
        } else if (sig == "s") {
            const char* s = nullptr;
            check(sd_bus_message_read(m, "v", "s", &s), arg);
            out.emplace_back(key, std::string(s));
        } else if (sig == "as") {
            check(sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, "as"), arg);
            auto list = string_list_from(m, arg, key);
            check(sd_bus_message_exit_container(m), arg);
            out.emplace_back(key, std::move(list));
        } else {
            check(sd_bus_message_skip(m, "v"), arg);
            out.emplace_back(key, OtherType{sig});
        }
        check(sd_bus_message_exit_container(m), arg);
    }
    check(sd_bus_message_exit_container(m), arg);
    return out;
}

WindowChanges schedule_options(const OptionList& options) {
    return decode(options, "options", true);
}

WindowChanges update_changes(const OptionList& options) {
    return decode(options, "changes", false);
}

bool flag_option(const OptionList& options, std::string_view argument, std::string_view key) {
    std::optional<bool> flag;
    for (const auto& [k, v] : options) {
        if (k != key)
            invalid(argument,
                    "unknown key '" + shown(k) + "'; the only key is '" + std::string(key) + "'");
        if (flag)
            invalid(argument, "'" + shown(k) + "' given twice");
        flag = option_value<bool>(argument, k, v, "b");
    }
    return flag.value_or(false);
}

StartFlags start_options(const OptionList& options) {
    StartFlags out;
    std::optional<bool> force;
    for (const auto& [k, v] : options) {
        if (k == "Force") {
            if (force)
                invalid("options", "'Force' given twice");
            force = option_value<bool>("options", k, v, "b");
        } else if (k == "MaxFailedHosts") {
            if (out.max_failed_hosts)
                invalid("options", "'MaxFailedHosts' given twice");
            out.max_failed_hosts = option_value<std::string>("options", k, v, "s");
        } else {
            invalid("options", "unknown key '" + shown(k) +
                                   "'; the keys are 'Force' and "
                                   "'MaxFailedHosts'");
        }
    }
    out.force = force.value_or(false);
    return out;
}

void no_options(const OptionList& options, std::string_view argument) {
    if (!options.empty()) {
        invalid(argument, "unknown key '" + shown(options.front().first) +
                              "'; no keys are defined (pass an empty dictionary)");
    }
}

}  // namespace maint::bus
