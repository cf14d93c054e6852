// Who acts on an appeal. The transition table (transitions.h) says which role
// may do what; scopes (which services a moderator or executor covers) are
// checked by the workflow against the Actor.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vikno {

enum class Role : uint8_t {
  kResident,       // заявник
  kOperator,       // працівник контакт-центру (002 §5-6)
  kModerator,      // scoped to one or more services (000 §5.4)
  kExecutor,       // виконавець, scoped to a service (002 §7)
  kDecisionMaker,  // responsible person: deadlines, executors, approvals (001 §2, §6)
  kAdministrator,  // whole panel (000 §5.3)
  kSystem,         // the host itself: scheduler, confirmation timer, retention
};

std::string_view RoleCode(Role role);  // "resident", "operator", ...
std::optional<Role> ParseRole(std::string_view code);

// A set of roles as a bit mask, so the transition table stays a constexpr array.
class RoleSet {
 public:
  constexpr RoleSet() = default;
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= Bit(r);
  }
  constexpr bool Has(Role r) const { return (bits_ & Bit(r)) != 0; }
  std::vector<Role> List() const;

 private:
  static constexpr uint32_t Bit(Role r) { return 1u << static_cast<uint32_t>(r); }
  uint32_t bits_ = 0;
};

// The person or process behind a change, as recorded in the audit (R33).
struct Actor {
  Role role = Role::kSystem;
  std::string id;              // user id, resident id, or "system"
  std::string client_address;  // remote IP for people; empty for the system
  std::vector<std::string> services;  // executor ids in scope (moderator, executor)

  bool Covers(std::string_view executor_id) const;  // administrator/system cover all
  static Actor System(std::string what = "system") { return Actor{Role::kSystem, std::move(what), {}, {}}; }
};

}  // namespace vikno
