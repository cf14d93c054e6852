// The durable outbox (issue 4, B11): addressing and once-per-key enqueue,
// then the sender against a real HTTP peer (http_peer.h): priority order,
// the provider's retry-after, permanent failures with their reason, rate
// limits, reclaiming expired claims, graceful stop, and a real SIGKILL of a
// sender process mid-batch after which every message arrives exactly once.
#include "outbox/outbox.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "integration/outbox/http_channel.h"
#include "integration/outbox/http_peer.h"
#include "outbox/sender.h"
#include "store/sqlite/sqlite_store.h"

extern char** environ;

namespace vikno::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "vikno-outbox-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    std::filesystem::create_directories(dir_ / "messages");
    std::ofstream(dir_ / "messages" / "uk.yaml") << "notice:\n"
                                                    "  test: \"Повідомлення {n} для {who}\"\n";
    store_ = std::make_unique<SqliteStore>((dir_ / "store.sqlite").string());
    store_->Migrate();
    messages_ = std::make_unique<Messages>(dir_ / "messages", "uk", std::filesystem::path{},
                                           [](const std::string&) {});
    // Residents r1..r20 on the web channel, chat "chat-rN": one chat's rows
    // leave one at a time in queue order (R23), so cases about priority,
    // rates and claims spread their messages over several chats.
    for (int i = 1; i <= kResidents; ++i) {
      Resident r;
      r.id = "r" + std::to_string(i);
      r.created_at = clock_.Now();
      store_->CreateResident(
          r, AuditEntry{0, clock_.Now(), "t", "system", "", "resident", r.id, "register", "{}"});
      store_->UpsertChannelBinding({r.id, "web", "chat-" + r.id, true, clock_.Now(), clock_.Now()});
    }
  }
  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  static constexpr int kResidents = 20;

  Notice ToResident(std::string key, NoticePriority priority = NoticePriority::kNormal,
                    std::string n = "1", std::string who = "r1") {
    Notice notice;
    notice.recipient_id = std::move(who);
    notice.text_key = "notice.test";
    notice.params = {{"n", std::move(n)}, {"who", "Олени"}};
    notice.priority = priority;
    notice.idempotency_key = std::move(key);
    return notice;
  }

  std::unique_ptr<OutboxSender> Sender(OutboxChannel& channel, SenderOptions options = {}) {
    options.idle_poll = 20ms;
    auto sender = std::make_unique<OutboxSender>(*store_, *messages_, clock_, options);
    sender->AddChannel("web", channel);
    return sender;
  }

  // The i-th message's resident when a case spreads messages over the chats.
  static std::string Spread(int i) { return "r" + std::to_string(1 + i % kResidents); }

  OutboxState StateOf(const std::string& key) { return store_->FindOutboxByKey(key)->state; }

  // Waits until `done` or the time-out; true when done.
  static bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit = 20s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (done()) return true;
      std::this_thread::sleep_for(2ms);
    }
    return done();
  }

  int64_t Count(OutboxState state) {
    int64_t n = 0;
    for (const auto& c : store_->CountOutbox(""))
      if (c.state == state) n += c.count;
    return n;
  }

  std::filesystem::path dir_;
  SystemClock clock_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Messages> messages_;
};

sdk::RateLimit Rate(int per_second, int per_recipient = 0) {
  sdk::RateLimit r;
  r.overall = {per_second, 1s};
  r.per_recipient = {per_recipient, 1s};
  return r;
}

// ---------------------------------------------------------------- enqueue

TEST_F(OutboxTest, ResidentNoticeIsAddressedOnTheirChannelAndQueuedOnce) {
  Outbox outbox(*store_, clock_);
  EXPECT_TRUE(outbox.Enqueue(ToResident("appeal-1/status/in_work")));
  EXPECT_FALSE(outbox.Enqueue(ToResident("appeal-1/status/in_work"))) << "same key: not again";
  const auto row = store_->FindOutboxByKey("appeal-1/status/in_work");
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->channel, "web");
  EXPECT_EQ(row->address, "chat-r1");
  EXPECT_EQ(row->state, OutboxState::kQueued);
  EXPECT_EQ(row->text_key, "notice.test");
  EXPECT_THAT(row->params, HasSubstr("Олени"));
  EXPECT_EQ(store_->ListOutbox({}).size(), 1u);
  EXPECT_THROW(outbox.Enqueue(ToResident("")), StoreError);
}

