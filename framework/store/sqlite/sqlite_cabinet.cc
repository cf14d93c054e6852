// The residents' web cabinet on SQLite (cabinet_store.h): accounts, one-time
// codes and sessions.
#include "store/sqlite/sqlite_internal.h"

namespace vikno {

using sqlite_detail::InsertAudit;
using sqlite_detail::Statement;
using sqlite_detail::Transaction;
using sqlite_detail::WithEntityId;

namespace {

constexpr const char* kAccountColumns =
    "id, login, login_kind, resident_id, password_hash, created_at, updated_at, erased_at";

CabinetAccount ReadAccount(const Statement& s) {
  CabinetAccount a;
  a.id = s.Int(0);
  a.login = s.IsNull(1) ? "" : s.Text(1);
  a.login_kind = s.Text(2);
  a.resident_id = s.Text(3);
  a.password_hash = s.Text(4);
  a.created_at = s.Time(5);
  a.updated_at = s.Time(6);
  a.erased_at = s.OptTime(7);
  return a;
}

constexpr const char* kCodeColumns =
    "login, salt, code_hash, failed_attempts, created_at, expires_at, sends_in_window, "
    "window_started_at";

constexpr const char* kSessionColumns =
    "token_hash, account_id, csrf_token, client_address, created_at, last_seen_at";

CabinetSession ReadSession(const Statement& s) {
  return CabinetSession{s.Text(0), s.Int(1), s.Text(2), s.Text(3), s.Time(4), s.Time(5)};
}

std::optional<CabinetAccount> LiveAccountOn(SqliteStore::Connection& c, int64_t id) {
  Statement s = c.Prepare(std::string("SELECT ") + kAccountColumns +
                          " FROM cabinet_accounts WHERE id = ? AND erased_at IS NULL");
  s.Bind(id);
  if (!s.Step()) return std::nullopt;
  return ReadAccount(s);
}

}  // namespace

void SqliteStore::SaveCabinetCode(const CabinetCode& code) {
  std::lock_guard lock(write_mutex_);
  writer_
      ->Prepare(std::string("INSERT OR REPLACE INTO cabinet_codes (") + kCodeColumns +
                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .Bind(code.login)
      .Bind(code.salt)
      .Bind(code.code_hash)
      .Bind(code.failed_attempts)
      .Bind(code.created_at)
      .Bind(code.expires_at)
      .Bind(code.sends_in_window)
      .Bind(code.window_started_at)
      .Run();
}

std::optional<CabinetCode> SqliteStore::FindCabinetCode(const std::string& login) {
  ReadLease r = Read();
  Statement s =
      r->Prepare(std::string("SELECT ") + kCodeColumns + " FROM cabinet_codes WHERE login = ?");
  s.Bind(login);
  if (!s.Step()) return std::nullopt;
  return CabinetCode{s.Text(0),     s.Text(1), s.Text(2),        static_cast<int>(s.Int(3)),
                     s.Time(4),     s.Time(5), static_cast<int>(s.Int(6)), s.Time(7)};
}

int SqliteStore::FailCabinetCode(const std::string& login) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  w.Prepare("UPDATE cabinet_codes SET failed_attempts = failed_attempts + 1 WHERE login = ?")
      .Bind(login)
      .Run();
  Statement s = w.Prepare("SELECT failed_attempts FROM cabinet_codes WHERE login = ?");
  s.Bind(login);
  const int n = s.Step() ? static_cast<int>(s.Int(0)) : 0;
  tx.Commit();
  return n;
}

void SqliteStore::SpendCabinetCode(const std::string& login) {
  std::lock_guard lock(write_mutex_);
  // An empty hash matches no code (a presented code's hash is never empty).
  writer_->Prepare("UPDATE cabinet_codes SET code_hash = '', expires_at = 0 WHERE login = ?")
      .Bind(login)
      .Run();
}

Result<CabinetAccount> SqliteStore::CreateCabinetAccount(const CabinetAccount& account,
                                                         const std::optional<Resident>& new_resident,
                                                         const Identity& identity,
                                                         const Consent& consent,
                                                         const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  {
    Statement taken = w.Prepare("SELECT 1 FROM cabinet_accounts WHERE login = ?");
    taken.Bind(account.login);
    if (taken.Step()) return Refuse("login_taken", "an account with this login exists");
  }
  if (new_resident) {
    w.Prepare(
         "INSERT INTO residents (id, anonymous, name, phone, email, consent_given_at, "
         "consent_text_version, created_at) VALUES (?, 0, ?, ?, ?, ?, ?, ?)")
        .Bind(new_resident->id)
        .Bind(identity.name)
        .Bind(identity.phone)
        .Bind(identity.email)
        .Bind(consent.given_at)
        .Bind(consent.text_version)
        .Bind(new_resident->created_at)
        .Run();
  } else {
    // A linked chat resident: their consent is now the cabinet's (R31), and
    // the verified contact fills a gap, never overwrites what they gave.
    const int changed =
        w.Prepare(
             "UPDATE residents SET consent_given_at = ?, consent_text_version = ?, "
             "name = CASE WHEN name IS NULL OR name = '' THEN ? ELSE name END, "
             "phone = CASE WHEN phone IS NULL OR phone = '' THEN ? ELSE phone END, "
             "email = CASE WHEN email IS NULL OR email = '' THEN ? ELSE email END, "
             "anonymous = 0 WHERE id = ?")
            .Bind(consent.given_at)
            .Bind(consent.text_version)
            .Bind(identity.name)
            .Bind(identity.phone)
            .Bind(identity.email)
            .Bind(account.resident_id)
            .Run();
    if (changed == 0) throw StoreError("sqlite: no resident " + account.resident_id);
  }
  const std::string resident_id = new_resident ? new_resident->id : account.resident_id;
  w.Prepare(
       "INSERT INTO cabinet_accounts (login, login_kind, resident_id, password_hash, "
       "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
      .Bind(account.login)
      .Bind(account.login_kind)
      .Bind(resident_id)
      .Bind(account.password_hash)
      .Bind(account.created_at)
      .Bind(account.updated_at)
      .Run();
  CabinetAccount created = account;
  created.id = sqlite3_last_insert_rowid(w.db());
  created.resident_id = resident_id;
  w.Prepare("UPDATE cabinet_codes SET code_hash = '', expires_at = 0 WHERE login = ?")
      .Bind(account.login)
      .Run();
  InsertAudit(w, WithEntityId(audit, created.id));
  tx.Commit();
  return created;
}

std::optional<CabinetAccount> SqliteStore::FindCabinetAccount(int64_t id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kAccountColumns +
                           " FROM cabinet_accounts WHERE id = ?");
  s.Bind(id);
  if (!s.Step()) return std::nullopt;
  return ReadAccount(s);
}

std::optional<CabinetAccount> SqliteStore::FindCabinetAccountByLogin(const std::string& login) {
  if (login.empty()) return std::nullopt;
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kAccountColumns +
                           " FROM cabinet_accounts WHERE login = ?");
  s.Bind(login);
  if (!s.Step()) return std::nullopt;
  return ReadAccount(s);
}

