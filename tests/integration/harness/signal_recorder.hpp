// A second bus connection that records every signal maintenanced sends under
// /org/example/Maintenance1: the Manager's lifecycle signals, PropertiesChanged of the Manager and
// of every window, and the ObjectManager's InterfacesAdded/Removed. Tests wait on it with
// wait_for() and inspect what arrived, in order.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

namespace maint::it {

struct RecordedSignal {
    std::string path;
    std::string interface;
    std::string member;
    std::string sender;
    // org.example.Maintenance1.Manager signals.
    std::uint32_t id = 0;
    std::string window;
    std::uint64_t start_usec = 0;
    std::string status;
    std::string host;
    std::string host_state;
    std::uint32_t in_maintenance = 0;  // HostsFlipped
    std::uint32_t failed = 0;
    std::uint32_t skipped = 0;
    // org.freedesktop.DBus.Properties.PropertiesChanged.
    std::string changed_interface;
    std::map<std::string, sdbus::Variant> changed;
    std::vector<std::string> invalidated;
    // org.freedesktop.DBus.ObjectManager.InterfacesAdded / InterfacesRemoved.
    std::string object;
    std::map<std::string, std::map<std::string, sdbus::Variant>> interfaces;
    std::vector<std::string> removed_interfaces;

    bool is(const std::string& member_name) const { return member == member_name; }
    // For PropertiesChanged: whether `property` is among the changed values (or invalidated).
    bool changes(const std::string& property) const;
    std::string describe() const;
};

class SignalRecorder {
  public:
    using Predicate = std::function<bool(const RecordedSignal&)>;

    // Connects to `address`, subscribes, then runs the connection's event loop in its own thread.
    explicit SignalRecorder(const std::string& address);
    ~SignalRecorder();
    SignalRecorder(const SignalRecorder&) = delete;
    SignalRecorder& operator=(const SignalRecorder&) = delete;

    std::vector<RecordedSignal> signals() const;
    std::size_t count(const Predicate& p) const;
    // Waits until a recorded signal matches; returns it (the first match), or nullptr on timeout.
    std::unique_ptr<RecordedSignal> wait_for(const Predicate& p, std::chrono::milliseconds timeout);
    // Index of the first matching signal in arrival order, or -1.
    int index_of(const Predicate& p) const;
    void clear();
    // Everything recorded so far, one line each (for assertion messages).
    std::string dump() const;

  private:
    void on_message(sdbus::Message& m);

    std::unique_ptr<sdbus::IConnection> connection_;
    sdbus::Slot slot_;
    mutable std::mutex mutex_;
    std::condition_variable arrived_;
    std::vector<RecordedSignal> signals_;
};

// Predicates for the common cases.
SignalRecorder::Predicate manager_signal(const std::string& member, std::uint32_t id);
SignalRecorder::Predicate window_finished(std::uint32_t id, const std::string& status);
// PropertiesChanged on `path` for `interface` whose changed values include `property` equal to
// `value` (compared as the variant's string form: strings, object paths, numbers, booleans).
SignalRecorder::Predicate property_changed(const std::string& path, const std::string& interface,
                                           const std::string& property, const std::string& value);
SignalRecorder::Predicate property_invalidated(const std::string& path,
                                               const std::string& interface,
                                               const std::string& property);

// A variant's value as text: strings and object paths as they are, numbers in decimal, booleans
// as "true"/"false", string arrays joined with ','; otherwise "<signature>".
std::string variant_text(const sdbus::Variant& v);

}  // namespace maint::it
