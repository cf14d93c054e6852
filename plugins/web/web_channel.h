// The web-chat channel: the resident dialogue in a browser widget
// (web/portal/, served by the host under /portal/), so a city needs no
// messenger account and the demo runs with no internet. A plugin like any
// other (nothing in the host knows about it), talking JSON over three
// webhooks under /hooks/<channel>/:
//
//   POST session   -> {"chat": 32 hex, "token": 64 hex}: a new chat; the
//                     token is HMAC-SHA256(secret, chat), so nothing is stored
//   POST messages  {"chat","token","id", one of "text" | "button" |
//                   "location":{"lat","lon"} | "contact":{"phone"}}
//                  -> 200 {"ok":true} once the host has it (Host::Deliver),
//                     403 bad token (checked before the message is looked
//                     at), 413 too big, 400 malformed, 429 too fast, 503
//                     host busy (send again with the same id)
//   GET  updates?chat=&token=&after=<seq>
//                  -> {"messages":[{"seq","text","keyboard"}...],"last":N}:
//                     the replies after <seq>, waiting up to poll_timeout_s
//                     for one; asking with a higher `after` acknowledges
//                     (Host::ReportDelivery read) and deletes the older ones
//
// `id` is the browser's random id of the message: a re-sent request (a
// flaky connection) is recognised and not handed to the host twice; the
// provider id given to the host is "<chat>:<id>", so one chat cannot shadow
// another's messages. Replies (Send) go to the chat's mailbox on disk
// (mailbox.h) and count as sent once synced; their provider id is
// "<chat>:<seq>".
//
// Settings (vikno.yaml, channels[i].settings; unknown keys are refused):
//   secret               HMAC key of the chat tokens, 16+ characters
//                        (required; from the environment)
//   data_dir             mailboxes go to <data_dir>/web-chat/ (default data)
//   max_pending          unread replies one chat may hold, 1..10000 (200);
//                        beyond it Send answers "retry later"
//   poll_timeout_s       how long GET updates waits for a reply, 0..60 (10);
//                        a stopping host waits for polls in flight
//   max_waiting_polls    polls waiting at once, 1..1000 (4); more are
//                        answered at once, so they never use up the host's
//                        HTTP threads
//   max_body_bytes       largest POST body, 256..1048576 (16384)
//   messages_per_minute  one chat's messages, 1..6000 (60)
//   sessions_per_minute  new chats, all browsers together, 1..100000 (600)
//   dedup_window         recent message ids remembered, 16..1000000 (10000)
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "chat_auth.h"
#include "mailbox.h"
#include "vikno/sdk/channel.h"
#include "vikno/sdk/settings.h"

namespace vikno::web {

struct WebOptions {
  std::string secret;
  std::string data_dir = "data";
  int64_t max_pending = 200;
  int64_t poll_timeout_s = 10;
  int64_t max_waiting_polls = 4;
  int64_t max_body_bytes = 16384;
  int64_t messages_per_minute = 60;
  int64_t sessions_per_minute = 600;
  int64_t dedup_window = 10000;

  // Reads `settings`; problems beyond the getters' go to `problems`.
  static WebOptions Read(const sdk::Settings& settings, std::vector<std::string>* problems);
};

// The browser's JSON for one reply (text and keyboard), without its seq.
std::string MessageJson(const sdk::OutboundMessage& message);

// True for well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool IsUtf8(const std::string& s);

class WebChannel final : public sdk::Channel {
 public:
  // Throws std::invalid_argument listing every settings problem.
  explicit WebChannel(const sdk::Settings& settings);
  ~WebChannel() override;

  sdk::Status Start(sdk::Host& host) override;
  void Stop() override;
  sdk::SendResult Send(const sdk::OutboundMessage& message) override;
  sdk::RateLimit Limits() const override;

  // The handlers, public for tests.
  sdk::WebhookResponse HandleSession(const sdk::WebhookRequest& request);
  sdk::WebhookResponse HandleMessages(const sdk::WebhookRequest& request);
  sdk::WebhookResponse HandleUpdates(const sdk::WebhookRequest& request);

 private:
  // A token bucket: `capacity` per minute, refilled continuously.
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point at;
  };
  bool Take(Bucket& bucket, double capacity, std::chrono::steady_clock::time_point now);
  bool TakeForChat(const std::string& chat);
  bool TakeForSession();
  bool SeenBefore(const std::string& provider_id);
  void Remember(const std::string& provider_id);

  WebOptions options_;
  ChatAuth auth_;
  std::unique_ptr<Mailboxes> mailboxes_;
  sdk::Host* host_ = nullptr;
  std::atomic<int> waiting_polls_{0};

  std::mutex limits_mu_;  // guards the buckets
  std::map<std::string, Bucket> chat_buckets_;
  Bucket session_bucket_;

  std::mutex dedup_mu_;  // guards the window
  std::deque<std::string> dedup_order_;
  std::unordered_set<std::string> dedup_seen_;
};

}  // namespace vikno::web