Result<Done> SqliteStore::SetCabinetPassword(int64_t account_id, const std::string& password_hash,
                                             const std::string& keep_session,
                                             const std::optional<AuditEntry>& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  auto account = LiveAccountOn(w, account_id);
  if (!account) return Refuse("not_found", "no account " + std::to_string(account_id));
  w.Prepare("UPDATE cabinet_accounts SET password_hash = ?, updated_at = ? WHERE id = ?")
      .Bind(password_hash)
      .Bind(audit ? audit->at : account->updated_at)
      .Bind(account_id)
      .Run();
  if (audit) {
    w.Prepare("DELETE FROM cabinet_sessions WHERE account_id = ? AND token_hash <> ?")
        .Bind(account_id)
        .Bind(keep_session)
        .Run();
    InsertAudit(w, WithEntityId(*audit, account_id));
  }
  tx.Commit();
  return Done{};
}

Result<Done> SqliteStore::SetCabinetName(int64_t account_id, const std::string& name,
                                         const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  auto account = LiveAccountOn(w, account_id);
  if (!account) return Refuse("not_found", "no account " + std::to_string(account_id));
  w.Prepare("UPDATE residents SET name = ? WHERE id = ?")
      .Bind(name)
      .Bind(account->resident_id)
      .Run();
  w.Prepare("UPDATE cabinet_accounts SET updated_at = ? WHERE id = ?")
      .Bind(audit.at)
      .Bind(account_id)
      .Run();
  InsertAudit(w, WithEntityId(audit, account_id));
  tx.Commit();
  return Done{};
}

