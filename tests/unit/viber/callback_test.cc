#include "callback.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

namespace vikno::viber {
namespace {

using Kind = Callback::Kind;

Callback Parse(const std::string& body) {
  Callback c;
  const std::string error = ParseCallback(body, &c);
  EXPECT_EQ(error, "") << body;
  return c;
}

std::string ErrorOf(const std::string& body) {
  Callback c;
  return ParseCallback(body, &c);
}

TEST(ViberCallbackTest, MessageTokenAbove2To53IsExact) {
  // 2^53 = 9007199254740992; these differ only below a double's precision:
  // the official SDK printed 5098034272017990000 for all three (CHANNELS.md).
  for (const std::string token :
       {"5098034272017990001", "5098034272017990002", "5098034272017990003", "9007199254740993",
        "18446744073709551615"}) {
    Callback c = Parse(R"({"event":"delivered","timestamp":1790000000123,"message_token":)" +
                       token + R"(,"user_id":"u1=="})");
    EXPECT_EQ(c.message_token, token);
    EXPECT_EQ(c.kind, Kind::kDelivered);
  }
  // As a JSON string too.
  EXPECT_EQ(Parse(R"({"event":"seen","message_token":"5098034272017990001","user_id":"u"})")
                .message_token,
            "5098034272017990001");
}

TEST(ViberCallbackTest, TokensThatWouldLoseDigitsAreRefused) {
  EXPECT_NE(ErrorOf(R"({"event":"seen","message_token":5.098034272017990001e18,"user_id":"u"})"),
            "");
  EXPECT_NE(ErrorOf(R"({"event":"seen","message_token":-5098034272017990001,"user_id":"u"})"), "");
  EXPECT_NE(ErrorOf(R"({"event":"seen","message_token":"12ab","user_id":"u"})"), "");
  EXPECT_NE(ErrorOf(R"({"event":"seen","message_token":true,"user_id":"u"})"), "");
  Poco::JSON::Parser parser;
  auto values = parser.parse("[1.5, 5098034272017990001, 18446744073709551615, -3]")
                    .extract<Poco::JSON::Array::Ptr>();
  EXPECT_EQ(TokenText(values->get(0)), "");
  EXPECT_EQ(TokenText(values->get(1)), "5098034272017990001");
  EXPECT_EQ(TokenText(values->get(2)), "18446744073709551615");
  EXPECT_EQ(TokenText(values->get(3)), "");
}

TEST(ViberCallbackTest, TextMessage) {
  Callback c = Parse(
      R"({"event":"message","timestamp":1790000000123,"chat_hostname":"SN-CHAT-05_",)"
      R"("message_token":5098034272017990001,"sender":{"id":"01234567890A=","name":"Олена",)"
      R"("avatar":"http://a","country":"UA","language":"uk","api_version":10},)"
      R"("message":{"type":"text","text":"Не горить ліхтар","tracking_data":"{\"vikno\":1}"}})");
  EXPECT_EQ(c.kind, Kind::kMessage);
  EXPECT_EQ(c.message.provider_id, "5098034272017990001");
  EXPECT_EQ(c.message.chat_id, "01234567890A=");
  EXPECT_EQ(c.message.sender_id, "01234567890A=");
  EXPECT_EQ(c.message.sender_name, "Олена");
  EXPECT_EQ(c.message.language, "uk");
  EXPECT_EQ(c.message.text, "Не горить ліхтар");
  EXPECT_EQ(c.tracking_data, R"({"vikno":1})");
  EXPECT_EQ(c.message.sent_at.time_since_epoch(), std::chrono::milliseconds(1790000000123));
}

TEST(ViberCallbackTest, LocationContactPicture) {
  const std::string head = R"({"event":"message","message_token":7,"sender":{"id":"u"},"message":)";
  Callback loc = Parse(head + R"({"type":"location","location":{"lat":50.9077,"lon":34.7981}}})");
  ASSERT_TRUE(loc.message.location);
  EXPECT_DOUBLE_EQ(loc.message.location->latitude, 50.9077);
  EXPECT_DOUBLE_EQ(loc.message.location->longitude, 34.7981);
  EXPECT_NE(ErrorOf(head + R"({"type":"location","location":{"lat":91,"lon":0}}})"), "");
  EXPECT_NE(ErrorOf(head + R"({"type":"location"}})"), "");

  Callback contact = Parse(
      head + R"({"type":"contact","contact":{"name":"Олена","phone_number":"+380501234567"}}})");
  ASSERT_TRUE(contact.message.contact);
  EXPECT_EQ(contact.message.contact->phone, "+380501234567");
  EXPECT_EQ(contact.message.contact->name, "Олена");
  EXPECT_NE(ErrorOf(head + R"({"type":"contact","contact":{"name":"x"}}})"), "");

  Callback pic =
      Parse(head + R"({"type":"picture","text":"яма","media":"https://dl/x.jpg",)"
                   R"("thumbnail":"https://dl/t.jpg","file_name":"x.jpg","size":1234}})");
  ASSERT_TRUE(pic.media);
  EXPECT_TRUE(pic.media->photo);
  EXPECT_EQ(pic.media->url, "https://dl/x.jpg");
  EXPECT_EQ(pic.media->size, 1234);
  EXPECT_EQ(pic.message.text, "яма");

  Callback sticker = Parse(head + R"({"type":"sticker","sticker_id":46105}})");
  EXPECT_EQ(sticker.ignored_what, "a sticker message");
}

TEST(ViberCallbackTest, OtherEvents) {
  Callback started =
      Parse(R"({"event":"conversation_started","timestamp":1,"message_token":5,"type":"open",)"
            R"("context":"ctx","user":{"id":"u1","name":"Іван"},"subscribed":false})");
  EXPECT_EQ(started.kind, Kind::kConversationStarted);
  EXPECT_EQ(started.user_id, "u1");
  EXPECT_EQ(Parse(R"({"event":"subscribed","message_token":5,"user":{"id":"u1"}})").kind,
            Kind::kSubscribed);
  Callback unsub = Parse(R"({"event":"unsubscribed","message_token":5,"user_id":"u1"})");
  EXPECT_EQ(unsub.kind, Kind::kUnsubscribed);
  EXPECT_EQ(unsub.user_id, "u1");
  Callback failed =
      Parse(R"({"event":"failed","message_token":5,"user_id":"u1","desc":"not on device"})");
  EXPECT_EQ(failed.kind, Kind::kFailed);
  EXPECT_EQ(failed.description, "not on device");
  EXPECT_EQ(Parse(R"({"event":"webhook","timestamp":1,"message_token":5})").kind, Kind::kWebhook);
  EXPECT_EQ(Parse(R"({"event":"client_status","message_token":5})").kind, Kind::kOther);
}

TEST(ViberCallbackTest, MalformedBodies) {
  EXPECT_NE(ErrorOf("{not json"), "");
  EXPECT_NE(ErrorOf("[1,2]"), "");
  EXPECT_NE(ErrorOf(R"({"message_token":1})"), "");  // no event
  EXPECT_NE(
      ErrorOf(R"({"event":"message","sender":{"id":"u"},"message":{"type":"text","text":"x"}})"),
      "");  // no token
  EXPECT_NE(
      ErrorOf(R"({"event":"message","message_token":1,"message":{"type":"text","text":"x"}})"),
      "");                                                               // no sender
  EXPECT_NE(ErrorOf(R"({"event":"delivered","message_token":1})"), "");  // no user_id
  EXPECT_NE(ErrorOf(R"({"event":"message","message_token":1,"sender":{"id":"u"},)"
                    R"("message":{"type":"text","text":"\xff"}})"),
            "");  // an escape that is not JSON
}

}  // namespace
}  // namespace vikno::viber
