// Broadcasts, surveys and ratings over the real HTTP server with staff
// signed in through sessions (cookie + CSRF), on a SQLite store (issue 6,
// R24, R25): an administrator's broadcast is queued to every subscribed
// binding of its audience and its progress and expected finish follow the
// outbox; emergency rows are claimed before routine ones; a survey answer
// counts once; ratings are scoped per service; moderators and executors are
// refused broadcasting, surveys and other services' ratings with 403.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "broadcasts/broadcast_service.h"
#include "http/server.h"
#include "http/session.h"
#include "http/session_http.h"
#include "integration/http/rules_for_tests.h"
#include "integration/http/browser_client.h"
#include "messages/messages.h"
#include "store/sqlite/sqlite_store.h"
#include "unit/workflow/workflow_fixture.h"  // TestClock, FreshTempDir
#include "workflow/appeal_service.h"

namespace vikno::testing {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kAdminKey = "admin-key-for-broadcast-tests";
constexpr const char* kPassword = "correct horse battery";

std::string Json(std::initializer_list<std::pair<const char*, Poco::Dynamic::Var>> fields) {
  return JsonText(fields);
}

using Answer = BrowserAnswer;

class BroadcastsApiTest : public BrowserFixture {
 protected:
  BroadcastsApiTest()
      : BrowserFixture(http::kSessionCookie),
        dir_(FreshTempDir("vikno-broadcasts")),
        store_((dir_ / "vikno.sqlite").string()),
        city_(MakeCityForTests(store_)),
        service_(store_, *city_.rules, clock_),
        messages_(VIKNO_SOURCE_DIR "/config/messages", "uk") {
    for (const auto& e : store_.ListExecutors())
      if (e.id != city_.lead_executor) other_service_ = e.id;
    broadcasts::ServiceOptions options;
    // The channels' paces as the sender would have them: Telegram 30/s,
    // Viber 50/s, SMS 10/s.
    options.rate_of = [](const std::string& channel) {
      if (channel == "telegram") return 30.0;
      if (channel == "viber") return 50.0;
      if (channel == "sms") return 10.0;
      return 0.0;
    };
    options.channels = [] { return std::vector<std::string>{"telegram", "viber", "sms", "web"}; };
    options.wake = [this](const std::string& channel) { woken_.insert(channel); };
    broadcasts_ = std::make_unique<broadcasts::BroadcastService>(store_, messages_, clock_,
                                                                  options);
  }

