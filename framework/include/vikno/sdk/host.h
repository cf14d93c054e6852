// vikno/sdk/host.h: what the host offers a started channel: hand in a
// resident's message, receive webhooks, report delivery receipts, log, and
// read the time.
//
// The host creates one Host per channel; everything a channel does through it
// is attributed to that channel (its name is in every log line, its messages
// are de-duplicated within that channel).
//
// Ownership: the host owns the Host and its Logger; a channel keeps the
// reference it got in Channel::Start until Channel::Stop returns, never longer.
// Thread-safety: every method may be called from any thread, concurrently,
// between the start and the end of Start...Stop.
#pragma once

#include <chrono>
#include <string>

#include "vikno/sdk/message.h"
#include "vikno/sdk/status.h"
#include "vikno/sdk/webhook.h"

namespace vikno::sdk {

// The channel's log. Lines go to the host's log with the channel's name.
// Never include tokens, passwords or message texts beyond what an operator
// needs: residents' messages are personal data (R31).
class Logger {
 public:
  enum class Level { kDebug, kInfo, kWarning, kError };
  virtual ~Logger() = default;
  virtual void Log(Level level, const std::string& message) = 0;

  void Debug(const std::string& m) { Log(Level::kDebug, m); }
  void Info(const std::string& m) { Log(Level::kInfo, m); }
  void Warning(const std::string& m) { Log(Level::kWarning, m); }
  void Error(const std::string& m) { Log(Level::kError, m); }
};

// What a provider said later about a message the channel sent.
enum class DeliveryState {
  kDelivered,  // reached the resident's device (SMS DELIVRD, Viber delivered)
  kRead,       // seen by the resident (Viber seen)
  kFailed,     // will not arrive (SMS UNDELIV/EXPIRED/REJECTD, Viber failed)
};

class Host {
 public:
  virtual ~Host() = default;

  // The channel's name from the configuration ("telegram", "viber-city").
  virtual const std::string& ChannelName() const = 0;

  // Hand a resident's message to the host. Ok means the host has it durably
  // (or already had it: same provider_id on this channel); only then may the
  // channel acknowledge it to the provider. A failure (the host is stopping,
  // its queue is full, the store is down, an attachment is not allowed) means
  // the message was not taken: answer the provider with an error so it sends
  // again, or keep it and retry.
  virtual Status Deliver(InboundMessage message) = 0;

  // Serve `handler` for requests to this channel's `path` (letters, digits,
  // '-', '_', '.', '/'; not empty; not starting with '/'). The public URL is
  // WebhookUrl(path). Only during Start; the host removes the channel's
  // webhooks itself before it calls Stop. Fails on a bad or already
  // registered path, or when called outside Start.
  virtual Status RegisterWebhook(const std::string& path, WebhookHandler handler) = 0;

  // The absolute URL a provider must call to reach `path` (what Telegram's
  // setWebhook and Viber's set_webhook need), e.g.
  // "https://city.example/hooks/telegram/update". Empty when the host has no
  // public URL configured; a channel that needs one fails its Start then.
  virtual std::string WebhookUrl(const std::string& path) const = 0;

  // A provider's receipt for a message this channel sent:
  // `provider_message_id` is SendResult::provider_message_id of that send.
  // Receipts for unknown ids are logged and dropped by the host.
  virtual void ReportDelivery(const std::string& provider_message_id, DeliveryState state,
                              const std::string& detail) = 0;

  virtual Logger& Log() = 0;

  // The host's notion of "now" (tests move it); use it for timestamps and
  // expiry, and std::chrono::steady_clock for time-outs.
  virtual std::chrono::system_clock::time_point Now() const = 0;
};

}  // namespace vikno::sdk
