// desk_store.h on MySQL/MariaDB: the knowledge base, consultations (R8, R13)
// and the directory's contacts (R8).
#include "store/mysql/mysql_internal.h"

namespace vikno {

using mysql_detail::Binder;
using mysql_detail::Conn;
using mysql_detail::InsertAudit;
using mysql_detail::LastInsertId;
using mysql_detail::OptInt;
using mysql_detail::ResultSetPtr;
using mysql_detail::Str;
using mysql_detail::WithEntityId;

namespace {

std::string JoinTags(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) {
    if (!out.empty()) out += '\n';
    out += t;
  }
  return out;
}

std::vector<std::string> SplitTags(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string::npos) j = text.size();
    if (j > i) out.push_back(text.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

constexpr const char* kKbCols = "id, title, body, tags, state_body, updated_by, updated_at";

KbEntry ReadKb(const sql::ResultSet& rs) {
  KbEntry e;
  e.id = rs.getInt64(1);
  e.title = Str(rs, 2);
  e.body = Str(rs, 3);
  e.tags = SplitTags(Str(rs, 4));
  e.state_body = Str(rs, 5);
  e.updated_by = Str(rs, 6);
  e.updated_at = FromUnix(rs.getInt64(7));
  return e;
}

constexpr const char* kConsultationCols =
    "id, resident_id, phone, kb_id, note, recorded_by, recorded_at";

Consultation ReadConsultation(const sql::ResultSet& rs) {
  Consultation c;
  c.id = rs.getInt64(1);
  c.resident_id = Str(rs, 2);
  c.phone = Str(rs, 3);
  c.kb_id = OptInt(rs, 4);
  c.note = Str(rs, 5);
  c.recorded_by = Str(rs, 6);
  c.recorded_at = FromUnix(rs.getInt64(7));
  return c;
}

}  // namespace

KbEntry MysqlStore::AddKbEntry(const KbEntry& entry, const AuditEntry& audit) {
  KbEntry out = entry;
  pool_->Transact("add knowledge base entry", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO kb_entries (title, body, tags, state_body, updated_by, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Str(entry.title)
        .Str(entry.body)
        .Str(JoinTags(entry.tags))
        .Str(entry.state_body)
        .Str(entry.updated_by)
        .Time(entry.updated_at);
    st.executeUpdate();
    out.id = LastInsertId(c);
    InsertAudit(c, WithEntityId(audit, std::to_string(out.id)));
  });
  return out;
}

bool MysqlStore::UpdateKbEntry(const KbEntry& entry, const AuditEntry& audit) {
  bool found = false;
  pool_->Transact("update knowledge base entry", [&](Conn& c) {
    // Found, not changed: MySQL counts an UPDATE to identical values as 0 rows.
    auto& lock = c.Prepare("SELECT id FROM kb_entries WHERE id = ? FOR UPDATE");
    Binder(lock).Int(entry.id);
    ResultSetPtr rs(lock.executeQuery());
    if (!rs->next()) return;
    found = true;
    auto& st = c.Prepare(
        "UPDATE kb_entries SET title = ?, body = ?, tags = ?, state_body = ?, updated_by = ?, "
        "updated_at = ? WHERE id = ?");
    Binder(st)
        .Str(entry.title)
        .Str(entry.body)
        .Str(JoinTags(entry.tags))
        .Str(entry.state_body)
        .Str(entry.updated_by)
        .Time(entry.updated_at)
        .Int(entry.id);
    st.executeUpdate();
    InsertAudit(c, audit);
  });
  return found;
}

bool MysqlStore::DeleteKbEntry(int64_t id, const AuditEntry& audit) {
  bool found = false;
  pool_->Transact("delete knowledge base entry", [&](Conn& c) {
    auto& st = c.Prepare("DELETE FROM kb_entries WHERE id = ?");
    Binder(st).Int(id);
    if (st.executeUpdate() == 0) return;
    found = true;
    InsertAudit(c, audit);
  });
  return found;
}

std::optional<KbEntry> MysqlStore::FindKbEntry(int64_t id) {
  std::optional<KbEntry> out;
  pool_->Run("find knowledge base entry", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kKbCols + " FROM kb_entries WHERE id = ?");
    Binder(st).Int(id);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = ReadKb(*rs);
  });
  return out;
}

std::vector<KbEntry> MysqlStore::ListKbEntries() {
  std::vector<KbEntry> out;
  pool_->Run("list knowledge base", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kKbCols +
                         " FROM kb_entries ORDER BY title COLLATE utf8mb4_bin, id");
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(ReadKb(*rs));
  });
  return out;
}

Consultation MysqlStore::AddConsultation(const Consultation& consultation,
                                         const AuditEntry& audit) {
  Consultation out = consultation;
  pool_->Transact("add consultation", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO consultations (resident_id, phone, kb_id, note, recorded_by, recorded_at) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Str(consultation.resident_id)
        .Str(consultation.phone)
        .OptInt(consultation.kb_id)
        .Str(consultation.note)
        .Str(consultation.recorded_by)
        .Time(consultation.recorded_at);
    st.executeUpdate();
    out.id = LastInsertId(c);
    InsertAudit(c, WithEntityId(audit, std::to_string(out.id)));
  });
  return out;
}

std::vector<Consultation> MysqlStore::ListConsultations(const std::string& phone,
                                                        const std::string& resident_id,
                                                        int limit) {
  std::vector<Consultation> out;
  const bool by_phone = !phone.empty();
  pool_->Run("list consultations", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kConsultationCols + " FROM consultations WHERE " +
                         (by_phone ? "phone = ?" : "resident_id = ?") + " ORDER BY id DESC LIMIT ?");
    Binder(st).Str(by_phone ? phone : resident_id).Int(limit);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(ReadConsultation(*rs));
  });
  return out;
}

bool MysqlStore::UpdateExecutorContacts(const std::string& executor_id, const std::string& phone,
                                        const std::string& email, const std::string& head,
                                        const AuditEntry& audit) {
  bool found = false;
  pool_->Transact("update executor contacts", [&](Conn& c) {
    auto& lock = c.Prepare("SELECT id FROM executors WHERE id = ? FOR UPDATE");
    Binder(lock).Str(executor_id);
    ResultSetPtr rs(lock.executeQuery());
    if (!rs->next()) return;
    found = true;
    auto& st = c.Prepare(
        "UPDATE executors SET phone = ?, email = ?, head = ?, contacts_edited_at = ? WHERE id = ?");
    Binder(st).Str(phone).Str(email).Str(head).Time(audit.at).Str(executor_id);
    st.executeUpdate();
    InsertAudit(c, audit);
  });
  return found;
}

}  // namespace vikno
