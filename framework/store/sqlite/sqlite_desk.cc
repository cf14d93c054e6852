// desk_store.h on SQLite: the knowledge base, consultations (R8, R13) and the
// directory's contacts (R8).
#include "store/sqlite/sqlite_internal.h"

namespace vikno {

using sqlite_detail::InsertAudit;
using sqlite_detail::Statement;
using sqlite_detail::Transaction;
using sqlite_detail::WithEntityId;

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

constexpr const char* kKbColumns = "id, title, body, tags, state_body, updated_by, updated_at";

KbEntry ReadKb(const Statement& s) {
  KbEntry e;
  e.id = s.Int(0);
  e.title = s.Text(1);
  e.body = s.Text(2);
  e.tags = SplitTags(s.Text(3));
  e.state_body = s.Text(4);
  e.updated_by = s.Text(5);
  e.updated_at = s.Time(6);
  return e;
}

constexpr const char* kConsultationColumns =
    "id, resident_id, phone, kb_id, note, recorded_by, recorded_at";

Consultation ReadConsultation(const Statement& s) {
  Consultation c;
  c.id = s.Int(0);
  c.resident_id = s.Text(1);
  c.phone = s.Text(2);
  c.kb_id = s.OptInt(3);
  c.note = s.Text(4);
  c.recorded_by = s.Text(5);
  c.recorded_at = s.Time(6);
  return c;
}

}  // namespace

KbEntry SqliteStore::AddKbEntry(const KbEntry& entry, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Statement s = w.Prepare(
      "INSERT INTO kb_entries (title, body, tags, state_body, updated_by, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  s.Bind(entry.title)
      .Bind(entry.body)
      .Bind(JoinTags(entry.tags))
      .Bind(entry.state_body)
      .Bind(entry.updated_by)
      .Bind(entry.updated_at)
      .Run();
  KbEntry out = entry;
  out.id = sqlite3_last_insert_rowid(w.db());
  InsertAudit(w, WithEntityId(audit, out.id));
  tx.Commit();
  return out;
}

bool SqliteStore::UpdateKbEntry(const KbEntry& entry, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Statement s = w.Prepare(
      "UPDATE kb_entries SET title = ?, body = ?, tags = ?, state_body = ?, updated_by = ?, "
      "updated_at = ? WHERE id = ?");
  const int changed = s.Bind(entry.title)
                          .Bind(entry.body)
                          .Bind(JoinTags(entry.tags))
                          .Bind(entry.state_body)
                          .Bind(entry.updated_by)
                          .Bind(entry.updated_at)
                          .Bind(entry.id)
                          .Run();
  if (changed == 0) return false;
  InsertAudit(w, audit);
  tx.Commit();
  return true;
}

bool SqliteStore::DeleteKbEntry(int64_t id, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Statement s = w.Prepare("DELETE FROM kb_entries WHERE id = ?");
  if (s.Bind(id).Run() == 0) return false;
  InsertAudit(w, audit);
  tx.Commit();
  return true;
}

std::optional<KbEntry> SqliteStore::FindKbEntry(int64_t id) {
  ReadLease r = Read();
  Statement s =
      r->Prepare(std::string("SELECT ") + kKbColumns + " FROM kb_entries WHERE id = ?");
  s.Bind(id);
  if (!s.Step()) return std::nullopt;
  return ReadKb(s);
}

std::vector<KbEntry> SqliteStore::ListKbEntries() {
  ReadLease r = Read();
  Statement s =
      r->Prepare(std::string("SELECT ") + kKbColumns + " FROM kb_entries ORDER BY title, id");
  std::vector<KbEntry> out;
  while (s.Step()) out.push_back(ReadKb(s));
  return out;
}

Consultation SqliteStore::AddConsultation(const Consultation& consultation,
                                          const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Statement s = w.Prepare(
      "INSERT INTO consultations (resident_id, phone, kb_id, note, recorded_by, recorded_at) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  s.Bind(consultation.resident_id)
      .Bind(consultation.phone)
      .Bind(consultation.kb_id)
      .Bind(consultation.note)
      .Bind(consultation.recorded_by)
      .Bind(consultation.recorded_at)
      .Run();
  Consultation out = consultation;
  out.id = sqlite3_last_insert_rowid(w.db());
  InsertAudit(w, WithEntityId(audit, out.id));
  tx.Commit();
  return out;
}

std::vector<Consultation> SqliteStore::ListConsultations(const std::string& phone,
                                                         const std::string& resident_id,
                                                         int limit) {
  ReadLease r = Read();
  const bool by_phone = !phone.empty();
  Statement s = r->Prepare(std::string("SELECT ") + kConsultationColumns +
                           " FROM consultations WHERE " +
                           (by_phone ? "phone = ?" : "resident_id = ?") +
                           " ORDER BY id DESC LIMIT ?");
  s.Bind(by_phone ? phone : resident_id).Bind(static_cast<int64_t>(limit));
  std::vector<Consultation> out;
  while (s.Step()) out.push_back(ReadConsultation(s));
  return out;
}

bool SqliteStore::UpdateExecutorContacts(const std::string& executor_id, const std::string& phone,
                                         const std::string& email, const std::string& head,
                                         const AuditEntry& audit) {
  {
    std::lock_guard lock(write_mutex_);
    Connection& w = *writer_;
    Transaction tx(w);
    Statement s = w.Prepare(
        "UPDATE executors SET phone = ?, email = ?, head = ?, contacts_edited_at = ? WHERE id = ?");
    if (s.Bind(phone).Bind(email).Bind(head).Bind(audit.at).Bind(executor_id).Run() == 0)
      return false;
    InsertAudit(w, audit);
    tx.Commit();
  }
  DropCatalogCache();  // the executors' list is cached (sqlite_store.h)
  return true;
}

}  // namespace vikno
