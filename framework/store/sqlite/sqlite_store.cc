#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>

#include "store/migrations.h"

namespace vikno {
namespace {

// The due date of appeals without one, for `due_order` (001_initial.sql):
// 9999-12-31T23:59:59Z sorts after every real deadline.
constexpr int64_t kNoDueOrder = 253402300799;
// Prepared statements kept per connection. The appeals list builds its SQL
// from fixed fragments, so its variants are bounded; past this many the
// unused ones are finalised.
constexpr size_t kMaxCachedStatements = 256;

[[noreturn]] void Fail(sqlite3* db, std::string_view what) {
  throw StoreError("sqlite: " + std::string(what) + ": " + sqlite3_errmsg(db));
}

int64_t DueOrder(const std::optional<Timestamp>& resolve_due) {
  return resolve_due ? ToUnix(*resolve_due) : kNoDueOrder;
}

// Collapses identical values and pads the list to the next power of two by
// repeating the last one, so `IN (?, ...)` takes a handful of shapes and its
// prepared statements are reused instead of piling up one per list length.
std::vector<std::string> PaddedSet(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  size_t size = 1;
  while (size < values.size()) size *= 2;
  while (values.size() < size) values.push_back(values.back());
  return values;
}

std::string Placeholders(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += i ? ", ?" : "?";
  return s;
}

// Minimal JSON string quoting for the retention audit details.
std::string JsonNumberField(std::string_view key, int64_t value) {
  return "\"" + std::string(key) + "\": " + std::to_string(value);
}

}  // namespace

// ---------------------------------------------------------------------------
// Connection and statements

class SqliteStore::Connection {
 public:
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool busy = false;
  };

  Connection(const std::string& path, bool writer) {
    const int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw StoreError("sqlite: cannot open " + path + ": " + message);
    }
    sqlite3_extended_result_codes(db_, 1);
    // Another process (a CLI command beside the host) may hold the write
    // lock for a moment; wait for it rather than fail at once.
    sqlite3_busy_timeout(db_, 5000);
    try {
      Exec("PRAGMA foreign_keys = ON");
      if (writer) {
        // WAL: readers never block the writer nor the writer them. NORMAL
        // sync is durable across a process crash and loses at most the last
        // commits on power loss, the usual trade with WAL.
        Statement mode = Prepare("PRAGMA journal_mode = WAL");
        if (!mode.Step() || mode.Text(0) != "wal")
          throw StoreError("sqlite: " + path + " cannot be switched to WAL mode");
      } else {
        Exec("PRAGMA query_only = ON");
      }
      Exec("PRAGMA synchronous = NORMAL");
      Exec(writer ? "PRAGMA cache_size = -65536" : "PRAGMA cache_size = -16384");
    } catch (...) {
      Close();
      throw;
    }
  }
  ~Connection() { Close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }

  // Which planner statistics a read connection was opened with (see
  // SqliteStore::RefreshStatistics).
  uint64_t statistics_generation = 0;

  // Runs SQL text without results (may hold several statements).
  void Exec(const char* sql, std::string_view what = {}) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error ? error : sqlite3_errmsg(db_);
      sqlite3_free(error);
      throw StoreError("sqlite: " + std::string(what.empty() ? sql : what) + ": " + message);
    }
  }

  // A statement bound to one use: reset and unbound when it goes out of scope.
  class Statement {
   public:
    Statement(Connection* conn, sqlite3_stmt* stmt, Cached* cached)
        : conn_(conn), stmt_(stmt), cached_(cached) {}
    Statement(Statement&& other) noexcept
        : conn_(other.conn_),
          stmt_(std::exchange(other.stmt_, nullptr)),
          cached_(other.cached_),
          next_(other.next_) {}
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement() {
      if (!stmt_) return;
      if (cached_) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        cached_->busy = false;
      } else {
        sqlite3_finalize(stmt_);
      }
    }

    Statement& Bind(std::string_view text) {
      // A null data pointer would bind SQL NULL; "" binds the empty string.
      const char* data = text.data() ? text.data() : "";
      Check(
          sqlite3_bind_text(stmt_, ++next_, data, static_cast<int>(text.size()), SQLITE_TRANSIENT));
      return *this;
    }
    Statement& Bind(const std::string& text) { return Bind(std::string_view(text)); }
    Statement& Bind(const char* text) { return Bind(std::string_view(text)); }
    Statement& Bind(int64_t value) {
      Check(sqlite3_bind_int64(stmt_, ++next_, value));
      return *this;
    }
    Statement& Bind(int value) { return Bind(static_cast<int64_t>(value)); }
    Statement& Bind(bool value) { return Bind(static_cast<int64_t>(value ? 1 : 0)); }
    Statement& Bind(double value) {
      Check(sqlite3_bind_double(stmt_, ++next_, value));
      return *this;
    }
    Statement& Bind(Timestamp t) { return Bind(ToUnix(t)); }
    Statement& BindNull() {
      Check(sqlite3_bind_null(stmt_, ++next_));
      return *this;
    }
    template <class T>
    Statement& Bind(const std::optional<T>& value) {
      return value ? Bind(*value) : BindNull();
    }

    // True when a row is ready; false when done. Throws on error.
    bool Step() {
      const int rc = sqlite3_step(stmt_);
      if (rc == SQLITE_ROW) return true;
      if (rc == SQLITE_DONE) return false;
      Fail(conn_->db_, sqlite3_sql(stmt_));
    }
    // Runs a statement that returns no rows; returns the rows it changed.
    int Run() {
      while (Step()) {
      }
      return sqlite3_changes(conn_->db_);
    }

    bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
    int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
    bool Bool(int col) const { return Int(col) != 0; }
    double Real(int col) const { return sqlite3_column_double(stmt_, col); }
    std::string Text(int col) const {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
      return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
               : std::string();
    }
    Timestamp Time(int col) const { return FromUnix(Int(col)); }
    std::optional<int64_t> OptInt(int col) const {
      return IsNull(col) ? std::nullopt : std::optional<int64_t>(Int(col));
    }
    std::optional<Timestamp> OptTime(int col) const {
      return IsNull(col) ? std::nullopt : std::optional<Timestamp>(Time(col));
    }

   private:
    void Check(int rc) {
      if (rc != SQLITE_OK) Fail(conn_->db_, "bind");
    }

    Connection* conn_;
    sqlite3_stmt* stmt_;
    Cached* cached_;  // null for a one-off statement, finalised at the end
    int next_ = 0;
  };

  // A prepared statement for `sql`, from the cache when possible. Values are
  // always bound, never spliced into the text.
  Statement Prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end() && !it->second.busy) {
      it->second.busy = true;
      return Statement(this, it->second.stmt, &it->second);
    }
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      Fail(db_, "prepare " + sql);
    }
    // Already in use higher up the stack (a nested query of the same
    // text): hand out a one-off statement.
    if (it != cache_.end()) return Statement(this, stmt, nullptr);
    if (cache_.size() >= kMaxCachedStatements) Evict();
    auto [pos, inserted] = cache_.emplace(sql, Cached{stmt, true});
    return Statement(this, stmt, &pos->second);
  }

 private:
  void Evict() {
    for (auto it = cache_.begin(); it != cache_.end();) {
      if (it->second.busy) {
        ++it;
      } else {
        sqlite3_finalize(it->second.stmt);
        it = cache_.erase(it);
      }
    }
  }

  void Close() {
    for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
    cache_.clear();
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
  }

  sqlite3* db_ = nullptr;
  // unordered_map keeps element addresses stable across inserts, which the
  // Cached* held by live statements relies on.
  std::unordered_map<std::string, Cached> cache_;
};

