// The deadline watch end to end: a real SqliteStore in a temporary file, the
// real Lua rules of rules/kryvyi-rih and rules/pyriatyn, appeals created
// through AppealService, and a RecordingNotifier that stands in for the
// durable outbox (it keeps one notice per idempotency key, as the outbox's
// Enqueue contract says).
#include "workflow/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "rules/lua_rules.h"
#include "store/sqlite/sqlite_store.h"
#include "workflow/appeal_service.h"
#include "workflow/scheduler_runner.h"

namespace vikno {
namespace {

using namespace std::chrono_literals;
using std::chrono::seconds;

class TestClock final : public Clock {
 public:
  explicit TestClock(Timestamp t) : now_(t) {}
  Timestamp Now() const override { return now_.load(); }
  void Set(Timestamp t) { now_ = t; }
  void Advance(seconds d) { now_ = now_.load() + d; }

 private:
  std::atomic<Timestamp> now_;
};

// Stands in for the outbox: one notice per idempotency key, like its table.
class RecordingNotifier : public Notifier {
 public:
  bool Enqueue(const Notice& notice) override {
    ++calls;
    if (!by_key.emplace(notice.idempotency_key, notice).second) return false;
    queued.push_back(notice);
    return true;
  }
  std::vector<Notice> queued;
  std::map<std::string, Notice> by_key;
  int calls = 0;
};

// A host that dies right after queueing: the notice is in the outbox, the
// step is not recorded yet.
class CrashAfterQueue final : public Notifier {
 public:
  explicit CrashAfterQueue(RecordingNotifier& outbox) : outbox_(outbox) {}
  bool Enqueue(const Notice& notice) override {
    outbox_.Enqueue(notice);
    throw std::runtime_error("host died after queueing");
  }

