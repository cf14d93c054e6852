// The update_ids this channel has already handed to the host, so that a
// replayed update (Telegram re-sends a webhook POST that timed out; a poll
// after a crash returns unconfirmed updates again) is not delivered twice.
//
// A bounded set of recent ids rather than "id > the largest seen": the Bot
// API says ids start from a random number again after a week without
// updates, and webhook POSTs run concurrently, so a smaller id can be new.
// The host also drops a second message with the same provider id; this
// window only keeps the duplicate from costing a getFile download and a
// Deliver call.
//
// Thread-safety: all methods are thread-safe (webhook handlers run
// concurrently).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <unordered_set>

namespace vikno::telegram {

class UpdateWindow {
 public:
  explicit UpdateWindow(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Claims `id` for handling. False when it was delivered before or another
  // thread is handling it right now: the caller drops it.
  bool Begin(int64_t id) {
    std::lock_guard lock(mu_);
    if (done_.count(id) || in_flight_.count(id)) return false;
    in_flight_.insert(id);
    return true;
  }

  // The host took update `id`: remember it, forgetting the oldest beyond
  // the capacity.
  void Commit(int64_t id) {
    std::lock_guard lock(mu_);
    in_flight_.erase(id);
    if (!done_.insert(id).second) return;
    order_.push_back(id);
    while (order_.size() > capacity_) {
      done_.erase(order_.front());
      order_.pop_front();
    }
  }

  // Update `id` was not taken (the host refused it, a download failed): a
  // re-sent copy must be handled again.
  void Abandon(int64_t id) {
    std::lock_guard lock(mu_);
    in_flight_.erase(id);
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return done_.size();
  }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_set<int64_t> done_;
  std::unordered_set<int64_t> in_flight_;
  std::deque<int64_t> order_;  // done_ in commit order, oldest first
};

}  // namespace vikno::telegram
