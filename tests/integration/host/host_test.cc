// The built `vikno` binary, run as a subprocess the way an operator runs it.
#include <Poco/JSON/Parser.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <gtest/gtest.h>

#include <fstream>

#ifdef VIKNO_TEST_MARIADB
#include "support/mariadb_server.h"
#endif
#include "core/time.h"
#include "integration/host/subprocess.h"
#include "integration/http/http_client.h"
#include "unit/workflow/workflow_fixture.h"  // FreshTempDir

namespace vikno::testing {
namespace {

using namespace std::chrono_literals;

const std::filesystem::path kSource(VIKNO_SOURCE_DIR);
const std::string kBinary(VIKNO_BINARY);
// A committed, stable city: these tests are about the host, not the rules.
const std::filesystem::path kCity = kSource / "examples/minimal-city";

uint16_t FreePort() {
  Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
  return s.address().port();
}

class HostTest : public ::testing::Test {
 protected:
  HostTest() : dir_(FreshTempDir("vikno-host")), port_(FreePort()) {}
  ~HostTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::filesystem::path WriteConfig(const std::string& extra = "") {
    const auto path = dir_ / "vikno.yaml";
    std::ofstream out(path);
    out << "data_dir: " << (dir_ / "data").string() << "\n"
        << "rules_dir: " << kCity.string() << "\n"
        << "messages_dir: " << (kSource / "config/messages").string() << "\n"
        << "language: uk\n"
        << "retention_years: 5\n"
        << "log_level: information\n"
        << "storage:\n  backend: sqlite\n"
        << "http:\n  listen: \"127.0.0.1:" << port_ << "\"\n  threads: 2\n"
        << "api_keys:\n  - name: test-admin\n    role: administrator\n    services: []\n"
        << "    secret: host-test-secret\n"
        << extra;
    return path;
  }

  std::unique_ptr<Subprocess> Run(const std::vector<std::string>& args, const std::string& tag) {
    std::vector<std::string> argv{kBinary};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto out = dir_ / tag;
    std::filesystem::create_directories(out);
    return std::make_unique<Subprocess>(argv, out, kSource);
  }

  std::filesystem::path dir_;
  uint16_t port_;
};

TEST_F(HostTest, CheckConfigAcceptsTheDemoConfig) {
  auto p = Run({"check-config", "--config", "config/vikno.yaml"}, "ok");
  ASSERT_EQ(p->Wait(10s), 0) << p->Stderr();
  EXPECT_NE(p->Stdout().find("OK"), std::string::npos) << p->Stdout();
}

TEST_F(HostTest, CheckConfigNamesFileLineAndKeyOfAMistake) {
  const auto bad = dir_ / "bad.yaml";
  std::ofstream(bad) << "data_dir: data\n"
                        "storage:\n"
                        "  backend: sqlite\n"
                        "  sqlite_pth: x.sqlite\n";
  auto p = Run({"check-config", "--config", bad.string()}, "bad");
  auto code = p->Wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(p->Stderr().find(bad.string() + ":4: storage.sqlite_pth"), std::string::npos)
      << p->Stderr();
  EXPECT_EQ(p->Stdout().find("OK"), std::string::npos);
}

TEST_F(HostTest, ServeAnswersHealthzAndExitsZeroPromptlyOnSigterm) {
  const auto config = WriteConfig();
  auto p = Run({"serve", "--config", config.string()}, "serve");
  const std::string url = "http://127.0.0.1:" + std::to_string(port_);
  ASSERT_TRUE(p->WaitForOutput("vikno listening on " + url, 30s))
      << "stdout: " << p->Stdout() << "\nstderr: " << p->Stderr();

  auto health = Request(port_, "GET", "/healthz");
  ASSERT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(health.json->getValue<std::string>("rules"), "Мале Місто");
  auto created = Request(port_, "POST", "/api/v1/appeals",
                         R"({"description":"Велика яма на дорозі біля школи","channel":"web"})",
                         "host-test-secret");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json->getValue<std::string>("executor"), "roads");  // synced from the city

  const auto asked = std::chrono::steady_clock::now();
  p->Signal(SIGTERM);
  auto code = p->Wait(10s);
  ASSERT_TRUE(code.has_value()) << "still running 10 s after SIGTERM";
  EXPECT_EQ(*code, 0) << p->Stderr();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s);

