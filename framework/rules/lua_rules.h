// The city rules engine: Lua 5.4 embedded through its C API (issue 3).
//
// LuaRules implements RulesPort for one city folder (rules/<city>/city.lua
// and what it includes) and offers the rest of the city API: escalation,
// moderation, status side effects, extensions, and the city's executors and
// classifier tree for the store.
//
// Thread-safety: every method may be called from any thread. Each call runs
// on its own sandboxed lua_State taken from a pool of the current version and
// returned afterwards (a state that faulted is thrown away). Reload() builds
// a new version, runs its tests.lua, and swaps it in; calls in flight finish
// on the version they started with (DESIGN.md, "Reload is compile, validate,
// swap").
//
// Faults never escape as exceptions from the call methods: a script error,
// the instruction limit, the memory cap or a malformed return becomes a
// result that sends the work to a person, with the reason naming the file and
// line ("rules/sumy/city.lua:42: ..."), and is passed to the LogSink.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/appeal.h"
#include "core/catalog.h"
#include "core/result.h"
#include "core/status.h"
#include "rules/city_model.h"
#include "rules/rules_types.h"
#include "workflow/rules_port.h"

namespace vikno::rules {

class CityRules;  // one loaded version of a city: declarations + state pool
struct Counters;

// Counters for the operations page (Envoy's scriptError idea): faults are
// counted, not only logged.
struct RulesStats {
  uint64_t calls = 0;
  uint64_t faults = 0;       // every kind below, plus script errors and bad returns
  uint64_t time_outs = 0;    // instruction limit
  uint64_t memory_caps = 0;  // memory cap
  uint64_t reloads = 0;
  uint64_t failed_reloads = 0;
};

class LuaRules final : public RulesPort {
 public:
  // Loads `city_dir`. Unless options.run_city_tests is false, runs its
  // tests.lua and refuses a city whose cases fail. Throws RulesError naming
  // the file and line of the first problem.
  static std::unique_ptr<LuaRules> Load(const std::string& city_dir, Options options = {});
  ~LuaRules() override;

  // RulesPort. Never throw.
  Classification Classify(const Appeal& draft) override;
  Deadlines ComputeDeadlines(const Appeal& appeal, Timestamp from) override;

  // The same as ComputeDeadlines, with the fault visible to the caller.
  DeadlineResult ComputeDeadlinesChecked(const Appeal& appeal, Timestamp from);
  // Called by the scheduler for an appeal `late` past its deadline (R20):
  // `deadline` is "accept" (R11, not taken into work in time) or "resolve"
  // (R10), the script's third argument.
  EscalationResult Escalate(const Appeal& appeal, std::chrono::seconds late,
                            const std::string& deadline = "resolve");
  // R30: profanity, insults, calls to hatred.
  ModerationVerdict Moderate(const std::string& text);
  // Side effects of a status change, as actions.
  StatusResult OnStatus(const Appeal& appeal, Status from, Status to);
  // R16: the `nth` extension (1 = first) of `current_due` to `requested`.
  ExtensionDecision Extend(const Appeal& appeal, Timestamp current_due, Timestamp requested,
                           int nth);

  // The city's declarations, for the store (R9).
  std::vector<Executor> Executors() const;
  std::vector<Category> Categories() const;
  std::string CityName() const;
  // The current version's model: calendar, types, notice window.
  std::shared_ptr<const CityModel> Model() const;
  // R23, 000 §4.3: may a notice go out at `t`? And when, at the earliest.
  bool InNotifyWindow(Timestamp t) const;
  Timestamp NextNotifyTime(Timestamp t) const;

  // Re-reads the folder, builds new states, runs tests.lua, swaps. A refusal
  // (code "rules_reload_failed", message naming file and line) keeps the old
  // rules running.
  Result<Done> Reload();

  RulesStats Stats() const;
  const std::string& dir() const { return dir_; }

 private:
  LuaRules(std::string dir, Options options, std::shared_ptr<const CityRules> rules);
  std::shared_ptr<const CityRules> Current() const;

  std::string dir_;
  Options options_;
  mutable std::mutex mu_;  // guards current_ only; calls copy the pointer and run unlocked
  std::shared_ptr<const CityRules> current_;
  std::mutex reload_mu_;                // one reload at a time
  std::shared_ptr<Counters> counters_;  // across versions: numbers survive a reload
  std::atomic<uint64_t> reloads_{0}, failed_reloads_{0};
};

}  // namespace vikno::rules
