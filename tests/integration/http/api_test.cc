// The real HTTP server on a free loopback port, in-process, over a SQLite
// store in a temporary folder, talked to with Poco::Net::HTTPClientSession
// and, where a well-behaved client cannot misbehave enough, a raw socket.
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/URI.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "http/server.h"
#include "integration/http/http_client.h"
#include "integration/http/rules_for_tests.h"
#include "store/sqlite/sqlite_store.h"
#include "unit/workflow/workflow_fixture.h"  // TestClock, FreshTempDir
#include "workflow/appeal_service.h"

namespace vikno::testing {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kAdminKey = "admin-secret-0123456789";
constexpr const char* kOtherModKey = "moderator-of-another-service";
constexpr const char* kOwnModKey = "moderator-of-the-lead-service";
constexpr const char* kExecutorKey = "executor-of-the-lead-service";
constexpr int64_t kMaxBody = 64 * 1024;

std::string Encode(const std::string& value) {
  std::string out;
  Poco::URI::encode(value, "!#$&'()*+,/:;=?@[]\"%<>\\^`{|} ", out);
  return out;
}

class ApiTest : public ::testing::Test {
 protected:
  ApiTest()
      : dir_(FreshTempDir("vikno-http")),
        store_((dir_ / "vikno.sqlite").string()),
        city_(MakeCityForTests(store_)),
        service_(store_, *city_.rules, clock_) {}

  void SetUp() override {
    HttpConfig http;
    http.listen = "127.0.0.1:0";
    http.threads = 4;
    http.max_body_bytes = kMaxBody;
    std::vector<ApiKeyConfig> keys = {
        {"admin", "administrator", {}, kAdminKey},
        {"other-mod", "moderator", {"no-such-service"}, kOtherModKey},
        {"own-mod", "moderator", {city_.lead_executor}, kOwnModKey},
        {"own-exe", "executor", {city_.lead_executor}, kExecutorKey},
    };
    http::ApiDeps deps;
    deps.appeals = &service_;
    deps.store = &store_;
    deps.clock = &clock_;
    deps.rules_name = [this] { return rules_loaded_ ? city_.name : std::string(); };
    deps.label = [](const std::string& key) {
      return key == "status.new" ? std::string("Нове") : std::string();
    };
    server_ = std::make_unique<http::HttpServer>(http, keys, deps);
    server_->Start();
    port_ = server_->port();
  }
  void TearDown() override {
    server_->Stop();
    server_.reset();
  }
  ~ApiTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  HttpAnswer Get(const std::string& uri, const std::string& key = kAdminKey) {
    return Request(port_, "GET", uri, std::nullopt, key);
  }
  HttpAnswer Post(const std::string& uri, const std::string& body,
                  const std::string& key = kAdminKey) {
    return Request(port_, "POST", uri, body, key);
  }
  std::string AppealBody(const std::string& text = "",
                         const std::string& street = "вулиця Соборна") {
    Object o;
    o.set("description", text.empty() ? city_.routed_text : text);
    o.set("channel", "phone");
    Object::Ptr address = new Object;
    address->set("city", "Суми");
    address->set("street", street);
    address->set("house", "1");
    o.set("address", address);
    std::ostringstream out;
    o.stringify(out);
    return out.str();
  }
  int64_t CreateAppeal(const std::string& text = "", const std::string& street = "вулиця Соборна") {
    auto a = Post("/api/v1/appeals", AppealBody(text, street));
    EXPECT_EQ(a.status, 201) << a.body;
    return a.json ? a.json->getValue<int64_t>("id") : 0;
  }
  static void ExpectError(const HttpAnswer& a, int status, const std::string& code) {
    EXPECT_EQ(a.status, status) << a.body;
    EXPECT_EQ(a.ErrorCode(), code) << a.body;
    EXPECT_FALSE(a.ErrorMessage().empty()) << a.body;
    EXPECT_EQ(a.Header("Content-Type"), "application/json; charset=utf-8");
  }
  // Sends raw bytes and returns the first line of the answer.
  std::string RawStatusLine(const std::string& head, const std::string& body_part) {
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port_));
    socket.setReceiveTimeout(Poco::Timespan(5, 0));
    socket.setSendTimeout(Poco::Timespan(5, 0));
    std::string all = head + body_part;
    size_t sent = 0;
    while (sent < all.size()) {
      int n = socket.sendBytes(all.data() + sent, static_cast<int>(all.size() - sent));
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    std::string answer;
    char buf[4096];
    while (answer.find("\r\n") == std::string::npos) {
      int n = socket.receiveBytes(buf, sizeof buf);  // throws TimeoutException after 5 s
      if (n <= 0) break;
      answer.append(buf, static_cast<size_t>(n));
    }
    return answer.substr(0, answer.find("\r\n"));
  }