using Statement = SqliteStore::Connection::Statement;

namespace {

// BEGIN IMMEDIATE takes the write lock up front, so a transaction never
// fails half-way for a lock another connection took after it had read.
class Transaction {
 public:
  explicit Transaction(SqliteStore::Connection& conn) : conn_(conn) {
    conn_.Prepare("BEGIN IMMEDIATE").Run();
  }
  ~Transaction() {
    if (!done_) sqlite3_exec(conn_.db(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void Commit() {
    conn_.Prepare("COMMIT").Run();
    done_ = true;
  }

 private:
  SqliteStore::Connection& conn_;
  bool done_ = false;
};

// --- Row mapping. Column lists and readers are kept side by side. ---

constexpr const char* kResidentColumns =
    "id, anonymous, name, phone, email, consent_given_at, consent_text_version, created_at";

Resident ReadResident(const Statement& s) {
  Resident r;
  r.id = s.Text(0);
  r.anonymous = s.Bool(1);
  if (!s.IsNull(2) || !s.IsNull(3) || !s.IsNull(4))
    r.identity = Identity{s.Text(2), s.Text(3), s.Text(4)};
  if (!s.IsNull(5)) r.consent = Consent{s.Time(5), s.Text(6)};
  r.created_at = s.Time(7);
  return r;
}

// Binds name, phone, email, consent_given_at, consent_text_version.
void BindPersonalData(Statement& s, const Resident& r) {
  if (r.identity) {
    s.Bind(r.identity->name).Bind(r.identity->phone).Bind(r.identity->email);
  } else {
    s.BindNull().BindNull().BindNull();
  }
  if (r.consent) {
    s.Bind(r.consent->given_at).Bind(r.consent->text_version);
  } else {
    s.BindNull().BindNull();
  }
}

constexpr const char* kExecutorColumns = "id, name, phone, email, head, active";

Executor ReadExecutor(const Statement& s) {
  return Executor{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Bool(5)};
}

constexpr const char* kRegistryColumns = "id, city, district, street, house, lat, lon";

RegistryAddress ReadRegistryAddress(const Statement& s) {
  RegistryAddress a;
  a.id = s.Int(0);
  a.city = s.Text(1);
  a.district = s.Text(2);
  a.street = s.Text(3);
  a.house = s.Text(4);
  if (!s.IsNull(5)) a.point = GeoPoint{s.Real(5), s.Real(6)};
  return a;
}

constexpr const char* kAppealColumns =
    "id, number, type, category, registry_id, city, district, street, house, flat, entrance, "
    "lat, lon, description, channel, resident_id, anonymous, status, created_at, updated_at, "
    "accept_due, resolve_due, accepted_at, closed_at, repeat_of, commission_inspection, version";

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

std::optional<Appeal> ReadAppeal(SqliteStore::Connection& conn, std::string_view where,
                                 const auto& key) {
  std::optional<Appeal> appeal;
  {
    Statement s = conn.Prepare(std::string("SELECT ") + kAppealColumns + " FROM appeals WHERE " +
                               std::string(where));
    s.Bind(key);
    if (!s.Step()) return std::nullopt;
    appeal = ReadAppealRow(s);
  }
  LoadExecutors(conn, *appeal);
  return appeal;
}

// The address and state columns shared by insert and update, in this order:
// type, category, lead_executor, registry_id, city, district, street, house,
// flat, entrance, lat, lon, description, channel, resident_id, anonymous,
// status, updated_at, accept_due, resolve_due, due_order, accepted_at,
// closed_at, repeat_of, commission_inspection.
void BindAppealState(Statement& s, const Appeal& a) {
  s.Bind(a.type).Bind(a.category).Bind(a.lead_executor()).Bind(a.address.registry_id);
  s.Bind(a.address.city).Bind(a.address.district).Bind(a.address.street).Bind(a.address.house);
  s.Bind(a.address.flat).Bind(a.address.entrance);
  if (a.address.point) {
    s.Bind(a.address.point->lat).Bind(a.address.point->lon);
  } else {
    s.BindNull().BindNull();
  }
  s.Bind(a.description).Bind(a.channel).Bind(a.resident_id).Bind(a.anonymous);
  s.Bind(StatusCode(a.status)).Bind(a.updated_at).Bind(a.accept_due).Bind(a.resolve_due);
  s.Bind(DueOrder(a.resolve_due)).Bind(a.accepted_at).Bind(a.closed_at).Bind(a.repeat_of);
  s.Bind(a.commission_inspection);
}

// Inserts the appeal and its executors; returns the new id. The number is
// the draft's, or the decimal id when the draft has none (R5: assigned at
// once, in the same transaction).
int64_t InsertAppeal(SqliteStore::Connection& conn, const Appeal& a) {
  int64_t id = 0;
  {
    Statement s = conn.Prepare(
        "INSERT INTO appeals (type, category, lead_executor, registry_id, city, district, "
        "street, house, flat, entrance, lat, lon, description, channel, resident_id, anonymous, "
        "status, updated_at, accept_due, resolve_due, due_order, accepted_at, closed_at, "
        "repeat_of, commission_inspection, number, created_at, next_check_at, version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, 1)");
    BindAppealState(s, a);
    if (a.number.empty()) {
      s.BindNull();
    } else {
      s.Bind(a.number);
    }
    s.Bind(a.created_at).Bind(DefaultNextCheck(a));
    s.Run();
    id = sqlite3_last_insert_rowid(conn.db());
  }
  if (a.number.empty()) {
    Statement s = conn.Prepare("UPDATE appeals SET number = ? WHERE id = ?");
    s.Bind(std::to_string(id)).Bind(id).Run();
  }
  for (size_t i = 0; i < a.executors.size(); ++i) {
    Statement row = conn.Prepare(
        "INSERT INTO appeal_executors (appeal_id, position, executor_id) VALUES (?, ?, ?)");
    row.Bind(id).Bind(static_cast<int64_t>(i)).Bind(a.executors[i]).Run();
  }
  return id;
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

constexpr const char* kCommentColumns =
    "id, appeal_id, author_id, author_role, text, visible_to_resident, created_at";

Comment ReadComment(const Statement& s) {
  return Comment{s.Int(0), s.Int(1), s.Text(2), s.Text(3), s.Text(4), s.Bool(5), s.Time(6)};
}

constexpr const char* kAttachmentColumns =
    "id, appeal_id, sha256, media_type, size, original_name, uploaded_by, created_at";

Attachment ReadAttachment(const Statement& s) {
  return Attachment{s.Int(0), s.Int(1),  s.Text(2), s.Text(3),
                    s.Int(4), s.Text(5), s.Text(6), s.Time(7)};
}

constexpr const char* kAuditColumns =
    "id, at, actor_id, actor_role, client_address, entity, entity_id, action, details";

AuditEntry ReadAuditEntry(const Statement& s) {
  return AuditEntry{s.Int(0),  s.Time(1), s.Text(2), s.Text(3), s.Text(4),
                    s.Text(5), s.Text(6), s.Text(7), s.Text(8)};
}

std::vector<std::string> FinalStatusCodes() {
  std::vector<std::string> codes;
  for (const auto& info : AllStatuses())
    if (info.final) codes.emplace_back(info.code);
  return codes;
}

}  // namespace

// ---------------------------------------------------------------------------
// Read connections

class SqliteStore::ReadLease {
 public:
  ReadLease(SqliteStore* store, std::unique_ptr<Connection> conn)
      : store_(store), conn_(std::move(conn)) {}
  ReadLease(ReadLease&&) = default;
  ~ReadLease() {
    if (!conn_) return;
    std::lock_guard lock(store_->readers_mutex_);
    // A connection from before the last ANALYZE keeps its old plans; let it go.
    if (store_->idle_readers_.size() < store_->max_idle_readers_ &&
        conn_->statistics_generation == store_->statistics_generation_)
      store_->idle_readers_.push_back(std::move(conn_));
  }
  Connection& operator*() const { return *conn_; }
  Connection* operator->() const { return conn_.get(); }

 private:
  SqliteStore* store_;
  std::unique_ptr<Connection> conn_;
};

SqliteStore::ReadLease SqliteStore::Read() {
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

// ---------------------------------------------------------------------------
// Residents

void SqliteStore::CreateResident(const Resident& resident, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Statement s = w.Prepare(
      "INSERT INTO residents (id, anonymous, name, phone, email, consent_given_at, "
      "consent_text_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  s.Bind(resident.id).Bind(resident.anonymous);
  BindPersonalData(s, resident);
  s.Bind(resident.created_at).Run();
  AuditEntry e = audit;
  if (e.entity_id.empty()) e.entity_id = resident.id;
  InsertAudit(w, e);
  tx.Commit();
}

std::optional<Resident> SqliteStore::FindResident(const std::string& id) {
  ReadLease r = Read();
  Statement s =
      r->Prepare(std::string("SELECT ") + kResidentColumns + " FROM residents WHERE id = ?");
  s.Bind(id);
  if (!s.Step()) return std::nullopt;
  return ReadResident(s);
}

std::vector<Resident> SqliteStore::FindResidentsByPhone(const std::string& phone) {
  std::vector<Resident> out;
  if (phone.empty()) return out;  // erased or never given: not a phone to match
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kResidentColumns +
                           " FROM residents WHERE phone = ? ORDER BY created_at, id");
  s.Bind(phone);
  while (s.Step()) out.push_back(ReadResident(s));
  return out;
}

void SqliteStore::UpdateResident(const Resident& resident, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Statement s = w.Prepare(
      "UPDATE residents SET anonymous = ?, name = ?, phone = ?, email = ?, consent_given_at = ?, "
      "consent_text_version = ? WHERE id = ?");
  s.Bind(resident.anonymous);
  BindPersonalData(s, resident);
  if (s.Bind(resident.id).Run() == 0)
    throw StoreError("sqlite: no resident with id '" + resident.id + "' to update");
  AuditEntry e = audit;
  if (e.entity_id.empty()) e.entity_id = resident.id;
  InsertAudit(w, e);
  tx.Commit();
}

// ---------------------------------------------------------------------------
// Reference data

void SqliteStore::UpsertExecutor(const Executor& x) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "INSERT INTO executors (id, name, phone, email, head, active) VALUES (?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (id) DO UPDATE SET name = excluded.name, phone = excluded.phone, "
      "email = excluded.email, head = excluded.head, active = excluded.active");
  s.Bind(x.id).Bind(x.name).Bind(x.phone).Bind(x.email).Bind(x.head).Bind(x.active).Run();
}

std::optional<Executor> SqliteStore::FindExecutor(const std::string& id) {
  ReadLease r = Read();
  Statement s =
      r->Prepare(std::string("SELECT ") + kExecutorColumns + " FROM executors WHERE id = ?");
  s.Bind(id);
  if (!s.Step()) return std::nullopt;
  return ReadExecutor(s);
}

std::vector<Executor> SqliteStore::ListExecutors() {
  ReadLease r = Read();
  Statement s =
      r->Prepare(std::string("SELECT ") + kExecutorColumns + " FROM executors ORDER BY id");
  std::vector<Executor> out;
  while (s.Step()) out.push_back(ReadExecutor(s));
  return out;
}

void SqliteStore::UpsertCategory(const Category& c) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "INSERT INTO categories (id, parent_id, name, executor_id, type) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name, "
      "executor_id = excluded.executor_id, type = excluded.type");
  s.Bind(c.id).Bind(c.parent_id).Bind(c.name).Bind(c.executor_id).Bind(c.type).Run();
}

std::vector<Category> SqliteStore::ListCategories() {
  ReadLease r = Read();
  Statement s =
      r->Prepare("SELECT id, parent_id, name, executor_id, type FROM categories ORDER BY id");
  std::vector<Category> out;
  while (s.Step()) out.push_back(Category{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4)});
  return out;
}

