// Events and their notices (issue 6 done-when, R22/R23) on a real SQLite
// store with the real outbox sender and the real messages files: the
// 06:00-23:00 window in city time, subscribers at an event's addresses
// exactly once, the 24 h rule and the administrator's audited override, one
// correction per edit, the end of works announced once (also after a
// restart), and the service scope of moderators and executors.
#include "events/event_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "messages/messages.h"
#include "outbox/channel.h"
#include "outbox/sender.h"
#include "store/sqlite/sqlite_store.h"
#include "unit/workflow/workflow_fixture.h"  // TestClock, FreshTempDir

namespace vikno::testing {
namespace {

using namespace std::chrono_literals;
using events::AddressPick;
using events::EventDraft;
using events::EventService;

// 23.11.2026 in Kyiv is UTC+2 (EET).
Timestamp Kyiv(int hour, int minute = 0) {
  return *ParseIso8601("2026-11-23T00:00:00Z") + std::chrono::hours(hour - 2) +
         std::chrono::minutes(minute);
}

// What one channel's provider received: (chat id, text), in order.
class Provider {
 public:
  explicit Provider(std::string name)
      : name_(std::move(name)),
        channel_(
            [this](const sdk::OutboundMessage& m) {
              std::lock_guard lock(mu_);
              got_.emplace_back(m.chat_id, m.text);
              return sdk::SendResult::Sent(name_ + "-" + std::to_string(got_.size()));
            },
            sdk::RateLimit{{1000, 1s}, {0, 1s}}) {}
  OutboxChannel& channel() { return channel_; }
  std::vector<std::pair<std::string, std::string>> got() const {
    std::lock_guard lock(mu_);
    return got_;
  }

