// A provider stand-in for the outbox tests: a real HTTP server on loopback
// that takes POST /deliver with an Idempotency-Key header and the message
// text as body. The point of these tests is the outbox (crashes, retries,
// rates), not any provider's protocol, so the peer speaks the smallest
// protocol that has what matters: it deduplicates by key like a provider
// with idempotency keys, keeps a raw log of every request (so duplicates the
// dedupe caught are visible), and can be scripted to answer 429 with
// Retry-After or 403 for given keys.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace Poco::Net {
class HTTPServer;
}

namespace vikno::testing {

class HttpPeer {
 public:
  struct Receipt {
    std::string key;
    std::string chat_id;
    std::string text;
    std::chrono::steady_clock::time_point at;
  };
  struct Reply {
    int status = 200;
    int retry_after = 0;  // seconds; sent as Retry-After when > 0
    std::string body;
  };

  HttpPeer();
  ~HttpPeer();
  int port() const { return port_; }

  // The next requests for `key` get these replies, in order, before the
  // default (200 with a provider id). Scripted replies are not deliveries.
  void Script(const std::string& key, std::vector<Reply> replies);
  // Every request is held this long before the answer (widens the window in
  // which a kill finds a send in flight).
  void SetDelay(std::chrono::milliseconds delay);

  std::vector<Receipt> RawLog() const;     // every request, in arrival order
  std::vector<Receipt> Delivered() const;  // first successful delivery per key
  size_t DeliveredCount() const;
  // Requests for a key that was already delivered (the dedupe answered them).
  size_t DuplicatesCaught() const;

 private:
  class Handler;
  class Factory;
  friend class Handler;
  Reply Handle(const std::string& key, const std::string& chat_id, const std::string& text);

  mutable std::mutex mu_;
  std::vector<Receipt> raw_;
  std::vector<Receipt> delivered_;
  std::map<std::string, std::string> ids_;  // key -> provider id
  std::map<std::string, std::deque<Reply>> script_;
  size_t duplicates_ = 0;
  std::chrono::milliseconds delay_{0};
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  int port_ = 0;
};

}  // namespace vikno::testing
