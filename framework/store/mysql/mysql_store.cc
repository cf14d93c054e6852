#include "store/mysql/mysql_store.h"

#include <cppconn/connection.h>
#include <cppconn/datatype.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string_view>
#include <thread>

#include "store/migrations.h"
#include "store/mysql/mysql_pool.h"

namespace vikno {
namespace {

using mysql::Conn;
using ResultSetPtr = std::unique_ptr<sql::ResultSet>;

// due_order of an appeal with no resolve deadline: 9999-12-31T23:59:59Z, so
// "due soonest" puts undated (long-term) appeals last (same as SQLite).
constexpr int64_t kNoDue = 253402300799;
// Rows per multi-row INSERT of ImportAppeals: 28 parameters a row stays far
// below the protocol's 65535 placeholders, and a few hundred rows amortise the
// round trip.
constexpr size_t kImportBatch = 250;
// Ids per IN (...) list in the purge.
constexpr size_t kIdChunk = 500;

// Binds parameters left to right, so a statement's text and its binding read
// in the same order.
class Binder {
 public:
  explicit Binder(sql::PreparedStatement& st) : st_(st) {}
  Binder& Str(const std::string& v) {
    st_.setString(++i_, v);
    return *this;
  }
  Binder& Int(int64_t v) {
    st_.setInt64(++i_, v);
    return *this;
  }
  Binder& Bool(bool v) {
    st_.setInt(++i_, v ? 1 : 0);
    return *this;
  }
  Binder& Time(Timestamp t) { return Int(ToUnix(t)); }
  Binder& OptInt(const std::optional<int64_t>& v) {
    if (v) return Int(*v);
    st_.setNull(++i_, sql::DataType::BIGINT);
    return *this;
  }
  Binder& OptTime(const std::optional<Timestamp>& t) {
    return OptInt(t ? std::optional<int64_t>(ToUnix(*t)) : std::nullopt);
  }
  Binder& OptDouble(const std::optional<double>& v) {
    if (v)
      st_.setDouble(++i_, *v);
    else
      st_.setNull(++i_, sql::DataType::DOUBLE);
    return *this;
  }
  Binder& OptStr(const std::optional<std::string>& v) {
    if (v) return Str(*v);
    st_.setNull(++i_, sql::DataType::VARCHAR);
    return *this;
  }

 private:
  sql::PreparedStatement& st_;
  unsigned i_ = 0;
};

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

// --- Residents ---

constexpr const char* kResidentCols =
    "id, anonymous, name, phone, email, consent_given_at, consent_text_version, created_at";

Resident ReadResident(const sql::ResultSet& rs) {
  Resident r;
  r.id = Str(rs, 1);
  r.anonymous = rs.getInt(2) != 0;
  if (!rs.isNull(3) || !rs.isNull(4) || !rs.isNull(5))
    r.identity = Identity{OptStr(rs, 3).value_or(""), OptStr(rs, 4).value_or(""),
                          OptStr(rs, 5).value_or("")};
  if (!rs.isNull(6)) r.consent = Consent{FromUnix(rs.getInt64(6)), OptStr(rs, 7).value_or("")};
  r.created_at = FromUnix(rs.getInt64(8));
  return r;
}

// Binds anonymous, identity and consent (5 columns after anonymous).
void BindResidentData(Binder& b, const Resident& r) {
  b.Bool(r.anonymous);
  if (r.identity)
    b.Str(r.identity->name).Str(r.identity->phone).Str(r.identity->email);
  else
    b.OptStr({}).OptStr({}).OptStr({});
  if (r.consent)
    b.Time(r.consent->given_at).Str(r.consent->text_version);
  else
    b.OptInt({}).OptStr({});
}

// --- Appeals ---

constexpr const char* kAppealCols =
    "id, number, type, category, lead_executor, registry_id, city, district, street, house, flat, "
    "entrance, lat, lon, description, channel, resident_id, anonymous, status, created_at, "
    "updated_at, "
    "accept_due, resolve_due, accepted_at, closed_at, repeat_of, commission_inspection, version";

// The columns written on insert, in the order BindAppealRow binds them.
constexpr const char* kAppealInsertCols =
    "number, type, category, lead_executor, registry_id, city, district, street, house, flat, "
    "entrance, lat, lon, description, channel, resident_id, anonymous, status, created_at, "
    "updated_at, "
    "accept_due, resolve_due, due_order, accepted_at, closed_at, repeat_of, commission_inspection, "
    "version, next_check_at";
constexpr size_t kAppealInsertColCount = 29;

int64_t DueOrder(const Appeal& a) { return a.resolve_due ? ToUnix(*a.resolve_due) : kNoDue; }

void BindAppealRow(Binder& b, const Appeal& a, int version) {
  b.OptStr(a.number.empty() ? std::nullopt : std::optional<std::string>(a.number))
      .Str(a.type)
      .Str(a.category)
      .Str(a.lead_executor())
      .OptInt(a.address.registry_id)
      .Str(a.address.city)
      .Str(a.address.district)
      .Str(a.address.street)
      .Str(a.address.house)
      .Str(a.address.flat)
      .Str(a.address.entrance)
      .OptDouble(a.address.point ? std::optional<double>(a.address.point->lat) : std::nullopt)
      .OptDouble(a.address.point ? std::optional<double>(a.address.point->lon) : std::nullopt)
      .Str(a.description)
      .Str(a.channel)
      .Str(a.resident_id)
      .Bool(a.anonymous)
      .Str(std::string(StatusCode(a.status)))
      .Time(a.created_at)
      .Time(a.updated_at)
      .OptTime(a.accept_due)
      .OptTime(a.resolve_due)
      .Int(DueOrder(a))
      .OptTime(a.accepted_at)
      .OptTime(a.closed_at)
      .OptInt(a.repeat_of)
      .Bool(a.commission_inspection)
      .Int(version)
      .OptTime(DefaultNextCheck(a));
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

void InsertExecutors(Conn& c, const std::vector<std::pair<int64_t, const Appeal*>>& rows) {
  size_t total = 0;
  for (const auto& [id, a] : rows) total += a->executors.size();
  if (total == 0) return;
  std::string values;
  for (size_t i = 0; i < total; ++i) values += i ? ", (?, ?, ?)" : "(?, ?, ?)";
  auto& st =
      c.Prepare("INSERT INTO appeal_executors (appeal_id, position, executor_id) VALUES " + values);
  Binder b(st);
  for (const auto& [id, a] : rows)
    for (size_t p = 0; p < a->executors.size(); ++p)
      b.Int(id).Int(static_cast<int64_t>(p)).Str(a->executors[p]);
  st.executeUpdate();
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

// --- Residents ---

void MysqlStore::CreateResident(const Resident& resident, const AuditEntry& audit) {
  if (resident.id.empty()) throw StoreError("mysql: a resident needs an id");
  pool_->Transact("create resident", [&](Conn& c) {
    auto& st = c.Prepare(std::string("INSERT INTO residents (") + kResidentCols + ") VALUES (" +
                         Placeholders(8) + ")");
    Binder b(st);
    b.Str(resident.id);
    BindResidentData(b, resident);
    b.Time(resident.created_at);
    st.executeUpdate();
    InsertAudit(c, WithEntityId(audit, resident.id));
  });
}

std::optional<Resident> MysqlStore::FindResident(const std::string& id) {
  std::optional<Resident> out;
  pool_->Run("find resident", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kResidentCols + " FROM residents WHERE id = ?");
    Binder(st).Str(id);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = ReadResident(*rs);
  });
  return out;
}

std::vector<Resident> MysqlStore::FindResidentsByPhone(const std::string& phone) {
  std::vector<Resident> out;
  if (phone.empty()) return out;
  pool_->Run("find residents by phone", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kResidentCols +
                         " FROM residents WHERE phone = ? ORDER BY created_at, id");
    Binder(st).Str(phone);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(ReadResident(*rs));
  });
  return out;
}

