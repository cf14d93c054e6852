// One audited change: who, what, when, from which address (R33).
#pragma once

#include <cstdint>
#include <string>

#include "core/role.h"
#include "core/time.h"

namespace vikno {

struct AuditEntry {
  int64_t id = 0;
  Timestamp at;
  std::string actor_id;
  std::string actor_role;
  std::string client_address;
  std::string entity;     // "appeal", "resident", "retention"...
  std::string entity_id;  // may be empty until the store assigns it (a new appeal)
  std::string action;     // "create", "take_into_work", "comment"... never empty
  std::string details;    // JSON object with what changed

  static AuditEntry By(const Actor& actor, Timestamp at, std::string entity, std::string entity_id,
                       std::string action, std::string details = "{}") {
    return AuditEntry{0,         at,
                      actor.id,  std::string(RoleCode(actor.role)),
                      actor.client_address, std::move(entity),
                      std::move(entity_id), std::move(action),
                      std::move(details)};
  }
};

}  // namespace vikno
