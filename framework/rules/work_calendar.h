// A city's working calendar in its time zone (R12, 003 §2.1): opening hours
// per weekday, lunch breaks, public holidays, and the arithmetic of deadlines
// on it. All instants are UTC (core/time.h); the zone (Europe/Kyiv) comes from
// the system tzdata through Howard Hinnant's date library, so both DST
// changes are handled by the data, not by hand-written offsets.
//
// Thread-safety: immutable after construction; all methods are const and may
// be called from any thread.
#pragma once

#include <date/tz.h>

#include <array>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "core/time.h"
#include "rules/duration.h"

namespace vikno::rules {

// [start, end) in minutes after local midnight; end may be 1440.
struct WorkInterval {
  int start = 0;
  int end = 0;
};

class WorkCalendar {
 public:
  // Index 0 is Monday .. 6 Sunday. Intervals of one day must be sorted and
  // must not overlap; an empty day is a day off. Throws std::invalid_argument
  // for an unknown zone or bad intervals.
  WorkCalendar(const std::string& time_zone, std::array<std::vector<WorkInterval>, 7> week,
               std::set<date::local_days> holidays);

  // Round the clock, every day: working time equals calendar time.
  static WorkCalendar AllDay(const std::string& time_zone);

  // Splits day intervals around a break: {08:00-17:15} minus 12:00-13:00.
  static std::vector<WorkInterval> WithoutBreak(std::vector<WorkInterval> day, WorkInterval brk);

  const std::string& time_zone() const { return zone_name_; }

  bool IsWorking(Timestamp t) const;
  bool IsWorkingDay(date::local_days day) const;
  bool IsHoliday(date::local_days day) const { return holidays_.count(day) > 0; }

  // The first working instant at or after `t`.
  Timestamp NextWorkingInstant(Timestamp t) const;

  // `from` plus `d` of working time: only open hours count. A start outside
  // the hours waits for the next opening.
  Timestamp AddWorking(Timestamp from, std::chrono::seconds d) const;

  // Calendar arithmetic: `days` on the local wall clock, then `elapsed`
  // of real time. 10:00 on Friday before the spring change plus "3d" is
  // 10:00 local on Monday, 71 real hours later.
  Timestamp AddCalendar(Timestamp from, const Duration& d) const;

  // The close of the `n`-th working day after the local day of `from`
  // ("within 3 working days": counting starts the next day).
  Timestamp EndOfWorkingDays(Timestamp from, int n) const;

  // Local wall time of an instant, and back. A local time that does not
  // exist (the spring gap 03:00-04:00 in Kyiv) maps to the moment of the
  // change; an ambiguous one (autumn) to the earlier instant.
  date::local_seconds ToLocal(Timestamp t) const;
  Timestamp FromLocal(date::local_seconds lt) const;

 private:
  WorkCalendar() = default;
  // Open intervals of `day` as UTC instants, empty for a day off.
  std::vector<std::pair<Timestamp, Timestamp>> OpenOn(date::local_days day) const;

  std::string zone_name_;
  const date::time_zone* zone_ = nullptr;
  std::array<std::vector<WorkInterval>, 7> week_;
  std::set<date::local_days> holidays_;
};

// "2026-03-29" -> local day; nullopt if malformed or not a real date.
std::optional<date::local_days> ParseLocalDay(const std::string& text);
// "2026-03-29 10:00" or "2026-03-29T10:00[:ss]" local wall time -> local seconds.
std::optional<date::local_seconds> ParseLocalTime(const std::string& text);
// Local wall time "2026-03-29 10:00" for messages and test reports.
std::string FormatLocal(date::local_seconds lt);

}  // namespace vikno::rules
