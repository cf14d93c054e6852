// The Telegram plugin (vikno_telegram.so via PluginLoader) against
// FakeBotApi, a fake written for these tests (fake_bot_api.h), for what the
// telegram-test-api emulator cannot do: the webhook secret header, 429 with
// retry_after, getFile downloads, offset confirmation, error bodies.
#include <gmock/gmock.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "fake_bot_api.h"
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

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Outcome = sdk::SendResult::Outcome;

constexpr const char* kToken = "777:fake-token";
constexpr const char* kSecret = "Hook_secret-42";

std::string TextUpdate(int64_t id, const std::string& text, int64_t chat = 42) {
  return R"({"update_id":)" + std::to_string(id) + R"(,"message":{"message_id":)" +
         std::to_string(id) + R"(,"from":{"id":)" + std::to_string(chat) +
         R"(,"is_bot":false,"first_name":"Олена"},"chat":{"id":)" + std::to_string(chat) +
         R"(,"type":"private"},"date":1790000000,"text":")" + text + R"("}})";
}

class TelegramFakeApiTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (loaded_) {
      host_.RemoveWebhooks();
      loaded_->channel().Stop();
      loaded_.reset();
    }
  }
  sdk::Channel& Load(std::map<std::string, std::string> settings) {
    settings["token"] = kToken;
    if (!settings.count("api_base_url")) settings["api_base_url"] = api_.base_url();
    auto loaded = PluginLoader::Load("telegram", VIKNO_TELEGRAM_SO, settings);
    EXPECT_TRUE(loaded.ok()) << loaded.refusal().message;
    loaded_ = std::move(loaded.value());
    return loaded_->channel();
  }
  sdk::Channel& StartWebhook() {
    sdk::Channel& channel = Load({{"mode", "webhook"}, {"webhook_secret", kSecret}});
    EXPECT_TRUE(channel.Start(host_).ok) << host_.lines().Joined();
    return channel;
  }
  HttpAnswer Post(const std::string& body, std::map<std::string, std::string> headers = {
                                               {"X-Telegram-Bot-Api-Secret-Token", kSecret}}) {
    return HttpPost(host_.port(), "/hooks/telegram/update", body, headers);
  }

  FakeBotApi api_{kToken};
  TestHost host_;
  std::unique_ptr<LoadedChannel> loaded_;
};

TEST_F(TelegramFakeApiTest, StartSetsTheWebhookWithTheSecretAndAllowedUpdates) {
  StartWebhook();
  auto calls = api_.calls("setWebhook");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].params->getValue<std::string>("url"), host_.WebhookUrl("update"));
  EXPECT_EQ(calls[0].params->getValue<std::string>("secret_token"), kSecret);
  EXPECT_EQ(calls[0].params->getValue<int>("max_connections"), 8)
      << "Telegram's default of 40 connections would hold every HTTP thread of the host";
  auto allowed = calls[0].params->getArray("allowed_updates");
  ASSERT_EQ(allowed->size(), 2u);
  EXPECT_EQ(allowed->getElement<std::string>(0), "message");
  EXPECT_EQ(allowed->getElement<std::string>(1), "callback_query");
}

TEST_F(TelegramFakeApiTest, WrongOrMissingSecretIsForbiddenWithoutSideEffects) {
  StartWebhook();
  EXPECT_EQ(
      Post(TextUpdate(1, "x"), {{"X-Telegram-Bot-Api-Secret-Token", "Hook_secret-43"}}).status,
      403);
  EXPECT_EQ(Post(TextUpdate(1, "x"), {{"X-Telegram-Bot-Api-Secret-Token", "Hook_secret-4"}}).status,
            403);
  EXPECT_EQ(Post(TextUpdate(1, "x"), {}).status, 403);
  // Refused before parsing: not even a malformed body gets a 400.
  EXPECT_EQ(Post("{not json", {}).status, 403);
  EXPECT_EQ(host_.delivered_count(), 0u);
  EXPECT_TRUE(host_.lines().Contains("refused: wrong secret token"));
  EXPECT_TRUE(host_.lines().Contains("refused: no secret token"));
  // The refused update 1 was not remembered as handled: it is still new.
  EXPECT_EQ(Post(TextUpdate(1, "x")).status, 200);
  EXPECT_EQ(host_.delivered_count(), 1u);
}

