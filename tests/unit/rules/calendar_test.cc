// Deadlines on a working calendar in Europe/Kyiv, right to the minute:
// weekend, lunch, public holiday, both DST changes of 2026 (issue 3, R12).
#include <gtest/gtest.h>

#include "rules/duration.h"
#include "rules/work_calendar.h"

namespace vikno::rules {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

// 003 §2.1 Pyriatyn: Mon-Thu 08:00-17:15, Fri 08:00-16:00, lunch 12:00-13:00.
WorkCalendar Pyriatyn() {
  std::array<std::vector<WorkInterval>, 7> week;
  WorkInterval lunch{12 * 60, 13 * 60};
  for (int d = 0; d < 4; ++d) week[d] = WorkCalendar::WithoutBreak({{8 * 60, 17 * 60 + 15}}, lunch);
  week[4] = WorkCalendar::WithoutBreak({{8 * 60, 16 * 60}}, lunch);
  return WorkCalendar("Europe/Kyiv", week, {*ParseLocalDay("2026-08-24")});
}

class Calendar : public ::testing::Test {
 protected:
  WorkCalendar cal = Pyriatyn();
  WorkCalendar all = WorkCalendar::AllDay("Europe/Kyiv");
  Timestamp Local(const std::string& s) { return cal.FromLocal(*ParseLocalTime(s)); }
  std::string Show(Timestamp t) { return FormatLocal(cal.ToLocal(t)); }
  Duration D(const std::string& s) { return *ParseDuration(s, nullptr); }
};

TEST_F(Calendar, KyivOffsetsComeFromTzdata) {
  EXPECT_EQ(FormatIso8601(Local("2026-01-15 10:00")), "2026-01-15T08:00:00Z");  // EET
  EXPECT_EQ(FormatIso8601(Local("2026-07-15 10:00")), "2026-07-15T07:00:00Z");  // EEST
}

TEST_F(Calendar, LunchBreakIsNotWorkingTime) {
  EXPECT_TRUE(cal.IsWorking(Local("2026-05-12 11:59")));
  EXPECT_FALSE(cal.IsWorking(Local("2026-05-12 12:30")));
  EXPECT_EQ(Show(cal.AddWorking(Local("2026-05-12 11:30"), hours(1))), "2026-05-12 13:30");
}

TEST_F(Calendar, FridayClosesEarlierAndTheWeekendIsSkipped) {
  // Friday 15:30: 30 minutes left today, 90 on Monday.
  EXPECT_EQ(Show(cal.AddWorking(Local("2026-05-15 15:30"), hours(2))), "2026-05-18 09:30");
  // Thursday 17:00: 15 minutes left today.
  EXPECT_EQ(Show(cal.AddWorking(Local("2026-05-14 17:00"), hours(1))), "2026-05-15 08:45");
  // Saturday: waits for Monday's opening.
  EXPECT_EQ(Show(cal.AddWorking(Local("2026-05-16 10:00"), minutes(30))), "2026-05-18 08:30");
  EXPECT_EQ(Show(cal.NextWorkingInstant(Local("2026-05-16 10:00"))), "2026-05-18 08:00");
}

TEST_F(Calendar, PublicHolidayIsSkipped) {
  // Monday 24 August 2026 is Independence Day.
  EXPECT_FALSE(cal.IsWorking(Local("2026-08-24 10:00")));
  EXPECT_EQ(Show(cal.AddWorking(Local("2026-08-21 15:00"), hours(2))), "2026-08-25 09:00");
  EXPECT_EQ(Show(cal.EndOfWorkingDays(Local("2026-08-21 10:00"), 1)), "2026-08-25 17:15");
}

TEST_F(Calendar, SpringForwardInWorkingTime) {
  // Friday 27 March 16:30 (+02:00) + 1 working hour = Monday 30 March 08:30 (+03:00).
  Timestamp due = cal.AddWorking(Local("2026-03-27 15:30"), hours(1));
  EXPECT_EQ(Show(due), "2026-03-30 08:30");
  EXPECT_EQ(FormatIso8601(due), "2026-03-30T05:30:00Z");
}

TEST_F(Calendar, FallBackInWorkingTime) {
  Timestamp due = cal.AddWorking(Local("2026-10-23 15:30"), hours(1));
  EXPECT_EQ(Show(due), "2026-10-26 08:30");
  EXPECT_EQ(FormatIso8601(due), "2026-10-26T06:30:00Z");
}

TEST_F(Calendar, HoursAreElapsedTimeAcrossBothChanges) {
  // 29 March: 03:00 EET becomes 04:00 EEST. 02:30 + 1 h = 04:30 on the wall.
  EXPECT_EQ(Show(all.AddCalendar(Local("2026-03-29 02:30"), D("1h"))), "2026-03-29 04:30");
  EXPECT_EQ(Show(all.AddCalendar(Local("2026-03-28 10:00"), D("24h"))), "2026-03-29 11:00");
  // 25 October: 04:00 EEST becomes 03:00 EET. 10:00 + 24 h = 09:00 next day.
  EXPECT_EQ(Show(all.AddCalendar(Local("2026-10-24 10:00"), D("24h"))), "2026-10-25 09:00");
  // Round-the-clock working time is elapsed time too.
  EXPECT_EQ(Show(all.AddWorking(Local("2026-03-29 02:30"), hours(1))), "2026-03-29 04:30");
  EXPECT_EQ(all.AddWorking(Local("2026-10-25 00:00"), hours(5)) - Local("2026-10-25 00:00"),
            hours(5));
}

TEST_F(Calendar, DaysKeepTheWallClockAcrossBothChanges) {
  Timestamp spring = Local("2026-03-28 10:00");
  Timestamp s1 = all.AddCalendar(spring, D("1d"));
  EXPECT_EQ(Show(s1), "2026-03-29 10:00");
  EXPECT_EQ(s1 - spring, hours(23));
  Timestamp autumn = Local("2026-10-24 10:00");
  Timestamp a1 = all.AddCalendar(autumn, D("1d"));
  EXPECT_EQ(Show(a1), "2026-10-25 10:00");
  EXPECT_EQ(a1 - autumn, hours(25));
  EXPECT_EQ(Show(all.AddCalendar(Local("2026-03-27 10:00"), D("5d"))), "2026-04-01 10:00");
  EXPECT_EQ(Show(all.AddCalendar(Local("2026-03-28 10:00"), D("1d12h"))), "2026-03-29 22:00");
}

TEST_F(Calendar, LocalTimesInTheGapAndTheOverlap) {
  // 03:30 on 29 March does not exist: the change itself (01:00Z).
  EXPECT_EQ(FormatIso8601(Local("2026-03-29 03:30")), "2026-03-29T01:00:00Z");
  // 03:30 on 25 October happens twice: the earlier one (00:30Z, still EEST).
  EXPECT_EQ(FormatIso8601(Local("2026-10-25 03:30")), "2026-10-25T00:30:00Z");
}

TEST_F(Calendar, WorkingDaysCountFromTheNextDay) {
  // Monday 10:00 + 3 working days = the close of Thursday.
  EXPECT_EQ(Show(cal.EndOfWorkingDays(Local("2026-05-11 10:00"), 3)), "2026-05-14 17:15");
  // Thursday + 2 = Monday (Friday, Monday).
  EXPECT_EQ(Show(cal.EndOfWorkingDays(Local("2026-05-14 10:00"), 2)), "2026-05-18 17:15");
  EXPECT_EQ(Show(cal.EndOfWorkingDays(Local("2026-05-15 10:00"), 0)), "2026-05-15 16:00");
}

TEST(Durations, ParseAndRefuse) {
  std::string err;
  auto d = ParseDuration("1d12h30m", &err);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->days, 1);
  EXPECT_EQ(d->elapsed, hours(12) + minutes(30));
  EXPECT_FALSE(ParseDuration("-2h", &err));
  EXPECT_NE(err.find("negative"), std::string::npos);
  EXPECT_FALSE(ParseDuration("5x", &err));
  EXPECT_FALSE(ParseDuration("5", &err));
  EXPECT_FALSE(ParseDuration("", &err));
  EXPECT_EQ(ParseClock("17:15"), 17 * 60 + 15);
  EXPECT_FALSE(ParseClock("25:00"));
}

TEST(WorkCalendarCtor, RefusesUnknownZoneAndBadHours) {
  EXPECT_THROW(WorkCalendar::AllDay("Europe/Atlantis"), std::invalid_argument);
  std::array<std::vector<WorkInterval>, 7> week;
  week[0] = {{600, 500}};
  EXPECT_THROW(WorkCalendar("Europe/Kyiv", week, {}), std::invalid_argument);
}

}  // namespace
}  // namespace vikno::rules
