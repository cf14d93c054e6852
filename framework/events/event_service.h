// Planned and emergency works (R22, 000 §6.5) and their notices to the
// residents subscribed at the affected addresses (R23, B3): the only code
// that changes events. The panel's /api/v1/events calls it.
//
// Who (000 §5.3-5.4, 002 §8.1.8): an administrator manages every event; a
// moderator the events of their own services; an executor registers repair
// works of its own service the same way. Other roles are refused. Reading
// is scoped the same way: nobody sees another service's events.
//
// When (000 §4.2, 003 §3.1): a planned event is published at least 24 h
// before it starts; only an administrator may publish it later, giving a
// reason that is stored with the event and audited. Emergency works are
// announced at once.
//
// Notices (R23): every subscribed channel binding of a resident with a saved
// address the event covers gets one outbox row (batch "event:<id>",
// EventBatchId), urgent for emergency works and normal for planned ones,
// never outside the city's notice window (06:00-23:00, 000 §4.3: the row's
// next_attempt_at is the window's next opening). Keys are per event
// revision and binding, so a retried request never sends twice and an edit
// sends each resident exactly one correction. The end of works is announced
// once (AnnounceEnded, ticked by the host; keys make a rerun after a
// restart harmless).
//
// Thread-safety: stateless apart from its references; safe from many threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "core/role.h"
#include "core/time.h"
#include "events/notice_window.h"
#include "store/store.h"

namespace vikno::events {

// One address of an event as the panel picks it from the registry: a
// building, or the whole street that building stands on.
struct AddressPick {
  int64_t registry_id = 0;
  bool whole_street = false;
};

// What the panel's form sends for a new or edited event.
struct EventDraft {
  EventKind kind = EventKind::kPlanned;
  std::string reason;
  std::string executor_id;  // the responsible service
  Timestamp starts_at;
  std::optional<Timestamp> ends_at;
  bool end_is_approximate = false;
  std::vector<AddressPick> addresses;
  // An administrator's reason to publish a planned event less than 24 h
  // ahead (000 §4.2); ignored when not needed.
  std::string short_notice_reason;
};

struct EventOptions {
  std::string time_zone = "Europe/Kyiv";
  int notify_from_minute = 6 * 60;  // 000 §4.3
  int notify_to_minute = 23 * 60;
  std::chrono::hours planned_lead{24};  // 000 §4.2
  // Shown after a whole street in the notices' address list: the host sets
  // it from the messages file (events.whole_street); empty: no label.
  std::string whole_street_label;
};

// What a notice pass queued (for the API's answer and the tests).
struct NoticeReport {
  int64_t queued = 0;     // new outbox rows
  int64_t cancelled = 0;  // held rows of an earlier revision replaced
  std::optional<Timestamp> held_until;  // set when the window is closed now
};

struct EventChange {
  Event event;
  NoticeReport notices;
};

class EventService {
 public:
  static constexpr size_t kMaxReasonBytes = 2000;
  static constexpr size_t kMaxAddresses = 500;

  EventService(Store& store, const Clock& clock, EventOptions options = {});

  // Refusals: "forbidden" (role), "out_of_scope" (another service),
  // "missing_reason", "invalid_reason" (too long), "unknown_executor",
  // "missing_addresses", "too_many_addresses", "unknown_address" (not in the
  // registry), "invalid_period" (end not after start),
  // "short_notice" (planned, starts in less than 24 h, and no administrator
  // override with a reason).
  Result<EventChange> Create(const Actor& actor, const EventDraft& draft);
  // As Create, plus "not_found", "stale" (revision moved). The 24 h rule
  // applies when the edit makes a planned event start sooner than 24 h
  // from now. An edit whose end has already passed completes the works:
  // their end is announced instead of a correction.
  Result<EventChange> Update(const Actor& actor, int64_t id, int revision,
                             const EventDraft& draft);
  // Refusals: "forbidden", "out_of_scope", "not_found".
  Result<Event> Delete(const Actor& actor, int64_t id);
  Result<Event> Get(const Actor& actor, int64_t id);
  // A new draft from an old event (000 §6.5.1 "copy"): nothing is stored
  // until it is created.
  Result<EventDraft> Copy(const Actor& actor, int64_t id);
  // The events page; the actor's scope is applied over `query.services`.
  Result<EventPage> List(const Actor& actor, EventQuery query);

  // R23: announces the end of the works whose end has passed, once; returns
  // the number of events announced. Called by the host's timer.
  int AnnounceEnded(int limit = 100);

  const NoticeWindow& window() const { return window_; }

 private:
  Result<Done> MayManage(const Actor& actor, const std::string& executor_id) const;
  Result<Event> Build(const EventDraft& draft) const;
  std::optional<Refusal> CheckLead(const Actor& actor, const EventDraft& draft,
                                   Timestamp now) const;
  // The bindings (channel, chat) that have had a notice of the event other
  // than its end, with their residents.
  std::map<std::pair<std::string, std::string>, std::string> Told(int64_t event_id) const;
  NoticeReport NotifyNew(const Event& event, Timestamp now);
  NoticeReport NotifyChange(const Event& event, Timestamp now);
  int64_t AnnounceEnd(const Event& event, Timestamp now);

  Store& store_;
  const Clock& clock_;
  EventOptions options_;
  NoticeWindow window_;
};

}  // namespace vikno::events
