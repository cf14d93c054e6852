// The e-mail plugin (vikno_email.so, loaded by the host's PluginLoader)
// against real peers on loopback, started here: npm smtp-server (SMTP,
// STARTTLS, AUTH) handing local mail to a private Dovecot, which serves it
// over POP3. Messages the "resident" sends are built by nodemailer and what
// the channel sends is read back by mailparser: both are independent MIME
// implementations written by others.
#include <Poco/Base64Encoder.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/SHA2Engine.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mail_peers.h"
#include "plugins/plugin_loader.h"

namespace vikno::email::testing {
namespace {

using ::testing::HasSubstr;
using Outcome = sdk::SendResult::Outcome;

const std::map<std::string, std::string> kUsers = {
    {"vikno", "botpw"}, {"resident", "respw"}, {"executor", "exepw"}};

std::string Sha256Hex(const std::string& data) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(data);
  return Poco::DigestEngine::digestToHex(sha.digest());
}

std::string Base64(const std::string& data) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out);
  enc.rdbuf()->setLineLength(0);
  enc << data;
  enc.close();
  return out.str();
}

// Bytes that are not text: a JPEG header and every byte value.
std::string PhotoBytes() {
  std::string b = "\xFF\xD8\xFF\xE0";
  for (int i = 0; i < 3000; ++i) b += static_cast<char>(i * 7 % 256);
  return b;
}

class EmailPeersTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(dovecot_.error(), "") << dovecot_.error(); }
  void TearDown() override {
    if (loaded_) {
      loaded_->channel().Stop();
      loaded_.reset();
    }
  }

  void StartSink(std::map<std::string, std::string> env = {}) {
    env.emplace("SMTP_USER", "bot");
    env.emplace("SMTP_PASS", "smtp-secret");
    env["DOVECOT_CONF"] = dovecot_.conf_path();
    sink_ = std::make_unique<SmtpSink>(env);
    ASSERT_EQ(sink_->error(), "") << sink_->error();
  }

  std::map<std::string, std::string> Settings() {
    return {{"from", "vikno@city.test"},
            {"from_name", "Сумська міська рада — Вікно"},
            {"smtp_host", "127.0.0.1"},
            {"smtp_port", std::to_string(sink_ ? sink_->port() : 1)},
            {"smtp_user", "bot"},
            {"smtp_password", "smtp-secret"},
            {"smtp_starttls", "off"},
            {"retry_s", "7"},
            {"pop3_host", "127.0.0.1"},
            {"pop3_port", std::to_string(dovecot_.pop3_port())},
            {"pop3_user", "vikno"},
            {"pop3_password", "botpw"},
            {"poll_s", "1"}};
  }

  sdk::Channel& Load(const std::map<std::string, std::string>& settings) {
    auto loaded = PluginLoader::Load("email", VIKNO_EMAIL_SO, settings);
    EXPECT_TRUE(loaded.ok()) << loaded.refusal().message;
    loaded_ = std::move(loaded.value());
    return loaded_->channel();
  }

  // A resident's mail program sends `raw` to the bot through the SMTP peer.
  void ResidentSends(const std::string& raw) {
    const std::string refused = SubmitMail(sink_->port(), "bot", "smtp-secret",
                                           "resident@city.test", "vikno@city.test", raw);
    ASSERT_EQ(refused, "");
  }

  Dovecot dovecot_{kUsers};
  std::unique_ptr<SmtpSink> sink_;
  TestHost host_;
  std::unique_ptr<LoadedChannel> loaded_;
};

