// core/phone.h: every way a Ukrainian number reaches the framework ends up
// as one E.164 string (B13, R4); what is not a number is refused.
#include "core/phone.h"

#include <gtest/gtest.h>

namespace vikno {
namespace {

TEST(NormalizePhoneTest, UkrainianFormsBecomeOneE164Number) {
  for (const char* typed :
       {"+380501234567", "380501234567", "0501234567", "+38 (050) 123-45-67", "050 123 45 67",
        "(050)123-45-67", "80501234567", "501234567", "00380501234567", "+380 50 123 45 67",
        " +38.050.123.45.67 "}) {
    EXPECT_EQ(NormalizePhone(typed), std::optional<std::string>("+380501234567")) << typed;
  }
}

TEST(NormalizePhoneTest, ForeignNumbersKeepTheirCountryCode) {
  EXPECT_EQ(NormalizePhone("+1 (202) 555-0100"), std::optional<std::string>("+12025550100"));
  EXPECT_EQ(NormalizePhone("48123456789"), std::optional<std::string>("+48123456789"))
      << "a Telegram contact without '+'";
  EXPECT_EQ(NormalizePhone("0048 123 456 789"), std::optional<std::string>("+48123456789"));
}

TEST(NormalizePhoneTest, WhatIsNotAPhoneIsRefused) {
  for (const char* bad : {"", "   ", "+", "phone: 0501234567", "050-123-45-6x", "12345",
                          "+0501234567", "38+0501234567", "++380501234567",
                          "1234567890123456", "0123456789012"}) {
    EXPECT_EQ(NormalizePhone(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace vikno
