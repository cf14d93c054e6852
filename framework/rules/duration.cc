#include "rules/duration.h"

#include <cctype>

namespace vikno::rules {

std::optional<Duration> ParseDuration(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<Duration> {
    if (error) *error = "bad duration \"" + std::string(text) + "\": " + why;
    return std::nullopt;
  };
  if (text.empty()) return fail("empty");
  if (text.front() == '-') return fail("a deadline cannot be negative");
  Duration d;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      return fail("expected a number at position " + std::to_string(i + 1));
    }
    int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i] - '0');
      if (n > 100000000) return fail("too large");
      ++i;
    }
    if (i == text.size()) return fail("a unit (d, h, m, s) must follow " + std::to_string(n));
    switch (text[i]) {
      case 'd':
        d.days += static_cast<int>(n);
        break;
      case 'h':
        d.elapsed += std::chrono::hours(n);
        break;
      case 'm':
        d.elapsed += std::chrono::minutes(n);
        break;
      case 's':
        d.elapsed += std::chrono::seconds(n);
        break;
      default:
        return fail(std::string("unknown unit '") + text[i] + "' (use d, h, m, s)");
    }
    ++i;
    any = true;
  }
  if (!any) return fail("empty");
  if (d.days > 3660) return fail("longer than ten years");
  return d;
}

std::optional<int> ParseClock(std::string_view t) {
  if (t.size() != 5 || t[2] != ':') return std::nullopt;
  for (int k : {0, 1, 3, 4}) {
    if (!std::isdigit(static_cast<unsigned char>(t[k]))) return std::nullopt;
  }
  int h = (t[0] - '0') * 10 + (t[1] - '0');
  int m = (t[3] - '0') * 10 + (t[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

}  // namespace vikno::rules
