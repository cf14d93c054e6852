// The residents' web cabinet part of the Store interface (store/store.h):
// accounts that sign in with an e-mail address or a phone number, their
// one-time codes and their server-side sessions (issue 8; 002 §3.3: "a
// mechanism of the resident's authorisation, change and recovery of the
// password, editing of personal data").
//
// Like the staff accounts (account_store.h), nothing stored lets a copy of
// the database in: codes and session tokens are kept only as SHA-256 hashes,
// passwords only as argon2id strings.
// Thread-safety and errors as for every Store (store/store.h): callable from
// any thread; expected outcomes are Result refusals, failures throw StoreError
// and roll the operation back whole.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/audit.h"
#include "core/resident.h"
#include "core/result.h"
#include "core/time.h"

namespace vikno {

// A resident's web cabinet account. The login is the verified e-mail address
// (lower case) or phone number (E.164); it is erased, with the password, when
// the resident asks for their data to be deleted.
struct CabinetAccount {
  int64_t id = 0;           // assigned by the store
  std::string login;        // "" once erased
  std::string login_kind;   // "email" or "phone"
  std::string resident_id;  // the Resident whose appeals the cabinet shows
  std::string password_hash;  // argon2id encoded string; "" when none was set
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<Timestamp> erased_at;  // the delete request was carried out
};

// The one live one-time code of a login (at most one per login: a new code
// replaces the old). The code itself is never stored, only
// SHA-256(salt + code) in hex.
struct CabinetCode {
  std::string login;
  std::string salt;
  std::string code_hash;
  int failed_attempts = 0;  // wrong codes tried against this code
  Timestamp created_at;     // when this code was sent
  Timestamp expires_at;
  // Resend limits: how many codes went to this login since window_started_at.
  int sends_in_window = 0;
  Timestamp window_started_at;
};

// One signed-in browser of a cabinet account (only the token's SHA-256).
struct CabinetSession {
  std::string token_hash;
  int64_t account_id = 0;
  std::string csrf_token;  // sent back by the page in X-CSRF-Token
  std::string client_address;
  Timestamp created_at;
  Timestamp last_seen_at;
};

class CabinetStore {
 public:
  virtual ~CabinetStore() = default;

  // --- One-time codes ---
  // Inserts or replaces the code of `code.login`.
  virtual void SaveCabinetCode(const CabinetCode& code) = 0;
  virtual std::optional<CabinetCode> FindCabinetCode(const std::string& login) = 0;
  // Adds one failed attempt to the login's code; returns the new count (0
  // when there is no code).
  virtual int FailCabinetCode(const std::string& login) = 0;
  // Makes the code unusable (a used or exhausted code) while keeping the
  // resend window, so spending a code does not reset the resend limit.
  virtual void SpendCabinetCode(const std::string& login) = 0;

  // --- Accounts ---
  // Creates the account and, in the same transaction: the resident when
  // `new_resident` is set (else `account.resident_id` must exist and gets
  // `consent` and the identity fields that are empty filled from
  // `identity`), spends the login's code and writes `audit` (entity_id set to
  // the new account's id). Refusal "login_taken" when an account has the
  // login. Throws StoreError for an unknown resident.
  virtual Result<CabinetAccount> CreateCabinetAccount(const CabinetAccount& account,
                                                      const std::optional<Resident>& new_resident,
                                                      const Identity& identity,
                                                      const Consent& consent,
                                                      const AuditEntry& audit) = 0;
  virtual std::optional<CabinetAccount> FindCabinetAccount(int64_t id) = 0;
  virtual std::optional<CabinetAccount> FindCabinetAccountByLogin(const std::string& login) = 0;
  // Replaces the password hash; with `audit`, a change or reset that also
  // ends every session of the account except `keep_session` (a token hash;
  // empty: all) in the same transaction. Refusal "not_found" (no such
  // account, or an erased one).
  virtual Result<Done> SetCabinetPassword(int64_t account_id, const std::string& password_hash,
                                          const std::string& keep_session,
                                          const std::optional<AuditEntry>& audit) = 0;
  // The resident's own edit of their name (the login-derived phone or e-mail
  // is changed only by proving the new one, never typed in). Refusal
  // "not_found".
  virtual Result<Done> SetCabinetName(int64_t account_id, const std::string& name,
                                      const AuditEntry& audit) = 0;
  // The delete request (R31; Law of Ukraine "On personal data protection",
  // art. 8, 15), carried out at once in one transaction: every session and
  // the code of the login go; the account keeps only its id, resident and
  // erased_at (login and password cleared); the resident's name, phone and
  // e-mail are cleared; the resident's e-mail/SMS channel bindings to the
  // login go. The appeals themselves stay for their retention period (R32,
  // 003 §2.6), under the opaque resident id. Refusal "not_found".
  virtual Result<Done> EraseCabinetAccount(int64_t account_id, const AuditEntry& audit) = 0;

  // --- Sessions ---
  // Stores a new session with the sign-in's audit entry, first deleting the
  // session `replaces` (a token hash; may be empty).
  virtual void CreateCabinetSession(const CabinetSession& session, const std::string& replaces,
                                    const AuditEntry& audit) = 0;
  virtual std::optional<CabinetSession> FindCabinetSession(const std::string& token_hash) = 0;
  virtual void TouchCabinetSession(const std::string& token_hash, Timestamp at) = 0;
  // Deletes one session, with `audit` (sign-out) when given. True when it
  // existed.
  virtual bool DeleteCabinetSession(const std::string& token_hash,
                                    const std::optional<AuditEntry>& audit) = 0;
  virtual std::vector<CabinetSession> ListCabinetSessions(int64_t account_id) = 0;
  // Deletes sessions idle since before `idle_before` or created before
  // `created_before`, and codes that expired before `created_before` whose
  // resend window began before it too. Returns the sessions deleted.
  virtual int64_t PurgeCabinetSessions(Timestamp idle_before, Timestamp created_before) = 0;
};

}  // namespace vikno
