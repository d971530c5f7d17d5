// `maintenancectl --json` read back: whether a text is one well-formed JSON document (RFC 8259),
// and its value, so a test can compare it field by field with what the bus says.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace maint::it {

struct JsonValue {
    enum class Kind { Null, Bool, Number, String, Array, Object };
    Kind kind = Kind::Null;
    bool boolean = false;
    std::string text;  // a number as written, or a string decoded (UTF-8)
    std::vector<JsonValue> items;
    std::map<std::string, JsonValue> members;  // a key given twice keeps the last

    bool is(Kind k) const { return kind == k; }
    // A non-negative integer that fits in 64 bits; nullopt for anything else.
    std::optional<std::uint64_t> unsigned_number() const;
    // The member `key` of an object; nullptr when absent or not an object.
    const JsonValue* find(const std::string& key) const;
};

// True when `text` (surrounding whitespace allowed) is exactly one JSON value; otherwise false
// with `error` saying where it went wrong.
bool is_json_document(const std::string& text, std::string* error = nullptr);

// The value of the one JSON document `text`; nullopt (and `error`) when it is not one.
std::optional<JsonValue> parse_json(const std::string& text, std::string* error = nullptr);

}  // namespace maint::it
