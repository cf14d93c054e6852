// Broadcast fan-out benchmark (issue 6, R24): an administrator's broadcast to
// every subscriber queued into the outbox (the whole BroadcastService::Create
// path: checks, the rendered payload, one INSERT ... SELECT in one
// transaction), the idempotent re-run a restarted host does, and how fast the
// real OutboxSender drains the batch through a channel that accepts at once
// and declares no rate limit (so the store and sender are what is measured,
// not a provider's published pace).
//
//   build-dir/bench/fanout_bench [--subscribers 200000] [--channels 2]
//                                [--drain 20000] [--workers 2] [--dir /tmp]
//
// Run from the source root (it reads config/messages). Target (issue 6):
// 200,000 subscribers queued in under 3 s on SQLite on a 2-core machine.
#include <sqlite3.h>

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "broadcasts/broadcast_service.h"
#include "messages/messages.h"
#include "outbox/channel.h"
#include "outbox/sender.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using Steady = std::chrono::steady_clock;

struct Options {
  int subscribers = 200'000;
  int channels = 2;  // subscribers spread over telegram, viber, sms...
  int drain = 20'000;
  int workers = 2;
  std::string dir = std::filesystem::temp_directory_path();
};

double Seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

// This process's CPU time (user + system): on a shared machine the wall time
// also holds the waits for a core, which this does not.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

const char* kChannels[] = {"telegram", "viber", "sms", "web"};

// Residents and one subscribed binding each, generated in SQL (seeding is
// not what is measured).
void Seed(const std::string& path, const Options& opt) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) throw std::runtime_error("open");
  std::string sql =
      "BEGIN;"
      "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < " +
      std::to_string(opt.subscribers - 1) +
      ") INSERT INTO residents (id, created_at) SELECT 'r' || n, 1700000000 FROM seq;"
      "INSERT INTO resident_channels (resident_id, channel, chat_id, subscribed, created_at, "
      "updated_at) SELECT id, CASE CAST(substr(id, 2) AS INTEGER) % " +
      std::to_string(opt.channels) +
      " WHEN 0 THEN 'telegram' WHEN 1 THEN 'viber' WHEN 2 THEN 'sms' ELSE 'web' END, "
      "'chat-' || id, 1, 1700000000, 1700000000 FROM residents;"
      "COMMIT;";
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "?";
    sqlite3_free(error);
    sqlite3_close(db);
    throw std::runtime_error("seed: " + message);
  }
  sqlite3_close(db);
}

int64_t Queued(vikno::Store& store, const std::string& batch) {
  int64_t n = 0;
  for (const auto& c : store.CountOutbox(batch))
    if (c.state == vikno::OutboxState::kQueued) n += c.count;
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--subscribers") opt.subscribers = std::stoi(v);
    else if (k == "--channels") opt.channels = std::max(1, std::min(4, std::stoi(v)));
    else if (k == "--drain") opt.drain = std::stoi(v);
    else if (k == "--workers") opt.workers = std::stoi(v);
    else if (k == "--dir") opt.dir = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  const auto path = (std::filesystem::path(opt.dir) / "vikno-fanout-bench.sqlite").string();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  {
    vikno::SqliteStore migrate(path);
    migrate.Migrate();
  }
  Seed(path, opt);

  vikno::SqliteStore store(path);
  vikno::Messages messages("config/messages", "uk");
  vikno::SystemClock clock;
  vikno::broadcasts::BroadcastService service(store, messages, clock, {});
  const vikno::Actor admin{vikno::Role::kAdministrator, "admin", "127.0.0.1", {}};

  vikno::broadcasts::NewBroadcast input;
  input.kind = "news";
  input.text = "Шановні мешканці! Завтра з 09:00 до 17:00 планове прибирання парку.";
  auto t0 = Steady::now();
  const double cpu0 = CpuSeconds();
  auto created = service.Create(admin, input);
  const double queue_s = Seconds(Steady::now() - t0);
  const double queue_cpu = CpuSeconds() - cpu0;
  if (!created) {
    std::fprintf(stderr, "refused: %s\n", created.refusal().message.c_str());
    return 1;
  }
  const int64_t id = created->broadcast.id;
  std::printf("fan-out: %lld subscribers on %d channel(s) queued in %.2f s (%.0f rows/s), "
              "CPU %.2f s\n",
              static_cast<long long>(created->broadcast.recipients), opt.channels, queue_s,
              created->broadcast.recipients / queue_s, queue_cpu);

  // What a host restarted after a crash does: the same fan-out again.
  vikno::FanOut again{"broadcasts.news", service.BroadcastPayload(created->broadcast), 2, {}};
  t0 = Steady::now();
  const int64_t rows = store.FanOutBroadcast(id, again, clock.Now());
  std::printf("re-run (nothing new): %lld rows in the batch, %.2f s\n",
              static_cast<long long>(rows), Seconds(Steady::now() - t0));

  t0 = Steady::now();
  if (!service.Get(admin, id)) return 1;
  std::printf("progress query: %.1f ms\n", Seconds(Steady::now() - t0) * 1000);

  // Drain: the real sender, one channel, no declared limit.
  const std::string batch = vikno::BroadcastBatchId(id);
  const int64_t before = Queued(store, batch);
  std::atomic<int64_t> sent{0};
  vikno::FunctionOutboxChannel channel(
      [&sent](const vikno::sdk::OutboundMessage&) {
        return vikno::sdk::SendResult::Sent("p-" + std::to_string(sent.fetch_add(1)));
      },
      vikno::sdk::RateLimit{});
  vikno::SenderOptions sender_options;
  sender_options.workers_per_channel = opt.workers;
  sender_options.batch_size = 200;
  sender_options.idle_poll = std::chrono::milliseconds(50);
  vikno::OutboxSender sender(store, messages, clock, sender_options);
  sender.AddChannel("telegram", channel);
  t0 = Steady::now();
  sender.Start();
  while (sent.load() < opt.drain && Seconds(Steady::now() - t0) < 120)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double drain_s = Seconds(Steady::now() - t0);
  sender.Stop();
  std::printf("drain: %lld sent on telegram in %.2f s = %.0f messages/s (%d workers); "
              "queued %lld -> %lld\n",
              static_cast<long long>(sent.load()), drain_s, sent.load() / drain_s, opt.workers,
              static_cast<long long>(before), static_cast<long long>(Queued(store, batch)));
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return 0;
}
