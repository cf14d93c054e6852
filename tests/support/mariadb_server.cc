#include "support/mariadb_server.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <mysql_driver.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace vikno::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::steady_clock;

constexpr const char* kMissing =
    "is not installed. The MariaDB integration tests start their own private mariadbd; "
    "install the Debian package `mariadb-server` (apt-get install mariadb-server), or point "
    "$VIKNO_MARIADBD / $VIKNO_MARIADB_INSTALL_DB at the binaries";

bool Executable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string FindBinary(const char* env_var, const char* name) {
  if (const char* over = std::getenv(env_var); over && *over) {
    if (!Executable(over))
      throw std::runtime_error(std::string("$") + env_var + "=" + over +
                               " is not an executable file (" + name +
                               " comes with the Debian package mariadb-server)");
    return over;
  }
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream in(path);
    for (std::string dir; std::getline(in, dir, ':');)
      if (!dir.empty()) dirs.push_back(dir);
  }
  // mariadbd lives in /usr/sbin, which is often not on a test runner's PATH.
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"})
    dirs.push_back(dir);
  for (const auto& dir : dirs)
    if (std::string candidate = dir + "/" + name; Executable(candidate)) return candidate;
  throw std::runtime_error(std::string(name) + " " + kMissing);
}

std::string Tail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "(no " + path + ")";
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  return text;
}

