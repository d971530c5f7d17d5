// D-Bus introspection XML, read into a comparable model: the interfaces of a node with their
// methods (argument names, types, directions), properties (type, access, EmitsChangedSignal) and
// signals. A small reader of its own: the format is tiny and the tests should not need a library.
#pragma once

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace maint::it {

struct XmlElement {
    std::string name;
    std::map<std::string, std::string> attributes;
    std::vector<XmlElement> children;
    std::string attribute(const std::string& key) const;
};

// Parses a document (comments, <?xml?> and <!DOCTYPE> skipped); returns the root element.
// Throws std::runtime_error on malformed input.
XmlElement parse_xml(const std::string& text);

struct IntrospectedArg {
    std::string name;
    std::string type;
    std::string direction;  // methods: "in" (the default) or "out"; signals: empty
};

struct IntrospectedInterface {
    std::string name;
    // Each member in a canonical one-line form, e.g.
    //   "method GetWindow(in u id, out o window)", "property State s read emits=true",
    //   "signal WindowStarted(u id, o window)".
    std::set<std::string> methods;
    std::set<std::string> properties;      // without the EmitsChangedSignal part
    std::set<std::string> property_emits;  // "State emits=true", "Version emits=const", ...
    std::set<std::string> signals;
};

struct IntrospectedNode {
    std::map<std::string, IntrospectedInterface> interfaces;
    std::vector<std::string> children;  // <node name="..."/> below the root
};

IntrospectedNode parse_introspection(const std::string& xml);

// "missing: ...; unexpected: ..." between `expected` and `actual`, empty when they are equal.
std::string set_difference_text(const std::set<std::string>& expected,
                                const std::set<std::string>& actual);

}  // namespace maint::it
