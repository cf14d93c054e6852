// The residents part of the Store interface (store/store.h).
// Thread-safety and errors as for every Store (store/store.h): callable from
// any thread; expected outcomes are Result refusals, failures throw StoreError
// and roll the operation back whole.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/audit.h"
#include "core/resident.h"

namespace vikno {

class ResidentStore {
 public:
  virtual ~ResidentStore() = default;

  // --- Residents (R4, R31) ---
  virtual void CreateResident(const Resident& resident, const AuditEntry& audit) = 0;
  virtual std::optional<Resident> FindResident(const std::string& id) = 0;
  virtual std::vector<Resident> FindResidentsByPhone(const std::string& phone) = 0;
  virtual void UpdateResident(const Resident& resident, const AuditEntry& audit) = 0;
};

}  // namespace vikno
