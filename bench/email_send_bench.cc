// Sustained e-mail sending against the SMTP peer (issue 7): the e-mail
// channel sends N messages to npm smtp-server (tests/peers/smtp-sink.js),
// which accepts at most `rate` messages per second and answers 451 above it.
// The bench stands in for the host's outbox: it paces sends with a token
// bucket at the channel's declared Limits(), from several sender threads,
// and re-queues a kRetry after its retry_after. It reports the achieved rate
// against the peer's limit and checks, from the sink's records, that every
// message arrived exactly once (by Message-ID).
//
//   email_send_bench [rate=50] [seconds=20] [threads=4] [starttls=0]
// Run from anywhere; needs `npm ci --prefix tests/peers`.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "email_channel.h"
#include "integration/email/mail_peers.h"

using namespace vikno;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const int rate = argc > 1 ? std::atoi(argv[1]) : 50;
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 20;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 4;
  const bool starttls = argc > 4 && std::string(argv[4]) == "1";
  const int total = rate * seconds;

  email::testing::SmtpSink sink(
      {{"SMTP_USER", "bot"}, {"SMTP_PASS", "smtp-secret"}, {"SMTP_RATE", std::to_string(rate)}});
  if (!sink.error().empty()) {
    std::fprintf(stderr, "%s\n", sink.error().c_str());
    return 1;
  }
  sdk::Settings settings({{"from", "vikno@city.test"},
                          {"from_name", "Вікно"},
                          {"smtp_host", "127.0.0.1"},
                          {"smtp_port", std::to_string(sink.port())},
                          {"smtp_user", "bot"},
                          {"smtp_password", "smtp-secret"},
                          {"smtp_starttls", starttls ? "required" : "off"},
                          {"smtp_tls_verify", "false"},
                          {"smtp_connections", std::to_string(threads)},
                          {"retry_s", "1"},
                          {"inbound", "none"},
                          {"rate_overall", std::to_string(rate)},
                          {"rate_per_recipient", "0"}});
  email::EmailChannel channel(settings);
  email::testing::TestHost host;
  if (!channel.Start(host).ok) {
    std::fprintf(stderr, "start failed\n");
    return 1;
  }
  const sdk::RateLimit limits = channel.Limits();
  const double per_second = static_cast<double>(limits.overall.count) /
                            static_cast<double>(limits.overall.period.count());

  // The outbox: due messages, a token bucket at the declared limit.
  std::mutex mu;
  std::deque<std::pair<int, Clock::time_point>> queue;
  for (int i = 0; i < total; ++i) queue.emplace_back(i, Clock::time_point{});
  double tokens = 0;
  Clock::time_point refilled = Clock::now();
  std::atomic<int> sent{0}, retried{0}, failed{0};
  std::map<std::string, int> provider_ids;

  const std::string text =
      "Нове звернення № 1001: не горить ліхтар, вул. Соборна, 14. Строк виконання — 3 доби.\n"
      "Відповідайте на цей лист, щоб додати коментар до звернення.";
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      while (true) {
        int id = -1;
        {
          std::unique_lock lock(mu);
          if (queue.empty() && sent + failed == total) return;
          auto now = Clock::now();
          tokens =
              std::min(per_second,
                       tokens + std::chrono::duration<double>(now - refilled).count() * per_second);
          refilled = now;
          if (!queue.empty() && queue.front().second <= now && tokens >= 1) {
            tokens -= 1;
            id = queue.front().first;
            queue.pop_front();
          }
        }
        if (id < 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          continue;
        }
        sdk::OutboundMessage m;
        m.id = "bench-" + std::to_string(id);
        m.chat_id = "executor" + std::to_string(id % 10) + "@city.test";
        m.text = text;
        sdk::SendResult r = channel.Send(m);
        std::lock_guard lock(mu);
        if (r.outcome == sdk::SendResult::Outcome::kSent) {
          ++sent;
          ++provider_ids[r.provider_message_id];
        } else if (r.outcome == sdk::SendResult::Outcome::kRetry) {
          ++retried;
          queue.emplace_back(id, Clock::now() + r.retry_after);
        } else {
          ++failed;
          std::fprintf(stderr, "failed: %s\n", r.reason.c_str());
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  channel.Stop();

  // The peer's view: every Message-ID exactly once.
  email::testing::WaitFor([&] { return sink.accepted_count() >= static_cast<size_t>(sent); },
                          std::chrono::seconds(5));
  std::map<std::string, int> at_peer;
  for (const auto& a : sink.accepted()) ++at_peer[a.record->getValue<std::string>("messageId")];
  int duplicates = 0;
  for (const auto& [id, n] : at_peer) duplicates += n - 1;
  int missing = 0;
  for (const auto& [id, n] : provider_ids)
    if (!at_peer.count(id)) ++missing;

  const double achieved = sent / elapsed;
  std::printf("email_send_bench: peer limit %d/s, %d threads, STARTTLS %s\n", rate, threads,
              starttls ? "on" : "off");
  std::printf("  sent %d of %d in %.2f s = %.2f msg/s = %.1f%% of the limit\n", sent.load(), total,
              elapsed, achieved, 100.0 * achieved / rate);
  std::printf("  retries (451 from the peer) %d, failed %d\n", retried.load(), failed.load());
  std::printf("  at the peer: %zu distinct Message-IDs, %d duplicates, %d missing\n",
              at_peer.size(), duplicates, missing);
  bool ok = sent == total && duplicates == 0 && missing == 0 &&
            static_cast<int>(at_peer.size()) == total && achieved >= 0.95 * rate;
  std::printf("  %s\n", ok ? "OK (>= 95%, no loss, no duplicate)" : "BELOW TARGET");
  return ok ? 0 : 2;
}
