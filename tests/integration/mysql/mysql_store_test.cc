// What only the MySQL/MariaDB backend has to get right, against a real
// mariadbd (tests/support/mariadb_server.h): connections that die under the
// pool, transactions cut in the middle, hosts migrating at once (B12), and
// the harness itself leaving no server behind.
#include "store/mysql/mysql_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "store/migrations.h"
#include "support/mariadb_server.h"

namespace vikno::testing {
namespace {

const Timestamp kT0 = FromUnix(1790000000);  // 2026-09-21

AuditEntry Audit(std::string action, std::string entity_id = "") {
  return AuditEntry::By(Actor::System("test"), kT0, "appeal", std::move(entity_id),
                        std::move(action));
}

Appeal Draft(std::string description, std::string number = "") {
  Appeal a;
  a.number = std::move(number);
  a.type = appeal_type::kOrdinary;
  a.category = "water/no-water";
  a.executors = {"vodokanal", "zhek-3"};
  a.address.city = "Суми";
  a.address.street = "вул. Соборна";
  a.address.house = "12";
  a.description = std::move(description);
  a.channel = "telegram";
  a.resident_id = "r1";
  a.created_at = kT0;
  a.updated_at = kT0;
  a.resolve_due = kT0 + std::chrono::days(5);
  return a;
}

int64_t CountAppeals(Store& store) {
  AppealQuery q;
  q.with_total = true;
  q.limit = 1;
  return *store.ListAppeals(q).total;
}

class MysqlStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = &SharedMariaDbServer();
    db_ = server_->CreateDatabase();
  }
  std::unique_ptr<MysqlStore> Open(int pool_size = 1, int validate_idle_seconds = 30) {
    MysqlOptions o = server_->Options(db_, pool_size);
    o.validate_idle_seconds = validate_idle_seconds;
    auto store = std::make_unique<MysqlStore>(o);
    store->Migrate();
    return store;
  }

  MariaDbServer* server_ = nullptr;
  std::string db_;
};

TEST_F(MysqlStoreTest, KilledConnectionFailsOneCallAndTheNextGetsAFreshOne) {
  auto store = Open(/*pool_size=*/1);
  const Appeal first = store->CreateAppeal(Draft("перше"), Audit("create"));
  const auto before = store->IdleConnectionIds();
  ASSERT_EQ(before.size(), 1u);

  ASSERT_EQ(server_->KillConnectionsTo(db_), 1);

  // The write on the dead connection fails as a StoreError: nothing committed.
  EXPECT_THROW(store->CreateAppeal(Draft("втрачене"), Audit("create")), StoreError);
  // The next call opens a new connection and works.
  const Appeal second = store->CreateAppeal(Draft("друге"), Audit("create"));
  const auto after = store->IdleConnectionIds();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_NE(after.front(), before.front());

  EXPECT_EQ(CountAppeals(*store), 2);
  ASSERT_TRUE(store->FindAppeal(first.id));
  EXPECT_EQ(store->FindAppeal(first.id)->description, "перше");
  EXPECT_EQ(store->FindAppeal(second.id)->executors,
            (std::vector<std::string>{"vodokanal", "zhek-3"}));
  // Every stored card has exactly its one audit entry; the failed one left none.
  EXPECT_EQ(store->ListAudit("appeal", std::to_string(first.id)).size(), 1u);
  EXPECT_EQ(store->ListAudit("appeal", std::to_string(second.id)).size(), 1u);
}

TEST_F(MysqlStoreTest, KilledConnectionDuringAReadFailsOnceThenReadsWork) {
  auto store = Open(/*pool_size=*/2);
  const Appeal a = store->CreateAppeal(Draft("читання"), Audit("create"));
  ASSERT_GE(server_->KillConnectionsTo(db_), 1);
  EXPECT_THROW(store->FindAppeal(a.id), StoreError);
  ASSERT_TRUE(store->FindAppeal(a.id));
  EXPECT_TRUE(store->Ping());
}

