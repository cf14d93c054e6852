// The one storage interface, in domain terms (DESIGN.md, "Storage"). Two
// backends implement it: SQLite (embedded default) and MySQL/MariaDB. Both
// pass the same conformance suite (tests/integration/store/).
//
// Thread-safety: a Store may be called from any thread; implementations
// serialise or pool connections as they need.
// Errors: expected outcomes (a stale write) are Result refusals; a broken
// connection or a constraint violation throws StoreError, and the operation's
// transaction is rolled back: nothing half-written remains.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/appeal.h"
#include "core/audit.h"
#include "core/catalog.h"
#include "core/resident.h"
#include "core/result.h"
#include "core/time.h"

namespace vikno {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct AppliedMigration {
  int version = 0;
  std::string name;  // file name: "001_initial.sql"
  Timestamp applied_at;
};

// Filters of the appeals list (R28, R29). Empty fields do not filter.
struct AppealQuery {
  std::optional<Timestamp> created_from;  // inclusive
  std::optional<Timestamp> created_to;    // exclusive
  // Scope: when set, only appeals whose lead executor is one of these (R26).
  // An empty but present list means "nothing": a moderator with no services.
  std::optional<std::vector<std::string>> executors;
  std::string category;  // exact leaf, or a branch: "water" matches "water/no-water"
  std::vector<Status> statuses;
  std::string street;  // exact, as in the registry
  std::string house;
  std::optional<int64_t> registry_id;
  std::string resident_id;
  std::string channel;
  bool overdue_only = false;  // resolve_due < now and not final
  Timestamp now;              // for overdue_only

  enum class Sort { kNewestFirst, kOldestFirst, kDueSoonest } sort = Sort::kNewestFirst;
  int limit = 50;   // 1..500
  int offset = 0;
  bool with_total = false;  // counting costs a scan of the filtered set
};

struct AppealPage {
  std::vector<Appeal> items;
  bool has_more = false;
  std::optional<int64_t> total;
};

struct PurgeReport {
  int64_t appeals = 0;    // cards removed
  int64_t residents = 0;  // residents whose personal data was erased
  std::vector<std::string> orphaned_files;  // sha256 of files no card refers to any more
};

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

struct OutboxMessage {
  int64_t id = 0;  // assigned by the store
  std::string idempotency_key;  // never empty; one row per key, ever
  std::string channel;          // the channel it goes out on
  std::string address;          // chat id / e-mail address on that channel
  std::string recipient_kind;   // "resident", "moderators", "executor", "executor_head"
  std::string recipient_id;
  std::string text_key;          // messages-file key, rendered at send time
  std::string params = "{}";     // JSON object of the text's placeholders
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

// The next check time a write of `appeal` stores (see "Deadline watch" below):
// for a non-final status the earliest of accept_due (while accepted_at is
// unset) and resolve_due; none for final statuses or without deadlines.
inline std::optional<Timestamp> DefaultNextCheck(const Appeal& appeal) {
  if (Info(appeal.status).final) return std::nullopt;
  std::optional<Timestamp> at = appeal.resolve_due;
  if (!appeal.accepted_at && appeal.accept_due && (!at || *appeal.accept_due < *at))
    at = appeal.accept_due;
  return at;
}

class Store {
 public:
  virtual ~Store() = default;

  // "sqlite" or "mysql".
  virtual std::string Backend() const = 0;
  // Applies the numbered migrations not yet recorded; idempotent.
  virtual void Migrate() = 0;
  virtual std::vector<AppliedMigration> Migrations() = 0;
  // True when a trivial query succeeds (for /healthz).
  virtual bool Ping() = 0;

  // --- Residents (R4, R31) ---
  virtual void CreateResident(const Resident& resident, const AuditEntry& audit) = 0;
  virtual std::optional<Resident> FindResident(const std::string& id) = 0;
  virtual std::vector<Resident> FindResidentsByPhone(const std::string& phone) = 0;
  virtual void UpdateResident(const Resident& resident, const AuditEntry& audit) = 0;

  // --- Reference data ---
  virtual void UpsertExecutor(const Executor& executor) = 0;
  virtual std::optional<Executor> FindExecutor(const std::string& id) = 0;
  virtual std::vector<Executor> ListExecutors() = 0;
  virtual void UpsertCategory(const Category& category) = 0;
  virtual std::vector<Category> ListCategories() = 0;
  // Returns the registry id of the inserted (or existing identical) building.
  virtual int64_t UpsertRegistryAddress(const RegistryAddress& address) = 0;
  virtual std::optional<RegistryAddress> FindRegistryAddress(int64_t id) = 0;
  virtual std::vector<RegistryAddress> ListRegistryAddresses(const std::string& city) = 0;

