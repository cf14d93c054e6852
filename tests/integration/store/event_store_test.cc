// Conformance of the events concern (store/event_store.h; R22, R23) on every
// backend: revisions and stale edits, the events page's filters and total,
// soft deletion that keeps the audit and cancels held notices, the residents
// subscribed at an event's addresses, the end-of-works bookkeeping and the
// notices counted per event.
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

Address Building(std::optional<int64_t> registry_id, std::string street, std::string house) {
  Address a;
  a.registry_id = registry_id;
  a.city = "Суми";
  a.street = std::move(street);
  a.house = std::move(house);
  return a;
}

AuditEntry EventAudit(const std::string& action, const std::string& id = "") {
  return AuditEntry{0, At(0), "admin-1", "administrator", "10.0.0.1", "event", id, action,
                    R"({"note":"test"})"};
}

template <class B>
class EventStoreConformance : public ::testing::Test {
 protected:
  void SetUp() override { store_ = B::Make(); }
  Store& store() { return *store_; }

  Event Draft(EventKind kind, std::string executor, int64_t start_h, std::optional<int64_t> end_h,
              std::vector<Address> addresses) {
    Event e;
    e.kind = kind;
    e.reason = "Заміна труб водогону";
    e.executor_id = std::move(executor);
    e.starts_at = At(start_h);
    if (end_h) e.ends_at = At(*end_h);
    e.addresses = std::move(addresses);
    e.created_by = "admin-1";
    e.created_at = At(0);
    return e;
  }

  Event Add(Event e) { return store().AddEvent(e, EventAudit("create")); }

  void AddResident(const std::string& id, std::vector<Address> addresses,
                std::vector<std::pair<std::string, bool>> channels) {
    vikno::Resident r;
    r.id = id;
    r.created_at = At(0);
    store().CreateResident(r, AuditEntry{0, At(0), "conversation", "system", "", "resident", id,
                                         "register", "{}"});
    for (const auto& a : addresses) store().AddResidentAddress(id, a, At(0));
    for (const auto& [channel, subscribed] : channels) {
      ChannelBinding b;
      b.resident_id = id;
      b.channel = channel;
      b.chat_id = channel + "-" + id;
      b.subscribed = subscribed;
      b.created_at = b.updated_at = At(0);
      store().UpsertChannelBinding(b);
    }
  }

  void Notice(int64_t event_id, const std::string& key, OutboxState state) {
    OutboxMessage m;
    m.idempotency_key = key;
    m.channel = "telegram";
    m.address = key;
    m.recipient_kind = "resident";
    m.text_key = "events.notice.new";
    m.batch_id = EventBatchId(event_id);
    m.state = state;
    m.next_attempt_at = m.created_at = m.updated_at = At(0);
    ASSERT_TRUE(store().EnqueueOutbox(m));
  }

  std::unique_ptr<Store> store_;
};

TYPED_TEST_SUITE(EventStoreConformance, Backends, BackendName);

TYPED_TEST(EventStoreConformance, AddedEventIsReadBackWithAddressesRevisionOneAndAudit) {
  Event draft = this->Draft(EventKind::kPlanned, "vodokanal", 30, 34,
                            {Building(7, "вулиця Соборна", "12"), Building({}, "вулиця Петропавлівська", "")});
  draft.short_notice_reason = "аварійна загроза";
  draft.end_is_approximate = true;
  const Event added = this->Add(draft);
  ASSERT_GT(added.id, 0);
  std::optional<Event> got = this->store().GetEvent(added.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->revision, 1);
  EXPECT_EQ(got->reason, "Заміна труб водогону");
  EXPECT_EQ(got->executor_id, "vodokanal");
  EXPECT_EQ(got->starts_at, At(30));
  EXPECT_EQ(got->ends_at, At(34));
  EXPECT_TRUE(got->end_is_approximate);
  EXPECT_EQ(got->short_notice_reason, "аварійна загроза");
  EXPECT_EQ(got->updated_at, At(0));
  EXPECT_FALSE(got->deleted_at);
  ASSERT_EQ(got->addresses.size(), 2u);
  EXPECT_EQ(got->addresses[0].registry_id, 7);
  EXPECT_EQ(got->addresses[1].street, "вулиця Петропавлівська");
  EXPECT_EQ(got->addresses[1].house, "");
  const auto audit = this->store().ListAudit("event", std::to_string(added.id));
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "create");
  EXPECT_FALSE(this->store().GetEvent(added.id + 1000));
}

