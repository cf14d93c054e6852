// The Open311 concern of the Store (api_key_store.h, B1) on every backend:
// API keys kept by hash and revoked once, each with its audit in the same
// transaction; Open311 filings (token, media URL) naming an appeal and going with it; and the appeal
// audit feed servicerequestupdates pages through.
#include <gtest/gtest.h>

#include "integration/store/backends.h"
#include "store/store.h"

namespace vikno::testing {
namespace {

constexpr int64_t kBase = 1'700'000'000;
Timestamp At(int64_t minutes) { return FromUnix(kBase + minutes * 60); }

AuditEntry Audit(std::string entity, std::string action, Timestamp at = At(0)) {
  return AuditEntry{0,        at, "user:1", "administrator", "10.0.0.1", std::move(entity), "",
                    std::move(action), "{}"};
}

ApiKey Key(const std::string& label, const std::string& hash) {
  ApiKey k;
  k.label = label;
  k.key_hash = hash;
  k.created_by = "user:1";
  k.created_at = At(1);
  return k;
}

template <class B>
class ApiKeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = B::Make(); }

  Appeal NewAppeal(Timestamp at) {
    if (!store_->FindResident("res-1")) {
      Resident r;
      r.id = "res-1";
      r.created_at = At(0);
      store_->CreateResident(r, Audit("resident", "create"));
    }
    store_->UpsertExecutor(Executor{"roads", "Шляхи", "", "", "", true});
    Appeal a;
    a.type = "ordinary";
    a.category = "roads/pothole";
    a.executors = {"roads"};
    a.description = "Яма";
    a.channel = "open311";
    a.resident_id = "res-1";
    a.created_at = a.updated_at = at;
    return store_->CreateAppeal(a, Audit("appeal", "create", at));
  }

  std::unique_ptr<Store> store_;
};
TYPED_TEST_SUITE(ApiKeyStoreTest, Backends, BackendName);

TYPED_TEST(ApiKeyStoreTest, IssuedKeyIsFoundByItsHashWithItsAudit) {
  Store& s = *this->store_;
  const ApiKey created = s.CreateApiKey(Key("FixMyStreet", std::string(64, 'a')),
                                        Audit("api_key", "issue"));
  EXPECT_GT(created.id, 0);
  auto found = s.FindApiKeyByHash(std::string(64, 'a'));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, created.id);
  EXPECT_EQ(found->label, "FixMyStreet");
  EXPECT_EQ(found->created_by, "user:1");
  EXPECT_EQ(found->created_at, At(1));
  EXPECT_TRUE(found->active());
  EXPECT_FALSE(s.FindApiKeyByHash(std::string(64, 'b')));
  auto audit = s.ListAudit("api_key", std::to_string(created.id));
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "issue");
}

TYPED_TEST(ApiKeyStoreTest, RevokedKeyStaysRevokedAndIsRefusedASecondTime) {
  Store& s = *this->store_;
  const ApiKey k = s.CreateApiKey(Key("app", std::string(64, 'c')), Audit("api_key", "issue"));
  auto revoked = s.RevokeApiKey(k.id, "user:1", At(5), Audit("api_key", "revoke", At(5)));
  ASSERT_TRUE(revoked) << revoked.refusal().message;
  EXPECT_FALSE(revoked->active());
  auto found = s.FindApiKeyByHash(std::string(64, 'c'));
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->active());
  EXPECT_EQ(found->revoked_at, At(5));
  EXPECT_EQ(found->revoked_by, "user:1");

  auto again = s.RevokeApiKey(k.id, "user:1", At(6), Audit("api_key", "revoke", At(6)));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.refusal().code, "already_revoked");
  EXPECT_EQ(s.FindApiKeyByHash(std::string(64, 'c'))->revoked_at, At(5));  // not rewritten
  // One issue and one revoke audited; the refused second revoke wrote nothing.
  EXPECT_EQ(s.ListAudit("api_key", std::to_string(k.id)).size(), 2u);

  auto unknown = s.RevokeApiKey(k.id + 100, "user:1", At(6), Audit("api_key", "revoke"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.refusal().code, "not_found");
}

TYPED_TEST(ApiKeyStoreTest, ListShowsEveryKeyNewestFirst) {
  Store& s = *this->store_;
  const ApiKey a = s.CreateApiKey(Key("first", std::string(64, 'd')), Audit("api_key", "issue"));
  const ApiKey b = s.CreateApiKey(Key("second", std::string(64, 'e')), Audit("api_key", "issue"));
  ASSERT_TRUE(s.RevokeApiKey(a.id, "cli", At(2), Audit("api_key", "revoke")));
  auto list = s.ListApiKeys();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, b.id);
  EXPECT_EQ(list[1].id, a.id);
  EXPECT_FALSE(list[1].active());
  EXPECT_TRUE(list[0].active());
}

