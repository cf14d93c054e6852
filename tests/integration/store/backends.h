// The store backends the conformance suite runs on. Each backend type makes a
// fresh, migrated, empty Store per test and says its name so the run prints
// which backend each test used.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/store.h"

namespace vikno::testing {

struct SqliteBackend {
  static const char* Name() { return "sqlite"; }
  static std::unique_ptr<Store> Make();  // backend_sqlite.cc
};

// A real mariadbd started by the test binary itself (backend_mariadb.cc).
struct MariaDbBackend {
  static const char* Name() { return "mariadb"; }
  static std::unique_ptr<Store> Make();
};

}  // namespace vikno::testing
