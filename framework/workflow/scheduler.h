// The deadline watch (issue 3, R10, R11, R20, B5): finds appeals whose
// acceptance or resolution deadline is near or past, asks the city's rules
// how to escalate, and carries the actions out exactly once per step, also
// across restarts and among several hosts.
//
// How it stays cheap (issue 3: a tick costs O(due), not O(open)): the store
// keeps one indexed "next check" time per appeal. Every write of an appeal
// resets it to its earliest live deadline; the scheduler moves it on after
// each look. Only rows with a next check at or before the horizon are read.
//
// Pre-breach warnings (B5) ride on the same index: the scheduler reads it
// shifted by its pre-breach lead L. It lists rows with next check <= now + L
// and stores "look at T" as T + L. A fresh write (next check = deadline) is
// therefore looked at L before the deadline, whatever command wrote it. A
// change of L between runs moves each pending look by the difference, no
// more: steps are keyed, so nothing fires twice and nothing is skipped.
//
// Exactly once per step: each action of a rung has a stable key
// ("resolve:r86400:notify=head:of=vodokanal"). The action is carried out
// idempotently FIRST (the outbox drops a second notice with the same
// idempotency key "escalation:<appeal>:<key>"; a flag already set is not set
// again), and only THEN recorded with RecordEscalationStep (step and audit in
// one transaction). A crash between the two repeats the action on the next
// tick, which the idempotency turns into a no-op before the record; recording
// first would instead lose the notice for good if the host died before
// queueing it. The step list read at the start of each look skips steps that
// fired, so a late appeal costs the outbox nothing on later ticks.
//
// Thread-safety: Tick() may be called from one thread at a time per
// Scheduler; several Schedulers (hosts) share the work through the lease.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/appeal.h"
#include "core/time.h"
#include "rules/rules_types.h"
#include "store/store.h"
#include "workflow/create_hook.h"
#include "workflow/notifier.h"

namespace vikno {

namespace rules {
class LuaRules;
}

// The part of a city's rules the scheduler needs. LuaEscalationPolicy is the
// one production implementation; tests may wrap it to inject faults.
class EscalationPolicy {
 public:
  virtual ~EscalationPolicy() = default;
  // The city's escalate(appeal, late, deadline); never throws: a script fault
  // comes back as the safe action (tell the moderator) with fault set.
  virtual rules::EscalationResult Escalate(const Appeal& appeal, std::chrono::seconds late,
                                           const std::string& deadline) = 0;
  // The first instant at or after `t` in the city's working hours (B5: staff
  // are not written to at midnight unless the appeal is SOS).
  virtual Timestamp NextWorkingTime(Timestamp t) = 0;
  // The first instant at or after `t` in the 06:00-23:00 window (R23).
  virtual Timestamp NextNotifyTime(Timestamp t) = 0;
  // R20, 003 §4.1: the city's repeat window; none = repeats are not linked.
  virtual std::optional<std::chrono::seconds> RepeatWindow() = 0;
};

// EscalationPolicy over the Lua engine. Follows reloads: every call uses the
// rules current at that moment.
class LuaEscalationPolicy final : public EscalationPolicy {
 public:
  explicit LuaEscalationPolicy(rules::LuaRules& rules) : rules_(rules) {}
  rules::EscalationResult Escalate(const Appeal& appeal, std::chrono::seconds late,
                                   const std::string& deadline) override;
  Timestamp NextWorkingTime(Timestamp t) override;
  Timestamp NextNotifyTime(Timestamp t) override;
  std::optional<std::chrono::seconds> RepeatWindow() override;

