// A token bucket for a provider's rate: `count` sends per `period`, with a
// burst of at most `count` (issue 4: per-channel and per-recipient limits).
//
// Thread-safety: all methods lock; several sender threads share one bucket.
#pragma once

#include <chrono>
#include <mutex>

namespace vikno {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // count == 0: unlimited.
  TokenBucket(int count, std::chrono::nanoseconds period)
      : capacity_(count),
        tokens_(count),
        per_token_(count > 0 ? period / count : std::chrono::nanoseconds(0)),
        last_(Clock::now()) {}

  // Takes a token when one is available and returns zero; otherwise takes
  // nothing and returns how long until one will be.
  std::chrono::nanoseconds TryTake() {
    if (capacity_ <= 0) return std::chrono::nanoseconds(0);
    std::lock_guard lock(mu_);
    Refill();
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return std::chrono::nanoseconds(0);
    }
    const double missing = 1.0 - tokens_;
    return std::chrono::nanoseconds(static_cast<int64_t>(missing * per_token_.count())) +
           std::chrono::nanoseconds(1);
  }

  // True when the bucket is full (an idle recipient's bucket can be dropped).
  bool Full() {
    if (capacity_ <= 0) return true;
    std::lock_guard lock(mu_);
    Refill();
    return tokens_ >= capacity_;
  }

 private:
  void Refill() {
    const auto now = Clock::now();
    const double gained =
        static_cast<double>((now - last_).count()) / static_cast<double>(per_token_.count());
    tokens_ = tokens_ + gained > capacity_ ? capacity_ : tokens_ + gained;
    last_ = now;
  }

  const int capacity_;
  double tokens_;
  const std::chrono::nanoseconds per_token_;
  Clock::time_point last_;
  std::mutex mu_;
};

}  // namespace vikno
