// MariaDbBackend for the store conformance suite: one real mariadbd for the
// whole test binary (started on the first Make(), stopped after the last test
// by the harness's gtest Environment), and a fresh database per test so the
// tests cannot see each other's rows.
#include "integration/store/backends.h"
#include "store/mysql/mysql_store.h"
#include "support/mariadb_server.h"

namespace vikno::testing {

std::unique_ptr<Store> MariaDbBackend::Make() {
  MariaDbServer& server = SharedMariaDbServer();
  auto store = std::make_unique<MysqlStore>(server.Options(server.CreateDatabase()));
  store->Migrate();
  return store;
}

}  // namespace vikno::testing
