// Staff accounts behind the panel (issue 5): password login with throttling
// and lock-out, server-side sessions, password changes, and the
// administrator's management of users. The HTTP layer (api_accounts.cc,
// request_auth.cc) turns these into routes, cookies and status codes.
//
// What it guarantees:
//  - a session's Actor takes role and services from the user row as stored
//    now, never from the request (R26); a deactivated user has no session;
//  - the store keeps only argon2id hashes of passwords and SHA-256 hashes of
//    session tokens;
//  - an unknown login and a wrong password get the same answer after the same
//    work (a dummy hash is verified for unknown logins);
//  - every change (login, failure, lock-out, logout, password change, user
//    created or changed) is audited with the user and the client address
//    (R33), in the same store transaction as the change.
//
// Thread-safety: stateless apart from the references and the config; safe to
// call from the server's threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/role.h"
#include "core/time.h"
#include "host/config.h"
#include "http/passwords.h"
#include "store/store.h"

namespace vikno::http {

// The roles a staff account may have (core/role.h minus resident and system).
bool IsStaffRole(const std::string& role);

class Accounts {
 public:
  Accounts(Store& store, Clock& clock, AccountsConfig config);

  const AccountsConfig& config() const { return config_; }

  struct SignedIn {
    StaffUser user;
    std::string token;  // the cookie's value; only its hash is stored
    std::string csrf_token;
  };
  struct LoginOutcome {
    enum class Kind { kSignedIn, kBadCredentials, kThrottled } kind = Kind::kBadCredentials;
    std::chrono::seconds retry_after{0};  // kThrottled
    std::optional<SignedIn> signed_in;    // kSignedIn
  };
  // Checks the throttle of the login and of the address first (no password
  // is verified while either is blocked), then the password. A success
  // deletes the session `presented_token` (if any) and starts a new one.
  LoginOutcome Login(const std::string& login, const std::string& password,
                     const std::string& client_address, const std::string& presented_token);

  struct Current {
    StaffSession session;
    StaffUser user;
    Actor actor;
  };
  // The session of a cookie token. Refusals: "unauthorized" (no such
  // session, or the user is gone or inactive), "session_expired" (idle or
  // absolute lifetime passed; the session is deleted).
  Result<Current> Resolve(const std::string& token, const std::string& client_address);

  // Ends the session server-side (audited).
  void Logout(const Current& current);

  // The user's own password change: "bad_credentials" when `current` is
  // wrong, "weak_password" when the policy refuses `replacement`. Every
  // other session of the user is revoked.
  Result<Done> ChangePassword(const Current& current, const std::string& current_password,
                              const std::string& replacement);

  // --- Administration (the caller checked the actor is an administrator) ---
  struct UserInput {
    std::string login;
    std::string name;
    std::string role;
    std::vector<std::string> services;
    std::string password;  // empty: generate one
  };
  struct Created {
    StaffUser user;
    std::string generated_password;  // empty when the caller gave one
  };
  // Refusals: "invalid_login", "invalid_role", "invalid_services",
  // "unknown_service", "weak_password", "login_taken".
  Result<Created> CreateUser(UserInput input, const Actor& actor);

  struct UserPatch {
    std::optional<std::string> name;
    std::optional<std::string> role;
    std::optional<std::vector<std::string>> services;
    std::optional<bool> active;
  };
  // Refusals: "not_found", "invalid_role", "invalid_services",
  // "unknown_service", "self_change" (an administrator may not demote or
  // deactivate themself: the city would lose its last way in).
  Result<StaffUser> UpdateUser(int64_t id, const UserPatch& patch, const Actor& actor);

  // Sets a user's password (given, or generated when empty) and revokes all
  // their sessions. Returns the generated password or "". Refusals:
  // "not_found", "weak_password".
  Result<std::string> ResetPassword(int64_t id, const std::string& password, const Actor& actor);

  std::vector<StaffUser> ListUsers() { return store_.ListUsers(); }

  // For `vikno serve` on an empty store: creates the administrator `login`
  // with a generated password and returns it; nullopt when users exist.
  std::optional<std::string> BootstrapAdministrator(const std::string& login);

  // Deletes expired sessions and stale throttle rows; returns sessions removed.
  int64_t PurgeExpired();

  static std::string NormaliseLogin(const std::string& login);

 private:
  Argon2Params Params() const;
  std::optional<Refusal> CheckRoleAndServices(const std::string& role,
                                              const std::vector<std::string>& services);
  // Seconds until `t` allows an attempt; 0 when it does.
  std::chrono::seconds BlockedFor(const std::optional<LoginThrottle>& t, Timestamp now) const;
  LoginThrottle Fail(std::optional<LoginThrottle> t, const std::string& key, int free_failures,
                     int lockout_failures, Timestamp now, bool* locked) const;

  Store& store_;
  Clock& clock_;
  AccountsConfig config_;
  std::string dummy_hash_;  // verified for unknown logins, so they take as long
};

}  // namespace vikno::http
