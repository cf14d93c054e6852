// The echo channel: the smallest complete vikno channel plugin.
//
// * Send writes each outbound message into the channel's log and answers
//   "sent" with a made-up provider id ("echo-1", "echo-2", ...).
// * POST <host>/hooks/<channel>/inbound?chat=<id>&id=<message id> delivers the
//   request body as a resident's text; with &button=<data> it delivers a
//   button press instead.
//
// Settings (vikno.yaml, channels[i].settings):
//   max_text    longest text Send accepts, in bytes (1..65536, default 4096);
//               a longer one is a permanent failure, as with a real provider
//   per_second  the rate limit it declares (1..1000, default 10)
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include "vikno/sdk/entry.h"

namespace {

using vikno::sdk::Channel;
using vikno::sdk::Host;
using vikno::sdk::InboundMessage;
using vikno::sdk::OutboundMessage;
using vikno::sdk::RateLimit;
using vikno::sdk::SendResult;
using vikno::sdk::Settings;
using vikno::sdk::Status;
using vikno::sdk::WebhookRequest;
using vikno::sdk::WebhookResponse;

WebhookResponse Answer(int status, std::string body) {
  WebhookResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

class EchoChannel final : public Channel {
 public:
  // Reads every setting here: a bad value makes creation fail with all the
  // problems listed (VIKNO_DEFINE_CHANNEL checks settings.Problems()).
  explicit EchoChannel(const Settings& settings)
      : max_text_(settings.Int("max_text", 4096, 1, 65536)),
        per_second_(static_cast<int>(settings.Int("per_second", 10, 1, 1000))) {}

  Status Start(Host& host) override {
    host_ = &host;
    Status hook = host.RegisterWebhook(
        "inbound", [this](const WebhookRequest& request) { return OnInbound(request); });
    if (!hook.ok) return hook;
    host.Log().Info("echo channel started; residents write to " +
                    (host.WebhookUrl("inbound").empty() ? std::string("the inbound webhook")
                                                        : host.WebhookUrl("inbound")));
    return Status::Ok();
  }

  // Start registered only a webhook, which the host removes itself; there is
  // no thread or connection to undo.
  void Stop() override {
    if (host_ != nullptr) host_->Log().Info("echo channel stopped");
    host_ = nullptr;
  }

  // Thread-safe: reads constants and bumps an atomic counter; the host's
  // Logger is thread-safe.
  SendResult Send(const OutboundMessage& message) override {
    if (message.text.size() > static_cast<size_t>(max_text_)) {
      return SendResult::Failed("text is " + std::to_string(message.text.size()) +
                                " bytes, the echo channel takes at most " +
                                std::to_string(max_text_));
    }
    std::string line = "echo to " + message.chat_id + ": " + message.text;
    if (message.keyboard) {
      line += " [buttons:";
      for (const auto& row : message.keyboard->rows)
        for (const auto& button : row) line += " " + button.text;
      line += "]";
    }
    host_->Log().Info(line);
    return SendResult::Sent("echo-" + std::to_string(++sent_));
  }

  RateLimit Limits() const override {
    RateLimit limits;
    limits.overall.count = per_second_;
    limits.overall.period = std::chrono::seconds{1};
    return limits;
  }

 private:
  // Runs on the host's HTTP threads, several at once; touches only host_,
  // which is set before the webhook exists and cleared after it is gone.
  WebhookResponse OnInbound(const WebhookRequest& request) {
    if (request.method != "POST") return Answer(405, "use POST\n");
    auto chat = request.query.find("chat");
    auto id = request.query.find("id");
    if (chat == request.query.end() || chat->second.empty())
      return Answer(400, "query parameter 'chat' (the resident's chat id) is missing\n");
    if (id == request.query.end() || id->second.empty())
      return Answer(400, "query parameter 'id' (the message id, for de-duplication) is missing\n");

    InboundMessage message;
    message.provider_id = id->second;
    message.chat_id = chat->second;
    message.sender_id = chat->second;
    message.sent_at = host_->Now();
    auto button = request.query.find("button");
    if (button != request.query.end())
      message.button = button->second;
    else
      message.text = request.body;

    // Acknowledge only what the host has taken; otherwise the sender retries.
    Status delivered = host_->Deliver(std::move(message));
    if (!delivered.ok) return Answer(503, delivered.message + "\n");
    return Answer(200, "ok\n");
  }

  Host* host_ = nullptr;
  const int64_t max_text_;
  const int per_second_;
  std::atomic<uint64_t> sent_{0};
};

}  // namespace

VIKNO_DEFINE_CHANNEL(EchoChannel)
