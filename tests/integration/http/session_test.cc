// Staff sign-in and the security refusals of issue 5, over the real HTTP
// server on a loopback port and a SQLite store: throttling and lock-out,
// sessions (cookie attributes, fixation, expiry, logout, revocation), CSRF
// and Origin checks, user administration, and R26 scope for a moderator
// reaching another service's appeals by id, list and forged bodies.
#include "http/session.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>
#include <gtest/gtest.h>

#include <map>

#include "http/passwords.h"
#include "http/server.h"
#include "http/session_http.h"
#include "integration/http/browser_client.h"
#include "integration/http/rules_for_tests.h"
#include "store/sqlite/sqlite_store.h"
#include "unit/workflow/workflow_fixture.h"  // TestClock, FreshTempDir
#include "workflow/appeal_service.h"

namespace vikno::testing {
namespace {

using Poco::JSON::Object;

constexpr const char* kAdminKey = "admin-key-for-session-tests";
constexpr const char* kPassword = "correct horse battery";

std::string Json(std::initializer_list<std::pair<const char*, Poco::Dynamic::Var>> fields) {
  return JsonText(fields);
}

using Answer = BrowserAnswer;

class SessionTest : public BrowserFixture {
 protected:
  SessionTest()
      : BrowserFixture(http::kSessionCookie),
        dir_(FreshTempDir("vikno-session")),
        store_((dir_ / "vikno.sqlite").string()),
        city_(MakeCityForTests(store_)),
        service_(store_, *city_.rules, clock_) {
    for (const auto& e : store_.ListExecutors())
      if (e.id != city_.lead_executor) other_service_ = e.id;
  }

  void SetUp() override { Start(DefaultConfig()); }
  void TearDown() override { Stop(); }
  ~SessionTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static AccountsConfig DefaultConfig() {
    AccountsConfig c;
    c.argon2_time_cost = 1;  // the tests sign in many times; production uses more
    c.argon2_memory_kib = 8 * 1024;
    c.free_failures = 0;
    c.delay_seconds = 30;
    c.max_delay_seconds = 60;
    c.lockout_failures = 3;
    c.lockout_minutes = 15;
    c.address_free_failures = 100;
    c.address_lockout_failures = 1000;
    c.session_idle_minutes = 30;
    c.session_absolute_hours = 12;
    return c;
  }

  void Start(const AccountsConfig& config) {
    accounts_ = std::make_unique<http::Accounts>(store_, clock_, config);
    HttpConfig http;
    http.listen = "127.0.0.1:0";
    http.threads = 4;
    http::ApiDeps deps;
    deps.appeals = &service_;
    deps.store = &store_;
    deps.clock = &clock_;
    deps.rules_name = [this] { return city_.name; };
    deps.accounts = accounts_.get();
    server_ = std::make_unique<http::HttpServer>(
        http, std::vector<ApiKeyConfig>{{"admin", "administrator", {}, kAdminKey}}, deps);
    server_->Start();
    port_ = server_->port();
  }
  void Stop() {
    if (server_) server_->Stop();
    server_.reset();
  }


  Answer Admin(const std::string& method, const std::string& uri,
               const std::optional<std::string>& body = std::nullopt) {
    return Send(method, uri, body, nullptr,
                {{"Authorization", std::string("Bearer ") + kAdminKey}});
  }

  Answer SignIn(const std::string& login, const std::string& password, Browser* browser,
                std::map<std::string, std::string> headers = {}) {
    if (!headers.count("Origin")) headers["Origin"] = Origin();
    Answer a = Send("POST", "/api/v1/session", Json({{"login", login}, {"password", password}}),
                    browser, headers);
    if (a.status == 200 && browser) Keep(a, browser);
    return a;
  }

  int64_t AddUser(const std::string& login, const std::string& role,
                  std::vector<std::string> services = {}) {
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& s : services) list->add(s);
    auto a = Admin("POST", "/api/v1/users",
                   Json({{"login", login},
                         {"name", "Test " + login},
                         {"role", role},
                         {"services", list},
                         {"password", std::string(kPassword)}}));
    EXPECT_EQ(a.status, 201) << a.body;
    return a.json ? a.json->getValue<int64_t>("id") : 0;
  }

