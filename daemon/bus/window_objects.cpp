// See window_objects.hpp. Every method: decode and check the arguments, authorize, act through
// the planner, reply (the planner has stored and announced the change by then).
#include "bus/window_objects.hpp"

#include <boost/asio/post.hpp>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "bus/authorize.hpp"
#include "bus/caller.hpp"
#include "bus/errors.hpp"
#include "bus/options.hpp"
#include "bus/paths.hpp"
#include "bus/window_properties.hpp"

namespace maint::bus {
namespace {

// A method call answered later (after polkit, after the prechecks). Holds a reference to the
// call; answers exactly once.
class PendingReply {
  public:
    explicit PendingReply(sd_bus_message* call) : call_(sd_bus_message_ref(call)) {}
    ~PendingReply() {
        if (!answered_)
            fail(Error(Errc::Failed, "Internal error: the call was dropped"));
        sd_bus_message_unref(call_);
    }
    PendingReply(const PendingReply&) = delete;
    PendingReply& operator=(const PendingReply&) = delete;

    void ok() {
        if (answered_)
            return;
        answered_ = true;
        sd_bus_reply_method_return(call_, "");
    }
    void fail(const Error& e) {
        if (answered_)
            return;
        answered_ = true;
        sd_bus_reply_method_errorf(call_, std::string(error_name(e.code())).c_str(), "%s",
                                   e.what());
    }

