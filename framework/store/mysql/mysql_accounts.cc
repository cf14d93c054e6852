// Staff accounts, sessions and the login throttle on MySQL/MariaDB
// (account_store.h).
#include "store/mysql/mysql_internal.h"

namespace vikno {

using mysql_detail::Binder;
using mysql_detail::Conn;
using mysql_detail::InsertAudit;
using mysql_detail::LastInsertId;
using mysql_detail::OptTime;
using mysql_detail::ResultSetPtr;
using mysql_detail::Str;
using mysql_detail::WithEntityId;

namespace {

constexpr const char* kUserCols =
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

StaffUser ReadUser(const sql::ResultSet& rs) {
  StaffUser u;
  u.id = rs.getInt64(1);
  u.login = Str(rs, 2);
  u.name = Str(rs, 3);
  u.role = Str(rs, 4);
  u.services = SplitServices(Str(rs, 5));
  u.password_hash = Str(rs, 6);
  u.active = rs.getInt(7) != 0;
  u.created_at = FromUnix(rs.getInt64(8));
  u.updated_at = FromUnix(rs.getInt64(9));
  return u;
}

constexpr const char* kSessionCols =
    "token_hash, user_id, csrf_token, client_address, created_at, last_seen_at, stage";

StaffSession ReadSession(const sql::ResultSet& rs) {
  return StaffSession{Str(rs, 1), rs.getInt64(2),           Str(rs, 3),
                      Str(rs, 4), FromUnix(rs.getInt64(5)), FromUnix(rs.getInt64(6)),
                      Str(rs, 7)};
}

void DeleteOtherSessions(Conn& c, int64_t user_id, const std::string& keep_session) {
  auto& st = c.Prepare("DELETE FROM staff_sessions WHERE user_id = ? AND token_hash <> ?");
  Binder(st).Int(user_id).Str(keep_session);
  st.executeUpdate();
}

std::optional<StaffUser> FindUserWhere(Conn& c, const std::string& where,
                                       const std::function<void(Binder&)>& bind) {
  auto& st = c.Prepare(std::string("SELECT ") + kUserCols + " FROM staff_users WHERE " + where);
  Binder b(st);
  bind(b);
  ResultSetPtr rs(st.executeQuery());
  if (!rs->next()) return std::nullopt;
  return ReadUser(*rs);
}

}  // namespace

Result<StaffUser> MysqlStore::CreateUser(const StaffUser& user, const AuditEntry& audit) {
  std::optional<Refusal> refused;
  StaffUser created = user;
  pool_->Transact("create user", [&](Conn& c) {
    if (FindUserWhere(c, "login = ? FOR UPDATE", [&](Binder& b) { b.Str(user.login); })) {
      refused = Refuse("login_taken", "the login '" + user.login + "' is taken");
      return;
    }
    auto& st = c.Prepare(
        "INSERT INTO staff_users (login, name, role, services, password_hash, active, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Str(user.login)
        .Str(user.name)
        .Str(user.role)
        .Str(JoinServices(user.services))
        .Str(user.password_hash)
        .Bool(user.active)
        .Time(user.created_at)
        .Time(user.updated_at);
    st.executeUpdate();
    created.id = LastInsertId(c);
    InsertAudit(c, WithEntityId(audit, std::to_string(created.id)));
  });
  if (refused) return *refused;
  return created;
}

std::optional<StaffUser> MysqlStore::FindUser(int64_t id) {
  std::optional<StaffUser> out;
  pool_->Run("find user",
             [&](Conn& c) { out = FindUserWhere(c, "id = ?", [&](Binder& b) { b.Int(id); }); });
  return out;
}

std::optional<StaffUser> MysqlStore::FindUserByLogin(const std::string& login) {
  std::optional<StaffUser> out;
  pool_->Run("find user by login", [&](Conn& c) {
    out = FindUserWhere(c, "login = ?", [&](Binder& b) { b.Str(login); });
  });
  return out;
}

std::vector<StaffUser> MysqlStore::ListUsers() {
  std::vector<StaffUser> out;
  pool_->Run("list users", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kUserCols + " FROM staff_users ORDER BY login");
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(ReadUser(*rs));
  });
  return out;
}

