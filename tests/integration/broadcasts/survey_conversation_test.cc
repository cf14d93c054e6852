// A survey answered the way a resident answers it (R25): the real
// ConversationService on a SQLite store registers the resident and their
// Telegram binding from their first message; the administrator's survey is
// fanned out to that binding with one button per option; the resident's
// press comes back through the conversation's button hook, is counted once,
// and leaves the resident's dialogue where it was.
#include <gtest/gtest.h>

#include <map>

#include "broadcasts/broadcast_service.h"
#include "conversation/conversation_service.h"
#include "outbox/payload.h"
#include "unit/workflow/workflow_fixture.h"

namespace vikno::testing {
namespace {

using conversation::ConversationRepository;
using conversation::ConversationService;
using conversation::Reply;
using conversation::ReplySink;

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
  std::vector<Address> ListResidentAddresses(const std::string&) override { return {}; }
  void AddResidentAddress(const std::string&, const Address&, Timestamp) override {}
  void AddRating(const Rating&) override {}
  // As the host asks the store (host/commands.cc), here set by the test.
  bool IsResidentBlocked(const std::string&) override { return blocked; }
  std::vector<Event> ListActiveEventsAt(const std::vector<Address>&, Timestamp) override {
    return {};
  }
  std::map<std::string, std::string> dialogues;
  bool blocked = false;
};

class CollectingSink final : public ReplySink {
 public:
  void Deliver(const std::string&, const std::string&, const Reply& reply,
               const std::string& key) override {
    replies.push_back(reply);
    keys.push_back(key);
  }
  std::vector<Reply> replies;
  std::vector<std::string> keys;
};

class SurveyConversationTest : public ::testing::Test {
 protected:
  SurveyConversationTest()
      : dir_(FreshTempDir("vikno-survey")),
        store_((dir_ / "vikno.sqlite").string()),
        files_(dir_, FilesConfig{}),
        messages_(VIKNO_SOURCE_DIR "/config/messages", "uk"),
        appeals_(store_, rules_, clock_),
        broadcasts_(store_, messages_, clock_, broadcasts::ServiceOptions{}) {
    store_.Migrate();
    conversation_ = std::make_unique<ConversationService>(
        store_, repo_, appeals_, files_, messages_, nullptr, clock_, sink_,
        conversation::ConversationOptions{"2024-01", 5, "Europe/Kyiv"});
    conversation_->SetButtonHandler(
        "survey:", [this](const std::string& channel, const std::string& resident_id,
                          const std::string& data) {
          return broadcasts_.AnswerButton(channel, resident_id, data);
        });
  }
  ~SurveyConversationTest() override {
    conversation_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  const Reply& Say(const std::string& text, std::optional<std::string> button = {}) {
    sdk::InboundMessage m;
    m.provider_id = std::to_string(++update_);
    m.chat_id = "chat-7";
    m.sender_id = "chat-7";
    m.text = text;
    m.button = std::move(button);
    conversation_->Handle("telegram", m);
    return sink_.replies.back();
  }

  std::filesystem::path dir_;
  TestRules rules_;
  TestClock clock_{At("2026-03-02T09:00:00Z")};
  SqliteStore store_;
  FileStore files_;
  Messages messages_;
  AppealService appeals_;
  broadcasts::BroadcastService broadcasts_;
  MemoryRepository repo_;
  CollectingSink sink_;
  std::unique_ptr<ConversationService> conversation_;
  int update_ = 500;
};

TEST_F(SurveyConversationTest, ButtonPressIsCountedOnceAndTheDialogueStaysWhereItWas) {
  Say("Добрий день");  // registers the resident and their binding
  auto binding = store_.FindChannelBindingByChat("telegram", "chat-7");
  ASSERT_TRUE(binding);
  const std::string dialogue_before = repo_.dialogues.at("telegram/chat-7");

  Actor admin{Role::kAdministrator, "admin", "127.0.0.1", {}};
  auto survey = broadcasts_.CreateSurvey(
      admin, broadcasts::NewSurvey{"Чи чисто у вашому дворі?", {"Так", "Ні"}, Audience{}});
  ASSERT_TRUE(survey.ok()) << survey.refusal().code;
  const int64_t id = survey->survey.id;
  EXPECT_EQ(survey->survey.recipients, 1);

  // What the resident receives: the question with a button per option.
  auto row = store_.FindOutboxByKey(SurveyRecipientKey(id, "telegram", binding->resident_id));
  ASSERT_TRUE(row);
  auto sent = ParseOutboundPayload(row->payload_json);
  ASSERT_TRUE(sent);
  EXPECT_NE(sent->text.find("Чи чисто у вашому дворі?"), std::string::npos);
  ASSERT_TRUE(sent->keyboard);
  ASSERT_EQ(sent->keyboard->rows.size(), 2u);
  EXPECT_EQ(sent->keyboard->rows[1][0].text, "Ні");
  const std::string no = sent->keyboard->rows[1][0].data;
  const std::string yes = sent->keyboard->rows[0][0].data;

  EXPECT_EQ(Say("", no).text, messages_.Get("broadcasts.survey_thanks"));
  EXPECT_EQ(sink_.keys.back(), "reply:telegram:" + std::to_string(update_) + ":0");
  EXPECT_EQ(Say("", yes).text, messages_.Get("broadcasts.survey_already"));
  EXPECT_EQ(store_.SurveyResults(id), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(repo_.dialogues.at("telegram/chat-7"), dialogue_before);

  // A press of a survey that was never sent to them is refused politely.
  EXPECT_EQ(Say("", broadcasts::SurveyButtonData(id + 40, 0)).text,
            messages_.Get("broadcasts.survey_closed"));
}

TEST_F(SurveyConversationTest, BlockedResidentsPressIsNotCountedAndGetsOnlyTheOneRefusal) {
  // R30: a resident blocked after the survey reached them.
  Say("Добрий день");
  auto binding = store_.FindChannelBindingByChat("telegram", "chat-7");
  ASSERT_TRUE(binding);
  Actor admin{Role::kAdministrator, "admin", "127.0.0.1", {}};
  auto survey = broadcasts_.CreateSurvey(
      admin, broadcasts::NewSurvey{"Чи чисто у вашому дворі?", {"Так", "Ні"}, Audience{}});
  ASSERT_TRUE(survey.ok()) << survey.refusal().code;
  const int64_t id = survey->survey.id;
  ASSERT_EQ(survey->survey.recipients, 1);
  ASSERT_TRUE(store_
                  .BlockResident(ResidentBlock{binding->resident_id, "telegram", "образи",
                                               "керівник", "admin", clock_.Now()},
                                 AuditEntry{0, clock_.Now(), "admin", "administrator", "",
                                            "resident", binding->resident_id, "block", "{}"})
                  .ok());
  repo_.blocked = true;

  EXPECT_EQ(Say("", broadcasts::SurveyButtonData(id, 0)).text, messages_.Get("bot.blocked"));
  const size_t replies = sink_.replies.size();
  Say("", broadcasts::SurveyButtonData(id, 1));
  EXPECT_EQ(sink_.replies.size(), replies) << "one refusal, then silence";
  EXPECT_EQ(store_.SurveyResults(id), (std::vector<int64_t>{0, 0}));
  // And the next survey does not go to them at all.
  auto next = broadcasts_.CreateSurvey(
      admin, broadcasts::NewSurvey{"Чи працює освітлення?", {"Так", "Ні"}, Audience{}});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->survey.recipients, 0);
}

}  // namespace
}  // namespace vikno::testing
