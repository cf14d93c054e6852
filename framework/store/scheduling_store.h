// The scheduler's part of the Store interface (store/store.h): deadline
// watch, escalation steps, leases among hosts and the R20 repeat lookup.
// Thread-safety and errors as for every Store (store/store.h): callable from
// any thread; expected outcomes are Result refusals, failures throw StoreError
// and roll the operation back whole.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/appeal.h"
#include "core/audit.h"
#include "core/status.h"
#include "core/time.h"

namespace vikno {

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

class SchedulingStore {
 public:
  virtual ~SchedulingStore() = default;

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
};

}  // namespace vikno