// A private server: restarting the shared one would cut the other tests.
TEST(MysqlStoreRestart, ServerRestartCostsOneFailedCallAndLosesNothing) {
  MariaDbServer server;
  const std::string db = server.CreateDatabase();
  MysqlStore store(server.Options(db, /*pool_size=*/2));
  store.Migrate();
  const Appeal a = store.CreateAppeal(Draft("до перезапуску"), Audit("create"));

  server.Restart();

  EXPECT_THROW(store.FindAppeal(a.id),
               StoreError);  // the pooled connection died with the old server
  std::optional<Appeal> found;
  // A second pooled connection may be dead too; within pool_size + 1 calls
  // every stale one is gone and a fresh one answers.
  for (int i = 0; i < 3 && !found; ++i) {
    try {
      found = store.FindAppeal(a.id);
    } catch (const StoreError&) {
    }
  }
  ASSERT_TRUE(found);
  EXPECT_EQ(found->description, "до перезапуску");
  const Appeal b = store.CreateAppeal(Draft("після перезапуску"), Audit("create"));
  EXPECT_EQ(b.number, std::to_string(b.id));
  EXPECT_GT(b.id, a.id);  // AUTO_INCREMENT survives the restart (persisted since 10.2.4)
  EXPECT_EQ(CountAppeals(store), 2);
}

TEST_F(MysqlStoreTest, IdleConnectionIsPingedSoAKillCostsNoFailedCall) {
  // validate_idle_seconds = 0: every pooled connection is checked before use,
  // as one idle overnight past wait_timeout would be.
  auto store = Open(/*pool_size=*/1, /*validate_idle_seconds=*/0);
  const Appeal a = store->CreateAppeal(Draft("нічна пауза"), Audit("create"));
  ASSERT_EQ(server_->KillConnectionsTo(db_), 1);
  auto found = store->FindAppeal(a.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->number, std::to_string(a.id));
}

TEST_F(MysqlStoreTest, WaitTimeoutIsSurvivedAndAnIdleCheckHidesIt) {
  // Sessions opened now get a 1-second wait_timeout; the global value is put
  // back at once so later connections (other tests) are unaffected.
  server_->Execute("SET GLOBAL wait_timeout = 1");
  std::unique_ptr<MysqlStore> plain, checked;
  Appeal a;
  try {
    plain = Open(1, /*validate_idle_seconds=*/30);
    checked = Open(1, /*validate_idle_seconds=*/1);
    a = plain->CreateAppeal(Draft("перед паузою"), Audit("create"));
    ASSERT_TRUE(checked->FindAppeal(a.id));
  } catch (...) {
    server_->Execute("SET GLOBAL wait_timeout = 28800");
    throw;
  }
  server_->Execute("SET GLOBAL wait_timeout = 28800");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // both sessions time out

  // Without the idle check the first call meets the closed session...
  EXPECT_THROW(plain->FindAppeal(a.id), StoreError);
  ASSERT_TRUE(plain->FindAppeal(a.id));
  // ...with it, the dead connection is noticed before use.
  ASSERT_TRUE(checked->FindAppeal(a.id));
}

TEST_F(MysqlStoreTest, FailingSecondStatementLeavesNothing) {
  auto store = Open();
  // The audit insert (the second statement) violates CHECK (action <> ''):
  // the appeal inserted before it in the same transaction must go too.
  EXPECT_THROW(store->CreateAppeal(Draft("без аудиту"), Audit("")), StoreError);
  EXPECT_EQ(CountAppeals(*store), 0);

  const Appeal a = store->CreateAppeal(Draft("з аудитом"), Audit("create"));
  Appeal changed = a;
  changed.status = Status::kInWork;
  changed.description = "змінено";
  EXPECT_THROW((void)store->UpdateAppeal(changed, Audit("", std::to_string(a.id))), StoreError);
  const auto stored = store->FindAppeal(a.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->version, 1);
  EXPECT_EQ(stored->status, Status::kNew);
  EXPECT_EQ(stored->description, "з аудитом");
  EXPECT_EQ(stored->executors, a.executors);
}

