#include "store/mysql/mysql_pool.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <mutex>

namespace vikno::mysql {
namespace {

// Statements a connection keeps prepared; the store uses a few dozen shapes,
// ListAppeals' filters combine into more, so the cache is bounded.
constexpr size_t kMaxCachedStatements = 256;
// How long a caller waits for a free connection when all are leased.
constexpr auto kAcquireTimeout = std::chrono::seconds(30);

sql::mysql::MySQL_Driver* Driver() {
  // The first call initialises the client library, which is not thread-safe.
  static std::once_flag once;
  static sql::mysql::MySQL_Driver* driver = nullptr;
  std::call_once(once, [] { driver = sql::mysql::get_mysql_driver_instance(); });
  return driver;
}

bool TryRollback(Conn& conn) {
  try {
    conn.raw().rollback();
    return true;
  } catch (...) {
    return false;  // the connection is unusable: the server rolls back when it notices
  }
}

}  // namespace

Conn::Conn(std::unique_ptr<sql::Connection> connection, int64_t server_id)
    : last_used(std::chrono::steady_clock::now()),
      connection_(std::move(connection)),
      server_id_(server_id) {}

Conn::~Conn() {
  // Statements first: they belong to the connection. Closing either on a dead
  // socket must not throw out of a destructor.
  try {
    statements_.clear();
  } catch (...) {
  }
  try {
    connection_.reset();
  } catch (...) {
  }
}

sql::PreparedStatement& Conn::Prepare(const std::string& sql_text) {
  if (auto it = statements_.find(sql_text); it != statements_.end()) {
    it->second->clearParameters();
    return *it->second;
  }
  if (statements_.size() >= kMaxCachedStatements) statements_.clear();
  std::unique_ptr<sql::PreparedStatement> st(connection_->prepareStatement(sql_text));
  auto& ref = *st;
  statements_.emplace(sql_text, std::move(st));
  return ref;
}

void Conn::Execute(const std::string& sql_text) {
  std::unique_ptr<sql::Statement> st(connection_->createStatement());
  st->execute(sql_text);
}

bool IsConnectionError(const sql::SQLException& e) {
  const int code = e.getErrorCode();
  if (code == 0) return true;                     // the connector's own "connection closed" errors
  if (code >= 2000 && code <= 2999) return true;  // CR_*: server gone, lost, not connected...
  switch (code) {
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1152:  // ER_ABORTING_CONNECTION
    case 1184:  // ER_NEW_ABORTING_CONNECTION
    case 1317:  // ER_QUERY_INTERRUPTED
    case 1927:  // ER_CONNECTION_KILLED (MariaDB)
    case 3169:  // ER_SESSION_WAS_KILLED (MySQL 8)
    case 4031:  // ER_CLIENT_INTERACTION_TIMEOUT: wait_timeout passed
      return true;
    default:
      return false;
  }
}

std::string Describe(const sql::SQLException& e, const char* what) {
  return std::string("mysql: ") + what + ": " + e.what() + " (error " +
         std::to_string(e.getErrorCode()) + ", SQLSTATE " + e.getSQLState() + ")";
}

Pool::Pool(MysqlOptions options) : options_(std::move(options)) {}

Pool::~Pool() = default;

std::unique_ptr<Conn> Pool::Open() {
  sql::ConnectOptionsMap o;
  if (!options_.socket.empty()) {
    o["hostName"] = sql::SQLString("localhost");
    o["socket"] = sql::SQLString(options_.socket);
  } else {
    o["hostName"] = sql::SQLString(options_.host);
    o["port"] = options_.port;
  }
  o["userName"] = sql::SQLString(options_.user);
  o["password"] = sql::SQLString(options_.password);
  o["schema"] = sql::SQLString(options_.database);
  // A silent reconnect would drop the session (its transaction, GET_LOCK)
  // behind our back; we discard the connection and open a new one instead.
  o["OPT_RECONNECT"] = false;
  o["OPT_CONNECT_TIMEOUT"] = options_.connect_timeout_seconds;
  o["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  // Affected rows = matched rows, so "UPDATE ... WHERE id = ?" that changes
  // nothing still says the row exists.
  o["CLIENT_FOUND_ROWS"] = true;
  const std::string where = options_.socket.empty()
                                ? options_.host + ":" + std::to_string(options_.port)
                                : options_.socket;
  std::unique_ptr<sql::Connection> connection;
  try {
    connection.reset(Driver()->connect(o));
    std::unique_ptr<sql::Statement> st(connection->createStatement());
    // Strict: a value that does not fit is an error, not a silent truncation.
    // UTC session: we store BIGINT unix seconds, but NOW() in ad-hoc queries
    // and in reports should agree with them.
    st->execute(
        "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,"
        "ERROR_FOR_DIVISION_BY_ZERO', time_zone = '+00:00'");
    st->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT CONNECTION_ID()"));
    rs->next();
    const int64_t id = rs->getInt64(1);
    return std::make_unique<Conn>(std::move(connection), id);
  } catch (const sql::SQLException& e) {
    throw StoreError("mysql: cannot connect to " + where + " database " + options_.database +
                     " as " + options_.user + ": " + e.what() + " (error " +
                     std::to_string(e.getErrorCode()) + ")");
  }
}

std::unique_ptr<Conn> Pool::Acquire() {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + kAcquireTimeout;
  for (;;) {
    if (!idle_.empty()) {
      std::unique_ptr<Conn> conn = std::move(idle_.back());
      idle_.pop_back();
      const auto idle_for = std::chrono::steady_clock::now() - conn->last_used;
      if (idle_for < std::chrono::seconds(options_.validate_idle_seconds)) return conn;
      lock.unlock();
      bool valid = false;
      try {
        valid = conn->raw().isValid();  // a ping; no reconnect (OPT_RECONNECT is off)
      } catch (...) {
      }
      if (valid) return conn;
      conn.reset();
      lock.lock();
      --open_;
      continue;
    }
    if (open_ < options_.pool_size) {
      ++open_;
      lock.unlock();
      try {
        return Open();
      } catch (...) {
        lock.lock();
        --open_;
        freed_.notify_one();
        throw;
      }
    }
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.pool_size)
      throw StoreError("mysql: all " + std::to_string(options_.pool_size) +
                       " pooled connections stayed busy for 30 s");
  }
}

void Pool::Release(std::unique_ptr<Conn> conn, bool healthy) {
  if (healthy)
    conn->last_used = std::chrono::steady_clock::now();
  else
    conn.reset();  // closed outside the lock would be nicer, but closing a dead socket is quick
  std::lock_guard lock(mu_);
  if (healthy)
    idle_.push_back(std::move(conn));
  else
    --open_;
  freed_.notify_one();
}

void Pool::Run(const char* what, const std::function<void(Conn&)>& fn) {
  std::unique_ptr<Conn> conn = Acquire();
  try {
    fn(*conn);
  } catch (const sql::SQLException& e) {
    Release(std::move(conn), !IsConnectionError(e));
    throw StoreError(Describe(e, what));
  } catch (...) {
    Release(std::move(conn), true);
    throw;
  }
  Release(std::move(conn), true);
}

void Pool::Transact(const char* what, const std::function<void(Conn&)>& fn) {
  std::unique_ptr<Conn> conn = Acquire();
  try {
    conn->Execute("START TRANSACTION");
    fn(*conn);
    conn->raw().commit();
  } catch (const sql::SQLException& e) {
    const bool healthy = !IsConnectionError(e) && TryRollback(*conn);
    Release(std::move(conn), healthy);
    throw StoreError(Describe(e, what));
  } catch (const StoreError&) {
    const bool healthy = TryRollback(*conn);
    Release(std::move(conn), healthy);
    throw;
  } catch (const std::exception& e) {
    const bool healthy = TryRollback(*conn);
    Release(std::move(conn), healthy);
    throw StoreError(std::string("mysql: ") + what + ": " + e.what());
  }
  Release(std::move(conn), true);
}

std::vector<int64_t> Pool::IdleIds() {
  std::lock_guard lock(mu_);
  std::vector<int64_t> ids;
  for (const auto& c : idle_) ids.push_back(c->server_id());
  return ids;
}

}  // namespace vikno::mysql
