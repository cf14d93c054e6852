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
  // B10: how far the sign-in got. "full": every API the role allows;
  // "second_factor": the password was right, only the second-factor endpoint
  // is open (a pending session, minutes long); "enrol": the role must have a
  // second factor and has none, only enrolment is open.
  std::string stage = "full";
};

// B10: a user's second factor (RFC 6238 TOTP). The secret is kept as
// http/totp.h Seal() made it (AES-256-GCM when a key is configured).
struct StaffTwoFactor {
  int64_t user_id = 0;
  std::string sealed_secret;
  bool enabled = false;   // false: enrolment begun, not yet confirmed by a code
  int64_t last_step = 0;  // the highest time step a code was accepted for
  Timestamp created_at;
  std::optional<Timestamp> enabled_at;
};

// One of the one-time recovery codes, as an argon2id encoded hash.
struct RecoveryCode {
  int64_t id = 0;
  std::string code_hash;
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

  // --- Second factor (B10) ---
  virtual std::optional<StaffTwoFactor> FindTwoFactor(int64_t user_id) = 0;
  // Begins (or begins again) an enrolment: stores `sealed_secret` not yet
  // enabled, replacing an earlier unconfirmed one, with the audit entry.
  // Refusal "already_enabled" when the user has an enabled second factor.
  virtual Result<Done> BeginTwoFactor(int64_t user_id, const std::string& sealed_secret,
                                      Timestamp at, const AuditEntry& audit) = 0;
  // Enables the begun enrolment, remembering `step` as used, replaces the
  // user's recovery codes with `recovery_hashes` and deletes every session
  // of the user except `keep_session`, all in one transaction. Refusal
  // "not_pending" when no unconfirmed enrolment exists.
  virtual Result<Done> EnableTwoFactor(int64_t user_id, int64_t step,
                                       const std::vector<std::string>& recovery_hashes,
                                       const std::string& keep_session, Timestamp at,
                                       const AuditEntry& audit) = 0;
  // Takes the time step `step` for an enabled second factor when it is later
  // than the last one taken (one compare-and-set statement, so two hosts
  // given the same code accept it once). False: a replay, or not enabled.
  virtual bool UseTotpStep(int64_t user_id, int64_t step) = 0;
  // The unused recovery codes of the user.
  virtual std::vector<RecoveryCode> ListRecoveryCodes(int64_t user_id) = 0;
  // Marks one recovery code used, with the audit entry; false when it was
  // used already (by a concurrent request) or is not the user's.
  virtual bool UseRecoveryCode(int64_t user_id, int64_t code_id, Timestamp at,
                               const AuditEntry& audit) = 0;
  // Removes the second factor and the recovery codes of the user and every
  // session of the user except `keep_session` (empty: all of them), with the
  // audit entry, in one transaction. Refusal "not_found" when there was none.
  virtual Result<Done> DeleteTwoFactor(int64_t user_id, const std::string& keep_session,
                                       const AuditEntry& audit) = 0;
};

}  // namespace vikno
