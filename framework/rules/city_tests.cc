#include "rules/city_tests.h"

#include <memory>
#include <set>
#include <sstream>

#include "rules/city_rules.h"
#include "rules/lua_state.h"

namespace vikno::rules {
namespace {

std::string ShowTime(const CityModel& m, const std::optional<Timestamp>& t) {
  if (!t) return "none";
  auto lt = m.calendar->ToLocal(*t);
  std::string s = FormatLocal(lt);
  auto secs = (lt - date::floor<std::chrono::minutes>(lt)).count();
  if (secs) s += ":" + std::string(secs < 10 ? "0" : "") + std::to_string(secs);
  return s;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out + "}";
}

// Normalises an expected time so "2026-03-27T10:00" and "2026-03-27 10:00" compare equal.
std::string ExpectedTime(const std::string& s) {
  if (s == "none") return s;
  auto lt = ParseLocalTime(s);
  if (!lt) return "(bad time \"" + s + "\": use \"YYYY-MM-DD HH:MM\" local)";
  return FormatLocal(*lt) + (s.size() == 19 && s.substr(17) != "00" ? ":" + s.substr(17) : "");
}

Appeal SampleAppeal(const CityRules& rules, const TestCase& t) {
  Appeal a;
  a.number = "TEST";
  a.type = t.type.empty() ? rules.model().default_type : t.type;
  a.category = t.chosen_category;
  if (!t.executor.empty()) {
    a.executors = {t.executor};
  } else if (const CategoryRule* c = rules.model().FindCategory(t.chosen_category)) {
    a.executors = {c->category.executor_id};
  }
  a.description = t.text;
  a.channel = t.channel;
  a.address = t.address;
  return a;
}

}  // namespace

std::string CityTestReport::Summary() const {
  std::ostringstream out;
  if (!load_error.empty()) {
    out << "FAILED to load: " << load_error << "\n";
    return out.str();
  }
  for (const auto& f : failures) {
    out << f.where << ": " << f.what << ": expected " << f.expected << ", got " << f.actual << "\n";
  }
  std::set<std::string> failed_cases;
  for (const auto& f : failures) failed_cases.insert(f.where);
  out << (city_name.empty() ? city_dir : city_name) << ": " << passed << " passed, "
      << failed_cases.size() << " failed\n";
  return out.str();
}

CityTestReport RunCases(const CityRules& rules) {
  CityTestReport report;
  const CityModel& m = rules.model();
  report.city_dir = m.dir;
  report.city_name = m.name;
  std::vector<TestCase> cases;
  try {
    auto st = rules.NewTestState();
    st->ctx().cases = &cases;
    st->RunFile("tests.lua");
  } catch (const std::exception& e) {
    report.load_error = e.what();
    return report;
  }
  if (cases.empty()) {
    report.load_error = m.dir + "/tests.lua: declares no case{}";
    return report;
  }
  for (const TestCase& t : cases) {
    size_t before = report.failures.size();
    auto check = [&](const char* what, const std::optional<std::string>& expected,
                     const std::string& actual) {
      if (expected && *expected != actual) {
        report.failures.push_back({t.pos.str(), what, *expected, actual});
      }
    };
    switch (t.kind) {
      case TestCase::Kind::kClassify: {
        Appeal a = SampleAppeal(rules, t);
        a.type.clear();
        Classification c = rules.Classify(a);
        check("category", t.category, c.category);
        check("type", t.exp_type, c.type);
        check("executor", t.exp_executor, c.executors.empty() ? "" : c.executors.front());
        if (t.moderation && *t.moderation != c.to_moderation) {
          report.failures.push_back(
              {t.pos.str(), "moderation", *t.moderation ? "true" : "false",
               c.to_moderation ? "true (" + c.moderation_reason + ")" : "false"});
        }
        if (t.accept_due || t.resolve_due) {
          auto at = ParseLocalTime(t.at);
          if (!at) {
            report.failures.push_back({t.pos.str(), "at", "\"YYYY-MM-DD HH:MM\"", t.at});
            break;
          }
          Timestamp from = m.calendar->FromLocal(*at);
          a.type = c.type;
          a.category = c.category;
          a.executors = c.executors;
          a.created_at = from;
          DeadlineResult d = rules.Deadlines(a, from);
          if (d.fault.fault) {
            report.failures.push_back({t.pos.str(), "deadline", "no fault", d.fault.reason});
            break;
          }
          if (t.accept_due)
            check("accept_due", ExpectedTime(*t.accept_due), ShowTime(m, d.accept_due));
          if (t.resolve_due)
            check("resolve_due", ExpectedTime(*t.resolve_due), ShowTime(m, d.resolve_due));
        }
        break;
      }
      case TestCase::Kind::kModerate: {
        ModerationVerdict v = rules.Moderate(t.text);
        if (v.fault.fault) {
          report.failures.push_back({t.pos.str(), "moderate", "no fault", v.fault.reason});
          break;
        }
        check("ok", std::string(*t.ok ? "true" : "false"), v.ok ? "true" : "false");
        check("reason", t.reason, v.reason);
        break;
      }
      case TestCase::Kind::kEscalate:
      case TestCase::Kind::kStatus: {
        Appeal a = SampleAppeal(rules, t);
        std::vector<Action> actions;
        CallFault fault;
        if (t.kind == TestCase::Kind::kEscalate) {
          auto r = rules.Escalate(a, std::chrono::seconds(t.late_seconds));
          actions = r.actions;
          fault = r.fault;
        } else {
          auto r = rules.OnStatus(a, *ParseStatus(t.from), *ParseStatus(t.to));
          actions = r.actions;
          fault = r.fault;
        }
        if (fault.fault) {
          report.failures.push_back({t.pos.str(), "actions", "no fault", fault.reason});
          break;
        }
        std::vector<std::string> got;
        for (const auto& act : actions) {
          if (!act.notify.empty()) got.push_back(act.notify);
        }
        check("notify", Join(*t.notify), Join(got));
        break;
      }
    }
    if (report.failures.size() == before) ++report.passed;
  }
  return report;
}

CityTestReport RunCityTests(const std::string& city_dir, const Options& options) {
  Options o = options;
  o.run_city_tests = false;
  std::shared_ptr<CityRules> rules;
  try {
    rules = CityRules::Build(city_dir, o, std::make_shared<Counters>());
  } catch (const std::exception& e) {
    CityTestReport r;
    r.city_dir = city_dir;
    r.load_error = e.what();
    return r;
  }
  return RunCases(*rules);
}

}  // namespace vikno::rules
