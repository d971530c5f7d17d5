// Whether a text is one well-formed JSON document (RFC 8259), for `maintenancectl --json`.
#pragma once

#include <string>

namespace maint::it {

// True when `text` (surrounding whitespace allowed) is exactly one JSON value; otherwise false
// with `error` saying where it went wrong.
bool is_json_document(const std::string& text, std::string* error = nullptr);

}  // namespace maint::it
