// See daemon_watch.hpp.
#include "notify/daemon_watch.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include "common/bus_names.hpp"
#include "common/timestamp.hpp"
#include "generated/maintenance1_proxy.h"
#include "notify/log.hpp"

namespace maint::notify {
namespace {

using names::kBusName;
using names::kManagerInterface;
using names::kManagerPath;
using names::kWindowInterface;
constexpr const char* kWindowsPath = names::kWindowPrefix;
constexpr const char* kPropertiesInterface = "org.freedesktop.DBus.Properties";
constexpr const char* kNoPath = "/";

using Properties = std::map<std::string, sdbus::Variant>;

template <class T>
T value_of(const Properties& props, const std::string& name, T fallback = {}) {
    const auto it = props.find(name);
    if (it == props.end() || !it->second.containsValueOfType<T>())
        return fallback;
    return it->second.get<T>();
}

Properties get_all(sdbus::IProxy& proxy, const std::string& interface) {
    Properties props;
    proxy.callMethod("GetAll")
        .onInterface(kPropertiesInterface)
        .withArguments(interface)
        .storeResultsTo(props);
    return props;
}

std::string window_path(std::uint32_t id) {
    return std::string(kWindowsPath) + "/" + std::to_string(id);
}

std::string describe(const sdbus::Error& e) {
    return e.getName() + ": " + e.getMessage();
}

}  // namespace

// The Manager of one maintenanced instance, addressed by its unique name, through the proxy
// generated from the interface XML.
class DaemonWatch::Manager final
    : public sdbus::ProxyInterfaces<org::example::Maintenance1::Manager_proxy> {
  public:
    Manager(sdbus::IConnection& bus, const std::string& owner, DaemonWatch& watch)
        : ProxyInterfaces(bus, owner, kManagerPath), watch_(watch) {
        registerProxy();
    }
    ~Manager() { unregisterProxy(); }

    Properties properties() { return get_all(getProxy(), kManagerInterface); }

  private:
    // A new window is not shown: users hear of it when its lead time begins.
    void onWindowScheduled(const uint32_t&, const sdbus::ObjectPath&) override {}
    void onWindowUpcoming(const uint32_t& id, const sdbus::ObjectPath& window,
                          const uint64_t& start_usec) override {
        watch_.on_upcoming(id, window, start_usec);
    }
    void onWindowStarted(const uint32_t& id, const sdbus::ObjectPath& window) override {
        watch_.on_started(id, window);
    }
    void onWindowFinished(const uint32_t& id, const sdbus::ObjectPath& window,
                          const std::string& status) override {
        watch_.on_finished(id, window, status);
    }
    void onHostStateChanged(const std::string&, const std::string&) override {}
    void onHostsFlipped(const uint32_t&, const sdbus::ObjectPath&, const uint32_t&, const uint32_t&,
                        const uint32_t&) override {}

    DaemonWatch& watch_;
};

DaemonWatch::DaemonWatch(sdbus::IConnection& system, NoticeTracker& tracker, Sink sink)
    : bus_(system), tracker_(tracker), sink_(std::move(sink)) {}

DaemonWatch::~DaemonWatch() = default;

void DaemonWatch::start() {
    // Subscribed before asking, so that no change between the answer and the subscription is
    // missed; a change that the answer already covers is recognised by the owner's name.
    owner_match_ = bus_.addMatch(
        std::string("type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                    "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='") +
            kBusName + "'",
        [this](sdbus::Message& m) {
            std::string name, old_owner, new_owner;
            try {
                m >> name >> old_owner >> new_owner;
            } catch (const sdbus::Error& e) {
                log_message("Ignoring a malformed NameOwnerChanged: " + describe(e));
                return;
            }
            owner_changed(new_owner);
        });

    std::string owner;
    try {
        auto dbus = sdbus::createProxy(bus_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
        dbus->callMethod("GetNameOwner")
            .onInterface("org.freedesktop.DBus")
            .withArguments(std::string(kBusName))
            .storeResultsTo(owner);
    } catch (const sdbus::Error& e) {
        if (e.getName() != "org.freedesktop.DBus.Error.NameHasNoOwner")
            throw;
    }
    if (owner.empty())
        log_message(std::string(kBusName) + " is not on the system bus; waiting for it.");
    else
        owner_changed(owner);
}

void DaemonWatch::owner_changed(const std::string& owner) {
    if (owner == owner_)
        return;
    if (!owner_.empty()) {
        log_message("maintenanced (" + owner_ + ") left the system bus; waiting for it.");
        unfollow();
    }
    if (!owner.empty())
        follow(owner);
}

void DaemonWatch::follow(const std::string& owner) {
    owner_ = owner;
    try {
        manager_ = std::make_unique<Manager>(bus_, owner, *this);
        // Later changes of a window on the screen (a new end, a postponed start, a new message).
        properties_match_ = bus_.addMatch(
            "type='signal',sender='" + owner + "',interface='" + kPropertiesInterface +
                "',member='PropertiesChanged',path_namespace='" + kWindowsPath + "',arg0='" +
                kWindowInterface + "'",
            [this](sdbus::Message& m) { on_window_properties_changed(m); });
    } catch (const sdbus::Error& e) {
        // Only a broken connection gets here, and the event loop notices that.
        log_message("Cannot subscribe to maintenanced (" + owner + "): " + describe(e));
        return;
    }
    synchronize();
}

void DaemonWatch::unfollow() {
    properties_match_.reset();
    manager_.reset();
    owner_.clear();
}

void DaemonWatch::synchronize() {
    try {
        const Properties manager = manager_->properties();
        const auto state = value_of<std::string>(manager, "State");
        const auto active = value_of<sdbus::ObjectPath>(manager, "ActiveWindow");
        const auto next = value_of<sdbus::ObjectPath>(manager, "NextWindow");
        Snapshot s;
        if (!active.empty() && active != kNoPath)
            s.active = read_window(active);
        if (!next.empty() && next != kNoPath)
            s.next = read_window(next);
        s.upcoming_announced =
            state == "scheduled" && !value_of<std::string>(manager, "Banner").empty();
        for (const std::uint32_t id : tracker_.followed()) {
            if (auto w = read_window(window_path(id)))
                s.followed.push_back(std::move(*w));
        }
        sink_(tracker_.synchronize(s, realtime_now()));
        log_message("Following maintenanced (" + owner_ + "), state " + state + ".");
    } catch (const sdbus::Error& e) {
        // It is going away again: NameOwnerChanged follows.
        log_message("Cannot read the state of maintenanced (" + owner_ + "): " + describe(e));
    }
}

std::optional<WindowInfo> DaemonWatch::read_window(const std::string& path) {
    Properties props;
    try {
        auto window = sdbus::createProxy(bus_, owner_, path);
        props = get_all(*window, kWindowInterface);
    } catch (const sdbus::Error& e) {
        if (e.getName() == "org.freedesktop.DBus.Error.UnknownObject" ||
            e.getName() == "org.freedesktop.DBus.Error.UnknownInterface")
            return std::nullopt;
        throw;
    }
    WindowInfo w;
    w.id = value_of<std::uint32_t>(props, "Id");
    w.status = value_of<std::string>(props, "Status");
    w.valid = value_of<bool>(props, "Valid", true);
    w.start_usec = value_of<std::uint64_t>(props, "StartUSec");
    w.end_usec = value_of<std::uint64_t>(props, "EndUSec");
    w.notify_lead_usec = value_of<std::uint64_t>(props, "NotifyLeadUSec");
    w.reason = value_of<std::string>(props, "Reason");
    w.notify_message = value_of<std::string>(props, "NotifyMessage");
    w.completion_note = value_of<std::string>(props, "CompletionNote");
    return w;
}

WindowInfo DaemonWatch::read_window_or(const std::string& path, WindowInfo fallback) {
    try {
        if (auto w = read_window(path))
            return std::move(*w);
        log_message("maintenanced does not know " + path + ".");
    } catch (const sdbus::Error& e) {
        log_message("Cannot read " + path + ": " + describe(e));
    }
    return fallback;
}

void DaemonWatch::on_upcoming(std::uint32_t id, const std::string& path, std::uint64_t start_usec) {
    WindowInfo fallback;
    fallback.id = id;
    fallback.status = kStatusScheduled;
    fallback.start_usec = start_usec;
    sink_(tracker_.window_upcoming(read_window_or(path, fallback), realtime_now()));
}

void DaemonWatch::on_started(std::uint32_t id, const std::string& path) {
    WindowInfo fallback;
    fallback.id = id;
    fallback.status = kStatusInProgress;
    sink_(tracker_.window_started(read_window_or(path, fallback)));
}

void DaemonWatch::on_finished(std::uint32_t id, const std::string& path,
                              const std::string& status) {
    WindowInfo fallback;
    fallback.id = id;
    WindowInfo w = read_window_or(path, fallback);
    w.status = status;  // the signal's word on the outcome is final
    sink_(tracker_.window_finished(w));
}

void DaemonWatch::on_window_properties_changed(sdbus::Message& message) {
    const std::string path = message.getPath();
    const auto followed = tracker_.followed();
    if (std::none_of(followed.begin(), followed.end(),
                     [&](std::uint32_t id) { return window_path(id) == path; }))
        return;
    std::string interface;
    Properties changed;
    std::vector<std::string> invalidated;
    try {
        message >> interface >> changed >> invalidated;
    } catch (const sdbus::Error& e) {
        log_message("Ignoring a malformed PropertiesChanged of " + path + ": " + describe(e));
        return;
    }
    // Status changes come with the lifecycle signals; these are the ones that change the texts.
    static const char* const kShown[] = {"StartUSec",     "EndUSec",        "Reason",
                                         "NotifyMessage", "NotifyLeadUSec", "Valid"};
    const bool relevant = std::any_of(std::begin(kShown), std::end(kShown), [&](const char* p) {
        return changed.count(p) != 0 ||
               std::find(invalidated.begin(), invalidated.end(), p) != invalidated.end();
    });
    if (!relevant)
        return;
    try {
        if (auto w = read_window(path))
            sink_(tracker_.window_changed(*w, realtime_now()));
    } catch (const sdbus::Error& e) {
        log_message("Cannot read " + path + ": " + describe(e));
    }
}

}  // namespace maint::notify
