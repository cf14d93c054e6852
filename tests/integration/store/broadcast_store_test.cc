// Conformance of broadcast_store.h (R24, R25) on every backend: SQLite and,
// when built, MariaDB. The fan-out's exactly-once promise is tested both by a
// re-run over rows a previous run left and, on SQLite, by SIGKILLing a child
// process in the middle of a fan-out.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "integration/store/backends.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace vikno::testing {
namespace {

constexpr int64_t kBase = 1'700'000'000;
Timestamp At(int64_t minutes) { return FromUnix(kBase + minutes * 60); }

AuditEntry Audit(const std::string& id) {
  return AuditEntry{0, At(0), "system", "system", "", "resident", id, "create", "{}"};
}

// `n` residents, each subscribed on `channel` (chat "<channel>-<i>"); every
// third one unsubscribed when `some_unsubscribed`.
void AddResidents(Store& s, const std::string& prefix, int n, const std::string& channel,
                  bool some_unsubscribed = false) {
  for (int i = 0; i < n; ++i) {
    const std::string id = prefix + std::to_string(i);
    if (!s.FindResident(id)) {
      Resident r;
      r.id = id;
      r.created_at = At(0);
      s.CreateResident(r, Audit(id));
    }
    ChannelBinding b;
    b.resident_id = id;
    b.channel = channel;
    b.chat_id = channel + "-" + id;
    b.subscribed = !(some_unsubscribed && i % 3 == 2);
    b.created_at = b.updated_at = At(0);
    s.UpsertChannelBinding(b);
  }
}

// Many residents with a subscribed binding each, straight into the SQLite
// file in one transaction (the store's one-by-one writes would take longer
// than the test is about).
void SeedSqlite(const std::string& path, int n, const std::string& channel) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_stmt* r = nullptr;
  sqlite3_stmt* c = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO residents (id, created_at) VALUES (?, 0)", -1, &r, nullptr);
  sqlite3_prepare_v2(db,
                     "INSERT INTO resident_channels (resident_id, channel, chat_id, subscribed, "
                     "created_at, updated_at) VALUES (?, ?, ?, 1, 0, 0)",
                     -1, &c, nullptr);
  for (int i = 0; i < n; ++i) {
    const std::string id = "k" + std::to_string(i);
    const std::string chat = channel + "-" + id;
    sqlite3_bind_text(r, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(r), SQLITE_DONE);
    sqlite3_reset(r);
    sqlite3_bind_text(c, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(c, 2, channel.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(c, 3, chat.c_str(), -1, SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(c), SQLITE_DONE);
    sqlite3_reset(c);
  }
  sqlite3_finalize(r);
  sqlite3_finalize(c);
  ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

FanOut Routine() { return FanOut{"broadcast.message", R"({"text":"Вода з 10:00"})", 2, {}}; }

std::vector<OutboxMessage> Batch(Store& s, const std::string& batch) {
  std::vector<OutboxMessage> out;
  int64_t after = 0;
  for (;;) {
    auto page = s.ListOutbox(OutboxQuery{.batch_id = batch, .limit = 1000, .after_id = after});
    if (page.empty()) break;
    after = page.back().id;
    out.insert(out.end(), page.begin(), page.end());
  }
  return out;
}

template <class B>
class BroadcastStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = B::Make(); }
  std::unique_ptr<Store> store_;
};

TYPED_TEST_SUITE(BroadcastStoreTest, Backends, BackendName);

TYPED_TEST(BroadcastStoreTest, FanOutQueuesEverySubscribedBindingOnceAndNoUnsubscribed) {
  Store& s = *this->store_;
  AddResidents(s, "t", 30, "telegram", /*some_unsubscribed=*/true);  // 20 subscribed
  AddResidents(s, "v", 12, "viber");
  Broadcast b;
  b.kind = BroadcastKind::kMessage;
  b.text = "Вода з 10:00";
  b.created_by = "admin";
  b.created_at = At(1);
  const int64_t id = s.CreateBroadcast(b);
  EXPECT_EQ(s.ListUnqueuedBroadcasts(), std::vector<int64_t>{id});

  EXPECT_EQ(s.FanOutBroadcast(id, Routine(), At(2)), 32);
  auto rows = Batch(s, BroadcastBatchId(id));
  ASSERT_EQ(rows.size(), 32u);
  std::set<std::string> chats;
  for (const auto& m : rows) {
    EXPECT_EQ(m.state, OutboxState::kQueued);
    EXPECT_EQ(m.priority, 2);
    EXPECT_EQ(m.recipient_kind, "resident");
    EXPECT_EQ(m.idempotency_key,
              BroadcastBatchId(id) + ":" + m.channel + ":" + m.recipient_id);
    EXPECT_EQ(m.payload_json, R"({"text":"Вода з 10:00"})");
    EXPECT_EQ(m.next_attempt_at, At(2));
    chats.insert(m.address);
  }
  EXPECT_EQ(chats.size(), 32u);
  for (int i = 0; i < 30; ++i)
    EXPECT_EQ(chats.count("telegram-t" + std::to_string(i)), i % 3 == 2 ? 0u : 1u) << i;

  auto found = s.FindBroadcast(id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->recipients, 32);
  EXPECT_EQ(found->queued_at, At(2));
  EXPECT_TRUE(s.ListUnqueuedBroadcasts().empty());
  // A second run changes nothing, not even the first queued time.
  EXPECT_EQ(s.FanOutBroadcast(id, Routine(), At(9)), 32);
  EXPECT_EQ(Batch(s, BroadcastBatchId(id)).size(), 32u);
  EXPECT_EQ(s.FindBroadcast(id)->queued_at, At(2));
  EXPECT_EQ(s.FanOutBroadcast(id + 100, Routine(), At(9)), 0);
}

TYPED_TEST(BroadcastStoreTest, ReRunAfterAPartialRunQueuesOnlyTheMissing) {
  Store& s = *this->store_;
  AddResidents(s, "r", 40, "telegram");
  Broadcast b;
  b.text = "Новини";
  b.kind = BroadcastKind::kNews;
  b.created_at = At(0);
  const int64_t id = s.CreateBroadcast(b);
  // What a run that died after 15 rows would have left, had the fan-out
  // been row by row: the same keys.
  for (int i = 0; i < 15; ++i) {
    OutboxMessage m;
    m.idempotency_key = BroadcastBatchId(id) + ":telegram:r" + std::to_string(i);
    m.channel = "telegram";
    m.address = "telegram-r" + std::to_string(i);
    m.recipient_kind = "resident";
    m.recipient_id = "r" + std::to_string(i);
    m.text_key = "broadcast.news";
    m.batch_id = BroadcastBatchId(id);
    m.priority = 2;
    m.next_attempt_at = m.created_at = m.updated_at = At(0);
    ASSERT_TRUE(s.EnqueueOutbox(m));
  }
  EXPECT_EQ(s.FanOutBroadcast(id, Routine(), At(1)), 40);
  std::map<std::string, int> per_resident;
  for (const auto& m : Batch(s, BroadcastBatchId(id))) ++per_resident[m.recipient_id];
  ASSERT_EQ(per_resident.size(), 40u);
  for (const auto& [who, n] : per_resident) EXPECT_EQ(n, 1) << who;
}

TYPED_TEST(BroadcastStoreTest, AudienceByChannelAndByStreetAndBuilding) {
  Store& s = *this->store_;
  AddResidents(s, "a", 6, "telegram");
  AddResidents(s, "a", 6, "sms");  // the same residents on SMS too
  Address soborna1{std::nullopt, "Суми", "", "Соборна", "1", "", "", std::nullopt};
  Address soborna2{std::nullopt, "Суми", "", "Соборна", "2", "", "", std::nullopt};
  Address kharkivska{std::nullopt, "Суми", "", "Харківська", "1", "", "", std::nullopt};
  s.AddResidentAddress("a0", soborna1, At(0));
  s.AddResidentAddress("a1", soborna1, At(0));
  s.AddResidentAddress("a2", soborna2, At(0));
  s.AddResidentAddress("a3", kharkivska, At(0));
  s.AddResidentAddress("a3", soborna2, At(0));  // two addresses, still one message per channel

  Broadcast alert;
  alert.kind = BroadcastKind::kAlert;
  alert.emergency = true;
  alert.audience = Audience{"sms", "Соборна", ""};
  alert.text = "Аварія";
  alert.created_at = At(0);
  const int64_t street = s.CreateBroadcast(alert);
  FanOut urgent = Routine();
  urgent.priority = 0;
  EXPECT_EQ(s.FanOutBroadcast(street, urgent, At(1)), 4);  // a0 a1 a2 a3 on sms
  for (const auto& m : Batch(s, BroadcastBatchId(street))) {
    EXPECT_EQ(m.channel, "sms");
    EXPECT_EQ(m.priority, 0);
  }

  alert.audience = Audience{"", "Соборна", "1"};
  const int64_t building = s.CreateBroadcast(alert);
  EXPECT_EQ(s.FanOutBroadcast(building, urgent, At(1)), 4);  // a0 a1 on both channels

  alert.audience = Audience{"telegram", "", ""};
  const int64_t channel = s.CreateBroadcast(alert);
  EXPECT_EQ(s.FanOutBroadcast(channel, urgent, At(1)), 6);

  auto listed = s.ListBroadcasts(2, 0);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, channel);
  EXPECT_EQ(listed[1].id, building);
  EXPECT_EQ(listed[1].audience.house, "1");
  EXPECT_EQ(listed[1].kind, BroadcastKind::kAlert);
  EXPECT_TRUE(listed[1].emergency);
  EXPECT_EQ(s.ListBroadcasts(10, building).size(), 1u);
}