TEST_F(MysqlStoreTest, KillInTheMiddleOfATransactionLeavesNothing) {
  auto store = Open();
  store->CreateAppeal(Draft("розігрів"), Audit("create"));  // statements prepared, tables open
  // Hold the audit table so the store's transaction stops after its appeal
  // insert, waiting for the lock; then kill its connection there.
  server_->Execute("LOCK TABLES " + db_ + ".audit WRITE");
  std::atomic<bool> threw{false};
  std::string message;
  std::thread writer([&] {
    try {
      store->CreateAppeal(Draft("обірвано"), Audit("create"));
    } catch (const StoreError& e) {
      threw = true;
      message = e.what();
    }
  });
  const bool waiting = server_->WaitForState(db_, "lock");
  EXPECT_TRUE(waiting) << "the store's write never waited for the audit lock";
  EXPECT_EQ(server_->KillConnectionsTo(db_), 1);
  writer.join();
  server_->Execute("UNLOCK TABLES");
  EXPECT_TRUE(threw);
  EXPECT_NE(message.find("create appeal"), std::string::npos) << message;

  EXPECT_EQ(CountAppeals(*store), 1);  // only the first one
  const Appeal after = store->CreateAppeal(Draft("після"), Audit("create"));
  EXPECT_EQ(CountAppeals(*store), 2);
  EXPECT_EQ(store->FindAppeal(after.id)->description, "після");
}

TEST_F(MysqlStoreTest, TwoHostsMigratingAtOnceApplyEachVersionOnce) {
  MysqlOptions o = server_->Options(db_, 1);
  MysqlStore a(o), b(o);
  std::exception_ptr ea, eb;
  std::thread ta([&] {
    try {
      a.Migrate();
    } catch (...) {
      ea = std::current_exception();
    }
  });
  std::thread tb([&] {
    try {
      b.Migrate();
    } catch (...) {
      eb = std::current_exception();
    }
  });
  ta.join();
  tb.join();
  EXPECT_FALSE(ea);
  EXPECT_FALSE(eb);
  const auto applied = a.Migrations();
  ASSERT_EQ(applied.size(), MysqlMigrations().size());
  for (size_t i = 0; i < applied.size(); ++i) {
    EXPECT_EQ(applied[i].version, MysqlMigrations()[i].version);
    EXPECT_EQ(applied[i].name, MysqlMigrations()[i].name);
  }
  b.Migrate();  // idempotent
  EXPECT_EQ(b.Migrations().size(), applied.size());
  EXPECT_NO_THROW(a.CreateAppeal(Draft("після міграції"), Audit("create")));
}

TEST_F(MysqlStoreTest, MigrateWaitsForALeaseHeldElsewhereAndTakesItOverWhenItExpires) {
  auto store = Open();
  // Another host (here: a row written as root) holds the lease for 2 more
  // seconds, as if it had died in the middle of a migration.
  server_->Execute(
      "UPDATE " + db_ +
      ".schema_migrations_lease SET holder = 'dead-host:1:1', expires_at = UNIX_TIMESTAMP() + 2"
      " WHERE id = 1");
  const auto start = std::chrono::steady_clock::now();
  store->Migrate();
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(900));
  EXPECT_LT(waited, std::chrono::seconds(10));
  EXPECT_EQ(store->Migrations().size(), MysqlMigrations().size());
  // Released afterwards: the next start does not wait.
  const auto again = std::chrono::steady_clock::now();
  store->Migrate();
  EXPECT_LT(std::chrono::steady_clock::now() - again, std::chrono::milliseconds(900));
}

TEST_F(MysqlStoreTest, RefusesADatabaseMigratedByANewerBinary) {
  auto store = Open();
  server_->Execute(
      "INSERT INTO " + db_ +
      ".schema_migrations (version, name, applied_at) VALUES (999, '999_future.sql', 0)");
  try {
    store->Migrate();
    FAIL() << "Migrate accepted a newer schema";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("999"), std::string::npos) << e.what();
  }
}

