// Scheduler benchmark (issue 3): one tick of the deadline watch with N open
// appeals of which 100 are due, on SQLite, with the real Kryvyi Rih rules.
// Target: a tick under 10 ms, flat as the open appeals grow.
//
//   build/bench/scheduler_bench [--sizes 10000,100000,1000000] [--due 100]
//                               [--ticks 7] [--dir /tmp]
//
// Run from the source root: it reads rules/kryvyi-rih.
//
// Each size gets a fresh database: N open, accepted appeals whose deadlines
// lie weeks ahead, among them `ticks` cohorts of `due` appeals whose
// resolution deadlines fall an hour apart. Three kinds of tick are timed
// (median, min, max over `ticks` runs):
//  - "escalating": the clock moves to just past cohort k's deadline, so the
//    tick reads 100 newly late appeals and for each runs escalate() in Lua,
//    queues a notice and records the step with its audit entry;
//  - "re-look": the same 100 are put back due (SetNextCheck) and ticked
//    again: reading, escalate(), the fired-step check, no new work;
//  - "idle": nothing is due.
// The notifier counts notices in memory: it stands in for the outbox, whose
// cost is the outbox's (bench it there), not the scheduler's.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "rules/lua_rules.h"
#include "store/sqlite/sqlite_store.h"
#include "workflow/scheduler.h"

