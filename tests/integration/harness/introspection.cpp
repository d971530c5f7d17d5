// See introspection.hpp.
#include "harness/introspection.hpp"

#include <cctype>

namespace maint::it {
namespace {

class Reader {
  public:
    explicit Reader(const std::string& text) : s_(text) {}

    XmlElement document() {
        std::vector<XmlElement> stack;
        std::vector<XmlElement> roots;
        while (true) {
            const auto lt = s_.find('<', pos_);
            if (lt == std::string::npos)
                break;
            pos_ = lt;
            if (starts("<!--")) {
                skip_past("-->");
            } else if (starts("<?")) {
                skip_past("?>");
            } else if (starts("<!")) {
                skip_past(">");
            } else if (starts("</")) {
                pos_ += 2;
                const std::string name = read_name();
                skip_past(">");
                if (stack.empty() || stack.back().name != name) {
                    throw std::runtime_error("XML: unexpected </" + name + ">");
                }
                XmlElement done = std::move(stack.back());
                stack.pop_back();
                (stack.empty() ? roots : stack.back().children).push_back(std::move(done));
            } else {
                ++pos_;
                XmlElement e;
                e.name = read_name();
                bool self_closing = false;
                for (;;) {
                    skip_space();
                    if (pos_ >= s_.size())
                        throw std::runtime_error("XML: unterminated tag");
                    if (starts("/>")) {
                        pos_ += 2;
                        self_closing = true;
                        break;
                    }
                    if (s_[pos_] == '>') {
                        ++pos_;
                        break;
                    }
                    const std::string key = read_name();
                    skip_space();
                    if (pos_ >= s_.size() || s_[pos_] != '=') {
                        throw std::runtime_error("XML: attribute " + key + " without a value");
                    }
                    ++pos_;
                    skip_space();
                    const char quote = pos_ < s_.size() ? s_[pos_] : '\0';
                    if (quote != '"' && quote != '\'') {
                        throw std::runtime_error("XML: unquoted attribute " + key);
                    }
                    const auto end = s_.find(quote, pos_ + 1);
                    if (end == std::string::npos)
                        throw std::runtime_error("XML: unterminated value");
                    e.attributes[key] = unescape(s_.substr(pos_ + 1, end - pos_ - 1));
                    pos_ = end + 1;
                }
                if (self_closing) {
                    (stack.empty() ? roots : stack.back().children).push_back(std::move(e));
                } else {
                    stack.push_back(std::move(e));
                }
            }
        }
        if (!stack.empty())
            throw std::runtime_error("XML: <" + stack.back().name + "> not closed");
        if (roots.size() != 1)
            throw std::runtime_error("XML: expected one root element");
        return std::move(roots.front());
    }

  private:
    bool starts(const char* p) const {
        return s_.compare(pos_, std::char_traits<char>::length(p), p) == 0;
    }
    void skip_past(const char* p) {
        const auto at = s_.find(p, pos_);
        if (at == std::string::npos)
            throw std::runtime_error(std::string("XML: missing ") + p);
        pos_ = at + std::char_traits<char>::length(p);
    }
    void skip_space() {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_])))
            ++pos_;
    }
    std::string read_name() {
        const auto start = pos_;
        while (pos_ < s_.size() &&
               (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' ||
                s_[pos_] == '-' || s_[pos_] == '.' || s_[pos_] == ':')) {
            ++pos_;
        }
        if (pos_ == start)
            throw std::runtime_error("XML: expected a name");
        return s_.substr(start, pos_ - start);
    }
    static std::string unescape(const std::string& v) {
        static const std::pair<const char*, char> kEntities[] = {
            {"&quot;", '"'}, {"&apos;", '\''}, {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}};
        std::string out;
        for (std::size_t i = 0; i < v.size();) {
            bool replaced = false;
            if (v[i] == '&') {
                for (const auto& [name, c] : kEntities) {
                    if (v.compare(i, std::char_traits<char>::length(name), name) == 0) {
                        out += c;
                        i += std::char_traits<char>::length(name);
                        replaced = true;
                        break;
                    }
                }
            }
            if (!replaced)
                out += v[i++];
        }
        return out;
    }

    const std::string& s_;
    std::size_t pos_ = 0;
};

std::string args_text(const std::vector<IntrospectedArg>& args, bool with_direction) {
    std::string out;
    for (const auto& a : args) {
        if (!out.empty())
            out += ", ";
        if (with_direction)
            out += a.direction + " ";
        out += a.type + " " + a.name;
    }
    return out;
}

std::string annotation(const XmlElement& e, const std::string& name) {
    for (const auto& c : e.children) {
        if (c.name == "annotation" && c.attribute("name") == name)
            return c.attribute("value");
    }
    return {};
}

}  // namespace

std::string XmlElement::attribute(const std::string& key) const {
    auto it = attributes.find(key);
    return it == attributes.end() ? std::string() : it->second;
}

XmlElement parse_xml(const std::string& text) {
    return Reader(text).document();
}

IntrospectedNode parse_introspection(const std::string& xml) {
    const XmlElement root = parse_xml(xml);
    if (root.name != "node")
        throw std::runtime_error("introspection: root is <" + root.name + ">");
    IntrospectedNode node;
    for (const auto& child : root.children) {
        if (child.name == "node") {
            node.children.push_back(child.attribute("name"));
            continue;
        }
        if (child.name != "interface")
            continue;
        IntrospectedInterface iface;
        iface.name = child.attribute("name");
        for (const auto& m : child.children) {
            std::vector<IntrospectedArg> args;
            for (const auto& a : m.children) {
                if (a.name != "arg")
                    continue;
                IntrospectedArg arg{a.attribute("name"), a.attribute("type"),
                                    a.attribute("direction")};
                if (m.name == "method" && arg.direction.empty())
                    arg.direction = "in";
                if (m.name == "signal")
                    arg.direction.clear();
                args.push_back(arg);
            }
            const std::string name = m.attribute("name");
            if (m.name == "method") {
                iface.methods.insert("method " + name + "(" + args_text(args, true) + ")");
            } else if (m.name == "signal") {
                iface.signals.insert("signal " + name + "(" + args_text(args, false) + ")");
            } else if (m.name == "property") {
                iface.properties.insert("property " + name + " " + m.attribute("type") + " " +
                                        m.attribute("access"));
                // The default of EmitsChangedSignal is "true" (the D-Bus specification).
                std::string emits =
                    annotation(m, "org.freedesktop.DBus.Property.EmitsChangedSignal");
                if (emits.empty()) {
                    emits = annotation(child, "org.freedesktop.DBus.Property.EmitsChangedSignal");
                }
                iface.property_emits.insert(name + " emits=" + (emits.empty() ? "true" : emits));
            }
        }
        node.interfaces[iface.name] = std::move(iface);
    }
    return node;
}

std::string set_difference_text(const std::set<std::string>& expected,
                                const std::set<std::string>& actual) {
    std::string missing;
    std::string extra;
    for (const auto& e : expected) {
        if (!actual.count(e))
            missing += "\n    " + e;
    }
    for (const auto& a : actual) {
        if (!expected.count(a))
            extra += "\n    " + a;
    }
    std::string out;
    if (!missing.empty())
        out += "\n  missing (in the XML, not served):" + missing;
    if (!extra.empty())
        out += "\n  unexpected (served, not in the XML):" + extra;
    return out;
}

}  // namespace maint::it
