// The appeals list API under load (issue 5): GET /api/v1/appeals over real
// HTTP (Poco's server in-process, a keep-alive client) with 1,000,000 appeals
// on SQLite: the first page, a deep page and three filters together.
//
//   build/bench/list_api_bench [--rows 1000000] [--runs 300] [--dir /tmp]
//
// Run from the source root (it loads rules/sumy). Target: p95 under 30 ms for
// a page of 50.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "appeal_mix.h"
#include "http/server.h"
#include "rules/lua_rules.h"
#include "store/sqlite/sqlite_store.h"
#include "workflow/appeal_service.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr char kKey[] = "bench-administrator-key-0123456789";

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

class FixedClock final : public vikno::Clock {
 public:
  vikno::Timestamp Now() const override { return vikno::bench::kNow; }
};

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 1'000'000;
  int runs = 300;
  std::string dir = std::filesystem::temp_directory_path();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--rows") rows = std::stoll(v);
    else if (k == "--runs") runs = std::stoi(v);
    else if (k == "--dir") dir = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  const auto path = std::filesystem::path(dir) / "vikno-list-api-bench.sqlite";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);

  int status = 0;
  {
    vikno::SqliteStore store(path.string());
    store.Migrate();
    const auto seed_start = Clock::now();
    vikno::bench::SeedAppeals(store, rows);
    std::printf("seeded %lld appeals in %.1f s\n", static_cast<long long>(rows),
                Ms(Clock::now() - seed_start) / 1000);

    auto rules = vikno::rules::LuaRules::Load("rules/sumy");
    FixedClock clock;
    vikno::AppealService appeals(store, *rules, clock);
    vikno::http::ApiDeps deps;
    deps.appeals = &appeals;
    deps.store = &store;
    deps.clock = &clock;
    deps.rules_name = [] { return std::string("Суми"); };
    vikno::HttpConfig http;
    http.listen = "127.0.0.1:0";
    http.threads = 4;
    vikno::http::HttpServer server(http, {{"bench", "administrator", {}, kKey}}, deps);
    server.Start();

    Poco::Net::HTTPClientSession session("127.0.0.1", server.port());
    session.setKeepAlive(true);
    struct Case {
      const char* name;
      std::string (*uri)(int);
    };
    const Case cases[] = {
        {"first page", [](int) { return std::string("/api/v1/appeals?limit=50"); }},
        {"deep page (offset 10,000)",
         [](int) { return std::string("/api/v1/appeals?limit=50&offset=10000"); }},
        {"service + status + period",
         [](int i) {
           return "/api/v1/appeals?limit=50&executor=service" + std::to_string(i % 30) +
                  "&status=completed&from=2026-08-24T00:00:00Z&to=2026-11-22T00:00:00Z";
         }},
        {"category + overdue, due soonest",
         [](int i) {
           return "/api/v1/appeals?limit=50&category=branch" + std::to_string(i % 20) +
                  "&overdue=true&sort=due";
         }},
    };
    for (const auto& c : cases) {
      std::vector<double> ms;
      for (int i = 0; i < runs; ++i) {
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, c.uri(i),
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.set("Authorization", std::string("Bearer ") + kKey);
        const auto start = Clock::now();
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::istream& body = session.receiveResponse(response);
        std::ostringstream sink;
        Poco::StreamCopier::copyStream(body, sink);
        ms.push_back(Ms(Clock::now() - start));
        if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
          std::fprintf(stderr, "%s: HTTP %d %s\n", c.name, response.getStatus(), sink.str().c_str());
          status = 1;
          break;
        }
      }
      std::sort(ms.begin(), ms.end());
      std::printf("GET page of 50, %-32s p50 %6.2f ms  p95 %6.2f ms  max %6.2f ms\n", c.name,
                  ms[ms.size() / 2], ms[ms.size() * 95 / 100], ms.back());
    }
    server.Stop();
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return status;
}
