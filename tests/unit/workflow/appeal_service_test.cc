#include "workflow/appeal_service.h"

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>
#include <set>

#include "core/transitions.h"
#include "unit/workflow/workflow_fixture.h"

namespace vikno::testing {
namespace {

using namespace std::chrono_literals;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------- create

TEST_F(WorkflowTest, CreateClassifiesSetsDeadlinesAndAuditsOnce) {
  const Appeal a = MustCreate(Draft(), Operator());
  EXPECT_GT(a.id, 0);
  EXPECT_FALSE(a.number.empty());
  EXPECT_EQ(a.status, Status::kNew);
  EXPECT_EQ(a.category, "roads/pothole");
  EXPECT_EQ(a.type, "ordinary");
  ASSERT_EQ(a.executors.size(), 1u);
  EXPECT_EQ(a.lead_executor(), "roads");
  EXPECT_EQ(a.accept_due, clock_.Now() + 2h);
  EXPECT_EQ(a.resolve_due, clock_.Now() + std::chrono::days(5));
  EXPECT_FALSE(a.resident_id.empty());  // a new resident was registered
  EXPECT_TRUE(store_->FindResident(a.resident_id).has_value());

  auto audit = store_->ListAudit("appeal", std::to_string(a.id));
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "create");
  EXPECT_EQ(audit[0].actor_id, "op-1");
  EXPECT_EQ(audit[0].actor_role, "operator");
  EXPECT_EQ(audit[0].client_address, "10.0.0.2");
  EXPECT_TRUE(Contains(audit[0].details, "\"to_moderation\":false")) << audit[0].details;
}

TEST_F(WorkflowTest, CreateForAnExistingResidentKeepsTheirId) {
  const Appeal first = MustCreate(Draft(), Operator());
  NewAppeal again = Draft("Знову яма");
  again.resident_id = first.resident_id;
  EXPECT_EQ(MustCreate(again, Operator()).resident_id, first.resident_id);
}

TEST_F(WorkflowTest, ResidentFilesForThemselfWhateverTheBodySays) {
  const Appeal first = MustCreate(Draft(), Operator());
  const Appeal other = MustCreate(Draft(), Operator());
  NewAppeal in = Draft();
  in.resident_id = other.resident_id;  // someone else's id in the body
  const Appeal mine = MustCreate(in, ResidentActor(first.resident_id));
  EXPECT_EQ(mine.resident_id, first.resident_id);
}

TEST_F(WorkflowTest, CreateRefusesBadInputAndStoresNothing) {
  struct Case {
    std::function<void(NewAppeal&)> spoil;
    std::string code;
  };
  const std::vector<Case> cases = {
      {[](NewAppeal& in) { in.description = ""; }, "missing_description"},
      {[](NewAppeal& in) { in.description = " \n\t "; }, "missing_description"},
      {[](NewAppeal& in) {
         in.description = std::string(AppealService::kMaxDescriptionBytes + 1, 'x');
       },
       "invalid_description"},
      {[](NewAppeal& in) { in.description = "bad \xC3\x28 utf8"; }, "invalid_description"},
      {[](NewAppeal& in) { in.channel = "pigeon"; }, "invalid_channel"},
      {[](NewAppeal& in) { in.channel = ""; }, "invalid_channel"},
      {[](NewAppeal& in) { in.resident_id = "no-such-resident"; }, "invalid_resident"},
      {[](NewAppeal& in) {
         in.anonymous = true;
         in.identity = Identity{"Петро", "+380501234567", ""};
       },
       "invalid_identity"},
  };
  for (const auto& c : cases) {
    NewAppeal in = Draft();
    c.spoil(in);
    auto r = service_.Create(in, Operator());
    ASSERT_FALSE(r.ok()) << c.code;
    EXPECT_EQ(r.refusal().code, c.code);
  }
  EXPECT_EQ(rules_.classified, 0);  // refused before the rules ran
  AppealQuery all;
  EXPECT_TRUE(store_->ListAppeals(all).items.empty());
}

TEST_F(WorkflowTest, AppealSentToModerationIsCreatedNotLost) {
  const Appeal a = MustCreate(Draft("??? щось незрозуміле"), Operator());
  EXPECT_GT(a.id, 0);
  EXPECT_EQ(a.status, Status::kNew);
  EXPECT_TRUE(a.executors.empty());
  auto stored = store_->FindAppeal(a.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->description, "??? щось незрозуміле");
  auto audit = store_->ListAudit("appeal", std::to_string(a.id));
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_TRUE(Contains(audit[0].details, "\"to_moderation\":true")) << audit[0].details;
  EXPECT_TRUE(Contains(audit[0].details, "no category matched the text")) << audit[0].details;
  // City-wide staff see it in the queue of unrouted appeals; a moderator of a
  // service does not (it is no service's yet).
  EXPECT_TRUE(service_.Get(a.id, Operator()).ok());
  EXPECT_EQ(service_.Get(a.id, ModeratorOf("roads")).refusal().code, "not_found");
  // And it can be worked: an operator rejects it with a reason.
  auto rejected = service_.Transition(a.id, {"reject", Role::kSystem, "не зрозуміло"}, Operator());
  ASSERT_TRUE(rejected.ok()) << rejected.refusal().message;
  EXPECT_EQ(rejected->status, Status::kRejected);
}

// ---------------------------------------------------------------- transitions

// The actor of `role` who may act on `appeal` (scope included).
Actor ActorFor(Role role, const Appeal& appeal) {
  Actor a{role, std::string(RoleCode(role)) + "-1", "192.0.2.1", {}};
  if (role == Role::kResident) a.id = appeal.resident_id;
  if (role == Role::kModerator || role == Role::kExecutor) a.services = {appeal.lead_executor()};
  if (role == Role::kSystem) a = Actor::System();
  return a;
}

// Shortest sequence of table rows leading from New to `target`.
std::vector<const TransitionRule*> PathTo(Status target) {
  std::map<Status, std::vector<const TransitionRule*>> paths{{Status::kNew, {}}};
  std::deque<Status> queue{Status::kNew};
  while (!queue.empty()) {
    const Status s = queue.front();
    queue.pop_front();
    for (const auto& rule : AllTransitions()) {
      if (rule.from != s || paths.count(rule.to)) continue;
      auto path = paths[s];
      path.push_back(&rule);
      paths[rule.to] = path;
      queue.push_back(rule.to);
    }
  }
  return paths.at(target);
}

// Every row of the R14 table, taken by every role it names, through the
// workflow: status, timestamps and the audit entry are right.
TEST_F(WorkflowTest, EveryTransitionOfTheTableWorksThroughTheWorkflow) {
  int taken = 0;
  for (const auto& rule : AllTransitions()) {
    for (Role role : rule.roles.List()) {
      Appeal a = MustCreate(Draft(), Operator());
      for (const TransitionRule* step : PathTo(rule.from)) {
        auto moved = service_.Transition(a.id, {std::string(step->action), Role::kSystem, "крок"},
                                         ActorFor(step->roles.List().front(), a));
        ASSERT_TRUE(moved.ok()) << step->action << ": " << moved.refusal().message;
        a = moved.value();
      }
      ASSERT_EQ(a.status, rule.from);
      const size_t audit_before = store_->ListAudit("appeal", std::to_string(a.id)).size();
      clock_.Advance(1min);
      auto moved = service_.Transition(a.id, {std::string(rule.action), Role::kSystem, "причина"},
                                       ActorFor(role, a));
      ASSERT_TRUE(moved.ok()) << rule.action << " from " << StatusCode(rule.from) << " by "
                              << RoleCode(role) << ": " << moved.refusal().message;
      EXPECT_EQ(moved->status, rule.to);
      EXPECT_EQ(moved->version, a.version + 1);
      if (rule.to == Status::kInWork) {
        EXPECT_TRUE(moved->accepted_at.has_value());
      }
      EXPECT_EQ(moved->closed_at.has_value(), Info(rule.to).final);
      auto audit = store_->ListAudit("appeal", std::to_string(a.id));
      ASSERT_EQ(audit.size(), audit_before + 1);
      EXPECT_EQ(audit.back().action, rule.action);
      EXPECT_EQ(audit.back().actor_role, RoleCode(role));
      EXPECT_TRUE(Contains(audit.back().details,
                           "\"from\":\"" + std::string(StatusCode(rule.from)) + "\""));
      EXPECT_TRUE(
          Contains(audit.back().details, "\"to\":\"" + std::string(StatusCode(rule.to)) + "\""));
      EXPECT_TRUE(Contains(audit.back().details, "\"note\":\"причина\""));
      ++taken;
    }
  }
  EXPECT_GT(taken, 60);
}

TEST_F(WorkflowTest, AcceptedAtIsSetOnlyTheFirstTimeTakenIntoWork) {
  Appeal a = MustCreate(Draft(), Operator());
  auto m = service_.Transition(a.id, {"take_into_work", Role::kSystem, ""}, ExecutorOf("roads"));
  ASSERT_TRUE(m.ok());
  const auto first = m->accepted_at;
  ASSERT_EQ(first, clock_.Now());
  clock_.Advance(1h);
  ASSERT_TRUE(service_
                  .Transition(a.id, {"send_for_confirmation", Role::kSystem, "зроблено"},
                              ExecutorOf("roads"))
                  .ok());
  ASSERT_TRUE(
      service_.Transition(a.id, {"return_for_rework", Role::kSystem, "погано"}, Admin()).ok());
  clock_.Advance(1h);
  m = service_.Transition(a.id, {"take_into_work", Role::kSystem, ""}, ExecutorOf("roads"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->accepted_at, first);
}

TEST_F(WorkflowTest, RefusedTransitionsWriteNothing) {
  const Appeal a = MustCreate(Draft(), Operator());
  struct Case {
    TransitionRequest request;
    Actor actor;
    std::string code;
  };
  const std::vector<Case> cases = {
      {{"confirm", Role::kSystem, ""}, Admin(), "illegal_transition"},
      {{"fly_away", Role::kSystem, ""}, Admin(), "unknown_action"},
      {{"reject", Role::kSystem, ""}, Admin(), "missing_reason"},
      {{"reject", Role::kSystem, "  "}, Admin(), "missing_reason"},
      {{"ask_details", Role::kSystem, ""}, Admin(), "missing_question"},
      // The executor may take into work but not reject (000 §5.4.5).
      {{"reject", Role::kSystem, "не наше"}, ExecutorOf("roads"), "forbidden"},
      // The client's claimed role is ignored: the actor's role counts.
      {{"reject", Role::kAdministrator, "не наше"}, ExecutorOf("roads"), "forbidden"},
      {{"reject", Role::kSystem, std::string(AppealService::kMaxNoteBytes + 1, 'x')},
       Admin(),
       "invalid_note"},
      {{"take_into_work", Role::kSystem, ""}, Admin(), "not_found"},  // id below is absent
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const int64_t id = c.code == "not_found" ? a.id + 1000 : a.id;
    auto r = service_.Transition(id, c.request, c.actor);
    ASSERT_FALSE(r.ok()) << c.code;
    EXPECT_EQ(r.refusal().code, c.code) << r.refusal().message;
  }
  auto stored = store_->FindAppeal(a.id);
  EXPECT_EQ(stored->version, a.version);
  EXPECT_EQ(stored->status, Status::kNew);
  EXPECT_EQ(store_->ListAudit("appeal", std::to_string(a.id)).size(), 1u);
}

// ---------------------------------------------------------------- scope (R26)

TEST_F(WorkflowTest, ModeratorOfAnotherServiceCannotSeeOrTouchTheAppeal) {
  const Appeal roads = MustCreate(Draft(), Operator());
  const Appeal gas = MustCreate(Draft("Запах газу в під'їзді"), Operator());
  ASSERT_EQ(gas.lead_executor(), "gas");
  const Actor water = ModeratorOf("water");
  const Actor road_mod = ModeratorOf("roads");

  for (const Actor& outsider : {water, ModeratorOf("gas"), ExecutorOf("water")}) {
    EXPECT_EQ(service_.Get(roads.id, outsider).refusal().code, "not_found");
    EXPECT_EQ(service_.Card(roads.id, outsider).refusal().code, "not_found");
    EXPECT_EQ(service_.AuditOf(roads.id, outsider).refusal().code, "not_found");
    EXPECT_EQ(service_.AddComment(roads.id, "коментар", false, outsider).refusal().code,
              "not_found");
    // Even an action their role may take is refused as not found, before the table.
    EXPECT_EQ(service_.Transition(roads.id, {"take_into_work", Role::kAdministrator, ""}, outsider)
                  .refusal()
                  .code,
              "not_found");
  }
  // Absent and out-of-scope look the same.
  EXPECT_EQ(service_.Get(roads.id + 999, water).refusal().message,
            "appeal " + std::to_string(roads.id + 999) + " not found");

  // List: scope forced whatever the query says.
  AppealQuery q;
  auto page = service_.List(q, water);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
  q.executors = std::vector<std::string>{"roads"};
  EXPECT_EQ(service_.List(q, water).refusal().code, "forbidden");
  q.executors = std::vector<std::string>{"water", "gas"};
  EXPECT_EQ(service_.List(q, water).refusal().code, "forbidden");
  AppealQuery by_resident;
  by_resident.resident_id = roads.resident_id;
  EXPECT_TRUE(service_.List(by_resident, water)->items.empty());

  // The roads moderator sees exactly the roads appeal.
  page = service_.List(AppealQuery{}, road_mod);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, roads.id);
  EXPECT_TRUE(service_.Get(roads.id, road_mod).ok());
  EXPECT_EQ(service_.Get(gas.id, road_mod).refusal().code, "not_found");

  // Nothing was written by the refused calls.
  EXPECT_EQ(store_->ListAudit("appeal", std::to_string(roads.id)).size(), 1u);
  EXPECT_TRUE(store_->ListComments(roads.id).empty());
  EXPECT_EQ(store_->FindAppeal(roads.id)->version, roads.version);

  // A moderator with no services sees nothing at all.
  Actor nobody{Role::kModerator, "mod-none", "", {}};
  EXPECT_TRUE(service_.List(AppealQuery{}, nobody)->items.empty());
}

TEST_F(WorkflowTest, ResidentSeesOnlyTheirOwnAppeals) {
  const Appeal mine = MustCreate(Draft(), Operator());
  const Appeal theirs = MustCreate(Draft(), Operator());
  const Actor me = ResidentActor(mine.resident_id);
  EXPECT_TRUE(service_.Get(mine.id, me).ok());
  EXPECT_EQ(service_.Get(theirs.id, me).refusal().code, "not_found");
  AppealQuery q;
  q.resident_id = theirs.resident_id;  // asks for someone else's
  auto page = service_.List(q, me);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, mine.id);
  EXPECT_EQ(service_.Transition(theirs.id, {"cancel", Role::kSystem, ""}, me).refusal().code,
            "not_found");
  EXPECT_EQ(service_.AuditOf(mine.id, me).refusal().code, "forbidden");
  auto cancelled = service_.Transition(mine.id, {"cancel", Role::kSystem, ""}, me);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->status, Status::kCancelled);
}

