// The error budget of a host flip (see budget.hpp). A share is kept in hundredths of a percent
// so that the arithmetic is exact: "2.5%" of 1,000 hosts is 25, never 24.999.
#include "core/budget.hpp"

#include <algorithm>
#include <stdexcept>

#include "common/hostlist.hpp"  // kMaxHostlistNames: no window holds more hosts

namespace maint {
namespace {

constexpr unsigned kHundredthsPerPercent = 100;
constexpr unsigned kWholeShare = 100 * kHundredthsPerPercent;  // 100%

[[noreturn]] void refuse(std::string_view text, const std::string& why) {
    // The text is shown as given, but a caller-sent string may be long: 64 bytes of it are
    // enough to recognise it.
    std::string shown(text.substr(0, 64));
    if (text.size() > 64)
        shown += "...";
    throw std::invalid_argument(why + ", got '" + shown + "'");
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The value of a string of digits, or `ceiling` + 1 when it is larger than `ceiling` (however many
// digits it has).
std::size_t bounded_value(std::string_view digits, std::size_t ceiling) {
    std::size_t n = 0;
    for (const char c : digits) {
        n = n * 10 + static_cast<std::size_t>(c - '0');
        if (n > ceiling)
            return ceiling + 1;
    }
    return n;
}

constexpr const char* kExpected = "expected a count such as 10 or a share such as 5%";

}  // namespace

ErrorBudget ErrorBudget::parse(std::string_view text) {
    ErrorBudget budget;
    if (text.empty())
        return budget;
    if (text.back() != '%') {
        if (!all_digits(text))
            refuse(text, kExpected);
        const std::size_t count = bounded_value(text, kMaxHostlistNames);
        if (count > kMaxHostlistNames) {
            refuse(text, std::string(kExpected) + " (a count of at most " +
                             std::to_string(kMaxHostlistNames) + ")");
        }
        budget.kind_ = Kind::Count;
        budget.count_ = count;
        return budget;
    }
    const std::string_view number = text.substr(0, text.size() - 1);
    const auto dot = number.find('.');
    const std::string_view whole = number.substr(0, dot);
    const std::string_view fraction =
        dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
    if (!all_digits(whole) || (dot != std::string_view::npos && !all_digits(fraction)))
        refuse(text, kExpected);
    if (fraction.size() > 2) {
        refuse(text, std::string(kExpected) + " (a share with at most two decimals, such as 2.5%)");
    }
    std::size_t hundredths = bounded_value(whole, kWholeShare) * kHundredthsPerPercent;
    if (fraction.size() >= 1)
        hundredths += static_cast<std::size_t>(fraction[0] - '0') * 10;
    if (fraction.size() == 2)
        hundredths += static_cast<std::size_t>(fraction[1] - '0');
    if (hundredths > kWholeShare)
        refuse(text, std::string(kExpected) + " (a share of at most 100%)");
    budget.kind_ = Kind::Share;
    budget.share_hundredths_ = static_cast<unsigned>(hundredths);
    return budget;
}

std::optional<std::size_t> ErrorBudget::limit(std::size_t total) const {
    switch (kind_) {
        case Kind::None:
            return std::nullopt;
        case Kind::Count:
            return count_;
        case Kind::Share:
            break;
    }
    // total × share / 10,000, rounded down, without overflowing for any total: split total into
    // q × 10,000 + r.
    const std::size_t q = total / kWholeShare;
    const std::size_t r = total % kWholeShare;
    return q * share_hundredths_ + r * share_hundredths_ / kWholeShare;
}

bool ErrorBudget::exceeded(std::size_t failed, std::size_t total) const {
    const auto most = limit(total);
    return most && failed > *most;
}

std::string ErrorBudget::text() const {
    switch (kind_) {
        case Kind::None:
            return {};
        case Kind::Count:
            return std::to_string(count_);
        case Kind::Share:
            break;
    }
    std::string out = std::to_string(share_hundredths_ / kHundredthsPerPercent);
    const unsigned cents = share_hundredths_ % kHundredthsPerPercent;
    if (cents != 0) {
        out += '.';
        out += static_cast<char>('0' + cents / 10);
        if (cents % 10 != 0)
            out += static_cast<char>('0' + cents % 10);
    }
    return out + "%";
}

}  // namespace maint
