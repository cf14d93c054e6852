// Shared by the SMS channel's integration tests and its bench: the test SMSC
// (tests/peers/smsc.js on npm smpp) as a child process, its control API, and
// a TEST DOUBLE of the vikno host that records what the channel delivers and
// the receipts it reports (optionally recording them in a real Store, as the
// host does, to show they match outbox rows).
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vikno/sdk/host.h"

namespace vikno::sms::testing {

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
  std::string body;
};

inline HttpAnswer Http(int port, const std::string& method, const std::string& path,
                       const std::string& body = "") {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpAnswer answer;
  answer.status = static_cast<int>(response.getStatus());
  Poco::StreamCopier::copyToString(in, answer.body);
  return answer;
}

// The test SMSC (tests/peers/smsc.js), started on free loopback ports.
// Closing its stdin stops it; the destructor does that and waits.
class Smsc {
 public:
  explicit Smsc(int tps = 50, std::map<std::string, std::string> extra_env = {}) {
    const std::filesystem::path peers = VIKNO_TEST_PEERS_DIR;
    if (!std::filesystem::exists(peers / "node_modules" / "smpp")) {
      error_ = "npm smpp is not installed: run `npm ci --prefix tests/peers`";
      return;
    }
    Poco::Process::Args args = {(peers / "smsc.js").string(), "0", "0"};
    Poco::Process::Env env = {{"NODE_PATH", (peers / "node_modules").string()},
                              {"SMSC_SYSTEM_ID", "vikno"},
                              {"SMSC_PASSWORD", "secret"},
                              {"SMSC_TPS", std::to_string(tps)}};
    for (auto& [k, v] : extra_env) env[k] = v;
    try {
      handle_ = std::make_unique<Poco::ProcessHandle>(
          Poco::Process::launch("node", args, peers.string(), &in_, &out_, nullptr, env));
    } catch (const Poco::Exception& e) {
      error_ = "cannot start node: " + e.displayText();
      return;
    }
    Poco::PipeInputStream out(out_);
    std::string word, kind1, addr1, kind2, addr2;
    out >> word >> kind1 >> addr1 >> kind2 >> addr2;  // "listening smpp H:P http H:P"
    if (word != "listening" || addr1.rfind(':') == std::string::npos ||
        addr2.rfind(':') == std::string::npos) {
      error_ = "the SMSC did not start (got '" + word + "')";
      return;
    }
    smpp_port_ = std::stoi(addr1.substr(addr1.rfind(':') + 1));
    http_port_ = std::stoi(addr2.substr(addr2.rfind(':') + 1));
  }
  ~Smsc() {
    if (!handle_) return;
    in_.close();
    std::thread killer([pid = handle_->id()] {
      if (!WaitFor([&] { return !Poco::Process::isRunning(pid); }, std::chrono::seconds(5)))
        Poco::Process::kill(pid);
    });
    handle_->wait();
    killer.join();
  }
  const std::string& error() const { return error_; }
  int smpp_port() const { return smpp_port_; }
  int http_port() const { return http_port_; }

  Poco::JSON::Array::Ptr GetArray(const std::string& path) {
    HttpAnswer a = Http(http_port_, "GET", path);
    Poco::JSON::Parser parser;
    return parser.parse(a.body).extract<Poco::JSON::Array::Ptr>();
  }
  Poco::JSON::Object::Ptr Post(const std::string& path, const std::string& body) {
    HttpAnswer a = Http(http_port_, "POST", path, body);
    Poco::JSON::Parser parser;
    return parser.parse(a.body).extract<Poco::JSON::Object::Ptr>();
  }
  Poco::JSON::Array::Ptr Submitted() { return GetArray("/submitted"); }
  Poco::JSON::Array::Ptr Events() { return GetArray("/events"); }
  int Binds() {
    HttpAnswer a = Http(http_port_, "GET", "/sessions");
    Poco::JSON::Parser parser;
    return parser.parse(a.body).extract<Poco::JSON::Object::Ptr>()->getValue<int>("binds");
  }
  int Bound() {
    HttpAnswer a = Http(http_port_, "GET", "/sessions");
    Poco::JSON::Parser parser;
    return parser.parse(a.body).extract<Poco::JSON::Object::Ptr>()->getValue<int>("bound");
  }
  // How many PDUs of `command` (with `status`, when given) ESMEs sent.
  int CountEvents(const std::string& command, int status = -1) {
    int n = 0;
    auto events = Events();
    for (size_t i = 0; i < events->size(); ++i) {
      auto e = events->getObject(static_cast<unsigned>(i));
      if (e->getValue<std::string>("command") == command &&
          (status < 0 || e->getValue<int>("status") == status))
        ++n;
    }
    return n;
  }

 private:
  std::string error_;
  int smpp_port_ = 0, http_port_ = 0;
  Poco::Pipe in_, out_;
  std::unique_ptr<Poco::ProcessHandle> handle_;
};

// A TEST DOUBLE of the vikno host.
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

  const std::string& ChannelName() const override { return name_; }
  sdk::Status Deliver(sdk::InboundMessage message) override {
    std::lock_guard lock(mu_);
    if (refuse_) return sdk::Status::Error("intake queue is full");
    // The host's own de-duplication by provider_id.
    for (const auto& m : delivered_)
      if (m.provider_id == message.provider_id) return sdk::Status::Ok();
    delivered_.push_back(std::move(message));
    return sdk::Status::Ok();
  }
  sdk::Status RegisterWebhook(const std::string&, sdk::WebhookHandler) override {
    return sdk::Status::Error("the SMS channel registers no webhook");
  }
  std::string WebhookUrl(const std::string&) const override { return ""; }
  void ReportDelivery(const std::string& id, sdk::DeliveryState state,
                      const std::string& detail) override {
    std::function<void(const Report&)> sink;
    {
      std::lock_guard lock(mu_);
      reports_.push_back({id, state, detail});
      sink = on_report_;
    }
    if (sink) sink({id, state, detail});
  }
  sdk::Logger& Log() override { return log_; }
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }

  std::vector<sdk::InboundMessage> delivered() {
    std::lock_guard lock(mu_);
    return delivered_;
  }
  std::vector<Report> reports() {
    std::lock_guard lock(mu_);
    return reports_;
  }
  void set_refuse(bool refuse) {
    std::lock_guard lock(mu_);
    refuse_ = refuse;
  }
  // What the real host does with a receipt (e.g. Store::RecordOutboxReceipt).
  void set_on_report(std::function<void(const Report&)> f) {
    std::lock_guard lock(mu_);
    on_report_ = std::move(f);
  }
  Lines& lines() { return log_; }

 private:
  std::string name_ = "sms";
  Lines log_;
  std::mutex mu_;
  bool refuse_ = false;
  std::vector<sdk::InboundMessage> delivered_;
  std::vector<Report> reports_;
  std::function<void(const Report&)> on_report_;
};

}  // namespace vikno::sms::testing
