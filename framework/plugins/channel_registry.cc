#include "plugins/channel_registry.h"

#include <atomic>
#include <exception>
#include <mutex>
#include <set>
#include <utility>

#include "host/logging.h"

namespace vikno {
namespace {

constexpr const char* kLogComponent = "channels";

Poco::Message::Priority ToPriority(sdk::Logger::Level level) {
  switch (level) {
    case sdk::Logger::Level::kDebug:
      return Poco::Message::PRIO_DEBUG;
    case sdk::Logger::Level::kInfo:
      return Poco::Message::PRIO_INFORMATION;
    case sdk::Logger::Level::kWarning:
      return Poco::Message::PRIO_WARNING;
    case sdk::Logger::Level::kError:
      return Poco::Message::PRIO_ERROR;
  }
  return Poco::Message::PRIO_ERROR;
}

// Every line a channel logs carries its name as a field.
class ChannelLogger final : public sdk::Logger {
 public:
  explicit ChannelLogger(std::string channel) : channel_(std::move(channel)) {}
  void Log(Level level, const std::string& message) override {
    vikno::Log(ToPriority(level), kLogComponent, message, {{"channel", channel_}});
  }

 private:
  std::string channel_;
};

// Letters, digits, '-', '_', '.', '/'; not empty, no leading '/', no "..".
bool IsWebhookPath(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.find("..") != std::string::npos) return false;
  for (char c : path) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '/';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

// The sdk::Host of one channel. Webhooks may be registered only while Start
// runs; after Close every call is refused or dropped, so a plugin that
// outlives its Stop cannot reach the host's queues.
class ChannelRegistry::ChannelHost final : public sdk::Host {
 public:
  ChannelHost(std::string name, ChannelSink& sink, const Clock& clock, std::string base_url)
      : name_(std::move(name)),
        sink_(sink),
        clock_(clock),
        base_url_(std::move(base_url)),
        logger_(name_) {}

  const std::string& ChannelName() const override { return name_; }

  sdk::Status Deliver(sdk::InboundMessage message) override {
    if (closed_) return sdk::Status::Error("channel '" + name_ + "' is stopped");
    if (message.provider_id.empty())
      return sdk::Status::Error("refused: the message has no provider_id to de-duplicate by");
    if (message.chat_id.empty())
      return sdk::Status::Error("refused: the message has no chat_id to reply to");
    try {
      return sink_.Accept(name_, std::move(message));
    } catch (const std::exception& e) {
      logger_.Error(std::string("intake failed: ") + e.what());
      return sdk::Status::Error(std::string("the host could not take the message: ") + e.what());
    }
  }

  sdk::Status RegisterWebhook(const std::string& path, sdk::WebhookHandler handler) override {
    if (!starting_)
      return sdk::Status::Error("webhooks can be registered only during Channel::Start");
    if (!IsWebhookPath(path))
      return sdk::Status::Error("bad webhook path '" + path +
                                "': use letters, digits, '-', '_', '.', '/', no leading '/'");
    if (!handler) return sdk::Status::Error("webhook '" + path + "' has no handler");
    std::lock_guard lock(hooks_mu_);
    if (!hooks_.emplace(path, std::move(handler)).second)
      return sdk::Status::Error("webhook '" + path + "' is already registered");
    return sdk::Status::Ok();
  }

  std::string WebhookUrl(const std::string& path) const override {
    if (base_url_.empty()) return "";
    std::string base = base_url_;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + kWebhookRoot + name_ + "/" + path;
  }

  void ReportDelivery(const std::string& provider_message_id, sdk::DeliveryState state,
                      const std::string& detail) override {
    if (closed_) return;
    try {
      sink_.DeliveryReport(name_, provider_message_id, state, detail);
    } catch (const std::exception& e) {
      logger_.Error("delivery report for " + provider_message_id + " failed: " + e.what());
    }
  }

  sdk::Logger& Log() override { return logger_; }

  std::chrono::system_clock::time_point Now() const override { return clock_.Now(); }

  void EndStart() { starting_ = false; }
  void Close() { closed_ = true; }