  int64_t CreateAppeal() {
    Object::Ptr address = new Object;
    address->set("city", "Суми");
    address->set("street", "вулиця Соборна");
    address->set("house", "1");
    auto a = Admin(
        "POST", "/api/v1/appeals",
        Json({{"description", city_.routed_text}, {"channel", "phone"}, {"address", address}}));
    EXPECT_EQ(a.status, 201) << a.body;
    return a.json ? a.json->getValue<int64_t>("id") : 0;
  }

  int CountAudit(const std::string& entity_id, const std::string& action) {
    int n = 0;
    for (const auto& e : store_.ListAudit("user", entity_id)) n += e.action == action;
    return n;
  }

  std::filesystem::path dir_;
  TestClock clock_{At("2026-03-02T09:00:00Z")};
  SqliteStore store_;
  CityForTests city_;
  AppealService service_;
  std::string other_service_;
  std::unique_ptr<http::Accounts> accounts_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_F(SessionTest, SignInSetsAStrictHttpOnlyCookieAndAnswersTheUser) {
  AddUser("olena", "operator");
  Browser b;
  auto a = SignIn("Olena", kPassword, &b);  // logins are case-insensitive
  ASSERT_EQ(a.status, 200) << a.body;
  const std::string cookie = a.Header("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("Path=/"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain http, no secure_cookie";
  EXPECT_EQ(b.cookie.size(), 43u) << "256 random bits, base64url without padding";
  auto user = a.json->getObject("user");
  EXPECT_EQ(user->getValue<std::string>("login"), "olena");
  EXPECT_EQ(user->getValue<std::string>("role"), "operator");
  EXPECT_FALSE(b.csrf.empty());

  auto again = Get("/api/v1/session", b);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json->getValue<std::string>("csrf_token"), b.csrf);

  // Only the token's hash is stored, never the token.
  auto id = std::to_string(user->getValue<int64_t>("id"));
  auto sessions = store_.ListSessionsOfUser(user->getValue<int64_t>("id"));
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].token_hash, http::Sha256Hex(b.cookie));
  EXPECT_EQ(CountAudit(id, "login"), 1);
  EXPECT_EQ(store_.ListAudit("user", id).back().client_address, "127.0.0.1");
}

TEST_F(SessionTest, SecureCookieBehindATlsProxy) {
  AddUser("olena", "operator");
  Browser b;
  auto a = SignIn("olena", kPassword, &b, {{"X-Forwarded-Proto", "https"}});
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.Header("Set-Cookie").find("; Secure"), std::string::npos);
}

TEST_F(SessionTest, PasswordsAreStoredAsArgon2id) {
  AddUser("olena", "operator");
  auto user = store_.FindUserByLogin("olena");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->password_hash.rfind("$argon2id$v=19$m=8192,t=1,p=1$", 0), 0u)
      << user->password_hash;
  EXPECT_EQ(user->password_hash.find(kPassword), std::string::npos);
}

TEST_F(SessionTest, LoginRehashesWhenTheCostChanges) {
  AddUser("olena", "operator");
  Stop();
  AccountsConfig stronger = DefaultConfig();
  stronger.argon2_memory_kib = 16 * 1024;
  Start(stronger);
  Browser b;
  ASSERT_EQ(SignIn("olena", kPassword, &b).status, 200);
  EXPECT_EQ(store_.FindUserByLogin("olena")->password_hash.rfind("$argon2id$v=19$m=16384,t=1", 0),
            0u);
  Browser again;
  EXPECT_EQ(SignIn("olena", kPassword, &again).status, 200) << "the new hash verifies";
}

TEST_F(SessionTest, WrongPasswordIsRefusedThenThrottledWithRetryAfter) {
  AddUser("olena", "operator");
  Browser b;
  auto wrong = SignIn("olena", "not the password at all", &b);
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  EXPECT_EQ(wrong.Code(), "bad_credentials");
  EXPECT_TRUE(wrong.Header("Set-Cookie").empty());

  // Even the right password waits now: the throttle is checked first.
  auto throttled = SignIn("olena", kPassword, &b);
  EXPECT_EQ(throttled.status, 429) << throttled.body;
  EXPECT_EQ(throttled.Code(), "throttled");
  EXPECT_EQ(throttled.Header("Retry-After"), "30");

  clock_.Advance(std::chrono::seconds(31));
  EXPECT_EQ(SignIn("olena", kPassword, &b).status, 200);
}

