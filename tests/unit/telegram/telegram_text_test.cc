#include "telegram_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "telegram_channel.h"
#include "update_window.h"

namespace vikno::telegram {
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

std::string Joined(const std::vector<std::string>& parts) {
  std::string all;
  for (const auto& p : parts) all += p;
  return all;
}

TEST(TelegramSplitText, TextThatFitsIsOnePartUnchanged) {
  EXPECT_THAT(SplitText("Привіт\nсвіт", 4096), ElementsAre("Привіт\nсвіт"));
  std::string exact(4096, 'x');
  EXPECT_THAT(SplitText(exact), ElementsAre(exact));
  EXPECT_TRUE(SplitText("").empty());
  EXPECT_TRUE(SplitText("   \n  ").empty());
}

TEST(TelegramSplitText, PrefersLineBreaksThenSpaces) {
  EXPECT_THAT(SplitText("aaaa bbbb\ncc dd", 12), ElementsAre("aaaa bbbb", "cc dd"));
  EXPECT_THAT(SplitText("aaaa bbbb cccc", 10), ElementsAre("aaaa bbbb", "cccc"));
  // A break early in the part would leave it less than half full: cut hard.
  EXPECT_THAT(SplitText("a\nbbbbbbbbbbbbbbbbbb", 10), ElementsAre("a\nbbbbbbbb", "bbbbbbbbbb"));
  // "\r\n" line ends leave no '\r' behind.
  EXPECT_THAT(SplitText("aaaaaa\r\nbbbb", 9), ElementsAre("aaaaaa", "bbbb"));
}

TEST(TelegramSplitText, NeverCutsInsideAUtf8SequenceAndCountsUtf16Units) {
  // 5000 Cyrillic letters, no spaces: two bytes each, one UTF-16 unit each.
  std::string cyr;
  for (int i = 0; i < 5000; ++i) cyr += "ї";
  auto parts = SplitText(cyr);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(Utf16Length(parts[0]), 4096u);
  EXPECT_EQ(Utf16Length(parts[1]), 904u);
  for (const auto& p : parts) EXPECT_TRUE(IsValidUtf8(p));
  EXPECT_EQ(Joined(parts), cyr);

  // Emoji take two UTF-16 units: 3000 of them need two parts of <= 4096.
  std::string emoji;
  for (int i = 0; i < 3000; ++i) emoji += "\xF0\x9F\x9A\xA7";  // U+1F6A7
  parts = SplitText(emoji);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(Utf16Length(parts[0]), 4096u);
  EXPECT_EQ(parts[0].size(), 2048u * 4);
  EXPECT_TRUE(IsValidUtf8(parts[1]));
  EXPECT_EQ(Joined(parts), emoji);

  // An odd limit does not split a surrogate pair either.
  parts = SplitText("\xF0\x9F\x9A\xA7\xF0\x9F\x9A\xA7", 3);
  EXPECT_THAT(parts, ElementsAre("\xF0\x9F\x9A\xA7", "\xF0\x9F\x9A\xA7"));
}

TEST(TelegramSplitText, LongLinesOfWordsLoseOnlyTheSeparatorsAtCuts) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "слово ";
  auto parts = SplitText(text);
  ASSERT_GE(parts.size(), 3u);
  size_t words = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    EXPECT_LE(Utf16Length(p), 4096u);
    // A cut drops its space; the last part is the text's own tail.
    if (i + 1 < parts.size()) {
      EXPECT_NE(p.back(), ' ');
    }
    EXPECT_EQ(p.substr(0, 10), "слово");  // starts at a word
    for (size_t at = 0; (at = p.find("слово", at)) != std::string::npos; at += 10) ++words;
  }
  EXPECT_EQ(words, 2000u);
}