  void SetUp() override {
    AccountsConfig c;
    c.argon2_time_cost = 1;
    c.argon2_memory_kib = 8 * 1024;
    accounts_ = std::make_unique<http::Accounts>(store_, clock_, c);
    HttpConfig http;
    http.listen = "127.0.0.1:0";
    http.threads = 4;
    http::ApiDeps deps;
    deps.appeals = &service_;
    deps.store = &store_;
    deps.clock = &clock_;
    deps.rules_name = [this] { return city_.name; };
    deps.accounts = accounts_.get();
    deps.broadcasts = broadcasts_.get();
    server_ = std::make_unique<http::HttpServer>(
        http, std::vector<ApiKeyConfig>{{"admin", "administrator", {}, kAdminKey}}, deps);
    server_->Start();
    port_ = server_->port();
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  ~BroadcastsApiTest() override {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }



  // A staff user made through the API, signed in through the login route.
  Browser User(const std::string& login, const std::string& role,
               std::vector<std::string> services = {}) {
    Array::Ptr list = new Array;
    for (const auto& s : services) list->add(s);
    auto made = Send("POST", "/api/v1/users",
                     Json({{"login", login},
                           {"name", "Test " + login},
                           {"role", role},
                           {"services", list},
                           {"password", std::string(kPassword)}}),
                     nullptr, {{"Authorization", std::string("Bearer ") + kAdminKey}});
    EXPECT_EQ(made.status, 201) << made.body;
    Browser b;
    auto in = Send("POST", "/api/v1/session",
                   Json({{"login", login}, {"password", std::string(kPassword)}}), &b,
                   {{"Origin", Origin()}});
    EXPECT_EQ(in.status, 200) << in.body;
    if (in.status == 200) Keep(in, &b);
    return b;
  }

  // `n` residents subscribed on `channel`, ids "<prefix><i>".
  void Subscribers(const std::string& prefix, int n, const std::string& channel,
                   bool subscribed = true) {
    for (int i = 0; i < n; ++i) {
      const std::string id = prefix + std::to_string(i);
      if (!store_.FindResident(id)) {
        Resident r;
        r.id = id;
        r.created_at = clock_.Now();
        store_.CreateResident(r, AuditEntry{0, clock_.Now(), "system", "system", "", "resident",
                                            id, "create", "{}"});
      }
      ChannelBinding b;
      b.resident_id = id;
      b.channel = channel;
      b.chat_id = channel + ":" + id;
      b.subscribed = subscribed;
      b.created_at = b.updated_at = clock_.Now();
      store_.UpsertChannelBinding(b);
    }
  }

  static std::map<std::string, Object::Ptr> ByChannel(const Object::Ptr& report) {
    std::map<std::string, Object::Ptr> out;
    auto channels = report->getObject("progress")->getArray("channels");
    for (size_t i = 0; i < channels->size(); ++i) {
      auto c = channels->getObject(static_cast<unsigned>(i));
      out[c->getValue<std::string>("channel")] = c;
    }
    return out;
  }

  std::filesystem::path dir_;
  TestClock clock_{At("2026-03-02T09:00:00Z")};
  SqliteStore store_;
  CityForTests city_;
  AppealService service_;
  Messages messages_;
  std::string other_service_;
  std::set<std::string> woken_;
  std::unique_ptr<broadcasts::BroadcastService> broadcasts_;
  std::unique_ptr<http::Accounts> accounts_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_F(BroadcastsApiTest, AdministratorBroadcastIsQueuedWithProgressAndExpectedFinish) {
  Subscribers("t", 60, "telegram");
  Subscribers("v", 10, "viber");
  Subscribers("u", 4, "viber", /*subscribed=*/false);
  Browser admin = User("admin1", "administrator");

  auto created = Change("POST", "/api/v1/broadcasts",
                        Json({{"kind", "news"}, {"text", "  Завтра прибирання парку  "}}), admin);
  ASSERT_EQ(created.status, 201) << created.body;
  const int64_t id = created.json->getValue<int64_t>("id");
  EXPECT_EQ(created.json->getValue<int64_t>("recipients"), 70);
  EXPECT_EQ(created.json->getValue<std::string>("text"), "Завтра прибирання парку");
  EXPECT_FALSE(created.json->isNull("queued_at"));
  EXPECT_EQ(woken_, (std::set<std::string>{"telegram", "viber", "sms", "web"}));
  // The text residents get: the news heading from the messages file.
  auto row = store_.FindOutboxByKey(BroadcastBatchId(id) + ":telegram:t0");
  ASSERT_TRUE(row);
  EXPECT_NE(row->payload_json.find("До відома мешканців"), std::string::npos) << row->payload_json;
  EXPECT_EQ(row->priority, 2);

  auto report = Get("/api/v1/broadcasts/" + std::to_string(id), admin);
  ASSERT_EQ(report.status, 200) << report.body;
  auto progress = report.json->getObject("progress");
  EXPECT_EQ(progress->getValue<int64_t>("total"), 70);
  EXPECT_EQ(progress->getValue<int64_t>("remaining"), 70);
  auto channels = ByChannel(report.json);
  ASSERT_EQ(channels.size(), 2u);
  EXPECT_EQ(channels["telegram"]->getValue<int64_t>("queued"), 60);
  EXPECT_DOUBLE_EQ(channels["telegram"]->getValue<double>("rate_per_second"), 30.0);
  // 60 left at 30 a second: two seconds from now; Viber 10 at 50/s: one.
  EXPECT_EQ(channels["telegram"]->getValue<std::string>("finish_at"), "2026-03-02T09:00:02Z");
  EXPECT_EQ(channels["viber"]->getValue<std::string>("finish_at"), "2026-03-02T09:00:01Z");
  EXPECT_EQ(progress->getValue<std::string>("finish_at"), "2026-03-02T09:00:02Z");

  // The sender takes 30 Telegram rows and sends 29; one fails for good.
  auto claimed = store_.ClaimOutbox("telegram", "w1", clock_.Now(),
                                    clock_.Now() + std::chrono::seconds(60), 30);
  ASSERT_EQ(claimed.size(), 30u);
  for (size_t i = 0; i < claimed.size(); ++i) {
    if (i == 0)
      store_.MarkOutboxFailed(claimed[i].id, "w1", "blocked by user", clock_.Now());
    else
      store_.MarkOutboxSent(claimed[i].id, "w1", "m" + std::to_string(i), clock_.Now());
  }
  report = Get("/api/v1/broadcasts/" + std::to_string(id), admin);
  channels = ByChannel(report.json);
  EXPECT_EQ(channels["telegram"]->getValue<int64_t>("queued"), 30);
  EXPECT_EQ(channels["telegram"]->getValue<int64_t>("sent"), 29);
  EXPECT_EQ(channels["telegram"]->getValue<int64_t>("failed"), 1);
  EXPECT_EQ(channels["telegram"]->getValue<std::string>("finish_at"), "2026-03-02T09:00:01Z");
  progress = report.json->getObject("progress");
  EXPECT_EQ(progress->getValue<int64_t>("remaining"), 40);
  EXPECT_EQ(progress->getValue<int64_t>("sent"), 29);

  auto list = Get("/api/v1/broadcasts?limit=5", admin);
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json->getArray("items")->size(), 1u);
  EXPECT_EQ(Get("/api/v1/broadcasts/999", admin).status, 404);
  EXPECT_EQ(Get("/api/v1/broadcasts?bogus=1", admin).status, 400);
}

TEST_F(BroadcastsApiTest, EmergencyRowsAreClaimedBeforeRoutineOnes) {
  // Two groups on SMS: residents of Харківська get a routine message first,
  // then residents of Соборна an emergency alert.
  Subscribers("h", 5, "sms");
  Subscribers("c", 5, "sms");
  for (int i = 0; i < 5; ++i) {
    store_.AddResidentAddress("h" + std::to_string(i),
                              Address{std::nullopt, "Суми", "", "Харківська", "3", "", "", {}},
                              clock_.Now());
    store_.AddResidentAddress("c" + std::to_string(i),
                              Address{std::nullopt, "Суми", "", "Соборна", "1", "", "", {}},
                              clock_.Now());
  }
  Browser admin = User("admin2", "administrator");
  auto routine = Change("POST", "/api/v1/broadcasts",
                        Json({{"kind", "message"},
                              {"channel", "sms"},
                              {"street", "Харківська"},
                              {"text", "Планове прибирання"}}),
                        admin);
  ASSERT_EQ(routine.status, 201) << routine.body;
  EXPECT_EQ(routine.json->getValue<int64_t>("recipients"), 5);
  clock_.Advance(std::chrono::seconds(5));
  auto alert = Change("POST", "/api/v1/broadcasts",
                      Json({{"kind", "alert"},
                            {"street", "Соборна"},
                            {"house", "1"},
                            {"text", "Витік газу, не виходьте"}}),
                      admin);
  ASSERT_EQ(alert.status, 201) << alert.body;
  EXPECT_EQ(alert.json->getValue<std::string>("channel"), "sms");  // 004: alerts go by SMS
  EXPECT_TRUE(alert.json->getValue<bool>("emergency"));
  EXPECT_EQ(alert.json->getValue<int64_t>("recipients"), 5);
  const std::string alert_batch = BroadcastBatchId(alert.json->getValue<int64_t>("id"));

  // The sender's claim: the five alert rows, queued later, come first.
  auto first = store_.ClaimOutbox("sms", "w", clock_.Now(),
                                  clock_.Now() + std::chrono::seconds(60), 5);
  ASSERT_EQ(first.size(), 5u);
  for (const auto& m : first) {
    EXPECT_EQ(m.batch_id, alert_batch);
    EXPECT_EQ(m.priority, 0);
    EXPECT_NE(m.payload_json.find("ЕКСТРЕНЕ"), std::string::npos) << m.payload_json;
  }
  auto next = store_.ClaimOutbox("sms", "w", clock_.Now(),
                                 clock_.Now() + std::chrono::seconds(60), 5);
  ASSERT_EQ(next.size(), 5u);
  for (const auto& m : next) EXPECT_EQ(m.priority, 2);
}

TEST_F(BroadcastsApiTest, BadInputIsRefusedWithReasonsAndNothingIsQueued) {
  Subscribers("b", 3, "telegram");
  Browser admin = User("admin3", "administrator");
  EXPECT_EQ(Change("POST", "/api/v1/broadcasts", Json({{"text", "   "}}), admin).Code(),
            "missing_text");
  auto bad_kind = Change("POST", "/api/v1/broadcasts", Json({{"kind", "spam"}, {"text", "x"}}),
                         admin);
  EXPECT_EQ(bad_kind.status, 422);
  EXPECT_EQ(bad_kind.Code(), "invalid_kind");
  EXPECT_EQ(Change("POST", "/api/v1/broadcasts",
                   Json({{"channel", "pigeon"}, {"text", "x"}}), admin).Code(),
            "invalid_channel");
  EXPECT_EQ(Change("POST", "/api/v1/broadcasts", Json({{"house", "5"}, {"text", "x"}}), admin)
                .Code(),
            "invalid_audience");
  EXPECT_EQ(Change("POST", "/api/v1/broadcasts", Json({{"txt", "x"}}), admin).Code(),
            "unknown_field");
  EXPECT_EQ(Change("POST", "/api/v1/surveys",
                   Json({{"question", "Так?"}, {"options", Poco::JSON::Array::Ptr(new Array)}}),
                   admin)
                .Code(),
            "invalid_options");
  EXPECT_TRUE(store_.ListBroadcasts(10, 0).empty());
  EXPECT_TRUE(store_.ListSurveys(10, 0).empty());
  EXPECT_TRUE(store_.ListOutbox(OutboxQuery{}).empty());
}

TEST_F(BroadcastsApiTest, OnlyAdministratorsBroadcastAndSurveyAndOnlyWithTheCsrfToken) {
  Subscribers("r", 2, "telegram");
  Browser moderator = User("moder", "moderator", {city_.lead_executor});
  Browser executor = User("exec", "executor", {city_.lead_executor});
  Browser admin = User("admin4", "administrator");
  for (const Browser* b : {&moderator, &executor}) {
    auto post = Change("POST", "/api/v1/broadcasts", Json({{"text", "Привіт"}}), *b);
    EXPECT_EQ(post.status, 403) << post.body;
    EXPECT_EQ(post.Code(), "forbidden");
    EXPECT_EQ(Get("/api/v1/broadcasts", *b).status, 403);
    Array::Ptr options = new Array;
    options->add("Так");
    options->add("Ні");
    EXPECT_EQ(Change("POST", "/api/v1/surveys",
                     Json({{"question", "Чи чисто?"}, {"options", options}}), *b)
                  .status,
              403);
    EXPECT_EQ(Get("/api/v1/surveys", *b).status, 403);
  }
  // The administrator's cookie without the CSRF token: refused too.
  auto forged = Send("POST", "/api/v1/broadcasts", Json({{"text", "Привіт"}}), &admin,
                     {{"Origin", Origin()}});
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(forged.Code(), "csrf");
  EXPECT_EQ(Send("GET", "/api/v1/broadcasts", std::nullopt, nullptr).status, 401);
  EXPECT_TRUE(store_.ListBroadcasts(10, 0).empty());
  EXPECT_TRUE(store_.ListOutbox(OutboxQuery{}).empty());
}

TEST_F(BroadcastsApiTest, SurveyGoesAsButtonsAndCountsOneAnswerPerResident) {
  Subscribers("q", 3, "telegram");
  Subscribers("p", 2, "sms");
  Browser admin = User("admin5", "administrator");
  Array::Ptr options = new Array;
  options->add("Так");
  options->add("Ні");
  options->add("Не знаю");
  auto created = Change("POST", "/api/v1/surveys",
                        Json({{"question", "Чи задоволені ви вивозом сміття?"},
                              {"options", options}}),
                        admin);
  ASSERT_EQ(created.status, 201) << created.body;
  const int64_t id = created.json->getValue<int64_t>("id");
  EXPECT_EQ(created.json->getValue<int64_t>("recipients"), 3);  // SMS has no buttons
  auto row = store_.FindOutboxByKey(SurveyRecipientKey(id, "telegram", "q0"));
  ASSERT_TRUE(row);
  EXPECT_NE(row->payload_json.find(broadcasts::SurveyButtonData(id, 2)), std::string::npos)
      << row->payload_json;

  EXPECT_EQ(broadcasts_->AnswerButton("telegram", "q0", broadcasts::SurveyButtonData(id, 0)),
            messages_.Get("broadcasts.survey_thanks"));
  EXPECT_EQ(broadcasts_->AnswerButton("telegram", "q0", broadcasts::SurveyButtonData(id, 1)),
            messages_.Get("broadcasts.survey_already"));
  EXPECT_EQ(broadcasts_->AnswerButton("telegram", "q1", broadcasts::SurveyButtonData(id, 2)),
            messages_.Get("broadcasts.survey_thanks"));
  EXPECT_EQ(broadcasts_->AnswerButton("sms", "p0", broadcasts::SurveyButtonData(id, 0)),
            messages_.Get("broadcasts.survey_closed"));
  EXPECT_EQ(broadcasts_->AnswerButton("telegram", "q2", "survey:x:y"),
            messages_.Get("broadcasts.survey_closed"));
  EXPECT_FALSE(broadcasts_->AnswerButton("telegram", "q2", "rate:5"));

  auto results = Get("/api/v1/surveys/" + std::to_string(id), admin);
  ASSERT_EQ(results.status, 200) << results.body;
  auto answers = results.json->getArray("answers");
  ASSERT_EQ(answers->size(), 3u);
  EXPECT_EQ(answers->getElement<int64_t>(0), 1);
  EXPECT_EQ(answers->getElement<int64_t>(1), 0);
  EXPECT_EQ(answers->getElement<int64_t>(2), 1);
  EXPECT_EQ(results.json->getValue<int64_t>("answered"), 2);
  EXPECT_EQ(Get("/api/v1/surveys", admin).json->getArray("items")->size(), 1u);
}

TEST_F(BroadcastsApiTest, RatingsAreScopedToTheModeratorsServices) {
  auto rate = [&](const std::string& service, int score, const std::string& comment) {
    Rating r;
    r.executor_id = service;
    r.resident_id = "x";
    r.score = score;
    r.comment = comment;
    r.created_at = clock_.Now();
    store_.AddRating(r);
  };
  rate(city_.lead_executor, 5, "Дякую");
  rate(city_.lead_executor, 4, "");
  rate(other_service_, 1, "<script>alert(1)</script>");
  Browser admin = User("admin6", "administrator");
  Browser moderator = User("moder2", "moderator", {city_.lead_executor});
  Browser executor = User("exec2", "executor", {city_.lead_executor});

  auto all = Get("/api/v1/ratings?from=2026-03-01&to=2026-03-03", admin);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.json->getArray("summary")->size(), 2u);
  EXPECT_EQ(all.json->getArray("items")->size(), 3u);

