// Planned and emergency works (R22, 000 §6.5.2): the outage notices residents
// subscribed at an affected address receive (R23).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/time.h"

namespace vikno {

enum class EventKind : uint8_t { kPlanned, kEmergency };

inline std::string_view EventKindCode(EventKind kind) {
  return kind == EventKind::kEmergency ? "emergency" : "planned";
}
inline std::optional<EventKind> ParseEventKind(std::string_view code) {
  if (code == "planned") return EventKind::kPlanned;
  if (code == "emergency") return EventKind::kEmergency;
  return std::nullopt;
}

// 000 §6.5: "in work" (green) until the works end, "completed" (grey) after.
enum class EventStatus : uint8_t { kInWork, kCompleted };

inline std::string_view EventStatusCode(EventStatus status) {
  return status == EventStatus::kCompleted ? "completed" : "in_work";
}
inline std::optional<EventStatus> ParseEventStatus(std::string_view code) {
  if (code == "in_work") return EventStatus::kInWork;
  if (code == "completed") return EventStatus::kCompleted;
  return std::nullopt;
}

struct Event {
  int64_t id = 0;
  EventKind kind = EventKind::kPlanned;
  std::string reason;
  std::string executor_id;  // the responsible service
  Timestamp starts_at;
  std::optional<Timestamp> ends_at;
  bool end_is_approximate = false;
  std::vector<Address> addresses;  // a building, a street (house empty), a list
  std::string created_by;
  Timestamp created_at;
  // Every stored change adds one (1 when created): an update names the
  // revision it edits, and notices are keyed per revision so an edit sends
  // one correction, never a repeat of the first notice (R23).
  int revision = 1;
  std::string updated_by;
  Timestamp updated_at;
  // A planned event published less than 24 h ahead: the administrator's
  // reason for overriding 000 §4.2 (empty otherwise).
  std::string short_notice_reason;
  // When the end of works was announced to the subscribers (R23).
  std::optional<Timestamp> end_announced_at;
  // Deleted events stay for the audit (R33) but leave every list.
  std::optional<Timestamp> deleted_at;
  std::string deleted_by;

  // Started and not ended (the conversation's "outages at my address").
  bool active(Timestamp now) const { return starts_at <= now && (!ends_at || now < *ends_at); }
  // Completed once its end (exact or approximate) has passed; until then it
  // is in work, also while it has not yet started (it is announced).
  EventStatus status(Timestamp now) const {
    return ends_at && *ends_at <= now ? EventStatus::kCompleted : EventStatus::kInWork;
  }
};

}  // namespace vikno
