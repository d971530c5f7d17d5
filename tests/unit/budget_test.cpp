// Tests of the error budget (daemon/core/budget): what MaxFailedHosts= accepts and refuses, its
// normalised text, the limit of a share (rounded down) and where "exceeded" begins.
#include "core/budget.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>

namespace maint {
namespace {

using ::testing::HasSubstr;

// The message of the invalid_argument that parsing `text` throws ("" and a failure if none).
std::string refusal(std::string_view text) {
    try {
        const ErrorBudget b = ErrorBudget::parse(text);
        ADD_FAILURE() << "'" << text << "' parsed as '" << b.text() << "'";
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return {};
}

TEST(ErrorBudget, NoneByDefaultAndForTheEmptyText) {
    const ErrorBudget by_default;
    EXPECT_TRUE(by_default.none());
    EXPECT_EQ(by_default.limit(100), std::nullopt);
    EXPECT_FALSE(by_default.exceeded(1'000'000, 10));
    EXPECT_EQ(by_default.text(), "");
    const ErrorBudget empty = ErrorBudget::parse("");
    EXPECT_TRUE(empty.none());
    EXPECT_EQ(empty.limit(0), std::nullopt);
    EXPECT_EQ(empty.text(), "");
}

TEST(ErrorBudget, Counts) {
    const ErrorBudget zero = ErrorBudget::parse("0");
    EXPECT_FALSE(zero.none());
    EXPECT_EQ(zero.limit(50), 0u);
    EXPECT_EQ(zero.text(), "0");
    const ErrorBudget ten = ErrorBudget::parse("10");
    EXPECT_EQ(ten.limit(3), 10u) << "a count does not depend on the number of hosts";
    EXPECT_EQ(ten.limit(100'000), 10u);
    EXPECT_EQ(ten.text(), "10");
    EXPECT_EQ(ErrorBudget::parse("05").text(), "5");
    EXPECT_EQ(ErrorBudget::parse("100000").limit(1), 100'000u);
}

TEST(ErrorBudget, Shares) {
    const ErrorBudget five = ErrorBudget::parse("5%");
    EXPECT_FALSE(five.none());
    EXPECT_EQ(five.text(), "5%");
    EXPECT_EQ(five.limit(30), 1u) << "5% of 30 is 1.5, rounded down";
    EXPECT_EQ(five.limit(10'000), 500u);
    EXPECT_EQ(five.limit(19), 0u);
    EXPECT_EQ(five.limit(20), 1u);
    EXPECT_EQ(five.limit(0), 0u);

    const ErrorBudget two_and_a_half = ErrorBudget::parse("2.5%");
    EXPECT_EQ(two_and_a_half.text(), "2.5%");
    EXPECT_EQ(two_and_a_half.limit(1'000), 25u) << "exact, not 24.999";
    EXPECT_EQ(two_and_a_half.limit(39), 0u);
    EXPECT_EQ(two_and_a_half.limit(40), 1u);

    EXPECT_EQ(ErrorBudget::parse("0%").limit(100'000), 0u);
    EXPECT_EQ(ErrorBudget::parse("0%").text(), "0%");
    EXPECT_EQ(ErrorBudget::parse("100%").limit(7), 7u);
    EXPECT_EQ(ErrorBudget::parse("100%").text(), "100%");
    EXPECT_EQ(ErrorBudget::parse("0.01%").limit(10'000), 1u);
    EXPECT_EQ(ErrorBudget::parse("33.33%").limit(3), 0u);
    EXPECT_EQ(ErrorBudget::parse("33.34%").limit(3), 1u);
    EXPECT_EQ(ErrorBudget::parse("99.99%").limit(10'000), 9'999u);

    // Normalised text.
    EXPECT_EQ(ErrorBudget::parse("2.50%").text(), "2.5%");
    EXPECT_EQ(ErrorBudget::parse("05%").text(), "5%");
    EXPECT_EQ(ErrorBudget::parse("2.05%").text(), "2.05%");
    EXPECT_EQ(ErrorBudget::parse("7.0%").text(), "7%");
    EXPECT_EQ(ErrorBudget::parse("100.00%").text(), "100%");
}

TEST(ErrorBudget, ALargeTotalDoesNotOverflow) {
    constexpr std::size_t huge = std::numeric_limits<std::size_t>::max();
    EXPECT_EQ(ErrorBudget::parse("100%").limit(huge), huge);
    EXPECT_EQ(ErrorBudget::parse("50%").limit(huge), huge / 2);
}

TEST(ErrorBudget, BadTextIsRefusedWithWhatWasExpected) {
    for (const char* bad : {"-1", "ten", "5%%", " 5", "5 ", "+5", "%", "5.%", ".5%", "5.5", "1e3",
                            "5 %", "0x10", "½%"}) {
        const std::string why = refusal(bad);
        EXPECT_THAT(why, HasSubstr("expected a count such as 10 or a share such as 5%")) << bad;
        EXPECT_THAT(why, HasSubstr(std::string("got '") + bad + "'")) << bad;
    }
    EXPECT_THAT(refusal("101%"), HasSubstr("a share of at most 100%"));
    EXPECT_THAT(refusal("100.01%"), HasSubstr("a share of at most 100%"));
    EXPECT_THAT(refusal("99999999999999999999999%"), HasSubstr("a share of at most 100%"));
    EXPECT_THAT(refusal("1.234%"), HasSubstr("at most two decimals"));
    EXPECT_THAT(refusal("100001"), HasSubstr("a count of at most 100000"));
    EXPECT_THAT(refusal("99999999999999999999999"), HasSubstr("a count of at most 100000"));
    // A long text is cut in the message.
    const std::string long_text(1000, 'x');
    const std::string why = refusal(long_text);
    EXPECT_THAT(why, HasSubstr("got '" + std::string(64, 'x') + "...'"));
    EXPECT_LT(why.size(), 200u);
}

TEST(ErrorBudget, ExceededMeansMoreFailuresThanTheLimit) {
    const ErrorBudget ten = ErrorBudget::parse("10");
    EXPECT_FALSE(ten.exceeded(0, 100));
    EXPECT_FALSE(ten.exceeded(10, 100)) << "the limit itself is still within the budget";
    EXPECT_TRUE(ten.exceeded(11, 100));

    const ErrorBudget zero = ErrorBudget::parse("0");
    EXPECT_FALSE(zero.exceeded(0, 5));
    EXPECT_TRUE(zero.exceeded(1, 5)) << "a budget of 0: the first failure stops the flip";

    const ErrorBudget five = ErrorBudget::parse("5%");
    EXPECT_FALSE(five.exceeded(1, 30));
    EXPECT_TRUE(five.exceeded(2, 30));
    EXPECT_FALSE(five.exceeded(500, 10'000));
    EXPECT_TRUE(five.exceeded(501, 10'000));
    EXPECT_TRUE(five.exceeded(1, 10)) << "5% of 10 is 0";

    const ErrorBudget all = ErrorBudget::parse("100%");
    EXPECT_FALSE(all.exceeded(30, 30));
}

}  // namespace
}  // namespace maint
