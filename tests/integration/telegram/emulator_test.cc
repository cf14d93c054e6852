// The Telegram plugin (vikno_telegram.so, loaded by the host's PluginLoader)
// against telegram-test-api, a Bot API emulator written by others, started
// here as a child process on loopback. The host is TestHost, a test double.
//
// The emulator's limits (CHANNELS.md §5) shape two cases: it has no getFile,
// so a photo cannot be fetched from it (the fake Bot API covers photos), and
// it never sends the webhook secret header (covered below, both ways).
#include <Poco/JSON/Array.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugins/plugin_loader.h"
#include "telegram_test_support.h"

namespace vikno::telegram::testing {
namespace {

// A reply button (text, callback data).
sdk::Button Btn(std::string text, std::string data) {
  sdk::Button b;
  b.text = std::move(text);
  b.data = std::move(data);
  return b;
}

using ::testing::HasSubstr;
constexpr const char* kToken = "4242:emulated-token";

std::string UserMessage(const std::string& fields) {
  return std::string(R"({"botToken":")") + kToken +
         R"(","from":{"id":42,"first_name":"Іван","last_name":"Петренко","is_bot":false,)"
         R"("language_code":"uk"},"chat":{"id":42,"type":"private"},"date":1790000000,)" +
         fields + "}";
}

class TelegramEmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(emulator_.error(), "") << emulator_.error(); }
  void TearDown() override {
    if (loaded_) {
      host_.RemoveWebhooks();
      loaded_->channel().Stop();
      loaded_.reset();
    }
  }

  sdk::Channel& Load(std::map<std::string, std::string> settings) {
    settings["token"] = kToken;
    settings["api_base_url"] = emulator_.base_url();
    auto loaded = PluginLoader::Load("telegram", VIKNO_TELEGRAM_SO, settings);
    EXPECT_TRUE(loaded.ok()) << loaded.refusal().message;
    loaded_ = std::move(loaded.value());
    return loaded_->channel();
  }

  // The user side of the emulator (its own client API, not Telegram's).
  void UserSends(const std::string& fields) {
    HttpAnswer a = HttpPost(emulator_.port(), "/sendMessage", UserMessage(fields));
    ASSERT_EQ(a.status, 200) << a.body;
  }
  void UserPresses(const std::string& data) {
    std::string body = std::string(R"({"botToken":")") + kToken +
                       R"(","from":{"id":42,"first_name":"Іван","is_bot":false},)"
                       R"("message":{"message_id":1,"chat":{"id":42,"type":"private"},)"
                       R"("text":"Оберіть тему"},"data":")" +
                       data + R"("})";
    HttpAnswer a = HttpPost(emulator_.port(), "/sendCallback", body);
    ASSERT_EQ(a.status, 200) << a.body;
  }
  // What the bot sent to chat 42 since the last look, as the emulator stored it.
  Poco::JSON::Array::Ptr BotReplies() {
    HttpAnswer a = HttpPost(emulator_.port(), "/getUpdates",
                            std::string(R"({"token":")") + kToken + R"(","chatId":42})");
    EXPECT_EQ(a.status, 200) << a.body;
    return ParseObject(a.body)->getArray("result");
  }

  Emulator emulator_;
  TestHost host_;
  std::unique_ptr<LoadedChannel> loaded_;
};

