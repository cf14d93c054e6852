// Issue 5's desk endpoints (api_requests.cc, api_operator.cc) over the real
// HTTP server, workflow, Lua city rules and a SQLite store in a temp folder.
#include <gtest/gtest.h>

#include "files/file_store.h"
#include "http/server.h"
#include "integration/http/http_client.h"
#include "integration/http/rules_for_tests.h"
#include "store/sqlite/sqlite_store.h"
#include "unit/workflow/workflow_fixture.h"  // TestClock, FreshTempDir
#include "workflow/abuse.h"
#include "workflow/appeal_requests.h"
#include "workflow/knowledge_base.h"

namespace vikno::testing {
namespace {

using Poco::JSON::Object;

constexpr const char* kAdmin = "admin-key-0123456789";
constexpr const char* kOtherMod = "other-moderator-key";
constexpr const char* kOwnMod = "own-moderator-key";
constexpr const char* kExec = "executor-key";
constexpr const char* kDm = "decision-maker-key";
constexpr const char* kDm2 = "decision-maker-2-key";
constexpr const char* kOperator = "operator-key";

// The city's extend() without Lua in the way: allows up to 45 days from
// registration (as Pyriatyn's rule) and names the head from the second on.
class CappedPolicy final : public ExtensionPolicy {
 public:
  ExtensionVerdict Extend(const Appeal& a, Timestamp, Timestamp requested, int nth) override {
    if (requested - a.created_at > std::chrono::hours(24 * 45))
      return ExtensionVerdict{false, {}, "", "не більше 45 днів"};
    return ExtensionVerdict{true, requested, nth >= 2 ? "head" : "decision_maker", ""};
  }
};

class DeskApiTest : public ::testing::Test {
 protected:
  DeskApiTest()
      : dir_(FreshTempDir("vikno-desk")),
        store_((dir_ / "vikno.sqlite").string()),
        city_(MakeCityForTests(store_)),
        files_(dir_, FilesConfig{1024 * 1024, {"image/png", "image/jpeg", "application/pdf"}}),
        service_(store_, *city_.rules, clock_),
        requests_(store_, service_, policy_, files_, clock_),
        kb_(store_, clock_),
        abuse_(store_, clock_) {}

  void SetUp() override {
    HttpConfig http;
    http.listen = "127.0.0.1:0";
    http.threads = 4;
    http.max_body_bytes = 64 * 1024;
    std::vector<ApiKeyConfig> keys = {
        {"admin", "administrator", {}, kAdmin},
        {"other-mod", "moderator", {"no-such-service"}, kOtherMod},
        {"own-mod", "moderator", {city_.lead_executor}, kOwnMod},
        {"exe", "executor", {city_.lead_executor}, kExec},
        {"dm", "decision_maker", {}, kDm},
        {"dm2", "decision_maker", {}, kDm2},
        {"op", "operator", {}, kOperator},
    };
    http::ApiDeps deps;
    deps.appeals = &service_;
    deps.store = &store_;
    deps.clock = &clock_;
    deps.rules_name = [this] { return city_.name; };
    deps.desk.requests = &requests_;
    deps.desk.kb = &kb_;
    deps.desk.abuse = &abuse_;
    deps.desk.max_upload_bytes = 2 * 1024 * 1024;
    server_ = std::make_unique<http::HttpServer>(http, keys, deps);
    server_->Start();
    port_ = server_->port();
    Executor other{"other-service", "Інша служба", "", "", "", true};
    store_.UpsertExecutor(other);
  }
  void TearDown() override { server_->Stop(); }
  ~DeskApiTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  HttpAnswer Call(const std::string& method, const std::string& uri, const std::string& key,
                  std::optional<std::string> body = std::nullopt,
                  const std::string& type = "application/json") {
    return Request(port_, method, uri, body, key, type);
  }
  HttpAnswer Post(const std::string& uri, const std::string& body, const std::string& key) {
    return Call("POST", uri, key, body);
  }
  int64_t CreatePhoneAppeal() {
    Object o;
    o.set("description", city_.routed_text);
    o.set("channel", "phone");
    Object::Ptr r = new Object;
    r->set("name", "Петро Іваненко");
    r->set("phone", "+380501234567");
    o.set("resident", r);
    Object::Ptr c = new Object;
    c->set("text_version", "2026-01");
    o.set("consent", c);
    std::ostringstream out;
    o.stringify(out);
    auto a = Post("/api/v1/appeals", out.str(), kOperator);
    EXPECT_EQ(a.status, 201) << a.body;
    return a.json ? a.json->getValue<int64_t>("id") : 0;
  }
  static void Expect(const HttpAnswer& a, int status, const std::string& code = "") {
    EXPECT_EQ(a.status, status) << a.body;
    if (!code.empty()) {
      EXPECT_EQ(a.ErrorCode(), code) << a.body;
    }
  }
  static std::string Multipart(const std::string& bytes, const std::string& name,
                               const std::string& type) {
    return "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name +
           "\"\r\nContent-Type: " + type + "\r\n\r\n" + bytes + "\r\n--XyZ--\r\n";
  }
  static std::string Png() {
    static const unsigned char kPng[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0,
                                         13,   'I', 'H', 'D', 'R',  0,    0,    0,    1, 0, 0,
                                         0,    1,   8,   2,   0,    0,    0};
    return std::string(reinterpret_cast<const char*>(kPng), sizeof kPng);
  }

