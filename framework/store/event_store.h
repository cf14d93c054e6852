// The events part of the Store interface (store/store.h): planned and
// emergency works (R22, 000 §6.5) with their revisions, the residents
// subscribed at their addresses (R23, B3) and the notices counted per event
// (R27 "messages sent per event").
//
// Every outbox row of an event's notices carries batch_id "event:<id>"
// (EventBatchId); the counts here and the dashboard read them by it.
// Thread-safety and errors as for every Store: callable from any thread;
// expected outcomes are Result refusals; failures throw StoreError and roll
// the operation back whole (the audit entry with it).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/audit.h"
#include "core/event.h"
#include "core/result.h"
#include "core/time.h"

namespace vikno {

inline std::string EventBatchId(int64_t event_id) { return "event:" + std::to_string(event_id); }
// The batch of "the works will not happen" notices of a deleted event: apart
// from EventBatchId so deleting (which fails the event batch's held rows)
// leaves them queued.
inline std::string EventCancelBatchId(int64_t event_id) {
  return EventBatchId(event_id) + ":cancelled";
}

// The filters of the events page and its Excel export (000 §6.5.1).
struct EventQuery {
  // The period: events whose works overlap [from, to): they start before
  // `to` and have not ended by `from` (no end: not ended). Either may be
  // absent.
  std::optional<Timestamp> from;
  std::optional<Timestamp> to;
  // One responsible service (executor id); empty: any.
  std::string executor_id;
  // The caller's scope: only events of these services. nullopt: every
  // service (administrator); an empty list: none at all.
  std::optional<std::vector<std::string>> services;
  // An address the event covers: the same registry building, or the same
  // street and house, or the whole street (an event address with an empty
  // house). A street alone (house empty) matches every event on that street.
  std::optional<int64_t> registry_id;
  std::string street;
  std::string house;
  // In work or completed at `now` (Event::status); nullopt: both.
  std::optional<EventStatus> status;
  Timestamp now;
  std::optional<EventKind> kind;
  // Newest start first (then id, descending). limit 1..1000.
  int limit = 50;
  int offset = 0;
};

struct EventPage {
  std::vector<Event> events;  // with their addresses
  int64_t total = 0;          // matching events, ignoring limit and offset
};

// One channel binding to notify: a subscribed binding (ChannelBinding with
// subscribed = true) of a resident with a saved address the event covers.
struct EventSubscriber {
  std::string resident_id;
  std::string channel;
  std::string chat_id;
};

// The outbox rows of one event's notices (batch "event:<id>"), by state.
struct EventNoticeCounts {
  int64_t queued = 0;   // waiting (also held for the 06:00-23:00 window) or sending
  int64_t sent = 0;
  int64_t failed = 0;   // given up, or cancelled with the event
  int64_t total() const { return queued + sent + failed; }
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  // Stores a new event with its addresses, revision 1, updated_at =
  // created_at; `audit` (entity "event", its entity_id filled with the new
  // id) in the same transaction. Returns it with its id.
  virtual Event AddEvent(const Event& event, const AuditEntry& audit) = 0;

  // Replaces kind, reason, service, times, short_notice_reason,
  // end_announced_at (an edit that moves the end into the future clears it,
  // so the new end is announced) and the addresses of event.id when its stored revision is event.revision; the
  // stored one becomes revision + 1 with updated_by/updated_at from `event`,
  // and `audit` is written with it. created_* are kept. Refusals:
  // "not_found" (no such event, or deleted), "stale" (the revision moved:
  // someone else edited it first).
  virtual Result<Event> UpdateEvent(const Event& event, const AuditEntry& audit) = 0;

  // One event with its addresses, deleted ones too (deleted_at set), or
  // nullopt.
  virtual std::optional<Event> GetEvent(int64_t id) = 0;

  // The events page (deleted ones never), with the total for paging.
  virtual EventPage ListEvents(const EventQuery& query) = 0;

  // Deletes softly: the event leaves every list and the conversation's
  // outages, and stays for the audit (R33) with deleted_at/deleted_by; its
  // notices still queued are cancelled (failed, "event deleted"). Refusal
  // "not_found" when missing or already deleted.
  virtual Result<Event> DeleteEvent(int64_t id, const std::string& deleted_by, Timestamp now,
                                    const AuditEntry& audit) = 0;

  // R23, B3: the subscribed channel bindings of residents with a saved
  // address the event covers (same registry building, same street and
  // house, or the whole street), each binding once, ordered by resident,
  // channel. Empty for a deleted event.
  virtual std::vector<EventSubscriber> ListEventSubscribers(int64_t event_id) = 0;

  // Events not deleted whose end has passed (ends_at <= now) and whose end
  // was not announced, earliest end first, at most `limit`.
  virtual std::vector<Event> ListEventsEndedUnannounced(Timestamp now, int limit) = 0;
  // Records that the end of works was announced; false when it already was
  // (another host did it), so the caller can skip.
  virtual bool MarkEventEndAnnounced(int64_t id, Timestamp now) = 0;

  // Cancels the event's notices still queued (not yet claimed): they become
  // failed with `reason`. Returns how many.
  virtual int64_t CancelQueuedEventNotices(int64_t event_id, const std::string& reason,
                                           Timestamp now) = 0;

  // The notices of each event in `event_ids` (ids without notices are
  // absent from the map).
  virtual std::map<int64_t, EventNoticeCounts> CountEventNotices(
      const std::vector<int64_t>& event_ids) = 0;
};

}  // namespace vikno
