// Shared by the Telegram channel tests: a test double of the host
// (TestHost) that records what the channel hands it and serves the
// channel's webhooks over real HTTP on loopback; the telegram-test-api
// emulator as a child process; small HTTP helpers.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
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
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "vikno/sdk/host.h"

namespace vikno::telegram::testing {

// Polls `done` until it holds or `timeout` passes.
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
  std::string body;
};

inline HttpAnswer HttpPost(int port, const std::string& path, const std::string& body,
                           const std::map<std::string, std::string>& headers = {}) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(10, 0));
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
  Poco::StreamCopier::copyToString(in, answer.body);
  return answer;
}

inline Poco::JSON::Object::Ptr ParseObject(const std::string& json) {
  Poco::JSON::Parser parser;
  return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
}

// A TEST DOUBLE of the vikno host: records the messages the channel
// delivers and its log lines, and serves the webhooks it registers at
// http://127.0.0.1:<port>/hooks/telegram/<path> with a real Poco HTTP
// server, converting requests the way the host's HTTP layer does (header
// names in lower case, raw body).
class TestHost final : public sdk::Host {
 public:
  class Lines final : public sdk::Logger {
   public:
    void Log(Level, const std::string& m) override {
      std::lock_guard lock(mu_);
      lines_.push_back(m);
    }
    std::vector<std::string> lines() {
      std::lock_guard lock(mu_);
      return lines_;
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
    params->setMaxThreads(4);
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
    return "http://127.0.0.1:" + std::to_string(port()) + "/hooks/telegram/" + path;
  }
  void ReportDelivery(const std::string&, sdk::DeliveryState, const std::string&) override {}
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
  void set_refuse(bool refuse) {
    std::lock_guard lock(mu_);
    refuse_ = refuse;
  }
  // The emulator never sends X-Telegram-Bot-Api-Secret-Token (CHANNELS.md
  // §5). With this set, this double adds the header to webhook requests that
  // lack it, standing in for real Telegram, which sends it once setWebhook
  // had a secret_token. Off by default.
  void set_add_secret_header(std::string secret) {
    std::lock_guard lock(mu_);
    add_secret_ = std::move(secret);
  }
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
      const std::string prefix = "/hooks/telegram/";
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
        if (!host_->add_secret_.empty() && !r.headers.count("x-telegram-bot-api-secret-token"))
          r.headers["x-telegram-bot-api-secret-token"] = host_->add_secret_;
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

  std::string name_ = "telegram";
  Lines log_;
  std::mutex mu_;
  bool refuse_ = false;
  std::string add_secret_;
  std::vector<sdk::InboundMessage> delivered_;
  std::map<std::string, sdk::WebhookHandler> hooks_;
  Poco::Net::ServerSocket socket_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

// telegram-test-api (npm, pinned in tests/peers/package.json) started by
// tests/peers/telegram-emulator.js on a free loopback port. Closing its stdin
// stops it; the destructor does that and waits.
class Emulator {
 public:
  Emulator() {
    const std::filesystem::path peers = VIKNO_TEST_PEERS_DIR;
    if (!std::filesystem::exists(peers / "node_modules" / "telegram-test-api")) {
      error_ = "telegram-test-api is not installed: run `npm ci --prefix tests/peers`";
      return;
    }
    Poco::Process::Args args = {(peers / "telegram-emulator.js").string(), "0", "127.0.0.1"};
    Poco::Process::Env env = {{"NODE_PATH", (peers / "node_modules").string()}};
    try {
      handle_ = std::make_unique<Poco::ProcessHandle>(
          Poco::Process::launch("node", args, peers.string(), &in_, &out_, nullptr, env));
    } catch (const Poco::Exception& e) {
      error_ = "cannot start node: " + e.displayText();
      return;
    }
    Poco::PipeInputStream out(out_);
    std::string word, address;
    out >> word >> address;  // "listening 127.0.0.1:PORT"
    if (word != "listening" || address.rfind(':') == std::string::npos) {
      error_ = "the emulator did not start (got '" + word + " " + address + "')";
      return;
    }
    port_ = std::stoi(address.substr(address.rfind(':') + 1));
  }
  ~Emulator() {
    if (!handle_) return;
    in_.close();  // the wrapper stops on stdin's end
    std::thread killer([pid = handle_->id(), this] {
      if (!WaitFor([&] { return !Poco::Process::isRunning(pid); }, std::chrono::seconds(5)))
        Poco::Process::kill(pid);
    });
    handle_->wait();
    killer.join();
  }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string error_;
  int port_ = 0;
  Poco::Pipe in_, out_;
  std::unique_ptr<Poco::ProcessHandle> handle_;
};

}  // namespace vikno::telegram::testing
