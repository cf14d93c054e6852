// The Store conformance suite: every backend must pass every case here, so the
// workflow can rely on one behaviour whichever database a city runs
// (DESIGN.md, "Storage"). Each case gets a fresh, migrated, empty store from
// Backend::Make(); test names carry the backend, e.g.
// StoreConformance/sqlite.CreateAppealAssignsNumberAtOnce.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/store/backends.h"
#include "store/store.h"

namespace vikno::testing {
namespace {

// The backends under test. A backend joins the suite by being listed here.
// MariaDB is built only with VIKNO_WITH_MYSQL (CMakeLists.txt defines
// VIKNO_TEST_MARIADB then).
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr int64_t kBase = 1'700'000'000;  // 2023-11-14T22:13:20Z
Timestamp At(int64_t hours) { return FromUnix(kBase + hours * 3600); }

AuditEntry AuditOf(std::string action, std::string entity = "appeal", std::string entity_id = "") {
  return AuditEntry{0,
                    At(0),
                    "op-7",
                    "operator",
                    "10.0.0.7",
                    std::move(entity),
                    std::move(entity_id),
                    std::move(action),
                    R"({"why":"test"})"};
}

// An appeal with every field set to something other than its default.
Appeal FullDraft() {
  Appeal a;
  a.type = "emergency";
  a.category = "water/no-water";
  a.executors = {"vodokanal", "zhek-3", "teplomerezha"};
  a.address.registry_id = 4242;
  a.address.city = "Суми";
  a.address.district = "Ковпаківський";
  a.address.street = "вулиця Соборна";
  a.address.house = "12А";
  a.address.flat = "37";
  a.address.entrance = "2";
  a.address.point = GeoPoint{50.9077123456789, 34.7981987654321};
  a.description = "Немає води з ранку";
  a.channel = "telegram";
  a.resident_id = "0123456789abcdef0123456789abcdef";
  a.anonymous = true;
  a.status = Status::kInWork;
  a.created_at = At(1);
  a.updated_at = At(2);
  a.accept_due = At(3);
  a.resolve_due = At(25);
  a.accepted_at = At(2);
  a.closed_at = std::nullopt;
  a.repeat_of = 77;
  a.commission_inspection = true;
  return a;
}

// A plain appeal for list cases.
Appeal Simple(int64_t created_hour, Status status, std::string category,
              std::vector<std::string> executors, std::string street, std::string house) {
  Appeal a;
  a.type = "ordinary";
  a.category = std::move(category);
  a.executors = std::move(executors);
  a.address.city = "Суми";
  a.address.street = std::move(street);
  a.address.house = std::move(house);
  a.description = "опис";
  a.channel = "telegram";
  a.status = status;
  a.created_at = At(created_hour);
  a.updated_at = At(created_hour);
  return a;
}

void ExpectSameContent(const Appeal& got, const Appeal& want) {
  EXPECT_EQ(got.type, want.type);
  EXPECT_EQ(got.category, want.category);
  EXPECT_EQ(got.executors, want.executors);
  EXPECT_EQ(got.address.registry_id, want.address.registry_id);
  EXPECT_EQ(got.address.city, want.address.city);
  EXPECT_EQ(got.address.district, want.address.district);
  EXPECT_EQ(got.address.street, want.address.street);
  EXPECT_EQ(got.address.house, want.address.house);
  EXPECT_EQ(got.address.flat, want.address.flat);
  EXPECT_EQ(got.address.entrance, want.address.entrance);
  ASSERT_EQ(got.address.point.has_value(), want.address.point.has_value());
  if (want.address.point) {
    EXPECT_EQ(got.address.point->lat, want.address.point->lat);
    EXPECT_EQ(got.address.point->lon, want.address.point->lon);
  }
  EXPECT_EQ(got.description, want.description);
  EXPECT_EQ(got.channel, want.channel);
  EXPECT_EQ(got.resident_id, want.resident_id);
  EXPECT_EQ(got.anonymous, want.anonymous);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.updated_at, want.updated_at);
  EXPECT_EQ(got.accept_due, want.accept_due);
  EXPECT_EQ(got.resolve_due, want.resolve_due);
  EXPECT_EQ(got.accepted_at, want.accepted_at);
  EXPECT_EQ(got.closed_at, want.closed_at);
  EXPECT_EQ(got.repeat_of, want.repeat_of);
  EXPECT_EQ(got.commission_inspection, want.commission_inspection);
}

std::vector<int64_t> Ids(const AppealPage& page) {
  std::vector<int64_t> ids;
  for (const auto& a : page.items) ids.push_back(a.id);
  return ids;
}

Resident NewResident(std::string id, int64_t created_hour, std::string phone) {
  Resident r;
  r.id = std::move(id);
  r.identity = Identity{"Олена Петрівна", std::move(phone), "olena@example.org"};
  r.consent = Consent{At(created_hour), "privacy-2024-01"};
  r.created_at = At(created_hour);
  return r;
}

template <class B>
class StoreConformance : public ::testing::Test {
 protected:
  void SetUp() override { store_ = B::Make(); }
  Store& store() { return *store_; }

  Appeal Create(const Appeal& draft) { return store().CreateAppeal(draft, AuditOf("create")); }

  std::unique_ptr<Store> store_;
};

TYPED_TEST_SUITE(StoreConformance, Backends, BackendName);

// ---------------------------------------------------------------------------
// Migrations

TYPED_TEST(StoreConformance, MigrationsAreAppliedAndRecorded) {
  const auto applied = this->store().Migrations();
  ASSERT_FALSE(applied.empty());
  EXPECT_EQ(applied.front().version, 1);
  EXPECT_EQ(applied.front().name, "001_initial.sql");
  const Timestamp now = SystemClock().Now();
  for (size_t i = 0; i < applied.size(); ++i) {
    EXPECT_EQ(applied[i].version, static_cast<int>(i) + 1) << "versions are consecutive";
    EXPECT_TRUE(applied[i].name.ends_with(".sql")) << applied[i].name;
    EXPECT_LE(applied[i].applied_at, now);
    EXPECT_GT(applied[i].applied_at, now - std::chrono::hours(1));
  }
  EXPECT_TRUE(this->store().Ping());
  EXPECT_FALSE(this->store().Backend().empty());
}

TYPED_TEST(StoreConformance, MigrateAgainIsANoOp) {
  const Appeal kept = this->Create(FullDraft());
  const auto before = this->store().Migrations();
  this->store().Migrate();
  this->store().Migrate();
  const auto after = this->store().Migrations();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].version, before[i].version);
    EXPECT_EQ(after[i].name, before[i].name);
    EXPECT_EQ(after[i].applied_at, before[i].applied_at);
  }
  ASSERT_TRUE(this->store().FindAppeal(kept.id).has_value());
}

// ---------------------------------------------------------------------------
// Creating and finding appeals

TYPED_TEST(StoreConformance, CreateAppealRoundTripsEveryField) {
  const Appeal draft = FullDraft();
  const Appeal created = this->Create(draft);
  EXPECT_GT(created.id, 0);
  EXPECT_EQ(created.version, 1);
  ExpectSameContent(created, draft);

  const auto found = this->store().FindAppeal(created.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, created.id);
  EXPECT_EQ(found->number, created.number);
  EXPECT_EQ(found->version, 1);
  ExpectSameContent(*found, draft);
}

TYPED_TEST(StoreConformance, OptionalFieldsStayAbsent) {
  Appeal draft = Simple(1, Status::kNew, "roads/pits", {}, "", "");
  draft.address.city = "";
  const Appeal created = this->Create(draft);
  const auto found = this->store().FindAppeal(created.id);
  ASSERT_TRUE(found.has_value());
  ExpectSameContent(*found, draft);
  EXPECT_TRUE(found->executors.empty());
  EXPECT_FALSE(found->address.registry_id.has_value());
  EXPECT_FALSE(found->address.point.has_value());
  EXPECT_FALSE(found->accept_due.has_value());
  EXPECT_FALSE(found->resolve_due.has_value());
  EXPECT_FALSE(found->repeat_of.has_value());
  EXPECT_FALSE(this->store().FindAppeal(created.id + 1000).has_value());
  EXPECT_FALSE(this->store().FindAppealByNumber("no-such-number").has_value());
}

TYPED_TEST(StoreConformance, CreateAppealAssignsNumberAtOnceAndUnique) {
  // R5, 003 §2.2: the number is told to the resident at once.
  const Appeal a = this->Create(FullDraft());
  const Appeal b = this->Create(FullDraft());
  EXPECT_FALSE(a.number.empty());
  EXPECT_NE(a.number, b.number);
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(a.number, std::to_string(a.id));
  EXPECT_EQ(b.number, std::to_string(b.id));
  const auto by_number = this->store().FindAppealByNumber(b.number);
  ASSERT_TRUE(by_number.has_value());
  EXPECT_EQ(by_number->id, b.id);

  Appeal numbered = FullDraft();
  numbered.number = "КР-2024-000123";
  const Appeal c = this->Create(numbered);
  EXPECT_EQ(c.number, "КР-2024-000123");
  EXPECT_EQ(this->store().FindAppealByNumber("КР-2024-000123")->id, c.id);
  // A number already given out is refused and nothing is written.
  EXPECT_THROW(this->Create(numbered), StoreError);
  EXPECT_EQ(this->store().ListAppeals(AppealQuery{.with_total = true}).total, 3);
}