  std::filesystem::path dir_;
  TestClock clock_{At("2026-03-02T09:00:00Z")};
  SqliteStore store_;
  CityForTests city_;
  AppealService service_;
  std::atomic<bool> rules_loaded_{true};
  std::unique_ptr<http::HttpServer> server_;
  uint16_t port_ = 0;
};

// ------------------------------------------------------------------ healthz

TEST_F(ApiTest, HealthzAnswersOkWithStoreAndCityWithoutAKey) {
  auto a = Request(port_, "GET", "/healthz");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json->getValue<std::string>("status"), "ok");
  EXPECT_EQ(a.json->getValue<std::string>("store"), "sqlite");
  EXPECT_EQ(a.json->getValue<std::string>("rules"), city_.name);
  EXPECT_EQ(a.Header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(a.Header("X-Content-Type-Options"), "nosniff");
}

TEST_F(ApiTest, HealthzIs503WithoutRules) {
  rules_loaded_ = false;
  auto a = Request(port_, "GET", "/healthz");
  EXPECT_EQ(a.status, 503) << a.body;
  EXPECT_EQ(a.json->getValue<std::string>("status"), "unavailable");
}

// ------------------------------------------------------------------ round trip

TEST_F(ApiTest, CreateListGetTransitionCommentRoundTrip) {
  auto created = Post("/api/v1/appeals", AppealBody());
  ASSERT_EQ(created.status, 201) << created.body;
  const int64_t id = created.json->getValue<int64_t>("id");
  EXPECT_EQ(created.Header("Location"), "/api/v1/appeals/" + std::to_string(id));
  EXPECT_EQ(created.Header("Cache-Control"), "no-store");
  EXPECT_EQ(created.json->getValue<std::string>("status"), "new");
  EXPECT_EQ(created.json->getValue<std::string>("status_colour"), "#d32f2f");
  EXPECT_EQ(created.json->getValue<std::string>("executor"), city_.lead_executor);
  EXPECT_EQ(created.json->getValue<std::string>("channel"), "phone");
  EXPECT_EQ(created.json->getValue<std::string>("created_at"), "2026-03-02T09:00:00Z");
  EXPECT_TRUE(created.json->get("number").isString());  // numbers as strings
  EXPECT_TRUE(created.json->get("id").isInteger());     // ids as numbers
  EXPECT_TRUE(created.json->isNull("closed_at"));
  EXPECT_EQ(created.json->getObject("address")->getValue<std::string>("street"), "вулиця Соборна");

  auto list = Get("/api/v1/appeals?total=true");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json->getArray("items")->size(), 1u);
  EXPECT_EQ(list.json->getValue<int64_t>("total"), 1);
  EXPECT_FALSE(list.json->getValue<bool>("has_more"));

  clock_.Advance(std::chrono::minutes(10));
  auto moved = Post("/api/v1/appeals/" + std::to_string(id) + "/transitions",
                    R"({"action":"take_into_work"})", kExecutorKey);
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(moved.json->getValue<std::string>("status"), "in_work");
  EXPECT_EQ(moved.json->getValue<std::string>("accepted_at"), "2026-03-02T09:10:00Z");

  auto comment =
      Post("/api/v1/appeals/" + std::to_string(id) + "/comments",
           R"({"text":"Бригада виїхала \"сьогодні\"","visible_to_resident":true})", kExecutorKey);
  ASSERT_EQ(comment.status, 201) << comment.body;
  EXPECT_EQ(comment.json->getValue<std::string>("text"), "Бригада виїхала \"сьогодні\"");

  auto card = Get("/api/v1/appeals/" + std::to_string(id), kOwnModKey);
  ASSERT_EQ(card.status, 200) << card.body;
  EXPECT_EQ(card.json->getArray("comments")->size(), 1u);
  EXPECT_EQ(card.json->getArray("attachments")->size(), 0u);
  auto timeline = card.json->getArray("timeline");
  ASSERT_EQ(timeline->size(), 3u);
  EXPECT_EQ(timeline->getObject(0)->getValue<std::string>("action"), "create");
  EXPECT_EQ(timeline->getObject(0)->getValue<std::string>("actor_id"), "api_key:admin");
  EXPECT_EQ(timeline->getObject(0)->getValue<std::string>("client_address"), "127.0.0.1");
  EXPECT_EQ(timeline->getObject(1)->getValue<std::string>("action"), "take_into_work");
  EXPECT_EQ(timeline->getObject(1)->getObject("details")->getValue<std::string>("from"), "new");
  EXPECT_EQ(timeline->getObject(1)->getObject("details")->getValue<std::string>("to"), "in_work");
  EXPECT_EQ(timeline->getObject(2)->getValue<std::string>("action"), "comment");

  auto rejected = Post("/api/v1/appeals/" + std::to_string(id) + "/transitions",
                       R"({"action":"reject","note":"дубль"})");
  ASSERT_EQ(rejected.status, 200) << rejected.body;
  EXPECT_EQ(rejected.json->getValue<std::string>("status"), "rejected");
  EXPECT_FALSE(rejected.json->isNull("closed_at"));
}

