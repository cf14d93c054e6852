#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "event_window.h"
#include "request_window.h"

namespace vikno::viber {
namespace {

using namespace std::chrono_literals;

TEST(RequestWindowTest, NoMoreThanCountInAnyPeriodCountingFromAnswers) {
  RequestWindow window(5, 200ms);
  const auto start = RequestWindow::Clock::now();
  std::vector<RequestWindow::Clock::time_point> starts;
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(window.Acquire(start + 5s));
    starts.push_back(RequestWindow::Clock::now());
    window.Complete();
  }
  // Any 6 consecutive requests span at least one period.
  for (size_t i = 5; i < starts.size(); ++i) EXPECT_GE(starts[i] - starts[i - 5], 200ms);
  // 12 requests at 5 per 200 ms: two full waits.
  EXPECT_GE(RequestWindow::Clock::now() - start, 400ms);
  EXPECT_LT(RequestWindow::Clock::now() - start, 1500ms);
}

TEST(RequestWindowTest, InFlightRequestsHoldTheirSlotAndDeadlinesAndStopEndTheWait) {
  RequestWindow window(2, 100ms);
  ASSERT_TRUE(window.Acquire(RequestWindow::Clock::now() + 1s));
  ASSERT_TRUE(window.Acquire(RequestWindow::Clock::now() + 1s));
  // Both in flight, never answered: no third slot, however long one waits.
  EXPECT_FALSE(window.Acquire(RequestWindow::Clock::now() + 250ms));
  std::atomic<bool> got{true};
  std::thread waiter([&] { got = window.Acquire(RequestWindow::Clock::now() + 10s); });
  std::this_thread::sleep_for(50ms);
  window.Stop();
  waiter.join();
  EXPECT_FALSE(got);
}

TEST(EventWindowTest, ReplaysAreRefusedAbandonedKeysComeBackOldestForgotten) {
  EventWindow window(3);
  EXPECT_TRUE(window.Begin("message:5098034272017990001"));
  EXPECT_FALSE(window.Begin("message:5098034272017990001"));  // in flight
  window.Commit("message:5098034272017990001");
  EXPECT_FALSE(window.Begin("message:5098034272017990001"));  // done
  EXPECT_TRUE(window.Begin("message:5098034272017990002"));   // differs below 2^53's precision
  window.Abandon("message:5098034272017990002");
  EXPECT_TRUE(window.Begin("message:5098034272017990002"));  // not taken: handled again
  window.Commit("message:5098034272017990002");
  for (const char* k : {"a", "b", "c"}) {
    ASSERT_TRUE(window.Begin(k));
    window.Commit(k);
  }
  EXPECT_EQ(window.size(), 3u);
  EXPECT_TRUE(window.Begin("message:5098034272017990001"));  // aged out
}

}  // namespace
}  // namespace vikno::viber
