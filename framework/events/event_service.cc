#include "events/event_service.h"

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <utility>

namespace vikno::events {
namespace {

std::string ParamsJson(const std::map<std::string, std::string>& params) {
  Poco::JSON::Object object;
  for (const auto& [k, v] : params) object.set(k, v);
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

// "вулиця Соборна, 12; вулиця Петропавлівська (вся вулиця)": the label of
// a whole street comes from the messages file (EventOptions).
std::string AddressList(const Event& e, const std::string& whole_street) {
  std::string out;
  for (const auto& a : e.addresses) {
    if (!out.empty()) out += "; ";
    out += a.street;
    if (!a.house.empty())
      out += ", " + a.house;
    else if (!whole_street.empty())
      out += " (" + whole_street + ")";
  }
  return out;
}

bool Covers(const Actor& actor, const std::string& executor_id) {
  return actor.Covers(executor_id);
}

// The outbox row of one notice of `event` to a resident's binding: urgent
// for emergency works, not sent before `at` (the notice window, R23), in the
// event's batch. The caller names its key, text and parameters.
OutboxMessage Notice(const Event& event, const std::pair<std::string, std::string>& binding,
                     const std::string& resident, Timestamp at, Timestamp now) {
  OutboxMessage m;
  m.channel = binding.first;
  m.address = binding.second;
  m.recipient_kind = "resident";
  m.recipient_id = resident;
  m.batch_id = EventBatchId(event.id);
  m.priority = event.kind == EventKind::kEmergency ? 0 : 1;
  m.next_attempt_at = at;
  m.created_at = m.updated_at = now;
  return m;
}

}  // namespace

EventService::EventService(Store& store, const Clock& clock, EventOptions options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      window_(options_.time_zone, options_.notify_from_minute, options_.notify_to_minute) {}

Result<Done> EventService::MayManage(const Actor& actor, const std::string& executor_id) const {
  switch (actor.role) {
    case Role::kAdministrator:
    case Role::kSystem:
      return Done{};
    case Role::kModerator:  // 000 §5.4: their own services only
    case Role::kExecutor:   // 002 §8.1.8: repair works of their own service
      if (!Covers(actor, executor_id))
        return Refuse("out_of_scope", "the event belongs to a service outside your scope");
      return Done{};
    default:
      return Refuse("forbidden", "your role may not manage events");
  }
}

Result<Event> EventService::Build(const EventDraft& d) const {
  Event e;
  e.kind = d.kind;
  e.reason = d.reason;
  // Trimmed: a reason of blanks is no reason.
  const auto first = e.reason.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return Refuse("missing_reason", "the event needs a reason");
  e.reason = e.reason.substr(first, e.reason.find_last_not_of(" \t\r\n") - first + 1);
  if (e.reason.size() > kMaxReasonBytes)
    return Refuse("invalid_reason", "the reason is longer than 2000 bytes");
  if (d.executor_id.empty() || !store_.FindExecutor(d.executor_id))
    return Refuse("unknown_executor", "the responsible service is not one of the city's");
  e.executor_id = d.executor_id;
  e.starts_at = d.starts_at;
  e.ends_at = d.ends_at;
  e.end_is_approximate = d.ends_at && d.end_is_approximate;
  if (e.ends_at && *e.ends_at <= e.starts_at)
    return Refuse("invalid_period", "the works must end after they start");
  if (d.addresses.empty())
    return Refuse("missing_addresses", "choose at least one address from the registry");
  if (d.addresses.size() > kMaxAddresses)
    return Refuse("too_many_addresses", "at most 500 addresses per event");
  std::set<std::string> seen;  // the same building or street once
  for (const auto& pick : d.addresses) {
    std::optional<RegistryAddress> r = store_.FindRegistryAddress(pick.registry_id);
    if (!r)
      return Refuse("unknown_address",
                    "address " + std::to_string(pick.registry_id) + " is not in the registry");
    Address a;
    a.city = r->city;
    a.district = r->district;
    a.street = r->street;
    if (pick.whole_street) {
      // 000 §6.5.2: a whole street is an address without a house.
      if (!seen.insert("s:" + r->city + "|" + r->street).second) continue;
    } else {
      if (!seen.insert("b:" + std::to_string(r->id)).second) continue;
      a.registry_id = r->id;
      a.house = r->house;
      a.point = r->point;
    }
    e.addresses.push_back(std::move(a));
  }
  return e;
}

std::optional<Refusal> EventService::CheckLead(const Actor& actor, const EventDraft& d,
                                               Timestamp now) const {
  if (d.kind != EventKind::kPlanned) return std::nullopt;  // emergency: at once
  if (d.starts_at >= now + options_.planned_lead) return std::nullopt;
  // 000 §4.2: planned works are published at least 24 h ahead; only an
  // administrator may break the rule, and says why (audited).
  if (actor.role == Role::kAdministrator && !d.short_notice_reason.empty() &&
      d.short_notice_reason.find_first_not_of(" \t\r\n") != std::string::npos)
    return std::nullopt;
  return Refuse("short_notice",
                actor.role == Role::kAdministrator
                    ? "a planned event starts in less than 24 hours: give the reason to override"
                    : "a planned event must be published at least 24 hours before it starts");
}

Result<EventChange> EventService::Create(const Actor& actor, const EventDraft& draft) {
  if (auto may = MayManage(actor, draft.executor_id); !may) return may.refusal();
  Result<Event> built = Build(draft);
  if (!built) return built.refusal();
  const Timestamp now = clock_.Now();
  if (auto late = CheckLead(actor, draft, now)) return *late;
  Event e = std::move(built).value();
  const bool short_notice = e.kind == EventKind::kPlanned && e.starts_at < now + options_.planned_lead;
  e.short_notice_reason = short_notice ? draft.short_notice_reason : "";
  e.created_by = actor.id;
  e.created_at = now;
  std::map<std::string, std::string> details{{"kind", std::string(EventKindCode(e.kind))},
                                             {"executor", e.executor_id},
                                             {"starts_at", FormatIso8601(e.starts_at)}};
  if (short_notice) details["short_notice_reason"] = e.short_notice_reason;
  const std::string json = ParamsJson(details);
  Event stored = store_.AddEvent(
      e, AuditEntry::By(actor, now, "event", "", short_notice ? "create_short_notice" : "create",
                        json));
  EventChange out{stored, NotifyNew(stored, now)};
  return out;
}

Result<EventChange> EventService::Update(const Actor& actor, int64_t id, int revision,
                                         const EventDraft& draft) {
  std::optional<Event> old = store_.GetEvent(id);
  if (!old || old->deleted_at) return Refuse("not_found", "no such event");
  // Both the service it had and the one it gets must be the actor's.
  if (auto may = MayManage(actor, old->executor_id); !may) return may.refusal();
  if (auto may = MayManage(actor, draft.executor_id); !may) return may.refusal();
  Result<Event> built = Build(draft);
  if (!built) return built.refusal();
  const Timestamp now = clock_.Now();
  const bool sooner = draft.kind == EventKind::kPlanned &&
                      (draft.starts_at < old->starts_at || old->kind != EventKind::kPlanned);
  if (sooner) {
    if (auto late = CheckLead(actor, draft, now)) return *late;
  }
  Event e = std::move(built).value();
  e.id = id;
  e.revision = revision;
  e.short_notice_reason =
      sooner && e.starts_at < now + options_.planned_lead ? draft.short_notice_reason
                                                           : old->short_notice_reason;
  e.updated_by = actor.id;
  e.updated_at = now;
  // Works extended past now are in work again: their new end is announced
  // when it comes; an end still in the past keeps its announcement.
  if (e.ends_at && *e.ends_at <= now) e.end_announced_at = old->end_announced_at;
  std::map<std::string, std::string> details{
      {"revision", std::to_string(revision + 1)},
      {"executor", e.executor_id},
      {"starts_at", FormatIso8601(e.starts_at)},
      {"ends_at", e.ends_at ? FormatIso8601(*e.ends_at) : ""}};
  if (e.short_notice_reason != old->short_notice_reason)
    details["short_notice_reason"] = e.short_notice_reason;
  const std::string json = ParamsJson(details);
  Result<Event> stored = store_.UpdateEvent(e, AuditEntry::By(actor, now, "event",
                                                              std::to_string(id), "update", json));
  if (!stored) return stored.refusal();
  EventChange out{stored.value(), {}};
  if (stored->ends_at && *stored->ends_at <= now) {
    // Completed by this edit: the end is announced, not corrected; an edit
    // of works already announced as ended tells no one again.
    if (!old->end_announced_at) {
      out.notices.queued = AnnounceEnd(stored.value(), now);
      store_.MarkEventEndAnnounced(id, now);
    }
  } else {
    out.notices = NotifyChange(stored.value(), now);
  }
  return out;
}

Result<Event> EventService::Delete(const Actor& actor, int64_t id) {
  std::optional<Event> old = store_.GetEvent(id);
  if (!old || old->deleted_at) return Refuse("not_found", "no such event");
  if (auto may = MayManage(actor, old->executor_id); !may) return may.refusal();
  const Timestamp now = clock_.Now();
  // Residents who were told of works that will not happen are told so
  // (R23): whoever already has a notice, unless the works are over. Queued
  // before the delete, in a batch of their own that the delete's cancelling
  // of held notices leaves alone: a crash in between leaves the event in
  // place, and deleting it again queues nothing twice (keyed per binding).
  if (!old->end_announced_at && !(old->ends_at && *old->ends_at <= now)) {
    const Timestamp at = window_.NextOpen(now);
    const std::string json =
        ParamsJson({{"reason", old->reason},
                    {"addresses", AddressList(*old, options_.whole_street_label)},
                    {"starts", window_.Format(old->starts_at)}});
    for (const auto& [binding, resident] : Told(id)) {
      OutboxMessage m = Notice(*old, binding, resident, at, now);
      m.batch_id = EventCancelBatchId(id);
      m.idempotency_key = m.batch_id + ":" + binding.first + ":" + binding.second;
      m.text_key = "events.notice.cancelled";
      m.params = json;
      store_.EnqueueOutbox(m);
    }
  }
  // Soft: the audit (R33) keeps what was announced; held notices are
  // cancelled by the store in the same transaction.
  return store_.DeleteEvent(id, actor.id, now,
                            AuditEntry::By(actor, now, "event", std::to_string(id), "delete",
                                           ParamsJson({{"reason", old->reason}})));
}

Result<Event> EventService::Get(const Actor& actor, int64_t id) {
  std::optional<Event> e = store_.GetEvent(id);
  if (!e || e->deleted_at) return Refuse("not_found", "no such event");
  if (actor.role == Role::kModerator || actor.role == Role::kExecutor) {
    // Not "out_of_scope": another service's event is not confirmed to exist.
    if (!Covers(actor, e->executor_id)) return Refuse("not_found", "no such event");
  } else if (actor.role != Role::kAdministrator && actor.role != Role::kSystem &&
             actor.role != Role::kOperator && actor.role != Role::kDecisionMaker) {
    return Refuse("forbidden", "your role may not read events");
  }
  return std::move(*e);
}

Result<EventDraft> EventService::Copy(const Actor& actor, int64_t id) {
  Result<Event> e = Get(actor, id);
  if (!e) return e.refusal();
  if (auto may = MayManage(actor, e->executor_id); !may) return may.refusal();
  EventDraft d;
  d.kind = e->kind;
  d.reason = e->reason;
  d.executor_id = e->executor_id;
  d.starts_at = e->starts_at;
  d.ends_at = e->ends_at;
  d.end_is_approximate = e->end_is_approximate;
  for (const auto& a : e->addresses) {
    if (a.registry_id) {
      d.addresses.push_back({*a.registry_id, false});
      continue;
    }
    // A whole street is picked again through any building of it.
    for (const auto& r : store_.ListRegistryAddresses(a.city)) {
      if (r.street == a.street) {
        d.addresses.push_back({r.id, true});
        break;
      }
    }
  }
  return d;
}

Result<EventPage> EventService::List(const Actor& actor, EventQuery query) {
  switch (actor.role) {
    case Role::kAdministrator:
    case Role::kSystem:
    case Role::kOperator:        // answers residents about outages (002 §5)
    case Role::kDecisionMaker:
      break;
    case Role::kModerator:
    case Role::kExecutor:
      query.services = actor.services;  // their services, whatever was asked
      break;
    default:
      return Refuse("forbidden", "your role may not read events");
  }
  query.now = clock_.Now();
  return store_.ListEvents(query);
}

std::map<std::pair<std::string, std::string>, std::string> EventService::Told(
    int64_t event_id) const {
  std::map<std::pair<std::string, std::string>, std::string> told;
  OutboxQuery q;
  q.batch_id = EventBatchId(event_id);
  q.limit = 1000;
  for (;;) {
    std::vector<OutboxMessage> rows = store_.ListOutbox(q);
    for (const auto& m : rows)
      if ((m.state == OutboxState::kSent || m.state == OutboxState::kSending) &&
          m.text_key != "events.notice.ended")
        told[{m.channel, m.address}] = m.recipient_id;
    if (rows.size() < static_cast<size_t>(q.limit)) break;
    q.after_id = rows.back().id;
  }
  return told;
}

NoticeReport EventService::NotifyNew(const Event& event, Timestamp now) {
  NoticeReport report;
  const Timestamp at = window_.NextOpen(now);
  if (at != now) report.held_until = at;
  const std::map<std::string, std::string> params{
      {"reason", event.reason},
      {"addresses", AddressList(event, options_.whole_street_label)},
      {"starts", window_.Format(event.starts_at)},
      {"ends", event.ends_at ? window_.Format(*event.ends_at) : std::string("—")},
      {"approximate", event.end_is_approximate ? "~" : ""}};
  const std::string json = ParamsJson(params);
  const std::string text = event.kind == EventKind::kEmergency ? "events.notice.emergency"
                                                                : "events.notice.planned";
  for (const EventSubscriber& s : store_.ListEventSubscribers(event.id)) {
    OutboxMessage m = Notice(event, {s.channel, s.chat_id}, s.resident_id, at, now);
    m.idempotency_key = EventBatchId(event.id) + ":r" + std::to_string(event.revision) + ":" +
                        s.channel + ":" + s.chat_id;
    m.text_key = text;
    m.params = json;
    if (store_.EnqueueOutbox(m)) ++report.queued;
  }
  return report;
}

NoticeReport EventService::NotifyChange(const Event& event, Timestamp now) {
  // Who already has a notice of this event on which binding: they get the
  // correction; a notice still held (window closed) is replaced by the new
  // revision's full notice, so each resident reads one message either way.
  const auto told_resident = Told(event.id);
  NoticeReport report;
  report.cancelled = store_.CancelQueuedEventNotices(event.id, "superseded by revision " +
                                                                   std::to_string(event.revision),
                                                     now);
  const Timestamp at = window_.NextOpen(now);
  if (at != now) report.held_until = at;
  std::map<std::string, std::string> params{
      {"reason", event.reason},
      {"addresses", AddressList(event, options_.whole_street_label)},
      {"starts", window_.Format(event.starts_at)},
      {"ends", event.ends_at ? window_.Format(*event.ends_at) : std::string("—")},
      {"approximate", event.end_is_approximate ? "~" : ""}};
  const std::string json = ParamsJson(params);
  const std::string fresh = event.kind == EventKind::kEmergency ? "events.notice.emergency"
                                                                 : "events.notice.planned";
  // Everyone subscribed now, and everyone told before (an address taken out
  // of the event is told so too).
  std::map<std::pair<std::string, std::string>, std::string> recipients;
  for (const EventSubscriber& s : store_.ListEventSubscribers(event.id))
    recipients[{s.channel, s.chat_id}] = s.resident_id;
  for (const auto& [binding, resident] : told_resident) recipients.emplace(binding, resident);
  for (const auto& [binding, resident] : recipients) {
    OutboxMessage m = Notice(event, binding, resident, at, now);
    m.idempotency_key = EventBatchId(event.id) + ":r" + std::to_string(event.revision) + ":" +
                        binding.first + ":" + binding.second;
    m.text_key = told_resident.count(binding) ? "events.notice.correction" : fresh;
    m.params = json;
    if (store_.EnqueueOutbox(m)) ++report.queued;
  }
  return report;
}

int64_t EventService::AnnounceEnd(const Event& event, Timestamp now) {
  // Only those who were told of the works hear of their end; a notice still
  // held is dropped (the works are over before it could be read).
  const auto told = Told(event.id);
  store_.CancelQueuedEventNotices(event.id, "the works ended before the notice window", now);
  const Timestamp at = window_.NextOpen(now);
  const std::string json =
      ParamsJson({{"reason", event.reason},
                  {"addresses", AddressList(event, options_.whole_street_label)},
                  {"ends", window_.Format(event.ends_at.value_or(now))}});
  int64_t queued = 0;
  for (const auto& [binding, resident] : told) {
    OutboxMessage m = Notice(event, binding, resident, at, now);
    // Per revision: works extended after their end was announced end again.
    m.idempotency_key = EventBatchId(event.id) + ":r" + std::to_string(event.revision) +
                        ":end:" + binding.first + ":" + binding.second;
    m.text_key = "events.notice.ended";
    m.params = json;
    if (store_.EnqueueOutbox(m)) ++queued;
  }
  return queued;
}

int EventService::AnnounceEnded(int limit) {
  const Timestamp now = clock_.Now();
  int announced = 0;
  for (const Event& e : store_.ListEventsEndedUnannounced(now, limit)) {
    // Queue first, then mark: a crash in between repeats the queueing on the
    // next tick, which the idempotency keys turn into nothing.
    AnnounceEnd(e, now);
    if (store_.MarkEventEndAnnounced(e.id, now)) ++announced;
  }
  return announced;
}

}  // namespace vikno::events
