// The reference data part of the Store interface (store/store.h): executors,
// categories and the address registry.
// Thread-safety and errors as for every Store (store/store.h): callable from
// any thread; expected outcomes are Result refusals, failures throw StoreError
// and roll the operation back whole.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/catalog.h"

namespace vikno {

class CatalogStore {
 public:
  virtual ~CatalogStore() = default;

  // --- Reference data ---
  // Inserts or updates a service as the city's rules declare it (at every
  // start). Contacts an administrator has edited in the panel
  // (UpdateExecutorContacts) are kept; the name and active flag follow the
  // rules.
  virtual void UpsertExecutor(const Executor& executor) = 0;
  virtual std::optional<Executor> FindExecutor(const std::string& id) = 0;
  virtual std::vector<Executor> ListExecutors() = 0;
  virtual void UpsertCategory(const Category& category) = 0;
  virtual std::vector<Category> ListCategories() = 0;
  // Returns the registry id of the inserted (or existing identical) building.
  virtual int64_t UpsertRegistryAddress(const RegistryAddress& address) = 0;
  virtual std::optional<RegistryAddress> FindRegistryAddress(int64_t id) = 0;
  virtual std::vector<RegistryAddress> ListRegistryAddresses(const std::string& city) = 0;
};

}  // namespace vikno