void MysqlStore::UpdateResident(const Resident& resident, const AuditEntry& audit) {
  pool_->Transact("update resident", [&](Conn& c) {
    auto& st = c.Prepare(
        "UPDATE residents SET anonymous = ?, name = ?, phone = ?, email = ?, consent_given_at = ?,"
        " consent_text_version = ? WHERE id = ?");
    Binder b(st);
    BindResidentData(b, resident);
    b.Str(resident.id);
    if (st.executeUpdate() == 0)
      throw StoreError("mysql: no resident with id '" + resident.id + "' to update");
    InsertAudit(c, WithEntityId(audit, resident.id));
  });
}

// --- Reference data ---

void MysqlStore::UpsertExecutor(const Executor& e) {
  if (e.id.empty()) throw StoreError("mysql: an executor needs an id");
  pool_->Run("upsert executor", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO executors (id, name, phone, email, head, active) VALUES (?, ?, ?, ?, ?, ?)"
        " ON DUPLICATE KEY UPDATE name = VALUES(name), phone = VALUES(phone), email = "
        "VALUES(email),"
        " head = VALUES(head), active = VALUES(active)");
    Binder(st).Str(e.id).Str(e.name).Str(e.phone).Str(e.email).Str(e.head).Bool(e.active);
    st.executeUpdate();
  });
}

namespace {
Executor ReadExecutor(const sql::ResultSet& rs) {
  return Executor{Str(rs, 1), Str(rs, 2), Str(rs, 3), Str(rs, 4), Str(rs, 5), rs.getInt(6) != 0};
}
RegistryAddress ReadRegistry(const sql::ResultSet& rs) {
  RegistryAddress r;
  r.id = rs.getInt64(1);
  r.city = Str(rs, 2);
  r.district = Str(rs, 3);
  r.street = Str(rs, 4);
  r.house = Str(rs, 5);
  if (!rs.isNull(6) && !rs.isNull(7))
    r.point = GeoPoint{static_cast<double>(rs.getDouble(6)), static_cast<double>(rs.getDouble(7))};
  return r;
}
}  // namespace

std::optional<Executor> MysqlStore::FindExecutor(const std::string& id) {
  std::optional<Executor> out;
  pool_->Run("find executor", [&](Conn& c) {
    auto& st = c.Prepare("SELECT id, name, phone, email, head, active FROM executors WHERE id = ?");
    Binder(st).Str(id);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = ReadExecutor(*rs);
  });
  return out;
}

std::vector<Executor> MysqlStore::ListExecutors() {
  std::vector<Executor> out;
  pool_->Run("list executors", [&](Conn& c) {
    ResultSetPtr rs(
        c.Prepare("SELECT id, name, phone, email, head, active FROM executors ORDER BY id")
            .executeQuery());
    while (rs->next()) out.push_back(ReadExecutor(*rs));
  });
  return out;
}

void MysqlStore::UpsertCategory(const Category& cat) {
  if (cat.id.empty()) throw StoreError("mysql: a category needs an id");
  pool_->Run("upsert category", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO categories (id, parent_id, name, executor_id, type) VALUES (?, ?, ?, ?, ?)"
        " ON DUPLICATE KEY UPDATE parent_id = VALUES(parent_id), name = VALUES(name),"
        " executor_id = VALUES(executor_id), type = VALUES(type)");
    Binder(st).Str(cat.id).Str(cat.parent_id).Str(cat.name).Str(cat.executor_id).Str(cat.type);
    st.executeUpdate();
  });
}

std::vector<Category> MysqlStore::ListCategories() {
  std::vector<Category> out;
  pool_->Run("list categories", [&](Conn& c) {
    ResultSetPtr rs(
        c.Prepare("SELECT id, parent_id, name, executor_id, type FROM categories ORDER BY id")
            .executeQuery());
    while (rs->next())
      out.push_back(Category{Str(*rs, 1), Str(*rs, 2), Str(*rs, 3), Str(*rs, 4), Str(*rs, 5)});
  });
  return out;
}

int64_t MysqlStore::UpsertRegistryAddress(const RegistryAddress& a) {
  int64_t id = 0;
  pool_->Run("upsert registry address", [&](Conn& c) {
    // id = LAST_INSERT_ID(id) makes LAST_INSERT_ID() return the existing
    // row's id when the building is already there.
    auto& st = c.Prepare(
        "INSERT INTO registry_addresses (city, district, street, house, lat, lon) VALUES (?, ?, ?, "
        "?, ?, ?)"
        " ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), district = VALUES(district),"
        " lat = VALUES(lat), lon = VALUES(lon)");
    Binder(st)
        .Str(a.city)
        .Str(a.district)
        .Str(a.street)
        .Str(a.house)
        .OptDouble(a.point ? std::optional<double>(a.point->lat) : std::nullopt)
        .OptDouble(a.point ? std::optional<double>(a.point->lon) : std::nullopt);
    st.executeUpdate();
    id = LastInsertId(c);
  });
  return id;
}

std::optional<RegistryAddress> MysqlStore::FindRegistryAddress(int64_t id) {
  std::optional<RegistryAddress> out;
  pool_->Run("find registry address", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT id, city, district, street, house, lat, lon FROM registry_addresses WHERE id = ?");
    Binder(st).Int(id);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = ReadRegistry(*rs);
  });
  return out;
}

std::vector<RegistryAddress> MysqlStore::ListRegistryAddresses(const std::string& city) {
  std::vector<RegistryAddress> out;
  pool_->Run("list registry addresses", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT id, city, district, street, house, lat, lon FROM registry_addresses WHERE city = ?"
        " ORDER BY street, house, id");
    Binder(st).Str(city);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(ReadRegistry(*rs));
  });
  return out;
}