TEST_F(OutboxTest, ResidentIsReachedOnTheAppealsChannelWhenBoundThere) {
  store_->UpsertChannelBinding({"r1", "telegram", "555", true, clock_.Now(), clock_.Now() + 10s});
  Appeal draft;
  draft.type = "ordinary";
  draft.category = "water";
  draft.description = "x";
  draft.channel = "web";
  draft.resident_id = "r1";
  draft.created_at = draft.updated_at = clock_.Now();
  const Appeal a = store_->CreateAppeal(
      draft, AuditEntry{0, clock_.Now(), "t", "system", "", "appeal", "", "create", "{}"});
  Outbox outbox(*store_, clock_);
  Notice on_appeal = ToResident("k1");
  on_appeal.appeal_id = a.id;
  EXPECT_EQ(outbox.Address(on_appeal).channel, "web");
  EXPECT_EQ(outbox.Address(ToResident("k2")).channel, "telegram") << "the latest binding";
  store_->UpsertChannelBinding({"r1", "web", "chat-r1", false, clock_.Now(), clock_.Now() + 20s});
  EXPECT_EQ(outbox.Address(on_appeal).channel, "telegram") << "unsubscribed from web";
}

TEST_F(OutboxTest, UnaddressableNoticesAreRecordedAsFailedWithTheReason) {
  store_->UpsertExecutor({"vodokanal", "Водоканал", "", "", "Петренко", true});
  store_->UpsertExecutor({"zhek", "ЖЕК", "", "zhek@example.org", "head@example.org", true});
  Outbox outbox(*store_, clock_);
  Notice stranger = ToResident("k-stranger");
  stranger.recipient_id = "nobody";
  EXPECT_TRUE(outbox.Enqueue(stranger));
  Notice executor = ToResident("k-executor");
  executor.to = Notice::To::kExecutor;
  executor.recipient_id = "vodokanal";
  EXPECT_TRUE(outbox.Enqueue(executor));
  Notice head = ToResident("k-head");
  head.to = Notice::To::kExecutorHead;
  head.recipient_id = "vodokanal";
  EXPECT_TRUE(outbox.Enqueue(head));

  for (const char* key : {"k-stranger", "k-executor", "k-head"}) {
    const auto row = store_->FindOutboxByKey(key);
    ASSERT_TRUE(row.has_value()) << key << ": never silently dropped";
    EXPECT_EQ(row->state, OutboxState::kFailed) << key;
    EXPECT_FALSE(row->last_error.empty()) << key;
  }
  EXPECT_THAT(store_->FindOutboxByKey("k-stranger")->last_error, HasSubstr("no channel"));
  EXPECT_THAT(store_->FindOutboxByKey("k-executor")->last_error, HasSubstr("no e-mail address"));
  EXPECT_THAT(store_->FindOutboxByKey("k-head")->last_error, HasSubstr("Петренко"));

  // Staff with addresses go to the e-mail channel.
  Notice moderators = ToResident("k-moderators");
  moderators.to = Notice::To::kModerators;
  moderators.recipient_id = "zhek";
  EXPECT_TRUE(outbox.Enqueue(moderators));
  head.idempotency_key = "k-head-zhek";
  head.recipient_id = "zhek";
  EXPECT_TRUE(outbox.Enqueue(head));
  EXPECT_EQ(store_->FindOutboxByKey("k-moderators")->channel, "email");
  EXPECT_EQ(store_->FindOutboxByKey("k-moderators")->address, "zhek@example.org");
  EXPECT_EQ(store_->FindOutboxByKey("k-head-zhek")->address, "head@example.org");
  EXPECT_EQ(store_->FindOutboxByKey("k-head-zhek")->state, OutboxState::kQueued);
}

