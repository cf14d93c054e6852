#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "store/migrations.h"
#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/wal_checkpointer.h"

namespace vikno {

using sqlite_detail::Statement;
using sqlite_detail::Transaction;

namespace sqlite_detail {

std::string Placeholders(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += i ? ", ?" : "?";
  return s;
}

Appeal ReadAppealRow(const Statement& s) {
  Appeal a;
  a.id = s.Int(0);
  a.number = s.Text(1);
  a.type = s.Text(2);
  a.category = s.Text(3);
  a.address.registry_id = s.OptInt(4);
  a.address.city = s.Text(5);
  a.address.district = s.Text(6);
  a.address.street = s.Text(7);
  a.address.house = s.Text(8);
  a.address.flat = s.Text(9);
  a.address.entrance = s.Text(10);
  if (!s.IsNull(11)) a.address.point = GeoPoint{s.Real(11), s.Real(12)};
  a.description = s.Text(13);
  a.channel = s.Text(14);
  a.resident_id = s.Text(15);
  a.anonymous = s.Bool(16);
  const std::string status = s.Text(17);
  const auto parsed = ParseStatus(status);
  if (!parsed)
    throw StoreError("sqlite: appeal " + std::to_string(a.id) + " has unknown status '" + status +
                     "'");
  a.status = *parsed;
  a.created_at = s.Time(18);
  a.updated_at = s.Time(19);
  a.accept_due = s.OptTime(20);
  a.resolve_due = s.OptTime(21);
  a.accepted_at = s.OptTime(22);
  a.closed_at = s.OptTime(23);
  a.repeat_of = s.OptInt(24);
  a.commission_inspection = s.Bool(25);
  a.version = static_cast<int>(s.Int(26));
  return a;
}

void LoadExecutors(SqliteStore::Connection& conn, Appeal& a) {
  Statement s = conn.Prepare(
      "SELECT executor_id FROM appeal_executors WHERE appeal_id = ? ORDER BY position");
  s.Bind(a.id);
  while (s.Step()) a.executors.push_back(s.Text(0));
}

void InsertAudit(SqliteStore::Connection& conn, const AuditEntry& e) {
  Statement s = conn.Prepare(
      "INSERT INTO audit (at, actor_id, actor_role, client_address, entity, entity_id, action, "
      "details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  s.Bind(e.at).Bind(e.actor_id).Bind(e.actor_role).Bind(e.client_address).Bind(e.entity);
  s.Bind(e.entity_id).Bind(e.action).Bind(e.details.empty() ? std::string("{}") : e.details);
  s.Run();
}

AuditEntry WithEntityId(AuditEntry e, int64_t id) {
  if (e.entity_id.empty()) e.entity_id = std::to_string(id);
  return e;
}

std::vector<std::string> FinalStatusCodes() {
  std::vector<std::string> codes;
  for (const auto& info : AllStatuses())
    if (info.final) codes.emplace_back(info.code);
  return codes;
}

}  // namespace sqlite_detail

// ---------------------------------------------------------------------------
// Units of work (issue 4: the intake rate)
//
// Handling one resident's message used to commit ~6 times (dialogue state,
// one outbox row per reply, the appeal with its audit, the intake "handled"
// mark), each commit appending its pages to the WAL and taking the WAL locks
// again; the same outbox and index pages were written once per reply. A unit
// holds the writer (write_mutex_, recursive) from Begin to its end and wraps
// the calls in ONE BEGIN IMMEDIATE ... COMMIT, so an update costs one commit
// and is all-or-nothing: a crash or a failure before Commit leaves none of
// it, and the intake row stays pending for Replay (kill tests).
//
// Durability (kept as before: WAL with synchronous=NORMAL, sqlite_internal.h).
// A COMMIT has its frames in the WAL file, i.e. in the OS page cache, when it
// returns; the fsync comes with the next checkpoint (the background
// checkpointer, once a second). So a killed or crashed PROCESS loses nothing
// committed: the intake's replay and the outbox's exactly-once across kills
// (tests/integration/outbox, residents) rest only on committed rows.
// A POWER LOSS or kernel crash can drop the commits of about the last second,
// always a prefix-consistent database: a webhook answered "taken" in that
// second may be gone (the messenger does not send it again), and a reply
// sent in that second may be sent again after the restart. That is the
// documented limit of this backend (docs/BENCHMARKS.md, intake section);
// closing it needs synchronous=FULL, i.e. an fsync per commit (4.5 ms on
// this machine's disk), which only group commit makes affordable.
namespace {

// The store whose unit this thread holds, and how deep (nested Begins join).
thread_local SqliteStore* t_unit_store = nullptr;
thread_local int t_unit_depth = 0;

}  // namespace

class SqliteStore::Unit final : public Store::UnitOfWork {
 public:
  explicit Unit(SqliteStore& store) : store_(store), lock_(store.write_mutex_) {
    if (t_unit_store && t_unit_store != &store)
      throw StoreError("sqlite: a unit of work is already open on another store in this thread");
    outer_ = t_unit_depth == 0;
    if (outer_) {
      store_.writer_->Prepare("BEGIN IMMEDIATE").Run();
      t_unit_store = &store;
    }
    ++t_unit_depth;
  }
  ~Unit() override {
    if (!done_ && outer_)
      sqlite3_exec(store_.writer_->db(), "ROLLBACK", nullptr, nullptr, nullptr);
    if (--t_unit_depth == 0) t_unit_store = nullptr;
  }
  void Commit() override {
    if (done_) return;
    if (outer_) {
      // A statement error that made SQLite roll back by itself (disk full,
      // I/O error) ended the transaction early: the unit's work is not whole.
      if (sqlite3_get_autocommit(store_.writer_->db()) != 0) {
        done_ = true;
        throw StoreError("sqlite: the unit of work's transaction was rolled back by an error");
      }
      store_.writer_->Prepare("COMMIT").Run();
    }
    done_ = true;
  }

