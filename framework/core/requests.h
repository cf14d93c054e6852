// Requests that a decision maker approves or rejects: an executor change
// (R15, 001 §5.2, 002 §7.2) and a deadline extension (R16, 001 §6.4, 002 §8.2.2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"

namespace vikno {

enum class RequestState : uint8_t { kPending, kApproved, kRejected };

struct Decision {
  std::string decided_by;
  Timestamp decided_at;
  std::string note;
};

struct ExecutorChangeRequest {
  int64_t id = 0;
  int64_t appeal_id = 0;
  std::string from_executor;
  std::string proposed_executor;  // may be empty: "not in my competence", no proposal
  std::string reason;
  std::string requested_by;
  Timestamp requested_at;
  RequestState state = RequestState::kPending;
  std::optional<Decision> decision;
};

struct ExtensionRequest {
  int64_t id = 0;
  int64_t appeal_id = 0;
  Timestamp proposed_due;
  std::string reason;
  std::string requested_by;
  Timestamp requested_at;
  int ordinal = 1;  // the second extension needs the head's knowledge (001 §6.4)
  // Who must approve, as the city's extend() rule said ("decision_maker",
  // "head", "mayor"); empty when the rules named nobody.
  std::string approver;
  RequestState state = RequestState::kPending;
  std::optional<Decision> decision;
};

}  // namespace vikno
