// The appeal commands beyond transitions and comments (issue 5): deadline
// extension requests and their decisions (R16), executor change requests,
// several executors and "not in my competence" (R15, 002 §7.2), the record of
// how the resident was told (R17), the commission inspection flag (R19) and
// proof files (R17).
//
// Like AppealService, every command first loads the appeal as the actor
// (a card outside their scope is "not_found", R26), then checks the role,
// then writes the change and its audit entry (R33) in one store transaction.
// Roles:
//  - extension / executor change request: executor, moderator, decision maker;
//  - deciding a request: decision maker or administrator, never the person
//    who asked ("own_request");
//  - adding an executor: decision maker, moderator, administrator;
//  - "not in my competence": an executor among the appeal's executors;
//  - informing record: any staff member who sees the card;
//  - commission inspection flag: decision maker, moderator, administrator;
//  - files: any staff member who sees the card.
//
// Thread-safety: stateless apart from its references; safe from many threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/appeal.h"
#include "core/requests.h"
#include "core/result.h"
#include "core/role.h"
#include "core/time.h"
#include "files/file_store.h"
#include "store/store.h"
#include "workflow/appeal_service.h"
#include "workflow/extension_policy.h"

namespace vikno {

// Both kinds of request of one appeal and its informing records.
struct AppealRequestsView {
  std::vector<ExtensionRequest> extensions;
  std::vector<ExecutorChangeRequest> executor_changes;
  std::vector<Informing> informings;
};

// A stored file of an appeal with its bytes.
struct AppealFile {
  Attachment attachment;
  std::string bytes;
};

class AppealRequests {
 public:
  static constexpr size_t kMaxReasonBytes = 4000;
  static constexpr size_t kMaxFieldBytes = 300;

  AppealRequests(Store& store, AppealService& appeals, ExtensionPolicy& policy, FileStore& files,
                 Clock& clock);

  // R16. Refusals: "not_found", "forbidden", "missing_reason", "invalid_reason",
  // "appeal_closed" (final status), "no_deadline" (a long-term appeal has
  // none to extend), "invalid_due" (not after the current deadline),
  // "pending_request" (one is already waiting), "extension_not_allowed" (the
  // city's rule said no; the message is the rule's reason).
  // The request's `ordinal` counts earlier approved extensions + 1; the
  // second and later need the head's knowledge (001 §6.4), and `approver`
  // is what the city's rule named.
  Result<ExtensionRequest> RequestExtension(int64_t appeal_id, Timestamp proposed_due,
                                            const std::string& reason, const Actor& actor);
  // Approval moves resolve_due to the request's due in the same transaction.
  // Refusals: "not_found" (no such request, or its appeal out of scope),
  // "forbidden", "own_request", "already_decided", "appeal_closed", "stale",
  // "invalid_note".
  Result<ExtensionRequest> DecideExtension(int64_t request_id, bool approve,
                                           const std::string& note, const Actor& actor);

  // R15. `proposed` may be empty ("not in my competence", no proposal); when
  // given it must be a known service ("invalid_executor").
  Result<ExecutorChangeRequest> RequestExecutorChange(int64_t appeal_id,
                                                      const std::string& proposed,
                                                      const std::string& reason,
                                                      const Actor& actor);
  // Approval replaces the request's from_executor by `executor` (when not
  // empty) or the proposed one: the lead stays first, so the appeal leaves
  // the old service's scope (R26). Refusals as DecideExtension, plus
  // "missing_executor" (approve with no executor at all), "invalid_executor".
  Result<ExecutorChangeRequest> DecideExecutorChange(int64_t request_id, bool approve,
                                                     const std::string& note,
                                                     const std::string& executor,
                                                     const Actor& actor);

  // 002 §7.2: one more executor (after the lead). Refusals "invalid_executor",
  // "already_executor", "appeal_closed".
  Result<Appeal> AddExecutor(int64_t appeal_id, const std::string& executor, const Actor& actor);
  // An executor among several says the appeal is not theirs: an executor
  // change request from their service. Refusal "forbidden" unless the actor
  // is an executor of one of the appeal's services.
  Result<ExecutorChangeRequest> NotMyCompetence(int64_t appeal_id, const std::string& proposed,
                                                const std::string& reason, const Actor& actor);

  // R17. `how` one of InformingWays(); `at` not in the future. Refusals
  // "invalid_how", "invalid_at", "invalid_field" (too long, not UTF-8).
  Result<Informing> RecordInforming(int64_t appeal_id, Informing informing, const Actor& actor);
  static const std::vector<std::string>& InformingWays();

  // R19. Refusal "forbidden" for other roles.
  Result<Appeal> SetCommissionInspection(int64_t appeal_id, bool on, const Actor& actor);

  // Proof files (R17): stored by FileStore (size and type checked: "too_large",
  // "type_not_allowed", "type_mismatch") and attached to the card with audit.
  Result<Attachment> Attach(int64_t appeal_id, std::string_view bytes, std::string_view claimed_type,
                            std::string_view original_name, const Actor& actor);
  // A file of the appeal, for a caller who may see the card. "not_found"
  // when the file is not one of this appeal's.
  Result<AppealFile> ReadFile(int64_t appeal_id, const std::string& sha256, const Actor& actor);

  Result<AppealRequestsView> Requests(int64_t appeal_id, const Actor& actor);

 private:
  // The appeal as the actor may see it; an executor also sees an appeal
  // where their service is one of several executors.
  Result<Appeal> Load(int64_t appeal_id, const Actor& actor);
  Result<Appeal> DecisionScope(int64_t appeal_id, const std::string& requested_by,
                               const Actor& actor);

  Store& store_;
  AppealService& appeals_;
  ExtensionPolicy& policy_;
  FileStore& files_;
  Clock& clock_;
};

}  // namespace vikno
