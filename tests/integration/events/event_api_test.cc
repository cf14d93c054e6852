// /api/v1/events over the real HTTP server (issue 6, R22/R26): staff signed
// in with the session cookie and the CSRF token like the panel, a moderator
// refused another service's events (403 to create, edit, copy or delete,
// 404 to read, absent from the list), a change without the CSRF token
// refused, bad input answered with the field at fault, and the list's
// filters, paging, green/grey status and notice counts.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <map>

#include "events/event_service.h"
#include "http/server.h"
#include "http/session.h"
#include "http/session_http.h"
#include "integration/http/browser_client.h"
#include "store/sqlite/sqlite_store.h"
#include "unit/workflow/workflow_fixture.h"  // TestClock, FreshTempDir

namespace vikno::testing {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kAdminKey = "admin-key-for-event-tests";
constexpr const char* kPassword = "correct horse battery";

std::string Stringify(const Object::Ptr& o) {
  std::ostringstream out;
  o->stringify(out);
  return out.str();
}

using Answer = BrowserAnswer;

class EventApiTest : public BrowserFixture {
 protected:
  EventApiTest()
      : BrowserFixture(http::kSessionCookie),
        dir_(FreshTempDir("vikno-event-api")),
        store_((dir_ / "vikno.sqlite").string()),
        clock_(*ParseIso8601("2026-11-23T08:00:00Z")),  // 10:00 in Kyiv
        events_(store_, clock_) {
    store_.Migrate();
    store_.UpsertExecutor(Executor{"vodokanal", "КП «Міськводоканал»", "", "", "", true});
    store_.UpsertExecutor(Executor{"teplo", "КП «Тепломережа»", "", "", "", true});
    building_ = store_.UpsertRegistryAddress(
        RegistryAddress{0, "Суми", "Ковпаківський", "вулиця Соборна", "12", {}});
  }

  void SetUp() override {
    AccountsConfig c;
    c.argon2_time_cost = 1;
    c.argon2_memory_kib = 8 * 1024;
    c.free_failures = 5;
    c.lockout_failures = 100;
    c.address_free_failures = 100;
    c.address_lockout_failures = 1000;
    c.session_idle_minutes = 30;
    c.session_absolute_hours = 12;
    accounts_ = std::make_unique<http::Accounts>(store_, clock_, c);
    HttpConfig http;
    http.listen = "127.0.0.1:0";
    http.threads = 4;
    http::ApiDeps deps;
    deps.store = &store_;
    deps.clock = &clock_;
    deps.rules_name = [] { return std::string("Суми"); };
    deps.accounts = accounts_.get();
    deps.events = &events_;
    server_ = std::make_unique<http::HttpServer>(
        http, std::vector<ApiKeyConfig>{{"admin", "administrator", {}, kAdminKey}}, deps);
    server_->Start();
    port_ = server_->port();
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  ~EventApiTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }


  // A member of staff made by the administrator and signed in like the panel.
  Browser Staff(const std::string& login, const std::string& role,
                std::vector<std::string> services) {
    Object::Ptr user = new Object;
    user->set("login", login);
    user->set("name", "Test " + login);
    user->set("role", role);
    Array::Ptr list = new Array;
    for (const auto& s : services) list->add(s);
    user->set("services", list);
    user->set("password", std::string(kPassword));
    Answer made = Send("POST", "/api/v1/users", Stringify(user), nullptr,
                       {{"Authorization", std::string("Bearer ") + kAdminKey}});
    EXPECT_EQ(made.status, 201) << made.body;
    Object::Ptr credentials = new Object;
    credentials->set("login", login);
    credentials->set("password", std::string(kPassword));
    Browser b;
    Answer a = Send("POST", "/api/v1/session", Stringify(credentials), nullptr,
                    {{"Origin", Origin()}});
    EXPECT_EQ(a.status, 200) << a.body;
    Keep(a, &b);
    return b;
  }