TYPED_TEST(EventStoreConformance, UpdateBumpsRevisionAndRefusesAStaleOne) {
  const Event added = this->Add(
      this->Draft(EventKind::kPlanned, "vodokanal", 30, 34, {Building(7, "вулиця Соборна", "12")}));
  Event edit = added;
  edit.reason = "Заміна засувки";
  edit.ends_at = At(40);
  edit.addresses = {Building(8, "вулиця Соборна", "14")};
  edit.updated_by = "mod-1";
  edit.updated_at = At(1);
  Result<Event> updated = this->store().UpdateEvent(edit, EventAudit("update"));
  ASSERT_TRUE(updated) << updated.refusal().message;
  EXPECT_EQ(updated->revision, 2);
  EXPECT_EQ(updated->reason, "Заміна засувки");
  EXPECT_EQ(updated->ends_at, At(40));
  EXPECT_EQ(updated->created_by, "admin-1");
  EXPECT_EQ(updated->updated_by, "mod-1");
  ASSERT_EQ(updated->addresses.size(), 1u);
  EXPECT_EQ(updated->addresses[0].house, "14");
  // The same edit again names revision 1: someone else's edit came first.
  Result<Event> stale = this->store().UpdateEvent(edit, EventAudit("update"));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.refusal().code, "stale");
  EXPECT_EQ(this->store().GetEvent(added.id)->reason, "Заміна засувки");
  Event missing = edit;
  missing.id = added.id + 1000;
  Result<Event> not_found = this->store().UpdateEvent(missing, EventAudit("update"));
  ASSERT_FALSE(not_found);
  EXPECT_EQ(not_found.refusal().code, "not_found");
  EXPECT_EQ(this->store().ListAudit("event", std::to_string(added.id)).size(), 2u);

  // The end announcement is whatever the edit says (cleared when extended).
  ASSERT_TRUE(this->store().MarkEventEndAnnounced(added.id, At(41)));
  Event extended = this->store().GetEvent(added.id).value();
  extended.end_announced_at.reset();
  extended.ends_at = At(60);
  Result<Event> reopened = this->store().UpdateEvent(extended, EventAudit("update"));
  ASSERT_TRUE(reopened);
  EXPECT_FALSE(reopened->end_announced_at);
  EXPECT_EQ(this->store().ListEventsEndedUnannounced(At(61), 10).size(), 1u);
}

