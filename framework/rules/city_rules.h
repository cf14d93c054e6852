// One loaded version of a city folder: its CityModel and a pool of sandboxed
// Lua states built from the same sources (read once, so every state of a
// version runs the same text even if the files change on disk meanwhile).
// Used through LuaRules; RunCityTests drives it directly.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/appeal.h"
#include "core/status.h"
#include "rules/city_model.h"
#include "rules/rules_types.h"
#include "workflow/rules_port.h"

namespace vikno::rules {

class LuaState;

struct Counters {
  std::atomic<uint64_t> calls{0}, faults{0}, time_outs{0}, memory_caps{0};
};

class CityRules {
 public:
  // Reads and runs the folder's city.lua in a first state and checks the
  // declarations. Throws RulesError naming file and line. Does not run tests.lua.
  static std::shared_ptr<CityRules> Build(const std::string& city_dir, const Options& options,
                                          std::shared_ptr<Counters> counters);
  ~CityRules();

  const CityModel& model() const { return *model_; }
  std::shared_ptr<const CityModel> shared_model() const { return model_; }
  const Options& options() const { return options_; }
  // Source text of a file the city loaded, by its display name (for tests).
  const std::map<std::string, std::string>& sources() const { return *sources_; }

  Classification Classify(const Appeal& draft) const;
  DeadlineResult Deadlines(const Appeal& appeal, Timestamp from) const;
  EscalationResult Escalate(const Appeal& appeal, std::chrono::seconds late,
                            const std::string& deadline = "resolve") const;
  ModerationVerdict Moderate(const std::string& text) const;
  StatusResult OnStatus(const Appeal& appeal, Status from, Status to) const;
  ExtensionDecision Extend(const Appeal& appeal, Timestamp current_due, Timestamp requested,
                           int nth) const;

  // Builds a fresh state for running tests.lua; the caller owns it.
  std::unique_ptr<LuaState> NewTestState() const;

 private:
  CityRules(Options options, std::shared_ptr<Counters> counters);
  std::unique_ptr<LuaState> NewState(bool first) const;
  std::unique_ptr<LuaState> Acquire() const;
  void Release(std::unique_ptr<LuaState> s) const;
  void Report(const std::string& what, const std::string& reason) const;

  Options options_;
  std::shared_ptr<Counters> counters_;
  std::shared_ptr<std::map<std::string, std::string>> sources_;  // display name -> text
  std::vector<std::string> load_order_;
  std::shared_ptr<const CityModel> model_;
  bool has_deadline_fn_ = false, has_escalate_ = false, has_moderate_ = false,
       has_on_status_ = false, has_extend_ = false;
  mutable std::mutex pool_mu_;
  mutable std::vector<std::unique_ptr<LuaState>> idle_;
  friend class LuaState;
};

}  // namespace vikno::rules