TYPED_TEST(StoreConformance, ConcurrentCreatesGetDistinctNumbers) {
  constexpr int kThreads = 4, kEach = 20;
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> numbers(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &numbers] {
      for (int i = 0; i < kEach; ++i) {
        numbers[t].push_back(this->Create(FullDraft()).number);
        this->store().ListAppeals(AppealQuery{.limit = 5});
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (const auto& list : numbers) all.insert(list.begin(), list.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
}

TYPED_TEST(StoreConformance, CreateAppealWritesAuditWithTheNewId) {
  const Appeal a = this->Create(FullDraft());
  const auto trail = this->store().ListAudit("appeal", std::to_string(a.id));
  ASSERT_EQ(trail.size(), 1u);
  EXPECT_GT(trail[0].id, 0);
  EXPECT_EQ(trail[0].action, "create");
  EXPECT_EQ(trail[0].actor_id, "op-7");
  EXPECT_EQ(trail[0].actor_role, "operator");
  EXPECT_EQ(trail[0].client_address, "10.0.0.7");
  EXPECT_EQ(trail[0].at, At(0));
  EXPECT_EQ(trail[0].details, R"({"why":"test"})");
}

TYPED_TEST(StoreConformance, FailingAuditLeavesNoAppealBehind) {
  // The appeal row is written first and the audit insert fails after it: the
  // whole transaction must roll back (R33: no change without its audit).
  AuditEntry bad = AuditOf("");
  EXPECT_THROW(this->store().CreateAppeal(FullDraft(), bad), StoreError);
  const AppealPage page = this->store().ListAppeals(AppealQuery{.with_total = true});
  EXPECT_THAT(page.items, IsEmpty());
  EXPECT_EQ(page.total, 0);
  // The store stays usable and the failed attempt left no number taken.
  const Appeal ok = this->Create(FullDraft());
  EXPECT_EQ(this->store().ListAudit("appeal", std::to_string(ok.id)).size(), 1u);
  EXPECT_EQ(this->store().ListAppeals(AppealQuery{.with_total = true}).total, 1);
}

TYPED_TEST(StoreConformance, ImportAppealsKeepsNumbersAndIsAllOrNothing) {
  std::vector<Appeal> batch;
  for (int i = 0; i < 30; ++i) {
    Appeal a = Simple(i, Status::kCompleted, "water/leak", {"vodokanal"}, "Соборна", "1");
    if (i % 2 == 0) a.number = "OLD-" + std::to_string(i);
    a.closed_at = At(i + 1);
    batch.push_back(a);
  }
  this->store().ImportAppeals(batch);
  const AppealPage page =
      this->store().ListAppeals(AppealQuery{.sort = AppealQuery::Sort::kOldestFirst, .limit = 100});
  ASSERT_EQ(page.items.size(), 30u);
  EXPECT_EQ(page.items[0].number, "OLD-0");
  EXPECT_EQ(page.items[1].number, std::to_string(page.items[1].id));
  EXPECT_EQ(page.items[0].executors, std::vector<std::string>{"vodokanal"});
  EXPECT_EQ(page.items[0].closed_at, At(1));

  // A duplicate number in the second batch: none of that batch stays.
  std::vector<Appeal> bad = {Simple(50, Status::kNew, "x", {}, "", ""),
                             Simple(51, Status::kNew, "x", {}, "", "")};
  bad[1].number = "OLD-0";
  EXPECT_THROW(this->store().ImportAppeals(bad), StoreError);
  EXPECT_EQ(this->store().ListAppeals(AppealQuery{.with_total = true}).total, 30);
}

// ---------------------------------------------------------------------------
// Updating appeals

TYPED_TEST(StoreConformance, UpdateAppealBumpsVersionAndWritesAudit) {
  const Appeal created = this->Create(FullDraft());
  Appeal change = created;
  change.status = Status::kAwaitingConfirmation;
  change.executors = {"zhek-3"};
  change.updated_at = At(5);
  change.resolve_due = std::nullopt;
  change.address.point = std::nullopt;
  change.description = "Вода є, але слабкий тиск";
  const Result<Appeal> updated =
      this->store().UpdateAppeal(change, AuditOf("send_for_confirmation"));
  ASSERT_TRUE(updated.ok()) << updated.refusal().message;
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->number, created.number);
  ExpectSameContent(updated.value(), change);

  const auto found = this->store().FindAppeal(created.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->version, 2);
  ExpectSameContent(*found, change);
  EXPECT_EQ(found->lead_executor(), "zhek-3");

  const auto trail = this->store().ListAudit("appeal", std::to_string(created.id));
  ASSERT_EQ(trail.size(), 2u);
  EXPECT_EQ(trail[0].action, "create");
  EXPECT_EQ(trail[1].action, "send_for_confirmation");
}

TYPED_TEST(StoreConformance, UpdateAppealRefusesStaleWrite) {
  const Appeal created = this->Create(FullDraft());
  Appeal first = created, second = created;
  first.status = Status::kAwaitingConfirmation;
  second.status = Status::kRejected;
  ASSERT_TRUE(this->store().UpdateAppeal(first, AuditOf("send_for_confirmation")).ok());
  const Result<Appeal> late = this->store().UpdateAppeal(second, AuditOf("reject"));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.refusal().code, "stale");
  const auto found = this->store().FindAppeal(created.id);
  EXPECT_EQ(found->status, Status::kAwaitingConfirmation);
  EXPECT_EQ(found->version, 2);
  EXPECT_EQ(this->store().ListAudit("appeal", std::to_string(created.id)).size(), 2u)
      << "a refused write leaves no audit entry";
}

TYPED_TEST(StoreConformance, UpdateAppealRefusesUnknownId) {
  Appeal ghost = FullDraft();
  ghost.id = 987654;
  ghost.version = 1;
  const Result<Appeal> r = this->store().UpdateAppeal(ghost, AuditOf("take_into_work"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.refusal().code, "not_found");
}

TYPED_TEST(StoreConformance, UpdateAppealWithFailingAuditChangesNothing) {
  const Appeal created = this->Create(FullDraft());
  Appeal change = created;
  change.status = Status::kCompleted;
  change.executors = {"other"};
  EXPECT_THROW((void)this->store().UpdateAppeal(change, AuditOf("")), StoreError);
  const auto found = this->store().FindAppeal(created.id);
  EXPECT_EQ(found->status, created.status);
  EXPECT_EQ(found->version, 1);
  EXPECT_EQ(found->executors, created.executors);
}

// ---------------------------------------------------------------------------
// The appeals list (R28, R29)

// Six cards that each filter tells apart; see the expectations per case.
template <class B>
class AppealList : public StoreConformance<B> {
 protected:
  void SetUp() override {
    StoreConformance<B>::SetUp();
    Appeal a1 = Simple(1, Status::kNew, "water/no-water", {"vodokanal", "zhek-1"}, "Соборна", "1");
    a1.address.registry_id = 10;
    a1.resident_id = "r1";
    a1.resolve_due = At(10);
    Appeal a2 = Simple(2, Status::kInWork, "water/leak", {"vodokanal"}, "Соборна", "2");
    a2.address.registry_id = 11;
    a2.resident_id = "r2";
    a2.channel = "viber";
    a2.resolve_due = At(5);
    Appeal a3 = Simple(3, Status::kCompleted, "water", {"zhek-1", "vodokanal"}, "Соборна", "1");
    a3.address.registry_id = 10;
    a3.resident_id = "r1";
    a3.channel = "phone";
    a3.resolve_due = At(4);
    a3.closed_at = At(4);
    Appeal a4 = Simple(4, Status::kNew, "waterworks/pipes", {"teplo"}, "Шевченка", "1");
    a4.resident_id = "r3";  // no deadline: a long-term appeal
    Appeal a5 =
        Simple(5, Status::kAwaitingConfirmation, "water-supply", {"teplo"}, "Шевченка", "10");
    a5.channel = "web";
    a5.resolve_due = At(7);
    Appeal a6 = Simple(6, Status::kRejected, "roads/pits", {"dorogi"}, "Соборна", "1");
    a6.address.registry_id = 10;
    a6.resident_id = "r2";
    a6.resolve_due = At(20);
    a6.closed_at = At(6);
    for (const Appeal& a : {a1, a2, a3, a4, a5, a6}) id_.push_back(this->Create(a).id);
  }

  // The ids of the seeded cards, 1-based as in the comments.
  std::vector<int64_t> Expect(std::initializer_list<int> which) const {
    std::vector<int64_t> ids;
    for (int n : which) ids.push_back(id_[static_cast<size_t>(n - 1)]);
    return ids;
  }
  std::vector<int64_t> List(AppealQuery q) { return Ids(this->store().ListAppeals(q)); }

  std::vector<int64_t> id_;
};

TYPED_TEST_SUITE(AppealList, Backends, BackendName);

TYPED_TEST(AppealList, FiltersByPeriod) {
  EXPECT_EQ(this->List({.created_from = At(2), .created_to = At(5)}), this->Expect({4, 3, 2}));
  EXPECT_EQ(this->List({.created_from = At(5)}), this->Expect({6, 5}));
  EXPECT_EQ(this->List({.created_to = At(2)}), this->Expect({1}));
}

TYPED_TEST(AppealList, FiltersByExecutorScopeOfTheLead) {
  // R26: a moderator sees the appeals whose lead executor is in scope.
  EXPECT_EQ(this->List({.executors = std::vector<std::string>{"vodokanal"}}), this->Expect({2, 1}));
  EXPECT_EQ(this->List({.executors = std::vector<std::string>{"zhek-1", "teplo"}}),
            this->Expect({5, 4, 3}));
  EXPECT_EQ(this->List({.executors = std::vector<std::string>{"teplo", "teplo", "zhek-1"}}),
            this->Expect({5, 4, 3}));
  EXPECT_THAT(this->List({.executors = std::vector<std::string>{"nobody"}}), IsEmpty());
}

TYPED_TEST(AppealList, EmptyExecutorScopeSeesNothing) {
  const AppealPage page =
      this->store().ListAppeals({.executors = std::vector<std::string>{}, .with_total = true});
  EXPECT_THAT(page.items, IsEmpty());
  EXPECT_FALSE(page.has_more);
  EXPECT_EQ(page.total, 0);
}

TYPED_TEST(AppealList, FiltersByCategoryLeafAndBranch) {
  EXPECT_EQ(this->List({.category = "water/leak"}), this->Expect({2}));
  // The branch covers itself and what is under "water/", not "waterworks"
  // nor "water-supply".
  EXPECT_EQ(this->List({.category = "water"}), this->Expect({3, 2, 1}));
  EXPECT_EQ(this->List({.category = "roads"}), this->Expect({6}));
  EXPECT_THAT(this->List({.category = "wat"}), IsEmpty());
  EXPECT_THAT(this->List({.category = "water/"}), IsEmpty());
}

TYPED_TEST(AppealList, FiltersByStatuses) {
  EXPECT_EQ(this->List({.statuses = {Status::kNew}}), this->Expect({4, 1}));
  EXPECT_EQ(this->List({.statuses = {Status::kCompleted, Status::kRejected}}),
            this->Expect({6, 3}));
  EXPECT_EQ(
      this->List({.statuses = {Status::kNew, Status::kInWork, Status::kAwaitingConfirmation}}),
      this->Expect({5, 4, 2, 1}));
  EXPECT_THAT(this->List({.statuses = {Status::kStrategicPlan}}), IsEmpty());
}

TYPED_TEST(AppealList, FiltersByStreetAndHouse) {
  EXPECT_EQ(this->List({.street = "Соборна"}), this->Expect({6, 3, 2, 1}));
  EXPECT_EQ(this->List({.street = "Соборна", .house = "1"}), this->Expect({6, 3, 1}));
  EXPECT_EQ(this->List({.house = "1"}), this->Expect({6, 4, 3, 1}));
  EXPECT_THAT(this->List({.street = "Соборн"}), IsEmpty()) << "street is matched exactly";
}

TYPED_TEST(AppealList, FiltersByRegistryResidentAndChannel) {
  EXPECT_EQ(this->List({.registry_id = 10}), this->Expect({6, 3, 1}));
  EXPECT_EQ(this->List({.registry_id = 11}), this->Expect({2}));
  EXPECT_EQ(this->List({.resident_id = "r1"}), this->Expect({3, 1}));
  EXPECT_EQ(this->List({.channel = "telegram"}), this->Expect({6, 4, 1}));
  EXPECT_EQ(this->List({.channel = "web"}), this->Expect({5}));
}

TYPED_TEST(AppealList, FiltersOverdueOpenAppeals) {
  // At hour 8: 2 (due 5) and 5 (due 7) are late and open; 3 is late but
  // completed; 4 has no deadline; 1 and 6 are due later.
  EXPECT_EQ(this->List({.overdue_only = true, .now = At(8)}), this->Expect({5, 2}));
  EXPECT_EQ(
      this->List({.overdue_only = true, .now = At(8), .sort = AppealQuery::Sort::kDueSoonest}),
      this->Expect({2, 5}));
  EXPECT_THAT(this->List({.overdue_only = true, .now = At(4)}), IsEmpty());
}

TYPED_TEST(AppealList, CombinesFilters) {
  EXPECT_EQ(
      this->List({.executors = std::vector<std::string>{"vodokanal"}, .statuses = {Status::kNew}}),
      this->Expect({1}));
  EXPECT_EQ(this->List({.category = "water", .street = "Соборна", .house = "1"}),
            this->Expect({3, 1}));
}

TYPED_TEST(AppealList, SortsNewestOldestAndDueSoonest) {
  EXPECT_EQ(this->List({}), this->Expect({6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(this->List({.sort = AppealQuery::Sort::kOldestFirst}),
            this->Expect({1, 2, 3, 4, 5, 6}));
  // Undated (long-term) appeals come last.
  EXPECT_EQ(this->List({.sort = AppealQuery::Sort::kDueSoonest}), this->Expect({3, 2, 5, 1, 6, 4}));
}

TYPED_TEST(AppealList, PagesWithHasMoreAndTotal) {
  AppealQuery q{.limit = 2, .with_total = true};
  AppealPage p1 = this->store().ListAppeals(q);
  EXPECT_EQ(Ids(p1), this->Expect({6, 5}));
  EXPECT_TRUE(p1.has_more);
  EXPECT_EQ(p1.total, 6);
  q.offset = 2;
  AppealPage p2 = this->store().ListAppeals(q);
  EXPECT_EQ(Ids(p2), this->Expect({4, 3}));
  EXPECT_TRUE(p2.has_more);
  q.offset = 4;
  AppealPage p3 = this->store().ListAppeals(q);
  EXPECT_EQ(Ids(p3), this->Expect({2, 1}));
  EXPECT_FALSE(p3.has_more);
  q.offset = 6;
  EXPECT_THAT(this->store().ListAppeals(q).items, IsEmpty());

  AppealPage exact = this->store().ListAppeals({.limit = 6});
  EXPECT_EQ(exact.items.size(), 6u);
  EXPECT_FALSE(exact.has_more);
  EXPECT_FALSE(exact.total.has_value()) << "no count unless asked";

  AppealPage filtered =
      this->store().ListAppeals({.street = "Соборна", .limit = 1, .with_total = true});
  EXPECT_EQ(Ids(filtered), this->Expect({6}));
  EXPECT_TRUE(filtered.has_more);
  EXPECT_EQ(filtered.total, 4);
  // Listed appeals carry their executors in order.
  EXPECT_EQ(this->store().ListAppeals({.limit = 6}).items[5].executors,
            (std::vector<std::string>{"vodokanal", "zhek-1"}));
}

TYPED_TEST(AppealList, RefusesLimitOutOfRange) {
  EXPECT_THROW(this->store().ListAppeals({.limit = 0}), StoreError);
  EXPECT_THROW(this->store().ListAppeals({.limit = 501}), StoreError);
  EXPECT_THROW(this->store().ListAppeals({.offset = -1}), StoreError);
  EXPECT_EQ(this->store().ListAppeals({.limit = 500}).items.size(), 6u);
}

TYPED_TEST(StoreConformance, SqlMetacharactersInFiltersAreData) {
  const std::string street = "O'Brien\"; DROP TABLE appeals; --";
  Appeal odd = Simple(1, Status::kNew, "a%b_c", {"x' OR '1'='1"}, street, "5%");
  odd.resident_id = "r'1";
  odd.channel = "\\_";
  const Appeal created = this->Create(odd);
  this->Create(Simple(2, Status::kNew, "abbc", {"vodokanal"}, "Soborna", "55"));

  const auto found = this->store().FindAppeal(created.id);
  ASSERT_TRUE(found.has_value());
  ExpectSameContent(*found, odd);

  auto ids = [this](AppealQuery q) { return Ids(this->store().ListAppeals(q)); };
  EXPECT_THAT(ids({.street = street}), ElementsAre(created.id));
  EXPECT_THAT(ids({.street = "%"}), IsEmpty());
  EXPECT_THAT(ids({.street = "' OR '1'='1"}), IsEmpty());
  EXPECT_THAT(ids({.house = "5%"}), ElementsAre(created.id));
  EXPECT_THAT(ids({.house = "5_"}), IsEmpty());
  EXPECT_THAT(ids({.category = "a%b_c"}), ElementsAre(created.id));
  EXPECT_THAT(ids({.category = "a_b%c"}), IsEmpty());
  EXPECT_THAT(ids({.category = "a%"}), IsEmpty());
  EXPECT_THAT(ids({.executors = std::vector<std::string>{"x' OR '1'='1"}}),
              ElementsAre(created.id));
  EXPECT_THAT(ids({.executors = std::vector<std::string>{"' OR 1=1 --"}}), IsEmpty());
  EXPECT_THAT(ids({.resident_id = "r'1"}), ElementsAre(created.id));
  EXPECT_THAT(ids({.channel = "\\_"}), ElementsAre(created.id));
  EXPECT_THAT(ids({.channel = "%"}), IsEmpty());
  EXPECT_EQ(this->store().ListAppeals({.with_total = true}).total, 2) << "the table is still there";
  EXPECT_FALSE(this->store().FindAppealByNumber("1' OR '1'='1").has_value());
}

// ---------------------------------------------------------------------------
// Residents (R4, R31)

TYPED_TEST(StoreConformance, ResidentsCreateFindAndUpdate) {
  Resident r = NewResident("res-1", 1, "+380501234567");
  this->store().CreateResident(r, AuditOf("register", "resident", "res-1"));
  auto found = this->store().FindResident("res-1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "res-1");
  EXPECT_FALSE(found->anonymous);
  ASSERT_TRUE(found->identity.has_value());
  EXPECT_EQ(found->identity->name, "Олена Петрівна");
  EXPECT_EQ(found->identity->phone, "+380501234567");
  EXPECT_EQ(found->identity->email, "olena@example.org");
  ASSERT_TRUE(found->consent.has_value());
  EXPECT_EQ(found->consent->given_at, At(1));
  EXPECT_EQ(found->consent->text_version, "privacy-2024-01");
  EXPECT_EQ(found->created_at, At(1));

  r.identity->phone = "+380671112233";
  r.consent = std::nullopt;
  r.anonymous = true;
  this->store().UpdateResident(r, AuditOf("update", "resident", "res-1"));
  found = this->store().FindResident("res-1");
  EXPECT_EQ(found->identity->phone, "+380671112233");
  EXPECT_FALSE(found->consent.has_value());
  EXPECT_TRUE(found->anonymous);
  EXPECT_EQ(found->created_at, At(1));

  const auto trail = this->store().ListAudit("resident", "res-1");
  ASSERT_EQ(trail.size(), 2u);
  EXPECT_EQ(trail[0].action, "register");
  EXPECT_EQ(trail[1].action, "update");
  EXPECT_FALSE(this->store().FindResident("res-2").has_value());
}

TYPED_TEST(StoreConformance, ResidentWithoutIdentityStaysWithout) {
  Resident r;
  r.id = NewResidentId();
  r.anonymous = true;
  r.created_at = At(3);
  this->store().CreateResident(r, AuditOf("register", "resident", r.id));
  const auto found = this->store().FindResident(r.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->anonymous);
  EXPECT_FALSE(found->identity.has_value());
  EXPECT_FALSE(found->consent.has_value());
}

TYPED_TEST(StoreConformance, ResidentWritesFailWhole) {
  Resident r = NewResident("res-1", 1, "+380501234567");
  EXPECT_THROW(this->store().CreateResident(r, AuditOf("", "resident", "res-1")), StoreError);
  EXPECT_FALSE(this->store().FindResident("res-1").has_value());
  this->store().CreateResident(r, AuditOf("register", "resident", "res-1"));
  EXPECT_THROW(this->store().CreateResident(r, AuditOf("register", "resident", "res-1")),
               StoreError)
      << "an id is registered once";
  Resident changed = r;
  changed.identity->name = "Інше ім'я";
  EXPECT_THROW(this->store().UpdateResident(changed, AuditOf("", "resident", "res-1")), StoreError);
  EXPECT_EQ(this->store().FindResident("res-1")->identity->name, "Олена Петрівна");
  Resident ghost = NewResident("ghost", 1, "+380");
  EXPECT_THROW(this->store().UpdateResident(ghost, AuditOf("update", "resident", "ghost")),
               StoreError);
  EXPECT_EQ(this->store().ListAudit("resident", "res-1").size(), 1u);
}

TYPED_TEST(StoreConformance, FindsResidentsByPhone) {
  this->store().CreateResident(NewResident("b", 2, "+380501234567"),
                               AuditOf("register", "resident"));
  this->store().CreateResident(NewResident("a", 1, "+380501234567"),
                               AuditOf("register", "resident"));
  this->store().CreateResident(NewResident("c", 1, "+380670000000"),
                               AuditOf("register", "resident"));
  const auto both = this->store().FindResidentsByPhone("+380501234567");
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].id, "a") << "oldest first";
  EXPECT_EQ(both[1].id, "b");
  EXPECT_THAT(this->store().FindResidentsByPhone("+380999999999"), IsEmpty());
  EXPECT_THAT(this->store().FindResidentsByPhone("%"), IsEmpty());
}

// ---------------------------------------------------------------------------
// Reference data

TYPED_TEST(StoreConformance, ExecutorsUpsertAndList) {
  Executor v{"vodokanal", "КП «Міськводоканал»", "+380542000000", "vk@example.org", "Директор",
             true};
  Executor z{"zhek-3", "ЖЕК №3", "", "", "", false};
  this->store().UpsertExecutor(v);
  this->store().UpsertExecutor(z);
  v.name = "КП «Сумиводоканал»";
  v.active = false;
  this->store().UpsertExecutor(v);
  const auto all = this->store().ListExecutors();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "vodokanal");
  EXPECT_EQ(all[0].name, "КП «Сумиводоканал»");
  EXPECT_FALSE(all[0].active);
  EXPECT_EQ(all[0].phone, "+380542000000");
  EXPECT_EQ(all[0].email, "vk@example.org");
  EXPECT_EQ(all[0].head, "Директор");
  EXPECT_EQ(all[1].id, "zhek-3");
  const auto found = this->store().FindExecutor("zhek-3");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "ЖЕК №3");
  EXPECT_FALSE(found->active);
  EXPECT_FALSE(this->store().FindExecutor("nobody").has_value());
}

TYPED_TEST(StoreConformance, CategoriesUpsertAndList) {
  this->store().UpsertCategory({"water", "", "Водопостачання", "vodokanal", ""});
  this->store().UpsertCategory(
      {"water/no-water", "water", "Відсутнє водопостачання", "vodokanal", "emergency"});
  this->store().UpsertCategory({"water", "", "Вода", "vodokanal", "ordinary"});
  const auto all = this->store().ListCategories();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "water");
  EXPECT_EQ(all[0].name, "Вода");
  EXPECT_EQ(all[0].type, "ordinary");
  EXPECT_EQ(all[1].id, "water/no-water");
  EXPECT_EQ(all[1].parent_id, "water");
  EXPECT_EQ(all[1].executor_id, "vodokanal");
  EXPECT_EQ(all[1].type, "emergency");
}

TYPED_TEST(StoreConformance, RegistryAddressesUpsertFindAndList) {
  RegistryAddress a{0, "Суми", "Ковпаківський", "вулиця Соборна", "12А", GeoPoint{50.9, 34.8}};
  const int64_t id = this->store().UpsertRegistryAddress(a);
  EXPECT_GT(id, 0);
  a.district = "Зарічний";
  EXPECT_EQ(this->store().UpsertRegistryAddress(a), id) << "the same building keeps its id";
  const int64_t other =
      this->store().UpsertRegistryAddress({0, "Суми", "", "вулиця Соборна", "2", std::nullopt});
  EXPECT_NE(other, id);
  this->store().UpsertRegistryAddress(
      {0, "Калуш", "", "вулиця Степана Бандери", "1", std::nullopt});

  const auto found = this->store().FindRegistryAddress(id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->city, "Суми");
  EXPECT_EQ(found->district, "Зарічний");
  EXPECT_EQ(found->street, "вулиця Соборна");
  EXPECT_EQ(found->house, "12А");
  ASSERT_TRUE(found->point.has_value());
  EXPECT_EQ(found->point->lat, 50.9);
  EXPECT_EQ(found->point->lon, 34.8);
  EXPECT_FALSE(this->store().FindRegistryAddress(id + 100).has_value());

  const auto sumy = this->store().ListRegistryAddresses("Суми");
  ASSERT_EQ(sumy.size(), 2u);
  EXPECT_FALSE(sumy[0].point.has_value() && sumy[1].point.has_value());
  EXPECT_EQ(this->store().ListRegistryAddresses("Калуш").size(), 1u);
  EXPECT_THAT(this->store().ListRegistryAddresses("Київ"), IsEmpty());
}

// ---------------------------------------------------------------------------
// Comments and files (R17)

TYPED_TEST(StoreConformance, CommentsAndAttachmentsAreListedInOrder) {
  const Appeal a = this->Create(FullDraft());
  const Appeal other = this->Create(FullDraft());
  const Comment c1 = this->store().AddComment(
      {0, a.id, "exec-1", "executor", "Бригада виїхала", true, At(3)}, AuditOf("comment"));
  const Comment c2 = this->store().AddComment(
      {0, a.id, "mod-1", "moderator", "Внутрішня примітка", false, At(4)}, AuditOf("comment"));
  this->store().AddComment({0, other.id, "x", "executor", "інше", true, At(3)}, AuditOf("comment"));
  EXPECT_GT(c1.id, 0);
  EXPECT_GT(c2.id, c1.id);
  const auto comments = this->store().ListComments(a.id);
  ASSERT_EQ(comments.size(), 2u);
  EXPECT_EQ(comments[0].id, c1.id);
  EXPECT_EQ(comments[0].appeal_id, a.id);
  EXPECT_EQ(comments[0].author_id, "exec-1");
  EXPECT_EQ(comments[0].author_role, "executor");
  EXPECT_EQ(comments[0].text, "Бригада виїхала");
  EXPECT_TRUE(comments[0].visible_to_resident);
  EXPECT_EQ(comments[0].created_at, At(3));
  EXPECT_EQ(comments[1].text, "Внутрішня примітка");
  EXPECT_FALSE(comments[1].visible_to_resident);

  const std::string sha1(64, 'a'), sha2(64, 'b');
  const Attachment f1 = this->store().AddAttachment(
      {0, a.id, sha1, "image/jpeg", 123456, "фото 1.jpg", "exec-1", At(5)}, AuditOf("attach"));
  const Attachment f2 = this->store().AddAttachment(
      {0, a.id, sha2, "application/pdf", 42, "акт.pdf", "exec-1", At(6)}, AuditOf("attach"));
  EXPECT_GT(f2.id, f1.id);
  const auto files = this->store().ListAttachments(a.id);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].id, f1.id);
  EXPECT_EQ(files[0].appeal_id, a.id);
  EXPECT_EQ(files[0].sha256, sha1);
  EXPECT_EQ(files[0].media_type, "image/jpeg");
  EXPECT_EQ(files[0].size, 123456);
  EXPECT_EQ(files[0].original_name, "фото 1.jpg");
  EXPECT_EQ(files[0].uploaded_by, "exec-1");
  EXPECT_EQ(files[0].created_at, At(5));
  EXPECT_EQ(files[1].sha256, sha2);
  EXPECT_THAT(this->store().ListAttachments(other.id), IsEmpty());

  // Each was audited against the card, in the same transaction.
  const auto trail = this->store().ListAudit("appeal", std::to_string(a.id));
  ASSERT_EQ(trail.size(), 5u);
  EXPECT_EQ(trail[1].action, "comment");
  EXPECT_EQ(trail[4].action, "attach");
}