int64_t SqliteStore::UpsertRegistryAddress(const RegistryAddress& a) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  // One building per (city, street, house): re-importing the registry
  // refreshes district and point and keeps the id appeals refer to.
  Statement s = w.Prepare(
      "INSERT INTO registry_addresses (city, district, street, house, lat, lon) "
      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (city, street, house) DO UPDATE SET "
      "district = excluded.district, lat = excluded.lat, lon = excluded.lon RETURNING id");
  s.Bind(a.city).Bind(a.district).Bind(a.street).Bind(a.house);
  if (a.point) {
    s.Bind(a.point->lat).Bind(a.point->lon);
  } else {
    s.BindNull().BindNull();
  }
  if (!s.Step()) throw StoreError("sqlite: registry address upsert returned no id");
  const int64_t id = s.Int(0);
  while (s.Step()) {
  }
  return id;
}

std::optional<RegistryAddress> SqliteStore::FindRegistryAddress(int64_t id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kRegistryColumns +
                           " FROM registry_addresses WHERE id = ?");
  s.Bind(id);
  if (!s.Step()) return std::nullopt;
  return ReadRegistryAddress(s);
}

std::vector<RegistryAddress> SqliteStore::ListRegistryAddresses(const std::string& city) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kRegistryColumns +
                           " FROM registry_addresses WHERE city = ? ORDER BY street, house, id");
  s.Bind(city);
  std::vector<RegistryAddress> out;
  while (s.Step()) out.push_back(ReadRegistryAddress(s));
  return out;
}

