// The connection pool behind MysqlStore (internal to store/mysql).
//
// A pool holds at most `pool_size` connections; callers beyond that wait. A
// lease hands out one connection for one Store call. Errors are translated to
// StoreError at the lease's edge (Run/Transact), and a connection that saw a
// connection-level error is closed instead of returned, so one dead socket
// costs exactly one failed call.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/mysql/mysql_store.h"

namespace sql {
class Connection;
class PreparedStatement;
class ResultSet;
class SQLException;
}  // namespace sql

namespace vikno::mysql {

// One open connection with its cache of server-side prepared statements
// (preparing costs a round trip; the store's statements repeat).
class Conn {
 public:
  Conn(std::unique_ptr<sql::Connection> connection, int64_t server_id);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // A prepared statement for `sql`, parameters cleared; owned by this Conn.
  sql::PreparedStatement& Prepare(const std::string& sql);
  // Runs statement text with no parameters and no result (DDL, SET ...).
  void Execute(const std::string& sql);
  sql::Connection& raw() { return *connection_; }
  int64_t server_id() const { return server_id_; }

  std::chrono::steady_clock::time_point last_used;

 private:
  std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>> statements_;
  std::unique_ptr<sql::Connection> connection_;  // destroyed after its statements
  int64_t server_id_;
};

// True when the error means the connection itself is gone or unusable
// (client errors 2000-2999, server shutdown, connection killed, timeouts).
bool IsConnectionError(const sql::SQLException& e);
// "mysql: <server message> (error N, SQLSTATE S) in <what>"
std::string Describe(const sql::SQLException& e, const char* what);

class Pool {
 public:
  explicit Pool(MysqlOptions options);
  ~Pool();

  // Runs `fn` on a leased connection in autocommit mode. `what` names the
  // operation for error messages.
  void Run(const char* what, const std::function<void(Conn&)>& fn);
  // Runs `fn` inside one transaction: commit when it returns, roll back when
  // it throws. Every exception leaves as StoreError (or the StoreError `fn`
  // threw); nothing of a failed call is committed.
  void Transact(const char* what, const std::function<void(Conn&)>& fn);

  std::vector<int64_t> IdleIds();

 private:
  std::unique_ptr<Conn> Acquire();
  void Release(std::unique_ptr<Conn> conn, bool healthy);
  std::unique_ptr<Conn> Open();

  const MysqlOptions options_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Conn>> idle_;
  int open_ = 0;  // leased + idle
};

}  // namespace vikno::mysql