  private:
    sd_bus_message* call_;
    bool answered_ = false;
};

using Reply = std::shared_ptr<PendingReply>;

int to_errno_reply(sd_bus_error* error, const Error& e) {
    return sd_bus_error_set(error, std::string(error_name(e.code())).c_str(), e.what());
}

// The window a method was called on: the const Window* the find callback returned.
const Window& W(void* userdata) {
    return *static_cast<const Window*>(userdata);
}

// The methods; the properties come from the table (window_properties.cpp).
const sd_bus_vtable kWindowMethods[] = {
    SD_BUS_METHOD_WITH_NAMES("Start", "a{sv}", SD_BUS_PARAM(options), "", ,
                             WindowObjects::method_start, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Complete", "sasa{sv}",
                             SD_BUS_PARAM(note) SD_BUS_PARAM(notify) SD_BUS_PARAM(options), "", ,
                             WindowObjects::method_complete, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Cancel", "s", SD_BUS_PARAM(reason), "", ,
                             WindowObjects::method_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Update", "a{sv}", SD_BUS_PARAM(changes), "", ,
                             WindowObjects::method_update, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("RetryHosts", "a{sv}", SD_BUS_PARAM(options), "", ,
                             WindowObjects::method_retry_hosts, SD_BUS_VTABLE_UNPRIVILEGED),
};

// Start, the methods, the properties, end: made once, kept for the life of the process (sd-bus
// holds on to it).
const sd_bus_vtable* window_vtable() {
    static const std::vector<sd_bus_vtable> vtable = [] {
        std::vector<sd_bus_vtable> v{SD_BUS_VTABLE_START(0)};
        v.insert(v.end(), std::begin(kWindowMethods), std::end(kWindowMethods));
        const auto properties = window_property_vtable();
        v.insert(v.end(), properties.begin(), properties.end());
        v.push_back(SD_BUS_VTABLE_END);
        return v;
    }();
    return vtable.data();
}

// What a method does once authorized.
struct Act {
    std::function<void(const Caller&, const Reply&)> run;
};

struct Decoded {
    Authorizer* authorizer;
    Action action;
    Act act;
};

// The shape shared by the four methods: decode and check (may throw InvalidArgs), then
// authorize, then act. `decode` says which action to authorize and what to do.
template <class Decode>
int handle(sd_bus_message* m, sd_bus_error* error, const char* method, Decode&& decode) {
    try {
        Decoded d = decode();
        const Caller caller = caller_of(m);
        auto reply = std::make_shared<PendingReply>(m);
        authorize_then(*d.authorizer, caller, d.action, method,
                       [reply, caller, act = d.act](std::optional<Error> denied) {
                           if (denied) {
                               reply->fail(*denied);
                               return;
                           }
                           guarded([&] { act.run(caller, reply); },
                                   [&](const Error& e) { reply->fail(e); });
                       });
        return 1;
    } catch (const Error& e) {
        return to_errno_reply(error, e);
    } catch (const std::exception& e) {
        return to_errno_reply(error,
                              Error(Errc::Failed, std::string("Internal error: ") + e.what()));
    }
}

}  // namespace

WindowObjects::WindowObjects(boost::asio::io_context& io, sd_bus* bus, Planner& planner,
                             Authorizer& authorizer)
    : io_(io), bus_(bus), planner_(planner), authorizer_(authorizer) {
    int r = sd_bus_add_fallback_vtable(bus_, &vtable_slot_, kWindowPrefix, kWindowInterface,
                                       window_vtable(), &WindowObjects::find, this);
    if (r < 0) {
        throw std::runtime_error(std::string("Cannot register the window objects: ") +
                                 std::strerror(-r));
    }
    r = sd_bus_add_node_enumerator(bus_, &enumerator_slot_, kWindowPrefix,
                                   &WindowObjects::enumerate, this);
    if (r < 0) {
        throw std::runtime_error(std::string("Cannot register the window enumerator: ") +
                                 std::strerror(-r));
    }
}

WindowObjects::~WindowObjects() {
    sd_bus_slot_unref(enumerator_slot_);
    sd_bus_slot_unref(vtable_slot_);
}

WindowObjects& WindowObjects::self_of(sd_bus_message* m) {
    return *static_cast<WindowObjects*>(
        sd_bus_slot_get_userdata(sd_bus_get_current_slot(sd_bus_message_get_bus(m))));
}

int WindowObjects::find(sd_bus*, const char* path, const char*, void* userdata, void** found,
                        sd_bus_error*) {
    auto& self = *static_cast<WindowObjects*>(userdata);
    const auto id = window_id_of(path);
    if (!id)
        return 0;
    const Window* w = self.planner_.find(*id);
    if (!w)
        return 0;
    *found = const_cast<Window*>(w);
    return 1;
}

int WindowObjects::enumerate(sd_bus* bus, const char*, void* userdata, char*** nodes,
                             sd_bus_error*) {
    auto& self = *static_cast<WindowObjects*>(userdata);
    // GetManagedObjects asks for every window's properties next, one find() each: read the
    // finished ones in one pass first, and let them go once this turn of the loop is over.
    // (Introspection asks only for the names, which cost nothing.)
    sd_bus_message* current = sd_bus_get_current_message(bus);
    if (current && sd_bus_message_is_method_call(current, "org.freedesktop.DBus.ObjectManager",
                                                 "GetManagedObjects") > 0) {
        self.planner_.prefetch_history();
        if (!self.prefetch_posted_) {
            self.prefetch_posted_ = true;
            boost::asio::post(self.io_, [&self] {
                self.prefetch_posted_ = false;
                self.planner_.drop_prefetched();
            });
        }
    }
    const auto ids = self.planner_.ids();
    char** list = static_cast<char**>(std::calloc(ids.size() + 1, sizeof(char*)));
    if (!list)
        return -ENOMEM;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        list[i] = strdup(window_path(ids[i]).c_str());
        if (!list[i]) {
            for (std::size_t j = 0; j < i; ++j)
                std::free(list[j]);
            std::free(list);
            return -ENOMEM;
        }
    }
    *nodes = list;
    return 0;
}

void WindowObjects::emit_added(WindowId id) {
    sd_bus_emit_interfaces_added(bus_, window_path(id).c_str(), kWindowInterface, nullptr);
}

void WindowObjects::emit_changed(WindowId id, std::uint32_t fields) {
    std::vector<const char*> names = changed_property_names(fields);
    if (names.empty())
        return;
    names.push_back(nullptr);
    sd_bus_emit_properties_changed_strv(bus_, window_path(id).c_str(), kWindowInterface,
                                        const_cast<char**>(names.data()));
}

int WindowObjects::method_start(sd_bus_message* m, void* window, sd_bus_error* error) {
    WindowObjects& self = self_of(m);
    const WindowId id = W(window).id;
    return handle(m, error, "Start", [&] {
        const StartFlags flags = start_options(options_from(m));
        const Planner::StartOptions options{flags.force, flags.max_failed_hosts};
        Planner::check_start_options(options);
        return Decoded{&self.authorizer_, options.force ? Action::ForceStart : Action::Run,
                       Act{[&self, id, options](const Caller& c, const Reply& reply) {
                           self.planner_.start(id, options, Actor{c.uid, c.pid},
                                               [reply](std::optional<Error> e) {
                                                   if (e) {
                                                       reply->fail(*e);
                                                   } else {
                                                       reply->ok();
                                                   }
                                               });
                       }}};
    });
}

int WindowObjects::method_complete(sd_bus_message* m, void* window, sd_bus_error* error) {
    WindowObjects& self = self_of(m);
    const WindowId id = W(window).id;
    return handle(m, error, "Complete", [&] {
        const char* note = nullptr;
        if (sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &note) < 0) {
            throw Error(Errc::InvalidArgs, "note: not a string");
        }
        std::vector<std::string> notify = string_list_from(m, "notify", "notify");
        const bool failed = flag_option(options_from(m), "options", "Failed");
        std::string text = note;
        self.planner_.check_finish(id, "note", text, notify);
        return Decoded{&self.authorizer_, Action::Run,
                       Act{[&self, id, text, notify, failed](const Caller& c, const Reply& reply) {
                           self.planner_.complete(id, text, notify, failed, Actor{c.uid, c.pid});
                           reply->ok();
                       }}};
    });
}

