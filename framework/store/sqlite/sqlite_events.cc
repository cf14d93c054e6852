// The events concern on SQLite (store/event_store.h; R22, R23).
#include "store/event_sql.h"
#include "store/sqlite/sqlite_internal.h"

namespace vikno {

using sqlite_detail::InsertAudit;
using sqlite_detail::Statement;
using sqlite_detail::Transaction;
using sqlite_detail::WithEntityId;

namespace {

Event ReadEvent(const Statement& s) {
  Event e;
  e.id = s.Int(0);
  e.kind = ParseEventKind(s.Text(1)).value_or(EventKind::kPlanned);
  e.reason = s.Text(2);
  e.executor_id = s.Text(3);
  e.starts_at = s.Time(4);
  e.ends_at = s.OptTime(5);
  e.end_is_approximate = s.Bool(6);
  e.created_by = s.Text(7);
  e.created_at = s.Time(8);
  e.revision = static_cast<int>(s.Int(9));
  e.updated_by = s.Text(10);
  e.updated_at = s.Time(11);
  e.short_notice_reason = s.Text(12);
  e.end_announced_at = s.OptTime(13);
  e.deleted_at = s.OptTime(14);
  e.deleted_by = s.Text(15);
  return e;
}

Address ReadAddress(const Statement& s) {
  Address a;
  a.registry_id = s.OptInt(0);
  a.city = s.Text(1);
  a.district = s.Text(2);
  a.street = s.Text(3);
  a.house = s.Text(4);
  a.flat = s.Text(5);
  a.entrance = s.Text(6);
  if (!s.IsNull(7) && !s.IsNull(8)) a.point = GeoPoint{s.Real(7), s.Real(8)};
  return a;
}

void BindParams(Statement& s, const std::vector<event_sql::Param>& params) {
  for (const auto& p : params) {
    if (const auto* i = std::get_if<int64_t>(&p))
      s.Bind(*i);
    else
      s.Bind(std::get<std::string>(p));
  }
}

void LoadAddresses(SqliteStore::Connection& c, std::vector<Event>& events) {
  for (auto& e : events) {
    Statement a = c.Prepare(std::string("SELECT ") + event_sql::kAddressColumns +
                            " FROM event_addresses WHERE event_id = ? ORDER BY position");
    a.Bind(e.id);
    while (a.Step()) e.addresses.push_back(ReadAddress(a));
  }
}

std::optional<Event> FindEvent(SqliteStore::Connection& c, int64_t id) {
  std::vector<Event> out;
  {
    Statement s = c.Prepare(std::string("SELECT ") + event_sql::kEventColumns +
                            " FROM events e WHERE e.id = ?");
    s.Bind(id);
    if (s.Step()) out.push_back(ReadEvent(s));
  }
  if (out.empty()) return std::nullopt;
  LoadAddresses(c, out);
  return std::move(out.front());
}

void WriteAddresses(SqliteStore::Connection& w, const Event& event) {
  Statement d = w.Prepare("DELETE FROM event_addresses WHERE event_id = ?");
  d.Bind(event.id);
  d.Run();
  for (size_t i = 0; i < event.addresses.size(); ++i) {
    const Address& a = event.addresses[i];
    Statement s = w.Prepare(std::string("INSERT INTO event_addresses (event_id, position, ") +
                            event_sql::kAddressColumns +
                            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.Bind(event.id).Bind(static_cast<int64_t>(i));
    s.Bind(a.registry_id).Bind(a.city).Bind(a.district).Bind(a.street).Bind(a.house);
    s.Bind(a.flat).Bind(a.entrance);
    if (a.point) {
      s.Bind(a.point->lat).Bind(a.point->lon);
    } else {
      s.BindNull().BindNull();
    }
    s.Run();
  }
}

}  // namespace

Event SqliteStore::AddEvent(const Event& event, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Event stored = event;
  stored.revision = 1;
  stored.updated_by = event.created_by;
  stored.updated_at = event.created_at;
  stored.end_announced_at.reset();
  stored.deleted_at.reset();
  stored.deleted_by.clear();
  {
    Statement s = w.Prepare(
        "INSERT INTO events (kind, reason, executor_id, starts_at, ends_at, end_is_approximate, "
        "created_by, created_at, revision, updated_by, updated_at, short_notice_reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING id");
    s.Bind(EventKindCode(stored.kind)).Bind(stored.reason).Bind(stored.executor_id);
    s.Bind(stored.starts_at).Bind(stored.ends_at).Bind(stored.end_is_approximate);
    s.Bind(stored.created_by).Bind(stored.created_at).Bind(stored.updated_by);
    s.Bind(stored.updated_at).Bind(stored.short_notice_reason);
    if (!s.Step()) throw StoreError("sqlite: event insert returned no id");
    stored.id = s.Int(0);
    while (s.Step()) {
    }
  }
  WriteAddresses(w, stored);
  InsertAudit(w, WithEntityId(audit, stored.id));
  tx.Commit();
  return stored;
}

Result<Event> SqliteStore::UpdateEvent(const Event& event, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  {
    Statement s = w.Prepare("SELECT revision, deleted_at FROM events WHERE id = ?");
    s.Bind(event.id);
    if (!s.Step() || !s.IsNull(1))
      return Refuse("not_found", "event " + std::to_string(event.id) + " does not exist");
    if (s.Int(0) != event.revision)
      return Refuse("stale", "event " + std::to_string(event.id) + " was changed by someone else");
  }
  {
    Statement s = w.Prepare(
        "UPDATE events SET kind = ?, reason = ?, executor_id = ?, starts_at = ?, ends_at = ?, "
        "end_is_approximate = ?, short_notice_reason = ?, updated_by = ?, updated_at = ?, "
        "end_announced_at = ?, revision = revision + 1 WHERE id = ?");
    s.Bind(EventKindCode(event.kind)).Bind(event.reason).Bind(event.executor_id);
    s.Bind(event.starts_at).Bind(event.ends_at).Bind(event.end_is_approximate);
    s.Bind(event.short_notice_reason).Bind(event.updated_by).Bind(event.updated_at);
    s.Bind(event.end_announced_at).Bind(event.id);
    s.Run();
  }
  WriteAddresses(w, event);
  InsertAudit(w, WithEntityId(audit, event.id));
  std::optional<Event> stored = FindEvent(w, event.id);
  tx.Commit();
  return std::move(*stored);
}

std::optional<Event> SqliteStore::GetEvent(int64_t id) {
  ReadLease r = Read();
  return FindEvent(*r, id);
}

EventPage SqliteStore::ListEvents(const EventQuery& query) {
  const event_sql::Where where = event_sql::BuildWhere(query);
  EventPage page;
  ReadLease r = Read();
  {
    Statement s = r->Prepare("SELECT COUNT(*) FROM events e WHERE " + where.sql);
    BindParams(s, where.params);
    if (s.Step()) page.total = s.Int(0);
  }
  {
    Statement s = r->Prepare(std::string("SELECT ") + event_sql::kEventColumns +
                             " FROM events e WHERE " + where.sql +
                             " ORDER BY e.starts_at DESC, e.id DESC LIMIT ? OFFSET ?");
    BindParams(s, where.params);
    s.Bind(static_cast<int64_t>(event_sql::ClampLimit(query.limit)));
    s.Bind(static_cast<int64_t>(query.offset < 0 ? 0 : query.offset));
    while (s.Step()) page.events.push_back(ReadEvent(s));
  }
  LoadAddresses(*r, page.events);
  return page;
}

Result<Event> SqliteStore::DeleteEvent(int64_t id, const std::string& deleted_by, Timestamp now,
                                       const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  {
    Statement s = w.Prepare(
        "UPDATE events SET deleted_at = ?, deleted_by = ? WHERE id = ? AND deleted_at IS NULL");
    s.Bind(now).Bind(deleted_by).Bind(id);
    if (s.Run() != 1)
      return Refuse("not_found", "event " + std::to_string(id) + " does not exist");
  }
  {
    // Held notices (the 06:00-23:00 window) must not go out for works that
    // were called off.
    Statement s = w.Prepare(
        "UPDATE outbox SET state = 'failed', last_error = 'event deleted', updated_at = ? "
        "WHERE batch_id = ? AND state = 'queued'");
    s.Bind(now).Bind(EventBatchId(id));
    s.Run();
  }
  InsertAudit(w, WithEntityId(audit, id));
  std::optional<Event> stored = FindEvent(w, id);
  tx.Commit();
  return std::move(*stored);
}

std::vector<EventSubscriber> SqliteStore::ListEventSubscribers(int64_t event_id) {
  std::vector<EventSubscriber> out;
  ReadLease r = Read();
  Statement s = r->Prepare(event_sql::kSubscribersSql);
  s.Bind(event_id);
  while (s.Step()) out.push_back(EventSubscriber{s.Text(0), s.Text(1), s.Text(2)});
  return out;
}

std::vector<Event> SqliteStore::ListEventsEndedUnannounced(Timestamp now, int limit) {
  std::vector<Event> out;
  ReadLease r = Read();
  {
    Statement s = r->Prepare(std::string("SELECT ") + event_sql::kEventColumns +
                             " FROM events e WHERE e.end_announced_at IS NULL AND e.deleted_at "
                             "IS NULL AND e.ends_at IS NOT NULL AND e.ends_at <= ? "
                             "ORDER BY e.ends_at, e.id LIMIT ?");
    s.Bind(now).Bind(static_cast<int64_t>(event_sql::ClampLimit(limit)));
    while (s.Step()) out.push_back(ReadEvent(s));
  }
  LoadAddresses(*r, out);
  return out;
}

bool SqliteStore::MarkEventEndAnnounced(int64_t id, Timestamp now) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "UPDATE events SET end_announced_at = ? WHERE id = ? AND end_announced_at IS NULL");
  s.Bind(now).Bind(id);
  return s.Run() == 1;
}

