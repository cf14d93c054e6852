#include "core/time.h"

#include <cstdio>

namespace vikno {

std::string FormatIso8601(Timestamp t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()));
  return buf;
}

std::optional<Timestamp> ParseIso8601(const std::string& text) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, n = 0;
  if (text.size() == 10) {
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) return {};
  } else if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) !=
                 6 ||
             n != 19) {
    return {};
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return {};
  Timestamp t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s};
  const std::string rest = text.substr(static_cast<size_t>(n));
  if (rest.empty() || rest == "Z") return t;
  int oh = 0, om = 0;
  char sign = 0;
  int m = 0;
  if (std::sscanf(rest.c_str(), "%c%2d:%2d%n", &sign, &oh, &om, &m) == 3 &&
      static_cast<size_t>(m) == rest.size() && (sign == '+' || sign == '-') && oh < 24 && om < 60) {
    const auto offset = hours{oh} + minutes{om};
    return sign == '+' ? t - offset : t + offset;
  }
  return {};
}

}  // namespace vikno
