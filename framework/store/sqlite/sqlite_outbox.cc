#include "store/sqlite/sqlite_internal.h"

#include <string_view>

namespace vikno {

using sqlite_detail::Statement;
using sqlite_detail::Transaction;

// ---------------------------------------------------------------------------
// Residents' channel bindings (issue 4)

namespace {

// params without kOutboxSecretParam (outbox_store.h), for the UPDATE that
// ends a row's sending. Nested CASE: json_type raises on malformed JSON, and
// such params (never written by vikno) are left as they are.
static_assert(std::string_view(kOutboxSecretParam) == "secret");
constexpr const char* kDropSecret =
    "CASE WHEN json_valid(params) THEN CASE WHEN json_type(params, '$.secret') IS NULL THEN "
    "params ELSE json_remove(params, '$.secret') END ELSE params END";

constexpr const char* kBindingColumns =
    "resident_id, channel, chat_id, subscribed, created_at, updated_at";

ChannelBinding ReadBinding(const Statement& s) {
  return ChannelBinding{s.Text(0), s.Text(1), s.Text(2), s.Bool(3), s.Time(4), s.Time(5)};
}

constexpr const char* kOutboxColumns =
    "id, idempotency_key, channel, address, recipient_kind, recipient_id, text_key, params, "
    "appeal_id, batch_id, priority, state, attempts, next_attempt_at, claim_token, "
    "claim_expires_at, provider_message_id, last_error, created_at, updated_at, sent_at, "
    "payload_json, receipt, receipt_detail, receipt_at";

OutboxMessage ReadOutbox(const Statement& s) {
  OutboxMessage m;
  m.id = s.Int(0);
  m.idempotency_key = s.Text(1);
  m.channel = s.Text(2);
  m.address = s.Text(3);
  m.recipient_kind = s.Text(4);
  m.recipient_id = s.Text(5);
  m.text_key = s.Text(6);
  m.params = s.Text(7);
  m.appeal_id = s.OptInt(8);
  m.batch_id = s.Text(9);
  m.priority = static_cast<int>(s.Int(10));
  const std::string state = s.Text(11);
  const auto parsed = ParseOutboxState(state);
  if (!parsed)
    throw StoreError("sqlite: outbox row " + std::to_string(m.id) + " has unknown state '" +
                     state + "'");
  m.state = *parsed;
  m.attempts = static_cast<int>(s.Int(12));
  m.next_attempt_at = s.Time(13);
  m.claim_token = s.Text(14);
  m.claim_expires_at = s.OptTime(15);
  m.provider_message_id = s.Text(16);
  m.last_error = s.Text(17);
  m.created_at = s.Time(18);
  m.updated_at = s.Time(19);
  m.sent_at = s.OptTime(20);
  m.payload_json = s.Text(21);
  m.receipt = s.Text(22);
  m.receipt_detail = s.Text(23);
  m.receipt_at = s.OptTime(24);
  return m;
}

}  // namespace

void SqliteStore::UpsertChannelBinding(const ChannelBinding& b) {
  if (b.resident_id.empty() || b.channel.empty() || b.chat_id.empty())
    throw StoreError("sqlite: a channel binding needs a resident, a channel and a chat id");
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "INSERT INTO resident_channels (resident_id, channel, chat_id, subscribed, created_at, "
      "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (resident_id, channel) DO UPDATE SET "
      "chat_id = excluded.chat_id, subscribed = excluded.subscribed, "
      "updated_at = excluded.updated_at");
  s.Bind(b.resident_id).Bind(b.channel).Bind(b.chat_id).Bind(b.subscribed);
  s.Bind(b.created_at).Bind(b.updated_at).Run();
}

std::vector<ChannelBinding> SqliteStore::ListChannelBindings(const std::string& resident_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kBindingColumns +
                           " FROM resident_channels WHERE resident_id = ? "
                           "ORDER BY updated_at DESC, channel");
  s.Bind(resident_id);
  std::vector<ChannelBinding> out;
  while (s.Step()) out.push_back(ReadBinding(s));
  return out;
}

std::optional<ChannelBinding> SqliteStore::FindChannelBindingByChat(const std::string& channel,
                                                                    const std::string& chat_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kBindingColumns +
                           " FROM resident_channels WHERE channel = ? AND chat_id = ?");
  s.Bind(channel).Bind(chat_id);
  if (!s.Step()) return std::nullopt;
  return ReadBinding(s);
}

// ---------------------------------------------------------------------------
// Outbox (issue 4, B11)

