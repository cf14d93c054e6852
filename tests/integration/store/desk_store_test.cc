// Conformance of the issue 5 concerns (request_store.h, desk_store.h,
// block_store.h) on every backend: SQLite and, when built, MariaDB.
#include <gtest/gtest.h>

#include "integration/store/backends.h"
#include "store/store.h"

namespace vikno::testing {
namespace {

constexpr int64_t kBase = 1'700'000'000;
Timestamp At(int64_t hours) { return FromUnix(kBase + hours * 3600); }

AuditEntry Audit(std::string action, std::string entity = "appeal", std::string id = "1") {
  return AuditEntry{0, At(0), "dm-1", "decision_maker", "10.0.0.9", std::move(entity),
                    std::move(id), std::move(action), "{}"};
}

template <class B>
class DeskStore : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = B::Make();
    store_->UpsertExecutor(Executor{"roads", "Шляхи", "", "", "", true});
    store_->UpsertExecutor(Executor{"water", "Водоканал", "", "", "", true});
    Resident r;
    r.id = "res-1";
    r.created_at = At(0);
    store_->CreateResident(r, Audit("create", "resident", "res-1"));
    Appeal a;
    a.type = "ordinary";
    a.category = "roads/pothole";
    a.executors = {"roads"};
    a.description = "Яма";
    a.channel = "phone";
    a.resident_id = "res-1";
    a.created_at = a.updated_at = At(0);
    a.resolve_due = At(120);
    appeal_ = store_->CreateAppeal(a, Audit("create", "appeal", ""));
  }
  std::unique_ptr<Store> store_;
  Appeal appeal_;
};

TYPED_TEST_SUITE(DeskStore, Backends, BackendName);

TYPED_TEST(DeskStore, ExtensionApprovalMovesTheDeadlineInOneTransaction) {
  Store& s = *this->store_;
  ExtensionRequest r;
  r.appeal_id = this->appeal_.id;
  r.proposed_due = At(240);
  r.reason = "Потрібна техніка";
  r.requested_by = "exe-1";
  r.requested_at = At(1);
  r.ordinal = 2;
  r.approver = "head";
  const auto added = s.AddExtensionRequest(r, Audit("request_extension"));
  EXPECT_GT(added.id, 0);
  auto found = s.FindExtensionRequest(added.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->approver, "head");
  EXPECT_EQ(found->ordinal, 2);
  EXPECT_EQ(found->state, RequestState::kPending);
  EXPECT_FALSE(found->decision);

  Appeal changed = this->appeal_;
  changed.resolve_due = At(240);
  auto decided = s.DecideExtensionRequest(added.id, true, Decision{"dm-1", At(2), "так"}, changed,
                                          Audit("approve_extension"));
  ASSERT_TRUE(decided) << decided.refusal().message;
  EXPECT_EQ(decided->state, RequestState::kApproved);
  ASSERT_TRUE(decided->decision);
  EXPECT_EQ(decided->decision->decided_by, "dm-1");
  EXPECT_EQ(decided->decision->note, "так");
  EXPECT_EQ(*s.FindAppeal(this->appeal_.id)->resolve_due, At(240));
  // Decided once: a second decision is refused and writes nothing.
  auto again = s.DecideExtensionRequest(added.id, false, Decision{"dm-1", At(3), ""}, std::nullopt,
                                        Audit("reject_extension"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.refusal().code, "already_decided");
  EXPECT_EQ(s.ListExtensionRequests(this->appeal_.id).size(), 1u);
}

TYPED_TEST(DeskStore, StaleAppealLeavesTheRequestPending) {
  Store& s = *this->store_;
  ExtensionRequest r;
  r.appeal_id = this->appeal_.id;
  r.proposed_due = At(240);
  r.reason = "x";
  r.requested_by = "exe-1";
  r.requested_at = At(1);
  const auto added = s.AddExtensionRequest(r, Audit("request_extension"));
  Appeal stale = this->appeal_;
  stale.version -= 1;
  stale.resolve_due = At(240);
  const size_t audit_before = s.ListAudit("appeal", std::to_string(this->appeal_.id)).size();
  auto decided = s.DecideExtensionRequest(added.id, true, Decision{"dm-1", At(2), ""}, stale,
                                          Audit("approve_extension", "appeal",
                                                std::to_string(this->appeal_.id)));
  ASSERT_FALSE(decided);
  EXPECT_EQ(decided.refusal().code, "stale");
  EXPECT_EQ(s.FindExtensionRequest(added.id)->state, RequestState::kPending);
  EXPECT_EQ(*s.FindAppeal(this->appeal_.id)->resolve_due, At(120));
  EXPECT_EQ(s.ListAudit("appeal", std::to_string(this->appeal_.id)).size(), audit_before);
}

TYPED_TEST(DeskStore, ExecutorChangeApprovalReplacesTheLead) {
  Store& s = *this->store_;
  ExecutorChangeRequest r;
  r.appeal_id = this->appeal_.id;
  r.from_executor = "roads";
  r.reason = "Не наша компетенція";
  r.requested_by = "exe-1";
  r.requested_at = At(1);
  const auto added = s.AddExecutorChangeRequest(r, Audit("request_executor_change"));
  EXPECT_EQ(s.FindExecutorChangeRequest(added.id)->proposed_executor, "");
  Appeal changed = this->appeal_;
  changed.executors = {"water"};
  auto decided = s.DecideExecutorChangeRequest(added.id, true, Decision{"dm-1", At(2), ""},
                                               changed, Audit("approve_executor_change"));
  ASSERT_TRUE(decided);
  EXPECT_EQ(s.FindAppeal(this->appeal_.id)->lead_executor(), "water");
  AppealQuery q;
  q.executors = std::vector<std::string>{"roads"};
  EXPECT_TRUE(s.ListAppeals(q).items.empty());  // left the old service's scope
  EXPECT_EQ(s.ListExecutorChangeRequests(this->appeal_.id).front().state,
            RequestState::kApproved);
}

TYPED_TEST(DeskStore, RejectionWritesOnlyTheDecisionAndAudit) {
  Store& s = *this->store_;
  ExecutorChangeRequest r;
  r.appeal_id = this->appeal_.id;
  r.from_executor = "roads";
  r.proposed_executor = "water";
  r.reason = "x";
  r.requested_by = "exe-1";
  r.requested_at = At(1);
  const auto added = s.AddExecutorChangeRequest(r, Audit("request_executor_change"));
  auto decided = s.DecideExecutorChangeRequest(added.id, false, Decision{"dm-1", At(2), "ні"},
                                               std::nullopt, Audit("reject_executor_change"));
  ASSERT_TRUE(decided);
  EXPECT_EQ(decided->state, RequestState::kRejected);
  EXPECT_EQ(s.FindAppeal(this->appeal_.id)->lead_executor(), "roads");
  EXPECT_EQ(s.FindAppeal(this->appeal_.id)->version, this->appeal_.version);
  auto missing = s.DecideExecutorChangeRequest(added.id + 100, true, Decision{}, std::nullopt,
                                               Audit("x"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.refusal().code, "not_found");
}

TYPED_TEST(DeskStore, InformingsKeepEveryField) {
  Store& s = *this->store_;
  Informing i{0,  this->appeal_.id, "phone", At(5), "Оператор Ірина", "Дільниця 3",
              "Петренко", "+380501112233", "Повідомлено", "op-1", At(6)};
  const auto added = s.AddInforming(i, Audit("inform_resident"));
  EXPECT_GT(added.id, 0);
  const auto list = s.ListInformings(this->appeal_.id);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].how, "phone");
  EXPECT_EQ(list[0].at, At(5));
  EXPECT_EQ(list[0].by, "Оператор Ірина");
  EXPECT_EQ(list[0].unit, "Дільниця 3");
  EXPECT_EQ(list[0].performer, "Петренко");
  EXPECT_EQ(list[0].performer_phone, "+380501112233");
  EXPECT_EQ(list[0].recorded_by, "op-1");
  // The schema refuses an unknown way of informing, whole.
  i.how = "pigeon";
  EXPECT_THROW(s.AddInforming(i, Audit("inform_resident")), StoreError);
  EXPECT_EQ(s.ListInformings(this->appeal_.id).size(), 1u);
}

