#include "update_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vikno::telegram {
namespace {

using ::testing::HasSubstr;

TEST(TelegramParseUpdate, TextMessageWithSenderAndLargeIds) {
  ParsedUpdate u;
  ASSERT_EQ(ParseUpdateJson(R"({"update_id":8000000001,"message":{"message_id":5,)"
                            R"("from":{"id":5000000001,"is_bot":false,"first_name":"Олег",)"
                            R"("username":"oleh","language_code":"uk"},)"
                            R"("chat":{"id":-1009876543210,"type":"supergroup"},)"
                            R"("date":1790000000,"text":"Текст"}})",
                            &u),
            "");
  EXPECT_EQ(u.kind, ParsedUpdate::Kind::kMessage);
  EXPECT_EQ(u.update_id, 8000000001);
  EXPECT_EQ(u.message.provider_id, "8000000001");
  EXPECT_EQ(u.message.chat_id, "-1009876543210");
  EXPECT_EQ(u.message.sender_id, "5000000001");
  EXPECT_EQ(u.message.sender_name, "Олег");
  EXPECT_EQ(u.message.language, "uk");
  EXPECT_EQ(u.message.text, "Текст");
}

TEST(TelegramParseUpdate, MillisecondDatesFromTheEmulatorAreRecognised) {
  EXPECT_EQ(FromTelegramDate(1790000000),
            std::chrono::system_clock::time_point(std::chrono::seconds(1790000000)));
  EXPECT_EQ(FromTelegramDate(1790000000123),
            std::chrono::system_clock::time_point(std::chrono::milliseconds(1790000000123)));
}

TEST(TelegramParseUpdate, PhotoWithCaptionAndDocument) {
  ParsedUpdate u;
  ASSERT_EQ(ParseUpdateJson(R"({"update_id":1,"message":{"chat":{"id":1},"date":1,)"
                            R"("caption":"Яма","photo":[{"file_id":"a","width":90,"height":90,)"
                            R"("file_size":100},{"file_id":"b","width":800,"height":600,)"
                            R"("file_size":5000000},{"file_id":"c","width":320,"height":240,)"
                            R"("file_size":20000}]}})",
                            &u),
            "");
  EXPECT_EQ(u.message.text, "Яма");
  ASSERT_EQ(u.photo_sizes.size(), 3u);
  EXPECT_EQ(PickPhoto(u.photo_sizes, 20 << 20)->file_id, "b");
  EXPECT_EQ(PickPhoto(u.photo_sizes, 1 << 20)->file_id, "c");  // the largest that fits
  EXPECT_FALSE(PickPhoto(u.photo_sizes, 10).has_value());

  ASSERT_EQ(ParseUpdateJson(R"({"update_id":2,"message":{"chat":{"id":1},"date":1,)"
                            R"("document":{"file_id":"d","file_name":"act.pdf",)"
                            R"("mime_type":"application/pdf"}}})",
                            &u),
            "");
  ASSERT_TRUE(u.document.has_value());
  EXPECT_EQ(u.document->file_name, "act.pdf");
}

TEST(TelegramParseUpdate, IgnoredKinds) {
  ParsedUpdate u;
  ASSERT_EQ(ParseUpdateJson(R"({"update_id":3,"edited_message":{"chat":{"id":1}}})", &u), "");
  EXPECT_EQ(u.kind, ParsedUpdate::Kind::kIgnored);
  EXPECT_THAT(u.ignored_what, HasSubstr("edited_message"));
  ASSERT_EQ(ParseUpdateJson(R"({"update_id":4,"message":{"chat":{"id":1},"sticker":{}}})", &u), "");
  EXPECT_EQ(u.kind, ParsedUpdate::Kind::kIgnored);
  ASSERT_EQ(ParseUpdateJson(R"({"update_id":5,"callback_query":{"id":"q","from":{"id":1},)"
                            R"("game_short_name":"g"}})",
                            &u),
            "");
  EXPECT_EQ(u.kind, ParsedUpdate::Kind::kIgnored);
  EXPECT_EQ(u.callback_query_id, "q");  // still answered
}

TEST(TelegramParseUpdate, MalformedUpdatesAreRefusedWithAReason) {
  ParsedUpdate u;
  EXPECT_THAT(ParseUpdateJson("", &u), HasSubstr("not JSON"));
  EXPECT_THAT(ParseUpdateJson("[1]", &u), HasSubstr("not a JSON object"));
  EXPECT_THAT(ParseUpdateJson("null", &u), HasSubstr("body is not"));
  EXPECT_THAT(ParseUpdateJson(R"({"update_id":"1"})", &u), HasSubstr("update_id"));
  EXPECT_THAT(ParseUpdateJson(R"({"update_id":-1})", &u), HasSubstr("negative"));
  EXPECT_THAT(ParseUpdateJson(R"({"update_id":1,"message":[]})", &u), HasSubstr("not an object"));
  EXPECT_THAT(ParseUpdateJson(R"({"update_id":1,"message":{"chat":{"id":"x"}}})", &u),
              HasSubstr("chat has no integer id"));
  EXPECT_THAT(ParseUpdateJson(R"({"update_id":1,"message":{"chat":{"id":1},"text":5}})", &u),
              HasSubstr("text is not a string"));
  EXPECT_THAT(ParseUpdateJson(R"({"update_id":1,"message":{"chat":{"id":1},"contact":{}}})", &u),
              HasSubstr("phone_number"));
  EXPECT_THAT(ParseUpdateJson(R"({"update_id":1,"message":{"chat":{"id":1},)"
                              R"("location":{"latitude":"50","longitude":30}}})",
                              &u),
              HasSubstr("latitude or longitude"));
  EXPECT_THAT(ParseUpdateJson(R"({"update_id":1,"message":{"chat":{"id":1},"photo":[{}]}})", &u),
              HasSubstr("file_id"));
  EXPECT_THAT(ParseUpdateJson(R"({"update_id":1,"callback_query":{"from":{"id":1}}})", &u),
              HasSubstr("callback_query has no id"));
  // Deeper than any Update: refused by the parser, not a stack overflow.
  EXPECT_THAT(ParseUpdateJson(std::string(100000, '[') + std::string(100000, ']'), &u),
              HasSubstr("not JSON"));
  // The update_id of a malformed update is still known to a poller.
  EXPECT_NE(ParseUpdateJson(R"({"update_id":77,"message":{}})", &u), "");
  EXPECT_EQ(u.update_id, 77);
}

}  // namespace
}  // namespace vikno::telegram