// --- Appeals ---

Appeal MysqlStore::CreateAppeal(const Appeal& draft, const AuditEntry& audit) {
  Appeal stored = draft;
  stored.version = 1;
  pool_->Transact("create appeal", [&](Conn& c) {
    auto& st = c.Prepare(std::string("INSERT INTO appeals (") + kAppealInsertCols + ") VALUES (" +
                         Placeholders(kAppealInsertColCount) + ")");
    Binder b(st);
    BindAppealRow(b, stored, 1);
    st.executeUpdate();
    stored.id = LastInsertId(c);
    if (stored.number.empty()) {
      // 003 §2.2: the resident is told the number at once; by default it is
      // the id, set in the same transaction so no reader sees a card without one.
      stored.number = std::to_string(stored.id);
      auto& up = c.Prepare("UPDATE appeals SET number = ? WHERE id = ?");
      Binder(up).Str(stored.number).Int(stored.id);
      up.executeUpdate();
    }
    InsertExecutors(c, {{stored.id, &stored}});
    // R33: the audit entry commits with the card or not at all.
    InsertAudit(c, WithEntityId(audit, std::to_string(stored.id)));
  });
  return stored;
}

std::optional<Appeal> MysqlStore::FindAppeal(int64_t id) {
  std::optional<Appeal> out;
  pool_->Run("find appeal",
             [&](Conn& c) { out = FindAppealWhere(c, "id = ?", [&](Binder& b) { b.Int(id); }); });
  return out;
}

std::optional<Appeal> MysqlStore::FindAppealByNumber(const std::string& number) {
  std::optional<Appeal> out;
  if (number.empty()) return out;
  pool_->Run("find appeal by number", [&](Conn& c) {
    out = FindAppealWhere(c, "number = ?", [&](Binder& b) { b.Str(number); });
  });
  return out;
}

AppealPage MysqlStore::ListAppeals(const AppealQuery& q) {
  if (q.limit < 1 || q.limit > 500)
    throw StoreError("mysql: list appeals: limit must be 1..500, got " + std::to_string(q.limit));
  if (q.offset < 0) throw StoreError("mysql: list appeals: offset must not be negative");
  AppealPage page;
  // R26: a scope with no services sees nothing.
  if (q.executors && q.executors->empty()) {
    if (q.with_total) page.total = 0;
    return page;
  }

  // The WHERE clause is built from fixed fragments; every value is a parameter.
  std::string where;
  std::vector<std::function<void(Binder&)>> binds;
  auto add = [&](const std::string& clause, std::function<void(Binder&)> bind) {
    where += where.empty() ? " WHERE " : " AND ";
    where += clause;
    if (bind) binds.push_back(std::move(bind));
  };
  if (q.created_from) add("created_at >= ?", [t = *q.created_from](Binder& b) { b.Time(t); });
  if (q.created_to) add("created_at < ?", [t = *q.created_to](Binder& b) { b.Time(t); });
  if (q.executors)
    add("lead_executor IN (" + Placeholders(q.executors->size()) + ")", [&](Binder& b) {
      for (const auto& e : *q.executors) b.Str(e);
    });
  if (!q.category.empty()) {
    // A branch matches its leaves: "water" matches "water/no-water". LIKE's
    // wildcards in a category id are escaped so they match themselves.
    std::string prefix;
    for (char ch : q.category) {
      if (ch == '!' || ch == '%' || ch == '_') prefix += '!';
      prefix += ch;
    }
    prefix += "/%";
    add("(category = ? OR category LIKE ? ESCAPE '!')",
        [&, prefix](Binder& b) { b.Str(q.category).Str(prefix); });
  }
  if (!q.statuses.empty())
    add("status IN (" + Placeholders(q.statuses.size()) + ")", [&](Binder& b) {
      for (Status s : q.statuses) b.Str(std::string(StatusCode(s)));
    });
  if (!q.street.empty()) add("street = ?", [&](Binder& b) { b.Str(q.street); });
  if (!q.house.empty()) add("house = ?", [&](Binder& b) { b.Str(q.house); });
  if (q.registry_id) add("registry_id = ?", [&](Binder& b) { b.Int(*q.registry_id); });
  if (!q.resident_id.empty()) add("resident_id = ?", [&](Binder& b) { b.Str(q.resident_id); });
  if (!q.channel.empty()) add("channel = ?", [&](Binder& b) { b.Str(q.channel); });
  if (q.overdue_only)
    add("due_order < ? AND status IN (" + NonFinalStatusList() + ")",
        [&](Binder& b) { b.Time(q.now); });

  std::string order;
  switch (q.sort) {
    case AppealQuery::Sort::kNewestFirst:
      order = " ORDER BY created_at DESC, id DESC";
      break;
    case AppealQuery::Sort::kOldestFirst:
      order = " ORDER BY created_at ASC, id ASC";
      break;
    case AppealQuery::Sort::kDueSoonest:
      order = " ORDER BY due_order ASC, id ASC";
      break;
  }

  pool_->Run("list appeals", [&](Conn& c) {
    {
      auto& st = c.Prepare(std::string("SELECT ") + kAppealCols + " FROM appeals" + where + order +
                           " LIMIT ? OFFSET ?");
      Binder b(st);
      for (auto& bind : binds) bind(b);
      b.Int(q.limit + 1).Int(q.offset);  // one more row says whether there is a next page
      ResultSetPtr rs(st.executeQuery());
      while (rs->next()) page.items.push_back(ReadAppeal(*rs));
    }
    if (page.items.size() > static_cast<size_t>(q.limit)) {
      page.has_more = true;
      page.items.pop_back();
    }
    LoadExecutors(c, page.items);
    if (q.with_total) {
      auto& st = c.Prepare("SELECT COUNT(*) FROM appeals" + where);
      Binder b(st);
      for (auto& bind : binds) bind(b);
      ResultSetPtr rs(st.executeQuery());
      rs->next();
      page.total = rs->getInt64(1);
    }
  });
  return page;
}