TYPED_TEST(EventStoreConformance, ListFiltersByPeriodServiceScopeAddressStatusAndKindWithTotal) {
  // now = hour 100. a: ended (completed); b: in work; c: later, planned; d: other service.
  const Event a = this->Add(this->Draft(EventKind::kEmergency, "vodokanal", 10, 20,
                                        {Building(7, "вулиця Соборна", "12")}));
  const Event b = this->Add(this->Draft(EventKind::kPlanned, "vodokanal", 90, 110,
                                        {Building({}, "вулиця Соборна", "")}));
  const Event c = this->Add(this->Draft(EventKind::kPlanned, "vodokanal", 130, std::nullopt,
                                        {Building(9, "вулиця Кооперативна", "3")}));
  const Event d = this->Add(this->Draft(EventKind::kEmergency, "teplo", 95, 105,
                                        {Building(7, "вулиця Соборна", "12")}));
  auto ids = [](const EventPage& p) {
    std::vector<int64_t> out;
    for (const auto& e : p.events) out.push_back(e.id);
    return out;
  };
  EventQuery all;
  all.now = At(100);
  EventPage page = this->store().ListEvents(all);
  EXPECT_EQ(page.total, 4);
  EXPECT_EQ(ids(page), (std::vector<int64_t>{c.id, d.id, b.id, a.id}));  // newest start first
  ASSERT_EQ(page.events[0].addresses.size(), 1u);

  EventQuery q = all;
  q.status = EventStatus::kCompleted;
  EXPECT_EQ(ids(this->store().ListEvents(q)), (std::vector<int64_t>{a.id}));
  q.status = EventStatus::kInWork;
  EXPECT_EQ(ids(this->store().ListEvents(q)), (std::vector<int64_t>{c.id, d.id, b.id}));

  q = all;
  q.from = At(100);
  q.to = At(120);
  EXPECT_EQ(ids(this->store().ListEvents(q)), (std::vector<int64_t>{d.id, b.id}));

  q = all;
  q.executor_id = "teplo";
  EXPECT_EQ(ids(this->store().ListEvents(q)), (std::vector<int64_t>{d.id}));
  q = all;
  q.services = std::vector<std::string>{"vodokanal"};
  EXPECT_EQ(this->store().ListEvents(q).total, 3);
  q.services = std::vector<std::string>{};
  EXPECT_EQ(this->store().ListEvents(q).total, 0);

  q = all;
  q.kind = EventKind::kEmergency;
  EXPECT_EQ(ids(this->store().ListEvents(q)), (std::vector<int64_t>{d.id, a.id}));

  // Building 12 of Соборна: by registry id or street + house; the whole
  // street event b covers it too.
  q = all;
  q.street = "вулиця Соборна";
  q.house = "12";
  EXPECT_EQ(ids(this->store().ListEvents(q)), (std::vector<int64_t>{d.id, b.id, a.id}));
  q = all;
  q.registry_id = 9;
  EXPECT_EQ(ids(this->store().ListEvents(q)), (std::vector<int64_t>{c.id}));
  q = all;
  q.street = "вулиця Соборна";
  EXPECT_EQ(this->store().ListEvents(q).total, 3);

  q = all;
  q.limit = 2;
  q.offset = 2;
  page = this->store().ListEvents(q);
  EXPECT_EQ(page.total, 4);
  EXPECT_EQ(ids(page), (std::vector<int64_t>{b.id, a.id}));
}

TYPED_TEST(EventStoreConformance, ListTreatsValuesAsDataNotSql) {
  this->Add(this->Draft(EventKind::kPlanned, "vodokanal", 10, 20, {Building(7, "вулиця Соборна", "12")}));
  EventQuery q;
  q.now = At(100);
  q.executor_id = "x' OR '1'='1";
  EXPECT_EQ(this->store().ListEvents(q).total, 0);
  q.executor_id.clear();
  q.street = "'; DELETE FROM events; --";
  EXPECT_EQ(this->store().ListEvents(q).total, 0);
  q.street.clear();
  EXPECT_EQ(this->store().ListEvents(q).total, 1);
}

