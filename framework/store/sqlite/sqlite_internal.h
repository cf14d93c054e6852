// INTERNAL to the SQLite backend: NOT public API. Shared machinery of the
// sqlite_*.cc files (connection, statements, transactions, read leases and the
// row mapping more than one concern uses); nothing outside
// framework/store/sqlite/ may include it. Callers use store/store.h.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/sqlite/sqlite_store.h"

namespace vikno {
namespace sqlite_detail {

// Prepared statements kept per connection. The appeals list builds its SQL
// from fixed fragments, so its variants are bounded; past this many the
// unused ones are finalised.
constexpr size_t kMaxCachedStatements = 256;

[[noreturn]] inline void Fail(sqlite3* db, std::string_view what) {
  throw StoreError("sqlite: " + std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace sqlite_detail

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
      sqlite_detail::Fail(conn_->db_, sqlite3_sql(stmt_));
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
      if (rc != SQLITE_OK) sqlite_detail::Fail(conn_->db_, "bind");
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
      sqlite_detail::Fail(db_, "prepare " + sql);
    }
    // Already in use higher up the stack (a nested query of the same
    // text): hand out a one-off statement.
    if (it != cache_.end()) return Statement(this, stmt, nullptr);
    if (cache_.size() >= sqlite_detail::kMaxCachedStatements) Evict();
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

namespace sqlite_detail {

using Statement = SqliteStore::Connection::Statement;

// BEGIN IMMEDIATE takes the write lock up front, so a transaction never
// fails half-way for a lock another connection took after it had read.
// Inside an open transaction (a unit of work, Store::BeginUnitOfWork) it is
// a SAVEPOINT instead: a method that refuses or fails undoes its own writes
// and leaves the unit's earlier ones, and its "commit" only releases the
// savepoint, the unit commits everything at once.
class Transaction {
 public:
  explicit Transaction(SqliteStore::Connection& conn)
      : conn_(conn), nested_(sqlite3_get_autocommit(conn.db()) == 0) {
    conn_.Prepare(nested_ ? "SAVEPOINT vikno_call" : "BEGIN IMMEDIATE").Run();
  }
  ~Transaction() {
    if (done_) return;
    if (nested_) {
      sqlite3_exec(conn_.db(), "ROLLBACK TO vikno_call; RELEASE vikno_call", nullptr, nullptr,
                   nullptr);
    } else {
      sqlite3_exec(conn_.db(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void Commit() {
    conn_.Prepare(nested_ ? "RELEASE vikno_call" : "COMMIT").Run();
    done_ = true;
  }

 private:
  SqliteStore::Connection& conn_;
  bool nested_;
  bool done_ = false;
};

// --- Row mapping shared by several concerns. Column lists and readers are
// kept side by side. ---

constexpr const char* kAppealColumns =
    "id, number, type, category, registry_id, city, district, street, house, flat, entrance, "
    "lat, lon, description, channel, resident_id, anonymous, status, created_at, updated_at, "
    "accept_due, resolve_due, accepted_at, closed_at, repeat_of, commission_inspection, version";

Appeal ReadAppealRow(const Statement& s);

void LoadExecutors(SqliteStore::Connection& conn, Appeal& a);

void InsertAudit(SqliteStore::Connection& conn, const AuditEntry& e);

// The body of UpdateAppeal inside the caller's transaction, so a concern that
// changes an appeal together with its own rows (a decided request, R15/R16)
// does both in one transaction. Refusals "stale" and "not_found" as
// UpdateAppeal; the caller then rolls back.
Result<Appeal> WriteAppeal(SqliteStore::Connection& w, const Appeal& appeal,
                           const AuditEntry& audit);

AuditEntry WithEntityId(AuditEntry e, int64_t id);

std::vector<std::string> FinalStatusCodes();

std::string Placeholders(size_t n);

}  // namespace sqlite_detail

// ---------------------------------------------------------------------------
// Read connections

class SqliteStore::ReadLease {
 public:
  ReadLease(SqliteStore* store, std::unique_ptr<Connection> conn)
      : store_(store), conn_(std::move(conn)), use_(conn_.get()) {}
  // The writer lent to a read inside this thread's unit of work (it holds
  // write_mutex_ for the unit's whole life); nothing is returned to the pool.
  ReadLease(SqliteStore* store, Connection* borrowed) : store_(store), use_(borrowed) {}
  ReadLease(ReadLease&&) = default;
  ~ReadLease() {
    if (!conn_) return;
    std::lock_guard lock(store_->readers_mutex_);
    // A connection from before the last ANALYZE keeps its old plans; let it go.
    if (store_->idle_readers_.size() < store_->max_idle_readers_ &&
        conn_->statistics_generation == store_->statistics_generation_)
      store_->idle_readers_.push_back(std::move(conn_));
  }
  Connection& operator*() const { return *use_; }
  Connection* operator->() const { return use_; }

 private:
  SqliteStore* store_;
  std::unique_ptr<Connection> conn_;  // owned (a pool connection) or null (borrowed)
  Connection* use_;
};

}  // namespace vikno
