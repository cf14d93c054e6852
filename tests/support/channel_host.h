// Shared by the channel plugins' tests (tests/integration/{telegram,viber,
// sms,email}) and their benches: a TEST DOUBLE of the vikno host that records
// what a channel hands it (messages, delivery reports, log lines) and, for
// channels that take webhooks, serves them over real HTTP on loopback the way
// the host's HTTP layer does; and the small HTTP and waiting helpers those
// tests use. Library target vikno_test_channel (tests/support/CMakeLists.txt).
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vikno/sdk/host.h"

namespace Poco::Net {
class HTTPServer;
class ServerSocket;
}  // namespace Poco::Net

namespace vikno::testing {

// Polls `done` until it holds or `timeout` passes. Inline (as are the HTTP
// helpers below): tests that only start peers use them without linking the
// host double.
inline bool WaitFor(const std::function<bool()>& done,
                    std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
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

// One request to 127.0.0.1:`port` (a JSON body when there is one).
inline HttpAnswer Http(int port, const std::string& method, const std::string& path,
                       const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {}) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(20, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
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

inline HttpAnswer HttpPost(int port, const std::string& path, const std::string& body,
                           const std::map<std::string, std::string>& headers = {}) {
  return Http(port, Poco::Net::HTTPRequest::HTTP_POST, path, body, headers);
}

inline Poco::JSON::Object::Ptr ParseObject(const std::string& json) {
  Poco::JSON::Parser parser;
  return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
}

// A TEST DOUBLE of the vikno host for one channel. With Webhooks::kServe it
// serves the webhooks the channel registers at
// http://127.0.0.1:<port>/hooks/<channel>/<path> with a real Poco HTTP server,
// converting requests as the host's HTTP layer does (header names in lower
// case, raw body); with Webhooks::kNone it refuses to register any, as the
// host does for a channel that polls (SMS, e-mail).
class ChannelHost : public sdk::Host {
 public:
  enum class Webhooks { kServe, kNone };

  struct Report {
    std::string id;
    sdk::DeliveryState state;
    std::string detail;
  };

  class Lines final : public sdk::Logger {
   public:
    void Log(Level, const std::string& m) override;
    std::vector<std::string> lines();
    bool Contains(const std::string& part);
    std::string Joined();

   private:
    std::mutex mu_;
    std::vector<std::string> lines_;
  };

  ChannelHost(std::string channel, Webhooks webhooks);
  ~ChannelHost() override;
  ChannelHost(const ChannelHost&) = delete;
  ChannelHost& operator=(const ChannelHost&) = delete;

  // The loopback port of the webhook server (0 with Webhooks::kNone).
  int port() const;

  const std::string& ChannelName() const override { return name_; }
  sdk::Status Deliver(sdk::InboundMessage message) override;
  sdk::Status RegisterWebhook(const std::string& path, sdk::WebhookHandler handler) override;
  std::string WebhookUrl(const std::string& path) const override;
  void ReportDelivery(const std::string& id, sdk::DeliveryState state,
                      const std::string& detail) override;
  sdk::Logger& Log() override { return log_; }
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }

  std::vector<sdk::InboundMessage> delivered();
  size_t delivered_count();
  std::vector<Report> reports();
  Lines& lines() { return log_; }

  // Deliver answers "intake queue is full", as the host does under overload.
  void set_refuse(bool refuse);
  // Deliver drops a message whose provider_id was delivered before, as the
  // host's intake does. Off by default, so a channel's own de-duplication
  // is what a test sees.
  void set_dedupe_by_provider_id(bool dedupe);
  // WebhookUrl answers "": the host has no public URL configured.
  void set_no_public_url();
  // Adds `header` (lower case) with `value` to webhook requests that lack it,
  // standing in for a provider that sends a header its emulator does not.
  void set_missing_header(std::string header, std::string value);
  // Called with every delivery report, after it is recorded: what the real
  // host does with it (e.g. Store::RecordOutboxReceipt).
  void set_on_report(std::function<void(const Report&)> sink);
  // Drops the registered webhooks, as the host does before Channel::Stop.
  void RemoveWebhooks();

 private:
  class Handler;
  class Factory;

  const std::string name_;
  const Webhooks webhooks_;
  Lines log_;
  std::mutex mu_;
  bool refuse_ = false;
  bool dedupe_ = false;
  std::atomic<bool> no_public_url_{false};  // read by the const WebhookUrl
  std::string missing_header_, missing_value_;
  std::function<void(const Report&)> on_report_;
  std::vector<sdk::InboundMessage> delivered_;
  std::vector<Report> reports_;
  std::map<std::string, sdk::WebhookHandler> hooks_;
  std::unique_ptr<Poco::Net::ServerSocket> socket_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace vikno::testing
