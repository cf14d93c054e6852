// ConversationService end to end on a real SQLite store, the real
// AppealService and FileStore: a resident's first message registers an
// opaque resident and a channel binding; consent and the address are
// recorded; a reported problem becomes an appeal whose number is told at
// once; a "restart" (a new service over the same store) continues the
// dialogue; "fixed?" confirms the appeal. The dialogue rows, residents'
// addresses, ratings, blocks and events are kept by MemoryRepository below
// until the Store grows those methods (ConversationRepository names them).
#include "conversation/conversation_service.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "conversation/registry_import.h"
#include "unit/workflow/workflow_fixture.h"

namespace vikno::conversation {
namespace {

using vikno::testing::At;
using vikno::testing::FreshTempDir;
using vikno::testing::TestClock;
using vikno::testing::TestRules;

class MemoryRepository final : public ConversationRepository {
 public:
  std::optional<std::string> LoadDialogue(const std::string& channel,
                                          const std::string& chat) override {
    auto it = dialogues.find(channel + "/" + chat);
    if (it == dialogues.end()) return std::nullopt;
    return it->second;
  }
  void SaveDialogue(const std::string& channel, const std::string& chat, const std::string&,
                    const std::string& json, Timestamp) override {
    dialogues[channel + "/" + chat] = json;
  }
  std::vector<Address> ListResidentAddresses(const std::string& id) override {
    return addresses[id];
  }
  void AddResidentAddress(const std::string& id, const Address& a, Timestamp) override {
    addresses[id].push_back(a);
  }
  void AddRating(const Rating& r) override { ratings.push_back(r); }
  bool IsResidentBlocked(const std::string& id) override { return blocked.count(id) > 0; }
  std::vector<Event> ListActiveEventsAt(const std::vector<Address>&, Timestamp) override {
    ++event_reads;
    return events;
  }
  int event_reads = 0;

