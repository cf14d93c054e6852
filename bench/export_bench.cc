// The appeals export (R29, issue 6): 100,000 appeals to one XLSX workbook
// through the same path as GET /api/v1/appeals/export.xlsx (AppealService::
// List pages, libxlsxwriter in constant-memory mode), with its time and the
// peak resident memory of the process doing it.
//
//   build/bench/export_bench [--rows 100000] [--dir /tmp]
//
// The database (export-<rows>.sqlite in --dir) is seeded once; the export
// runs in a child process (this program with --run) so that its peak RSS
// (getrusage of the child) is the export's alone, not the seeding's.
// Targets: under 3 s and under 150 MB.
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "appeal_mix.h"
#include "messages/messages.h"
#include "reports/appeal_export.h"
#include "store/sqlite/sqlite_store.h"
#include "workflow/appeal_service.h"

extern char** environ;

namespace {

using SteadyClock = std::chrono::steady_clock;

class FixedClock final : public vikno::Clock {
 public:
  vikno::Timestamp Now() const override { return vikno::bench::kNow; }
};

// The export needs no classification; the rules are never asked.
class NoRules final : public vikno::RulesPort {
 public:
  vikno::Classification Classify(const vikno::Appeal&) override { return {}; }
  vikno::Deadlines ComputeDeadlines(const vikno::Appeal&, vikno::Timestamp) override { return {}; }
};

int Run(const std::filesystem::path& db, const std::filesystem::path& out) {
  vikno::SqliteStore store(db.string());
  FixedClock clock;
  NoRules rules;
  vikno::AppealService appeals(store, rules, clock);
  vikno::Messages uk("config/messages", "uk");
  vikno::reports::ExportContext context;
  context.messages = &uk;
  context.tmp_dir = out.parent_path();
  context.now = clock.Now();
  const auto t0 = SteadyClock::now();
  vikno::AppealQuery query;  // all of them, newest first, as the list page
  auto rows = vikno::reports::ExportAppeals(appeals, query, vikno::Actor::System("bench"), context, out);
  const double s = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  if (!rows) {
    std::fprintf(stderr, "refused: %s\n", rows.refusal().message.c_str());
    return 1;
  }
  std::printf("exported %lld rows in %.2f s, %.1f MB file\n", static_cast<long long>(rows.value()), s,
              std::filesystem::file_size(out) / 1e6);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 100'000;
  std::string dir = std::filesystem::temp_directory_path();
  bool run = false;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--run") run = true;
    else if (k == "--rows" && i + 1 < argc) rows = std::stoll(argv[++i]);
    else if (k == "--dir" && i + 1 < argc) dir = argv[++i];
  }
  const auto db = std::filesystem::path(dir) / ("export-" + std::to_string(rows) + ".sqlite");
  const auto out = std::filesystem::path(dir) / ("export-" + std::to_string(rows) + ".xlsx");
  if (run) return Run(db, out);
  if (!std::filesystem::exists(db)) {
    vikno::SqliteStore store(db.string());
    store.Migrate();
    vikno::bench::SeedAppeals(store, rows);
    std::printf("seeded %lld appeals\n", static_cast<long long>(rows));
  }
  std::string self = std::filesystem::canonical("/proc/self/exe");
  std::string rows_text = std::to_string(rows);
  char* child_argv[] = {self.data(), const_cast<char*>("--run"), const_cast<char*>("--rows"),
                        rows_text.data(), const_cast<char*>("--dir"), dir.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, self.c_str(), nullptr, nullptr, child_argv, environ) != 0) {
    std::perror("posix_spawn");
    return 1;
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  std::printf("peak RSS of the export process: %.1f MB; its CPU time: %.2f s user + %.2f s system\n",
              usage.ru_maxrss / 1024.0,
              usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6,
              usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
