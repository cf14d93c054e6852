#include "core/role.h"

#include <algorithm>
#include <array>
#include <utility>

namespace vikno {
namespace {
constexpr std::array<std::pair<Role, std::string_view>, 7> kCodes{{
    {Role::kResident, "resident"},
    {Role::kOperator, "operator"},
    {Role::kModerator, "moderator"},
    {Role::kExecutor, "executor"},
    {Role::kDecisionMaker, "decision_maker"},
    {Role::kAdministrator, "administrator"},
    {Role::kSystem, "system"},
}};
}  // namespace

std::string_view RoleCode(Role role) {
  for (const auto& [r, code] : kCodes)
    if (r == role) return code;
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view code) {
  for (const auto& [r, c] : kCodes)
    if (c == code) return r;
  return std::nullopt;
}

std::vector<Role> RoleSet::List() const {
  std::vector<Role> out;
  for (const auto& [r, code] : kCodes)
    if (Has(r)) out.push_back(r);
  return out;
}

bool Actor::Covers(std::string_view executor_id) const {
  // Operators and decision makers work city-wide; moderators and executors only
  // inside their services (R26, 000 §6.2, 002 §10.2.5).
  switch (role) {
    case Role::kAdministrator:
    case Role::kSystem:
    case Role::kOperator:
    case Role::kDecisionMaker:
      return true;
    case Role::kResident:
      return false;
    case Role::kModerator:
    case Role::kExecutor:
      return std::find(services.begin(), services.end(), executor_id) != services.end();
  }
  return false;
}

}  // namespace vikno