  std::string Draft(const std::string& executor, const std::string& kind = "emergency",
                    const std::string& starts = "2026-11-23T09:00:00Z",
                    const std::string& ends = "2026-11-23T15:00:00Z") {
    Object::Ptr o = new Object;
    o->set("kind", kind);
    o->set("reason", "Пошкодження водогону <b>терміново</b>");
    o->set("executor_id", executor);
    o->set("starts_at", starts);
    o->set("ends_at", ends);
    o->set("end_is_approximate", true);
    Array::Ptr addresses = new Array;
    Object::Ptr a = new Object;
    a->set("registry_id", building_);
    a->set("whole_street", false);
    addresses->add(a);
    o->set("addresses", addresses);
    return Stringify(o);
  }

  std::filesystem::path dir_;
  SqliteStore store_;
  TestClock clock_;
  events::EventService events_;
  std::unique_ptr<http::Accounts> accounts_;
  std::unique_ptr<http::HttpServer> server_;
  int64_t building_ = 0;
};

TEST_F(EventApiTest, AModeratorIsRefusedAnotherServicesEventsAtEveryRoute) {
  Browser water = Staff("water", "moderator", {"vodokanal"});
  Browser heat = Staff("heat", "moderator", {"teplo"});

  Answer foreign = Change("POST", "/api/v1/events", Draft("vodokanal"), heat);
  EXPECT_EQ(foreign.status, 403) << foreign.body;
  EXPECT_EQ(foreign.Code(), "out_of_scope");

  Answer own = Change("POST", "/api/v1/events", Draft("vodokanal"), water);
  ASSERT_EQ(own.status, 201) << own.body;
  const int64_t id = own.json->getObject("event")->getValue<int64_t>("id");
  const std::string uri = "/api/v1/events/" + std::to_string(id);

  Object::Ptr edit = Poco::JSON::Parser().parse(Draft("vodokanal")).extract<Object::Ptr>();
  edit->set("revision", 1);
  Answer put = Change("PUT", uri, Stringify(edit), heat);
  EXPECT_EQ(put.status, 403) << put.body;
  Answer del = Change("DELETE", uri, std::nullopt, heat);
  EXPECT_EQ(del.status, 403) << del.body;
  Answer read = Get(uri, heat);
  EXPECT_EQ(read.status, 404) << read.body;
  Answer copy = Change("POST", uri + "/copy", std::nullopt, heat);
  EXPECT_EQ(copy.status, 404) << copy.body;
  Answer list = Get("/api/v1/events?executor=vodokanal", heat);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json->getValue<int64_t>("total"), 0);
  EXPECT_EQ(store_.GetEvent(id)->revision, 1);
  EXPECT_FALSE(store_.GetEvent(id)->deleted_at);

  // Their own: edit, copy, delete.
  Answer put_own = Change("PUT", uri, Stringify(edit), water);
  ASSERT_EQ(put_own.status, 200) << put_own.body;
  EXPECT_EQ(put_own.json->getObject("event")->getValue<int>("revision"), 2);
  Answer stale = Change("PUT", uri, Stringify(edit), water);
  EXPECT_EQ(stale.status, 409) << stale.body;
  Answer copy_own = Change("POST", uri + "/copy", std::nullopt, water);
  ASSERT_EQ(copy_own.status, 200) << copy_own.body;
  EXPECT_EQ(copy_own.json->getValue<std::string>("executor_id"), "vodokanal");
  Answer del_own = Change("DELETE", uri, std::nullopt, water);
  EXPECT_EQ(del_own.status, 200) << del_own.body;
  EXPECT_EQ(Get(uri, water).status, 404);
}

TEST_F(EventApiTest, AChangeWithoutTheCsrfTokenIsRefusedAndStoresNothing) {
  Browser water = Staff("water", "moderator", {"vodokanal"});
  Answer a = Send("POST", "/api/v1/events", Draft("vodokanal"), &water, {{"Origin", Origin()}});
  EXPECT_EQ(a.status, 403) << a.body;
  EXPECT_EQ(store_.ListEvents(EventQuery{}).total, 0);
  Answer anonymous = Send("GET", "/api/v1/events", std::nullopt, nullptr);
  EXPECT_EQ(anonymous.status, 401);
}