TYPED_TEST(BroadcastStoreTest, SurveyAnswerIsRecordedOnceAndOnlyFromARecipient) {
  Store& s = *this->store_;
  AddResidents(s, "s", 4, "telegram");
  AddResidents(s, "m", 2, "sms");
  Survey v;
  v.question = "Чи задоволені ви прибиранням?";
  v.options = {"Так", "Ні", "Частково"};
  v.created_by = "admin";
  v.created_at = At(0);
  const int64_t id = s.CreateSurvey(v);
  FanOut f{"survey.question", R"({"text":"?"})", 2, {"telegram", "viber", "web"}};
  EXPECT_EQ(s.FanOutSurvey(id, f, At(1)), 4);  // SMS has no buttons: not sent there
  auto found = s.FindSurvey(id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->options, v.options);
  EXPECT_EQ(found->recipients, 4);

  EXPECT_EQ(s.RecordSurveyAnswer(id, "telegram", "s0", 0, At(2)), SurveyAnswerOutcome::kRecorded);
  EXPECT_EQ(s.RecordSurveyAnswer(id, "telegram", "s0", 1, At(3)),
            SurveyAnswerOutcome::kAlreadyAnswered);
  EXPECT_EQ(s.RecordSurveyAnswer(id, "telegram", "s1", 2, At(3)), SurveyAnswerOutcome::kRecorded);
  EXPECT_EQ(s.RecordSurveyAnswer(id, "telegram", "s2", 3, At(3)),
            SurveyAnswerOutcome::kNoSuchOption);
  EXPECT_EQ(s.RecordSurveyAnswer(id, "sms", "m0", 0, At(3)), SurveyAnswerOutcome::kNotRecipient);
  EXPECT_EQ(s.RecordSurveyAnswer(id + 5, "telegram", "s2", 0, At(3)),
            SurveyAnswerOutcome::kNoSuchSurvey);
  EXPECT_EQ(s.SurveyResults(id), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_TRUE(s.SurveyResults(id + 5).empty());

  Survey bad = v;
  bad.options = {"Один"};
  EXPECT_THROW(s.CreateSurvey(bad), StoreError);
  EXPECT_EQ(s.ListSurveys(10, 0).size(), 1u);
  EXPECT_TRUE(s.ListUnqueuedSurveys().empty());
}

// R30: a blocked resident gets nothing from a broadcast or survey, on the
// blocked channel or everywhere for an "all" block; once the block is lifted
// the next fan-out reaches them again.
ResidentBlock BlockOf(const std::string& resident_id, const std::string& channel) {
  return ResidentBlock{resident_id, channel, "образи", "керівник", "admin", At(0)};
}

TYPED_TEST(BroadcastStoreTest, BlockedResidentsGetNoBroadcastUntilTheBlockIsLifted) {
  Store& s = *this->store_;
  AddResidents(s, "b", 5, "telegram");
  AddResidents(s, "b", 5, "viber");  // the same residents on Viber too
  ASSERT_TRUE(s.BlockResident(BlockOf("b0", "all"), Audit("b0")).ok());
  ASSERT_TRUE(s.BlockResident(BlockOf("b1", "telegram"), Audit("b1")).ok());
  Broadcast b;
  b.kind = BroadcastKind::kMessage;
  b.text = "Вода з 10:00";
  b.created_at = At(1);
  const int64_t first = s.CreateBroadcast(b);
  // 10 bindings less b0's two and b1's Telegram one.
  EXPECT_EQ(s.FanOutBroadcast(first, Routine(), At(2)), 7);
  std::set<std::string> got;
  for (const auto& m : Batch(s, BroadcastBatchId(first))) got.insert(m.channel + ":" + m.recipient_id);
  EXPECT_EQ(got.count("telegram:b0") + got.count("viber:b0") + got.count("telegram:b1"), 0u);
  EXPECT_EQ(got.count("viber:b1"), 1u);  // blocked on Telegram only
  EXPECT_EQ(s.FindBroadcast(first)->recipients, 7);

  // An alert to a street is no exception.
  s.AddResidentAddress("b0", Address{std::nullopt, "Суми", "", "Соборна", "1", "", "", std::nullopt},
                       At(0));
  b.audience = Audience{"", "Соборна", ""};
  const int64_t street = s.CreateBroadcast(b);
  EXPECT_EQ(s.FanOutBroadcast(street, Routine(), At(2)), 0);

  ASSERT_TRUE(s.UnblockResident("b0", "all", Audit("b0")));
  ASSERT_TRUE(s.UnblockResident("b1", "telegram", Audit("b1")));
  b.audience = Audience{};
  const int64_t second = s.CreateBroadcast(b);
  EXPECT_EQ(s.FanOutBroadcast(second, Routine(), At(3)), 10);
  EXPECT_EQ(s.FanOutBroadcast(street, Routine(), At(3)), 2);  // a re-run reaches b0 now
}

TYPED_TEST(BroadcastStoreTest, BlockedResidentGetsNoSurveyAndTheirAnswerIsNotCounted) {
  Store& s = *this->store_;
  AddResidents(s, "q", 3, "telegram");
  ASSERT_TRUE(s.BlockResident(BlockOf("q0", "telegram"), Audit("q0")).ok());
  Survey v;
  v.question = "Чи задоволені ви прибиранням?";
  v.options = {"Так", "Ні"};
  v.created_at = At(0);
  const int64_t id = s.CreateSurvey(v);
  FanOut f{"survey.question", R"({"text":"?"})", 2, {"telegram"}};
  EXPECT_EQ(s.FanOutSurvey(id, f, At(1)), 2);
  EXPECT_EQ(s.RecordSurveyAnswer(id, "telegram", "q0", 0, At(2)),
            SurveyAnswerOutcome::kNotRecipient);
  // Blocked after the survey reached them: the press is not counted.
  ASSERT_TRUE(s.BlockResident(BlockOf("q1", "all"), Audit("q1")).ok());
  EXPECT_EQ(s.RecordSurveyAnswer(id, "telegram", "q1", 0, At(2)), SurveyAnswerOutcome::kBlocked);
  EXPECT_EQ(s.RecordSurveyAnswer(id, "telegram", "q2", 1, At(2)), SurveyAnswerOutcome::kRecorded);
  EXPECT_EQ(s.SurveyResults(id), (std::vector<int64_t>{0, 1}));
  ASSERT_TRUE(s.UnblockResident("q1", "all", Audit("q1")));
  EXPECT_EQ(s.RecordSurveyAnswer(id, "telegram", "q1", 0, At(3)), SurveyAnswerOutcome::kRecorded);
  EXPECT_EQ(s.SurveyResults(id), (std::vector<int64_t>{1, 1}));
}

TYPED_TEST(BroadcastStoreTest, RatingsListAndSummaryAreScopedByServiceAndPeriod) {
  Store& s = *this->store_;
  auto rate = [&](const std::string& executor, int score, int64_t minute, std::string comment) {
    Rating r;
    r.executor_id = executor;
    r.resident_id = "x";
    r.score = score;
    r.comment = std::move(comment);
    r.created_at = At(minute);
    s.AddRating(r);
  };
  rate("water", 5, 10, "Швидко");
  rate("water", 2, 20, "Довго");
  rate("water", 4, 30, "");
  rate("roads", 1, 15, "Яма лишилась");
  rate("roads", 3, 500, "Пізніше");

  RatingQuery all{.from = At(0), .to = At(100)};
  auto summary = s.SummariseRatings(all);
  ASSERT_EQ(summary.size(), 2u);
  EXPECT_EQ(summary[0].executor_id, "roads");
  EXPECT_EQ(summary[0].count, 1);
  EXPECT_DOUBLE_EQ(summary[0].average, 1.0);
  EXPECT_EQ(summary[1].executor_id, "water");
  EXPECT_EQ(summary[1].count, 3);
  EXPECT_DOUBLE_EQ(summary[1].average, 3.67);
  EXPECT_EQ(summary[1].by_score[1], 1);
  EXPECT_EQ(summary[1].by_score[4], 1);

  RatingQuery water{.services = std::vector<std::string>{"water"}};
  auto listed = s.ListRatings(water);
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].comment, "");  // newest first
  EXPECT_EQ(listed[2].comment, "Швидко");
  EXPECT_EQ(s.SummariseRatings(water).size(), 1u);
  // A service outside the scope is not there even when asked for by name.
  RatingQuery sneaky{.services = std::vector<std::string>{"water"}, .executor_id = "roads"};
  EXPECT_TRUE(s.ListRatings(sneaky).empty());
  RatingQuery none{.services = std::vector<std::string>{}};
  EXPECT_TRUE(s.ListRatings(none).empty());
  EXPECT_TRUE(s.SummariseRatings(none).empty());
  RatingQuery page{.limit = 2, .before_id = listed[0].id};
  EXPECT_EQ(s.ListRatings(page).size(), 2u);
}

