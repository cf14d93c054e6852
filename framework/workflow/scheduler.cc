#include "workflow/scheduler.h"

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <iostream>
#include <sstream>

#include "rules/lua_rules.h"

namespace vikno {
namespace {

using std::chrono::seconds;

std::string ToJson(const Poco::JSON::Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Statuses whose deadlines run. Waiting for the resident (details,
// confirmation) pauses the clock (B4); the strategic plan is controlled by
// the plan, not the ladder (003 §2.4). The next write re-arms the watch.
bool Watched(Status s) {
  return s == Status::kNew || s == Status::kInWork || s == Status::kNotConfirmed ||
         s == Status::kReturnedForRework;
}

SchedulerLog OrStderr(SchedulerLog log) {
  if (log) return log;
  return [](const std::string& line) { std::cerr << "scheduler: " << line << "\n"; };
}

// Carries actions out and records them: shared by the ladder and the
// repeat-appeal path so both keep the same exactly-once discipline.
class StepRunner {
 public:
  StepRunner(Store& store, EscalationPolicy& policy, Notifier& notifier,
             const SchedulerOptions& options)
      : store_(store), policy_(policy), notifier_(notifier), options_(options) {}

  struct Outcome {
    bool recorded = false;  // this call recorded the step (it had not fired)
    bool queued = false;    // this call queued a new notice
  };

  // `appeal` may be updated (commission inspection). `raised` says a
  // raise_priority step fired before on this appeal.
  Outcome Run(Appeal& appeal, const std::string& key, const rules::Action& action,
              const std::string& text_key, Poco::JSON::Object details, bool raised, Timestamp now) {
    Outcome out;
    if (!action.notify.empty()) {
      out.queued =
          Enqueue(appeal, action, key, text_key, details, raised || action.raise_priority, now);
    }
    if (action.commission_inspection) SetInspection(appeal, key, now);
    details.set("step", key);
    if (!action.notify.empty()) details.set("notify", action.notify);
    if (!action.of.empty()) details.set("of", action.of);
    if (!action.mark.empty()) details.set("mark", action.mark);
    if (action.raise_priority) details.set("raise_priority", true);
    if (action.commission_inspection) details.set("commission_inspection", true);
    if (!action.message.empty()) details.set("message", action.message);
    // Step and audit in one transaction: "mark overdue" and "raise priority"
    // are exactly this audited step (the card shows overdue from resolve_due;
    // the raised priority makes the appeal's later notices urgent).
    out.recorded = store_.RecordEscalationStep(
        appeal.id, key,
        AuditEntry::By(Actor::System("scheduler"), now, "appeal", std::to_string(appeal.id),
                       "escalation", ToJson(details)));
    return out;
  }

 private:
  bool Enqueue(const Appeal& appeal, const rules::Action& action, const std::string& key,
               const std::string& text_key, const Poco::JSON::Object& details, bool urgent,
               Timestamp now) {
    const std::string of = action.of.empty() ? appeal.lead_executor() : action.of;
    Notice n;
    bool resident = false;
    if (action.notify == "moderator") {
      // An empty recipient (an appeal still in triage, no executor) means the
      // city's moderators' queue as a whole.
      n.to = Notice::To::kModerators;
      n.recipient_id = of;
    } else if (action.notify == "executor") {
      n.to = Notice::To::kExecutor;
      n.recipient_id = of;
    } else if (action.notify == "head") {
      n.to = Notice::To::kExecutorHead;
      n.recipient_id = of;
    } else if (action.notify == "resident") {
      if (appeal.resident_id.empty()) return false;  // nobody to reach; the step is still audited
      n.to = Notice::To::kResident;
      n.recipient_id = appeal.resident_id;
      resident = true;
    } else {
      // decision_maker, deputy_mayor, mayor, administrator: staff by role.
      n.to = Notice::To::kOfficial;
      n.recipient_id = action.notify;
    }
    n.text_key = text_key.empty() ? "escalation." + action.notify : text_key;
    n.params["number"] = appeal.number;
    n.params["category"] = appeal.category;
    n.params["type"] = appeal.type;
    n.params["executor"] = of;
    n.params["address"] = appeal.address.street.empty()
                              ? std::string()
                              : appeal.address.street + " " + appeal.address.house;
    n.params["message"] = action.message;
    for (const char* k : {"deadline", "due", "late_minutes", "left_minutes", "repeat_number"}) {
      if (details.has(k)) n.params[k] = details.get(k).toString();
    }
    n.appeal_id = appeal.id;
    n.priority = urgent || Contains(options_.urgent_types, appeal.type) ? NoticePriority::kUrgent
                                                                        : NoticePriority::kNormal;
    n.idempotency_key = "escalation:" + std::to_string(appeal.id) + ":" + key;
    n.not_before = HoldUntil(appeal, resident, now);
    return notifier_.Enqueue(n);
  }

  // B5: staff are written to in working hours unless the appeal is SOS;
  // residents only in the 06:00-23:00 window (R23).
  std::optional<Timestamp> HoldUntil(const Appeal& appeal, bool resident, Timestamp now) {
    if (Contains(options_.round_the_clock_types, appeal.type)) return std::nullopt;
    Timestamp t = resident ? policy_.NextNotifyTime(now) : policy_.NextWorkingTime(now);
    if (t > now) return t;
    return std::nullopt;
  }

  // R19, 002 §6.3.4: the flag is a field of the card, written with its own
  // audit entry under the card's version; a flag already set is left alone,
  // so a repeated step writes nothing.
  void SetInspection(Appeal& appeal, const std::string& key, Timestamp now) {
    for (int attempt = 0; attempt < 3 && !appeal.commission_inspection; ++attempt) {
      Appeal next = appeal;
      next.commission_inspection = true;
      next.updated_at = now;
      Poco::JSON::Object details;
      details.set("commission_inspection", true);
      details.set("by", "escalation");
      details.set("step", key);
      auto written = store_.UpdateAppeal(
          next, AuditEntry::By(Actor::System("scheduler"), now, "appeal", std::to_string(appeal.id),
                               "commission_inspection", ToJson(details)));
      if (written) {
        appeal = std::move(written).value();
        return;
      }
      if (written.refusal().code != "stale") return;  // gone (retention): nothing to flag
      auto fresh = store_.FindAppeal(appeal.id);
      if (!fresh) return;
      appeal = std::move(*fresh);
    }
    if (!appeal.commission_inspection)
      throw StoreError("appeal " + std::to_string(appeal.id) +
                       ": commission inspection not written, the card kept changing");
  }

  Store& store_;
  EscalationPolicy& policy_;
  Notifier& notifier_;
  const SchedulerOptions& options_;
};

std::string Minutes(seconds s) { return std::to_string(s.count() / 60); }

}  // namespace

// ---- LuaEscalationPolicy ---------------------------------------------------------

rules::EscalationResult LuaEscalationPolicy::Escalate(const Appeal& appeal, seconds late,
                                                      const std::string& deadline) {
  return rules_.Escalate(appeal, late, deadline);
}

Timestamp LuaEscalationPolicy::NextWorkingTime(Timestamp t) {
  auto model = rules_.Model();
  if (!model->calendar) return t;
  return model->calendar->NextWorkingInstant(t);
}

Timestamp LuaEscalationPolicy::NextNotifyTime(Timestamp t) { return rules_.NextNotifyTime(t); }

std::optional<seconds> LuaEscalationPolicy::RepeatWindow() { return rules_.Model()->repeat_window; }

// ---- Scheduler ---------------------------------------------------------------------

struct Scheduler::Look {
  Appeal appeal;
  std::set<std::string> fired;
  bool raised = false;
  StepRunner runner;
};

Scheduler::Scheduler(Store& store, EscalationPolicy& policy, Notifier& notifier, Clock& clock,
                     SchedulerOptions options, SchedulerLog log)
    : store_(store),
      policy_(policy),
      notifier_(notifier),
      clock_(clock),
      options_(std::move(options)),
      log_(OrStderr(std::move(log))) {
  options_.batch_size = std::clamp(options_.batch_size, 1, 10000);
  if (options_.pre_breach_lead.count() < 0) options_.pre_breach_lead = seconds(0);
  options_.pre_breach_fraction = std::clamp(options_.pre_breach_fraction, 0.0, 1.0);
  if (options_.recheck_period.count() < 60) options_.recheck_period = seconds(60);
  if (options_.retry_after.count() < 1) options_.retry_after = seconds(1);
}

std::string Scheduler::StepKey(const std::string& deadline, const std::string& rung,
                               const rules::Action& action) {
  // What the action does, never its free text: a reworded message is the
  // same step.
  std::string key = deadline + ":" + (rung.empty() ? "-" : "r" + rung);
  if (!action.notify.empty()) key += ":notify=" + action.notify;
  if (!action.of.empty()) key += ":of=" + action.of;
  if (!action.mark.empty()) key += ":mark=" + action.mark;
  if (action.raise_priority) key += ":raise_priority";
  if (action.commission_inspection) key += ":inspection";
  return key;
}

TickReport Scheduler::Tick() {
  TickReport report;
  const Timestamp now = clock_.Now();
  if (!store_.AcquireLease(options_.lease_name, options_.holder, now, options_.lease_ttl))
    return report;
  report.lease_held = true;
  // The index holds "look at T" as T + lead (see the header), so "due for a
  // look now" is "next check <= now + lead".
  auto due = store_.ListAppealsDueForCheck(now + options_.pre_breach_lead, options_.batch_size);
  report.more = static_cast<int>(due.size()) >= options_.batch_size;
  for (auto& appeal : due) {
    const int64_t id = appeal.id;
    ++report.appeals;
    try {
      Handle(std::move(appeal), now, report);
    } catch (const std::exception& e) {
      ++report.errors;
      log_("appeal " + std::to_string(id) + ": " + e.what() + "; retried in " +
           std::to_string(options_.retry_after.count()) + " s");
      try {
        store_.SetNextCheck(id, now + options_.retry_after + options_.pre_breach_lead);
      } catch (const std::exception&) {
        // The store is down: the appeal is still due and the next tick sees it.
      }
    }
  }
  return report;
}

void Scheduler::ReleaseLease() { store_.ReleaseLease(options_.lease_name, options_.holder); }

void Scheduler::Handle(Appeal appeal, Timestamp now, TickReport& report) {
  const int64_t id = appeal.id;
  auto set_next = [&](std::optional<Timestamp> at) {
    store_.SetNextCheck(
        id, at ? std::optional<Timestamp>(*at + options_.pre_breach_lead) : std::nullopt);
  };
  if (!Watched(appeal.status)) {
    set_next(std::nullopt);
    return;
  }
  Look look{std::move(appeal), {}, false, StepRunner(store_, policy_, notifier_, options_)};
  for (auto& step : store_.ListEscalationSteps(id)) {
    if (step.find(":raise_priority") != std::string::npos) look.raised = true;
    look.fired.insert(std::move(step));
  }
  std::optional<Timestamp> next;
  auto earliest = [&](Timestamp t) { next = next ? std::min(*next, t) : t; };
  // R11: acceptance is watched until the card is taken into work; R10: the
  // resolution deadline until the card is closed.
  if (!look.appeal.accepted_at && look.appeal.accept_due)
    earliest(WatchDeadline(look, "accept", *look.appeal.accept_due, now, report));
  if (look.appeal.resolve_due)
    earliest(WatchDeadline(look, "resolve", *look.appeal.resolve_due, now, report));
  set_next(next);
}

Timestamp Scheduler::WatchDeadline(Look& look, const std::string& kind, Timestamp due,
                                   Timestamp now, TickReport& report) {
  const Appeal& a = look.appeal;
  if (now < due) {
    // B5: warn the executor (the moderators while nobody is assigned) once,
    // a share of the time given before the deadline.
    const seconds span = std::max(seconds(0), due - a.created_at);
    const seconds lead = std::min(options_.pre_breach_lead,
                                  seconds(static_cast<int64_t>(static_cast<double>(span.count()) *
                                                               options_.pre_breach_fraction)));
    if (lead.count() <= 0) return due;
    if (now < due - lead) return due - lead;
    const std::string key = kind + ":warn";
    if (!look.fired.count(key)) {
      rules::Action warn;
      warn.notify = a.executors.empty() ? "moderator" : "executor";
      Poco::JSON::Object details;
      details.set("deadline", kind);
      details.set("due", FormatIso8601(due));
      details.set("left_minutes", Minutes(due - now));
      auto out =
          look.runner.Run(look.appeal, key, warn, "escalation.warning", details, look.raised, now);
      look.fired.insert(key);
      if (out.recorded) ++report.steps, ++report.warnings;
      if (out.queued) ++report.notices;
    }
    return due;
  }

  const seconds late = now - due;
  rules::EscalationResult r = policy_.Escalate(a, late, kind);
  std::string rung = r.rung;
  std::string fault;
  if (r.fault.fault) {
    // The engine answered with the safe action (tell the moderator, mark
    // overdue); it is keyed apart from the ladder so the city's own steps
    // still fire once the script is fixed.
    ++report.faults;
    fault = r.fault.reason;
    rung = "fault";
    log_("appeal " + std::to_string(a.id) + ": escalate failed: " + fault);
  }
  for (const rules::Action& given : r.actions) {
    rules::Action action = given;
    // The executor the step concerns is part of its key: after a reassignment
    // the new executor's head gets the letter too.
    if (action.of.empty() && !action.notify.empty() && action.notify != "resident")
      action.of = look.appeal.lead_executor();
    const std::string key = StepKey(kind, rung, action);
    if (look.fired.count(key)) continue;
    if (action.raise_priority) look.raised = true;
    Poco::JSON::Object details;
    details.set("deadline", kind);
    details.set("due", FormatIso8601(due));
    details.set("late_minutes", Minutes(late));
    if (!rung.empty()) details.set("rung", rung);
    if (!fault.empty()) details.set("fault", fault);
    auto out = look.runner.Run(look.appeal, key, action, "", details, look.raised, now);
    look.fired.insert(key);
    if (out.recorded) ++report.steps;
    if (out.queued) ++report.notices;
  }
  Timestamp next = now + options_.recheck_period;
  if (!r.fault.fault && r.next_rung) next = std::max(due + *r.next_rung, now + seconds(1));
  return next;
}

// ---- RepeatAppeals -----------------------------------------------------------------

RepeatAppeals::RepeatAppeals(Store& store, EscalationPolicy& policy, Notifier& notifier,
                             Clock& clock, SchedulerOptions options, SchedulerLog log)
    : store_(store),
      policy_(policy),
      notifier_(notifier),
      clock_(clock),
      options_(std::move(options)),
      log_(OrStderr(std::move(log))) {}

void RepeatAppeals::BeforeCreate(Appeal& draft) {
  if (draft.repeat_of || !draft.address.registry_id || draft.category.empty()) return;
  const auto window = policy_.RepeatWindow();
  if (!window) return;
  auto open = store_.FindOpenAppealAt(draft.category, *draft.address.registry_id,
                                      draft.created_at - *window);
  if (open) draft.repeat_of = open->id;
}

void RepeatAppeals::AfterCreate(const Appeal& created) {
  if (!created.repeat_of) return;
  try {
    auto original = store_.FindAppeal(*created.repeat_of);
    if (!original) return;
    const Timestamp now = clock_.Now();
    StepRunner runner(store_, policy_, notifier_, options_);
    // 003 §4.1: the department controls repeats directly; 002 §9.2.1: the
    // executor's head answers for the late or repeated work.
    for (const char* who : {"moderator", "head"}) {
      rules::Action action;
      action.notify = who;
      action.of = original->lead_executor();
      if (action.of.empty() && action.notify == "head") continue;  // nobody assigned yet
      const std::string key = "repeat:" + std::to_string(created.id) + ":notify=" + who;
      Poco::JSON::Object details;
      details.set("repeat", created.id);
      details.set("repeat_number", created.number);
      runner.Run(*original, key, action, "escalation.repeat", details, false, now);
    }
  } catch (const std::exception& e) {
    // The link is stored with the new card; only the notices are missing.
    log_("repeat appeal " + std::to_string(created.id) + " of " +
         std::to_string(*created.repeat_of) + ": escalation failed: " + e.what());
  }
}

}  // namespace vikno
