#include "store/mysql/mysql_internal.h"

#include <map>
#include <string_view>

namespace vikno {

using mysql_detail::Conn;
using mysql_detail::ResultSetPtr;
using mysql_detail::Binder;
using mysql_detail::Str;
using mysql_detail::OptInt;
using mysql_detail::OptTime;
using mysql_detail::OptStr;
using mysql_detail::Placeholders;

// --- Residents' channel bindings (issue 4) ---

namespace {

// params without kOutboxSecretParam (outbox_store.h), for the UPDATE that
// ends a row's sending. Malformed params (never written by vikno) are left
// as they are rather than turned into NULL.
static_assert(std::string_view(kOutboxSecretParam) == "secret");
constexpr const char* kDropSecret =
    "CASE WHEN JSON_VALID(params) AND JSON_CONTAINS_PATH(params, 'one', '$.secret') THEN "
    "JSON_REMOVE(params, '$.secret') ELSE params END";

constexpr const char* kBindingCols =
    "resident_id, channel, chat_id, subscribed, created_at, updated_at";

ChannelBinding ReadBinding(const sql::ResultSet& rs) {
  return ChannelBinding{Str(rs, 1), Str(rs, 2), Str(rs, 3), rs.getInt(4) != 0,
                        FromUnix(rs.getInt64(5)), FromUnix(rs.getInt64(6))};
}

constexpr const char* kOutboxCols =
    "id, idempotency_key, channel, address, recipient_kind, recipient_id, text_key, params, "
    "appeal_id, batch_id, priority, state, attempts, next_attempt_at, claim_token, "
    "claim_expires_at, provider_message_id, last_error, created_at, updated_at, sent_at, "
    "payload_json, receipt, receipt_detail, receipt_at";

OutboxMessage ReadOutbox(const sql::ResultSet& rs) {
  OutboxMessage m;
  m.id = rs.getInt64(1);
  m.idempotency_key = Str(rs, 2);
  m.channel = Str(rs, 3);
  m.address = Str(rs, 4);
  m.recipient_kind = Str(rs, 5);
  m.recipient_id = Str(rs, 6);
  m.text_key = Str(rs, 7);
  m.params = Str(rs, 8);
  m.appeal_id = OptInt(rs, 9);
  m.batch_id = Str(rs, 10);
  m.priority = rs.getInt(11);
  const std::string state = Str(rs, 12);
  const auto parsed = ParseOutboxState(state);
  if (!parsed)
    throw StoreError("mysql: outbox row " + std::to_string(m.id) + " has unknown state '" +
                     state + "'");
  m.state = *parsed;
  m.attempts = rs.getInt(13);
  m.next_attempt_at = FromUnix(rs.getInt64(14));
  m.claim_token = OptStr(rs, 15).value_or("");
  m.claim_expires_at = OptTime(rs, 16);
  m.provider_message_id = OptStr(rs, 17).value_or("");
  m.last_error = Str(rs, 18);
  m.created_at = FromUnix(rs.getInt64(19));
  m.updated_at = FromUnix(rs.getInt64(20));
  m.sent_at = OptTime(rs, 21);
  m.payload_json = OptStr(rs, 22).value_or("");
  m.receipt = Str(rs, 23);
  m.receipt_detail = OptStr(rs, 24).value_or("");
  m.receipt_at = OptTime(rs, 25);
  return m;
}

std::optional<std::string> NonEmpty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

}  // namespace

void MysqlStore::UpsertChannelBinding(const ChannelBinding& b) {
  if (b.resident_id.empty() || b.channel.empty() || b.chat_id.empty())
    throw StoreError("mysql: a channel binding needs a resident, a channel and a chat id");
  pool_->Transact("upsert channel binding", [&](Conn& c) {
    // UPDATE, then INSERT when there was nothing to update; not ON DUPLICATE
    // KEY UPDATE, which fires on ANY unique key and would rewrite another
    // resident's binding of the same chat instead of refusing it.
    auto& up = c.Prepare(
        "UPDATE resident_channels SET chat_id = ?, subscribed = ?, updated_at = ?"
        " WHERE resident_id = ? AND channel = ?");
    Binder(up).Str(b.chat_id).Bool(b.subscribed).Time(b.updated_at).Str(b.resident_id).Str(
        b.channel);
    if (up.executeUpdate() > 0) return;  // CLIENT_FOUND_ROWS: matched, changed or not
    auto& st = c.Prepare(
        "INSERT INTO resident_channels (resident_id, channel, chat_id, subscribed, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Str(b.resident_id)
        .Str(b.channel)
        .Str(b.chat_id)
        .Bool(b.subscribed)
        .Time(b.created_at)
        .Time(b.updated_at);
    st.executeUpdate();
  });
}

std::vector<ChannelBinding> MysqlStore::ListChannelBindings(const std::string& resident_id) {
  std::vector<ChannelBinding> out;
  pool_->Run("list channel bindings", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kBindingCols +
                         " FROM resident_channels WHERE resident_id = ?"
                         " ORDER BY updated_at DESC, channel");
    Binder(st).Str(resident_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(ReadBinding(*rs));
  });
  return out;
}

std::optional<ChannelBinding> MysqlStore::FindChannelBindingByChat(const std::string& channel,
                                                                   const std::string& chat_id) {
  std::optional<ChannelBinding> out;
  pool_->Run("find channel binding", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kBindingCols +
                         " FROM resident_channels WHERE channel = ? AND chat_id = ?");
    Binder(st).Str(channel).Str(chat_id);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = ReadBinding(*rs);
  });
  return out;
}

