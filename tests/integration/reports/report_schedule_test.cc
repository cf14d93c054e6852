// The scheduler's periods in city time (R21, 003 §4.1), the download links'
// signature, and the `reports:` configuration section.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "host/config.h"
#include "reports/report_scheduler.h"

namespace vikno::reports {
namespace {

Timestamp At(const char* iso) { return *ParseIso8601(iso); }

TEST(ReportSchedule, DailyIsTheCityDayBeforeOnceItsHourHasCome) {
  // 06:30 Kyiv (03:30Z in March before DST): not yet 07:00, so the day before yesterday.
  auto p = LatestDue("daily", At("2026-03-04T04:30:00Z"), "Europe/Kyiv", "07:00");
  EXPECT_EQ(p.from, At("2026-03-01T22:00:00Z"));
  EXPECT_EQ(p.to, At("2026-03-02T22:00:00Z"));
  p = LatestDue("daily", At("2026-03-04T05:00:00Z"), "Europe/Kyiv", "07:00");
  EXPECT_EQ(p.from, At("2026-03-02T22:00:00Z"));
  EXPECT_EQ(p.to, At("2026-03-03T22:00:00Z"));
}

TEST(ReportSchedule, PeriodsFollowSummerTime) {
  // 29.03.2026 is 23 hours long in Kyiv (03:00 -> 04:00).
  const auto p = LatestDue("daily", At("2026-03-30T06:00:00Z"), "Europe/Kyiv", "07:00");
  EXPECT_EQ(p.from, At("2026-03-28T22:00:00Z"));
  EXPECT_EQ(p.to, At("2026-03-29T21:00:00Z"));
  const auto before = Previous(p, "Europe/Kyiv");
  EXPECT_EQ(before.from, At("2026-03-27T22:00:00Z"));
  EXPECT_EQ(before.to, p.from);
}

TEST(ReportSchedule, WeeklyRunsMondayToMondayAndMonthlyWholeMonths) {
  // Wednesday 04.03.2026: the week 23.02-01.03 and the month of February.
  const auto week = LatestDue("weekly", At("2026-03-04T09:00:00Z"), "Europe/Kyiv", "07:00");
  EXPECT_EQ(week.from, At("2026-02-22T22:00:00Z"));
  EXPECT_EQ(week.to, At("2026-03-01T22:00:00Z"));
  const auto month = LatestDue("monthly", At("2026-03-04T09:00:00Z"), "Europe/Kyiv", "07:00");
  EXPECT_EQ(month.from, At("2026-01-31T22:00:00Z"));
  EXPECT_EQ(month.to, At("2026-02-28T22:00:00Z"));
  // On the 1st before 07:00 the month before last is still the latest.
  const auto early = LatestDue("monthly", At("2026-03-01T03:00:00Z"), "Europe/Kyiv", "07:00");
  EXPECT_EQ(early.from, At("2025-12-31T22:00:00Z"));
  EXPECT_EQ(Previous(month, "Europe/Kyiv").from, At("2025-12-31T22:00:00Z"));
  EXPECT_THROW(LatestDue("yearly", At("2026-03-04T09:00:00Z"), "Europe/Kyiv", "07:00"),
               std::runtime_error);
  EXPECT_THROW(LatestDue("daily", At("2026-03-04T09:00:00Z"), "Europe/Kyiv", "7 am"),
               std::runtime_error);
}

TEST(ReportSchedule, LinksAreSignedWithHmacSha256) {
  // RFC 4231, test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4231, test case 6: a key longer than the block is hashed first.
  EXPECT_EQ(HmacSha256Hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // A link signs its file name and expiry together: neither moves alone.
  EXPECT_EQ(SignFile("a-long-enough-link-secret", "daily-2026-03-03.xlsx", 1775174400),
            HmacSha256Hex("a-long-enough-link-secret", "daily-2026-03-03.xlsx\n1775174400"));
  EXPECT_NE(SignFile("a-long-enough-link-secret", "daily-2026-03-03.xlsx", 1775174400),
            SignFile("a-long-enough-link-secret", "daily-2026-03-03.xlsx", 1775260800));
  EXPECT_EQ(SignedQuery("s", "f.xlsx", 7), "exp=7&sig=" + SignFile("s", "f.xlsx", 7));
}

class ReportsConfig : public ::testing::Test {
 protected:
  ReportsConfig() : dir_(std::filesystem::temp_directory_path() / ("vikno-rc-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_ / "rules");
    std::ofstream(dir_ / "rules" / "city.lua") << "";
    std::filesystem::create_directories(dir_ / "messages");
    std::ofstream(dir_ / "messages" / "uk.yaml") << "a: b\n";
  }
  ~ReportsConfig() override { std::filesystem::remove_all(dir_); }
  Config Load(const std::string& reports) {
    const auto file = dir_ / "vikno.yaml";
    std::ofstream(file) << "data_dir: data\nrules_dir: rules\nmessages_dir: messages\n" << reports;
    return LoadConfig(file.string(), dir_.string());
  }
  std::filesystem::path dir_;
};

TEST_F(ReportsConfig, ReadsAreasRecipientsAndLimits) {
  const Config c = Load(
      "reports:\n"
      "  at: \"06:30\"\n"
      "  daily_to: [control@city.example]\n"
      "  max_overdue_percent: 25\n"
      "  link_secret: a-secret-of-16-chars\n"
      "  areas:\n"
      "    - id: utilities\n"
      "      name: ЖКГ\n"
      "      deputy: Заступник А\n"
      "      emails: [a@city.example]\n"
      "      executors: [vodokanal, teplo]\n");
  EXPECT_EQ(c.reports.at, "06:30");
  EXPECT_EQ(c.reports.daily_to, std::vector<std::string>{"control@city.example"});
  EXPECT_DOUBLE_EQ(c.reports.max_overdue_share, 0.25);
  ASSERT_EQ(c.reports.areas.size(), 1u);
  EXPECT_EQ(c.reports.areas[0].executors, (std::vector<std::string>{"vodokanal", "teplo"}));
  EXPECT_EQ(c.reports.dir, (dir_ / "data" / "reports").string());
}

TEST_F(ReportsConfig, RefusesWhatWouldMisfire) {
  EXPECT_THROW(Load("reports:\n  at: \"25:00\"\n"), ConfigError);
  EXPECT_THROW(Load("reports:\n  link_secret: short\n"), ConfigError);
  EXPECT_THROW(Load("reports:\n  areas:\n    - name: no id\n"), ConfigError);
  EXPECT_THROW(Load("reports:\n  areas:\n    - id: a\n    - id: a\n"), ConfigError);
  EXPECT_THROW(Load("reports:\n  shedule: true\n"), ConfigError);
  EXPECT_THROW(Load("reports:\n  max_returned_percent: 0\n"), ConfigError);
}

}  // namespace
}  // namespace vikno::reports
