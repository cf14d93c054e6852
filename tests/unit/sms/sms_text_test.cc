// SMS payload rules (plugins/sms/sms_text.h): UTF-8/UTF-16, UCS-2 on the
// wire, splitting at 70/67/66 units without breaking a surrogate pair, UDH
// building and parsing, receipts, receipt id forms, phone numbers, GSM 03.38.
#include "sms_text.h"

#include <gtest/gtest.h>

namespace vikno::sms {
namespace {

std::u16string U16(const std::string& utf8) { return *Utf8ToUtf16(utf8); }

TEST(SmsTextTest, Utf8RoundTripsAndRefusesInvalidInput) {
  const std::string text = "Не горить ліхтар — Їжак ґудзик 😀 ok";
  auto u = Utf8ToUtf16(text);
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(Utf16ToUtf8(*u), text);
  EXPECT_EQ(FromUcs2Be(ToUcs2Be(*u)), *u);
  EXPECT_EQ(ToUcs2Be(U16("Н")), std::string("\x04\x1D", 2));
  EXPECT_FALSE(Utf8ToUtf16("\xC0\xAF").has_value()) << "overlong";
  EXPECT_FALSE(Utf8ToUtf16("\xED\xA0\x80").has_value()) << "an encoded surrogate";
  EXPECT_FALSE(Utf8ToUtf16("abc\xE2\x82").has_value()) << "truncated";
  EXPECT_FALSE(Utf8ToUtf16("\xF5\x80\x80\x80").has_value()) << "above U+10FFFF";
  // A lone surrogate from a garbled MO shows as U+FFFD, not an error.
  EXPECT_EQ(Utf16ToUtf8(std::u16string{u'a', char16_t(0xD83D), u'b'}),
            "a\xEF\xBF\xBD"
            "b");
}

TEST(SmsTextTest, SplitsAt70Then67Units) {
  EXPECT_EQ(SplitUcs2(std::u16string(70, u'ж'), false).size(), 1u);
  auto two = SplitUcs2(std::u16string(71, u'ж'), false);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].size(), 67u);
  EXPECT_EQ(two[1].size(), 4u);
  EXPECT_EQ(SplitUcs2(std::u16string(134, u'ж'), false).size(), 2u);
  auto three = SplitUcs2(std::u16string(201, u'ж'), false);
  ASSERT_EQ(three.size(), 3u);
  EXPECT_EQ(three[2].size(), 67u);
  EXPECT_EQ(SplitUcs2(std::u16string(202, u'ж'), false).size(), 4u);
  // 16-bit references leave 66 units per part.
  auto sixteen = SplitUcs2(std::u16string(133, u'ж'), true);
  ASSERT_EQ(sixteen.size(), 3u);
  EXPECT_EQ(sixteen[0].size(), 66u);
}

TEST(SmsTextTest, NeverSplitsASurrogatePair) {
  // 66 letters then an emoji: the pair would straddle units 67/68.
  std::u16string text = std::u16string(66, u'ж') + U16("😀") + std::u16string(10, u'ї');
  auto parts = SplitUcs2(text, false);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].size(), 66u);
  EXPECT_EQ(parts[1].substr(0, 2), U16("😀"));
  std::u16string joined;
  for (const auto& p : parts) joined += p;
  EXPECT_EQ(joined, text);
  // Only emoji: every part ends on a whole pair.
  std::u16string emoji;
  for (int i = 0; i < 80; ++i) emoji += U16("😀");
  for (const auto& p : SplitUcs2(emoji, false)) {
    EXPECT_EQ(p.size() % 2, 0u);
    EXPECT_LE(p.size(), 67u);
  }
}

TEST(SmsTextTest, UdhBuildAndParse) {
  EXPECT_EQ(ConcatUdh(0x42, 3, 2, false), std::string("\x05\x00\x03\x42\x03\x02", 6));
  EXPECT_EQ(ConcatUdh(0x1234, 3, 1, true), std::string("\x06\x08\x04\x12\x34\x03\x01", 7));
  UdhSplit s = SplitUdh(ConcatUdh(0x42, 3, 2, false) + "ab", true);
  ASSERT_TRUE(s.ok);
  ASSERT_TRUE(s.concat.has_value());
  EXPECT_EQ(s.concat->ref, 0x42);
  EXPECT_EQ(s.concat->total, 3);
  EXPECT_EQ(s.concat->seq, 2);
  EXPECT_EQ(s.payload, "ab");
  s = SplitUdh(ConcatUdh(0xBEEF, 2, 2, true) + "xy", true);
  ASSERT_TRUE(s.concat.has_value());
  EXPECT_TRUE(s.concat->sixteen_bit);
  EXPECT_EQ(s.concat->ref, 0xBEEF);
  // Another IE before the concatenation one is skipped.
  s = SplitUdh(std::string("\x08\x24\x01\x01\x00\x03\x07\x02\x01", 9) + "z", true);
  ASSERT_TRUE(s.concat.has_value());
  EXPECT_EQ(s.concat->ref, 7);
  EXPECT_EQ(s.payload, "z");
  // seq 0 or beyond total: the IE is ignored (TS 23.040).
  EXPECT_FALSE(SplitUdh(std::string("\x05\x00\x03\x01\x02\x03", 6), true).concat.has_value());
  // A UDH longer than the message.
  EXPECT_FALSE(SplitUdh(std::string("\x09\x00\x03", 3), true).ok);
  // Without UDHI the octets are all payload.
  EXPECT_EQ(SplitUdh(std::string("\x05\x00", 2), false).payload, std::string("\x05\x00", 2));
}

