// The workflow's way to say "tell someone": the outbox (framework/outbox)
// implements it durably; the workflow and the scheduler never send anything
// themselves (DESIGN.md: every arrow is a call or a named queue).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/time.h"

namespace vikno {

// Delivery priority: SOS and emergency before routine notices before
// broadcasts (issue 4, B11). Lower value = sent first.
enum class NoticePriority : uint8_t { kUrgent = 0, kNormal = 1, kBulk = 2 };

struct Notice {
  // Who receives it. A resident is reached on the channel they use; staff
  // ("moderators" of a service, an executor's "head") through the staff
  // channels the city configured (panel inbox, e-mail). kOfficial is staff
  // named by role (escalation ladders, R20): recipient_id is the role code
  // "decision_maker", "deputy_mayor", "mayor" or "administrator".
  enum class To : uint8_t {
    kResident,
    kModerators,
    kExecutor,
    kExecutorHead,
    kOfficial
  } to = To::kResident;
  // Resident id, executor id for staff recipients (empty for kModerators:
  // the city's whole moderators' queue), or the role code for kOfficial.
  std::string recipient_id;
  std::string text_key;      // messages-file key, e.g. "escalation.head_overdue"
  std::map<std::string, std::string> params;  // placeholders of the text
  std::optional<int64_t> appeal_id;
  NoticePriority priority = NoticePriority::kNormal;
  // The same key is never delivered twice (a retried scheduler step, a
  // restart): the outbox keeps one row per key.
  std::string idempotency_key;
  std::optional<Timestamp> not_before;  // e.g. the 06:00-23:00 window (R23)
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Durably queues the notice; returns false when a notice with the same
  // idempotency key was already queued (nothing new is queued then).
  // Throws StoreError when it cannot be recorded.
  virtual bool Enqueue(const Notice& notice) = 0;
};

}  // namespace vikno