// ---------------------------------------------------------------- comments, card

TEST_F(WorkflowTest, CommentsAreAuditedAndResidentsSeeOnlyVisibleOnes) {
  const Appeal a = MustCreate(Draft(), Operator());
  auto internal = service_.AddComment(a.id, "внутрішня примітка", false, ExecutorOf("roads"));
  ASSERT_TRUE(internal.ok());
  auto pub = service_.AddComment(a.id, "Бригада виїхала", true, ExecutorOf("roads"));
  ASSERT_TRUE(pub.ok());
  auto own = service_.AddComment(a.id, "Дякую", false, ResidentActor(a.resident_id));
  ASSERT_TRUE(own.ok());
  EXPECT_TRUE(own->visible_to_resident);
  EXPECT_EQ(service_.AddComment(a.id, "   ", false, Admin()).refusal().code, "missing_text");

  auto staff = service_.Card(a.id, Admin());
  ASSERT_TRUE(staff.ok());
  EXPECT_EQ(staff->comments.size(), 3u);
  EXPECT_EQ(staff->timeline.size(), 4u);  // create + 3 comments
  EXPECT_EQ(staff->timeline.back().action, "comment");
  auto resident = service_.Card(a.id, ResidentActor(a.resident_id));
  ASSERT_TRUE(resident.ok());
  EXPECT_EQ(resident->comments.size(), 2u);
  EXPECT_TRUE(resident->timeline.empty());
}

