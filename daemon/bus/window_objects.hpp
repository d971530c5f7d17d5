// Every window object, /org/example/Maintenance1/window/<id>, served as logind serves its
// sessions: one sd-bus fallback vtable for the whole subtree, a find callback that looks the
// window up (history is read from the store on demand) and a node enumerator for introspection
// and GetManagedObjects. Registering one sdbus-c++ object per window would cost 11 KB each.
// The vtable mirrors org.example.Maintenance1.Window in dbus/org.example.Maintenance1.xml; a
// test compares the live introspection with the XML.
#pragma once

#include <systemd/sd-bus.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>

#include "core/planner.hpp"

namespace maint::bus {

class WindowObjects {
  public:
    // `io` runs what must wait until the current bus message is done (dropping the history
    // read for an enumeration).
    WindowObjects(boost::asio::io_context& io, sd_bus* bus, Planner& planner,
                  Authorizer& authorizer);
    ~WindowObjects();
    WindowObjects(const WindowObjects&) = delete;
    WindowObjects& operator=(const WindowObjects&) = delete;

    void emit_added(WindowId id);
    void emit_changed(WindowId id, std::uint32_t fields);

    // The sd-bus callbacks (public for the vtable table in the .cpp).
    static int find(sd_bus* bus, const char* path, const char* interface, void* userdata,
                    void** found, sd_bus_error* error);
    static int enumerate(sd_bus* bus, const char* prefix, void* userdata, char*** nodes,
                         sd_bus_error* error);
    static int method_start(sd_bus_message* m, void* window, sd_bus_error* error);
    static int method_complete(sd_bus_message* m, void* window, sd_bus_error* error);
    static int method_cancel(sd_bus_message* m, void* window, sd_bus_error* error);
    static int method_update(sd_bus_message* m, void* window, sd_bus_error* error);
    static int method_retry_hosts(sd_bus_message* m, void* window, sd_bus_error* error);

  private:
    static WindowObjects& self_of(sd_bus_message* m);

    boost::asio::io_context& io_;
    sd_bus* bus_;
    bool prefetch_posted_ = false;
    Planner& planner_;
    Authorizer& authorizer_;
    sd_bus_slot* vtable_slot_ = nullptr;
    sd_bus_slot* enumerator_slot_ = nullptr;
};

}  // namespace maint::bus