  // Structured logs: every stderr line is one JSON object with the basics.
  std::istringstream lines(p->Stderr());
  std::string line;
  int count = 0;
  bool saw_request = false, saw_stopped = false;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    Poco::JSON::Parser parser;
    Poco::JSON::Object::Ptr o;
    ASSERT_NO_THROW(o = parser.parse(line).extract<Poco::JSON::Object::Ptr>()) << line;
    for (const char* key : {"time", "level", "component", "message"})
      EXPECT_TRUE(o->has(key)) << line;
    saw_request = saw_request || (o->getValue<std::string>("component") == "http" &&
                                  o->has("status") && o->getValue<int>("status") == 201);
    saw_stopped = saw_stopped || o->getValue<std::string>("message") == "stopped";
    ++count;
  }
  EXPECT_GT(count, 2);
  EXPECT_TRUE(saw_request) << p->Stderr();
  EXPECT_TRUE(saw_stopped) << p->Stderr();

  // The appeal was written whole and survives: purge (nothing old) and
  // migrate (nothing pending) on the same store.
  auto purge = Run({"purge", "--config", config.string()}, "purge");
  ASSERT_EQ(purge->Wait(20s), 0) << purge->Stderr();
  EXPECT_NE(purge->Stdout().find("purged 0 cards"), std::string::npos) << purge->Stdout();
  auto migrate = Run({"migrate", "--config", config.string()}, "migrate");
  ASSERT_EQ(migrate->Wait(20s), 0) << migrate->Stderr();
  EXPECT_NE(migrate->Stdout().find("up to date"), std::string::npos) << migrate->Stdout();
}

// Issue 5's desk is wired into the running host (not 503): an executor asks
// for more time (R16) and cannot decide their own request.
TEST_F(HostTest, ServeAnswersTheDeskRoutes) {
  const auto config = WriteConfig(
      "  - name: roads-executor\n    role: executor\n    services: [roads]\n"
      "    secret: host-test-roads\n");
  auto p = Run({"serve", "--config", config.string()}, "serve-desk");
  const std::string url = "http://127.0.0.1:" + std::to_string(port_);
  ASSERT_TRUE(p->WaitForOutput("vikno listening on " + url, 30s))
      << "stdout: " << p->Stdout() << "\nstderr: " << p->Stderr();

  auto created = Request(port_, "POST", "/api/v1/appeals",
                         R"({"description":"Велика яма на дорозі біля школи","channel":"web"})",
                         "host-test-secret");
  ASSERT_EQ(created.status, 201) << created.body;
  const int64_t id = created.json->getValue<int64_t>("id");
  const std::string due = created.json->getValue<std::string>("resolve_due");
  ASSERT_FALSE(due.empty()) << created.body;
  // A week past the current deadline; same ISO form the API gave.
  const Timestamp later = *ParseIso8601(due) + std::chrono::hours(24 * 7);

  auto asked = Request(port_, "POST", "/api/v1/appeals/" + std::to_string(id) +
                                          "/extension-requests",
                       R"({"proposed_due":")" + FormatIso8601(later) +
                           R"(","reason":"Чекаємо на асфальт від постачальника"})",
                       "host-test-roads");
  ASSERT_EQ(asked.status, 201) << asked.body;
  const int64_t request_id = asked.json->getValue<int64_t>("id");

  auto own = Request(port_, "POST",
                     "/api/v1/extension-requests/" + std::to_string(request_id) + "/decision",
                     R"({"approve":true,"note":"сам собі"})", "host-test-roads");
  EXPECT_EQ(own.status, 403) << own.body;
  ASSERT_TRUE(own.json) << own.body;
  EXPECT_EQ(own.json->getObject("error")->getValue<std::string>("code"), "own_request")
      << own.body;

  // The operator's window's registry look-up is wired too (no registry in
  // this city: an empty list, not 503).
  auto lookup = Request(port_, "GET", "/api/v1/registry/addresses?q=x", std::nullopt,
                        "host-test-secret");
  EXPECT_EQ(lookup.status, 200) << lookup.body;

  p->Signal(SIGTERM);
  auto code = p->Wait(10s);
  ASSERT_TRUE(code.has_value()) << "still running 10 s after SIGTERM";
  EXPECT_EQ(*code, 0) << p->Stderr();
}

