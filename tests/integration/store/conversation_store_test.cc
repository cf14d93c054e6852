// Conformance of the conversation concern (store/conversation_store.h) and
// the outbox's payload and receipts, on every backend: dialogue state per
// chat, residents' addresses kept once per building + flat + entrance,
// ratings, outages at addresses, the registry's bulk import, and the
// idempotent intake record.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "integration/store/backends.h"
#include "store/store.h"

namespace vikno::testing {
namespace {

constexpr int64_t kBase = 1'700'000'000;
Timestamp At(int64_t hours) { return FromUnix(kBase + hours * 3600); }

template <class B>
class ConversationStoreConformance : public ::testing::Test {
 protected:
  void SetUp() override { store_ = B::Make(); }
  Store& store() { return *store_; }

  std::string NewResident(const std::string& id) {
    Resident r;
    r.id = id;
    r.created_at = At(0);
    store().CreateResident(r, AuditEntry{0, At(0), "conversation", "system", "", "resident", id,
                                         "register", "{}"});
    return id;
  }

  std::unique_ptr<Store> store_;
};

TYPED_TEST_SUITE(ConversationStoreConformance, Backends, BackendName);

Address Building(int64_t registry_id, std::string street, std::string house) {
  Address a;
  a.registry_id = registry_id;
  a.city = "Суми";
  a.district = "Ковпаківський";
  a.street = std::move(street);
  a.house = std::move(house);
  a.point = GeoPoint{50.9077, 34.7981};
  return a;
}

TYPED_TEST(ConversationStoreConformance, DialogueIsSavedPerChatAndReplaced) {
  EXPECT_FALSE(this->store().LoadDialogue("telegram", "42"));
  this->store().SaveDialogue("telegram", "42", "r1", R"({"stage":"consent"})", At(1));
  this->store().SaveDialogue("viber", "42", "r2", R"({"stage":"menu"})", At(1));
  this->store().SaveDialogue("telegram", "42", "r1", R"({"stage":"address"})", At(2));
  EXPECT_EQ(this->store().LoadDialogue("telegram", "42"), R"({"stage":"address"})");
  EXPECT_EQ(this->store().LoadDialogue("viber", "42"), R"({"stage":"menu"})");
  EXPECT_FALSE(this->store().LoadDialogue("telegram", "43"));
}

TYPED_TEST(ConversationStoreConformance, ResidentAddressesAreKeptOnceOldestFirst) {
  const std::string r = this->NewResident("res-1");
  Address home = Building(7, "вулиця Соборна", "12");
  home.flat = "5";
  home.entrance = "2";
  EXPECT_TRUE(this->store().AddResidentAddress(r, home, At(1)));
  EXPECT_FALSE(this->store().AddResidentAddress(r, home, At(2)));  // the same building/flat/entrance
  Address other_flat = home;
  other_flat.flat = "6";
  EXPECT_TRUE(this->store().AddResidentAddress(r, other_flat, At(3)));
  Address unregistered;
  unregistered.city = "Суми";
  unregistered.street = "вулиця Нова";
  unregistered.house = "1";
  EXPECT_TRUE(this->store().AddResidentAddress(r, unregistered, At(4)));
  EXPECT_FALSE(this->store().AddResidentAddress(r, unregistered, At(5)));

  const auto list = this->store().ListResidentAddresses(r);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].registry_id, std::optional<int64_t>(7));
  EXPECT_EQ(list[0].street, "вулиця Соборна");
  EXPECT_EQ(list[0].district, "Ковпаківський");
  EXPECT_EQ(list[0].flat, "5");
  EXPECT_EQ(list[0].entrance, "2");
  ASSERT_TRUE(list[0].point);
  EXPECT_DOUBLE_EQ(list[0].point->lat, 50.9077);
  EXPECT_EQ(list[1].flat, "6");
  EXPECT_FALSE(list[2].registry_id);
  EXPECT_FALSE(list[2].point);
  EXPECT_TRUE(this->store().ListResidentAddresses("nobody").empty());
  EXPECT_THROW(this->store().AddResidentAddress("nobody", home, At(1)), StoreError);
}