TYPED_TEST(StoreConformance, CommentsAndFilesNeedAnAppealAndAnAudit) {
  const Appeal a = this->Create(FullDraft());
  EXPECT_THROW(this->store().AddComment({0, a.id, "x", "executor", "t", true, At(3)}, AuditOf("")),
               StoreError);
  EXPECT_THROW(this->store().AddComment({0, a.id + 999, "x", "executor", "t", true, At(3)},
                                        AuditOf("comment")),
               StoreError);
  EXPECT_THROW(
      this->store().AddAttachment({0, a.id, "ab", "image/png", 1, "", "x", At(3)}, AuditOf("")),
      StoreError);
  EXPECT_THAT(this->store().ListComments(a.id), IsEmpty());
  EXPECT_THAT(this->store().ListAttachments(a.id), IsEmpty());
  EXPECT_EQ(this->store().ListAudit("appeal", std::to_string(a.id)).size(), 1u);
}

TYPED_TEST(StoreConformance, StandaloneAuditEntriesAreListedPerEntity) {
  this->store().Audit(AuditOf("login", "user", "u1"));
  this->store().Audit(AuditOf("logout", "user", "u1"));
  this->store().Audit(AuditOf("login", "user", "u2"));
  const auto u1 = this->store().ListAudit("user", "u1");
  ASSERT_EQ(u1.size(), 2u);
  EXPECT_EQ(u1[0].action, "login");
  EXPECT_EQ(u1[1].action, "logout");
  EXPECT_THROW(this->store().Audit(AuditOf("", "user", "u1")), StoreError);
  EXPECT_EQ(this->store().ListAudit("user", "u1").size(), 2u);
}

