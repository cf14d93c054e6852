// The second-factor part of the accounts concern (account_store.h, B10) on
// every backend: an enrolment begun, confirmed once, its time steps taken
// once even by racing hosts, recovery codes used once, and removal with the
// user's sessions, each with its audit in the same transaction.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "integration/store/backends.h"
#include "store/store.h"

namespace vikno::testing {
namespace {

constexpr int64_t kBase = 1'700'000'000;
Timestamp At(int64_t minutes) { return FromUnix(kBase + minutes * 60); }

AuditEntry Audit(std::string action) {
  return AuditEntry{
      0, At(0), "user:boss", "administrator", "10.0.0.1", "user", "", std::move(action), "{}"};
}

template <class B>
class TwoFactorStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = B::Make();
    StaffUser u;
    u.login = "boss";
    u.role = "administrator";
    u.password_hash = "$argon2id$v=19$m=8192,t=1,p=1$c2FsdA$aGFzaA";
    u.created_at = At(0);
    u.updated_at = At(0);
    auto created = store_->CreateUser(u, Audit("user_create"));
    ASSERT_TRUE(created);
    user_ = created->id;
  }
  int CountAudit(const std::string& action) {
    int n = 0;
    for (const auto& e : store_->ListAudit("user", std::to_string(user_))) n += e.action == action;
    return n;
  }
  std::unique_ptr<Store> store_;
  int64_t user_ = 0;
};
TYPED_TEST_SUITE(TwoFactorStoreTest, Backends, BackendName);

