#include "integration/outbox/http_peer.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <thread>

namespace vikno::testing {

class HttpPeer::Handler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(HttpPeer& peer) : peer_(peer) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    std::string body;
    Poco::StreamCopier::copyToString(request.stream(), body);
    const Reply reply =
        peer_.Handle(request.get("Idempotency-Key", ""), request.get("X-Chat-Id", ""), body);
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
    if (reply.retry_after > 0) response.set("Retry-After", std::to_string(reply.retry_after));
    response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
    response.send() << reply.body;
  }

 private:
  HttpPeer& peer_;
};

class HttpPeer::Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(HttpPeer& peer) : peer_(peer) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(peer_);
  }

 private:
  HttpPeer& peer_;
};

HttpPeer::HttpPeer() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  port_ = socket.address().port();
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(16);
  params->setKeepAlive(true);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
  server_->start();
}

HttpPeer::~HttpPeer() { server_->stopAll(true); }

void HttpPeer::Script(const std::string& key, std::vector<Reply> replies) {
  std::lock_guard lock(mu_);
  for (auto& r : replies) script_[key].push_back(std::move(r));
}

void HttpPeer::SetDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  delay_ = delay;
}

HttpPeer::Reply HttpPeer::Handle(const std::string& key, const std::string& chat_id,
                                 const std::string& text) {
  std::chrono::milliseconds delay;
  Reply reply;
  {
    std::lock_guard lock(mu_);
    delay = delay_;
    const Receipt receipt{key, chat_id, text, std::chrono::steady_clock::now()};
    raw_.push_back(receipt);
    if (key.empty()) return Reply{400, 0, "no Idempotency-Key"};
    if (auto it = script_.find(key); it != script_.end() && !it->second.empty()) {
      reply = it->second.front();
      it->second.pop_front();
    } else if (auto id = ids_.find(key); id != ids_.end()) {
      ++duplicates_;  // a provider with idempotency keys answers with the first id
      reply = Reply{200, 0, id->second};
    } else {
      const std::string provider_id = "p-" + std::to_string(ids_.size() + 1);
      ids_[key] = provider_id;
      delivered_.push_back(receipt);
      reply = Reply{200, 0, provider_id};
    }
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  return reply;
}

std::vector<HttpPeer::Receipt> HttpPeer::RawLog() const {
  std::lock_guard lock(mu_);
  return raw_;
}

std::vector<HttpPeer::Receipt> HttpPeer::Delivered() const {
  std::lock_guard lock(mu_);
  return delivered_;
}

size_t HttpPeer::DeliveredCount() const {
  std::lock_guard lock(mu_);
  return delivered_.size();
}

size_t HttpPeer::DuplicatesCaught() const {
  std::lock_guard lock(mu_);
  return duplicates_;
}

}  // namespace vikno::testing