TYPED_TEST(ConversationStoreConformance, RatingsAreStoredAndRefusedOutsideOneToFive) {
  Rating ok;
  ok.resident_id = "res-1";
  ok.executor_id = "roads";
  ok.score = 5;
  ok.comment = "Швидко";
  ok.created_at = At(3);
  const int64_t id = this->store().AddRating(ok);
  EXPECT_GT(id, 0);
  Rating bad = ok;
  bad.score = 6;
  EXPECT_THROW(this->store().AddRating(bad), StoreError);
}

TYPED_TEST(ConversationStoreConformance, ActiveEventsAtBuildingsAndWholeStreets) {
  Event water;
  water.kind = EventKind::kEmergency;
  water.reason = "Прорив труби";
  water.executor_id = "vodokanal";
  water.starts_at = At(0);
  water.ends_at = At(10);
  water.addresses = {Building(7, "вулиця Соборна", "12")};
  water.created_at = At(0);
  const int64_t water_id = this->store().CreateEvent(water);

  Event street = water;
  street.kind = EventKind::kPlanned;
  street.reason = "Ремонт мереж";
  street.starts_at = At(1);
  street.ends_at = std::nullopt;
  Address whole;
  whole.city = "Суми";
  whole.street = "вулиця Соборна";
  street.addresses = {whole};
  const int64_t street_id = this->store().CreateEvent(street);

  Event elsewhere = water;
  elsewhere.addresses = {Building(9, "вулиця Харківська", "3")};
  this->store().CreateEvent(elsewhere);

  Event over = water;
  over.starts_at = At(-10);
  over.ends_at = At(-1);
  this->store().CreateEvent(over);

  Address mine = Building(7, "вулиця Соборна", "12");
  auto events = this->store().ListActiveEventsAt({mine}, At(2));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, water_id);
  EXPECT_EQ(events[0].kind, EventKind::kEmergency);
  EXPECT_EQ(events[0].reason, "Прорив труби");
  ASSERT_EQ(events[0].addresses.size(), 1u);
  EXPECT_EQ(events[0].addresses[0].registry_id, std::optional<int64_t>(7));
  EXPECT_EQ(events[1].id, street_id);
  EXPECT_FALSE(events[1].ends_at);

  // A neighbour on the same street sees only the street-wide one.
  Address neighbour = Building(8, "вулиця Соборна", "14");
  events = this->store().ListActiveEventsAt({neighbour}, At(2));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, street_id);
  // Before it starts, and after it ends, nothing.
  EXPECT_EQ(this->store().ListActiveEventsAt({mine}, At(0)).size(), 1u);
  EXPECT_EQ(this->store().ListActiveEventsAt({mine}, At(11)).size(), 1u);
  EXPECT_TRUE(this->store().ListActiveEventsAt({}, At(2)).empty());
}

TYPED_TEST(ConversationStoreConformance, RegistryBulkUpsertCountsAndKeepsIds) {
  std::vector<RegistryAddress> rows;
  for (int i = 1; i <= 300; ++i)
    rows.push_back(RegistryAddress{0, "Суми", "Зарічний", "вулиця Соборна", std::to_string(i), {}});
  auto counts = this->store().UpsertRegistryAddresses(rows);
  EXPECT_EQ(counts.inserted, 300);
  EXPECT_EQ(counts.updated, 0);
  const auto before = this->store().ListRegistryAddresses("Суми");
  ASSERT_EQ(before.size(), 300u);

  rows[0].district = "Ковпаківський";
  rows[0].point = GeoPoint{50.9, 34.8};
  rows.push_back(RegistryAddress{0, "Суми", "", "вулиця Нова", "1", {}});
  counts = this->store().UpsertRegistryAddresses(rows);
  EXPECT_EQ(counts.inserted, 1);
  EXPECT_EQ(counts.updated, 300);
  const auto after = this->store().ListRegistryAddresses("Суми");
  ASSERT_EQ(after.size(), 301u);
  for (const auto& a : after) {
    if (a.street == "вулиця Соборна" && a.house == "1") {
      EXPECT_EQ(a.district, "Ковпаківський");
      ASSERT_TRUE(a.point);
      const auto old = std::find_if(before.begin(), before.end(),
                                    [&](const RegistryAddress& b) { return b.house == "1"; });
      EXPECT_EQ(a.id, old->id);  // the id appeals refer to is kept
    }
  }
}

