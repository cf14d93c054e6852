// The requests part of the Store interface (store/store.h): deadline
// extension requests (R16, 001 §6.4, 002 §8.2.2), executor change requests
// (R15, 001 §5.2, 002 §7.2) and the record of how the resident was told of
// the work (R17, 002 §7.5-7.6).
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
#include "core/requests.h"
#include "core/result.h"
#include "core/time.h"

namespace vikno {

// R17: how and when the resident was told, by whom, and who did the work
// (the unit, the person and their phone, 002 §7.6).
struct Informing {
  int64_t id = 0;
  int64_t appeal_id = 0;
  std::string how;  // "phone", "sms", "email", "messenger", "letter", "in_person"
  Timestamp at;     // when the resident was told
  std::string by;   // who told them
  std::string unit;
  std::string performer;
  std::string performer_phone;
  std::string note;
  std::string recorded_by;  // the staff member who entered it
  Timestamp recorded_at;
};

class RequestStore {
 public:
  virtual ~RequestStore() = default;

  // --- Extension requests (R16) ---
  // Stores a new pending request and `audit` in one transaction; assigns the
  // id. The appeal must exist (StoreError otherwise).
  virtual ExtensionRequest AddExtensionRequest(const ExtensionRequest& request,
                                               const AuditEntry& audit) = 0;
  virtual std::optional<ExtensionRequest> FindExtensionRequest(int64_t id) = 0;
  // The appeal's requests, oldest first.
  virtual std::vector<ExtensionRequest> ListExtensionRequests(int64_t appeal_id) = 0;
  // Decides a pending request: its state (approved when `approve`, else
  // rejected) and `decision`, then, when `appeal` is given, the appeal
  // written exactly as UpdateAppeal would (its version checked), then
  // `audit`; all in ONE transaction. Refusals, with nothing written:
  // "not_found" (no such request), "already_decided" (not pending), "stale"
  // and "not_found" from the appeal write.
  virtual Result<ExtensionRequest> DecideExtensionRequest(int64_t id, bool approve,
                                                          const Decision& decision,
                                                          const std::optional<Appeal>& appeal,
                                                          const AuditEntry& audit) = 0;

  // --- Executor change requests (R15), the same contract ---
  virtual ExecutorChangeRequest AddExecutorChangeRequest(const ExecutorChangeRequest& request,
                                                         const AuditEntry& audit) = 0;
  virtual std::optional<ExecutorChangeRequest> FindExecutorChangeRequest(int64_t id) = 0;
  virtual std::vector<ExecutorChangeRequest> ListExecutorChangeRequests(int64_t appeal_id) = 0;
  virtual Result<ExecutorChangeRequest> DecideExecutorChangeRequest(
      int64_t id, bool approve, const Decision& decision, const std::optional<Appeal>& appeal,
      const AuditEntry& audit) = 0;

  // --- Informing the resident (R17) ---
  // Stores the record and `audit` in one transaction; assigns the id.
  virtual Informing AddInforming(const Informing& informing, const AuditEntry& audit) = 0;
  // The appeal's records, oldest first.
  virtual std::vector<Informing> ListInformings(int64_t appeal_id) = 0;
};

}  // namespace vikno