 private:
  SqliteStore& store_;
  std::unique_lock<std::recursive_mutex> lock_;
  bool outer_ = false;
  bool done_ = false;
};

std::unique_ptr<Store::UnitOfWork> SqliteStore::BeginUnitOfWork() {
  return std::make_unique<Unit>(*this);
}

SqliteStore::ReadLease SqliteStore::Read() {
  if (t_unit_store == this) return ReadLease(this, writer_.get());
  uint64_t generation = 0;
  {
    std::lock_guard lock(readers_mutex_);
    if (!idle_readers_.empty()) {
      auto conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReadLease(this, std::move(conn));
    }
    generation = statistics_generation_;
  }
  auto conn = std::make_unique<Connection>(path_, /*writer=*/false);
  conn->statistics_generation = generation;
  return ReadLease(this, std::move(conn));
}

// The appeals list relies on SQLite's planner choosing, per filter, between
// reading the sort index and filtering, or reading the filter index and
// sorting (e.g. three services of ten: scan created_at; one street: use the
// street index). Without statistics it guesses badly on large tables: a scope
// of three executors over a million cards took 400 ms instead of 1 ms. So
// ANALYZE runs when the appeals table has grown or shrunk twofold since the
// statistics were taken (about a second per million rows; rare, since the
// threshold doubles). Small tables are fast whatever the plan.
void SqliteStore::RefreshStatistics(Connection& w) {
  constexpr int64_t kMinRows = 10000;
  int64_t rows = 0;
  {
    Statement s = w.Prepare("SELECT COUNT(*) FROM appeals");
    s.Step();
    rows = s.Int(0);
  }
  appeal_writes_since_check_ = 0;
  if (rows < kMinRows) return;
  bool have_statistics = false;
  {
    Statement s =
        w.Prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'");
    have_statistics = s.Step();
  }
  int64_t analysed_rows = 0;
  if (have_statistics) {
    // The first number of an index's stat is the table's row count.
    Statement s = w.Prepare("SELECT stat FROM sqlite_stat1 WHERE idx = 'appeals_created'");
    if (s.Step()) analysed_rows = std::atoll(s.Text(0).c_str());
  }
  if (analysed_rows > 0 && rows <= 2 * analysed_rows && 2 * rows >= analysed_rows) return;
  w.Exec("ANALYZE");
  std::lock_guard lock(readers_mutex_);
  ++statistics_generation_;
  idle_readers_.clear();
}

SqliteStore::SqliteStore(std::string path, int max_idle_readers)
    : path_(std::move(path)),
      max_idle_readers_(static_cast<size_t>(std::max(0, max_idle_readers))) {
  if (path_.empty() || path_ == ":memory:" || path_.starts_with("file::memory:"))
    throw StoreError(
        "sqlite: a database file path is required (in-memory databases are not "
        "supported), got '" +
        path_ + "'");
  writer_ = std::make_unique<Connection>(path_, /*writer=*/true);
  // The background checkpointer copies the log back once a second; the
  // writer's own automatic checkpoint (default 1,000 pages) would otherwise
  // run inside a request's commit. 100,000 pages (~400 MB) stays as the
  // safety net should the checkpointer fall behind. It was 10,000, but a
  // burst of creates (25 pages each) reached that ~12 times a second, each
  // time a checkpoint with two fsyncs inside a commit: 100,000 measured
  // 15-20% more creates a second. The checkpointer shrinks the log again
  // once the burst is over (wal_checkpointer.h).
  writer_->Exec("PRAGMA wal_autocheckpoint = 100000");
  checkpointer_ =
      std::make_unique<sqlite_detail::WalCheckpointer>(path_, std::chrono::milliseconds(1000));
}

SqliteStore::~SqliteStore() = default;

// ---------------------------------------------------------------------------
// Migrations

void SqliteStore::Migrate() {
  const auto migrations = SqliteMigrations();
  const int latest = LatestVersion(migrations);
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  w.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
      "name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  auto recorded_max = [&w] {
    Statement s = w.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    s.Step();
    return static_cast<int>(s.Int(0));
  };
  if (const int current = recorded_max(); current > latest)
    throw StoreError(NewerSchemaMessage("sqlite", current, latest));

