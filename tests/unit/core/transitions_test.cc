#include "core/transitions.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>

namespace vikno {
namespace {

const Role kAllRoles[] = {Role::kResident, Role::kOperator,      Role::kModerator, Role::kExecutor,
                          Role::kDecisionMaker, Role::kAdministrator, Role::kSystem};

// Every row of the table is taken by every role it names, with its data.
TEST(Transitions, EveryAllowedTransitionSucceedsForEachItsRoles) {
  int checked = 0;
  for (const auto& rule : AllTransitions()) {
    for (Role role : rule.roles.List()) {
      TransitionRequest req{std::string(rule.action), role, "причина"};
      auto result = CheckTransition(rule.from, req);
      ASSERT_TRUE(result.ok()) << rule.action << " from " << StatusCode(rule.from) << " by "
                               << RoleCode(role) << ": " << result.refusal().message;
      EXPECT_EQ(result.value()->to, rule.to);
      ++checked;
    }
  }
  EXPECT_GT(checked, 60);
}

// Every (status, action) pair absent from the table is refused as illegal.
TEST(Transitions, EveryForbiddenTransitionIsRefused) {
  std::set<std::string> actions;
  std::set<std::tuple<std::string, Status>> allowed;
  for (const auto& rule : AllTransitions()) {
    actions.emplace(rule.action);
    allowed.emplace(std::string(rule.action), rule.from);
  }
  int refused = 0;
  for (const auto& info : AllStatuses()) {
    for (const auto& action : actions) {
      if (allowed.count({action, info.status})) continue;
      for (Role role : kAllRoles) {
        auto result = CheckTransition(info.status, {action, role, "причина"});
        ASSERT_FALSE(result.ok()) << action << " from " << info.code;
        EXPECT_EQ(result.refusal().code, "illegal_transition");
        ++refused;
      }
    }
  }
  EXPECT_GT(refused, 300);
}

// Every role a row does not name is refused for it.
TEST(Transitions, RolesNotNamedByARuleAreRefused) {
  for (const auto& rule : AllTransitions()) {
    for (Role role : kAllRoles) {
      if (rule.roles.Has(role)) continue;
      auto result = CheckTransition(rule.from, {std::string(rule.action), role, "причина"});
      ASSERT_FALSE(result.ok());
      EXPECT_EQ(result.refusal().code, "role_not_allowed") << rule.action;
    }
  }
}

TEST(Transitions, FinalStatusesHaveNoWayOut) {
  for (const auto& rule : AllTransitions()) EXPECT_FALSE(Info(rule.from).final) << rule.action;
}

TEST(Transitions, RejectionNeedsAReason) {
  auto result = CheckTransition(Status::kNew, {"reject", Role::kModerator, "   "});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.refusal().code, "missing_reason");
}

TEST(Transitions, SendingForConfirmationNeedsTheAnswerToTheResident) {
  auto result = CheckTransition(Status::kInWork, {"send_for_confirmation", Role::kExecutor, ""});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.refusal().code, "missing_answer_to_resident");
}

TEST(Transitions, ExecutorCannotCloseWithoutResidentConfirmation) {
  auto result = CheckTransition(Status::kAwaitingConfirmation, {"confirm", Role::kExecutor, ""});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.refusal().code, "role_not_allowed");
}

TEST(Transitions, OperatorConfirmsAfterAPhoneCallWithANote) {
  EXPECT_FALSE(CheckTransition(Status::kAwaitingConfirmation,
                               {"confirm_by_phone", Role::kOperator, ""})
                   .ok());
  auto ok = CheckTransition(Status::kAwaitingConfirmation,
                            {"confirm_by_phone", Role::kOperator, "Мешканка підтвердила телефоном"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value()->to, Status::kCompleted);
}

TEST(Transitions, NotConfirmedGoesBackToTheExecutor) {
  auto result =
      CheckTransition(Status::kNotConfirmed, {"return_for_rework", Role::kDecisionMaker, "Не усунуто"});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value()->to, Status::kReturnedForRework);
}

TEST(Transitions, UnknownActionIsNamed) {
  auto result = CheckTransition(Status::kNew, {"teleport", Role::kAdministrator, ""});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.refusal().code, "unknown_action");
  EXPECT_NE(result.refusal().message.find("teleport"), std::string::npos);
}

TEST(Statuses, ColoursOfR14) {
  EXPECT_EQ(Info(Status::kNew).colour, "#d32f2f");
  EXPECT_EQ(Info(Status::kInWork).colour, "#2e7d32");
  EXPECT_EQ(Info(Status::kAwaitingConfirmation).colour, "#29b6f6");
  EXPECT_EQ(Info(Status::kCompleted).colour, "#9e9e9e");
  EXPECT_EQ(Info(Status::kNotConfirmed).colour, "#fbc02d");
  for (const auto& info : AllStatuses()) EXPECT_EQ(ParseStatus(info.code), info.status);
}

}  // namespace
}  // namespace vikno
