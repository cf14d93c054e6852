// A resident is an opaque id with no personal data (000 §3.3, R4). Identity
// and consent are optional and kept apart so retention (R32) can erase them.
#pragma once

#include <optional>
#include <string>

#include "core/time.h"

namespace vikno {

struct Identity {
  std::string name;
  std::string phone;  // E.164 where known: "+380501234567"
  std::string email;
};

// Consent to personal-data processing under Ukraine's law (R31, 002 §5.2):
// when it was given and which version of the privacy text was shown.
struct Consent {
  Timestamp given_at;
  std::string text_version;
};

struct Resident {
  std::string id;  // opaque, random, never derived from personal data
  bool anonymous = false;  // 002 §5.7: anonymous appeals are allowed and marked
  std::optional<Identity> identity;
  std::optional<Consent> consent;
  Timestamp created_at;
};

// A fresh opaque id: 128 random bits in lower-case hex.
std::string NewResidentId();

}  // namespace vikno
