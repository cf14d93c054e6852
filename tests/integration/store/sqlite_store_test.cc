// What only the SQLite backend has: its file, its pragmas, its embedded
// migrations and how Migrate() treats a database it cannot handle. The
// behaviour both backends share is in store_conformance_test.cc.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "store/migrations.h"
#include "store/sqlite/wal_checkpointer.h"

namespace vikno {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vikno-sqlite-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "vikno.sqlite").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs SQL on the file through a connection of its own, as another process would.
  std::string Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    std::string out;
    char* error = nullptr;
    sqlite3_exec(
        db, sql.c_str(),
        [](void* out, int n, char** values, char**) {
          auto* s = static_cast<std::string*>(out);
          for (int i = 0; i < n; ++i) *s += std::string(values[i] ? values[i] : "NULL") + "|";
          return 0;
        },
        &out, &error);
    if (error) {
      out = std::string("error: ") + error;
      sqlite3_free(error);
    }
    sqlite3_close(db);
    return out;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SqliteStoreTest, RefusesDatabaseNewerThanTheBinary) {
  {
    SqliteStore store(path_);
    store.Migrate();
  }
  Sql("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '999_future.sql', "
      "0)");
  SqliteStore store(path_);
  try {
    store.Migrate();
    FAIL() << "a database from a newer vikno was accepted";
  } catch (const StoreError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("999"), std::string::npos) << message;
    EXPECT_NE(message.find(std::to_string(LatestVersion(SqliteMigrations()))), std::string::npos)
        << message;
    EXPECT_NE(message.find("newer"), std::string::npos) << message;
  }
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(SqliteMigrations().size() + 1) + "|")
      << "nothing was changed";
}

TEST_F(SqliteStoreTest, FailedMigrationLeavesNothingHalfDone) {
  // A table in the way of a statement in the middle of 001_initial.sql.
  Sql("CREATE TABLE audit (x INTEGER)");
  SqliteStore store(path_);
  try {
    store.Migrate();
    FAIL() << "the migration should have failed";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("001_initial.sql"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("audit"), std::string::npos) << e.what();
  }
  // The tables created before the failing statement were rolled back with it.
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM sqlite_schema WHERE name IN ('residents', 'appeals')"), "0|");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM schema_migrations"), "0|");
  EXPECT_TRUE(store.Migrations().empty());

  Sql("DROP TABLE audit");
  store.Migrate();
  EXPECT_EQ(store.Migrations().size(), SqliteMigrations().size());
}

TEST_F(SqliteStoreTest, EmbeddedMigrationsAreTheFilesByteForByte) {
  // The working directory is the source tree (vikno_test).
  ASSERT_FALSE(SqliteMigrations().empty());
  int previous = 0;
  for (const Migration& m : SqliteMigrations()) {
    EXPECT_GT(m.version, previous);
    previous = m.version;
    std::ifstream file("framework/store/migrations/sqlite/" + std::string(m.name),
                       std::ios::binary);
    ASSERT_TRUE(file) << m.name;
    std::stringstream text;
    text << file.rdbuf();
    EXPECT_EQ(text.str(), m.sql) << m.name;
  }
  SqliteStore store(path_);
  store.Migrate();
  const auto applied = store.Migrations();
  ASSERT_EQ(applied.size(), SqliteMigrations().size());
  for (size_t i = 0; i < applied.size(); ++i) {
    EXPECT_EQ(applied[i].version, SqliteMigrations()[i].version);
    EXPECT_EQ(applied[i].name, SqliteMigrations()[i].name);
  }
}

TEST_F(SqliteStoreTest, UsesWalAndEnforcesForeignKeys) {
  SqliteStore store(path_);
  store.Migrate();
  EXPECT_EQ(Sql("PRAGMA journal_mode"), "wal|");
  // A comment on a card that does not exist is refused by the foreign key.
  AuditEntry audit;
  audit.entity = "appeal";
  audit.action = "comment";
  EXPECT_THROW(store.AddComment(Comment{0, 12345, "x", "executor", "t", true, FromUnix(0)}, audit),
               StoreError);
}

TEST_F(SqliteStoreTest, RefusesInMemoryDatabase) {
  EXPECT_THROW(SqliteStore(":memory:"), StoreError);
  EXPECT_THROW(SqliteStore(""), StoreError);
}

