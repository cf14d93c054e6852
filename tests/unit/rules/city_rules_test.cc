// Every city folder passes its own tests.lua (issue 3: `vikno rules test
// rules/<city>` passes for all five cities), and so does the example city
// of docs/rules.md. One ctest test per city.
#include <gtest/gtest.h>

#include "rules/city_tests.h"
#include "rules/lua_rules.h"
#include "rules/work_calendar.h"

namespace vikno::rules {
namespace {

// ctest runs from the source root (vikno_test WORKING_DIRECTORY).
void ExpectCityPasses(const std::string& dir) {
  CityTestReport report = RunCityTests(dir);
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_GT(report.passed, 0);
  // Loading for production runs the same cases.
  EXPECT_NO_THROW(LuaRules::Load(dir));
}

TEST(CityRules, SumyPassesItsTests) { ExpectCityPasses("rules/sumy"); }
TEST(CityRules, KryvyiRihPassesItsTests) { ExpectCityPasses("rules/kryvyi-rih"); }
TEST(CityRules, KalushPassesItsTests) { ExpectCityPasses("rules/kalush"); }
TEST(CityRules, PyriatynPassesItsTests) { ExpectCityPasses("rules/pyriatyn"); }
TEST(CityRules, VyshhorodPassesItsTests) { ExpectCityPasses("rules/vyshhorod"); }
TEST(CityRules, MinimalExampleCityPassesItsTests) { ExpectCityPasses("examples/minimal-city"); }

}  // namespace
}  // namespace vikno::rules

namespace vikno::rules {
namespace {

Timestamp KyivLocal(const LuaRules& rules, const std::string& s) {
  return rules.Model()->calendar->FromLocal(*ParseLocalTime(s));
}

// R16, 003 §3.3 and the law's 45 days: Pyriatyn refuses an extension past
// 45 days from registration and sends a second one to the mayor.
TEST(CityRules, PyriatynExtensionsFollowTheLaw) {
  auto rules = LuaRules::Load("rules/pyriatyn");
  Appeal a;
  a.type = "ordinary";
  a.created_at = KyivLocal(*rules, "2026-05-01 10:00");
  Timestamp due = KyivLocal(*rules, "2026-05-16 10:00");
  ExtensionDecision first = rules->Extend(a, due, KyivLocal(*rules, "2026-05-30 10:00"), 1);
  EXPECT_TRUE(first.allowed) << first.reason;
  EXPECT_EQ(first.approver, "decision_maker");
  ExtensionDecision second = rules->Extend(a, due, KyivLocal(*rules, "2026-06-10 10:00"), 2);
  EXPECT_TRUE(second.allowed);
  EXPECT_EQ(second.approver, "mayor");
  ExtensionDecision too_long = rules->Extend(a, due, KyivLocal(*rules, "2026-06-30 10:00"), 2);
  EXPECT_FALSE(too_long.allowed);
  EXPECT_FALSE(too_long.fault.fault);
  EXPECT_FALSE(rules->Extend(a, due, due, 1).allowed);  // not later: refused before the rules
}

// 000 §4.3: notices about works go out 06:00-23:00 only.
TEST(CityRules, SumyNotifyWindow) {
  auto rules = LuaRules::Load("rules/sumy");
  EXPECT_TRUE(rules->InNotifyWindow(KyivLocal(*rules, "2026-05-12 06:00")));
  EXPECT_FALSE(rules->InNotifyWindow(KyivLocal(*rules, "2026-05-12 23:30")));
  EXPECT_EQ(rules->NextNotifyTime(KyivLocal(*rules, "2026-05-12 23:30")),
            KyivLocal(*rules, "2026-05-13 06:00"));
  EXPECT_EQ(rules->NextNotifyTime(KyivLocal(*rules, "2026-05-12 02:00")),
            KyivLocal(*rules, "2026-05-12 06:00"));
}

// The store loads the city's executors and classifier tree (R9, 000 §7).
TEST(CityRules, SumyExposesItsExecutorsAndTree) {
  auto rules = LuaRules::Load("rules/sumy");
  auto execs = rules->Executors();
  ASSERT_EQ(execs.size(), 8u);
  EXPECT_EQ(execs[2].name, "КП «Міськводоканал»");
  bool found = false;
  for (const auto& c : rules->Categories()) {
    if (c.id == "vodokanal/flat/water/no-cold") {
      found = true;
      EXPECT_EQ(c.parent_id, "vodokanal/flat/water");
      EXPECT_EQ(c.executor_id, "vodokanal");
      EXPECT_EQ(c.type, "emergency");
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace vikno::rules