Result<Appeal> MysqlStore::UpdateAppeal(const Appeal& appeal, const AuditEntry& audit) {
  std::optional<Refusal> refusal;
  Appeal stored = appeal;
  pool_->Transact("update appeal", [&](Conn& c) {
    // Optimistic concurrency: the row changes only if nobody wrote since the
    // caller read it. The number and the creation time never change.
    auto& st = c.Prepare(
        "UPDATE appeals SET type = ?, category = ?, lead_executor = ?, registry_id = ?, city = ?,"
        " district = ?, street = ?, house = ?, flat = ?, entrance = ?, lat = ?, lon = ?, "
        "description = ?,"
        " channel = ?, resident_id = ?, anonymous = ?, status = ?, updated_at = ?, accept_due = ?,"
        " resolve_due = ?, due_order = ?, accepted_at = ?, closed_at = ?, repeat_of = ?,"
        " commission_inspection = ?, next_check_at = ?, version = version + 1"
        " WHERE id = ? AND version = ?");
    Binder(st)
        .Str(appeal.type)
        .Str(appeal.category)
        .Str(appeal.lead_executor())
        .OptInt(appeal.address.registry_id)
        .Str(appeal.address.city)
        .Str(appeal.address.district)
        .Str(appeal.address.street)
        .Str(appeal.address.house)
        .Str(appeal.address.flat)
        .Str(appeal.address.entrance)
        .OptDouble(appeal.address.point ? std::optional<double>(appeal.address.point->lat)
                                        : std::nullopt)
        .OptDouble(appeal.address.point ? std::optional<double>(appeal.address.point->lon)
                                        : std::nullopt)
        .Str(appeal.description)
        .Str(appeal.channel)
        .Str(appeal.resident_id)
        .Bool(appeal.anonymous)
        .Str(std::string(StatusCode(appeal.status)))
        .Time(appeal.updated_at)
        .OptTime(appeal.accept_due)
        .OptTime(appeal.resolve_due)
        .Int(DueOrder(appeal))
        .OptTime(appeal.accepted_at)
        .OptTime(appeal.closed_at)
        .OptInt(appeal.repeat_of)
        .Bool(appeal.commission_inspection)
        .OptTime(DefaultNextCheck(appeal))
        .Int(appeal.id)
        .Int(appeal.version);
    if (st.executeUpdate() == 0) {
      auto& exists = c.Prepare("SELECT version FROM appeals WHERE id = ?");
      Binder(exists).Int(appeal.id);
      ResultSetPtr rs(exists.executeQuery());
      if (rs->next())
        refusal = Refuse("stale", "appeal " + std::to_string(appeal.id) +
                                      " was changed by someone else (now version " +
                                      std::to_string(rs->getInt(1)) + ", yours " +
                                      std::to_string(appeal.version) + ")");
      else
        refusal = Refuse("not_found", "appeal " + std::to_string(appeal.id) + " does not exist");
      return;
    }
    auto& del = c.Prepare("DELETE FROM appeal_executors WHERE appeal_id = ?");
    Binder(del).Int(appeal.id);
    del.executeUpdate();
    InsertExecutors(c, {{appeal.id, &appeal}});
    InsertAudit(c, WithEntityId(audit, std::to_string(appeal.id)));
    // Read back what the row now holds (number, created_at are not the caller's to change).
    ResultSetPtr rs;
    auto& back = c.Prepare(std::string("SELECT ") + kAppealCols + " FROM appeals WHERE id = ?");
    Binder(back).Int(appeal.id);
    rs.reset(back.executeQuery());
    rs->next();
    Appeal row = ReadAppeal(*rs);
    row.executors = appeal.executors;
    stored = std::move(row);
  });
  if (refusal) return *refusal;
  return stored;
}

void MysqlStore::ImportAppeals(const std::vector<Appeal>& appeals) {
  if (appeals.empty()) return;
  pool_->Transact("import appeals", [&](Conn& c) {
    // Multi-row INSERTs get consecutive AUTO_INCREMENT ids under
    // innodb_autoinc_lock_mode 0 and 1 (MariaDB's default), so the ids of a
    // batch are LAST_INSERT_ID() .. +n-1. Mode 2 (Galera, MySQL 8's default)
    // does not promise that: there each row is inserted on its own.
    int lock_mode = 1;
    {
      ResultSetPtr rs(c.Prepare("SELECT @@innodb_autoinc_lock_mode").executeQuery());
      if (rs->next()) lock_mode = rs->getInt(1);
    }
    const size_t batch = lock_mode <= 1 ? kImportBatch : 1;
    for (size_t from = 0; from < appeals.size(); from += batch) {
      const size_t n = std::min(batch, appeals.size() - from);
      std::string values;
      for (size_t i = 0; i < n; ++i)
        values += (i ? ", (" : "(") + Placeholders(kAppealInsertColCount) + ")";
      auto& st = c.Prepare(std::string("INSERT INTO appeals (") + kAppealInsertCols + ") VALUES " +
                           values);
      Binder b(st);
      for (size_t i = 0; i < n; ++i) BindAppealRow(b, appeals[from + i], 1);
      st.executeUpdate();
      const int64_t first = LastInsertId(c);
      std::vector<std::pair<int64_t, const Appeal*>> rows;
      bool unnumbered = false;
      for (size_t i = 0; i < n; ++i) {
        rows.emplace_back(first + static_cast<int64_t>(i), &appeals[from + i]);
        unnumbered = unnumbered || appeals[from + i].number.empty();
      }
      if (unnumbered) {
        auto& up = c.Prepare(
            "UPDATE appeals SET number = CAST(id AS CHAR) WHERE id BETWEEN ? AND ? AND number IS "
            "NULL");
        Binder(up).Int(first).Int(first + static_cast<int64_t>(n) - 1);
        up.executeUpdate();
      }
      InsertExecutors(c, rows);
    }
  });
}

// --- Comments and files ---

Comment MysqlStore::AddComment(const Comment& comment, const AuditEntry& audit) {
  Comment stored = comment;
  pool_->Transact("add comment", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO comments (appeal_id, author_id, author_role, text, visible_to_resident, "
        "created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Int(comment.appeal_id)
        .Str(comment.author_id)
        .Str(comment.author_role)
        .Str(comment.text)
        .Bool(comment.visible_to_resident)
        .Time(comment.created_at);
    st.executeUpdate();
    stored.id = LastInsertId(c);
    InsertAudit(c, WithEntityId(audit, std::to_string(comment.appeal_id)));
  });
  return stored;
}

std::vector<Comment> MysqlStore::ListComments(int64_t appeal_id) {
  std::vector<Comment> out;
  pool_->Run("list comments", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT id, appeal_id, author_id, author_role, text, visible_to_resident, created_at FROM "
        "comments"
        " WHERE appeal_id = ? ORDER BY id");
    Binder(st).Int(appeal_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next())
      out.push_back(Comment{rs->getInt64(1), rs->getInt64(2), Str(*rs, 3), Str(*rs, 4), Str(*rs, 5),
                            rs->getInt(6) != 0, FromUnix(rs->getInt64(7))});
  });
  return out;
}

Attachment MysqlStore::AddAttachment(const Attachment& attachment, const AuditEntry& audit) {
  Attachment stored = attachment;
  pool_->Transact("add attachment", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO attachments (appeal_id, sha256, media_type, size, original_name, uploaded_by, "
        "created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Int(attachment.appeal_id)
        .Str(attachment.sha256)
        .Str(attachment.media_type)
        .Int(attachment.size)
        .Str(attachment.original_name)
        .Str(attachment.uploaded_by)
        .Time(attachment.created_at);
    st.executeUpdate();
    stored.id = LastInsertId(c);
    InsertAudit(c, WithEntityId(audit, std::to_string(attachment.appeal_id)));
  });
  return stored;
}

