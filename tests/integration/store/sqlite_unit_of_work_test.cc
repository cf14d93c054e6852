// The SQLite unit of work (Store::BeginUnitOfWork, issue 4's intake rate):
// one transaction for all of an update's writes, read-your-writes inside it,
// all-or-nothing, a failing call undoing only its own part, other writers
// waiting for the unit; and the intake (host/residents.h) using it so a
// failed update leaves no half of its writes and is handled again whole.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <string>

#include "host/residents.h"
#include "store/sqlite/sqlite_store.h"

namespace vikno {
namespace {

using namespace std::chrono_literals;

Timestamp At(int64_t hour) { return FromUnix(1'790'000'000 + hour * 3600); }

OutboxMessage Reply(const std::string& key) {
  OutboxMessage m;
  m.idempotency_key = key;
  m.channel = "telegram";
  m.address = "42";
  m.recipient_kind = "resident";
  m.text_key = "bot.reply";
  m.payload_json = R"({"text":"x"})";
  m.next_attempt_at = m.created_at = m.updated_at = At(1);
  return m;
}

Appeal Draft() {
  Appeal a;
  a.type = "ordinary";
  a.category = "roads";
  a.address.city = "Суми";
  a.address.street = "вулиця Соборна";
  a.address.house = "12";
  a.description = "Яма";
  a.channel = "telegram";
  a.status = Status::kNew;
  a.created_at = a.updated_at = At(1);
  return a;
}

AuditEntry Audit(const std::string& action) {
  return AuditEntry::By(Actor::System("test"), At(1), "appeal", "", action);
}

class SqliteUnitOfWorkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vikno-uow-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "vikno.sqlite").string();
    store_ = std::make_unique<SqliteStore>(path_);
    store_->Migrate();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A count through a connection of its own, as another process sees the file.
  int64_t Count(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  }
  int64_t Outbox() { return Count("SELECT COUNT(*) FROM outbox"); }
  int64_t Pending() {
    return Count("SELECT COUNT(*) FROM inbound_messages WHERE state = 'pending'");
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteUnitOfWorkTest, CommitsAnUpdatesWritesTogetherAndReadsThemInside) {
  ASSERT_TRUE(store_->RecordInbound("telegram", "u1", R"({"chat_id":"42"})", At(1)));
  {
    auto unit = store_->BeginUnitOfWork();
    store_->SaveDialogue("telegram", "42", "", R"({"stage":"menu"})", At(1));
    ASSERT_TRUE(store_->EnqueueOutbox(Reply("reply:u1:0")));
    ASSERT_TRUE(store_->EnqueueOutbox(Reply("reply:u1:1")));
    const Appeal created = store_->CreateAppeal(Draft(), Audit("create"));
    store_->CompleteInbound("telegram", "u1", "", At(1));
    // Inside: the unit's own writes are read back (the conversation reads
    // the appeal it created and the state it saved in the same update).
    EXPECT_EQ(store_->LoadDialogue("telegram", "42").value_or(""), R"({"stage":"menu"})");
    ASSERT_TRUE(store_->FindAppeal(created.id).has_value());
    EXPECT_TRUE(store_->ListPendingInbound(0, 10).empty());
    // Outside (another connection): nothing yet.
    EXPECT_EQ(Outbox(), 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM appeals"), 0);
    EXPECT_EQ(Pending(), 1);
    unit->Commit();
  }
  EXPECT_EQ(Outbox(), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeals"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit WHERE action = 'create'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM dialogues"), 1);
  EXPECT_EQ(Pending(), 0);
}

TEST_F(SqliteUnitOfWorkTest, EndingWithoutCommitRollsBackEveryWriteOfTheUnit) {
  ASSERT_TRUE(store_->RecordInbound("telegram", "u1", R"({"chat_id":"42"})", At(1)));
  store_->SaveDialogue("telegram", "42", "", R"({"stage":"before"})", At(1));
  try {
    auto unit = store_->BeginUnitOfWork();
    store_->SaveDialogue("telegram", "42", "", R"({"stage":"after"})", At(2));
    store_->EnqueueOutbox(Reply("reply:u1:0"));
    store_->CreateAppeal(Draft(), Audit("create"));
    store_->CompleteInbound("telegram", "u1", "", At(2));
    throw StoreError("disk gone");  // as a failing call would, before Commit
  } catch (const StoreError&) {
  }
  EXPECT_EQ(store_->LoadDialogue("telegram", "42").value_or(""), R"({"stage":"before"})");
  EXPECT_EQ(Outbox(), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeals"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit"), 0);
  ASSERT_EQ(store_->ListPendingInbound(0, 10).size(), 1u);  // Replay will take it again
  // The idempotency key of the rolled-back reply is free: handled again,
  // the same reply is queued once.
  EXPECT_TRUE(store_->EnqueueOutbox(Reply("reply:u1:0")));
  EXPECT_FALSE(store_->EnqueueOutbox(Reply("reply:u1:0")));
}

TEST_F(SqliteUnitOfWorkTest, ARefusedCallUndoesOnlyItsOwnPart) {
  const Appeal a = store_->CreateAppeal(Draft(), Audit("create"));
  auto unit = store_->BeginUnitOfWork();
  store_->EnqueueOutbox(Reply("k1"));
  Appeal stale = a;
  stale.version = a.version + 5;
  stale.description = "змінено";
  auto refused = store_->UpdateAppeal(stale, Audit("update"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.refusal().code, "stale");
  // A duplicate key is "false", not an error, and leaves the unit usable.
  EXPECT_FALSE(store_->EnqueueOutbox(Reply("k1")));
  store_->EnqueueOutbox(Reply("k2"));
  unit->Commit();
  EXPECT_EQ(Outbox(), 2);
  EXPECT_EQ(store_->FindAppeal(a.id)->description, "Яма");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit WHERE action = 'update'"), 0);
}

TEST_F(SqliteUnitOfWorkTest, ANestedUnitJoinsTheOuterOne) {
  {
    auto outer = store_->BeginUnitOfWork();
    store_->EnqueueOutbox(Reply("k1"));
    {
      auto inner = store_->BeginUnitOfWork();
      store_->EnqueueOutbox(Reply("k2"));
      inner->Commit();  // joins: nothing is committed yet
    }
    EXPECT_EQ(Outbox(), 0);
    // The outer unit ends without Commit: the inner's write goes too.
  }
  EXPECT_EQ(Outbox(), 0);
  EXPECT_TRUE(store_->EnqueueOutbox(Reply("k2")));
}

TEST_F(SqliteUnitOfWorkTest, OtherThreadsWriteAfterTheUnitAndReadTheCommittedState) {
  auto unit = store_->BeginUnitOfWork();
  store_->EnqueueOutbox(Reply("mine"));
  // A reader on another thread sees the last commit, never the open unit.
  auto read = std::async(std::launch::async, [&] { return store_->LoadDialogue("telegram", "9"); });
  EXPECT_FALSE(read.get().has_value());
  // A writer on another thread waits for the writer the unit holds.
  auto write = std::async(std::launch::async, [&] { return store_->EnqueueOutbox(Reply("other")); });
  EXPECT_EQ(write.wait_for(200ms), std::future_status::timeout);
  unit->Commit();
  unit.reset();
  EXPECT_TRUE(write.get());
  EXPECT_EQ(Outbox(), 2);
}

// The intake's use of it: a handler that wrote and then hit a store failure
// leaves nothing of its first try; the retry's writes are the only ones.
TEST_F(SqliteUnitOfWorkTest, IntakeRetriesAFailedUpdateFromScratch) {
  SystemClock clock;
  int calls = 0;
  ResidentIntake intake(
      *store_, clock,
      [&](const std::string& channel, const sdk::InboundMessage& m) {
        ++calls;
        store_->SaveDialogue(channel, m.chat_id, "", "{\"try\":" + std::to_string(calls) + "}",
                             clock.Now());
        store_->EnqueueOutbox(Reply("reply:" + m.provider_id + ":try" + std::to_string(calls)));
        if (calls == 1) throw StoreError("database is locked");
      },
      IntakeOptions{1, 10, 3});
  intake.Start();
  sdk::InboundMessage m;
  m.provider_id = "u7";
  m.chat_id = "42";
  m.text = "Привіт";
  ASSERT_TRUE(intake.Accept("telegram", m).ok);
  for (int i = 0; i < 200 && intake.stats().handled == 0; ++i) std::this_thread::sleep_for(10ms);
  intake.Stop();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(intake.stats().handled, 1);
  EXPECT_EQ(store_->LoadDialogue("telegram", "42").value_or(""), "{\"try\":2}");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox WHERE idempotency_key = 'reply:u7:try1'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox WHERE idempotency_key = 'reply:u7:try2'"), 1);
  EXPECT_EQ(Pending(), 0);
}

// A handler failing for a reason that is not the store (a bug, bad data):
// its writes are rolled back and the update is recorded as failed, once.
TEST_F(SqliteUnitOfWorkTest, IntakeRollsBackAnUpdateThatFailsForGood) {
  SystemClock clock;
  ResidentIntake intake(
      *store_, clock,
      [&](const std::string& channel, const sdk::InboundMessage& m) {
        store_->SaveDialogue(channel, m.chat_id, "", "{}", clock.Now());
        store_->EnqueueOutbox(Reply("reply:" + m.provider_id + ":0"));
        throw std::runtime_error("unexpected");
      },
      IntakeOptions{1, 10, 3});
  intake.Start();
  sdk::InboundMessage m;
  m.provider_id = "u8";
  m.chat_id = "42";
  ASSERT_TRUE(intake.Accept("telegram", m).ok);
  for (int i = 0; i < 200 && intake.stats().failed == 0; ++i) std::this_thread::sleep_for(10ms);
  intake.Stop();
  EXPECT_EQ(intake.stats().failed, 1);
  EXPECT_FALSE(store_->LoadDialogue("telegram", "42").has_value());
  EXPECT_EQ(Outbox(), 0);
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM inbound_messages WHERE error = 'unexpected'"), 1);
}

// Group commit: updates queued while the worker was busy are handled in one
// unit, in order, each seeing the state the one before it saved. They are
// queued as a previous run left them (recorded, pending) and replayed: the
// first one's handler sleeps while the rest are queued behind it (Accept
// would wait for the writer the busy worker holds).
TEST_F(SqliteUnitOfWorkTest, IntakeHandlesQueuedUpdatesAsOneGroupInOrder) {
  SystemClock clock;
  std::atomic<int> calls{0};
  ResidentIntake intake(
      *store_, clock,
      [&](const std::string& channel, const sdk::InboundMessage& m) {
        if (calls++ == 0) std::this_thread::sleep_for(300ms);
        const std::string before = store_->LoadDialogue(channel, m.chat_id).value_or("");
        store_->SaveDialogue(channel, m.chat_id, "", before + m.provider_id + ";", clock.Now());
        store_->EnqueueOutbox(Reply("reply:" + m.provider_id));
      },
      IntakeOptions{1, 100, 3, 16});
  sdk::InboundMessage m;
  m.chat_id = "42";
  for (int i = 1; i <= 6; ++i) {
    m.provider_id = "g" + std::to_string(i);
    ASSERT_TRUE(store_->RecordInbound("telegram", m.provider_id, InboundToJson(m), At(1)));
  }
  intake.Start();
  EXPECT_EQ(intake.Replay(), 6);
  for (int i = 0; i < 300 && intake.stats().handled < 6; ++i) std::this_thread::sleep_for(10ms);
  intake.Stop();
  EXPECT_EQ(calls.load(), 6);  // no update handled twice
  EXPECT_EQ(intake.stats().handled, 6);
  EXPECT_EQ(store_->LoadDialogue("telegram", "42").value_or(""), "g1;g2;g3;g4;g5;g6;");
  EXPECT_EQ(Outbox(), 6);
  EXPECT_EQ(Pending(), 0);
}

// One update of a group failing for good rolls the whole group back; each is
// then handled alone: the others are kept once, the failing one is recorded
// as failed with nothing of it kept.
TEST_F(SqliteUnitOfWorkTest, IntakeGroupWithAFailingUpdateKeepsTheOthersOnce) {
  SystemClock clock;
  std::atomic<int> calls{0};
  ResidentIntake intake(
      *store_, clock,
      [&](const std::string& channel, const sdk::InboundMessage& m) {
        if (calls++ == 0) std::this_thread::sleep_for(300ms);
        store_->SaveDialogue(channel, m.chat_id, "", "{\"last\":\"" + m.provider_id + "\"}",
                             clock.Now());
        store_->EnqueueOutbox(Reply("reply:" + m.provider_id));
        if (m.provider_id == "f3") throw std::runtime_error("bad update");
      },
      IntakeOptions{1, 100, 3, 16});
  sdk::InboundMessage m;
  for (int i = 1; i <= 5; ++i) {
    m.provider_id = "f" + std::to_string(i);
    m.chat_id = std::to_string(40 + i);
    ASSERT_TRUE(store_->RecordInbound("telegram", m.provider_id, InboundToJson(m), At(1)));
  }
  intake.Start();
  EXPECT_EQ(intake.Replay(), 5);
  for (int i = 0; i < 300 && intake.stats().handled + intake.stats().failed < 5; ++i)
    std::this_thread::sleep_for(10ms);
  intake.Stop();
  EXPECT_EQ(intake.stats().handled, 4);
  EXPECT_EQ(intake.stats().failed, 1);
  EXPECT_GT(calls.load(), 5);  // the group's try, then each alone
  EXPECT_EQ(Outbox(), 4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox WHERE idempotency_key = 'reply:f3'"), 0);
  EXPECT_FALSE(store_->LoadDialogue("telegram", "43").has_value());
  EXPECT_EQ(store_->LoadDialogue("telegram", "45").value_or(""), "{\"last\":\"f5\"}");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM inbound_messages WHERE error = 'bad update'"), 1);
  EXPECT_EQ(Pending(), 0);
}

}  // namespace
}  // namespace vikno
