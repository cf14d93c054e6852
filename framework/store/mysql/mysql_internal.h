// INTERNAL to the MySQL/MariaDB backend: NOT public API. Shared machinery of
// the mysql_*.cc files (parameter binding, column readers, the audit insert and
// the appeal row mapping more than one concern uses); nothing outside
// framework/store/mysql/ may include it. Callers use store/store.h.
#pragma once

#include <cppconn/connection.h>
#include <cppconn/datatype.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/mysql/mysql_pool.h"
#include "store/mysql/mysql_store.h"

namespace vikno {
namespace mysql_detail {

using mysql::Conn;
using ResultSetPtr = std::unique_ptr<sql::ResultSet>;

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

std::string Str(const sql::ResultSet& rs, uint32_t col);
std::optional<int64_t> OptInt(const sql::ResultSet& rs, uint32_t col);
std::optional<Timestamp> OptTime(const sql::ResultSet& rs, uint32_t col);
std::optional<std::string> OptStr(const sql::ResultSet& rs, uint32_t col);

// "?, ?, ?" for n placeholders.
std::string Placeholders(size_t n);

int64_t LastInsertId(Conn& c);

// --- Audit ---

// The audit entry of a change names what changed; a caller that could not
// know the id yet (a new appeal) leaves it empty and the store fills it.
AuditEntry WithEntityId(AuditEntry e, const std::string& id);

void InsertAudit(Conn& c, const AuditEntry& a);

// --- Appeals ---

constexpr const char* kAppealCols =
    "id, number, type, category, lead_executor, registry_id, city, district, street, house, flat, "
    "entrance, lat, lon, description, channel, resident_id, anonymous, status, created_at, "
    "updated_at, "
    "accept_due, resolve_due, accepted_at, closed_at, repeat_of, commission_inspection, version";

Appeal ReadAppeal(const sql::ResultSet& rs);

// Fills executors of `appeals` (in position order) with one query.
void LoadExecutors(Conn& c, std::vector<Appeal>& appeals);

std::optional<Appeal> FindAppealWhere(Conn& c, const std::string& where,
                                      const std::function<void(Binder&)>& bind);

std::string FinalStatusList();

// The body of UpdateAppeal inside the caller's transaction, so a concern that
// changes an appeal together with its own rows (a decided request, R15/R16)
// does both in one transaction. Refusals "stale" and "not_found" as
// UpdateAppeal, with nothing written; the caller then rolls back.
Result<Appeal> WriteAppeal(Conn& c, const Appeal& appeal, const AuditEntry& audit);

std::string NonFinalStatusList();

}  // namespace mysql_detail
}  // namespace vikno
