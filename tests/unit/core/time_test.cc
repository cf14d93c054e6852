#include "core/time.h"

#include <gtest/gtest.h>

namespace vikno {
namespace {

TEST(Time, FormatsAndParsesIso8601RoundTrip) {
  const Timestamp t = FromUnix(1795353845);  // 2026-11-22T13:24:05Z
  EXPECT_EQ(FormatIso8601(t), "2026-11-22T13:24:05Z");
  EXPECT_EQ(ParseIso8601("2026-11-22T13:24:05Z"), t);
}

TEST(Time, ParsesOffsetsAndDates) {
  EXPECT_EQ(ParseIso8601("2026-11-22T15:24:05+02:00"), FromUnix(1795353845));
  EXPECT_EQ(ParseIso8601("1970-01-02"), FromUnix(86400));
}

TEST(Time, RefusesGarbage) {
  EXPECT_FALSE(ParseIso8601("2026-13-01"));
  EXPECT_FALSE(ParseIso8601("2026-02-30T00:00:00Z"));
  EXPECT_FALSE(ParseIso8601("yesterday"));
  EXPECT_FALSE(ParseIso8601("2026-11-22T13:24:05Zjunk"));
}

}  // namespace
}  // namespace vikno