#ifdef VIKNO_TEST_MARIADB
// storage.backend: mysql, on a private mariadbd (tests/support): the store
// factory's other branch, end to end.
TEST_F(HostTest, ServeRunsOnMariaDb) {
  MariaDbServer mariadb;
  const MysqlOptions o = mariadb.Options(mariadb.CreateDatabase());
  std::string base = WriteConfig().string();
  // Replace the storage block: rewrite the file with the MySQL settings.
  const auto config = dir_ / "mysql.yaml";
  {
    std::ifstream in(base);
    std::ofstream out(config);
    std::string line;
    bool skipping = false;
    while (std::getline(in, line)) {
      if (line == "storage:") {
        out << "storage:\n  backend: mysql\n  mysql:\n    socket: \"" << o.socket << "\"\n"
            << "    user: " << o.user << "\n    password: \"" << o.password << "\"\n"
            << "    database: " << o.database << "\n";
        skipping = true;
        continue;
      }
      if (skipping && line.rfind("  ", 0) == 0) continue;
      skipping = false;
      out << line << "\n";
    }
  }
  auto p = Run({"serve", "--config", config.string()}, "mysql");
  ASSERT_TRUE(p->WaitForOutput("vikno listening on", 60s)) << p->Stderr();
  auto health = Request(port_, "GET", "/healthz");
  ASSERT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(health.json->getValue<std::string>("store"), "mysql");
  auto created = Request(port_, "POST", "/api/v1/appeals",
                         R"({"description":"Велика яма на дорозі біля школи","channel":"web"})",
                         "host-test-secret");
  ASSERT_EQ(created.status, 201) << created.body;
  p->Signal(SIGTERM);
  EXPECT_EQ(p->Wait(15s), 0) << p->Stderr();
  auto migrate = Run({"migrate", "--config", config.string()}, "mysql-migrate");
  ASSERT_EQ(migrate->Wait(30s), 0) << migrate->Stderr();
  EXPECT_NE(migrate->Stdout().find("store mysql is up to date"), std::string::npos);
}
#endif

TEST_F(HostTest, ServeStopsOnSigintToo) {
  const auto config = WriteConfig();
  auto p = Run({"serve", "--config", config.string()}, "serve");
  ASSERT_TRUE(p->WaitForOutput("vikno listening on", 30s)) << p->Stderr();
  p->Signal(SIGINT);
  EXPECT_EQ(p->Wait(10s), 0) << p->Stderr();
}

TEST_F(HostTest, ServeFailsClearlyWhenThePortIsTaken) {
  Poco::Net::ServerSocket taken(Poco::Net::SocketAddress("127.0.0.1", port_));
  const auto config = WriteConfig();
  auto p = Run({"serve", "--config", config.string()}, "busy");
  auto code = p->Wait(30s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  EXPECT_NE(p->Stderr().find("cannot listen on 127.0.0.1:" + std::to_string(port_)),
            std::string::npos)
      << p->Stderr();
}

TEST_F(HostTest, ServeRefusesABrokenCity) {
  const auto city = dir_ / "broken-city";
  std::filesystem::create_directories(city);
  std::ofstream(city / "city.lua") << "city { name = \"Зламане\" \n";  // syntax error
  const auto config = dir_ / "broken.yaml";
  {
    std::ofstream out(config);
    out << "data_dir: " << (dir_ / "data").string() << "\nrules_dir: " << city.string()
        << "\nmessages_dir: " << (kSource / "config/messages").string()
        << "\nhttp:\n  listen: \"127.0.0.1:" << port_ << "\"\n";
  }
  auto p = Run({"serve", "--config", config.string()}, "broken");
  auto code = p->Wait(30s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  EXPECT_NE(p->Stderr().find("city.lua"), std::string::npos) << p->Stderr();
}

TEST_F(HostTest, RulesTestPassesAGoodCityAndFailsABadOne) {
  auto good = Run({"rules", "test", kCity.string()}, "good");
  EXPECT_EQ(good->Wait(30s), 0) << good->Stdout() << good->Stderr();

  // The example city with one expectation made wrong.
  const auto city = dir_ / "wrong-city";
  std::filesystem::create_directories(city);
  std::filesystem::copy_file(kCity / "city.lua", city / "city.lua");
  std::ofstream(city / "tests.lua")
      << "case { \"Велика яма на дорозі біля школи\", category = \"water/leak\" }\n";
  auto bad = Run({"rules", "test", city.string()}, "bad");
  auto code = bad->Wait(30s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1) << bad->Stdout() << bad->Stderr();
  EXPECT_NE(bad->Stderr().find("tests.lua:1"), std::string::npos) << bad->Stderr();
}

TEST_F(HostTest, UsageErrorsExitWithUsageCode) {
  auto unknown = Run({"fly"}, "fly");
  EXPECT_EQ(unknown->Wait(10s), 64);
  EXPECT_NE(unknown->Stderr().find("unknown command 'fly'"), std::string::npos);
  auto none = Run({}, "none");
  EXPECT_EQ(none->Wait(10s), 64);
  auto rules = Run({"rules", "check"}, "rules");
  EXPECT_EQ(rules->Wait(10s), 64);
  auto help = Run({"--help"}, "help");
  EXPECT_EQ(help->Wait(10s), 0);
  EXPECT_NE(help->Stdout().find("check-config"), std::string::npos);
}

}  // namespace
}  // namespace vikno::testing