TYPED_TEST(ConversationStoreConformance, InboundIsRecordedOnceAndReplayedUntilCompleted) {
  Store& s = this->store();
  EXPECT_TRUE(s.RecordInbound("telegram", "1001", R"({"chat_id":"42","text":"a"})", At(1)));
  EXPECT_FALSE(s.RecordInbound("telegram", "1001", R"({"chat_id":"42","text":"b"})", At(1)));
  EXPECT_TRUE(s.RecordInbound("viber", "1001", R"({"chat_id":"7"})", At(1)));  // per channel
  EXPECT_TRUE(s.RecordInbound("telegram", "1002", R"({"chat_id":"42"})", At(2)));

  auto pending = s.ListPendingInbound(0, 10);
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].channel, "telegram");
  EXPECT_EQ(pending[0].provider_id, "1001");
  EXPECT_EQ(pending[0].payload_json, R"({"chat_id":"42","text":"a"})");  // the first one kept
  EXPECT_EQ(pending[0].received_at, At(1));
  EXPECT_LT(pending[0].id, pending[1].id);
  EXPECT_EQ(s.ListPendingInbound(pending[0].id, 10).size(), 2u);
  EXPECT_EQ(s.ListPendingInbound(0, 1).size(), 1u);

  s.CompleteInbound("telegram", "1001", "", At(3));
  s.CompleteInbound("viber", "1001", "could not parse", At(3));
  pending = s.ListPendingInbound(0, 10);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].provider_id, "1002");
  // Completed keys still de-duplicate...
  EXPECT_FALSE(s.RecordInbound("telegram", "1001", "{}", At(4)));
  // ...until they are purged; pending ones are never purged.
  EXPECT_EQ(s.PurgeInbound(At(5)), 2);
  EXPECT_EQ(s.ListPendingInbound(0, 10).size(), 1u);
  EXPECT_TRUE(s.RecordInbound("telegram", "1001", "{}", At(6)));
  EXPECT_THROW(s.RecordInbound("telegram", "", "{}", At(6)), StoreError);
}

TYPED_TEST(ConversationStoreConformance, OutboxRowsCarryPayloadAndReceipts) {
  Store& s = this->store();
  OutboxMessage m;
  m.idempotency_key = "reply:telegram:1001:0";
  m.channel = "telegram";
  m.address = "42";
  m.recipient_kind = "resident";
  m.recipient_id = "res-1";
  m.text_key = "bot.menu.prompt";
  m.payload_json = R"({"text":"Меню","keyboard":{"kind":"inline","rows":[]}})";
  m.next_attempt_at = At(1);
  m.created_at = m.updated_at = At(1);
  ASSERT_TRUE(s.EnqueueOutbox(m));
  auto claimed = s.ClaimOutbox("telegram", "tok", At(1), At(2), 10);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].payload_json, m.payload_json);
  ASSERT_TRUE(s.MarkOutboxSent(claimed[0].id, "tok", "777", At(1)));

  EXPECT_FALSE(s.RecordOutboxReceipt("telegram", "778", "delivered", "", At(2)));
  EXPECT_FALSE(s.RecordOutboxReceipt("viber", "777", "delivered", "", At(2)));
  EXPECT_TRUE(s.RecordOutboxReceipt("telegram", "777", "read", "seen", At(2)));
  EXPECT_TRUE(s.RecordOutboxReceipt("telegram", "777", "delivered", "late", At(3)));
  auto row = s.FindOutboxByKey(m.idempotency_key);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->receipt, "read");  // a late "delivered" does not undo "read"
  EXPECT_EQ(row->receipt_detail, "late");
  EXPECT_EQ(row->receipt_at, At(3));
  EXPECT_TRUE(s.RecordOutboxReceipt("telegram", "777", "failed", "expired", At(4)));
  EXPECT_EQ(s.FindOutboxByKey(m.idempotency_key)->receipt, "failed");

  // A notice row without a payload reads back with an empty one.
  OutboxMessage notice = m;
  notice.idempotency_key = "status:1:2";
  notice.payload_json.clear();
  ASSERT_TRUE(s.EnqueueOutbox(notice));
  EXPECT_EQ(s.FindOutboxByKey("status:1:2")->payload_json, "");
  EXPECT_EQ(s.FindOutboxByKey("status:1:2")->receipt, "");
}

}  // namespace
}  // namespace vikno::testing
