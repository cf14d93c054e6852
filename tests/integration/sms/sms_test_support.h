// Shared by the SMS channel's integration tests and its bench: the test SMSC
// (tests/peers/smsc.js on npm smpp) as a child process and its control API,
// and the host double (TestHost: the common one in
// tests/support/channel_host.h; no webhooks, the host's de-duplication by
// provider id, receipts optionally recorded in a real Store through
// set_on_report, as the host does, to show they match outbox rows).
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "support/channel_host.h"

namespace vikno::sms::testing {

using vikno::testing::Http;
using vikno::testing::HttpAnswer;
using vikno::testing::WaitFor;

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

class TestHost final : public vikno::testing::ChannelHost {
 public:
  TestHost() : ChannelHost("sms", Webhooks::kNone) { set_dedupe_by_provider_id(true); }
};

}  // namespace vikno::sms::testing
