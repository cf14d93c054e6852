// The session and user routes (session_http.h lists them).
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/NumberParser.h>

#include "http/api_json.h"
#include "http/api_request_helpers.h"
#include "http/session.h"
#include "http/session_http.h"

namespace vikno::http {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

using api::OnlyFields;
using api::OptBool;
using api::String;

Object::Ptr Parse(Call& call) {
  return api::ParseObject(call.JsonBody());  // 415 unless application/json
}

std::optional<std::string> OptString(const Object::Ptr& o, const std::string& name) {
  if (!o->has(name) || o->isNull(name)) return std::nullopt;
  return String(o, name);
}

std::optional<std::vector<std::string>> OptStrings(const Object::Ptr& o, const std::string& name) {
  if (!o->has(name) || o->isNull(name)) return std::nullopt;
  auto list = o->getArray(name);
  if (!list)
    throw HttpError(400, "invalid_field", "field '" + name + "' must be a list of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < list->size(); ++i) {
    auto v = list->get(static_cast<unsigned>(i));
    if (!v.isString())
      throw HttpError(400, "invalid_field", "field '" + name + "' must be a list of strings");
    out.push_back(v.convert<std::string>());
  }
  return out;
}

int64_t UserId(const Call& call) {
  const std::string& text = call.Param("id");
  Poco::Int64 id = 0;
  if (!Poco::NumberParser::tryParse64(text, id) || id <= 0 || std::to_string(id) != text)
    throw HttpError(400, "invalid_id", "user id must be a positive integer, not '" + text + "'");
  return id;
}

Reply Json(int status, const Object::Ptr& o) { return Reply{status, Stringify(o), {}, {}}; }

int RefusalStatus(const Refusal& r) {
  if (r.code == "not_found") return 404;
  if (r.code == "login_taken" || r.code == "self_change") return 409;
  if (r.code == "weak_password" || r.code == "unknown_service" || r.code == "invalid_services" ||
      r.code == "invalid_role" || r.code == "invalid_login")
    return 422;
  if (r.code == "bad_credentials") return 403;
  return StatusOf(r);
}

Reply Refused(const Refusal& r) {
  return Reply{RefusalStatus(r), ErrorJson(r.code, r.message), {}, {}};
}

Array::Ptr Services(const std::vector<std::string>& services) {
  Array::Ptr a = new Array;
  for (const auto& s : services) a->add(s);
  return a;
}

Object::Ptr SessionUserJson(const StaffUser& u) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("id", u.id);
  o->set("login", u.login);
  o->set("name", u.name);
  o->set("role", u.role);
  o->set("services", Services(u.services));
  return o;
}

Object::Ptr UserJson(const StaffUser& u) {
  Object::Ptr o = SessionUserJson(u);
  o->set("active", u.active);
  o->set("created_at", FormatIso8601(u.created_at));
  o->set("updated_at", FormatIso8601(u.updated_at));
  return o;
}

// `stage` (B10): "full", "second_factor" or "enrol"; the panel shows the
// code form or the enrolment page for the last two.
Object::Ptr SessionJson(Accounts& accounts, const StaffUser& user, const std::string& csrf,
                        const std::string& stage) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("user", SessionUserJson(user));
  o->set("csrf_token", csrf);
  o->set("stage", stage);
  Object::Ptr tf = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  tf->set("enabled", accounts.TwoFactorEnabled(user.id));
  tf->set("required", accounts.TwoFactorRequired(user.role));
  o->set("two_factor", tf);
  return o;
}

Reply SessionReply(Accounts& accounts, const StaffUser& user, const std::string& csrf,
                   const std::string& stage) {
  return Json(200, SessionJson(accounts, user, csrf, stage));
}

std::string ClientOf(Call& call) { return call.request().clientAddress().host().toString(); }

bool SecureCookie(Call& call, const AccountsConfig& config) {
  // Behind a TLS-terminating proxy the request arrives as plain http.
  return config.secure_cookie ||
         Poco::icompare(call.request().get("X-Forwarded-Proto", ""), "https") == 0;
}

std::string CookieHeader(const std::string& value, bool secure, bool clear) {
  std::string c = std::string(kSessionCookie) + "=" + value + "; HttpOnly; SameSite=Strict; Path=/";
  if (clear) c += "; Max-Age=0";
  if (secure) c += "; Secure";
  return c;
}

