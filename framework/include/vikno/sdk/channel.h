// vikno/sdk/channel.h: the interface a channel plugin implements, and the
// values it returns (SendResult, RateLimit).
//
// Lifecycle, always in this order, each step at most once:
//   constructor(const Settings&)  read and check settings; no I/O, no threads
//   Start(Host&)                  connect, register webhooks, start pollers
//   Send(...) / webhook handlers  any number, concurrently
//   Stop()                        undo exactly what Start did; join threads
//   destructor                    free memory
// Stop is called even when Start failed, so Start may leave work half-done.
// The host keeps the plugin's library loaded until the channel is destroyed.
//
// Errors: no exception may leave any method; report failures with the return
// values. The host also catches anything that escapes and treats it as a
// failure, but a plugin that relies on that is buggy.
#pragma once

#include <chrono>
#include <string>
#include <utility>

#include "vikno/sdk/host.h"
#include "vikno/sdk/message.h"
#include "vikno/sdk/status.h"

namespace vikno::sdk {

// The outcome of one Send. The host's outbox acts on it: kSent is recorded,
// kRetry is tried again after `retry_after`, kFailed is not retried and is
// shown to staff with `reason`.
struct SendResult {
  enum class Outcome { kSent, kRetry, kFailed };
  Outcome outcome = Outcome::kSent;
  // kSent: the provider's id of the message (Telegram message_id, Viber
  // message_token, SMSC message_id). Host::ReportDelivery names it later.
  std::string provider_message_id;
  std::chrono::seconds retry_after{0};  // kRetry: the provider's retry-after, or a back-off
  std::string reason;                   // kRetry, kFailed: one sentence for staff and logs

  static SendResult Sent(std::string provider_message_id) {
    SendResult r;
    r.provider_message_id = std::move(provider_message_id);
    return r;
  }
  // Transient: throttled (Telegram 429, SMPP 0x58), time-out, provider down.
  static SendResult Retry(std::chrono::seconds after, std::string reason) {
    SendResult r;
    r.outcome = Outcome::kRetry;
    r.retry_after = after;
    r.reason = std::move(reason);
    return r;
  }
  // Permanent: the resident blocked the bot, no such number, message refused.
  static SendResult Failed(std::string reason) {
    SendResult r;
    r.outcome = Outcome::kFailed;
    r.reason = std::move(reason);
    return r;
  }
};

// How many sends the provider accepts: `count` per `period`. count == 0
// means no limit.
struct Rate {
  int count = 0;
  std::chrono::seconds period{1};
};

// The provider's published limits. The host's outbox paces Send calls to stay
// under both, so a channel rarely sees its provider's "too many requests".
struct RateLimit {
  Rate overall;        // across all recipients (Telegram: 30 per 1 s; Viber: 500 per 10 s)
  Rate per_recipient;  // to one chat_id (Telegram: 1 per 1 s)
};

class Channel {
 public:
  virtual ~Channel() = default;

  // Connect to the provider and register webhooks (Host::RegisterWebhook).
  // `host` outlives the channel's use of it: it is valid until Stop returns.
  // Called once, on the host's start-up thread. A failure is logged by the
  // host and this channel is not used; the other channels run on.
  virtual Status Start(Host& host) = 0;

  // Undo what Start did: stop pollers and join their threads, close
  // connections. The host has already removed this channel's webhooks and
  // waited for running handlers, and no Send is running or will start. After
  // Stop returns the channel must not call `host` again. Called once, on the
  // host's start-up thread, also after a failed Start.
  virtual void Stop() = 0;

  // Send one message. Called from the host's sender threads, possibly several
  // at once, only between a successful Start and Stop. Blocks until the
  // provider answered (or a time-out the channel chooses, at most 30 s).
  virtual SendResult Send(const OutboundMessage& message) = 0;

  // The provider's limits; read once after Start succeeded.
  virtual RateLimit Limits() const = 0;
};

}  // namespace vikno::sdk