TYPED_TEST(EventStoreConformance, DeleteIsSoftLeavesListsAndOutagesAndCancelsHeldNotices) {
  const Event e = this->Add(
      this->Draft(EventKind::kEmergency, "vodokanal", 1, 50, {Building(7, "вулиця Соборна", "12")}));
  this->Notice(e.id, "held", OutboxState::kQueued);
  this->Notice(e.id, "gone", OutboxState::kSent);
  ASSERT_EQ(this->store().ListActiveEventsAt({Building(7, "вулиця Соборна", "12")}, At(2)).size(),
            1u);
  Result<Event> deleted = this->store().DeleteEvent(e.id, "mod-1", At(2), EventAudit("delete"));
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->deleted_at, At(2));
  EXPECT_EQ(deleted->deleted_by, "mod-1");
  EventQuery q;
  q.now = At(2);
  EXPECT_EQ(this->store().ListEvents(q).total, 0);
  EXPECT_TRUE(this->store().ListActiveEventsAt({Building(7, "вулиця Соборна", "12")}, At(2)).empty());
  ASSERT_TRUE(this->store().GetEvent(e.id));  // kept for the audit
  EXPECT_EQ(this->store().FindOutboxByKey("held")->state, OutboxState::kFailed);
  EXPECT_EQ(this->store().FindOutboxByKey("gone")->state, OutboxState::kSent);
  const auto audit = this->store().ListAudit("event", std::to_string(e.id));
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[1].action, "delete");
  Result<Event> again = this->store().DeleteEvent(e.id, "mod-1", At(3), EventAudit("delete"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.refusal().code, "not_found");
  Event edit = deleted.value();
  Result<Event> update = this->store().UpdateEvent(edit, EventAudit("update"));
  ASSERT_FALSE(update);
  EXPECT_EQ(update.refusal().code, "not_found");
  EXPECT_TRUE(this->store().ListEventSubscribers(e.id).empty());
}

TYPED_TEST(EventStoreConformance, SubscribersAreSubscribedBindingsOfResidentsAtCoveredAddresses) {
  // Event covers building 7 (by registry id), Кооперативна 3 (by street and
  // house, outside the registry) and the whole of Петропавлівська.
  const Event e = this->Add(this->Draft(
      EventKind::kEmergency, "vodokanal", 1, 50,
      {Building(7, "вулиця Соборна", "12"), Building({}, "вулиця Кооперативна", "3"),
       Building({}, "вулиця Петропавлівська", "")}));
  this->AddResident("r-building", {Building(7, "вулиця Соборна", "12")},
                 {{"telegram", true}, {"viber", true}});
  this->AddResident("r-house", {Building({}, "вулиця Кооперативна", "3")}, {{"sms", true}});
  this->AddResident("r-street", {Building(55, "вулиця Петропавлівська", "80")}, {{"telegram", true}});
  this->AddResident("r-unsubscribed", {Building(7, "вулиця Соборна", "12")}, {{"telegram", false}});
  this->AddResident("r-elsewhere", {Building(8, "вулиця Соборна", "14")}, {{"telegram", true}});
  this->AddResident("r-next-house", {Building({}, "вулиця Кооперативна", "5")}, {{"telegram", true}});
  // Two saved addresses both covered: each binding still once.
  this->AddResident("r-twice",
                 {Building(7, "вулиця Соборна", "12"), Building({}, "вулиця Петропавлівська", "1")},
                 {{"email", true}});
  std::vector<std::string> got;
  for (const auto& s : this->store().ListEventSubscribers(e.id))
    got.push_back(s.resident_id + "/" + s.channel + "/" + s.chat_id);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{
                     "r-building/telegram/telegram-r-building", "r-building/viber/viber-r-building",
                     "r-house/sms/sms-r-house", "r-street/telegram/telegram-r-street",
                     "r-twice/email/email-r-twice"}));
}

