// Tests of the contract's input rules (core/validation).
#include "core/validation.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"

namespace maint {
namespace {

TEST(Validation, Placeholder) { EXPECT_TRUE(WindowChanges{}.empty()); }

}  // namespace
}  // namespace maint
