// Shared by the plugin tests: a recording ChannelSink, a fixed clock, and a
// fresh scratch directory per test.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "plugins/channel_registry.h"

namespace vikno::testing {

class RecordingSink final : public ChannelSink {
 public:
  struct Accepted {
    std::string channel;
    sdk::InboundMessage message;
  };
  struct Receipt {
    std::string channel, provider_message_id, detail;
    sdk::DeliveryState state;
  };

  sdk::Status Accept(const std::string& channel, sdk::InboundMessage message) override {
    std::lock_guard lock(mu_);
    if (refuse_) return sdk::Status::Error("intake queue is full");
    accepted_.push_back({channel, std::move(message)});
    return sdk::Status::Ok();
  }
  void DeliveryReport(const std::string& channel, const std::string& id, sdk::DeliveryState state,
                      const std::string& detail) override {
    std::lock_guard lock(mu_);
    receipts_.push_back({channel, id, detail, state});
  }
  void set_refuse(bool refuse) {
    std::lock_guard lock(mu_);
    refuse_ = refuse;
  }
  std::vector<Accepted> accepted() {
    std::lock_guard lock(mu_);
    return accepted_;
  }

 private:
  std::mutex mu_;
  bool refuse_ = false;
  std::vector<Accepted> accepted_;
  std::vector<Receipt> receipts_;
};

class FixedClock final : public Clock {
 public:
  Timestamp Now() const override { return FromUnix(1'790'000'000); }
};

// An empty directory named after the running test.
inline std::filesystem::path ScratchDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir = std::filesystem::path(VIKNO_TEST_TMP_DIR) /
                              (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline sdk::WebhookRequest Post(std::map<std::string, std::string> query, std::string body) {
  sdk::WebhookRequest r;
  r.method = "POST";
  r.query = std::move(query);
  r.body = std::move(body);
  return r;
}

}  // namespace vikno::testing
