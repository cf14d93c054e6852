// The operator's desk part of the Store interface (store/store.h): the
// knowledge base (R8, R13), consultations given from it instead of an appeal
// (R13) and the directory of service contacts (R8).
// Thread-safety and errors as for every Store (store/store.h): callable from
// any thread; failures throw StoreError and roll the operation back whole.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/audit.h"
#include "core/time.h"

namespace vikno {

// One knowledge base answer. `state_body` names the state body a question
// outside the city's competence is referred to (R13); empty otherwise.
struct KbEntry {
  int64_t id = 0;
  std::string title;
  std::string body;
  std::vector<std::string> tags;  // none contains a newline
  std::string state_body;
  std::string updated_by;
  Timestamp updated_at;
};

// R13: a caller answered from the knowledge base, no appeal registered.
// `phone` is personal data: retention erases it with the resident's (R32).
struct Consultation {
  int64_t id = 0;
  std::string resident_id;  // may be empty
  std::string phone;        // may be empty
  std::optional<int64_t> kb_id;  // null once the entry is deleted
  std::string note;
  std::string recorded_by;
  Timestamp recorded_at;
};

class DeskStore {
 public:
  virtual ~DeskStore() = default;

  // --- Knowledge base ---
  // Each change and its `audit` in one transaction.
  virtual KbEntry AddKbEntry(const KbEntry& entry, const AuditEntry& audit) = 0;
  // False (nothing written) when there is no entry `entry.id`.
  virtual bool UpdateKbEntry(const KbEntry& entry, const AuditEntry& audit) = 0;
  // False (nothing written) when there is no such entry. Consultations that
  // cited it keep their note, their kb_id becomes null.
  virtual bool DeleteKbEntry(int64_t id, const AuditEntry& audit) = 0;
  virtual std::optional<KbEntry> FindKbEntry(int64_t id) = 0;
  // All entries, by title. A city's base is a few hundred answers: the
  // workflow searches them in memory with Ukrainian case folding.
  virtual std::vector<KbEntry> ListKbEntries() = 0;

  // --- Consultations (R13) ---
  virtual Consultation AddConsultation(const Consultation& consultation,
                                       const AuditEntry& audit) = 0;
  // Newest first, at most `limit`; by phone when `phone` is not empty, else
  // by resident.
  virtual std::vector<Consultation> ListConsultations(const std::string& phone,
                                                      const std::string& resident_id,
                                                      int limit) = 0;

  // --- Directory (R8) ---
  // Sets a service's phone, e-mail and head with `audit` in one transaction;
  // false (nothing written) for an unknown executor. From then on the
  // contacts are the panel's: UpsertExecutor (the city's rules at start)
  // no longer overwrites them.
  virtual bool UpdateExecutorContacts(const std::string& executor_id, const std::string& phone,
                                      const std::string& email, const std::string& head,
                                      const AuditEntry& audit) = 0;
};

}  // namespace vikno