int64_t MysqlStore::CountUsers() {
  int64_t n = 0;
  pool_->Run("count users", [&](Conn& c) {
    ResultSetPtr rs(c.Prepare("SELECT COUNT(*) FROM staff_users").executeQuery());
    if (rs->next()) n = rs->getInt64(1);
  });
  return n;
}

Result<StaffUser> MysqlStore::UpdateUser(const StaffUser& user, const AuditEntry& audit) {
  std::optional<StaffUser> stored;
  pool_->Transact("update user", [&](Conn& c) {
    if (!FindUserWhere(c, "id = ? FOR UPDATE", [&](Binder& b) { b.Int(user.id); })) return;
    auto& st = c.Prepare(
        "UPDATE staff_users SET name = ?, role = ?, services = ?, active = ?, updated_at = ? "
        "WHERE id = ?");
    Binder(st)
        .Str(user.name)
        .Str(user.role)
        .Str(JoinServices(user.services))
        .Bool(user.active)
        .Time(user.updated_at)
        .Int(user.id);
    st.executeUpdate();
    if (!user.active) {
      auto& del = c.Prepare("DELETE FROM staff_sessions WHERE user_id = ?");
      Binder(del).Int(user.id);
      del.executeUpdate();
    }
    InsertAudit(c, WithEntityId(audit, std::to_string(user.id)));
    stored = FindUserWhere(c, "id = ?", [&](Binder& b) { b.Int(user.id); });
  });
  if (!stored) return Refuse("not_found", "no user " + std::to_string(user.id));
  return *stored;
}

Result<Done> MysqlStore::SetPasswordHash(int64_t user_id, const std::string& password_hash,
                                         const std::string& keep_session,
                                         const std::optional<AuditEntry>& audit) {
  bool found = false;
  pool_->Transact("set password", [&](Conn& c) {
    if (!FindUserWhere(c, "id = ? FOR UPDATE", [&](Binder& b) { b.Int(user_id); })) return;
    found = true;
    auto& st = c.Prepare("UPDATE staff_users SET password_hash = ? WHERE id = ?");
    Binder(st).Str(password_hash).Int(user_id);
    st.executeUpdate();
    if (audit) {
      auto& del = c.Prepare("DELETE FROM staff_sessions WHERE user_id = ? AND token_hash <> ?");
      Binder(del).Int(user_id).Str(keep_session);
      del.executeUpdate();
      InsertAudit(c, WithEntityId(*audit, std::to_string(user_id)));
    }
  });
  if (!found) return Refuse("not_found", "no user " + std::to_string(user_id));
  return Done{};
}

void MysqlStore::CreateSession(const StaffSession& session, const std::string& replaces,
                               const AuditEntry& audit) {
  pool_->Transact("create session", [&](Conn& c) {
    if (!replaces.empty()) {
      auto& del = c.Prepare("DELETE FROM staff_sessions WHERE token_hash = ?");
      Binder(del).Str(replaces);
      del.executeUpdate();
    }
    auto& st = c.Prepare(std::string("INSERT INTO staff_sessions (") + kSessionCols +
                         ") VALUES (?, ?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Str(session.token_hash)
        .Int(session.user_id)
        .Str(session.csrf_token)
        .Str(session.client_address)
        .Time(session.created_at)
        .Time(session.last_seen_at)
        .Str(session.stage);
    st.executeUpdate();
    InsertAudit(c, WithEntityId(audit, std::to_string(session.user_id)));
  });
}

std::optional<StaffSession> MysqlStore::FindSession(const std::string& token_hash) {
  std::optional<StaffSession> out;
  pool_->Run("find session", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kSessionCols +
                         " FROM staff_sessions WHERE token_hash = ?");
    Binder(st).Str(token_hash);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = ReadSession(*rs);
  });
  return out;
}

void MysqlStore::TouchSession(const std::string& token_hash, Timestamp at) {
  pool_->Run("touch session", [&](Conn& c) {
    auto& st = c.Prepare("UPDATE staff_sessions SET last_seen_at = ? WHERE token_hash = ?");
    Binder(st).Time(at).Str(token_hash);
    st.executeUpdate();
  });
}

bool MysqlStore::DeleteSession(const std::string& token_hash,
                               const std::optional<AuditEntry>& audit) {
  bool existed = false;
  pool_->Transact("delete session", [&](Conn& c) {
    auto& st = c.Prepare("DELETE FROM staff_sessions WHERE token_hash = ?");
    Binder(st).Str(token_hash);
    existed = st.executeUpdate() > 0;
    if (audit) InsertAudit(c, *audit);
  });
  return existed;
}