TEST_F(SqliteStoreTest, ReportsAnUnopenableFile) {
  try {
    SqliteStore store((dir_ / "no-such-folder" / "x.sqlite").string());
    FAIL() << "opened a file in a folder that does not exist";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-folder"), std::string::npos) << e.what();
  }
}

TEST_F(SqliteStoreTest, BulkImportLeavesPlannerStatistics) {
  SqliteStore store(path_);
  store.Migrate();
  std::vector<Appeal> batch(20000);
  for (size_t i = 0; i < batch.size(); ++i) {
    Appeal& a = batch[i];
    a.type = "ordinary";
    a.category = i % 2 ? "water/leak" : "roads/pits";
    a.executors = {i % 3 ? "vodokanal" : "dorogi"};
    a.description = "x";
    a.channel = "telegram";
    a.created_at = a.updated_at = FromUnix(1'700'000'000 + static_cast<int64_t>(i));
  }
  store.ImportAppeals(batch);
  EXPECT_EQ(Sql("SELECT stat LIKE '20000 %' FROM sqlite_stat1 WHERE idx = 'appeals_created'"),
            "1|");
  // Lists still work on connections opened after the statistics changed.
  AppealQuery q;
  q.executors = std::vector<std::string>{"vodokanal", "dorogi"};
  q.with_total = true;
  const AppealPage page = store.ListAppeals(q);
  EXPECT_EQ(page.items.size(), 50u);
  EXPECT_EQ(page.total, 20000);
}

// Categories and executors are kept in memory between lists (issue 4); a
// write through the store must show at once in the next list, also after
// the copy was taken.
TEST_F(SqliteStoreTest, CachedCatalogFollowsTheStoresOwnWrites) {
  SqliteStore store(path_);
  store.Migrate();
  store.UpsertExecutor({"roads", "Дороги", "", "", "", true});
  store.UpsertCategory({"roads", "", "Дороги", "roads", "ordinary"});
  ASSERT_EQ(store.ListCategories().size(), 1u);
  ASSERT_EQ(store.ListExecutors().size(), 1u);

  store.UpsertCategory({"roads/pits", "roads", "Ями", "roads", "ordinary"});
  store.UpsertExecutor({"water", "Вода", "", "", "", true});
  const auto categories = store.ListCategories();
  ASSERT_EQ(categories.size(), 2u);
  EXPECT_EQ(categories[1].id, "roads/pits");
  ASSERT_EQ(store.ListExecutors().size(), 2u);

  AuditEntry audit;
  audit.entity = "executor";
  audit.entity_id = "roads";
  audit.action = "contacts";
  ASSERT_TRUE(store.UpdateExecutorContacts("roads", "+380542000000", "", "Коваль", audit));
  const auto executors = store.ListExecutors();
  ASSERT_EQ(executors.size(), 2u);
  EXPECT_EQ(executors[0].phone, "+380542000000");
  EXPECT_EQ(executors[0].head, "Коваль");
}

// A burst of writes grows the write-ahead log; SQLite reuses the file from
// its start but never shrinks it. The checkpointer shrinks it once the writes
// have stopped, and not while they go on (which would make every write after
// a reset grow the file again).
TEST_F(SqliteStoreTest, TheCheckpointerShrinksTheLogOnceWritesStop) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; "
                         "CREATE TABLE t (v BLOB)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  const auto wal = std::filesystem::path(path_ + "-wal");
  {
    sqlite_detail::WalCheckpointer checkpointer(path_, std::chrono::milliseconds(50),
                                                /*truncate_above_bytes=*/256 * 1024);
    // ~2 MB of log in small commits, for longer than several ticks.
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(400);
    int64_t largest = 0;
    while (std::chrono::steady_clock::now() < until) {
      ASSERT_EQ(sqlite3_exec(db, "INSERT INTO t VALUES (randomblob(8000))", nullptr, nullptr,
                             nullptr),
                SQLITE_OK);
      std::error_code ec;
      largest = std::max<int64_t>(largest, std::filesystem::file_size(wal, ec));
    }
    EXPECT_GT(largest, 256 * 1024) << "the burst should have grown the log";
    // Writes stopped: within a few ticks the log is copied back and cut.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::filesystem::file_size(wal) > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(std::filesystem::file_size(wal), 0u);
  }
  // Nothing was lost by the checkpoints.
  sqlite3_stmt* count = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM t", -1, &count, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  EXPECT_GT(sqlite3_column_int(count, 0), 0);
  sqlite3_finalize(count);
  sqlite3_close(db);
}

}  // namespace
}  // namespace vikno
