// The residents' web cabinet (issue 8; 002 §3.3-3.4; R1, R4, R5, R7, R18,
// R25, R31): accounts that sign in with an e-mail address or a phone number
// and a one-time code (or an optional password), and everything a resident
// does with their own appeals from the city's website. The HTTP side is
// framework/http/api_cabinet.cc.
//
// Decisions (documented in docs/cabinet.md):
//  - A code goes out through the outbox on the configured e-mail or SMS
//    channel, so it is durable and rate-limited like every other message.
//    Only SHA-256(salt + code) is stored; a code lives code_ttl_minutes,
//    allows code_max_attempts wrong tries, and a login gets a new one at most
//    every code_resend_seconds and code_max_sends_per_hour times an hour; one
//    client address at most address_max_sends_per_hour codes an hour.
//  - Linking: when the verified login is the chat address of an existing
//    resident's e-mail or SMS channel binding, the account is that resident
//    (the binding proves the same person controls the address: their chat
//    appeals appear in the cabinet). A phone typed into a Telegram dialogue
//    is not proof and links nothing. Otherwise a new resident is made. The
//    login becomes an e-mail/SMS binding of the resident, so status notices
//    (R7) reach them there.
//  - Personal data: the name is edited freely; the phone or e-mail is the
//    verified login and is never typed in (a typed phone would bind another
//    person's SMS chat to this resident, B13).
//  - The delete request is carried out at once (Law "On personal data
//    protection", art. 8 and 15: erasure on the subject's demand): the
//    account's login, password, sessions and codes go and the resident's
//    name, phone and e-mail are erased; the appeals themselves stay for
//    their retention period (R32, 003 §2.6) under the opaque resident id.
//  - A resident sees only their own appeals; any other id is "not_found".
//
// Thread-safety: stateless apart from references and config; safe to call
// from the server's threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/appeal.h"
#include "core/rating.h"
#include "core/result.h"
#include "core/role.h"
#include "core/time.h"
#include "files/file_store.h"
#include "host/config.h"
#include "http/passwords.h"
#include "store/store.h"
#include "workflow/appeal_service.h"

namespace vikno {

// A login as typed, made canonical: an e-mail in lower case or an E.164
// phone number.
struct CabinetLogin {
  std::string value;
  std::string kind;  // "email" or "phone"
};

// The resident-visible part of an appeal's audit (no staff ids, no
// staff-internal notes).
struct CabinetTimelineEntry {
  Timestamp at;
  std::string action;  // "create" or a transition ("take_into_work", "confirm"...)
  std::string status;  // the status after it
  std::string by;      // "resident", "city" or "system"
  std::string note;    // only the texts meant for the resident (answer, reason, question)
};

struct CabinetCard {
  Appeal appeal;
  std::vector<Comment> comments;        // visible_to_resident only
  std::vector<Attachment> attachments;  // the resident's and the executor's
  std::vector<CabinetTimelineEntry> timeline;
  std::optional<Rating> rating;         // the resident's own, when given
  std::vector<std::string> actions;     // what the resident may do now
};

class Cabinet {
 public:
  // `channels`: the names of the channels the host runs (a code is sent only
  // on one of them). `wake`: called with a channel after a code was queued
  // (the outbox sender's wake-up); may be empty.
  // `files_limits` and `retention_years` are only told to the page (the
  // FileStore enforces the limits; the privacy notice names the term).
  Cabinet(Store& store, AppealService& appeals, FileStore& files, Clock& clock,
          CabinetConfig config, http::Argon2Params argon2, std::set<std::string> channels,
          std::function<void(const std::string&)> wake, FilesConfig files_limits,
          int retention_years);

  const CabinetConfig& config() const { return config_; }
  const FilesConfig& files_limits() const { return files_limits_; }
  int retention_years() const { return retention_years_; }

  // Refusal "invalid_login" for anything that is neither.
  static Result<CabinetLogin> ParseLogin(std::string_view text);

  struct CodeSent {
    std::string sent_to;  // masked: "i***@example.com", "+38050***67"
    int expires_in_seconds = 0;
    int resend_after_seconds = 0;
  };
  // Queues a new code for `login` (sign-up, sign-in and password reset use
  // the same). The answer does not say whether an account exists.
  // Refusals: "invalid_login"; "too_soon" (retry_after set); "too_many_codes"
  // (the login's or the address's hourly limit; retry_after set);
  // "channel_unavailable" (the host runs no channel for this kind of login).
  Result<CodeSent> SendCode(std::string_view login, const std::string& client_address,
                            std::chrono::seconds* retry_after);

