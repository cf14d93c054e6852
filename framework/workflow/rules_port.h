// What the workflow asks of a city's rules. The Lua engine (framework/rules)
// implements it; the workflow never knows it is Lua. Implementations never
// throw for a script fault: they answer with `to_moderation` and a reason so
// the appeal lands in the moderators' queue, never lost (issue 3, DESIGN.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/appeal.h"
#include "core/time.h"

namespace vikno {

struct Classification {
  std::string category;                // classifier leaf id
  std::string type;                    // "sos", "emergency", "ordinary", ...
  std::vector<std::string> executors;  // lead first
  bool to_moderation = false;          // a person must look at it first
  std::string moderation_reason;       // why (script error, profanity, no match...)
};

struct Deadlines {
  std::optional<Timestamp> accept_due;   // R11
  std::optional<Timestamp> resolve_due;  // R10; none for long-term appeals
};

class RulesPort {
 public:
  virtual ~RulesPort() = default;
  // `draft` carries the text, the category the resident chose (may be empty),
  // the address and the channel.
  virtual Classification Classify(const Appeal& draft) = 0;
  // Deadlines of an appeal of `appeal.type` registered at `from`.
  virtual Deadlines ComputeDeadlines(const Appeal& appeal, Timestamp from) = 0;
};

}  // namespace vikno