std::vector<Attachment> MysqlStore::ListAttachments(int64_t appeal_id) {
  std::vector<Attachment> out;
  pool_->Run("list attachments", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT id, appeal_id, sha256, media_type, size, original_name, uploaded_by, created_at "
        "FROM attachments"
        " WHERE appeal_id = ? ORDER BY id");
    Binder(st).Int(appeal_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next())
      out.push_back(Attachment{rs->getInt64(1), rs->getInt64(2), Str(*rs, 3), Str(*rs, 4),
                               rs->getInt64(5), Str(*rs, 6), Str(*rs, 7),
                               FromUnix(rs->getInt64(8))});
  });
  return out;
}

// --- Audit ---

void MysqlStore::Audit(const AuditEntry& entry) {
  pool_->Run("audit", [&](Conn& c) { InsertAudit(c, entry); });
}

std::vector<AuditEntry> MysqlStore::ListAudit(const std::string& entity,
                                              const std::string& entity_id) {
  std::vector<AuditEntry> out;
  pool_->Run("list audit", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT id, at, actor_id, actor_role, client_address, entity, entity_id, action, details "
        "FROM audit"
        " WHERE entity = ? AND entity_id = ? ORDER BY id");
    Binder(st).Str(entity).Str(entity_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next())
      out.push_back(AuditEntry{rs->getInt64(1), FromUnix(rs->getInt64(2)), Str(*rs, 3), Str(*rs, 4),
                               Str(*rs, 5), Str(*rs, 6), Str(*rs, 7), Str(*rs, 8), Str(*rs, 9)});
  });
  return out;
}

// --- Retention ---

PurgeReport MysqlStore::PurgeClosedBefore(Timestamp cutoff, const AuditEntry& audit) {
  PurgeReport report;
  pool_->Transact("purge closed appeals", [&](Conn& c) {
    report = PurgeReport{};
    std::vector<int64_t> ids;
    {
      // FOR UPDATE: a card being reopened right now waits for us, or we for it.
      auto& st = c.Prepare("SELECT id FROM appeals WHERE closed_at < ? AND status IN (" +
                           FinalStatusList() + ") ORDER BY id FOR UPDATE");
      Binder(st).Time(cutoff);
      ResultSetPtr rs(st.executeQuery());
      while (rs->next()) ids.push_back(rs->getInt64(1));
    }
    std::set<std::string> files;
    // The residents of the removed cards: only they can lose their last card
    // in this run (see the erasure below).
    std::set<std::string> residents;
    for (size_t from = 0; from < ids.size(); from += kIdChunk) {
      const size_t n = std::min(kIdChunk, ids.size() - from);
      const std::string in = "(" + Placeholders(n) + ")";
      {
        auto& st = c.Prepare(
            "SELECT DISTINCT resident_id FROM appeals WHERE resident_id <> '' AND id IN " + in);
        Binder b(st);
        for (size_t i = 0; i < n; ++i) b.Int(ids[from + i]);
        ResultSetPtr rs(st.executeQuery());
        while (rs->next()) residents.insert(Str(*rs, 1));
      }
      {
        auto& st = c.Prepare("SELECT DISTINCT sha256 FROM attachments WHERE appeal_id IN " + in);
        Binder b(st);
        for (size_t i = 0; i < n; ++i) b.Int(ids[from + i]);
        ResultSetPtr rs(st.executeQuery());
        while (rs->next()) files.insert(Str(*rs, 1));
      }
      {
        // The cards' audit trail goes with them, whether it was written
        // against the appeal or against its comments and files.
        auto& st = c.Prepare("DELETE FROM audit WHERE entity = 'appeal' AND entity_id IN " + in);
        Binder b(st);
        for (size_t i = 0; i < n; ++i) b.Str(std::to_string(ids[from + i]));
        st.executeUpdate();
      }
      for (const char* child : {"comment", "attachment"}) {
        const std::string table = std::string(child) + "s";
        auto& st =
            c.Prepare("DELETE audit FROM audit JOIN " + table + " x ON audit.entity = '" + child +
                      "' AND audit.entity_id = CAST(x.id AS CHAR) WHERE x.appeal_id IN " + in);
        Binder b(st);
        for (size_t i = 0; i < n; ++i) b.Int(ids[from + i]);
        st.executeUpdate();
      }
      {
        // Comments, attachments' metadata, executors, requests and escalation
        // steps go by ON DELETE CASCADE; ratings keep their statistics
        // (SET NULL, B8).
        auto& st = c.Prepare("DELETE FROM appeals WHERE id IN " + in);
        Binder b(st);
        for (size_t i = 0; i < n; ++i) b.Int(ids[from + i]);
        report.appeals += st.executeUpdate();
      }
    }
    for (const std::string& sha : files) {
      auto& st = c.Prepare("SELECT 1 FROM attachments WHERE sha256 = ? LIMIT 1");
      Binder(st).Str(sha);
      ResultSetPtr rs(st.executeQuery());
      if (!rs->next()) report.orphaned_files.push_back(sha);
    }
    // R32: the residents whose cards this run removed and who have no card
    // left lose identity and consent; the opaque id stays so old statistics
    // still group by person. A resident who never had a card is not touched:
    // they may be a bot subscriber who has not written an appeal yet.
    const std::vector<std::string> owners(residents.begin(), residents.end());
    for (size_t from = 0; from < owners.size(); from += kIdChunk) {
      const size_t n = std::min(kIdChunk, owners.size() - from);
      auto& st = c.Prepare(
          "UPDATE residents r SET r.name = NULL, r.phone = NULL, r.email = NULL, "
          "r.consent_given_at = NULL, r.consent_text_version = NULL WHERE r.id IN (" +
          Placeholders(n) +
          ") AND (r.name IS NOT NULL OR r.phone IS NOT NULL OR r.email IS NOT NULL"
          " OR r.consent_given_at IS NOT NULL OR r.consent_text_version IS NOT NULL)"
          " AND NOT EXISTS (SELECT 1 FROM appeals a WHERE a.resident_id = r.id)");
      Binder b(st);
      for (size_t i = 0; i < n; ++i) b.Str(owners[from + i]);
      report.residents += st.executeUpdate();
    }
    AuditEntry entry = audit;
    if (entry.entity.empty()) entry.entity = "retention";
    entry.details = "{\"cutoff\": " + std::to_string(ToUnix(cutoff)) +
                    ", \"appeals\": " + std::to_string(report.appeals) +
                    ", \"residents\": " + std::to_string(report.residents) +
                    ", \"orphaned_files\": " + std::to_string(report.orphaned_files.size()) + "}";
    InsertAudit(c, entry);
  });
  return report;
}

// --- Deadline watch (issue 3) ---