// ---------------------------------------------------------------------------
// Appeals

Appeal SqliteStore::CreateAppeal(const Appeal& draft, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  const int64_t id = InsertAppeal(w, draft);
  // R33: the audit entry commits with the card or not at all.
  InsertAudit(w, WithEntityId(audit, id));
  std::optional<Appeal> stored = ReadAppeal(w, "id = ?", id);
  tx.Commit();
  if (++appeal_writes_since_check_ >= 10000) RefreshStatistics(w);
  return std::move(*stored);
}

std::optional<Appeal> SqliteStore::FindAppeal(int64_t id) {
  ReadLease r = Read();
  return ReadAppeal(*r, "id = ?", id);
}

std::optional<Appeal> SqliteStore::FindAppealByNumber(const std::string& number) {
  ReadLease r = Read();
  return ReadAppeal(*r, "number = ?", number);
}

AppealPage SqliteStore::ListAppeals(const AppealQuery& q) {
  if (q.limit < 1 || q.limit > 500)
    throw StoreError("appeals list: limit must be 1..500, got " + std::to_string(q.limit));
  if (q.offset < 0)
    throw StoreError("appeals list: offset must not be negative, got " + std::to_string(q.offset));
  AppealPage page;
  // R26: a scope that covers no service sees nothing.
  if (q.executors && q.executors->empty()) {
    if (q.with_total) page.total = 0;
    return page;
  }

  // The WHERE clause is put together from fixed fragments with ? only; every
  // value the caller gave is bound, never spliced into the SQL.
  using Param = std::variant<int64_t, std::string>;
  std::string where;
  std::vector<Param> params;
  auto add = [&where](std::string_view fragment) {
    where += where.empty() ? " WHERE " : " AND ";
    where += fragment;
  };
  auto add_in = [&](std::string_view column, std::vector<std::string> values) {
    values = PaddedSet(std::move(values));
    add(std::string(column) + " IN (" + Placeholders(values.size()) + ")");
    for (auto& v : values) params.emplace_back(std::move(v));
  };
  if (q.created_from) {
    add("created_at >= ?");
    params.emplace_back(ToUnix(*q.created_from));
  }
  if (q.created_to) {
    add("created_at < ?");
    params.emplace_back(ToUnix(*q.created_to));
  }
  if (q.executors) add_in("lead_executor", *q.executors);
  if (!q.category.empty()) {
    // The leaf itself or anything under "category/": '0' is the character
    // after '/', so the range is exactly the branch and stays an index range.
    add("(category = ? OR (category >= ? AND category < ?))");
    params.emplace_back(q.category);
    params.emplace_back(q.category + "/");
    params.emplace_back(q.category + "0");
  }
  if (!q.statuses.empty()) {
    std::vector<std::string> codes;
    for (Status st : q.statuses) codes.emplace_back(StatusCode(st));
    add_in("status", std::move(codes));
  }
  if (!q.street.empty()) {
    add("street = ?");
    params.emplace_back(q.street);
  }
  if (!q.house.empty()) {
    add("house = ?");
    params.emplace_back(q.house);
  }
  if (q.registry_id) {
    add("registry_id = ?");
    params.emplace_back(*q.registry_id);
  }
  if (!q.resident_id.empty()) {
    add("resident_id = ?");
    params.emplace_back(q.resident_id);
  }
  if (!q.channel.empty()) {
    add("channel = ?");
    params.emplace_back(q.channel);
  }
  if (q.overdue_only) {
    // due_order < now is resolve_due < now (undated appeals carry year 9999).
    add("due_order < ?");
    params.emplace_back(ToUnix(q.now));
    const auto finals = FinalStatusCodes();
    add("status NOT IN (" + Placeholders(finals.size()) + ")");
    for (const auto& code : finals) params.emplace_back(code);
  }

  const char* order = "created_at DESC, id DESC";
  if (q.sort == AppealQuery::Sort::kOldestFirst) order = "created_at ASC, id ASC";
  if (q.sort == AppealQuery::Sort::kDueSoonest) order = "due_order ASC, id ASC";

  auto bind_all = [&params](Statement& s) {
    for (const Param& p : params) std::visit([&s](const auto& v) { s.Bind(v); }, p);
  };

  ReadLease r = Read();
  {
    Statement s = r->Prepare(std::string("SELECT ") + kAppealColumns + " FROM appeals" + where +
                             " ORDER BY " + order + " LIMIT ? OFFSET ?");
    bind_all(s);
    // One row more than the page tells whether another page follows.
    s.Bind(static_cast<int64_t>(q.limit) + 1).Bind(static_cast<int64_t>(q.offset));
    while (s.Step()) {
      if (page.items.size() == static_cast<size_t>(q.limit)) {
        page.has_more = true;
        break;
      }
      page.items.push_back(ReadAppealRow(s));
    }
  }
  for (Appeal& a : page.items) LoadExecutors(*r, a);
  if (q.with_total) {
    Statement s = r->Prepare("SELECT COUNT(*) FROM appeals" + where);
    bind_all(s);
    s.Step();
    page.total = s.Int(0);
  }
  return page;
}

