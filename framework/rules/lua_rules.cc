#include "rules/lua_rules.h"

#include "rules/city_rules.h"
#include "rules/city_tests.h"

namespace vikno::rules {
namespace {

// Builds a version and, when asked, refuses it unless its tests.lua passes.
std::shared_ptr<const CityRules> BuildChecked(const std::string& dir, const Options& options,
                                              std::shared_ptr<Counters> counters) {
  auto rules = CityRules::Build(dir, options, std::move(counters));
  if (options.run_city_tests) {
    CityTestReport report = RunCases(*rules);
    if (!report.load_error.empty()) throw RulesError(report.load_error);
    if (!report.failures.empty()) {
      const auto& f = report.failures.front();
      throw RulesError(f.where + ": test case failed: " + f.what + ": expected " + f.expected +
                       ", got " + f.actual + " (" + std::to_string(report.failures.size()) +
                       " failing case(s))");
    }
  }
  return rules;
}

}  // namespace

LuaRules::LuaRules(std::string dir, Options options, std::shared_ptr<const CityRules> rules)
    : dir_(std::move(dir)), options_(std::move(options)), current_(std::move(rules)) {}

LuaRules::~LuaRules() = default;

std::unique_ptr<LuaRules> LuaRules::Load(const std::string& city_dir, Options options) {
  auto counters = std::make_shared<Counters>();
  auto rules = BuildChecked(city_dir, options, counters);
  auto self = std::unique_ptr<LuaRules>(new LuaRules(city_dir, std::move(options), rules));
  self->counters_ = counters;
  return self;
}

std::shared_ptr<const CityRules> LuaRules::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

Classification LuaRules::Classify(const Appeal& draft) { return Current()->Classify(draft); }

Deadlines LuaRules::ComputeDeadlines(const Appeal& appeal, Timestamp from) {
  DeadlineResult r = Current()->Deadlines(appeal, from);
  return Deadlines{r.accept_due, r.resolve_due};
}

DeadlineResult LuaRules::ComputeDeadlinesChecked(const Appeal& appeal, Timestamp from) {
  return Current()->Deadlines(appeal, from);
}

EscalationResult LuaRules::Escalate(const Appeal& appeal, std::chrono::seconds late,
                                    const std::string& deadline) {
  return Current()->Escalate(appeal, late, deadline);
}

ModerationVerdict LuaRules::Moderate(const std::string& text) { return Current()->Moderate(text); }

StatusResult LuaRules::OnStatus(const Appeal& appeal, Status from, Status to) {
  return Current()->OnStatus(appeal, from, to);
}

ExtensionDecision LuaRules::Extend(const Appeal& appeal, Timestamp current_due, Timestamp requested,
                                   int nth) {
  return Current()->Extend(appeal, current_due, requested, nth);
}

std::vector<Executor> LuaRules::Executors() const { return Current()->model().executors; }

std::vector<Category> LuaRules::Categories() const {
  std::vector<Category> out;
  for (const auto& c : Current()->model().categories) out.push_back(c.category);
  return out;
}

std::string LuaRules::CityName() const { return Current()->model().name; }

std::shared_ptr<const CityModel> LuaRules::Model() const { return Current()->shared_model(); }

bool LuaRules::InNotifyWindow(Timestamp t) const {
  auto m = Model();
  auto lt = m->calendar->ToLocal(t);
  auto min =
      std::chrono::duration_cast<std::chrono::minutes>(lt - date::floor<date::days>(lt)).count();
  return min >= m->notify_from && min < m->notify_to;
}

Timestamp LuaRules::NextNotifyTime(Timestamp t) const {
  if (InNotifyWindow(t)) return t;
  auto m = Model();
  auto lt = m->calendar->ToLocal(t);
  auto day = date::floor<date::days>(lt);
  auto min = std::chrono::duration_cast<std::chrono::minutes>(lt - day).count();
  if (min >= m->notify_to) day += date::days{1};
  return m->calendar->FromLocal(date::local_seconds{day} + std::chrono::minutes(m->notify_from));
}

Result<Done> LuaRules::Reload() {
  std::lock_guard<std::mutex> one(reload_mu_);
  try {
    auto next = BuildChecked(dir_, options_, counters_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      current_ = std::move(next);  // calls in flight keep their copy of the old one
    }
    reloads_++;
    return Done{};
  } catch (const std::exception& e) {
    failed_reloads_++;
    if (options_.log)
      options_.log(LogLevel::kError, dir_, std::string("reload refused: ") + e.what());
    return Refuse("rules_reload_failed", e.what());
  }
}

RulesStats LuaRules::Stats() const {
  RulesStats s;
  s.calls = counters_->calls;
  s.faults = counters_->faults;
  s.time_outs = counters_->time_outs;
  s.memory_caps = counters_->memory_caps;
  s.reloads = reloads_;
  s.failed_reloads = failed_reloads_;
  return s;
}

}  // namespace vikno::rules