// fork+exec with stdout/stderr appended to `log`. The child asks the kernel to
// SIGTERM it when the test process dies, so a crashed or killed test binary
// does not leave a server behind. The kernel sends that signal when the
// forking *thread* ends, so it is asked for only when the main thread (which
// lives as long as the process) forks; otherwise Stop() is the only guard.
pid_t Spawn(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const bool main_thread = ::syscall(SYS_gettid) == parent;
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    if (main_thread) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);
    }
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid` up to `timeout`; returns its wait status, or nullopt on timeout.
std::optional<int> WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  const auto until = steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return status;  // not our child any more
    if (steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string Describe(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped (status " + std::to_string(status) + ")";
}

// A test binary killed with SIGKILL takes its server with it (PDEATHSIG) but
// cannot remove its directory; the next run removes directories whose owner
// process is gone.
void RemoveOrphanedDirs(const std::string& base) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(base, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("vikno-mariadb-", 0) != 0) continue;
    std::ifstream owner(entry.path() / "owner.pid");
    long pid = 0;
    if (!(owner >> pid) || pid <= 0) continue;  // not ours, or still being set up
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) continue;
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
  }
}

std::string MakeTempDir() {
  // Unix socket paths are limited to 108 bytes, so keep the directory short.
  std::string base = "/tmp";
  if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp && std::strlen(tmp) < 60) base = tmp;
  RemoveOrphanedDirs(base);
  std::string pattern = base + "/vikno-mariadb-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data()))
    throw std::runtime_error("mkdtemp(" + pattern + "): " + std::strerror(errno));
  std::ofstream(std::string(buf.data()) + "/owner.pid") << ::getpid() << "\n";
  return buf.data();
}

sql::mysql::MySQL_Driver* Driver() {
  static sql::mysql::MySQL_Driver* driver = sql::mysql::get_mysql_driver_instance();
  return driver;
}

}  // namespace

MariaDbBinaries FindMariaDbBinaries() {
  return MariaDbBinaries{FindBinary("VIKNO_MARIADBD", "mariadbd"),
                         FindBinary("VIKNO_MARIADB_INSTALL_DB", "mariadb-install-db")};
}

bool ProcessAlive(pid_t pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0) return errno == EPERM;
  // A zombie still answers kill(0); read its state from /proc.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  std::getline(stat, content);
  const auto close = content.rfind(')');
  return close == std::string::npos || close + 2 >= content.size() || content[close + 2] != 'Z';
}

MariaDbServer::MariaDbServer(std::vector<std::string> extra_args, int start_timeout_s)
    : MariaDbServer([&] {
        MariaDbServerSettings s;
        s.extra_args = std::move(extra_args);
        s.start_timeout_s = start_timeout_s;
        return s;
      }()) {}

MariaDbServer::MariaDbServer(MariaDbServerSettings settings) : settings_(std::move(settings)) {
  const MariaDbBinaries bins = FindMariaDbBinaries();
  mariadbd_ = bins.mariadbd;
  if (settings_.dir.empty()) {
    dir_ = MakeTempDir();
  } else {
    // A kept directory: never removed here, so a benchmark's seeded tables
    // outlive the run; an initialised one ("mysql" system schema) is reused.
    keep_dir_ = true;
    std::error_code ec;
    fs::create_directories(settings_.dir, ec);
    if (ec) throw std::runtime_error("cannot create " + settings_.dir + ": " + ec.message());
    dir_ = fs::absolute(settings_.dir).lexically_normal().string();
    reused_ = fs::exists(fs::path(dir_) / "data" / "mysql");
  }
  socket_ = dir_ + "/mysqld.sock";
  error_log_ = dir_ + "/err.log";
  if (socket_.size() >= 108) {
    const std::string why = "the socket path " + socket_ + " is longer than 107 bytes";
    Stop();
    throw std::runtime_error(why);
  }
  try {
    if (!reused_) RunInstallDb(bins);
    StartServer();
  } catch (...) {
    Stop();
    throw;
  }
}

void MariaDbServer::StartServer() {
  std::vector<std::string> args = {
      mariadbd_,
      "--no-defaults",
      "--datadir=" + dir_ + "/data",
      "--tmpdir=" + dir_,
      "--socket=" + socket_,
      "--skip-networking",  // socket only: no port to collide on
      "--pid-file=" + dir_ + "/mariadbd.pid",
      "--log-error=" + error_log_,
      "--innodb-buffer-pool-size=" + settings_.buffer_pool,
      // A throw-away server: trade durability for speed (no fsync per commit).
      "--innodb-flush-log-at-trx-commit=0",
      "--innodb-doublewrite=0",
      "--skip-name-resolve",
      "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_unicode_ci",
      "--max-connections=200",
  };
  if (!settings_.log_file_size.empty())
    args.push_back("--innodb-log-file-size=" + settings_.log_file_size);
  // mariadbd refuses to run as root unless told to.
  if (::geteuid() == 0) args.push_back("--user=root");
  args.insert(args.end(), settings_.extra_args.begin(), settings_.extra_args.end());
  pid_ = Spawn(args, dir_ + "/mariadbd.out");

  const auto deadline = steady_clock::now() + std::chrono::seconds(settings_.start_timeout_s);
  std::string last_error = "the socket did not appear";
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("mariadbd " + Describe(status) + " during start-up; " + error_log_ +
                               " ends with:\n" + ErrorLogTail());
    }
    if (fs::exists(socket_)) {
      try {
        std::lock_guard lock(mu_);
        Connect();
        return;
      } catch (const sql::SQLException& e) {
        last_error = e.what();
      }
    }
    if (steady_clock::now() >= deadline)
      throw std::runtime_error("mariadbd did not accept connections on " + socket_ + " within " +
                               std::to_string(settings_.start_timeout_s) + " s (last error: " + last_error +
                               "); " + error_log_ + " ends with:\n" + ErrorLogTail());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void MariaDbServer::StopServer() {
  {
    std::lock_guard lock(mu_);
    try {
      root_.reset();
    } catch (...) {  // closing a connection to a dead server must not stop the clean-up
    }
  }
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    if (!WaitFor(pid_, std::chrono::seconds(60))) {
      ::kill(pid_, SIGKILL);
      WaitFor(pid_, std::chrono::seconds(10));
    }
    pid_ = -1;
  }
}

void MariaDbServer::Restart() {
  if (dir_.empty()) throw std::runtime_error("MariaDbServer: Restart() after Stop()");
  StopServer();
  StartServer();
}

MariaDbServer::~MariaDbServer() { Stop(); }

std::string MariaDbServer::RunInstallDb(const MariaDbBinaries& bins) {
  const std::string log = dir_ + "/install-db.log";
  std::vector<std::string> args = {
      bins.install_db,
      "--no-defaults",  // must come first: ignore /etc/mysql
      "--datadir=" + dir_ + "/data",
      // Passed on to the bootstrapping mariadbd: its temporary tables live in
      // our directory, not the shared /tmp, where a bootstrap of a parallel
      // test binary failed with "Could not remove temporary table
      // '/tmp/#sql-temptable-…'" and "Unknown table 'mysql.tmp_user_sys'".
      "--tmpdir=" + dir_,
      "--auth-root-authentication-method=normal",  // root with no password, over our socket only
      "--skip-test-db",
      "--skip-name-resolve",
  };
  if (::geteuid() == 0) args.push_back("--user=root");
  const pid_t pid = Spawn(args, log);
  const auto status = WaitFor(pid, std::chrono::seconds(120));
  if (!status) {
    ::kill(pid, SIGKILL);
    WaitFor(pid, std::chrono::seconds(5));
    throw std::runtime_error("mariadb-install-db did not finish within 120 s; " + log + ":\n" +
                             Tail(log, 4000));
  }
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
    throw std::runtime_error(bins.install_db + " " + Describe(*status) + "; " + log + ":\n" +
                             Tail(log, 4000));
  return log;
}

void MariaDbServer::Connect() {
  sql::ConnectOptionsMap options;
  options["hostName"] = sql::SQLString("localhost");
  options["socket"] = sql::SQLString(socket_);
  options["userName"] = sql::SQLString("root");
  options["password"] = sql::SQLString("");
  options["OPT_RECONNECT"] = false;
  options["OPT_CONNECT_TIMEOUT"] = 5;
  options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  root_.reset(Driver()->connect(options));
}

void MariaDbServer::Stop() {
  StopServer();
  if (!dir_.empty()) {
    std::error_code ignored;
    if (!keep_dir_) fs::remove_all(dir_, ignored);
    dir_.clear();
  }
}

std::string MariaDbServer::CreateDatabase() {
  std::lock_guard lock(mu_);
  if (!root_) throw std::runtime_error("MariaDbServer: the server is not running");
  const std::string name = "vikno_test_" + std::to_string(++next_db_);
  std::unique_ptr<sql::Statement> st(root_->createStatement());
  // The name is ours (a counter), so building the DDL text is safe here.
  st->execute("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
  return name;
}

bool MariaDbServer::EnsureDatabase(const std::string& name) {
  if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") !=
                          std::string::npos)
    throw std::invalid_argument("MariaDbServer: database name must be [a-z0-9_]+, got '" + name +
                                "'");
  std::lock_guard lock(mu_);
  if (!root_) throw std::runtime_error("MariaDbServer: the server is not running");
  bool existed = false;
  {
    std::unique_ptr<sql::PreparedStatement> q(root_->prepareStatement(
        "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?"));
    q->setString(1, name);
    std::unique_ptr<sql::ResultSet> rs(q->executeQuery());
    existed = rs->next() && rs->getInt64(1) > 0;
  }
  if (!existed) {
    std::unique_ptr<sql::Statement> st(root_->createStatement());
    // The name was checked against [a-z0-9_] above, so the DDL text is safe.
    st->execute("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
  }
  return existed;
}

MysqlOptions MariaDbServer::Options(const std::string& database, int pool_size) const {
  MysqlOptions o;
  o.host = "localhost";
  o.socket = socket_;
  o.user = "root";
  o.password = "";
  o.database = database;
  o.pool_size = pool_size;
  return o;
}

void MariaDbServer::Execute(const std::string& sql_text) {
  std::lock_guard lock(mu_);
  if (!root_) throw std::runtime_error("MariaDbServer: the server is not running");
  std::unique_ptr<sql::Statement> st(root_->createStatement());
  st->execute(sql_text);
}

std::string MariaDbServer::QueryOne(const std::string& sql_text) {
  std::lock_guard lock(mu_);
  if (!root_) throw std::runtime_error("MariaDbServer: the server is not running");
  std::unique_ptr<sql::Statement> st(root_->createStatement());
  std::unique_ptr<sql::ResultSet> rs(st->executeQuery(sql_text));
  if (!rs->next() || rs->isNull(1)) return "";
  return rs->getString(1);
}

int MariaDbServer::KillConnectionsTo(const std::string& database) {
  std::lock_guard lock(mu_);
  if (!root_) throw std::runtime_error("MariaDbServer: the server is not running");
  std::vector<int64_t> ids;
  {
    std::unique_ptr<sql::PreparedStatement> q(root_->prepareStatement(
        "SELECT id FROM information_schema.PROCESSLIST WHERE db = ? AND id <> CONNECTION_ID()"));
    q->setString(1, database);
    std::unique_ptr<sql::ResultSet> rs(q->executeQuery());
    while (rs->next()) ids.push_back(rs->getInt64(1));
  }
  int killed = 0;
  for (int64_t id : ids) {
    std::unique_ptr<sql::Statement> st(root_->createStatement());
    try {
      st->execute("KILL CONNECTION " + std::to_string(id));  // an integer we just read
      ++killed;
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != 1094) throw;  // ER_NO_SUCH_THREAD: it ended on its own
    }
  }
  return killed;
}

bool MariaDbServer::WaitForState(const std::string& database, const std::string& state,
                                 int timeout_ms) {
  const auto until = steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (steady_clock::now() < until) {
    {
      std::lock_guard lock(mu_);
      if (!root_) throw std::runtime_error("MariaDbServer: the server is not running");
      std::unique_ptr<sql::PreparedStatement> q(
          root_->prepareStatement("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE db = "
                                  "? AND id <> CONNECTION_ID()"
                                  " AND state LIKE CONCAT('%', ?, '%')"));
      q->setString(1, database);
      q->setString(2, state);
      std::unique_ptr<sql::ResultSet> rs(q->executeQuery());
      if (rs->next() && rs->getInt64(1) > 0) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::string MariaDbServer::ErrorLogTail(size_t max_bytes) const {
  return Tail(error_log_, max_bytes);
}

namespace {

std::mutex shared_mu;
std::unique_ptr<MariaDbServer> shared_server;
std::string shared_error;

// Stops the shared server once all tests ran, and checks it is really gone.
class SharedServerEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    std::lock_guard lock(shared_mu);
    if (!shared_server) return;
    const pid_t pid = shared_server->pid();
    const std::string dir = shared_server->dir();
    shared_server.reset();
    EXPECT_FALSE(ProcessAlive(pid)) << "mariadbd " << pid << " is still running after the tests";
    EXPECT_FALSE(fs::exists(dir)) << dir << " was not removed";
  }
};

[[maybe_unused]] ::testing::Environment* const kSharedEnvironment =
    ::testing::AddGlobalTestEnvironment(new SharedServerEnvironment);

}  // namespace

MariaDbServer& SharedMariaDbServer() {
  std::lock_guard lock(shared_mu);
  if (!shared_server) {
    if (!shared_error.empty()) throw std::runtime_error(shared_error);
    try {
      shared_server = std::make_unique<MariaDbServer>();
    } catch (const std::exception& e) {
      shared_error = e.what();
      throw;
    }
  }
  return *shared_server;
}

}  // namespace vikno::testing
