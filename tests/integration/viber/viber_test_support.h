// Shared by the Viber channel tests: a test double of the host (TestHost)
// that records what the channel hands it (messages, receipts, log lines) and
// serves the channel's webhooks over real HTTP on loopback; signing and
// posting callbacks; the official Viber SDK's signature run through node.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vikno/sdk/host.h"

namespace vikno::viber::testing {

inline bool WaitFor(const std::function<bool()>& done,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

struct HttpAnswer {
  int status = 0;
  std::string content_type;
  std::string body;
};

inline HttpAnswer HttpPost(int port, const std::string& path, const std::string& body,
                           const std::map<std::string, std::string>& headers = {}) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(20, 0));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  for (const auto& [k, v] : headers) request.set(k, v);
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpAnswer answer;
  answer.status = static_cast<int>(response.getStatus());
  answer.content_type = response.getContentType();
  Poco::StreamCopier::copyToString(in, answer.body);
  return answer;
}

// A TEST DOUBLE of the vikno host: records delivered messages, delivery
// reports and log lines, and serves the registered webhooks at
// http://127.0.0.1:<port>/hooks/viber/<path> with a real Poco HTTP server,
// converting requests the way the host's HTTP layer does (header names in
// lower case, raw body).
class TestHost final : public sdk::Host {
 public:
  struct Report {
    std::string id;
    sdk::DeliveryState state;
    std::string detail;
  };

  class Lines final : public sdk::Logger {
   public:
    void Log(Level, const std::string& m) override {
      std::lock_guard lock(mu_);
      lines_.push_back(m);
    }
    bool Contains(const std::string& part) {
      std::lock_guard lock(mu_);
      return std::any_of(lines_.begin(), lines_.end(),
                         [&](const std::string& l) { return l.find(part) != std::string::npos; });
    }
    std::string Joined() {
      std::lock_guard lock(mu_);
      std::string all;
      for (const auto& l : lines_) all += l + "\n";
      return all;
    }

   private:
    std::mutex mu_;
    std::vector<std::string> lines_;
  };

  TestHost() : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(8);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(this), socket_, params);
    server_->start();
  }
  ~TestHost() override { server_->stopAll(true); }

  int port() const { return socket_.address().port(); }
  const std::string& ChannelName() const override { return name_; }

  sdk::Status Deliver(sdk::InboundMessage message) override {
    std::lock_guard lock(mu_);
    if (refuse_) return sdk::Status::Error("intake queue is full");
    delivered_.push_back(std::move(message));
    return sdk::Status::Ok();
  }
  sdk::Status RegisterWebhook(const std::string& path, sdk::WebhookHandler handler) override {
    std::lock_guard lock(mu_);
    if (hooks_.count(path)) return sdk::Status::Error("path already registered: " + path);
    hooks_[path] = std::move(handler);
    return sdk::Status::Ok();
  }
  std::string WebhookUrl(const std::string& path) const override {
    if (no_public_url_) return "";
    return "http://127.0.0.1:" + std::to_string(port()) + "/hooks/viber/" + path;
  }
  void ReportDelivery(const std::string& id, sdk::DeliveryState state,
                      const std::string& detail) override {
    std::lock_guard lock(mu_);
    reports_.push_back({id, state, detail});
  }
  sdk::Logger& Log() override { return log_; }
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }

  std::vector<sdk::InboundMessage> delivered() {
    std::lock_guard lock(mu_);
    return delivered_;
  }
  size_t delivered_count() {
    std::lock_guard lock(mu_);
    return delivered_.size();
  }
  std::vector<Report> reports() {
    std::lock_guard lock(mu_);
    return reports_;
  }
  void set_refuse(bool refuse) {
    std::lock_guard lock(mu_);
    refuse_ = refuse;
  }
  void set_no_public_url() { no_public_url_ = true; }
  // Drops the registered webhooks, as the host does before Channel::Stop.
  void RemoveWebhooks() {
    std::lock_guard lock(mu_);
    hooks_.clear();
  }
  Lines& lines() { return log_; }

 private:
  class Handler final : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(TestHost* host) : host_(host) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      sdk::WebhookRequest r;
      r.method = request.getMethod();
      const std::string prefix = "/hooks/viber/";
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
    TestHost* host_;
  };
  class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(TestHost* host) : host_(host) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(host_);
    }

   private:
    TestHost* host_;
  };

  std::string name_ = "viber";
  bool no_public_url_ = false;
  Lines log_;
  std::mutex mu_;
  bool refuse_ = false;
  std::vector<sdk::InboundMessage> delivered_;
  std::vector<Report> reports_;
  std::map<std::string, sdk::WebhookHandler> hooks_;
  Poco::Net::ServerSocket socket_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace vikno::viber::testing
