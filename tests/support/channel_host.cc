#include "support/channel_host.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>

#include <algorithm>
#include <cctype>
#include <utility>

namespace vikno::testing {

// --- Lines ---

void ChannelHost::Lines::Log(Level, const std::string& m) {
  std::lock_guard lock(mu_);
  lines_.push_back(m);
}

std::vector<std::string> ChannelHost::Lines::lines() {
  std::lock_guard lock(mu_);
  return lines_;
}

bool ChannelHost::Lines::Contains(const std::string& part) {
  std::lock_guard lock(mu_);
  return std::any_of(lines_.begin(), lines_.end(),
                     [&](const std::string& l) { return l.find(part) != std::string::npos; });
}

std::string ChannelHost::Lines::Joined() {
  std::lock_guard lock(mu_);
  std::string all;
  for (const auto& l : lines_) all += l + "\n";
  return all;
}

// --- The webhook server ---

class ChannelHost::Handler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(ChannelHost* host) : host_(host) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    sdk::WebhookRequest r;
    r.method = request.getMethod();
    const std::string prefix = "/hooks/" + host_->name_ + "/";
    const std::string uri = request.getURI();
    r.path = uri.rfind(prefix, 0) == 0 ? uri.substr(prefix.size()) : uri;
    if (auto q = r.path.find('?'); q != std::string::npos) r.path.resize(q);
    for (const auto& [k, v] : request) {
      std::string key = k;
      std::transform(key.begin(), key.end(), key.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      r.headers[key] = v;
    }
    Poco::StreamCopier::copyToString(request.stream(), r.body);
    r.remote_address = request.clientAddress().toString();
    sdk::WebhookHandler handler;
    {
      std::lock_guard lock(host_->mu_);
      auto it = host_->hooks_.find(r.path);
      if (it != host_->hooks_.end()) handler = it->second;
      if (!host_->missing_header_.empty() && !r.headers.count(host_->missing_header_))
        r.headers[host_->missing_header_] = host_->missing_value_;
    }
    if (!handler) {
      response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
      response.send() << "no webhook\n";
      return;
    }
    sdk::WebhookResponse answer = handler(r);
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
    response.setContentType(answer.content_type);
    response.setContentLength(static_cast<std::streamsize>(answer.body.size()));
    response.send() << answer.body;
  }

 private:
  ChannelHost* host_;
};

class ChannelHost::Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(ChannelHost* host) : host_(host) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(host_);
  }

 private:
  ChannelHost* host_;
};

// --- The host ---

ChannelHost::ChannelHost(std::string channel, Webhooks webhooks)
    : name_(std::move(channel)), webhooks_(webhooks) {
  if (webhooks_ == Webhooks::kNone) return;
  socket_ = std::make_unique<Poco::Net::ServerSocket>(Poco::Net::SocketAddress("127.0.0.1", 0));
  auto* params = new Poco::Net::HTTPServerParams;
  // Channels answer callbacks concurrently (Viber's broadcasts): enough
  // threads that a slow handler does not queue the rest.
  params->setMaxThreads(8);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(this), *socket_, params);
  server_->start();
}

ChannelHost::~ChannelHost() {
  if (server_) server_->stopAll(true);
}

int ChannelHost::port() const { return socket_ ? socket_->address().port() : 0; }

sdk::Status ChannelHost::Deliver(sdk::InboundMessage message) {
  std::lock_guard lock(mu_);
  if (refuse_) return sdk::Status::Error("intake queue is full");
  if (dedupe_)
    for (const auto& m : delivered_)
      if (m.provider_id == message.provider_id) return sdk::Status::Ok();
  delivered_.push_back(std::move(message));
  return sdk::Status::Ok();
}

sdk::Status ChannelHost::RegisterWebhook(const std::string& path, sdk::WebhookHandler handler) {
  if (webhooks_ == Webhooks::kNone)
    return sdk::Status::Error("the " + name_ + " channel registers no webhook");
  std::lock_guard lock(mu_);
  if (hooks_.count(path)) return sdk::Status::Error("path already registered: " + path);
  hooks_[path] = std::move(handler);
  return sdk::Status::Ok();
}

std::string ChannelHost::WebhookUrl(const std::string& path) const {
  if (webhooks_ == Webhooks::kNone || no_public_url_) return "";
  return "http://127.0.0.1:" + std::to_string(port()) + "/hooks/" + name_ + "/" + path;
}

void ChannelHost::ReportDelivery(const std::string& id, sdk::DeliveryState state,
                                 const std::string& detail) {
  std::function<void(const Report&)> sink;
  {
    std::lock_guard lock(mu_);
    reports_.push_back({id, state, detail});
    sink = on_report_;
  }
  if (sink) sink({id, state, detail});
}

std::vector<sdk::InboundMessage> ChannelHost::delivered() {
  std::lock_guard lock(mu_);
  return delivered_;
}

size_t ChannelHost::delivered_count() {
  std::lock_guard lock(mu_);
  return delivered_.size();
}

std::vector<ChannelHost::Report> ChannelHost::reports() {
  std::lock_guard lock(mu_);
  return reports_;
}

void ChannelHost::set_refuse(bool refuse) {
  std::lock_guard lock(mu_);
  refuse_ = refuse;
}

void ChannelHost::set_dedupe_by_provider_id(bool dedupe) {
  std::lock_guard lock(mu_);
  dedupe_ = dedupe;
}

void ChannelHost::set_no_public_url() { no_public_url_ = true; }

void ChannelHost::set_missing_header(std::string header, std::string value) {
  std::lock_guard lock(mu_);
  missing_header_ = std::move(header);
  missing_value_ = std::move(value);
}

void ChannelHost::set_on_report(std::function<void(const Report&)> sink) {
  std::lock_guard lock(mu_);
  on_report_ = std::move(sink);
}

void ChannelHost::RemoveWebhooks() {
  std::lock_guard lock(mu_);
  hooks_.clear();
}

}  // namespace vikno::testing
