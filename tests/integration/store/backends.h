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

// The backends a typed suite runs on: SQLite always, and the real MariaDB
// where the test target defines VIKNO_TEST_MARIADB. BackendName makes each
// test's name say which ("StoreConformance/sqlite.…").
#ifdef VIKNO_TEST_MARIADB
using Backends = ::testing::Types<SqliteBackend, MariaDbBackend>;
#else
using Backends = ::testing::Types<SqliteBackend>;
#endif

struct BackendName {
  template <class B>
  static std::string GetName(int) {
    return B::Name();
  }
};

}  // namespace vikno::testing
