// The cabinet concern of the Store (cabinet_store.h) on every backend:
// accounts made with their resident and consent in one transaction, the
// one-time code's attempts and spending, sessions by token hash, password
// changes ending other sessions, and the delete request erasing personal data
// while the appeals stay.
#include <gtest/gtest.h>

#include "integration/store/backends.h"
#include "store/store.h"

namespace vikno::testing {
namespace {

constexpr int64_t kBase = 1'700'000'000;
Timestamp At(int64_t minutes) { return FromUnix(kBase + minutes * 60); }

AuditEntry Audit(std::string action) {
  return AuditEntry{0,  At(0), "r1", "resident", "10.0.0.1", "cabinet_account",
                    "", std::move(action), "{}"};
}

CabinetAccount Account(const std::string& login, const std::string& resident) {
  CabinetAccount a;
  a.login = login;
  a.login_kind = login.find('@') != std::string::npos ? "email" : "phone";
  a.resident_id = resident;
  a.created_at = At(0);
  a.updated_at = At(0);
  return a;
}

Resident NewResident(const std::string& id) {
  Resident r;
  r.id = id;
  r.created_at = At(0);
  return r;
}

template <class B>
class CabinetStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = B::Make(); }

  CabinetAccount SignUp(const std::string& login, const std::string& resident) {
    auto made = store_->CreateCabinetAccount(Account(login, resident), NewResident(resident),
                                             Identity{"Олена", "", login}, Consent{At(0), "1"},
                                             Audit("sign_up"));
    EXPECT_TRUE(made.ok()) << (made.ok() ? "" : made.refusal().message);
    return made.value();
  }
  std::unique_ptr<Store> store_;
};
TYPED_TEST_SUITE(CabinetStoreTest, Backends, BackendName);

TYPED_TEST(CabinetStoreTest, SignUpMakesResidentWithConsentAndAudit) {
  auto a = this->SignUp("olena@example.com", "res-1");
  EXPECT_GT(a.id, 0);
  auto found = this->store_->FindCabinetAccountByLogin("olena@example.com");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, a.id);
  EXPECT_EQ(found->resident_id, "res-1");
  EXPECT_EQ(found->login_kind, "email");
  EXPECT_FALSE(found->erased_at);
  auto r = this->store_->FindResident("res-1");
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->consent);  // R31: consent and the notice version at sign-up
  EXPECT_EQ(r->consent->text_version, "1");
  ASSERT_TRUE(r->identity);
  EXPECT_EQ(r->identity->email, "olena@example.com");
  auto audit = this->store_->ListAudit("cabinet_account", std::to_string(a.id));
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "sign_up");
}

TYPED_TEST(CabinetStoreTest, SecondAccountForLoginIsRefusedAndWritesNothing) {
  this->SignUp("+380501234567", "res-1");
  auto again = this->store_->CreateCabinetAccount(
      Account("+380501234567", "res-2"), NewResident("res-2"), Identity{}, Consent{At(1), "1"},
      Audit("sign_up"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.refusal().code, "login_taken");
  EXPECT_FALSE(this->store_->FindResident("res-2"));  // rolled back with it
}

TYPED_TEST(CabinetStoreTest, LinkingToExistingResidentKeepsTheirDataAndAddsConsent) {
  Resident chat = NewResident("chat-1");
  chat.identity = Identity{"Петро", "+380671112233", ""};
  this->store_->CreateResident(chat, Audit("create"));
  auto made = this->store_->CreateCabinetAccount(Account("+380671112233", "chat-1"), std::nullopt,
                                                 Identity{"Інше ім'я", "+380671112233", ""},
                                                 Consent{At(5), "2"}, Audit("sign_up"));
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(made->resident_id, "chat-1");
  auto r = this->store_->FindResident("chat-1");
  ASSERT_TRUE(r && r->identity && r->consent);
  EXPECT_EQ(r->identity->name, "Петро");  // filled gaps only, never overwritten
  EXPECT_EQ(r->consent->text_version, "2");
}

TYPED_TEST(CabinetStoreTest, CodeAttemptsCountAndSpendingKeepsTheResendWindow) {
  CabinetCode c{"a@b.ua", "salt", "hash", 0, At(0), At(10), 2, At(-5)};
  this->store_->SaveCabinetCode(c);
  EXPECT_EQ(this->store_->FailCabinetCode("a@b.ua"), 1);
  EXPECT_EQ(this->store_->FailCabinetCode("a@b.ua"), 2);
  EXPECT_EQ(this->store_->FailCabinetCode("nobody@b.ua"), 0);
  this->store_->SpendCabinetCode("a@b.ua");
  auto spent = this->store_->FindCabinetCode("a@b.ua");
  ASSERT_TRUE(spent);
  EXPECT_EQ(spent->code_hash, "");  // matches no presented code
  EXPECT_EQ(spent->sends_in_window, 2);
  EXPECT_EQ(spent->window_started_at, At(-5));
  // A new code replaces the old one whole.
  this->store_->SaveCabinetCode(CabinetCode{"a@b.ua", "s2", "h2", 0, At(1), At(11), 3, At(-5)});
  auto fresh = this->store_->FindCabinetCode("a@b.ua");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->code_hash, "h2");
  EXPECT_EQ(fresh->failed_attempts, 0);
}

