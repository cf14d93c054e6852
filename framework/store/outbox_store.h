// The delivery part of the Store interface (store/store.h): residents'
// channel bindings and the durable outbox (issue 4, B11).
// Thread-safety and errors as for every Store (store/store.h): callable from
// any thread; expected outcomes are Result refusals, failures throw StoreError
// and roll the operation back whole.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace vikno {

// Where a resident is reached on one channel (issue 4): written by the
// conversation, read by the outbox.
struct ChannelBinding {
  std::string resident_id;
  std::string channel;  // "telegram", "viber", "sms", "email"...
  std::string chat_id;  // the channel's address: Telegram chat id, Viber user id, phone
  bool subscribed = true;  // false: blocked the bot or unsubscribed; nothing is sent there
  Timestamp created_at;
  Timestamp updated_at;
};

// One row of the durable outbox (issue 4, B11). States: queued -> sending
// (claimed) -> sent | failed; a retry returns it to queued.
enum class OutboxState : uint8_t { kQueued, kSending, kSent, kFailed };
inline std::string_view OutboxStateCode(OutboxState state) {
  switch (state) {
    case OutboxState::kQueued:
      return "queued";
    case OutboxState::kSending:
      return "sending";
    case OutboxState::kSent:
      return "sent";
    case OutboxState::kFailed:
      return "failed";
  }
  return "queued";
}
inline std::optional<OutboxState> ParseOutboxState(std::string_view code) {
  for (OutboxState s :
       {OutboxState::kQueued, OutboxState::kSending, OutboxState::kSent, OutboxState::kFailed})
    if (OutboxStateCode(s) == code) return s;
  return std::nullopt;
}

// The params key of a value that must not outlive its sending (a cabinet
// one-time code, docs/cabinet.md): the UPDATE that marks the row sent or
// failed for good removes it from params, so a copy of the database taken
// afterwards holds no usable code. Placeholders under this key render only
// while the row is waiting to go out.
inline constexpr const char* kOutboxSecretParam = "secret";

struct OutboxMessage {
  int64_t id = 0;  // assigned by the store
  std::string idempotency_key;  // never empty; one row per key, ever
  std::string channel;          // the channel it goes out on
  std::string address;          // chat id / e-mail address on that channel
  std::string recipient_kind;   // "resident", "moderators", "executor", "executor_head"
  std::string recipient_id;
  std::string text_key;          // messages-file key, rendered at send time
  std::string params = "{}";     // JSON object of the text's placeholders;
                                 // see kOutboxSecretParam
  std::optional<int64_t> appeal_id;
  std::string batch_id;  // a broadcast's fan-out; empty otherwise
  int priority = 1;      // 0 urgent, 1 normal, 2 bulk (NoticePriority)
  OutboxState state = OutboxState::kQueued;
  int attempts = 0;  // sends started (claims)
  Timestamp next_attempt_at;  // not sent before this
  std::string claim_token;    // while sending
  std::optional<Timestamp> claim_expires_at;
  std::string provider_message_id;  // when sent
  std::string last_error;           // the last retry's reason, or the permanent failure's
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<Timestamp> sent_at;
  // A whole message rendered when queued (outbox/payload.h: text and
  // keyboard); empty: text_key and params are rendered at send time.
  std::string payload_json;
  // The provider's later word on a sent message (RecordOutboxReceipt):
  // "delivered", "read", "failed", or empty.
  std::string receipt;
  std::string receipt_detail;
  std::optional<Timestamp> receipt_at;
};

// How many outbox rows are in each state on each channel (B11: progress of a
// fan-out).
struct OutboxCount {
  std::string channel;
  OutboxState state = OutboxState::kQueued;
  int64_t count = 0;
};

struct OutboxQuery {
  std::string batch_id;  // empty: any
  std::string channel;   // empty: any
  std::optional<OutboxState> state;
  std::optional<int64_t> appeal_id;
  int limit = 100;  // 1..1000, oldest first (by id)
  int64_t after_id = 0;  // keyset paging: rows with id > after_id
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;

  // --- Residents' channel bindings (issue 4) ---
  // Inserts or replaces the binding of (resident_id, channel); an existing
  // binding keeps its created_at. Throws StoreError for an unknown resident,
  // an empty channel or chat id, or a chat already bound to another resident.
  virtual void UpsertChannelBinding(const ChannelBinding& binding) = 0;
  // The resident's bindings, most recently updated first.
  virtual std::vector<ChannelBinding> ListChannelBindings(const std::string& resident_id) = 0;
  virtual std::optional<ChannelBinding> FindChannelBindingByChat(const std::string& channel,
                                                                 const std::string& chat_id) = 0;

  // --- Outbox (issue 4, B11) ---
  // Stores a new row (id assigned; state, attempts and claim as given, normally
  // queued/0/none). False, and nothing written, when a row with the same
  // idempotency key exists. Throws StoreError for an empty key.
  virtual bool EnqueueOutbox(const OutboxMessage& message) = 0;
  // Claims for `claim_token` up to `limit` rows of `channel` that are due
  // (queued with next_attempt_at <= now, or sending with a claim expired at
  // or before now: their sender died), urgent first, then by next_attempt_at
  // and id. Claimed rows become sending until `claim_until`, attempts + 1.
  // Concurrent claimers never get the same row (SQLite: the one writer;
  // MySQL: FOR UPDATE SKIP LOCKED).
  virtual std::vector<OutboxMessage> ClaimOutbox(const std::string& channel,
                                                 const std::string& claim_token, Timestamp now,
                                                 Timestamp claim_until, int limit) = 0;
  // The outcomes of a claimed send. Each applies only while the row is still
  // sending under `claim_token`; false when the claim was lost (it expired and
  // another sender took the row), and nothing is written then. Sent and
  // Failed also remove params' kOutboxSecretParam (see there).
  virtual bool MarkOutboxSent(int64_t id, const std::string& claim_token,
                              const std::string& provider_message_id, Timestamp now) = 0;
  virtual bool MarkOutboxRetry(int64_t id, const std::string& claim_token,
                               Timestamp next_attempt_at, const std::string& reason,
                               Timestamp now) = 0;
  virtual bool MarkOutboxFailed(int64_t id, const std::string& claim_token,
                                const std::string& reason, Timestamp now) = 0;
  // Returns the rows still sending under `claim_token` to queued without
  // counting the attempt (a sender stopping before it sent them). Returns
  // how many.
  virtual int ReleaseOutboxClaims(const std::string& claim_token, Timestamp now) = 0;
  virtual std::optional<OutboxMessage> FindOutboxByKey(const std::string& idempotency_key) = 0;
  // A receipt (`receipt`: "delivered", "read" or "failed") for the row sent
  // on `channel` as `provider_message_id`. A later receipt replaces an
  // earlier one, except that "read" is never replaced by "delivered". False
  // when no row has that id.
  virtual bool RecordOutboxReceipt(const std::string& channel,
                                   const std::string& provider_message_id,
                                   const std::string& receipt, const std::string& detail,
                                   Timestamp now) = 0;
  virtual std::vector<OutboxMessage> ListOutbox(const OutboxQuery& query) = 0;
  // Rows per channel and state; of one batch when `batch_id` is not empty.
  virtual std::vector<OutboxCount> CountOutbox(const std::string& batch_id) = 0;
  // The earliest next_attempt_at of queued rows of `channel` (when the
  // sender has something to do next); nullopt when none is queued.
  virtual std::optional<Timestamp> NextOutboxAttempt(const std::string& channel) = 0;
};

}  // namespace vikno