// Done-when of issue 7 (e-mail): a Ukrainian subject and a Cyrillic
// attachment name survive the round trip, out through SMTP and Dovecot and
// read back by mailparser.
TEST_F(EmailPeersTest, OutboundUkrainianSubjectAndCyrillicAttachmentNameSurvive) {
  StartSink();
  auto s = Settings();
  s["inbound"] = "none";
  sdk::Channel& channel = Load(s);
  ASSERT_TRUE(channel.Start(host_).ok) << host_.lines().Joined();

  sdk::OutboundMessage m;
  m.id = "outbox-4711";
  m.chat_id = "resident@city.test";
  m.text =
      "Ваше звернення зареєстровано за № 2026-123 (освітлення, вул. Соборна, 14).\n"
      "Виконавець: КП «Міськсвітло». Ґанок, їжак, Євген — усі літери на місці.";
  sdk::Attachment photo;
  photo.kind = sdk::Attachment::Kind::kPhoto;
  photo.file_name = "Фото ями — вул. Соборна, 14 (ґанок і їжак) дуже довга назва файлу.jpg";
  photo.content_type = "image/jpeg";
  photo.data = PhotoBytes();
  m.attachments.push_back(photo);

  sdk::SendResult sent = channel.Send(m);
  ASSERT_EQ(sent.outcome, Outcome::kSent) << sent.reason << host_.lines().Joined();
  EXPECT_THAT(sent.provider_message_id, HasSubstr("outbox-4711"));

  auto mails = dovecot_.Messages("resident", "respw");
  ASSERT_EQ(mails.size(), 1u) << dovecot_.log();
  std::string error;
  auto parsed = MailTool::Parse(mails[0], &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->getValue<std::string>("subject"),
            "Ваше звернення зареєстровано за № 2026-123 (освітлення, вул. Соборна, 14).");
  EXPECT_EQ(parsed->getObject("from")->getValue<std::string>("name"),
            "Сумська міська рада — Вікно");
  EXPECT_EQ(parsed->getObject("from")->getValue<std::string>("address"), "vikno@city.test");
  EXPECT_EQ(parsed->getValue<std::string>("messageId"), sent.provider_message_id);
  EXPECT_THAT(parsed->getValue<std::string>("text"), HasSubstr("Ґанок, їжак, Євген"));
  auto files = parsed->getArray("attachments");
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ(files->getObject(0)->getValue<std::string>("filename"), photo.file_name);
  EXPECT_EQ(files->getObject(0)->getValue<std::string>("contentType"), "image/jpeg");
  EXPECT_EQ(files->getObject(0)->getValue<std::string>("sha256"), Sha256Hex(photo.data));
  // Every header line within RFC 5322's 78 characters (folded words).
  std::istringstream lines(mails[0].substr(0, mails[0].find("\r\n\r\n")));
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 79u) << line;
}

// ... and the other way: nodemailer builds a resident's reply with a
// Ukrainian subject naming the appeal and a Cyrillic attachment name.
TEST_F(EmailPeersTest, InboundReplyKeepsCyrillicAttachmentNameAndDropsTheQuote) {
  StartSink();
  const std::string photo = PhotoBytes();
  std::string spec = R"({"from":{"name":"Іван Петренко","address":"resident@city.test"},)"
                     R"("to":"vikno@city.test","messageId":"<reply-1@resident.pc>",)"
                     R"("inReplyTo":"<vikno.outbox-4711.abc@city.test>",)"
                     R"("subject":"Re: Ваше звернення зареєстровано за № 2026-123 — ґанок",)"
                     R"("text":"Так, ліхтар горить. Дякую!\n\n)"
                     R"(пн, 1 груд. 2026 р. о 10:00 Вікно <vikno@city.test> пише:\n)"
                     R"(> Ваше звернення зареєстровано за № 2026-123\n> Чи усунуто проблему?\n",)"
                     R"("attachments":[{"filename":"Фото ліхтаря — Соборна 14.jpg",)"
                     R"("contentType":"image/jpeg","contentBase64":")" +
                     Base64(photo) + R"("}]})";
  std::string error;
  std::string raw = MailTool::Compose(spec, &error);
  ASSERT_FALSE(raw.empty()) << error;
  ResidentSends(raw);
  ASSERT_EQ(dovecot_.Messages("vikno", "botpw").size(), 1u);

  sdk::Channel& channel = Load(Settings());
  ASSERT_TRUE(channel.Start(host_).ok);
  ASSERT_TRUE(WaitFor([&] { return host_.delivered_count() == 1; })) << host_.lines().Joined();
  auto got = host_.delivered()[0];
  EXPECT_EQ(got.provider_id, "reply-1@resident.pc");
  EXPECT_EQ(got.chat_id, "resident@city.test");
  EXPECT_EQ(got.sender_name, "Іван Петренко");
  EXPECT_EQ(got.text, "Так, ліхтар горить. Дякую!");
  ASSERT_EQ(got.attachments.size(), 1u);
  EXPECT_EQ(got.attachments[0].file_name, "Фото ліхтаря — Соборна 14.jpg");
  EXPECT_EQ(got.attachments[0].kind, sdk::Attachment::Kind::kPhoto);
  EXPECT_EQ(got.attachments[0].data, photo);
  // Deleted only after the host took it.
  ASSERT_TRUE(WaitFor([&] { return dovecot_.Messages("vikno", "botpw").empty(); }));
  EXPECT_TRUE(host_.lines().Contains("concerns appeal № 2026-123")) << host_.lines().Joined();
}

