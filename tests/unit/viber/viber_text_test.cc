#include "viber_text.h"

#include <gtest/gtest.h>

namespace vikno::viber {
namespace {

TEST(ViberSignatureTest, MatchesOpensslVectors) {
  // printf '%s' hello | openssl dgst -sha256 -hmac tok -hex
  EXPECT_EQ(ContentSignature("tok", "hello"),
            "193c437ebb9ac37f122baf54f31b64d7dedb40dc411534c9010386e1c62c8435");
  // A Cyrillic body, signed over its UTF-8 bytes.
  const std::string body =
      R"({"event":"message","message_token":5098034272017990001,"message":{"type":"text","text":"Не горить ліхтар"}})";
  EXPECT_EQ(ContentSignature("445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9", body),
            "90511407d790f58ac3e17d314812c5d50e1a955ce4470b16951b9b5397fe5484");
}

TEST(ViberSignatureTest, ChecksExactBytesAndLowerCaseHex) {
  const std::string body = R"({"event":"seen","message_token":1})";
  const std::string sig = ContentSignature("t", body);
  EXPECT_TRUE(SignatureMatches("t", body, sig));
  EXPECT_FALSE(SignatureMatches("t", body + " ", sig));      // one byte more
  EXPECT_FALSE(SignatureMatches("u", body, sig));            // another token
  EXPECT_FALSE(SignatureMatches("t", body, sig.substr(1)));  // shorter
  EXPECT_FALSE(SignatureMatches("t", body, sig + "0"));      // longer
  EXPECT_FALSE(SignatureMatches("t", body, ""));
  std::string upper = sig;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ASSERT_NE(upper, sig);
  EXPECT_FALSE(SignatureMatches("t", body, upper));  // as Viber's SDK: exact string
}

TEST(ViberSignatureTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("abd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("ab", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abcd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals(std::string("ab\0", 3), "ab"));
}

TEST(ViberTextTest, Utf8ValidityAndCount) {
  EXPECT_TRUE(IsValidUtf8("Привіт, світе! 👋"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xD0"));              // cut short
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(CharCount("Ліхтар"), 6u);
  EXPECT_EQ(CharCount("a👋b"), 3u);
}

TEST(ViberTextTest, SplitsByCharactersAtLineThenWordBoundaries) {
  EXPECT_EQ(SplitText("коротко"), std::vector<std::string>{"коротко"});
  EXPECT_TRUE(SplitText("").empty());
  // 10 characters max: cut after the line break, which is dropped.
  auto parts = SplitText("рядок один\nрядок два", 12);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], "рядок один");
  EXPECT_EQ(parts[1], "рядок два");
  // No separator: cut between code points, never inside one.
  parts = SplitText("ЖЖЖЖЖЖЖЖЖЖ", 4);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], "ЖЖЖЖ");
  EXPECT_EQ(parts[2], "ЖЖ");
  for (const auto& p : parts) EXPECT_TRUE(IsValidUtf8(p));
  // A long text at Viber's 7000: every part fits, nothing is lost but the cuts.
  std::string long_text;
  for (int i = 0; i < 3000; ++i) long_text += "слово ";
  parts = SplitText(long_text);
  ASSERT_EQ(parts.size(), 3u);
  size_t words = 0;
  for (const auto& p : parts) {
    EXPECT_LE(CharCount(p), kMaxTextChars);
    for (size_t at = p.find("слово"); at != std::string::npos; at = p.find("слово", at + 1))
      ++words;
  }
  EXPECT_EQ(words, 3000u);
}

}  // namespace
}  // namespace vikno::viber