int64_t SqliteStore::CancelQueuedEventNotices(int64_t event_id, const std::string& reason,
                                              Timestamp now) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "UPDATE outbox SET state = 'failed', last_error = ?, updated_at = ? "
      "WHERE batch_id = ? AND state = 'queued'");
  s.Bind(reason).Bind(now).Bind(EventBatchId(event_id));
  return s.Run();
}

std::map<int64_t, EventNoticeCounts> SqliteStore::CountEventNotices(
    const std::vector<int64_t>& event_ids) {
  std::map<int64_t, EventNoticeCounts> out;
  if (event_ids.empty()) return out;
  std::map<std::string, int64_t> by_batch;
  for (int64_t id : event_ids) by_batch[EventBatchId(id)] = id;
  ReadLease r = Read();
  Statement s = r->Prepare(
      "SELECT batch_id, state, COUNT(*) FROM outbox WHERE batch_id IN (" +
      sqlite_detail::Placeholders(by_batch.size()) + ") GROUP BY batch_id, state");
  for (const auto& [batch, id] : by_batch) s.Bind(batch);
  while (s.Step()) {
    EventNoticeCounts& c = out[by_batch.at(s.Text(0))];
    const std::string state = s.Text(1);
    if (state == "sent")
      c.sent += s.Int(2);
    else if (state == "failed")
      c.failed += s.Int(2);
    else
      c.queued += s.Int(2);
  }
  return out;
}

}  // namespace vikno