TEST_F(TelegramFakeApiTest, MalformedUpdatesAre400AndLogged) {
  StartWebhook();
  HttpAnswer a = Post("{\"update_id\": 5, \"message\": ");
  EXPECT_EQ(a.status, 400);
  EXPECT_THAT(a.body, HasSubstr("not JSON"));
  EXPECT_EQ(Post("[1,2]").status, 400);
  EXPECT_EQ(Post(R"({"message":{"chat":{"id":1},"text":"no update_id"}})").status, 400);
  EXPECT_EQ(Post(R"({"update_id":6,"message":{"text":"no chat"}})").status, 400);
  EXPECT_EQ(Post(R"({"update_id":7,"message":{"chat":{"id":1},"location":)"
                 R"({"latitude":123.0,"longitude":10}}})")
                .status,
            400);
  EXPECT_EQ(host_.delivered_count(), 0u);
  EXPECT_TRUE(host_.lines().Contains("malformed webhook update refused: body is not JSON"));
  EXPECT_TRUE(host_.lines().Contains("location is out of range"));
}

TEST_F(TelegramFakeApiTest, ReplayedUpdateIdIsIgnoredButASmallerNewIdIsNot) {
  StartWebhook();
  EXPECT_EQ(Post(TextUpdate(500, "перше")).status, 200);
  EXPECT_EQ(Post(TextUpdate(500, "перше")).status, 200);  // Telegram re-sent it
  EXPECT_EQ(host_.delivered_count(), 1u);
  EXPECT_TRUE(host_.lines().Contains("update 500 was handled before (a replay): ignored"));
  // After a quiet week Telegram's ids restart from a random number: a
  // smaller id is a new update, not a replay.
  EXPECT_EQ(Post(TextUpdate(7, "після перерви")).status, 200);
  ASSERT_EQ(host_.delivered_count(), 2u);
  EXPECT_EQ(host_.delivered()[1].text, "після перерви");
  EXPECT_EQ(host_.delivered()[1].provider_id, "7");
}

TEST_F(TelegramFakeApiTest, UpdateTheHostRefusedIsAnsweredWith503AndTakenWhenResent) {
  StartWebhook();
  host_.set_refuse(true);
  EXPECT_EQ(Post(TextUpdate(9, "черга повна")).status, 503);
  host_.set_refuse(false);
  EXPECT_EQ(Post(TextUpdate(9, "черга повна")).status, 200);
  EXPECT_EQ(host_.delivered_count(), 1u);
}

// The press is answered in the webhook's own response (the Bot API performs
// the method it names), not by a second request from the webhook thread.
TEST_F(TelegramFakeApiTest, WebhookCallbackIsDeliveredAndAnsweredInTheResponse) {
  StartWebhook();
  const HttpAnswer a =
      Post(R"({"update_id":20,"callback_query":{"id":"cbq-1","from":{"id":42,)"
           R"("first_name":"Олена","is_bot":false},"chat_instance":"1",)"
           R"("message":{"message_id":3,"chat":{"id":-1001234567890,"type":"supergroup"},)"
           R"("date":1},"data":"topic:zhkh"}})");
  ASSERT_EQ(a.status, 200) << a.body;
  ASSERT_EQ(host_.delivered_count(), 1u);
  EXPECT_EQ(*host_.delivered()[0].button, "topic:zhkh");
  EXPECT_EQ(host_.delivered()[0].chat_id, "-1001234567890");  // beyond 32 bits
  EXPECT_EQ(host_.delivered()[0].sender_id, "42");
  EXPECT_EQ(a.content_type.rfind("application/json", 0), 0u) << a.content_type;
  auto answer = Poco::JSON::Parser().parse(a.body).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(answer->getValue<std::string>("method"), "answerCallbackQuery");
  EXPECT_EQ(answer->getValue<std::string>("callback_query_id"), "cbq-1");
  EXPECT_TRUE(api_.calls("answerCallbackQuery").empty());
  // A press the host could not take yet is not answered (503: Telegram
  // sends it again, and that delivery is answered).
  host_.set_refuse(true);
  const HttpAnswer refused =
      Post(R"({"update_id":21,"callback_query":{"id":"cbq-2","from":{"id":42,)"
           R"("first_name":"Олена","is_bot":false},"chat_instance":"1",)"
           R"("message":{"message_id":3,"chat":{"id":42,"type":"private"},)"
           R"("date":1},"data":"yes"}})");
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.body.find("answerCallbackQuery"), std::string::npos);
  // A plain message is answered with a plain "ok": nothing to perform.
  host_.set_refuse(false);
  const HttpAnswer text = Post(TextUpdate(22, "Привіт"));
  EXPECT_EQ(text.status, 200);
  EXPECT_EQ(text.body.find("method"), std::string::npos);
}