Result<Appeal> SqliteStore::UpdateAppeal(const Appeal& appeal, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  int changed = 0;
  {
    // Optimistic concurrency: the write only lands on the version the caller
    // read. Number and creation time never change.
    Statement s = w.Prepare(
        "UPDATE appeals SET type = ?, category = ?, lead_executor = ?, registry_id = ?, city = ?, "
        "district = ?, street = ?, house = ?, flat = ?, entrance = ?, lat = ?, lon = ?, "
        "description = ?, channel = ?, resident_id = ?, anonymous = ?, status = ?, "
        "updated_at = ?, accept_due = ?, resolve_due = ?, due_order = ?, accepted_at = ?, "
        "closed_at = ?, repeat_of = ?, commission_inspection = ?, next_check_at = ?, "
        "version = version + 1 WHERE id = ? AND version = ?");
    BindAppealState(s, appeal);
    s.Bind(DefaultNextCheck(appeal));
    changed = s.Bind(appeal.id).Bind(appeal.version).Run();
  }
  if (changed == 0) {
    Statement s = w.Prepare("SELECT version FROM appeals WHERE id = ?");
    s.Bind(appeal.id);
    if (!s.Step())
      return Refuse("not_found", "appeal " + std::to_string(appeal.id) + " does not exist");
    return Refuse("stale", "appeal " + std::to_string(appeal.id) +
                               " was changed by someone else "
                               "(stored version " +
                               std::to_string(s.Int(0)) + ", given " +
                               std::to_string(appeal.version) + "); reload and retry");
  }
  {
    Statement d = w.Prepare("DELETE FROM appeal_executors WHERE appeal_id = ?");
    d.Bind(appeal.id).Run();
  }
  for (size_t i = 0; i < appeal.executors.size(); ++i) {
    Statement s = w.Prepare(
        "INSERT INTO appeal_executors (appeal_id, position, executor_id) VALUES (?, ?, ?)");
    s.Bind(appeal.id).Bind(static_cast<int64_t>(i)).Bind(appeal.executors[i]).Run();
  }
  InsertAudit(w, WithEntityId(audit, appeal.id));
  std::optional<Appeal> stored = ReadAppeal(w, "id = ?", appeal.id);
  tx.Commit();
  return std::move(*stored);
}

void SqliteStore::ImportAppeals(const std::vector<Appeal>& appeals) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  // One transaction for the whole batch: a bulk load of a million cards
  // commits once, and a bad card leaves none of the batch behind.
  Transaction tx(w);
  for (const Appeal& a : appeals) InsertAppeal(w, a);
  tx.Commit();
  RefreshStatistics(w);
}

// ---------------------------------------------------------------------------
// Comments and files

Comment SqliteStore::AddComment(const Comment& comment, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Comment stored = comment;
  {
    Statement s = w.Prepare(
        "INSERT INTO comments (appeal_id, author_id, author_role, text, visible_to_resident, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)");
    s.Bind(comment.appeal_id).Bind(comment.author_id).Bind(comment.author_role);
    s.Bind(comment.text).Bind(comment.visible_to_resident).Bind(comment.created_at).Run();
    stored.id = sqlite3_last_insert_rowid(w.db());
  }
  InsertAudit(w, WithEntityId(audit, comment.appeal_id));
  tx.Commit();
  return stored;
}

std::vector<Comment> SqliteStore::ListComments(int64_t appeal_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kCommentColumns +
                           " FROM comments WHERE appeal_id = ? ORDER BY id");
  s.Bind(appeal_id);
  std::vector<Comment> out;
  while (s.Step()) out.push_back(ReadComment(s));
  return out;
}

Attachment SqliteStore::AddAttachment(const Attachment& attachment, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Attachment stored = attachment;
  {
    Statement s = w.Prepare(
        "INSERT INTO attachments (appeal_id, sha256, media_type, size, original_name, "
        "uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    s.Bind(attachment.appeal_id).Bind(attachment.sha256).Bind(attachment.media_type);
    s.Bind(attachment.size).Bind(attachment.original_name).Bind(attachment.uploaded_by);
    s.Bind(attachment.created_at).Run();
    stored.id = sqlite3_last_insert_rowid(w.db());
  }
  InsertAudit(w, WithEntityId(audit, attachment.appeal_id));
  tx.Commit();
  return stored;
}

std::vector<Attachment> SqliteStore::ListAttachments(int64_t appeal_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kAttachmentColumns +
                           " FROM attachments WHERE appeal_id = ? ORDER BY id");
  s.Bind(appeal_id);
  std::vector<Attachment> out;
  while (s.Step()) out.push_back(ReadAttachment(s));
  return out;
}

// ---------------------------------------------------------------------------
// Audit

void SqliteStore::Audit(const AuditEntry& entry) {
  std::lock_guard lock(write_mutex_);
  InsertAudit(*writer_, entry);
}

std::vector<AuditEntry> SqliteStore::ListAudit(const std::string& entity,
                                               const std::string& entity_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kAuditColumns +
                           " FROM audit WHERE entity = ? AND entity_id = ? ORDER BY id");
  s.Bind(entity).Bind(entity_id);
  std::vector<AuditEntry> out;
  while (s.Step()) out.push_back(ReadAuditEntry(s));
  return out;
}

// ---------------------------------------------------------------------------
// Retention (R32, B8)

