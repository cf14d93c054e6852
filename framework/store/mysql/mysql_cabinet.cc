// The residents' web cabinet on MySQL/MariaDB (cabinet_store.h): accounts,
// one-time codes and sessions.
#include "store/mysql/mysql_internal.h"

namespace vikno {

using mysql_detail::Binder;
using mysql_detail::Conn;
using mysql_detail::InsertAudit;
using mysql_detail::LastInsertId;
using mysql_detail::OptStr;
using mysql_detail::OptTime;
using mysql_detail::ResultSetPtr;
using mysql_detail::Str;
using mysql_detail::WithEntityId;

namespace {

constexpr const char* kAccountCols =
    "id, login, login_kind, resident_id, password_hash, created_at, updated_at, erased_at";

CabinetAccount ReadAccount(const sql::ResultSet& rs) {
  CabinetAccount a;
  a.id = rs.getInt64(1);
  a.login = OptStr(rs, 2).value_or("");
  a.login_kind = Str(rs, 3);
  a.resident_id = Str(rs, 4);
  a.password_hash = Str(rs, 5);
  a.created_at = FromUnix(rs.getInt64(6));
  a.updated_at = FromUnix(rs.getInt64(7));
  a.erased_at = OptTime(rs, 8);
  return a;
}

constexpr const char* kCodeCols =
    "login, salt, code_hash, failed_attempts, created_at, expires_at, sends_in_window, "
    "window_started_at";

constexpr const char* kSessionCols =
    "token_hash, account_id, csrf_token, client_address, created_at, last_seen_at";

CabinetSession ReadSession(const sql::ResultSet& rs) {
  return CabinetSession{Str(rs, 1), rs.getInt64(2),           Str(rs, 3),
                        Str(rs, 4), FromUnix(rs.getInt64(5)), FromUnix(rs.getInt64(6))};
}

std::optional<CabinetAccount> FindAccountWhere(Conn& c, const std::string& where,
                                               const std::function<void(Binder&)>& bind) {
  auto& st =
      c.Prepare(std::string("SELECT ") + kAccountCols + " FROM cabinet_accounts WHERE " + where);
  Binder b(st);
  bind(b);
  ResultSetPtr rs(st.executeQuery());
  if (!rs->next()) return std::nullopt;
  return ReadAccount(*rs);
}

std::optional<CabinetAccount> LockLiveAccount(Conn& c, int64_t id) {
  return FindAccountWhere(c, "id = ? AND erased_at IS NULL FOR UPDATE",
                          [&](Binder& b) { b.Int(id); });
}

void Exec(Conn& c, const std::string& sql, const std::function<void(Binder&)>& bind) {
  auto& st = c.Prepare(sql);
  Binder b(st);
  bind(b);
  st.executeUpdate();
}

}  // namespace

void MysqlStore::SaveCabinetCode(const CabinetCode& code) {
  pool_->Run("save cabinet code", [&](Conn& c) {
    Exec(c,
         std::string("REPLACE INTO cabinet_codes (") + kCodeCols +
             ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
         [&](Binder& b) {
           b.Str(code.login)
               .Str(code.salt)
               .Str(code.code_hash)
               .Int(code.failed_attempts)
               .Time(code.created_at)
               .Time(code.expires_at)
               .Int(code.sends_in_window)
               .Time(code.window_started_at);
         });
  });
}

std::optional<CabinetCode> MysqlStore::FindCabinetCode(const std::string& login) {
  std::optional<CabinetCode> out;
  pool_->Run("find cabinet code", [&](Conn& c) {
    auto& st =
        c.Prepare(std::string("SELECT ") + kCodeCols + " FROM cabinet_codes WHERE login = ?");
    Binder(st).Str(login);
    ResultSetPtr rs(st.executeQuery());
    if (!rs->next()) return;
    out = CabinetCode{Str(*rs, 1),
                      Str(*rs, 2),
                      Str(*rs, 3),
                      rs->getInt(4),
                      FromUnix(rs->getInt64(5)),
                      FromUnix(rs->getInt64(6)),
                      rs->getInt(7),
                      FromUnix(rs->getInt64(8))};
  });
  return out;
}

int MysqlStore::FailCabinetCode(const std::string& login) {
  int n = 0;
  pool_->Transact("fail cabinet code", [&](Conn& c) {
    Exec(c, "UPDATE cabinet_codes SET failed_attempts = failed_attempts + 1 WHERE login = ?",
         [&](Binder& b) { b.Str(login); });
    auto& st = c.Prepare("SELECT failed_attempts FROM cabinet_codes WHERE login = ?");
    Binder(st).Str(login);
    ResultSetPtr rs(st.executeQuery());
    n = rs->next() ? rs->getInt(1) : 0;
  });
  return n;
}

void MysqlStore::SpendCabinetCode(const std::string& login) {
  pool_->Run("spend cabinet code", [&](Conn& c) {
    // An empty hash matches no code (a presented code's hash is never empty).
    Exec(c, "UPDATE cabinet_codes SET code_hash = '', expires_at = 0 WHERE login = ?",
         [&](Binder& b) { b.Str(login); });
  });
}

Result<CabinetAccount> MysqlStore::CreateCabinetAccount(const CabinetAccount& account,
                                                        const std::optional<Resident>& new_resident,
                                                        const Identity& identity,
                                                        const Consent& consent,
                                                        const AuditEntry& audit) {
  std::optional<Refusal> refused;
  CabinetAccount created = account;
  pool_->Transact("create cabinet account", [&](Conn& c) {
    if (FindAccountWhere(c, "login = ? FOR UPDATE", [&](Binder& b) { b.Str(account.login); })) {
      refused = Refuse("login_taken", "an account with this login exists");
      return;
    }
    if (new_resident) {
      Exec(c,
           "INSERT INTO residents (id, anonymous, name, phone, email, consent_given_at, "
           "consent_text_version, created_at) VALUES (?, 0, ?, ?, ?, ?, ?, ?)",
           [&](Binder& b) {
             b.Str(new_resident->id)
                 .Str(identity.name)
                 .Str(identity.phone)
                 .Str(identity.email)
                 .Time(consent.given_at)
                 .Str(consent.text_version)
                 .Time(new_resident->created_at);
           });
      created.resident_id = new_resident->id;
    } else {
      // A linked chat resident: their consent is now the cabinet's (R31), and
      // the verified contact fills a gap, never overwrites what they gave.
      auto& st = c.Prepare(
          "UPDATE residents SET consent_given_at = ?, consent_text_version = ?, "
          "name = CASE WHEN name IS NULL OR name = '' THEN ? ELSE name END, "
          "phone = CASE WHEN phone IS NULL OR phone = '' THEN ? ELSE phone END, "
          "email = CASE WHEN email IS NULL OR email = '' THEN ? ELSE email END, "
          "anonymous = 0 WHERE id = ?");
      Binder(st)
          .Time(consent.given_at)
          .Str(consent.text_version)
          .Str(identity.name)
          .Str(identity.phone)
          .Str(identity.email)
          .Str(account.resident_id);
      st.executeUpdate();
      auto& exists = c.Prepare("SELECT 1 FROM residents WHERE id = ?");
      Binder(exists).Str(account.resident_id);
      ResultSetPtr rs(exists.executeQuery());
      if (!rs->next()) throw StoreError("mysql: no resident " + account.resident_id);
    }
    Exec(c,
         "INSERT INTO cabinet_accounts (login, login_kind, resident_id, password_hash, "
         "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
         [&](Binder& b) {
           b.Str(account.login)
               .Str(account.login_kind)
               .Str(created.resident_id)
               .Str(account.password_hash)
               .Time(account.created_at)
               .Time(account.updated_at);
         });
    created.id = LastInsertId(c);
    Exec(c, "UPDATE cabinet_codes SET code_hash = '', expires_at = 0 WHERE login = ?",
         [&](Binder& b) { b.Str(account.login); });
    InsertAudit(c, WithEntityId(audit, std::to_string(created.id)));
  });
  if (refused) return *refused;
  return created;
}

std::optional<CabinetAccount> MysqlStore::FindCabinetAccount(int64_t id) {
  std::optional<CabinetAccount> out;
  pool_->Run("find cabinet account", [&](Conn& c) {
    out = FindAccountWhere(c, "id = ?", [&](Binder& b) { b.Int(id); });
  });
  return out;
}

std::optional<CabinetAccount> MysqlStore::FindCabinetAccountByLogin(const std::string& login) {
  std::optional<CabinetAccount> out;
  if (login.empty()) return out;
  pool_->Run("find cabinet account by login", [&](Conn& c) {
    out = FindAccountWhere(c, "login = ?", [&](Binder& b) { b.Str(login); });
  });
  return out;
}

Result<Done> MysqlStore::SetCabinetPassword(int64_t account_id, const std::string& password_hash,
                                            const std::string& keep_session,
                                            const std::optional<AuditEntry>& audit) {
  bool found = false;
  pool_->Transact("set cabinet password", [&](Conn& c) {
    auto account = LockLiveAccount(c, account_id);
    if (!account) return;
    found = true;
    Exec(c, "UPDATE cabinet_accounts SET password_hash = ?, updated_at = ? WHERE id = ?",
         [&](Binder& b) {
           b.Str(password_hash).Time(audit ? audit->at : account->updated_at).Int(account_id);
         });
    if (audit) {
      Exec(c, "DELETE FROM cabinet_sessions WHERE account_id = ? AND token_hash <> ?",
           [&](Binder& b) { b.Int(account_id).Str(keep_session); });
      InsertAudit(c, WithEntityId(*audit, std::to_string(account_id)));
    }
  });
  if (!found) return Refuse("not_found", "no account " + std::to_string(account_id));
  return Done{};
}

Result<Done> MysqlStore::SetCabinetName(int64_t account_id, const std::string& name,
                                        const AuditEntry& audit) {
  bool found = false;
  pool_->Transact("set cabinet name", [&](Conn& c) {
    auto account = LockLiveAccount(c, account_id);
    if (!account) return;
    found = true;
    Exec(c, "UPDATE residents SET name = ? WHERE id = ?",
         [&](Binder& b) { b.Str(name).Str(account->resident_id); });
    Exec(c, "UPDATE cabinet_accounts SET updated_at = ? WHERE id = ?",
         [&](Binder& b) { b.Time(audit.at).Int(account_id); });
    InsertAudit(c, WithEntityId(audit, std::to_string(account_id)));
  });
  if (!found) return Refuse("not_found", "no account " + std::to_string(account_id));
  return Done{};
}

Result<Done> MysqlStore::EraseCabinetAccount(int64_t account_id, const AuditEntry& audit) {
  bool found = false;
  pool_->Transact("erase cabinet account", [&](Conn& c) {
    auto account = LockLiveAccount(c, account_id);
    if (!account) return;
    found = true;
    Exec(c, "DELETE FROM cabinet_sessions WHERE account_id = ?",
         [&](Binder& b) { b.Int(account_id); });
    Exec(c, "DELETE FROM cabinet_codes WHERE login = ?",
         [&](Binder& b) { b.Str(account->login); });
    Exec(c,
         "DELETE FROM resident_channels WHERE resident_id = ? AND channel IN ('email', 'sms') "
         "AND chat_id = ?",
         [&](Binder& b) { b.Str(account->resident_id).Str(account->login); });
    Exec(c, "UPDATE residents SET name = NULL, phone = NULL, email = NULL WHERE id = ?",
         [&](Binder& b) { b.Str(account->resident_id); });
    Exec(c,
         "UPDATE cabinet_accounts SET login = NULL, password_hash = '', updated_at = ?, "
         "erased_at = ? WHERE id = ?",
         [&](Binder& b) { b.Time(audit.at).Time(audit.at).Int(account_id); });
    InsertAudit(c, WithEntityId(audit, std::to_string(account_id)));
  });
  if (!found) return Refuse("not_found", "no account " + std::to_string(account_id));
  return Done{};
}

void MysqlStore::CreateCabinetSession(const CabinetSession& session, const std::string& replaces,
                                      const AuditEntry& audit) {
  pool_->Transact("create cabinet session", [&](Conn& c) {
    if (!replaces.empty())
      Exec(c, "DELETE FROM cabinet_sessions WHERE token_hash = ?",
           [&](Binder& b) { b.Str(replaces); });
    Exec(c, std::string("INSERT INTO cabinet_sessions (") + kSessionCols +
                ") VALUES (?, ?, ?, ?, ?, ?)",
         [&](Binder& b) {
           b.Str(session.token_hash)
               .Int(session.account_id)
               .Str(session.csrf_token)
               .Str(session.client_address)
               .Time(session.created_at)
               .Time(session.last_seen_at);
         });
    InsertAudit(c, WithEntityId(audit, std::to_string(session.account_id)));
  });
}

std::optional<CabinetSession> MysqlStore::FindCabinetSession(const std::string& token_hash) {
  std::optional<CabinetSession> out;
  pool_->Run("find cabinet session", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kSessionCols +
                         " FROM cabinet_sessions WHERE token_hash = ?");
    Binder(st).Str(token_hash);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = ReadSession(*rs);
  });
  return out;
}