TEST_F(TelegramFakeApiTest, PollingConfirmsWithOffsetAndFetchesTheLargestPhoto) {
  api_.AddFile("big", "photos/file_7.jpg", std::string("\xFF\xD8\xFF\xE0 big jpeg", 13));
  api_.AddFile("small", "photos/file_6.jpg", "small jpeg");
  api_.QueueUpdate(TextUpdate(10, "Привіт"));
  api_.QueueUpdate(R"({"update_id":11,"message":{"message_id":11,"from":{"id":42,"is_bot":false,)"
                   R"("first_name":"Олена"},"chat":{"id":42,"type":"private"},"date":1790000000,)"
                   R"("caption":"Яма","photo":[{"file_id":"small","file_unique_id":"s",)"
                   R"("width":90,"height":67,"file_size":10},{"file_id":"big",)"
                   R"("file_unique_id":"b","width":1280,"height":960,"file_size":13}]}})");
  api_.QueueUpdate(R"({"update_id":12,"callback_query":{"id":"cb-12","from":{"id":42,)"
                   R"("is_bot":false,"first_name":"Олена"},"chat_instance":"1","data":"yes"}})");
  sdk::Channel& channel = Load({{"poll_timeout_s", "0"}, {"poll_interval_ms", "20"}});
  ASSERT_TRUE(channel.Start(host_).ok);
  ASSERT_TRUE(WaitFor([&] { return host_.delivered_count() == 3 && api_.queued() == 0; }))
      << host_.lines().Joined();

  // The first poll has no offset; the next confirms everything up to 12.
  auto offsets = api_.offsets();
  ASSERT_GE(offsets.size(), 2u);
  EXPECT_EQ(offsets[0], -1);
  EXPECT_EQ(offsets[1], 13);
  EXPECT_EQ(api_.calls("deleteWebhook").size(), 1u);  // getUpdates is 409 while a webhook is set

  auto got = host_.delivered();
  EXPECT_EQ(got[0].text, "Привіт");
  EXPECT_EQ(got[1].text, "Яма");
  ASSERT_EQ(got[1].attachments.size(), 1u);
  const sdk::Attachment& photo = got[1].attachments[0];
  EXPECT_EQ(photo.kind, sdk::Attachment::Kind::kPhoto);
  EXPECT_EQ(photo.data, std::string("\xFF\xD8\xFF\xE0 big jpeg", 13));
  EXPECT_EQ(photo.provider_ref, "big");
  EXPECT_EQ(photo.file_name, "file_7.jpg");
  EXPECT_EQ(photo.content_type, "image/jpeg");
  EXPECT_EQ(*got[2].button, "yes");
  EXPECT_EQ(got[2].chat_id, "42");  // no message: the presser's private chat
  EXPECT_EQ(api_.calls("answerCallbackQuery").size(), 1u);
}

TEST_F(TelegramFakeApiTest, PollingDoesNotConfirmAnUpdateWhosePhotoCouldNotBeFetchedYet) {
  api_.AddFile("p", "photos/file_1.jpg", "jpeg bytes");
  api_.FailNext("getFile", 1, 502, "<html>Bad Gateway</html>");
  api_.QueueUpdate(R"({"update_id":30,"message":{"message_id":1,"chat":{"id":42,)"
                   R"("type":"private"},"date":1790000000,"photo":[{"file_id":"p",)"
                   R"("file_unique_id":"p","width":10,"height":10}]}})");
  sdk::Channel& channel =
      Load({{"poll_timeout_s", "0"}, {"poll_interval_ms", "20"}, {"retry_backoff_s", "1"}});
  ASSERT_TRUE(channel.Start(host_).ok);
  ASSERT_TRUE(WaitFor([&] { return host_.delivered_count() == 1; })) << host_.lines().Joined();
  EXPECT_TRUE(host_.lines().Contains("update 30 not delivered yet: getFile: HTTP 502"));
  EXPECT_EQ(host_.delivered()[0].attachments.at(0).data, "jpeg bytes");
  // Polled again without confirming 30 (no offset yet), then confirmed it.
  auto offsets = api_.offsets();
  ASSERT_GE(offsets.size(), 2u);
  EXPECT_EQ(offsets[0], -1);
  EXPECT_EQ(offsets[1], -1);
  ASSERT_TRUE(WaitFor([&] { return api_.offsets().size() >= 3; }));
  EXPECT_EQ(api_.offsets()[2], 31);
}