  // Only under the entry's gate: shared to look up, exclusive to clear.
  const sdk::WebhookHandler* FindHook(const std::string& path) {
    std::lock_guard lock(hooks_mu_);
    auto it = hooks_.find(path);
    return it == hooks_.end() ? nullptr : &it->second;
  }
  void ClearHooks() {
    std::lock_guard lock(hooks_mu_);
    hooks_.clear();
  }

 private:
  std::string name_;
  ChannelSink& sink_;
  const Clock& clock_;
  std::string base_url_;
  ChannelLogger logger_;
  std::atomic<bool> starting_{true};
  std::atomic<bool> closed_{false};
  std::mutex hooks_mu_;
  std::map<std::string, sdk::WebhookHandler> hooks_;
};

struct ChannelRegistry::Entry {
  std::string name;
  std::unique_ptr<LoadedChannel> loaded;
  std::unique_ptr<ChannelHost> host;
  sdk::RateLimit limits;
  // Shared while a Send or a webhook handler runs; exclusive to close, so
  // closing waits for them and none starts afterwards.
  std::shared_mutex gate;
  bool open = false;  // guarded by gate
  // Set before closing takes the gate: new calls stay out without queueing
  // on it, so a steady stream of sends cannot starve the close (glibc's
  // rwlock prefers readers).
  std::atomic<bool> closing{false};
};

ChannelRegistry::ChannelRegistry(ChannelSink& sink, const Clock& clock, std::string public_base_url)
    : sink_(sink), clock_(clock), public_base_url_(std::move(public_base_url)) {}

ChannelRegistry::~ChannelRegistry() { StopAll(); }

std::vector<ChannelStartReport> ChannelRegistry::StartAll(const std::vector<ChannelSpec>& specs) {
  std::vector<ChannelStartReport> reports;
  std::set<std::string> seen;
  for (const auto& spec : specs) {
    ChannelStartReport report;
    if (!seen.insert(spec.name).second || Find(spec.name) != nullptr) {
      report.name = spec.name;
      report.refusal_code = "duplicate_channel";
      report.error = "channel '" + spec.name + "' is configured twice; the second is not started";
    } else {
      report = StartOne(spec);
    }
    if (report.running) {
      Log(Poco::Message::PRIO_INFORMATION, kLogComponent, "channel started",
          {{"channel", spec.name}, {"library", spec.library}});
    } else {
      Log(Poco::Message::PRIO_ERROR, kLogComponent, report.error,
          {{"channel", spec.name}, {"code", report.refusal_code}});
    }
    reports.push_back(std::move(report));
  }
  return reports;
}

ChannelStartReport ChannelRegistry::StartOne(const ChannelSpec& spec) {
  ChannelStartReport report;
  report.name = spec.name;
  auto fail = [&](std::string code, std::string error) {
    report.refusal_code = std::move(code);
    report.error = std::move(error);
    return report;
  };
  if (spec.name.empty()) return fail("bad_channel_name", "a channel has no name");

  auto loaded = PluginLoader::Load(spec.name, spec.library, spec.settings);
  if (!loaded) return fail(loaded.refusal().code, loaded.refusal().message);

  auto entry = std::make_shared<Entry>();
  entry->name = spec.name;
  entry->loaded = std::move(loaded).value();
  entry->host = std::make_unique<ChannelHost>(spec.name, sink_, clock_, public_base_url_);
  sdk::Channel& channel = entry->loaded->channel();
  const std::string what = "channel '" + spec.name + "' ";

  sdk::Status started = sdk::Status::Error("no status");
  try {
    started = channel.Start(*entry->host);
  } catch (const std::exception& e) {
    started = sdk::Status::Error(std::string("threw from Start: ") + e.what());
  } catch (...) {
    started = sdk::Status::Error("threw an unknown exception from Start");
  }
  entry->host->EndStart();

  std::string code = "start_failed";
  if (started.ok) {
    try {
      entry->limits = channel.Limits();
      const sdk::Rate* rates[] = {&entry->limits.overall, &entry->limits.per_recipient};
      for (const sdk::Rate* r : rates) {
        if (r->count < 0 || r->period.count() <= 0) {
          code = "bad_limits";
          started =
              sdk::Status::Error("declared an impossible rate limit: " + std::to_string(r->count) +
                                 " per " + std::to_string(r->period.count()) + " s");
        }
      }
    } catch (...) {
      code = "bad_limits";
      started = sdk::Status::Error("threw from Limits");
    }
  }
  if (!started.ok) {
    // Stop is called after a failed Start too (channel.h): it undoes the half.
    entry->host->ClearHooks();
    try {
      channel.Stop();
    } catch (...) {
      Log(Poco::Message::PRIO_ERROR, kLogComponent, "Stop threw after a failed start",
          {{"channel", spec.name}});
    }
    entry->host->Close();
    return fail(code, what + "failed to start: " + started.message);
  }

  {
    std::unique_lock gate(entry->gate);
    entry->open = true;
  }
  std::unique_lock lock(mu_);
  entries_.push_back(std::move(entry));
  report.running = true;
  return report;
}

void ChannelRegistry::StopAll() {
  std::vector<std::shared_ptr<Entry>> entries;
  {
    std::unique_lock lock(mu_);
    entries.swap(entries_);
  }
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    Entry& e = **it;
    e.closing = true;
    {
      std::unique_lock gate(e.gate);  // waits for running sends and handlers
      e.open = false;
      e.host->ClearHooks();
    }
    try {
      e.loaded->channel().Stop();
    } catch (...) {
      Log(Poco::Message::PRIO_ERROR, kLogComponent, "Stop threw", {{"channel", e.name}});
    }
    e.host->Close();
    e.loaded.reset();  // destroys the channel, then unloads its library
    Log(Poco::Message::PRIO_INFORMATION, kLogComponent, "channel stopped", {{"channel", e.name}});
  }
}

std::shared_ptr<ChannelRegistry::Entry> ChannelRegistry::Find(const std::string& channel) const {
  std::shared_lock lock(mu_);
  for (const auto& e : entries_)
    if (e->name == channel) return e;
  return nullptr;
}

std::vector<std::string> ChannelRegistry::Running() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> names;
  for (const auto& e : entries_) names.push_back(e->name);
  return names;
}

