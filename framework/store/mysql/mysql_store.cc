#include "store/mysql/mysql_store.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <string_view>
#include <thread>

#include "store/migrations.h"
#include "store/mysql/mysql_internal.h"

namespace vikno {

using mysql_detail::Conn;
using mysql_detail::ResultSetPtr;
using mysql_detail::Binder;
using mysql_detail::Str;

namespace mysql_detail {

std::string Str(const sql::ResultSet& rs, uint32_t col) { return rs.getString(col).asStdString(); }
std::optional<int64_t> OptInt(const sql::ResultSet& rs, uint32_t col) {
  if (rs.isNull(col)) return std::nullopt;
  return rs.getInt64(col);
}
std::optional<Timestamp> OptTime(const sql::ResultSet& rs, uint32_t col) {
  if (rs.isNull(col)) return std::nullopt;
  return FromUnix(rs.getInt64(col));
}
std::optional<std::string> OptStr(const sql::ResultSet& rs, uint32_t col) {
  if (rs.isNull(col)) return std::nullopt;
  return Str(rs, col);
}

// "?, ?, ?" for n placeholders.
std::string Placeholders(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += i ? ", ?" : "?";
  return s;
}

int64_t LastInsertId(Conn& c) {
  ResultSetPtr rs(c.Prepare("SELECT LAST_INSERT_ID()").executeQuery());
  rs->next();
  return rs->getInt64(1);
}

// --- Audit ---

// The audit entry of a change names what changed; a caller that could not
// know the id yet (a new appeal) leaves it empty and the store fills it.
AuditEntry WithEntityId(AuditEntry e, const std::string& id) {
  if (e.entity_id.empty()) e.entity_id = id;
  return e;
}

constexpr const char* kInsertAudit =
    "INSERT INTO audit (at, actor_id, actor_role, client_address, entity, entity_id, action, "
    "details)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

void InsertAudit(Conn& c, const AuditEntry& a) {
  auto& st = c.Prepare(kInsertAudit);
  Binder(st)
      .Time(a.at)
      .Str(a.actor_id)
      .Str(a.actor_role)
      .Str(a.client_address)
      .Str(a.entity)
      .Str(a.entity_id)
      .Str(a.action)
      .Str(a.details.empty() ? "{}" : a.details);
  st.executeUpdate();
}

Appeal ReadAppeal(const sql::ResultSet& rs) {
  Appeal a;
  a.id = rs.getInt64(1);
  a.number = OptStr(rs, 2).value_or("");
  a.type = Str(rs, 3);
  a.category = Str(rs, 4);
  // executors (col 5 is the lead) are filled from appeal_executors by the caller
  a.address.registry_id = OptInt(rs, 6);
  a.address.city = Str(rs, 7);
  a.address.district = Str(rs, 8);
  a.address.street = Str(rs, 9);
  a.address.house = Str(rs, 10);
  a.address.flat = Str(rs, 11);
  a.address.entrance = Str(rs, 12);
  if (!rs.isNull(13) && !rs.isNull(14))
    a.address.point =
        GeoPoint{static_cast<double>(rs.getDouble(13)), static_cast<double>(rs.getDouble(14))};
  a.description = Str(rs, 15);
  a.channel = Str(rs, 16);
  a.resident_id = Str(rs, 17);
  a.anonymous = rs.getInt(18) != 0;
  const std::string status = Str(rs, 19);
  const auto parsed = ParseStatus(status);
  if (!parsed)
    throw StoreError("mysql: appeal " + std::to_string(a.id) + " has an unknown status '" + status +
                     "'");
  a.status = *parsed;
  a.created_at = FromUnix(rs.getInt64(20));
  a.updated_at = FromUnix(rs.getInt64(21));
  a.accept_due = OptTime(rs, 22);
  a.resolve_due = OptTime(rs, 23);
  a.accepted_at = OptTime(rs, 24);
  a.closed_at = OptTime(rs, 25);
  a.repeat_of = OptInt(rs, 26);
  a.commission_inspection = rs.getInt(27) != 0;
  a.version = rs.getInt(28);
  return a;
}

// Fills executors of `appeals` (in position order) with one query.
void LoadExecutors(Conn& c, std::vector<Appeal>& appeals) {
  if (appeals.empty()) return;
  std::map<int64_t, Appeal*> by_id;
  for (auto& a : appeals) by_id[a.id] = &a;
  for (size_t from = 0; from < appeals.size(); from += kIdChunk) {
    const size_t n = std::min(kIdChunk, appeals.size() - from);
    auto& st =
        c.Prepare("SELECT appeal_id, executor_id FROM appeal_executors WHERE appeal_id IN (" +
                  Placeholders(n) + ") ORDER BY appeal_id, position");
    Binder b(st);
    for (size_t i = 0; i < n; ++i) b.Int(appeals[from + i].id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) by_id.at(rs->getInt64(1))->executors.push_back(Str(*rs, 2));
  }
}

std::optional<Appeal> FindAppealWhere(Conn& c, const std::string& where,
                                      const std::function<void(Binder&)>& bind) {
  auto& st = c.Prepare(std::string("SELECT ") + kAppealCols + " FROM appeals WHERE " + where);
  Binder b(st);
  bind(b);
  std::vector<Appeal> found;
  {
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) found.push_back(ReadAppeal(*rs));
  }
  if (found.empty()) return std::nullopt;
  LoadExecutors(c, found);
  return std::move(found.front());
}

std::string FinalStatusList() {
  std::string codes;
  for (const auto& info : AllStatuses())
    if (info.final)
      codes += std::string(codes.empty() ? "'" : ", '") + std::string(info.code) + "'";
  return codes;
}

std::string NonFinalStatusList() {
  std::string codes;
  for (const auto& info : AllStatuses())
    if (!info.final)
      codes += std::string(codes.empty() ? "'" : ", '") + std::string(info.code) + "'";
  return codes;
}

}  // namespace mysql_detail

