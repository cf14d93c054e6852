// The outbox's view of a channel: send one message, and the provider's
// limits (issue 4). Kept apart from the plugin SDK's sdk::Channel so the
// sender also drives channels built into the host and test providers; the
// adapters below wrap an sdk::Channel or any send function (e.g.
// ChannelRegistry::Send bound to a name).
//
// Thread-safety: Send may be called from several sender threads at once.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "vikno/sdk/channel.h"
#include "vikno/sdk/message.h"

namespace vikno {

class OutboxChannel {
 public:
  virtual ~OutboxChannel() = default;
  // Sends one message. `message.id` is the row's idempotency key, the same on
  // every attempt: a provider that deduplicates by it never delivers twice.
  // Must not throw; a throw is treated as a retry.
  virtual sdk::SendResult Send(const sdk::OutboundMessage& message) = 0;
  virtual sdk::RateLimit Limits() const = 0;
};

// An sdk::Channel plugin, as the sender sees it.
class SdkOutboxChannel final : public OutboxChannel {
 public:
  explicit SdkOutboxChannel(sdk::Channel& channel) : channel_(channel) {}
  sdk::SendResult Send(const sdk::OutboundMessage& message) override {
    return channel_.Send(message);
  }
  sdk::RateLimit Limits() const override { return channel_.Limits(); }

 private:
  sdk::Channel& channel_;
};

// Any send function with fixed limits (ChannelRegistry::Send for one name,
// the built-in e-mail sender).
class FunctionOutboxChannel final : public OutboxChannel {
 public:
  using SendFn = std::function<sdk::SendResult(const sdk::OutboundMessage&)>;
  FunctionOutboxChannel(SendFn send, sdk::RateLimit limits)
      : send_(std::move(send)), limits_(limits) {}
  sdk::SendResult Send(const sdk::OutboundMessage& message) override { return send_(message); }
  sdk::RateLimit Limits() const override { return limits_; }

 private:
  SendFn send_;
  sdk::RateLimit limits_;
};

}  // namespace vikno