  std::map<std::string, std::string> dialogues;
  std::map<std::string, std::vector<Address>> addresses;
  std::vector<Rating> ratings;
  std::set<std::string> blocked;
  std::vector<Event> events;
};

class CollectingSink final : public ReplySink {
 public:
  void Deliver(const std::string& channel, const std::string& chat, const Reply& reply,
               const std::string& key) override {
    sent.push_back({channel, chat, reply, key});
  }
  struct Sent {
    std::string channel, chat;
    Reply reply;
    std::string key;
  };
  std::vector<Sent> sent;
};

class ConversationServiceTest : public ::testing::Test {
 protected:
  ConversationServiceTest()
      : dir_(FreshTempDir("vikno-conversation")),
        store_((dir_ / "vikno.sqlite").string()),
        files_(dir_, FilesConfig{}),
        messages_(VIKNO_SOURCE_DIR "/config/messages", "uk"),
        appeals_(store_, rules_, clock_) {
    store_.Migrate();
    ImportAddresses(store_, VIKNO_SOURCE_DIR "/rules/sumy/addresses.csv");
    matcher_ = std::make_unique<AddressMatcher>(store_.ListRegistryAddresses("Суми"));
    for (const char* id : {"roads", "water"}) {
      Executor e;
      e.id = id;
      e.name = std::string("Служба ") + id;
      e.phone = "0542 000 000";
      store_.UpsertExecutor(e);
    }
    store_.UpsertCategory(Category{"roads", "", "Дороги", "", ""});
    store_.UpsertCategory(Category{"roads/pothole", "roads", "Яма на дорозі", "roads", "ordinary"});
    service_ = NewService();
  }
  ~ConversationServiceTest() override {
    service_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<ConversationService> NewService() {
    return std::make_unique<ConversationService>(store_, repo_, appeals_, files_, messages_,
                                                 matcher_.get(), clock_, sink_,
                                                 ConversationOptions{"2024-01", 5, "Europe/Kyiv"});
  }
  const Reply& Say(const std::string& text, std::optional<std::string> button = {}) {
    sdk::InboundMessage m;
    m.provider_id = std::to_string(++update_);
    m.chat_id = "chat-1";
    m.sender_id = "chat-1";
    m.text = text;
    m.button = std::move(button);
    service_->Handle("telegram", m);
    return sink_.sent.back().reply;
  }
  const Reply& Press(const std::string& payload) { return Say("", payload); }

  std::filesystem::path dir_;
  TestRules rules_;
  TestClock clock_{At("2026-03-02T09:00:00Z")};
  SqliteStore store_;
  FileStore files_;
  Messages messages_;
  AppealService appeals_;
  std::unique_ptr<AddressMatcher> matcher_;
  MemoryRepository repo_;
  CollectingSink sink_;
  std::unique_ptr<ConversationService> service_;
  int update_ = 100;
};

TEST_F(ConversationServiceTest, FromFirstMessageToAConfirmedAppealAcrossARestart) {
  Say("Привіт");
  auto binding = store_.FindChannelBindingByChat("telegram", "chat-1");
  ASSERT_TRUE(binding);
  auto resident = store_.FindResident(binding->resident_id);
  ASSERT_TRUE(resident);
  EXPECT_FALSE(resident->identity);  // 000 §3.3: no personal data
  EXPECT_FALSE(resident->consent);

  Press("agree");
  resident = store_.FindResident(binding->resident_id);
  ASSERT_TRUE(resident->consent);
  EXPECT_EQ(resident->consent->text_version, "2024-01");

  Say("вул. Соборна 12");
  const Reply& saved = Press("yes");
  EXPECT_EQ(saved.keys.front(), "bot.menu.prompt");
  ASSERT_EQ(repo_.addresses[resident->id].size(), 1u);
  EXPECT_TRUE(repo_.addresses[resident->id][0].registry_id);

  Press("m:report");
  Press("c:roads");
  // The only registered address is used: the description is asked.
  EXPECT_EQ(Press("c:roads/pothole").keys.front(), "bot.report.description");
  // The host restarts here: a new service over the same store continues.
  service_ = NewService();
  EXPECT_EQ(Say("Глибока яма біля зупинки").keys.front(), "bot.report.summary");
  Press("send");
  // R5: the number at once.
  auto page = store_.ListAppeals(AppealQuery{});
  ASSERT_EQ(page.items.size(), 1u);
  const Appeal appeal = page.items[0];
  EXPECT_EQ(appeal.resident_id, resident->id);
  EXPECT_EQ(appeal.channel, "telegram");
  EXPECT_EQ(appeal.category, "roads/pothole");
  EXPECT_EQ(appeal.address.street, "вулиця Соборна");
  bool told = false;
  for (const auto& s : sink_.sent)
    if (s.reply.text.find(appeal.number) != std::string::npos) told = true;
  EXPECT_TRUE(told);
  // Replies carry keys stable per inbound message (for the sender's dedupe).
  EXPECT_EQ(sink_.sent.back().key.rfind("reply:telegram:", 0), 0u);

  // The executor works and sends for confirmation (R18).
  Actor exe{Role::kExecutor, "exe", "", {"roads"}};
  ASSERT_TRUE(appeals_.Transition(appeal.id, {"take_into_work", Role::kExecutor, ""}, exe).ok());
  ASSERT_TRUE(
      appeals_
          .Transition(appeal.id, {"send_for_confirmation", Role::kExecutor, "Засипали яму"}, exe)
          .ok());
  ASSERT_TRUE(service_->AskFixed(appeal.id, "Засипали яму"));
  EXPECT_EQ(sink_.sent.back().reply.keys.front(), "bot.fix.question");
  const Reply& rate = Press("yes");
  EXPECT_EQ(store_.FindAppeal(appeal.id)->status, Status::kCompleted);
  EXPECT_EQ(rate.keys.front(), "bot.rate.score");
  Press("s:5");
  Say("Дякую, швидко");
  ASSERT_EQ(repo_.ratings.size(), 1u);
  EXPECT_EQ(repo_.ratings[0].executor_id, "roads");
  EXPECT_EQ(repo_.ratings[0].score, 5);
  EXPECT_EQ(repo_.ratings[0].appeal_id, std::optional<int64_t>(appeal.id));

  // My appeals shows it with its status.
  const Reply& list = Press("m:appeals");
  EXPECT_NE(list.text.find(appeal.number), std::string::npos);
  EXPECT_NE(list.text.find("Завершена"), std::string::npos);
}

// B13 (blackout-tolerant SMS): a resident who shared their number in
// Telegram (without '+', as Telegram sends it) writes by SMS when the
// internet is down. The SMS chat id is their E.164 phone: the chat is bound to
// them, no new registration or consent, and the appeal carries their saved
// address.
TEST_F(ConversationServiceTest, SmsFromAKnownPhoneReachesItsResidentWithTheirAddress) {
  Say("Привіт");
  Press("agree");
  Say("вул. Соборна 12");
  Press("yes");
  sdk::InboundMessage card;
  card.provider_id = std::to_string(++update_);
  card.chat_id = card.sender_id = "chat-1";
  card.contact = sdk::Contact{"380501234567", "Олена", "chat-1"};
  service_->Handle("telegram", card);
  const auto telegram = store_.FindChannelBindingByChat("telegram", "chat-1");
  ASSERT_TRUE(telegram);
  auto resident = store_.FindResident(telegram->resident_id);
  ASSERT_TRUE(resident && resident->identity);
  EXPECT_EQ(resident->identity->phone, "+380501234567") << "stored as E.164";

  // The keys of every reply one SMS brought.
  auto sms = [&](const std::string& text, std::optional<std::string> button = {}) {
    const size_t before = sink_.sent.size();
    sdk::InboundMessage m;
    m.provider_id = std::to_string(++update_);
    m.chat_id = m.sender_id = "+380501234567";
    m.text = text;
    m.button = std::move(button);
    service_->Handle("sms", m);
    std::vector<std::string> keys;
    for (size_t i = before; i < sink_.sent.size(); ++i) {
      EXPECT_EQ(sink_.sent[i].channel, "sms");
      for (const auto& k : sink_.sent[i].reply.keys) keys.push_back(k);
    }
    return keys;
  };
  const auto first = sms("Доброго дня");
  const auto bound = store_.FindChannelBindingByChat("sms", "+380501234567");
  ASSERT_TRUE(bound);
  EXPECT_EQ(bound->resident_id, resident->id) << "no second registration";
  ASSERT_FALSE(first.empty());
  for (const auto& key : first) EXPECT_NE(key, "privacy.notice") << "consent was given in Telegram";
  EXPECT_EQ(first.back(), "bot.menu.prompt");

  sms("", "m:report");
  sms("", "c:roads");
  sms("", "c:roads/pothole");
  // The address saved in Telegram is the only one: used without a question.
  const auto summary = sms("Яма на перехресті, світла немає");
  ASSERT_FALSE(summary.empty());
  EXPECT_EQ(summary.back(), "bot.report.summary");
  sms("1");  // "1. Надіслати"
  auto page = store_.ListAppeals(AppealQuery{});
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].resident_id, resident->id);
  EXPECT_EQ(page.items[0].channel, "sms");
  EXPECT_EQ(page.items[0].address.street, "вулиця Соборна");
  EXPECT_EQ(page.items[0].address.house, "12");
}

TEST_F(ConversationServiceTest, SmsFromAnUnknownOrSharedPhoneRegistersAnew) {
  // Two residents gave the same number (a family phone): nobody is guessed.
  for (const char* id : {"res-a", "res-b"}) {
    Resident r;
    r.id = id;
    r.created_at = clock_.Now();
    r.identity = Identity{};
    r.identity->phone = "+380671112233";
    store_.CreateResident(r, AuditEntry{0, clock_.Now(), "t", "system", "", "resident", id,
                                        "register", "{}"});
  }
  for (const char* phone : {"+380671112233", "+380509998877"}) {
    const size_t before = sink_.sent.size();
    sdk::InboundMessage m;
    m.provider_id = std::to_string(++update_);
    m.chat_id = m.sender_id = phone;
    m.text = "Привіт";
    service_->Handle("sms", m);
    const auto b = store_.FindChannelBindingByChat("sms", phone);
    ASSERT_TRUE(b) << phone;
    EXPECT_NE(b->resident_id, "res-a") << phone;
    EXPECT_NE(b->resident_id, "res-b") << phone;
    bool asked_consent = false;
    for (size_t i = before; i < sink_.sent.size(); ++i)
      for (const auto& key : sink_.sent[i].reply.keys)
        asked_consent = asked_consent || key == "privacy.notice";
    EXPECT_TRUE(asked_consent) << phone;
  }
}

TEST_F(ConversationServiceTest, CancelAndBlockAndPhotos) {
  Say("Привіт");
  Press("agree");
  Say("Харківська 3");
  Press("yes");
  // Words at the menu: a report; the only address is used; the rules classify.
  Say("Не вивозять сміття третій день");
  EXPECT_EQ(sink_.sent.back().reply.keys.front(), "bot.report.summary");
  sdk::InboundMessage photo;
  photo.provider_id = "p1";
  photo.chat_id = photo.sender_id = "chat-1";
  sdk::Attachment a;
  a.kind = sdk::Attachment::Kind::kPhoto;
  a.content_type = "image/png";
  a.data = std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16) + std::string(100, '\0');
  photo.attachments.push_back(a);
  service_->Handle("telegram", photo);  // sent to the summary: attached, the summary again
  ASSERT_GE(sink_.sent.size(), 2u);
  EXPECT_EQ(sink_.sent[sink_.sent.size() - 2].reply.keys.front(), "bot.report.photo_added");
  EXPECT_EQ(sink_.sent.back().reply.keys.front(), "bot.report.summary");
  Press("send");
  auto items = store_.ListAppeals(AppealQuery{}).items;
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(store_.ListAttachments(items[0].id).size(), 1u);
  Press("m:appeals");
  Press("x:" + std::to_string(items[0].id));
  Press("yes");
  EXPECT_EQ(store_.FindAppeal(items[0].id)->status, Status::kCancelled);

