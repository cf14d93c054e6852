// Planned and emergency works (R22, 000 §6.5.2): the outage notices residents
// subscribed at an affected address receive.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/time.h"

namespace vikno {

enum class EventKind : uint8_t { kPlanned, kEmergency };

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

  // "in work" (green) while active, "completed" (grey) after (000 §6.5.1).
  bool active(Timestamp now) const { return starts_at <= now && (!ends_at || now < *ends_at); }
};

}  // namespace vikno
