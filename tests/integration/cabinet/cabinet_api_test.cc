// The residents' web cabinet over the real HTTP server on a loopback port
// with a SQLite store and the real city rules (issue 8): sign-up with a
// one-time code read from the real outbox row, wrong, expired and exhausted
// codes, resend limits, sign-in with a password and its reset, CSRF refusals,
// another resident's appeal answered 404 on every route, file type and size
// refusals, and the resident's confirm/rate/cancel path after staff act.
#include "cabinet/cabinet.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <map>

#include "files/file_store.h"
#include "http/api_cabinet.h"
#include "http/passwords.h"
#include "http/server.h"
#include "integration/http/rules_for_tests.h"
#include "integration/http/browser_client.h"
#include "store/sqlite/sqlite_store.h"
#include "unit/workflow/workflow_fixture.h"  // TestClock, FreshTempDir, At
#include "workflow/appeal_service.h"

namespace vikno::testing {
namespace {

using Poco::JSON::Object;

constexpr const char* kStaffKey = "cabinet-test-moderator-key";

std::string Json(std::initializer_list<std::pair<const char*, Poco::Dynamic::Var>> fields) {
  return JsonText(fields);
}

// The smallest PNG: the file store sniffs it by its magic bytes.
std::string Png() {
  static const unsigned char bytes[] = {
      0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
      0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
      0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00,
      0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49,
      0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

using Answer = BrowserAnswer;

class CabinetApiTest : public BrowserFixture {
 protected:
  CabinetApiTest()
      : BrowserFixture(http::kCabinetCookie),
        dir_(FreshTempDir("vikno-cabinet")),
        store_((dir_ / "vikno.sqlite").string()),
        city_(MakeCityForTests(store_)),
        service_(store_, *city_.rules, clock_) {}

  void SetUp() override {
    FilesConfig files;
    files.max_bytes = 4096;  // small, so the size refusal is cheap to test
    files_ = std::make_unique<FileStore>(dir_, files);
    CabinetConfig config;
    config.code_resend_seconds = 60;
    config.code_max_sends_per_hour = 3;
    config.code_max_attempts = 3;
    config.privacy_version = "2026-1";
    cabinet_ = std::make_unique<Cabinet>(store_, service_, *files_, clock_, config,
                                         http::Argon2Params{1, 8 * 1024, 1},
                                         std::set<std::string>{"email", "sms"}, nullptr, files, 5);
    HttpConfig http;
    http.listen = "127.0.0.1:0";
    http.threads = 4;
    http::ApiDeps deps;
    deps.appeals = &service_;
    deps.store = &store_;
    deps.clock = &clock_;
    deps.rules_name = [this] { return city_.name; };
    deps.desk.max_upload_bytes = 64 * 1024;
    deps.more_routes.push_back([c = cabinet_.get()](http::Router& r, const http::ApiDeps& d) {
      http::RegisterCabinetRoutes(r, d, *c);
    });
    server_ = std::make_unique<http::HttpServer>(
        http,
        std::vector<ApiKeyConfig>{{"moderator", "administrator", {}, kStaffKey}}, deps);
    server_->Start();
    port_ = server_->port();
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  ~CabinetApiTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Answer Staff(const std::string& method, const std::string& uri,
               const std::optional<std::string>& body = std::nullopt) {
    return Send(method, uri, body, nullptr,
                {{"Authorization", std::string("Bearer ") + kStaffKey}});
  }

  Answer AskCode(const std::string& login) {
    return Send("POST", "/api/v1/cabinet/code", Json({{"login", login}}), nullptr,
                {{"Origin", Origin()}});
  }
  // The code as the resident receives it: from the newest real outbox row
  // queued to `address` (the e-mail/SMS channel would deliver exactly it).
  std::string CodeFromOutbox(const std::string& address) {
    OutboxQuery q;
    q.limit = 1000;
    std::string code;
    for (const auto& m : store_.ListOutbox(q)) {
      if (m.address != address || m.text_key != "cabinet.code.message") continue;
      Poco::JSON::Parser parser;
      code = parser.parse(m.params).extract<Object::Ptr>()->getValue<std::string>(
          kOutboxSecretParam);
    }
    return code;
  }
  Answer Verify(const std::string& login, const std::string& code, Browser* b,
                bool sign_up = true) {
    std::string body;
    if (sign_up) {
      Object::Ptr s = new Object;
      s->set("name", "Олена Коваль");
      s->set("privacy_version", "2026-1");
      s->set("consent", true);
      body = Json({{"login", login}, {"code", code}, {"sign_up", s}});
    } else {
      body = Json({{"login", login}, {"code", code}});
    }
    Answer a = Send("POST", "/api/v1/cabinet/session", body, b, {{"Origin", Origin()}});
    if ((a.status == 200 || a.status == 201) && b) Keep(a, b);
    return a;
  }
  Browser SignUp(const std::string& login) {
    EXPECT_EQ(AskCode(login).status, 202);
    Browser b;
    auto a = Verify(login, CodeFromOutbox(login), &b);
    EXPECT_EQ(a.status, 201) << a.body;
    return b;
  }
  int64_t File(const Browser& b, const std::string& text) {
    auto a = Change("POST", "/api/v1/cabinet/appeals",
                    Json({{"description", text}, {"category", ""}}), b);
    EXPECT_EQ(a.status, 201) << a.body;
    return a.json ? a.json->getValue<int64_t>("id") : 0;
  }
  Answer Upload(const Browser& b, int64_t id, const std::string& bytes, const std::string& type,
                const std::string& name) {
    const std::string boundary = "----cabinet-test-boundary";
    std::string body = "--" + boundary +
                       "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name +
                       "\"\r\nContent-Type: " + type + "\r\n\r\n" + bytes + "\r\n--" + boundary +
                       "--\r\n";
    return Send("POST", "/api/v1/cabinet/appeals/" + std::to_string(id) + "/files", body, &b,
                {{"X-CSRF-Token", b.csrf}, {"Origin", Origin()}},
                "multipart/form-data; boundary=" + boundary);
  }

  std::filesystem::path dir_;
  TestClock clock_{At("2026-03-02T09:00:00Z")};
  SqliteStore store_;
  CityForTests city_;
  AppealService service_;
  std::unique_ptr<FileStore> files_;
  std::unique_ptr<Cabinet> cabinet_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_F(CabinetApiTest, SignUpWithCodeSetsStrictCookieAndRecordsConsent) {
  auto sent = AskCode("Olena@Example.com ");
  ASSERT_EQ(sent.status, 202) << sent.body;
  EXPECT_EQ(sent.json->getValue<std::string>("sent_to"), "o***@example.com");
  const std::string code = CodeFromOutbox("olena@example.com");
  ASSERT_EQ(code.size(), 6u);
  // Only a salted hash of the code is stored.
  auto stored = store_.FindCabinetCode("olena@example.com");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->code_hash.find(code), std::string::npos);

  Browser b;
  auto a = Verify("olena@example.com", code, &b);
  ASSERT_EQ(a.status, 201) << a.body;
  const std::string cookie = a.Header("Set-Cookie");
  EXPECT_EQ(cookie.rfind("vikno_cabinet=", 0), 0u) << "its own cookie, not the staff one";
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  auto profile = Get("/api/v1/cabinet/profile", b);
  ASSERT_EQ(profile.status, 200) << profile.body;
  EXPECT_EQ(profile.json->getValue<std::string>("email"), "olena@example.com");
  EXPECT_EQ(profile.json->getValue<std::string>("name"), "Олена Коваль");
  EXPECT_EQ(profile.json->getObject("consent")->getValue<std::string>("text_version"), "2026-1");
  // The code is spent: it signs nobody in twice.
  Browser again;
  EXPECT_EQ(Verify("olena@example.com", code, &again, false).Code(), "bad_code");
}

TEST_F(CabinetApiTest, CodeLeavesTheOutboxRowOnceSentAndStillSignsIn) {
  ASSERT_EQ(AskCode("taras@example.com").status, 202);
  const std::string code = CodeFromOutbox("taras@example.com");
  ASSERT_EQ(code.size(), 6u);
  // The e-mail channel's sender takes the row and sends it.
  auto claimed = store_.ClaimOutbox("email", "sender-1", clock_.Now(),
                                    clock_.Now() + std::chrono::minutes(1), 10);
  ASSERT_EQ(claimed.size(), 1u);
  ASSERT_TRUE(store_.MarkOutboxSent(claimed[0].id, "sender-1", "msg-1", clock_.Now()));
  auto row = store_.FindOutboxByKey(claimed[0].idempotency_key);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->params.find(code), std::string::npos) << row->params;
  Poco::JSON::Parser parser;
  EXPECT_EQ(parser.parse(row->params).extract<Object::Ptr>()->getValue<std::string>("minutes"),
            "10");
  // The resident has it in their mailbox, and it works.
  Browser b;
  EXPECT_EQ(Verify("taras@example.com", code, &b).status, 201);
}

TEST_F(CabinetApiTest, PurgeEndsIdleSessionsAndStaleCodesWithoutASignIn) {
  Browser b = SignUp("ivan@example.com");
  ASSERT_EQ(AskCode("petro@example.com").status, 202);
  const auto account = store_.FindCabinetAccountByLogin("ivan@example.com");
  ASSERT_TRUE(account);
  ASSERT_EQ(store_.ListCabinetSessions(account->id).size(), 1u);
  EXPECT_EQ(cabinet_->PurgeExpired(), 0);  // nothing expired yet
  EXPECT_EQ(store_.ListCabinetSessions(account->id).size(), 1u);
  clock_.Advance(std::chrono::minutes(61));  // idle past session_idle_minutes
  EXPECT_EQ(cabinet_->PurgeExpired(), 1);
  EXPECT_TRUE(store_.ListCabinetSessions(account->id).empty());
  EXPECT_EQ(Get("/api/v1/cabinet/profile", b).status, 401);
  // The expired code stays while its resend window may still count it, then
  // goes.
  EXPECT_TRUE(store_.FindCabinetCode("petro@example.com"));
  clock_.Advance(std::chrono::hours(24 * 8));
  cabinet_->PurgeExpired();
  EXPECT_FALSE(store_.FindCabinetCode("petro@example.com"));
}

TEST_F(CabinetApiTest, WrongExpiredAndExhaustedCodesAreRefused) {
  ASSERT_EQ(AskCode("+380501234567").status, 202);
  const std::string code = CodeFromOutbox("+380501234567");
  const std::string wrong = code == "000000" ? "111111" : "000000";
  Browser b;
  auto bad = Verify("050 123 45 67", wrong, &b);  // the same phone, written locally
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.Code(), "bad_code");
  // Consent is an explicit act: without the box ticked, no account.
  Object::Ptr s = new Object;
  s->set("privacy_version", "2026-1");
  s->set("consent", false);
  auto no_consent = Send("POST", "/api/v1/cabinet/session",
                         Json({{"login", "+380501234567"}, {"code", code}, {"sign_up", s}}),
                         nullptr, {{"Origin", Origin()}});
  EXPECT_EQ(no_consent.Code(), "consent_required");
  // Sign-in for an unknown login asks for the sign-up, the code stays valid.
  EXPECT_EQ(Verify("+380501234567", code, &b, false).Code(), "consent_required");
  // Expired.
  clock_.Advance(std::chrono::minutes(11));
  EXPECT_EQ(Verify("+380501234567", code, &b).Code(), "bad_code");

  // Exhausted: three wrong tries kill even the right code.
  ASSERT_EQ(AskCode("+380501234567").status, 202);
  const std::string fresh = CodeFromOutbox("+380501234567");
  const std::string miss = fresh == "000000" ? "111111" : "000000";
  EXPECT_EQ(Verify("+380501234567", miss, &b).Code(), "bad_code");
  EXPECT_EQ(Verify("+380501234567", miss, &b).Code(), "bad_code");
  EXPECT_EQ(Verify("+380501234567", miss, &b).Code(), "code_exhausted");
  EXPECT_EQ(Verify("+380501234567", fresh, &b).Code(), "code_exhausted");
  EXPECT_FALSE(store_.FindCabinetAccountByLogin("+380501234567"));
}

TEST_F(CabinetApiTest, ResendIsRateLimitedAndBadLoginsRefused) {
  ASSERT_EQ(AskCode("a@example.com").status, 202);
  auto soon = AskCode("a@example.com");
  EXPECT_EQ(soon.status, 429);
  EXPECT_EQ(soon.Code(), "too_soon");
  EXPECT_FALSE(soon.Header("Retry-After").empty());
  clock_.Advance(std::chrono::seconds(61));
  ASSERT_EQ(AskCode("a@example.com").status, 202);
  clock_.Advance(std::chrono::seconds(61));
  ASSERT_EQ(AskCode("a@example.com").status, 202);
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ(AskCode("a@example.com").Code(), "too_many_codes");
  EXPECT_EQ(AskCode("not a login").Code(), "invalid_login");
  EXPECT_EQ(AskCode("a@@b").status, 422);
  // A page on another site cannot make the browser ask for codes.
  auto cross = Send("POST", "/api/v1/cabinet/code", Json({{"login", "b@example.com"}}), nullptr,
                    {{"Origin", "https://evil.example"}});
  EXPECT_EQ(cross.status, 403);
  EXPECT_EQ(cross.Code(), "csrf");
}

TEST_F(CabinetApiTest, CsrfMissingOrWrongIsRefusedAndNothingChanges) {
  Browser b = SignUp("olena@example.com");
  auto missing = Send("POST", "/api/v1/cabinet/appeals", Json({{"description", "Яма"}}), &b,
                      {{"Origin", Origin()}});
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(missing.Code(), "csrf");
  auto wrong = Send("PATCH", "/api/v1/cabinet/profile", Json({{"name", "X"}}), &b,
                    {{"X-CSRF-Token", "forged"}, {"Origin", Origin()}});
  EXPECT_EQ(wrong.status, 403);
  auto other_site = Send("DELETE", "/api/v1/cabinet/profile", std::nullopt, &b,
                         {{"X-CSRF-Token", b.csrf}, {"Origin", "https://evil.example"}});
  EXPECT_EQ(other_site.status, 403);
  AppealQuery q;
  EXPECT_TRUE(store_.ListAppeals(q).items.empty());
  EXPECT_TRUE(store_.FindCabinetAccountByLogin("olena@example.com"));
  // No cookie at all: 401; the staff API key opens nothing here.
  EXPECT_EQ(Send("GET", "/api/v1/cabinet/appeals", std::nullopt, nullptr).status, 401);
  EXPECT_EQ(Staff("GET", "/api/v1/cabinet/appeals").status, 401);
}

TEST_F(CabinetApiTest, AnotherResidentsAppealIsNotFoundOnEveryRoute) {
  Browser owner = SignUp("owner@example.com");
  const int64_t id = File(owner, city_.routed_text);
  ASSERT_EQ(Upload(owner, id, Png(), "image/png", "yama.png").status, 201);
  const std::string sha = FileStore::Sha256Hex(Png());
  Browser other = SignUp("other@example.com");
  const std::string base = "/api/v1/cabinet/appeals/" + std::to_string(id);
  const std::vector<Answer> answers = {
      Get(base, other),
      Change("POST", base + "/actions", Json({{"action", "cancel"}}), other),
      Change("POST", base + "/actions", Json({{"action", "take_into_work"}}), other),
      Change("POST", base + "/rating", Json({{"score", 5}}), other),
      Upload(other, id, Png(), "image/png", "x.png"),
      Get(base + "/files/" + sha, other),
      Get("/api/v1/cabinet/appeals/999999", other),
  };
  for (const auto& a : answers) {
    EXPECT_EQ(a.status, 404) << a.body;
    EXPECT_EQ(a.Code(), "not_found") << a.body;
  }
  auto list = Get("/api/v1/cabinet/appeals", other);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json->getArray("items")->size(), 0u);
  EXPECT_EQ(service_.Get(id, Actor::System()).value().status, Status::kNew);  // untouched
  auto own = Get(base, owner);
  EXPECT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(Get(base + "/files/" + sha, owner).body, Png());
}

TEST_F(CabinetApiTest, UploadsAreCheckedByTypeAndSize) {
  Browser b = SignUp("olena@example.com");
  const int64_t id = File(b, city_.routed_text);
  auto exe = Upload(b, id, std::string("MZ\x90\x00", 4) + std::string(200, 'x'),
                    "application/octet-stream", "virus.exe");
  EXPECT_EQ(exe.status, 415) << exe.body;
  EXPECT_EQ(exe.Code(), "type_not_allowed");
  auto lying = Upload(b, id, Png(), "application/pdf", "fake.pdf");
  EXPECT_EQ(lying.status, 415);
  EXPECT_EQ(lying.Code(), "type_mismatch");
  auto big = Upload(b, id, Png() + std::string(5000, '\0'), "image/png", "big.png");
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_TRUE(store_.ListAttachments(id).empty());
  auto ok = Upload(b, id, Png(), "image/png", "yama.png");
  EXPECT_EQ(ok.status, 201) << ok.body;
}

TEST_F(CabinetApiTest, FileFollowConfirmRateAndArchive) {
  Browser b = SignUp("olena@example.com");
  auto filed = Change("POST", "/api/v1/cabinet/appeals",
                      Json({{"description", city_.routed_text}}), b);
  ASSERT_EQ(filed.status, 201) << filed.body;
  EXPECT_FALSE(filed.json->getValue<std::string>("number").empty());  // R5: at once
  EXPECT_EQ(filed.json->getValue<std::string>("channel"), "web");
  const int64_t id = filed.json->getValue<int64_t>("id");
  const std::string uri = "/api/v1/appeals/" + std::to_string(id) + "/transitions";
  ASSERT_EQ(Staff("POST", uri, Json({{"action", "take_into_work"}})).status, 200);
  // A staff comment not meant for the resident never reaches the cabinet.
  ASSERT_EQ(Staff("POST", "/api/v1/appeals/" + std::to_string(id) + "/comments",
                  Json({{"text", "внутрішня нотатка"}, {"visible_to_resident", false}}))
                .status,
            201);
  ASSERT_EQ(Staff("POST", uri,
                  Json({{"action", "send_for_confirmation"}, {"note", "Яму засипано"}}))
                .status,
            200);
  const std::string base = "/api/v1/cabinet/appeals/" + std::to_string(id);
  auto card = Get(base, b);
  ASSERT_EQ(card.status, 200);
  EXPECT_EQ(card.body.find("внутрішня нотатка"), std::string::npos);
  EXPECT_EQ(card.body.find(kStaffKey), std::string::npos);
  auto timeline = card.json->getArray("timeline");
  ASSERT_GE(timeline->size(), 3u);
  auto last = timeline->getObject(static_cast<unsigned>(timeline->size() - 1));
  EXPECT_EQ(last->getValue<std::string>("status"), "awaiting_confirmation");
  EXPECT_EQ(last->getValue<std::string>("note"), "Яму засипано");  // the executor's answer
  // Staff actions are not the resident's.
  EXPECT_EQ(Change("POST", base + "/actions", Json({{"action", "reject"}}), b).status, 403);
  auto confirmed = Change("POST", base + "/actions", Json({{"action", "confirm"}}), b);
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(confirmed.json->getValue<std::string>("status"), "completed");
  EXPECT_EQ(Change("POST", base + "/rating", Json({{"score", 7}}), b).status, 422);
  auto rated = Change("POST", base + "/rating", Json({{"score", 5}, {"comment", "Дякую"}}), b);
  EXPECT_EQ(rated.status, 201) << rated.body;
  EXPECT_EQ(Change("POST", base + "/rating", Json({{"score", 4}}), b).Code(), "already_rated");
  ASSERT_EQ(store_.ListRatingsForAppeal(id).size(), 1u);
  EXPECT_EQ(store_.ListRatingsForAppeal(id)[0].executor_id, city_.lead_executor);
  // Closed: in the archive, not in the open list.
  EXPECT_EQ(Get("/api/v1/cabinet/appeals", b).json->getArray("items")->size(), 0u);
  EXPECT_EQ(Get("/api/v1/cabinet/appeals?archive=true", b).json->getArray("items")->size(), 1u);
  // Cancel (R7) of another, open appeal.
  const int64_t second = File(b, city_.routed_text);
  auto cancelled = Change("POST", "/api/v1/cabinet/appeals/" + std::to_string(second) + "/actions",
                          Json({{"action", "cancel"}}), b);
  EXPECT_EQ(cancelled.json->getValue<std::string>("status"), "cancelled");
}

TEST_F(CabinetApiTest, LinksOnlyAResidentWhoseEmailOrSmsBindingIsTheLogin) {
  // A chat resident reached on SMS at this phone: the SMS channel proved the
  // phone is theirs, the code proves it is the signer's, so they are one.
  auto chat = service_.Create(NewAppeal{city_.routed_text, "sms", "", {}, "", false,
                                        Identity{"Петро", "+380671112233", ""},
                                        Consent{clock_.Now(), "1"}},
                              Actor::System());
  ASSERT_TRUE(chat.ok());
  const Timestamp now = clock_.Now();
  store_.UpsertChannelBinding(
      ChannelBinding{chat->resident_id, "sms", "+380671112233", true, now, now});
  // Another resident merely typed this phone into a Telegram dialogue.
  auto typed = service_.Create(NewAppeal{city_.routed_text, "telegram", "", {}, "", false,
                                         Identity{"Хтось", "+380509998877", ""},
                                         Consent{clock_.Now(), "1"}},
                               Actor::System());
  ASSERT_TRUE(typed.ok());

  Browser linked = SignUp("+380671112233");
  auto mine = Get("/api/v1/cabinet/appeals", linked);
  ASSERT_EQ(mine.status, 200);
  ASSERT_EQ(mine.json->getArray("items")->size(), 1u);
  EXPECT_EQ(mine.json->getArray("items")->getObject(0)->getValue<int64_t>("id"), chat->id);
  EXPECT_EQ(store_.FindCabinetAccountByLogin("+380671112233")->resident_id, chat->resident_id);

  Browser fresh = SignUp("+380509998877");
  EXPECT_EQ(Get("/api/v1/cabinet/appeals", fresh).json->getArray("items")->size(), 0u);
  EXPECT_NE(store_.FindCabinetAccountByLogin("+380509998877")->resident_id, typed->resident_id);
  EXPECT_EQ(Get("/api/v1/cabinet/appeals/" + std::to_string(typed->id), fresh).status, 404);
  // The new resident is now reached on SMS at the verified phone (R7).
  auto bound = store_.FindChannelBindingByChat("sms", "+380509998877");
  ASSERT_TRUE(bound);
  EXPECT_EQ(bound->resident_id, store_.FindCabinetAccountByLogin("+380509998877")->resident_id);
}

TEST_F(CabinetApiTest, PasswordSignInResetAndErase) {
  Browser b = SignUp("olena@example.com");
  ASSERT_EQ(Change("PUT", "/api/v1/cabinet/password",
                   Json({{"password", "short"}}), b).Code(), "weak_password");
  ASSERT_EQ(Change("PUT", "/api/v1/cabinet/password",
                   Json({{"password", "кобзар-тарас-1814"}}), b).status, 204);
  Browser p;
  auto wrong = Send("POST", "/api/v1/cabinet/session",
                    Json({{"login", "olena@example.com"}, {"password", "nope nope nope"}}),
                    nullptr, {{"Origin", Origin()}});
  EXPECT_EQ(wrong.status, 401);
  auto in = Send("POST", "/api/v1/cabinet/session",
                 Json({{"login", "OLENA@example.com"}, {"password", "кобзар-тарас-1814"}}),
                 nullptr, {{"Origin", Origin()}});
  ASSERT_EQ(in.status, 200) << in.body;
  Keep(in, &p);
  // Reset by a code ends every session, the old browser's too.
  clock_.Advance(std::chrono::minutes(2));
  ASSERT_EQ(AskCode("olena@example.com").status, 202);
  auto reset = Send("POST", "/api/v1/cabinet/password/reset",
                    Json({{"login", "olena@example.com"},
                          {"code", CodeFromOutbox("olena@example.com")},
                          {"password", "нове-довге-гасло-2026"}}),
                    nullptr, {{"Origin", Origin()}});
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_EQ(Get("/api/v1/cabinet/profile", b).status, 401);
  EXPECT_EQ(Get("/api/v1/cabinet/profile", p).status, 401);
  Browser r;
  Keep(reset, &r);
  // The delete request: signed out, personal data gone, the appeal kept.
  const int64_t id = File(r, city_.routed_text);
  const std::string resident = store_.FindAppeal(id)->resident_id;
  ASSERT_EQ(Change("DELETE", "/api/v1/cabinet/profile", "", r).status, 204);
  EXPECT_EQ(Get("/api/v1/cabinet/profile", r).status, 401);
  EXPECT_FALSE(store_.FindResident(resident)->identity);
  EXPECT_TRUE(store_.FindAppeal(id));
}

// A session alone (say, a cookie left on a shared computer) must not be a
// way to guess the password: wrong "current" passwords count toward the
// login's lock-out like wrong sign-ins, and while it holds even the right
// one is refused.
TEST_F(CabinetApiTest, WrongCurrentPasswordsLockTheLoginLikeSignIns) {
  Browser b = SignUp("taras@example.com");
  ASSERT_EQ(Change("PUT", "/api/v1/cabinet/password",
                   Json({{"password", "кобзар-тарас-1814"}}), b).status, 204);
  for (int i = 0; i < 4; ++i) {
    auto wrong = Change("PUT", "/api/v1/cabinet/password",
                        Json({{"current", "guess-" + std::to_string(i)},
                              {"password", "нове-довге-гасло-2026"}}), b);
    ASSERT_EQ(wrong.Code(), "bad_credentials") << i;
  }
  // The fifth wrong guess may come through sign-in: one count per login.
  auto fifth = Send("POST", "/api/v1/cabinet/session",
                    Json({{"login", "taras@example.com"}, {"password", "guess-4"}}), nullptr,
                    {{"Origin", Origin()}});
  EXPECT_EQ(fifth.status, 401);
  auto locked = Change("PUT", "/api/v1/cabinet/password",
                       Json({{"current", "кобзар-тарас-1814"}, {"password", "нове-довге-гасло-2026"}}),
                       b);
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(locked.Code(), "throttled");
  // Nothing changed: the old password still signs in once the lock is over.
  clock_.Advance(std::chrono::minutes(16));
  auto in = Send("POST", "/api/v1/cabinet/session",
                 Json({{"login", "taras@example.com"}, {"password", "кобзар-тарас-1814"}}), nullptr,
                 {{"Origin", Origin()}});
  EXPECT_EQ(in.status, 200) << in.body;
}

}  // namespace
}  // namespace vikno::testing