TEST_F(TelegramFakeApiTest, PollingSkipsAndConfirmsAMalformedUpdateAndIgnoresAReplay) {
  api_.QueueUpdate(R"({"update_id":40,"message":{"message_id":1,"text":"no chat"}})");
  api_.QueueUpdate(TextUpdate(41, "добре"));
  api_.QueueUpdate(TextUpdate(41, "добре"));  // the same update twice in one batch
  sdk::Channel& channel = Load({{"poll_timeout_s", "0"}, {"poll_interval_ms", "20"}});
  ASSERT_TRUE(channel.Start(host_).ok);
  ASSERT_TRUE(WaitFor([&] { return api_.offsets().size() >= 2; }));
  ASSERT_TRUE(WaitFor([&] { return host_.delivered_count() == 1; }));
  EXPECT_EQ(api_.offsets()[1], 42);
  EXPECT_TRUE(host_.lines().Contains("malformed update 40 skipped: message has no chat"));
  EXPECT_TRUE(host_.lines().Contains("update 41 was handled before"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(host_.delivered_count(), 1u);
}

TEST_F(TelegramFakeApiTest, TooManyRequestsIsARetryAfterTheProvidersDelay) {
  sdk::Channel& channel = StartWebhook();
  api_.FailNext("sendMessage", 1, 429,
                R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7",)"
                R"("parameters":{"retry_after":7}})");
  sdk::SendResult r = channel.Send({"o1", "42", "Ваше звернення прийнято", {}, {}});
  EXPECT_EQ(r.outcome, Outcome::kRetry);
  EXPECT_EQ(r.retry_after, std::chrono::seconds(7));
  EXPECT_THAT(r.reason, HasSubstr("Too Many Requests"));
  r = channel.Send({"o1", "42", "Ваше звернення прийнято", {}, {}});
  EXPECT_EQ(r.outcome, Outcome::kSent);
  EXPECT_EQ(r.provider_message_id, "101");  // the fake numbers from 101; the 429 used none
}

TEST_F(TelegramFakeApiTest, BlockedByTheUserIsPermanentServerErrorsAndSilenceAreRetried) {
  sdk::Channel& channel = StartWebhook();
  api_.BlockChat(666);
  sdk::SendResult blocked = channel.Send({"o2", "666", "Відповідь", {}, {}});
  EXPECT_EQ(blocked.outcome, Outcome::kFailed);
  EXPECT_THAT(blocked.reason, HasSubstr("bot was blocked by the user"));

  api_.FailNext("sendMessage", 1, 500, R"({"ok":false,"error_code":500,"description":"Internal"})");
  EXPECT_EQ(channel.Send({"o3", "42", "x", {}, {}}).outcome, Outcome::kRetry);

  // No Bot API at all: a network failure is transient too.
  TestHost other;
  auto loaded = PluginLoader::Load(
      "telegram", VIKNO_TELEGRAM_SO,
      {{"token", kToken}, {"api_base_url", "http://127.0.0.1:9"}, {"request_timeout_s", "2"}});
  ASSERT_TRUE(loaded.ok());
  sdk::Channel& offline = loaded.value()->channel();
  ASSERT_TRUE(offline.Start(other).ok);  // starts and keeps trying
  sdk::SendResult r = offline.Send({"o4", "42", "x", {}, {}});
  EXPECT_EQ(r.outcome, Outcome::kRetry);
  EXPECT_THAT(r.reason, HasSubstr("no answer from the Bot API"));
  offline.Stop();
}

TEST_F(TelegramFakeApiTest, ARetriedMultiPartSendResumesAfterThePartsAlreadySent) {
  sdk::Channel& channel = StartWebhook();
  const std::string a(4000, 'a'), b(4000, 'b'), c(100, 'c');
  // Three parts; the second fails once with a 502 from a proxy.
  api_.FailNext("sendMessage", 1, 502, "<html>Bad Gateway</html>", /*skip=*/1);
  sdk::OutboundMessage m{"long-1", "42", a + "\n" + b + "\n" + c, {}, {}};
  sdk::SendResult r = channel.Send(m);
  EXPECT_EQ(r.outcome, Outcome::kRetry);
  EXPECT_THAT(r.reason, HasSubstr("HTTP 502"));
  r = channel.Send(m);  // the outbox retries the same message id
  ASSERT_EQ(r.outcome, Outcome::kSent) << r.reason;
  auto calls = api_.calls("sendMessage");
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].params->getValue<std::string>("text"), a);
  EXPECT_EQ(calls[1].params->getValue<std::string>("text"), b);  // failed
  EXPECT_EQ(calls[2].params->getValue<std::string>("text"), b);  // resumed here, not at a
  EXPECT_EQ(calls[3].params->getValue<std::string>("text"), c);
}

