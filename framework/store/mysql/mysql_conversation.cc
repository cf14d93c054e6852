#include "store/mysql/mysql_internal.h"

namespace vikno {

using mysql_detail::Binder;
using mysql_detail::Conn;
using mysql_detail::OptInt;
using mysql_detail::OptTime;
using mysql_detail::ResultSetPtr;
using mysql_detail::Str;

namespace {

constexpr int kDuplicateEntry = 1062;  // ER_DUP_ENTRY

// The building an address names, for "the same address twice" (B3).
std::string BuildingKey(const Address& a) {
  if (a.registry_id) return "r:" + std::to_string(*a.registry_id);
  return "a:" + a.city + "|" + a.street + "|" + a.house;
}

constexpr const char* kAddressCols =
    "registry_id, city, district, street, house, flat, entrance, lat, lon";

Address ReadAddress(const sql::ResultSet& rs, uint32_t first) {
  Address a;
  a.registry_id = OptInt(rs, first);
  a.city = Str(rs, first + 1);
  a.district = Str(rs, first + 2);
  a.street = Str(rs, first + 3);
  a.house = Str(rs, first + 4);
  a.flat = Str(rs, first + 5);
  a.entrance = Str(rs, first + 6);
  if (!rs.isNull(first + 7) && !rs.isNull(first + 8))
    a.point = GeoPoint{static_cast<double>(rs.getDouble(first + 7)),
                       static_cast<double>(rs.getDouble(first + 8))};
  return a;
}

Binder& BindAddress(Binder& b, const Address& a) {
  return b.OptInt(a.registry_id)
      .Str(a.city)
      .Str(a.district)
      .Str(a.street)
      .Str(a.house)
      .Str(a.flat)
      .Str(a.entrance)
      .OptDouble(a.point ? std::optional<double>(a.point->lat) : std::nullopt)
      .OptDouble(a.point ? std::optional<double>(a.point->lon) : std::nullopt);
}

}  // namespace

// --- Dialogues ---

std::optional<std::string> MysqlStore::LoadDialogue(const std::string& channel,
                                                    const std::string& chat_id) {
  std::optional<std::string> out;
  pool_->Run("load dialogue", [&](Conn& c) {
    auto& st = c.Prepare("SELECT state FROM dialogues WHERE channel = ? AND chat_id = ?");
    Binder(st).Str(channel).Str(chat_id);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = Str(*rs, 1);
  });
  return out;
}

void MysqlStore::SaveDialogue(const std::string& channel, const std::string& chat_id,
                              const std::string& resident_id, const std::string& state_json,
                              Timestamp now) {
  pool_->Run("save dialogue", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO dialogues (channel, chat_id, resident_id, state, updated_at) VALUES (?, ?, ?,"
        " ?, ?) ON DUPLICATE KEY UPDATE resident_id = VALUES(resident_id), state = VALUES(state),"
        " updated_at = VALUES(updated_at)");
    Binder(st).Str(channel).Str(chat_id).Str(resident_id).Str(state_json).Time(now);
    st.executeUpdate();
  });
}

// --- Residents' addresses (B3) ---

std::vector<Address> MysqlStore::ListResidentAddresses(const std::string& resident_id) {
  std::vector<Address> out;
  pool_->Run("list resident addresses", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kAddressCols +
                         " FROM resident_addresses WHERE resident_id = ? ORDER BY id");
    Binder(st).Str(resident_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(ReadAddress(*rs, 1));
  });
  return out;
}

bool MysqlStore::AddResidentAddress(const std::string& resident_id, const Address& address,
                                    Timestamp now) {
  bool added = false;
  pool_->Run("add resident address", [&](Conn& c) {
    // A plain INSERT: only the unique key's duplicate means "had it";
    // an unknown resident (the foreign key) still fails.
    auto& st = c.Prepare(std::string("INSERT INTO resident_addresses (resident_id, building, ") +
                         kAddressCols + ", created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    Binder b(st);
    b.Str(resident_id).Str(BuildingKey(address).substr(0, 191));
    BindAddress(b, address).Time(now);
    try {
      st.executeUpdate();
      added = true;
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != kDuplicateEntry) throw;
    }
  });
  return added;
}

// --- Ratings (R25) ---