std::vector<Appeal> MysqlStore::ListAppealsDueForCheck(Timestamp now, int limit) {
  if (limit < 1)
    throw StoreError("mysql: due appeals: limit must be positive, got " + std::to_string(limit));
  std::vector<Appeal> out;
  pool_->Run("list appeals due for check", [&](Conn& c) {
    {
      // A range of appeals_next_check: NULL (no check) is never <= now.
      auto& st = c.Prepare(std::string("SELECT ") + kAppealCols +
                           " FROM appeals WHERE next_check_at <= ? ORDER BY next_check_at, id"
                           " LIMIT ?");
      Binder(st).Time(now).Int(limit);
      ResultSetPtr rs(st.executeQuery());
      while (rs->next()) out.push_back(ReadAppeal(*rs));
    }
    LoadExecutors(c, out);
  });
  return out;
}

void MysqlStore::SetNextCheck(int64_t appeal_id, std::optional<Timestamp> at) {
  pool_->Run("set next check", [&](Conn& c) {
    auto& st = c.Prepare("UPDATE appeals SET next_check_at = ? WHERE id = ?");
    Binder(st).OptTime(at).Int(appeal_id);
    // CLIENT_FOUND_ROWS: a matched row counts even when the value is unchanged.
    if (st.executeUpdate() == 0)
      throw StoreError("mysql: no appeal " + std::to_string(appeal_id) +
                       " to set the next check of");
  });
}

bool MysqlStore::RecordEscalationStep(int64_t appeal_id, const std::string& step,
                                      const AuditEntry& audit) {
  if (step.empty()) throw StoreError("mysql: an escalation step needs a name");
  bool recorded = false;
  pool_->Transact("record escalation step", [&](Conn& c) {
    recorded = false;
    // A plain INSERT, not INSERT IGNORE: IGNORE would also swallow the
    // foreign-key error of an unknown appeal. A duplicate (appeal, step) is
    // the one error that means "already fired"; the statement is rolled back
    // and the transaction commits nothing.
    auto& st = c.Prepare(
        "INSERT INTO appeal_escalation_steps (appeal_id, step, fired_at) VALUES (?, ?, ?)");
    Binder(st).Int(appeal_id).Str(step).Time(audit.at);
    try {
      st.executeUpdate();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() == 1062) return;  // ER_DUP_ENTRY
      throw;
    }
    InsertAudit(c, WithEntityId(audit, std::to_string(appeal_id)));
    recorded = true;
  });
  return recorded;
}

std::vector<std::string> MysqlStore::ListEscalationSteps(int64_t appeal_id) {
  std::vector<std::string> out;
  pool_->Run("list escalation steps", [&](Conn& c) {
    auto& st =
        c.Prepare("SELECT step FROM appeal_escalation_steps WHERE appeal_id = ? ORDER BY id");
    Binder(st).Int(appeal_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(Str(*rs, 1));
  });
  return out;
}

bool MysqlStore::AcquireLease(const std::string& name, const std::string& holder, Timestamp now,
                              std::chrono::seconds ttl) {
  if (name.empty() || holder.empty()) throw StoreError("mysql: a lease needs a name and a holder");
  bool held = false;
  // Two autocommit statements, not one transaction: hosts racing for a new
  // lease would otherwise deadlock on the row the INSERT created (each holds
  // its shared duplicate-key lock and waits for the other's to UPDATE). Each
  // statement alone is atomic, and the UPDATE decides.
  pool_->Run("acquire lease", [&](Conn& c) {
    {
      auto& st =
          c.Prepare("INSERT IGNORE INTO leases (name, holder, expires_at) VALUES (?, '', 0)");
      Binder(st).Str(name);
      st.executeUpdate();
    }
    // Taken when free (empty holder, expired) or extended when already ours.
    // CLIENT_FOUND_ROWS: 1 when the row matched, even if nothing changed.
    auto& st = c.Prepare(
        "UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND"
        " (holder = ? OR holder = '' OR expires_at <= ?)");
    Binder(st).Str(holder).Time(now + ttl).Str(name).Str(holder).Time(now);
    held = st.executeUpdate() == 1;
  });
  return held;
}

void MysqlStore::ReleaseLease(const std::string& name, const std::string& holder) {
  pool_->Run("release lease", [&](Conn& c) {
    auto& st =
        c.Prepare("UPDATE leases SET holder = '', expires_at = 0 WHERE name = ? AND holder = ?");
    Binder(st).Str(name).Str(holder);
    st.executeUpdate();
  });
}

std::optional<Appeal> MysqlStore::FindOpenAppealAt(const std::string& category,
                                                   int64_t registry_id, Timestamp since) {
  std::optional<Appeal> out;
  pool_->Run("find open appeal at building", [&](Conn& c) {
    out = FindAppealWhere(c,
                          "registry_id = ? AND category = ? AND created_at >= ? AND status IN (" +
                              NonFinalStatusList() + ") ORDER BY created_at DESC, id DESC LIMIT 1",
                          [&](Binder& b) { b.Int(registry_id).Str(category).Time(since); });
  });
  return out;
}

// --- Residents' channel bindings (issue 4) ---

namespace {

constexpr const char* kBindingCols =
    "resident_id, channel, chat_id, subscribed, created_at, updated_at";

ChannelBinding ReadBinding(const sql::ResultSet& rs) {
  return ChannelBinding{Str(rs, 1), Str(rs, 2), Str(rs, 3), rs.getInt(4) != 0,
                        FromUnix(rs.getInt64(5)), FromUnix(rs.getInt64(6))};
}

constexpr const char* kOutboxCols =
    "id, idempotency_key, channel, address, recipient_kind, recipient_id, text_key, params, "
    "appeal_id, batch_id, priority, state, attempts, next_attempt_at, claim_token, "
    "claim_expires_at, provider_message_id, last_error, created_at, updated_at, sent_at";

OutboxMessage ReadOutbox(const sql::ResultSet& rs) {
  OutboxMessage m;
  m.id = rs.getInt64(1);
  m.idempotency_key = Str(rs, 2);
  m.channel = Str(rs, 3);
  m.address = Str(rs, 4);
  m.recipient_kind = Str(rs, 5);
  m.recipient_id = Str(rs, 6);
  m.text_key = Str(rs, 7);
  m.params = Str(rs, 8);
  m.appeal_id = OptInt(rs, 9);
  m.batch_id = Str(rs, 10);
  m.priority = rs.getInt(11);
  const std::string state = Str(rs, 12);
  const auto parsed = ParseOutboxState(state);
  if (!parsed)
    throw StoreError("mysql: outbox row " + std::to_string(m.id) + " has unknown state '" +
                     state + "'");
  m.state = *parsed;
  m.attempts = rs.getInt(13);
  m.next_attempt_at = FromUnix(rs.getInt64(14));
  m.claim_token = OptStr(rs, 15).value_or("");
  m.claim_expires_at = OptTime(rs, 16);
  m.provider_message_id = OptStr(rs, 17).value_or("");
  m.last_error = Str(rs, 18);
  m.created_at = FromUnix(rs.getInt64(19));
  m.updated_at = FromUnix(rs.getInt64(20));
  m.sent_at = OptTime(rs, 21);
  return m;
}

std::optional<std::string> NonEmpty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

}  // namespace

void MysqlStore::UpsertChannelBinding(const ChannelBinding& b) {
  if (b.resident_id.empty() || b.channel.empty() || b.chat_id.empty())
    throw StoreError("mysql: a channel binding needs a resident, a channel and a chat id");
  pool_->Transact("upsert channel binding", [&](Conn& c) {
    // UPDATE, then INSERT when there was nothing to update; not ON DUPLICATE
    // KEY UPDATE, which fires on ANY unique key and would rewrite another
    // resident's binding of the same chat instead of refusing it.
    auto& up = c.Prepare(
        "UPDATE resident_channels SET chat_id = ?, subscribed = ?, updated_at = ?"
        " WHERE resident_id = ? AND channel = ?");
    Binder(up).Str(b.chat_id).Bool(b.subscribed).Time(b.updated_at).Str(b.resident_id).Str(
        b.channel);
    if (up.executeUpdate() > 0) return;  // CLIENT_FOUND_ROWS: matched, changed or not
    auto& st = c.Prepare(
        "INSERT INTO resident_channels (resident_id, channel, chat_id, subscribed, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Str(b.resident_id)
        .Str(b.channel)
        .Str(b.chat_id)
        .Bool(b.subscribed)
        .Time(b.created_at)
        .Time(b.updated_at);
    st.executeUpdate();
  });
}

std::vector<ChannelBinding> MysqlStore::ListChannelBindings(const std::string& resident_id) {
  std::vector<ChannelBinding> out;
  pool_->Run("list channel bindings", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kBindingCols +
                         " FROM resident_channels WHERE resident_id = ?"
                         " ORDER BY updated_at DESC, channel");
    Binder(st).Str(resident_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(ReadBinding(*rs));
  });
  return out;
}

std::optional<ChannelBinding> MysqlStore::FindChannelBindingByChat(const std::string& channel,
                                                                   const std::string& chat_id) {
  std::optional<ChannelBinding> out;
  pool_->Run("find channel binding", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kBindingCols +
                         " FROM resident_channels WHERE channel = ? AND chat_id = ?");
    Binder(st).Str(channel).Str(chat_id);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = ReadBinding(*rs);
  });
  return out;
}