// A real crash: a child process fans out 60,000 recipients and is SIGKILLed
// while it runs; the parent then runs the fan-out again. Every recipient is
// queued exactly once whether the kill landed before, during or after the
// child's transaction.
TEST(BroadcastFanOutCrash, KilledMidFanOutThenReRunQueuesEveryRecipientOnce) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("vikno-fanout-" + std::to_string(getpid())))
          .string();
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/store.sqlite";
  constexpr int kResidents = 60'000;
  int64_t id = 0;
  {
    {
      SqliteStore s(path);
      s.Migrate();
    }
    SeedSqlite(path, kResidents, "viber");
    SqliteStore s(path);
    Broadcast b;
    b.text = "Тривога";
    b.created_at = At(0);
    id = s.CreateBroadcast(b);
  }
  for (int delay_ms : {5, 60, 150}) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      SqliteStore s(path);
      s.FanOutBroadcast(id, Routine(), At(1));
      _exit(0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
  }
  SqliteStore s(path);
  EXPECT_EQ(s.FanOutBroadcast(id, Routine(), At(2)), kResidents);
  std::set<std::string> recipients;
  size_t rows = 0;
  for (const auto& m : Batch(s, BroadcastBatchId(id))) {
    ++rows;
    recipients.insert(m.recipient_id);
  }
  EXPECT_EQ(rows, static_cast<size_t>(kResidents));
  EXPECT_EQ(recipients.size(), static_cast<size_t>(kResidents));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vikno::testing