// The session of the cookie (routes under /api/v1/session are about the
// browser's own session; an API key has none), in one of `stages` (B10):
// anything else is refused as AuthenticateRequest refuses it. A change is
// CSRF-checked here, since these routes do not pass AuthenticateRequest.
Accounts::Current CurrentSession(Accounts& accounts, Call& call,
                                 std::initializer_list<const char*> stages = {Accounts::kFull}) {
  if (call.request().has("Authorization"))
    throw HttpError(400, "not_a_session", "an API key has no session; use the session cookie");
  const std::string token = SessionCookie(call.request());
  if (token.empty()) throw HttpError(401, "unauthorized", "no session: sign in");
  auto current = accounts.Resolve(token, ClientOf(call));
  if (!current) throw HttpError(401, current.refusal().code, current.refusal().message);
  bool allowed = false;
  for (const char* s : stages) allowed = allowed || current->session.stage == s;
  if (!allowed) {
    if (current->session.stage == Accounts::kSecondFactor)
      throw HttpError(401, "second_factor_required",
                      "enter the code from the authenticator app first");
    if (current->session.stage == Accounts::kEnrol)
      throw HttpError(403, "two_factor_enrolment_required",
                      "your role needs two-factor sign-in: set it up first");
    throw HttpError(409, "not_pending", "this session has no second factor to give");
  }
  CheckSessionCsrf(call, current->session.csrf_token, accounts.config().origin);
  return std::move(current.value());
}

constexpr std::initializer_list<const char*> kAnyStage = {Accounts::kFull, Accounts::kSecondFactor,
                                                          Accounts::kEnrol};

void RequireAdministrator(const Call& call) {
  if (call.actor().role != Role::kAdministrator)
    throw HttpError(403, "forbidden", "only an administrator manages users");
}

Reply Login(Accounts& accounts, Call& call) {
  // A cross-site form cannot send application/json without a CORS preflight
  // (JsonBody answers 415 to anything else), and the Origin must be ours:
  // together they block login CSRF.
  CheckOrigin(call.request(), accounts.config().origin);
  auto body = Parse(call);
  OnlyFields(body, {"login", "password"});
  const std::string login = String(body, "login");
  const std::string password = String(body, "password");
  if (login.empty() || password.empty())
    throw HttpError(422, "missing_credentials", "fields 'login' and 'password' are required");
  auto outcome = accounts.Login(login, password, ClientOf(call), SessionCookie(call.request()));
  using Kind = Accounts::LoginOutcome::Kind;
  if (outcome.kind == Kind::kThrottled) {
    const auto seconds = std::max<int64_t>(1, outcome.retry_after.count());
    Reply reply{429,
                ErrorJson("throttled", "too many failed sign-ins; try again in " +
                                           std::to_string(seconds) + " s"),
                {{"Retry-After", std::to_string(seconds)}},
                {}};
    return reply;
  }
  if (outcome.kind == Kind::kBadCredentials)
    return Reply{401, ErrorJson("bad_credentials", "the login or the password is wrong"), {}, {}};
  const auto& in = *outcome.signed_in;
  Reply reply = SessionReply(accounts, in.user, in.csrf_token, in.stage);
  reply.headers.emplace_back("Set-Cookie",
                             CookieHeader(in.token, SecureCookie(call, accounts.config()), false));
  return reply;
}

Reply GetSession(Accounts& accounts, Call& call) {
  auto current = CurrentSession(accounts, call, kAnyStage);
  return SessionReply(accounts, current.user, current.session.csrf_token, current.session.stage);
}

Reply Logout(Accounts& accounts, Call& call) {
  // Any stage may sign out: a pending or enrolling session too.
  auto current = CurrentSession(accounts, call, kAnyStage);
  accounts.Logout(current);
  Reply reply{204, "", {}, {}};
  reply.headers.emplace_back("Set-Cookie",
                             CookieHeader("", SecureCookie(call, accounts.config()), true));
  return reply;
}

Reply ChangePassword(Accounts& accounts, Call& call) {
  auto current = CurrentSession(accounts, call);
  auto body = Parse(call);
  OnlyFields(body, {"current", "new"});
  const std::string replacement = String(body, "new");
  if (replacement.empty()) throw HttpError(422, "missing_new", "field 'new' is required");
  auto done = accounts.ChangePassword(current, String(body, "current"), replacement);
  if (!done) return Refused(done.refusal());
  return Reply{204, "", {}, {}};
}

// --- Second factor (B10) ---