PurgeReport SqliteStore::PurgeClosedBefore(Timestamp cutoff, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  // A connection-private scratch table of the cards to remove, so each step
  // below names the same set.
  w.Exec("CREATE TEMP TABLE IF NOT EXISTS purge_ids (id INTEGER PRIMARY KEY)");
  w.Exec("CREATE TEMP TABLE IF NOT EXISTS purge_residents (id TEXT PRIMARY KEY)");
  Transaction tx(w);
  PurgeReport report;
  w.Prepare("DELETE FROM temp.purge_ids").Run();
  {
    const auto finals = FinalStatusCodes();
    Statement s = w.Prepare(
        "INSERT INTO temp.purge_ids (id) SELECT id FROM appeals WHERE closed_at < ? "
        "AND status IN (" +
        Placeholders(finals.size()) + ")");
    s.Bind(cutoff);
    for (const auto& code : finals) s.Bind(code);
    report.appeals = s.Run();
  }
  {
    // Files of removed cards that no remaining card refers to: the caller
    // deletes these; a file shared with a kept card stays.
    Statement s = w.Prepare(
        "SELECT DISTINCT a.sha256 FROM attachments a "
        "WHERE a.appeal_id IN (SELECT id FROM temp.purge_ids) AND NOT EXISTS ("
        "SELECT 1 FROM attachments b WHERE b.sha256 = a.sha256 "
        "AND b.appeal_id NOT IN (SELECT id FROM temp.purge_ids)) ORDER BY a.sha256");
    while (s.Step()) report.orphaned_files.push_back(s.Text(0));
  }
  // The cards' audit trail goes with them, whether it was written against the
  // appeal or against its comments and files.
  w.Prepare(
       "DELETE FROM audit WHERE entity = 'appeal' AND entity_id IN "
       "(SELECT CAST(id AS TEXT) FROM temp.purge_ids)")
      .Run();
  w.Prepare(
       "DELETE FROM audit WHERE entity = 'comment' AND entity_id IN (SELECT CAST(id AS TEXT) "
       "FROM comments WHERE appeal_id IN (SELECT id FROM temp.purge_ids))")
      .Run();
  w.Prepare(
       "DELETE FROM audit WHERE entity = 'attachment' AND entity_id IN (SELECT CAST(id AS TEXT) "
       "FROM attachments WHERE appeal_id IN (SELECT id FROM temp.purge_ids))")
      .Run();
  // The residents of the removed cards, taken before the cards go: only they
  // can have lost their last card in this run.
  w.Prepare("DELETE FROM temp.purge_residents").Run();
  w.Prepare(
       "INSERT OR IGNORE INTO temp.purge_residents (id) SELECT resident_id FROM appeals "
       "WHERE id IN (SELECT id FROM temp.purge_ids) AND resident_id <> ''")
      .Run();
  // Executors, comments, attachments, requests and escalation steps follow by
  // ON DELETE CASCADE; ratings keep their score for statistics with the link
  // cleared (B8).
  w.Prepare("DELETE FROM appeals WHERE id IN (SELECT id FROM temp.purge_ids)").Run();
  {
    // B8: identity and consent go; the opaque id and the statistics stay. A
    // resident who never had a card is not touched: they may be a bot
    // subscriber who has not written an appeal yet.
    Statement s = w.Prepare(
        "UPDATE residents SET name = NULL, phone = NULL, email = NULL, consent_given_at = NULL, "
        "consent_text_version = NULL WHERE id IN (SELECT id FROM temp.purge_residents) AND "
        "(name IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL OR "
        "consent_given_at IS NOT NULL OR consent_text_version IS NOT NULL) AND NOT EXISTS "
        "(SELECT 1 FROM appeals a WHERE a.resident_id = residents.id)");
    report.residents = s.Run();
  }
  w.Prepare("DELETE FROM temp.purge_ids").Run();
  w.Prepare("DELETE FROM temp.purge_residents").Run();

  AuditEntry e = audit;
  if (e.entity.empty()) e.entity = "retention";
  e.details =
      "{" + JsonNumberField("cutoff", ToUnix(cutoff)) + ", " +
      JsonNumberField("appeals", report.appeals) + ", " +
      JsonNumberField("residents", report.residents) + ", " +
      JsonNumberField("orphaned_files", static_cast<int64_t>(report.orphaned_files.size())) + "}";
  InsertAudit(w, e);
  tx.Commit();
  return report;
}

// ---------------------------------------------------------------------------
// Deadline watch (issue 3)

std::vector<Appeal> SqliteStore::ListAppealsDueForCheck(Timestamp now, int limit) {
  if (limit < 1) throw StoreError("due appeals: limit must be positive, got " + std::to_string(limit));
  ReadLease r = Read();
  std::vector<Appeal> out;
  {
    // A range of appeals_next_check: NULL (no check) is never <= now.
    Statement s = r->Prepare(std::string("SELECT ") + kAppealColumns +
                             " FROM appeals WHERE next_check_at <= ? ORDER BY next_check_at, id "
                             "LIMIT ?");
    s.Bind(now).Bind(static_cast<int64_t>(limit));
    while (s.Step()) out.push_back(ReadAppealRow(s));
  }
  for (Appeal& a : out) LoadExecutors(*r, a);
  return out;
}

void SqliteStore::SetNextCheck(int64_t appeal_id, std::optional<Timestamp> at) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare("UPDATE appeals SET next_check_at = ? WHERE id = ?");
  if (s.Bind(at).Bind(appeal_id).Run() == 0)
    throw StoreError("sqlite: no appeal " + std::to_string(appeal_id) + " to set the next check of");
}

bool SqliteStore::RecordEscalationStep(int64_t appeal_id, const std::string& step,
                                       const AuditEntry& audit) {
  if (step.empty()) throw StoreError("sqlite: an escalation step needs a name");
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  {
    // DO NOTHING only for the (appeal, step) key: an unknown appeal still
    // fails its foreign key.
    Statement s = w.Prepare(
        "INSERT INTO appeal_escalation_steps (appeal_id, step, fired_at) VALUES (?, ?, ?) "
        "ON CONFLICT (appeal_id, step) DO NOTHING");
    if (s.Bind(appeal_id).Bind(step).Bind(audit.at).Run() == 0) return false;  // rolls back
  }
  InsertAudit(w, WithEntityId(audit, appeal_id));
  tx.Commit();
  return true;
}

std::vector<std::string> SqliteStore::ListEscalationSteps(int64_t appeal_id) {
  ReadLease r = Read();
  Statement s =
      r->Prepare("SELECT step FROM appeal_escalation_steps WHERE appeal_id = ? ORDER BY id");
  s.Bind(appeal_id);
  std::vector<std::string> out;
  while (s.Step()) out.push_back(s.Text(0));
  return out;
}

bool SqliteStore::AcquireLease(const std::string& name, const std::string& holder, Timestamp now,
                               std::chrono::seconds ttl) {
  if (name.empty() || holder.empty())
    throw StoreError("sqlite: a lease needs a name and a holder");
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  w.Prepare("INSERT OR IGNORE INTO leases (name, holder, expires_at) VALUES (?, '', 0)")
      .Bind(name)
      .Run();
  // Taken when free (empty holder, expired) or extended when already ours.
  Statement s = w.Prepare(
      "UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND "
      "(holder = ? OR holder = '' OR expires_at <= ?)");
  const bool held = s.Bind(holder).Bind(now + ttl).Bind(name).Bind(holder).Bind(now).Run() == 1;
  tx.Commit();
  return held;
}

void SqliteStore::ReleaseLease(const std::string& name, const std::string& holder) {
  std::lock_guard lock(write_mutex_);
  writer_->Prepare("UPDATE leases SET holder = '', expires_at = 0 WHERE name = ? AND holder = ?")
      .Bind(name)
      .Bind(holder)
      .Run();
}