// ---------------------------------------------------------------- stale writes

// A clock that, when asked the time, first lets `interfere` write the same
// appeal, as a second panel user would. AppealService::Transition reads the
// card, checks the table, asks the time and then writes: so the interfering
// write lands exactly between our read and our write, and the store really
// answers "stale".
class InterferingClock final : public Clock {
 public:
  explicit InterferingClock(const Clock& inner) : inner_(inner) {}
  Timestamp Now() const override {
    if (times > 0) {
      --times;  // before the call: the interference may ask the time itself
      interfere();
    }
    return inner_.Now();
  }
  std::function<void()> interfere;
  mutable int times = 0;

 private:
  const Clock& inner_;
};

TEST_F(WorkflowTest, StaleWriteIsRetriedOnceAgainstTheFreshCard) {
  const Appeal a = MustCreate(Draft(), Operator());
  InterferingClock racing(clock_);
  AppealService svc(*store_, rules_, racing);
  // Someone flags a commission inspection between our read and our write.
  racing.interfere = [&] {
    Appeal other = *store_->FindAppeal(a.id);
    other.commission_inspection = true;
    ASSERT_TRUE(store_
                    ->UpdateAppeal(other, AuditEntry::By(Admin(), clock_.Now(), "appeal",
                                                         std::to_string(a.id), "flag_commission"))
                    .ok());
  };
  racing.times = 1;
  auto moved = svc.Transition(a.id, {"take_into_work", Role::kSystem, ""}, ExecutorOf("roads"));
  ASSERT_TRUE(moved.ok()) << moved.refusal().message;
  EXPECT_EQ(racing.times, 0);
  EXPECT_EQ(moved->status, Status::kInWork);
  EXPECT_TRUE(moved->commission_inspection);  // the other write was kept, not overwritten
  EXPECT_EQ(moved->version, 3);
  auto audit = store_->ListAudit("appeal", std::to_string(a.id));
  ASSERT_EQ(audit.size(), 3u);  // create, the other write, ours: no duplicate
  EXPECT_EQ(audit[1].action, "flag_commission");
  EXPECT_EQ(audit.back().action, "take_into_work");
}

