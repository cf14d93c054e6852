// examples/echo-channel, built out of tree against the installed SDK by the
// fixture plugins_build_echo_out_of_tree, loaded as a host would load it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <vector>

#include "plugins/channel_registry.h"
#include "plugins/plugin_loader.h"
#include "test_support.h"

namespace vikno {
namespace {

using testing::FixedClock;
using ::testing::HasSubstr;
using testing::Post;
using testing::RecordingSink;

const char* kEcho = VIKNO_TEST_ECHO_SO;

// A test double of the host that records what the channel asks of it.
class FakeHost final : public sdk::Host {
 public:
  class Lines final : public sdk::Logger {
   public:
    void Log(Level level, const std::string& m) override {
      std::lock_guard lock(mu);
      lines.push_back(m);
    }
    std::mutex mu;
    std::vector<std::string> lines;
  };

  const std::string& ChannelName() const override { return name_; }
  sdk::Status Deliver(sdk::InboundMessage m) override {
    delivered.push_back(std::move(m));
    return sdk::Status::Ok();
  }
  sdk::Status RegisterWebhook(const std::string& path, sdk::WebhookHandler handler) override {
    hooks[path] = std::move(handler);
    return sdk::Status::Ok();
  }
  std::string WebhookUrl(const std::string& path) const override {
    return "https://city.test/hooks/echo/" + path;
  }
  void ReportDelivery(const std::string& id, sdk::DeliveryState, const std::string&) override {
    receipts.push_back(id);
  }
  sdk::Logger& Log() override { return log; }
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1'790'000'000));
  }

  std::vector<sdk::InboundMessage> delivered;
  std::map<std::string, sdk::WebhookHandler> hooks;
  std::vector<std::string> receipts;
  Lines log;

 private:
  std::string name_ = "echo";
};

class EchoChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kEcho))
        << kEcho << " is missing: run this test through ctest, whose fixture "
        << "plugins_build_echo_out_of_tree builds it";
  }
};

TEST_F(EchoChannelTest, OutOfTreeBuildLoadsSendsAndDeliversThroughAFakeHost) {
  auto loaded = PluginLoader::Load("echo", kEcho, {{"max_text", "20"}, {"per_second", "3"}});
  ASSERT_TRUE(loaded.ok()) << loaded.refusal().message;
  sdk::Channel& channel = loaded.value()->channel();
  FakeHost host;
  ASSERT_TRUE(channel.Start(host).ok);
  ASSERT_EQ(host.hooks.count("inbound"), 1u);
  EXPECT_EQ(channel.Limits().overall.count, 3);

  sdk::OutboundMessage out;
  out.id = "o1";
  out.chat_id = "42";
  out.text = "Прийнято";
  out.keyboard = sdk::Keyboard{};
  sdk::Button yes, no;
  yes.text = "Так";
  yes.data = "yes";
  no.text = "Ні";
  no.data = "no";
  out.keyboard->rows = {{yes, no}};
  auto sent = channel.Send(out);
  EXPECT_EQ(sent.outcome, sdk::SendResult::Outcome::kSent);
  EXPECT_EQ(sent.provider_message_id, "echo-1");
  EXPECT_EQ(channel.Send(out).provider_message_id, "echo-2");
  EXPECT_THAT(host.log.lines, ::testing::Contains("echo to 42: Прийнято [buttons: Так Ні]"));

  out.text = std::string(21, 'x');  // over max_text: a permanent failure
  auto failed = channel.Send(out);
  EXPECT_EQ(failed.outcome, sdk::SendResult::Outcome::kFailed);
  EXPECT_THAT(failed.reason, HasSubstr("at most 20"));

  auto answer = host.hooks["inbound"](Post({{"chat", "42"}, {"id", "m-1"}}, "Не горить ліхтар"));
  EXPECT_EQ(answer.status, 200);
  auto press = host.hooks["inbound"](Post({{"chat", "42"}, {"id", "m-2"}, {"button", "yes"}}, ""));
  EXPECT_EQ(press.status, 200);
  ASSERT_EQ(host.delivered.size(), 2u);
  EXPECT_EQ(host.delivered[0].provider_id, "m-1");
  EXPECT_EQ(host.delivered[0].chat_id, "42");
  EXPECT_EQ(host.delivered[0].text, "Не горить ліхтар");
  EXPECT_EQ(host.delivered[0].sent_at, host.Now());
  EXPECT_EQ(host.delivered[1].button, std::optional<std::string>("yes"));

  sdk::WebhookRequest get;
  get.method = "GET";
  EXPECT_EQ(host.hooks["inbound"](get).status, 405);
  EXPECT_EQ(host.hooks["inbound"](Post({{"chat", "42"}}, "x")).status, 400);
  EXPECT_EQ(host.delivered.size(), 2u);

  channel.Stop();
  EXPECT_THAT(host.log.lines, ::testing::Contains("echo channel stopped"));
}

TEST_F(EchoChannelTest, RunsInTheRegistryWithItsWebhookUnderHooks) {
  RecordingSink sink;
  FixedClock clock;
  ChannelRegistry registry(sink, clock, "https://city.test/");
  auto reports = registry.StartAll({{"echo", kEcho, {}}});
  ASSERT_TRUE(reports[0].running) << reports[0].error;
  auto answer = registry.HandleWebhook("echo", "inbound", Post({{"chat", "7"}, {"id", "a"}}, "hi"));
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200);
  auto accepted = sink.accepted();
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].channel, "echo");
  EXPECT_EQ(accepted[0].message.sent_at, std::chrono::system_clock::time_point(clock.Now()));
  EXPECT_EQ(registry
                .Send("echo",
                      [] {
                        sdk::OutboundMessage m;
                        m.chat_id = "7";
                        m.text = "ok";
                        return m;
                      }())
                .provider_message_id,
            "echo-1");
  EXPECT_EQ(registry.Limits("echo")->overall.count, 10);  // the default per_second
  registry.StopAll();
  EXPECT_FALSE(registry.HandleWebhook("echo", "inbound", Post({{"chat", "7"}, {"id", "b"}}, "x"))
                   .has_value());
}

TEST_F(EchoChannelTest, BadSettingsAreRefusedWithEveryProblem) {
  auto loaded = PluginLoader::Load("echo", kEcho, {{"max_text", "many"}, {"per_second", "0"}});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.refusal().code, PluginLoader::kCreateFailed);
  EXPECT_THAT(loaded.refusal().message, HasSubstr("max_text: expected an integer, got 'many'"));
  EXPECT_THAT(loaded.refusal().message, HasSubstr("per_second: 0 is outside 1..1000"));
}

}  // namespace
}  // namespace vikno