namespace {

using vikno::Appeal;
using vikno::Timestamp;
using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Options {
  std::vector<int64_t> sizes = {10'000, 100'000, 1'000'000};
  int due = 100;
  int ticks = 7;
  std::string dir = std::filesystem::temp_directory_path();
};

const Timestamp kBase = vikno::FromUnix(1795510800);  // 2026-11-24 07:00 UTC, 09:00 in Kyiv

class ManualClock final : public vikno::Clock {
 public:
  Timestamp Now() const override { return now; }
  Timestamp now = kBase;
};

class CountingNotifier final : public vikno::Notifier {
 public:
  bool Enqueue(const vikno::Notice&) override {
    ++count;
    return true;
  }
  int64_t count = 0;
};

double Ms(Steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

Appeal OpenAppeal(int64_t i, Timestamp resolve_due) {
  Appeal a;
  a.number = "B-" + std::to_string(i);
  a.type = "ordinary";
  a.category = "water/quality";
  a.executors = {"vodokanal"};
  a.address.registry_id = std::nullopt;
  a.address.city = "Кривий Ріг";
  a.address.street = "вулиця Металургів";
  a.address.house = std::to_string(1 + i % 200);
  a.description = "Іржава вода з крану";
  a.channel = "telegram";
  a.resident_id = "resident" + std::to_string(i % 100'000);
  a.status = vikno::Status::kInWork;
  a.created_at = kBase - std::chrono::days(3);
  a.updated_at = a.created_at;
  a.accepted_at = a.created_at + 1h;
  a.accept_due = a.created_at + 2h;
  a.resolve_due = resolve_due;
  return a;
}

struct Stats {
  double median = 0, min = 0, max = 0;
};
Stats Summarise(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

void Run(int64_t open, const Options& opt, vikno::rules::LuaRules& rules) {
  const auto path = std::filesystem::path(opt.dir) /
                    ("vikno-scheduler-bench-" + std::to_string(open) + ".sqlite");
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  vikno::SqliteStore store(path.string());
  store.Migrate();

  // Cohort k (k < ticks) is due at kBase + k hours; the rest weeks ahead.
  const int64_t cohorts = static_cast<int64_t>(opt.ticks) * opt.due;
  const auto seed_start = Steady::now();
  std::vector<Appeal> batch;
  for (int64_t i = 0; i < open;) {
    batch.clear();
    for (; i < open && batch.size() < 10'000; ++i) {
      Timestamp due =
          i < cohorts ? kBase + std::chrono::hours(i / opt.due) + 30min
                      : kBase + std::chrono::days(20 + i % 40) + std::chrono::seconds(i % 86400);
      batch.push_back(OpenAppeal(i, due));
    }
    store.ImportAppeals(batch);
  }
  const double seed_s = Ms(Steady::now() - seed_start) / 1000;

  ManualClock clock;
  CountingNotifier notifier;
  vikno::LuaEscalationPolicy policy(rules);
  vikno::SchedulerOptions so;
  so.holder = "bench";
  // Cohorts are an hour apart: a 10-minute warning keeps the next cohort
  // out of this tick (the default day-long lead would warn all of them).
  so.pre_breach_lead = 10min;
  so.batch_size = 500;
  vikno::Scheduler scheduler(store, policy, notifier, clock, so, [](const std::string&) {});

  std::vector<double> escalating, relook, idle;
  int64_t steps = 0, looked = 0;
  for (int k = 0; k < opt.ticks; ++k) {
    const Timestamp now = kBase + std::chrono::hours(k) + 31min;  // cohort k is 1 min late
    clock.now = now;
    auto t0 = Steady::now();
    auto r = scheduler.Tick();
    escalating.push_back(Ms(Steady::now() - t0));
    steps += r.steps;
    looked += r.appeals;
    if (r.appeals != opt.due || r.errors != 0) {
      std::fprintf(stderr, "tick %d read %d appeals (%d errors); expected %d\n", k, r.appeals,
                   r.errors, opt.due);
      std::exit(1);
    }
    // Put the same cohort back due and tick again: no new steps.
    for (int64_t i = static_cast<int64_t>(k) * opt.due; i < static_cast<int64_t>(k + 1) * opt.due;
         ++i) {
      store.SetNextCheck(store.FindAppealByNumber("B-" + std::to_string(i))->id, now - 1s);
    }
    t0 = Steady::now();
    r = scheduler.Tick();
    relook.push_back(Ms(Steady::now() - t0));
    if (r.appeals != opt.due || r.steps != 0) {
      std::fprintf(stderr, "re-look tick %d read %d appeals, %d steps\n", k, r.appeals, r.steps);
      std::exit(1);
    }
    t0 = Steady::now();
    r = scheduler.Tick();
    idle.push_back(Ms(Steady::now() - t0));
    if (r.appeals != 0) {
      std::fprintf(stderr, "idle tick %d read %d appeals\n", k, r.appeals);
      std::exit(1);
    }
  }
  const Stats e = Summarise(escalating), rl = Summarise(relook), id = Summarise(idle);
  std::printf(
      "open %8lld (seeded in %5.1f s) | escalating tick: median %6.2f ms (min %6.2f, max %6.2f) "
      "| re-look: median %6.2f ms | idle: median %5.2f ms | %lld steps, %lld notices\n",
      static_cast<long long>(open), seed_s, e.median, e.min, e.max, rl.median, id.median,
      static_cast<long long>(steps), static_cast<long long>(notifier.count));
  std::fflush(stdout);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--sizes") {
      opt.sizes.clear();
      std::stringstream in(v);
      std::string part;
      while (std::getline(in, part, ',')) opt.sizes.push_back(std::stoll(part));
    } else if (k == "--due") {
      opt.due = std::stoi(v);
    } else if (k == "--ticks") {
      opt.ticks = std::stoi(v);
    } else if (k == "--dir") {
      opt.dir = v;
    } else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (opt.due < 1 || opt.due > 500 || opt.ticks < 1) {
    std::fprintf(stderr, "--due must be 1..500 (one batch) and --ticks at least 1\n");
    return 2;
  }
  vikno::rules::Options ro;
  ro.log = [](vikno::rules::LogLevel, const std::string&, const std::string&) {};
  auto rules = vikno::rules::LuaRules::Load("rules/kryvyi-rih", ro);
  std::printf("scheduler tick, SQLite, Kryvyi Rih rules, %d due per tick, %d ticks per size\n",
              opt.due, opt.ticks);
  for (int64_t n : opt.sizes) {
    if (n < static_cast<int64_t>(opt.ticks) * opt.due) {
      std::fprintf(stderr, "size %lld is smaller than ticks x due\n", static_cast<long long>(n));
      return 2;
    }
    Run(n, opt, *rules);
  }
  return 0;
}
