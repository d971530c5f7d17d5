// See json_check.hpp. A recursive-descent parser building JsonValue.
#include "harness/json_check.hpp"

#include <cctype>
#include <cstring>
#include <stdexcept>

namespace maint::it {
namespace {

class Recognizer {
  public:
    explicit Recognizer(const std::string& s) : s_(s) {}

    JsonValue document() {
        space();
        JsonValue v = value(0);
        space();
        if (i_ != s_.size())
            fail("text after the document");
        return v;
    }

  private:
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error(what + " at offset " + std::to_string(i_));
    }
    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
    void space() {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
            ++i_;
        }
    }
    void expect(char c) {
        if (peek() != c)
            fail(std::string("expected '") + c + "'");
        ++i_;
    }
    void literal(const char* word) {
        if (s_.compare(i_, std::strlen(word), word) != 0)
            fail(std::string("expected ") + word);
        i_ += std::strlen(word);
    }
    JsonValue value(int depth) {
        if (depth > 200)
            fail("nested too deeply");
        JsonValue v;
        switch (peek()) {
            case '{':
                return object(depth);
            case '[':
                return array(depth);
            case '"':
                v.kind = JsonValue::Kind::String;
                v.text = string();
                return v;
            case 't':
                literal("true");
                v.kind = JsonValue::Kind::Bool;
                v.boolean = true;
                return v;
            case 'f':
                literal("false");
                v.kind = JsonValue::Kind::Bool;
                return v;
            case 'n':
                literal("null");
                return v;
            default: {
                const std::size_t from = i_;
                number();
                v.kind = JsonValue::Kind::Number;
                v.text = s_.substr(from, i_ - from);
                return v;
            }
        }
    }
    JsonValue object(int depth) {
        JsonValue v;
        v.kind = JsonValue::Kind::Object;
        expect('{');
        space();
        if (peek() == '}') {
            ++i_;
            return v;
        }
        for (;;) {
            space();
            std::string key = string();
            space();
            expect(':');
            space();
            v.members[key] = value(depth + 1);
            space();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            expect('}');
            return v;
        }
    }
    JsonValue array(int depth) {
        JsonValue v;
        v.kind = JsonValue::Kind::Array;
        expect('[');
        space();
        if (peek() == ']') {
            ++i_;
            return v;
        }
        for (;;) {
            space();
            v.items.push_back(value(depth + 1));
            space();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            expect(']');
            return v;
        }
    }
    unsigned hex4() {
        unsigned u = 0;
        for (int k = 0; k < 4; ++k) {
            const char h = peek();
            if (!std::isxdigit(static_cast<unsigned char>(h)))
                fail("bad \\u");
            u = u * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(h))
                                                   ? h - '0'
                                                   : std::tolower(h) - 'a' + 10);
            ++i_;
        }
        return u;
    }
    static void append_utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
    std::string string() {
        std::string out;
        expect('"');
        for (;;) {
            if (i_ >= s_.size())
                fail("unterminated string");
            const unsigned char c = static_cast<unsigned char>(s_[i_++]);
            if (c == '"')
                return out;
            if (c < 0x20)
                fail("control character in a string");
            if (c != '\\') {
                out += static_cast<char>(c);
                continue;
            }
            const char e = peek();
            ++i_;
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    out += e;
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    unsigned cp = hex4();
                    if (cp >= 0xD800 && cp < 0xDC00 && s_.compare(i_, 2, "\\u") == 0) {
                        i_ += 2;
                        const unsigned low = hex4();
                        if (low < 0xDC00 || low >= 0xE000)
                            fail("bad surrogate pair");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    append_utf8(out, cp);
                    break;
                }
                default:
                    fail("bad escape");
            }
        }
    }
    void digits() {
        if (!std::isdigit(static_cast<unsigned char>(peek())))
            fail("expected a digit");
        while (std::isdigit(static_cast<unsigned char>(peek())))
            ++i_;
    }
    void number() {
        if (peek() == '-')
            ++i_;
        if (peek() == '0') {
            ++i_;
        } else {
            digits();
        }
        if (peek() == '.') {
            ++i_;
            digits();
        }
        if (peek() == 'e' || peek() == 'E') {
            ++i_;
            if (peek() == '+' || peek() == '-')
                ++i_;
            digits();
        }
    }

    const std::string& s_;
    std::size_t i_ = 0;
};

}  // namespace

std::optional<std::uint64_t> JsonValue::unsigned_number() const {
    if (kind != Kind::Number || text.empty() ||
        text.find_first_not_of("0123456789") != std::string::npos || text.size() > 20) {
        return std::nullopt;
    }
    try {
        return std::stoull(text);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

const JsonValue* JsonValue::find(const std::string& key) const {
    if (kind != Kind::Object)
        return nullptr;
    auto it = members.find(key);
    return it == members.end() ? nullptr : &it->second;
}

std::optional<JsonValue> parse_json(const std::string& text, std::string* error) {
    try {
        return Recognizer(text).document();
    } catch (const std::runtime_error& e) {
        if (error)
            *error = e.what();
        return std::nullopt;
    }
}

bool is_json_document(const std::string& text, std::string* error) {
    return parse_json(text, error).has_value();
}

}  // namespace maint::it