 private:
  RecordingNotifier& outbox_;
};

std::filesystem::path FreshTempDir(const std::string& prefix) {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() /
             (prefix + "-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  return dir;
}

Timestamp At(const char* iso) { return *ParseIso8601(iso); }

std::unique_ptr<rules::LuaRules> LoadCity(const std::string& dir) {
  rules::Options options;
  options.run_city_tests = false;  // tests/unit/rules runs them
  options.log = [](rules::LogLevel, const std::string&, const std::string&) {};
  return rules::LuaRules::Load(dir, options);
}

// Tuesday 24 November 2026, 09:00 in Kyiv (UTC+2): working time.
const Timestamp kTuesday9 = At("2026-11-24T07:00:00Z");

class SchedulerTest : public ::testing::Test {
 protected:
  explicit SchedulerTest(const std::string& city = "rules/kryvyi-rih")
      : dir_(FreshTempDir("vikno-scheduler")), clock_(kTuesday9), rules_(LoadCity(city)) {
    Open();
  }
  ~SchedulerTest() override {
    scheduler_.reset();
    service_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // A new store object and scheduler on the same file: a host restart.
  void Open() {
    scheduler_.reset();
    service_.reset();
    repeats_.reset();
    store_.reset();
    store_ = std::make_unique<SqliteStore>((dir_ / "vikno.sqlite").string());
    store_->Migrate();
    for (const auto& e : rules_->Executors()) store_->UpsertExecutor(e);
    policy_ = std::make_unique<LuaEscalationPolicy>(*rules_);
    scheduler_ = MakeScheduler("host-a");
    repeats_ = std::make_unique<RepeatAppeals>(*store_, *policy_, outbox_, clock_, options_,
                                               [this](const std::string& l) { log_.push_back(l); });
    service_ = std::make_unique<AppealService>(*store_, *rules_, clock_);
    service_->SetCreateHook(repeats_.get());
  }

  std::unique_ptr<Scheduler> MakeScheduler(const std::string& holder, Notifier* notifier = nullptr,
                                           EscalationPolicy* policy = nullptr) {
    SchedulerOptions o = options_;
    o.holder = holder;
    return std::make_unique<Scheduler>(*store_, policy ? *policy : *policy_,
                                       notifier ? *notifier : outbox_, clock_, o,
                                       [this](const std::string& l) { log_.push_back(l); });
  }

  Appeal Create(const std::string& text, const std::string& category = "",
                std::optional<int64_t> building = std::nullopt) {
    NewAppeal in;
    in.description = text;
    in.channel = "telegram";
    in.category = category;
    in.address.street = "вулиця Металургів";
    in.address.house = "12";
    in.address.registry_id = building;
    auto r = service_->Create(in, Actor{Role::kOperator, "op-1", "127.0.0.1", {}});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.refusal().message);
    return r.value();
  }

  void Accept(const Appeal& a) {
    TransitionRequest t;
    t.action = "take_into_work";
    auto r = service_->Transition(a.id, t, Actor{Role::kExecutor, "ex-1", "", a.executors});
    ASSERT_TRUE(r.ok()) << r.refusal().code << ": " << r.refusal().message;
  }

  // Notices newly queued about one appeal, by text key and recipient kind.
  std::vector<Notice> NoticesOf(int64_t appeal_id) const {
    std::vector<Notice> out;
    for (const auto& n : outbox_.queued)
      if (n.appeal_id == appeal_id) out.push_back(n);
    return out;
  }
  static int Count(const std::vector<Notice>& ns, Notice::To to, const std::string& key_part) {
    int n = 0;
    for (const auto& x : ns)
      if (x.to == to && x.idempotency_key.find(key_part) != std::string::npos) ++n;
    return n;
  }
  int AuditCount(int64_t appeal_id, const std::string& action) {
    int n = 0;
    for (const auto& e : store_->ListAudit("appeal", std::to_string(appeal_id)))
      if (e.action == action) ++n;
    return n;
  }
  TickReport TickAt(Timestamp t) {
    clock_.Set(t);
    return scheduler_->Tick();
  }

  std::filesystem::path dir_;
  TestClock clock_;
  std::unique_ptr<rules::LuaRules> rules_;
  SchedulerOptions options_;
  RecordingNotifier outbox_;
  std::vector<std::string> log_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<LuaEscalationPolicy> policy_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<RepeatAppeals> repeats_;
  std::unique_ptr<AppealService> service_;
};

// 002 §7.1: SOS is accepted within 30 minutes; 002 §9.2.1 urgent ladder:
// executor (overdue, raised priority) and head at once, the deputy mayor
// two hours on. Every step fires once however often the scheduler ticks.
TEST_F(SchedulerTest, SosAcceptanceEscalatesOncePerStepOverManyTicks) {
  Appeal a = Create("Дитина впала в люк, загроза життю");
  ASSERT_EQ(a.type, "sos");
  ASSERT_EQ(a.accept_due, a.created_at + 30min);
  const std::string ex = a.lead_executor();

  for (int m = 1; m <= 29; ++m) TickAt(a.created_at + seconds(m * 60 - 30));
  // Only the pre-breach warning so far (B5: a quarter of 30 min = 7.5 min before).
  auto ns = NoticesOf(a.id);
  ASSERT_EQ(ns.size(), 1u);
  EXPECT_EQ(ns[0].text_key, "escalation.warning");
  EXPECT_EQ(ns[0].to, Notice::To::kExecutor);
  EXPECT_EQ(ns[0].recipient_id, ex);
  EXPECT_EQ(ns[0].priority, NoticePriority::kUrgent);

  for (int m = 31; m <= 119; ++m) TickAt(a.created_at + seconds(m * 60));
  ns = NoticesOf(a.id);
  EXPECT_EQ(Count(ns, Notice::To::kExecutor, ":accept:r0:notify=executor"), 1);
  EXPECT_EQ(Count(ns, Notice::To::kExecutorHead, ":accept:r0:notify=head"), 1);
  // The resolution deadline (2 h) has not passed yet; the deputy mayor not yet.
  EXPECT_EQ(Count(ns, Notice::To::kOfficial, ""), 0);
  for (const auto& n : ns) {
    EXPECT_EQ(n.priority, NoticePriority::kUrgent);
    EXPECT_FALSE(n.not_before) << "SOS notices go out at any hour";
  }

  for (int m = 120; m <= 200; m += 5) TickAt(a.created_at + seconds(m * 60 + 1));
  ns = NoticesOf(a.id);
  EXPECT_EQ(Count(ns, Notice::To::kExecutor, ":resolve:r0:notify=executor"), 1);
  EXPECT_EQ(Count(ns, Notice::To::kExecutorHead, ":resolve:r0:notify=head"), 1);
  EXPECT_EQ(Count(ns, Notice::To::kOfficial, ":accept:r7200:notify=deputy_mayor"), 1);
  for (const auto& n : ns)
    if (n.to == Notice::To::kOfficial) EXPECT_EQ(n.recipient_id, "deputy_mayor");
  const size_t total = ns.size();
  for (int i = 0; i < 50; ++i) TickAt(a.created_at + 3h + seconds(i * 61));
  EXPECT_EQ(NoticesOf(a.id).size(), total);
  // Each fired step is one audited record (R33); "mark overdue" is among them.
  const auto steps = store_->ListEscalationSteps(a.id);
  EXPECT_EQ(static_cast<int>(steps.size()), AuditCount(a.id, "escalation"));
  bool marked = false;
  for (const auto& s : steps) marked |= s.find("mark=overdue") != std::string::npos;
  EXPECT_TRUE(marked);
}

// 002 §7.1: an ordinary appeal is accepted within 2 working hours; taking it
// into work stops the acceptance watch (R11).
TEST_F(SchedulerTest, OrdinaryAcceptanceIsTwoWorkingHoursAndStopsWhenAccepted) {
  Appeal a = Create("Іржава вода з крану", "water/quality");
  ASSERT_EQ(a.type, "ordinary");
  ASSERT_EQ(a.accept_due, a.created_at + 2h);  // 09:00-11:00, before lunch
  TickAt(*a.accept_due - 1s);
  EXPECT_EQ(Count(NoticesOf(a.id), Notice::To::kExecutor, ":accept:r0:"), 0);
  TickAt(*a.accept_due + 60s);
  auto ns = NoticesOf(a.id);
  EXPECT_EQ(Count(ns, Notice::To::kExecutor, ":accept:r0:notify=executor"), 1);
  for (const auto& n : ns) EXPECT_EQ(n.priority, NoticePriority::kNormal);

  Appeal b = Create("Каламутна вода", "water/quality");
  Accept(b);
  TickAt(*b.accept_due + 2h);
  EXPECT_EQ(Count(NoticesOf(b.id), Notice::To::kExecutor, ":accept:"), 0);
}

// R10: 5 calendar days for an ordinary appeal; B5: the executor is warned a
// day before; the routine ladder then climbs to the head after a day late
// and to the head and deputy mayor after a week: the same "notify head" on
// two rungs fires on each.
TEST_F(SchedulerTest, ResolutionLadderWarnsThenClimbsRungByRung) {
  Appeal a = Create("Іржава вода з крану", "water/quality");
  Accept(a);
  ASSERT_TRUE(a.resolve_due);
  const Timestamp due = *a.resolve_due;
  TickAt(due - 25h);
  EXPECT_TRUE(NoticesOf(a.id).empty());
  TickAt(due - 23h);
  EXPECT_EQ(Count(NoticesOf(a.id), Notice::To::kExecutor, ":resolve:warn"), 1);
  for (int h = 0; h <= 8 * 24; h += 6) TickAt(due + 1s + std::chrono::hours(h));
  auto ns = NoticesOf(a.id);
  EXPECT_EQ(Count(ns, Notice::To::kExecutor, ":resolve:r0:notify=executor"), 1);
  EXPECT_EQ(Count(ns, Notice::To::kExecutorHead, ":resolve:r86400:notify=head"), 1);
  EXPECT_EQ(Count(ns, Notice::To::kExecutorHead, ":resolve:r604800:notify=head"), 1);
  EXPECT_EQ(Count(ns, Notice::To::kOfficial, ":resolve:r604800:notify=deputy_mayor"), 1);
  // R19: the week-late rung proposes a commission inspection, on the card.
  EXPECT_TRUE(store_->FindAppeal(a.id)->commission_inspection);
  EXPECT_EQ(AuditCount(a.id, "commission_inspection"), 1);
}

TEST_F(SchedulerTest, EscalationFiresOnceAcrossARestart) {
  Appeal a = Create("Іржава вода з крану", "water/quality");
  TickAt(*a.accept_due + 60s);
  const size_t before = outbox_.queued.size();
  const auto steps = store_->ListEscalationSteps(a.id);
  ASSERT_FALSE(steps.empty());
  Open();  // new store object and scheduler on the same file
  for (int i = 0; i < 20; ++i) TickAt(*a.accept_due + 61s + seconds(i * 30));
  EXPECT_EQ(outbox_.queued.size(), before);
  EXPECT_EQ(store_->ListEscalationSteps(a.id), steps);
}

// The host dies after the outbox took the notice but before the step was
// recorded: the next host queues the same key (dropped) and records it.
TEST_F(SchedulerTest, CrashBetweenQueueAndRecordSendsOnce) {
  Appeal a = Create("Іржава вода з крану", "water/quality");
  CrashAfterQueue dying(outbox_);
  auto doomed = MakeScheduler("host-a", &dying);
  clock_.Set(*a.accept_due + 60s);
  auto r = doomed->Tick();
  EXPECT_EQ(r.errors, 1);
  EXPECT_EQ(outbox_.queued.size(), 1u);
  EXPECT_TRUE(store_->ListEscalationSteps(a.id).empty());
  doomed.reset();
  Open();
  TickAt(*a.accept_due + 60s + options_.retry_after);
  EXPECT_EQ(outbox_.queued.size(), 1u);
  EXPECT_GE(outbox_.calls, 2);
  EXPECT_EQ(store_->ListEscalationSteps(a.id).size(), 1u);
}

TEST_F(SchedulerTest, AppealsNotDueAreNotTouched) {
  std::vector<Appeal> far;
  for (int i = 0; i < 200; ++i) {
    Appeal x;
    x.number = "IMP-" + std::to_string(i);
    x.type = "ordinary";
    x.category = "water/quality";
    x.executors = {"vodokanal"};
    x.description = "imported";
    x.channel = "web";
    x.status = Status::kInWork;
    x.created_at = kTuesday9;
    x.updated_at = kTuesday9;
    x.accepted_at = kTuesday9;
    x.accept_due = kTuesday9 + 2h;
    x.resolve_due = kTuesday9 + std::chrono::days(10);
    far.push_back(x);
  }
  store_->ImportAppeals(far);
  Appeal due = Create("Іржава вода з крану", "water/quality");
  auto r = TickAt(*due.accept_due + 60s);
  EXPECT_TRUE(r.lease_held);
  EXPECT_EQ(r.appeals, 1);  // only the due one was read
  EXPECT_EQ(r.steps, 1);
  AppealQuery q;
  q.limit = 500;
  auto page = store_->ListAppeals(q);
  for (const auto& x : page.items) {
    if (x.id == due.id) continue;
    EXPECT_TRUE(store_->ListEscalationSteps(x.id).empty());
    EXPECT_EQ(AuditCount(x.id, "escalation"), 0);
  }
}

TEST_F(SchedulerTest, SecondHostWaitsForTheLeaseAndTakesOverAfterExpiry) {
  Appeal a = Create("Іржава вода з крану", "water/quality");
  auto b = MakeScheduler("host-b");
  clock_.Set(*a.accept_due - 60s);
  EXPECT_TRUE(scheduler_->Tick().lease_held);  // host-a sweeps (the warning goes out)
  const auto steps = store_->ListEscalationSteps(a.id);
  clock_.Set(*a.accept_due + 20s);  // late, but host-a holds the lease until +30 s
  auto rb = b->Tick();
  EXPECT_FALSE(rb.lease_held);
  EXPECT_EQ(rb.appeals, 0);
  EXPECT_EQ(store_->ListEscalationSteps(a.id), steps);
  // host-a stops ticking; after the lease's time to live host-b sweeps.
  clock_.Set(*a.accept_due - 60s + options_.lease_ttl + 1s);
  rb = b->Tick();
  EXPECT_TRUE(rb.lease_held);
  EXPECT_EQ(rb.steps, 1);
  EXPECT_FALSE(scheduler_->Tick().lease_held);
  // A clean stop hands over at once.
  b->ReleaseLease();
  EXPECT_TRUE(scheduler_->Tick().lease_held);
}

// B5: an ordinary appeal's resolution deadline falls on Sunday (5 calendar
// days from Tuesday): the executor is not written to on a day off; the
// notice waits for Monday 08:00 in Kyiv. An SOS at night goes at once.
TEST_F(SchedulerTest, NoticesOutsideWorkingHoursWaitExceptSos) {
  Appeal a = Create("Іржава вода з крану", "water/quality");
  Accept(a);
  TickAt(*a.resolve_due + 60s);
  auto ns = NoticesOf(a.id);
  ASSERT_EQ(Count(ns, Notice::To::kExecutor, ":resolve:r0:notify=executor"), 1);
  for (const auto& n : ns) {
    if (n.idempotency_key.find(":resolve:r0:") == std::string::npos) continue;
    ASSERT_TRUE(n.not_before);
    EXPECT_EQ(*n.not_before, At("2026-11-30T06:00:00Z"));  // Monday 08:00 Kyiv
  }

  clock_.Set(At("2026-11-24T21:00:00Z"));  // 23:00 Tuesday in Kyiv
  Appeal sos = Create("Людина впала, загроза життю");
  ASSERT_EQ(sos.type, "sos");
  TickAt(*sos.accept_due + 60s);
  ns = NoticesOf(sos.id);
  ASSERT_GE(Count(ns, Notice::To::kExecutorHead, ":accept:r0:notify=head"), 1);
  for (const auto& n : ns) EXPECT_FALSE(n.not_before);
}

// A script fault in escalate() sends the safe action: the moderator is told,
// the appeal marked overdue, the fault audited; once.
TEST(SchedulerFault, ScriptFaultInEscalateTellsTheModeratorOnce) {
  auto dir = FreshTempDir("vikno-broken-city");
  {
    std::ofstream city(dir / "city.lua");
    city << R"(city { name = "Broken", timezone = "Europe/Kyiv" }
executor { id = "roads", name = "Roads" }
category { id = "roads", name = "Roads", executor = "roads", type = "ordinary",
           keywords = { "яма" } }
appeal_type { id = "ordinary", name = "Ordinary", accept = "2h", resolve = "5d" }
function classify(appeal) return { category = "roads" } end
function escalate(appeal, late) error("ladder is broken") end
)";
  }
  auto rules = LoadCity(dir.string());
  SqliteStore store((dir / "vikno.sqlite").string());
  store.Migrate();
  TestClock clock(kTuesday9);
  RecordingNotifier outbox;
  LuaEscalationPolicy policy(*rules);
  std::vector<std::string> log;
  Scheduler scheduler(store, policy, outbox, clock, {},
                      [&](const std::string& l) { log.push_back(l); });
  AppealService service(store, *rules, clock);
  NewAppeal in;
  in.description = "Яма на дорозі";
  in.channel = "web";
  auto a = service.Create(in, Actor{Role::kOperator, "op", "", {}});
  ASSERT_TRUE(a.ok());
  int faults = 0;
  for (int i = 1; i <= 10; ++i) {
    clock.Set(*a->accept_due + seconds(i * 600));
    faults += scheduler.Tick().faults;
  }
  EXPECT_GE(faults, 1);
  ASSERT_EQ(outbox.queued.size(), 1u);
  EXPECT_EQ(outbox.queued[0].to, Notice::To::kModerators);
  EXPECT_EQ(outbox.queued[0].recipient_id, "roads");
  EXPECT_NE(outbox.queued[0].params.at("message").find("ladder is broken"), std::string::npos);
  bool audited = false;
  for (const auto& e : store.ListAudit("appeal", std::to_string(a->id)))
    audited |= e.action == "escalation" &&
               e.details.find("ladder is broken") != std::string::npos &&
               e.details.find("overdue") != std::string::npos;
  EXPECT_TRUE(audited);
  EXPECT_FALSE(log.empty());
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

class RepeatTest : public SchedulerTest {
 protected:
  RepeatTest() : SchedulerTest("rules/pyriatyn") {}
  int64_t Building(const std::string& house) {
    RegistryAddress b;
    b.city = "Пирятин";
    b.street = "вулиця Соборна";
    b.house = house;
    return store_->UpsertRegistryAddress(b);
  }
};

// R20, 003 §4.1: a repeat at the same building within the window is linked
// and the original escalated (its head and the moderators told, audited).
TEST_F(RepeatTest, RepeatAtTheSameBuildingIsLinkedAndEscalatesTheOriginal) {
  const int64_t house = Building("5"), other = Building("7");
  Appeal first = Create("Не горить ліхтар біля будинку", "improve/lighting", house);
  ASSERT_FALSE(first.repeat_of);
  clock_.Advance(std::chrono::days(3));
  Appeal second = Create("Знову темно, ліхтар не горить", "improve/lighting", house);
  ASSERT_TRUE(second.repeat_of);
  EXPECT_EQ(*second.repeat_of, first.id);
  auto ns = NoticesOf(first.id);
  EXPECT_EQ(Count(ns, Notice::To::kExecutorHead, ":repeat:" + std::to_string(second.id)), 1);
  EXPECT_EQ(Count(ns, Notice::To::kModerators, ":repeat:" + std::to_string(second.id)), 1);
  for (const auto& n : ns) {
    EXPECT_EQ(n.text_key, "escalation.repeat");
    EXPECT_EQ(n.params.at("repeat_number"), second.number);
  }
  EXPECT_EQ(AuditCount(first.id, "escalation"), 2);

  // Another building, another category, or past the window: not a repeat.
  EXPECT_FALSE(Create("Не горить ліхтар", "improve/lighting", other).repeat_of);
  EXPECT_FALSE(Create("Яма на дорозі", "improve/roads", house).repeat_of);
  clock_.Advance(std::chrono::days(31));
  EXPECT_FALSE(Create("Не горить ліхтар", "improve/lighting", house).repeat_of);
}

TEST_F(SchedulerTest, RunnerTicksInTheBackgroundAndStopsCleanly) {
  Appeal a = Create("Іржава вода з крану", "water/quality");
  clock_.Set(*a.accept_due + 60s);
  SchedulerRunner runner(*scheduler_, std::chrono::milliseconds(20));
  runner.Start();
  for (int i = 0; i < 200 && store_->ListEscalationSteps(a.id).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  runner.Stop();
  EXPECT_GE(runner.ticks(), 1u);
  EXPECT_EQ(store_->ListEscalationSteps(a.id).size(), 1u);
  // Stop released the lease: another host sweeps at once.
  EXPECT_TRUE(MakeScheduler("host-b")->Tick().lease_held);
}

}  // namespace
}  // namespace vikno
