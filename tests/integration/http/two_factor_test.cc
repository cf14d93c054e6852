// Staff two-factor sign-in (B10) over the real HTTP server on a loopback port,
// on every store backend (SQLite, and a real mariadbd when the MySQL store is
// built): a required role held to enrolment, enrolment confirmed by a first
// code, the two-step sign-in with a new session id, replayed and wrong codes,
// the lock-out they share with wrong passwords, recovery codes used once,
// disabling with password and code, the administrator's reset, promotion into
// a required role, and secrets sealed at rest.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <map>

#include "http/server.h"
#include "http/session.h"
#include "http/session_http.h"
#include "http/totp.h"
#include "integration/http/browser_client.h"
#include "integration/http/rules_for_tests.h"
#include "integration/store/backends.h"
#include "unit/workflow/workflow_fixture.h"  // TestClock, At
#include "workflow/appeal_service.h"

namespace vikno::testing {
namespace {

using Poco::JSON::Object;

constexpr const char* kAdminKey = "admin-key-for-two-factor-tests";
constexpr const char* kPassword = "correct horse battery";
constexpr const char* kSealKey = "two-factor-test-seal-key-0123456789";

// A browser's answer, plus the session stage a sign-in step reports.
struct Answer : BrowserAnswer {
  Answer(BrowserAnswer a) : BrowserAnswer(std::move(a)) {}  // NOLINT: implicit on purpose
  std::string Stage() const { return json ? json->optValue<std::string>("stage", "") : ""; }
};

std::string Json(std::initializer_list<std::pair<const char*, Poco::Dynamic::Var>> fields) {
  return JsonText(fields);
}

template <class B>
class TwoFactorTest : public BrowserFixture {
 protected:
  TwoFactorTest()
      : BrowserFixture(http::kSessionCookie),
        store_(B::Make()),
        city_(MakeCityForTests(*store_)),
        service_(*store_, *city_.rules, clock_) {}

