// The appeal card (R5, 001 §4.2, 002 §3.4) and what hangs on it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/status.h"
#include "core/time.h"

namespace vikno {

// Appeal types of 002 §4.2. The set and the deadlines of each are the city's
// (its Lua rules); these are the codes the five cities share.
namespace appeal_type {
inline constexpr const char* kSos = "sos";              // threat to life or health, ≤ 2 h
inline constexpr const char* kEmergency = "emergency";  // gas, water, heat, power, ≤ 24 h
inline constexpr const char* kOrdinary = "ordinary";    // 5 calendar days
inline constexpr const char* kMedium = "medium";        // 15 calendar days
inline constexpr const char* kLong = "long";            // controlled until done
}  // namespace appeal_type

struct Appeal {
  int64_t id = 0;      // assigned by the store
  std::string number;  // told to the resident at once (003 §2.2, 002 §5.12)
  std::string type;
  std::string category;                // classifier leaf id
  std::vector<std::string> executors;  // first is the lead (002 §7.2: several executors)
  Address address;
  std::string description;
  std::string channel;  // "telegram", "viber", "sms", "email", "web", "phone", "open311"
  std::string resident_id;
  bool anonymous = false;
  Status status = Status::kNew;
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<Timestamp> accept_due;   // R11
  std::optional<Timestamp> resolve_due;  // R10; none for long-term appeals
  std::optional<Timestamp> accepted_at;
  std::optional<Timestamp> closed_at;    // set when the status becomes final
  std::optional<int64_t> repeat_of;      // R18/R20: a repeat of an earlier appeal
  bool commission_inspection = false;    // R19
  int version = 0;  // optimistic concurrency: bumped by every write

  const std::string& lead_executor() const {
    static const std::string kNone;
    return executors.empty() ? kNone : executors.front();
  }
  bool overdue(Timestamp now) const {
    return !Info(status).final && resolve_due && *resolve_due < now;
  }
};

struct Comment {
  int64_t id = 0;
  int64_t appeal_id = 0;
  std::string author_id;
  std::string author_role;
  std::string text;
  bool visible_to_resident = false;
  Timestamp created_at;
};

// Metadata of a stored file; the bytes live under the data folder by content hash.
struct Attachment {
  int64_t id = 0;
  int64_t appeal_id = 0;
  std::string sha256;  // lower-case hex of the content
  std::string media_type;  // "image/jpeg"
  int64_t size = 0;
  std::string original_name;
  std::string uploaded_by;
  Timestamp created_at;
};

}  // namespace vikno
