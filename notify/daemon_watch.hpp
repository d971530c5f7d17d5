// The system bus side: follows maintenanced wherever it is. Watches NameOwnerChanged for
// org.example.Maintenance1; while the name has an owner, listens to that owner's lifecycle signals
// and to the PropertiesChanged of its window objects, reads the windows' properties, and hands
// what happened to the tracker. Every call goes to the owner's unique name, never to the
// well-known one, so nothing here can bus-activate the daemon; while nobody owns the name nothing
// is called at all.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "notify/tracker.hpp"

namespace maint::notify {

class DaemonWatch {
  public:
    using Sink = std::function<void(const Actions&)>;

    // `sink` carries out the tracker's decisions.
    DaemonWatch(sdbus::IConnection& system, NoticeTracker& tracker, Sink sink);
    ~DaemonWatch();
    DaemonWatch(const DaemonWatch&) = delete;
    DaemonWatch& operator=(const DaemonWatch&) = delete;

    // Subscribes to the name's owner changes, then follows the current owner, if there is one.
    void start();

  private:
    class Manager;

    void owner_changed(const std::string& owner);
    void follow(const std::string& owner);
    void unfollow();
    void synchronize();
    // The window's properties; nullopt when the daemon does not know the object. Throws
    // sdbus::Error when the daemon cannot be asked.
    std::optional<WindowInfo> read_window(const std::string& path);
    // read_window(), or `fallback` (from a signal's arguments) when that fails.
    WindowInfo read_window_or(const std::string& path, WindowInfo fallback);

    void on_upcoming(std::uint32_t id, const std::string& path, std::uint64_t start_usec);
    void on_started(std::uint32_t id, const std::string& path);
    void on_finished(std::uint32_t id, const std::string& path, const std::string& status);
    void on_window_properties_changed(sdbus::Message& message);

    sdbus::IConnection& bus_;
    NoticeTracker& tracker_;
    Sink sink_;
    sdbus::Slot owner_match_;
    std::string owner_;  // maintenanced's unique name; empty while it is not on the bus
    std::unique_ptr<Manager> manager_;
    sdbus::Slot properties_match_;
};

}  // namespace maint::notify