void MysqlStore::TouchCabinetSession(const std::string& token_hash, Timestamp at) {
  pool_->Run("touch cabinet session", [&](Conn& c) {
    Exec(c, "UPDATE cabinet_sessions SET last_seen_at = ? WHERE token_hash = ?",
         [&](Binder& b) { b.Time(at).Str(token_hash); });
  });
}

bool MysqlStore::DeleteCabinetSession(const std::string& token_hash,
                                      const std::optional<AuditEntry>& audit) {
  bool existed = false;
  pool_->Transact("delete cabinet session", [&](Conn& c) {
    auto& st = c.Prepare("DELETE FROM cabinet_sessions WHERE token_hash = ?");
    Binder(st).Str(token_hash);
    existed = st.executeUpdate() > 0;
    if (audit) InsertAudit(c, *audit);
  });
  return existed;
}

std::vector<CabinetSession> MysqlStore::ListCabinetSessions(int64_t account_id) {
  std::vector<CabinetSession> out;
  pool_->Run("list cabinet sessions", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kSessionCols +
                         " FROM cabinet_sessions WHERE account_id = ? ORDER BY created_at");
    Binder(st).Int(account_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(ReadSession(*rs));
  });
  return out;
}

int64_t MysqlStore::PurgeCabinetSessions(Timestamp idle_before, Timestamp created_before) {
  int64_t n = 0;
  pool_->Transact("purge cabinet sessions", [&](Conn& c) {
    auto& st = c.Prepare("DELETE FROM cabinet_sessions WHERE last_seen_at < ? OR created_at < ?");
    Binder(st).Time(idle_before).Time(created_before);
    n = st.executeUpdate();
    Exec(c, "DELETE FROM cabinet_codes WHERE expires_at < ? AND window_started_at < ?",
         [&](Binder& b) { b.Time(created_before).Time(created_before); });
  });
  return n;
}

}  // namespace vikno
