// A resident's 1-5 rating of a service, with a comment (R25, 000 §3.6).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"

namespace vikno {

struct Rating {
  int64_t id = 0;
  std::optional<int64_t> appeal_id;
  std::string resident_id;
  std::string executor_id;
  int score = 0;  // 1..5
  std::string comment;
  Timestamp created_at;

  static bool ValidScore(int s) { return s >= 1 && s <= 5; }
};

}  // namespace vikno