  for (const Migration& m : migrations) {
    // Each migration with its record in one transaction: a failing one leaves
    // the schema as the previous one left it. The check is repeated inside
    // the transaction so two processes starting at once apply it once.
    Transaction tx(w);
    const int current = recorded_max();
    if (current > latest) throw StoreError(NewerSchemaMessage("sqlite", current, latest));
    {
      Statement s = w.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
      s.Bind(m.version);
      if (s.Step()) continue;  // already applied; the transaction rolls back empty
    }
    const std::string sql(m.sql);
    w.Exec(sql.c_str(), "migration " + std::string(m.name) + " failed");
    Statement s =
        w.Prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
    s.Bind(m.version).Bind(m.name).Bind(SystemClock().Now()).Run();
    tx.Commit();
  }
  // Start-up is the moment to catch up on statistics (one check per start).
  RefreshStatistics(w);
}

std::vector<AppliedMigration> SqliteStore::Migrations() {
  ReadLease r = Read();
  std::vector<AppliedMigration> out;
  {
    Statement exists = r->Prepare(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'");
    if (!exists.Step()) return out;
  }
  Statement s =
      r->Prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
  while (s.Step())
    out.push_back(AppliedMigration{static_cast<int>(s.Int(0)), s.Text(1), s.Time(2)});
  return out;
}

bool SqliteStore::Ping() {
  try {
    ReadLease r = Read();
    Statement s = r->Prepare("SELECT 1");
    return s.Step() && s.Int(0) == 1;
  } catch (const StoreError&) {
    return false;
  }
}

}  // namespace vikno
