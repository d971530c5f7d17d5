// The configuration of a private system bus for the C++ test harnesses and the benchmarks,
// rendered from the one template, scripts/private-bus.conf.in (MAINT_PRIVATE_BUS_TEMPLATE names
// it), as scripts/private-bus-conf.sh renders it for the shell scripts.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#ifndef MAINT_PRIVATE_BUS_TEMPLATE
#error "MAINT_PRIVATE_BUS_TEMPLATE must name scripts/private-bus.conf.in"
#endif

namespace maint::support {

// The bus listening on `socket`, with `extra` (XML elements) after the policies.
inline std::string private_bus_conf(const std::filesystem::path& socket, std::string_view extra) {
    std::ifstream in(MAINT_PRIVATE_BUS_TEMPLATE);
    if (!in)
        throw std::runtime_error("cannot read " MAINT_PRIVATE_BUS_TEMPLATE);
    std::stringstream text;
    text << in.rdbuf();
    std::string conf = text.str();
    auto replace = [&conf](std::string_view placeholder, std::string_view value) {
        const auto at = conf.find(placeholder);
        if (at == std::string::npos)
            throw std::runtime_error(std::string(placeholder) + " missing from the template");
        conf.replace(at, placeholder.size(), value);
    };
    replace("@SOCKET@", socket.string());
    replace("@EXTRA@", extra);
    return conf;
}

}  // namespace maint::support