 private:
  rules::LuaRules& rules_;
};

struct SchedulerOptions {
  std::string holder = "vikno";  // this host's name in the lease row; unique per host
  std::string lease_name = "scheduler";
  // Longer than the tick period: a host that stops ticking loses the lease
  // after this long and another one takes over.
  std::chrono::seconds lease_ttl{90};
  int batch_size = 500;  // appeals read per tick (1..10000)
  // How soon a late appeal is looked at again when its ladder does not say
  // when the next rung starts (and at the top rung, in case the rules change).
  std::chrono::seconds recheck_period{3600};
  // B5: the longest warning before a deadline; each deadline gets at most
  // pre_breach_fraction of the time it gave (30 min to accept an SOS: a
  // warning 7.5 min before). Zero turns warnings off.
  std::chrono::seconds pre_breach_lead{std::chrono::hours(24)};
  double pre_breach_fraction = 0.25;
  // Types whose notices go out at any hour (B5: "unless the appeal is SOS").
  std::vector<std::string> round_the_clock_types = {"sos"};
  // Types whose notices are queued urgent (issue 4, B11).
  std::vector<std::string> urgent_types = {"sos", "emergency"};
  // After an appeal failed to process (a store error), look again this soon.
  std::chrono::seconds retry_after{300};
};

struct TickReport {
  bool lease_held = false;  // false: another host sweeps; nothing was done
  int appeals = 0;          // appeals looked at
  int steps = 0;            // escalation steps carried out and recorded
  int notices = 0;          // notices newly queued
  int warnings = 0;         // pre-breach warnings among the steps
  int faults = 0;           // escalate() script faults (the safe action was taken)
  int errors = 0;           // appeals that failed (store errors); retried later
  bool more = false;        // the batch was full: more appeals are due now
};

// Log lines of the scheduler (faults, store errors); default: stderr.
using SchedulerLog = std::function<void(const std::string&)>;

class Scheduler {
 public:
  Scheduler(Store& store, EscalationPolicy& policy, Notifier& notifier, Clock& clock,
            SchedulerOptions options = {}, SchedulerLog log = {});

  // One sweep: takes or renews the lease (does nothing when another holder
  // has it), reads one batch of appeals due for a look, and handles each.
  // A store error on one appeal is counted and logged, and that appeal is
  // retried after options.retry_after; a store error on the lease or the
  // listing throws StoreError (the runner logs it and ticks again later).
  TickReport Tick();

  // Gives the lease up so another host takes over at once (clean stop).
  void ReleaseLease();

  const SchedulerOptions& options() const { return options_; }

  // The step key of an action of `deadline` ("accept" or "resolve") on
  // `rung` (empty when the rules do not name it). Stable across calls,
  // restarts and versions of the host.
  static std::string StepKey(const std::string& deadline, const std::string& rung,
                             const rules::Action& action);

 private:
  struct Look;  // one appeal's working state during a tick
  void Handle(Appeal appeal, Timestamp now, TickReport& report);
  // Watches one deadline ("accept" or "resolve"); returns when it next needs a look.
  Timestamp WatchDeadline(Look& look, const std::string& kind, Timestamp due, Timestamp now,
                          TickReport& report);

  Store& store_;
  EscalationPolicy& policy_;
  Notifier& notifier_;
  Clock& clock_;
  SchedulerOptions options_;
  SchedulerLog log_;
};

// R20, 003 §4.1: a new appeal of the same category at the same building as
// an appeal still open and registered within the city's repeat window is
// linked to it (repeat_of: the open appeal it repeats) and the original
// is escalated: its executor's head and the moderators are told (once per
// repeat, 003 §4.1 "контролюється перебіг подій"), and the step is audited
// on the original. The repeat itself carries is_repeat into the rules, so a
// city's ladder can climb faster for it (rules/pyriatyn).
class RepeatAppeals final : public AppealCreateHook {
 public:
  RepeatAppeals(Store& store, EscalationPolicy& policy, Notifier& notifier, Clock& clock,
                SchedulerOptions options = {}, SchedulerLog log = {});
  void BeforeCreate(Appeal& draft) override;
  void AfterCreate(const Appeal& created) override;

 private:
  Store& store_;
  EscalationPolicy& policy_;
  Notifier& notifier_;
  Clock& clock_;
  SchedulerOptions options_;
  SchedulerLog log_;
};

}  // namespace vikno