// --- Outbox (issue 4, B11) ---

bool MysqlStore::EnqueueOutbox(const OutboxMessage& m) {
  if (m.idempotency_key.empty()) throw StoreError("mysql: an outbox row needs an idempotency key");
  if (m.priority < 0 || m.priority > 2)
    throw StoreError("mysql: outbox priority must be 0..2, got " + std::to_string(m.priority));
  bool inserted = false;
  pool_->Run("enqueue outbox", [&](Conn& c) {
    // A plain INSERT: IGNORE would also hide other errors. ER_DUP_ENTRY on
    // the key's unique index (the only unique one besides the id) means
    // "already queued".
    auto& st = c.Prepare(
        "INSERT INTO outbox (idempotency_key, channel, address, recipient_kind, recipient_id,"
        " text_key, params, appeal_id, batch_id, priority, state, attempts, next_attempt_at,"
        " claim_token, claim_expires_at, provider_message_id, last_error, created_at, updated_at,"
        " sent_at, payload_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?)");
    Binder(st)
        .Str(m.idempotency_key)
        .Str(m.channel)
        .Str(m.address)
        .Str(m.recipient_kind)
        .Str(m.recipient_id)
        .Str(m.text_key)
        .Str(m.params.empty() ? "{}" : m.params)
        .OptInt(m.appeal_id)
        .Str(m.batch_id)
        .Int(m.priority)
        .Str(std::string(OutboxStateCode(m.state)))
        .Int(m.attempts)
        .Time(m.next_attempt_at)
        .OptStr(NonEmpty(m.claim_token))
        .OptTime(m.claim_expires_at)
        .OptStr(NonEmpty(m.provider_message_id))
        .Str(m.last_error)
        .Time(m.created_at)
        .Time(m.updated_at)
        .OptTime(m.sent_at)
        .Str(m.payload_json);
    try {
      st.executeUpdate();
      inserted = true;
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != 1062) throw;  // ER_DUP_ENTRY
    }
  });
  return inserted;
}

std::vector<OutboxMessage> MysqlStore::ClaimOutbox(const std::string& channel,
                                                   const std::string& claim_token, Timestamp now,
                                                   Timestamp claim_until, int limit) {
  if (claim_token.empty()) throw StoreError("mysql: claiming the outbox needs a claim token");
  if (limit < 1) throw StoreError("mysql: outbox claim limit must be positive");
  std::vector<OutboxMessage> out;
  pool_->Transact("claim outbox", [&](Conn& c) {
    out.clear();
    std::vector<int64_t> ids;
    auto collect = [&](sql::PreparedStatement& st) {
      ResultSetPtr rs(st.executeQuery());
      while (rs->next()) ids.push_back(rs->getInt64(1));
    };
    {
      // Rows of a sender that died (claim expired) first: they are the oldest
      // work. SKIP LOCKED: rows another sender is claiming right now are
      // passed over, not waited for, so senders on several hosts never block
      // each other nor get the same row.
      auto& st = c.Prepare(
          "SELECT id FROM outbox WHERE state = 'sending' AND claim_expires_at <= ? AND channel = ?"
          " ORDER BY claim_expires_at, id LIMIT ? FOR UPDATE SKIP LOCKED");
      Binder(st).Time(now).Str(channel).Int(limit);
      collect(st);
    }
    // One index range per priority, each in send order: reads only what it claims.
    for (int priority = 0; priority <= 2 && static_cast<int>(ids.size()) < limit; ++priority) {
      // Per-chat FIFO (R23): a row waits while an older row of its (channel,
      // chat) is still queued (even in back-off) or being sent, so a claim
      // takes only the oldest unsent row of each chat (outbox_chat_order).
      // The subquery is a consistent read: a row another claimer holds
      // locked still reads as queued and holds its chat's younger rows back.
      auto& st = c.Prepare(
          "SELECT id FROM outbox WHERE state = 'queued' AND channel = ? AND priority = ? AND"
          " next_attempt_at <= ? AND (outbox.address = '' OR NOT EXISTS (SELECT 1 FROM outbox"
          " older WHERE older.channel = outbox.channel AND older.address = outbox.address AND"
          " older.state IN ('queued', 'sending') AND older.id < outbox.id))"
          " ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED");
      Binder(st).Str(channel).Int(priority).Time(now).Int(limit - static_cast<int64_t>(ids.size()));
      collect(st);
    }
    if (ids.empty()) return;
    const std::string in = "(" + Placeholders(ids.size()) + ")";
    {
      auto& st = c.Prepare(
          "UPDATE outbox SET state = 'sending', claim_token = ?, claim_expires_at = ?,"
          " attempts = attempts + 1, updated_at = ? WHERE id IN " + in);
      Binder b(st);
      b.Str(claim_token).Time(claim_until).Time(now);
      for (int64_t id : ids) b.Int(id);
      st.executeUpdate();
    }
    std::map<int64_t, OutboxMessage> by_id;
    {
      auto& st = c.Prepare(std::string("SELECT ") + kOutboxCols + " FROM outbox WHERE id IN " + in);
      Binder b(st);
      for (int64_t id : ids) b.Int(id);
      ResultSetPtr rs(st.executeQuery());
      while (rs->next()) {
        OutboxMessage m = ReadOutbox(*rs);
        by_id.emplace(m.id, std::move(m));
      }
    }
    for (int64_t id : ids)  // the claim order
      if (auto it = by_id.find(id); it != by_id.end()) out.push_back(std::move(it->second));
  });
  return out;
}

