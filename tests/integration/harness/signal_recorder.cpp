// See signal_recorder.hpp.
#include "harness/signal_recorder.hpp"

#include <sstream>

namespace maint::it {
namespace {

constexpr const char* kManagerInterface = "org.example.Maintenance1.Manager";
constexpr const char* kPropertiesInterface = "org.freedesktop.DBus.Properties";
constexpr const char* kObjectManagerInterface = "org.freedesktop.DBus.ObjectManager";

void decode(sdbus::Message& m, RecordedSignal& s) {
    if (s.interface == kManagerInterface) {
        if (s.member == "WindowScheduled" || s.member == "WindowStarted" ||
            s.member == "HostsFlipped") {
            sdbus::ObjectPath p;
            m >> s.id >> p;
            s.window = p;
        } else if (s.member == "WindowUpcoming") {
            sdbus::ObjectPath p;
            m >> s.id >> p >> s.start_usec;
            s.window = p;
        } else if (s.member == "WindowFinished") {
            sdbus::ObjectPath p;
            m >> s.id >> p >> s.status;
            s.window = p;
        } else if (s.member == "HostStateChanged") {
            m >> s.host >> s.host_state;
        }
    } else if (s.interface == kPropertiesInterface && s.member == "PropertiesChanged") {
        m >> s.changed_interface >> s.changed >> s.invalidated;
    } else if (s.interface == kObjectManagerInterface && s.member == "InterfacesAdded") {
        sdbus::ObjectPath p;
        m >> p >> s.interfaces;
        s.object = p;
    } else if (s.interface == kObjectManagerInterface && s.member == "InterfacesRemoved") {
        sdbus::ObjectPath p;
        m >> p >> s.removed_interfaces;
        s.object = p;
    }
}

}  // namespace

std::string variant_text(const sdbus::Variant& v) {
    const std::string sig = v.peekValueType();
    if (sig == "s")
        return v.get<std::string>();
    if (sig == "o")
        return v.get<sdbus::ObjectPath>();
    if (sig == "b")
        return v.get<bool>() ? "true" : "false";
    if (sig == "u")
        return std::to_string(v.get<std::uint32_t>());
    if (sig == "t")
        return std::to_string(v.get<std::uint64_t>());
    if (sig == "i")
        return std::to_string(v.get<std::int32_t>());
    if (sig == "x")
        return std::to_string(v.get<std::int64_t>());
    if (sig == "as") {
        std::string out;
        for (const auto& s : v.get<std::vector<std::string>>()) {
            if (!out.empty())
                out += ',';
            out += s;
        }
        return out;
    }
    return "<" + sig + ">";
}

bool RecordedSignal::changes(const std::string& property) const {
    if (changed.count(property))
        return true;
    for (const auto& p : invalidated) {
        if (p == property)
            return true;
    }
    return false;
}

std::string RecordedSignal::describe() const {
    std::ostringstream o;
    o << path << " " << interface << "." << member;
    if (interface == kManagerInterface) {
        o << " id=" << id << " window=" << window;
        if (start_usec)
            o << " start=" << start_usec;
        if (!status.empty())
            o << " status=" << status;
        if (!host.empty())
            o << " host=" << host << " state=" << host_state;
    } else if (member == "PropertiesChanged") {
        o << " [" << changed_interface << "]";
        for (const auto& [k, v] : changed)
            o << " " << k << "=" << variant_text(v);
        for (const auto& k : invalidated)
            o << " " << k << "(invalidated)";
    } else if (member == "InterfacesAdded" || member == "InterfacesRemoved") {
        o << " " << object << ":";
        for (const auto& [iface, props] : interfaces)
            o << " " << iface;
        for (const auto& iface : removed_interfaces)
            o << " -" << iface;
    }
    return o.str();
}

SignalRecorder::SignalRecorder(const std::string& address)
    : connection_(sdbus::createSessionBusConnectionWithAddress(address)) {
    // No sender= in the rule: sd-bus cannot match a well-known sender name locally. The path
    // namespace is ours alone on a private bus.
    slot_ = connection_->addMatch("type='signal',path_namespace='/org/example/Maintenance1'",
                                  [this](sdbus::Message& m) { on_message(m); });
    connection_->enterEventLoopAsync();
}

SignalRecorder::~SignalRecorder() {
    connection_->leaveEventLoop();
    slot_.reset();
}

void SignalRecorder::on_message(sdbus::Message& m) {
    RecordedSignal s;
    s.path = m.getPath();
    s.interface = m.getInterfaceName();
    s.member = m.getMemberName();
    s.sender = m.getSender();
    try {
        decode(m, s);
    } catch (const sdbus::Error&) {
        s.member += "(undecodable)";
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        signals_.push_back(std::move(s));
    }
    arrived_.notify_all();
}

std::vector<RecordedSignal> SignalRecorder::signals() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return signals_;
}

std::size_t SignalRecorder::count(const Predicate& p) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t n = 0;
    for (const auto& s : signals_) {
        if (p(s))
            ++n;
    }
    return n;
}

std::unique_ptr<RecordedSignal> SignalRecorder::wait_for(const Predicate& p,
                                                         std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    std::unique_ptr<RecordedSignal> found;
    arrived_.wait_for(lock, timeout, [&] {
        for (const auto& s : signals_) {
            if (p(s)) {
                found = std::make_unique<RecordedSignal>(s);
                return true;
            }
        }
        return false;
    });
    return found;
}

int SignalRecorder::index_of(const Predicate& p) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t i = 0; i < signals_.size(); ++i) {
        if (p(signals_[i]))
            return static_cast<int>(i);
    }
    return -1;
}

void SignalRecorder::clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    signals_.clear();
}

std::string SignalRecorder::dump() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out = std::to_string(signals_.size()) + " signal(s) recorded:\n";
    for (const auto& s : signals_)
        out += "  " + s.describe() + "\n";
    return out;
}

SignalRecorder::Predicate manager_signal(const std::string& member, std::uint32_t id) {
    return [member, id](const RecordedSignal& s) {
        return s.interface == kManagerInterface && s.member == member && s.id == id;
    };
}

SignalRecorder::Predicate window_finished(std::uint32_t id, const std::string& status) {
    return [id, status](const RecordedSignal& s) {
        return s.interface == kManagerInterface && s.member == "WindowFinished" && s.id == id &&
               s.status == status;
    };
}

SignalRecorder::Predicate property_changed(const std::string& path, const std::string& interface,
                                           const std::string& property, const std::string& value) {
    return [=](const RecordedSignal& s) {
        if (s.member != "PropertiesChanged" || s.path != path || s.changed_interface != interface) {
            return false;
        }
        auto it = s.changed.find(property);
        return it != s.changed.end() && variant_text(it->second) == value;
    };
}

SignalRecorder::Predicate property_invalidated(const std::string& path,
                                               const std::string& interface,
                                               const std::string& property) {
    return [=](const RecordedSignal& s) {
        if (s.member != "PropertiesChanged" || s.path != path || s.changed_interface != interface) {
            return false;
        }
        for (const auto& p : s.invalidated) {
            if (p == property)
                return true;
        }
        return false;
    };
}

}  // namespace maint::it