int64_t MysqlStore::AddRating(const Rating& rating) {
  if (!Rating::ValidScore(rating.score))
    throw StoreError("mysql: a rating's score must be 1..5, got " + std::to_string(rating.score));
  int64_t id = 0;
  pool_->Run("add rating", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO ratings (appeal_id, resident_id, executor_id, score, comment, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)");
    Binder(st)
        .OptInt(rating.appeal_id)
        .Str(rating.resident_id)
        .Str(rating.executor_id)
        .Int(rating.score)
        .Str(rating.comment)
        .Time(rating.created_at);
    st.executeUpdate();
    id = mysql_detail::LastInsertId(c);
  });
  return id;
}

std::vector<Rating> MysqlStore::ListRatingsForAppeal(int64_t appeal_id) {
  std::vector<Rating> out;
  pool_->Run("list ratings", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT id, appeal_id, resident_id, executor_id, score, comment, created_at FROM ratings"
        " WHERE appeal_id = ? ORDER BY id");
    Binder(st).Int(appeal_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) {
      Rating x;
      x.id = rs->getInt64(1);
      x.appeal_id = OptInt(*rs, 2);
      x.resident_id = Str(*rs, 3);
      x.executor_id = Str(*rs, 4);
      x.score = rs->getInt(5);
      x.comment = Str(*rs, 6);
      x.created_at = FromUnix(rs->getInt64(7));
      out.push_back(std::move(x));
    }
  });
  return out;
}

// --- Events at addresses (R22) ---

int64_t MysqlStore::CreateEvent(const Event& event) {
  int64_t id = 0;
  pool_->Transact("create event", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO events (kind, reason, executor_id, starts_at, ends_at, end_is_approximate,"
        " created_by, created_at, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Str(event.kind == EventKind::kEmergency ? "emergency" : "planned")
        .Str(event.reason)
        .Str(event.executor_id)
        .Time(event.starts_at)
        .OptTime(event.ends_at)
        .Bool(event.end_is_approximate)
        .Str(event.created_by)
        .Time(event.created_at)
        .Str(event.created_by)
        .Time(event.created_at);
    st.executeUpdate();
    id = mysql_detail::LastInsertId(c);
    for (size_t i = 0; i < event.addresses.size(); ++i) {
      auto& a = c.Prepare(std::string("INSERT INTO event_addresses (event_id, position, ") +
                          kAddressCols + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      Binder b(a);
      b.Int(id).Int(static_cast<int64_t>(i));
      BindAddress(b, event.addresses[i]);
      a.executeUpdate();
    }
  });
  return id;
}

std::vector<Event> MysqlStore::ListActiveEventsAt(const std::vector<Address>& addresses,
                                                  Timestamp now) {
  std::vector<Event> out;
  if (addresses.empty()) return out;
  std::string where;
  for (const auto& a : addresses) {
    if (!where.empty()) where += " OR ";
    where += a.registry_id ? "(ea.registry_id = ? OR (ea.street = ? AND (ea.house = '' OR "
                             "ea.house = ?)))"
                           : "(ea.street = ? AND (ea.house = '' OR ea.house = ?))";
  }
  pool_->Run("list active events", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT e.id, e.kind, e.reason, e.executor_id, e.starts_at, e.ends_at,"
        " e.end_is_approximate, e.created_by, e.created_at FROM events e WHERE e.deleted_at IS NULL"
        " AND e.starts_at <= ?"
        " AND (e.ends_at IS NULL OR e.ends_at > ?) AND EXISTS (SELECT 1 FROM event_addresses ea"
        " WHERE ea.event_id = e.id AND (" +
        where + ")) ORDER BY e.starts_at, e.id");
    Binder b(st);
    b.Time(now).Time(now);
    for (const auto& a : addresses) {
      if (a.registry_id) b.Int(*a.registry_id);
      b.Str(a.street).Str(a.house);
    }
    {
      ResultSetPtr rs(st.executeQuery());
      while (rs->next()) {
        Event e;
        e.id = rs->getInt64(1);
        e.kind = Str(*rs, 2) == "emergency" ? EventKind::kEmergency : EventKind::kPlanned;
        e.reason = Str(*rs, 3);
        e.executor_id = Str(*rs, 4);
        e.starts_at = FromUnix(rs->getInt64(5));
        e.ends_at = OptTime(*rs, 6);
        e.end_is_approximate = rs->getInt(7) != 0;
        e.created_by = Str(*rs, 8);
        e.created_at = FromUnix(rs->getInt64(9));
        out.push_back(std::move(e));
      }
    }
    for (auto& e : out) {
      auto& a = c.Prepare(std::string("SELECT ") + kAddressCols +
                          " FROM event_addresses WHERE event_id = ? ORDER BY position");
      Binder(a).Int(e.id);
      ResultSetPtr rs(a.executeQuery());
      while (rs->next()) e.addresses.push_back(ReadAddress(*rs, 1));
    }
  });
  return out;
}

