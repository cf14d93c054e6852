#include "store/mysql/mysql_internal.h"

namespace vikno {

using mysql_detail::Conn;
using mysql_detail::ResultSetPtr;
using mysql_detail::Binder;
using mysql_detail::Str;
using mysql_detail::OptStr;
using mysql_detail::Placeholders;
using mysql_detail::WithEntityId;
using mysql_detail::InsertAudit;

namespace {

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

}  // namespace

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

}  // namespace vikno
