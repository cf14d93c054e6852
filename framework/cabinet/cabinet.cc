#include "cabinet/cabinet.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

#include <sys/random.h>

#include "core/phone.h"
#include "core/status.h"
#include "core/transitions.h"

namespace vikno {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

std::string ToJson(const Poco::JSON::Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

// The resident as the workflow knows them (AppealService scopes by it).
Actor ResidentActor(const CabinetAccount& account, const std::string& client_address) {
  return Actor{Role::kResident, account.resident_id, client_address, {}};
}

AuditEntry CabinetAudit(const Actor& actor, Timestamp at, int64_t account_id, std::string action,
                        std::string details = "{}") {
  return AuditEntry::By(actor, at, "cabinet_account",
                        account_id ? std::to_string(account_id) : "", std::move(action),
                        std::move(details));
}

bool IsEmailChar(unsigned char c) {
  return std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '+' || c == '\'';
}

// A deliberately plain e-mail check: local@domain.tld in ASCII, which is what
// the e-mail channel can address; an internationalised address is refused
// with a clear error rather than mis-sent.
std::optional<std::string> NormaliseEmail(std::string_view text) {
  std::string s;
  for (char c : text) s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  s = s.substr(b);
  const size_t at = s.find('@');
  if (s.size() > 191 || at == std::string::npos || at == 0 || s.find('@', at + 1) != std::string::npos)
    return std::nullopt;
  const std::string local = s.substr(0, at), domain = s.substr(at + 1);
  if (domain.find('.') == std::string::npos || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string::npos)
    return std::nullopt;
  for (unsigned char c : local)
    if (!IsEmailChar(c)) return std::nullopt;
  for (unsigned char c : domain)
    if (!(std::isalnum(c) || c == '.' || c == '-')) return std::nullopt;
  return s;
}

std::string Mask(const CabinetLogin& login) {
  if (login.kind == "email") {
    const size_t at = login.value.find('@');
    return login.value.substr(0, 1) + "***" + login.value.substr(at);
  }
  if (login.value.size() <= 8) return login.value;
  return login.value.substr(0, 6) + "***" + login.value.substr(login.value.size() - 2);
}

// A six-digit code from the kernel's randomness, uniform: 32 random bits,
// rejecting the top sliver that 10^6 does not divide.
std::string NewCode() {
  constexpr uint32_t kLimit = 4294000000u;  // 4294 * 10^6 <= 2^32
  for (;;) {
    uint32_t n = 0;
    if (getrandom(&n, sizeof n, 0) != static_cast<ssize_t>(sizeof n))
      throw std::runtime_error("getrandom gave no randomness for a one-time code");
    if (n >= kLimit) continue;
    char buf[8];
    std::snprintf(buf, sizeof buf, "%06u", static_cast<unsigned>(n % 1000000u));
    return buf;
  }
}

std::string CodeHash(const std::string& salt, const std::string& code) {
  return http::Sha256Hex(salt + ":" + code);
}

bool ValidCodeShape(const std::string& code) {
  return code.size() == 6 &&
         std::all_of(code.begin(), code.end(), [](unsigned char c) { return std::isdigit(c); });
}

// The transitions a resident takes from the cabinet (core/transitions.h).
bool ResidentAction(const std::string& action) {
  return action == "confirm" || action == "not_confirm" || action == "cancel" ||
         action == "provide_details";
}

// Transition notes meant for the resident: the executor's answer, the reason
// of a refusal, the moderator's question, the resident's own words. Every
// other note (return for rework, phone confirmations, internal reasons) is
// staff-internal.
bool NoteForResident(const std::string& action) {
  return action == "send_for_confirmation" || action == "reject" || action == "ask_details" ||
         action == "provide_details" || action == "not_confirm" || action == "cancel";
}

}  // namespace

Cabinet::Cabinet(Store& store, AppealService& appeals, FileStore& files, Clock& clock,
                 CabinetConfig config, http::Argon2Params argon2, std::set<std::string> channels,
                 std::function<void(const std::string&)> wake, FilesConfig files_limits,
                 int retention_years)
    : store_(store),
      appeals_(appeals),
      files_(files),
      clock_(clock),
      config_(std::move(config)),
      argon2_(argon2),
      channels_(std::move(channels)),
      wake_(std::move(wake)),
      dummy_hash_(http::HashPassword(http::RandomToken(16), argon2)),
      files_limits_(std::move(files_limits)),
      retention_years_(retention_years) {}

Result<CabinetLogin> Cabinet::ParseLogin(std::string_view text) {
  if (text.find('@') != std::string_view::npos) {
    if (auto email = NormaliseEmail(text)) return CabinetLogin{*email, "email"};
    return Refuse("invalid_login", "not an e-mail address we can write to");
  }
  if (auto phone = NormalizePhone(text)) return CabinetLogin{*phone, "phone"};
  return Refuse("invalid_login", "give an e-mail address or a phone number");
}

std::string Cabinet::ChannelFor(const std::string& kind) const {
  return kind == "email" ? config_.email_channel : config_.sms_channel;
}

Result<Cabinet::CodeSent> Cabinet::SendCode(std::string_view text,
                                            const std::string& client_address,
                                            std::chrono::seconds* retry_after) {
  auto login = ParseLogin(text);
  if (!login) return login.refusal();
  const std::string channel = ChannelFor(login->kind);
  if (!channels_.count(channel))
    return Refuse("channel_unavailable", "codes cannot be sent to a " + login->kind +
                                             " here: the city runs no '" + channel + "' channel");
  const Timestamp now = clock_.Now();
  // The address's hourly budget first: one client asking codes for many
  // logins is a spam run, whatever each login's own limit says.
  const std::string address_key = "cabinet-code:" + client_address;
  auto t = store_.FindThrottle(address_key);
  LoginThrottle address{address_key, 0, now, std::nullopt};
  if (t && now - t->last_failure_at < std::chrono::hours(1)) address = *t;
  if (address.failures >= config_.address_max_sends_per_hour) {
    if (retry_after)
      *retry_after = std::chrono::duration_cast<seconds>(address.last_failure_at +
                                                         std::chrono::hours(1) - now);
    return Refuse("too_many_codes", "too many codes asked from this address; try later");
  }
  CabinetCode code;
  code.login = login->value;
  code.window_started_at = now;
  if (auto old = store_.FindCabinetCode(login->value)) {
    const auto since = now - old->created_at;
    if (since < seconds(config_.code_resend_seconds)) {
      if (retry_after)
        *retry_after = seconds(config_.code_resend_seconds) -
                       std::chrono::duration_cast<seconds>(since);
      return Refuse("too_soon", "a code was sent a moment ago; wait before asking again");
    }
    if (now - old->window_started_at < std::chrono::hours(1)) {
      if (old->sends_in_window >= config_.code_max_sends_per_hour) {
        if (retry_after)
          *retry_after = std::chrono::duration_cast<seconds>(old->window_started_at +
                                                             std::chrono::hours(1) - now);
        return Refuse("too_many_codes", "too many codes for this login this hour; try later");
      }
      code.window_started_at = old->window_started_at;
      code.sends_in_window = old->sends_in_window;
    }
  }
  const std::string plain = NewCode();
  code.salt = http::RandomToken(12);
  code.code_hash = CodeHash(code.salt, plain);
  code.failed_attempts = 0;
  code.created_at = now;
  code.expires_at = now + minutes(config_.code_ttl_minutes);
  code.sends_in_window += 1;
  store_.SaveCabinetCode(code);
  address.failures += 1;
  address.last_failure_at = address.failures == 1 ? now : address.last_failure_at;
  store_.SaveThrottles({address}, {});

  // The code goes out as a queued message like every other (durable,
  // rate-limited by the channel). It sits in the row's params under
  // kOutboxSecretParam, which the store removes when the row is sent or
  // failed for good: only the resident's mailbox or phone keeps it.
  OutboxMessage m;
  m.idempotency_key = "cabinet-code:" + code.salt;
  m.channel = channel;
  m.address = login->value;
  m.recipient_kind = "resident";
  m.text_key = "cabinet.code.message";
  Poco::JSON::Object params;
  params.set(kOutboxSecretParam, plain);
  params.set("minutes", std::to_string(config_.code_ttl_minutes));
  m.params = ToJson(params);
  m.priority = 0;  // the resident is waiting at the page
  m.next_attempt_at = now;
  m.created_at = now;
  m.updated_at = now;
  store_.EnqueueOutbox(m);
  if (wake_) wake_(channel);
  return CodeSent{Mask(login.value()), config_.code_ttl_minutes * 60, config_.code_resend_seconds};
}

Result<Done> Cabinet::CheckCode(const std::string& login, const std::string& code) {
  auto stored = store_.FindCabinetCode(login);
  const Timestamp now = clock_.Now();
  // Exhausted first: the spent code of a guessing run keeps saying so.
  if (stored && stored->failed_attempts >= config_.code_max_attempts)
    return Refuse("code_exhausted", "too many wrong codes; ask for a new one");
  if (!stored || stored->code_hash.empty() || stored->expires_at <= now)
    return Refuse("bad_code", "the code is wrong or expired; ask for a new one");
  if (!ValidCodeShape(code) ||
      !http::ConstantTimeEquals(CodeHash(stored->salt, code), stored->code_hash)) {
    const int failures = store_.FailCabinetCode(login);
    if (failures >= config_.code_max_attempts) {
      store_.SpendCabinetCode(login);
      return Refuse("code_exhausted", "too many wrong codes; ask for a new one");
    }
    return Refuse("bad_code", "the code is wrong or expired; ask for a new one");
  }
  return Done{};
}

void Cabinet::BindLogin(const std::string& resident_id, const CabinetLogin& login) {
  const std::string channel = ChannelFor(login.kind);
  if (!channels_.count(channel)) return;
  if (auto bound = store_.FindChannelBindingByChat(channel, login.value)) return;
  for (const auto& b : store_.ListChannelBindings(resident_id))
    if (b.channel == channel) return;  // keep the chat they already use there
  const Timestamp now = clock_.Now();
  store_.UpsertChannelBinding(ChannelBinding{resident_id, channel, login.value, true, now, now});
}

Result<Cabinet::SignedIn> Cabinet::StartSession(const CabinetAccount& account,
                                                const std::string& client_address,
                                                const std::string& presented_token, bool created,
                                                const std::string& how) {
  const Timestamp now = clock_.Now();
  SignedIn out;
  out.account = account;
  out.token = http::RandomToken(32);
  out.csrf_token = http::RandomToken(24);
  out.created = created;
  CabinetSession s{http::Sha256Hex(out.token), account.id, out.csrf_token, client_address, now,
                   now};
  Poco::JSON::Object details;
  details.set("how", how);
  store_.CreateCabinetSession(
      s, presented_token.empty() ? "" : http::Sha256Hex(presented_token),
      CabinetAudit(ResidentActor(account, client_address), now, account.id, "sign_in",
                   ToJson(details)));
  return out;
}

Result<Cabinet::SignedIn> Cabinet::SignInWithCode(std::string_view text, const std::string& code,
                                                  const std::optional<SignUp>& sign_up,
                                                  const std::string& client_address,
                                                  const std::string& presented_token) {
  auto login = ParseLogin(text);
  if (!login) return login.refusal();
  if (auto checked = CheckCode(login->value, code); !checked) return checked.refusal();
  if (auto account = store_.FindCabinetAccountByLogin(login->value)) {
    store_.SpendCabinetCode(login->value);
    return StartSession(*account, client_address, presented_token, false, "code");
  }
  if (!sign_up)
    return Refuse("consent_required",
                  "no account yet: accept the privacy notice to sign up (the code stays valid)");
  if (sign_up->privacy_version != config_.privacy_version)
    return Refuse("stale_privacy_version",
                  "the privacy notice changed; read version " + config_.privacy_version);
  if (sign_up->name.size() > 200 || !IsValidUtf8(sign_up->name))
    return Refuse("invalid_name", "the name is longer than 200 bytes or not UTF-8");
  const Timestamp now = clock_.Now();
  // Linking (see cabinet.h): only a binding on the e-mail/SMS channel proves
  // the chat resident controls this very address.
  std::optional<Resident> new_resident;
  std::string resident_id;
  if (auto bound = store_.FindChannelBindingByChat(ChannelFor(login->kind), login->value)) {
    resident_id = bound->resident_id;
  } else {
    Resident r;
    r.id = NewResidentId();
    r.created_at = now;
    new_resident = r;
    resident_id = r.id;
  }
  CabinetAccount account;
  account.login = login->value;
  account.login_kind = login->kind;
  account.resident_id = resident_id;
  account.created_at = now;
  account.updated_at = now;
  Identity identity{sign_up->name, login->kind == "phone" ? login->value : "",
                    login->kind == "email" ? login->value : ""};
  Poco::JSON::Object details;
  details.set("login_kind", login->kind);
  details.set("resident_id", resident_id);
  details.set("linked", !new_resident.has_value());
  details.set("privacy_version", sign_up->privacy_version);
  const Actor actor{Role::kResident, resident_id, client_address, {}};
  auto created = store_.CreateCabinetAccount(
      account, new_resident, identity, Consent{now, sign_up->privacy_version},
      CabinetAudit(actor, now, 0, "sign_up", ToJson(details)));
  if (!created) return created.refusal();
  BindLogin(resident_id, login.value());
  return StartSession(created.value(), client_address, presented_token, true, "code");
}

Result<Cabinet::SignedIn> Cabinet::SignInWithPassword(std::string_view text,
                                                      const std::string& password,
                                                      const std::string& client_address,
                                                      const std::string& presented_token,
                                                      std::chrono::seconds* retry_after) {
  auto login = ParseLogin(text);
  const std::string key = "cabinet-login:" + (login ? login->value : std::string(text));
  const Timestamp now = clock_.Now();
  auto throttle = store_.FindThrottle(key);
  if (throttle && throttle->blocked_until && *throttle->blocked_until > now) {
    if (retry_after)
      *retry_after = std::chrono::duration_cast<seconds>(*throttle->blocked_until - now);
    return Refuse("throttled", "too many wrong passwords; try later or sign in with a code");
  }
  std::optional<CabinetAccount> account;
  if (login) account = store_.FindCabinetAccountByLogin(login->value);
  const bool has = account && !account->password_hash.empty();
  // An unknown login takes as long as a wrong password (no enumeration).
  const bool ok = http::VerifyPassword(password, has ? account->password_hash : dummy_hash_) && has;
  if (!ok) {
    CountWrongPassword(key, throttle, account ? &*account : nullptr,
                       account ? ResidentActor(*account, client_address) : Actor{}, now);
    return Refuse("bad_credentials", "the login or password is wrong");
  }
  if (throttle) store_.ClearThrottle(key);
  if (http::NeedsRehash(account->password_hash, argon2_))
    (void)store_.SetCabinetPassword(account->id, http::HashPassword(password, argon2_), "",
                                    std::nullopt);
  return StartSession(*account, client_address, presented_token, false, "password");
}

Result<Cabinet::SignedIn> Cabinet::ResetPassword(std::string_view text, const std::string& code,
                                                 const std::string& password,
                                                 const std::string& client_address,
                                                 const std::string& presented_token) {
  auto login = ParseLogin(text);
  if (!login) return login.refusal();
  if (auto problem = http::PasswordProblem(password, login->value))
    return Refuse("weak_password", *problem);
  if (auto checked = CheckCode(login->value, code); !checked) return checked.refusal();
  auto account = store_.FindCabinetAccountByLogin(login->value);
  if (!account) return Refuse("bad_code", "the code is wrong or expired; ask for a new one");
  store_.SpendCabinetCode(login->value);
  const Timestamp now = clock_.Now();
  auto set = store_.SetCabinetPassword(
      account->id, http::HashPassword(password, argon2_), "",
      CabinetAudit(ResidentActor(*account, client_address), now, account->id, "password_reset"));
  if (!set) return set.refusal();
  store_.ClearThrottle("cabinet-login:" + login->value);
  return StartSession(*account, client_address, presented_token, false, "password_reset");
}

Result<Cabinet::Current> Cabinet::Resolve(const std::string& token,
                                          const std::string& client_address) {
  if (token.empty()) return Refuse("unauthorized", "sign in to the cabinet");
  const std::string hash = http::Sha256Hex(token);
  auto session = store_.FindCabinetSession(hash);
  if (!session) return Refuse("unauthorized", "sign in to the cabinet");
  const Timestamp now = clock_.Now();
  if (now - session->last_seen_at > minutes(config_.session_idle_minutes) ||
      now - session->created_at > std::chrono::hours(config_.session_absolute_hours)) {
    store_.DeleteCabinetSession(hash, std::nullopt);
    return Refuse("session_expired", "the session has expired; sign in again");
  }
  auto account = store_.FindCabinetAccount(session->account_id);
  if (!account || account->erased_at) return Refuse("unauthorized", "sign in to the cabinet");
  // Touch at most once a minute: a page's burst of requests is one write.
  if (now - session->last_seen_at >= minutes(1)) store_.TouchCabinetSession(hash, now);
  return Current{*session, *account, ResidentActor(*account, client_address)};
}

void Cabinet::SignOut(const Current& current) {
  store_.DeleteCabinetSession(current.session.token_hash,
                              CabinetAudit(current.actor, clock_.Now(), current.account.id,
                                           "sign_out"));
}

void Cabinet::CountWrongPassword(const std::string& key, const std::optional<LoginThrottle>& before,
                                 const CabinetAccount* account, const Actor& actor, Timestamp now) {
  LoginThrottle t = before.value_or(LoginThrottle{key, 0, now, std::nullopt});
  t.failures += 1;
  t.last_failure_at = now;
  t.blocked_until.reset();
  std::vector<AuditEntry> audit;
  if (t.failures >= config_.password_free_failures) {
    t.blocked_until = now + minutes(config_.password_lockout_minutes);
    t.failures = 0;
    if (account) audit.push_back(CabinetAudit(actor, now, account->id, "lockout"));
  }
  store_.SaveThrottles({t}, audit);
}

Result<Done> Cabinet::ChangePassword(const Current& current, const std::string& current_password,
                                     const std::string& password) {
  if (!current.account.password_hash.empty()) {
    // The same throttle as signing in with this login: whoever holds the
    // session gets no more guesses at the password than a stranger.
    const std::string key = "cabinet-login:" + current.account.login;
    const Timestamp now = clock_.Now();
    auto throttle = store_.FindThrottle(key);
    if (throttle && throttle->blocked_until && *throttle->blocked_until > now)
      return Refuse("throttled", "too many wrong passwords; try later");
    if (!http::VerifyPassword(current_password, current.account.password_hash)) {
      CountWrongPassword(key, throttle, &current.account, current.actor, now);
      return Refuse("bad_credentials", "the current password is wrong");
    }
    if (throttle) store_.ClearThrottle(key);
  }
  if (auto problem = http::PasswordProblem(password, current.account.login))
    return Refuse("weak_password", *problem);
  return store_.SetCabinetPassword(
      current.account.id, http::HashPassword(password, argon2_), current.session.token_hash,
      CabinetAudit(current.actor, clock_.Now(), current.account.id, "password_change"));
}

Result<Cabinet::Profile> Cabinet::GetProfile(const Current& current) {
  auto resident = store_.FindResident(current.account.resident_id);
  if (!resident) return Refuse("not_found", "the account's resident is gone");
  return Profile{current.account, *resident, !current.account.password_hash.empty()};
}

Result<Done> Cabinet::SetName(const Current& current, const std::string& name) {
  if (name.size() > 200 || !IsValidUtf8(name))
    return Refuse("invalid_name", "the name is longer than 200 bytes or not UTF-8");
  return store_.SetCabinetName(current.account.id, name,
                               CabinetAudit(current.actor, clock_.Now(), current.account.id,
                                            "edit_name"));
}

Result<Done> Cabinet::Erase(const Current& current) {
  Poco::JSON::Object details;
  details.set("resident_id", current.account.resident_id);
  details.set("login_kind", current.account.login_kind);
  return store_.EraseCabinetAccount(
      current.account.id,
      CabinetAudit(current.actor, clock_.Now(), current.account.id, "erase", ToJson(details)));
}

Result<Appeal> Cabinet::File(const Current& current, NewAppeal input) {
  input.channel = "web";
  input.resident_id = current.account.resident_id;
  input.anonymous = false;
  input.identity.reset();
  input.consent.reset();  // given at sign-up (R31)
  return appeals_.Create(input, current.actor);
}

Result<AppealPage> Cabinet::List(const Current& current, bool archive, int limit, int offset) {
  AppealQuery q;
  for (const auto& info : AllStatuses())
    if (info.final == archive) q.statuses.push_back(info.status);
  q.limit = std::clamp(limit, 1, 100);
  q.offset = std::max(0, offset);
  q.with_total = true;
  return appeals_.List(q, current.actor);
}

Result<CabinetCard> Cabinet::Card(const Current& current, int64_t appeal_id) {
  auto card = appeals_.Card(appeal_id, current.actor);
  if (!card) return card.refusal();
  CabinetCard out;
  out.appeal = card->appeal;
  out.comments = card->comments;
  out.attachments = card->attachments;
  for (const auto& e : store_.ListAudit("appeal", std::to_string(appeal_id))) {
    CabinetTimelineEntry t;
    t.at = e.at;
    t.action = e.action;
    t.by = e.actor_role == "resident" ? "resident" : e.actor_role == "system" ? "system" : "city";
    Poco::JSON::Object::Ptr details;
    try {
      Poco::JSON::Parser parser;
      details = parser.parse(e.details).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
      continue;
    } catch (const std::exception&) {
      continue;
    }
    if (!details) continue;
    if (e.action == "create") {
      t.status = "new";
    } else if (details->has("to")) {
      t.status = details->getValue<std::string>("to");
      if (NoteForResident(e.action) && details->has("note"))
        t.note = details->getValue<std::string>("note");
    } else {
      continue;  // comments, files, flags: shown as such or staff-internal
    }
    out.timeline.push_back(std::move(t));
  }
  for (const auto& r : store_.ListRatingsForAppeal(appeal_id))
    if (r.resident_id == current.account.resident_id) out.rating = r;
  for (const auto& rule : AllTransitions())
    if (rule.from == out.appeal.status && rule.roles.Has(Role::kResident) &&
        ResidentAction(std::string(rule.action)))
      out.actions.emplace_back(rule.action);
  const Status s = out.appeal.status;
  if (!out.rating && (s == Status::kAwaitingConfirmation || s == Status::kCompleted ||
                      s == Status::kNotConfirmed))
    out.actions.emplace_back("rate");
  return out;
}

Result<Appeal> Cabinet::Act(const Current& current, int64_t appeal_id, const std::string& action,
                            const std::string& note) {
  if (!ResidentAction(action)) {
    // Scope first, so another resident's id stays "not found".
    auto appeal = appeals_.Get(appeal_id, current.actor);
    if (!appeal) return appeal.refusal();
    return Refuse("forbidden", "a resident may confirm, not confirm, cancel or add details");
  }
  TransitionRequest request;
  request.action = action;
  request.note = note;
  return appeals_.Transition(appeal_id, request, current.actor);
}

Result<Rating> Cabinet::Rate(const Current& current, int64_t appeal_id, int score,
                             const std::string& comment) {
  auto appeal = appeals_.Get(appeal_id, current.actor);
  if (!appeal) return appeal.refusal();
  if (!Rating::ValidScore(score)) return Refuse("invalid_score", "the score must be 1 to 5");
  if (comment.size() > AppealService::kMaxCommentBytes || !IsValidUtf8(comment))
    return Refuse("invalid_comment", "the comment is too long or not UTF-8");
  const Status s = appeal->status;
  if (s != Status::kAwaitingConfirmation && s != Status::kCompleted && s != Status::kNotConfirmed)
    return Refuse("not_rateable", "an appeal is rated once its work is done");
  for (const auto& r : store_.ListRatingsForAppeal(appeal_id))
    if (r.resident_id == current.account.resident_id)
      return Refuse("already_rated", "this appeal is rated already");
  Rating rating;
  rating.appeal_id = appeal_id;
  rating.resident_id = current.account.resident_id;
  rating.executor_id = appeal->lead_executor();
  rating.score = score;
  rating.comment = comment;
  rating.created_at = clock_.Now();
  rating.id = store_.AddRating(rating);
  return rating;
}

Result<Attachment> Cabinet::Attach(const Current& current, int64_t appeal_id,
                                   std::string_view bytes, std::string_view claimed_type,
                                   std::string_view original_name) {
  auto appeal = appeals_.Get(appeal_id, current.actor);
  if (!appeal) return appeal.refusal();
  if (Info(appeal->status).final) return Refuse("closed", "the appeal is closed");
  if (bytes.empty()) return Refuse("missing_file", "the file is empty");
  if (store_.ListAttachments(appeal_id).size() >= kMaxFilesPerAppeal)
    return Refuse("too_many_files",
                  "an appeal takes at most " + std::to_string(kMaxFilesPerAppeal) + " files");
  auto stored = files_.Put(bytes, claimed_type, original_name);
  if (!stored) return stored.refusal();
  const Timestamp now = clock_.Now();
  Attachment a;
  a.appeal_id = appeal_id;
  a.sha256 = stored->sha256;
  a.media_type = stored->content_type;
  a.size = stored->size;
  a.original_name = stored->original_name;
  a.uploaded_by = current.account.resident_id;
  a.created_at = now;
  Poco::JSON::Object details;
  details.set("sha256", a.sha256);
  details.set("media_type", a.media_type);
  details.set("size", a.size);
  details.set("original_name", a.original_name);
  // R5, 002 §3.4: the resident's photos and documents, audited like staff's.
  return store_.AddAttachment(a, AuditEntry::By(current.actor, now, "appeal",
                                                std::to_string(appeal_id), "attach",
                                                ToJson(details)));
}

Result<Cabinet::FileBytes> Cabinet::ReadFile(const Current& current, int64_t appeal_id,
                                        const std::string& sha256) {
  auto appeal = appeals_.Get(appeal_id, current.actor);
  if (!appeal) return appeal.refusal();
  for (auto& a : store_.ListAttachments(appeal_id)) {
    if (a.sha256 != sha256) continue;
    auto bytes = files_.Read(sha256);
    if (!bytes) break;
    return FileBytes{std::move(a), std::move(*bytes)};
  }
  return Refuse("not_found", "no such file");
}

int64_t Cabinet::PurgeExpired() {
  const Timestamp now = clock_.Now();
  return store_.PurgeCabinetSessions(now - minutes(config_.session_idle_minutes),
                                     now - std::chrono::hours(config_.session_absolute_hours));
}

}  // namespace vikno
