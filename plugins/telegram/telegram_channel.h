// The Telegram channel: Bot API over HTTP(S), inbound by webhook or long
// polling, outbound sendMessage with inline and reply keyboards, photos and
// documents both ways. The plugin's entry points (plugin_entry.cc) create it.
//
// Settings (vikno.yaml, channels[i].settings; every key is checked, unknown
// keys are refused so a typo does not silently fall back to a default):
//   token              the bot token from @BotFather (required; write it as
//                      ${TELEGRAM_TOKEN} so it comes from the environment)
//   api_base_url       default https://api.telegram.org (tests: the emulator)
//   mode               polling (default) | webhook
//   webhook_secret     webhook mode: required, 1-256 of A-Z a-z 0-9 _ -; sent
//                      to setWebhook as secret_token and checked on every POST
//   webhook_path       path under the host's /hooks/<channel>/ (default update)
//   set_webhook        webhook mode: call setWebhook at start (default true)
//   webhook_max_connections  webhook mode: how many connections Telegram may
//                      open at once, 1..100 (default 8; Telegram's own is 40).
//                      Each open connection holds one of the host's HTTP
//                      threads, so this stays well under http.threads
//   poll_timeout_s     getUpdates long-poll timeout, 0..50 (default 25)
//   poll_interval_ms   pause after a poll that returned nothing, 0..60000 (500)
//   poll_limit         updates per getUpdates, 1..100 (default 100)
//   request_timeout_s  time-out of one API call, 1..30 (default 15)
//   retry_backoff_s    back-off after a network error or 5xx, 1..3600 (5)
//   max_file_bytes     largest inbound file fetched, 1..20971520 (20 MiB, the
//                      Bot API's download limit)
//   dedup_window       how many recent update_ids are remembered, 16..10^6
//                      (default 10000)
//   rate_overall       messages per second to all chats, 1..1000 (default 30)
//   rate_per_chat      messages per second to one chat, 1..100 (default 1)
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

#include "bot_api.h"
#include "update_parser.h"
#include "update_window.h"
#include "vikno/sdk/channel.h"
#include "vikno/sdk/settings.h"

namespace vikno::telegram {

struct TelegramOptions {
  std::string token;
  std::string api_base_url = "https://api.telegram.org";
  bool webhook = false;
  std::string webhook_secret;
  std::string webhook_path = "update";
  bool set_webhook = true;
  int poll_timeout_s = 25;
  int poll_interval_ms = 500;
  int poll_limit = 100;
  int request_timeout_s = 15;
  int retry_backoff_s = 5;
  int webhook_max_connections = 8;
  int64_t max_file_bytes = 20 * 1024 * 1024;
  int64_t dedup_window = 10000;
  int rate_overall = 30;
  int rate_per_chat = 1;

  // Reads `settings`; every problem (the getters' and the checks here) is
  // appended to `problems`.
  static TelegramOptions Read(const sdk::Settings& settings, std::vector<std::string>* problems);
};

// The reply_markup for `keyboard`, or "" and `*error` when a button cannot
// be sent (callback data over 64 bytes, an empty label). Buttons Telegram
// cannot carry in that kind of keyboard are left out and named in `*dropped`.
std::string KeyboardJson(const sdk::Keyboard& keyboard, std::string* error,
                         std::vector<std::string>* dropped);

class TelegramChannel final : public sdk::Channel {
 public:
  // Throws std::invalid_argument listing every settings problem.
  explicit TelegramChannel(const sdk::Settings& settings);
  ~TelegramChannel() override;

  sdk::Status Start(sdk::Host& host) override;
  void Stop() override;
  sdk::SendResult Send(const sdk::OutboundMessage& message) override;
  sdk::RateLimit Limits() const override;

 private:
  enum class Handled { kDelivered, kDuplicate, kIgnored, kRetryLater };

  sdk::WebhookResponse OnWebhook(const sdk::WebhookRequest& request);
  // `answer` is where a callback query's answer goes: null to call
  // answerCallbackQuery now (polling), or a string that receives the
  // query's id for the webhook's own response to carry (webhook mode).
  Handled HandleUpdate(ParsedUpdate update, std::string* answer = nullptr);
  void AnswerCallback(const std::string& callback_query_id);
  void PollLoop();
  void SetWebhookLoop(const std::string& url);
  sdk::Status SetWebhook(const std::string& url, bool* transient);
  bool Pause(std::chrono::milliseconds duration);  // false once stopping
  sdk::SendResult FromError(const ApiReply& reply) const;
  void Log(sdk::Logger::Level level, const std::string& line);

  const TelegramOptions options_;
  sdk::Host* host_ = nullptr;
  std::unique_ptr<BotApi> api_;
  UpdateWindow window_;
  bool ssl_initialized_ = false;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread worker_;  // the poller, or the setWebhook retry loop

  // Multi-part sends (long texts, attachments): how many parts of outbound
  // message id went out already, so a retry after a failed part resumes
  // instead of sending the first parts twice. Bounded; oldest forgotten.
  std::mutex progress_mu_;
  std::map<std::string, size_t> progress_;
  std::deque<std::string> progress_order_;
};

}  // namespace vikno::telegram
