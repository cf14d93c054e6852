// Durations as city rules write them: "30m", "2h", "5d", "1d12h", "90s".
// Days are calendar days on the city's wall clock (a "5d" deadline keeps the
// local hour across a DST change); hours, minutes and seconds are elapsed time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vikno::rules {

struct Duration {
  int days = 0;                     // wall-clock days
  std::chrono::seconds elapsed{0};  // hours, minutes, seconds
  bool zero() const { return days == 0 && elapsed.count() == 0; }
  // Nominal length, a day counted as 24 h: for comparisons and escalation.
  int64_t nominal_seconds() const { return days * 86400LL + elapsed.count(); }
};

// Parses a duration. Returns nullopt and fills `error` for anything else,
// including a negative duration ("-2h") or an empty string.
std::optional<Duration> ParseDuration(std::string_view text, std::string* error);

// Local "HH:MM" (00:00..24:00) to minutes since midnight; nullopt if malformed.
std::optional<int> ParseClock(std::string_view text);

}  // namespace vikno::rules
