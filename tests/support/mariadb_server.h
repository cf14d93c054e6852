// A private, real mariadbd for integration tests (DESIGN.md, "Storage":
// tests/integration runs against real MariaDB, not a mock).
//
// The server lives in a fresh temporary directory (data, socket, logs), listens
// only on a Unix socket (no TCP port, so parallel test binaries never collide),
// and is stopped and its directory removed when the object is destroyed. It is
// started with PR_SET_PDEATHSIG, so even a test binary killed by a ctest
// timeout does not leave a mariadbd behind.
//
// Binaries: $VIKNO_MARIADBD and $VIKNO_MARIADB_INSTALL_DB when set, otherwise
// `mariadbd` and `mariadb-install-db` found in $PATH, /usr/sbin, /usr/bin,
// /usr/local/sbin, /usr/local/bin. When they are missing the constructor throws
// with a message naming the Debian package (mariadb-server): tests that need
// MariaDB fail, they never silently skip.
//
// Thread-safety: CreateDatabase, Execute and KillConnectionsTo may be called
// from any thread (one root connection, guarded by a mutex).
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/mysql/mysql_store.h"

namespace sql {
class Connection;
}

namespace vikno::testing {

struct MariaDbBinaries {
  std::string mariadbd;
  std::string install_db;
};

// Finds the binaries as described above; throws std::runtime_error naming the
// package to install when one is missing.
MariaDbBinaries FindMariaDbBinaries();

// How a server is set up. The defaults are the tests': a small buffer pool
// (several test binaries run their own server at once on a small machine) in
// a fresh temporary directory removed on Stop().
struct MariaDbServerSettings {
  // Appended to mariadbd's command line, for tests of a server setting
  // ("--innodb-autoinc-lock-mode=2", as Galera requires).
  std::vector<std::string> extra_args;
  int start_timeout_s = 60;
  // --innodb-buffer-pool-size. 64M keeps the tests small; a benchmark sizes it
  // to its data, as production does ("the working set fits"): with 64M a
  // 1,000,000-row table is read from disk and a list measures the disk.
  std::string buffer_pool = "64M";
  // --innodb-log-file-size; empty: the server's default (96M on 10.11). A
  // bulk seed of a benchmark wants a larger redo log (fewer checkpoints).
  std::string log_file_size;
  // Empty: a fresh temporary directory, removed on Stop(). Otherwise this
  // directory (created when missing) holds the data, socket and logs and is
  // kept on Stop(); when it already holds an initialised data directory the
  // server starts on it as it is (a benchmark re-run on its seeded tables).
  // Keep it short: the socket path inside must fit in 108 bytes.
  std::string dir;
};

class MariaDbServer {
 public:
  // Initialises a data directory and starts mariadbd; returns once the server
  // accepts connections. Throws std::runtime_error (with the tail of the
  // server's error log) when that does not happen within `start_timeout_s`.
  explicit MariaDbServer(std::vector<std::string> extra_args = {}, int start_timeout_s = 60);
  explicit MariaDbServer(MariaDbServerSettings settings);
  ~MariaDbServer();
  MariaDbServer(const MariaDbServer&) = delete;
  MariaDbServer& operator=(const MariaDbServer&) = delete;

  // SIGTERM, wait for exit (SIGKILL after a grace period), remove the
  // directory. Idempotent; the destructor calls it.
  void Stop();

  // Stops the server (SIGTERM, a clean shutdown) and starts it again on the
  // same data and socket, as an operator's restart would. Connections made
  // before are gone; the data stays.
  void Restart();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  const std::string& socket_path() const { return socket_; }

  // True when the server was started on a data directory initialised before
  // (MariaDbServerSettings::dir of an earlier run).
  bool reused() const { return reused_; }

  // Creates an empty utf8mb4 database with a unique name ("vikno_test_<n>").
  std::string CreateDatabase();
  // Creates the utf8mb4 database `name` ([a-z0-9_] only) unless it exists;
  // returns whether it existed (a kept directory's database).
  bool EnsureDatabase(const std::string& name);
  // Connection options for a store on `database`, as root over the socket.
  MysqlOptions Options(const std::string& database, int pool_size = 4) const;

  // Runs one statement as root (no result), e.g. to set a global variable.
  void Execute(const std::string& sql);
  // Runs one query as root and returns the first column of its first row
  // ("" when there is none), e.g. a status variable for a benchmark's report.
  std::string QueryOne(const std::string& sql);
  // KILLs every connection whose current database is `database` (other than
  // the harness's own); returns how many were killed.
  int KillConnectionsTo(const std::string& database);

  // Waits until some connection on `database` shows a server state containing
  // `state` (e.g. "metadata lock"); returns false after `timeout_ms`.
  bool WaitForState(const std::string& database, const std::string& state, int timeout_ms = 10000);

  // The last lines of the server's error log, for diagnostics.
  std::string ErrorLogTail(size_t max_bytes = 4000) const;

 private:
  void Connect();  // the root connection; callers hold mu_ (or are single-threaded)
  std::string RunInstallDb(const MariaDbBinaries& bins);
  void StartServer();
  void StopServer();

  MariaDbServerSettings settings_;
  bool keep_dir_ = false;
  bool reused_ = false;
  std::string mariadbd_;
  std::string dir_;
  std::string socket_;
  std::string error_log_;
  pid_t pid_ = -1;
  int next_db_ = 0;
  std::mutex mu_;
  std::unique_ptr<sql::Connection> root_;
};

// The server shared by every test of this binary: started on first use,
// stopped after the last test (a gtest Environment's TearDown, or at exit).
// Throws std::runtime_error when it cannot start; later calls throw the same
// error again instead of retrying a start that already failed.
MariaDbServer& SharedMariaDbServer();

// True while a process with this pid exists (and is not a zombie we own).
bool ProcessAlive(pid_t pid);

}  // namespace vikno::testing