  auto own = Get("/api/v1/ratings", moderator);
  ASSERT_EQ(own.status, 200) << own.body;
  auto summary = own.json->getArray("summary");
  ASSERT_EQ(summary->size(), 1u);
  EXPECT_EQ(summary->getObject(0)->getValue<std::string>("service"), city_.lead_executor);
  EXPECT_EQ(summary->getObject(0)->getValue<int64_t>("count"), 2);
  EXPECT_DOUBLE_EQ(summary->getObject(0)->getValue<double>("average"), 4.5);
  auto items = own.json->getArray("items");
  ASSERT_EQ(items->size(), 2u);
  for (size_t i = 0; i < items->size(); ++i)
    EXPECT_EQ(items->getObject(static_cast<unsigned>(i))->getValue<std::string>("service"),
              city_.lead_executor);

  auto other = Get("/api/v1/ratings?service=" + other_service_, moderator);
  EXPECT_EQ(other.status, 403) << other.body;
  EXPECT_EQ(other.Code(), "forbidden");
  EXPECT_EQ(Get("/api/v1/ratings", executor).status, 403);
  EXPECT_EQ(Get("/api/v1/ratings?from=yesterday", admin).status, 400);
  EXPECT_EQ(Get("/api/v1/ratings?from=2026-03-03&to=2026-03-01", admin).status, 400);
}

}  // namespace
}  // namespace vikno::testing
