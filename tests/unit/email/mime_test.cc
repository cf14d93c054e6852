// The e-mail plugin's MIME code: our RFC 2047 decoder (Poco 1.11's inserts
// spaces between words, CHANNELS.md §4), RFC 2231 parameters, transfer
// encodings, charsets, the message reader, quote stripping, appeal numbers,
// and the composer's output read back by our reader.
#include "mime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "composer.h"

namespace vikno::email {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Base64, RoundTripsEveryByteAndWrapsLines) {
  std::string bytes;
  for (int i = 0; i < 1000; ++i) bytes += static_cast<char>(i % 256);
  std::string encoded = Base64Encode(bytes);
  EXPECT_EQ(encoded.substr(76, 2), "\r\n");
  EXPECT_EQ(Base64Decode(encoded), bytes);
  EXPECT_EQ(Base64Encode("f", 0), "Zg==");
  EXPECT_EQ(Base64Encode("fo", 0), "Zm8=");
  EXPECT_EQ(Base64Decode("Zm9v\r\nYmFy"), "foobar");
}

TEST(QuotedPrintable, EncodesCyrillicAndKeepsLinesShort) {
  std::string text =
      "Не горить ліхтар = біля будинку № 14, вулиця Соборна, місто Суми, Україна. "
      "Рядок із пробілом в кінці \nFrom here on";
  std::string qp = QuotedPrintableEncode(text);
  size_t start = 0;
  while (start < qp.size()) {
    size_t eol = qp.find("\r\n", start);
    size_t len = (eol == std::string::npos ? qp.size() : eol) - start;
    EXPECT_LE(len, 76u);
    if (eol == std::string::npos) break;
    start = eol + 2;
  }
  EXPECT_THAT(qp, HasSubstr("=3D"));
  EXPECT_THAT(qp, HasSubstr("=20\r\n"));  // trailing space before a break is encoded
  EXPECT_THAT(qp, HasSubstr("=46rom"));
  std::string back = QuotedPrintableDecode(qp);
  std::string expected = text;
  expected.replace(expected.find(" \n"), 2, " \r\n");
  EXPECT_EQ(back, expected);
  EXPECT_EQ(QuotedPrintableDecode("a=\nb =ZZ c="), "ab =ZZ c");
}