TYPED_TEST(ApiKeyStoreTest, DuplicateHashIsAStoreError) {
  Store& s = *this->store_;
  s.CreateApiKey(Key("one", std::string(64, 'f')), Audit("api_key", "issue"));
  EXPECT_THROW(s.CreateApiKey(Key("two", std::string(64, 'f')), Audit("api_key", "issue")),
               StoreError);
  EXPECT_EQ(s.ListApiKeys().size(), 1u);  // nothing half-written, no audit of the failure
}

TYPED_TEST(ApiKeyStoreTest, FilingIsFoundByTokenAndByAppeal) {
  Store& s = *this->store_;
  const Appeal a = this->NewAppeal(At(0));
  const Appeal other = this->NewAppeal(At(1));
  s.RecordOpen311Filing(Open311Filing{"tok-1", a.id, "https://img.example/1.jpg", 7, At(0)});
  auto by_token = s.FindOpen311FilingByToken("tok-1");
  ASSERT_TRUE(by_token);
  EXPECT_EQ(by_token->appeal_id, a.id);
  EXPECT_EQ(by_token->media_url, "https://img.example/1.jpg");
  EXPECT_EQ(by_token->api_key_id, 7);
  EXPECT_EQ(by_token->created_at, At(0));
  auto by_appeal = s.FindOpen311FilingByAppeal(a.id);
  ASSERT_TRUE(by_appeal);
  EXPECT_EQ(by_appeal->token, "tok-1");
  EXPECT_FALSE(s.FindOpen311FilingByToken("tok-2"));
  EXPECT_FALSE(s.FindOpen311FilingByAppeal(other.id));  // not filed through Open311
  // A token names one appeal, an appeal has one filing, the appeal must exist.
  EXPECT_THROW(s.RecordOpen311Filing(Open311Filing{"tok-1", other.id, "", 7, At(0)}), StoreError);
  EXPECT_THROW(s.RecordOpen311Filing(Open311Filing{"tok-9", a.id, "", 7, At(0)}), StoreError);
  EXPECT_THROW(s.RecordOpen311Filing(Open311Filing{"tok-3", a.id + 1000, "", 7, At(0)}),
               StoreError);
  EXPECT_FALSE(s.FindOpen311FilingByToken("tok-3"));
}

TYPED_TEST(ApiKeyStoreTest, FilingGoesWithItsAppealOnPurge) {
  Store& s = *this->store_;
  Appeal a = this->NewAppeal(At(0));
  s.RecordOpen311Filing(Open311Filing{"tok-p", a.id, "", 1, At(0)});
  a.status = Status::kCompleted;
  a.closed_at = At(10);
  a.updated_at = At(10);
  ASSERT_TRUE(s.UpdateAppeal(a, Audit("appeal", "complete", At(10))));
  const PurgeReport report = s.PurgeClosedBefore(At(100), Audit("retention", "purge", At(100)));
  EXPECT_EQ(report.appeals, 1);
  EXPECT_FALSE(s.FindOpen311FilingByToken("tok-p"));
}

TYPED_TEST(ApiKeyStoreTest, AppealAuditBetweenIsTheHalfOpenRangeOldestFirstPaged) {
  Store& s = *this->store_;
  const Appeal a = this->NewAppeal(At(10));  // audit "create" at 10
  const Appeal b = this->NewAppeal(At(20));  // at 20
  s.Audit(AuditEntry{0, At(30), "user:2", "moderator", "", "appeal", std::to_string(a.id),
                     "take_into_work", "{}"});
  s.Audit(AuditEntry{0, At(30), "user:2", "moderator", "", "resident", "res-1", "update", "{}"});
  s.Audit(AuditEntry{0, At(40), "user:2", "moderator", "", "appeal", std::to_string(b.id),
                     "reject", "{}"});

  auto all = s.ListAppealAuditBetween(At(10), At(40), 100, 0);
  ASSERT_EQ(all.size(), 3u);  // 10, 20, 30 (appeal only); 40 is the exclusive end
  EXPECT_EQ(all[0].entity_id, std::to_string(a.id));
  EXPECT_EQ(all[0].action, "create");
  EXPECT_EQ(all[1].entity_id, std::to_string(b.id));
  EXPECT_EQ(all[2].action, "take_into_work");
  for (const auto& e : all) EXPECT_EQ(e.entity, "appeal");

  auto page = s.ListAppealAuditBetween(At(0), At(100), 2, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].action, "take_into_work");
  EXPECT_EQ(page[1].action, "reject");
  EXPECT_TRUE(s.ListAppealAuditBetween(At(41), At(100), 10, 0).empty());
}

}  // namespace
}  // namespace vikno::testing