// --- Outbox (issue 4, B11) ---

bool MysqlStore::EnqueueOutbox(const OutboxMessage& m) {
  if (m.idempotency_key.empty()) throw StoreError("mysql: an outbox row needs an idempotency key");
  if (m.priority < 0 || m.priority > 2)
    throw StoreError("mysql: outbox priority must be 0..2, got " + std::to_string(m.priority));
  bool inserted = false;
  pool_->Run("enqueue outbox", [&](Conn& c) {
    // A plain INSERT: IGNORE would also hide other errors. ER_DUP_ENTRY on
    // the key's unique index (the only unique one besides the id) means
    // "already queued".
    auto& st = c.Prepare(
        "INSERT INTO outbox (idempotency_key, channel, address, recipient_kind, recipient_id,"
        " text_key, params, appeal_id, batch_id, priority, state, attempts, next_attempt_at,"
        " claim_token, claim_expires_at, provider_message_id, last_error, created_at, updated_at,"
        " sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Str(m.idempotency_key)
        .Str(m.channel)
        .Str(m.address)
        .Str(m.recipient_kind)
        .Str(m.recipient_id)
        .Str(m.text_key)
        .Str(m.params.empty() ? "{}" : m.params)
        .OptInt(m.appeal_id)
        .Str(m.batch_id)
        .Int(m.priority)
        .Str(std::string(OutboxStateCode(m.state)))
        .Int(m.attempts)
        .Time(m.next_attempt_at)
        .OptStr(NonEmpty(m.claim_token))
        .OptTime(m.claim_expires_at)
        .OptStr(NonEmpty(m.provider_message_id))
        .Str(m.last_error)
        .Time(m.created_at)
        .Time(m.updated_at)
        .OptTime(m.sent_at);
    try {
      st.executeUpdate();
      inserted = true;
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != 1062) throw;  // ER_DUP_ENTRY
    }
  });
  return inserted;
}

std::vector<OutboxMessage> MysqlStore::ClaimOutbox(const std::string& channel,
                                                   const std::string& claim_token, Timestamp now,
                                                   Timestamp claim_until, int limit) {
  if (claim_token.empty()) throw StoreError("mysql: claiming the outbox needs a claim token");
  if (limit < 1) throw StoreError("mysql: outbox claim limit must be positive");
  std::vector<OutboxMessage> out;
  pool_->Transact("claim outbox", [&](Conn& c) {
    out.clear();
    std::vector<int64_t> ids;
    auto collect = [&](sql::PreparedStatement& st) {
      ResultSetPtr rs(st.executeQuery());
      while (rs->next()) ids.push_back(rs->getInt64(1));
    };
    {
      // Rows of a sender that died (claim expired) first: they are the oldest
      // work. SKIP LOCKED: rows another sender is claiming right now are
      // passed over, not waited for, so senders on several hosts never block
      // each other nor get the same row.
      auto& st = c.Prepare(
          "SELECT id FROM outbox WHERE state = 'sending' AND claim_expires_at <= ? AND channel = ?"
          " ORDER BY claim_expires_at, id LIMIT ? FOR UPDATE SKIP LOCKED");
      Binder(st).Time(now).Str(channel).Int(limit);
      collect(st);
    }
    // One index range per priority, each in send order: reads only what it claims.
    for (int priority = 0; priority <= 2 && static_cast<int>(ids.size()) < limit; ++priority) {
      auto& st = c.Prepare(
          "SELECT id FROM outbox WHERE state = 'queued' AND channel = ? AND priority = ? AND"
          " next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED");
      Binder(st).Str(channel).Int(priority).Time(now).Int(limit - static_cast<int64_t>(ids.size()));
      collect(st);
    }
    if (ids.empty()) return;
    const std::string in = "(" + Placeholders(ids.size()) + ")";
    {
      auto& st = c.Prepare(
          "UPDATE outbox SET state = 'sending', claim_token = ?, claim_expires_at = ?,"
          " attempts = attempts + 1, updated_at = ? WHERE id IN " + in);
      Binder b(st);
      b.Str(claim_token).Time(claim_until).Time(now);
      for (int64_t id : ids) b.Int(id);
      st.executeUpdate();
    }
    std::map<int64_t, OutboxMessage> by_id;
    {
      auto& st = c.Prepare(std::string("SELECT ") + kOutboxCols + " FROM outbox WHERE id IN " + in);
      Binder b(st);
      for (int64_t id : ids) b.Int(id);
      ResultSetPtr rs(st.executeQuery());
      while (rs->next()) {
        OutboxMessage m = ReadOutbox(*rs);
        by_id.emplace(m.id, std::move(m));
      }
    }
    for (int64_t id : ids)  // the claim order
      if (auto it = by_id.find(id); it != by_id.end()) out.push_back(std::move(it->second));
  });
  return out;
}