Result<Done> SqliteStore::EraseCabinetAccount(int64_t account_id, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  auto account = LiveAccountOn(w, account_id);
  if (!account) return Refuse("not_found", "no account " + std::to_string(account_id));
  w.Prepare("DELETE FROM cabinet_sessions WHERE account_id = ?").Bind(account_id).Run();
  w.Prepare("DELETE FROM cabinet_codes WHERE login = ?").Bind(account->login).Run();
  w.Prepare(
       "DELETE FROM resident_channels WHERE resident_id = ? AND channel IN ('email', 'sms') "
       "AND chat_id = ?")
      .Bind(account->resident_id)
      .Bind(account->login)
      .Run();
  w.Prepare("UPDATE residents SET name = NULL, phone = NULL, email = NULL WHERE id = ?")
      .Bind(account->resident_id)
      .Run();
  w.Prepare(
       "UPDATE cabinet_accounts SET login = NULL, password_hash = '', updated_at = ?, "
       "erased_at = ? WHERE id = ?")
      .Bind(audit.at)
      .Bind(audit.at)
      .Bind(account_id)
      .Run();
  InsertAudit(w, WithEntityId(audit, account_id));
  tx.Commit();
  return Done{};
}

void SqliteStore::CreateCabinetSession(const CabinetSession& session, const std::string& replaces,
                                       const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  if (!replaces.empty())
    w.Prepare("DELETE FROM cabinet_sessions WHERE token_hash = ?").Bind(replaces).Run();
  w.Prepare(std::string("INSERT INTO cabinet_sessions (") + kSessionColumns +
            ") VALUES (?, ?, ?, ?, ?, ?)")
      .Bind(session.token_hash)
      .Bind(session.account_id)
      .Bind(session.csrf_token)
      .Bind(session.client_address)
      .Bind(session.created_at)
      .Bind(session.last_seen_at)
      .Run();
  InsertAudit(w, WithEntityId(audit, session.account_id));
  tx.Commit();
}

std::optional<CabinetSession> SqliteStore::FindCabinetSession(const std::string& token_hash) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kSessionColumns +
                           " FROM cabinet_sessions WHERE token_hash = ?");
  s.Bind(token_hash);
  if (!s.Step()) return std::nullopt;
  return ReadSession(s);
}

void SqliteStore::TouchCabinetSession(const std::string& token_hash, Timestamp at) {
  std::lock_guard lock(write_mutex_);
  writer_->Prepare("UPDATE cabinet_sessions SET last_seen_at = ? WHERE token_hash = ?")
      .Bind(at)
      .Bind(token_hash)
      .Run();
}

bool SqliteStore::DeleteCabinetSession(const std::string& token_hash,
                                       const std::optional<AuditEntry>& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  const bool existed =
      w.Prepare("DELETE FROM cabinet_sessions WHERE token_hash = ?").Bind(token_hash).Run() > 0;
  if (audit) InsertAudit(w, *audit);
  tx.Commit();
  return existed;
}

std::vector<CabinetSession> SqliteStore::ListCabinetSessions(int64_t account_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kSessionColumns +
                           " FROM cabinet_sessions WHERE account_id = ? ORDER BY created_at");
  s.Bind(account_id);
  std::vector<CabinetSession> out;
  while (s.Step()) out.push_back(ReadSession(s));
  return out;
}

int64_t SqliteStore::PurgeCabinetSessions(Timestamp idle_before, Timestamp created_before) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  const int64_t n =
      w.Prepare("DELETE FROM cabinet_sessions WHERE last_seen_at < ? OR created_at < ?")
          .Bind(idle_before)
          .Bind(created_before)
          .Run();
  w.Prepare("DELETE FROM cabinet_codes WHERE expires_at < ? AND window_started_at < ?")
      .Bind(created_before)
      .Bind(created_before)
      .Run();
  tx.Commit();
  return n;
}

}  // namespace vikno