// ---------------------------------------------------------------- sending

TEST_F(OutboxTest, UrgentGoesFirstThenNormalThenBulkAndTextIsRendered) {
  Outbox outbox(*store_, clock_);
  // Five chats: priority orders across chats (within one chat, queue order).
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(outbox.Enqueue(ToResident("bulk-" + std::to_string(i), NoticePriority::kBulk, "1",
                                          "r" + std::to_string(2 + i))));
  ASSERT_TRUE(outbox.Enqueue(ToResident("normal", NoticePriority::kNormal, "7")));
  ASSERT_TRUE(outbox.Enqueue(ToResident("sos", NoticePriority::kUrgent, "1", "r5")));
  HttpPeer peer;
  HttpChannel channel(peer.port(), Rate(0));
  SenderOptions options;
  options.workers_per_channel = 1;
  auto sender = Sender(channel, options);
  sender->Start();
  ASSERT_TRUE(WaitFor([&] { return peer.DeliveredCount() == 5; }));
  sender->Stop();
  std::vector<std::string> order;
  for (const auto& r : peer.Delivered()) order.push_back(r.key);
  EXPECT_THAT(order, ElementsAre("sos", "normal", "bulk-0", "bulk-1", "bulk-2"));
  EXPECT_EQ(peer.Delivered()[1].text, "Повідомлення 7 для Олени") << "rendered at send time";
  EXPECT_EQ(peer.Delivered()[1].chat_id, "chat-r1");
  const auto row = store_->FindOutboxByKey("normal");
  EXPECT_EQ(row->state, OutboxState::kSent);
  EXPECT_EQ(row->provider_message_id, "p-2");
  EXPECT_TRUE(row->sent_at.has_value());
}

TEST_F(OutboxTest, ProvidersRetryAfterIsHonoured) {
  Outbox outbox(*store_, clock_);
  ASSERT_TRUE(outbox.Enqueue(ToResident("throttled")));
  HttpPeer peer;
  peer.Script("throttled", {{429, 2, "Too Many Requests"}});
  HttpChannel channel(peer.port(), Rate(0));
  auto sender = Sender(channel);
  sender->Start();
  ASSERT_TRUE(WaitFor([&] { return peer.RawLog().size() == 1; }));
  ASSERT_TRUE(WaitFor([&] { return StateOf("throttled") == OutboxState::kQueued; }));
  EXPECT_THAT(store_->FindOutboxByKey("throttled")->last_error, HasSubstr("429"));
  ASSERT_TRUE(WaitFor([&] { return peer.DeliveredCount() == 1; }, 10s));
  sender->Stop();
  const auto log = peer.RawLog();
  ASSERT_EQ(log.size(), 2u) << "one refused try, one delivery; nothing in between";
  EXPECT_GE(log[1].at - log[0].at, 2s) << "not sent again before the provider's retry-after";
  const auto row = store_->FindOutboxByKey("throttled");
  EXPECT_EQ(row->state, OutboxState::kSent);
  EXPECT_EQ(row->attempts, 2);
}

TEST_F(OutboxTest, BackOffWithoutRetryAfterAndGiveUpAfterMaxAttempts) {
  Outbox outbox(*store_, clock_);
  ASSERT_TRUE(outbox.Enqueue(ToResident("flaky")));
  HttpPeer peer;
  peer.Script("flaky", {{503, 0, "down"}, {503, 0, "down"}});
  HttpChannel channel(peer.port(), Rate(0));
  SenderOptions options;
  options.backoff_base = 1s;
  options.max_attempts = 2;
  auto sender = Sender(channel, options);
  sender->Start();
  ASSERT_TRUE(WaitFor([&] { return StateOf("flaky") == OutboxState::kFailed; }, 15s));
  sender->Stop();
  const auto row = store_->FindOutboxByKey("flaky");
  EXPECT_THAT(row->last_error, HasSubstr("gave up after 2 attempts"));
  EXPECT_THAT(row->last_error, HasSubstr("503"));
  const auto log = peer.RawLog();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_GE(log[1].at - log[0].at, 1s) << "backed off";
  EXPECT_EQ(peer.DeliveredCount(), 0u);
}