bool SqliteStore::EnqueueOutbox(const OutboxMessage& m) {
  if (m.idempotency_key.empty()) throw StoreError("sqlite: an outbox row needs an idempotency key");
  if (m.priority < 0 || m.priority > 2)
    throw StoreError("sqlite: outbox priority must be 0..2, got " + std::to_string(m.priority));
  std::lock_guard lock(write_mutex_);
  // DO NOTHING only on the key: any other constraint still fails loudly.
  Statement s = writer_->Prepare(
      "INSERT INTO outbox (idempotency_key, channel, address, recipient_kind, recipient_id, "
      "text_key, params, appeal_id, batch_id, priority, state, attempts, next_attempt_at, "
      "claim_token, claim_expires_at, provider_message_id, last_error, created_at, updated_at, "
      "sent_at, payload_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "?) "
      "ON CONFLICT (idempotency_key) DO NOTHING");
  s.Bind(m.idempotency_key).Bind(m.channel).Bind(m.address).Bind(m.recipient_kind);
  s.Bind(m.recipient_id).Bind(m.text_key).Bind(m.params.empty() ? std::string("{}") : m.params);
  s.Bind(m.appeal_id).Bind(m.batch_id).Bind(m.priority).Bind(OutboxStateCode(m.state));
  s.Bind(m.attempts).Bind(m.next_attempt_at);
  if (m.claim_token.empty()) {
    s.BindNull();
  } else {
    s.Bind(m.claim_token);
  }
  s.Bind(m.claim_expires_at);
  if (m.provider_message_id.empty()) {
    s.BindNull();
  } else {
    s.Bind(m.provider_message_id);
  }
  s.Bind(m.last_error).Bind(m.created_at).Bind(m.updated_at).Bind(m.sent_at).Bind(m.payload_json);
  return s.Run() == 1;
}

// Per-chat FIFO (R23): a row waits while an older row of its (channel,
// chat) is still queued (even if not yet due: a retry in back-off) or being
// sent, so at most one row of a chat is out at a time and a claim takes only
// the oldest unsent row of each chat (index outbox_chat_order).
// A row with no address (nothing to order by) is never held back.
constexpr char kOlderOfChatPending[] =
    "(outbox.address = '' OR NOT EXISTS (SELECT 1 FROM outbox older WHERE "
    "older.channel = outbox.channel AND older.address = outbox.address AND "
    "older.state IN ('queued', 'sending') AND older.id < outbox.id))";

std::vector<OutboxMessage> SqliteStore::ClaimOutbox(const std::string& channel,
                                                    const std::string& claim_token, Timestamp now,
                                                    Timestamp claim_until, int limit) {
  if (claim_token.empty()) throw StoreError("sqlite: claiming the outbox needs a claim token");
  if (limit < 1) throw StoreError("sqlite: outbox claim limit must be positive");
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  // The one writer transaction is the claim: no other sender of this
  // database (thread or process) can claim between our read and our update.
  Transaction tx(w);
  {
    // Rows of senders that died (claim expired) are due again at once.
    Statement s = w.Prepare(
        "UPDATE outbox SET state = 'queued', claim_token = NULL, claim_expires_at = NULL, "
        "next_attempt_at = ?, updated_at = ? WHERE state = 'sending' AND claim_expires_at <= ? "
        "AND channel = ?");
    s.Bind(now).Bind(now).Bind(now).Bind(channel).Run();
  }
  std::vector<int64_t> ids;
  // One index range per priority, each in send order: reads only what it claims.
  for (int priority = 0; priority <= 2 && static_cast<int>(ids.size()) < limit; ++priority) {
    Statement s = w.Prepare(
        std::string("SELECT id FROM outbox WHERE state = 'queued' AND channel = ? AND priority = ? "
                    "AND next_attempt_at <= ? AND ") +
        kOlderOfChatPending + " ORDER BY next_attempt_at, id LIMIT ?");
    s.Bind(channel).Bind(priority).Bind(now).Bind(static_cast<int64_t>(limit - ids.size()));
    while (s.Step()) ids.push_back(s.Int(0));
  }
  std::vector<OutboxMessage> out;
  for (int64_t id : ids) {
    {
      Statement s = w.Prepare(
          "UPDATE outbox SET state = 'sending', claim_token = ?, claim_expires_at = ?, "
          "attempts = attempts + 1, updated_at = ? WHERE id = ?");
      s.Bind(claim_token).Bind(claim_until).Bind(now).Bind(id).Run();
    }
    Statement s = w.Prepare(std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE id = ?");
    s.Bind(id);
    if (s.Step()) out.push_back(ReadOutbox(s));
  }
  tx.Commit();
  return out;
}

bool SqliteStore::MarkOutboxSent(int64_t id, const std::string& claim_token,
                                 const std::string& provider_message_id, Timestamp now) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "UPDATE outbox SET state = 'sent', provider_message_id = ?, sent_at = ?, updated_at = ?, "
      "claim_token = NULL, claim_expires_at = NULL, params = " +
      std::string(kDropSecret) + " WHERE id = ? AND state = 'sending' AND claim_token = ?");
  return s.Bind(provider_message_id).Bind(now).Bind(now).Bind(id).Bind(claim_token).Run() == 1;
}

bool SqliteStore::MarkOutboxRetry(int64_t id, const std::string& claim_token,
                                  Timestamp next_attempt_at, const std::string& reason,
                                  Timestamp now) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "UPDATE outbox SET state = 'queued', next_attempt_at = ?, last_error = ?, updated_at = ?, "
      "claim_token = NULL, claim_expires_at = NULL WHERE id = ? AND state = 'sending' AND "
      "claim_token = ?");
  return s.Bind(next_attempt_at).Bind(reason).Bind(now).Bind(id).Bind(claim_token).Run() == 1;
}

