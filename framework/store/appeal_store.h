// The appeals part of the Store interface (store/store.h): cards, their
// comments and files, the audit trail (R33) and retention (R32, B8).
// Thread-safety and errors as for every Store (store/store.h): callable from
// any thread; expected outcomes are Result refusals, failures throw StoreError
// and roll the operation back whole.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/appeal.h"
#include "core/audit.h"
#include "core/result.h"
#include "core/status.h"
#include "core/time.h"

namespace vikno {

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
  // R32, what the conversation and the desk keep: of the erased residents,
  // their dialogue states, saved addresses and intake records still holding
  // a message; and the callers' phones of consultations older than the cutoff.
  int64_t dialogues = 0;
  int64_t addresses = 0;
  int64_t inbound = 0;
  int64_t consultation_phones = 0;
};

class AppealStore {
 public:
  virtual ~AppealStore() = default;

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
  // left, and with it their dialogue states (of their chats on every
  // channel), saved addresses and the intake records received before
  // `cutoff` that still hold a message from one of their chats; clears the
  // phone of consultations recorded before `cutoff`. A resident who never had
  // a card keeps their data: they may be an active bot subscriber who has not
  // written yet. Records one audit entry (entity "retention") with the
  // counts. Files are the caller's to delete.
  virtual PurgeReport PurgeClosedBefore(Timestamp cutoff, const AuditEntry& audit) = 0;
};

}  // namespace vikno