TEST_F(TelegramEmulatorTest, PollingDeliversTextContactLocationAndButtonPresses) {
  sdk::Channel& channel =
      Load({{"mode", "polling"}, {"poll_timeout_s", "0"}, {"poll_interval_ms", "50"}});
  ASSERT_TRUE(channel.Start(host_).ok) << host_.lines().Joined();
  EXPECT_TRUE(host_.lines().Contains("connected as bot @TestNameBot")) << host_.lines().Joined();

  UserSends(R"("text":"Не горить ліхтар на вул. Соборній")");
  ASSERT_TRUE(WaitFor([&] { return host_.delivered_count() == 1; })) << host_.lines().Joined();
  UserSends(R"("contact":{"phone_number":"+380501234567","first_name":"Іван","user_id":42})");
  ASSERT_TRUE(WaitFor([&] { return host_.delivered_count() == 2; })) << host_.lines().Joined();
  UserSends(R"("location":{"latitude":50.9077,"longitude":34.7981})");
  ASSERT_TRUE(WaitFor([&] { return host_.delivered_count() == 3; })) << host_.lines().Joined();
  UserPresses("topic:light");
  ASSERT_TRUE(WaitFor([&] { return host_.delivered_count() == 4; })) << host_.lines().Joined();

  auto got = host_.delivered();
  EXPECT_EQ(got[0].text, "Не горить ліхтар на вул. Соборній");
  EXPECT_EQ(got[0].chat_id, "42");
  EXPECT_EQ(got[0].sender_id, "42");
  EXPECT_EQ(got[0].sender_name, "Іван Петренко");
  EXPECT_EQ(got[0].language, "uk");
  EXPECT_EQ(got[0].sent_at,
            std::chrono::system_clock::time_point(std::chrono::seconds(1790000000)));
  ASSERT_TRUE(got[1].contact.has_value());
  EXPECT_EQ(got[1].contact->phone, "+380501234567");
  EXPECT_EQ(got[1].contact->user_id, "42");
  ASSERT_TRUE(got[2].location.has_value());
  EXPECT_DOUBLE_EQ(got[2].location->latitude, 50.9077);
  EXPECT_DOUBLE_EQ(got[2].location->longitude, 34.7981);
  ASSERT_TRUE(got[3].button.has_value());
  EXPECT_EQ(*got[3].button, "topic:light");
  EXPECT_EQ(got[3].chat_id, "42");
  EXPECT_TRUE(got[3].text.empty());
  // Provider ids are the update_ids, distinct, for the host's de-duplication.
  EXPECT_NE(got[0].provider_id, got[1].provider_id);
  EXPECT_NE(got[2].provider_id, got[3].provider_id);
}

TEST_F(TelegramEmulatorTest, PhotoIsNotDeliveredWithoutItsBytesWhenGetFileFails) {
  // The emulator answers getFile with HTTP 500 ("not supported"); the plugin
  // takes a 5xx as "try again" and must not deliver a photo it could not
  // fetch. The fake Bot API test covers the successful download.
  sdk::Channel& channel =
      Load({{"poll_timeout_s", "0"}, {"poll_interval_ms", "50"}, {"retry_backoff_s", "1"}});
  ASSERT_TRUE(channel.Start(host_).ok);
  UserSends(R"("photo":[{"file_id":"small","file_unique_id":"s","width":90,"height":90,)"
            R"("file_size":1000},{"file_id":"big","file_unique_id":"b","width":1280,)"
            R"("height":960,"file_size":90000}],"caption":"Яма на дорозі")");
  ASSERT_TRUE(WaitFor([&] { return host_.lines().Contains("getFile: HTTP 500"); }))
      << host_.lines().Joined();
  EXPECT_EQ(host_.delivered_count(), 0u);
}

TEST_F(TelegramEmulatorTest, BotRepliesCarryInlineAndReplyKeyboards) {
  sdk::Channel& channel = Load({{"poll_timeout_s", "0"}, {"poll_interval_ms", "50"}});
  ASSERT_TRUE(channel.Start(host_).ok);

  sdk::OutboundMessage m;
  m.id = "out-1";
  m.chat_id = "42";
  m.text = "Оберіть тему звернення";
  m.keyboard = sdk::Keyboard{};
  m.keyboard->rows = {{Btn("ЖКГ", "topic:zhkh"), Btn("Дороги", "topic:roads")}};
  sdk::SendResult sent = channel.Send(m);
  ASSERT_EQ(sent.outcome, sdk::SendResult::Outcome::kSent) << sent.reason;
  EXPECT_FALSE(sent.provider_message_id.empty());

  sdk::OutboundMessage ask;
  ask.chat_id = "42";
  ask.text = "Поділіться номером або місцем";
  ask.keyboard = sdk::Keyboard{sdk::Keyboard::Kind::kReply, {}, true};
  sdk::Button phone{"Мій номер", "", sdk::Button::Action::kRequestContact, ""};
  sdk::Button where{"Де я", "", sdk::Button::Action::kRequestLocation, ""};
  ask.keyboard->rows = {{phone, where}};
  ASSERT_EQ(channel.Send(ask).outcome, sdk::SendResult::Outcome::kSent);

  sdk::OutboundMessage remove;
  remove.chat_id = "42";
  remove.text = "Дякуємо";
  remove.keyboard = sdk::Keyboard{sdk::Keyboard::Kind::kRemove, {}, false};
  ASSERT_EQ(channel.Send(remove).outcome, sdk::SendResult::Outcome::kSent);

  auto replies = BotReplies();
  ASSERT_EQ(replies->size(), 3u);
  auto first = replies->getObject(0)->getObject("message");
  EXPECT_EQ(first->getValue<std::string>("text"), "Оберіть тему звернення");
  auto inline_kb = first->getObject("reply_markup")->getArray("inline_keyboard");
  ASSERT_EQ(inline_kb->getArray(0)->size(), 2u);
  EXPECT_EQ(inline_kb->getArray(0)->getObject(0)->getValue<std::string>("text"), "ЖКГ");
  EXPECT_EQ(inline_kb->getArray(0)->getObject(0)->getValue<std::string>("callback_data"),
            "topic:zhkh");
  auto second = replies->getObject(1)->getObject("message")->getObject("reply_markup");
  auto row = second->getArray("keyboard")->getArray(0);
  EXPECT_TRUE(row->getObject(0)->getValue<bool>("request_contact"));
  EXPECT_TRUE(row->getObject(1)->getValue<bool>("request_location"));
  EXPECT_TRUE(second->getValue<bool>("one_time_keyboard"));
  auto third = replies->getObject(2)->getObject("message")->getObject("reply_markup");
  EXPECT_TRUE(third->getValue<bool>("remove_keyboard"));
}

