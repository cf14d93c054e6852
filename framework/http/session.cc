#include "http/session.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "http/totp.h"

namespace vikno::http {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr size_t kMaxLoginBytes = 48;  // "user:<login>" fits the audit's 64
constexpr size_t kMaxTokenBytes = 128;
constexpr int kRecoveryCodes = 10;
constexpr size_t kMaxRecoveryCodeBytes = 64;

std::string Stringify(const Object& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

Array::Ptr ServicesJson(const std::vector<std::string>& services) {
  Array::Ptr a = new Array;
  for (const auto& s : services) a->add(s);
  return a;
}

// Logins are lower-case ASCII words: what people type on any keyboard layout
// without surprises, and safe in an audit line.
bool IsValidLogin(const std::string& login) {
  if (login.size() < 2 || login.size() > kMaxLoginBytes) return false;
  if (!std::isalnum(static_cast<unsigned char>(login[0]))) return false;
  return std::all_of(login.begin(), login.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

bool NeedsServices(const std::string& role) { return role == "moderator" || role == "executor"; }

std::string ActorId(const StaffUser& user) { return "user:" + user.login; }

AuditEntry UserAudit(const Actor& actor, Timestamp at, int64_t user_id, std::string action,
                     std::string details = "{}") {
  return AuditEntry::By(actor, at, "user", std::to_string(user_id), std::move(action),
                        std::move(details));
}

// The actor of a login attempt: the user when the login names one, else the
// login as typed (bounded, it is only ever shown as text).
AuditEntry AttemptAudit(const std::optional<StaffUser>& user, const std::string& login,
                        const std::string& client, Timestamp at, std::string action,
                        const std::string& key = "") {
  Object details;
  details.set("login", login);
  if (!key.empty()) details.set("throttle", key);
  AuditEntry e;
  e.at = at;
  e.actor_id = user ? ActorId(*user) : "unknown";
  e.actor_role = user ? user->role : "";
  e.client_address = client;
  e.entity = "user";
  e.entity_id = user ? std::to_string(user->id) : "";
  e.action = std::move(action);
  e.details = Stringify(details);
  return e;
}

}  // namespace

bool IsStaffRole(const std::string& role) {
  return role == "operator" || role == "moderator" || role == "executor" ||
         role == "decision_maker" || role == "administrator";
}

Accounts::Accounts(Store& store, Clock& clock, AccountsConfig config)
    : store_(store), clock_(clock), config_(std::move(config)) {
  // Same parameters as real hashes, so an unknown login costs the same time.
  dummy_hash_ = HashPassword(RandomToken(18), Params());
}

Argon2Params Accounts::Params() const {
  return Argon2Params{static_cast<uint32_t>(config_.argon2_time_cost),
                      static_cast<uint32_t>(config_.argon2_memory_kib),
                      static_cast<uint32_t>(config_.argon2_parallelism)};
}

std::string Accounts::NormaliseLogin(const std::string& login) {
  size_t b = 0, e = login.size();
  while (b < e && std::isspace(static_cast<unsigned char>(login[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(login[e - 1]))) --e;
  std::string out = login.substr(b, e - b);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::chrono::seconds Accounts::BlockedFor(const std::optional<LoginThrottle>& t,
                                          Timestamp now) const {
  if (!t || !t->blocked_until || now >= *t->blocked_until) return std::chrono::seconds(0);
  return std::chrono::duration_cast<std::chrono::seconds>(*t->blocked_until - now);
}

LoginThrottle Accounts::Fail(std::optional<LoginThrottle> t, const std::string& key,
                             int free_failures, int lockout_failures, Timestamp now,
                             bool* locked) const {
  LoginThrottle out = t.value_or(LoginThrottle{key, 0, now, std::nullopt});
  out.failures += 1;
  out.last_failure_at = now;
  out.blocked_until.reset();
  *locked = false;
  if (out.failures >= lockout_failures) {
    // Lock-out: the count starts again afterwards, so each lock-out is one
    // audited event and a persistent guesser is locked again soon.
    out.blocked_until = now + std::chrono::minutes(config_.lockout_minutes);
    out.failures = 0;
    *locked = true;
  } else if (out.failures > free_failures) {
    // Exponential: delay, 2x, 4x ... up to the maximum.
    const int steps = std::min(out.failures - free_failures - 1, 20);
    const int64_t delay =
        std::min<int64_t>(int64_t{config_.delay_seconds} << steps, config_.max_delay_seconds);
    out.blocked_until = now + std::chrono::seconds(delay);
  }
  return out;
}

Accounts::LoginOutcome Accounts::Login(const std::string& raw_login, const std::string& password,
                                       const std::string& client_address,
                                       const std::string& presented_token) {
  const Timestamp now = clock_.Now();
  std::string login = NormaliseLogin(raw_login);
  if (login.size() > kMaxLoginBytes) login.resize(kMaxLoginBytes);
  const std::string login_key = "login:" + login;
  const std::string address_key = "address:" + client_address;
  auto login_throttle = store_.FindThrottle(login_key);
  auto address_throttle = store_.FindThrottle(address_key);
  const auto wait = std::max(BlockedFor(login_throttle, now), BlockedFor(address_throttle, now));
  LoginOutcome outcome;
  if (wait.count() > 0) {
    outcome.kind = LoginOutcome::Kind::kThrottled;
    outcome.retry_after = wait;
    return outcome;
  }

  std::optional<StaffUser> user;
  if (IsValidLogin(login)) user = store_.FindUserByLogin(login);
  bool ok = false;
  if (user) {
    ok = VerifyPassword(password, user->password_hash) && user->active;
  } else {
    VerifyPassword(password, dummy_hash_);  // the same work as a real check
  }

  if (!ok) {
    bool login_locked = false, address_locked = false;
    std::vector<LoginThrottle> throttles = {
        Fail(login_throttle, login_key, config_.free_failures, config_.lockout_failures, now,
             &login_locked),
        Fail(address_throttle, address_key, config_.address_free_failures,
             config_.address_lockout_failures, now, &address_locked)};
    std::vector<AuditEntry> audit = {
        AttemptAudit(user, login, client_address, now, "login_failed")};
    if (login_locked)
      audit.push_back(AttemptAudit(user, login, client_address, now, "lockout", login_key));
    if (address_locked)
      audit.push_back(AttemptAudit(user, login, client_address, now, "lockout", address_key));
    store_.SaveThrottles(throttles, audit);
    outcome.kind = LoginOutcome::Kind::kBadCredentials;
    return outcome;
  }

  if (NeedsRehash(user->password_hash, Params())) {
    // The cost was raised (or lowered) in the config: upgrade silently now
    // that the password is known; sessions stay.
    user->password_hash = HashPassword(password, Params());
    (void)store_.SetPasswordHash(user->id, user->password_hash, "", std::nullopt);
  }
  // B10: with a second factor the password alone opens only the code step;
  // a required role without one opens only enrolment.
  std::string stage = kFull;
  if (TwoFactorEnabled(user->id)) {
    stage = kSecondFactor;
  } else if (TwoFactorRequired(user->role)) {
    stage = kEnrol;
  }
  // The login's failures are forgiven only once the sign-in is complete, so
  // a guesser who has the password gets no fresh count of code guesses.
  if (login_throttle && stage != kSecondFactor) store_.ClearThrottle(login_key);

  const std::string replaces = presented_token.empty() || presented_token.size() > kMaxTokenBytes
                                   ? std::string()
                                   : Sha256Hex(presented_token);
  outcome.kind = LoginOutcome::Kind::kSignedIn;
  outcome.signed_in = NewSession(*user, stage, client_address, replaces,
                                 AttemptAudit(user, login, client_address, now,
                                              stage == kFull    ? "login"
                                              : stage == kEnrol ? "login_enrol"
                                                                : "login_password"));
  return outcome;
}

Accounts::SignedIn Accounts::NewSession(const StaffUser& user, const std::string& stage,
                                        const std::string& client, const std::string& replaces,
                                        const AuditEntry& audit) {
  const Timestamp now = clock_.Now();
  SignedIn in;
  in.user = user;
  in.token = RandomToken(32);
  in.csrf_token = RandomToken(32);
  in.stage = stage;
  StaffSession session{Sha256Hex(in.token), user.id, in.csrf_token, client, now, now, stage};
  store_.CreateSession(session, replaces, audit);
  return in;
}

Result<Accounts::Current> Accounts::Resolve(const std::string& token,
                                            const std::string& client_address) {
  if (token.empty() || token.size() > kMaxTokenBytes)
    return Refuse("unauthorized", "a session is required: sign in");
  const std::string hash = Sha256Hex(token);
  auto session = store_.FindSession(hash);
  if (!session) return Refuse("unauthorized", "the session is not valid: sign in again");
  const Timestamp now = clock_.Now();
  const auto idle = std::chrono::minutes(config_.session_idle_minutes);
  const auto lifetime = std::chrono::hours(config_.session_absolute_hours);
  const bool pending_over =
      session->stage == kSecondFactor &&
      now - session->created_at >= std::chrono::minutes(config_.two_factor.pending_minutes);
  if (now - session->last_seen_at >= idle || now - session->created_at >= lifetime ||
      pending_over) {
    (void)store_.DeleteSession(hash, std::nullopt);
    return Refuse("session_expired", "the session has expired: sign in again");
  }
  auto user = store_.FindUser(session->user_id);
  if (!user || !user->active) {
    (void)store_.DeleteSession(hash, std::nullopt);
    return Refuse("unauthorized", "the account is not active");
  }
  auto role = ParseRole(user->role);
  if (!role || !IsStaffRole(user->role))
    return Refuse("unauthorized", "the account has no staff role");
  // Writing on every request would make each read a write; a minute's
  // precision is plenty for a 30-minute idle limit.
  const auto touch_every = std::min<std::chrono::seconds>(std::chrono::seconds(60), idle / 4);
  if (now - session->last_seen_at >= touch_every) {
    store_.TouchSession(hash, now);
    session->last_seen_at = now;
  }
  // B10: promoted into a required role, or the policy changed, since this
  // session began: it is held to enrolment like a fresh sign-in.
  if (session->stage == kFull && TwoFactorRequired(user->role) && !TwoFactorEnabled(user->id))
    session->stage = kEnrol;
  Current current;
  current.actor.role = *role;
  current.actor.id = ActorId(*user);
  current.actor.client_address = client_address;
  current.actor.services = user->services;  // R26: scope from the row, never the request
  current.session = std::move(*session);
  current.user = std::move(*user);
  return current;
}

void Accounts::Logout(const Current& current) {
  (void)store_.DeleteSession(current.session.token_hash,
                             UserAudit(current.actor, clock_.Now(), current.user.id, "logout"));
}

Result<Done> Accounts::ChangePassword(const Current& current, const std::string& current_password,
                                      const std::string& replacement) {
  auto user = store_.FindUser(current.user.id);
  if (!user) return Refuse("unauthorized", "the account is gone");
  if (!VerifyPassword(current_password, user->password_hash))
    return Refuse("bad_credentials", "the current password is wrong");
  if (auto problem = PasswordProblem(replacement, user->login))
    return Refuse("weak_password", *problem);
  if (replacement == current_password)
    return Refuse("weak_password", "the new password must differ from the current one");
  // R33: the audit says that it changed, never what to.
  return store_.SetPasswordHash(
      user->id, HashPassword(replacement, Params()), current.session.token_hash,
      UserAudit(current.actor, clock_.Now(), user->id, "password_change"));
}

std::optional<Refusal> Accounts::CheckRoleAndServices(const std::string& role,
                                                      const std::vector<std::string>& services) {
  if (!IsStaffRole(role))
    return Refuse("invalid_role",
                  "role must be one of operator, moderator, executor, "
                  "decision_maker, administrator; not '" +
                      role + "'");
  if (NeedsServices(role) && services.empty())
    return Refuse("invalid_services", "a " + role + " needs at least one service");
  if (!NeedsServices(role) && !services.empty())
    return Refuse("invalid_services", "a " + role + " works across all services; give no services");
  for (const auto& s : services) {
    if (!store_.FindExecutor(s)) return Refuse("unknown_service", "no service '" + s + "'");
  }
  return std::nullopt;
}

Result<Accounts::Created> Accounts::CreateUser(UserInput input, const Actor& actor) {
  input.login = NormaliseLogin(input.login);
  if (!IsValidLogin(input.login))
    return Refuse("invalid_login",
                  "a login is 2-48 characters of a-z, 0-9, '.', '_' or '-', starting with a "
                  "letter or digit");
  std::sort(input.services.begin(), input.services.end());
  input.services.erase(std::unique(input.services.begin(), input.services.end()),
                       input.services.end());
  if (auto refused = CheckRoleAndServices(input.role, input.services)) return *refused;
  Created created;
  if (input.password.empty()) {
    created.generated_password = input.password = GeneratePassword();
  } else if (auto problem = PasswordProblem(input.password, input.login)) {
    return Refuse("weak_password", *problem);
  }
  const Timestamp now = clock_.Now();
  StaffUser user;
  user.login = input.login;
  user.name = input.name;
  user.role = input.role;
  user.services = input.services;
  user.password_hash = HashPassword(input.password, Params());
  user.active = true;
  user.created_at = now;
  user.updated_at = now;
  Object details;
  details.set("login", user.login);
  details.set("role", user.role);
  details.set("services", ServicesJson(user.services));
  AuditEntry audit = AuditEntry::By(actor, now, "user", "", "user_create", Stringify(details));
  auto stored = store_.CreateUser(user, audit);
  if (!stored) return stored.refusal();
  created.user = stored.value();
  return created;
}

Result<StaffUser> Accounts::UpdateUser(int64_t id, const UserPatch& patch, const Actor& actor) {
  auto user = store_.FindUser(id);
  if (!user) return Refuse("not_found", "no user " + std::to_string(id));
  StaffUser next = *user;
  if (patch.name) next.name = *patch.name;
  if (patch.role) next.role = *patch.role;
  if (patch.services) {
    next.services = *patch.services;
    std::sort(next.services.begin(), next.services.end());
    next.services.erase(std::unique(next.services.begin(), next.services.end()),
                        next.services.end());
  } else if (patch.role && !NeedsServices(next.role)) {
    next.services.clear();  // a city-wide role keeps no scope
  }
  if (patch.active) next.active = *patch.active;
  if (auto refused = CheckRoleAndServices(next.role, next.services)) return *refused;
  if (actor.id == ActorId(*user) && (next.role != user->role || !next.active))
    return Refuse("self_change", "you cannot change your own role or deactivate yourself");
  next.updated_at = clock_.Now();
  Object details;
  if (next.name != user->name) details.set("name", next.name);
  if (next.role != user->role) details.set("role", next.role);
  if (next.services != user->services) details.set("services", ServicesJson(next.services));
  if (next.active != user->active) details.set("active", next.active);
  return store_.UpdateUser(
      next, UserAudit(actor, next.updated_at, id, "user_update", Stringify(details)));
}

Result<std::string> Accounts::ResetPassword(int64_t id, const std::string& password,
                                            const Actor& actor) {
  auto user = store_.FindUser(id);
  if (!user) return Refuse("not_found", "no user " + std::to_string(id));
  std::string chosen = password;
  std::string generated;
  if (chosen.empty()) {
    chosen = generated = GeneratePassword();
  } else if (auto problem = PasswordProblem(chosen, user->login)) {
    return Refuse("weak_password", *problem);
  }
  auto set = store_.SetPasswordHash(id, HashPassword(chosen, Params()), "",
                                    UserAudit(actor, clock_.Now(), id, "password_reset"));
  if (!set) return set.refusal();
  return generated;
}

std::optional<std::string> Accounts::BootstrapAdministrator(const std::string& login) {
  if (store_.CountUsers() > 0) return std::nullopt;
  UserInput input;
  input.login = login;
  input.name = "Administrator";
  input.role = "administrator";
  auto created = CreateUser(input, Actor::System("bootstrap"));
  if (!created) return std::nullopt;  // another host created one first
  return created->generated_password;
}

int64_t Accounts::PurgeExpired() {
  const Timestamp now = clock_.Now();
  return store_.PurgeSessions(now - std::chrono::minutes(config_.session_idle_minutes),
                              now - std::chrono::hours(config_.session_absolute_hours));
}

// --- Second factor (B10) ---

namespace {

// Recovery codes are typed from paper: lower case, hyphens and spaces
// optional. "" when the text cannot be one.
std::string NormaliseRecoveryCode(const std::string& raw) {
  if (raw.size() > kMaxRecoveryCodeBytes) return "";
  std::string out;
  for (char c : raw) {
    if (c == '-' || c == ' ') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// "abcde-fghij": 10 base32 characters, 50 bits from the CSPRNG, grouped for
// reading aloud or copying by hand.
std::string NewRecoveryCode() {
  std::string code = totp::Base32Encode(totp::RandomBytes(7)).substr(0, 10);
  for (char& c : code) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return code.substr(0, 5) + "-" + code.substr(5);
}

}  // namespace

bool Accounts::TwoFactorRequired(const std::string& role) const {
  const auto& roles = config_.two_factor.required_roles;
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool Accounts::TwoFactorEnabled(int64_t user_id) {
  auto tf = store_.FindTwoFactor(user_id);
  return tf && tf->enabled;
}

std::optional<Accounts::FactorOutcome> Accounts::FactorThrottled(const StaffUser& user,
                                                                 const std::string& client) {
  const Timestamp now = clock_.Now();
  const auto wait = std::max(BlockedFor(store_.FindThrottle("login:" + user.login), now),
                             BlockedFor(store_.FindThrottle("address:" + client), now));
  if (wait.count() <= 0) return std::nullopt;
  FactorOutcome out;
  out.kind = FactorOutcome::Kind::kThrottled;
  out.retry_after = wait;
  return out;
}

void Accounts::FailFactor(const StaffUser& user, const std::string& client,
                          const std::string& action) {
  // The same counters as a wrong password (the brief of B10): a code is one
  // more guess at the account, not a separate budget.
  const Timestamp now = clock_.Now();
  const std::string login_key = "login:" + user.login;
  const std::string address_key = "address:" + client;
  bool login_locked = false, address_locked = false;
  std::vector<LoginThrottle> throttles = {
      Fail(store_.FindThrottle(login_key), login_key, config_.free_failures,
           config_.lockout_failures, now, &login_locked),
      Fail(store_.FindThrottle(address_key), address_key, config_.address_free_failures,
           config_.address_lockout_failures, now, &address_locked)};
  std::vector<AuditEntry> audit = {AttemptAudit(user, user.login, client, now, action)};
  if (login_locked)
    audit.push_back(AttemptAudit(user, user.login, client, now, "lockout", login_key));
  if (address_locked)
    audit.push_back(AttemptAudit(user, user.login, client, now, "lockout", address_key));
  store_.SaveThrottles(throttles, audit);
}

std::optional<int64_t> Accounts::MatchRecoveryCode(int64_t user_id, const std::string& raw) {
  const std::string code = NormaliseRecoveryCode(raw);
  if (code.size() != 10) return std::nullopt;
  // Salted hashes cannot be looked up; each unused one is verified (at most
  // ten argon2id checks, for a path used once in a long while).
  for (const auto& r : store_.ListRecoveryCodes(user_id))
    if (VerifyPassword(code, r.code_hash)) return r.id;
  return std::nullopt;
}

Accounts::FactorOutcome Accounts::SecondFactor(const Current& pending, const std::string& code,
                                               const std::string& recovery_code) {
  const std::string& client = pending.actor.client_address;
  const StaffUser& user = pending.user;
  if (auto throttled = FactorThrottled(user, client)) return *throttled;
  FactorOutcome out;
  const Timestamp now = clock_.Now();
  auto tf = store_.FindTwoFactor(user.id);
  std::string method;
  if (tf && tf->enabled) {
    if (!code.empty()) {
      auto secret =
          totp::Open(tf->sealed_secret, config_.two_factor.secret_key, std::to_string(user.id));
      if (!secret)
        throw std::runtime_error("the two-factor secret of user " + std::to_string(user.id) +
                                 " does not open: is accounts.two_factor.secret_key "
                                 "the one it was sealed with?");
      auto step = totp::MatchingStep(*secret, code, ToUnix(now));
      if (step && store_.UseTotpStep(user.id, *step)) {
        method = "totp";
      } else if (step) {
        FailFactor(user, client, "second_factor_replay");
        return out;
      }
    } else if (auto id = MatchRecoveryCode(user.id, recovery_code)) {
      Object details;
      details.set("remaining", static_cast<int>(store_.ListRecoveryCodes(user.id).size()) - 1);
      if (store_.UseRecoveryCode(
              user.id, *id, now,
              UserAudit(pending.actor, now, user.id, "recovery_code_used", Stringify(details))))
        method = "recovery_code";
    }
  }
  if (method.empty()) {
    FailFactor(user, client, "second_factor_failed");
    return out;
  }
  store_.ClearThrottle("login:" + user.login);
  AuditEntry audit = AttemptAudit(user, user.login, client, now, "login");
  Object details;
  details.set("login", user.login);
  details.set("second_factor", method);
  audit.details = Stringify(details);
  out.kind = FactorOutcome::Kind::kDone;
  out.signed_in = NewSession(user, kFull, client, pending.session.token_hash, audit);
  return out;
}

Result<Accounts::Enrolment> Accounts::BeginEnrolment(const Current& current) {
  const Timestamp now = clock_.Now();
  const std::string secret = totp::RandomBytes(totp::kSecretBytes);
  auto begun = store_.BeginTwoFactor(
      current.user.id,
      totp::Seal(secret, config_.two_factor.secret_key, std::to_string(current.user.id)), now,
      UserAudit(current.actor, now, current.user.id, "two_factor_begin"));
  if (!begun) return begun.refusal();
  Enrolment e;
  e.secret = totp::Base32Encode(secret);
  e.uri = totp::OtpauthUri(config_.two_factor.issuer, current.user.login, secret);
  e.qr_rows = totp::QrRows(e.uri);
  return e;
}

Accounts::FactorOutcome Accounts::ConfirmEnrolment(const Current& current,
                                                   const std::string& code) {
  const std::string& client = current.actor.client_address;
  const StaffUser& user = current.user;
  if (auto throttled = FactorThrottled(user, client)) return *throttled;
  FactorOutcome out;
  const Timestamp now = clock_.Now();
  auto tf = store_.FindTwoFactor(user.id);
  std::optional<int64_t> step;
  if (tf && !tf->enabled) {
    if (auto secret =
            totp::Open(tf->sealed_secret, config_.two_factor.secret_key, std::to_string(user.id)))
      step = totp::MatchingStep(*secret, code, ToUnix(now));
  }
  if (!step) {
    FailFactor(user, client, "two_factor_confirm_failed");
    return out;
  }
  std::vector<std::string> hashes;
  for (int i = 0; i < kRecoveryCodes; ++i) {
    out.recovery_codes.push_back(NewRecoveryCode());
    hashes.push_back(HashPassword(NormaliseRecoveryCode(out.recovery_codes.back()), Params()));
  }
  auto enabled =
      store_.EnableTwoFactor(user.id, *step, hashes, current.session.token_hash, now,
                             UserAudit(current.actor, now, user.id, "two_factor_enable"));
  if (!enabled) {  // confirmed meanwhile from another tab: not this code's doing
    out.recovery_codes.clear();
    FailFactor(user, client, "two_factor_confirm_failed");
    return out;
  }
  if (current.session.stage != kFull) {
    out.signed_in = NewSession(user, kFull, client, current.session.token_hash,
                               AttemptAudit(user, user.login, client, now, "login"));
  }
  out.kind = FactorOutcome::Kind::kDone;
  return out;
}

Accounts::FactorOutcome Accounts::DisableTwoFactor(const Current& current,
                                                   const std::string& password,
                                                   const std::string& code,
                                                   const std::string& recovery_code) {
  const std::string& client = current.actor.client_address;
  const StaffUser& user = current.user;
  if (auto throttled = FactorThrottled(user, client)) return *throttled;
  FactorOutcome out;
  auto stored = store_.FindUser(user.id);
  if (!stored || !VerifyPassword(password, stored->password_hash)) {
    FailFactor(user, client, "two_factor_disable_failed");
    out.kind = FactorOutcome::Kind::kBadPassword;
    return out;
  }
  const Timestamp now = clock_.Now();
  auto tf = store_.FindTwoFactor(user.id);
  bool proven = false;
  if (tf && tf->enabled) {
    if (!code.empty()) {
      auto secret =
          totp::Open(tf->sealed_secret, config_.two_factor.secret_key, std::to_string(user.id));
      auto step = secret ? totp::MatchingStep(*secret, code, ToUnix(now)) : std::nullopt;
      proven = step && store_.UseTotpStep(user.id, *step);
    } else if (auto id = MatchRecoveryCode(user.id, recovery_code)) {
      proven = store_.UseRecoveryCode(user.id, *id, now,
                                      UserAudit(current.actor, now, user.id, "recovery_code_used"));
    }
  }
  if (!proven) {
    FailFactor(user, client, "two_factor_disable_failed");
    return out;
  }
  auto removed =
      store_.DeleteTwoFactor(user.id, current.session.token_hash,
                             UserAudit(current.actor, now, user.id, "two_factor_disable"));
  if (!removed) {
    out.kind = FactorOutcome::Kind::kBadCode;
    return out;
  }
  if (TwoFactorRequired(user.role)) {
    // The role may not work without a second factor: back to enrolment.
    out.signed_in = NewSession(user, kEnrol, client, current.session.token_hash,
                               AttemptAudit(user, user.login, client, now, "login_enrol"));
  }
  out.kind = FactorOutcome::Kind::kDone;
  return out;
}

Result<Done> Accounts::ResetTwoFactor(const std::string& raw_login, const Actor& actor) {
  const std::string login = NormaliseLogin(raw_login);
  auto user = IsValidLogin(login) ? store_.FindUserByLogin(login) : std::nullopt;
  if (!user) return Refuse("not_found", "no user '" + login + "'");
  auto removed = store_.DeleteTwoFactor(
      user->id, "", UserAudit(actor, clock_.Now(), user->id, "two_factor_reset"));
  if (!removed) return Refuse("not_found", "'" + login + "' has no second factor");
  store_.ClearThrottle("login:" + login);
  return Done{};
}

}  // namespace vikno::http