bool MysqlStore::MarkOutboxSent(int64_t id, const std::string& claim_token,
                                const std::string& provider_message_id, Timestamp now) {
  bool marked = false;
  pool_->Run("mark outbox sent", [&](Conn& c) {
    auto& st = c.Prepare(
        "UPDATE outbox SET state = 'sent', provider_message_id = ?, sent_at = ?, updated_at = ?,"
        " claim_token = NULL, claim_expires_at = NULL"
        " WHERE id = ? AND state = 'sending' AND claim_token = ?");
    Binder(st).Str(provider_message_id).Time(now).Time(now).Int(id).Str(claim_token);
    marked = st.executeUpdate() == 1;
  });
  return marked;
}

bool MysqlStore::MarkOutboxRetry(int64_t id, const std::string& claim_token,
                                 Timestamp next_attempt_at, const std::string& reason,
                                 Timestamp now) {
  bool marked = false;
  pool_->Run("mark outbox retry", [&](Conn& c) {
    auto& st = c.Prepare(
        "UPDATE outbox SET state = 'queued', next_attempt_at = ?, last_error = ?, updated_at = ?,"
        " claim_token = NULL, claim_expires_at = NULL"
        " WHERE id = ? AND state = 'sending' AND claim_token = ?");
    Binder(st).Time(next_attempt_at).Str(reason).Time(now).Int(id).Str(claim_token);
    marked = st.executeUpdate() == 1;
  });
  return marked;
}

bool MysqlStore::MarkOutboxFailed(int64_t id, const std::string& claim_token,
                                  const std::string& reason, Timestamp now) {
  bool marked = false;
  pool_->Run("mark outbox failed", [&](Conn& c) {
    auto& st = c.Prepare(
        "UPDATE outbox SET state = 'failed', last_error = ?, updated_at = ?, claim_token = NULL,"
        " claim_expires_at = NULL WHERE id = ? AND state = 'sending' AND claim_token = ?");
    Binder(st).Str(reason).Time(now).Int(id).Str(claim_token);
    marked = st.executeUpdate() == 1;
  });
  return marked;
}

int MysqlStore::ReleaseOutboxClaims(const std::string& claim_token, Timestamp now) {
  int released = 0;
  pool_->Run("release outbox claims", [&](Conn& c) {
    auto& st = c.Prepare(
        "UPDATE outbox SET state = 'queued', attempts = GREATEST(attempts - 1, 0),"
        " claim_token = NULL, claim_expires_at = NULL, updated_at = ?"
        " WHERE state = 'sending' AND claim_token = ?");
    Binder(st).Time(now).Str(claim_token);
    released = st.executeUpdate();
  });
  return released;
}

std::optional<OutboxMessage> MysqlStore::FindOutboxByKey(const std::string& key) {
  std::optional<OutboxMessage> out;
  pool_->Run("find outbox row", [&](Conn& c) {
    auto& st =
        c.Prepare(std::string("SELECT ") + kOutboxCols + " FROM outbox WHERE idempotency_key = ?");
    Binder(st).Str(key);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = ReadOutbox(*rs);
  });
  return out;
}

std::vector<OutboxMessage> MysqlStore::ListOutbox(const OutboxQuery& q) {
  if (q.limit < 1 || q.limit > 1000)
    throw StoreError("mysql: outbox list: limit must be 1..1000, got " + std::to_string(q.limit));
  std::vector<OutboxMessage> out;
  pool_->Run("list outbox", [&](Conn& c) {
    // Fixed text; "match anything" is a bound flag.
    auto& st = c.Prepare(std::string("SELECT ") + kOutboxCols +
                         " FROM outbox WHERE id > ? AND (? OR batch_id = ?) AND (? OR channel = ?)"
                         " AND (? OR state = ?) AND (? OR appeal_id = ?) ORDER BY id LIMIT ?");
    Binder(st)
        .Int(q.after_id)
        .Bool(q.batch_id.empty())
        .Str(q.batch_id)
        .Bool(q.channel.empty())
        .Str(q.channel)
        .Bool(!q.state.has_value())
        .Str(q.state ? std::string(OutboxStateCode(*q.state)) : std::string())
        .Bool(!q.appeal_id.has_value())
        .Int(q.appeal_id.value_or(0))
        .Int(q.limit);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(ReadOutbox(*rs));
  });
  return out;
}

std::vector<OutboxCount> MysqlStore::CountOutbox(const std::string& batch_id) {
  std::vector<OutboxCount> out;
  pool_->Run("count outbox", [&](Conn& c) {
    auto& st = c.Prepare(
        batch_id.empty()
            ? "SELECT channel, state, COUNT(*) FROM outbox GROUP BY channel, state"
              " ORDER BY channel, state"
            : "SELECT channel, state, COUNT(*) FROM outbox WHERE batch_id = ?"
              " GROUP BY channel, state ORDER BY channel, state");
    if (!batch_id.empty()) Binder(st).Str(batch_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) {
      const auto state = ParseOutboxState(Str(*rs, 2));
      if (!state) throw StoreError("mysql: outbox has unknown state '" + Str(*rs, 2) + "'");
      out.push_back(OutboxCount{Str(*rs, 1), *state, rs->getInt64(3)});
    }
  });
  return out;
}

std::optional<Timestamp> MysqlStore::NextOutboxAttempt(const std::string& channel) {
  std::optional<Timestamp> next;
  pool_->Run("next outbox attempt", [&](Conn& c) {
    auto take = [&](sql::PreparedStatement& st) {
      ResultSetPtr rs(st.executeQuery());
      if (rs->next() && !rs->isNull(1)) {
        const Timestamp t = FromUnix(rs->getInt64(1));
        if (!next || t < *next) next = t;
      }
    };
    for (int priority = 0; priority <= 2; ++priority) {
      auto& st = c.Prepare(
          "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'queued' AND channel = ?"
          " AND priority = ?");
      Binder(st).Str(channel).Int(priority);
      take(st);
    }
    // Claims that will expire are work too.
    auto& st = c.Prepare(
        "SELECT MIN(claim_expires_at) FROM outbox WHERE state = 'sending' AND channel = ?");
    Binder(st).Str(channel);
    take(st);
  });
  return next;
}

}  // namespace vikno