TEST_F(ApiTest, StatusesCarryCodesColoursAndLabels) {
  auto a = Get("/api/v1/statuses");
  ASSERT_EQ(a.status, 200) << a.body;
  auto list = a.json->getArray("statuses");
  ASSERT_EQ(list->size(), AllStatuses().size());
  EXPECT_EQ(list->getObject(0)->getValue<std::string>("code"), "new");
  EXPECT_EQ(list->getObject(0)->getValue<std::string>("colour"), "#d32f2f");
  EXPECT_EQ(list->getObject(0)->getValue<std::string>("label"), "Нове");
  EXPECT_EQ(list->getObject(1)->getValue<std::string>("label"), "in_work");  // no text: the code
}

TEST_F(ApiTest, ListFiltersAndPaging) {
  const int64_t a = CreateAppeal("", "вулиця Соборна");
  clock_.Advance(std::chrono::hours(1));
  const int64_t b = CreateAppeal("", "вулиця Петропавлівська");
  clock_.Advance(std::chrono::hours(1));
  // Another kind of problem (or the same): whatever the city makes of it.
  auto third = Post("/api/v1/appeals", AppealBody("Прорвало трубу, тече вода по вулиці"));
  ASSERT_EQ(third.status, 201) << third.body;
  const int64_t c = third.json->getValue<int64_t>("id");
  const bool c_is_pothole = third.json->getValue<std::string>("executor") == city_.lead_executor;
  const bool c_has_due = !third.json->isNull("resolve_due");
  ASSERT_TRUE(a && b && c);
  ASSERT_EQ(Post("/api/v1/appeals/" + std::to_string(b) + "/transitions",
                 R"({"action":"reject","note":"дубль"})")
                .status,
            200);

  auto ids = [&](const std::string& query) {
    auto r = Get("/api/v1/appeals?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    std::vector<int64_t> out;
    if (!r.json) return out;
    auto items = r.json->getArray("items");
    for (size_t i = 0; i < items->size(); ++i)
      out.push_back(items->getObject(i)->getValue<int64_t>("id"));
    return out;
  };
  using V = std::vector<int64_t>;
  EXPECT_EQ(ids(""), (V{c, b, a}));
  EXPECT_EQ(ids("sort=oldest"), (V{a, b, c}));
  EXPECT_EQ(ids("status=rejected"), (V{b}));
  EXPECT_EQ(ids("status=new&status=rejected"), (V{c, b, a}));
  EXPECT_EQ(ids("status=new,rejected&sort=oldest"), (V{a, b, c}));
  EXPECT_EQ(ids("street=" + Encode("вулиця Соборна")), (V{c, a}));
  EXPECT_EQ(ids("executor=" + city_.lead_executor + "&sort=oldest"),
            c_is_pothole ? (V{a, b, c}) : (V{a, b}));
  EXPECT_EQ(ids("from=2026-03-02T09:30:00Z&to=2026-03-02T10:30:00Z"), (V{b}));
  EXPECT_EQ(ids("from=2026-03-02"), (V{c, b, a}));
  EXPECT_EQ(ids("limit=1&offset=1&sort=oldest"), (V{b}));
  EXPECT_EQ(ids("channel=phone&house=1"), (V{c, b, a}));
  EXPECT_EQ(ids("channel=telegram"), V{});
  clock_.Advance(std::chrono::days(60));
  V overdue;  // b is closed; the others are overdue if they have a resolution deadline
  if (!Get("/api/v1/appeals/" + std::to_string(a)).json->isNull("resolve_due"))
    overdue.push_back(a);
  if (c_has_due) overdue.push_back(c);
  EXPECT_EQ(ids("overdue=true&sort=oldest"), overdue);
  auto page = Get("/api/v1/appeals?limit=2");
  EXPECT_TRUE(page.json->getValue<bool>("has_more"));
  EXPECT_FALSE(page.json->has("total"));
}

// ------------------------------------------------------------------ SQL metacharacters

TEST_F(ApiTest, SqlMetacharactersInEveryFilterAreJustText) {
  const std::string tricky_street = "O'Brien \"вул.\" 100% _x_; --";
  const int64_t plain = CreateAppeal("", "вулиця Соборна");
  const int64_t tricky = CreateAppeal("", tricky_street);
  ASSERT_TRUE(plain && tricky);
  const std::vector<std::string> evil = {
      "' OR '1'='1", "'; DROP TABLE appeals; --", "\" OR \"\"=\"", "%",     "_",    "*",
      "\\",          "1; DELETE FROM audit",      "') OR 1=1 --",  "%' --", "\x01", "water/%"};
  for (std::string param : {"street", "house", "category", "resident", "channel", "executor"}) {
    for (const auto& value : evil) {
      auto r = Get("/api/v1/appeals?total=true&" + param + "=" + Encode(value));
      ASSERT_EQ(r.status, 200) << param << "=" << value << ": " << r.body;
      EXPECT_EQ(r.json->getArray("items")->size(), 0u) << param << "=" << value;
      EXPECT_EQ(r.json->getValue<int64_t>("total"), 0) << param << "=" << value;
    }
  }
  for (std::string param :
       {"registry_id", "limit", "offset", "from", "to", "status", "sort", "overdue", "total"}) {
    for (const auto& value : evil) {
      auto r = Get("/api/v1/appeals?" + param + "=" + Encode(value));
      ExpectError(r, 400, "invalid_parameter");
      EXPECT_NE(r.ErrorMessage().find("'" + param + "'"), std::string::npos) << r.body;
    }
  }
  // The exact text finds exactly its card; nothing was harmed.
  auto r = Get("/api/v1/appeals?street=" + Encode(tricky_street));
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.json->getArray("items")->size(), 1u);
  EXPECT_EQ(r.json->getArray("items")->getObject(0)->getValue<int64_t>("id"), tricky);
  EXPECT_EQ(Get("/api/v1/appeals").json->getArray("items")->size(), 2u);
  EXPECT_EQ(Get("/api/v1/appeals/" + std::to_string(plain)).json->getArray("timeline")->size(), 1u);
}