// --- The registry import (R3) ---

RegistryUpsertCounts MysqlStore::UpsertRegistryAddresses(
    const std::vector<RegistryAddress>& addresses) {
  RegistryUpsertCounts counts;
  pool_->Transact("upsert registry addresses", [&](Conn& c) {
    counts = RegistryUpsertCounts{};  // a retried transaction counts again
    for (const auto& a : addresses) {
      {
        auto& seen = c.Prepare(
            "SELECT 1 FROM registry_addresses WHERE city = ? AND street = ? AND house = ?");
        Binder(seen).Str(a.city).Str(a.street).Str(a.house);
        ResultSetPtr rs(seen.executeQuery());
        if (rs->next())
          ++counts.updated;
        else
          ++counts.inserted;
      }
      auto& st = c.Prepare(
          "INSERT INTO registry_addresses (city, district, street, house, lat, lon) VALUES (?, ?,"
          " ?, ?, ?, ?) ON DUPLICATE KEY UPDATE district = VALUES(district), lat = VALUES(lat),"
          " lon = VALUES(lon)");
      Binder(st)
          .Str(a.city)
          .Str(a.district)
          .Str(a.street)
          .Str(a.house)
          .OptDouble(a.point ? std::optional<double>(a.point->lat) : std::nullopt)
          .OptDouble(a.point ? std::optional<double>(a.point->lon) : std::nullopt);
      st.executeUpdate();
    }
  });
  return counts;
}

// --- Idempotent intake ---

bool MysqlStore::RecordInbound(const std::string& channel, const std::string& provider_id,
                               const std::string& payload_json, Timestamp now) {
  if (channel.empty() || provider_id.empty())
    throw StoreError("mysql: an inbound record needs a channel and a provider id");
  bool recorded = false;
  pool_->Run("record inbound", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO inbound_messages (channel, provider_id, payload, state, error, received_at)"
        " VALUES (?, ?, ?, 'pending', '', ?)");
    Binder(st).Str(channel).Str(provider_id).Str(payload_json).Time(now);
    try {
      st.executeUpdate();
      recorded = true;
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != kDuplicateEntry) throw;
    }
  });
  return recorded;
}

void MysqlStore::CompleteInbound(const std::string& channel, const std::string& provider_id,
                                 const std::string& error, Timestamp now) {
  pool_->Run("complete inbound", [&](Conn& c) {
    auto& st = c.Prepare(
        "UPDATE inbound_messages SET state = ?, error = ?, payload = '', handled_at = ?"
        " WHERE channel = ? AND provider_id = ?");
    Binder(st)
        .Str(error.empty() ? "handled" : "failed")
        .Str(error)
        .Time(now)
        .Str(channel)
        .Str(provider_id);
    st.executeUpdate();
  });
}

std::vector<PendingInbound> MysqlStore::ListPendingInbound(int64_t after_id, int limit) {
  std::vector<PendingInbound> out;
  pool_->Run("list pending inbound", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT id, channel, provider_id, payload, received_at FROM inbound_messages"
        " WHERE state = 'pending' AND id > ? ORDER BY id LIMIT ?");
    Binder(st).Int(after_id).Int(std::max(1, limit));
    ResultSetPtr rs(st.executeQuery());
    while (rs->next())
      out.push_back(PendingInbound{rs->getInt64(1), Str(*rs, 2), Str(*rs, 3), Str(*rs, 4),
                                   FromUnix(rs->getInt64(5))});
  });
  return out;
}

int64_t MysqlStore::PurgeInbound(Timestamp before) {
  int64_t n = 0;
  pool_->Run("purge inbound", [&](Conn& c) {
    auto& st =
        c.Prepare("DELETE FROM inbound_messages WHERE state <> 'pending' AND received_at < ?");
    Binder(st).Time(before);
    n = st.executeUpdate();
  });
  return n;
}

}  // namespace vikno
