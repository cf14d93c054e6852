// SMS send bench (issue 7): sustained sending through the SMS channel to the
// test SMSC (tests/peers/smsc.js on npm smpp) at the SMSC's TPS limit, with
// the channel's own tps set to the same contract. Four sender threads act as
// the outbox's workers: a Retry (throttled) is waited out and sent again.
// Reports the achieved rate as a share of the limit and checks that the
// SMSC accepted every message exactly once.
//
//   sms_send_bench [messages=1000] [smsc_tps=50] [threads=4]
// Run from the source root after `npm ci --prefix tests/peers`.
#include <atomic>
#include <cstdio>
#include <set>
#include <thread>

#include "integration/sms/sms_test_support.h"
#include "sms_channel.h"

using namespace vikno;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int tps = argc > 2 ? std::atoi(argv[2]) : 50;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 4;
  sms::testing::Smsc smsc(tps);
  if (!smsc.error().empty()) {
    std::fprintf(stderr, "%s\n", smsc.error().c_str());
    return 1;
  }
  sdk::Settings settings(
      std::map<std::string, std::string>{{"host", "127.0.0.1"},
                                         {"port", std::to_string(smsc.smpp_port())},
                                         {"system_id", "vikno"},
                                         {"password", "secret"},
                                         {"source_addr", "SumyRada"},
                                         {"tps", std::to_string(tps)},
                                         {"window", "20"},
                                         {"throttle_backoff_ms", "100"}});
  sms::SmsChannel channel(settings);
  sms::testing::TestHost host;
  sdk::Status st = channel.Start(host);
  if (!st.ok) {
    std::fprintf(stderr, "start: %s\n", st.message.c_str());
    return 1;
  }
  std::atomic<int> next{0}, retries{0}, failed{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i; (i = next.fetch_add(1)) < n;) {
        sdk::OutboundMessage m;
        m.id = "bench-" + std::to_string(i);
        m.chat_id = "+38050" + std::to_string(1000000 + i);
        m.text = "Звернення №" + std::to_string(i) + ": статус «в роботі»";
        for (;;) {
          sdk::SendResult r = channel.Send(m);
          if (r.outcome == sdk::SendResult::Outcome::kSent) break;
          if (r.outcome == sdk::SendResult::Outcome::kFailed) {
            ++failed;
            break;
          }
          ++retries;
          std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(r.retry_after, 200ms));
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  channel.Stop();

  auto submitted = smsc.Submitted();
  std::set<std::string> texts;
  for (size_t i = 0; i < submitted->size(); ++i)
    texts.insert(submitted->getObject(static_cast<unsigned>(i))->getValue<std::string>("text"));
  const int throttled = smsc.CountEvents("submit_sm") - static_cast<int>(submitted->size());
  const double rate = n / secs;
  std::printf("messages %d, SMSC limit %d/s, threads %d\n", n, tps, threads);
  std::printf("elapsed %.2f s, rate %.2f/s = %.1f%% of the limit\n", secs, rate, 100 * rate / tps);
  std::printf("accepted %zu, distinct %zu, throttled answers %d, retries %d, failed %d\n",
              submitted->size(), texts.size(), throttled, retries.load(), failed.load());
  const bool ok = static_cast<int>(submitted->size()) == n && static_cast<int>(texts.size()) == n &&
                  failed == 0 && rate >= 0.95 * tps;
  std::printf("%s\n", ok ? "OK: >=95%, no loss, no duplicate" : "NOT OK");
  return ok ? 0 : 2;
}