// ---------------------------------------------------------------------------
// Retention (R32, B8)

TYPED_TEST(StoreConformance, PurgeRemovesOldClosedCardsAndErasesLoneResidents) {
  Store& s = this->store();
  for (const char* id : {"old-a", "old-b", "old-c", "lonely"})
    s.CreateResident(NewResident(id, 0, "+38050000000" + std::string(1, id[4])),
                     AuditOf("register", "resident", id));
  s.CreateResident(NewResident("young", 200, "+380509999999"), AuditOf("register", "resident"));

  auto card = [&](const char* resident, Status status, std::optional<int64_t> closed_hour) {
    Appeal a = Simple(1, status, "water/leak", {"vodokanal"}, "Соборна", "1");
    a.resident_id = resident;
    if (closed_hour) a.closed_at = At(*closed_hour);
    return this->Create(a);
  };
  const Appeal p1 = card("old-a", Status::kCompleted, 50);         // purged
  const Appeal p2 = card("old-b", Status::kRejected, 60);          // purged
  const Appeal k1 = card("old-c", Status::kCompleted, 150);        // closed after the cutoff
  const Appeal k2 = card("old-b", Status::kInWork, std::nullopt);  // still open
  const Appeal k3 = card("old-c", Status::kNotConfirmed, 40);      // not a final status
  const Appeal k4 = card("young", Status::kCancelled, 100);        // closed exactly at the cutoff

  auto attach = [&](const Appeal& a, std::string sha) {
    s.AddAttachment({0, a.id, std::move(sha), "image/jpeg", 10, "f.jpg", "x", At(2)},
                    AuditOf("attach"));
  };
  const std::string only_p1(64, '1'), only_p2(64, '2'), shared(64, '3'), twice_in_p1(64, '4');
  attach(p1, only_p1);
  attach(p1, shared);
  attach(p1, twice_in_p1);
  attach(p1, twice_in_p1);
  attach(p2, only_p2);
  attach(k1, shared);
  s.AddComment({0, p1.id, "x", "executor", "зроблено", true, At(3)}, AuditOf("comment"));
  s.AddComment({0, k1.id, "x", "executor", "зроблено", true, At(3)}, AuditOf("comment"));

  ASSERT_TRUE(s.RecordEscalationStep(p1.id, "head", AuditOf("escalate")));
  ASSERT_TRUE(s.RecordEscalationStep(k1.id, "head", AuditOf("escalate")));

  // What the conversation and the desk keep (R32): old-a's dialogues (one
  // saved with its id, one only reachable through its SMS binding), saved
  // address and an old pending SMS; old-b's stay (it keeps a card).
  s.UpsertChannelBinding({"old-a", "sms", "+380500000001", true, At(1), At(1)});
  s.UpsertChannelBinding({"old-b", "telegram", "777", true, At(1), At(1)});
  s.SaveDialogue("telegram", "555", "old-a", R"({"stage":"menu"})", At(1));
  s.SaveDialogue("sms", "+380500000001", "", R"({"stage":"menu"})", At(1));
  s.SaveDialogue("telegram", "777", "old-b", R"({"stage":"menu"})", At(1));
  Address home;
  home.city = "Суми";
  home.street = "вулиця Соборна";
  home.house = "1";
  home.flat = "7";
  ASSERT_TRUE(s.AddResidentAddress("old-a", home, At(1)));
  ASSERT_TRUE(s.AddResidentAddress("old-b", home, At(1)));
  const std::string sms_payload = R"({"chat_id":"+380500000001","text":"Немає води"})";
  ASSERT_TRUE(s.RecordInbound("sms", "old-sms", sms_payload, At(10)));
  ASSERT_TRUE(s.RecordInbound("sms", "new-sms", sms_payload, At(150)));  // live input: handled
  ASSERT_TRUE(s.RecordInbound("telegram", "kept-tg", R"({"chat_id":"777"})", At(10)));
  ASSERT_TRUE(s.RecordInbound("sms", "not-json", "garbage", At(10)));
  Consultation old_call;
  old_call.resident_id = "caller";
  old_call.phone = "+380671234567";
  old_call.note = "графік вивезення сміття";
  old_call.recorded_by = "op";
  old_call.recorded_at = At(50);
  s.AddConsultation(old_call, AuditOf("consult", "consultation"));
  Consultation new_call = old_call;
  new_call.recorded_at = At(150);
  s.AddConsultation(new_call, AuditOf("consult", "consultation"));

  AuditEntry purge_audit = AuditOf("purge", "retention", "cutoff-100");
  purge_audit.actor_role = "system";
  const PurgeReport report = s.PurgeClosedBefore(At(100), purge_audit);
  EXPECT_EQ(report.appeals, 2);
  EXPECT_EQ(report.residents, 1)
      << "old-a lost its last card; lonely never had one (a bot subscriber) and keeps its data";
  EXPECT_EQ(report.orphaned_files, (std::vector<std::string>{only_p1, only_p2, twice_in_p1}))
      << "the shared file is still referenced by a kept card";

  EXPECT_FALSE(s.FindAppeal(p1.id).has_value());
  EXPECT_FALSE(s.FindAppeal(p2.id).has_value());
  EXPECT_FALSE(s.FindAppealByNumber(p1.number).has_value());
  EXPECT_THAT(s.ListComments(p1.id), IsEmpty());
  EXPECT_THAT(s.ListAttachments(p1.id), IsEmpty());
  EXPECT_THAT(s.ListAudit("appeal", std::to_string(p1.id)), IsEmpty());
  EXPECT_THAT(s.ListAudit("appeal", std::to_string(p2.id)), IsEmpty());
  for (const Appeal& kept : {k1, k2, k3, k4}) {
    EXPECT_TRUE(s.FindAppeal(kept.id).has_value()) << kept.id;
    EXPECT_FALSE(s.ListAudit("appeal", std::to_string(kept.id)).empty());
  }
  EXPECT_EQ(s.ListComments(k1.id).size(), 1u);
  EXPECT_EQ(s.ListAttachments(k1.id).size(), 1u);
  EXPECT_THAT(s.ListEscalationSteps(p1.id), IsEmpty()) << "purged appeals lose their steps";
  EXPECT_THAT(s.ListEscalationSteps(k1.id), ElementsAre("head"));

  for (const char* erased : {"old-a"}) {
    const auto r = s.FindResident(erased);
    ASSERT_TRUE(r.has_value()) << "the opaque id stays for statistics";
    EXPECT_FALSE(r->identity.has_value()) << erased;
    EXPECT_FALSE(r->consent.has_value()) << erased;
    EXPECT_EQ(r->created_at, At(0));
  }
  for (const char* kept : {"old-b", "old-c", "young", "lonely"}) {
    const auto r = s.FindResident(kept);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->identity.has_value()) << kept;
    EXPECT_TRUE(r->consent.has_value()) << kept;
  }
  EXPECT_THAT(s.FindResidentsByPhone("+38050000000a"), IsEmpty());

  EXPECT_EQ(report.dialogues, 2);
  EXPECT_FALSE(s.LoadDialogue("telegram", "555").has_value());
  EXPECT_FALSE(s.LoadDialogue("sms", "+380500000001").has_value());
  EXPECT_TRUE(s.LoadDialogue("telegram", "777").has_value()) << "old-b keeps a card";
  EXPECT_EQ(report.addresses, 1);
  EXPECT_THAT(s.ListResidentAddresses("old-a"), IsEmpty());
  EXPECT_EQ(s.ListResidentAddresses("old-b").size(), 1u);
  EXPECT_EQ(report.inbound, 1);
  std::vector<std::string> pending;
  for (const auto& p : s.ListPendingInbound(0, 100)) pending.push_back(p.provider_id);
  EXPECT_THAT(pending, ElementsAre("new-sms", "kept-tg", "not-json"));
  EXPECT_EQ(report.consultation_phones, 1);
  const auto calls = s.ListConsultations("", "caller", 10);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].phone, "+380671234567") << "newest first: recorded after the cutoff";
  EXPECT_EQ(calls[1].phone, "") << "recorded before the cutoff";
  EXPECT_EQ(calls[1].note, "графік вивезення сміття") << "the note stays for statistics";
  EXPECT_THAT(s.ListConsultations("+380671234567", "", 10), SizeIs(1));

  const auto trail = s.ListAudit("retention", "cutoff-100");
  ASSERT_EQ(trail.size(), 1u);
  EXPECT_EQ(trail[0].action, "purge");
  EXPECT_TRUE(std::regex_search(trail[0].details, std::regex(R"("appeals"\s*:\s*2\b)")))
      << trail[0].details;
  EXPECT_TRUE(std::regex_search(trail[0].details, std::regex(R"("residents"\s*:\s*1\b)")))
      << trail[0].details;

  // Nothing left to do the second time; and a purged card's number is not
  // given out again.
  const PurgeReport again = s.PurgeClosedBefore(At(100), purge_audit);
  EXPECT_EQ(again.appeals, 0);
  EXPECT_EQ(again.residents, 0);
  EXPECT_THAT(again.orphaned_files, IsEmpty());
  EXPECT_EQ(again.dialogues + again.addresses + again.inbound + again.consultation_phones, 0);
  const Appeal fresh = this->Create(FullDraft());
  EXPECT_NE(fresh.number, p1.number);
  EXPECT_NE(fresh.number, p2.number);
  EXPECT_GT(fresh.id, k4.id);
}

