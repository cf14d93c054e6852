// Every city folder passes its own tests.lua (issue 3: `vikno rules test
// rules/<city>` passes for all five cities), and so does the example city
// of docs/rules.md. One ctest test per city.
#include <gtest/gtest.h>

#include "rules/city_tests.h"
#include "rules/lua_rules.h"

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