TEST(SmsTextTest, ReceiptsFromTextAndTlvs) {
  const std::string text =
      "id:0000001001 sub:001 dlvrd:001 submit date:2611221200 done date:2611221201 "
      "stat:DELIVRD err:000 text:id:9 stat:UNDELIV";
  auto r = ParseReceipt(text, std::nullopt, std::nullopt);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->message_id, "0000001001");
  EXPECT_EQ(r->stat, "DELIVRD");
  EXPECT_EQ(r->outcome, Receipt::Outcome::kDelivered);
  r = ParseReceipt("id:77 stat:UNDELIV err:001", std::nullopt, std::nullopt);
  EXPECT_EQ(r->outcome, Receipt::Outcome::kFailed);
  EXPECT_EQ(r->error, "001");
  EXPECT_EQ(ParseReceipt("id:77 stat:ENROUTE", std::nullopt, std::nullopt)->outcome,
            Receipt::Outcome::kPending);
  // The TLVs win over the text.
  r = ParseReceipt("id:77 stat:DELIVRD", std::string("abc"), uint8_t{8});
  EXPECT_EQ(r->message_id, "abc");
  EXPECT_EQ(r->outcome, Receipt::Outcome::kFailed);
  EXPECT_FALSE(ParseReceipt("stat:DELIVRD", std::nullopt, std::nullopt).has_value());
}

TEST(SmsTextTest, ReceiptIdForms) {
  EXPECT_EQ(NormalizeReceiptId("0000001001", ReceiptIdForm::kSame), "0000001001");
  EXPECT_EQ(NormalizeReceiptId("0000001001", ReceiptIdForm::kSubmitHexReceiptDecimal), "3e9");
  EXPECT_EQ(NormalizeReceiptId("3E9", ReceiptIdForm::kSubmitDecimalReceiptHex), "1001");
  EXPECT_FALSE(NormalizeReceiptId("3e9", ReceiptIdForm::kSubmitHexReceiptDecimal).has_value());
  EXPECT_FALSE(NormalizeReceiptId("xyz", ReceiptIdForm::kSubmitDecimalReceiptHex).has_value());
}

TEST(SmsTextTest, PhoneNumbersAsE164ChatIds) {
  EXPECT_EQ(ChatIdFromAddress("380501234567", 1, ""), "+380501234567");
  EXPECT_EQ(ChatIdFromAddress("+380501234567", 0, ""), "+380501234567");
  EXPECT_EQ(ChatIdFromAddress("0501234567", 2, "380"), "+380501234567");
  EXPECT_EQ(ChatIdFromAddress("00380501234567", 0, "380"), "+380501234567");
  EXPECT_EQ(ChatIdFromAddress("380501234567", 0, "380"), "+380501234567");
  EXPECT_EQ(ChatIdFromAddress("Kyivstar", 5, "380"), "Kyivstar");
  EXPECT_EQ(DestinationFromChatId("+380501234567"), "380501234567");
  EXPECT_FALSE(DestinationFromChatId("380501234567").has_value());
  EXPECT_FALSE(DestinationFromChatId("+38050abc").has_value());
  EXPECT_FALSE(DestinationFromChatId("+1234567890123456").has_value());
  EXPECT_FALSE(DestinationFromChatId("+0501234567").has_value());
}

TEST(SmsTextTest, GsmDefaultAlphabet) {
  EXPECT_EQ(Utf16ToUtf8(DecodeGsmUnpacked("1")), "1");
  EXPECT_EQ(Utf16ToUtf8(DecodeGsmUnpacked("Hello 2")), "Hello 2");
  EXPECT_EQ(Utf16ToUtf8(DecodeGsmUnpacked(std::string("\x00\x02\x11", 3))), "@$_");
  EXPECT_EQ(Utf16ToUtf8(DecodeGsmUnpacked(std::string("\x1b\x65\x1b\x28", 4))), "€{");
  EXPECT_EQ(Utf16ToUtf8(DecodeGsmUnpacked("\x7f")), "à");
  EXPECT_EQ(Utf16ToUtf8(DecodeLatin1("caf\xE9")), "café");
  EXPECT_EQ(Fnv1aHex("").size(), 16u);
  EXPECT_NE(Fnv1aHex("a"), Fnv1aHex("b"));
}

}  // namespace
}  // namespace vikno::sms