TEST(TelegramUtf8, RejectsMalformedSequences) {
  EXPECT_TRUE(IsValidUtf8("Київ €𝄞"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xD0"));              // truncated
  EXPECT_FALSE(IsValidUtf8("ab\x80"));            // stray continuation
}

TEST(TelegramCallbackData, OneToSixtyFourBytesOfUtf8) {
  EXPECT_EQ(CallbackDataProblem("topic:zhkh"), std::nullopt);
  EXPECT_EQ(CallbackDataProblem(std::string(64, 'x')), std::nullopt);
  EXPECT_THAT(CallbackDataProblem(std::string(65, 'x')).value_or(""), HasSubstr("65 bytes"));
  EXPECT_THAT(CallbackDataProblem("").value_or(""), HasSubstr("empty"));
  // 32 Cyrillic letters are 64 bytes; 33 are too many, though 33 characters.
  std::string cyr;
  for (int i = 0; i < 32; ++i) cyr += "ж";
  EXPECT_EQ(CallbackDataProblem(cyr), std::nullopt);
  EXPECT_THAT(CallbackDataProblem(cyr + "ж").value_or(""), HasSubstr("66 bytes"));
  EXPECT_THAT(CallbackDataProblem("\xFF").value_or(""), HasSubstr("UTF-8"));
}

TEST(TelegramSecret, ConstantTimeEqualsMatchesOnlyTheWholeSecret) {
  EXPECT_TRUE(ConstantTimeEquals("abc-DEF_1", "abc-DEF_1"));
  EXPECT_FALSE(ConstantTimeEquals("abc-DEF_", "abc-DEF_1"));
  EXPECT_FALSE(ConstantTimeEquals("abc-DEF_12", "abc-DEF_1"));
  EXPECT_FALSE(ConstantTimeEquals("", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abd-DEF_1", "abc-DEF_1"));
  EXPECT_FALSE(ConstantTimeEquals(std::string("abc\0", 4), "abc"));
}

TEST(TelegramKeyboard, InlineReplyAndRemoveMarkup) {
  std::string error;
  std::vector<std::string> dropped;
  sdk::Keyboard inline_kb;
  inline_kb.rows = {{Btn("ЖКГ", "topic:zhkh"),
                     {"Сайт", "", sdk::Button::Action::kOpenUrl, "https://city.example"}},
                    {{"Номер", "", sdk::Button::Action::kRequestContact, ""}}};
  std::string json = KeyboardJson(inline_kb, &error, &dropped);
  EXPECT_EQ(error, "");
  EXPECT_THAT(json, HasSubstr("\"inline_keyboard\""));
  EXPECT_THAT(json, HasSubstr("\"callback_data\":\"topic:zhkh\""));
  EXPECT_THAT(json, HasSubstr("\"url\":\"https:"));
  EXPECT_THAT(json, ::testing::Not(HasSubstr("request_contact")));
  ASSERT_EQ(dropped.size(), 1u);  // a contact request cannot ride an inline keyboard

  dropped.clear();
  sdk::Keyboard reply{sdk::Keyboard::Kind::kReply,
                      {{{"Номер", "", sdk::Button::Action::kRequestContact, ""},
                        {"Де я", "", sdk::Button::Action::kRequestLocation, ""}}},
                      true};
  json = KeyboardJson(reply, &error, &dropped);
  EXPECT_THAT(json, HasSubstr("\"request_contact\":true"));
  EXPECT_THAT(json, HasSubstr("\"request_location\":true"));
  EXPECT_THAT(json, HasSubstr("\"one_time_keyboard\":true"));
  EXPECT_THAT(json, HasSubstr("\"keyboard\""));

  EXPECT_EQ(KeyboardJson({sdk::Keyboard::Kind::kRemove, {}, false}, &error, &dropped),
            "{\"remove_keyboard\":true}");

  sdk::Keyboard too_long;
  too_long.rows = {{Btn("x", std::string(70, 'd'))}};
  EXPECT_EQ(KeyboardJson(too_long, &error, &dropped), "");
  EXPECT_THAT(error, HasSubstr("70 bytes"));
}

TEST(TelegramUpdateWindow, RemembersRecentIdsAndForgetsTheOldest) {
  UpdateWindow window(3);
  EXPECT_TRUE(window.Begin(10));
  EXPECT_FALSE(window.Begin(10));  // being handled by another thread
  window.Commit(10);
  EXPECT_FALSE(window.Begin(10));  // handled
  EXPECT_TRUE(window.Begin(5));    // smaller, but new
  window.Abandon(5);
  EXPECT_TRUE(window.Begin(5));  // not taken the first time: may come again
  window.Commit(5);
  for (int64_t id : {20, 21}) {
    ASSERT_TRUE(window.Begin(id));
    window.Commit(id);
  }
  EXPECT_EQ(window.size(), 3u);
  EXPECT_TRUE(window.Begin(10));  // the oldest, forgotten
  EXPECT_FALSE(window.Begin(21));
}

}  // namespace
}  // namespace vikno::telegram