std::vector<StaffSession> MysqlStore::ListSessionsOfUser(int64_t user_id) {
  std::vector<StaffSession> out;
  pool_->Run("list sessions", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kSessionCols +
                         " FROM staff_sessions WHERE user_id = ? ORDER BY created_at");
    Binder(st).Int(user_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(ReadSession(*rs));
  });
  return out;
}

int64_t MysqlStore::PurgeSessions(Timestamp idle_before, Timestamp created_before) {
  int64_t removed = 0;
  pool_->Transact("purge sessions", [&](Conn& c) {
    auto& st = c.Prepare("DELETE FROM staff_sessions WHERE last_seen_at < ? OR created_at < ?");
    Binder(st).Time(idle_before).Time(created_before);
    removed = st.executeUpdate();
    auto& th = c.Prepare(
        "DELETE FROM login_throttle WHERE last_failure_at < ? AND "
        "(blocked_until IS NULL OR blocked_until < ?)");
    Binder(th).Time(created_before).Time(created_before);
    th.executeUpdate();
  });
  return removed;
}

std::optional<LoginThrottle> MysqlStore::FindThrottle(const std::string& key) {
  std::optional<LoginThrottle> out;
  pool_->Run("find throttle", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT throttle_key, failures, last_failure_at, blocked_until FROM login_throttle "
        "WHERE throttle_key = ?");
    Binder(st).Str(key);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next())
      out = LoginThrottle{Str(*rs, 1), rs->getInt(2), FromUnix(rs->getInt64(3)), OptTime(*rs, 4)};
  });
  return out;
}

void MysqlStore::SaveThrottles(const std::vector<LoginThrottle>& throttles,
                               const std::vector<AuditEntry>& audit) {
  pool_->Transact("save throttles", [&](Conn& c) {
    for (const auto& t : throttles) {
      auto& st = c.Prepare(
          "INSERT INTO login_throttle (throttle_key, failures, last_failure_at, blocked_until) "
          "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE failures = VALUES(failures), "
          "last_failure_at = VALUES(last_failure_at), blocked_until = VALUES(blocked_until)");
      Binder(st).Str(t.key).Int(t.failures).Time(t.last_failure_at).OptTime(t.blocked_until);
      st.executeUpdate();
    }
    for (const auto& a : audit) InsertAudit(c, a);
  });
}

void MysqlStore::ClearThrottle(const std::string& key) {
  pool_->Run("clear throttle", [&](Conn& c) {
    auto& st = c.Prepare("DELETE FROM login_throttle WHERE throttle_key = ?");
    Binder(st).Str(key);
    st.executeUpdate();
  });
}

// --- Second factor (B10) ---

std::optional<StaffTwoFactor> MysqlStore::FindTwoFactor(int64_t user_id) {
  std::optional<StaffTwoFactor> out;
  pool_->Run("find two-factor", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT user_id, sealed_secret, enabled, last_step, created_at, enabled_at "
        "FROM staff_two_factor WHERE user_id = ?");
    Binder(st).Int(user_id);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next())
      out = StaffTwoFactor{rs->getInt64(1),           Str(*rs, 2),
                           rs->getInt(3) != 0,        rs->getInt64(4),
                           FromUnix(rs->getInt64(5)), OptTime(*rs, 6)};
  });
  return out;
}

Result<Done> MysqlStore::BeginTwoFactor(int64_t user_id, const std::string& sealed_secret,
                                        Timestamp at, const AuditEntry& audit) {
  std::optional<Refusal> refused;
  pool_->Transact("begin two-factor", [&](Conn& c) {
    {
      auto& st = c.Prepare("SELECT enabled FROM staff_two_factor WHERE user_id = ? FOR UPDATE");
      Binder(st).Int(user_id);
      ResultSetPtr rs(st.executeQuery());
      if (rs->next() && rs->getInt(1) != 0) {
        refused = Refuse("already_enabled", "the second factor is already enabled");
        return;
      }
    }
    auto& st = c.Prepare(
        "INSERT INTO staff_two_factor (user_id, sealed_secret, enabled, last_step, created_at) "
        "VALUES (?, ?, 0, 0, ?) ON DUPLICATE KEY UPDATE sealed_secret = VALUES(sealed_secret), "
        "created_at = VALUES(created_at), last_step = 0");
    Binder(st).Int(user_id).Str(sealed_secret).Time(at);
    st.executeUpdate();
    InsertAudit(c, WithEntityId(audit, std::to_string(user_id)));
  });
  if (refused) return *refused;
  return Done{};
}

