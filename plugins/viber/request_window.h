// Paces the channel's own calls to the Viber API to at most `count` requests
// in any `period` (Viber: 500 requests per 10 s, CHANNELS.md §2), so that a
// broadcast fan-out never meets status 12 (tooManyRequests).
//
// A sliding window, as the provider counts, rather than a token bucket with a
// burst. A request holds its slot from Acquire until Complete, and the slot
// frees `period` after the answer arrived: the provider saw the request
// before we saw its answer, so counting from the answer can never put more
// than `count` requests into one of the provider's windows, whatever the
// network delay.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace vikno::viber {

class RequestWindow {
 public:
  using Clock = std::chrono::steady_clock;

  // count <= 0: unlimited.
  RequestWindow(int count, std::chrono::milliseconds period) : count_(count), period_(period) {}

  // Waits for a free slot until `deadline`. False when the deadline passed or
  // Stop was called; the caller then does not send.
  bool Acquire(Clock::time_point deadline) {
    if (count_ <= 0) return true;
    std::unique_lock lock(mu_);
    while (true) {
      if (stopped_) return false;
      const auto now = Clock::now();
      while (!done_.empty() && done_.front() + period_ <= now) done_.pop_front();
      if (in_flight_ + static_cast<int>(done_.size()) < count_) {
        ++in_flight_;
        return true;
      }
      if (now >= deadline) return false;
      // The oldest answered slot frees first; in-flight ones notify.
      auto until = deadline;
      if (!done_.empty() && done_.front() + period_ < until) until = done_.front() + period_;
      cv_.wait_until(lock, until);
    }
  }

  // The request of an Acquire was answered (or failed): its slot frees one
  // period from now.
  void Complete() {
    if (count_ <= 0) return;
    std::lock_guard lock(mu_);
    --in_flight_;
    done_.push_back(Clock::now());
    cv_.notify_all();
  }

  void Stop() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }

 private:
  const int count_;
  const std::chrono::milliseconds period_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  int in_flight_ = 0;
  std::deque<Clock::time_point> done_;  // answer times within the last period, oldest first
};

}  // namespace vikno::viber
