// What the city rules answer besides RulesPort's Classification and
// Deadlines: escalation and status-change actions, moderation verdicts,
// deadline extensions (R16), the limits of one call, and the load error.
// Rules return data; the host carries the actions out (DESIGN.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/time.h"

namespace vikno::rules {

// A city folder that cannot be loaded: a syntax error, a bad declaration, a
// failing tests.lua case. what() names the file and line:
// "rules/sumy/city.lua:42: unknown executor 'vodokanall' in category ...".
class RulesError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One thing the host must do. Validated against the allowed vocabulary
// before it leaves the engine; unknown keys or values are a script fault.
struct Action {
  // Who is told: "moderator", "head" (of the executor), "executor",
  // "decision_maker", "deputy_mayor", "mayor", "resident", "administrator".
  std::string notify;
  std::string of;    // executor id the notice concerns; empty = the lead executor
  std::string mark;  // "overdue" or empty
  bool raise_priority = false;
  bool commission_inspection = false;  // R19, 002 §6.3.4
  std::string message;                 // free text for the notice, may be empty
};

// A fault is a script error, a time-out, the memory cap or a malformed return.
// `reason` then reads "rules/sumy/city.lua:42: ..." and the host logs and
// audits it; the answer falls back to the safe choice named on each result.
struct CallFault {
  bool fault = false;
  std::string reason;
};

// escalate(appeal, late_seconds, deadline). On a fault: one action telling
// the moderator, so a late appeal is never silently dropped (R20).
struct EscalationResult {
  std::vector<Action> actions;
  // The rung of a ladder these actions belong to, when the script names it
  // (lib/escalation.lua: the rung's `after` in seconds): the scheduler keys
  // the steps it fires by it, so the same action on two rungs fires twice
  // and a rung fires once. Empty when the script does not say.
  std::string rung;
  // How late the appeal must be for the next rung; none at the top rung or
  // when the script does not say (the scheduler then re-asks periodically).
  std::optional<std::chrono::seconds> next_rung;
  CallFault fault;
};

// on_status(appeal, from, to). On a fault: no actions.
struct StatusResult {
  std::vector<Action> actions;
  CallFault fault;
};

// moderate(text), R30. On a fault: ok=false so a person reads the text.
struct ModerationVerdict {
  bool ok = true;
  std::string reason;         // "profanity", "hate", ... when !ok
  bool block_sender = false;  // the rules suggest blocking (000 §5.3.9); a person decides
  CallFault fault;
};

// extend(appeal, due, requested, nth), R16. On a fault: not allowed, so a
// person decides.
struct ExtensionDecision {
  bool allowed = false;
  Timestamp due{};       // the new resolution deadline when allowed
  std::string approver;  // "decision_maker", "head", "mayor"
  std::string reason;    // why refused, or a note for the approver
  CallFault fault;
};

// ComputeDeadlines with the fault visible; RulesPort's version returns
// `deadlines` (the type's declared deadlines when the script fails).
struct DeadlineResult {
  std::optional<Timestamp> accept_due;
  std::optional<Timestamp> resolve_due;
  CallFault fault;
};

// Per call limits (DESIGN.md "Sandbox"). The instruction count stops an
// endless loop; the memory cap stops a memory bomb; both trip for good
// inside the call (a pcall in the script cannot swallow them).
struct Limits {
  uint64_t instructions = 1'000'000;  // per call
  size_t call_memory = 16u << 20;     // bytes a call may add to its state
  size_t load_memory = 64u << 20;     // bytes a state may use while the city loads
  size_t max_idle_states = 16;        // states kept for reuse
};

enum class LogLevel { kDebug, kInfo, kWarning, kError };
// Where vikno.log and script faults go. Called from the calling thread.
using LogSink = std::function<void(LogLevel, const std::string& city, const std::string& msg)>;

struct Options {
  Limits limits;
  LogSink log;                 // default: stderr for warnings and errors
  std::string lib_dir;         // shared helpers; default <city_dir>/../lib
  bool run_city_tests = true;  // Load and Reload run tests.lua and refuse a failing city
};

}  // namespace vikno::rules
