// The sender as a separate process, for the kill test (outbox_test.cc,
// KillMidBatch...): opens the SQLite store, sends the "web" channel's rows
// to the HttpPeer on <port> until SIGTERM, then stops gracefully and exits 0.
//
// usage: outbox_kill_helper <db> <peer port> <messages dir> <claim ttl s> <rate per s>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "integration/outbox/http_channel.h"
#include "messages/messages.h"
#include "outbox/sender.h"
#include "store/sqlite/sqlite_store.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s <db> <peer port> <messages dir> <claim ttl s> <rate per s>\n",
                 argv[0]);
    return 2;
  }
  // Block SIGTERM before any thread starts, so only sigwait below sees it.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  try {
    vikno::SqliteStore store(argv[1]);
    store.Migrate();
    vikno::Messages messages(argv[3], "uk", {}, [](const std::string& w) {
      std::fprintf(stderr, "messages: %s\n", w.c_str());
    });
    vikno::SystemClock clock;
    vikno::SenderOptions options;
    options.host_id = "kill-helper";
    options.claim_ttl = std::chrono::seconds(std::atoi(argv[4]));
    options.idle_poll = std::chrono::milliseconds(50);
    options.workers_per_channel = 2;
    vikno::sdk::RateLimit limits;
    limits.overall = {std::atoi(argv[5]), std::chrono::seconds(1)};
    vikno::testing::HttpChannel channel(std::atoi(argv[2]), limits);
    vikno::OutboxSender sender(store, messages, clock, options);
    sender.AddChannel("web", channel);
    sender.Start();
    std::fprintf(stderr, "sender started\n");
    int signal = 0;
    sigwait(&set, &signal);
    sender.Stop();
    const auto s = sender.stats();
    std::fprintf(stderr, "stopped: sent %lld, released %lld\n", static_cast<long long>(s.sent),
                 static_cast<long long>(s.released));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "outbox_kill_helper: %s\n", e.what());
    return 1;
  }
}
