// Reload is compile, validate, swap: a broken edit keeps the old rules
// (DESIGN.md, issue 3).
#include <gtest/gtest.h>

#include "rules/lua_rules.h"
#include "temp_city.h"

namespace vikno::rules {
namespace {

using testing::TempCity;

Appeal Draft(const std::string& text) {
  Appeal a;
  a.description = text;
  return a;
}

Options Quiet() {
  Options o;
  o.log = [](LogLevel, const std::string&, const std::string&) {};
  return o;
}

const char* kClassify =
    "function classify(a) return { category = vikno.categories.match(a.text) or 'roads' } end\n";
const char* kTests = "case { 'Немає води', category = 'water' }\n";

TEST(Reload, BrokenSyntaxKeepsTheOldRules) {
  TempCity city;
  city.WriteCity(kClassify);
  city.Write("tests.lua", kTests);
  auto rules = LuaRules::Load(city.dir(), Quiet());
  auto old_model = rules->Model();

  city.WriteCity("function classify(a)\n  return {\n");  // line 9-10: unfinished
  Result<Done> r = rules->Reload();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.refusal().code, "rules_reload_failed");
  EXPECT_NE(r.refusal().message.find("city.lua:"), std::string::npos) << r.refusal().message;
  EXPECT_EQ(rules->Classify(Draft("немає води")).category, "water");
  EXPECT_EQ(rules->Model(), old_model);
  EXPECT_EQ(rules->Stats().failed_reloads, 1u);
}

TEST(Reload, FailingTestsKeepTheOldRules) {
  TempCity city;
  city.WriteCity(kClassify);
  city.Write("tests.lua", kTests);
  auto rules = LuaRules::Load(city.dir(), Quiet());
  // Valid Lua, wrong routing: every appeal to roads.
  city.WriteCity("function classify(a) return { category = 'roads' } end\n");
  Result<Done> r = rules->Reload();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.refusal().message.find("tests.lua:1: test case failed: category"), std::string::npos)
      << r.refusal().message;
  EXPECT_EQ(rules->Classify(Draft("немає води")).category, "water");
}

TEST(Reload, RuntimeFaultInTheNewVersionIsCaughtByItsTests) {
  TempCity city;
  city.WriteCity(kClassify);
  city.Write("tests.lua", kTests);
  auto rules = LuaRules::Load(city.dir(), Quiet());
  city.WriteCity("function classify(a) while true do end end\n");
  EXPECT_FALSE(rules->Reload().ok());
  EXPECT_FALSE(rules->Classify(Draft("немає води")).to_moderation);
}

TEST(Reload, AGoodEditIsSwappedInAndOldHoldersStayValid) {
  TempCity city;
  city.WriteCity(kClassify);
  city.Write("tests.lua", kTests);
  auto rules = LuaRules::Load(city.dir(), Quiet());
  auto old_model = rules->Model();
  city.WriteCity(
      std::string(kClassify) +
      "category { id = 'lamps', name = 'Ліхтарі', executor = 'roads', keywords = { 'ліхтар' } }\n");
  city.Write("tests.lua",
             std::string(kTests) + "case { 'Не горить ліхтар', category = 'lamps' }\n");
  ASSERT_TRUE(rules->Reload().ok());
  EXPECT_EQ(rules->Classify(Draft("Не горить ліхтар")).category, "lamps");
  // A call that started on the old version still has its model.
  EXPECT_EQ(old_model->categories.size(), 2u);
  EXPECT_EQ(rules->Model()->categories.size(), 3u);
  EXPECT_EQ(rules->Stats().reloads, 1u);
}

TEST(Reload, LoadRefusesACityWhoseTestsFail) {
  TempCity city;
  city.WriteCity("function classify(a) return { category = 'roads' } end\n");
  city.Write("tests.lua", kTests);
  try {
    LuaRules::Load(city.dir(), Quiet());
    FAIL() << "loaded";
  } catch (const RulesError& e) {
    EXPECT_NE(std::string(e.what()).find("tests.lua:1:"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vikno::rules