 private:
  std::string name_;
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> got_;
  FunctionOutboxChannel channel_;
};

class EventNoticesTest : public ::testing::Test {
 protected:
  EventNoticesTest()
      : dir_(FreshTempDir("vikno-events")),
        store_((dir_ / "vikno.sqlite").string()),
        clock_(Kyiv(10)) {
    store_.Migrate();
    messages_ = std::make_unique<Messages>(std::filesystem::path(VIKNO_SOURCE_DIR) / "config" /
                                               "messages",
                                           "uk", std::filesystem::path{},
                                           [this](const std::string& w) { warnings_.push_back(w); });
    store_.UpsertExecutor(Executor{"vodokanal", "КП «Міськводоканал»", "", "", "", true});
    store_.UpsertExecutor(Executor{"teplo", "КП «Тепломережа»", "", "", "", true});
    soborna12_ = Registry("вулиця Соборна", "12");
    soborna14_ = Registry("вулиця Соборна", "14");
    petro1_ = Registry("вулиця Петропавлівська", "1");
    petro80_ = Registry("вулиця Петропавлівська", "80");
    kooper3_ = Registry("вулиця Кооперативна", "3");
    // Subscribed at the event's addresses: r1 on two channels at Соборна 12,
    // r2 by SMS on Петропавлівська (the whole street is affected).
    AddResident("r1", soborna12_, {{"telegram", true}, {"viber", true}});
    AddResident("r2", petro80_, {{"sms", true}});
    // Not to be told: r3 unsubscribed at Соборна 12, r4 at Соборна 14, r5 on
    // another street.
    AddResident("r3", soborna12_, {{"telegram", false}});
    AddResident("r4", soborna14_, {{"telegram", true}});
    AddResident("r5", kooper3_, {{"viber", true}});
  }
  ~EventNoticesTest() override {
    if (sender_) sender_->Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  int64_t Registry(const std::string& street, const std::string& house) {
    return store_.UpsertRegistryAddress(RegistryAddress{0, "Суми", "Ковпаківський", street, house, {}});
  }

  void AddResident(const std::string& id, int64_t building,
                   std::vector<std::pair<std::string, bool>> channels) {
    Resident r;
    r.id = id;
    r.created_at = clock_.Now();
    store_.CreateResident(r, AuditEntry{0, clock_.Now(), "t", "system", "", "resident", id,
                                        "register", "{}"});
    const RegistryAddress ra = *store_.FindRegistryAddress(building);
    Address a;
    a.registry_id = ra.id;
    a.city = ra.city;
    a.street = ra.street;
    a.house = ra.house;
    store_.AddResidentAddress(id, a, clock_.Now());
    for (const auto& [channel, subscribed] : channels)
      store_.UpsertChannelBinding(
          {id, channel, channel + "-" + id, subscribed, clock_.Now(), clock_.Now()});
  }

  EventDraft Draft(EventKind kind, Timestamp starts, std::optional<Timestamp> ends,
                   std::string executor = "vodokanal") {
    EventDraft d;
    d.kind = kind;
    d.reason = "Пошкодження водогону";
    d.executor_id = std::move(executor);
    d.starts_at = starts;
    d.ends_at = ends;
    d.addresses = {AddressPick{soborna12_, false}, AddressPick{petro1_, true}};
    return d;
  }

  // As the host builds them: Kyiv's window, the label from the messages.
  events::EventOptions Options() const {
    events::EventOptions o;
    o.time_zone = "Europe/Kyiv";
    o.whole_street_label = messages_->Get("events.whole_street");
    return o;
  }

  static Actor Admin() { return Actor{Role::kAdministrator, "admin-1", "10.0.0.1", {}}; }
  static Actor Moderator(std::string service) {
    return Actor{Role::kModerator, "mod-" + service, "10.0.0.2", {service}};
  }
  static Actor Executor_(std::string service) {
    return Actor{Role::kExecutor, "exec-" + service, "10.0.0.3", {service}};
  }

  void StartSender() {
    SenderOptions options;
    options.idle_poll = 20ms;
    sender_ = std::make_unique<OutboxSender>(store_, *messages_, clock_, options);
    sender_->AddChannel("telegram", telegram_.channel());
    sender_->AddChannel("viber", viber_.channel());
    sender_->AddChannel("sms", sms_.channel());
    sender_->Start();
  }

  // Every message delivered, as "channel:chat".
  std::multiset<std::string> Delivered() {
    std::multiset<std::string> out;
    for (const auto& [chat, text] : telegram_.got()) out.insert("telegram:" + chat);
    for (const auto& [chat, text] : viber_.got()) out.insert("viber:" + chat);
    for (const auto& [chat, text] : sms_.got()) out.insert("sms:" + chat);
    return out;
  }
  std::vector<std::string> Texts() {
    std::vector<std::string> out;
    for (const auto* p : {&telegram_, &viber_, &sms_})
      for (const auto& [chat, text] : p->got()) out.push_back(text);
    return out;
  }

  static bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (done()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return done();
  }

  std::vector<OutboxMessage> Rows(int64_t event_id) {
    OutboxQuery q;
    q.batch_id = EventBatchId(event_id);
    q.limit = 1000;
    return store_.ListOutbox(q);
  }

  const std::multiset<std::string> kSubscribed{"telegram:telegram-r1", "viber:viber-r1",
                                               "sms:sms-r2"};

  std::filesystem::path dir_;
  SqliteStore store_;
  TestClock clock_;
  std::unique_ptr<Messages> messages_;
  std::vector<std::string> warnings_;
  int64_t soborna12_ = 0, soborna14_ = 0, petro1_ = 0, petro80_ = 0, kooper3_ = 0;
  Provider telegram_{"telegram"}, viber_{"viber"}, sms_{"sms"};
  std::unique_ptr<OutboxSender> sender_;
};

TEST_F(EventNoticesTest, EmergencyAtTwoAmNotifiesNoOneUntilSixThenEverySubscriberOnce) {
  clock_.Set(Kyiv(2));
  EventService service(store_, clock_, Options());
  auto created = service.Create(Moderator("vodokanal"),
                                Draft(EventKind::kEmergency, Kyiv(1, 30), Kyiv(14)));
  ASSERT_TRUE(created) << created.refusal().message;
  EXPECT_EQ(created->notices.queued, 3);
  EXPECT_EQ(created->notices.held_until, Kyiv(6));
  for (const auto& m : Rows(created->event.id)) {
    EXPECT_EQ(m.next_attempt_at, Kyiv(6)) << m.idempotency_key;
    EXPECT_EQ(m.priority, 0) << "emergency notices are urgent";
    EXPECT_EQ(m.text_key, "events.notice.emergency");
  }
  StartSender();
  std::this_thread::sleep_for(400ms);
  clock_.Set(Kyiv(5, 59));
  std::this_thread::sleep_for(400ms);
  EXPECT_TRUE(Delivered().empty()) << "nothing goes out between 23:00 and 06:00";

  clock_.Set(Kyiv(6));
  ASSERT_TRUE(WaitFor([&] { return Delivered().size() >= 3; }));
  std::this_thread::sleep_for(300ms);  // and nothing more comes
  EXPECT_EQ(Delivered(), kSubscribed);
  for (const std::string& text : Texts()) {
    EXPECT_NE(text.find("Аварійні роботи: Пошкодження водогону"), std::string::npos) << text;
    EXPECT_NE(text.find("вулиця Соборна, 12"), std::string::npos) << text;
    EXPECT_NE(text.find("вулиця Петропавлівська (вся вулиця)"), std::string::npos) << text;
    EXPECT_EQ(text.find('{'), std::string::npos) << "a placeholder left unfilled: " << text;
  }
  auto counts = store_.CountEventNotices({created->event.id});
  EXPECT_EQ(counts[created->event.id].sent, 3);
}

TEST_F(EventNoticesTest, ResidentNotSubscribedAtTheAddressGetsNothing) {
  EventService service(store_, clock_, Options());
  auto created = service.Create(Admin(), Draft(EventKind::kEmergency, Kyiv(9), Kyiv(14)));
  ASSERT_TRUE(created);
  std::set<std::string> residents;
  for (const auto& m : Rows(created->event.id)) residents.insert(m.recipient_id);
  EXPECT_EQ(residents, (std::set<std::string>{"r1", "r2"}));
  EXPECT_EQ(created->notices.held_until, std::nullopt);
  StartSender();
  ASSERT_TRUE(WaitFor([&] { return Delivered().size() >= 3; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(Delivered(), kSubscribed);  // not r3 (unsubscribed), r4, r5 (elsewhere)
}

TEST_F(EventNoticesTest, PlannedTenHoursAheadIsRefusedAndAnAdministratorsReasonedOverrideIsAudited) {
  EventService service(store_, clock_, Options());
  EventDraft soon = Draft(EventKind::kPlanned, clock_.Now() + 10h, clock_.Now() + 14h);
  auto by_moderator = service.Create(Moderator("vodokanal"), soon);
  ASSERT_FALSE(by_moderator);
  EXPECT_EQ(by_moderator.refusal().code, "short_notice");
  soon.short_notice_reason = "Підрядник може лише завтра";
  by_moderator = service.Create(Moderator("vodokanal"), soon);
  ASSERT_FALSE(by_moderator) << "only an administrator may override";
  EXPECT_EQ(by_moderator.refusal().code, "short_notice");
  EventDraft no_reason = soon;
  no_reason.short_notice_reason = "   ";
  auto admin_no_reason = service.Create(Admin(), no_reason);
  ASSERT_FALSE(admin_no_reason);
  EXPECT_EQ(admin_no_reason.refusal().code, "short_notice");
  EventQuery all;
  EXPECT_EQ(store_.ListEvents(all).total, 0) << "a refusal stores nothing";
  EXPECT_TRUE(store_.ListOutbox(OutboxQuery{}).empty());

  auto overridden = service.Create(Admin(), soon);
  ASSERT_TRUE(overridden) << overridden.refusal().message;
  EXPECT_EQ(overridden->event.short_notice_reason, "Підрядник може лише завтра");
  const auto audit = store_.ListAudit("event", std::to_string(overridden->event.id));
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "create_short_notice");
  EXPECT_EQ(audit[0].actor_id, "admin-1");
  EXPECT_NE(audit[0].details.find("Підрядник може лише завтра"), std::string::npos);
  EXPECT_EQ(overridden->notices.queued, 3);
  for (const auto& m : Rows(overridden->event.id)) EXPECT_EQ(m.priority, 1);

  // 25 h ahead needs no override; emergency works never do.
  EXPECT_TRUE(service.Create(Moderator("vodokanal"),
                             Draft(EventKind::kPlanned, clock_.Now() + 25h, std::nullopt)));
  EXPECT_TRUE(service.Create(Moderator("vodokanal"),
                             Draft(EventKind::kEmergency, clock_.Now() + 1h, std::nullopt)));
}

TEST_F(EventNoticesTest, AnEditSendsExactlyOneCorrectionPerResidentAndBinding) {
  EventService service(store_, clock_, Options());
  auto created = service.Create(Admin(), Draft(EventKind::kEmergency, Kyiv(9), Kyiv(14)));
  ASSERT_TRUE(created);
  StartSender();
  ASSERT_TRUE(WaitFor([&] { return Delivered().size() >= 3; }));

  EventDraft later = Draft(EventKind::kEmergency, Kyiv(9), Kyiv(18));
  auto edited = service.Update(Moderator("vodokanal"), created->event.id, 1, later);
  ASSERT_TRUE(edited) << edited.refusal().message;
  EXPECT_EQ(edited->event.revision, 2);
  EXPECT_EQ(edited->notices.queued, 3);
  // The same request again (a double click, a retried call) is stale.
  auto again = service.Update(Moderator("vodokanal"), created->event.id, 1, later);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.refusal().code, "stale");
  ASSERT_TRUE(WaitFor([&] { return Delivered().size() >= 6; }));
  std::this_thread::sleep_for(300ms);
  std::multiset<std::string> twice;
  for (const auto& b : kSubscribed) twice.insert({b, b});
  EXPECT_EQ(Delivered(), twice) << "the first notice and one correction each";
  int corrections = 0;
  for (const auto& m : Rows(created->event.id))
    if (m.text_key == "events.notice.correction") ++corrections;
  EXPECT_EQ(corrections, 3);
  for (const std::string& t : Texts()) EXPECT_EQ(t.find('{'), std::string::npos) << t;
}

TEST_F(EventNoticesTest, AnEditWhileTheFirstNoticeIsHeldLeavesOneMessagePerBinding) {
  clock_.Set(Kyiv(2));
  EventService service(store_, clock_, Options());
  auto created = service.Create(Admin(), Draft(EventKind::kEmergency, Kyiv(1), Kyiv(12)));
  ASSERT_TRUE(created);
  clock_.Set(Kyiv(3));
  auto edited = service.Update(Admin(), created->event.id, 1,
                               Draft(EventKind::kEmergency, Kyiv(1), Kyiv(16)));
  ASSERT_TRUE(edited);
  EXPECT_EQ(edited->notices.cancelled, 3);
  StartSender();
  clock_.Set(Kyiv(6));
  ASSERT_TRUE(WaitFor([&] { return Delivered().size() >= 3; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(Delivered(), kSubscribed);
  for (const auto& m : Rows(created->event.id))
    if (m.state == OutboxState::kSent) EXPECT_EQ(m.text_key, "events.notice.emergency");
}

TEST_F(EventNoticesTest, TheEndOfWorksIsAnnouncedOnceAlsoAfterARestart) {
  auto service = std::make_unique<EventService>(store_, clock_, Options());
  auto created = service->Create(Admin(), Draft(EventKind::kPlanned, Kyiv(10), Kyiv(11),
                                                "vodokanal"));
  // Planned and starting now: an administrator's override.
  ASSERT_FALSE(created);
  EventDraft d = Draft(EventKind::kEmergency, Kyiv(10), Kyiv(11));
  created = service->Create(Admin(), d);
  ASSERT_TRUE(created);
  StartSender();
  ASSERT_TRUE(WaitFor([&] { return Delivered().size() >= 3; }));
  EXPECT_EQ(service->AnnounceEnded(), 0) << "not ended yet";
  clock_.Set(Kyiv(11, 1));
  EXPECT_EQ(service->AnnounceEnded(), 1);
  EXPECT_EQ(service->AnnounceEnded(), 0);
  service = std::make_unique<EventService>(store_, clock_, Options());  // a restarted host
  EXPECT_EQ(service->AnnounceEnded(), 0);
  ASSERT_TRUE(WaitFor([&] { return Delivered().size() >= 6; }));
  std::this_thread::sleep_for(300ms);
  int ended = 0;
  for (const auto& m : Rows(created->event.id))
    if (m.text_key == "events.notice.ended") ++ended;
  EXPECT_EQ(ended, 3);
  EXPECT_EQ(Delivered().size(), 6u);
  bool saw_end = false;
  for (const std::string& t : Texts()) saw_end |= t.find("Роботи завершено") != std::string::npos;
  EXPECT_TRUE(saw_end);

  // Extended after the end was announced: in work again, and its new end is
  // announced once more when it comes (a new revision's keys).
  auto extended = service->Update(Admin(), created->event.id, 1,
                                  Draft(EventKind::kEmergency, Kyiv(10), Kyiv(13)));
  ASSERT_TRUE(extended) << extended.refusal().message;
  EXPECT_FALSE(extended->event.end_announced_at);
  EXPECT_EQ(service->AnnounceEnded(), 0);
  clock_.Set(Kyiv(13));
  EXPECT_EQ(service->AnnounceEnded(), 1);
  EXPECT_EQ(service->AnnounceEnded(), 0);
  ended = 0;
  for (const auto& m : Rows(created->event.id))
    if (m.text_key == "events.notice.ended") ++ended;
  EXPECT_EQ(ended, 6);
}

TEST_F(EventNoticesTest, CompletingByAnEditAnnouncesTheEndInsteadOfACorrection) {
  EventService service(store_, clock_, Options());
  auto created = service.Create(Admin(), Draft(EventKind::kEmergency, Kyiv(8), Kyiv(20)));
  ASSERT_TRUE(created);
  StartSender();
  ASSERT_TRUE(WaitFor([&] { return Delivered().size() >= 3; }));
  clock_.Set(Kyiv(12));
  auto done = service.Update(Executor_("vodokanal"), created->event.id, 1,
                             Draft(EventKind::kEmergency, Kyiv(8), Kyiv(12)));
  ASSERT_TRUE(done) << done.refusal().message;
  EXPECT_EQ(done->event.status(clock_.Now()), EventStatus::kCompleted);
  EXPECT_EQ(service.AnnounceEnded(), 0) << "announced with the edit";
  std::map<std::string, int> by_text;
  for (const auto& m : Rows(created->event.id)) ++by_text[m.text_key];
  EXPECT_EQ(by_text["events.notice.ended"], 3);
  EXPECT_EQ(by_text["events.notice.correction"], 0);
}

TEST_F(EventNoticesTest, DeletingAnEventCancelsItsHeldNotices) {
  clock_.Set(Kyiv(1));
  EventService service(store_, clock_, Options());
  auto created = service.Create(Admin(), Draft(EventKind::kEmergency, Kyiv(1), Kyiv(12)));
  ASSERT_TRUE(created);
  clock_.Set(Kyiv(2));
  auto deleted = service.Delete(Moderator("vodokanal"), created->event.id);
  ASSERT_TRUE(deleted) << deleted.refusal().message;
  StartSender();
  clock_.Set(Kyiv(6));
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(Delivered().empty());
  EXPECT_EQ(store_.ListAudit("event", std::to_string(created->event.id)).back().action, "delete");
  EXPECT_EQ(service.Get(Admin(), created->event.id).refusal().code, "not_found");
}

// Residents told of works that will not happen are told so, once each; the
// ones whose notice was still held hear nothing (see the test above), and
// deleting works that are already over tells no one.
TEST_F(EventNoticesTest, DeletingAnnouncedWorksTellsThoseWhoWereToldThatTheyAreCancelled) {
  clock_.Set(Kyiv(9));
  EventService service(store_, clock_, Options());
  auto created = service.Create(Admin(), Draft(EventKind::kEmergency, Kyiv(9), Kyiv(18)));
  ASSERT_TRUE(created) << created.refusal().message;
  StartSender();
  ASSERT_TRUE(WaitFor([&] { return Delivered().size() >= 3; }));
  clock_.Set(Kyiv(10));
  ASSERT_TRUE(service.Delete(Moderator("vodokanal"), created->event.id));
  ASSERT_TRUE(WaitFor([&] { return Delivered().size() >= 6; }));
  EXPECT_EQ(service.Delete(Admin(), created->event.id).refusal().code, "not_found");
  std::this_thread::sleep_for(300ms);  // and nothing more comes
  std::multiset<std::string> twice;
  for (const auto& b : kSubscribed) twice.insert({b, b});
  EXPECT_EQ(Delivered(), twice);
  int cancelled = 0;
  for (const std::string& text : Texts()) {
    if (text.find("Роботи скасовано: Пошкодження водогону") == std::string::npos) continue;
    ++cancelled;
    EXPECT_NE(text.find("вулиця Соборна, 12"), std::string::npos) << text;
    EXPECT_EQ(text.find('{'), std::string::npos) << "a placeholder left unfilled: " << text;
  }
  EXPECT_EQ(cancelled, 3);

  // Works already over: deleting them is housekeeping, not news.
  auto past = service.Create(Admin(), Draft(EventKind::kEmergency, Kyiv(10), Kyiv(11)));
  ASSERT_TRUE(past);
  ASSERT_TRUE(WaitFor([&] { return Delivered().size() >= 9; }));
  clock_.Set(Kyiv(12));
  ASSERT_TRUE(service.Delete(Admin(), past->event.id));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(Delivered().size(), 9u);
}

TEST_F(EventNoticesTest, AModeratorCannotCreateEditOrDeleteAnotherServicesEvent) {
  EventService service(store_, clock_, Options());
  auto foreign = service.Create(Moderator("teplo"),
                                Draft(EventKind::kEmergency, Kyiv(11), Kyiv(14), "vodokanal"));
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.refusal().code, "out_of_scope");

  auto own = service.Create(Moderator("vodokanal"),
                            Draft(EventKind::kEmergency, Kyiv(11), Kyiv(14), "vodokanal"));
  ASSERT_TRUE(own);
  const int64_t id = own->event.id;
  auto edit = service.Update(Moderator("teplo"), id, 1,
                             Draft(EventKind::kEmergency, Kyiv(11), Kyiv(15), "vodokanal"));
  ASSERT_FALSE(edit);
  EXPECT_EQ(edit.refusal().code, "out_of_scope");
  // Nor take it over by moving it to their own service.
  auto take = service.Update(Moderator("teplo"), id, 1,
                             Draft(EventKind::kEmergency, Kyiv(11), Kyiv(15), "teplo"));
  ASSERT_FALSE(take);
  EXPECT_EQ(take.refusal().code, "out_of_scope");
  // Nor give their own away to a service outside their scope.
  auto away = service.Update(Moderator("vodokanal"), id, 1,
                             Draft(EventKind::kEmergency, Kyiv(11), Kyiv(15), "teplo"));
  ASSERT_FALSE(away);
  EXPECT_EQ(away.refusal().code, "out_of_scope");
  auto del = service.Delete(Moderator("teplo"), id);
  ASSERT_FALSE(del);
  EXPECT_EQ(del.refusal().code, "out_of_scope");
  EXPECT_EQ(service.Get(Moderator("teplo"), id).refusal().code, "not_found");
  EXPECT_EQ(service.Copy(Moderator("teplo"), id).refusal().code, "not_found");
  EventQuery asks_for_all;
  asks_for_all.executor_id = "vodokanal";
  EXPECT_EQ(service.List(Moderator("teplo"), asks_for_all)->total, 0);
  EXPECT_EQ(service.List(Moderator("vodokanal"), EventQuery{})->total, 1);
  EXPECT_EQ(store_.GetEvent(id)->revision, 1) << "nothing changed";
  EXPECT_EQ(store_.ListAudit("event", std::to_string(id)).size(), 1u);

  // 002 §8.1.8: an executor registers repair works of its own service only.
  EXPECT_TRUE(service.Create(Executor_("vodokanal"),
                             Draft(EventKind::kEmergency, Kyiv(11), Kyiv(14), "vodokanal")));
  EXPECT_EQ(service
                .Create(Executor_("vodokanal"),
                        Draft(EventKind::kEmergency, Kyiv(11), Kyiv(14), "teplo"))
                .refusal()
                .code,
            "out_of_scope");
  EXPECT_EQ(service
                .Create(Actor{Role::kOperator, "op-1", "", {}},
                        Draft(EventKind::kEmergency, Kyiv(11), Kyiv(14)))
                .refusal()
                .code,
            "forbidden");
}

TEST_F(EventNoticesTest, AddressesComeFromTheRegistryAndBadDraftsAreRefusedWithReasons) {
  EventService service(store_, clock_, Options());
  EventDraft d = Draft(EventKind::kEmergency, Kyiv(11), Kyiv(14));
  d.addresses.push_back({soborna12_, false});  // twice: kept once
  auto ok = service.Create(Admin(), d);
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->event.addresses.size(), 2u);
  EXPECT_EQ(ok->event.addresses[0].registry_id, soborna12_);
  EXPECT_EQ(ok->event.addresses[0].house, "12");
  EXPECT_FALSE(ok->event.addresses[1].registry_id) << "a whole street names no building";
  EXPECT_EQ(ok->event.addresses[1].street, "вулиця Петропавлівська");
  EXPECT_EQ(ok->event.addresses[1].house, "");

  auto code = [&](EventDraft bad) { return service.Create(Admin(), bad).refusal().code; };
  EventDraft bad = d;
  bad.addresses = {{999999, false}};
  EXPECT_EQ(code(bad), "unknown_address");
  bad = d;
  bad.addresses.clear();
  EXPECT_EQ(code(bad), "missing_addresses");
  bad = d;
  bad.reason = "  ";
  EXPECT_EQ(code(bad), "missing_reason");
  bad = d;
  bad.executor_id = "nobody";
  EXPECT_EQ(code(bad), "unknown_executor");
  bad = d;
  bad.ends_at = bad.starts_at;
  EXPECT_EQ(code(bad), "invalid_period");

  // Copy: a new draft with the same content, nothing stored.
  auto copy = service.Copy(Admin(), ok->event.id);
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->reason, d.reason);
  ASSERT_EQ(copy->addresses.size(), 2u);
  EXPECT_TRUE(copy->addresses[1].whole_street);
  EXPECT_EQ(store_.ListEvents(EventQuery{}).total, 1);
  EXPECT_TRUE(service.Create(Admin(), copy.value()));
}

}  // namespace
}  // namespace vikno::testing