  repo_.blocked.insert(items[0].resident_id);
  const size_t before = sink_.sent.size();
  Say("Привіт");
  ASSERT_EQ(sink_.sent.size(), before + 1);
  EXPECT_EQ(sink_.sent.back().reply.keys.front(), "bot.blocked");
  Say("Привіт ще раз");
  EXPECT_EQ(sink_.sent.size(), before + 1);  // silence
}

// The outages are read when the resident asks for them, not on every step
// of a report (issue 4: a query per update at intake), and shown then.
TEST_F(ConversationServiceTest, OutagesAreReadOnlyWhenAsked) {
  Say("Привіт");
  Press("agree");
  Say("Соборна 12");
  Press("yes");
  Say("Не вивозять сміття третій день");
  Press("send");
  EXPECT_EQ(repo_.event_reads, 0);
  Event e;
  e.kind = EventKind::kEmergency;
  e.reason = "аварія на водогоні";
  e.executor_id = "water";
  e.starts_at = clock_.Now() - std::chrono::hours(1);
  Address building;
  building.street = "вулиця Соборна";
  building.house = "12";
  e.addresses = {building};
  repo_.events = {e};
  // The list, then the menu again: the list is the reply before the last.
  Press("m:outages");
  EXPECT_EQ(repo_.event_reads, 1);
  ASSERT_GE(sink_.sent.size(), 2u);
  const std::string shown = sink_.sent[sink_.sent.size() - 2].reply.text;
  EXPECT_NE(shown.find("аварія на водогоні"), std::string::npos) << shown;
  EXPECT_NE(shown.find("Служба water"), std::string::npos) << shown;
  Press("m:dir");
  const std::string directory = sink_.sent[sink_.sent.size() - 2].reply.text;
  EXPECT_NE(directory.find("Служба roads"), std::string::npos) << directory;
  EXPECT_EQ(repo_.event_reads, 1);
}

TEST(ConversationRender, ButtonsOrNumberedText) {
  Messages m(VIKNO_SOURCE_DIR "/config/messages", "uk");
  Reply r;
  r.text = "Оберіть:";
  r.buttons = {{"Так", "yes", ReplyButton::Kind::kReply}, {"Ні", "no", ReplyButton::Kind::kReply}};
  auto tg = ToOutbound(r, "42", true, m);
  ASSERT_TRUE(tg.keyboard);
  EXPECT_EQ(tg.keyboard->kind, sdk::Keyboard::Kind::kInline);
  EXPECT_EQ(tg.keyboard->rows.size(), 2u);
  EXPECT_EQ(tg.keyboard->rows[1][0].data, "no");
  auto sms = ToOutbound(r, "+380", false, m);
  EXPECT_FALSE(sms.keyboard);
  EXPECT_NE(sms.text.find("1. Так\n2. Ні"), std::string::npos);
  EXPECT_TRUE(ChannelHasButtons("telegram"));
  EXPECT_FALSE(ChannelHasButtons("sms"));
}

}  // namespace
}  // namespace vikno::conversation