TEST_F(OutboxTest, PermanentFailureIsRecordedWithItsReason) {
  Outbox outbox(*store_, clock_);
  ASSERT_TRUE(outbox.Enqueue(ToResident("blocked")));
  ASSERT_TRUE(outbox.Enqueue(ToResident("fine")));
  HttpPeer peer;
  peer.Script("blocked", {{403, 0, "Forbidden: bot was blocked by the user"}});
  HttpChannel channel(peer.port(), Rate(0));
  auto sender = Sender(channel);
  sender->Start();
  ASSERT_TRUE(WaitFor([&] {
    return StateOf("blocked") == OutboxState::kFailed && StateOf("fine") == OutboxState::kSent;
  }));
  std::this_thread::sleep_for(100ms);
  sender->Stop();
  EXPECT_EQ(store_->FindOutboxByKey("blocked")->last_error,
            "403 Forbidden: bot was blocked by the user");
  EXPECT_EQ(peer.RawLog().size(), 2u) << "a permanent failure is not retried";
}

TEST_F(OutboxTest, ChannelRateAndPerRecipientRateAreRespected) {
  Outbox outbox(*store_, clock_);
  constexpr int kMessages = 60, kRate = 20;
  for (int i = 0; i < kMessages; ++i)
    ASSERT_TRUE(outbox.Enqueue(ToResident("m-" + std::to_string(i), NoticePriority::kNormal, "1",
                                          Spread(i))));
  HttpPeer peer;
  HttpChannel channel(peer.port(), Rate(1000));
  SenderOptions options;
  options.workers_per_channel = 3;
  options.rate_overrides["web"] = Rate(kRate);  // the config override wins over the declared 1000
  auto sender = Sender(channel, options);
  EXPECT_EQ(sender->LimitsOf("web").overall.count, kRate);
  const auto start = std::chrono::steady_clock::now();
  sender->Start();
  ASSERT_TRUE(WaitFor([&] { return peer.DeliveredCount() == kMessages; }, 30s));
  sender->Stop();
  const auto log = peer.Delivered();
  // A bucket of kRate: at most kRate in a burst plus kRate per second after.
  for (size_t i = 0; i < log.size(); ++i) {
    size_t in_window = 0;
    for (size_t j = i; j < log.size() && log[j].at - log[i].at < 1s; ++j) ++in_window;
    EXPECT_LE(in_window, static_cast<size_t>(2 * kRate)) << "window from message " << i;
  }
  EXPECT_GE(log.back().at - start,
            std::chrono::milliseconds(1000 * (kMessages - kRate) / kRate - 100));

  // One chat at 2 per second (Telegram's kind of per-chat limit).
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(outbox.Enqueue(ToResident("chat-" + std::to_string(i))));
  HttpPeer peer2;
  HttpChannel per_chat(peer2.port(), Rate(0, 2));
  auto sender2 = Sender(per_chat, options = SenderOptions{});
  const auto start2 = std::chrono::steady_clock::now();
  sender2->Start();
  ASSERT_TRUE(WaitFor([&] { return peer2.DeliveredCount() == 6; }, 30s));
  sender2->Stop();
  EXPECT_GE(peer2.Delivered().back().at - start2, 1900ms) << "2 at once, then 2 per second";
}

TEST_F(OutboxTest, RowsOfADeadSenderAreReclaimedWhenItsClaimExpires) {
  Outbox outbox(*store_, clock_);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(
        outbox.Enqueue(ToResident("r-" + std::to_string(i), NoticePriority::kNormal, "1", Spread(i))));
  const Timestamp now = clock_.Now();
  ASSERT_EQ(store_->ClaimOutbox("web", "dead", now, now + 2s, 10).size(), 3u);
  HttpPeer peer;
  HttpChannel channel(peer.port(), Rate(0));
  auto sender = Sender(channel);
  sender->Start();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(peer.DeliveredCount(), 0u) << "a live claim is respected";
  ASSERT_TRUE(WaitFor([&] { return peer.DeliveredCount() == 3; }, 10s));
  sender->Stop();
  for (int i = 0; i < 3; ++i) {
    const auto row = store_->FindOutboxByKey("r-" + std::to_string(i));
    EXPECT_EQ(row->state, OutboxState::kSent);
    EXPECT_EQ(row->attempts, 2);
  }
}