// ------------------------------------------------------------------ error statuses

TEST_F(ApiTest, NoKeyAndWrongKeyAre401) {
  auto none = Request(port_, "GET", "/api/v1/appeals");
  ExpectError(none, 401, "unauthorized");
  EXPECT_EQ(none.Header("WWW-Authenticate"), "Bearer");
  ExpectError(Get("/api/v1/appeals", "wrong-key"), 401, "unauthorized");
  ExpectError(Get("/api/v1/appeals", std::string(kAdminKey) + "x"), 401, "unauthorized");
  ExpectError(Get("/api/v1/appeals", std::string(kAdminKey).substr(1)), 401, "unauthorized");
  // A POST without a key is refused before its body is looked at.
  ExpectError(Request(port_, "POST", "/api/v1/appeals", AppealBody(), ""), 401, "unauthorized");
  // Basic auth is not a bearer key.
  Poco::Net::HTTPClientSession s("127.0.0.1", port_);
  Poco::Net::HTTPRequest req("GET", "/api/v1/appeals");
  req.set("Authorization", std::string("Basic ") + kAdminKey);
  s.sendRequest(req);
  Poco::Net::HTTPResponse resp;
  s.receiveResponse(resp);
  EXPECT_EQ(resp.getStatus(), 401);
}

TEST_F(ApiTest, UnknownThingsAre404And405) {
  ExpectError(Get("/api/v1/nothing-here"), 404, "not_found");
  ExpectError(Get("/api/v1/appeals/999999"), 404, "not_found");
  ExpectError(Get("/api/v1/appeals/abc"), 400, "invalid_id");
  ExpectError(Get("/api/v1/appeals/-1"), 400, "invalid_id");
  auto wrong = Request(port_, "DELETE", "/api/v1/appeals", std::nullopt, kAdminKey);
  ExpectError(wrong, 405, "method_not_allowed");
  EXPECT_EQ(wrong.Header("Allow"), "POST, GET");
  ExpectError(Post("/api/v1/appeals/999999/transitions", R"({"action":"reject","note":"x"})"), 404,
              "not_found");
}

