// The callbacks this channel has already handled, keyed by (event,
// message_token[, user]), so that one Viber re-sends (it retries a callback
// for about an hour until it gets HTTP 200, CHANNELS.md §2) is not handed to
// the host twice. Keys are strings: message_token exceeds 2^53.
//
// A bounded set of recent keys; the host drops a second message with the
// same provider id as well, this only keeps the duplicate from costing a
// media download and a Deliver call, and keeps receipts from being reported
// twice.
//
// Thread-safety: all methods are thread-safe (webhook handlers run
// concurrently).
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_set>

namespace vikno::viber {

class EventWindow {
 public:
  explicit EventWindow(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Claims `key`. False when it was handled before or another thread is
  // handling it right now: the caller drops it.
  bool Begin(const std::string& key) {
    std::lock_guard lock(mu_);
    if (done_.count(key) || in_flight_.count(key)) return false;
    in_flight_.insert(key);
    return true;
  }

  // `key` was handled: remember it, forgetting the oldest beyond capacity.
  void Commit(const std::string& key) {
    std::lock_guard lock(mu_);
    in_flight_.erase(key);
    if (!done_.insert(key).second) return;
    order_.push_back(key);
    while (order_.size() > capacity_) {
      done_.erase(order_.front());
      order_.pop_front();
    }
  }

  // `key` was not handled (the host refused it, a download failed): a
  // re-sent copy must be handled again.
  void Abandon(const std::string& key) {
    std::lock_guard lock(mu_);
    in_flight_.erase(key);
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return done_.size();
  }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_set<std::string> done_;
  std::unordered_set<std::string> in_flight_;
  std::deque<std::string> order_;
};

}  // namespace vikno::viber