bool MysqlStore::MarkOutboxSent(int64_t id, const std::string& claim_token,
                                const std::string& provider_message_id, Timestamp now) {
  bool marked = false;
  pool_->Run("mark outbox sent", [&](Conn& c) {
    auto& st = c.Prepare(
        "UPDATE outbox SET state = 'sent', provider_message_id = ?, sent_at = ?, updated_at = ?,"
        " claim_token = NULL, claim_expires_at = NULL, params = " +
        std::string(kDropSecret) + " WHERE id = ? AND state = 'sending' AND claim_token = ?");
    Binder(st).Str(provider_message_id).Time(now).Time(now).Int(id).Str(claim_token);
    marked = st.executeUpdate() == 1;
  });
  return marked;
}

bool MysqlStore::MarkOutboxRetry(int64_t id, const std::string& claim_token,
                                 Timestamp next_attempt_at, const std::string& reason,
                                 Timestamp now) {
  bool marked = false;
  pool_->Run("mark outbox retry", [&](Conn& c) {
    auto& st = c.Prepare(
        "UPDATE outbox SET state = 'queued', next_attempt_at = ?, last_error = ?, updated_at = ?,"
        " claim_token = NULL, claim_expires_at = NULL"
        " WHERE id = ? AND state = 'sending' AND claim_token = ?");
    Binder(st).Time(next_attempt_at).Str(reason).Time(now).Int(id).Str(claim_token);
    marked = st.executeUpdate() == 1;
  });
  return marked;
}

bool MysqlStore::MarkOutboxFailed(int64_t id, const std::string& claim_token,
                                  const std::string& reason, Timestamp now) {
  bool marked = false;
  pool_->Run("mark outbox failed", [&](Conn& c) {
    auto& st = c.Prepare(
        "UPDATE outbox SET state = 'failed', last_error = ?, updated_at = ?, claim_token = NULL,"
        " claim_expires_at = NULL, params = " +
        std::string(kDropSecret) + " WHERE id = ? AND state = 'sending' AND claim_token = ?");
    Binder(st).Str(reason).Time(now).Int(id).Str(claim_token);
    marked = st.executeUpdate() == 1;
  });
  return marked;
}

int MysqlStore::ReleaseOutboxClaims(const std::string& claim_token, Timestamp now) {
  int released = 0;
  pool_->Run("release outbox claims", [&](Conn& c) {
    auto& st = c.Prepare(
        "UPDATE outbox SET state = 'queued', attempts = GREATEST(attempts - 1, 0),"
        " claim_token = NULL, claim_expires_at = NULL, updated_at = ?"
        " WHERE state = 'sending' AND claim_token = ?");
    Binder(st).Time(now).Str(claim_token);
    released = st.executeUpdate();
  });
  return released;
}