TEST_F(WorkflowTest, StaleTwiceIsRefusedAndWritesNothingOfOurs) {
  const Appeal a = MustCreate(Draft(), Operator());
  InterferingClock racing(clock_);
  AppealService svc(*store_, rules_, racing);
  racing.interfere = [&] {
    Appeal other = *store_->FindAppeal(a.id);
    other.commission_inspection = !other.commission_inspection;
    ASSERT_TRUE(store_
                    ->UpdateAppeal(other, AuditEntry::By(Admin(), clock_.Now(), "appeal",
                                                         std::to_string(a.id), "flag_commission"))
                    .ok());
  };
  racing.times = 5;
  auto moved = svc.Transition(a.id, {"take_into_work", Role::kSystem, ""}, ExecutorOf("roads"));
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.refusal().code, "stale");
  EXPECT_EQ(racing.times, 3);  // exactly two attempts: the first and one retry
  EXPECT_EQ(store_->FindAppeal(a.id)->status, Status::kNew);
  for (const auto& e : store_->ListAudit("appeal", std::to_string(a.id)))
    EXPECT_NE(e.action, "take_into_work");
}

TEST_F(WorkflowTest, RetryRechecksTheTableAgainstTheNewStatus) {
  const Appeal a = MustCreate(Draft(), Operator());
  InterferingClock racing(clock_);
  AppealService svc(*store_, rules_, racing);
  // Meanwhile someone else rejects the appeal: our take_into_work is now illegal.
  racing.interfere = [&] {
    ASSERT_TRUE(service_.Transition(a.id, {"reject", Role::kSystem, "дубль"}, Admin()).ok());
  };
  racing.times = 1;
  auto moved = svc.Transition(a.id, {"take_into_work", Role::kSystem, ""}, ExecutorOf("roads"));
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.refusal().code, "illegal_transition");
  EXPECT_EQ(store_->FindAppeal(a.id)->status, Status::kRejected);
}

TEST(Utf8, ValidatesWellFormedText) {
  EXPECT_TRUE(IsValidUtf8("Суми, вул. Соборна 1 ✓ 😀"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // beyond U+10FFFF
  EXPECT_FALSE(IsValidUtf8("abc\xE2\x82"));       // cut short
}

}  // namespace
}  // namespace vikno::testing