TEST_F(SessionTest, UnknownLoginAnswersExactlyAsAWrongPassword) {
  AddUser("olena", "operator");
  Browser b;
  auto unknown = SignIn("nobody", "not the password at all", &b);
  auto wrong = SignIn("olena", "not the password at all", &b);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.body, wrong.body);
}

TEST_F(SessionTest, RepeatedFailuresLockTheLoginOutAndAreAudited) {
  const int64_t id = AddUser("olena", "operator");
  Browser b;
  for (int i = 0; i < 3; ++i) {
    auto a = SignIn("olena", "guess number " + std::to_string(i) + "!!", &b);
    EXPECT_EQ(a.status, 401) << i << a.body;
    clock_.Advance(std::chrono::seconds(61));  // past each delay
  }
  // Locked for 15 minutes: the right password does not help.
  auto locked = SignIn("olena", kPassword, &b);
  EXPECT_EQ(locked.status, 429);
  const int retry = std::stoi(locked.Header("Retry-After"));
  EXPECT_GT(retry, 14 * 60 - 61 * 1);
  EXPECT_LE(retry, 15 * 60);
  EXPECT_EQ(CountAudit(std::to_string(id), "login_failed"), 3);
  EXPECT_EQ(CountAudit(std::to_string(id), "lockout"), 1);
  clock_.Advance(std::chrono::minutes(15));
  EXPECT_EQ(SignIn("olena", kPassword, &b).status, 200);
}

TEST_F(SessionTest, NoSessionIsRefused) {
  Browser none;
  EXPECT_EQ(Get("/api/v1/session", none).status, 401);
  auto list = Get("/api/v1/appeals", none);
  EXPECT_EQ(list.status, 401);
  EXPECT_EQ(list.Code(), "unauthorized");
  Browser forged{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "x"};
  EXPECT_EQ(Get("/api/v1/appeals", forged).status, 401);
}

TEST_F(SessionTest, IdleAndAbsoluteExpiry) {
  AddUser("olena", "operator");
  Browser b;
  ASSERT_EQ(SignIn("olena", kPassword, &b).status, 200);
  clock_.Advance(std::chrono::minutes(29));
  EXPECT_EQ(Get("/api/v1/appeals", b).status, 200);  // use keeps it alive
  clock_.Advance(std::chrono::minutes(29));
  EXPECT_EQ(Get("/api/v1/appeals", b).status, 200);
  clock_.Advance(std::chrono::minutes(31));
  auto idle = Get("/api/v1/appeals", b);
  EXPECT_EQ(idle.status, 401);
  EXPECT_EQ(idle.Code(), "session_expired");

  // Absolute: used every 20 minutes, still ends after 12 hours.
  Browser c;
  ASSERT_EQ(SignIn("olena", kPassword, &c).status, 200);
  for (int i = 0; i < 35; ++i) {
    clock_.Advance(std::chrono::minutes(20));
    ASSERT_EQ(Get("/api/v1/appeals", c).status, 200) << i;
  }
  clock_.Advance(std::chrono::minutes(20));
  EXPECT_EQ(Get("/api/v1/appeals", c).Code(), "session_expired");
}

TEST_F(SessionTest, LoginRotatesTheSessionAgainstFixation) {
  AddUser("olena", "operator");
  Browser b;
  ASSERT_EQ(SignIn("olena", kPassword, &b).status, 200);
  const std::string before = b.cookie;
  ASSERT_EQ(SignIn("olena", kPassword, &b).status, 200);  // presents the old cookie
  EXPECT_NE(b.cookie, before);
  Browser old{before, b.csrf};
  EXPECT_EQ(Get("/api/v1/session", old).status, 401) << "the presented session was replaced";
  // A token planted before login never becomes a session.
  Browser planted{http::RandomToken(32), ""};
  const std::string planted_token = planted.cookie;
  ASSERT_EQ(SignIn("olena", kPassword, &planted).status, 200);
  EXPECT_NE(planted.cookie, planted_token);
  EXPECT_FALSE(store_.FindSession(http::Sha256Hex(planted_token)));
}