bool MysqlStore::RecordOutboxReceipt(const std::string& channel,
                                     const std::string& provider_message_id,
                                     const std::string& receipt, const std::string& detail,
                                     Timestamp now) {
  if (provider_message_id.empty()) return false;
  bool found = false;
  pool_->Run("record outbox receipt", [&](Conn& c) {
    // "read" is never replaced by a late "delivered". affected rows would
    // not count a row whose values stay the same, so look it up first.
    auto& find = c.Prepare("SELECT 1 FROM outbox WHERE channel = ? AND provider_message_id = ?");
    Binder(find).Str(channel).Str(provider_message_id);
    ResultSetPtr rs(find.executeQuery());
    found = rs->next();
    if (!found) return;
    auto& st = c.Prepare(
        "UPDATE outbox SET receipt = CASE WHEN receipt = 'read' AND ? = 'delivered' THEN receipt"
        " ELSE ? END, receipt_detail = ?, receipt_at = ?, updated_at = ?"
        " WHERE channel = ? AND provider_message_id = ?");
    Binder(st).Str(receipt).Str(receipt).Str(detail).Time(now).Time(now).Str(channel).Str(
        provider_message_id);
    st.executeUpdate();
  });
  return found;
}

std::optional<OutboxMessage> MysqlStore::FindOutboxByKey(const std::string& key) {
  std::optional<OutboxMessage> out;
  pool_->Run("find outbox row", [&](Conn& c) {
    auto& st =
        c.Prepare(std::string("SELECT ") + kOutboxCols + " FROM outbox WHERE idempotency_key = ?");
    Binder(st).Str(key);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = ReadOutbox(*rs);
  });
  return out;
}

std::vector<OutboxMessage> MysqlStore::ListOutbox(const OutboxQuery& q) {
  if (q.limit < 1 || q.limit > 1000)
    throw StoreError("mysql: outbox list: limit must be 1..1000, got " + std::to_string(q.limit));
  std::vector<OutboxMessage> out;
  pool_->Run("list outbox", [&](Conn& c) {
    // Fixed text; "match anything" is a bound flag.
    auto& st = c.Prepare(std::string("SELECT ") + kOutboxCols +
                         " FROM outbox WHERE id > ? AND (? OR batch_id = ?) AND (? OR channel = ?)"
                         " AND (? OR state = ?) AND (? OR appeal_id = ?) ORDER BY id LIMIT ?");
    Binder(st)
        .Int(q.after_id)
        .Bool(q.batch_id.empty())
        .Str(q.batch_id)
        .Bool(q.channel.empty())
        .Str(q.channel)
        .Bool(!q.state.has_value())
        .Str(q.state ? std::string(OutboxStateCode(*q.state)) : std::string())
        .Bool(!q.appeal_id.has_value())
        .Int(q.appeal_id.value_or(0))
        .Int(q.limit);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(ReadOutbox(*rs));
  });
  return out;
}

std::vector<OutboxCount> MysqlStore::CountOutbox(const std::string& batch_id) {
  std::vector<OutboxCount> out;
  pool_->Run("count outbox", [&](Conn& c) {
    auto& st = c.Prepare(
        batch_id.empty()
            ? "SELECT channel, state, COUNT(*) FROM outbox GROUP BY channel, state"
              " ORDER BY channel, state"
            : "SELECT channel, state, COUNT(*) FROM outbox WHERE batch_id = ?"
              " GROUP BY channel, state ORDER BY channel, state");
    if (!batch_id.empty()) Binder(st).Str(batch_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) {
      const auto state = ParseOutboxState(Str(*rs, 2));
      if (!state) throw StoreError("mysql: outbox has unknown state '" + Str(*rs, 2) + "'");
      out.push_back(OutboxCount{Str(*rs, 1), *state, rs->getInt64(3)});
    }
  });
  return out;
}

std::optional<Timestamp> MysqlStore::NextOutboxAttempt(const std::string& channel) {
  std::optional<Timestamp> next;
  pool_->Run("next outbox attempt", [&](Conn& c) {
    auto take = [&](sql::PreparedStatement& st) {
      ResultSetPtr rs(st.executeQuery());
      if (rs->next() && !rs->isNull(1)) {
        const Timestamp t = FromUnix(rs->getInt64(1));
        if (!next || t < *next) next = t;
      }
    };
    for (int priority = 0; priority <= 2; ++priority) {
      auto& st = c.Prepare(
          "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'queued' AND channel = ?"
          " AND priority = ?");
      Binder(st).Str(channel).Int(priority);
      take(st);
    }
    // Claims that will expire are work too.
    auto& st = c.Prepare(
        "SELECT MIN(claim_expires_at) FROM outbox WHERE state = 'sending' AND channel = ?");
    Binder(st).Str(channel);
    take(st);
  });
  return next;
}

}  // namespace vikno
