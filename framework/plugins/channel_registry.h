// The running channels: loads every configured plugin, starts each with its
// own sdk::Host, routes webhooks and sends to it, and stops them all in
// reverse order. One channel that cannot load or start is reported and left
// out; the others run (macchina.io's BundleActivator lesson, DESIGN.md).
//
// Thread-safety: StartAll and StopAll on one thread (start-up/shut-down);
// Send, Limits, HandleWebhook and Running from any thread, concurrently.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/time.h"
#include "plugins/plugin_loader.h"
#include "vikno/sdk/channel.h"
#include "vikno/sdk/host.h"
#include "vikno/sdk/webhook.h"

namespace vikno {

// Where the channels' traffic goes: the conversation intake (messages) and
// the outbox (receipts). Called from channel and HTTP threads, concurrently.
class ChannelSink {
 public:
  virtual ~ChannelSink() = default;
  // Take a resident's message. Ok only once it is stored durably, or when
  // (channel, message.provider_id) was taken before (the provider re-sent).
  virtual sdk::Status Accept(const std::string& channel, sdk::InboundMessage message) = 0;
  // A receipt for a message sent through `channel`.
  virtual void DeliveryReport(const std::string& channel, const std::string& provider_message_id,
                              sdk::DeliveryState state, const std::string& detail) = 0;
};

// One entry of vikno.yaml's `channels` list.
struct ChannelSpec {
  std::string name;     // "telegram"
  std::string library;  // path of the plugin's shared library
  std::map<std::string, std::string> settings;
};

// What became of one spec in StartAll.
struct ChannelStartReport {
  std::string name;
  bool running = false;
  std::string refusal_code;  // PluginLoader::k* or "start_failed", "duplicate_channel", ...
  std::string error;         // one sentence naming the channel
};

class ChannelRegistry {
 public:
  // Webhooks are served under /hooks/<channel>/<path>; `public_base_url`
  // ("https://city.example", may be empty) makes Host::WebhookUrl absolute.
  static constexpr const char* kWebhookRoot = "/hooks/";

  ChannelRegistry(ChannelSink& sink, const Clock& clock, std::string public_base_url);
  ~ChannelRegistry();  // StopAll
  ChannelRegistry(const ChannelRegistry&) = delete;
  ChannelRegistry& operator=(const ChannelRegistry&) = delete;

  // Loads and starts each spec in order. Every failure is logged and
  // reported; it never stops the others. Channels built into the host (an
  // empty `library`, like the web form) are not plugins: leave them out.
  std::vector<ChannelStartReport> StartAll(const std::vector<ChannelSpec>& specs);

  // Stops the channels in reverse start order: closes each one's webhooks
  // and sends (waiting for those running), calls Stop, refuses its later
  // Host calls, destroys it and unloads its library.
  void StopAll();

  // Names of the running channels, in start order.
  std::vector<std::string> Running() const;

  // Sends through `channel`. An unknown or stopped channel, or a plugin that
  // threw, gives kFailed/kRetry with a reason; never throws.
  sdk::SendResult Send(const std::string& channel, const sdk::OutboundMessage& message);

  // The limits a running channel declared after its Start.
  std::optional<sdk::RateLimit> Limits(const std::string& channel) const;

  // Serves a request for /hooks/<channel>/<path>. nullopt when no running
  // channel registered that path (the HTTP layer answers 404).
  std::optional<sdk::WebhookResponse> HandleWebhook(const std::string& channel,
                                                    const std::string& path,
                                                    sdk::WebhookRequest request);

 private:
  struct Entry;
  class ChannelHost;

  ChannelStartReport StartOne(const ChannelSpec& spec);
  std::shared_ptr<Entry> Find(const std::string& channel) const;

  ChannelSink& sink_;
  const Clock& clock_;
  std::string public_base_url_;
  mutable std::shared_mutex mu_;  // guards entries_
  std::vector<std::shared_ptr<Entry>> entries_;
};

}  // namespace vikno