TEST_F(EventApiTest, BadInputIsAnsweredWithTheFieldAtFault) {
  Browser admin = Staff("boss", "administrator", {});
  auto code = [&](const std::string& body) {
    Answer a = Change("POST", "/api/v1/events", body, admin);
    return std::to_string(a.status) + " " + a.Code();
  };
  EXPECT_EQ(code("{not json"), "400 malformed_json");
  EXPECT_EQ(code(R"({"kind":"flood"})"), "400 invalid_field");
  EXPECT_EQ(code(R"({"kind":"planned","surprise":1})"), "400 unknown_field");
  EXPECT_EQ(code(R"({"kind":"planned","reason":"x","executor_id":"vodokanal"})"),
            "422 missing_starts_at");
  std::string unknown = Draft("vodokanal");
  unknown.replace(unknown.find("\"registry_id\":" + std::to_string(building_)),
                  std::string("\"registry_id\":" + std::to_string(building_)).size(),
                  "\"registry_id\":987654");
  EXPECT_EQ(code(unknown), "422 unknown_address");
  // 10 h ahead, planned: the 24 h rule.
  EXPECT_EQ(code(Draft("vodokanal", "planned", "2026-11-23T18:00:00Z", "2026-11-23T20:00:00Z")),
            "422 short_notice");
  EXPECT_EQ(Get("/api/v1/events?status=burning", admin).status, 400);
  EXPECT_EQ(Get("/api/v1/events?limit=100000", admin).status, 400);
  EXPECT_EQ(Get("/api/v1/events?colour=green", admin).status, 400);
  EXPECT_EQ(Get("/api/v1/events/abc", admin).status, 400);
  EXPECT_EQ(store_.ListEvents(EventQuery{}).total, 0);
}

TEST_F(EventApiTest, TheListFiltersPagesAndShowsStatusAndNoticeCounts) {
  Browser admin = Staff("boss", "administrator", {});
  ASSERT_EQ(Change("POST", "/api/v1/events", Draft("vodokanal"), admin).status, 201);
  ASSERT_EQ(Change("POST", "/api/v1/events",
                   Draft("teplo", "emergency", "2026-11-22T09:00:00Z", "2026-11-22T15:00:00Z"),
                   admin)
                .status,
            201);
  Answer all = Get("/api/v1/events?limit=1", admin);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.json->getValue<int64_t>("total"), 2);
  Array::Ptr items = all.json->getArray("items");
  ASSERT_EQ(items->size(), 1u);
  Object::Ptr first = items->getObject(0);
  EXPECT_EQ(first->getValue<std::string>("status"), "in_work");
  EXPECT_EQ(first->getValue<std::string>("reason"), "Пошкодження водогону <b>терміново</b>");
  EXPECT_TRUE(first->has("notices"));
  Answer done = Get("/api/v1/events?status=completed", admin);
  ASSERT_EQ(done.json->getValue<int64_t>("total"), 1);
  EXPECT_EQ(done.json->getArray("items")->getObject(0)->getValue<std::string>("executor_id"),
            "teplo");
  EXPECT_EQ(done.json->getArray("items")->getObject(0)->getValue<std::string>("status"),
            "completed");
  Answer street = Get("/api/v1/events?street=%D0%B2%D1%83%D0%BB%D0%B8%D1%86%D1%8F%20%D0%A1%D0%BE%D0%B1%D0%BE%D1%80%D0%BD%D0%B0&house=12&executor=vodokanal", admin);
  ASSERT_EQ(street.status, 200) << street.body;
  EXPECT_EQ(street.json->getValue<int64_t>("total"), 1);
  Answer page2 = Get("/api/v1/events?limit=1&offset=1", admin);
  EXPECT_EQ(page2.json->getArray("items")->size(), 1u);
}

}  // namespace
}  // namespace vikno::testing
