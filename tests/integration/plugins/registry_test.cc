// ChannelRegistry: one bad channel never stops the others; Start and Stop are
// symmetric; webhooks and sends reach only running channels.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "plugins/channel_registry.h"
#include "test_support.h"

namespace vikno {
namespace {

using ::testing::ElementsAre;
using testing::FixedClock;
using ::testing::HasSubstr;
using testing::Post;
using testing::RecordingSink;
using testing::ScratchDir;

std::string Plugin(const std::string& name) {
  return std::string(VIKNO_TEST_PLUGIN_DIR) + "/test_plugin_" + name + ".so";
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

sdk::OutboundMessage Text(std::string chat, std::string text) {
  sdk::OutboundMessage m;
  m.id = "out-1";
  m.chat_id = std::move(chat);
  m.text = std::move(text);
  return m;
}

class ChannelRegistryTest : public ::testing::Test {
 protected:
  RecordingSink sink_;
  FixedClock clock_;
};

TEST_F(ChannelRegistryTest, FailingChannelsDoNotStopTheOthers) {
  const auto dir = ScratchDir();
  ChannelRegistry registry(sink_, clock_, "");
  auto reports = registry.StartAll({
      {"good1", Plugin("probe"), {}},
      {"broken",
       Plugin("probe"),
       {{"fail_start", "true"}, {"stop_marker", (dir / "stop").string()}}},
      {"gone", (dir / "missing.so").string(), {}},
      {"old", Plugin("wrong_abi"), {}},
      {"stranger", Plugin("no_symbols"), {}},
      {"good2", Plugin("probe"), {}},
  });
  ASSERT_EQ(reports.size(), 6u);
  EXPECT_TRUE(reports[0].running);
  EXPECT_FALSE(reports[1].running);
  EXPECT_EQ(reports[1].refusal_code, "start_failed");
  EXPECT_EQ(reports[1].error,
            "channel 'broken' failed to start: provider refused the token (probe)");
  EXPECT_EQ(reports[2].refusal_code, PluginLoader::kMissing);
  EXPECT_EQ(reports[3].refusal_code, PluginLoader::kAbiMismatch);
  EXPECT_EQ(reports[4].refusal_code, PluginLoader::kNotAPlugin);
  EXPECT_TRUE(reports[5].running);
  EXPECT_THAT(registry.Running(), ElementsAre("good1", "good2"));

  // A failed Start is still undone by Stop, and its half-registered webhook
  // is unreachable.
  EXPECT_EQ(ReadFile(dir / "stop"), "stop\n");
  EXPECT_FALSE(registry.HandleWebhook("broken", "hook", Post({{"id", "1"}}, "x")).has_value());

  // The survivors work.
  EXPECT_EQ(registry.Send("good1", Text("1", "hi")).outcome, sdk::SendResult::Outcome::kSent);
  auto answer = registry.HandleWebhook("good2", "hook", Post({{"id", "u1"}}, "Не горить ліхтар"));
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200);
  auto accepted = sink_.accepted();
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].channel, "good2");
  EXPECT_EQ(accepted[0].message.text, "Не горить ліхтар");
  EXPECT_EQ(accepted[0].message.provider_id, "u1");
}

TEST_F(ChannelRegistryTest, StopUndoesStartInReverseOrderAndClosesEverything) {
  const auto dir = ScratchDir();
  const auto marker = (dir / "stops").string();
  ChannelRegistry registry(sink_, clock_, "");
  auto reports = registry.StartAll({{"a", Plugin("probe"), {{"stop_marker", marker}}},
                                    {"b", Plugin("probe"), {{"stop_marker", marker}}}});
  ASSERT_TRUE(reports[0].running && reports[1].running);
  registry.StopAll();
  EXPECT_EQ(ReadFile(marker), "stop\nstop\n");  // each Stop exactly once
  EXPECT_TRUE(registry.Running().empty());
  EXPECT_FALSE(registry.HandleWebhook("a", "hook", Post({{"id", "1"}}, "x")).has_value());
  auto after = registry.Send("a", Text("1", "late"));
  EXPECT_EQ(after.outcome, sdk::SendResult::Outcome::kRetry);
  EXPECT_THAT(after.reason, HasSubstr("channel 'a' is not running"));
  registry.StopAll();  // idempotent
  EXPECT_EQ(ReadFile(marker), "stop\nstop\n");
}

TEST_F(ChannelRegistryTest, DuplicateNameIsRefusedAndTheFirstKeepsRunning) {
  ChannelRegistry registry(sink_, clock_, "");
  auto reports = registry.StartAll({{"tg", Plugin("probe"), {}}, {"tg", Plugin("probe"), {}}});
  EXPECT_TRUE(reports[0].running);
  EXPECT_EQ(reports[1].refusal_code, "duplicate_channel");
  EXPECT_THAT(registry.Running(), ElementsAre("tg"));
}

