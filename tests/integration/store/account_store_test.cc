// The accounts concern of the Store (account_store.h) on every backend:
// users, sessions kept by token hash, revocation on password change and
// deactivation, and the login throttle, each with its audit in the same
// transaction.
#include <gtest/gtest.h>

#include "integration/store/backends.h"
#include "store/store.h"

namespace vikno::testing {
namespace {

constexpr int64_t kBase = 1'700'000'000;
Timestamp At(int64_t minutes) { return FromUnix(kBase + minutes * 60); }

AuditEntry Audit(std::string action) {
  return AuditEntry{
      0, At(0), "user:admin", "administrator", "10.0.0.1", "user", "", std::move(action), "{}"};
}

StaffUser User(const std::string& login, std::vector<std::string> services = {}) {
  StaffUser u;
  u.login = login;
  u.name = "Ім'я \"" + login + "\"";
  u.role = services.empty() ? "operator" : "moderator";
  u.services = std::move(services);
  u.password_hash = "$argon2id$v=19$m=8192,t=1,p=1$c2FsdA$aGFzaA";
  u.created_at = At(0);
  u.updated_at = At(0);
  return u;
}

StaffSession Session(const std::string& hash, int64_t user, Timestamp at) {
  return StaffSession{hash, user, "csrf-" + hash, "10.0.0.9", at, at};
}

template <class B>
class AccountStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = B::Make();
    store_->UpsertExecutor(Executor{"vodokanal", "Водоканал", "", "", "", true});
    store_->UpsertExecutor(Executor{"zhek-3", "ЖЕК-3", "", "", "", true});
  }
  std::unique_ptr<Store> store_;
};
TYPED_TEST_SUITE(AccountStoreTest, Backends, BackendName);

TYPED_TEST(AccountStoreTest, CreatesFindsAndListsUsersWithTheirAudit) {
  Store& s = *this->store_;
  EXPECT_EQ(s.CountUsers(), 0);
  auto a = s.CreateUser(User("olena", {"vodokanal", "zhek-3"}), Audit("user_create"));
  ASSERT_TRUE(a) << a.refusal().message;
  EXPECT_GT(a->id, 0);
  auto b = s.CreateUser(User("andrii"), Audit("user_create"));
  ASSERT_TRUE(b);
  auto taken = s.CreateUser(User("olena"), Audit("user_create"));
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.refusal().code, "login_taken");
  EXPECT_EQ(s.CountUsers(), 2);

  auto found = s.FindUserByLogin("olena");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, a->id);
  EXPECT_EQ(found->name, "Ім'я \"olena\"");
  EXPECT_EQ(found->role, "moderator");
  EXPECT_EQ(found->services, (std::vector<std::string>{"vodokanal", "zhek-3"}));
  EXPECT_EQ(found->password_hash, "$argon2id$v=19$m=8192,t=1,p=1$c2FsdA$aGFzaA");
  EXPECT_TRUE(found->active);
  EXPECT_EQ(found->created_at, At(0));
  EXPECT_FALSE(s.FindUserByLogin("' OR '1'='1"));
  EXPECT_FALSE(s.FindUser(a->id + 100));
  auto all = s.ListUsers();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].login, "andrii");  // by login
  auto audit = s.ListAudit("user", std::to_string(a->id));
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "user_create");
}

TYPED_TEST(AccountStoreTest, DeactivationRevokesEverySession) {
  Store& s = *this->store_;
  auto u = s.CreateUser(User("olena", {"vodokanal"}), Audit("user_create")).value();
  s.CreateSession(Session("h1", u.id, At(1)), "", Audit("login"));
  s.CreateSession(Session("h2", u.id, At(2)), "", Audit("login"));
  EXPECT_EQ(s.ListSessionsOfUser(u.id).size(), 2u);
  u.services = {"zhek-3"};
  u.updated_at = At(3);
  auto changed = s.UpdateUser(u, Audit("user_update"));
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->services, std::vector<std::string>{"zhek-3"});
  EXPECT_EQ(s.ListSessionsOfUser(u.id).size(), 2u) << "a scope change keeps sessions";
  u.active = false;
  ASSERT_TRUE(s.UpdateUser(u, Audit("user_update")));
  EXPECT_TRUE(s.ListSessionsOfUser(u.id).empty());
  EXPECT_FALSE(s.FindUser(u.id)->active);
  u.id += 100;
  EXPECT_EQ(s.UpdateUser(u, Audit("user_update")).refusal().code, "not_found");
}