TEST_F(MysqlStoreTest, ImportNumbersUnnumberedCardsByIdAcrossBatches) {
  auto store = Open(2);
  std::vector<Appeal> drafts;
  for (int i = 0; i < 601; ++i)  // more than two INSERT batches
    drafts.push_back(
        Draft("імпорт " + std::to_string(i), i % 3 == 0 ? "OLD-" + std::to_string(i) : ""));
  store->ImportAppeals(drafts);
  EXPECT_EQ(CountAppeals(*store), 601);

  AppealQuery q;
  q.sort = AppealQuery::Sort::kOldestFirst;
  q.limit = 500;
  std::vector<Appeal> all;
  for (q.offset = 0;; q.offset += q.limit) {
    AppealPage page = store->ListAppeals(q);
    all.insert(all.end(), page.items.begin(), page.items.end());
    if (!page.has_more) break;
  }
  ASSERT_EQ(all.size(), 601u);
  std::set<std::string> numbers;
  for (const Appeal& a : all) {
    numbers.insert(a.number);
    const int i = std::stoi(a.description.substr(a.description.find(' ') + 1));
    if (i % 3 == 0)
      EXPECT_EQ(a.number, "OLD-" + std::to_string(i));
    else
      EXPECT_EQ(a.number, std::to_string(a.id));
    EXPECT_EQ(a.executors, (std::vector<std::string>{"vodokanal", "zhek-3"}));
    EXPECT_EQ(a.version, 1);
  }
  EXPECT_EQ(numbers.size(), 601u);
}

// Galera requires innodb_autoinc_lock_mode = 2, where a multi-row INSERT's ids
// need not be consecutive; the import then goes row by row.
TEST(MysqlStoreInterleavedIds, ImportNumbersCardsByIdUnderLockMode2) {
  MariaDbServer server({"--innodb-autoinc-lock-mode=2"});
  const std::string db = server.CreateDatabase();
  MysqlStore store(server.Options(db, 2));
  store.Migrate();
  std::vector<Appeal> drafts;
  for (int i = 0; i < 40; ++i)
    drafts.push_back(
        Draft("імпорт " + std::to_string(i), i % 4 == 0 ? "OLD-" + std::to_string(i) : ""));
  store.ImportAppeals(drafts);
  AppealQuery q;
  q.limit = 100;
  q.with_total = true;
  const AppealPage page = store.ListAppeals(q);
  ASSERT_EQ(page.total, 40);
  for (const Appeal& a : page.items) {
    const int i = std::stoi(a.description.substr(a.description.find(' ') + 1));
    EXPECT_EQ(a.number, i % 4 == 0 ? "OLD-" + std::to_string(i) : std::to_string(a.id));
    EXPECT_EQ(a.executors, (std::vector<std::string>{"vodokanal", "zhek-3"}));
  }
}

TEST_F(MysqlStoreTest, ImportIsAllOrNothing) {
  auto store = Open();
  std::vector<Appeal> drafts;
  for (int i = 0; i < 300; ++i)
    drafts.push_back(Draft("партія " + std::to_string(i), "N-" + std::to_string(i)));
  drafts.push_back(Draft("дубль", "N-5"));  // duplicate number in the second batch
  EXPECT_THROW(store->ImportAppeals(drafts), StoreError);
  EXPECT_EQ(CountAppeals(*store), 0);
}

