// See budget.hpp.
#include "core/budget.hpp"

#include <stdexcept>

namespace maint {

ErrorBudget ErrorBudget::parse(std::string_view text) {
    ErrorBudget b;
    if (text.empty())
        return b;
    auto bad = [&] {
        return std::invalid_argument("expected a count such as 10 or a share such as 5%, got '" +
                                     std::string(text) + "'");
    };
    const bool share = text.back() == '%';
    std::string_view digits = share ? text.substr(0, text.size() - 1) : text;
    std::size_t whole = 0;
    unsigned frac = 0;
    int frac_digits = -1;
    if (digits.empty())
        throw bad();
    for (char c : digits) {
        if (c == '.' && share && frac_digits < 0) {
            frac_digits = 0;
            continue;
        }
        if (c < '0' || c > '9')
            throw bad();
        if (frac_digits >= 0) {
            if (++frac_digits > 2)
                throw bad();
            frac = frac * 10 + static_cast<unsigned>(c - '0');
        } else {
            whole = whole * 10 + static_cast<std::size_t>(c - '0');
            if (whole > 100'000)
                throw bad();
        }
    }
    if (frac_digits == 1)
        frac *= 10;
    if (share) {
        if (whole > 100 || (whole == 100 && frac > 0))
            throw bad();
        b.kind_ = Kind::Share;
        b.share_hundredths_ = static_cast<unsigned>(whole * 100 + frac);
    } else {
        b.kind_ = Kind::Count;
        b.count_ = whole;
    }
    return b;
}

std::optional<std::size_t> ErrorBudget::limit(std::size_t total) const {
    switch (kind_) {
        case Kind::None:
            return std::nullopt;
        case Kind::Count:
            return count_;
        case Kind::Share:
            return total * share_hundredths_ / 10'000;
    }
    return std::nullopt;
}

bool ErrorBudget::exceeded(std::size_t failed, std::size_t total) const {
    const auto l = limit(total);
    return l && failed > *l;
}

std::string ErrorBudget::text() const {
    switch (kind_) {
        case Kind::None:
            return "";
        case Kind::Count:
            return std::to_string(count_);
        case Kind::Share: {
            std::string t = std::to_string(share_hundredths_ / 100);
            if (const unsigned f = share_hundredths_ % 100; f != 0)
                t += "." + std::string(f % 10 ? (f < 10 ? "0" : "") + std::to_string(f)
                                              : std::to_string(f / 10));
            return t + "%";
        }
    }
    return "";
}

}  // namespace maint