TEST(Charsets, ConvertsTheCodePagesUkrainianMailUses) {
  EXPECT_EQ(ToUtf8("\xB2\xE2\xE0\xED \xA5\xE0\xED\xEE\xEA", "windows-1251"), "Іван Ґанок");
  EXPECT_EQ(ToUtf8("\xB6\xD7\xC1\xCE", "KOI8-U"), "Іван");
  EXPECT_EQ(ToUtf8("ok", "no-such-charset"), "ok");
  EXPECT_EQ(ToUtf8("a\xFF"
                   "b",
                   "utf-8"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_TRUE(IsValidUtf8("Їжак"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));
}

TEST(Rfc2047, AdjacentEncodedWordsJoinWithoutTheSpacePocoInserts) {
  // What Poco's own encoder writes for a long Cyrillic subject: split
  // inside a word; Poco 1.11's reader gives "Ответ по зая вке #43".
  std::string raw = "=?UTF-8?B?0J7RgtCy0LXRgiDQv9C+INC30LDRjw==?=\r\n =?UTF-8?B?0LLQutC1ICM0Mw==?=";
  EXPECT_EQ(DecodeHeaderText(raw), "Ответ по заявке #43");
}

TEST(Rfc2047, DecodesQAndBAnyCharsetAndCharactersSplitAcrossWords) {
  EXPECT_EQ(DecodeHeaderText("=?windows-1251?Q?=C7=E2=E5=F0=ED=E5=ED=ED=FF_=B9_5?="),
            "Звернення № 5");
  EXPECT_EQ(DecodeHeaderText("Re: =?utf-8?q?=D0=AF=D0=BC=D0=B0?= on road"), "Re: Яма on road");
  // "Ї" (D0 87) split between two words.
  EXPECT_EQ(DecodeHeaderText("=?UTF-8?Q?=D0?= =?UTF-8?Q?=87=D0=B6=D0=B0=D0=BA?="), "Їжак");
  EXPECT_EQ(DecodeHeaderText("=?UTF-8*uk?B?0IbQstCw0L0=?="), "Іван");
  // Malformed words stay as written; nothing is thrown.
  EXPECT_EQ(DecodeHeaderText("=?UTF-8?X?abc?= and =?broken"), "=?UTF-8?X?abc?= and =?broken");
  // Raw 8-bit windows-1251 in a header, as old mailers send.
  EXPECT_EQ(DecodeHeaderText("\xDF\xEC\xE0"), "Яма");
}

TEST(Rfc2047, EncoderKeepsLinesShortAndRoundTrips) {
  std::string subject =
      "Ваше звернення зареєстровано за № 2026-123 (освітлення, вул. Соборна, 14) — ґанок, їжак";
  std::string encoded = EncodeHeaderText(subject, 9);
  size_t start = 0;
  bool first = true;
  while (true) {
    size_t eol = encoded.find("\r\n", start);
    size_t len = (eol == std::string::npos ? encoded.size() : eol) - start;
    EXPECT_LE(len + (first ? 9 : 0), 78u);
    first = false;
    if (eol == std::string::npos) break;
    start = eol + 2;
  }
  EXPECT_EQ(DecodeHeaderText(encoded), subject);
  EXPECT_EQ(EncodeHeaderText("plain ascii", 9), "plain ascii");
}

TEST(Rfc2231, JoinsContinuationsAndCharsets) {
  HeaderValue v = ParseHeaderValue(
      "attachment;\r\n filename*0*=UTF-8''%D0%A4%D0%BE%D1%82%D0%BE;\r\n"
      " filename*1*=%20%D1%8F%D0%BC%D0%B8;\r\n filename*2=\".jpg\"; size=123");
  EXPECT_EQ(v.value, "attachment");
  EXPECT_EQ(v.Param("filename"), "Фото ями.jpg");
  EXPECT_EQ(v.Param("size"), "123");
  EXPECT_EQ(ParseHeaderValue("inline; filename*=koi8-u'uk'%B6%D7%C1%CE.txt").Param("filename"),
            "Іван.txt");
  // An encoded word inside quotes (Outlook, Gmail) is decoded too.
  HeaderValue ct = ParseHeaderValue(
      "image/JPEG; name=\"=?UTF-8?B?0KTQvtGC0L4=?=.jpg\"; (comment) charset=\"a;b\"");
  EXPECT_EQ(ct.value, "image/jpeg");
  EXPECT_EQ(ct.Param("name"), "Фото.jpg");
  EXPECT_EQ(ct.Param("charset"), "a;b");
}

TEST(Rfc2231, EncodeParameterRoundTrips) {
  std::string name(
      "Дуже довга назва файлу з фотографією ями біля будинку № 14 на вулиці Соборній.jpg");
  std::string header = "attachment" + EncodeParameter("filename", name);
  EXPECT_THAT(header, HasSubstr("filename*0*=UTF-8''"));
  EXPECT_THAT(header, HasSubstr("filename*1*="));
  EXPECT_EQ(ParseHeaderValue(header).Param("filename"), name);
  EXPECT_EQ(EncodeParameter("filename", "a.txt"), "; filename=\"a.txt\"");
}

TEST(Addresses, ParsesNamesAndChecksAddresses) {
  auto a = ParseAddress("\"Петренко, Іван\" <Ivan.P@Example.COM>");
  EXPECT_EQ(a.address, "Ivan.P@example.com");
  EXPECT_EQ(a.name, "Петренко, Іван");
  EXPECT_EQ(ParseAddress("ivan@x.ua (Іван)").name, "Іван");
  EXPECT_EQ(ParseAddress("ivan@x.ua").address, "ivan@x.ua");
  EXPECT_EQ(ParseAddress("Іван <not an address>").address, "");
  EXPECT_TRUE(IsMailAddress("a@b.c"));
  EXPECT_FALSE(IsMailAddress("a@b.c\r\nBcc: x@y"));
  EXPECT_FALSE(IsMailAddress("@b.c"));
  EXPECT_FALSE(IsMailAddress("a@@b"));
  EXPECT_FALSE(IsMailAddress("a@b..c"));
}

TEST(ReadMessage, PlainTextAttachmentsAndHeaders) {
  std::string raw =
      "From: =?UTF-8?B?0IbQstCw0L0g0J/QtdGC0YDQtdC90LrQvg==?= <ivan@x.ua>\r\n"
      "Reply-To: other@x.ua\r\n"
      "Subject: =?UTF-8?B?UmU6INCS0LDRiNC1INC30LLQtdGA0L3QtdC90L3Rjw==?=\r\n"
      " =?UTF-8?B?IOKEliAxMjM=?=\r\n"
      "Message-ID: <abc@x.ua>\r\nIn-Reply-To: <vikno.1.2@city.test>\r\n"
      "Date: Tue, 01 Dec 2026 10:00:00 +0200\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
      "preamble\r\n--outer\r\n"
      "Content-Type: multipart/alternative; boundary=inner\r\n\r\n"
      "--inner\r\nContent-Type: text/plain; charset=windows-1251\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n=D2=E0=EA\r\n"
      "--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Так</p>\r\n--inner--\r\n"
      "--outer\r\nContent-Type: image/jpeg; name=\"x.jpg\"\r\n"
      "Content-Disposition: attachment; filename*=UTF-8''%D0%AF%D0%BC%D0%B0.jpg\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n/9j/4A==\r\n"
      "--outer\r\nContent-Type: application/pdf\r\n"
      "Content-Disposition: attachment; filename=\"..\\\\..\\\\evil.pdf\"\r\n\r\n%PDF\r\n"
      "--outer--\r\nepilogue\r\n";
  ReadMail m = ReadMessage(raw);
  EXPECT_EQ(m.from.address, "ivan@x.ua");
  EXPECT_EQ(m.from.name, "Іван Петренко");
  EXPECT_EQ(m.reply_to.address, "other@x.ua");
  EXPECT_EQ(m.subject, "Re: Ваше звернення № 123");
  EXPECT_EQ(m.message_id, "abc@x.ua");
  EXPECT_EQ(m.in_reply_to, "vikno.1.2@city.test");
  ASSERT_TRUE(m.date.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(m.date->time_since_epoch()).count(),
            1796112000);
  EXPECT_EQ(m.text, "Так");
  ASSERT_EQ(m.files.size(), 2u);
  EXPECT_EQ(m.files[0].file_name, "Яма.jpg");
  EXPECT_EQ(m.files[0].content_type, "image/jpeg");
  EXPECT_EQ(m.files[0].data, std::string("\xFF\xD8\xFF\xE0", 4));
  EXPECT_EQ(m.files[1].file_name, "evil.pdf");  // never a path
  EXPECT_EQ(m.files[1].data, "%PDF");
  EXPECT_FALSE(m.automatic);
}

TEST(ReadMessage, HtmlOnlyFlowedAndBrokenMessagesLoseNothing) {
  ReadMail html = ReadMessage(
      "From: a@b.c\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
      "<html><head><style>p{}</style></head><body><p>Не&nbsp;горить &amp; не світить</p>"
      "<div>Рядок&#160;2 &#x2116; 5</div><blockquote>цитата</blockquote></body></html>");
  EXPECT_EQ(html.text, "Не горить & не світить\nРядок 2 № 5");

  ReadMail flowed = ReadMessage(
      "From: a@b.c\r\nContent-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n"
      "Довгий рядок, \r\nякий продовжується.\r\n-- \r\nПідпис\r\n");
  EXPECT_EQ(StripQuotedReply(flowed.text), "Довгий рядок, який продовжується.");

  // A multipart without its closing delimiter, a bad base64 part.
  ReadMail broken = ReadMessage(
      "From: a@b.c\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\n"
      "Content-Type: text/plain\n\nПочаток\n--zz\nContent-Type: image/png\n"
      "Content-Transfer-Encoding: base64\n\n!!!notbase64");
  EXPECT_EQ(broken.text, "Початок");
  ASSERT_EQ(broken.files.size(), 1u);
  EXPECT_EQ(broken.files[0].file_name, "attachment");

  // A multipart whose boundary never occurs: the body is kept as text.
  ReadMail nobound =
      ReadMessage("From: a@b.c\r\nContent-Type: multipart/mixed; boundary=nope\r\n\r\nТекст\r\n");
  EXPECT_EQ(nobound.text, "Текст\n");

  // No header/body separator at all.
  EXPECT_EQ(ReadMessage("just text without headers").text, "just text without headers");

  EXPECT_TRUE(ReadMessage("From: a@b.c\r\nAuto-Submitted: auto-replied\r\n\r\nx").automatic);
  EXPECT_TRUE(ReadMessage("From: a@b.c\r\nPrecedence: bulk\r\n\r\nx").automatic);
  EXPECT_FALSE(ReadMessage("From: a@b.c\r\nAuto-Submitted: no\r\n\r\nx").automatic);
}

TEST(StripQuotedReply, KeepsTheResidentsOwnWords) {
  EXPECT_EQ(StripQuotedReply("Так\n\nпн, 1 груд. 2026 о 10:00 Вікно <v@c.t> пише:\n> Питання?\n"),
            "Так");
  EXPECT_EQ(StripQuotedReply("1\r\n\r\nOn Mon, Dec 1, 2026 at 10:00 AM Vikno\r\n"
                             "<v@c.t> wrote:\r\n> Питання\r\n> ще\r\n"),
            "1");
  EXPECT_EQ(StripQuotedReply("Ні, не усунуто\n-----Original Message-----\nFrom: x\nПитання"),
            "Ні, не усунуто");
  EXPECT_EQ(StripQuotedReply("Текст\n-- \nІван, тел. 050"), "Текст");
  // Inline answers between quoted lines are kept; the quotes go.
  EXPECT_EQ(StripQuotedReply("> Адреса?\nСоборна 14\n> Фото?\nНемає"), "Соборна 14\nНемає");
  // The resident's own colon sentence followed by their words stays.
  EXPECT_EQ(StripQuotedReply("Ось що я написав:\nліхтар не горить"),
            "Ось що я написав:\nліхтар не горить");
}

TEST(AppealNumber, FindsTheNumberInSubjects) {
  EXPECT_EQ(AppealNumber("Re: Ваше звернення зареєстровано за № 123"), "123");
  EXPECT_EQ(AppealNumber("Звернення №2026/17 виконано"), "2026/17");
  EXPECT_EQ(AppealNumber("RE: [N 45-2] відповідь"), "45-2");
  EXPECT_EQ(AppealNumber("Ticket #77"), "77");
  EXPECT_EQ(AppealNumber("будинок 14, квартира 5"), std::nullopt);
  EXPECT_EQ(AppealNumber("№ -"), std::nullopt);
  EXPECT_EQ(AppealNumber("Nothing 12"), std::nullopt);
}

TEST(Composer, SubjectCarriesTheAppealNumber) {
  EXPECT_EQ(SubjectFor("Ваше звернення зареєстровано за № 123\nДякуємо", "x"),
            "Ваше звернення зареєстровано за № 123");
  EXPECT_EQ(
      SubjectFor("Виконавець повідомив про усунення.\n\nЗвернення № 55. 1 — так, 2 — ні", "x"),
      "[№ 55] Виконавець повідомив про усунення.");
  EXPECT_EQ(SubjectFor("\n\n", "Повідомлення"), "Повідомлення");
  std::string longline;
  for (int i = 0; i < 60; ++i) longline += "Ґанок ";
  std::string subject = SubjectFor(longline, "x");
  EXPECT_EQ(subject.substr(subject.size() - 3), "…");
  EXPECT_LE(subject.size(), 100u * 2 + 3);
  EXPECT_GE(subject.size(), 80u * 2);
  EXPECT_TRUE(IsValidUtf8(subject));
}

TEST(Composer, MessageIdIsStableAndSafe) {
  EXPECT_EQ(MessageIdFor("outbox-1", "v@city.test"), MessageIdFor("outbox-1", "v@city.test"));
  EXPECT_NE(MessageIdFor("outbox-1", "v@city.test"), MessageIdFor("outbox-2", "v@city.test"));
  EXPECT_NE(MessageIdFor("a b", "v@c.t"), MessageIdFor("ab", "v@c.t"));
  std::string id = MessageIdFor("x<y>\r\n@z", "v@city.test");
  EXPECT_EQ(id.find_first_of("<>\r\n "), std::string::npos);
  EXPECT_EQ(id.substr(id.find('@')), "@city.test");
}

TEST(Composer, OurOwnReaderReadsWhatTheComposerWrites) {
  ComposeOptions options{"vikno@city.test", "Вікно \"Суми\"", "", "Повідомлення", true};
  sdk::OutboundMessage m;
  m.id = "o-1";
  m.chat_id = "ivan@x.ua";
  m.text = "Ваше звернення зареєстровано за № 7.\n.\nFrom now on: 1 — так, 2 — ні <b>";
  sdk::Attachment a;
  a.file_name = "Довідка щодо звернення № 7.pdf";
  a.content_type = "application/pdf\r\nBcc: evil@x";
  a.data = "%PDF-1.4 binary \x01\x02\xFF";
  m.attachments = {a};
  Composed c = Compose(options, m, std::chrono::system_clock::time_point(std::chrono::hours(1)));
  EXPECT_THAT(c.bytes, Not(HasSubstr("Bcc:")));
  EXPECT_THAT(c.bytes, HasSubstr("Date: Thu, 1 Jan 1970 01:00:00 +0000"));
  ReadMail back = ReadMessage(c.bytes);
  EXPECT_EQ(back.subject, "Ваше звернення зареєстровано за № 7.");
  EXPECT_EQ(back.from.name, "Вікно \"Суми\"");
  EXPECT_EQ(back.from.address, "vikno@city.test");
  EXPECT_EQ(back.message_id, c.message_id);
  EXPECT_EQ(back.text, m.text);
  ASSERT_EQ(back.files.size(), 1u);
  EXPECT_EQ(back.files[0].file_name, a.file_name);
  EXPECT_EQ(back.files[0].content_type, "application/octet-stream");
  EXPECT_EQ(back.files[0].data, a.data);
  EXPECT_TRUE(back.automatic);  // Auto-Submitted: auto-generated, so no loops
}

}  // namespace
}  // namespace vikno::email