namespace {

// Splits a migration file into statements: `;` at the end of a statement,
// outside quotes and comments. The store's own files only, never user input.
std::vector<std::string> SplitStatements(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quote) {
      current += ch;
      if (ch == '\\' && i + 1 < text.size())
        current += text[++i];
      else if (ch == quote)
        quote = 0;
      continue;
    }
    if (ch == '-' && i + 1 < text.size() && text[i + 1] == '-') {  // comment to end of line
      while (i < text.size() && text[i] != '\n') ++i;
      current += '\n';
      continue;
    }
    if (ch == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      const size_t end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? text.size() : end + 1;
      current += ' ';
      continue;
    }
    if (ch == '\'' || ch == '"' || ch == '`') quote = ch;
    if (ch == ';') {
      if (current.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(current);
      current.clear();
      continue;
    }
    current += ch;
  }
  if (current.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(current);
  return out;
}

}  // namespace

MysqlStore::MysqlStore(MysqlOptions options) : options_(std::move(options)) {
  if (options_.database.empty()) throw StoreError("mysql: no database name given");
  if (options_.pool_size < 1) throw StoreError("mysql: pool_size must be at least 1");
  if (options_.socket.empty() && options_.host.empty())
    throw StoreError("mysql: no host or socket given");
  pool_ = std::make_unique<mysql::Pool>(options_);
}

MysqlStore::~MysqlStore() = default;

std::vector<int64_t> MysqlStore::IdleConnectionIds() { return pool_->IdleIds(); }

// --- Schema ---

namespace {

// The migration lease (B12: several hosts may start at once against one
// database). Not GET_LOCK: MariaDB Galera refuses it (MDEV-30473, "GET_LOCK in
// cluster (WSREP_ON=ON)") and row locks are node-local there. A committed
// UPDATE of one row is certified cluster-wide, so exactly one host wins it;
// the others wait and then find nothing left to do. A host that dies holding
// it blocks the others only until the lease expires.
constexpr int kLeaseSeconds = 120;
constexpr auto kLeaseWait = std::chrono::seconds(kLeaseSeconds + 30);

std::string LeaseHolder() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::random_device random;
  return std::string(host).substr(0, 64) + ":" + std::to_string(::getpid()) + ":" +
         std::to_string(random());
}

void Renew(Conn& c, const std::string& holder) {
  auto& st = c.Prepare(
      "UPDATE schema_migrations_lease SET expires_at = UNIX_TIMESTAMP() + ? WHERE id = 1 AND "
      "holder = ?");
  Binder(st).Int(kLeaseSeconds).Str(holder);
  if (st.executeUpdate() != 1)
    throw StoreError(
        "mysql: migrate: the migration lease was lost (it expired and another host took it)");
}

}  // namespace

