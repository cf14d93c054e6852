// A FAKE Viber REST Bot API, written for these tests and the bench: there is
// no Viber server emulator (CHANNELS.md §5), so this small Poco HTTP server
// stands in for chatapi.viber.com/pa. It is not a Viber implementation; it
// answers what the tests script and records what the plugin sends:
//   - X-Viber-Auth-Token checked (status 2 otherwise); HTTP 200 with a
//     "status" for every answer, as Viber does;
//   - get_account_info, set_webhook (which, like Viber, first POSTs a signed
//     "webhook" event to the URL and fails with status 1 unless it gets 200),
//     send_message, broadcast_message (badData above 300 receivers or 30 KB);
//   - message_token values above 2^53, written as bare JSON integers;
//   - a sliding-window rate limit (status 12 beyond N requests per period),
//     receivers that unsubscribed (status 6, or failed_list entries), and
//     scripted failures (HTTP status or Viber status for the next calls);
//   - media files served at /media/<name> for residents' pictures.
#pragma once

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/JSON/Array.h>
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
#include <Poco/SHA2Engine.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace vikno::viber::testing {

// The fake's own HMAC-SHA256 (Poco 1.11's SHA2Engine lacks HMACEngine's
// BLOCK_SIZE/DIGEST_SIZE), used to sign the callbacks it sends.
class FakeSha256 : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  FakeSha256() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};
inline std::string FakeSign(const std::string& token, const std::string& body) {
  Poco::HMACEngine<FakeSha256> hmac(token);
  hmac.update(body);
  return Poco::DigestEngine::digestToHex(hmac.digest());
}

class FakeViberApi {
 public:
  struct Call {
    std::string method;
    std::string body;
    Poco::JSON::Object::Ptr params;
    int status = 0;  // the Viber status answered
    std::string token;
  };