bool SqliteStore::MarkOutboxFailed(int64_t id, const std::string& claim_token,
                                   const std::string& reason, Timestamp now) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "UPDATE outbox SET state = 'failed', last_error = ?, updated_at = ?, claim_token = NULL, "
      "claim_expires_at = NULL, params = " +
      std::string(kDropSecret) + " WHERE id = ? AND state = 'sending' AND claim_token = ?");
  return s.Bind(reason).Bind(now).Bind(id).Bind(claim_token).Run() == 1;
}

int SqliteStore::ReleaseOutboxClaims(const std::string& claim_token, Timestamp now) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "UPDATE outbox SET state = 'queued', attempts = MAX(attempts - 1, 0), claim_token = NULL, "
      "claim_expires_at = NULL, updated_at = ? WHERE state = 'sending' AND claim_token = ?");
  return s.Bind(now).Bind(claim_token).Run();
}

std::optional<OutboxMessage> SqliteStore::FindOutboxByKey(const std::string& key) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kOutboxColumns +
                           " FROM outbox WHERE idempotency_key = ?");
  s.Bind(key);
  if (!s.Step()) return std::nullopt;
  return ReadOutbox(s);
}

bool SqliteStore::RecordOutboxReceipt(const std::string& channel,
                                      const std::string& provider_message_id,
                                      const std::string& receipt, const std::string& detail,
                                      Timestamp now) {
  if (provider_message_id.empty()) return false;
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "UPDATE outbox SET receipt = CASE WHEN receipt = 'read' AND ? = 'delivered' THEN receipt "
      "ELSE ? END, receipt_detail = ?, receipt_at = ?, updated_at = ? "
      "WHERE channel = ? AND provider_message_id = ?");
  return s.Bind(receipt).Bind(receipt).Bind(detail).Bind(now).Bind(now).Bind(channel).Bind(
             provider_message_id).Run() > 0;
}

std::vector<OutboxMessage> SqliteStore::ListOutbox(const OutboxQuery& q) {
  if (q.limit < 1 || q.limit > 1000)
    throw StoreError("outbox list: limit must be 1..1000, got " + std::to_string(q.limit));
  // Fixed fragments; "match anything" is a bound flag, so one statement text
  // serves every filter combination.
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kOutboxColumns +
                           " FROM outbox WHERE id > ? AND (? OR batch_id = ?) AND "
                           "(? OR channel = ?) AND (? OR state = ?) AND (? OR appeal_id = ?) "
                           "ORDER BY id LIMIT ?");
  s.Bind(q.after_id);
  s.Bind(q.batch_id.empty()).Bind(q.batch_id);
  s.Bind(q.channel.empty()).Bind(q.channel);
  s.Bind(!q.state.has_value()).Bind(q.state ? OutboxStateCode(*q.state) : std::string_view());
  s.Bind(!q.appeal_id.has_value()).Bind(q.appeal_id.value_or(0));
  s.Bind(static_cast<int64_t>(q.limit));
  std::vector<OutboxMessage> out;
  while (s.Step()) out.push_back(ReadOutbox(s));
  return out;
}

std::vector<OutboxCount> SqliteStore::CountOutbox(const std::string& batch_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(
      batch_id.empty()
          ? "SELECT channel, state, COUNT(*) FROM outbox GROUP BY channel, state "
            "ORDER BY channel, state"
          : "SELECT channel, state, COUNT(*) FROM outbox WHERE batch_id = ? "
            "GROUP BY channel, state ORDER BY channel, state");
  if (!batch_id.empty()) s.Bind(batch_id);
  std::vector<OutboxCount> out;
  while (s.Step()) {
    const auto state = ParseOutboxState(s.Text(1));
    if (!state) throw StoreError("sqlite: outbox has unknown state '" + s.Text(1) + "'");
    out.push_back(OutboxCount{s.Text(0), *state, s.Int(2)});
  }
  return out;
}

std::optional<Timestamp> SqliteStore::NextOutboxAttempt(const std::string& channel) {
  ReadLease r = Read();
  std::optional<Timestamp> next;
  // Per priority, the head of the claim index range.
  for (int priority = 0; priority <= 2; ++priority) {
    Statement s = r->Prepare(
        "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'queued' AND channel = ? AND "
        "priority = ?");
    s.Bind(channel).Bind(priority);
    if (s.Step() && !s.IsNull(0) && (!next || s.Time(0) < *next)) next = s.Time(0);
  }
  {
    // Claims that will expire are work too.
    Statement s = r->Prepare(
        "SELECT MIN(claim_expires_at) FROM outbox WHERE state = 'sending' AND channel = ?");
    s.Bind(channel);
    if (s.Step() && !s.IsNull(0) && (!next || s.Time(0) < *next)) next = s.Time(0);
  }
  return next;
}

}  // namespace vikno
