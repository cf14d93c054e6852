// Staff accounts, sessions and the login throttle on SQLite (account_store.h).
#include "store/sqlite/sqlite_internal.h"

namespace vikno {

using sqlite_detail::InsertAudit;
using sqlite_detail::Statement;
using sqlite_detail::Transaction;
using sqlite_detail::WithEntityId;

namespace {

constexpr const char* kUserColumns =
    "id, login, name, role, services, password_hash, active, created_at, updated_at";

// Services are kept comma-joined: executor ids are slugs, checked against the
// executors table by the caller before they are written.
std::string JoinServices(const std::vector<std::string>& services) {
  std::string out;
  for (const auto& s : services) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<std::string> SplitServices(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find(',', i);
    if (j == std::string::npos) j = text.size();
    if (j > i) out.push_back(text.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

StaffUser ReadUser(const Statement& s) {
  StaffUser u;
  u.id = s.Int(0);
  u.login = s.Text(1);
  u.name = s.Text(2);
  u.role = s.Text(3);
  u.services = SplitServices(s.Text(4));
  u.password_hash = s.Text(5);
  u.active = s.Bool(6);
  u.created_at = s.Time(7);
  u.updated_at = s.Time(8);
  return u;
}

constexpr const char* kSessionColumns =
    "token_hash, user_id, csrf_token, client_address, created_at, last_seen_at, stage";

StaffSession ReadSession(const Statement& s) {
  return StaffSession{s.Text(0), s.Int(1), s.Text(2), s.Text(3), s.Time(4), s.Time(5), s.Text(6)};
}

std::optional<StaffUser> FindUserOn(SqliteStore::Connection& c, int64_t id) {
  Statement s = c.Prepare(std::string("SELECT ") + kUserColumns + " FROM staff_users WHERE id = ?");
  s.Bind(id);
  if (!s.Step()) return std::nullopt;
  return ReadUser(s);
}

}  // namespace

Result<StaffUser> SqliteStore::CreateUser(const StaffUser& user, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  {
    Statement taken = w.Prepare("SELECT 1 FROM staff_users WHERE login = ?");
    taken.Bind(user.login);
    if (taken.Step()) return Refuse("login_taken", "the login '" + user.login + "' is taken");
  }
  w.Prepare(
       "INSERT INTO staff_users (login, name, role, services, password_hash, active, "
       "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .Bind(user.login)
      .Bind(user.name)
      .Bind(user.role)
      .Bind(JoinServices(user.services))
      .Bind(user.password_hash)
      .Bind(user.active)
      .Bind(user.created_at)
      .Bind(user.updated_at)
      .Run();
  StaffUser created = user;
  created.id = sqlite3_last_insert_rowid(w.db());
  InsertAudit(w, WithEntityId(audit, created.id));
  tx.Commit();
  return created;
}

std::optional<StaffUser> SqliteStore::FindUser(int64_t id) {
  ReadLease r = Read();
  return FindUserOn(*r, id);
}

std::optional<StaffUser> SqliteStore::FindUserByLogin(const std::string& login) {
  ReadLease r = Read();
  Statement s =
      r->Prepare(std::string("SELECT ") + kUserColumns + " FROM staff_users WHERE login = ?");
  s.Bind(login);
  if (!s.Step()) return std::nullopt;
  return ReadUser(s);
}

std::vector<StaffUser> SqliteStore::ListUsers() {
  ReadLease r = Read();
  Statement s =
      r->Prepare(std::string("SELECT ") + kUserColumns + " FROM staff_users ORDER BY login");
  std::vector<StaffUser> out;
  while (s.Step()) out.push_back(ReadUser(s));
  return out;
}

int64_t SqliteStore::CountUsers() {
  ReadLease r = Read();
  Statement s = r->Prepare("SELECT COUNT(*) FROM staff_users");
  return s.Step() ? s.Int(0) : 0;
}

Result<StaffUser> SqliteStore::UpdateUser(const StaffUser& user, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  const int changed = w.Prepare(
                           "UPDATE staff_users SET name = ?, role = ?, services = ?, active = ?, "
                           "updated_at = ? WHERE id = ?")
                          .Bind(user.name)
                          .Bind(user.role)
                          .Bind(JoinServices(user.services))
                          .Bind(user.active)
                          .Bind(user.updated_at)
                          .Bind(user.id)
                          .Run();
  if (changed == 0) return Refuse("not_found", "no user " + std::to_string(user.id));
  if (!user.active) w.Prepare("DELETE FROM staff_sessions WHERE user_id = ?").Bind(user.id).Run();
  InsertAudit(w, WithEntityId(audit, user.id));
  auto stored = FindUserOn(w, user.id);
  tx.Commit();
  return *stored;
}

Result<Done> SqliteStore::SetPasswordHash(int64_t user_id, const std::string& password_hash,
                                          const std::string& keep_session,
                                          const std::optional<AuditEntry>& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  const int changed = w.Prepare("UPDATE staff_users SET password_hash = ? WHERE id = ?")
                          .Bind(password_hash)
                          .Bind(user_id)
                          .Run();
  if (changed == 0) return Refuse("not_found", "no user " + std::to_string(user_id));
  if (audit) {
    w.Prepare("DELETE FROM staff_sessions WHERE user_id = ? AND token_hash <> ?")
        .Bind(user_id)
        .Bind(keep_session)
        .Run();
    InsertAudit(w, WithEntityId(*audit, user_id));
  }
  tx.Commit();
  return Done{};
}

void SqliteStore::CreateSession(const StaffSession& session, const std::string& replaces,
                                const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  if (!replaces.empty())
    w.Prepare("DELETE FROM staff_sessions WHERE token_hash = ?").Bind(replaces).Run();
  w.Prepare(std::string("INSERT INTO staff_sessions (") + kSessionColumns +
            ") VALUES (?, ?, ?, ?, ?, ?, ?)")
      .Bind(session.token_hash)
      .Bind(session.user_id)
      .Bind(session.csrf_token)
      .Bind(session.client_address)
      .Bind(session.created_at)
      .Bind(session.last_seen_at)
      .Bind(session.stage)
      .Run();
  InsertAudit(w, WithEntityId(audit, session.user_id));
  tx.Commit();
}

std::optional<StaffSession> SqliteStore::FindSession(const std::string& token_hash) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kSessionColumns +
                           " FROM staff_sessions WHERE token_hash = ?");
  s.Bind(token_hash);
  if (!s.Step()) return std::nullopt;
  return ReadSession(s);
}

void SqliteStore::TouchSession(const std::string& token_hash, Timestamp at) {
  std::lock_guard lock(write_mutex_);
  writer_->Prepare("UPDATE staff_sessions SET last_seen_at = ? WHERE token_hash = ?")
      .Bind(at)
      .Bind(token_hash)
      .Run();
}

bool SqliteStore::DeleteSession(const std::string& token_hash,
                                const std::optional<AuditEntry>& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  const bool existed =
      w.Prepare("DELETE FROM staff_sessions WHERE token_hash = ?").Bind(token_hash).Run() > 0;
  if (audit) InsertAudit(w, *audit);
  tx.Commit();
  return existed;
}

std::vector<StaffSession> SqliteStore::ListSessionsOfUser(int64_t user_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kSessionColumns +
                           " FROM staff_sessions WHERE user_id = ? ORDER BY created_at");
  s.Bind(user_id);
  std::vector<StaffSession> out;
  while (s.Step()) out.push_back(ReadSession(s));
  return out;
}

int64_t SqliteStore::PurgeSessions(Timestamp idle_before, Timestamp created_before) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  const int removed =
      w.Prepare("DELETE FROM staff_sessions WHERE last_seen_at < ? OR created_at < ?")
          .Bind(idle_before)
          .Bind(created_before)
          .Run();
  w.Prepare(
       "DELETE FROM login_throttle WHERE last_failure_at < ? AND "
       "(blocked_until IS NULL OR blocked_until < ?)")
      .Bind(created_before)
      .Bind(created_before)
      .Run();
  tx.Commit();
  return removed;
}

std::optional<LoginThrottle> SqliteStore::FindThrottle(const std::string& key) {
  ReadLease r = Read();
  Statement s = r->Prepare(
      "SELECT throttle_key, failures, last_failure_at, blocked_until FROM login_throttle "
      "WHERE throttle_key = ?");
  s.Bind(key);
  if (!s.Step()) return std::nullopt;
  return LoginThrottle{s.Text(0), static_cast<int>(s.Int(1)), s.Time(2), s.OptTime(3)};
}

void SqliteStore::SaveThrottles(const std::vector<LoginThrottle>& throttles,
                                const std::vector<AuditEntry>& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  for (const auto& t : throttles) {
    w.Prepare(
         "INSERT INTO login_throttle (throttle_key, failures, last_failure_at, blocked_until) "
         "VALUES (?, ?, ?, ?) ON CONFLICT (throttle_key) DO UPDATE SET "
         "failures = excluded.failures, last_failure_at = excluded.last_failure_at, "
         "blocked_until = excluded.blocked_until")
        .Bind(t.key)
        .Bind(t.failures)
        .Bind(t.last_failure_at)
        .Bind(t.blocked_until)
        .Run();
  }
  for (const auto& a : audit) InsertAudit(w, a);
  tx.Commit();
}

void SqliteStore::ClearThrottle(const std::string& key) {
  std::lock_guard lock(write_mutex_);
  writer_->Prepare("DELETE FROM login_throttle WHERE throttle_key = ?").Bind(key).Run();
}

// --- Second factor (B10) ---

std::optional<StaffTwoFactor> SqliteStore::FindTwoFactor(int64_t user_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(
      "SELECT user_id, sealed_secret, enabled, last_step, created_at, enabled_at "
      "FROM staff_two_factor WHERE user_id = ?");
  s.Bind(user_id);
  if (!s.Step()) return std::nullopt;
  return StaffTwoFactor{s.Int(0), s.Text(1), s.Bool(2), s.Int(3), s.Time(4), s.OptTime(5)};
}

Result<Done> SqliteStore::BeginTwoFactor(int64_t user_id, const std::string& sealed_secret,
                                         Timestamp at, const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  {
    Statement enabled = w.Prepare("SELECT enabled FROM staff_two_factor WHERE user_id = ?");
    enabled.Bind(user_id);
    if (enabled.Step() && enabled.Bool(0))
      return Refuse("already_enabled", "the second factor is already enabled");
  }
  w.Prepare(
       "INSERT INTO staff_two_factor (user_id, sealed_secret, enabled, last_step, created_at) "
       "VALUES (?, ?, 0, 0, ?) ON CONFLICT (user_id) DO UPDATE SET "
       "sealed_secret = excluded.sealed_secret, created_at = excluded.created_at, last_step = 0")
      .Bind(user_id)
      .Bind(sealed_secret)
      .Bind(at)
      .Run();
  InsertAudit(w, WithEntityId(audit, user_id));
  tx.Commit();
  return Done{};
}

Result<Done> SqliteStore::EnableTwoFactor(int64_t user_id, int64_t step,
                                          const std::vector<std::string>& recovery_hashes,
                                          const std::string& keep_session, Timestamp at,
                                          const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  const int changed = w.Prepare(
                           "UPDATE staff_two_factor SET enabled = 1, last_step = ?, enabled_at = ? "
                           "WHERE user_id = ? AND enabled = 0")
                          .Bind(step)
                          .Bind(at)
                          .Bind(user_id)
                          .Run();
  if (changed == 0) return Refuse("not_pending", "no enrolment is waiting for its first code");
  w.Prepare("DELETE FROM staff_recovery_codes WHERE user_id = ?").Bind(user_id).Run();
  for (const auto& hash : recovery_hashes) {
    w.Prepare("INSERT INTO staff_recovery_codes (user_id, code_hash) VALUES (?, ?)")
        .Bind(user_id)
        .Bind(hash)
        .Run();
  }
  w.Prepare("DELETE FROM staff_sessions WHERE user_id = ? AND token_hash <> ?")
      .Bind(user_id)
      .Bind(keep_session)
      .Run();
  InsertAudit(w, WithEntityId(audit, user_id));
  tx.Commit();
  return Done{};
}

bool SqliteStore::UseTotpStep(int64_t user_id, int64_t step) {
  std::lock_guard lock(write_mutex_);
  return writer_
             ->Prepare(
                 "UPDATE staff_two_factor SET last_step = ? "
                 "WHERE user_id = ? AND enabled = 1 AND last_step < ?")
             .Bind(step)
             .Bind(user_id)
             .Bind(step)
             .Run() == 1;
}

std::vector<RecoveryCode> SqliteStore::ListRecoveryCodes(int64_t user_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(
      "SELECT id, code_hash FROM staff_recovery_codes WHERE user_id = ? AND used_at IS NULL "
      "ORDER BY id");
  s.Bind(user_id);
  std::vector<RecoveryCode> out;
  while (s.Step()) out.push_back(RecoveryCode{s.Int(0), s.Text(1)});
  return out;
}

bool SqliteStore::UseRecoveryCode(int64_t user_id, int64_t code_id, Timestamp at,
                                  const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  const int changed = w.Prepare(
                           "UPDATE staff_recovery_codes SET used_at = ? "
                           "WHERE id = ? AND user_id = ? AND used_at IS NULL")
                          .Bind(at)
                          .Bind(code_id)
                          .Bind(user_id)
                          .Run();
  if (changed == 0) return false;
  InsertAudit(w, WithEntityId(audit, user_id));
  tx.Commit();
  return true;
}

Result<Done> SqliteStore::DeleteTwoFactor(int64_t user_id, const std::string& keep_session,
                                          const AuditEntry& audit) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  const int changed =
      w.Prepare("DELETE FROM staff_two_factor WHERE user_id = ?").Bind(user_id).Run();
  if (changed == 0) return Refuse("not_found", "no second factor is set up");
  w.Prepare("DELETE FROM staff_recovery_codes WHERE user_id = ?").Bind(user_id).Run();
  w.Prepare("DELETE FROM staff_sessions WHERE user_id = ? AND token_hash <> ?")
      .Bind(user_id)
      .Bind(keep_session)
      .Run();
  InsertAudit(w, WithEntityId(audit, user_id));
  tx.Commit();
  return Done{};
}

}  // namespace vikno
