// The error budget of a host flip (MaxFailedHosts=, the ScheduleWindow and Start option of that
// name): a count ("10") or a share of the window's hosts ("5%", "2.5%"), or none (""). When
// the number of failed hosts EXCEEDS the limit, no further host is started. Pure logic.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace maint {

class ErrorBudget {
  public:
    ErrorBudget() = default;  // none: every host is tried
    // Throws std::invalid_argument with a message a person can act on ("expected a count such
    // as 10 or a share such as 5%, got 'ten'"). Accepts "", a count 0..100000, or a share from 0%
    // to 100% with at most two decimals.
    static ErrorBudget parse(std::string_view text);

    bool none() const { return kind_ == Kind::None; }
    // The most failed hosts allowed among `total` (a share rounds down: 5% of 30 is 1); nullopt
    // when there is no budget.
    std::optional<std::size_t> limit(std::size_t total) const;
    bool exceeded(std::size_t failed, std::size_t total) const;
    // As written: "" | "10" | "5%" (normalised: "05" → "5", "2.50%" → "2.5%").
    std::string text() const;

  private:
    enum class Kind { None, Count, Share };
    Kind kind_ = Kind::None;
    std::size_t count_ = 0;
    unsigned share_hundredths_ = 0;  // percent × 100: "2.5%" → 250
};

}  // namespace maint
