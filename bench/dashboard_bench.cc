// The dashboard (R27) over a year of a city's appeals (issue 6): 1,000,000
// appeals registered within one year on SQLite, ReportService::Dashboard for
// the whole year and for the last 30 days, city-wide (an administrator) and
// for a moderator of three of the 30 services.
//
//   build/bench/dashboard_bench [--rows 1000000] [--runs 20] [--dir /tmp]
//
// The database is kept in --dir (dashboard-<rows>.sqlite) and reused by the
// next run. Target: under 300 ms.
#include <algorithm>
#include <ctime>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "appeal_mix.h"
#include "reports/report_service.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using SteadyClock = std::chrono::steady_clock;

class FixedClock final : public vikno::Clock {
 public:
  vikno::Timestamp Now() const override { return vikno::bench::kNow; }
};

double Ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// The benchmark mix with its three years of history folded into one.
void SeedYear(vikno::Store& store, int64_t rows) {
  vikno::bench::AppealFactory factory(7);
  std::vector<vikno::Appeal> batch;
  for (int64_t i = 0; i < rows; i += static_cast<int64_t>(batch.size())) {
    batch.clear();
    for (int64_t j = i; j < rows && batch.size() < 10'000; ++j) {
      vikno::Appeal a = factory.Next();
      const auto age = (vikno::bench::kNow - a.created_at) / 3;
      const auto shift = (vikno::bench::kNow - age) - a.created_at;
      a.created_at += shift;
      a.updated_at = a.created_at;
      if (a.accept_due) *a.accept_due += shift;
      if (a.resolve_due) *a.resolve_due += shift;
      if (a.closed_at) *a.closed_at += shift;
      batch.push_back(a);
    }
    store.ImportAppeals(batch);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 1'000'000;
  int runs = 20;
  std::string dir = std::filesystem::temp_directory_path();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--rows") rows = std::stoll(v);
    else if (k == "--runs") runs = std::stoi(v);
    else if (k == "--dir") dir = v;
  }
  const auto path = std::filesystem::path(dir) / ("dashboard-" + std::to_string(rows) + ".sqlite");
  const bool seeded = std::filesystem::exists(path);
  vikno::SqliteStore store(path.string());
  store.Migrate();
  if (!seeded) {
    const auto t0 = SteadyClock::now();
    SeedYear(store, rows);
    std::printf("seeded %lld appeals in %.1f s\n", static_cast<long long>(rows),
                Ms(SteadyClock::now() - t0) / 1000);
  }
  FixedClock clock;
  vikno::reports::ReportService service(store, clock, {});
  const vikno::Actor admin{vikno::Role::kAdministrator, "admin", "", {}};
  const vikno::Actor moderator{vikno::Role::kModerator, "mod", "", {"service1", "service2", "service3"}};
  const auto year = vikno::bench::kNow - std::chrono::days(365);
  const auto month = vikno::bench::kNow - std::chrono::days(30);
  struct Case {
    const char* name;
    vikno::Timestamp from;
    const vikno::Actor* who;
  };
  for (const Case& c : {Case{"year, city-wide", year, &admin}, Case{"year, 3 services", year, &moderator},
                        Case{"30 days, city-wide", month, &admin},
                        Case{"30 days, 3 services", month, &moderator}}) {
    std::vector<double> ms, cpu;
    int64_t appeals = 0;
    for (int r = 0; r < runs; ++r) {
      const auto t0 = SteadyClock::now();
      const std::clock_t c0 = std::clock();  // CPU of all the process's threads
      auto d = service.Dashboard(c.from, vikno::bench::kNow, *c.who);
      cpu.push_back(1000.0 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
      ms.push_back(Ms(SteadyClock::now() - t0));
      appeals = d->appeals;
    }
    std::sort(ms.begin(), ms.end());
    std::sort(cpu.begin(), cpu.end());
    std::printf("%-22s appeals %8lld  median %7.1f ms  p95 %7.1f ms  max %7.1f ms  (CPU median %.1f ms)\n",
                c.name, static_cast<long long>(appeals), ms[ms.size() / 2],
                ms[std::min(ms.size() - 1, ms.size() * 95 / 100)], ms.back(), cpu[cpu.size() / 2]);
  }
  return 0;
}
