#include "store/sqlite/sqlite_internal.h"

namespace vikno {

using sqlite_detail::Statement;
using sqlite_detail::Transaction;

namespace {

// The building an address names, for "the same address twice" (B3).
std::string BuildingKey(const Address& a) {
  if (a.registry_id) return "r:" + std::to_string(*a.registry_id);
  return "a:" + a.city + "|" + a.street + "|" + a.house;
}

constexpr const char* kAddressColumns =
    "registry_id, city, district, street, house, flat, entrance, lat, lon";

Address ReadAddress(const Statement& s, int first) {
  Address a;
  a.registry_id = s.OptInt(first);
  a.city = s.Text(first + 1);
  a.district = s.Text(first + 2);
  a.street = s.Text(first + 3);
  a.house = s.Text(first + 4);
  a.flat = s.Text(first + 5);
  a.entrance = s.Text(first + 6);
  if (!s.IsNull(first + 7) && !s.IsNull(first + 8))
    a.point = GeoPoint{s.Real(first + 7), s.Real(first + 8)};
  return a;
}

void BindAddress(Statement& s, const Address& a) {
  s.Bind(a.registry_id).Bind(a.city).Bind(a.district).Bind(a.street).Bind(a.house);
  s.Bind(a.flat).Bind(a.entrance);
  if (a.point) {
    s.Bind(a.point->lat).Bind(a.point->lon);
  } else {
    s.BindNull().BindNull();
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Dialogues

std::optional<std::string> SqliteStore::LoadDialogue(const std::string& channel,
                                                     const std::string& chat_id) {
  ReadLease r = Read();
  Statement s = r->Prepare("SELECT state FROM dialogues WHERE channel = ? AND chat_id = ?");
  s.Bind(channel).Bind(chat_id);
  if (!s.Step()) return std::nullopt;
  return s.Text(0);
}

void SqliteStore::SaveDialogue(const std::string& channel, const std::string& chat_id,
                               const std::string& resident_id, const std::string& state_json,
                               Timestamp now) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "INSERT INTO dialogues (channel, chat_id, resident_id, state, updated_at) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, chat_id) DO UPDATE SET "
      "resident_id = excluded.resident_id, state = excluded.state, "
      "updated_at = excluded.updated_at");
  s.Bind(channel).Bind(chat_id).Bind(resident_id).Bind(state_json).Bind(now).Run();
}

// ---------------------------------------------------------------------------
// Residents' addresses (B3)

std::vector<Address> SqliteStore::ListResidentAddresses(const std::string& resident_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kAddressColumns +
                           " FROM resident_addresses WHERE resident_id = ? ORDER BY id");
  s.Bind(resident_id);
  std::vector<Address> out;
  while (s.Step()) out.push_back(ReadAddress(s, 0));
  return out;
}

bool SqliteStore::AddResidentAddress(const std::string& resident_id, const Address& address,
                                     Timestamp now) {
  std::lock_guard lock(write_mutex_);
  // ON CONFLICT names the unique index only: an unknown resident (the
  // foreign key) still fails loudly.
  Statement s = writer_->Prepare(
      std::string("INSERT INTO resident_addresses (resident_id, building, ") + kAddressColumns +
      ", created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (resident_id, "
      "building, flat, entrance) DO NOTHING");
  s.Bind(resident_id).Bind(BuildingKey(address));
  BindAddress(s, address);
  s.Bind(now);
  return s.Run() == 1;
}

// ---------------------------------------------------------------------------
// Ratings (R25)

int64_t SqliteStore::AddRating(const Rating& rating) {
  if (!Rating::ValidScore(rating.score))
    throw StoreError("sqlite: a rating's score must be 1..5, got " + std::to_string(rating.score));
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "INSERT INTO ratings (appeal_id, resident_id, executor_id, score, comment, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
  s.Bind(rating.appeal_id).Bind(rating.resident_id).Bind(rating.executor_id).Bind(rating.score);
  s.Bind(rating.comment).Bind(rating.created_at);
  if (!s.Step()) throw StoreError("sqlite: rating insert returned no id");
  const int64_t id = s.Int(0);
  while (s.Step()) {
  }
  return id;
}

std::vector<Rating> SqliteStore::ListRatingsForAppeal(int64_t appeal_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(
      "SELECT id, appeal_id, resident_id, executor_id, score, comment, created_at FROM ratings "
      "WHERE appeal_id = ? ORDER BY id");
  s.Bind(appeal_id);
  std::vector<Rating> out;
  while (s.Step()) {
    Rating x;
    x.id = s.Int(0);
    x.appeal_id = s.OptInt(1);
    x.resident_id = s.Text(2);
    x.executor_id = s.Text(3);
    x.score = static_cast<int>(s.Int(4));
    x.comment = s.Text(5);
    x.created_at = s.Time(6);
    out.push_back(std::move(x));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Events at addresses (R22)

int64_t SqliteStore::CreateEvent(const Event& event) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Statement s = w.Prepare(
      "INSERT INTO events (kind, reason, executor_id, starts_at, ends_at, end_is_approximate, "
      "created_by, created_at, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "RETURNING id");
  s.Bind(EventKindCode(event.kind)).Bind(event.reason).Bind(event.executor_id);
  s.Bind(event.starts_at).Bind(event.ends_at).Bind(event.end_is_approximate);
  s.Bind(event.created_by).Bind(event.created_at).Bind(event.created_by).Bind(event.created_at);
  if (!s.Step()) throw StoreError("sqlite: event insert returned no id");
  const int64_t id = s.Int(0);
  while (s.Step()) {
  }
  for (size_t i = 0; i < event.addresses.size(); ++i) {
    Statement a = w.Prepare(std::string("INSERT INTO event_addresses (event_id, position, ") +
                            kAddressColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    a.Bind(id).Bind(static_cast<int64_t>(i));
    BindAddress(a, event.addresses[i]);
    a.Run();
  }
  tx.Commit();
  return id;
}

std::vector<Event> SqliteStore::ListActiveEventsAt(const std::vector<Address>& addresses,
                                                   Timestamp now) {
  std::vector<Event> out;
  if (addresses.empty()) return out;
  // One OR'ed condition per address: a resident has a handful of them.
  std::string where;
  for (const auto& a : addresses) {
    if (!where.empty()) where += " OR ";
    where += a.registry_id ? "(ea.registry_id = ? OR (ea.street = ? AND (ea.house = '' OR "
                             "ea.house = ?)))"
                           : "(ea.street = ? AND (ea.house = '' OR ea.house = ?))";
  }
  ReadLease r = Read();
  Statement s = r->Prepare(
      "SELECT e.id, e.kind, e.reason, e.executor_id, e.starts_at, e.ends_at, "
      "e.end_is_approximate, e.created_by, e.created_at FROM events e WHERE e.deleted_at IS NULL "
      "AND e.starts_at <= ? AND "
      "(e.ends_at IS NULL OR e.ends_at > ?) AND EXISTS (SELECT 1 FROM event_addresses ea WHERE "
      "ea.event_id = e.id AND (" +
      where + ")) ORDER BY e.starts_at, e.id");
  s.Bind(now).Bind(now);
  for (const auto& a : addresses) {
    if (a.registry_id) s.Bind(*a.registry_id);
    s.Bind(a.street).Bind(a.house);
  }
  while (s.Step()) {
    Event e;
    e.id = s.Int(0);
    e.kind = s.Text(1) == "emergency" ? EventKind::kEmergency : EventKind::kPlanned;
    e.reason = s.Text(2);
    e.executor_id = s.Text(3);
    e.starts_at = s.Time(4);
    e.ends_at = s.OptTime(5);
    e.end_is_approximate = s.Bool(6);
    e.created_by = s.Text(7);
    e.created_at = s.Time(8);
    out.push_back(std::move(e));
  }
  for (auto& e : out) {
    Statement a = r->Prepare(std::string("SELECT ") + kAddressColumns +
                             " FROM event_addresses WHERE event_id = ? ORDER BY position");
    a.Bind(e.id);
    while (a.Step()) e.addresses.push_back(ReadAddress(a, 0));
  }
  return out;
}

// ---------------------------------------------------------------------------
// The registry import (R3)

RegistryUpsertCounts SqliteStore::UpsertRegistryAddresses(
    const std::vector<RegistryAddress>& addresses) {
  RegistryUpsertCounts counts;
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  for (const auto& a : addresses) {
    {
      Statement seen = w.Prepare(
          "SELECT 1 FROM registry_addresses WHERE city = ? AND street = ? AND house = ?");
      seen.Bind(a.city).Bind(a.street).Bind(a.house);
      if (seen.Step())
        ++counts.updated;
      else
        ++counts.inserted;
    }
    Statement s = w.Prepare(
        "INSERT INTO registry_addresses (city, district, street, house, lat, lon) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (city, street, house) DO UPDATE SET "
        "district = excluded.district, lat = excluded.lat, lon = excluded.lon");
    s.Bind(a.city).Bind(a.district).Bind(a.street).Bind(a.house);
    if (a.point) {
      s.Bind(a.point->lat).Bind(a.point->lon);
    } else {
      s.BindNull().BindNull();
    }
    s.Run();
  }
  tx.Commit();
  return counts;
}

// ---------------------------------------------------------------------------
// Idempotent intake

bool SqliteStore::RecordInbound(const std::string& channel, const std::string& provider_id,
                                const std::string& payload_json, Timestamp now) {
  if (channel.empty() || provider_id.empty())
    throw StoreError("sqlite: an inbound record needs a channel and a provider id");
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "INSERT INTO inbound_messages (channel, provider_id, payload, state, received_at) "
      "VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (channel, provider_id) DO NOTHING");
  return s.Bind(channel).Bind(provider_id).Bind(payload_json).Bind(now).Run() == 1;
}

void SqliteStore::CompleteInbound(const std::string& channel, const std::string& provider_id,
                                  const std::string& error, Timestamp now) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "UPDATE inbound_messages SET state = ?, error = ?, payload = '', handled_at = ? "
      "WHERE channel = ? AND provider_id = ?");
  s.Bind(error.empty() ? "handled" : "failed").Bind(error).Bind(now).Bind(channel).Bind(
      provider_id);
  s.Run();
}

std::vector<PendingInbound> SqliteStore::ListPendingInbound(int64_t after_id, int limit) {
  ReadLease r = Read();
  Statement s = r->Prepare(
      "SELECT id, channel, provider_id, payload, received_at FROM inbound_messages "
      "WHERE state = 'pending' AND id > ? ORDER BY id LIMIT ?");
  s.Bind(after_id).Bind(std::max(1, limit));
  std::vector<PendingInbound> out;
  while (s.Step())
    out.push_back(PendingInbound{s.Int(0), s.Text(1), s.Text(2), s.Text(3), s.Time(4)});
  return out;
}

int64_t SqliteStore::PurgeInbound(Timestamp before) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "DELETE FROM inbound_messages WHERE state <> 'pending' AND received_at < ?");
  return s.Bind(before).Run();
}

}  // namespace vikno