std::optional<Appeal> SqliteStore::FindOpenAppealAt(const std::string& category,
                                                    int64_t registry_id, Timestamp since) {
  const auto finals = FinalStatusCodes();
  ReadLease r = Read();
  std::optional<Appeal> appeal;
  {
    Statement s = r->Prepare(std::string("SELECT ") + kAppealColumns +
                             " FROM appeals WHERE registry_id = ? AND category = ? AND "
                             "created_at >= ? AND status NOT IN (" +
                             Placeholders(finals.size()) +
                             ") ORDER BY created_at DESC, id DESC LIMIT 1");
    s.Bind(registry_id).Bind(category).Bind(since);
    for (const auto& code : finals) s.Bind(code);
    if (!s.Step()) return std::nullopt;
    appeal = ReadAppealRow(s);
  }
  LoadExecutors(*r, *appeal);
  return appeal;
}

// ---------------------------------------------------------------------------
// Residents' channel bindings (issue 4)

namespace {

constexpr const char* kBindingColumns =
    "resident_id, channel, chat_id, subscribed, created_at, updated_at";

ChannelBinding ReadBinding(const Statement& s) {
  return ChannelBinding{s.Text(0), s.Text(1), s.Text(2), s.Bool(3), s.Time(4), s.Time(5)};
}

constexpr const char* kOutboxColumns =
    "id, idempotency_key, channel, address, recipient_kind, recipient_id, text_key, params, "
    "appeal_id, batch_id, priority, state, attempts, next_attempt_at, claim_token, "
    "claim_expires_at, provider_message_id, last_error, created_at, updated_at, sent_at";

OutboxMessage ReadOutbox(const Statement& s) {
  OutboxMessage m;
  m.id = s.Int(0);
  m.idempotency_key = s.Text(1);
  m.channel = s.Text(2);
  m.address = s.Text(3);
  m.recipient_kind = s.Text(4);
  m.recipient_id = s.Text(5);
  m.text_key = s.Text(6);
  m.params = s.Text(7);
  m.appeal_id = s.OptInt(8);
  m.batch_id = s.Text(9);
  m.priority = static_cast<int>(s.Int(10));
  const std::string state = s.Text(11);
  const auto parsed = ParseOutboxState(state);
  if (!parsed)
    throw StoreError("sqlite: outbox row " + std::to_string(m.id) + " has unknown state '" +
                     state + "'");
  m.state = *parsed;
  m.attempts = static_cast<int>(s.Int(12));
  m.next_attempt_at = s.Time(13);
  m.claim_token = s.Text(14);
  m.claim_expires_at = s.OptTime(15);
  m.provider_message_id = s.Text(16);
  m.last_error = s.Text(17);
  m.created_at = s.Time(18);
  m.updated_at = s.Time(19);
  m.sent_at = s.OptTime(20);
  return m;
}

}  // namespace

void SqliteStore::UpsertChannelBinding(const ChannelBinding& b) {
  if (b.resident_id.empty() || b.channel.empty() || b.chat_id.empty())
    throw StoreError("sqlite: a channel binding needs a resident, a channel and a chat id");
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "INSERT INTO resident_channels (resident_id, channel, chat_id, subscribed, created_at, "
      "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (resident_id, channel) DO UPDATE SET "
      "chat_id = excluded.chat_id, subscribed = excluded.subscribed, "
      "updated_at = excluded.updated_at");
  s.Bind(b.resident_id).Bind(b.channel).Bind(b.chat_id).Bind(b.subscribed);
  s.Bind(b.created_at).Bind(b.updated_at).Run();
}

std::vector<ChannelBinding> SqliteStore::ListChannelBindings(const std::string& resident_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kBindingColumns +
                           " FROM resident_channels WHERE resident_id = ? "
                           "ORDER BY updated_at DESC, channel");
  s.Bind(resident_id);
  std::vector<ChannelBinding> out;
  while (s.Step()) out.push_back(ReadBinding(s));
  return out;
}

std::optional<ChannelBinding> SqliteStore::FindChannelBindingByChat(const std::string& channel,
                                                                    const std::string& chat_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kBindingColumns +
                           " FROM resident_channels WHERE channel = ? AND chat_id = ?");
  s.Bind(channel).Bind(chat_id);
  if (!s.Step()) return std::nullopt;
  return ReadBinding(s);
}

// ---------------------------------------------------------------------------
// Outbox (issue 4, B11)

bool SqliteStore::EnqueueOutbox(const OutboxMessage& m) {
  if (m.idempotency_key.empty()) throw StoreError("sqlite: an outbox row needs an idempotency key");
  if (m.priority < 0 || m.priority > 2)
    throw StoreError("sqlite: outbox priority must be 0..2, got " + std::to_string(m.priority));
  std::lock_guard lock(write_mutex_);
  // DO NOTHING only on the key: any other constraint still fails loudly.
  Statement s = writer_->Prepare(
      "INSERT INTO outbox (idempotency_key, channel, address, recipient_kind, recipient_id, "
      "text_key, params, appeal_id, batch_id, priority, state, attempts, next_attempt_at, "
      "claim_token, claim_expires_at, provider_message_id, last_error, created_at, updated_at, "
      "sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (idempotency_key) DO NOTHING");
  s.Bind(m.idempotency_key).Bind(m.channel).Bind(m.address).Bind(m.recipient_kind);
  s.Bind(m.recipient_id).Bind(m.text_key).Bind(m.params.empty() ? std::string("{}") : m.params);
  s.Bind(m.appeal_id).Bind(m.batch_id).Bind(m.priority).Bind(OutboxStateCode(m.state));
  s.Bind(m.attempts).Bind(m.next_attempt_at);
  if (m.claim_token.empty()) {
    s.BindNull();
  } else {
    s.Bind(m.claim_token);
  }
  s.Bind(m.claim_expires_at);
  if (m.provider_message_id.empty()) {
    s.BindNull();
  } else {
    s.Bind(m.provider_message_id);
  }
  s.Bind(m.last_error).Bind(m.created_at).Bind(m.updated_at).Bind(m.sent_at);
  return s.Run() == 1;
}