TYPED_TEST(AccountStoreTest, SessionsRotateTouchExpireAndLogOut) {
  Store& s = *this->store_;
  auto u = s.CreateUser(User("olena"), Audit("user_create")).value();
  s.CreateSession(Session("old", u.id, At(0)), "", Audit("login"));
  s.CreateSession(Session("new", u.id, At(1)), "old", Audit("login"));  // rotation
  EXPECT_FALSE(s.FindSession("old"));
  auto found = s.FindSession("new");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user_id, u.id);
  EXPECT_EQ(found->csrf_token, "csrf-new");
  EXPECT_EQ(found->client_address, "10.0.0.9");
  s.TouchSession("new", At(20));
  EXPECT_EQ(s.FindSession("new")->last_seen_at, At(20));

  s.CreateSession(Session("idle", u.id, At(2)), "", Audit("login"));
  EXPECT_EQ(s.PurgeSessions(/*idle_before=*/At(10), /*created_before=*/At(-100)), 1);
  EXPECT_FALSE(s.FindSession("idle"));
  EXPECT_TRUE(s.FindSession("new"));

  AuditEntry logout = Audit("logout");
  logout.entity_id = std::to_string(u.id);  // written as given: the caller names the user
  EXPECT_TRUE(s.DeleteSession("new", logout));
  EXPECT_FALSE(s.DeleteSession("new", std::nullopt));
  int logins = 0, logouts = 0;
  for (const auto& e : s.ListAudit("user", std::to_string(u.id))) {
    logins += e.action == "login";
    logouts += e.action == "logout";
  }
  EXPECT_EQ(logins, 3);
  EXPECT_EQ(logouts, 1);
}

TYPED_TEST(AccountStoreTest, PasswordChangeKeepsOnlyTheCurrentSession) {
  Store& s = *this->store_;
  auto u = s.CreateUser(User("olena"), Audit("user_create")).value();
  s.CreateSession(Session("laptop", u.id, At(0)), "", Audit("login"));
  s.CreateSession(Session("tablet", u.id, At(0)), "", Audit("login"));
  // A silent rehash keeps every session and writes no audit.
  ASSERT_TRUE(s.SetPasswordHash(u.id, "$argon2id$rehashed", "", std::nullopt));
  EXPECT_EQ(s.ListSessionsOfUser(u.id).size(), 2u);
  ASSERT_TRUE(s.SetPasswordHash(u.id, "$argon2id$changed", "laptop", Audit("password_change")));
  auto left = s.ListSessionsOfUser(u.id);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].token_hash, "laptop");
  EXPECT_EQ(s.FindUser(u.id)->password_hash, "$argon2id$changed");
  EXPECT_EQ(s.SetPasswordHash(u.id + 100, "x", "", std::nullopt).refusal().code, "not_found");
}

TYPED_TEST(AccountStoreTest, ThrottlesAreSavedWithTheirAuditAndCleared) {
  Store& s = *this->store_;
  EXPECT_FALSE(s.FindThrottle("login:olena"));
  s.SaveThrottles({LoginThrottle{"login:olena", 3, At(5), At(20)},
                   LoginThrottle{"address:10.0.0.9", 1, At(5), std::nullopt}},
                  {Audit("login_failed"), Audit("lockout")});
  auto t = s.FindThrottle("login:olena");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->failures, 3);
  EXPECT_EQ(t->last_failure_at, At(5));
  EXPECT_EQ(t->blocked_until, At(20));
  EXPECT_FALSE(s.FindThrottle("address:10.0.0.9")->blocked_until);
  s.SaveThrottles({LoginThrottle{"login:olena", 4, At(6), std::nullopt}}, {});
  EXPECT_EQ(s.FindThrottle("login:olena")->failures, 4);
  EXPECT_FALSE(s.FindThrottle("login:olena")->blocked_until);
  int failed = 0;
  for (const auto& e : s.ListAudit("user", "")) failed += e.action == "login_failed";
  EXPECT_EQ(failed, 1);
  s.ClearThrottle("login:olena");
  EXPECT_FALSE(s.FindThrottle("login:olena"));
  // Old, unblocked rows go with the session purge.
  s.PurgeSessions(At(100), At(100));
  EXPECT_FALSE(s.FindThrottle("address:10.0.0.9"));
}

}  // namespace
}  // namespace vikno::testing