TYPED_TEST(DeskStore, KnowledgeBaseAndConsultations) {
  Store& s = *this->store_;
  KbEntry e{0, "Пенсії", "Питання пенсій вирішує ПФУ", {"пенсія", "ПФУ"}, "Пенсійний фонд",
            "admin", At(1)};
  const auto added = s.AddKbEntry(e, Audit("create", "kb", ""));
  EXPECT_GT(added.id, 0);
  auto found = s.FindKbEntry(added.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->tags, (std::vector<std::string>{"пенсія", "ПФУ"}));
  EXPECT_EQ(found->state_body, "Пенсійний фонд");
  KbEntry changed = *found;
  changed.title = "Пенсії та субсидії";
  changed.tags = {};
  EXPECT_TRUE(s.UpdateKbEntry(changed, Audit("update", "kb")));
  EXPECT_TRUE(s.UpdateKbEntry(changed, Audit("update", "kb")));  // same values: still found
  EXPECT_EQ(s.FindKbEntry(added.id)->title, "Пенсії та субсидії");
  EXPECT_TRUE(s.FindKbEntry(added.id)->tags.empty());
  KbEntry absent = changed;
  absent.id = added.id + 100;
  EXPECT_FALSE(s.UpdateKbEntry(absent, Audit("update", "kb")));
  EXPECT_EQ(s.ListKbEntries().size(), 1u);

  Consultation c{0, "", "+380501234567", added.id, "Порадили ПФУ", "op-1", At(2)};
  const auto made = s.AddConsultation(c, Audit("create", "consultation", ""));
  EXPECT_GT(made.id, 0);
  auto list = s.ListConsultations("+380501234567", "", 10);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].kb_id, added.id);
  EXPECT_TRUE(s.DeleteKbEntry(added.id, Audit("delete", "kb")));
  EXPECT_FALSE(s.DeleteKbEntry(added.id, Audit("delete", "kb")));
  list = s.ListConsultations("+380501234567", "", 10);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_FALSE(list[0].kb_id);  // the consultation outlives the entry
  EXPECT_TRUE(s.ListConsultations("+380999999999", "", 10).empty());
}