// ---------------------------------------------------------------------------
// Deadline watch (issue 3, the scheduler)

std::vector<int64_t> IdsOf(const std::vector<Appeal>& appeals) {
  std::vector<int64_t> ids;
  for (const auto& a : appeals) ids.push_back(a.id);
  return ids;
}

Appeal Due(int64_t created_hour, std::optional<int64_t> accept_hour,
           std::optional<int64_t> resolve_hour, Status status = Status::kNew) {
  Appeal a = Simple(created_hour, status, "water/leak", {"vodokanal"}, "Соборна", "1");
  if (accept_hour) a.accept_due = At(*accept_hour);
  if (resolve_hour) a.resolve_due = At(*resolve_hour);
  if (Info(status).final) a.closed_at = At(created_hour);
  return a;
}

TYPED_TEST(StoreConformance, NextCheckIsTheEarliestOpenDeadline) {
  Store& s = this->store();
  const Appeal accept_first = this->Create(Due(0, 2, 48));      // next check: accept_due, hour 2
  const Appeal resolve_first = this->Create(Due(0, 10, 5));     // resolve_due earlier: hour 5
  const Appeal resolve_only = this->Create(Due(0, std::nullopt, 7));
  const Appeal undated = this->Create(Due(0, std::nullopt, std::nullopt));
  const Appeal closed = this->Create(Due(0, 1, 1, Status::kCompleted));
  Appeal accepted = Due(0, 3, 9);
  accepted.accepted_at = At(1);
  accepted = this->Create(accepted);  // accepted already: resolve_due, hour 9

  EXPECT_THAT(IdsOf(s.ListAppealsDueForCheck(At(1), 100)), IsEmpty());
  EXPECT_THAT(IdsOf(s.ListAppealsDueForCheck(At(2), 100)), ElementsAre(accept_first.id));
  EXPECT_THAT(IdsOf(s.ListAppealsDueForCheck(At(100), 100)),
              ElementsAre(accept_first.id, resolve_first.id, resolve_only.id, accepted.id))
      << "soonest first; no deadline and final statuses are never due";
  EXPECT_THAT(IdsOf(s.ListAppealsDueForCheck(At(100), 2)),
              ElementsAre(accept_first.id, resolve_first.id));
  const auto due = s.ListAppealsDueForCheck(At(2), 1);
  ASSERT_EQ(due.size(), 1u);
  ExpectSameContent(due[0], Due(0, 2, 48));
  EXPECT_THROW(s.ListAppealsDueForCheck(At(100), 0), StoreError);
  (void)undated;
  (void)closed;

  // An update recomputes it: accepting moves it to resolve_due, closing clears it.
  Appeal a = *s.FindAppeal(accept_first.id);
  a.accepted_at = At(1);
  a.status = Status::kInWork;
  a = s.UpdateAppeal(a, AuditOf("take_into_work")).value();
  EXPECT_THAT(IdsOf(s.ListAppealsDueForCheck(At(47), 100)),
              ElementsAre(resolve_first.id, resolve_only.id, accepted.id));
  EXPECT_THAT(IdsOf(s.ListAppealsDueForCheck(At(48), 100)),
              ElementsAre(resolve_first.id, resolve_only.id, accepted.id, accept_first.id));
  a.status = Status::kCompleted;
  a.closed_at = At(20);
  ASSERT_TRUE(s.UpdateAppeal(a, AuditOf("close")).ok());
  EXPECT_THAT(IdsOf(s.ListAppealsDueForCheck(At(100), 100)),
              ElementsAre(resolve_first.id, resolve_only.id, accepted.id));

  // An import sets it too.
  s.ImportAppeals({Due(0, 4, 40), Due(0, std::nullopt, std::nullopt)});
  const auto after_import = s.ListAppealsDueForCheck(At(4), 100);
  ASSERT_EQ(after_import.size(), 1u);
  EXPECT_EQ(after_import[0].accept_due, At(4));
}