TEST_F(MysqlStoreTest, ManyThreadsShareASmallPool) {
  auto store = Open(/*pool_size=*/2);
  constexpr int kThreads = 6, kEach = 15;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        try {
          store->CreateAppeal(Draft("потік " + std::to_string(t)), Audit("create"));
        } catch (...) {
          ++failures;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(CountAppeals(*store), kThreads * kEach);
  EXPECT_LE(store->IdleConnectionIds().size(), 2u);
}

TEST_F(MysqlStoreTest, ConcurrentUpdatesOneWinsTheOtherIsStale) {
  auto store = Open(2);
  const Appeal a = store->CreateAppeal(Draft("гонка"), Audit("create"));
  Appeal x = a, y = a;
  x.status = Status::kInWork;
  y.status = Status::kRejected;
  auto rx = store->UpdateAppeal(x, Audit("take_into_work", std::to_string(a.id)));
  auto ry = store->UpdateAppeal(y, Audit("reject", std::to_string(a.id)));
  ASSERT_TRUE(rx.ok());
  EXPECT_EQ(rx->version, 2);
  ASSERT_FALSE(ry.ok());
  EXPECT_EQ(ry.refusal().code, "stale");
  EXPECT_EQ(store->FindAppeal(a.id)->status, Status::kInWork);
  EXPECT_EQ(store->ListAudit("appeal", std::to_string(a.id)).size(),
            2u);  // create + take_into_work
}

TEST_F(MysqlStoreTest, Utf8mb4RoundTripsAndLongTextIsAnErrorNotATruncation) {
  auto store = Open();
  Appeal d = Draft("Прорвало трубу 💧 біля під'їзду №2 — «терміново»");
  const Appeal a = store->CreateAppeal(d, Audit("create"));
  EXPECT_EQ(store->FindAppeal(a.id)->description, d.description);
  Appeal too_long = Draft("x");
  too_long.address.house = std::string(200, '7');  // houses are VARCHAR(32)
  EXPECT_THROW(store->CreateAppeal(too_long, Audit("create")), StoreError);
  EXPECT_EQ(CountAppeals(*store), 1);
}

TEST_F(MysqlStoreTest, UnreachableServerIsAStoreErrorAndPingIsFalse) {
  MysqlOptions o = server_->Options(db_);
  o.socket = server_->dir() + "/no-such.sock";
  MysqlStore store(o);
  EXPECT_FALSE(store.Ping());
  try {
    store.Migrate();
    FAIL() << "Migrate on a missing socket did not throw";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect"), std::string::npos) << e.what();
  }
}

// The harness: a private server stops, with its directory, and the store on
// it reports the loss as StoreError rather than hanging or crashing.
TEST(MariaDbServerHarness, StopLeavesNoServerAndNoFiles) {
  auto server = std::make_unique<MariaDbServer>();
  const pid_t pid = server->pid();
  const std::string dir = server->dir();
  ASSERT_TRUE(ProcessAlive(pid));
  const std::string db = server->CreateDatabase();
  MysqlStore store(server->Options(db));
  store.Migrate();
  EXPECT_TRUE(store.Ping());

  server->Stop();
  EXPECT_FALSE(ProcessAlive(pid)) << "mariadbd " << pid << " survived Stop()";
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_FALSE(store.Ping());
  EXPECT_THROW(store.FindAppeal(1), StoreError);
  server.reset();  // a second Stop() is harmless
}

TEST(MariaDbServerHarness, MissingBinaryNamesThePackage) {
  const char* old = std::getenv("VIKNO_MARIADBD");
  const std::string saved = old ? old : "";
  ::setenv("VIKNO_MARIADBD", "/nonexistent/mariadbd", 1);
  try {
    FindMariaDbBinaries();
    ADD_FAILURE() << "a missing mariadbd was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/mariadbd"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("mariadb-server"), std::string::npos) << e.what();
  }
  if (old)
    ::setenv("VIKNO_MARIADBD", saved.c_str(), 1);
  else
    ::unsetenv("VIKNO_MARIADBD");

  const std::string saved_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", "/nonexistent", 1);
  // /usr/sbin is searched even when PATH lacks it (mariadbd lives there).
  EXPECT_NO_THROW(FindMariaDbBinaries());
  ::setenv("PATH", saved_path.c_str(), 1);
}

}  // namespace
}  // namespace vikno::testing
