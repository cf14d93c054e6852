// The staff accounts part of the Store interface (store/store.h): panel users
// with their role and services, their server-side sessions and the login
// throttle (issue 5, R26, R33). Passwords are stored only as argon2id encoded
// strings and sessions only as a hash of their token: a copy of the database
// gives nobody a way in.
// Thread-safety and errors as for every Store (store/store.h): callable from
// any thread; expected outcomes are Result refusals, failures throw StoreError
// and roll the operation back whole.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/audit.h"
#include "core/result.h"
#include "core/time.h"

namespace vikno {

// A member of staff who signs in to the panel.
struct StaffUser {
  int64_t id = 0;     // assigned by the store
  std::string login;  // unique, compared as stored (callers normalise to lower case)
  std::string name;
  std::string role;                   // core/role.h code: "moderator", ...
  std::vector<std::string> services;  // executor ids in scope (moderator, executor)
  std::string password_hash;          // argon2id encoded string ("$argon2id$v=19$...")
  bool active = true;
  Timestamp created_at;
  Timestamp updated_at;
};

// One signed-in browser. The store never sees the cookie's token, only its
// SHA-256 (hex), so a leaked table cannot be replayed.
struct StaffSession {
  std::string token_hash;
  int64_t user_id = 0;
  std::string csrf_token;  // sent back by the panel in X-CSRF-Token
  std::string client_address;
  Timestamp created_at;
  Timestamp last_seen_at;
};

// The failures recorded against one key: "login:<login>" or "address:<ip>".
struct LoginThrottle {
  std::string key;
  int failures = 0;  // consecutive, since the last success or lock-out end
  Timestamp last_failure_at;
  std::optional<Timestamp> blocked_until;  // no attempt is checked before this
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // --- Users ---
  // Stores a new user and its audit entry (entity_id filled with the new id)
  // in one transaction. Refusal "login_taken" when the login exists.
  virtual Result<StaffUser> CreateUser(const StaffUser& user, const AuditEntry& audit) = 0;
  virtual std::optional<StaffUser> FindUser(int64_t id) = 0;
  virtual std::optional<StaffUser> FindUserByLogin(const std::string& login) = 0;
  virtual std::vector<StaffUser> ListUsers() = 0;  // by login
  virtual int64_t CountUsers() = 0;
  // Writes name, role, services and active (not login or password). A user
  // made inactive loses every session in the same transaction. Refusal
  // "not_found".
  virtual Result<StaffUser> UpdateUser(const StaffUser& user, const AuditEntry& audit) = 0;
  // Replaces the password hash. `audit` absent: a silent rehash on login
  // (same password, new parameters), which keeps every session. With an
  // audit: a password change or reset, which revokes every session of the
  // user except `keep_session` (a token hash; empty: all of them). Refusal
  // "not_found".
  virtual Result<Done> SetPasswordHash(int64_t user_id, const std::string& password_hash,
                                       const std::string& keep_session,
                                       const std::optional<AuditEntry>& audit) = 0;

  // --- Sessions ---
  // Stores a new session and the login's audit entry in one transaction,
  // first deleting the session `replaces` (a token hash, may be empty): a
  // login always starts a new session, never adopts the one presented.
  virtual void CreateSession(const StaffSession& session, const std::string& replaces,
                             const AuditEntry& audit) = 0;
  virtual std::optional<StaffSession> FindSession(const std::string& token_hash) = 0;
  virtual void TouchSession(const std::string& token_hash, Timestamp at) = 0;
  // Deletes one session; with an audit (logout) in the same transaction.
  // True when it existed.
  virtual bool DeleteSession(const std::string& token_hash,
                             const std::optional<AuditEntry>& audit) = 0;
  virtual std::vector<StaffSession> ListSessionsOfUser(int64_t user_id) = 0;
  // Deletes sessions idle since before `idle_before` or created before
  // `created_before`, and throttle rows with no failure since `created_before`
  // that are not blocked. Returns the sessions deleted.
  virtual int64_t PurgeSessions(Timestamp idle_before, Timestamp created_before) = 0;

  // --- Login throttle ---
  virtual std::optional<LoginThrottle> FindThrottle(const std::string& key) = 0;
  // Writes the throttles (insert or replace) and the audit entries (a failed
  // login, a lock-out) in one transaction.
  virtual void SaveThrottles(const std::vector<LoginThrottle>& throttles,
                             const std::vector<AuditEntry>& audit) = 0;
  virtual void ClearThrottle(const std::string& key) = 0;
};

}  // namespace vikno