Result<Done> MysqlStore::EnableTwoFactor(int64_t user_id, int64_t step,
                                         const std::vector<std::string>& recovery_hashes,
                                         const std::string& keep_session, Timestamp at,
                                         const AuditEntry& audit) {
  std::optional<Refusal> refused;
  pool_->Transact("enable two-factor", [&](Conn& c) {
    auto& st = c.Prepare(
        "UPDATE staff_two_factor SET enabled = 1, last_step = ?, enabled_at = ? "
        "WHERE user_id = ? AND enabled = 0");
    Binder(st).Int(step).Time(at).Int(user_id);
    if (st.executeUpdate() == 0) {
      refused = Refuse("not_pending", "no enrolment is waiting for its first code");
      return;
    }
    auto& del = c.Prepare("DELETE FROM staff_recovery_codes WHERE user_id = ?");
    Binder(del).Int(user_id);
    del.executeUpdate();
    for (const auto& hash : recovery_hashes) {
      auto& ins = c.Prepare("INSERT INTO staff_recovery_codes (user_id, code_hash) VALUES (?, ?)");
      Binder(ins).Int(user_id).Str(hash);
      ins.executeUpdate();
    }
    DeleteOtherSessions(c, user_id, keep_session);
    InsertAudit(c, WithEntityId(audit, std::to_string(user_id)));
  });
  if (refused) return *refused;
  return Done{};
}

bool MysqlStore::UseTotpStep(int64_t user_id, int64_t step) {
  bool taken = false;
  pool_->Run("use totp step", [&](Conn& c) {
    auto& st = c.Prepare(
        "UPDATE staff_two_factor SET last_step = ? "
        "WHERE user_id = ? AND enabled = 1 AND last_step < ?");
    Binder(st).Int(step).Int(user_id).Int(step);
    taken = st.executeUpdate() == 1;
  });
  return taken;
}

std::vector<RecoveryCode> MysqlStore::ListRecoveryCodes(int64_t user_id) {
  std::vector<RecoveryCode> out;
  pool_->Run("list recovery codes", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT id, code_hash FROM staff_recovery_codes WHERE user_id = ? AND used_at IS NULL "
        "ORDER BY id");
    Binder(st).Int(user_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(RecoveryCode{rs->getInt64(1), Str(*rs, 2)});
  });
  return out;
}

bool MysqlStore::UseRecoveryCode(int64_t user_id, int64_t code_id, Timestamp at,
                                 const AuditEntry& audit) {
  bool used = false;
  pool_->Transact("use recovery code", [&](Conn& c) {
    auto& st = c.Prepare(
        "UPDATE staff_recovery_codes SET used_at = ? "
        "WHERE id = ? AND user_id = ? AND used_at IS NULL");
    Binder(st).Time(at).Int(code_id).Int(user_id);
    used = st.executeUpdate() == 1;
    if (used) InsertAudit(c, WithEntityId(audit, std::to_string(user_id)));
  });
  return used;
}

Result<Done> MysqlStore::DeleteTwoFactor(int64_t user_id, const std::string& keep_session,
                                         const AuditEntry& audit) {
  std::optional<Refusal> refused;
  pool_->Transact("delete two-factor", [&](Conn& c) {
    auto& st = c.Prepare("DELETE FROM staff_two_factor WHERE user_id = ?");
    Binder(st).Int(user_id);
    if (st.executeUpdate() == 0) {
      refused = Refuse("not_found", "no second factor is set up");
      return;
    }
    auto& del = c.Prepare("DELETE FROM staff_recovery_codes WHERE user_id = ?");
    Binder(del).Int(user_id);
    del.executeUpdate();
    DeleteOtherSessions(c, user_id, keep_session);
    InsertAudit(c, WithEntityId(audit, std::to_string(user_id)));
  });
  if (refused) return *refused;
  return Done{};
}

}  // namespace vikno