TYPED_TEST(StoreConformance, SetNextCheckKeepsTheVersion) {
  Store& s = this->store();
  const Appeal a = this->Create(Due(0, 2, 48));
  const Appeal b = this->Create(Due(0, 3, 48));
  s.SetNextCheck(a.id, At(30));
  EXPECT_THAT(IdsOf(s.ListAppealsDueForCheck(At(29), 100)), ElementsAre(b.id));
  EXPECT_THAT(IdsOf(s.ListAppealsDueForCheck(At(30), 100)), ElementsAre(b.id, a.id));
  s.SetNextCheck(b.id, std::nullopt);
  EXPECT_THAT(IdsOf(s.ListAppealsDueForCheck(At(1000), 100)), ElementsAre(a.id));
  EXPECT_EQ(s.FindAppeal(a.id)->version, a.version) << "not a change of the card";
  EXPECT_EQ(s.FindAppeal(b.id)->version, b.version);
  EXPECT_THAT(s.ListAudit("appeal", std::to_string(a.id)), ::testing::SizeIs(1));
  // An update still succeeds on the same version.
  Appeal changed = *s.FindAppeal(a.id);
  changed.description = "уточнено";
  EXPECT_TRUE(s.UpdateAppeal(changed, AuditOf("edit")).ok());
  EXPECT_THROW(s.SetNextCheck(a.id + b.id + 100, At(1)), StoreError);
}

TYPED_TEST(StoreConformance, EscalationStepsFireOnceWithTheirAudit) {
  Store& s = this->store();
  const Appeal a = this->Create(Due(0, 2, 48));
  const Appeal b = this->Create(Due(0, 2, 48));
  EXPECT_THAT(s.ListEscalationSteps(a.id), IsEmpty());
  EXPECT_TRUE(s.RecordEscalationStep(a.id, "moderator", AuditOf("escalate")));
  EXPECT_TRUE(s.RecordEscalationStep(a.id, "head", AuditOf("escalate")));
  EXPECT_FALSE(s.RecordEscalationStep(a.id, "moderator", AuditOf("escalate-again")));
  EXPECT_TRUE(s.RecordEscalationStep(b.id, "moderator", AuditOf("escalate")));
  EXPECT_THAT(s.ListEscalationSteps(a.id), ElementsAre("moderator", "head"));
  EXPECT_THAT(s.ListEscalationSteps(b.id), ElementsAre("moderator"));

  const auto trail = s.ListAudit("appeal", std::to_string(a.id));
  ASSERT_EQ(trail.size(), 3u) << "create + two steps; the refused repeat wrote nothing";
  EXPECT_EQ(trail[1].action, "escalate");
  EXPECT_EQ(trail[2].action, "escalate");

  EXPECT_THROW(s.RecordEscalationStep(a.id + b.id + 100, "head", AuditOf("escalate")), StoreError);
  EXPECT_THROW(s.RecordEscalationStep(a.id, "", AuditOf("escalate")), StoreError);
  // A failing audit entry leaves the step unrecorded (one transaction).
  EXPECT_THROW(s.RecordEscalationStep(b.id, "head", AuditOf("")), StoreError);
  EXPECT_THAT(s.ListEscalationSteps(b.id), ElementsAre("moderator"));
  EXPECT_TRUE(s.RecordEscalationStep(b.id, "head", AuditOf("escalate")));
}

TYPED_TEST(StoreConformance, ConcurrentEscalationStepFiresOnce) {
  Store& s = this->store();
  const Appeal a = this->Create(Due(0, 2, 48));
  std::atomic<int> fired{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      if (s.RecordEscalationStep(a.id, "head", AuditOf("escalate"))) ++fired;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(fired.load(), 1);
  EXPECT_THAT(s.ListAudit("appeal", std::to_string(a.id)), ::testing::SizeIs(2));
}

TYPED_TEST(StoreConformance, LeasesAreHeldByOneHolderUntilTheyExpire) {
  Store& s = this->store();
  const auto ttl = std::chrono::seconds(60);
  const Timestamp t0 = At(0);
  EXPECT_TRUE(s.AcquireLease("scheduler", "host-a", t0, ttl));
  EXPECT_FALSE(s.AcquireLease("scheduler", "host-b", t0 + std::chrono::seconds(30), ttl));
  EXPECT_TRUE(s.AcquireLease("other", "host-b", t0, ttl)) << "leases are independent by name";
  // The holder renews: now the lease runs until t0 + 50 + 60.
  EXPECT_TRUE(s.AcquireLease("scheduler", "host-a", t0 + std::chrono::seconds(50), ttl));
  EXPECT_FALSE(s.AcquireLease("scheduler", "host-b", t0 + std::chrono::seconds(100), ttl));
  // Expired: another host takes it, and the old holder has lost it.
  EXPECT_TRUE(s.AcquireLease("scheduler", "host-b", t0 + std::chrono::seconds(110), ttl));
  EXPECT_FALSE(s.AcquireLease("scheduler", "host-a", t0 + std::chrono::seconds(111), ttl));
  // Only the holder can release.
  s.ReleaseLease("scheduler", "host-a");
  EXPECT_FALSE(s.AcquireLease("scheduler", "host-a", t0 + std::chrono::seconds(112), ttl));
  s.ReleaseLease("scheduler", "host-b");
  EXPECT_TRUE(s.AcquireLease("scheduler", "host-a", t0 + std::chrono::seconds(113), ttl));
  EXPECT_THROW(s.AcquireLease("", "host-a", t0, ttl), StoreError);
  EXPECT_THROW(s.AcquireLease("scheduler", "", t0, ttl), StoreError);
}

TYPED_TEST(StoreConformance, ConcurrentLeaseHasOneWinner) {
  Store& s = this->store();
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      if (s.AcquireLease("scheduler", "host-" + std::to_string(i), At(0), std::chrono::seconds(60)))
        ++winners;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
}

TYPED_TEST(StoreConformance, FindsTheNewestOpenAppealAtABuilding) {
  Store& s = this->store();
  auto at = [&](int64_t hour, std::string category, int64_t registry, Status status) {
    Appeal a = Simple(hour, status, std::move(category), {"vodokanal"}, "Соборна", "1");
    a.address.registry_id = registry;
    if (Info(status).final) a.closed_at = At(hour + 1);
    return this->Create(a);
  };
  at(1, "water/leak", 7, Status::kNew);                          // too old
  const Appeal older = at(10, "water/leak", 7, Status::kInWork);
  const Appeal newest = at(20, "water/leak", 7, Status::kAwaitingDetails);
  at(30, "water/leak", 7, Status::kCompleted);   // final
  at(31, "water/leak", 8, Status::kNew);         // another building
  at(32, "water/no-water", 7, Status::kNew);     // another category
  at(33, "water", 7, Status::kNew);              // a branch is not the leaf

  const auto found = s.FindOpenAppealAt("water/leak", 7, At(5));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, newest.id);
  EXPECT_EQ(found->executors, std::vector<std::string>{"vodokanal"});
  EXPECT_EQ(s.FindOpenAppealAt("water/leak", 7, At(20))->id, newest.id) << "since is inclusive";
  EXPECT_FALSE(s.FindOpenAppealAt("water/leak", 7, At(21)).has_value());
  EXPECT_FALSE(s.FindOpenAppealAt("water/leak", 9, At(0)).has_value());

  Appeal closing = *s.FindAppeal(newest.id);
  closing.status = Status::kCancelled;
  closing.closed_at = At(40);
  ASSERT_TRUE(s.UpdateAppeal(closing, AuditOf("cancel")).ok());
  EXPECT_EQ(s.FindOpenAppealAt("water/leak", 7, At(5))->id, older.id);
}

// ---------------------------------------------------------------------------
// Residents' channel bindings and the outbox (issue 4, B11)

TYPED_TEST(StoreConformance, ChannelBindingsUpsertListAndFindByChat) {
  Store& s = this->store();
  s.CreateResident(NewResident("r1", 0, "+380501111111"), AuditOf("register", "resident"));
  s.CreateResident(NewResident("r2", 0, "+380502222222"), AuditOf("register", "resident"));
  s.UpsertChannelBinding({"r1", "telegram", "-1001234567890123", true, At(1), At(1)});
  s.UpsertChannelBinding({"r1", "viber", "01234567890A+bC/dEfGhIjK==", true, At(2), At(2)});
  // Rebinding keeps created_at and moves the chat.
  s.UpsertChannelBinding({"r1", "telegram", "987654321", false, At(5), At(5)});
  const auto bindings = s.ListChannelBindings("r1");
  ASSERT_EQ(bindings.size(), 2u);
  EXPECT_EQ(bindings[0].channel, "telegram") << "most recently updated first";
  EXPECT_EQ(bindings[0].chat_id, "987654321");
  EXPECT_FALSE(bindings[0].subscribed);
  EXPECT_EQ(bindings[0].created_at, At(1));
  EXPECT_EQ(bindings[0].updated_at, At(5));
  EXPECT_EQ(bindings[1].chat_id, "01234567890A+bC/dEfGhIjK==");
  EXPECT_EQ(s.FindChannelBindingByChat("viber", "01234567890A+bC/dEfGhIjK==")->resident_id, "r1");
  EXPECT_FALSE(s.FindChannelBindingByChat("telegram", "-1001234567890123").has_value());
  EXPECT_FALSE(s.FindChannelBindingByChat("viber", "987654321").has_value());
  EXPECT_THAT(s.ListChannelBindings("r2"), IsEmpty());
  // One chat belongs to one resident; a binding needs a known resident.
  EXPECT_THROW(s.UpsertChannelBinding({"r2", "telegram", "987654321", true, At(6), At(6)}),
               StoreError);
  EXPECT_THROW(s.UpsertChannelBinding({"nobody", "sms", "+380", true, At(6), At(6)}), StoreError);
  EXPECT_THROW(s.UpsertChannelBinding({"r2", "", "1", true, At(6), At(6)}), StoreError);
  EXPECT_THROW(s.UpsertChannelBinding({"r2", "sms", "", true, At(6), At(6)}), StoreError);
}

OutboxMessage Row(std::string key, int priority, int64_t due_hour, std::string channel = "telegram") {
  OutboxMessage m;
  m.idempotency_key = std::move(key);
  m.channel = std::move(channel);
  // A chat per row: rows of one chat are claimed one at a time, oldest first
  // (OutboxClaimsOneChatOldestFirst); these cases are about the others.
  m.address = "chat-" + m.idempotency_key;
  m.recipient_kind = "resident";
  m.recipient_id = "r1";
  m.text_key = "notice.status_changed";
  m.params = R"({"number":"42","status":"В роботі"})";
  m.priority = priority;
  m.next_attempt_at = At(due_hour);
  m.created_at = At(0);
  m.updated_at = At(0);
  return m;
}

std::vector<std::string> Keys(const std::vector<OutboxMessage>& rows) {
  std::vector<std::string> keys;
  for (const auto& r : rows) keys.push_back(r.idempotency_key);
  return keys;
}

