#include "rules/work_calendar.h"

#include <cstdio>
#include <stdexcept>

namespace vikno::rules {

using std::chrono::minutes;
using std::chrono::seconds;

namespace {
// Mon=0 .. Sun=6 from date's Sun=0 encoding.
int WeekIndex(date::local_days day) {
  unsigned c = date::weekday{day}.c_encoding();
  return static_cast<int>((c + 6) % 7);
}
constexpr int kSearchDays = 3 * 366;  // a calendar with no open day in 3 years is broken
}  // namespace

WorkCalendar::WorkCalendar(const std::string& time_zone,
                           std::array<std::vector<WorkInterval>, 7> week,
                           std::set<date::local_days> holidays)
    : zone_name_(time_zone), week_(std::move(week)), holidays_(std::move(holidays)) {
  try {
    zone_ = date::locate_zone(time_zone);
  } catch (const std::exception& e) {
    throw std::invalid_argument("unknown time zone \"" + time_zone + "\"");
  }
  bool any_open = false;
  for (const auto& day : week_) {
    int prev_end = -1;
    for (const auto& iv : day) {
      if (iv.start < 0 || iv.end > 1440 || iv.start >= iv.end || iv.start < prev_end) {
        throw std::invalid_argument("working hours must be increasing, non-overlapping intervals");
      }
      prev_end = iv.end;
      any_open = true;
    }
  }
  if (!any_open) throw std::invalid_argument("the working week has no open hours");
}

WorkCalendar WorkCalendar::AllDay(const std::string& time_zone) {
  std::array<std::vector<WorkInterval>, 7> week;
  for (auto& d : week) d = {{0, 1440}};
  return WorkCalendar(time_zone, std::move(week), {});
}

std::vector<WorkInterval> WorkCalendar::WithoutBreak(std::vector<WorkInterval> day,
                                                     WorkInterval brk) {
  std::vector<WorkInterval> out;
  for (const auto& iv : day) {
    if (brk.end <= iv.start || brk.start >= iv.end) {
      out.push_back(iv);
      continue;
    }
    if (brk.start > iv.start) out.push_back({iv.start, brk.start});
    if (brk.end < iv.end) out.push_back({brk.end, iv.end});
  }
  return out;
}

date::local_seconds WorkCalendar::ToLocal(Timestamp t) const { return zone_->to_local(t); }

Timestamp WorkCalendar::FromLocal(date::local_seconds lt) const {
  auto info = zone_->get_info(lt);
  if (info.result == date::local_info::nonexistent) {
    // The wall clock jumps over this time: the change itself is the answer.
    return std::chrono::time_point_cast<seconds>(info.first.end);
  }
  return std::chrono::time_point_cast<seconds>(zone_->to_sys(lt, date::choose::earliest));
}

bool WorkCalendar::IsWorkingDay(date::local_days day) const {
  return !IsHoliday(day) && !week_[WeekIndex(day)].empty();
}

std::vector<std::pair<Timestamp, Timestamp>> WorkCalendar::OpenOn(date::local_days day) const {
  std::vector<std::pair<Timestamp, Timestamp>> out;
  if (IsHoliday(day)) return out;
  for (const auto& iv : week_[WeekIndex(day)]) {
    Timestamp s = FromLocal(date::local_seconds{day} + minutes(iv.start));
    Timestamp e = FromLocal(date::local_seconds{day} + minutes(iv.end));
    if (s < e) out.emplace_back(s, e);
  }
  return out;
}

bool WorkCalendar::IsWorking(Timestamp t) const {
  auto day = date::floor<date::days>(ToLocal(t));
  for (const auto& [s, e] : OpenOn(day)) {
    if (t >= s && t < e) return true;
  }
  return false;
}

Timestamp WorkCalendar::NextWorkingInstant(Timestamp t) const {
  auto day = date::floor<date::days>(ToLocal(t));
  for (int k = 0; k < kSearchDays; ++k, day += date::days{1}) {
    for (const auto& [s, e] : OpenOn(day)) {
      if (t < e) return t > s ? t : s;
    }
  }
  throw std::runtime_error("no working time within three years");
}

Timestamp WorkCalendar::AddWorking(Timestamp from, seconds d) const {
  if (d.count() < 0) throw std::invalid_argument("negative working duration");
  auto day = date::floor<date::days>(ToLocal(from));
  seconds left = d;
  for (int k = 0; k < kSearchDays; ++k, day += date::days{1}) {
    for (const auto& [s, e] : OpenOn(day)) {
      if (e <= from) continue;
      Timestamp start = from > s ? from : s;
      if (left.count() == 0) return start;  // zero: the next working instant
      seconds avail = e - start;
      if (left <= avail) return start + left;
      left -= avail;
    }
  }
  throw std::runtime_error("working-time deadline beyond three years");
}

Timestamp WorkCalendar::AddCalendar(Timestamp from, const Duration& d) const {
  Timestamp t = from;
  if (d.days != 0) t = FromLocal(ToLocal(from) + date::days{d.days});
  return t + d.elapsed;
}

Timestamp WorkCalendar::EndOfWorkingDays(Timestamp from, int n) const {
  if (n < 0) throw std::invalid_argument("negative number of working days");
  auto day = date::floor<date::days>(ToLocal(from));
  if (n == 0) {
    // The close of today if it is a working day and still open, else of the next one.
    for (int k = 0; k < kSearchDays; ++k, day += date::days{1}) {
      auto open = OpenOn(day);
      if (!open.empty() && open.back().second > from) return open.back().second;
    }
    throw std::runtime_error("no working day within three years");
  }
  int found = 0;
  for (int k = 0; k < kSearchDays; ++k) {
    day += date::days{1};
    auto open = OpenOn(day);
    if (open.empty()) continue;
    if (++found == n) return open.back().second;
  }
  throw std::runtime_error("working-day deadline beyond three years");
}

std::optional<date::local_days> ParseLocalDay(const std::string& text) {
  int y, m, d;
  char tail;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) {
    return std::nullopt;
  }
  date::year_month_day ymd{date::year{y}, date::month(static_cast<unsigned>(m)),
                           date::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return date::local_days{ymd};
}

std::optional<date::local_seconds> ParseLocalTime(const std::string& text) {
  if (text.size() < 16 || (text[10] != ' ' && text[10] != 'T')) return std::nullopt;
  auto day = ParseLocalDay(text.substr(0, 10));
  if (!day) return std::nullopt;
  std::string clock = text.substr(11);
  int sec = 0;
  if (clock.size() == 8 && clock[5] == ':') {
    if (!std::isdigit(static_cast<unsigned char>(clock[6])) ||
        !std::isdigit(static_cast<unsigned char>(clock[7]))) {
      return std::nullopt;
    }
    sec = (clock[6] - '0') * 10 + (clock[7] - '0');
    if (sec > 59) return std::nullopt;
    clock = clock.substr(0, 5);
  }
  auto min = ParseClock(clock);
  if (!min || *min == 1440) return std::nullopt;
  return date::local_seconds{*day} + minutes(*min) + seconds(sec);
}

std::string FormatLocal(date::local_seconds lt) { return date::format("%Y-%m-%d %H:%M", lt); }

}  // namespace vikno::rules
