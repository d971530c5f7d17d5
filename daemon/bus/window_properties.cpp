// See window_properties.hpp.
#include "bus/window_properties.hpp"

#include <array>
#include <string>

#include "core/planner.hpp"

namespace maint::bus {
namespace {

// ---- getters: userdata is the const Window* the fallback vtable's find callback returned

const Window& W(void* userdata) {
    return *static_cast<const Window*>(userdata);
}

int append_strv(sd_bus_message* reply, const std::vector<std::string>& list) {
    std::vector<char*> ptrs;
    ptrs.reserve(list.size() + 1);
    for (const auto& s : list)
        ptrs.push_back(const_cast<char*>(s.c_str()));
    ptrs.push_back(nullptr);
    return sd_bus_message_append_strv(reply, ptrs.data());
}

int append(sd_bus_message* reply, std::uint32_t u) {
    return sd_bus_message_append_basic(reply, SD_BUS_TYPE_UINT32, &u);
}
int append(sd_bus_message* reply, std::uint64_t t) {
    return sd_bus_message_append_basic(reply, SD_BUS_TYPE_UINT64, &t);
}
int append(sd_bus_message* reply, bool b) {
    const int i = b;
    return sd_bus_message_append_basic(reply, SD_BUS_TYPE_BOOLEAN, &i);
}
int append(sd_bus_message* reply, const std::string& s) {
    return sd_bus_message_append_basic(reply, SD_BUS_TYPE_STRING, s.c_str());
}
int append(sd_bus_message* reply, const std::vector<std::string>& list) {
    return append_strv(reply, list);
}

int append(sd_bus_message* reply, const std::vector<PrecheckResult>& results) {
    int r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(sssss)");
    for (const auto& c : results) {
        if (r < 0)
            return r;
        r = sd_bus_message_append(reply, "(sssss)", c.name.c_str(), c.description.c_str(),
                                  c.severity.c_str(), c.result.c_str(), c.message.c_str());
    }
    return r < 0 ? r : sd_bus_message_close_container(reply);
}

int append(sd_bus_message* reply, const std::vector<LogEntry>& log) {
    int r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(tss)");
    for (const auto& e : log) {
        if (r < 0)
            return r;
        r = sd_bus_message_append(reply, "(tss)", e.time_usec,
                                  std::string(to_string(e.level)).c_str(), e.message.c_str());
    }
    return r < 0 ? r : sd_bus_message_close_container(reply);
}

int append(sd_bus_message* reply, const HostProgress& p) {
    return sd_bus_message_append(reply, "(uuuuu)", p.total, p.in_maintenance, p.failed, p.skipped,
                                 p.pending);
}

int append(sd_bus_message* reply, const SharedHostResults& results) {
    int r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(ssst)");
    for (const auto& h : results.get()) {
        if (r < 0)
            return r;
        r = sd_bus_message_append(reply, "(ssst)", h.host.c_str(),
                                  std::string(to_string(h.result)).c_str(), h.message.c_str(),
                                  h.time_usec);
    }
    return r < 0 ? r : sd_bus_message_close_container(reply);
}

int append(sd_bus_message* reply, Status status) {
    return sd_bus_message_append_basic(reply, SD_BUS_TYPE_STRING,
                                       std::string(to_string(status)).c_str());
}

// A getter that appends what `Read` returns of the window.
template <auto Read>
int get(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void* userdata,
        sd_bus_error*) {
    return append(reply, Read(W(userdata)));
}

// A setter that stores the option in the request's member of the same type.
template <auto Member>
void set(WindowChanges& c, const OptionValue& v, std::string_view argument,
         const WindowProperty& self) {
    using T = typename std::remove_reference_t<decltype(c.*Member)>::value_type;
    c.*Member = option_value<T>(argument, self.name, v, self.signature);
}

constexpr auto kConst = SD_BUS_VTABLE_PROPERTY_CONST;
constexpr auto kChange = SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;
constexpr auto kInvalidate = SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION;
constexpr auto kNo = Settable::No;
constexpr auto kUpdate = Settable::Update;
constexpr auto kBoth = Settable::ScheduleAndUpdate;

// In the order of the XML.
#define SPEC(member)                     \
    [](const Window& w) -> const auto& { \
        return w.spec.member;            \
    }
#define FIELD(member)                    \
    [](const Window& w) -> const auto& { \
        return w.member;                 \
    }
const std::array kProperties = {
    WindowProperty{"Id", "u", kConst, 0, get<FIELD(id)>, kNo, nullptr},
    WindowProperty{"Status", "s", kChange, kFieldStatus, get<FIELD(status)>, kNo, nullptr},
    WindowProperty{"Valid", "b", kChange, kFieldValid, get<SPEC(valid)>, kUpdate,
                   set<&WindowChanges::valid>},
    WindowProperty{"StartUSec", "t", kChange, kFieldStartUSec, get<SPEC(start_usec)>, kUpdate,
                   set<&WindowChanges::start_usec>},
    WindowProperty{"EndUSec", "t", kChange, kFieldEndUSec, get<SPEC(end_usec)>, kUpdate,
                   set<&WindowChanges::end_usec>},
    WindowProperty{"Reason", "s", kChange, kFieldReason, get<SPEC(reason)>, kUpdate,
                   set<&WindowChanges::reason>},
    WindowProperty{"Notify", "as", kChange, kFieldNotify, get<SPEC(notify)>, kUpdate,
                   set<&WindowChanges::notify>},
    WindowProperty{"Comment", "s", kChange, kFieldComment, get<SPEC(comment)>, kBoth,
                   set<&WindowChanges::comment>},
    WindowProperty{"LoginMessage", "s", kChange, kFieldLoginMessage, get<SPEC(login_message)>,
                   kBoth, set<&WindowChanges::login_message>},
    WindowProperty{"ShowLoginMessage", "b", kChange, kFieldShowLoginMessage,
                   get<SPEC(show_login_message)>, kBoth, set<&WindowChanges::show_login_message>},
    WindowProperty{"NotifyMessage", "s", kChange, kFieldNotifyMessage, get<SPEC(notify_message)>,
                   kBoth, set<&WindowChanges::notify_message>},
    WindowProperty{"NotifyLeadUSec", "t", kChange, kFieldNotifyLeadUSec,
                   get<SPEC(notify_lead_usec)>, kBoth, set<&WindowChanges::notify_lead_usec>},
    WindowProperty{"Hosts", "as", kChange, kFieldHosts, get<SPEC(hosts)>, kBoth,
                   set<&WindowChanges::hosts>},
    WindowProperty{"AutoComplete", "b", kChange, kFieldAutoComplete, get<SPEC(auto_complete)>,
                   kBoth, set<&WindowChanges::auto_complete>},
    WindowProperty{"CreatedUSec", "t", kConst, 0, get<FIELD(created_usec)>, kNo, nullptr},
    WindowProperty{"CreatedByUID", "u", kConst, 0, get<FIELD(created_by_uid)>, kNo, nullptr},
    WindowProperty{"StartedUSec", "t", kChange, kFieldStartedUSec, get<FIELD(started_usec)>, kNo,
                   nullptr},
    WindowProperty{"StartedByUID", "u", kChange, kFieldStartedByUID, get<FIELD(started_by_uid)>,
                   kNo, nullptr},
    WindowProperty{"FinishedUSec", "t", kChange, kFieldFinishedUSec, get<FIELD(finished_usec)>, kNo,
                   nullptr},
    WindowProperty{"FinishedByUID", "u", kChange, kFieldFinishedByUID, get<FIELD(finished_by_uid)>,
                   kNo, nullptr},
    WindowProperty{"CompletionNote", "s", kChange, kFieldCompletionNote,
                   get<FIELD(completion_note)>, kNo, nullptr},
    WindowProperty{"PrecheckResults", "a(sssss)", kInvalidate, kFieldPrecheckResults,
                   get<FIELD(precheck_results)>, kNo, nullptr},
    WindowProperty{"Log", "a(tss)", kInvalidate, kFieldLog, get<FIELD(log)>, kNo, nullptr},
    WindowProperty{"MaxFailedHosts", "s", kChange, kFieldMaxFailedHosts,
                   get<SPEC(max_failed_hosts)>, kBoth, set<&WindowChanges::max_failed_hosts>},
    WindowProperty{"HostProgress", "(uuuuu)", kChange, kFieldHostProgress,
                   get<FIELD(host_progress)>, kNo, nullptr},
    WindowProperty{"HostResults", "a(ssst)", kInvalidate, kFieldHostResults,
                   get<FIELD(host_results)>, kNo, nullptr},
};
#undef SPEC
#undef FIELD

bool accepts(const WindowProperty& p, bool schedule) {
    return p.settable == kBoth || (p.settable == kUpdate && !schedule);
}

}  // namespace

std::span<const WindowProperty> window_properties() {
    return kProperties;
}

const WindowProperty* settable_property(std::string_view key, bool schedule) {
    for (const auto& p : kProperties) {
        if (key == p.name)
            return accepts(p, schedule) ? &p : nullptr;
    }
    return nullptr;
}

std::vector<std::string> settable_keys(bool schedule) {
    std::vector<std::string> keys;
    for (const auto& p : kProperties) {
        if (accepts(p, schedule))
            keys.emplace_back(p.name);
    }
    return keys;
}

std::vector<const char*> changed_property_names(std::uint32_t fields) {
    std::vector<const char*> names;
    for (const auto& p : kProperties) {
        if (fields & p.field)
            names.push_back(p.name);
    }
    return names;
}

std::vector<sd_bus_vtable> window_property_vtable() {
    std::vector<sd_bus_vtable> entries;
    entries.reserve(kProperties.size());
    for (const auto& p : kProperties)
        entries.push_back(SD_BUS_PROPERTY(p.name, p.signature, p.get, 0, p.flags));
    return entries;
}

}  // namespace maint::bus