TYPED_TEST(DeskStore, DirectoryContactsAreEditedWithAudit) {
  Store& s = *this->store_;
  EXPECT_TRUE(s.UpdateExecutorContacts("roads", "+380542000000", "roads@city.ua", "Коваль",
                                       Audit("update_contacts", "executor", "roads")));
  auto e = s.FindExecutor("roads");
  EXPECT_EQ(e->phone, "+380542000000");
  EXPECT_EQ(e->email, "roads@city.ua");
  EXPECT_EQ(e->head, "Коваль");
  EXPECT_FALSE(s.UpdateExecutorContacts("nobody", "", "", "", Audit("x", "executor", "nobody")));
  EXPECT_EQ(s.ListAudit("executor", "roads").size(), 1u);
  EXPECT_TRUE(s.ListAudit("executor", "nobody").empty());
}

// The next start writes the city's rules again (SyncCity): a correction made
// in the panel stays, the rules still rename or retire the service, and a
// service never edited in the panel takes the rules' new contacts.
TYPED_TEST(DeskStore, APanelEditOfContactsSurvivesTheRulesAtTheNextStart) {
  Store& s = *this->store_;
  s.UpsertExecutor(Executor{"water", "Водоканал", "+380540000001", "old@city.ua", "Бондар", true});
  ASSERT_TRUE(s.UpdateExecutorContacts("roads", "+380542000000", "roads@city.ua", "Коваль",
                                       Audit("update_contacts", "executor", "roads")));
  s.UpsertExecutor(Executor{"roads", "КП «Шляхи»", "+380540000000", "lua@city.ua", "Lua", false});
  s.UpsertExecutor(Executor{"water", "КП «Водоканал»", "+380540000002", "new@city.ua", "Мороз", true});
  auto roads = s.FindExecutor("roads");
  EXPECT_EQ(roads->phone, "+380542000000");
  EXPECT_EQ(roads->email, "roads@city.ua");
  EXPECT_EQ(roads->head, "Коваль");
  EXPECT_EQ(roads->name, "КП «Шляхи»");
  EXPECT_FALSE(roads->active);
  auto water = s.FindExecutor("water");
  EXPECT_EQ(water->phone, "+380540000002");
  EXPECT_EQ(water->email, "new@city.ua");
  EXPECT_EQ(water->head, "Мороз");
  EXPECT_EQ(water->name, "КП «Водоканал»");
}

TYPED_TEST(DeskStore, BlocksPerChannelAndAll) {
  Store& s = *this->store_;
  EXPECT_FALSE(s.IsResidentBlocked("res-1", "telegram"));
  auto b = s.BlockResident(ResidentBlock{"res-1", "telegram", "Образи", "dm-2", "mod-1", At(1)},
                           Audit("block", "resident", "res-1"));
  ASSERT_TRUE(b);
  EXPECT_TRUE(s.IsResidentBlocked("res-1", "telegram"));
  EXPECT_FALSE(s.IsResidentBlocked("res-1", "viber"));
  auto twice = s.BlockResident(ResidentBlock{"res-1", "telegram", "x", "", "mod-1", At(2)},
                               Audit("block", "resident", "res-1"));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.refusal().code, "already_blocked");
  ASSERT_TRUE(s.BlockResident(ResidentBlock{"res-1", "all", "Спам", "dm-2", "admin", At(3)},
                              Audit("block", "resident", "res-1")));
  EXPECT_TRUE(s.IsResidentBlocked("res-1", "viber"));  // "all" counts for every channel
  const auto list = s.ListBlocks();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].channel, "all");  // newest first
  EXPECT_EQ(list[1].approved_by, "dm-2");
  EXPECT_TRUE(s.UnblockResident("res-1", "all", Audit("unblock", "resident", "res-1")));
  EXPECT_FALSE(s.UnblockResident("res-1", "all", Audit("unblock", "resident", "res-1")));
  EXPECT_FALSE(s.IsResidentBlocked("res-1", "viber"));
  EXPECT_TRUE(s.IsResidentBlocked("res-1", "telegram"));
  EXPECT_EQ(s.ListAudit("resident", "res-1").size(), 4u);  // create, 2 blocks, 1 unblock
  // An unknown resident cannot be blocked (foreign key): nothing written.
  EXPECT_THROW((void)s.BlockResident(ResidentBlock{"nobody", "sms", "x", "", "a", At(4)},
                                     Audit("block", "resident", "nobody")),
               StoreError);
  EXPECT_TRUE(s.ListAudit("resident", "nobody").empty());
}

}  // namespace
}  // namespace vikno::testing
