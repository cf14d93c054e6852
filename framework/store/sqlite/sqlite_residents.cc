#include "store/sqlite/sqlite_internal.h"

namespace vikno {

using sqlite_detail::Statement;
using sqlite_detail::Transaction;
using sqlite_detail::InsertAudit;

namespace {

// --- Row mapping. Column lists and readers are kept side by side. ---

constexpr const char* kResidentColumns =
    "id, anonymous, name, phone, email, consent_given_at, consent_text_version, created_at";

Resident ReadResident(const Statement& s) {
  Resident r;
  r.id = s.Text(0);
  r.anonymous = s.Bool(1);
  if (!s.IsNull(2) || !s.IsNull(3) || !s.IsNull(4))
    r.identity = Identity{s.Text(2), s.Text(3), s.Text(4)};
  if (!s.IsNull(5)) r.consent = Consent{s.Time(5), s.Text(6)};
  r.created_at = s.Time(7);
  return r;
}

// Binds name, phone, email, consent_given_at, consent_text_version.
void BindPersonalData(Statement& s, const Resident& r) {
  if (r.identity) {
    s.Bind(r.identity->name).Bind(r.identity->phone).Bind(r.identity->email);
  } else {
    s.BindNull().BindNull().BindNull();
  }
  if (r.consent) {
    s.Bind(r.consent->given_at).Bind(r.consent->text_version);
  } else {
    s.BindNull().BindNull();
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Residents

void SqliteStore::CreateResident(const Resident& resident, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Statement s = w.Prepare(
      "INSERT INTO residents (id, anonymous, name, phone, email, consent_given_at, "
      "consent_text_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  s.Bind(resident.id).Bind(resident.anonymous);
  BindPersonalData(s, resident);
  s.Bind(resident.created_at).Run();
  AuditEntry e = audit;
  if (e.entity_id.empty()) e.entity_id = resident.id;
  InsertAudit(w, e);
  tx.Commit();
}

std::optional<Resident> SqliteStore::FindResident(const std::string& id) {
  ReadLease r = Read();
  Statement s =
      r->Prepare(std::string("SELECT ") + kResidentColumns + " FROM residents WHERE id = ?");
  s.Bind(id);
  if (!s.Step()) return std::nullopt;
  return ReadResident(s);
}

std::vector<Resident> SqliteStore::FindResidentsByPhone(const std::string& phone) {
  std::vector<Resident> out;
  if (phone.empty()) return out;  // erased or never given: not a phone to match
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kResidentColumns +
                           " FROM residents WHERE phone = ? ORDER BY created_at, id");
  s.Bind(phone);
  while (s.Step()) out.push_back(ReadResident(s));
  return out;
}

void SqliteStore::UpdateResident(const Resident& resident, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Statement s = w.Prepare(
      "UPDATE residents SET anonymous = ?, name = ?, phone = ?, email = ?, consent_given_at = ?, "
      "consent_text_version = ? WHERE id = ?");
  s.Bind(resident.anonymous);
  BindPersonalData(s, resident);
  if (s.Bind(resident.id).Run() == 0)
    throw StoreError("sqlite: no resident with id '" + resident.id + "' to update");
  AuditEntry e = audit;
  if (e.entity_id.empty()) e.entity_id = resident.id;
  InsertAudit(w, e);
  tx.Commit();
}

}  // namespace vikno
