// A small JSON writer for maintenancectl --json: one compact document, strings escaped per
// RFC 8259, anything that is not valid UTF-8 replaced so the output always parses.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace maint::ctl {

// The quoted, escaped JSON form of `s`.
std::string json_quote(std::string_view s);

// Builds a document by calls in document order; commas and the key/value colon are its job.
// Separate method names per type, because a const char* would silently pick a bool overload.
class JsonWriter {
  public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view name);

    JsonWriter& string(std::string_view value);
    JsonWriter& boolean(bool value);
    JsonWriter& null();
    template <std::integral T>
    requires(!std::same_as<T, bool>) JsonWriter& number(T value) {
        before_value();
        out_ += std::to_string(value);
        return *this;
    }
    JsonWriter& strings(const std::vector<std::string>& values);

    // The document so far; complete once every begin_* has its end_*.
    const std::string& str() const { return out_; }

  private:
    void before_value();

    std::string out_;
    std::vector<bool> has_items_;  // one per open object or array
    bool after_key_ = false;
};

}  // namespace maint::ctl
