// The events concern on MySQL/MariaDB (store/event_store.h; R22, R23).
#include "store/event_sql.h"
#include "store/mysql/mysql_internal.h"

namespace vikno {

using mysql_detail::Binder;
using mysql_detail::Conn;
using mysql_detail::InsertAudit;
using mysql_detail::OptInt;
using mysql_detail::OptTime;
using mysql_detail::ResultSetPtr;
using mysql_detail::Str;
using mysql_detail::WithEntityId;

namespace {

Event ReadEvent(const sql::ResultSet& rs) {
  Event e;
  e.id = rs.getInt64(1);
  e.kind = ParseEventKind(Str(rs, 2)).value_or(EventKind::kPlanned);
  e.reason = Str(rs, 3);
  e.executor_id = Str(rs, 4);
  e.starts_at = FromUnix(rs.getInt64(5));
  e.ends_at = OptTime(rs, 6);
  e.end_is_approximate = rs.getInt(7) != 0;
  e.created_by = Str(rs, 8);
  e.created_at = FromUnix(rs.getInt64(9));
  e.revision = rs.getInt(10);
  e.updated_by = Str(rs, 11);
  e.updated_at = FromUnix(rs.getInt64(12));
  e.short_notice_reason = Str(rs, 13);
  e.end_announced_at = OptTime(rs, 14);
  e.deleted_at = OptTime(rs, 15);
  e.deleted_by = Str(rs, 16);
  return e;
}

Address ReadAddress(const sql::ResultSet& rs) {
  Address a;
  a.registry_id = OptInt(rs, 1);
  a.city = Str(rs, 2);
  a.district = Str(rs, 3);
  a.street = Str(rs, 4);
  a.house = Str(rs, 5);
  a.flat = Str(rs, 6);
  a.entrance = Str(rs, 7);
  if (!rs.isNull(8) && !rs.isNull(9))
    a.point = GeoPoint{static_cast<double>(rs.getDouble(8)), static_cast<double>(rs.getDouble(9))};
  return a;
}

void BindParams(Binder& b, const std::vector<event_sql::Param>& params) {
  for (const auto& p : params) {
    if (const auto* i = std::get_if<int64_t>(&p))
      b.Int(*i);
    else
      b.Str(std::get<std::string>(p));
  }
}

void LoadAddresses(Conn& c, std::vector<Event>& events) {
  for (auto& e : events) {
    auto& st = c.Prepare(std::string("SELECT ") + event_sql::kAddressColumns +
                         " FROM event_addresses WHERE event_id = ? ORDER BY position");
    Binder(st).Int(e.id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) e.addresses.push_back(ReadAddress(*rs));
  }
}

std::optional<Event> FindEvent(Conn& c, int64_t id) {
  std::vector<Event> out;
  {
    auto& st = c.Prepare(std::string("SELECT ") + event_sql::kEventColumns +
                         " FROM events e WHERE e.id = ?");
    Binder(st).Int(id);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out.push_back(ReadEvent(*rs));
  }
  if (out.empty()) return std::nullopt;
  LoadAddresses(c, out);
  return std::move(out.front());
}

void WriteAddresses(Conn& c, const Event& event) {
  {
    auto& st = c.Prepare("DELETE FROM event_addresses WHERE event_id = ?");
    Binder(st).Int(event.id);
    st.executeUpdate();
  }
  for (size_t i = 0; i < event.addresses.size(); ++i) {
    const Address& a = event.addresses[i];
    auto& st = c.Prepare(std::string("INSERT INTO event_addresses (event_id, position, ") +
                         event_sql::kAddressColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Int(event.id)
        .Int(static_cast<int64_t>(i))
        .OptInt(a.registry_id)
        .Str(a.city)
        .Str(a.district)
        .Str(a.street)
        .Str(a.house)
        .Str(a.flat)
        .Str(a.entrance)
        .OptDouble(a.point ? std::optional<double>(a.point->lat) : std::nullopt)
        .OptDouble(a.point ? std::optional<double>(a.point->lon) : std::nullopt);
    st.executeUpdate();
  }
}

}  // namespace

Event MysqlStore::AddEvent(const Event& event, const AuditEntry& audit) {
  Event stored = event;
  stored.revision = 1;
  stored.updated_by = event.created_by;
  stored.updated_at = event.created_at;
  stored.end_announced_at.reset();
  stored.deleted_at.reset();
  stored.deleted_by.clear();
  pool_->Transact("add event", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO events (kind, reason, executor_id, starts_at, ends_at, end_is_approximate,"
        " created_by, created_at, revision, updated_by, updated_at, short_notice_reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)");
    Binder(st)
        .Str(std::string(EventKindCode(stored.kind)))
        .Str(stored.reason)
        .Str(stored.executor_id)
        .Time(stored.starts_at)
        .OptTime(stored.ends_at)
        .Bool(stored.end_is_approximate)
        .Str(stored.created_by)
        .Time(stored.created_at)
        .Str(stored.updated_by)
        .Time(stored.updated_at)
        .Str(stored.short_notice_reason);
    st.executeUpdate();
    stored.id = mysql_detail::LastInsertId(c);
    WriteAddresses(c, stored);
    InsertAudit(c, WithEntityId(audit, std::to_string(stored.id)));
  });
  return stored;
}

Result<Event> MysqlStore::UpdateEvent(const Event& event, const AuditEntry& audit) {
  std::optional<Refusal> refusal;
  std::optional<Event> stored;
  pool_->Transact("update event", [&](Conn& c) {
    refusal.reset();
    {
      auto& st = c.Prepare("SELECT revision, deleted_at FROM events WHERE id = ? FOR UPDATE");
      Binder(st).Int(event.id);
      ResultSetPtr rs(st.executeQuery());
      if (!rs->next() || !rs->isNull(2)) {
        refusal = Refuse("not_found", "event " + std::to_string(event.id) + " does not exist");
        return;
      }
      if (rs->getInt(1) != event.revision) {
        refusal =
            Refuse("stale", "event " + std::to_string(event.id) + " was changed by someone else");
        return;
      }
    }
    {
      auto& st = c.Prepare(
          "UPDATE events SET kind = ?, reason = ?, executor_id = ?, starts_at = ?, ends_at = ?,"
          " end_is_approximate = ?, short_notice_reason = ?, updated_by = ?, updated_at = ?,"
          " end_announced_at = ?, revision = revision + 1 WHERE id = ?");
      Binder(st)
          .Str(std::string(EventKindCode(event.kind)))
          .Str(event.reason)
          .Str(event.executor_id)
          .Time(event.starts_at)
          .OptTime(event.ends_at)
          .Bool(event.end_is_approximate)
          .Str(event.short_notice_reason)
          .Str(event.updated_by)
          .Time(event.updated_at)
          .OptTime(event.end_announced_at)
          .Int(event.id);
      st.executeUpdate();
    }
    WriteAddresses(c, event);
    InsertAudit(c, WithEntityId(audit, std::to_string(event.id)));
    stored = FindEvent(c, event.id);
  });
  if (refusal) return *refusal;
  return std::move(*stored);
}

std::optional<Event> MysqlStore::GetEvent(int64_t id) {
  std::optional<Event> out;
  pool_->Run("get event", [&](Conn& c) { out = FindEvent(c, id); });
  return out;
}

EventPage MysqlStore::ListEvents(const EventQuery& query) {
  const event_sql::Where where = event_sql::BuildWhere(query);
  EventPage page;
  pool_->Run("list events", [&](Conn& c) {
    page = EventPage{};
    {
      auto& st = c.Prepare("SELECT COUNT(*) FROM events e WHERE " + where.sql);
      Binder b(st);
      BindParams(b, where.params);
      ResultSetPtr rs(st.executeQuery());
      if (rs->next()) page.total = rs->getInt64(1);
    }
    {
      auto& st = c.Prepare(std::string("SELECT ") + event_sql::kEventColumns +
                           " FROM events e WHERE " + where.sql +
                           " ORDER BY e.starts_at DESC, e.id DESC LIMIT ? OFFSET ?");
      Binder b(st);
      BindParams(b, where.params);
      b.Int(event_sql::ClampLimit(query.limit)).Int(query.offset < 0 ? 0 : query.offset);
      ResultSetPtr rs(st.executeQuery());
      while (rs->next()) page.events.push_back(ReadEvent(*rs));
    }
    LoadAddresses(c, page.events);
  });
  return page;
}

Result<Event> MysqlStore::DeleteEvent(int64_t id, const std::string& deleted_by, Timestamp now,
                                      const AuditEntry& audit) {
  std::optional<Refusal> refusal;
  std::optional<Event> stored;
  pool_->Transact("delete event", [&](Conn& c) {
    refusal.reset();
    {
      auto& st = c.Prepare(
          "UPDATE events SET deleted_at = ?, deleted_by = ? WHERE id = ? AND deleted_at IS NULL");
      Binder(st).Time(now).Str(deleted_by).Int(id);
      if (st.executeUpdate() != 1) {
        refusal = Refuse("not_found", "event " + std::to_string(id) + " does not exist");
        return;
      }
    }
    {
      // Held notices (the 06:00-23:00 window) must not go out for works
      // that were called off.
      auto& st = c.Prepare(
          "UPDATE outbox SET state = 'failed', last_error = 'event deleted', updated_at = ?"
          " WHERE batch_id = ? AND state = 'queued'");
      Binder(st).Time(now).Str(EventBatchId(id));
      st.executeUpdate();
    }
    InsertAudit(c, WithEntityId(audit, std::to_string(id)));
    stored = FindEvent(c, id);
  });
  if (refusal) return *refusal;
  return std::move(*stored);
}

std::vector<EventSubscriber> MysqlStore::ListEventSubscribers(int64_t event_id) {
  std::vector<EventSubscriber> out;
  pool_->Run("list event subscribers", [&](Conn& c) {
    out.clear();
    auto& st = c.Prepare(event_sql::kSubscribersSql);
    Binder(st).Int(event_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(EventSubscriber{Str(*rs, 1), Str(*rs, 2), Str(*rs, 3)});
  });
  return out;
}

std::vector<Event> MysqlStore::ListEventsEndedUnannounced(Timestamp now, int limit) {
  std::vector<Event> out;
  pool_->Run("list ended events", [&](Conn& c) {
    out.clear();
    {
      auto& st = c.Prepare(std::string("SELECT ") + event_sql::kEventColumns +
                           " FROM events e WHERE e.end_announced_at IS NULL AND e.deleted_at IS"
                           " NULL AND e.ends_at IS NOT NULL AND e.ends_at <= ?"
                           " ORDER BY e.ends_at, e.id LIMIT ?");
      Binder(st).Time(now).Int(event_sql::ClampLimit(limit));
      ResultSetPtr rs(st.executeQuery());
      while (rs->next()) out.push_back(ReadEvent(*rs));
    }
    LoadAddresses(c, out);
  });
  return out;
}

bool MysqlStore::MarkEventEndAnnounced(int64_t id, Timestamp now) {
  bool marked = false;
  pool_->Run("mark event end announced", [&](Conn& c) {
    auto& st = c.Prepare(
        "UPDATE events SET end_announced_at = ? WHERE id = ? AND end_announced_at IS NULL");
    Binder(st).Time(now).Int(id);
    marked = st.executeUpdate() == 1;
  });
  return marked;
}

int64_t MysqlStore::CancelQueuedEventNotices(int64_t event_id, const std::string& reason,
                                             Timestamp now) {
  int64_t n = 0;
  pool_->Run("cancel event notices", [&](Conn& c) {
    auto& st = c.Prepare(
        "UPDATE outbox SET state = 'failed', last_error = ?, updated_at = ?"
        " WHERE batch_id = ? AND state = 'queued'");
    Binder(st).Str(reason).Time(now).Str(EventBatchId(event_id));
    n = st.executeUpdate();
  });
  return n;
}

std::map<int64_t, EventNoticeCounts> MysqlStore::CountEventNotices(
    const std::vector<int64_t>& event_ids) {
  std::map<int64_t, EventNoticeCounts> out;
  if (event_ids.empty()) return out;
  std::map<std::string, int64_t> by_batch;
  for (int64_t id : event_ids) by_batch[EventBatchId(id)] = id;
  pool_->Run("count event notices", [&](Conn& c) {
    out.clear();
    auto& st = c.Prepare("SELECT batch_id, state, COUNT(*) FROM outbox WHERE batch_id IN (" +
                         mysql_detail::Placeholders(by_batch.size()) +
                         ") GROUP BY batch_id, state");
    Binder b(st);
    for (const auto& [batch, id] : by_batch) b.Str(batch);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) {
      EventNoticeCounts& n = out[by_batch.at(Str(*rs, 1))];
      const std::string state = Str(*rs, 2);
      if (state == "sent")
        n.sent += rs->getInt64(3);
      else if (state == "failed")
        n.failed += rs->getInt64(3);
      else
        n.queued += rs->getInt64(3);
    }
  });
  return out;
}

}  // namespace vikno
