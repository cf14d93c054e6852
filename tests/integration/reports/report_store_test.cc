// The reports concern (store/report_store.h) on every backend: SQLite and,
// when built, a real MariaDB. One known data set; every figure of the
// dashboard (R27) and the control rows (R21, R29) checked by hand.
#include <gtest/gtest.h>

#include "integration/store/backends.h"
#include "store/store.h"

namespace vikno::testing {
namespace {

constexpr int64_t kBase = 1'700'000'000;
Timestamp At(int64_t hours) { return FromUnix(kBase + hours * 3600); }

AuditEntry Audit(std::string action, std::string entity = "appeal", std::string id = "") {
  return AuditEntry{0, At(0), "mod-1", "moderator", "10.0.0.9", std::move(entity),
                    std::move(id), std::move(action), "{}"};
}

struct Spec {
  int64_t created;
  std::string executor;
  std::string category;
  Status status;
  std::optional<int64_t> accepted;
  std::optional<int64_t> closed;
  int64_t due;
  std::string district;
  std::string resident;
};

template <class B>
class ReportStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = B::Make();
    store_->UpsertExecutor(Executor{"roads", "Шляхи", "", "roads@city.example", "Голова", true});
    store_->UpsertExecutor(Executor{"water", "Водоканал", "", "", "", true});
    for (const char* id : {"res-1", "res-2", "res-3"}) {
      Resident r;
      r.id = id;
      r.created_at = At(-100);
      store_->CreateResident(r, Audit("create", "resident", id));
    }
    // The period is [At(0), At(720)); now is At(100).
    const std::vector<Spec> specs = {
        {1, "roads", "roads/pothole", Status::kCompleted, 2, 10, 20, "Ковпаківський", "res-1"},
        {2, "roads", "roads/pothole", Status::kInWork, 3, std::nullopt, 5, "Ковпаківський", "res-1"},
        {3, "water", "water/leak", Status::kRejected, std::nullopt, 4, 50, "Зарічний", "res-2"},
        {4, "water", "water/no-water", Status::kCompleted, 5, 60, 30, "Зарічний", "res-3"},
        {-10, "roads", "roads/pothole", Status::kInWork, -9, std::nullopt, 1, "", "res-2"},
        {800, "water", "water/leak", Status::kNew, std::nullopt, std::nullopt, 900, "", "res-3"},
    };
    for (const auto& s : specs) {
      Appeal a;
      a.type = "ordinary";
      a.category = s.category;
      a.executors = {s.executor};
      a.description = "Опис";
      a.channel = "telegram";
      a.resident_id = s.resident;
      a.status = s.status;
      a.created_at = a.updated_at = At(s.created);
      if (s.accepted) a.accepted_at = At(*s.accepted);
      if (s.closed) a.closed_at = At(*s.closed);
      a.resolve_due = At(s.due);
      a.address.street = "вулиця Соборна";
      a.address.house = std::to_string(ids_.size() + 1);
      a.address.district = s.district;
      ids_.push_back(store_->CreateAppeal(a, Audit("create")).id);
    }
    // Appeal 4 was returned for rework once (002 §6.3.3).
    store_->Audit(Audit("return_for_rework", "appeal", std::to_string(ids_[3])));
    store_->Audit(Audit("comment", "appeal", std::to_string(ids_[2])));
    // Subscribers: res-1 long ago, res-2 within the period, res-3 unsubscribed.
    store_->UpsertChannelBinding({"res-1", "telegram", "111", true, At(-5), At(-5)});
    store_->UpsertChannelBinding({"res-2", "viber", "v-2", true, At(10), At(10)});
    store_->UpsertChannelBinding({"res-3", "telegram", "333", false, At(10), At(10)});
  }

  ReportFilter Period(std::optional<std::vector<std::string>> scope = std::nullopt) {
    return ReportFilter{At(0), At(720), std::move(scope)};
  }

  // An event of `executor` with `sent` of `queued` notices sent at At(50).
  int64_t EventWithNotices(const std::string& executor, int queued, int sent) {
    Event e;
    e.kind = EventKind::kEmergency;
    e.reason = "Аварія на водогоні " + executor;
    e.executor_id = executor;
    e.starts_at = At(40);
    e.created_at = At(40);
    const int64_t id = store_->CreateEvent(e);
    for (int i = 0; i < queued; ++i) {
      OutboxMessage m;
      m.idempotency_key = "event:" + std::to_string(id) + ":" + std::to_string(i);
      m.channel = "telegram";
      m.address = "chat-" + executor + std::to_string(i);
      m.recipient_kind = "resident";
      m.recipient_id = "res-1";
      m.text_key = "events.notice";
      m.batch_id = "event:" + std::to_string(id);
      m.next_attempt_at = m.created_at = m.updated_at = At(45);
      store_->EnqueueOutbox(m);
    }
    auto claimed = store_->ClaimOutbox("telegram", "tok-" + executor, At(50), At(51), sent);
    for (const auto& m : claimed) store_->MarkOutboxSent(m.id, "tok-" + executor, "p", At(50));
    return id;
  }