std::vector<OutboxMessage> SqliteStore::ClaimOutbox(const std::string& channel,
                                                    const std::string& claim_token, Timestamp now,
                                                    Timestamp claim_until, int limit) {
  if (claim_token.empty()) throw StoreError("sqlite: claiming the outbox needs a claim token");
  if (limit < 1) throw StoreError("sqlite: outbox claim limit must be positive");
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  // The one writer transaction is the claim: no other sender of this
  // database (thread or process) can claim between our read and our update.
  Transaction tx(w);
  {
    // Rows of senders that died (claim expired) are due again at once.
    Statement s = w.Prepare(
        "UPDATE outbox SET state = 'queued', claim_token = NULL, claim_expires_at = NULL, "
        "next_attempt_at = ?, updated_at = ? WHERE state = 'sending' AND claim_expires_at <= ? "
        "AND channel = ?");
    s.Bind(now).Bind(now).Bind(now).Bind(channel).Run();
  }
  std::vector<int64_t> ids;
  // One index range per priority, each in send order: reads only what it claims.
  for (int priority = 0; priority <= 2 && static_cast<int>(ids.size()) < limit; ++priority) {
    Statement s = w.Prepare(
        "SELECT id FROM outbox WHERE state = 'queued' AND channel = ? AND priority = ? AND "
        "next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?");
    s.Bind(channel).Bind(priority).Bind(now).Bind(static_cast<int64_t>(limit - ids.size()));
    while (s.Step()) ids.push_back(s.Int(0));
  }
  std::vector<OutboxMessage> out;
  for (int64_t id : ids) {
    {
      Statement s = w.Prepare(
          "UPDATE outbox SET state = 'sending', claim_token = ?, claim_expires_at = ?, "
          "attempts = attempts + 1, updated_at = ? WHERE id = ?");
      s.Bind(claim_token).Bind(claim_until).Bind(now).Bind(id).Run();
    }
    Statement s = w.Prepare(std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE id = ?");
    s.Bind(id);
    if (s.Step()) out.push_back(ReadOutbox(s));
  }
  tx.Commit();
  return out;
}

bool SqliteStore::MarkOutboxSent(int64_t id, const std::string& claim_token,
                                 const std::string& provider_message_id, Timestamp now) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "UPDATE outbox SET state = 'sent', provider_message_id = ?, sent_at = ?, updated_at = ?, "
      "claim_token = NULL, claim_expires_at = NULL WHERE id = ? AND state = 'sending' AND "
      "claim_token = ?");
  return s.Bind(provider_message_id).Bind(now).Bind(now).Bind(id).Bind(claim_token).Run() == 1;
}

bool SqliteStore::MarkOutboxRetry(int64_t id, const std::string& claim_token,
                                  Timestamp next_attempt_at, const std::string& reason,
                                  Timestamp now) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "UPDATE outbox SET state = 'queued', next_attempt_at = ?, last_error = ?, updated_at = ?, "
      "claim_token = NULL, claim_expires_at = NULL WHERE id = ? AND state = 'sending' AND "
      "claim_token = ?");
  return s.Bind(next_attempt_at).Bind(reason).Bind(now).Bind(id).Bind(claim_token).Run() == 1;
}

bool SqliteStore::MarkOutboxFailed(int64_t id, const std::string& claim_token,
                                   const std::string& reason, Timestamp now) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "UPDATE outbox SET state = 'failed', last_error = ?, updated_at = ?, claim_token = NULL, "
      "claim_expires_at = NULL WHERE id = ? AND state = 'sending' AND claim_token = ?");
  return s.Bind(reason).Bind(now).Bind(id).Bind(claim_token).Run() == 1;
}

int SqliteStore::ReleaseOutboxClaims(const std::string& claim_token, Timestamp now) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "UPDATE outbox SET state = 'queued', attempts = MAX(attempts - 1, 0), claim_token = NULL, "
      "claim_expires_at = NULL, updated_at = ? WHERE state = 'sending' AND claim_token = ?");
  return s.Bind(now).Bind(claim_token).Run();
}

std::optional<OutboxMessage> SqliteStore::FindOutboxByKey(const std::string& key) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kOutboxColumns +
                           " FROM outbox WHERE idempotency_key = ?");
  s.Bind(key);
  if (!s.Step()) return std::nullopt;
  return ReadOutbox(s);
}

std::vector<OutboxMessage> SqliteStore::ListOutbox(const OutboxQuery& q) {
  if (q.limit < 1 || q.limit > 1000)
    throw StoreError("outbox list: limit must be 1..1000, got " + std::to_string(q.limit));
  // Fixed fragments; "match anything" is a bound flag, so one statement text
  // serves every filter combination.
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kOutboxColumns +
                           " FROM outbox WHERE id > ? AND (? OR batch_id = ?) AND "
                           "(? OR channel = ?) AND (? OR state = ?) AND (? OR appeal_id = ?) "
                           "ORDER BY id LIMIT ?");
  s.Bind(q.after_id);
  s.Bind(q.batch_id.empty()).Bind(q.batch_id);
  s.Bind(q.channel.empty()).Bind(q.channel);
  s.Bind(!q.state.has_value()).Bind(q.state ? OutboxStateCode(*q.state) : std::string_view());
  s.Bind(!q.appeal_id.has_value()).Bind(q.appeal_id.value_or(0));
  s.Bind(static_cast<int64_t>(q.limit));
  std::vector<OutboxMessage> out;
  while (s.Step()) out.push_back(ReadOutbox(s));
  return out;
}

std::vector<OutboxCount> SqliteStore::CountOutbox(const std::string& batch_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(
      batch_id.empty()
          ? "SELECT channel, state, COUNT(*) FROM outbox GROUP BY channel, state "
            "ORDER BY channel, state"
          : "SELECT channel, state, COUNT(*) FROM outbox WHERE batch_id = ? "
            "GROUP BY channel, state ORDER BY channel, state");
  if (!batch_id.empty()) s.Bind(batch_id);
  std::vector<OutboxCount> out;
  while (s.Step()) {
    const auto state = ParseOutboxState(s.Text(1));
    if (!state) throw StoreError("sqlite: outbox has unknown state '" + s.Text(1) + "'");
    out.push_back(OutboxCount{s.Text(0), *state, s.Int(2)});
  }
  return out;
}

std::optional<Timestamp> SqliteStore::NextOutboxAttempt(const std::string& channel) {
  ReadLease r = Read();
  std::optional<Timestamp> next;
  // Per priority, the head of the claim index range.
  for (int priority = 0; priority <= 2; ++priority) {
    Statement s = r->Prepare(
        "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'queued' AND channel = ? AND "
        "priority = ?");
    s.Bind(channel).Bind(priority);
    if (s.Step() && !s.IsNull(0) && (!next || s.Time(0) < *next)) next = s.Time(0);
  }
  {
    // Claims that will expire are work too.
    Statement s = r->Prepare(
        "SELECT MIN(claim_expires_at) FROM outbox WHERE state = 'sending' AND channel = ?");
    s.Bind(channel);
    if (s.Step() && !s.IsNull(0) && (!next || s.Time(0) < *next)) next = s.Time(0);
  }
  return next;
}

}  // namespace vikno