int WindowObjects::method_cancel(sd_bus_message* m, void* window, sd_bus_error* error) {
    WindowObjects& self = self_of(m);
    const WindowId id = W(window).id;
    return handle(m, error, "Cancel", [&] {
        const char* reason = nullptr;
        if (sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &reason) < 0) {
            throw Error(Errc::InvalidArgs, "reason: not a string");
        }
        std::string text = reason;
        self.planner_.check_finish(id, "reason", text, {});
        return Decoded{&self.authorizer_, Action::Schedule,
                       Act{[&self, id, text](const Caller& c, const Reply& reply) {
                           self.planner_.cancel(id, text, Actor{c.uid, c.pid});
                           reply->ok();
                       }}};
    });
}

int WindowObjects::method_update(sd_bus_message* m, void* window, sd_bus_error* error) {
    WindowObjects& self = self_of(m);
    const WindowId id = W(window).id;
    return handle(m, error, "Update", [&] {
        WindowChanges changes = update_changes(options_from(m));
        self.planner_.check_update(id, changes);
        // "run" when the change starts the window at once or moves an in-progress end.
        const Action action = self.planner_.update_action(id, changes);
        return Decoded{&self.authorizer_, action,
                       Act{[&self, id, changes, action](const Caller& c, const Reply& reply) {
                           // The start may have come within the grace while polkit was
                           // asked: that needs "run", which was not asked for.
                           if (c.uid != 0 && action == Action::Schedule &&
                               self.planner_.update_action(id, changes) == Action::Run) {
                               throw Error(Errc::AccessDenied,
                                           "The window's start came within 60 s while "
                                           "authorization was pending; a window that starts "
                                           "at once needs the action " +
                                               std::string(action_id(Action::Run)) +
                                               ": call again");
                           }
                           self.planner_.update(id, changes, Actor{c.uid, c.pid});
                           reply->ok();
                       }}};
    });
}

int WindowObjects::method_retry_hosts(sd_bus_message* m, void* window, sd_bus_error* error) {
    WindowObjects& self = self_of(m);
    const WindowId id = W(window).id;
    return handle(m, error, "RetryHosts", [&] {
        no_options(options_from(m), "options");
        if (!self.planner_.exists(id))
            throw Error(Errc::NoSuchWindow, "There is no window " + std::to_string(id));
        return Decoded{&self.authorizer_, Action::Run,
                       Act{[&self, id](const Caller& c, const Reply& reply) {
                           self.planner_.retry_hosts(id, Actor{c.uid, c.pid});
                           reply->ok();
                       }}};
    });
}

}  // namespace maint::bus