TYPED_TEST(TwoFactorStoreTest, AnEnrolmentIsBegunAgainUntilConfirmedThenRefused) {
  Store& s = *this->store_;
  EXPECT_FALSE(s.FindTwoFactor(this->user_));
  EXPECT_FALSE(s.UseTotpStep(this->user_, 10)) << "nothing to take a step of";
  ASSERT_TRUE(s.BeginTwoFactor(this->user_, "aes256gcm:first", At(1), Audit("two_factor_begin")));
  ASSERT_TRUE(s.BeginTwoFactor(this->user_, "aes256gcm:second", At(2), Audit("two_factor_begin")));
  auto tf = s.FindTwoFactor(this->user_);
  ASSERT_TRUE(tf);
  EXPECT_EQ(tf->sealed_secret, "aes256gcm:second") << "a new begin replaces the unconfirmed one";
  EXPECT_FALSE(tf->enabled);
  EXPECT_FALSE(tf->enabled_at);
  EXPECT_FALSE(s.UseTotpStep(this->user_, 10)) << "not enabled yet";

  s.CreateSession(StaffSession{"this", this->user_, "c1", "", At(2), At(2), "enrol"}, "",
                  Audit("login_enrol"));
  s.CreateSession(StaffSession{"other", this->user_, "c2", "", At(2), At(2), "full"}, "",
                  Audit("login"));
  ASSERT_TRUE(s.EnableTwoFactor(this->user_, 100, {"$argon2id$a", "$argon2id$b"}, "this", At(3),
                                Audit("two_factor_enable")));
  tf = s.FindTwoFactor(this->user_);
  EXPECT_TRUE(tf->enabled);
  EXPECT_EQ(tf->last_step, 100);
  EXPECT_EQ(tf->enabled_at, At(3));
  auto sessions = s.ListSessionsOfUser(this->user_);
  ASSERT_EQ(sessions.size(), 1u) << "sessions that never passed the second factor end";
  EXPECT_EQ(sessions[0].token_hash, "this");
  EXPECT_EQ(sessions[0].stage, "enrol");
  EXPECT_EQ(s.ListRecoveryCodes(this->user_).size(), 2u);

  auto again = s.EnableTwoFactor(this->user_, 101, {}, "", At(4), Audit("two_factor_enable"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.refusal().code, "not_pending");
  auto begin = s.BeginTwoFactor(this->user_, "aes256gcm:third", At(4), Audit("two_factor_begin"));
  ASSERT_FALSE(begin);
  EXPECT_EQ(begin.refusal().code, "already_enabled");
  EXPECT_EQ(s.FindTwoFactor(this->user_)->sealed_secret, "aes256gcm:second");
  EXPECT_EQ(this->CountAudit("two_factor_begin"), 2) << "refused changes write no audit";
  EXPECT_EQ(this->CountAudit("two_factor_enable"), 1);
}

TYPED_TEST(TwoFactorStoreTest, AStepIsTakenOnceAndNeverAnOlderOne) {
  Store& s = *this->store_;
  ASSERT_TRUE(s.BeginTwoFactor(this->user_, "plain:X", At(1), Audit("two_factor_begin")));
  ASSERT_TRUE(s.EnableTwoFactor(this->user_, 100, {}, "", At(1), Audit("two_factor_enable")));
  EXPECT_FALSE(s.UseTotpStep(this->user_, 100)) << "the confirming code's step";
  EXPECT_TRUE(s.UseTotpStep(this->user_, 101));
  EXPECT_FALSE(s.UseTotpStep(this->user_, 101));
  EXPECT_FALSE(s.UseTotpStep(this->user_, 100));
  EXPECT_TRUE(s.UseTotpStep(this->user_, 103));
  EXPECT_EQ(s.FindTwoFactor(this->user_)->last_step, 103);
}

TYPED_TEST(TwoFactorStoreTest, RacingHostsTakeAStepOnce) {
  Store& s = *this->store_;
  ASSERT_TRUE(s.BeginTwoFactor(this->user_, "plain:X", At(1), Audit("two_factor_begin")));
  ASSERT_TRUE(s.EnableTwoFactor(this->user_, 100, {}, "", At(1), Audit("two_factor_enable")));
  for (int64_t step = 101; step < 111; ++step) {
    std::atomic<int> taken{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
      threads.emplace_back([&] { taken += s.UseTotpStep(this->user_, step) ? 1 : 0; });
    for (auto& t : threads) t.join();
    EXPECT_EQ(taken.load(), 1) << "step " << step;
  }
}

TYPED_TEST(TwoFactorStoreTest, ARecoveryCodeIsUsedOnceWithItsAudit) {
  Store& s = *this->store_;
  ASSERT_TRUE(s.BeginTwoFactor(this->user_, "plain:X", At(1), Audit("two_factor_begin")));
  ASSERT_TRUE(s.EnableTwoFactor(this->user_, 1, {"$argon2id$a", "$argon2id$b", "$argon2id$c"}, "",
                                At(1), Audit("two_factor_enable")));
  auto codes = s.ListRecoveryCodes(this->user_);
  ASSERT_EQ(codes.size(), 3u);
  EXPECT_EQ(codes[1].code_hash, "$argon2id$b");
  EXPECT_TRUE(s.UseRecoveryCode(this->user_, codes[1].id, At(2), Audit("recovery_code_used")));
  EXPECT_FALSE(s.UseRecoveryCode(this->user_, codes[1].id, At(3), Audit("recovery_code_used")));
  EXPECT_FALSE(s.UseRecoveryCode(this->user_ + 1, codes[0].id, At(3), Audit("recovery_code_used")))
      << "another user's code";
  EXPECT_EQ(s.ListRecoveryCodes(this->user_).size(), 2u);
  EXPECT_EQ(this->CountAudit("recovery_code_used"), 1);
  // A new enrolment replaces the old codes.
  ASSERT_TRUE(s.DeleteTwoFactor(this->user_, "", Audit("two_factor_disable")));
  ASSERT_TRUE(s.BeginTwoFactor(this->user_, "plain:Y", At(4), Audit("two_factor_begin")));
  ASSERT_TRUE(
      s.EnableTwoFactor(this->user_, 2, {"$argon2id$new"}, "", At(4), Audit("two_factor_enable")));
  codes = s.ListRecoveryCodes(this->user_);
  ASSERT_EQ(codes.size(), 1u);
  EXPECT_EQ(codes[0].code_hash, "$argon2id$new");
}

TYPED_TEST(TwoFactorStoreTest, RemovalTakesTheCodesAndTheOtherSessions) {
  Store& s = *this->store_;
  ASSERT_TRUE(s.BeginTwoFactor(this->user_, "plain:X", At(1), Audit("two_factor_begin")));
  ASSERT_TRUE(
      s.EnableTwoFactor(this->user_, 1, {"$argon2id$a"}, "", At(1), Audit("two_factor_enable")));
  s.CreateSession(StaffSession{"keep", this->user_, "c1", "", At(2), At(2), "full"}, "",
                  Audit("login"));
  s.CreateSession(StaffSession{"drop", this->user_, "c2", "", At(2), At(2), "second_factor"}, "",
                  Audit("login_password"));
  EXPECT_EQ(s.FindSession("drop")->stage, "second_factor");
  ASSERT_TRUE(s.DeleteTwoFactor(this->user_, "keep", Audit("two_factor_disable")));
  EXPECT_FALSE(s.FindTwoFactor(this->user_));
  EXPECT_TRUE(s.ListRecoveryCodes(this->user_).empty());
  EXPECT_TRUE(s.FindSession("keep"));
  EXPECT_FALSE(s.FindSession("drop"));
  auto none = s.DeleteTwoFactor(this->user_, "", Audit("two_factor_reset"));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.refusal().code, "not_found");
  EXPECT_EQ(this->CountAudit("two_factor_disable"), 1);
  EXPECT_EQ(this->CountAudit("two_factor_reset"), 0);
  // An unconfirmed enrolment goes the same way; keeping no session ends them all.
  ASSERT_TRUE(s.BeginTwoFactor(this->user_, "plain:Z", At(5), Audit("two_factor_begin")));
  ASSERT_TRUE(s.DeleteTwoFactor(this->user_, "", Audit("two_factor_reset")));
  EXPECT_FALSE(s.FindSession("keep"));
}

}  // namespace
}  // namespace vikno::testing