Reply Throttled(std::chrono::seconds retry_after) {
  const auto seconds = std::max<int64_t>(1, retry_after.count());
  return Reply{429,
               ErrorJson("throttled", "too many failed attempts; try again in " +
                                          std::to_string(seconds) + " s"),
               {{"Retry-After", std::to_string(seconds)}},
               {}};
}

// The outcome of a second-factor call: errors, or `done` with the new
// session's cookie when one replaced the presented one.
Reply FactorReply(Accounts& accounts, Call& call, const Accounts::FactorOutcome& outcome,
                  Object::Ptr done) {
  using Kind = Accounts::FactorOutcome::Kind;
  if (outcome.kind == Kind::kThrottled) return Throttled(outcome.retry_after);
  if (outcome.kind == Kind::kBadPassword)
    return Reply{403, ErrorJson("bad_credentials", "the password is wrong"), {}, {}};
  if (outcome.kind == Kind::kBadCode)
    return Reply{
        403,
        ErrorJson("bad_code", "the code is wrong, already used or expired: enter the current one"),
        {},
        {}};
  Reply reply{200, "", {}, {}};
  if (outcome.signed_in) {
    const auto& in = *outcome.signed_in;
    Object::Ptr o = SessionJson(accounts, in.user, in.csrf_token, in.stage);
    for (const auto& [k, v] : *done) o->set(k, v);
    reply = Json(200, o);
    reply.headers.emplace_back(
        "Set-Cookie", CookieHeader(in.token, SecureCookie(call, accounts.config()), false));
  } else {
    reply = Json(200, done);
  }
  return reply;
}

// A 6-digit code or a recovery code, exactly one.
void CodeChoice(const Object::Ptr& body, std::string* code, std::string* recovery) {
  *code = String(body, "code");
  *recovery = String(body, "recovery_code");
  if (code->empty() == recovery->empty())
    throw HttpError(422, "missing_code", "give either 'code' or 'recovery_code'");
}

Reply SecondFactor(Accounts& accounts, Call& call) {
  auto current = CurrentSession(accounts, call, {Accounts::kSecondFactor});
  auto body = Parse(call);
  OnlyFields(body, {"code", "recovery_code"});
  std::string code, recovery;
  CodeChoice(body, &code, &recovery);
  return FactorReply(accounts, call, accounts.SecondFactor(current, code, recovery), new Object);
}

Reply BeginEnrolment(Accounts& accounts, Call& call) {
  auto current = CurrentSession(accounts, call, {Accounts::kFull, Accounts::kEnrol});
  auto enrolment = accounts.BeginEnrolment(current);
  if (!enrolment) {
    if (enrolment.refusal().code == "already_enabled")
      return Reply{409, ErrorJson("already_enabled", enrolment.refusal().message), {}, {}};
    return Refused(enrolment.refusal());
  }
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("secret", enrolment->secret);
  o->set("uri", enrolment->uri);
  Array::Ptr qr = new Array;
  for (const auto& row : enrolment->qr_rows) qr->add(row);
  o->set("qr", qr);
  return Json(200, o);  // /api answers are no-store: the secret is not cached
}

Reply ConfirmEnrolment(Accounts& accounts, Call& call) {
  auto current = CurrentSession(accounts, call, {Accounts::kFull, Accounts::kEnrol});
  auto body = Parse(call);
  OnlyFields(body, {"code"});
  const std::string code = String(body, "code");
  if (code.empty()) throw HttpError(422, "missing_code", "field 'code' is required");
  auto outcome = accounts.ConfirmEnrolment(current, code);
  Object::Ptr done = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  Array::Ptr codes = new Array;
  for (const auto& c : outcome.recovery_codes) codes->add(c);
  done->set("recovery_codes", codes);
  return FactorReply(accounts, call, outcome, done);
}

Reply DisableTwoFactor(Accounts& accounts, Call& call) {
  auto current = CurrentSession(accounts, call, {Accounts::kFull});
  auto body = Parse(call);
  OnlyFields(body, {"password", "code", "recovery_code"});
  const std::string password = String(body, "password");
  if (password.empty()) throw HttpError(422, "missing_password", "field 'password' is required");
  std::string code, recovery;
  CodeChoice(body, &code, &recovery);
  return FactorReply(accounts, call, accounts.DisableTwoFactor(current, password, code, recovery),
                     new Object);
}

Reply ListUsers(Accounts& accounts, Call& call) {
  RequireAdministrator(call);
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  Array::Ptr items = new Array;
  for (const auto& u : accounts.ListUsers()) items->add(UserJson(u));
  o->set("items", items);
  return Json(200, o);
}

