// The sandbox refuses each forbidden library; endless loops and memory
// bombs are stopped within their limits and the appeal lands in the
// moderators' queue; malformed returns are faults naming file and line
// (issue 3).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "rules/lua_rules.h"
#include "temp_city.h"

namespace vikno::rules {
namespace {

using testing::TempCity;

Options Quiet() {
  Options o;
  o.run_city_tests = false;
  o.log = [](LogLevel, const std::string&, const std::string&) {};
  return o;
}

Appeal Draft(const std::string& text) {
  Appeal a;
  a.description = text;
  a.channel = "telegram";
  return a;
}

// A city whose classify runs `code` (at line 9 of city.lua) and then
// classifies normally.
std::unique_ptr<LuaRules> CityRunning(TempCity& city, const std::string& code) {
  city.WriteCity(
      "function classify(appeal)\n" + code +
      "\n  return { category = vikno.categories.match(appeal.text) or \"water\" }\nend\n");
  return LuaRules::Load(city.dir(), Quiet());
}

void ExpectRefused(const std::string& code, const std::string& fragment) {
  TempCity city;
  auto rules = CityRunning(city, code);
  Classification c = rules->Classify(Draft("немає води"));
  EXPECT_TRUE(c.to_moderation) << code;
  EXPECT_NE(c.moderation_reason.find(fragment), std::string::npos)
      << code << "\nreason: " << c.moderation_reason;
  // The reason names the file and the line of the offending code (line 9).
  EXPECT_NE(c.moderation_reason.find("city.lua:9:"), std::string::npos) << c.moderation_reason;
  EXPECT_TRUE(c.executors.empty());
  EXPECT_EQ(rules->Stats().faults, 1u);
}

TEST(Sandbox, RefusesIo) { ExpectRefused("io.open('/etc/passwd')", "global 'io'"); }
TEST(Sandbox, RefusesOsExecute) { ExpectRefused("os.execute('true')", "execute"); }
TEST(Sandbox, RefusesOsExit) { ExpectRefused("os.exit(1)", "exit"); }
TEST(Sandbox, RefusesOsGetenv) { ExpectRefused("os.getenv('HOME')", "getenv"); }
TEST(Sandbox, RefusesOsRemove) { ExpectRefused("os.remove('/tmp/x')", "remove"); }
TEST(Sandbox, RefusesPackage) {
  ExpectRefused("package.loadlib('libc.so.6', 'system')", "global 'package'");
}
TEST(Sandbox, RefusesRequire) { ExpectRefused("require('io')", "global 'require'"); }
TEST(Sandbox, RefusesDebug) { ExpectRefused("debug.sethook()", "global 'debug'"); }
TEST(Sandbox, RefusesDofile) { ExpectRefused("dofile('/etc/passwd')", "global 'dofile'"); }
TEST(Sandbox, RefusesLoadfile) { ExpectRefused("loadfile('/etc/passwd')", "global 'loadfile'"); }
TEST(Sandbox, RefusesStringDump) { ExpectRefused("string.dump(print)", "field 'dump'"); }
TEST(Sandbox, RefusesBinaryChunks) {
  ExpectRefused("local f, err = load('\\27Lua\\84\\0'); if not f then error(err) end",
                "binary chunk");
}
TEST(Sandbox, RefusesCollectgarbageExceptCount) {
  ExpectRefused("collectgarbage('stop')", "not allowed");
}
TEST(Sandbox, HidesTheStringMetatable) {
  ExpectRefused("getmetatable('').__index = {}", "boolean");
}

TEST(Sandbox, OffersSafeTimeFunctionsAndTextLoad) {
  TempCity city;
  auto rules = CityRunning(city,
                           "assert(os.time() > 0 and os.date('%Y') and os.clock())\n"
                           "assert(load('return 1 + 1')() == 2)\n"
                           "assert(collectgarbage('count') > 0)");
  Classification c = rules->Classify(Draft("немає води"));
  EXPECT_FALSE(c.to_moderation) << c.moderation_reason;
  EXPECT_EQ(c.category, "water");
}

TEST(Sandbox, EndlessLoopIsStoppedAndGoesToModeration) {
  TempCity city;
  auto rules = CityRunning(city, "while true do end");
  auto start = std::chrono::steady_clock::now();
  Classification c = rules->Classify(Draft("немає води"));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(c.to_moderation);
  EXPECT_NE(c.moderation_reason.find("instruction limit"), std::string::npos)
      << c.moderation_reason;
  EXPECT_LT(took, std::chrono::seconds(2));
  EXPECT_EQ(rules->Stats().time_outs, 1u);
}

TEST(Sandbox, PcallCannotSwallowTheTimeOut) {
  TempCity city;
  auto rules = CityRunning(city,
                           "for i = 1, 3 do pcall(function() while true do end end) end\n"
                           "while true do pcall(function() while true do end end) end");
  Classification c = rules->Classify(Draft("немає води"));
  EXPECT_TRUE(c.to_moderation);
  EXPECT_NE(c.moderation_reason.find("instruction limit"), std::string::npos)
      << c.moderation_reason;
}

TEST(Sandbox, PcallThatReturnsNormallyAfterTheTimeOutIsStillAFault) {
  TempCity city;
  auto rules = CityRunning(city, "pcall(function() while true do end end)");
  Classification c = rules->Classify(Draft("немає води"));
  EXPECT_TRUE(c.to_moderation);
  EXPECT_EQ(rules->Stats().time_outs, 1u);
}

TEST(Sandbox, StringMemoryBombIsStoppedByTheCap) {
  TempCity city;
  auto rules = CityRunning(city, "local s = string.rep('x', 1000000000)");
  Classification c = rules->Classify(Draft("немає води"));
  EXPECT_TRUE(c.to_moderation);
  EXPECT_NE(c.moderation_reason.find("memory"), std::string::npos) << c.moderation_reason;
  EXPECT_EQ(rules->Stats().memory_caps, 1u);
}

TEST(Sandbox, TableGrowthIsStoppedByTheCap) {
  TempCity city;
  auto rules = CityRunning(city,
                           "local t = {}\n"
                           "for i = 1, 1e9 do t[i] = string.rep('x', 4096) .. i end");
  Classification c = rules->Classify(Draft("немає води"));
  EXPECT_TRUE(c.to_moderation);
  EXPECT_NE(c.moderation_reason.find("memory cap"), std::string::npos) << c.moderation_reason;
}

TEST(Sandbox, PcallCannotSwallowTheMemoryCap) {
  TempCity city;
  auto rules = CityRunning(city, "pcall(string.rep, 'x', 1000000000)");
  Classification c = rules->Classify(Draft("немає води"));
  EXPECT_TRUE(c.to_moderation);
  EXPECT_NE(c.moderation_reason.find("memory"), std::string::npos) << c.moderation_reason;
}

TEST(Sandbox, NextCallAfterAFaultRunsOnAFreshState) {
  TempCity city;
  auto rules = CityRunning(city,
                           "if appeal.text == 'loop' then while true do end end\n"
                           "if appeal.text == 'poison' then string = nil end");
  EXPECT_TRUE(rules->Classify(Draft("loop")).to_moderation);
  Classification ok = rules->Classify(Draft("немає води"));
  EXPECT_FALSE(ok.to_moderation) << ok.moderation_reason;
  EXPECT_EQ(ok.category, "water");
  EXPECT_EQ(ok.executors, std::vector<std::string>{"water"});
}

// ---- malformed returns ------------------------------------------------------

Classification ClassifyReturning(const std::string& ret) {
  TempCity city;
  city.WriteCity("function classify(appeal)\n  return " + ret + "\nend\n");
  auto rules = LuaRules::Load(city.dir(), Quiet());
  return rules->Classify(Draft("немає води"));
}

void ExpectMalformed(const std::string& ret, const std::string& fragment) {
  Classification c = ClassifyReturning(ret);
  EXPECT_TRUE(c.to_moderation) << ret;
  EXPECT_TRUE(c.executors.empty()) << ret;
  EXPECT_TRUE(c.category.empty()) << ret;
  EXPECT_NE(c.moderation_reason.find(fragment), std::string::npos) << c.moderation_reason;
  // The return statement is on line 9 of city.lua.
  EXPECT_NE(c.moderation_reason.find("city.lua:9: classify"), std::string::npos)
      << c.moderation_reason;
}

TEST(Returns, NotATable) { ExpectMalformed("42", "must return a table"); }
TEST(Returns, UnknownExecutor) {
  ExpectMalformed("{ category = 'water', executor = 'nobody' }", "unknown executor 'nobody'");
}
TEST(Returns, UnknownCategory) {
  ExpectMalformed("{ category = 'lava' }", "unknown category 'lava'");
}
TEST(Returns, UnknownType) {
  ExpectMalformed("{ category = 'water', type = 'whenever' }", "unknown appeal type");
}
TEST(Returns, WrongFieldType) { ExpectMalformed("{ category = 7 }", "must be a string"); }
TEST(Returns, UnknownField) {
  ExpectMalformed("{ category = 'water', executer = 'water' }", "unknown field 'executer'");
}
TEST(Returns, NeitherCategoryNorModeration) { ExpectMalformed("{}", "neither a category"); }
TEST(Returns, DuplicateExecutors) {
  ExpectMalformed("{ category = 'water', executors = { 'water', 'water' } }", "twice");
}

TEST(Returns, SeveralExecutorsLeadFirst) {
  Classification c = ClassifyReturning("{ category = 'water', executors = { 'roads', 'water' } }");
  EXPECT_FALSE(c.to_moderation) << c.moderation_reason;
  EXPECT_EQ(c.executors, (std::vector<std::string>{"roads", "water"}));
  EXPECT_EQ(c.type, "emergency");
}

TEST(Returns, ExplicitModerationIsNotAFault) {
  TempCity city;
  city.WriteCity("function classify(appeal) return { moderation = 'unclear' } end\n");
  auto rules = LuaRules::Load(city.dir(), Quiet());
  Classification c = rules->Classify(Draft("щось"));
  EXPECT_TRUE(c.to_moderation);
  EXPECT_EQ(c.moderation_reason, "unclear");
  EXPECT_EQ(rules->Stats().faults, 0u);
}

TEST(Returns, NegativeDeadlineIsAFaultAndTheTypeDeadlinesStand) {
  TempCity city;
  city.WriteCity(
      "function classify(appeal) return { category = 'water' } end\n"
      "function deadline(appeal, from)\n"
      "  return { resolve = from - 3600 }\n"
      "end\n");
  auto rules = LuaRules::Load(city.dir(), Quiet());
  Appeal a = Draft("вода");
  a.type = "emergency";
  Timestamp from = FromUnix(1'780'000'000);
  DeadlineResult d = rules->ComputeDeadlinesChecked(a, from);
  EXPECT_TRUE(d.fault.fault);
  EXPECT_NE(d.fault.reason.find("city.lua:10: deadline returned a negative deadline"),
            std::string::npos)
      << d.fault.reason;
  ASSERT_TRUE(d.resolve_due);
  EXPECT_EQ(*d.resolve_due, from + std::chrono::hours(24));  // the type's 24 h
}

TEST(Returns, DeadlineFunctionMayUseWorkingTime) {
  TempCity city;
  city.WriteCity(
      "function classify(appeal) return { category = 'water' } end\n"
      "function deadline(appeal, from)\n"
      "  return { accept = vikno.working('1h'), resolve = false }\n"
      "end\n");
  auto rules = LuaRules::Load(city.dir(), Quiet());
  Appeal a = Draft("вода");
  a.type = "ordinary";
  Timestamp from = FromUnix(1'780'000'000);
  DeadlineResult d = rules->ComputeDeadlinesChecked(a, from);
  EXPECT_FALSE(d.fault.fault) << d.fault.reason;
  EXPECT_EQ(d.accept_due, from + std::chrono::hours(1));  // round-the-clock city
  EXPECT_FALSE(d.resolve_due);
}

TEST(Returns, EscalationActionsAreValidated) {
  TempCity city;
  city.WriteCity(
      "function classify(appeal) return { category = 'water' } end\n"
      "function escalate(appeal, late)\n"
      "  if late > 3600 then return { { notify = 'pope' } } end\n"
      "  return { notify = 'head', of = 'water', mark = 'overdue', raise_priority = true }\n"
      "end\n");
  auto rules = LuaRules::Load(city.dir(), Quiet());
  EscalationResult ok = rules->Escalate(Draft("x"), std::chrono::minutes(5));
  ASSERT_EQ(ok.actions.size(), 1u);
  EXPECT_FALSE(ok.fault.fault);
  EXPECT_EQ(ok.actions[0].notify, "head");
  EXPECT_EQ(ok.actions[0].of, "water");
  EXPECT_TRUE(ok.actions[0].raise_priority);
  EscalationResult bad = rules->Escalate(Draft("x"), std::chrono::hours(2));
  EXPECT_TRUE(bad.fault.fault);
  EXPECT_NE(bad.fault.reason.find("'pope'"), std::string::npos) << bad.fault.reason;
  // Never lost: the moderator is told instead.
  ASSERT_EQ(bad.actions.size(), 1u);
  EXPECT_EQ(bad.actions[0].notify, "moderator");
}

TEST(Returns, ModerationFaultSendsTheTextToAPerson) {
  TempCity city;
  city.WriteCity(
      "function classify(appeal) return { category = 'water' } end\n"
      "function moderate(text) return { ok = 'maybe' } end\n");
  auto rules = LuaRules::Load(city.dir(), Quiet());
  ModerationVerdict v = rules->Moderate("текст");
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(v.fault.fault);
}

// ---- load errors name file and line ---------------------------------------------

std::string LoadError(const std::string& body) {
  TempCity city;
  city.WriteCity(body);
  try {
    LuaRules::Load(city.dir(), Quiet());
  } catch (const RulesError& e) {
    return e.what();
  }
  return "(loaded)";
}

TEST(Load, SyntaxErrorNamesFileAndLine) {
  std::string e = LoadError("function classify(appeal)\n  return {\nend\n");
  EXPECT_NE(e.find("city.lua:10:"), std::string::npos) << e;
}
TEST(Load, UnknownExecutorInCategoryNamesTheLine) {
  std::string e = LoadError(
      "category { id = 'lamps', name = 'Ліхтарі', executor = 'svitlo', type = 'ordinary' }\n"
      "function classify(a) return { category = 'lamps' } end\n");
  EXPECT_NE(e.find("city.lua:8: category 'lamps' names an unknown executor 'svitlo'"),
            std::string::npos)
      << e;
}
TEST(Load, NegativeDeadlineInATypeNamesTheLine) {
  std::string e = LoadError(
      "appeal_type { id = 'odd', accept = '-2h', resolve = '1d' }\n"
      "function classify(a) return { category = 'water' } end\n");
  EXPECT_NE(e.find("city.lua:8:"), std::string::npos) << e;
  EXPECT_NE(e.find("negative"), std::string::npos) << e;
}
TEST(Load, MissingClassifyIsRefused) {
  EXPECT_NE(LoadError("").find("classify"), std::string::npos);
}
TEST(Load, TypoInADeclarationIsRefused) {
  std::string e = LoadError(
      "executor { id = 'x', name = 'X', phnoe = '1' }\n"
      "function classify(a) return { category = 'water' } end\n");
  EXPECT_NE(e.find("city.lua:8: executor{}: unknown field 'phnoe'"), std::string::npos) << e;
}
TEST(Load, DeclarationsAreRefusedAfterLoading) {
  TempCity city;
  city.WriteCity(
      "function classify(a) executor { id = 'late', name = 'L' } return { category = 'water' } "
      "end\n");
  auto rules = LuaRules::Load(city.dir(), Quiet());
  Classification c = rules->Classify(Draft("вода"));
  EXPECT_TRUE(c.to_moderation);
  EXPECT_NE(c.moderation_reason.find("only be called while the city loads"), std::string::npos);
}

TEST(Load, ExposesExecutorsAndCategoriesWithInheritance) {
  TempCity city;
  city.WriteCity(
      "category { id = 'water/leak', parent = 'water', name = 'Порив', keywords = { 'порив' } }\n"
      "function classify(a) return { category = vikno.categories.match(a.text) } end\n");
  auto rules = LuaRules::Load(city.dir(), Quiet());
  auto execs = rules->Executors();
  ASSERT_EQ(execs.size(), 2u);
  EXPECT_EQ(execs[0].name, "КП «Вода»");
  auto cats = rules->Categories();
  ASSERT_EQ(cats.size(), 3u);
  EXPECT_EQ(cats[2].id, "water/leak");
  EXPECT_EQ(cats[2].parent_id, "water");
  EXPECT_EQ(cats[2].executor_id, "water");  // inherited
  EXPECT_EQ(cats[2].type, "emergency");     // inherited
}

TEST(Engine, ManyThreadsClassifyAtOnce) {
  TempCity city;
  city.WriteCity(
      "function classify(a) return { category = vikno.categories.match(a.text) or 'roads' } end\n");
  auto rules = LuaRules::Load(city.dir(), Quiet());
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        bool water = (i + t) % 2 == 0;
        Classification c = rules->Classify(Draft(water ? "Немає ВОДИ" : "Яма на дорозі"));
        if (c.category != (water ? "water" : "roads")) wrong++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(rules->Stats().faults, 0u);
}

}  // namespace
}  // namespace vikno::rules