TEST_F(SessionTest, LogoutDeletesTheSessionServerSide) {
  const int64_t id = AddUser("olena", "operator");
  Browser b;
  ASSERT_EQ(SignIn("olena", kPassword, &b).status, 200);
  auto out = Change("DELETE", "/api/v1/session", "", b);
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_NE(out.Header("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Get("/api/v1/appeals", b).status, 401) << "the old cookie no longer works";
  EXPECT_TRUE(store_.ListSessionsOfUser(id).empty());
  EXPECT_EQ(CountAudit(std::to_string(id), "logout"), 1);
}

TEST_F(SessionTest, ChangesWithoutTheCsrfTokenAreRefusedAndChangeNothing) {
  AddUser("olena", "operator");
  Browser b;
  ASSERT_EQ(SignIn("olena", kPassword, &b).status, 200);
  const int64_t appeal = CreateAppeal();
  const auto uri = "/api/v1/appeals/" + std::to_string(appeal) + "/comments";
  const std::string body = Json({{"text", "from another site"}});
  const size_t comments = store_.ListComments(appeal).size();

  auto missing = Send("POST", uri, body, &b, {{"Origin", Origin()}});
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(missing.Code(), "csrf");
  auto wrong = Send("POST", uri, body, &b, {{"Origin", Origin()}, {"X-CSRF-Token", "guess"}});
  EXPECT_EQ(wrong.Code(), "csrf");
  auto other_site =
      Send("POST", uri, body, &b, {{"Origin", "https://evil.example"}, {"X-CSRF-Token", b.csrf}});
  EXPECT_EQ(other_site.status, 403);
  EXPECT_EQ(other_site.Code(), "csrf");
  auto referer = Send("POST", uri, body, &b,
                      {{"Referer", "https://evil.example/page"}, {"X-CSRF-Token", b.csrf}});
  EXPECT_EQ(referer.Code(), "csrf");
  auto logout = Send("DELETE", "/api/v1/session", std::nullopt, &b, {{"Origin", Origin()}});
  EXPECT_EQ(logout.Code(), "csrf");
  EXPECT_EQ(store_.ListComments(appeal).size(), comments);

  auto ok = Change("POST", uri, body, b);
  EXPECT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(store_.ListComments(appeal).size(), comments + 1);
  // Reads need no token.
  EXPECT_EQ(Get("/api/v1/appeals/" + std::to_string(appeal), b).status, 200);
}

TEST_F(SessionTest, LoginNeedsJsonAndOurOrigin) {
  AddUser("olena", "operator");
  auto form = Send("POST", "/api/v1/session", "login=olena&password=x", nullptr,
                   {{"Origin", Origin()}}, "application/x-www-form-urlencoded");
  EXPECT_EQ(form.status, 415);
  Browser b;
  auto cross = SignIn("olena", kPassword, &b, {{"Origin", "https://evil.example"}});
  EXPECT_EQ(cross.status, 403);
  EXPECT_EQ(cross.Code(), "csrf");
  EXPECT_TRUE(cross.Header("Set-Cookie").empty());
}

TEST_F(SessionTest, PasswordChangeRevokesOtherSessions) {
  const int64_t id = AddUser("olena", "operator");
  Browser laptop, tablet;
  ASSERT_EQ(SignIn("olena", kPassword, &laptop).status, 200);
  ASSERT_EQ(SignIn("olena", kPassword, &tablet).status, 200);

  auto weak = Change("POST", "/api/v1/session/password",
                     Json({{"current", std::string(kPassword)}, {"new", "short"}}), laptop);
  EXPECT_EQ(weak.status, 422);
  EXPECT_EQ(weak.Code(), "weak_password");
  auto common =
      Change("POST", "/api/v1/session/password",
             Json({{"current", std::string(kPassword)}, {"new", "qwerty123456"}}), laptop);
  EXPECT_EQ(common.Code(), "weak_password");
  auto wrong =
      Change("POST", "/api/v1/session/password",
             Json({{"current", "not my password"}, {"new", "a much longer passphrase"}}), laptop);
  EXPECT_EQ(wrong.status, 403);

  auto ok = Change("POST", "/api/v1/session/password",
                   Json({{"current", std::string(kPassword)}, {"new", "a much longer passphrase"}}),
                   laptop);
  EXPECT_EQ(ok.status, 204) << ok.body;
  EXPECT_EQ(Get("/api/v1/session", laptop).status, 200) << "this session stays";
  EXPECT_EQ(Get("/api/v1/session", tablet).status, 401) << "the other one is revoked";
  EXPECT_EQ(CountAudit(std::to_string(id), "password_change"), 1);
  Browser fresh;
  EXPECT_EQ(SignIn("olena", kPassword, &fresh).status, 401);
  clock_.Advance(std::chrono::seconds(31));
  EXPECT_EQ(SignIn("olena", "a much longer passphrase", &fresh).status, 200);
}

TEST_F(SessionTest, AdministratorsManageUsersOthersCannot) {
  ASSERT_FALSE(other_service_.empty()) << "the test city needs two services";
  // Validation.
  auto no_service = Admin("POST", "/api/v1/users",
                          Json({{"login", "mod"}, {"role", "moderator"}, {"generate", true}}));
  EXPECT_EQ(no_service.Code(), "invalid_services");
  Poco::JSON::Array::Ptr ghost = new Poco::JSON::Array;
  ghost->add("no-such-service");
  auto unknown = Admin(
      "POST", "/api/v1/users",
      Json({{"login", "mod"}, {"role", "moderator"}, {"services", ghost}, {"generate", true}}));
  EXPECT_EQ(unknown.Code(), "unknown_service");
  auto bad_role = Admin("POST", "/api/v1/users",
                        Json({{"login", "x1"}, {"role", "resident"}, {"generate", true}}));
  EXPECT_EQ(bad_role.Code(), "invalid_role");
  // SQL metacharacters in a login are refused as a login, and harmless as a
  // sign-in attempt.
  auto sql = Admin(
      "POST", "/api/v1/users",
      Json(
          {{"login", "x'; DROP TABLE staff_users; --"}, {"role", "operator"}, {"generate", true}}));
  EXPECT_EQ(sql.Code(), "invalid_login");
  Browser b;
  EXPECT_EQ(SignIn("' OR '1'='1", "' OR '1'='1' --", &b).status, 401);

  // A generated password is shown once and works.
  auto made = Admin("POST", "/api/v1/users",
                    Json({{"login", "dispatcher"}, {"role", "operator"}, {"generate", true}}));
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string generated = made.json->getValue<std::string>("password");
  EXPECT_EQ(generated.size(), 16u);
  const int64_t id = made.json->getValue<int64_t>("id");
  auto taken = Admin("POST", "/api/v1/users",
                     Json({{"login", "Dispatcher"}, {"role", "operator"}, {"generate", true}}));
  EXPECT_EQ(taken.status, 409);

  Browser op;
  ASSERT_EQ(SignIn("dispatcher", generated, &op).status, 200);
  // An operator cannot manage users, even with a valid session and token.
  EXPECT_EQ(Get("/api/v1/users", op).status, 403);
  auto self_promote =
      Change("PATCH", "/api/v1/users/" + std::to_string(id), Json({{"role", "administrator"}}), op);
  EXPECT_EQ(self_promote.status, 403);
  EXPECT_EQ(store_.FindUser(id)->role, "operator");

  // Deactivation ends the user's sessions at once.
  auto off = Admin("PATCH", "/api/v1/users/" + std::to_string(id), Json({{"active", false}}));
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(Get("/api/v1/session", op).status, 401);
  EXPECT_EQ(CountAudit(std::to_string(id), "user_update"), 1);
  EXPECT_EQ(CountAudit(std::to_string(id), "user_create"), 1);
  auto list = Admin("GET", "/api/v1/users");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json->getArray("items")->size(), 1u);
  EXPECT_FALSE(list.body.find("argon2") != std::string::npos) << "hashes never leave the store";
}

TEST_F(SessionTest, AdministratorResetsAPasswordAndAllSessionsEnd) {
  const int64_t id = AddUser("olena", "operator");
  Browser b;
  ASSERT_EQ(SignIn("olena", kPassword, &b).status, 200);
  auto reset = Admin("POST", "/api/v1/users/" + std::to_string(id) + "/password",
                     Json({{"generate", true}}));
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_EQ(Get("/api/v1/session", b).status, 401);
  Browser again;
  EXPECT_EQ(SignIn("olena", reset.json->getValue<std::string>("password"), &again).status, 200);
  EXPECT_EQ(CountAudit(std::to_string(id), "password_reset"), 1);
}

TEST_F(SessionTest, AModeratorCannotReachAnotherServicesAppeals) {
  ASSERT_FALSE(other_service_.empty()) << "the test city needs two services";
  const int64_t theirs = CreateAppeal();  // routed to the lead service
  AddUser("mod-a", "moderator", {city_.lead_executor});
  AddUser("mod-b", "moderator", {other_service_});
  Browser a, b;
  ASSERT_EQ(SignIn("mod-a", kPassword, &a).status, 200);
  ASSERT_EQ(SignIn("mod-b", kPassword, &b).status, 200);
  const std::string card = "/api/v1/appeals/" + std::to_string(theirs);
  ASSERT_EQ(Get(card, a).status, 200);

  // By id: as if it did not exist.
  EXPECT_EQ(Get(card, b).status, 404);
  EXPECT_EQ(Get(card + "/actions", b).status, 404);
  // By list: naming the other service is refused; no filter shows only theirs.
  auto named = Get("/api/v1/appeals?executor=" + city_.lead_executor, b);
  EXPECT_EQ(named.status, 403) << named.body;
  auto all = Get("/api/v1/appeals", b);
  ASSERT_EQ(all.status, 200);
  for (size_t i = 0; i < all.json->getArray("items")->size(); ++i)
    EXPECT_NE(all.json->getArray("items")->getObject(i)->getValue<int64_t>("id"), theirs);
  auto mine = Get("/api/v1/appeals", a);
  EXPECT_EQ(mine.json->getArray("items")->size(), 1u);
  // By a forged body: transitions and comments on it are refused the same.
  auto moved = Change("POST", card + "/transitions", Json({{"action", "take_into_work"}}), b);
  EXPECT_EQ(moved.status, 404) << moved.body;
  auto comment = Change("POST", card + "/comments", Json({{"text", "forged"}}), b);
  EXPECT_EQ(comment.status, 404);
  EXPECT_TRUE(store_.ListComments(theirs).empty());
  // The scope comes from the user row: an admin narrowing mod-a's services
  // takes effect on the next request of the same session.
  const int64_t mod_a = store_.FindUserByLogin("mod-a")->id;
  Poco::JSON::Array::Ptr other = new Poco::JSON::Array;
  other->add(other_service_);
  ASSERT_EQ(
      Admin("PATCH", "/api/v1/users/" + std::to_string(mod_a), Json({{"services", other}})).status,
      200);
  EXPECT_EQ(Get(card, a).status, 404);
}

TEST_F(SessionTest, SqlMetacharactersInEveryFilterAreJustText) {
  AddUser("olena", "operator");
  Browser b;
  ASSERT_EQ(SignIn("olena", kPassword, &b).status, 200);
  CreateAppeal();
  const std::string evil = "x' OR '1'='1'; DROP TABLE appeals; --";
  std::string enc;
  Poco::URI::encode(evil, "!#$&'()*+,/:;=?@[]\"%<>\\^`{|} ", enc);
  for (const char* name : {"category", "street", "house", "resident", "channel", "executor"}) {
    auto a = Get(std::string("/api/v1/appeals?") + name + "=" + enc, b);
    EXPECT_EQ(a.status, 200) << name << ": " << a.body;
    if (a.json) EXPECT_EQ(a.json->getArray("items")->size(), 0u) << name;
  }
  for (const char* name : {"status", "from", "to", "registry_id", "limit", "sort"}) {
    auto a = Get(std::string("/api/v1/appeals?") + name + "=" + enc, b);
    EXPECT_EQ(a.status, 400) << name << ": " << a.body;
  }
  EXPECT_EQ(Get("/api/v1/appeals", b).json->getArray("items")->size(), 1u) << "table intact";
}

TEST_F(SessionTest, ApiKeysStillWorkAndNeedNoCsrf) {
  const int64_t appeal = CreateAppeal();
  auto a = Admin("POST", "/api/v1/appeals/" + std::to_string(appeal) + "/comments",
                 Json({{"text", "by a script"}}));
  EXPECT_EQ(a.status, 201) << a.body;
}

TEST_F(SessionTest, BootstrapCreatesTheFirstAdministratorOnce) {
  auto password = accounts_->BootstrapAdministrator("admin");
  ASSERT_TRUE(password);
  EXPECT_FALSE(accounts_->BootstrapAdministrator("admin")) << "users exist now";
  Browser b;
  auto a = SignIn("admin", *password, &b);
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.json->getObject("user")->getValue<std::string>("role"), "administrator");
  // An administrator may not demote themself.
  const int64_t id = a.json->getObject("user")->getValue<int64_t>("id");
  auto demote =
      Change("PATCH", "/api/v1/users/" + std::to_string(id), Json({{"role", "operator"}}), b);
  EXPECT_EQ(demote.status, 409);
  EXPECT_EQ(demote.Code(), "self_change");
}

}  // namespace
}  // namespace vikno::testing