TEST_F(OutboxTest, StopFinishesTheSendInFlightAndReleasesTheRest) {
  Outbox outbox(*store_, clock_);
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(
        outbox.Enqueue(ToResident("s-" + std::to_string(i), NoticePriority::kNormal, "1", Spread(i))));
  HttpPeer peer;
  peer.SetDelay(100ms);
  HttpChannel channel(peer.port(), Rate(0));
  SenderOptions options;
  options.workers_per_channel = 2;
  auto sender = Sender(channel, options);
  sender->Start();
  ASSERT_TRUE(WaitFor([&] { return peer.RawLog().size() >= 3; }));
  sender->Stop();
  const size_t delivered = peer.DeliveredCount();
  EXPECT_LT(delivered, 40u);
  EXPECT_EQ(Count(OutboxState::kSent), static_cast<int64_t>(delivered))
      << "every send that reached the peer was finished and recorded";
  EXPECT_EQ(Count(OutboxState::kSending), 0) << "no claim left behind";
  EXPECT_EQ(Count(OutboxState::kQueued), 40 - static_cast<int64_t>(delivered));
  for (const auto& m : store_->ListOutbox({.state = OutboxState::kQueued}))
    EXPECT_EQ(m.attempts, 0) << "a released row did not count an attempt";
}

// R23: with two workers on the channel, each chat still gets its replies in
// the order they were queued (the privacy notice before the consent
// question), even when the first one of a chat is throttled and retried.
TEST_F(OutboxTest, TwoWorkersKeepEachChatsRepliesInOrder) {
  Outbox outbox(*store_, clock_);
  constexpr int kChats = 6, kPerChat = 5;
  for (int i = 0; i < kPerChat; ++i)
    for (int c = 1; c <= kChats; ++c) {
      // Later replies are more urgent: priority alone would reorder them.
      const auto priority = i == 0 ? NoticePriority::kBulk
                            : i == 1 ? NoticePriority::kNormal
                                     : NoticePriority::kUrgent;
      ASSERT_TRUE(outbox.Enqueue(ToResident(std::to_string(c) + "/" + std::to_string(i), priority,
                                            std::to_string(i), "r" + std::to_string(c))));
    }
  HttpPeer peer;
  peer.SetDelay(5ms);
  peer.Script("1/0", {{429, 1, "Too Many Requests"}});  // chat 1's first reply waits a second
  HttpChannel channel(peer.port(), Rate(0));
  SenderOptions options;
  options.workers_per_channel = 2;
  options.batch_size = 4;
  auto sender = Sender(channel, options);
  sender->Start();
  ASSERT_TRUE(WaitFor([&] { return peer.DeliveredCount() == kChats * kPerChat; }, 30s));
  sender->Stop();

  std::map<std::string, std::vector<std::string>> per_chat;
  for (const auto& r : peer.Delivered()) per_chat[r.chat_id].push_back(r.key);
  ASSERT_EQ(per_chat.size(), static_cast<size_t>(kChats));
  for (int c = 1; c <= kChats; ++c) {
    std::vector<std::string> expected;
    for (int i = 0; i < kPerChat; ++i) expected.push_back(std::to_string(c) + "/" + std::to_string(i));
    EXPECT_EQ(per_chat["chat-r" + std::to_string(c)], expected) << "chat " << c;
  }
  const auto raw = peer.RawLog();
  ASSERT_FALSE(raw.empty());
  EXPECT_EQ(store_->FindOutboxByKey("1/0")->attempts, 2);
  // Chat 1 waited for its throttled first reply: none of its later replies
  // reached the peer before it.
  const auto delivered = peer.Delivered();
  auto at_of = [&](const std::string& key) {
    for (const auto& r : delivered)
      if (r.key == key) return r.at;
    return decltype(delivered[0].at){};
  };
  EXPECT_GE(at_of("1/1"), at_of("1/0"));
  EXPECT_GE(at_of("1/0") - raw.front().at, 900ms) << "the retry-after was honoured";
}