TEST_F(ApiTest, BadBodiesAre400And415And422) {
  ExpectError(Post("/api/v1/appeals", "{\"description\": \"Яма\", "), 400, "malformed_json");
  ExpectError(Post("/api/v1/appeals", "[1,2,3]"), 400, "malformed_json");
  ExpectError(Post("/api/v1/appeals", "not json at all"), 400, "malformed_json");
  ExpectError(Post("/api/v1/appeals", std::string(20000, '[') + std::string(20000, ']')), 400,
              "malformed_json");
  ExpectError(Post("/api/v1/appeals", R"({"description":"Яма","channel":"web","colour":"red"})"),
              400, "unknown_field");
  ExpectError(Post("/api/v1/appeals", R"({"description":42,"channel":"web"})"), 400,
              "invalid_field");
  ExpectError(Post("/api/v1/appeals", R"({"description":"Яма","channel":"pigeon"})"), 400,
              "invalid_channel");
  ExpectError(Post("/api/v1/appeals", R"({"description":"","channel":"web"})"), 422,
              "missing_description");
  ExpectError(Post("/api/v1/appeals", R"({"description":"Яма"})"), 422, "missing_channel");
  ExpectError(Request(port_, "POST", "/api/v1/appeals", AppealBody(), kAdminKey, "text/plain"), 415,
              "unsupported_media_type");
  ExpectError(Request(port_, "POST", "/api/v1/appeals", AppealBody(), kAdminKey, ""), 415,
              "unsupported_media_type");
  EXPECT_EQ(Request(port_, "POST", "/api/v1/appeals", AppealBody(), kAdminKey,
                    "application/json; charset=utf-8")
                .status,
            201);

  const std::string t = "/api/v1/appeals/" + std::to_string(CreateAppeal()) + "/transitions";
  ExpectError(Post(t, R"({"action":"reject"})"), 422, "missing_reason");
  ExpectError(Post(t, R"({"action":"ask_details","note":"   "})"), 422, "missing_question");
  ExpectError(Post(t, R"({"note":"x"})"), 422, "missing_action");
  ExpectError(Post(t, R"({"action":"confirm"})"), 409, "illegal_transition");
  ExpectError(Post(t, R"({"action":"explode"})"), 400, "unknown_action");
  ExpectError(Post(t, R"({"action":"reject","note":"не моє"})", kExecutorKey), 403, "forbidden");
  // Nothing of the refused calls was written.
  auto card = Get(t.substr(0, t.size() - std::string("/transitions").size()));
  EXPECT_EQ(card.json->getValue<std::string>("status"), "new");
  EXPECT_EQ(card.json->getArray("timeline")->size(), 1u);
}

TEST_F(ApiTest, OversizedBodyIs413WithoutReadingIt) {
  // Announces a gigabyte and sends one byte: the answer must come at once.
  const std::string head =
      "POST /api/v1/appeals HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
      std::string(kAdminKey) +
      "\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n";
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(RawStatusLine(head, "{"), "HTTP/1.1 413 Request Entity Too Large");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));

  // Just over the limit through the ordinary client.
  const std::string big =
      "{\"description\":\"" + std::string(kMaxBody, 'x') + "\",\"channel\":\"web\"}";
  auto a = Post("/api/v1/appeals", big);
  ExpectError(a, 413, "payload_too_large");

  // Chunked, no length up front: counted while reading.
  std::string chunked_head =
      "POST /api/v1/appeals HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
      std::string(kAdminKey) +
      "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string chunks;
  const std::string piece(8192, 'y');
  for (int i = 0; i < 10; ++i) {  // 80 KiB > 64 KiB
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    chunks += size + piece + "\r\n";
  }
  EXPECT_EQ(RawStatusLine(chunked_head, chunks), "HTTP/1.1 413 Request Entity Too Large");
  // The server is still fine.
  EXPECT_EQ(Request(port_, "GET", "/healthz").status, 200);
  EXPECT_EQ(Get("/api/v1/appeals").json->getArray("items")->size(), 0u);
}