  // --- Appeals ---
  // Stores a new appeal and its audit entry in one transaction. Assigns id,
  // number and version 1; audit.entity_id is filled with the new id.
  virtual Appeal CreateAppeal(const Appeal& draft, const AuditEntry& audit) = 0;
  virtual std::optional<Appeal> FindAppeal(int64_t id) = 0;
  virtual std::optional<Appeal> FindAppealByNumber(const std::string& number) = 0;
  virtual AppealPage ListAppeals(const AppealQuery& query) = 0;
  // Writes the appeal's new state and its audit entry in one transaction if
  // the stored version still equals appeal.version; returns the appeal with
  // its version bumped. Refusal "stale" when someone else wrote first,
  // "not_found" when the appeal does not exist.
  virtual Result<Appeal> UpdateAppeal(const Appeal& appeal, const AuditEntry& audit) = 0;
  // Bulk load of existing cards (migration from a city's old system, benchmarks):
  // one transaction per call, numbers taken from the drafts when given.
  virtual void ImportAppeals(const std::vector<Appeal>& appeals) = 0;

  // --- Comments and files on a card ---
  virtual Comment AddComment(const Comment& comment, const AuditEntry& audit) = 0;
  virtual std::vector<Comment> ListComments(int64_t appeal_id) = 0;
  virtual Attachment AddAttachment(const Attachment& attachment, const AuditEntry& audit) = 0;
  virtual std::vector<Attachment> ListAttachments(int64_t appeal_id) = 0;

  // --- Audit (R33) ---
  virtual void Audit(const AuditEntry& entry) = 0;
  virtual std::vector<AuditEntry> ListAudit(const std::string& entity, const std::string& entity_id) = 0;

  // --- Retention (R32, B8) ---
  // Removes cards in a final status closed before `cutoff`, with their comments,
  // attachments' metadata, escalation steps and audit; erases identity and
  // consent of the residents whose cards THIS run removed and who have no card
  // left. A resident who never had a card keeps their data: they may be an
  // active bot subscriber who has not written yet. Records one audit entry
  // (entity "retention") with the counts. Files are the caller's to delete.
  virtual PurgeReport PurgeClosedBefore(Timestamp cutoff, const AuditEntry& audit) = 0;

  // --- Deadline watch (issue 3, the scheduler) ---
  // Every write of an appeal (create, update, import) sets its next check time:
  // for a non-final status, the earliest of accept_due (while accepted_at is
  // unset) and resolve_due; none for final statuses. Indexed: a tick costs
  // O(due), not O(open appeals).
  // Appeals whose next check time is <= now, soonest first, at most `limit`.
  virtual std::vector<Appeal> ListAppealsDueForCheck(Timestamp now, int limit) = 0;
  // Moves the next check (nullopt: none) without touching the appeal's version.
  // Throws StoreError when the appeal does not exist.
  virtual void SetNextCheck(int64_t appeal_id, std::optional<Timestamp> at) = 0;
  // Records that escalation step `step` of the appeal fired, with its audit
  // entry, in one transaction; false (and nothing written) when it already had.
  // Throws StoreError for an unknown appeal or an empty step.
  virtual bool RecordEscalationStep(int64_t appeal_id, const std::string& step,
                                    const AuditEntry& audit) = 0;
  // The steps that fired, in the order they were recorded.
  virtual std::vector<std::string> ListEscalationSteps(int64_t appeal_id) = 0;
  // A named lease among several hosts (B12): true when `holder` holds `name`
  // until now + ttl after the call (taken when free, expired or already its own).
  virtual bool AcquireLease(const std::string& name, const std::string& holder, Timestamp now,
                            std::chrono::seconds ttl) = 0;
  // Frees the lease if `holder` holds it; otherwise does nothing.
  virtual void ReleaseLease(const std::string& name, const std::string& holder) = 0;
  // R20 repeats: the newest appeal in a non-final status of `category` at
  // building `registry_id` created at or after `since`.
  virtual std::optional<Appeal> FindOpenAppealAt(const std::string& category, int64_t registry_id,
                                                 Timestamp since) = 0;

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
  // another sender took the row), and nothing is written then.
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
  virtual std::vector<OutboxMessage> ListOutbox(const OutboxQuery& query) = 0;
  // Rows per channel and state; of one batch when `batch_id` is not empty.
  virtual std::vector<OutboxCount> CountOutbox(const std::string& batch_id) = 0;
  // The earliest next_attempt_at of queued rows of `channel` (when the
  // sender has something to do next); nullopt when none is queued.
  virtual std::optional<Timestamp> NextOutboxAttempt(const std::string& channel) = 0;
};

}  // namespace vikno