// {password} or {generate: true}, exactly one.
std::string PasswordChoice(const Object::Ptr& body) {
  const auto password = OptString(body, "password");
  const bool generate = OptBool(body, "generate").value_or(false);
  if (generate == (password && !password->empty()))
    throw HttpError(422, "missing_password", "give either 'password' or 'generate': true");
  return generate ? "" : *password;
}

Reply CreateUser(Accounts& accounts, Call& call) {
  RequireAdministrator(call);
  auto body = Parse(call);
  OnlyFields(body, {"login", "name", "role", "services", "password", "generate"});
  Accounts::UserInput input;
  input.login = String(body, "login");
  input.name = String(body, "name");
  input.role = String(body, "role");
  input.services = OptStrings(body, "services").value_or(std::vector<std::string>{});
  input.password = PasswordChoice(body);
  auto created = accounts.CreateUser(input, call.actor());
  if (!created) return Refused(created.refusal());
  Object::Ptr o = UserJson(created->user);
  if (!created->generated_password.empty()) o->set("password", created->generated_password);
  Reply reply = Json(201, o);
  reply.headers.emplace_back("Location", "/api/v1/users/" + std::to_string(created->user.id));
  return reply;
}

Reply UpdateUser(Accounts& accounts, Call& call) {
  RequireAdministrator(call);
  const int64_t id = UserId(call);
  auto body = Parse(call);
  OnlyFields(body, {"name", "role", "services", "active"});
  Accounts::UserPatch patch;
  patch.name = OptString(body, "name");
  patch.role = OptString(body, "role");
  patch.services = OptStrings(body, "services");
  patch.active = OptBool(body, "active");
  auto updated = accounts.UpdateUser(id, patch, call.actor());
  if (!updated) return Refused(updated.refusal());
  return Json(200, UserJson(updated.value()));
}

Reply ResetPassword(Accounts& accounts, Call& call) {
  RequireAdministrator(call);
  const int64_t id = UserId(call);
  auto body = Parse(call);
  OnlyFields(body, {"password", "generate"});
  auto result = accounts.ResetPassword(id, PasswordChoice(body), call.actor());
  if (!result) return Refused(result.refusal());
  if (result->empty()) return Reply{204, "", {}, {}};
  Object::Ptr o = new Object;
  o->set("password", result.value());
  return Json(200, o);
}

}  // namespace

void RegisterAccountRoutes(Router& router, const ApiDeps& deps) {
  Accounts* a = deps.accounts;
  router.Add(
      "POST", "/api/v1/session", [a](Call& c) { return Login(*a, c); },
      /*needs_auth=*/false);
  // GET reads the cookie itself: an API key has no session to show.
  router.Add(
      "GET", "/api/v1/session", [a](Call& c) { return GetSession(*a, c); },
      /*needs_auth=*/false);
  // Own session checks (any stage may sign out; B10's routes take the
  // half-signed-in stages that AuthenticateRequest refuses).
  router.Add(
      "DELETE", "/api/v1/session", [a](Call& c) { return Logout(*a, c); },
      /*needs_auth=*/false);
  router.Add(
      "POST", "/api/v1/session/two-factor", [a](Call& c) { return SecondFactor(*a, c); },
      /*needs_auth=*/false);
  router.Add(
      "POST", "/api/v1/session/two-factor/enrol", [a](Call& c) { return BeginEnrolment(*a, c); },
      /*needs_auth=*/false);
  router.Add(
      "POST", "/api/v1/session/two-factor/confirm",
      [a](Call& c) { return ConfirmEnrolment(*a, c); }, /*needs_auth=*/false);
  router.Add(
      "POST", "/api/v1/session/two-factor/disable",
      [a](Call& c) { return DisableTwoFactor(*a, c); }, /*needs_auth=*/false);
  router.Add("POST", "/api/v1/session/password", [a](Call& c) { return ChangePassword(*a, c); });
  router.Add("GET", "/api/v1/users", [a](Call& c) { return ListUsers(*a, c); });
  router.Add("POST", "/api/v1/users", [a](Call& c) { return CreateUser(*a, c); });
  router.Add("PATCH", "/api/v1/users/{id}", [a](Call& c) { return UpdateUser(*a, c); });
  router.Add("POST", "/api/v1/users/{id}/password", [a](Call& c) { return ResetPassword(*a, c); });
}

}  // namespace vikno::http