  std::unique_ptr<Store> store_;
  std::vector<int64_t> ids_;
};

TYPED_TEST_SUITE(ReportStoreTest, Backends, BackendName);

TYPED_TEST(ReportStoreTest, DashboardCountsTheKnownSet) {
  const int64_t water_event = this->EventWithNotices("water", 3, 2);
  const auto d = this->store_->Dashboard(this->Period(), At(100));
  EXPECT_EQ(d.appeals, 4);
  EXPECT_EQ(d.residents_appealed, 3);
  EXPECT_EQ(d.by_status, (std::vector<KeyCount>{{"completed", 2}, {"in_work", 1}, {"rejected", 1}}));
  EXPECT_EQ(d.by_branch, (std::vector<KeyCount>{{"roads", 2}, {"water", 2}}));
  // Overdue now, whenever registered: appeal 2 and the one from before the period.
  EXPECT_EQ(d.overdue_by_executor, (std::vector<KeyCount>{{"roads", 2}}));
  EXPECT_EQ(d.subscribers, (std::vector<KeyCount>{{"telegram", 1}, {"viber", 1}}));
  EXPECT_EQ(d.new_subscribers, (std::vector<KeyCount>{{"viber", 1}, {"telegram", 0}}));
  ASSERT_EQ(d.messages_per_event.size(), 1u);
  EXPECT_EQ(d.messages_per_event[0].event_id, water_event);
  EXPECT_EQ(d.messages_per_event[0].sent, 2);  // the queued one is not counted
  EXPECT_EQ(d.messages_per_event[0].executor_id, "water");
}

// The status x branch counts read appeals_report straight through when the
// period covers most of the stored appeals and skip-scan it into the range
// when it is a small part (SQLite); both must count the same appeals.
TYPED_TEST(ReportStoreTest, DashboardCountsAShortPeriodOfTheData) {
  const auto d = this->store_->Dashboard(ReportFilter{At(1), At(3), std::nullopt}, At(100));
  EXPECT_EQ(d.appeals, 2);
  EXPECT_EQ(d.residents_appealed, 1);
  EXPECT_EQ(d.by_status, (std::vector<KeyCount>{{"completed", 1}, {"in_work", 1}}));
  EXPECT_EQ(d.by_branch, (std::vector<KeyCount>{{"roads", 2}}));
  const auto edge = this->store_->Dashboard(ReportFilter{At(2), At(3), std::nullopt}, At(100));
  EXPECT_EQ(edge.appeals, 1) << "from is inclusive, to exclusive";
  EXPECT_EQ(edge.by_status, (std::vector<KeyCount>{{"in_work", 1}}));
}

// Overdue per executor is counted per open status and summed: one executor
// late in two statuses is one line with both.
TYPED_TEST(ReportStoreTest, DashboardSumsAnExecutorsOverdueOverOpenStatuses) {
  Appeal a;
  a.type = "ordinary";
  a.category = "roads/pothole";
  a.executors = {"roads"};
  a.description = "Опис";
  a.channel = "telegram";
  a.resident_id = "res-3";
  a.status = Status::kNotConfirmed;
  a.created_at = a.updated_at = At(-20);
  a.resolve_due = At(6);
  this->store_->CreateAppeal(a, Audit("create"));
  for (const auto& scope : {std::optional<std::vector<std::string>>{},
                            std::optional<std::vector<std::string>>{{"roads", "water"}}}) {
    const auto d = this->store_->Dashboard(this->Period(scope), At(100));
    EXPECT_EQ(d.overdue_by_executor, (std::vector<KeyCount>{{"roads", 3}}));
    EXPECT_EQ(d.appeals, 4) << "registered before the period: not among its appeals";
  }
  const auto later = this->store_->Dashboard(this->Period(), At(1000));
  EXPECT_EQ(later.overdue_by_executor, (std::vector<KeyCount>{{"roads", 3}, {"water", 1}}));
}

TYPED_TEST(ReportStoreTest, DashboardKeepsToTheViewersServices) {
  this->EventWithNotices("water", 1, 1);
  const auto d = this->store_->Dashboard(this->Period(std::vector<std::string>{"roads"}), At(100));
  EXPECT_EQ(d.appeals, 2);
  EXPECT_EQ(d.residents_appealed, 1);
  EXPECT_EQ(d.by_branch, (std::vector<KeyCount>{{"roads", 2}}));
  EXPECT_EQ(d.overdue_by_executor, (std::vector<KeyCount>{{"roads", 2}}));
  EXPECT_TRUE(d.messages_per_event.empty()) << "another service's event leaked";
  // R26: a moderator with no services sees no appeals at all.
  const auto none = this->store_->Dashboard(this->Period(std::vector<std::string>{}), At(100));
  EXPECT_EQ(none.appeals, 0);
  EXPECT_TRUE(none.by_status.empty());
  EXPECT_TRUE(none.overdue_by_executor.empty());
  EXPECT_TRUE(none.messages_per_event.empty());
}

