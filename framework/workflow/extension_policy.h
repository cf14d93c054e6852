// What the request workflow asks of the city's rules about a deadline
// extension (R16): the city's extend(appeal, due, requested, nth) in Lua
// (framework/rules/lua_rules.h LuaRules::Extend). A port, like rules_port.h,
// so the workflow never knows it is Lua.
#pragma once

#include <string>

#include "core/appeal.h"
#include "core/time.h"

namespace vikno {

struct ExtensionVerdict {
  bool allowed = false;
  Timestamp due{};       // the deadline the city allows (may be capped below the request)
  std::string approver;  // "decision_maker", "head", "mayor"; may be empty
  std::string reason;    // why refused, or a note for the approver
};

class ExtensionPolicy {
 public:
  virtual ~ExtensionPolicy() = default;
  // The `nth` extension (1 = first) of `current_due` to `requested`. Must
  // not throw: a rules fault answers "not allowed" with the reason, so a
  // person decides.
  virtual ExtensionVerdict Extend(const Appeal& appeal, Timestamp current_due,
                                  Timestamp requested, int nth) = 0;
};

// Adapts anything with the Lua engine's Extend() (rules::LuaRules) to the
// port, for the host's composition root. Header-only so the workflow library
// does not link the rules engine.
template <class Rules>
class ExtendByRules final : public ExtensionPolicy {
 public:
  explicit ExtendByRules(Rules& rules) : rules_(rules) {}
  ExtensionVerdict Extend(const Appeal& appeal, Timestamp current_due, Timestamp requested,
                          int nth) override {
    auto d = rules_.Extend(appeal, current_due, requested, nth);
    return ExtensionVerdict{d.allowed, d.due, d.approver, d.reason};
  }

 private:
  Rules& rules_;
};

}  // namespace vikno