TEST_F(TelegramEmulatorTest, LongTextGoesOutInPartsWithTheKeyboardOnTheLast) {
  sdk::Channel& channel = Load({{"poll_timeout_s", "0"}});
  ASSERT_TRUE(channel.Start(host_).ok);
  std::string text;
  for (int i = 0; i < 300; ++i) text += "Рядок номер " + std::to_string(i) + ".\n";  // ~5000 chars
  sdk::OutboundMessage m;
  m.chat_id = "42";
  m.text = text;
  m.keyboard = sdk::Keyboard{};
  m.keyboard->rows = {{Btn("Так", "yes")}};
  ASSERT_EQ(channel.Send(m).outcome, sdk::SendResult::Outcome::kSent);
  auto replies = BotReplies();
  ASSERT_EQ(replies->size(), 2u);
  auto a = replies->getObject(0)->getObject("message");
  auto b = replies->getObject(1)->getObject("message");
  EXPECT_FALSE(a->has("reply_markup"));
  EXPECT_TRUE(b->has("reply_markup"));
  // Cut at a line end, nothing lost.
  EXPECT_EQ(a->getValue<std::string>("text") + "\n" + b->getValue<std::string>("text"), text);
}

TEST_F(TelegramEmulatorTest, WebhookModeRefusesTheEmulatorsUnsignedPostsAndDeliversSignedOnes) {
  sdk::Channel& channel = Load({{"mode", "webhook"}, {"webhook_secret", "s3cret_Token-1"}});
  ASSERT_TRUE(channel.Start(host_).ok) << host_.lines().Joined();
  EXPECT_TRUE(host_.lines().Contains("webhook set to " + host_.WebhookUrl("update")));

  // The emulator does not send X-Telegram-Bot-Api-Secret-Token: refused.
  UserSends(R"("text":"без підпису")");
  ASSERT_TRUE(WaitFor([&] { return host_.lines().Contains("no secret token"); }))
      << host_.lines().Joined();
  EXPECT_EQ(host_.delivered_count(), 0u);

  // With the header Telegram would send, the same path delivers.
  host_.set_add_secret_header("s3cret_Token-1");
  UserSends(R"("text":"Сміття не вивезли")");
  ASSERT_TRUE(WaitFor([&] { return host_.delivered_count() == 1; })) << host_.lines().Joined();
  UserPresses("topic:waste");
  ASSERT_TRUE(WaitFor([&] { return host_.delivered_count() == 2; })) << host_.lines().Joined();
  auto got = host_.delivered();
  EXPECT_EQ(got[0].text, "Сміття не вивезли");
  EXPECT_EQ(*got[1].button, "topic:waste");

  // A wrong secret is refused as well.
  host_.set_add_secret_header("");
  HttpAnswer wrong = HttpPost(host_.port(), "/hooks/telegram/update",
                              R"({"update_id":99,"message":{"message_id":1,"chat":{"id":42,)"
                              R"("type":"private"},"date":1,"text":"x"}})",
                              {{"X-Telegram-Bot-Api-Secret-Token", "s3cret_Token-2"}});
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(host_.delivered_count(), 2u);
}

}  // namespace
}  // namespace vikno::telegram::testing