TYPED_TEST(ReportStoreTest, ControlRowsByExecutorCountWhatBecameOfThePeriodsAppeals) {
  const auto rows = this->store_->ControlRows(this->Period(), ReportGroup::kExecutor, At(100));
  ASSERT_EQ(rows.size(), 2u);
  // key, received, accepted, done, rejected, returned, overdue, open
  EXPECT_EQ(rows[0], (ControlRow{"roads", 2, 2, 1, 0, 0, 1, 1}));
  EXPECT_EQ(rows[1], (ControlRow{"water", 2, 1, 1, 1, 1, 1, 0}));
}

TYPED_TEST(ReportStoreTest, ControlRowsByClassifierAndDistrict) {
  const auto branches = this->store_->ControlRows(this->Period(), ReportGroup::kBranch, At(100));
  ASSERT_EQ(branches.size(), 2u);
  EXPECT_EQ(branches[1], (ControlRow{"water", 2, 1, 1, 1, 1, 1, 0}));
  const auto categories =
      this->store_->ControlRows(this->Period(), ReportGroup::kCategory, At(100));
  ASSERT_EQ(categories.size(), 3u);
  EXPECT_EQ(categories[0].key, "roads/pothole");
  EXPECT_EQ(categories[1], (ControlRow{"water/leak", 1, 0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(categories[2], (ControlRow{"water/no-water", 1, 1, 1, 0, 1, 1, 0}));
  const auto districts =
      this->store_->ControlRows(this->Period(), ReportGroup::kDistrict, At(100));
  ASSERT_EQ(districts.size(), 2u);
  EXPECT_EQ(districts[0].key, "Зарічний");
  EXPECT_EQ(districts[0].received, 2);
  EXPECT_EQ(districts[1].key, "Ковпаківський");
  EXPECT_EQ(districts[1].overdue, 1);
  // Scoped: only the viewer's services.
  const auto scoped = this->store_->ControlRows(this->Period(std::vector<std::string>{"water"}),
                                                ReportGroup::kDistrict, At(100));
  ASSERT_EQ(scoped.size(), 1u);
  EXPECT_EQ(scoped[0].key, "Зарічний");
}

TYPED_TEST(ReportStoreTest, OverdueListIsMostLateFirstAndScoped) {
  const auto late = this->store_->ListOverdue(this->Period(), At(100), 10);
  ASSERT_EQ(late.size(), 2u);
  EXPECT_EQ(late[0].id, this->ids_[4]);  // due At(1)
  EXPECT_EQ(late[1].id, this->ids_[1]);  // due At(5)
  EXPECT_EQ(late[1].executor, "roads");
  EXPECT_EQ(late[1].address, "вулиця Соборна, 2");
  EXPECT_TRUE(this->store_->ListOverdue(this->Period(std::vector<std::string>{"water"}), At(100), 10)
                  .empty());
  EXPECT_EQ(this->store_->ListOverdue(this->Period(), At(100), 1).size(), 1u);
}

TYPED_TEST(ReportStoreTest, AReportRunIsClaimedOncePerPeriod) {
  auto& s = *this->store_;
  EXPECT_TRUE(s.ClaimReportRun("daily", At(0), At(30), At(0)));
  // A second host, or the same after a restart, does not make it again.
  EXPECT_FALSE(s.ClaimReportRun("daily", At(0), At(30), At(0)));
  // A claim whose host died (older than the staleness bound) is taken over.
  EXPECT_TRUE(s.ClaimReportRun("daily", At(0), At(40), At(35)));
  s.CompleteReportRun("daily", At(0), "daily-all.xlsx");
  EXPECT_FALSE(s.ClaimReportRun("daily", At(0), At(90), At(89))) << "a done run is never redone";
  EXPECT_TRUE(s.ClaimReportRun("daily", At(24), At(48), At(0)));
  EXPECT_TRUE(s.ClaimReportRun("weekly", At(0), At(48), At(0)));
  const auto runs = s.ListReportRuns("daily", 10);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].period_from, At(24));
  EXPECT_EQ(runs[0].state, "claimed");
  EXPECT_EQ(runs[1].state, "done");
  EXPECT_EQ(runs[1].file, "daily-all.xlsx");
}

}  // namespace
}  // namespace vikno::testing
