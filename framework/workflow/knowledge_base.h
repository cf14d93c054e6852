// The operator's desk (R4, R8, R13): the knowledge base, consultations given
// from it instead of an appeal, the directory of service contacts, and the
// caller look-up by phone.
// Roles: every staff member reads the knowledge base and the directory;
// administrators edit both (R8); operators and administrators record
// consultations and look callers up (their personal data, R31).
// Every change is audited with the actor and their address (R33) in the same
// transaction.
// Thread-safety: stateless apart from its references; safe from many threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/appeal.h"
#include "core/catalog.h"
#include "core/resident.h"
#include "core/result.h"
#include "core/role.h"
#include "core/time.h"
#include "store/store.h"

namespace vikno {

struct CallerRecord {
  Resident resident;
  std::vector<Appeal> appeals;  // newest first, at most 50
};

class KnowledgeBase {
 public:
  static constexpr size_t kMaxTitleBytes = 255;
  static constexpr size_t kMaxBodyBytes = 20000;
  static constexpr size_t kMaxTags = 20;

  KnowledgeBase(Store& store, Clock& clock);

  // Entries whose title, body, tags or state body contain every word of
  // `query` (case-insensitive, Ukrainian included); all when it is blank.
  // At most `limit`. Refusal "forbidden" for residents.
  Result<std::vector<KbEntry>> Search(const std::string& query, int limit, const Actor& actor);
  Result<KbEntry> Get(int64_t id, const Actor& actor);
  // Administrators only. Refusals: "forbidden", "missing_title",
  // "invalid_title", "invalid_body", "invalid_tags", "invalid_state_body",
  // "not_found" (update/delete of an absent entry).
  Result<KbEntry> Add(KbEntry entry, const Actor& actor);
  Result<KbEntry> Update(KbEntry entry, const Actor& actor);
  Result<Done> Remove(int64_t id, const Actor& actor);

  // R13, operators and administrators. `phone` or `resident_id` names the
  // caller (one of them; "missing_caller" otherwise); `kb_id` must exist
  // ("invalid_kb"). Refusal "invalid_resident" for an unknown resident id.
  Result<Consultation> Consult(const std::string& phone, const std::string& resident_id,
                               int64_t kb_id, const std::string& note, const Actor& actor);
  Result<std::vector<Consultation>> Consultations(const std::string& phone,
                                                  const std::string& resident_id,
                                                  const Actor& actor);

  // R4: residents with this phone and their appeals (operators and
  // administrators). "invalid_phone" when it has no digits.
  Result<std::vector<CallerRecord>> CallerByPhone(const std::string& phone, const Actor& actor);

  // R8: the directory. Every staff member reads; administrators edit.
  Result<std::vector<Executor>> Directory(const Actor& actor);
  Result<Executor> UpdateContacts(const std::string& executor_id, const std::string& phone,
                                  const std::string& email, const std::string& head,
                                  const Actor& actor);

  // "+380 (50) 123-45-67", "380501234567", " 380501234567" (a '+' read as a
  // space from a query string) -> "+380501234567"; other forms keep their
  // digits with a leading '+' only if they had one.
  static std::string NormalizePhone(const std::string& phone);
  // Lower case for comparison: ASCII and Cyrillic (Ukrainian and Russian
  // letters, Ґ/Є/І/Ї); other code points unchanged.
  static std::string Fold(const std::string& text);

 private:
  Store& store_;
  Clock& clock_;
};

}  // namespace vikno