TEST_F(TelegramFakeApiTest, CallbackDataOver64BytesIsRefusedBeforeAnyRequest) {
  sdk::Channel& channel = StartWebhook();
  sdk::OutboundMessage m{"o5", "42", "Оберіть", sdk::Keyboard{}, {}};
  m.keyboard->rows = {{Btn("Довга", std::string(65, 'x'))}};
  sdk::SendResult r = channel.Send(m);
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_THAT(r.reason, HasSubstr("65 bytes"));
  EXPECT_TRUE(api_.calls("sendMessage").empty());
}

TEST_F(TelegramFakeApiTest, OutboundPhotoIsUploadedAsMultipartWithTheKeyboard) {
  sdk::Channel& channel = StartWebhook();
  sdk::OutboundMessage m{"o6", "42", "Роботи виконано", sdk::Keyboard{}, {}};
  m.keyboard->rows = {{Btn("Оцінити", "rate:5")}};
  sdk::Attachment photo;
  photo.kind = sdk::Attachment::Kind::kPhoto;
  photo.file_name = "done.jpg";
  photo.content_type = "image/jpeg";
  photo.data = std::string("\xFF\xD8\xFF\x00\x01 jpeg", 10);
  m.attachments.push_back(photo);
  sdk::SendResult r = channel.Send(m);
  ASSERT_EQ(r.outcome, Outcome::kSent) << r.reason;
  auto texts = api_.calls("sendMessage");
  auto photos = api_.calls("sendPhoto");
  ASSERT_EQ(texts.size(), 1u);
  ASSERT_EQ(photos.size(), 1u);
  EXPECT_FALSE(texts[0].params->has("reply_markup"));
  EXPECT_EQ(photos[0].fields["chat_id"], "42");
  EXPECT_THAT(photos[0].fields["reply_markup"], HasSubstr("rate:5"));
  EXPECT_EQ(photos[0].file_field, "photo");
  EXPECT_EQ(photos[0].file_name, "done.jpg");
  EXPECT_EQ(photos[0].file_data, photo.data);
  EXPECT_EQ(r.provider_message_id, "102");
}

TEST_F(TelegramFakeApiTest, TokenRejectedAtStartFailsStart) {
  auto loaded = PluginLoader::Load("telegram", VIKNO_TELEGRAM_SO,
                                   {{"token", "1:wrong"}, {"api_base_url", api_.base_url()}});
  ASSERT_TRUE(loaded.ok());
  TestHost other;
  sdk::Status s = loaded.value()->channel().Start(other);
  EXPECT_FALSE(s.ok);
  EXPECT_THAT(s.message, HasSubstr("rejected the token"));
  EXPECT_THAT(s.message, ::testing::Not(HasSubstr("1:wrong")));
  loaded.value()->channel().Stop();
}

TEST_F(TelegramFakeApiTest, BadSettingsAreAllListedAtCreation) {
  auto loaded = PluginLoader::Load("telegram", VIKNO_TELEGRAM_SO,
                                   {{"mode", "webhook"},
                                    {"api_base_url", "ftp://x"},
                                    {"webhook_secret", "has space"},
                                    {"poll_limit", "500"},
                                    {"tokn", "typo"}});
  ASSERT_FALSE(loaded.ok());
  const std::string& m = loaded.refusal().message;
  EXPECT_THAT(m, HasSubstr("tokn: unknown setting"));
  EXPECT_THAT(m, HasSubstr("token: required setting is missing"));
  EXPECT_THAT(m, HasSubstr("api_base_url"));
  EXPECT_THAT(m, HasSubstr("webhook_secret"));
  EXPECT_THAT(m, HasSubstr("poll_limit: 500 is outside 1..100"));
}

}  // namespace
}  // namespace vikno::telegram::testing