TEST_F(EmailPeersTest, AMessageTheHostRefusesStaysOnTheServerUntilTaken) {
  StartSink();
  ResidentSends(
      "From: =?UTF-8?B?0IbQstCw0L0=?= <resident@city.test>\r\nTo: vikno@city.test\r\n"
      "Subject: =?UTF-8?B?0J3QtSDQs9C+0YDQuNGC0Ywg0LvRltGF0YLQsNGA?=\r\n"
      "Message-ID: <new-1@resident.pc>\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\nвул. Соборна, 14\r\n");
  host_.set_refuse(true);
  sdk::Channel& channel = Load(Settings());
  ASSERT_TRUE(channel.Start(host_).ok);
  ASSERT_TRUE(WaitFor([&] { return host_.lines().Contains("host refused message"); }));
  EXPECT_EQ(dovecot_.Messages("vikno", "botpw").size(), 1u);
  host_.set_refuse(false);
  ASSERT_TRUE(WaitFor([&] { return host_.delivered_count() == 1; })) << host_.lines().Joined();
  // A new letter's subject is part of what the resident wrote.
  EXPECT_EQ(host_.delivered()[0].text, "Не горить ліхтар\n\nвул. Соборна, 14");
  ASSERT_TRUE(WaitFor([&] { return dovecot_.Messages("vikno", "botpw").empty(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(host_.delivered_count(), 1u);
}

TEST_F(EmailPeersTest, ManyMessagesInOnePollAreEachDeliveredOnce) {
  StartSink();
  // Poco 1.11's bare UIDL desyncs the session (CHANNELS.md §4); several
  // messages in one mailbox exercise the per-message UIDL.
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(
        dovecot_.Inject("vikno", "From: r" + std::to_string(i) + "@city.test\r\nSubject: Re: № " +
                                     std::to_string(i) + "\r\nMessage-ID: <m" + std::to_string(i) +
                                     "@x>\r\n\r\nВідповідь " + std::to_string(i) + "\r\n"),
        "");
  }
  sdk::Channel& channel = Load(Settings());
  ASSERT_TRUE(channel.Start(host_).ok);
  ASSERT_TRUE(WaitFor([&] { return host_.delivered_count() == 5; })) << host_.lines().Joined();
  auto got = host_.delivered();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(got[i].text, "Відповідь " + std::to_string(i));
    EXPECT_EQ(got[i].chat_id, "r" + std::to_string(i) + "@city.test");
  }
  ASSERT_TRUE(WaitFor([&] { return dovecot_.Messages("vikno", "botpw").empty(); }));
}

TEST_F(EmailPeersTest, ARetriedSendCarriesTheSameMessageId) {
  StartSink();
  auto s = Settings();
  s["inbound"] = "none";
  sdk::Channel& channel = Load(s);
  ASSERT_TRUE(channel.Start(host_).ok);
  sdk::OutboundMessage m;
  m.id = "notice-77";
  m.chat_id = "executor@city.test";  // a staff notice (002 §8.2.3) goes the same way
  m.text = "Нове звернення № 88: яма на дорозі, вул. Харківська, 3.";
  auto a = channel.Send(m);
  auto b = channel.Send(m);
  ASSERT_EQ(a.outcome, Outcome::kSent) << a.reason;
  ASSERT_EQ(b.outcome, Outcome::kSent) << b.reason;
  EXPECT_EQ(a.provider_message_id, b.provider_message_id);
  auto accepted = sink_->accepted();
  ASSERT_EQ(accepted.size(), 2u);
  EXPECT_EQ(accepted[0].record->getValue<std::string>("messageId"), a.provider_message_id);
  EXPECT_EQ(accepted[1].record->getValue<std::string>("messageId"), a.provider_message_id);
  EXPECT_EQ(accepted[0].record->getValue<std::string>("user"), "bot");
  m.id = "notice-78";
  EXPECT_NE(channel.Send(m).provider_message_id, a.provider_message_id);
}

TEST_F(EmailPeersTest, RejectedRecipientFailsAndThrottlingAndBadLoginAreRetried) {
  StartSink({{"SMTP_RATE", "2"}});
  auto s = Settings();
  s["inbound"] = "none";
  sdk::Channel& channel = Load(s);
  ASSERT_TRUE(channel.Start(host_).ok);
  sdk::OutboundMessage m;
  m.id = "x1";
  m.chat_id = "reject@city.test";
  m.text = "Тест";
  auto r = channel.Send(m);
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_THAT(r.reason, HasSubstr("550"));

  // The sink accepts 2 per second with a burst of 2: a quick third is 451.
  m.chat_id = "resident@city.test";
  std::vector<sdk::SendResult> results;
  for (int i = 0; i < 4; ++i) {
    m.id = "burst-" + std::to_string(i);
    results.push_back(channel.Send(m));
  }
  auto retried = std::count_if(results.begin(), results.end(),
                               [](const auto& x) { return x.outcome == Outcome::kRetry; });
  EXPECT_GE(retried, 1);
  for (const auto& x : results) {
    if (x.outcome != Outcome::kRetry) continue;
    EXPECT_THAT(x.reason, HasSubstr("451"));
    EXPECT_EQ(x.retry_after, std::chrono::seconds(7));
  }
  // The connection survives a 451: the next send after the refill works.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  m.id = "after-refill";
  EXPECT_EQ(channel.Send(m).outcome, Outcome::kSent);

  loaded_->channel().Stop();
  loaded_.reset();
  s["smtp_password"] = "wrong";
  sdk::Channel& bad = Load(s);
  ASSERT_TRUE(bad.Start(host_).ok);
  auto login = bad.Send(m);
  EXPECT_EQ(login.outcome, Outcome::kRetry);  // a wrong password must not drop messages
  EXPECT_THAT(login.reason, HasSubstr("535"));
}

TEST_F(EmailPeersTest, UnreachableServerIsRetried) {
  auto s = Settings();
  s["inbound"] = "none";
  s["smtp_port"] = std::to_string(FreePort());
  sdk::Channel& channel = Load(s);
  ASSERT_TRUE(channel.Start(host_).ok);
  sdk::OutboundMessage m{"u1", "resident@city.test", "Текст", std::nullopt, {}};
  auto r = channel.Send(m);
  EXPECT_EQ(r.outcome, Outcome::kRetry);
  EXPECT_THAT(r.reason, HasSubstr("unreachable"));
  m.chat_id = "not an address";
  EXPECT_EQ(channel.Send(m).outcome, Outcome::kFailed);
}

TEST_F(EmailPeersTest, StartTlsThenAuth) {
  StartSink();  // smtp-server offers STARTTLS with its built-in self-signed certificate
  auto s = Settings();
  s["inbound"] = "none";
  s["smtp_starttls"] = "required";
  s["smtp_tls_verify"] = "false";
  sdk::Channel& channel = Load(s);
  ASSERT_TRUE(channel.Start(host_).ok);
  sdk::OutboundMessage m{"tls-1", "resident@city.test", "Через TLS", std::nullopt, {}};
  auto r = channel.Send(m);
  ASSERT_EQ(r.outcome, Outcome::kSent) << r.reason;
  auto accepted = sink_->accepted();
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_TRUE(accepted[0].record->getValue<bool>("secure"));
  EXPECT_EQ(accepted[0].record->getValue<std::string>("user"), "bot");
}

TEST_F(EmailPeersTest, StartTlsVerificationRefusesAnUntrustedCertificate) {
  StartSink();
  auto s = Settings();
  s["inbound"] = "none";
  s["smtp_starttls"] = "required";  // smtp_tls_verify defaults to true
  sdk::Channel& channel = Load(s);
  ASSERT_TRUE(channel.Start(host_).ok);
  sdk::OutboundMessage m{"tls-2", "resident@city.test", "Текст", std::nullopt, {}};
  auto r = channel.Send(m);
  EXPECT_EQ(r.outcome, Outcome::kRetry) << r.reason;
  EXPECT_EQ(sink_->accepted_count(), 0u);
}

TEST_F(EmailPeersTest, RequiredStartTlsNotOfferedSendsNothing) {
  StartSink({{"SMTP_NO_STARTTLS", "1"}});
  auto s = Settings();
  s["inbound"] = "none";
  s["smtp_starttls"] = "required";
  sdk::Channel& channel = Load(s);
  ASSERT_TRUE(channel.Start(host_).ok);
  sdk::OutboundMessage m{"tls-3", "resident@city.test", "Текст", std::nullopt, {}};
  auto r = channel.Send(m);
  EXPECT_EQ(r.outcome, Outcome::kRetry);
  EXPECT_THAT(r.reason, HasSubstr("STARTTLS"));
  EXPECT_EQ(sink_->accepted_count(), 0u);
}

TEST_F(EmailPeersTest, ABounceOfOurMessageBecomesAFailedDeliveryReport) {
  StartSink();
  ASSERT_EQ(dovecot_.Inject(
                "vikno",
                "From: MAILER-DAEMON@city.test\r\nTo: vikno@city.test\r\nSubject: Undelivered\r\n"
                "Auto-Submitted: auto-replied\r\nMessage-ID: <bounce-1@city.test>\r\n"
                "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n"
                "\r\n--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
                "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n\r\n"
                "Final-Recipient: rfc822; gone@city.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
                "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
                "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
                "Message-ID: <vikno.outbox-9.0123456789ab@city.test>\r\n--b--\r\n"),
            "");
  sdk::Channel& channel = Load(Settings());
  ASSERT_TRUE(channel.Start(host_).ok);
  ASSERT_TRUE(WaitFor([&] { return !host_.reports().empty(); })) << host_.lines().Joined();
  auto report = host_.reports()[0];
  EXPECT_EQ(report.id, "vikno.outbox-9.0123456789ab@city.test");
  EXPECT_EQ(report.state, sdk::DeliveryState::kFailed);
  EXPECT_THAT(report.detail, HasSubstr("550 5.1.1"));
  EXPECT_EQ(host_.delivered_count(), 0u);  // not a resident's message
}

TEST(EmailSettingsTest, EveryProblemIsListedAtOnce) {
  auto loaded = PluginLoader::Load("email", VIKNO_EMAIL_SO,
                                   {{"from", "not-an-address"},
                                    {"smtp_port", "99999"},
                                    {"smtp_starttls", "maybe"},
                                    {"smtp_user", "bot"},
                                    {"pop3_host", "127.0.0.1"},
                                    {"colour", "blue"}});
  ASSERT_FALSE(loaded.ok());
  const std::string& m = loaded.refusal().message;
  for (const char* part : {"from:", "smtp_host: required", "smtp_port:", "smtp_starttls:",
                           "smtp_password: required", "pop3_user: required", "colour: unknown"})
    EXPECT_THAT(m, HasSubstr(part));
}

}  // namespace
}  // namespace vikno::email::testing
