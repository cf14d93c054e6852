// Shared by the Telegram channel tests: the host double (TestHost, the
// common one in tests/support/channel_host.h serving webhooks under
// /hooks/telegram/) and the telegram-test-api emulator as a child process.
#pragma once

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "support/channel_host.h"

namespace vikno::telegram::testing {

using vikno::testing::HttpAnswer;
using vikno::testing::HttpPost;
using vikno::testing::ParseObject;
using vikno::testing::WaitFor;

class TestHost final : public vikno::testing::ChannelHost {
 public:
  TestHost() : ChannelHost("telegram", Webhooks::kServe) {}
  // The emulator never sends X-Telegram-Bot-Api-Secret-Token (CHANNELS.md
  // §5). With this set, the double adds the header to webhook requests that
  // lack it, standing in for real Telegram, which sends it once setWebhook
  // had a secret_token. Off by default.
  void set_add_secret_header(std::string secret) {
    set_missing_header("x-telegram-bot-api-secret-token", std::move(secret));
  }
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
