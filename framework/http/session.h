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
//    (R33), in the same store transaction as the change;
//  - B10: a role in accounts.two_factor.required_roles, or a user who has
//    enrolled, gets a full session only after a TOTP code (or a recovery
//    code); until then the session's stage ("second_factor" or "enrol")
//    opens nothing but the second-factor and enrolment routes. Wrong codes
//    count toward the same login and address throttles as wrong passwords.
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

  // StaffSession::stage values (B10).
  static constexpr const char* kFull = "full";
  static constexpr const char* kSecondFactor = "second_factor";
  static constexpr const char* kEnrol = "enrol";

  struct SignedIn {
    StaffUser user;
    std::string token;  // the cookie's value; only its hash is stored
    std::string csrf_token;
    std::string stage = kFull;
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
  // absolute lifetime passed, or a second_factor session older than
  // two_factor.pending_minutes; the session is deleted). A full session of a
  // user whose role now requires a second factor they lack (promoted, or the
  // policy changed) comes back with stage "enrol".
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

  // --- Second factor (B10) ---
  bool TwoFactorRequired(const std::string& role) const;
  bool TwoFactorEnabled(int64_t user_id);

  struct FactorOutcome {
    enum class Kind { kDone, kBadCode, kBadPassword, kThrottled } kind = Kind::kBadCode;
    std::chrono::seconds retry_after{0};      // kThrottled
    std::optional<SignedIn> signed_in;        // kDone, when a new session replaced the old one
    std::vector<std::string> recovery_codes;  // kDone of ConfirmEnrolment, shown once
  };
  // A second_factor session and a TOTP `code` or a `recovery_code` (exactly
  // one non-empty): a full session under a new token replaces the pending
  // one (no fixation). A code is taken once (replays are kBadCode).
  FactorOutcome SecondFactor(const Current& pending, const std::string& code,
                             const std::string& recovery_code);

  struct Enrolment {
    std::string secret;                // base32, for typing into the app
    std::string uri;                   // otpauth://, for a QR code or a link
    std::vector<std::string> qr_rows;  // the URI's QR code, '1' = dark module
  };
  // A new secret for the user of a full or enrol session, not active until
  // ConfirmEnrolment. Refusal "already_enabled".
  Result<Enrolment> BeginEnrolment(const Current& current);
  // The first code from the app enables the second factor, makes ten
  // recovery codes (returned once, stored as argon2id hashes), ends the
  // user's other sessions, and, for an enrol session, replaces it by a full
  // one. Refusal-like outcomes: kBadCode (also when no enrolment was begun),
  // kThrottled.
  FactorOutcome ConfirmEnrolment(const Current& current, const std::string& code);
  // Needs the password and a current code or a recovery code. Ends the
  // user's other sessions; for a role that requires a second factor the
  // session is replaced by an enrol one (signed_in set).
  FactorOutcome DisableTwoFactor(const Current& current, const std::string& password,
                                 const std::string& code, const std::string& recovery_code);
  // `vikno staff totp-reset`: removes the second factor of `login` and every
  // session of it, clears its login throttle (audited). Refusal "not_found"
  // (no such login, or no second factor).
  Result<Done> ResetTwoFactor(const std::string& login, const Actor& actor);

 private:
  // Counts a wrong code (or password) of the second-factor routes against
  // the login and address throttles, audited as `action`.
  void FailFactor(const StaffUser& user, const std::string& client, const std::string& action);
  // "Throttled" with the seconds the login or address of `user` must still
  // wait; nothing when both are free.
  std::optional<FactorOutcome> FactorThrottled(const StaffUser& user, const std::string& client);
  // The recovery code's row id when `code` is one of the user's unused ones.
  std::optional<int64_t> MatchRecoveryCode(int64_t user_id, const std::string& code);
  SignedIn NewSession(const StaffUser& user, const std::string& stage, const std::string& client,
                      const std::string& replaces, const AuditEntry& audit);

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