TYPED_TEST(StoreConformance, OutboxEnqueueOnceAndRoundTrip) {
  Store& s = this->store();
  OutboxMessage m = Row("appeal-7/status/in_work", 0, 1);
  m.appeal_id = 7;
  m.batch_id = "broadcast-3";
  m.last_error = "";
  EXPECT_TRUE(s.EnqueueOutbox(m));
  OutboxMessage again = m;
  again.text_key = "something.else";
  EXPECT_FALSE(s.EnqueueOutbox(again)) << "the same key is never queued twice";
  const auto got = s.FindOutboxByKey("appeal-7/status/in_work");
  ASSERT_TRUE(got.has_value());
  EXPECT_GT(got->id, 0);
  EXPECT_EQ(got->text_key, "notice.status_changed");
  EXPECT_EQ(got->params, m.params);
  EXPECT_EQ(got->channel, "telegram");
  EXPECT_EQ(got->address, "chat-appeal-7/status/in_work");
  EXPECT_EQ(got->recipient_kind, "resident");
  EXPECT_EQ(got->recipient_id, "r1");
  EXPECT_EQ(got->appeal_id, 7);
  EXPECT_EQ(got->batch_id, "broadcast-3");
  EXPECT_EQ(got->priority, 0);
  EXPECT_EQ(got->state, OutboxState::kQueued);
  EXPECT_EQ(got->attempts, 0);
  EXPECT_EQ(got->next_attempt_at, At(1));
  EXPECT_TRUE(got->claim_token.empty());
  EXPECT_FALSE(got->claim_expires_at.has_value());
  EXPECT_FALSE(got->sent_at.has_value());
  EXPECT_FALSE(s.FindOutboxByKey("nope").has_value());
  EXPECT_THROW(s.EnqueueOutbox(Row("", 1, 1)), StoreError);
  EXPECT_THROW(s.EnqueueOutbox(Row("bad-priority", 7, 1)), StoreError);
}

TYPED_TEST(StoreConformance, OutboxClaimsUrgentFirstThenOldestAndOnlyDue) {
  Store& s = this->store();
  ASSERT_TRUE(s.EnqueueOutbox(Row("bulk-1", 2, 1)));
  ASSERT_TRUE(s.EnqueueOutbox(Row("normal-late", 1, 3)));
  ASSERT_TRUE(s.EnqueueOutbox(Row("normal-early", 1, 2)));
  ASSERT_TRUE(s.EnqueueOutbox(Row("urgent", 0, 4)));
  ASSERT_TRUE(s.EnqueueOutbox(Row("future", 0, 50)));
  ASSERT_TRUE(s.EnqueueOutbox(Row("other-channel", 0, 1, "viber")));

  const auto first = s.ClaimOutbox("telegram", "t1", At(10), At(11), 3);
  EXPECT_THAT(Keys(first), ElementsAre("urgent", "normal-early", "normal-late"));
  for (const auto& m : first) {
    EXPECT_EQ(m.state, OutboxState::kSending);
    EXPECT_EQ(m.claim_token, "t1");
    EXPECT_EQ(m.claim_expires_at, At(11));
    EXPECT_EQ(m.attempts, 1);
  }
  EXPECT_THAT(Keys(s.ClaimOutbox("telegram", "t2", At(10), At(11), 10)), ElementsAre("bulk-1"))
      << "claimed rows are not claimed again; the future row is not due";
  EXPECT_THAT(s.ClaimOutbox("telegram", "t3", At(10), At(11), 10), IsEmpty());
  EXPECT_EQ(s.NextOutboxAttempt("telegram"), At(11)) << "the claims expire at hour 11";
  EXPECT_EQ(s.NextOutboxAttempt("viber"), At(1));
  EXPECT_FALSE(s.NextOutboxAttempt("sms").has_value());
  EXPECT_THROW(s.ClaimOutbox("telegram", "", At(10), At(11), 10), StoreError);
  EXPECT_THROW(s.ClaimOutbox("telegram", "t4", At(10), At(11), 0), StoreError);
}

TYPED_TEST(StoreConformance, OutboxOutcomesApplyOnlyUnderTheClaim) {
  Store& s = this->store();
  for (const char* k : {"a", "b", "c", "d"}) ASSERT_TRUE(s.EnqueueOutbox(Row(k, 1, 1)));
  const auto rows = s.ClaimOutbox("telegram", "t1", At(2), At(3), 4);
  ASSERT_EQ(rows.size(), 4u);
  const int64_t a = rows[0].id, b = rows[1].id, c = rows[2].id;

  EXPECT_FALSE(s.MarkOutboxSent(a, "someone-else", "m-1", At(2)));
  EXPECT_TRUE(s.MarkOutboxSent(a, "t1", "m-1", At(2)));
  EXPECT_FALSE(s.MarkOutboxSent(a, "t1", "m-2", At(2))) << "already sent";
  const auto sent = s.FindOutboxByKey("a");
  EXPECT_EQ(sent->state, OutboxState::kSent);
  EXPECT_EQ(sent->provider_message_id, "m-1");
  EXPECT_EQ(sent->sent_at, At(2));
  EXPECT_TRUE(sent->claim_token.empty());

  EXPECT_TRUE(s.MarkOutboxRetry(b, "t1", At(30), "429 Too Many Requests", At(2)));
  const auto retried = s.FindOutboxByKey("b");
  EXPECT_EQ(retried->state, OutboxState::kQueued);
  EXPECT_EQ(retried->next_attempt_at, At(30));
  EXPECT_EQ(retried->last_error, "429 Too Many Requests");
  EXPECT_EQ(retried->attempts, 1);

  EXPECT_TRUE(s.MarkOutboxFailed(c, "t1", "Forbidden: bot was blocked by the user", At(2)));
  const auto failed = s.FindOutboxByKey("c");
  EXPECT_EQ(failed->state, OutboxState::kFailed);
  EXPECT_EQ(failed->last_error, "Forbidden: bot was blocked by the user");
  EXPECT_FALSE(s.MarkOutboxRetry(c, "t1", At(30), "x", At(2))) << "failed is final";

  // Stopping: the unsent row goes back without counting an attempt.
  EXPECT_EQ(s.ReleaseOutboxClaims("t1", At(2)), 1);
  const auto released = s.FindOutboxByKey("d");
  EXPECT_EQ(released->state, OutboxState::kQueued);
  EXPECT_EQ(released->attempts, 0);

  // The retried row is due at hour 30, not before.
  EXPECT_THAT(Keys(s.ClaimOutbox("telegram", "t2", At(29), At(31), 10)), ElementsAre("d"));
  const auto later = s.ClaimOutbox("telegram", "t3", At(30), At(31), 10);
  EXPECT_THAT(Keys(later), ElementsAre("b"));
  EXPECT_EQ(later[0].attempts, 2);
}

TYPED_TEST(StoreConformance, OutboxSecretParamIsGoneOnceSentOrFailedAndKeptWhileQueued) {
  // A cabinet one-time code (kOutboxSecretParam) lives in the row only while
  // it waits to go out (docs/cabinet.md).
  Store& s = this->store();
  const std::string with_secret = R"({"secret":"493817","minutes":"10"})";
  for (const char* k : {"sent", "failed", "retried", "plain"}) {
    OutboxMessage m = Row(k, 0, 1, "email");
    if (std::string(k) != "plain") m.params = with_secret;
    ASSERT_TRUE(s.EnqueueOutbox(m));
  }
  const auto rows = s.ClaimOutbox("email", "t1", At(2), At(3), 4);
  ASSERT_EQ(rows.size(), 4u);
  std::map<std::string, int64_t> id;
  for (const auto& r : rows) {
    id[r.idempotency_key] = r.id;
    if (r.idempotency_key != "plain") EXPECT_EQ(r.params, with_secret) << "the sender renders it";
  }
  ASSERT_TRUE(s.MarkOutboxSent(id["sent"], "t1", "m-1", At(2)));
  ASSERT_TRUE(s.MarkOutboxFailed(id["failed"], "t1", "550 no such mailbox", At(2)));
  ASSERT_TRUE(s.MarkOutboxRetry(id["retried"], "t1", At(5), "421 try later", At(2)));
  ASSERT_TRUE(s.MarkOutboxSent(id["plain"], "t1", "m-2", At(2)));
  for (const char* k : {"sent", "failed"}) {
    const auto row = s.FindOutboxByKey(k);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->params.find("493817"), std::string::npos) << k << ": " << row->params;
    EXPECT_EQ(row->params.find("secret"), std::string::npos) << k << ": " << row->params;
    EXPECT_NE(row->params.find(R"("minutes")"), std::string::npos) << "the rest stays";
  }
  EXPECT_EQ(s.FindOutboxByKey("retried")->params, with_secret) << "it still has to go out";
  EXPECT_EQ(s.FindOutboxByKey("plain")->params, Row("plain", 0, 1).params) << "untouched";
}

TYPED_TEST(StoreConformance, OutboxReclaimsExpiredClaims) {
  Store& s = this->store();
  ASSERT_TRUE(s.EnqueueOutbox(Row("a", 1, 1)));
  ASSERT_TRUE(s.EnqueueOutbox(Row("b", 1, 1)));
  const auto dead = s.ClaimOutbox("telegram", "dead-sender", At(1), At(2), 10);
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_THAT(s.ClaimOutbox("telegram", "t2", At(1) + std::chrono::seconds(3599), At(3), 10),
              IsEmpty())
      << "a live claim is respected";
  const auto reclaimed = s.ClaimOutbox("telegram", "t2", At(2), At(3), 10);
  EXPECT_THAT(Keys(reclaimed), ElementsAre("a", "b"));
  for (const auto& m : reclaimed) {
    EXPECT_EQ(m.claim_token, "t2");
    EXPECT_EQ(m.attempts, 2);
  }
  EXPECT_FALSE(s.MarkOutboxSent(dead[0].id, "dead-sender", "late", At(2)))
      << "the dead sender's claim is lost";
  EXPECT_TRUE(s.MarkOutboxSent(dead[0].id, "t2", "m-1", At(2)));
}

TYPED_TEST(StoreConformance, ConcurrentClaimersNeverShareARow) {
  Store& s = this->store();
  constexpr int kRows = 200;
  for (int i = 0; i < kRows; ++i) ASSERT_TRUE(s.EnqueueOutbox(Row("k" + std::to_string(i), i % 3, 1)));
  std::mutex mu;
  std::vector<int64_t> claimed;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (;;) {
        const auto rows = s.ClaimOutbox("telegram", "t" + std::to_string(t), At(2), At(3), 7);
        if (rows.empty()) return;
        std::lock_guard lock(mu);
        for (const auto& r : rows) claimed.push_back(r.id);
      }
    });
  for (auto& t : threads) t.join();
  std::set<int64_t> unique(claimed.begin(), claimed.end());
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kRows));
  EXPECT_EQ(unique.size(), static_cast<size_t>(kRows));
}