TYPED_TEST(CabinetStoreTest, CreatingTheAccountSpendsTheCode) {
  this->store_->SaveCabinetCode(
      CabinetCode{"olena@example.com", "s", "h", 0, At(0), At(10), 1, At(0)});
  this->SignUp("olena@example.com", "res-1");
  EXPECT_EQ(this->store_->FindCabinetCode("olena@example.com")->code_hash, "");
}

TYPED_TEST(CabinetStoreTest, SessionsByHashAndPasswordChangeEndsTheOthers) {
  auto a = this->SignUp("olena@example.com", "res-1");
  for (const char* h : {"h1", "h2", "h3"})
    this->store_->CreateCabinetSession(CabinetSession{h, a.id, "csrf", "10.0.0.1", At(0), At(0)},
                                       "", Audit("sign_in"));
  EXPECT_EQ(this->store_->ListCabinetSessions(a.id).size(), 3u);
  // A sign-in replaces the session presented (no fixation).
  this->store_->CreateCabinetSession(CabinetSession{"h4", a.id, "csrf", "", At(1), At(1)}, "h3",
                                     Audit("sign_in"));
  EXPECT_FALSE(this->store_->FindCabinetSession("h3"));
  auto set = this->store_->SetCabinetPassword(a.id, "$argon2id$x", "h2", Audit("password_change"));
  ASSERT_TRUE(set.ok());
  auto left = this->store_->ListCabinetSessions(a.id);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].token_hash, "h2");
  EXPECT_EQ(this->store_->FindCabinetAccount(a.id)->password_hash, "$argon2id$x");
  EXPECT_FALSE(this->store_->SetCabinetPassword(9999, "x", "", std::nullopt).ok());
  this->store_->TouchCabinetSession("h2", At(30));
  EXPECT_EQ(this->store_->FindCabinetSession("h2")->last_seen_at, At(30));
  EXPECT_TRUE(this->store_->DeleteCabinetSession("h2", Audit("sign_out")));
  EXPECT_FALSE(this->store_->DeleteCabinetSession("h2", std::nullopt));
}

TYPED_TEST(CabinetStoreTest, PurgeDropsIdleAndOldSessions) {
  auto a = this->SignUp("olena@example.com", "res-1");
  this->store_->CreateCabinetSession(CabinetSession{"idle", a.id, "c", "", At(0), At(0)}, "",
                                     Audit("sign_in"));
  this->store_->CreateCabinetSession(CabinetSession{"live", a.id, "c", "", At(50), At(100)}, "",
                                     Audit("sign_in"));
  EXPECT_EQ(this->store_->PurgeCabinetSessions(At(60), At(-1000)), 1);
  EXPECT_FALSE(this->store_->FindCabinetSession("idle"));
  EXPECT_TRUE(this->store_->FindCabinetSession("live"));
}

TYPED_TEST(CabinetStoreTest, EraseClearsPersonalDataKeepsAppealsAndFreesTheLogin) {
  auto a = this->SignUp("olena@example.com", "res-1");
  this->store_->UpsertChannelBinding(
      ChannelBinding{"res-1", "email", "olena@example.com", true, At(0), At(0)});
  this->store_->CreateCabinetSession(CabinetSession{"h1", a.id, "c", "", At(0), At(0)}, "",
                                     Audit("sign_in"));
  Appeal draft;
  draft.type = "ordinary";
  draft.description = "Яма";
  draft.channel = "web";
  draft.resident_id = "res-1";
  draft.created_at = At(1);
  draft.updated_at = At(1);
  const Appeal appeal = this->store_->CreateAppeal(draft, Audit("create"));
  ASSERT_TRUE(this->store_->SetCabinetName(a.id, "Олена К.", Audit("edit_name")).ok());
  EXPECT_EQ(this->store_->FindResident("res-1")->identity->name, "Олена К.");

  ASSERT_TRUE(this->store_->EraseCabinetAccount(a.id, Audit("erase")).ok());
  auto erased = this->store_->FindCabinetAccount(a.id);
  ASSERT_TRUE(erased);
  EXPECT_TRUE(erased->erased_at);
  EXPECT_EQ(erased->login, "");
  EXPECT_EQ(erased->password_hash, "");
  EXPECT_FALSE(this->store_->FindCabinetAccountByLogin("olena@example.com"));
  EXPECT_FALSE(this->store_->FindCabinetSession("h1"));
  EXPECT_TRUE(this->store_->ListChannelBindings("res-1").empty());
  auto r = this->store_->FindResident("res-1");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->identity);  // name, phone and e-mail gone
  EXPECT_TRUE(this->store_->FindAppeal(appeal.id));  // R32: the appeal stays
  // Erased is gone for every change, and the address may sign up again.
  EXPECT_EQ(this->store_->EraseCabinetAccount(a.id, Audit("erase")).refusal().code, "not_found");
  EXPECT_EQ(this->store_->SetCabinetName(a.id, "x", Audit("edit_name")).refusal().code,
            "not_found");
  this->SignUp("olena@example.com", "res-2");
}

}  // namespace
}  // namespace vikno::testing