// ---------------------------------------------------------------- the kill

pid_t StartHelper(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  return pid;
}

TEST_F(OutboxTest, KillMidBatchThenRestartDeliversEveryMessageExactlyOnce) {
  constexpr int kMessages = 500;
  Outbox outbox(*store_, clock_);
  for (int i = 0; i < kMessages; ++i)
    ASSERT_TRUE(outbox.Enqueue(ToResident("k-" + std::to_string(i), NoticePriority::kNormal,
                                          std::to_string(i), Spread(i))));
  HttpPeer peer;
  // Every request is held at the peer for a while, so at any moment a send
  // is in flight: delivered at the peer but not yet recorded by the sender.
  peer.SetDelay(15ms);
  const std::vector<std::string> args = {VIKNO_OUTBOX_KILL_HELPER,
                                         (dir_ / "store.sqlite").string(),
                                         std::to_string(peer.port()),
                                         (dir_ / "messages").string(),
                                         "8",
                                         "300"};
  const pid_t first = StartHelper(args);
  ASSERT_GT(first, 0);
  ASSERT_TRUE(WaitFor([&] { return peer.DeliveredCount() >= 150; }, 30s));
  ASSERT_EQ(kill(first, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(first, &status, 0), first);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  const size_t at_kill = peer.DeliveredCount();
  ASSERT_LT(at_kill, static_cast<size_t>(kMessages)) << "the kill came mid-batch";
  EXPECT_GT(Count(OutboxState::kSending), 0) << "the dead sender left claimed rows behind";
  EXPECT_LT(Count(OutboxState::kSent), static_cast<int64_t>(at_kill) + 1);

  const pid_t second = StartHelper(args);
  ASSERT_GT(second, 0);
  const bool all_sent = WaitFor([&] { return Count(OutboxState::kSent) == kMessages; }, 60s);
  kill(second, SIGTERM);
  ASSERT_EQ(waitpid(second, &status, 0), second);
  ASSERT_TRUE(all_sent) << "sent " << Count(OutboxState::kSent);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "graceful stop on SIGTERM";

  // Every key delivered exactly once...
  std::map<std::string, int> delivered;
  for (const auto& r : peer.Delivered()) ++delivered[r.key];
  EXPECT_EQ(delivered.size(), static_cast<size_t>(kMessages));
  for (int i = 0; i < kMessages; ++i)
    EXPECT_EQ(delivered["k-" + std::to_string(i)], 1) << "k-" << i;
  // ...and the raw log shows what the provider's dedupe caught: the sends
  // that were in flight when the sender died went out again after restart.
  const auto raw = peer.RawLog();
  std::map<std::string, int> requests;
  for (const auto& r : raw) ++requests[r.key];
  size_t repeated = 0;
  for (const auto& [key, n] : requests) repeated += static_cast<size_t>(n - 1);
  EXPECT_EQ(raw.size(), static_cast<size_t>(kMessages) + peer.DuplicatesCaught());
  EXPECT_EQ(repeated, peer.DuplicatesCaught());
  EXPECT_GE(peer.DuplicatesCaught(), 1u) << "the kill found a send in flight";
  EXPECT_LE(peer.DuplicatesCaught(), 2u) << "at most the one in-flight send per killed worker";
  for (const auto& m : store_->ListOutbox({.limit = 1000})) {
    EXPECT_EQ(m.state, OutboxState::kSent) << m.idempotency_key;
    EXPECT_FALSE(m.provider_message_id.empty());
  }
  std::printf("killed after %zu deliveries; the provider's dedupe caught %zu repeated sends\n",
              at_kill, peer.DuplicatesCaught());
}

}  // namespace
}  // namespace vikno::testing