sdk::SendResult ChannelRegistry::Send(const std::string& channel,
                                      const sdk::OutboundMessage& message) {
  // Not running may be temporary (a restart, a fixed config): keep the
  // message and let the outbox try again rather than lose it.
  constexpr std::chrono::seconds kNotRunningRetry{60};
  auto entry = Find(channel);
  if (!entry)
    return sdk::SendResult::Retry(kNotRunningRetry, "channel '" + channel + "' is not running");
  if (entry->closing)
    return sdk::SendResult::Retry(kNotRunningRetry, "channel '" + channel + "' is stopping");
  std::shared_lock gate(entry->gate);
  if (!entry->open)
    return sdk::SendResult::Retry(kNotRunningRetry, "channel '" + channel + "' is stopping");
  try {
    return entry->loaded->channel().Send(message);
  } catch (const std::exception& e) {
    return sdk::SendResult::Retry(std::chrono::seconds{30},
                                  "channel '" + channel + "' threw from Send: " + e.what());
  } catch (...) {
    return sdk::SendResult::Retry(std::chrono::seconds{30},
                                  "channel '" + channel + "' threw from Send");
  }
}

std::optional<sdk::RateLimit> ChannelRegistry::Limits(const std::string& channel) const {
  auto entry = Find(channel);
  if (!entry) return std::nullopt;
  return entry->limits;
}

std::optional<sdk::WebhookResponse> ChannelRegistry::HandleWebhook(const std::string& channel,
                                                                   const std::string& path,
                                                                   sdk::WebhookRequest request) {
  auto entry = Find(channel);
  if (!entry || entry->closing) return std::nullopt;
  std::shared_lock gate(entry->gate);
  if (!entry->open) return std::nullopt;
  const sdk::WebhookHandler* handler = entry->host->FindHook(path);
  if (handler == nullptr) return std::nullopt;
  request.path = path;
  try {
    return (*handler)(request);
  } catch (const std::exception& e) {
    Log(Poco::Message::PRIO_ERROR, kLogComponent, std::string("webhook handler threw: ") + e.what(),
        {{"channel", channel}, {"path", path}});
  } catch (...) {
    Log(Poco::Message::PRIO_ERROR, kLogComponent, "webhook handler threw",
        {{"channel", channel}, {"path", path}});
  }
  sdk::WebhookResponse failed;
  failed.status = 500;
  failed.body = "channel error\n";
  return failed;
}

}  // namespace vikno
