#include "core/role.h"

#include <gtest/gtest.h>

namespace vikno {
namespace {

TEST(Actor, ModeratorCoversOnlyTheirServices) {
  Actor moderator{Role::kModerator, "u1", "127.0.0.1", {"vodokanal"}};
  EXPECT_TRUE(moderator.Covers("vodokanal"));
  EXPECT_FALSE(moderator.Covers("teplo"));
  Actor admin{Role::kAdministrator, "root", "", {}};
  EXPECT_TRUE(admin.Covers("teplo"));
  Actor resident{Role::kResident, "r1", "", {}};
  EXPECT_FALSE(resident.Covers("vodokanal"));
}

TEST(Role, CodesRoundTrip) {
  for (Role r : {Role::kResident, Role::kOperator, Role::kModerator, Role::kExecutor,
                 Role::kDecisionMaker, Role::kAdministrator, Role::kSystem})
    EXPECT_EQ(ParseRole(RoleCode(r)), r);
  EXPECT_FALSE(ParseRole("mayor"));
}

}  // namespace
}  // namespace vikno