TEST_F(ChannelRegistryTest, WebhookPathsAreCheckedAtRegistration) {
  ChannelRegistry registry(sink_, clock_, "");
  auto reports = registry.StartAll({{"slash", Plugin("probe"), {{"hooks", "ok,/bad"}}},
                                    {"twice", Plugin("probe"), {{"hooks", "a,a"}}},
                                    {"dots", Plugin("probe"), {{"hooks", "../etc"}}},
                                    {"fine", Plugin("probe"), {{"hooks", "update,dlr/v1"}}}});
  EXPECT_THAT(reports[0].error, HasSubstr("bad webhook path '/bad'"));
  EXPECT_THAT(reports[1].error, HasSubstr("webhook 'a' is already registered"));
  EXPECT_THAT(reports[2].error, HasSubstr("bad webhook path '../etc'"));
  ASSERT_TRUE(reports[3].running) << reports[3].error;
  auto hit = registry.HandleWebhook("fine", "dlr/v1", Post({{"id", "9"}}, ""));
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->body, "dlr/v1");  // the handler sees the path it was registered for
  EXPECT_FALSE(registry.HandleWebhook("fine", "other", Post({{"id", "9"}}, "")).has_value());
}

TEST_F(ChannelRegistryTest, RegisteringAWebhookOutsideStartIsRefused) {
  ChannelRegistry registry(sink_, clock_, "");
  ASSERT_TRUE(registry.StartAll({{"p", Plugin("probe"), {}}})[0].running);
  auto result = registry.Send("p", Text("1", "register-webhook"));
  EXPECT_EQ(result.outcome, sdk::SendResult::Outcome::kFailed);
  EXPECT_THAT(result.reason, HasSubstr("only during Channel::Start"));
}

TEST_F(ChannelRegistryTest, DeliverRefusalsReachTheProviderAsErrors) {
  ChannelRegistry registry(sink_, clock_, "");
  ASSERT_TRUE(registry.StartAll({{"p", Plugin("probe"), {}}})[0].running);
  // No provider id: the host cannot de-duplicate, so it refuses.
  auto no_id = registry.HandleWebhook("p", "hook", Post({}, "text"));
  ASSERT_TRUE(no_id.has_value());
  EXPECT_EQ(no_id->status, 503);
  EXPECT_THAT(no_id->body, HasSubstr("no provider_id"));
  // The intake refuses (queue full): the provider is told to retry.
  sink_.set_refuse(true);
  auto full = registry.HandleWebhook("p", "hook", Post({{"id", "7"}}, "text"));
  EXPECT_EQ(full->status, 503);
  EXPECT_THAT(full->body, HasSubstr("intake queue is full"));
  EXPECT_TRUE(sink_.accepted().empty());
}

TEST_F(ChannelRegistryTest, ThrowingSendBecomesARetryNotACrash) {
  ChannelRegistry registry(sink_, clock_, "");
  ASSERT_TRUE(registry.StartAll({{"p", Plugin("probe"), {{"send_throws", "true"}}}})[0].running);
  auto result = registry.Send("p", Text("1", "x"));
  EXPECT_EQ(result.outcome, sdk::SendResult::Outcome::kRetry);
  EXPECT_THAT(result.reason, HasSubstr("probe send failure"));
}

TEST_F(ChannelRegistryTest, ImpossibleRateLimitFailsStart) {
  const auto dir = ScratchDir();
  ChannelRegistry registry(sink_, clock_, "");
  auto reports = registry.StartAll(
      {{"p", Plugin("probe"), {{"per_recipient", "-1"}, {"stop_marker", (dir / "s").string()}}}});
  EXPECT_EQ(reports[0].refusal_code, "bad_limits");
  EXPECT_THAT(reports[0].error, HasSubstr("-1 per 1 s"));
  EXPECT_EQ(ReadFile(dir / "s"), "stop\n");
  EXPECT_FALSE(registry.Limits("p").has_value());
}

TEST_F(ChannelRegistryTest, LimitsAreThoseTheChannelDeclared) {
  ChannelRegistry registry(sink_, clock_, "");
  ASSERT_TRUE(registry.StartAll({{"p", Plugin("probe"), {{"per_recipient", "1"}}}})[0].running);
  auto limits = registry.Limits("p");
  ASSERT_TRUE(limits.has_value());
  EXPECT_EQ(limits->overall.count, 5);
  EXPECT_EQ(limits->per_recipient.count, 1);
  EXPECT_EQ(limits->per_recipient.period, std::chrono::seconds(1));
}

TEST_F(ChannelRegistryTest, StopWaitsForRunningCallsAndRefusesLaterOnes) {
  ChannelRegistry registry(sink_, clock_, "");
  ASSERT_TRUE(registry.StartAll({{"p", Plugin("probe"), {}}})[0].running);
  std::atomic<bool> go{true};
  std::atomic<int> sent{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; go; ++i) {
        auto r = registry.Send("p", Text("1", "x"));
        (r.outcome == sdk::SendResult::Outcome::kSent ? sent : refused)++;
        registry.HandleWebhook("p", "hook", Post({{"id", std::to_string(t * 1000000 + i)}}, "x"));
      }
    });
  }
  while (sent < 100) std::this_thread::yield();
  registry.StopAll();  // plugin code unloaded while the threads still call in
  int refused_before = refused;
  while (refused < refused_before + 100) std::this_thread::yield();
  go = false;
  for (auto& th : threads) th.join();
  EXPECT_GE(sent.load(), 100);
}

}  // namespace
}  // namespace vikno