// R23: one chat's rows leave in queue order, whatever their priority and
// however many senders claim: a row is claimed only when no older row of its
// (channel, chat) is queued (even in back-off) or being sent.
TYPED_TEST(StoreConformance, OutboxClaimsOneChatOldestFirst) {
  Store& s = this->store();
  auto in_chat = [](std::string key, int priority, std::string chat) {
    OutboxMessage m = Row(std::move(key), priority, 1);
    m.address = std::move(chat);
    return m;
  };
  ASSERT_TRUE(s.EnqueueOutbox(in_chat("privacy", 1, "100")));
  ASSERT_TRUE(s.EnqueueOutbox(in_chat("consent", 0, "100")));  // urgent, yet younger
  ASSERT_TRUE(s.EnqueueOutbox(in_chat("other-chat", 1, "200")));
  ASSERT_TRUE(s.EnqueueOutbox(in_chat("third", 1, "100")));
  OutboxMessage viber = in_chat("viber-100", 1, "100");
  viber.channel = "viber";
  ASSERT_TRUE(s.EnqueueOutbox(viber));

  const auto first = s.ClaimOutbox("telegram", "t1", At(2), At(3), 10);
  EXPECT_THAT(Keys(first), ElementsAre("privacy", "other-chat"))
      << "only the oldest unsent row of each chat";
  EXPECT_THAT(Keys(s.ClaimOutbox("viber", "v1", At(2), At(3), 10)), ElementsAre("viber-100"))
      << "chats are per channel";
  EXPECT_THAT(s.ClaimOutbox("telegram", "t2", At(2), At(3), 10), IsEmpty())
      << "the chat's oldest row is being sent";

  // The oldest goes to back-off: the chat waits for it, not past it.
  ASSERT_TRUE(s.MarkOutboxRetry(first[0].id, "t1", At(5), "429", At(2)));
  ASSERT_TRUE(s.MarkOutboxSent(first[1].id, "t1", "m-1", At(2)));
  EXPECT_THAT(s.ClaimOutbox("telegram", "t3", At(4), At(5), 10), IsEmpty());
  auto again = s.ClaimOutbox("telegram", "t4", At(5), At(6), 10);
  ASSERT_THAT(Keys(again), ElementsAre("privacy"));
  ASSERT_TRUE(s.MarkOutboxSent(again[0].id, "t4", "m-2", At(5)));
  auto next = s.ClaimOutbox("telegram", "t5", At(5), At(6), 10);
  ASSERT_THAT(Keys(next), ElementsAre("consent"));
  // A failed row is final: it does not hold its chat back.
  ASSERT_TRUE(s.MarkOutboxFailed(next[0].id, "t5", "Forbidden", At(5)));
  auto third = s.ClaimOutbox("telegram", "t6", At(5), At(6), 10);
  ASSERT_THAT(Keys(third), ElementsAre("third"));
  // Released (a sender stopping) keeps its place.
  EXPECT_EQ(s.ReleaseOutboxClaims("t6", At(5)), 1);
  EXPECT_THAT(Keys(s.ClaimOutbox("telegram", "t7", At(5), At(6), 10)), ElementsAre("third"));
}

TYPED_TEST(StoreConformance, ConcurrentClaimersKeepEachChatInOrder) {
  Store& s = this->store();
  constexpr int kChats = 12, kPerChat = 8;
  // Rows interleaved across chats, priorities mixed, as a busy intake queues them.
  std::map<std::string, std::vector<int64_t>> ids;  // chat -> its row ids, queue order
  for (int i = 0; i < kPerChat; ++i)
    for (int c = 0; c < kChats; ++c) {
      OutboxMessage m = Row("c" + std::to_string(c) + "-" + std::to_string(i), (i + c) % 3, 1);
      m.address = "chat-" + std::to_string(c);
      ASSERT_TRUE(s.EnqueueOutbox(m));
      ids[m.address].push_back(s.FindOutboxByKey(m.idempotency_key)->id);
    }
  std::mutex mu;
  std::map<std::string, size_t> next;       // chat -> index of the row it must send next
  std::map<std::string, bool> outstanding;  // chat -> a row claimed and not yet sent
  std::vector<std::string> violations;
  int sent = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 10000; ++round) {
        {
          std::lock_guard lock(mu);
          if (sent == kChats * kPerChat) return;
        }
        const std::string token = "t" + std::to_string(t) + "-" + std::to_string(round);
        const auto rows = s.ClaimOutbox("telegram", token, At(2), At(3), 5);
        if (rows.empty()) {
          std::this_thread::yield();
          continue;
        }
        {
          std::lock_guard lock(mu);
          for (const auto& r : rows) {
            const auto& chat = ids[r.address];
            if (outstanding[r.address] || next[r.address] >= chat.size() ||
                chat[next[r.address]] != r.id)
              violations.push_back(r.idempotency_key);
            outstanding[r.address] = true;
          }
        }
        for (const auto& r : rows) {
          {
            // Recorded before the store says sent: a claimer that sees the
            // row sent finds it recorded.
            std::lock_guard lock(mu);
            outstanding[r.address] = false;
            ++next[r.address];
            ++sent;
          }
          ASSERT_TRUE(s.MarkOutboxSent(r.id, token, "m-" + std::to_string(r.id), At(2)));
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(sent, kChats * kPerChat);
  EXPECT_THAT(violations, IsEmpty()) << "rows claimed while an older row of the chat was unsent";
}

TYPED_TEST(StoreConformance, OutboxCountsPerChannelStateAndBatch) {
  Store& s = this->store();
  for (int i = 0; i < 5; ++i) {
    OutboxMessage m = Row("b1-" + std::to_string(i), 2, 1);
    m.batch_id = "b1";
    ASSERT_TRUE(s.EnqueueOutbox(m));
  }
  OutboxMessage v = Row("b1-viber", 2, 1, "viber");
  v.batch_id = "b1";
  ASSERT_TRUE(s.EnqueueOutbox(v));
  ASSERT_TRUE(s.EnqueueOutbox(Row("single", 1, 1)));
  const auto rows = s.ClaimOutbox("telegram", "t", At(1), At(2), 3);
  ASSERT_EQ(rows.size(), 3u);
  ASSERT_TRUE(s.MarkOutboxSent(rows[0].id, "t", "p", At(1)));
  ASSERT_TRUE(s.MarkOutboxFailed(rows[1].id, "t", "no", At(1)));

  auto count = [](const std::vector<OutboxCount>& counts, const std::string& channel,
                  OutboxState state) -> int64_t {
    for (const auto& c : counts)
      if (c.channel == channel && c.state == state) return c.count;
    return 0;
  };
  const auto all = s.CountOutbox("");
  EXPECT_EQ(count(all, "telegram", OutboxState::kSent), 1);
  EXPECT_EQ(count(all, "telegram", OutboxState::kFailed), 1);
  EXPECT_EQ(count(all, "telegram", OutboxState::kSending), 1);
  EXPECT_EQ(count(all, "telegram", OutboxState::kQueued), 3);
  EXPECT_EQ(count(all, "viber", OutboxState::kQueued), 1);
  const auto batch = s.CountOutbox("b1");
  // "single" (normal) was claimed before the bulk rows and sent; it is not in the batch.
  EXPECT_EQ(count(batch, "telegram", OutboxState::kSent), 0);
  EXPECT_EQ(count(batch, "telegram", OutboxState::kFailed), 1);
  EXPECT_EQ(count(batch, "telegram", OutboxState::kSending), 1);
  EXPECT_EQ(count(batch, "telegram", OutboxState::kQueued), 3);
  EXPECT_EQ(count(batch, "viber", OutboxState::kQueued), 1);

  EXPECT_EQ(s.ListOutbox({.batch_id = "b1"}).size(), 6u);
  EXPECT_EQ(s.ListOutbox({.channel = "viber"}).size(), 1u);
  EXPECT_THAT(Keys(s.ListOutbox({.state = OutboxState::kFailed})), ElementsAre(rows[1].idempotency_key));
  const auto page1 = s.ListOutbox({.limit = 4});
  ASSERT_EQ(page1.size(), 4u);
  EXPECT_EQ(s.ListOutbox({.limit = 4, .after_id = page1.back().id}).size(), 3u);
  EXPECT_THROW(s.ListOutbox({.limit = 0}), StoreError);
}

// ---------------------------------------------------------------------------
// Ukrainian text

TYPED_TEST(StoreConformance, UkrainianTextRoundTripsByteExact) {
  // Three apostrophes in use: U+2019 ’, U+02BC ʼ and the ASCII '.
  const std::string text =
      "Під’їзд №2 на вулиці Об'їзна: протікає дах, пʼять квартир без світла. "
      "Ґанок, Єва, Їжак, ЇЖАК; «лапки» — тире… emoji 💧";
  Appeal draft = FullDraft();
  draft.description = text;
  draft.address.street = "вулиця Героїв Крут’";
  draft.address.entrance = "під’їзд 3ʼ";
  draft.category = "вода/немає-води";
  draft.executors = {"водоканал", "жек’3"};
  draft.number = "№ 0001/Сумиʼ";
  const Appeal created = this->Create(draft);
  const auto found = this->store().FindAppeal(created.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->description, text);
  EXPECT_EQ(found->description.size(), text.size());
  ExpectSameContent(*found, draft);
  EXPECT_EQ(this->store().FindAppealByNumber("№ 0001/Сумиʼ")->id, created.id);
  EXPECT_THAT(Ids(this->store().ListAppeals({.street = "вулиця Героїв Крут’"})),
              ElementsAre(created.id));
  EXPECT_THAT(Ids(this->store().ListAppeals({.street = "вулиця Героїв Крутʼ"})), IsEmpty())
      << "apostrophes are not folded into one another";
  EXPECT_THAT(Ids(this->store().ListAppeals({.category = "вода"})), ElementsAre(created.id));
  EXPECT_THAT(Ids(this->store().ListAppeals({.executors = std::vector<std::string>{"водоканал"}})),
              ElementsAre(created.id));

  this->store().AddComment({0, created.id, "x", "executor", text, true, At(3)}, AuditOf("comment"));
  EXPECT_EQ(this->store().ListComments(created.id)[0].text, text);
  Resident r = NewResident("ua", 1, "+380501234567");
  r.identity->name = "Мар’яна Ґонтаʼ-О'Ніл";
  this->store().CreateResident(r, AuditOf("register", "resident", "ua"));
  EXPECT_EQ(this->store().FindResident("ua")->identity->name, "Мар’яна Ґонтаʼ-О'Ніл");
}

}  // namespace
}  // namespace vikno::testing