  struct SignUp {
    std::string name;
    std::string privacy_version;  // the version of the notice the resident accepted (R31)
  };
  struct SignedIn {
    CabinetAccount account;
    std::string token;  // the cookie's value; only its hash is stored
    std::string csrf_token;
    bool created = false;  // a new account
  };
  // Checks the code; signs in, or, with no account yet, signs up with
  // `sign_up`. Refusals: "invalid_login"; "bad_code" (wrong, expired, used or
  // never sent: one answer); "code_exhausted" (too many wrong tries: ask for
  // a new code); "consent_required" (no account and no `sign_up`; the code
  // stays valid); "stale_privacy_version" (the notice changed since the page
  // showed it).
  Result<SignedIn> SignInWithCode(std::string_view login, const std::string& code,
                                  const std::optional<SignUp>& sign_up,
                                  const std::string& client_address,
                                  const std::string& presented_token);
  // Refusals: "bad_credentials" (unknown login, no password set, wrong
  // password: one answer after the same work), "throttled" (retry_after).
  Result<SignedIn> SignInWithPassword(std::string_view login, const std::string& password,
                                      const std::string& client_address,
                                      const std::string& presented_token,
                                      std::chrono::seconds* retry_after);
  // Password reset by a one-time code (002 §3.3): sets the password, ends
  // every session and signs in. Refusals as SignInWithCode (no sign-up:
  // "bad_code" for an unknown login) and "weak_password".
  Result<SignedIn> ResetPassword(std::string_view login, const std::string& code,
                                 const std::string& password, const std::string& client_address,
                                 const std::string& presented_token);

  struct Current {
    CabinetSession session;
    CabinetAccount account;
    Actor actor;  // the resident
  };
  // Refusals: "unauthorized", "session_expired".
  Result<Current> Resolve(const std::string& token, const std::string& client_address);
  void SignOut(const Current& current);
  // `current_password` is required when the account has one. Refusals:
  // "bad_credentials", "weak_password", "throttled" (wrong current passwords
  // count toward the login's sign-in lockout: a stolen session must not be
  // a way to guess the password). Other sessions end.
  Result<Done> ChangePassword(const Current& current, const std::string& current_password,
                              const std::string& password);

  struct Profile {
    CabinetAccount account;
    Resident resident;
    bool has_password = false;
  };
  Result<Profile> GetProfile(const Current& current);
  // Refusal "invalid_name" (longer than 200 bytes or not UTF-8).
  Result<Done> SetName(const Current& current, const std::string& name);
  // The delete request (see the decisions above).
  Result<Done> Erase(const Current& current);

  // --- Appeals (all as the resident: AppealService's scope applies) ---
  // Files an appeal on channel "web" (R5: the number comes back at once).
  Result<Appeal> File(const Current& current, NewAppeal input);
  // `archive`: closed appeals (final statuses) instead of open ones.
  Result<AppealPage> List(const Current& current, bool archive, int limit, int offset);
  Result<CabinetCard> Card(const Current& current, int64_t appeal_id);
  // The resident's transitions: confirm, not_confirm (R18), cancel (R7),
  // provide_details. Others: "forbidden".
  Result<Appeal> Act(const Current& current, int64_t appeal_id, const std::string& action,
                     const std::string& note);
  // R25: one 1-5 rating per appeal, with a comment, once the work was sent
  // for confirmation or the appeal is completed or not confirmed.
  // Refusals: "not_found", "invalid_score", "invalid_comment", "not_rateable",
  // "already_rated".
  Result<Rating> Rate(const Current& current, int64_t appeal_id, int score,
                      const std::string& comment);
  // A photo or document of the resident's own open appeal (FileStore checks
  // type and size). Refusals: "not_found", "closed", "missing_file",
  // "too_large", "type_not_allowed", "type_mismatch", "too_many_files".
  Result<Attachment> Attach(const Current& current, int64_t appeal_id, std::string_view bytes,
                            std::string_view claimed_type, std::string_view original_name);
  struct FileBytes {
    Attachment attachment;
    std::string bytes;
  };
  Result<FileBytes> ReadFile(const Current& current, int64_t appeal_id, const std::string& sha256);

  // Deletes expired sessions and stale codes; returns the sessions deleted.
  // `vikno serve` runs it every 15 minutes on its timer (host/commands.cc),
  // so a quiet cabinet keeps no dead session or code either.
  int64_t PurgeExpired();

  static constexpr int kMaxFilesPerAppeal = 20;

 private:
  Result<SignedIn> StartSession(const CabinetAccount& account, const std::string& client_address,
                                const std::string& presented_token, bool created,
                                const std::string& how);
  // "ok" when `code` matches the login's live code; spends nothing.
  Result<Done> CheckCode(const std::string& login, const std::string& code);
  void BindLogin(const std::string& resident_id, const CabinetLogin& login);
  // Records a wrong password against the login's throttle `key` and locks
  // the login for config_.password_lockout_minutes after
  // config_.password_free_failures of them (audited on the account).
  void CountWrongPassword(const std::string& key, const std::optional<LoginThrottle>& before,
                          const CabinetAccount* account, const Actor& actor, Timestamp now);
  std::string ChannelFor(const std::string& kind) const;
  http::Argon2Params Params() const { return argon2_; }

  Store& store_;
  AppealService& appeals_;
  FileStore& files_;
  Clock& clock_;
  CabinetConfig config_;
  http::Argon2Params argon2_;
  std::set<std::string> channels_;
  std::function<void(const std::string&)> wake_;
  std::string dummy_hash_;
  FilesConfig files_limits_;
  int retention_years_;
};

}  // namespace vikno
