// The notice window (R23, 000 §4.3): 06:00-23:00 in the city's time, held
// notices go out at the next 06:00, also across a DST change.
#include "events/notice_window.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace vikno::events {
namespace {

Timestamp Utc(const std::string& iso) { return *ParseIso8601(iso); }

TEST(NoticeWindow, InsideTheWindowANoticeGoesAtOnce) {
  NoticeWindow w("Europe/Kyiv", 6 * 60, 23 * 60);
  // 23.11.2026 is EET, UTC+2: 06:00 local = 04:00Z, 23:00 local = 21:00Z.
  EXPECT_EQ(w.NextOpen(Utc("2026-11-23T04:00:00Z")), Utc("2026-11-23T04:00:00Z"));
  EXPECT_EQ(w.NextOpen(Utc("2026-11-23T12:34:56Z")), Utc("2026-11-23T12:34:56Z"));
  EXPECT_EQ(w.NextOpen(Utc("2026-11-23T20:59:59Z")), Utc("2026-11-23T20:59:59Z"));
  EXPECT_TRUE(w.Contains(Utc("2026-11-23T10:00:00Z")));
}

TEST(NoticeWindow, AtNightItIsHeldUntilTheNextSixOClock) {
  NoticeWindow w("Europe/Kyiv", 6 * 60, 23 * 60);
  EXPECT_EQ(w.NextOpen(Utc("2026-11-23T00:00:00Z")), Utc("2026-11-23T04:00:00Z"));  // 02:00
  EXPECT_EQ(w.NextOpen(Utc("2026-11-23T03:59:59Z")), Utc("2026-11-23T04:00:00Z"));  // 05:59:59
  EXPECT_EQ(w.NextOpen(Utc("2026-11-23T21:00:00Z")), Utc("2026-11-24T04:00:00Z"));  // 23:00
  EXPECT_EQ(w.NextOpen(Utc("2026-11-23T21:30:00Z")), Utc("2026-11-24T04:00:00Z"));  // 23:30
  EXPECT_FALSE(w.Contains(Utc("2026-11-23T21:00:00Z")));
}

TEST(NoticeWindow, FollowsSummerTime) {
  NoticeWindow w("Europe/Kyiv", 6 * 60, 23 * 60);
  // 29.03.2026: clocks go from 03:00 EET to 04:00 EEST at 01:00Z; 06:00 is
  // then UTC+3 = 03:00Z.
  EXPECT_EQ(w.NextOpen(Utc("2026-03-28T23:30:00Z")), Utc("2026-03-29T03:00:00Z"));
  // In July 23:00 local is 20:00Z.
  EXPECT_EQ(w.NextOpen(Utc("2026-07-10T20:00:00Z")), Utc("2026-07-11T03:00:00Z"));
  EXPECT_EQ(w.Format(Utc("2026-07-10T19:59:00Z")), "10.07.2026 22:59");
}

TEST(NoticeWindow, RefusesAnUnknownZoneOrAnEmptyWindow) {
  EXPECT_THROW(NoticeWindow("Europe/Atlantis", 360, 1380), std::invalid_argument);
  EXPECT_THROW(NoticeWindow("Europe/Kyiv", 1380, 360), std::invalid_argument);
  EXPECT_THROW(NoticeWindow("Europe/Kyiv", 0, 25 * 60), std::invalid_argument);
}

}  // namespace
}  // namespace vikno::events
