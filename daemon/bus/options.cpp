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
            invalid(argument, "unknown key '" + key +
                                  "'; known keys: " + join(settable_keys(schedule), ", "));
        }
        if (!seen.insert(p->name).second)
            invalid(argument, "'" + key + "' given twice");
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

void wrong_option_type(std::string_view argument, std::string_view key, const OptionValue& v,
                       std::string_view signature) {
    invalid(argument, "'" + std::string(key) + "' must be of type '" + std::string(signature) +
                          "', not '" + type_of(v) + "'");
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
            char** strv = nullptr;
            check(sd_bus_message_read_strv(m, &strv), arg);
            std::vector<std::string> list;
            for (char** p = strv; p && *p; ++p) {
                list.emplace_back(*p);
                free(*p);
            }
            free(strv);
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
                    "unknown key '" + k + "'; the only key is '" + std::string(key) + "'");
        if (flag)
            invalid(argument, "'" + k + "' given twice");
        flag = option_value<bool>(argument, k, v, "b");
    }
    return flag.value_or(false);
}

}  // namespace maint::bus