  void SetUp() override {
    AccountsConfig c;
    c.argon2_time_cost = 1;  // many sign-ins and recovery codes; production costs more
    c.argon2_memory_kib = 8 * 1024;
    c.free_failures = 4;
    c.lockout_failures = 5;
    c.lockout_minutes = 15;
    c.delay_seconds = 30;
    c.address_free_failures = 100;
    c.address_lockout_failures = 1000;
    c.two_factor.required_roles = {"administrator", "decision_maker"};
    c.two_factor.issuer = "vikno test";
    c.two_factor.secret_key = kSealKey;
    c.two_factor.pending_minutes = 5;
    accounts_ = std::make_unique<http::Accounts>(*store_, clock_, c);
    HttpConfig http;
    http.listen = "127.0.0.1:0";
    http.threads = 4;
    http::ApiDeps deps;
    deps.appeals = &service_;
    deps.store = store_.get();
    deps.clock = &clock_;
    deps.rules_name = [this] { return city_.name; };
    deps.accounts = accounts_.get();
    server_ = std::make_unique<http::HttpServer>(
        http, std::vector<ApiKeyConfig>{{"admin", "administrator", {}, kAdminKey}}, deps);
    server_->Start();
    port_ = server_->port();
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  Answer Send(const std::string& method, const std::string& uri,
              const std::optional<std::string>& body, const Browser* browser,
              const std::map<std::string, std::string>& headers = {}) {
    return BrowserFixture::Send(method, uri, body, browser, headers);
  }

  // Keeps the cookie and CSRF token of an answer that set a session.
  static void Adopt(const Answer& a, Browser* b) {
    const std::string set = a.response.get("Set-Cookie", "");
    const std::string prefix = std::string(http::kSessionCookie) + "=";
    if (set.rfind(prefix, 0) != 0) return;
    b->cookie = set.substr(prefix.size(), set.find(';') - prefix.size());
    if (a.json && a.json->has("csrf_token")) b->csrf = a.json->getValue<std::string>("csrf_token");
  }

  Answer Change(const std::string& method, const std::string& uri, const std::string& body,
                Browser* b, bool adopt = true) {
    Answer a = Send(method, uri, body, b, {{"X-CSRF-Token", b->csrf}, {"Origin", Origin()}});
    if (adopt && a.status == 200) Adopt(a, b);
    return a;
  }
  Answer Get(const std::string& uri, const Browser& b) { return BrowserFixture::Get(uri, b); }

  Answer SignIn(const std::string& login, const std::string& password, Browser* b) {
    Answer a = Send("POST", "/api/v1/session", Json({{"login", login}, {"password", password}}), b,
                    {{"Origin", Origin()}});
    if (a.status == 200) Adopt(a, b);
    return a;
  }

  int64_t AddUser(const std::string& login, const std::string& role) {
    Answer a = Send("POST", "/api/v1/users",
                    Json({{"login", login},
                          {"name", "Test " + login},
                          {"role", role},
                          {"password", std::string(kPassword)}}),
                    nullptr, {{"Authorization", std::string("Bearer ") + kAdminKey}});
    EXPECT_EQ(a.status, 201) << a.body;
    return a.json ? a.json->getValue<int64_t>("id") : 0;
  }

  // The code an authenticator app shows now (+ `steps` x 30 s).
  std::string CodeFor(const std::string& base32, int steps = 0) {
    const auto secret = http::totp::Base32Decode(base32);
    EXPECT_TRUE(secret);
    return http::totp::Hotp(
        *secret, static_cast<uint64_t>(http::totp::StepOf(ToUnix(clock_.Now())) + steps));
  }

  struct Enrolled {
    std::string secret;
    std::vector<std::string> recovery;
  };
  // Enrols the signed-in browser `b` (full or enrol stage) through the API.
  Enrolled Enrol(Browser* b) {
    Enrolled e;
    Answer begun = Change("POST", "/api/v1/session/two-factor/enrol", "{}", b);
    EXPECT_EQ(begun.status, 200) << begun.body;
    if (!begun.json) return e;
    e.secret = begun.json->getValue<std::string>("secret");
    Answer confirmed = Change("POST", "/api/v1/session/two-factor/confirm",
                              Json({{"code", CodeFor(e.secret)}}), b);
    EXPECT_EQ(confirmed.status, 200) << confirmed.body;
    if (!confirmed.json) return e;
    auto codes = confirmed.json->getArray("recovery_codes");
    for (size_t i = 0; codes && i < codes->size(); ++i)
      e.recovery.push_back(codes->getElement<std::string>(static_cast<unsigned>(i)));
    return e;
  }

  int CountAudit(int64_t user, const std::string& action) {
    int n = 0;
    for (const auto& e : store_->ListAudit("user", std::to_string(user))) n += e.action == action;
    return n;
  }

  TestClock clock_{At("2026-03-02T09:00:10Z")};
  std::unique_ptr<Store> store_;
  CityForTests city_;
  AppealService service_;
  std::unique_ptr<http::Accounts> accounts_;
  std::unique_ptr<http::HttpServer> server_;
};
TYPED_TEST_SUITE(TwoFactorTest, Backends, BackendName);

TYPED_TEST(TwoFactorTest, RequiredRoleIsHeldToEnrolmentUntilItConfirmsACode) {
  const int64_t id = this->AddUser("boss", "administrator");
  Browser b;
  Answer in = this->SignIn("boss", kPassword, &b);
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(in.Stage(), "enrol");
  EXPECT_TRUE(in.json->getObject("two_factor")->getValue<bool>("required"));
  EXPECT_FALSE(in.json->getObject("two_factor")->getValue<bool>("enabled"));

  // Nothing else opens: reads, changes, the password change.
  Answer users = this->Get("/api/v1/users", b);
  EXPECT_EQ(users.status, 403);
  EXPECT_EQ(users.Code(), "two_factor_enrolment_required");
  EXPECT_EQ(this->Get("/api/v1/appeals", b).status, 403);
  Answer password = this->Change(
      "POST", "/api/v1/session/password",
      Json({{"current", std::string(kPassword)}, {"new", std::string("another long passphrase")}}),
      &b);
  EXPECT_EQ(password.status, 403) << password.body;
  Answer pending_code = this->Change("POST", "/api/v1/session/two-factor",
                                     Json({{"code", std::string("123456")}}), &b);
  EXPECT_EQ(pending_code.status, 403) << "an enrol session has no second factor to give";
  Answer session = this->Get("/api/v1/session", b);
  ASSERT_EQ(session.status, 200);
  EXPECT_EQ(session.Stage(), "enrol");

  // Enrolment: a secret and its otpauth URI; nothing is active yet.
  Browser before = b;
  Answer begun = this->Change("POST", "/api/v1/session/two-factor/enrol", "{}", &b);
  ASSERT_EQ(begun.status, 200) << begun.body;
  const std::string secret = begun.json->getValue<std::string>("secret");
  EXPECT_EQ(secret.size(), 32u) << "160 bits";
  const std::string uri = begun.json->getValue<std::string>("uri");
  EXPECT_EQ(uri.rfind("otpauth://totp/vikno%20test:boss?secret=" + secret, 0), 0u) << uri;
  EXPECT_FALSE(this->accounts_->TwoFactorEnabled(id));

  Answer wrong = this->Change("POST", "/api/v1/session/two-factor/confirm",
                              Json({{"code", this->CodeFor(secret, 3)}}), &b);
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(wrong.Code(), "bad_code");
  EXPECT_FALSE(this->accounts_->TwoFactorEnabled(id));

  Answer confirmed = this->Change("POST", "/api/v1/session/two-factor/confirm",
                                  Json({{"code", this->CodeFor(secret)}}), &b);
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(confirmed.Stage(), "full");
  auto codes = confirmed.json->getArray("recovery_codes");
  ASSERT_TRUE(codes);
  EXPECT_EQ(codes->size(), 10u);
  EXPECT_NE(b.cookie, before.cookie) << "a new session id once the sign-in is complete";
  EXPECT_TRUE(this->accounts_->TwoFactorEnabled(id));
  EXPECT_EQ(this->Get("/api/v1/users", b).status, 200);
  EXPECT_EQ(this->Get("/api/v1/session", before).status, 401) << "the enrol session is gone";
  EXPECT_EQ(this->CountAudit(id, "two_factor_begin"), 1);
  EXPECT_EQ(this->CountAudit(id, "two_factor_enable"), 1);
  EXPECT_EQ(this->CountAudit(id, "two_factor_confirm_failed"), 1);

  Answer again = this->Change("POST", "/api/v1/session/two-factor/enrol", "{}", &b);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.Code(), "already_enabled");
}

TYPED_TEST(TwoFactorTest, SignInIsTwoStepsWithANewSessionAndACodeIsTakenOnce) {
  const int64_t id = this->AddUser("hanna", "decision_maker");
  Browser first;
  ASSERT_EQ(this->SignIn("hanna", kPassword, &first).status, 200);
  const auto enrolled = this->Enrol(&first);
  ASSERT_FALSE(enrolled.secret.empty());
  this->clock_.Advance(std::chrono::seconds(30));

  Browser b;
  Answer in = this->SignIn("hanna", kPassword, &b);
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(in.Stage(), "second_factor");
  const Browser pending = b;

  // The pending session opens nothing else (reads and changes alike).
  Answer users = this->Get("/api/v1/appeals", b);
  EXPECT_EQ(users.status, 401);
  EXPECT_EQ(users.Code(), "second_factor_required");
  Answer enrol = this->Change("POST", "/api/v1/session/two-factor/enrol", "{}", &b);
  EXPECT_EQ(enrol.status, 401) << "enrolment needs a complete sign-in";
  // Without the CSRF token the code is not even looked at.
  Answer forged = this->Send("POST", "/api/v1/session/two-factor",
                             Json({{"code", this->CodeFor(enrolled.secret)}}), &b,
                             {{"Origin", this->Origin()}});
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(forged.Code(), "csrf");
  Answer both = this->Change(
      "POST", "/api/v1/session/two-factor",
      Json({{"code", std::string("123456")}, {"recovery_code", enrolled.recovery[0]}}), &b);
  EXPECT_EQ(both.status, 422);

  const std::string code = this->CodeFor(enrolled.secret);
  Answer done = this->Change("POST", "/api/v1/session/two-factor", Json({{"code", code}}), &b);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Stage(), "full");
  EXPECT_NE(b.cookie, pending.cookie) << "no fixation: the full session has its own id";
  EXPECT_EQ(this->Get("/api/v1/appeals", b).status, 200);
  EXPECT_EQ(this->Get("/api/v1/session", pending).status, 401);