TYPED_TEST(EventStoreConformance, BlockedResidentsAreNoSubscribersUntilTheBlockIsLifted) {
  // R30: one polite refusal and nothing else, so no event notice either.
  const Event e = this->Add(this->Draft(EventKind::kPlanned, "vodokanal", 1, 50,
                                        {Building(7, "вулиця Соборна", "12")}));
  this->AddResident("r-all", {Building(7, "вулиця Соборна", "12")},
                    {{"telegram", true}, {"viber", true}});
  this->AddResident("r-viber", {Building(7, "вулиця Соборна", "12")},
                    {{"telegram", true}, {"viber", true}});
  this->AddResident("r-free", {Building(7, "вулиця Соборна", "12")}, {{"sms", true}});
  const auto block = [&](const std::string& id, const std::string& channel) {
    return this->store().BlockResident(
        ResidentBlock{id, channel, "образи", "керівник", "admin-1", At(0)}, EventAudit("block", id));
  };
  ASSERT_TRUE(block("r-all", "all").ok());
  ASSERT_TRUE(block("r-viber", "viber").ok());
  const auto subscribers = [&] {
    std::vector<std::string> got;
    for (const auto& s : this->store().ListEventSubscribers(e.id))
      got.push_back(s.resident_id + "/" + s.channel);
    std::sort(got.begin(), got.end());
    return got;
  };
  EXPECT_EQ(subscribers(), (std::vector<std::string>{"r-free/sms", "r-viber/telegram"}));
  ASSERT_TRUE(this->store().UnblockResident("r-all", "all", EventAudit("unblock", "r-all")));
  ASSERT_TRUE(this->store().UnblockResident("r-viber", "viber", EventAudit("unblock", "r-viber")));
  EXPECT_EQ(subscribers(), (std::vector<std::string>{"r-all/telegram", "r-all/viber", "r-free/sms",
                                                      "r-viber/telegram", "r-viber/viber"}));
}

TYPED_TEST(EventStoreConformance, EndedEventsAreListedUntilTheirEndIsMarkedAnnouncedOnce) {
  const Event ended = this->Add(
      this->Draft(EventKind::kEmergency, "vodokanal", 1, 5, {Building(7, "вулиця Соборна", "12")}));
  const Event open = this->Add(
      this->Draft(EventKind::kPlanned, "vodokanal", 1, std::nullopt, {Building(7, "вулиця Соборна", "12")}));
  const Event later = this->Add(
      this->Draft(EventKind::kPlanned, "vodokanal", 1, 20, {Building(7, "вулиця Соборна", "12")}));
  auto listed = this->store().ListEventsEndedUnannounced(At(6), 10);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, ended.id);
  EXPECT_EQ(listed[0].addresses.size(), 1u);
  EXPECT_TRUE(this->store().MarkEventEndAnnounced(ended.id, At(6)));
  EXPECT_FALSE(this->store().MarkEventEndAnnounced(ended.id, At(7)));  // another host did it
  EXPECT_EQ(this->store().GetEvent(ended.id)->end_announced_at, At(6));
  EXPECT_TRUE(this->store().ListEventsEndedUnannounced(At(6), 10).empty());
  listed = this->store().ListEventsEndedUnannounced(At(30), 10);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, later.id);
  (void)open;
}

TYPED_TEST(EventStoreConformance, NoticesAreCountedPerEventAndHeldOnesCanBeCancelled) {
  const Event a = this->Add(
      this->Draft(EventKind::kEmergency, "vodokanal", 1, 5, {Building(7, "вулиця Соборна", "12")}));
  const Event b = this->Add(
      this->Draft(EventKind::kEmergency, "vodokanal", 1, 5, {Building(7, "вулиця Соборна", "12")}));
  this->Notice(a.id, "a1", OutboxState::kSent);
  this->Notice(a.id, "a2", OutboxState::kSent);
  this->Notice(a.id, "a3", OutboxState::kQueued);
  this->Notice(b.id, "b1", OutboxState::kFailed);
  auto counts = this->store().CountEventNotices({a.id, b.id, b.id + 100});
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[a.id].sent, 2);
  EXPECT_EQ(counts[a.id].queued, 1);
  EXPECT_EQ(counts[a.id].total(), 3);
  EXPECT_EQ(counts[b.id].failed, 1);
  EXPECT_EQ(this->store().CancelQueuedEventNotices(a.id, "superseded", At(2)), 1);
  EXPECT_EQ(this->store().FindOutboxByKey("a3")->last_error, "superseded");
  counts = this->store().CountEventNotices({a.id});
  EXPECT_EQ(counts[a.id].failed, 1);
  EXPECT_EQ(counts[a.id].queued, 0);
  EXPECT_TRUE(this->store().CountEventNotices({}).empty());
}

}  // namespace
}  // namespace vikno::testing
