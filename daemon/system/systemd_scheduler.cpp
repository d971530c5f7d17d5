// See systemd_scheduler.hpp.
#include "system/systemd_scheduler.hpp"

#include <systemd/sd-bus.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/errors.hpp"
#include "sd_bus_access.hpp"

namespace maint {
namespace {

constexpr const char* kSystemd = "org.freedesktop.systemd1";
constexpr const char* kSystemdPath = "/org/freedesktop/systemd1";
constexpr const char* kManagerInterface = "org.freedesktop.systemd1.Manager";
constexpr const char* kTimerInterface = "org.freedesktop.systemd1.Timer";
constexpr const char* kUnitPrefix = "maintenanced-window-";
constexpr TimerKind kKinds[] = {TimerKind::Upcoming, TimerKind::Start, TimerKind::End};
// A unit of the same name may still be loaded for a moment after it was stopped (systemd
// collects it on its next loop iteration): try again, briefly.
constexpr int kCreateAttempts = 30;
constexpr auto kCreateRetryDelay = std::chrono::milliseconds(100);
// A wake-up this close to its time counts as that timer's (systemd's accuracy is 1 ms).
constexpr Usec kElapsedSlackUsec = kUsecPerSec;

using Property = sdbus::Struct<std::string, sdbus::Variant>;
using Properties = std::vector<Property>;
using AuxUnit = sdbus::Struct<std::string, Properties>;
using ExecCommand = sdbus::Struct<std::string, std::vector<std::string>, bool>;
using CalendarEntry = sdbus::Struct<std::string, std::string, std::uint64_t>;
using UnitRow =
    sdbus::Struct<std::string, std::string, std::string, std::string, std::string, std::string,
                  sdbus::ObjectPath, std::uint32_t, std::string, sdbus::ObjectPath>;

std::optional<TimerKind> kind_from(std::string_view s) {
    for (TimerKind k : kKinds) {
        if (to_string(k) == s)
            return k;
    }
    return std::nullopt;
}

bool no_such_unit(const sdbus::Error& e) {
    return e.getName() == "org.freedesktop.systemd1.NoSuchUnit" ||
           e.getName() == "org.freedesktop.systemd1.LoadFailed";
}

}  // namespace

std::string timer_unit_name(WindowId id, TimerKind kind, std::string_view suffix) {
    return kUnitPrefix + std::to_string(id) + "-" + std::string(to_string(kind)) +
           std::string(suffix);
}

std::optional<std::pair<WindowId, TimerKind>> parse_timer_unit(std::string_view unit) {
    if (unit.substr(0, std::string_view(kUnitPrefix).size()) != kUnitPrefix)
        return std::nullopt;
    unit.remove_prefix(std::string_view(kUnitPrefix).size());
    WindowId id = 0;
    const auto [rest, ec] = std::from_chars(unit.data(), unit.data() + unit.size(), id);
    if (ec != std::errc() || id == 0 || rest == unit.data() + unit.size() || *rest != '-')
        return std::nullopt;
    unit.remove_prefix(static_cast<std::size_t>(rest - unit.data()) + 1);
    const auto dot = unit.find('.');
    if (dot == std::string_view::npos)
        return std::nullopt;
    const auto kind = kind_from(unit.substr(0, dot));
    if (!kind)
        return std::nullopt;
    return std::pair{id, *kind};
}

std::string calendar_spec(Usec when) {
    const std::time_t secs = static_cast<std::time_t>(when / kUsecPerSec);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06llu UTC", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<unsigned long long>(when % kUsecPerSec));
    return buf;
}

SystemdScheduler::SystemdScheduler(boost::asio::io_context& io, sdbus::IConnection& connection,
                                   const Clock& clock, Settings settings,
                                   std::function<void(WindowId, const std::string&)> problem)
    : io_(io),
      clock_(clock),
      settings_(std::move(settings)),
      problem_(std::move(problem)),
      systemd_(sdbus::createProxy(connection, kSystemd, kSystemdPath)) {}

SystemdScheduler::~SystemdScheduler() {
    *alive_ = false;
}

bool SystemdScheduler::available(sdbus::IConnection& connection) {
    auto bus = sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    bool has = false;
    bus->callMethod("NameHasOwner")
        .onInterface("org.freedesktop.DBus")
        .withArguments(std::string(kSystemd))
        .storeResultsTo(has);
    return has;
}

void SystemdScheduler::discover() {
    std::vector<UnitRow> units;
    systemd_->callMethod("ListUnitsByPatterns")
        .onInterface(kManagerInterface)
        .withArguments(std::vector<std::string>{},
                       std::vector<std::string>{std::string(kUnitPrefix) + "*.timer"})
        .storeResultsTo(units);
    for (const auto& u : units) {
        const auto key = parse_timer_unit(u.get<0>());
        // Only a waiting timer counts; an elapsed or failed one is collected by systemd.
        if (!key || u.get<3>() != "active")
            continue;
        auto unit = sdbus::createProxy(systemd_->getConnection(), kSystemd, u.get<6>());
        const auto calendar = unit->getProperty("TimersCalendar")
                                  .onInterface(kTimerInterface)
                                  .get<std::vector<CalendarEntry>>();
        // The next elapse of its one OnCalendar= is the time it was made for.
        Slot& slot = slots_[*key];
        for (const auto& c : calendar) {
            if (c.get<0>() == "OnCalendar" && c.get<2>() != 0)
                slot.existing = c.get<2>();
        }
        if (!slot.existing)
            stop(*key);  // a timer of ours with no future: a leftover
    }
}

void SystemdScheduler::set_handler(Handler handler) {
    handler_ = std::move(handler);
}

void SystemdScheduler::arm(WindowId id, const std::vector<TimerSpec>& timers) {
    for (TimerKind kind : kKinds) {
        std::optional<Usec> when;
        for (const auto& t : timers) {
            if (t.kind == kind)
                when = t.when_usec;
        }
        set_wanted({id, kind}, when);
    }
}

void SystemdScheduler::reconcile(const std::map<WindowId, std::vector<TimerSpec>>& wanted) {
    std::vector<Key> keys;
    for (const auto& [key, slot] : slots_)
        keys.push_back(key);
    for (const Key& key : keys) {
        if (!wanted.count(key.first))
            set_wanted(key, std::nullopt);
    }
    for (const auto& [id, timers] : wanted)
        arm(id, timers);
}

void SystemdScheduler::set_wanted(const Key& key, std::optional<Usec> when) {
    auto it = slots_.find(key);
    if (it == slots_.end()) {
        if (!when)
            return;
        it = slots_.emplace(key, Slot{}).first;
    }
    if (it->second.wanted == when)
        return;
    it->second.wanted = when;
    ++it->second.generation;
    converge(key);
}

void SystemdScheduler::converge(const Key& key) {
    Slot& slot = slots_.at(key);
    if (!slot.wanted || *slot.wanted <= clock_.now()) {
        if (slot.existing)
            stop(key);
        if (slot.wanted)
            fire_soon(key);  // its time has come: no unit, the planner hears at once
        else
            slots_.erase(key);
        return;
    }
    if (slot.existing == slot.wanted)
        return;
    if (slot.existing)
        stop(key);
    create(key, *slot.wanted, slot.generation, 1);
}

void SystemdScheduler::create(const Key& key, Usec when, std::uint64_t generation, int attempt) {
    const auto [id, kind] = key;
    slots_.at(key).existing = when;
    const std::string what =
        "Maintenance window " + std::to_string(id) + ": " + std::string(to_string(kind));
    const Properties timer{
        {"Description", sdbus::Variant(what)},
        {"TimersCalendar", sdbus::Variant(std::vector<sdbus::Struct<std::string, std::string>>{
                               {"OnCalendar", calendar_spec(when)}})},
        {"AccuracyUSec", sdbus::Variant(std::uint64_t{settings_.accuracy_usec})},
        {"RemainAfterElapse", sdbus::Variant(false)},
        {"CollectMode", sdbus::Variant(std::string("inactive-or-failed"))},
    };
    const std::vector<std::string> argv{settings_.busctl,
                                        "--system",
                                        "--timeout=60",
                                        "call",
                                        settings_.bus_name,
                                        settings_.object_path,
                                        settings_.interface,
                                        "Elapsed",
                                        "us",
                                        std::to_string(id),
                                        std::string(to_string(kind))};
    const Properties service{
        {"Description", sdbus::Variant(what + " (tells maintenanced)")},
        {"Type", sdbus::Variant(std::string("oneshot"))},
        {"ExecStart", sdbus::Variant(std::vector<ExecCommand>{{settings_.busctl, argv, false}})},
        {"CollectMode", sdbus::Variant(std::string("inactive-or-failed"))},
    };
    const std::string name = timer_unit_name(id, kind);
    systemd_->callMethodAsync("StartTransientUnit")
        .onInterface(kManagerInterface)
        .withArguments(name, std::string("fail"), timer,
                       std::vector<AuxUnit>{{timer_unit_name(id, kind, ".service"), service}})
        .uponReplyInvoke([this, alive = alive_, key, when, generation, attempt, name](
                             const sdbus::Error* error, sdbus::ObjectPath) {
            if (!*alive || !error)
                return;
            auto it = slots_.find(key);
            if (it == slots_.end() || it->second.generation != generation)
                return;  // wanted something else since: converge() took care of it
            it->second.existing.reset();
            if (error->getName() == "org.freedesktop.systemd1.UnitExists" &&
                attempt < kCreateAttempts) {
                // Ours by its name: a leftover, or the old one not yet collected.
                stop(key);
                auto timer = std::make_shared<boost::asio::steady_timer>(io_, kCreateRetryDelay);
                timer->async_wait([this, alive, timer, key, when, generation,
                                   attempt](const boost::system::error_code& ec) {
                    if (ec || !*alive)
                        return;
                    auto again = slots_.find(key);
                    if (again != slots_.end() && again->second.generation == generation)
                        create(key, when, generation, attempt + 1);
                });
                return;
            }
            problem_(key.first, "could not create the timer " + name + ": " + error->getName() +
                                    ": " + error->getMessage());
        });
}

void SystemdScheduler::stop(const Key& key) {
    if (auto it = slots_.find(key); it != slots_.end())
        it->second.existing.reset();
    const std::string name = timer_unit_name(key.first, key.second);
    systemd_->callMethodAsync("StopUnit")
        .onInterface(kManagerInterface)
        .withArguments(name, std::string("replace"))
        .uponReplyInvoke(
            [this, alive = alive_, key, name](const sdbus::Error* error, sdbus::ObjectPath) {
                if (!*alive || !error || no_such_unit(*error))
                    return;
                problem_(key.first, "could not stop the timer " + name + ": " + error->getName() +
                                        ": " + error->getMessage());
            });
}

void SystemdScheduler::fire_soon(const Key& key) {
    const std::uint64_t generation = slots_.at(key).generation;
    boost::asio::post(io_, [this, alive = alive_, key, generation] {
        if (!*alive)
            return;
        auto it = slots_.find(key);
        if (it == slots_.end() || it->second.generation != generation)
            return;
        slots_.erase(it);  // used up, as a unit that elapsed
        if (handler_)
            handler_(key.first, key.second);
    });
}

void SystemdScheduler::elapsed(WindowId id, const std::string& kind_name, uid_t caller_euid,
                               const std::string& caller_unit) {
    const auto kind = kind_from(kind_name);
    if (!kind) {
        throw Error(Errc::InvalidArgs, "Unknown timer '" + kind_name + "': upcoming, start or end");
    }
    // Only the timer's own companion service may say that the timer elapsed: root, in the
    // unit named for it (the bus policy already keeps everyone but root away).
    const std::string expected = timer_unit_name(id, *kind, ".service");
    if (caller_euid != 0 || caller_unit != expected) {
        throw Error(Errc::AccessDenied,
                    "Elapsed is for the timer's own service (" + expected +
                        ", running as root); the caller is " +
                        (caller_unit.empty() ? std::string("not in a unit") : caller_unit));
    }
    const Key key{id, *kind};
    if (auto it = slots_.find(key); it != slots_.end()) {
        it->second.existing.reset();  // the unit elapsed and goes away
        if (it->second.wanted && *it->second.wanted <= clock_.now() + kElapsedSlackUsec)
            slots_.erase(it);
        else
            converge(key);  // an old timer of a window since moved: make the new one
    }
    boost::asio::post(io_, [this, alive = alive_, key] {
        if (*alive && handler_)
            handler_(key.first, key.second);
    });
}

}  // namespace maint