  std::filesystem::path dir_;
  TestClock clock_{At("2026-03-02T09:00:00Z")};
  SqliteStore store_;
  CityForTests city_;
  FileStore files_;
  CappedPolicy policy_;
  AppealService service_;
  AppealRequests requests_;
  KnowledgeBase kb_;
  Abuse abuse_;
  std::unique_ptr<http::HttpServer> server_;
  uint16_t port_ = 0;
};

TEST_F(DeskApiTest, PhoneAppealRecordsConsentAndIdentityAndTheCallerIsFoundByPhone) {
  const int64_t id = CreatePhoneAppeal();
  auto found = Call("GET", "/api/v1/residents?phone=%2B380501234567", kOperator);
  Expect(found, 200);
  auto items = found.json->getArray("items");
  ASSERT_EQ(items->size(), 1u);
  auto r = items->getObject(0);
  EXPECT_EQ(r->getValue<std::string>("name"), "Петро Іваненко");
  EXPECT_EQ(r->getValue<std::string>("consent_text_version"), "2026-01");
  EXPECT_EQ(r->getArray("appeals")->getObject(0)->getValue<int64_t>("id"), id);
  // A '+' that arrived as a space and a local form find the same caller.
  EXPECT_EQ(Call("GET", "/api/v1/residents?phone=+380501234567", kOperator)
                .json->getArray("items")->size(), 1u);
  EXPECT_EQ(Call("GET", "/api/v1/residents?phone=0501234567", kOperator)
                .json->getArray("items")->size(), 1u);
  Expect(Call("GET", "/api/v1/residents?phone=%2B380501234567", kOwnMod), 403, "forbidden");
  Expect(Call("GET", "/api/v1/residents?phone=abc", kOperator), 400, "invalid_phone");
}

TEST_F(DeskApiTest, ExtensionWalkWithOwnRequestRefusedAndDeadlineMoved) {
  const int64_t id = CreatePhoneAppeal();
  const auto appeal = store_.FindAppeal(id);
  ASSERT_TRUE(appeal && appeal->resolve_due);
  const std::string due = FormatIso8601(*appeal->resolve_due + std::chrono::hours(72));
  const std::string path = "/api/v1/appeals/" + std::to_string(id);
  Expect(Post(path + "/extension-requests", R"({"proposed_due":")" + due + R"("})", kExec), 422,
         "missing_reason");
  Expect(Post(path + "/extension-requests", R"({"proposed_due":"2026-12-31T00:00:00Z","reason":"x"})",
              kExec),
         422, "extension_not_allowed");
  auto made =
      Post(path + "/extension-requests", R"({"proposed_due":")" + due + R"(","reason":"Техніка"})",
           kExec);
  Expect(made, 201);
  const int64_t rid = made.json->getValue<int64_t>("id");
  EXPECT_EQ(made.json->getValue<std::string>("state"), "pending");
  EXPECT_EQ(made.json->getValue<int>("ordinal"), 1);
  EXPECT_FALSE(made.json->getValue<bool>("needs_head_knowledge"));
  Expect(Post(path + "/extension-requests", R"({"proposed_due":")" + due + R"(","reason":"ще"})",
              kExec),
         409, "pending_request");
  const std::string decision = "/api/v1/extension-requests/" + std::to_string(rid) + "/decision";
  // The executor cannot approve their own request; a moderator may not decide.
  Expect(Post(decision, R"({"approve":true})", kExec), 403, "own_request");
  Expect(Post(decision, R"({"approve":true})", kOwnMod), 403, "forbidden");
  Expect(Post(decision, R"({"approve":true})", kOtherMod), 404, "not_found");
  auto ok = Post(decision, R"({"approve":true,"note":"Погоджено"})", kDm);
  Expect(ok, 200);
  EXPECT_EQ(ok.json->getValue<std::string>("state"), "approved");
  EXPECT_EQ(FormatIso8601(*store_.FindAppeal(id)->resolve_due), due);
  Expect(Post(decision, R"({"approve":false})", kDm), 409, "already_decided");
  // The second extension needs the head's knowledge (R16) and a DM who did
  // not ask for it decides.
  const std::string due2 = FormatIso8601(*appeal->resolve_due + std::chrono::hours(96));
  auto second = Post(path + "/extension-requests",
                     R"({"proposed_due":")" + due2 + R"(","reason":"Погода"})", kDm);
  Expect(second, 201);
  EXPECT_TRUE(second.json->getValue<bool>("needs_head_knowledge"));
  EXPECT_EQ(second.json->getValue<std::string>("approver"), "head");
  const std::string decision2 = "/api/v1/extension-requests/" +
                                std::to_string(second.json->getValue<int64_t>("id")) + "/decision";
  Expect(Post(decision2, R"({"approve":true})", kDm), 403, "own_request");
  Expect(Post(decision2, R"({"approve":false,"note":"Ні"})", kDm2), 200);
  auto list = Call("GET", path + "/requests", kOwnMod);
  Expect(list, 200);
  EXPECT_EQ(list.json->getArray("extension_requests")->size(), 2u);
  // Both decisions are in the card's timeline with who and from where.
  auto card = Call("GET", path, kAdmin);
  const std::string timeline = card.body;
  EXPECT_NE(timeline.find("approve_extension"), std::string::npos);
  EXPECT_NE(timeline.find("reject_extension"), std::string::npos);
}

TEST_F(DeskApiTest, ExecutorChangeMovesTheAppealOutOfTheOldScope) {
  const int64_t id = CreatePhoneAppeal();
  const std::string path = "/api/v1/appeals/" + std::to_string(id);
  Expect(Post(path + "/executor-change-requests",
              R"({"proposed_executor":"nope","reason":"x"})", kExec),
         422, "invalid_executor");
  auto made = Post(path + "/not-my-competence", R"({"proposed_executor":"","reason":"Не наше"})",
                   kExec);
  Expect(made, 201);
  EXPECT_EQ(made.json->getValue<std::string>("from_executor"), city_.lead_executor);
  const std::string decision = "/api/v1/executor-change-requests/" +
                               std::to_string(made.json->getValue<int64_t>("id")) + "/decision";
  Expect(Post(decision, R"({"approve":true})", kDm), 422, "missing_executor");
  Expect(Post(decision, R"({"approve":true,"executor":"other-service"})", kDm), 200);
  EXPECT_EQ(store_.FindAppeal(id)->lead_executor(), "other-service");
  // The old service's moderator no longer reaches it.
  Expect(Call("GET", path, kOwnMod), 404, "not_found");
  // Several executors (002 §7.2).
  auto added = Post(path + "/executors", R"({"add":")" + city_.lead_executor + R"("})", kDm);
  Expect(added, 200);
  EXPECT_EQ(added.json->getArray("executors")->size(), 2u);
  Expect(Post(path + "/executors", R"({"add":"other-service"})", kDm), 409, "already_executor");
  // A co-executor may say "not in my competence".
  Expect(Post(path + "/not-my-competence", R"({"reason":"Не наше"})", kExec), 201);
}

TEST_F(DeskApiTest, AnotherServicesModeratorGets404OnEveryAppealEndpoint) {
  const int64_t id = CreatePhoneAppeal();
  const std::string path = "/api/v1/appeals/" + std::to_string(id);
  auto up = Call("POST", path + "/attachments", kOwnMod, Multipart(Png(), "a.png", "image/png"),
                 "multipart/form-data; boundary=XyZ");
  Expect(up, 201);
  const std::string sha = up.json->getValue<std::string>("sha256");
  struct Case {
    const char* method;
    std::string uri;
    std::string body;
  };
  const std::vector<Case> cases = {
      {"POST", path + "/extension-requests",
       R"({"proposed_due":"2026-03-20T00:00:00Z","reason":"x"})"},
      {"POST", path + "/executor-change-requests", R"({"reason":"x"})"},
      {"POST", path + "/executors", R"({"add":"other-service"})"},
      {"POST", path + "/not-my-competence", R"({"reason":"x"})"},
      {"POST", path + "/informed", R"({"how":"phone","at":"2026-03-02T08:00:00Z"})"},
      {"POST", path + "/flags", R"({"commission_inspection":true})"},
      {"GET", path + "/requests", ""},
      {"GET", "/api/v1/files/" + sha + "?appeal=" + std::to_string(id), ""},
  };
  for (const auto& c : cases) {
    auto a = c.body.empty() ? Call(c.method, c.uri, kOtherMod)
                            : Call(c.method, c.uri, kOtherMod, c.body);
    EXPECT_EQ(a.status, 404) << c.method << " " << c.uri << ": " << a.body;
    EXPECT_EQ(a.ErrorCode(), "not_found") << c.uri;
  }
  auto multipart = Call("POST", path + "/attachments", kOtherMod,
                        Multipart(Png(), "a.png", "image/png"), "multipart/form-data; boundary=XyZ");
  Expect(multipart, 404, "not_found");
  EXPECT_EQ(store_.ListAttachments(id).size(), 1u);
  EXPECT_FALSE(store_.FindAppeal(id)->commission_inspection);
}

TEST_F(DeskApiTest, FilesAreCheckedAndServedAsDownloads) {
  const int64_t id = CreatePhoneAppeal();
  const std::string path = "/api/v1/appeals/" + std::to_string(id);
  const std::string mp = "multipart/form-data; boundary=XyZ";
  Expect(Call("POST", path + "/attachments", kExec, Multipart("<html><script>", "x.html", "text/html"),
              mp),
         415, "type_not_allowed");
  Expect(Call("POST", path + "/attachments", kExec, Multipart(Png(), "x.jpg", "image/jpeg"), mp),
         415, "type_mismatch");
  Expect(Call("POST", path + "/attachments", kExec, Multipart(std::string(1100 * 1024, 'a'), "big",
                                                               "image/png"),
              mp),
         413, "too_large");
  Expect(Call("POST", path + "/attachments", kExec, "{}"), 415);
  auto up = Call("POST", path + "/attachments", kExec, Multipart(Png(), "фото.png", "image/png"), mp);
  Expect(up, 201);
  EXPECT_EQ(up.json->getValue<std::string>("media_type"), "image/png");
  EXPECT_EQ(up.json->getValue<std::string>("original_name"), "фото.png");
  const std::string sha = up.json->getValue<std::string>("sha256");
  auto got = Call("GET", "/api/v1/files/" + sha + "?appeal=" + std::to_string(id), kOwnMod);
  Expect(got, 200);
  EXPECT_EQ(got.body, Png());
  EXPECT_EQ(got.Header("Content-Type"), "image/png");
  EXPECT_EQ(got.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(got.Header("Content-Disposition").rfind("attachment", 0), 0u);
  // A file of another appeal is not reachable through this one.
  const int64_t other = CreatePhoneAppeal();
  Expect(Call("GET", "/api/v1/files/" + sha + "?appeal=" + std::to_string(other), kAdmin), 404);
}

TEST_F(DeskApiTest, InformedAndFlagsAreAuditedAndRoleChecked) {
  const int64_t id = CreatePhoneAppeal();
  const std::string path = "/api/v1/appeals/" + std::to_string(id);
  Expect(Post(path + "/informed", R"({"how":"pigeon","at":"2026-03-02T08:00:00Z"})", kExec), 422,
         "invalid_how");
  Expect(Post(path + "/informed", R"({"how":"sms","at":"2027-03-02T08:00:00Z"})", kExec), 422,
         "invalid_at");
  auto rec = Post(path + "/informed",
                  R"({"how":"phone","at":"2026-03-02T08:30:00Z","by":"Ірина","unit":"Дільниця 2",)"
                  R"("performer":"Петренко","performer_phone":"+380671112233","note":"Зроблено"})",
                  kExec);
  Expect(rec, 201);
  EXPECT_EQ(rec.json->getValue<std::string>("performer"), "Петренко");
  Expect(Post(path + "/flags", R"({"commission_inspection":true})", kExec), 403, "forbidden");
  auto flagged = Post(path + "/flags", R"({"commission_inspection":true})", kOwnMod);
  Expect(flagged, 200);
  EXPECT_TRUE(flagged.json->getValue<bool>("commission_inspection"));
  const auto audit = store_.ListAudit("appeal", std::to_string(id));
  bool informed = false, flag = false;
  for (const auto& e : audit) {
    informed = informed || (e.action == "inform_resident" && e.actor_id.find("exe") != std::string::npos &&
                            e.client_address.rfind("127.0.0.1", 0) == 0);
    flag = flag || e.action == "commission_inspection";
  }
  EXPECT_TRUE(informed);
  EXPECT_TRUE(flag);
}

TEST_F(DeskApiTest, KnowledgeBaseConsultationsAndDirectory) {
  Expect(Post("/api/v1/kb", R"({"title":"Пенсії"})", kOperator), 403, "forbidden");
  auto made = Post("/api/v1/kb",
                   R"({"title":"Перерахунок ПЕНСІЇ","body":"Звертайтесь до ПФУ","tags":["пенсія"],)"
                   R"("state_body":"Пенсійний фонд України"})",
                   kAdmin);
  Expect(made, 201);
  const int64_t kb = made.json->getValue<int64_t>("id");
  auto found = Call("GET", "/api/v1/kb?q=%D0%BF%D0%B5%D0%BD%D1%81%D1%96%D1%97", kExec);  // "пенсії"
  Expect(found, 200);
  ASSERT_EQ(found.json->getArray("items")->size(), 1u);
  EXPECT_EQ(Call("GET", "/api/v1/kb?q=gas", kExec).json->getArray("items")->size(), 0u);
  Expect(Call("PATCH", "/api/v1/kb/" + std::to_string(kb), kAdmin, R"({"body":"Новий текст"})"),
         200);
  EXPECT_EQ(store_.FindKbEntry(kb)->title, "Перерахунок ПЕНСІЇ");
  auto c = Post("/api/v1/consultations",
                R"({"phone":"+380501234567","kb_id":)" + std::to_string(kb) + R"(,"note":"ПФУ"})",
                kOperator);
  Expect(c, 201);
  Expect(Post("/api/v1/consultations", R"({"kb_id":)" + std::to_string(kb) + "}", kOperator), 422,
         "missing_caller");
  Expect(Post("/api/v1/consultations", R"({"phone":"+380501234567","kb_id":999})", kOperator), 422,
         "invalid_kb");
  auto list = Call("GET", "/api/v1/consultations?phone=%2B380501234567", kOperator);
  Expect(list, 200);
  EXPECT_EQ(list.json->getArray("items")->size(), 1u);
  Expect(Call("DELETE", "/api/v1/kb/" + std::to_string(kb), kAdmin), 204);
  Expect(Call("DELETE", "/api/v1/kb/" + std::to_string(kb), kAdmin), 404);

  auto dir = Call("GET", "/api/v1/directory", kOperator);
  Expect(dir, 200);
  EXPECT_GE(dir.json->getArray("items")->size(), 2u);
  Expect(Call("PATCH", "/api/v1/executors/other-service", kOwnMod, R"({"phone":"1"})"), 403);
  auto patched =
      Call("PATCH", "/api/v1/executors/other-service", kAdmin, R"({"phone":"+380542700000"})");
  Expect(patched, 200);
  EXPECT_EQ(patched.json->getValue<std::string>("phone"), "+380542700000");
  EXPECT_EQ(store_.ListAudit("executor", "other-service").size(), 1u);
  Expect(Call("GET", "/api/v1/categories", kOperator), 200);
  // No address matcher wired in this host: a clear 503, not an empty answer.
  Expect(Call("GET", "/api/v1/registry/addresses?q=x", kOperator), 503, "unavailable");
}

TEST_F(DeskApiTest, BlockingNeedsApprovalAndCountsForAllChannels) {
  CreatePhoneAppeal();
  const std::string resident = store_.FindResidentsByPhone("+380501234567").front().id;
  const std::string path = "/api/v1/residents/" + resident + "/block";
  Expect(Post(path, R"({"channel":"telegram","reason":"Образи"})", kOwnMod), 403,
         "approval_required");
  Expect(Post(path, R"({"channel":"pigeon","reason":"x"})", kAdmin), 422, "invalid_channel");
  Expect(Post(path, R"({"channel":"telegram"})", kAdmin), 422, "missing_reason");
  Expect(Post(path, R"({"channel":"telegram","reason":"x"})", kExec), 403, "forbidden");
  Expect(Post("/api/v1/residents/nobody/block", R"({"channel":"all","reason":"x"})", kAdmin), 404);
  auto b = Post(path, R"({"channel":"all","reason":"Спам","approved_by":"Коваль"})", kOwnMod);
  Expect(b, 201);
  EXPECT_EQ(b.json->getValue<std::string>("approved_by"), "Коваль");
  EXPECT_TRUE(store_.IsResidentBlocked(resident, "viber"));
  Expect(Post(path, R"({"channel":"all","reason":"x"})", kAdmin), 409, "already_blocked");
  auto list = Call("GET", "/api/v1/blocks", kDm);
  Expect(list, 200);
  EXPECT_EQ(list.json->getArray("items")->size(), 1u);
  Expect(Call("DELETE", path + "?channel=all", kAdmin), 204);
  Expect(Call("DELETE", path + "?channel=all", kAdmin), 404);
  EXPECT_FALSE(store_.IsResidentBlocked(resident, "viber"));
  int blocks = 0;
  for (const auto& e : store_.ListAudit("resident", resident))
    blocks += e.action == "block" || e.action == "unblock";
  EXPECT_EQ(blocks, 2);
}

}  // namespace
}  // namespace vikno::testing
