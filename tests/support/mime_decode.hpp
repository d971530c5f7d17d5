// Decoding what the daemon's mail encodes, for the tests that read its mails (the unit tests of
// the mail text, the integration tests reading a real mailbox): base64 and RFC 2047 encoded
// words. Written plainly and separately from the daemon's encoder, so that the two check each
// other.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace maint::test {

inline std::string base64_decode(std::string_view in) {
    static const std::string kDigits =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned v = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=')
            break;
        v = (v << 6) | static_cast<unsigned>(kDigits.find(c));
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((v >> bits) & 0xFF);
        }
    }
    return out;
}

// The "=?UTF-8?B?...?=" words of a header value, each decoded on its own (so that a character
// split across two words shows); empty when there are none.
inline std::vector<std::string> decode_words(std::string_view value) {
    std::vector<std::string> words;
    std::size_t pos = 0;
    while ((pos = value.find("=?UTF-8?B?", pos)) != std::string_view::npos) {
        const auto end = value.find("?=", pos + 10);
        words.push_back(base64_decode(value.substr(pos + 10, end - pos - 10)));
        pos = end + 2;
    }
    return words;
}

}  // namespace maint::test
