// Viber broadcast batches (issue 7): sustained sending of one notice to many
// residents through the Viber plugin against the fake Viber API
// (tests/integration/viber/fake_viber_api.h, which enforces Viber's
// published limit: 500 requests per 10 s, sliding window, status 12 beyond).
//
// Sender threads stand in for the outbox's workers: each calls
// Channel::Send for the next resident, so identical concurrent sends are
// coalesced by the plugin into broadcast_message calls of up to 300
// receivers, paced by the plugin's own request window. A Retry result is
// put back in the queue, as the outbox would.
//
// Measured: requests the fake accepted during the first `seconds` (a whole
// number of 10 s windows) against the most the limit allows in that time
// (500 per window), throttled answers, and, after draining, that every
// resident was accepted exactly once (no loss, no duplicate).
//
// Usage: viber_send_bench [seconds=30] [threads=900]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "fake_viber_api.h"
#include "viber_channel.h"

namespace {

using vikno::viber::ViberChannel;
using vikno::viber::testing::FakeViberApi;
namespace sdk = vikno::sdk;

class BenchHost final : public sdk::Host {
 public:
  class Quiet final : public sdk::Logger {
   public:
    void Log(Level level, const std::string& m) override {
      if (level >= Level::kWarning) std::fprintf(stderr, "viber: %s\n", m.c_str());
    }
  };
  const std::string& ChannelName() const override { return name_; }
  sdk::Status Deliver(sdk::InboundMessage) override { return sdk::Status::Ok(); }
  sdk::Status RegisterWebhook(const std::string&, sdk::WebhookHandler) override {
    return sdk::Status::Ok();
  }
  std::string WebhookUrl(const std::string&) const override { return ""; }
  void ReportDelivery(const std::string&, sdk::DeliveryState, const std::string&) override {}
  sdk::Logger& Log() override { return log_; }
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }

 private:
  std::string name_ = "viber";
  Quiet log_;
};

}  // namespace

int main(int argc, char** argv) {
  const int seconds = argc > 1 ? std::max(10, std::atoi(argv[1])) / 10 * 10 : 30;
  const int threads = argc > 2 ? std::max(1, std::atoi(argv[2])) : 900;
  constexpr int kLimit = 500;
  constexpr auto kPeriod = std::chrono::seconds(10);
  const char* token = "bench-token";

  FakeViberApi api(token, 16);
  api.set_light(true);
  api.SetRateLimit(kLimit, kPeriod);

  ViberChannel channel(sdk::Settings({{"auth_token", token},
                                      {"sender_name", "Суми: міська служба"},
                                      {"api_base_url", api.base_url()},
                                      {"set_webhook", "false"},
                                      {"request_timeout_s", "5"},
                                      {"pacing_wait_s", "25"},
                                      {"broadcast_linger_ms", "200"},
                                      {"api_rate", std::to_string(kLimit)},
                                      {"api_rate_period_s", "10"}}));
  BenchHost host;
  if (sdk::Status s = channel.Start(host); !s.ok) {
    std::fprintf(stderr, "start failed: %s\n", s.message.c_str());
    return 1;
  }

  // More residents than the limit lets through in the measured time.
  const int64_t residents = static_cast<int64_t>(kLimit) * 300 * (seconds / 10 + 1);
  std::mutex queue_mu;
  std::deque<int64_t> queue;
  for (int64_t i = 0; i < residents; ++i) queue.push_back(i);
  std::atomic<bool> feeding{true};
  std::atomic<int64_t> sent{0}, retried{0}, failed{0};
  std::mutex results_mu;
  std::unordered_map<int64_t, int> sent_count;
  const std::string notice =
      "Планове відключення холодної води 12.12 з 9:00 до 18:00 на вул. Соборній. "
      "Вибачте за незручності.";

  const auto start = std::chrono::steady_clock::now();
  const auto stop_feeding = start + std::chrono::seconds(seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      while (true) {
        int64_t id = 0;
        {
          std::lock_guard lock(queue_mu);
          if (queue.empty() || !feeding.load()) return;
          id = queue.front();
          queue.pop_front();
        }
        sdk::OutboundMessage m;
        m.id = "row-" + std::to_string(id);
        m.chat_id = "resident-" + std::to_string(id) + "==";
        m.text = notice;
        const sdk::SendResult r = channel.Send(m);
        if (r.outcome == sdk::SendResult::Outcome::kSent) {
          ++sent;
          std::lock_guard lock(results_mu);
          ++sent_count[id];
        } else if (r.outcome == sdk::SendResult::Outcome::kRetry) {
          ++retried;
          std::lock_guard lock(queue_mu);
          queue.push_front(id);  // the outbox would try it again
        } else {
          ++failed;
          std::fprintf(stderr, "failed: %s\n", r.reason.c_str());
        }
      }
    });
  std::this_thread::sleep_until(stop_feeding);
  feeding = false;  // in-flight sends finish; nothing new starts
  for (auto& t : pool) t.join();
  const auto end = std::chrono::steady_clock::now();
  channel.Stop();

  const auto times = api.accepted_times();
  int64_t in_window = 0;
  for (const auto& at : times)
    if (at < stop_feeding) ++in_window;
  const int64_t allowed = static_cast<int64_t>(kLimit) * seconds / 10;
  const auto receivers = api.accepted_receivers();
  std::map<std::string, int> per_receiver;
  for (const auto& r : receivers) ++per_receiver[r];
  int64_t duplicates = 0;
  for (const auto& [r, n] : per_receiver)
    if (n > 1) duplicates += n - 1;
  int64_t sent_twice = 0;
  for (const auto& [id, n] : sent_count)
    if (n > 1) ++sent_twice;
  // Every Sent result is one accepted receiver and the reverse: no loss.
  const bool consistent = static_cast<int64_t>(per_receiver.size()) == sent.load() &&
                          static_cast<int64_t>(receivers.size()) == sent.load();

  std::printf("viber_send_bench: %d s measured (%d windows of 10 s), %d sender threads\n", seconds,
              seconds / 10, threads);
  std::printf("  fake API limit           %d requests / 10 s (sliding window)\n", kLimit);
  std::printf("  requests accepted        %lld in the measured time (limit allows %lld): %.1f%%\n",
              static_cast<long long>(in_window), static_cast<long long>(allowed),
              100.0 * static_cast<double>(in_window) / static_cast<double>(allowed));
  std::printf("  requests accepted, total %lld (incl. draining, %.1f s in all)\n",
              static_cast<long long>(times.size()),
              std::chrono::duration<double>(end - start).count());
  std::printf("  throttled (status 12)    %lld\n",
              static_cast<long long>(api.throttled_requests()));
  std::printf(
      "  messages sent            %lld (%.0f receivers per request; %.0f messages/s)\n",
      static_cast<long long>(sent.load()),
      times.empty() ? 0.0 : static_cast<double>(receivers.size()) / times.size(),
      static_cast<double>(sent.load()) / std::chrono::duration<double>(end - start).count());
  std::printf("  retried / failed         %lld / %lld\n", static_cast<long long>(retried.load()),
              static_cast<long long>(failed.load()));
  std::printf("  duplicates at the API    %lld; residents sent twice %lld; results match API: %s\n",
              static_cast<long long>(duplicates), static_cast<long long>(sent_twice),
              consistent ? "yes" : "NO");
  const bool ok = duplicates == 0 && sent_twice == 0 && consistent && failed.load() == 0 &&
                  in_window * 100 >= allowed * 95;
  std::printf("  %s\n", ok ? "OK: >= 95% of the limit, no loss, no duplicate" : "BELOW TARGET");
  return ok ? 0 : 2;
}
