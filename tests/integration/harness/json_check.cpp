// See json_check.hpp. A recursive-descent recognizer: no values are built.
#include "harness/json_check.hpp"

#include <cctype>
#include <cstring>
#include <stdexcept>

namespace maint::it {
namespace {

class Recognizer {
  public:
    explicit Recognizer(const std::string& s) : s_(s) {}

    void document() {
        space();
        value(0);
        space();
        if (i_ != s_.size())
            fail("text after the document");
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
    void value(int depth) {
        if (depth > 200)
            fail("nested too deeply");
        switch (peek()) {
            case '{':
                object(depth);
                return;
            case '[':
                array(depth);
                return;
            case '"':
                string();
                return;
            case 't':
                literal("true");
                return;
            case 'f':
                literal("false");
                return;
            case 'n':
                literal("null");
                return;
            default:
                number();
        }
    }
    void object(int depth) {
        expect('{');
        space();
        if (peek() == '}') {
            ++i_;
            return;
        }
        for (;;) {
            space();
            string();
            space();
            expect(':');
            space();
            value(depth + 1);
            space();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            expect('}');
            return;
        }
    }
    void array(int depth) {
        expect('[');
        space();
        if (peek() == ']') {
            ++i_;
            return;
        }
        for (;;) {
            space();
            value(depth + 1);
            space();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            expect(']');
            return;
        }
    }
    void string() {
        expect('"');
        for (;;) {
            if (i_ >= s_.size())
                fail("unterminated string");
            const unsigned char c = static_cast<unsigned char>(s_[i_++]);
            if (c == '"')
                return;
            if (c < 0x20)
                fail("control character in a string");
            if (c == '\\') {
                const char e = peek();
                ++i_;
                if (e == 'u') {
                    for (int k = 0; k < 4; ++k) {
                        if (!std::isxdigit(static_cast<unsigned char>(peek())))
                            fail("bad \\u");
                        ++i_;
                    }
                } else if (!std::strchr("\"\\/bfnrt", e) || e == '\0') {
                    fail("bad escape");
                }
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

bool is_json_document(const std::string& text, std::string* error) {
    try {
        Recognizer(text).document();
        return true;
    } catch (const std::runtime_error& e) {
        if (error)
            *error = e.what();
        return false;
    }
}

}  // namespace maint::it