TEST_F(ApiTest, BadQueryParametersAre400NamingTheParameter) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"from=yesterday", "from"},
      {"to=2026-13-01", "to"},
      {"limit=0", "limit"},
      {"limit=201", "limit"},
      {"offset=-1", "offset"},
      {"status=lost", "status"},
      {"sort=random", "sort"},
      {"overdue=maybe", "overdue"},
      {"registry_id=abc", "registry_id"},
      {"colour=red", "colour"},
      {"limit=5&limit=6", "limit"},
      {"total=yes", "total"},
      {"executor=", "executor"},
      {"from=2026-03-05&to=2026-03-01", "to"},
  };
  for (const auto& [query, name] : cases) {
    auto a = Get("/api/v1/appeals?" + query);
    ExpectError(a, 400, "invalid_parameter");
    EXPECT_NE(a.ErrorMessage().find("'" + name + "'"), std::string::npos)
        << query << ": " << a.body;
  }
  ExpectError(Get("/api/v1/appeals?street=%zz"), 400, "bad_request");
}

// ------------------------------------------------------------------ scope

TEST_F(ApiTest, ModeratorOfAnotherServiceGets404And403) {
  const int64_t id = CreateAppeal();
  const std::string card = "/api/v1/appeals/" + std::to_string(id);
  ExpectError(Get(card, kOtherModKey), 404, "not_found");
  ExpectError(Post(card + "/transitions", R"({"action":"take_into_work"})", kOtherModKey), 404,
              "not_found");
  ExpectError(Post(card + "/comments", R"({"text":"чуже"})", kOtherModKey), 404, "not_found");
  auto list = Get("/api/v1/appeals", kOtherModKey);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json->getArray("items")->size(), 0u);
  ExpectError(Get("/api/v1/appeals?executor=" + city_.lead_executor, kOtherModKey), 403,
              "forbidden");
  // The right moderator sees and works it.
  EXPECT_EQ(Get(card, kOwnModKey).status, 200);
  EXPECT_EQ(Get("/api/v1/appeals", kOwnModKey).json->getArray("items")->size(), 1u);
  EXPECT_EQ(Post(card + "/transitions", R"({"action":"take_into_work"})", kOwnModKey).status, 200);
  // An executor may not reject: 403 (in scope, but not their role's action).
  EXPECT_EQ(Post(card + "/transitions", R"({"action":"reject","note":"x"})", kExecutorKey).status,
            403);
}

// ------------------------------------------------------------------ shutdown

TEST_F(ApiTest, StopLetsARequestInFlightFinish) {
  // Open a request whose body arrives slowly; stop the server meanwhile.
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port_));
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  const std::string body = AppealBody();
  const std::string head =
      "POST /api/v1/appeals HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
      std::string(kAdminKey) +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n";
  socket.sendBytes(head.data(), static_cast<int>(head.size()));
  socket.sendBytes(body.data(), 5);
  for (int i = 0; i < 200 && server_->InFlight() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(server_->InFlight(), 1);
  std::thread stopper([&] { EXPECT_TRUE(server_->Stop(std::chrono::seconds(10))); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  socket.sendBytes(body.data() + 5, static_cast<int>(body.size() - 5));
  std::string answer;
  char buf[4096];
  int n;
  while ((n = socket.receiveBytes(buf, sizeof buf)) > 0) answer.append(buf, static_cast<size_t>(n));
  stopper.join();
  EXPECT_EQ(answer.substr(0, answer.find("\r\n")), "HTTP/1.1 201 Created");
  EXPECT_EQ(store_.ListAppeals(AppealQuery{}).items.size(), 1u);  // written whole
}

}  // namespace
}  // namespace vikno::testing
