// A channel whose behaviour the registry tests choose through its settings:
//   hooks          comma-separated webhook paths registered in Start ("hook")
//   fail_start     Start returns an error after registering its webhooks
//   stop_marker    a file Stop appends "stop\n" to (proves Stop ran)
//   send_throws    Send throws (which the SDK forbids; the host must cope)
//   per_recipient  the per-recipient count it declares in Limits (may be bad)
// Send answers Sent("probe-<n>"); the text "register-webhook" makes it try to
// register a webhook outside Start and answer Failed(<the host's refusal>).
// Each webhook delivers the body as text with provider_id = query "id".
#include <atomic>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "vikno/sdk/entry.h"

namespace {

using namespace vikno::sdk;

class ProbeChannel final : public Channel {
 public:
  explicit ProbeChannel(const Settings& s)
      : hooks_(s.String("hooks", "hook")),
        fail_start_(s.Bool("fail_start", false)),
        stop_marker_(s.String("stop_marker")),
        send_throws_(s.Bool("send_throws", false)),
        per_recipient_(static_cast<int>(s.Int("per_recipient", 0, -1, 100))) {}

  Status Start(Host& host) override {
    host_ = &host;
    std::stringstream list(hooks_);
    std::string path;
    while (std::getline(list, path, ',')) {
      Status s = host.RegisterWebhook(path, [this](const WebhookRequest& r) { return OnHook(r); });
      if (!s.ok) return s;
    }
    if (fail_start_) return Status::Error("provider refused the token (probe)");
    return Status::Ok();
  }

  void Stop() override {
    if (!stop_marker_.empty()) {
      if (FILE* f = std::fopen(stop_marker_.c_str(), "a")) {
        std::fputs("stop\n", f);
        std::fclose(f);
      }
    }
    host_ = nullptr;
  }

  SendResult Send(const OutboundMessage& m) override {
    if (send_throws_) throw std::runtime_error("probe send failure");
    if (m.text == "register-webhook") {
      Status s =
          host_->RegisterWebhook("late", [](const WebhookRequest&) { return WebhookResponse{}; });
      if (!s.ok) return SendResult::Failed(s.message);
    }
    return SendResult::Sent("probe-" + std::to_string(++sent_));
  }

  RateLimit Limits() const override {
    RateLimit l;
    l.overall.count = 5;
    l.per_recipient.count = per_recipient_;
    return l;
  }

 private:
  WebhookResponse OnHook(const WebhookRequest& r) {
    InboundMessage m;
    auto id = r.query.find("id");
    if (id != r.query.end()) m.provider_id = id->second;
    m.chat_id = "chat-1";
    m.text = r.body;
    Status s = host_->Deliver(std::move(m));
    WebhookResponse out;
    out.status = s.ok ? 200 : 503;
    out.body = s.ok ? r.path : s.message;
    return out;
  }

  Host* host_ = nullptr;
  const std::string hooks_;
  const bool fail_start_;
  const std::string stop_marker_;
  const bool send_throws_;
  const int per_recipient_;
  std::atomic<int> sent_{0};
};

}  // namespace

VIKNO_DEFINE_CHANNEL(ProbeChannel)