  // The same code again, within its window, from another sign-in: refused.
  Browser replay;
  ASSERT_EQ(this->SignIn("hanna", kPassword, &replay).status, 200);
  Answer replayed =
      this->Change("POST", "/api/v1/session/two-factor", Json({{"code", code}}), &replay);
  EXPECT_EQ(replayed.status, 403);
  EXPECT_EQ(replayed.Code(), "bad_code");
  EXPECT_EQ(this->CountAudit(id, "second_factor_replay"), 1);
  // An older step's code (still inside the window) is refused too: the
  // newest step taken bounds them all.
  Answer older = this->Change("POST", "/api/v1/session/two-factor",
                              Json({{"code", this->CodeFor(enrolled.secret, -1)}}), &replay);
  EXPECT_EQ(older.status, 403);
  // The next step's code is fresh.
  this->clock_.Advance(std::chrono::seconds(30));
  Answer next = this->Change("POST", "/api/v1/session/two-factor",
                             Json({{"code", this->CodeFor(enrolled.secret)}}), &replay);
  EXPECT_EQ(next.status, 200) << next.body;
}

TYPED_TEST(TwoFactorTest, APendingSessionExpiresAfterItsMinutes) {
  this->AddUser("hanna", "decision_maker");
  Browser first;
  ASSERT_EQ(this->SignIn("hanna", kPassword, &first).status, 200);
  const auto enrolled = this->Enrol(&first);
  Browser b;
  ASSERT_EQ(this->SignIn("hanna", kPassword, &b).Stage(), "second_factor");
  this->clock_.Advance(std::chrono::minutes(5));
  Answer late = this->Change("POST", "/api/v1/session/two-factor",
                             Json({{"code", this->CodeFor(enrolled.secret)}}), &b);
  EXPECT_EQ(late.status, 401);
  EXPECT_EQ(late.Code(), "session_expired");
}

TYPED_TEST(TwoFactorTest, WrongCodesShareTheLockOutOfWrongPasswords) {
  const int64_t id = this->AddUser("hanna", "decision_maker");
  Browser first;
  ASSERT_EQ(this->SignIn("hanna", kPassword, &first).status, 200);
  const auto enrolled = this->Enrol(&first);
  this->clock_.Advance(std::chrono::seconds(30));
  Browser b;
  ASSERT_EQ(this->SignIn("hanna", kPassword, &b).Stage(), "second_factor");
  const std::string good = this->CodeFor(enrolled.secret);
  const std::string bad = good == "000000" ? "111111" : "000000";
  for (int i = 0; i < 5; ++i) {
    Answer wrong = this->Change("POST", "/api/v1/session/two-factor", Json({{"code", bad}}), &b);
    EXPECT_EQ(wrong.status, 403) << i;
    EXPECT_EQ(wrong.Code(), "bad_code") << i;
  }
  EXPECT_EQ(this->CountAudit(id, "second_factor_failed"), 5);
  EXPECT_EQ(this->CountAudit(id, "lockout"), 1);
  // Locked: the right code is not even checked, and nor is the password.
  Answer locked = this->Change("POST", "/api/v1/session/two-factor", Json({{"code", good}}), &b);
  EXPECT_EQ(locked.status, 429);
  EXPECT_FALSE(locked.response.get("Retry-After", "").empty());
  Browser other;
  EXPECT_EQ(this->SignIn("hanna", kPassword, &other).status, 429);
  // A new password sign-in does not buy fresh guesses either (it would reset
  // the count if the password alone cleared the throttle).
  this->clock_.Advance(std::chrono::minutes(15));
  Browser later;
  ASSERT_EQ(this->SignIn("hanna", kPassword, &later).Stage(), "second_factor");
  Answer ok = this->Change("POST", "/api/v1/session/two-factor",
                           Json({{"code", this->CodeFor(enrolled.secret)}}), &later);
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TYPED_TEST(TwoFactorTest, ARecoveryCodeSignsInOnce) {
  const int64_t id = this->AddUser("hanna", "decision_maker");
  Browser first;
  ASSERT_EQ(this->SignIn("hanna", kPassword, &first).status, 200);
  const auto enrolled = this->Enrol(&first);
  ASSERT_EQ(enrolled.recovery.size(), 10u);
  EXPECT_EQ(enrolled.recovery[0].size(), 11u) << "xxxxx-xxxxx: " << enrolled.recovery[0];

  Browser b;
  ASSERT_EQ(this->SignIn("hanna", kPassword, &b).Stage(), "second_factor");
  Answer used = this->Change("POST", "/api/v1/session/two-factor",
                             Json({{"recovery_code", enrolled.recovery[0]}}), &b);
  ASSERT_EQ(used.status, 200) << used.body;
  EXPECT_EQ(used.Stage(), "full");
  EXPECT_EQ(this->CountAudit(id, "recovery_code_used"), 1);

  Browser again;
  ASSERT_EQ(this->SignIn("hanna", kPassword, &again).Stage(), "second_factor");
  Answer reused = this->Change("POST", "/api/v1/session/two-factor",
                               Json({{"recovery_code", enrolled.recovery[0]}}), &again);
  EXPECT_EQ(reused.status, 403);
  EXPECT_EQ(reused.Code(), "bad_code");
  // As typed from paper: upper case, without the hyphen.
  std::string typed = enrolled.recovery[1];
  typed.erase(typed.find('-'), 1);
  for (char& c : typed) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Answer second =
      this->Change("POST", "/api/v1/session/two-factor", Json({{"recovery_code", typed}}), &again);
  EXPECT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(this->store_->ListRecoveryCodes(id).size(), 8u);
}

TYPED_TEST(TwoFactorTest, DisablingNeedsThePasswordAndACurrentCode) {
  const int64_t id = this->AddUser("olena", "operator");
  Browser b;
  Answer in = this->SignIn("olena", kPassword, &b);
  EXPECT_EQ(in.Stage(), "full") << "an operator is not required to enrol";
  const auto enrolled = this->Enrol(&b);
  EXPECT_TRUE(this->accounts_->TwoFactorEnabled(id));
  this->clock_.Advance(std::chrono::seconds(30));

  Answer no_password = this->Change("POST", "/api/v1/session/two-factor/disable",
                                    Json({{"password", std::string("not the password")},
                                          {"code", this->CodeFor(enrolled.secret)}}),
                                    &b);
  EXPECT_EQ(no_password.status, 403);
  EXPECT_EQ(no_password.Code(), "bad_credentials");
  Answer no_code = this->Change(
      "POST", "/api/v1/session/two-factor/disable",
      Json({{"password", std::string(kPassword)}, {"code", std::string("000000")}}), &b);
  EXPECT_EQ(no_code.status, 403);
  EXPECT_EQ(no_code.Code(), "bad_code");
  Answer missing = this->Change("POST", "/api/v1/session/two-factor/disable",
                                Json({{"password", std::string(kPassword)}}), &b);
  EXPECT_EQ(missing.status, 422);
  EXPECT_TRUE(this->accounts_->TwoFactorEnabled(id));

  Answer off = this->Change(
      "POST", "/api/v1/session/two-factor/disable",
      Json({{"password", std::string(kPassword)}, {"code", this->CodeFor(enrolled.secret)}}), &b);
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_FALSE(this->accounts_->TwoFactorEnabled(id));
  EXPECT_EQ(this->CountAudit(id, "two_factor_disable"), 1);
  EXPECT_TRUE(this->store_->ListRecoveryCodes(id).empty());
  Browser next;
  EXPECT_EQ(this->SignIn("olena", kPassword, &next).Stage(), "full");
}

TYPED_TEST(TwoFactorTest, ARequiredRoleThatDisablesIsSentBackToEnrolment) {
  this->AddUser("boss", "administrator");
  Browser b;
  ASSERT_EQ(this->SignIn("boss", kPassword, &b).Stage(), "enrol");
  const auto enrolled = this->Enrol(&b);
  this->clock_.Advance(std::chrono::seconds(30));
  Answer off = this->Change(
      "POST", "/api/v1/session/two-factor/disable",
      Json({{"password", std::string(kPassword)}, {"recovery_code", enrolled.recovery[3]}}), &b);
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(off.Stage(), "enrol");
  EXPECT_EQ(this->Get("/api/v1/users", b).status, 403);
}

TYPED_TEST(TwoFactorTest, ResetForALockedOutAdministratorEndsSessionsAndIsAudited) {
  const int64_t id = this->AddUser("boss", "administrator");
  Browser b;
  ASSERT_EQ(this->SignIn("boss", kPassword, &b).status, 200);
  this->Enrol(&b);
  ASSERT_EQ(this->Get("/api/v1/users", b).status, 200);

  auto reset = this->accounts_->ResetTwoFactor("Boss", Actor::System("cli"));
  ASSERT_TRUE(reset) << reset.refusal().message;
  EXPECT_EQ(this->Get("/api/v1/users", b).status, 401) << "every session ended";
  EXPECT_EQ(this->CountAudit(id, "two_factor_reset"), 1);
  Browser next;
  EXPECT_EQ(this->SignIn("boss", kPassword, &next).Stage(), "enrol");

  auto nobody = this->accounts_->ResetTwoFactor("nobody", Actor::System("cli"));
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.refusal().code, "not_found");
  auto none = this->accounts_->ResetTwoFactor("boss", Actor::System("cli"));
  ASSERT_FALSE(none) << "no second factor left to reset";
}

TYPED_TEST(TwoFactorTest, APromotedUserIsHeldToEnrolmentAndApiKeysAreUnaffected) {
  const int64_t id = this->AddUser("olena", "operator");
  Browser b;
  ASSERT_EQ(this->SignIn("olena", kPassword, &b).Stage(), "full");
  ASSERT_EQ(this->Get("/api/v1/appeals", b).status, 200);
  Answer promoted = this->Send("PATCH", "/api/v1/users/" + std::to_string(id),
                               Json({{"role", std::string("decision_maker")}}), nullptr,
                               {{"Authorization", std::string("Bearer ") + kAdminKey}});
  ASSERT_EQ(promoted.status, 200) << promoted.body << " (an API key needs no second factor)";
  Answer held = this->Get("/api/v1/appeals", b);
  EXPECT_EQ(held.status, 403);
  EXPECT_EQ(held.Code(), "two_factor_enrolment_required");
  EXPECT_EQ(this->Get("/api/v1/session", b).Stage(), "enrol");
}

TYPED_TEST(TwoFactorTest, TheSecretIsSealedAtRest) {
  const int64_t id = this->AddUser("boss", "administrator");
  Browser b;
  ASSERT_EQ(this->SignIn("boss", kPassword, &b).status, 200);
  const auto enrolled = this->Enrol(&b);
  auto row = this->store_->FindTwoFactor(id);
  ASSERT_TRUE(row);
  EXPECT_TRUE(row->enabled);
  EXPECT_EQ(row->sealed_secret.rfind("aes256gcm:", 0), 0u) << row->sealed_secret;
  EXPECT_EQ(row->sealed_secret.find(enrolled.secret), std::string::npos);
  for (const auto& code : this->store_->ListRecoveryCodes(id)) {
    EXPECT_EQ(code.code_hash.rfind("$argon2id$", 0), 0u);
    for (const auto& plain : enrolled.recovery)
      EXPECT_EQ(code.code_hash.find(plain), std::string::npos);
  }
}

}  // namespace
}  // namespace vikno::testing