void MysqlStore::Migrate() {
  const auto migrations = MysqlMigrations();
  const int latest = LatestVersion(migrations);
  const std::string holder = LeaseHolder();
  pool_->Run("migrate", [&](Conn& c) {
    // Both bookkeeping tables are created here, idempotently, because the
    // lease must exist before any numbered migration runs.
    c.Execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INT NOT NULL PRIMARY KEY,"
        " name VARCHAR(255) NOT NULL,"
        " applied_at BIGINT NOT NULL"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
    c.Execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations_lease ("
        " id INT NOT NULL PRIMARY KEY,"
        " holder VARCHAR(128) NOT NULL,"
        " expires_at BIGINT NOT NULL"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
    c.Execute(
        "INSERT IGNORE INTO schema_migrations_lease (id, holder, expires_at) VALUES (1, '', 0)");

    const auto give_up = std::chrono::steady_clock::now() + kLeaseWait;
    for (;;) {
      try {
        auto& st = c.Prepare(
            "UPDATE schema_migrations_lease SET holder = ?, expires_at = UNIX_TIMESTAMP() + ?"
            " WHERE id = 1 AND (holder = '' OR expires_at < UNIX_TIMESTAMP())");
        Binder(st).Str(holder).Int(kLeaseSeconds);
        if (st.executeUpdate() == 1) break;
      } catch (const sql::SQLException& e) {
        // 1213: Galera's certification (or InnoDB) chose the other host.
        if (e.getErrorCode() != 1213 && e.getErrorCode() != 1205) throw;
      }
      if (std::chrono::steady_clock::now() >= give_up) {
        std::string who;
        ResultSetPtr rs(
            c.Prepare("SELECT holder FROM schema_migrations_lease WHERE id = 1").executeQuery());
        if (rs->next()) who = Str(*rs, 1);
        throw StoreError("mysql: migrate: the migration lease stayed with " + who + " for " +
                         std::to_string(kLeaseWait.count()) + " s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    struct Release {
      Conn& c;
      const std::string& holder;
      ~Release() {
        try {
          auto& st = c.Prepare(
              "UPDATE schema_migrations_lease SET holder = '', expires_at = 0 WHERE id = 1 AND "
              "holder = ?");
          Binder(st).Str(holder);
          st.executeUpdate();
        } catch (...) {  // a dead connection: the lease expires on its own
        }
      }
    } release{c, holder};

    std::set<int> applied;
    {
      ResultSetPtr rs(c.Prepare("SELECT version FROM schema_migrations").executeQuery());
      while (rs->next()) applied.insert(rs->getInt(1));
    }
    if (!applied.empty() && *applied.rbegin() > latest)
      throw StoreError(NewerSchemaMessage("mysql", *applied.rbegin(), latest));
    for (const Migration& m : migrations) {
      if (applied.count(m.version)) continue;
      // MySQL commits DDL implicitly, so a migration cannot be one transaction:
      // each statement applies on its own and the version is recorded right
      // after the last one. A failure names the statement; the version stays
      // unrecorded so the operator sees exactly where it stopped.
      for (const std::string& statement : SplitStatements(m.sql)) {
        Renew(c, holder);
        try {
          c.Execute(statement);
        } catch (const sql::SQLException& e) {
          throw StoreError("mysql: migration " + std::string(m.name) + " failed: " + e.what() +
                           " (error " + std::to_string(e.getErrorCode()) + ") in statement:\n" +
                           statement);
        }
      }
      auto& st = c.Prepare(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, "
          "UNIX_TIMESTAMP())");
      Binder(st).Int(m.version).Str(std::string(m.name));
      st.executeUpdate();
    }
  });
}

std::vector<AppliedMigration> MysqlStore::Migrations() {
  std::vector<AppliedMigration> out;
  pool_->Run("list migrations", [&](Conn& c) {
    {
      ResultSetPtr exists(
          c.Prepare("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
                    " AND TABLE_NAME = 'schema_migrations'")
              .executeQuery());
      if (!exists->next() || exists->getInt64(1) == 0) return;  // never migrated
    }
    ResultSetPtr rs(
        c.Prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
            .executeQuery());
    while (rs->next())
      out.push_back(AppliedMigration{rs->getInt(1), Str(*rs, 2), FromUnix(rs->getInt64(3))});
  });
  return out;
}

bool MysqlStore::Ping() {
  try {
    bool ok = false;
    pool_->Run("ping", [&](Conn& c) {
      ResultSetPtr rs(c.Prepare("SELECT 1").executeQuery());
      ok = rs->next() && rs->getInt(1) == 1;
    });
    return ok;
  } catch (const StoreError&) {
    return false;
  }
}

}  // namespace vikno
