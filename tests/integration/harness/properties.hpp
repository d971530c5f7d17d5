// Reading a GetAll result in tests: a property of the expected type, or a test failure that says
// which property was missing or mistyped.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

namespace maint::it {

using PropertyMap = std::map<std::string, sdbus::Variant>;

template <class T>
T prop(const PropertyMap& props, const std::string& name) {
    auto it = props.find(name);
    if (it == props.end()) {
        ADD_FAILURE() << "property " << name << " is missing";
        return T{};
    }
    if (!it->second.containsValueOfType<T>()) {
        ADD_FAILURE() << "property " << name << " has type " << it->second.peekValueType()
                      << ", expected " << sdbus::signature_of<T>::str();
        return T{};
    }
    return it->second.get<T>();
}

// name -> D-Bus signature of each value.
inline std::map<std::string, std::string> signatures_of(const PropertyMap& props) {
    std::map<std::string, std::string> out;
    for (const auto& [name, value] : props)
        out[name] = value.peekValueType();
    return out;
}

}  // namespace maint::it
