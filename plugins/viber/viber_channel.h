// The Viber channel: the REST Bot API (CHANNELS.md §2), inbound by the
// signed webhook only (Viber has no polling), outbound send_message with
// keyboards, and broadcast_message for fan-outs. The plugin's entry points
// (plugin_entry.cc) create it.
//
// Settings (vikno.yaml, channels[i].settings; unknown keys are refused so a
// typo does not silently fall back to a default):
//   auth_token          the bot's auth token (required; write ${VIBER_TOKEN})
//   sender_name         the bot's name shown with each message, 1-28 characters (required)
//   sender_avatar       URL of the sender's avatar (optional)
//   api_base_url        default https://chatapi.viber.com/pa (tests: the fake)
//   webhook_path        path under the host's /hooks/<channel>/ (default callback)
//   set_webhook         call set_webhook at start (default true; needs the host's public URL)
//   welcome_text        answer to conversation_started (optional; none when empty)
//   request_timeout_s   time-out of one API call, 1..30 (default 15)
//   retry_backoff_s     retry after a network error or HTTP error, 1..3600 (default 5)
//   throttle_backoff_s  retry after status 12 or an account-level status, 1..3600 (60)
//   max_file_bytes      largest inbound picture/file fetched, 1..52428800 (20 MiB)
//   dedup_window        how many recent callbacks are remembered, 16..10^6 (10000)
//   rate_overall        messages per rate_period_s the outbox may send, 1..10^6 (500)
//   rate_period_s       1..3600 (default 10)
//   rate_per_user       messages per hour to one user, 0..10000 (100; 0 = no limit);
//                       Viber answers status 12 above 100/hour to a user who has not replied
//   api_rate            API requests per api_rate_period_s, 1..10^6 (500: Viber's limit)
//   api_rate_period_s   1..3600 (default 10)
//   pacing_wait_s       how long a send waits for a request slot before it
//                       is returned to the outbox for later, 1..25 (default 10)
//   broadcast           coalesce identical concurrent sends into
//                       broadcast_message (default true)
//   broadcast_linger_ms how long the first of such sends waits for others, 0..5000 (25)
//   broadcast_max       receivers per broadcast_message, 2..300 (default 300)
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "callback.h"
#include "event_window.h"
#include "request_window.h"
#include "viber_api.h"
#include "vikno/sdk/channel.h"
#include "vikno/sdk/settings.h"

namespace vikno::viber {

struct ViberOptions {
  std::string auth_token;
  std::string sender_name;
  std::string sender_avatar;
  std::string api_base_url = "https://chatapi.viber.com/pa";
  std::string webhook_path = "callback";
  bool set_webhook = true;
  std::string welcome_text;
  int request_timeout_s = 15;
  int retry_backoff_s = 5;
  int throttle_backoff_s = 60;
  int64_t max_file_bytes = 20 * 1024 * 1024;
  int64_t dedup_window = 10000;
  int rate_overall = 500;
  int rate_period_s = 10;
  int rate_per_user = 100;
  int api_rate = 500;
  int api_rate_period_s = 10;
  int pacing_wait_s = 10;
  bool broadcast = true;
  int broadcast_linger_ms = 25;
  int broadcast_max = 300;

  // Reads `settings`; every problem is appended to `problems`.
  static ViberOptions Read(const sdk::Settings& settings, std::vector<std::string>* problems);
};

class ViberChannel final : public sdk::Channel {
 public:
  // Throws std::invalid_argument listing every settings problem.
  explicit ViberChannel(const sdk::Settings& settings);
  ~ViberChannel() override;

  sdk::Status Start(sdk::Host& host) override;
  void Stop() override;
  sdk::SendResult Send(const sdk::OutboundMessage& message) override;
  sdk::RateLimit Limits() const override;

  // Sends one content to many receivers with broadcast_message, in calls of
  // at most broadcast_max receivers (and 30 KB), paced; one result per
  // receiver, in order. What Send uses for coalesced fan-outs, and what a
  // batch entry point of the SDK would call (see README.md).
  std::vector<sdk::SendResult> Broadcast(const std::vector<std::string>& receivers,
                                         const Poco::JSON::Object& content);

  // How many send_message / broadcast_message calls went out (tests, bench).
  int64_t api_sends() const { return api_sends_.load(); }

 private:
  struct Member;
  struct Batch;

  sdk::WebhookResponse OnWebhook(const sdk::WebhookRequest& request);
  sdk::WebhookResponse OnMessage(Callback& callback);
  void OnReceipt(const Callback& callback);
  void OnUnsubscribed(const std::string& user_id);

  // One paced API call; kNetwork with `*paced_out` when no slot came in time.
  ApiReply Paced(const std::string& method, const std::string& json, bool* paced_out);
  sdk::SendResult SendOne(const std::string& receiver, const Poco::JSON::Object& content);
  sdk::SendResult Coalesce(const std::string& receiver, const Poco::JSON::Object::Ptr& content);
  sdk::SendResult FromReply(const ApiReply& reply, const std::string& receiver);
  sdk::SendResult FromStatus(int status, const std::string& explained, const std::string& receiver);
  void SetWebhookLoop(const std::string& url);
  bool Pause(std::chrono::milliseconds duration);  // false once stopping
  void Log(sdk::Logger::Level level, const std::string& line);

  bool IsUnsubscribed(const std::string& user);
  void SetSubscribed(const std::string& user);
  void RememberSent(const std::string& user, const std::string& provider_id);
  void ForgetSent(const std::string& user, const std::string& provider_id);
  void RememberBroadcast(const std::string& token);
  bool IsBroadcast(const std::string& token);

  const ViberOptions options_;
  sdk::Host* host_ = nullptr;
  std::unique_ptr<ViberApi> api_;
  EventWindow window_;
  RequestWindow pacer_;
  bool ssl_initialized_ = false;
  std::atomic<int64_t> api_sends_{0};

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread worker_;  // the set_webhook retry loop

  // Residents who unsubscribed: nothing is sent to them until they write or
  // subscribe again. Sent-but-unconfirmed ids per resident, reported failed
  // when the resident unsubscribes. Broadcast tokens are shared by all their
  // receivers: receipts for them are reported as "<token>:<user_id>".
  std::mutex users_mu_;
  std::unordered_set<std::string> unsubscribed_;
  std::unordered_map<std::string, std::deque<std::string>> pending_;
  std::deque<std::string> pending_order_;
  std::unordered_set<std::string> broadcast_tokens_;
  std::deque<std::string> broadcast_order_;

  // Multi-part sends: parts of outbound message id already sent, so a retry
  // resumes instead of repeating them. Bounded; oldest forgotten.
  std::mutex progress_mu_;
  std::map<std::string, size_t> progress_;
  std::deque<std::string> progress_order_;

  // Open coalescing batches by content.
  std::mutex batch_mu_;
  std::map<std::string, std::shared_ptr<Batch>> open_batches_;
};

}  // namespace vikno::viber