  explicit FakeViberApi(std::string token, int threads = 8)
      : token_(std::move(token)), socket_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(threads);
    params->setMaxQueued(256);
    params->setKeepAlive(true);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(this), socket_, params);
    server_->start();
  }
  ~FakeViberApi() { server_->stopAll(true); }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/pa"; }
  std::string media_url(const std::string& name) const {
    return "http://127.0.0.1:" + std::to_string(port()) + "/media/" + name;
  }
  int port() const { return socket_.address().port(); }

  // At most `count` send_message/broadcast_message requests in any `period`;
  // beyond, status 12. count 0: no limit.
  void SetRateLimit(int count, std::chrono::milliseconds period) {
    std::lock_guard lock(mu_);
    rate_count_ = count;
    rate_period_ = period;
  }
  void Unsubscribe(const std::string& user) {
    std::lock_guard lock(mu_);
    unsubscribed_.insert(user);
  }
  void AddMedia(const std::string& name, std::string bytes) {
    std::lock_guard lock(mu_);
    media_[name] = std::move(bytes);
  }
  // The next `count` calls of `method` answer HTTP `http_status` (when not
  // 200) or HTTP 200 with Viber `status`.
  void FailNext(const std::string& method, int count, int http_status, int status = 0) {
    std::lock_guard lock(mu_);
    failures_[method] = {count, http_status, status};
  }
  // Keep only counts and receivers of sends (the bench: no bodies).
  void set_light(bool light) {
    std::lock_guard lock(mu_);
    light_ = light;
  }

  std::vector<Call> calls(const std::string& method) {
    std::lock_guard lock(mu_);
    std::vector<Call> out;
    for (const auto& c : calls_)
      if (c.method == method) out.push_back(c);
    return out;
  }
  // Every receiver a send_message or broadcast_message accepted, in order.
  std::vector<std::string> accepted_receivers() {
    std::lock_guard lock(mu_);
    return accepted_;
  }
  int64_t accepted_requests() {
    std::lock_guard lock(mu_);
    return accepted_requests_;
  }
  // When each accepted send request arrived, in order.
  std::vector<std::chrono::steady_clock::time_point> accepted_times() {
    std::lock_guard lock(mu_);
    return accepted_times_;
  }
  int64_t throttled_requests() {
    std::lock_guard lock(mu_);
    return throttled_;
  }
  // HTTP status the plugin answered to the "webhook" check of set_webhook.
  int webhook_check_status() {
    std::lock_guard lock(mu_);
    return webhook_check_status_;
  }
  // Where set_webhook said callbacks go.
  std::string webhook_url() {
    std::lock_guard lock(mu_);
    return webhook_url_;
  }

  // What Viber does when a user acts (writes, presses a button, shares a
  // location): `body`, a callback event, POSTed signed to the URL the last
  // successful set_webhook registered. The HTTP status the bot answered; 0
  // when no webhook is set or it is unreachable.
  int Callback(const std::string& body) {
    std::string url;
    {
      std::lock_guard lock(mu_);
      if (webhook_check_status_ != 200) return 0;
      url = webhook_url_;
    }
    return PostSigned(url, body);
  }

  static constexpr const char* kFirstToken = "5098034272017990001";

 private:
  struct Failure {
    int count = 0;
    int http_status = 200;
    int status = 0;
  };

  static std::string Status(int status, const std::string& message, const std::string& extra = "") {
    return R"({"status":)" + std::to_string(status) + R"(,"status_message":")" + message + "\"" +
           extra + "}";
  }

  void Reply(Poco::Net::HTTPServerResponse& response, int http, const std::string& body) {
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(http));
    response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
  }

  // The next token: 5098034272017990001, ...02, ... (above 2^53, exact).
  std::string NextToken() {
    return std::to_string(5098034272017990001ULL + static_cast<uint64_t>(tokens_++));
  }

  // Sends Viber's "webhook" check to `url`, signed; the HTTP status it got.
  int CheckWebhook(const std::string& url) {
    return PostSigned(
        url,
        R"({"event":"webhook","timestamp":1790000000000,"chat_hostname":"SN-FAKE_","message_token":5098034272017990000})");
  }

  // POSTs `body` to `url` signed as Viber signs callbacks; the HTTP status
  // it got (0: unreachable).
  int PostSigned(const std::string& url, const std::string& body) {
    try {
      Poco::URI uri(url);
      Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
      session.setTimeout(Poco::Timespan(10, 0));
      Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri.getPathAndQuery(),
                                     Poco::Net::HTTPMessage::HTTP_1_1);
      request.setContentType("application/json");
      request.set("X-Viber-Content-Signature", FakeSign(token_, body));
      request.setContentLength(static_cast<std::streamsize>(body.size()));
      session.sendRequest(request) << body;
      Poco::Net::HTTPResponse response;
      std::string ignored;
      Poco::StreamCopier::copyToString(session.receiveResponse(response), ignored);
      return static_cast<int>(response.getStatus());
    } catch (const Poco::Exception&) {
      return 0;
    }
  }

  // Sliding window over accepted sends; true when this one is within it.
  bool WithinRate() {
    if (rate_count_ <= 0) return true;
    const auto now = std::chrono::steady_clock::now();
    while (!window_.empty() && window_.front() + rate_period_ <= now) window_.pop_front();
    if (static_cast<int>(window_.size()) >= rate_count_) return false;
    window_.push_back(now);
    return true;
  }

  void Handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const std::string uri = request.getURI();
    if (uri.rfind("/media/", 0) == 0) {
      std::string bytes;
      {
        std::lock_guard lock(mu_);
        auto it = media_.find(uri.substr(7));
        if (it == media_.end()) {
          response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
          response.send() << "no such media";
          return;
        }
        bytes = it->second;
      }
      response.setContentType("image/jpeg");
      response.setContentLength(static_cast<std::streamsize>(bytes.size()));
      response.send() << bytes;
      return;
    }
    if (uri.rfind("/pa/", 0) != 0) {
      Reply(response, 404, "{}");
      return;
    }
    Call call;
    call.method = uri.substr(4);
    Poco::StreamCopier::copyToString(request.stream(), call.body);
    if (request.get("X-Viber-Auth-Token", "") != token_) {
      Reply(response, 200, Status(2, "invalidAuthToken"));
      return;
    }
    try {
      Poco::JSON::Parser parser;
      call.params = parser.parse(call.body).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
      Reply(response, 200, Status(3, "badData"));
      return;
    }
    const std::string& m = call.method;
    std::unique_lock lock(mu_);
    if (auto it = failures_.find(m); it != failures_.end() && it->second.count > 0) {
      --it->second.count;
      const Failure f = it->second;
      calls_.push_back(call);
      lock.unlock();
      if (f.http_status != 200)
        Reply(response, f.http_status, "<html>proxy error</html>");
      else
        Reply(response, 200, Status(f.status, "scripted failure"));
      return;
    }
    std::string answer;
    if (m == "get_account_info") {
      answer = Status(0, "ok", R"(,"id":"pa:1","name":"Суми: міська служба","uri":"sumy")");
    } else if (m == "set_webhook") {
      webhook_url_ = call.params->optValue<std::string>("url", "");
      lock.unlock();
      const int got = CheckWebhook(webhook_url_);
      lock.lock();
      webhook_check_status_ = got;
      answer = got == 200 ? Status(0, "ok", R"(,"event_types":["delivered","seen"])")
                          : Status(1, "invalidUrl");
    } else if (m == "send_message" || m == "broadcast_message") {
      answer = Send(call);
    } else {
      answer = Status(3, "badData: unknown method");
    }
    Poco::JSON::Parser parser;
    call.status = parser.parse(answer).extract<Poco::JSON::Object::Ptr>()->getValue<int>("status");
    if (!light_ || call.status != 0 || (m != "send_message" && m != "broadcast_message"))
      calls_.push_back(call);
    lock.unlock();
    Reply(response, 200, answer);
  }

  // Under mu_.
  std::string Send(Call& call) {
    const bool broadcast = call.method == "broadcast_message";
    if (call.body.size() > 30 * 1024) return Status(3, "badData: over 30 KB");
    Poco::JSON::Object::Ptr sender = call.params->getObject("sender");
    if (!sender || !sender->has("name")) return Status(4, "missingData: sender.name");
    if (sender->getValue<std::string>("name").empty()) return Status(3, "badData: sender.name");
    std::vector<std::string> receivers;
    if (broadcast) {
      Poco::JSON::Array::Ptr list = call.params->getArray("broadcast_list");
      if (!list || list->size() == 0) return Status(4, "missingData: broadcast_list");
      if (list->size() > 300) return Status(3, "badData: more than 300 receivers");
      for (size_t i = 0; i < list->size(); ++i)
        receivers.push_back(list->getElement<std::string>(static_cast<unsigned>(i)));
    } else {
      if (!call.params->has("receiver")) return Status(4, "missingData: receiver");
      receivers.push_back(call.params->getValue<std::string>("receiver"));
    }
    if (!WithinRate()) {
      ++throttled_;
      return Status(12, "tooManyRequests");
    }
    if (!broadcast && unsubscribed_.count(receivers[0])) return Status(6, "notSubscribed");
    ++accepted_requests_;
    accepted_times_.push_back(std::chrono::steady_clock::now());
    std::string failed;
    for (const auto& r : receivers) {
      if (unsubscribed_.count(r)) {
        failed += std::string(failed.empty() ? "" : ",") + R"({"receiver":")" + r +
                  R"(","status":6,"status_message":"Not subscribed"})";
        continue;
      }
      accepted_.push_back(r);
    }
    const std::string token = NextToken();
    call.token = token;
    return Status(0, "ok",
                  R"(,"message_token":)" + token + R"(,"chat_hostname":"SN-FAKE_")" +
                      (broadcast ? R"(,"failed_list":[)" + failed + "]" : std::string()));
  }

  class Handler final : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(FakeViberApi* api) : api_(api) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      api_->Handle(request, response);
    }

   private:
    FakeViberApi* api_;
  };
  class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(FakeViberApi* api) : api_(api) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(api_);
    }

   private:
    FakeViberApi* api_;
  };

  const std::string token_;
  std::mutex mu_;
  int rate_count_ = 0;
  std::chrono::milliseconds rate_period_{10000};
  std::deque<std::chrono::steady_clock::time_point> window_;
  std::set<std::string> unsubscribed_;
  std::map<std::string, std::string> media_;
  std::map<std::string, Failure> failures_;
  bool light_ = false;
  std::vector<Call> calls_;
  std::vector<std::string> accepted_;
  int64_t accepted_requests_ = 0;
  std::vector<std::chrono::steady_clock::time_point> accepted_times_;
  int64_t throttled_ = 0;
  int64_t tokens_ = 0;
  int webhook_check_status_ = 0;
  std::string webhook_url_;
  Poco::Net::ServerSocket socket_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace vikno::viber::testing
