// Issue 7's done-when over e-mail: the REAL `vikno serve` binary with its
// e-mail channel (vikno_email.so) against the real peers on loopback
// (tests/integration/email/mail_peers.h): npm smtp-server
// (tests/peers/smtp-sink.js) handing mail for city.test to a private Dovecot
// (run as root), which the channel polls over POP3. The resident writes with
// nodemailer-built mail submitted to the SMTP peer, replying to the bot's
// last letter (In-Reply-To, "Re:" subject) as a mail program does, and reads
// the bot's letters from its own Dovecot mailbox over POP3, decoded by
// mailparser. E-mail has no buttons: the conversation sends numbered menus
// and the resident answers with the number.
#include <gtest/gtest.h>

#include "integration/email/mail_peers.h"
#include "integration/residents/resident_harness.h"

namespace vikno::testing::residents {
namespace {

using email::testing::Dovecot;
using email::testing::MailTool;
using email::testing::SmtpSink;

const std::map<std::string, std::string> kUsers = {{"vikno", "botpw"}, {"resident", "respw"}};

std::string Json(const Poco::JSON::Object& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

class EmailResident final : public Resident {
 public:
  EmailResident(Dovecot& dovecot, SmtpSink& sink) : dovecot_(dovecot), sink_(sink) {}

  void Say(const std::string& text) override {
    Poco::JSON::Object spec, from;
    from.set("name", std::string("Олена Коваль"));
    from.set("address", std::string("resident@city.test"));
    spec.set("from", from);
    spec.set("to", std::string("vikno@city.test"));
    spec.set("messageId", "<resident-" + std::to_string(++sent_) + "@home.test>");
    if (last_id_.empty()) {
      spec.set("subject", std::string("Звернення"));
    } else {  // a reply to the bot's last letter, as a mail program writes it
      spec.set("inReplyTo", last_id_);
      spec.set("references", last_id_);
      spec.set("subject", "Re: " + last_subject_);
    }
    spec.set("text", text);
    std::string error;
    const std::string raw = MailTool::Compose(Json(spec), &error);
    ASSERT_FALSE(raw.empty()) << error;
    const std::string refused = email::testing::SubmitMail(
        sink_.port(), "bot", "smtp-secret", "resident@city.test", "vikno@city.test", raw);
    ASSERT_EQ(refused, "");
  }
  void Choose(const BotMessage&, const Choice& choice) override { Say(choice.answer); }
  bool ShareLocation(double, double) override { return false; }

  std::vector<BotMessage> Fetch() override {
    std::vector<BotMessage> out;
    std::vector<std::string> mails;
    try {
      mails = dovecot_.Messages("resident", "respw");
    } catch (const Poco::Exception& e) {
      ADD_FAILURE() << "POP3: " << e.displayText();
      return out;
    }
    for (; taken_ < mails.size(); ++taken_) {
      std::string error;
      auto parsed = MailTool::Parse(mails[taken_], &error);
      if (!parsed) {
        ADD_FAILURE() << "mailparser: " << error;
        continue;
      }
      last_id_ = "<" + parsed->optValue<std::string>("messageId", "") + ">";
      last_subject_ = parsed->optValue<std::string>("subject", "");
      BotMessage m;
      m.text = parsed->optValue<std::string>("text", "");
      m.choices = NumberedChoices(m.text);
      out.push_back(std::move(m));
    }
    return out;
  }

 private:
  Dovecot& dovecot_;
  SmtpSink& sink_;
  size_t taken_ = 0;
  int sent_ = 0;
  std::string last_id_, last_subject_;
};

TEST(ResidentsEmailTest, ResidentReportsAProblemAndConfirmsTheFix) {
  Dovecot dovecot(kUsers);
  ASSERT_EQ(dovecot.error(), "") << dovecot.error();
  SmtpSink sink(
      {{"SMTP_USER", "bot"}, {"SMTP_PASS", "smtp-secret"}, {"DOVECOT_CONF", dovecot.conf_path()}});
  ASSERT_EQ(sink.error(), "") << sink.error();
  ViknoHost host("email");
  const std::string error =
      host.Start("email",
                 "  - name: email\n    library: " VIKNO_EMAIL_SO
                 "\n    settings:\n"
                 "      from: vikno@city.test\n      from_name: \"Сумська міська рада — Вікно\"\n"
                 "      smtp_host: 127.0.0.1\n      smtp_port: \"" +
                     std::to_string(sink.port()) +
                     "\"\n      smtp_user: bot\n      smtp_password: smtp-secret\n"
                     "      smtp_starttls: \"off\"\n      retry_s: \"2\"\n"
                     "      pop3_host: 127.0.0.1\n      pop3_port: \"" +
                     std::to_string(dovecot.pop3_port()) +
                     "\"\n      pop3_user: vikno\n      pop3_password: botpw\n      poll_s: \"1\"\n"
                     "      rate_overall: \"20\"\n      rate_per_recipient: \"0\"\n",
                 "    email:\n      per_second: 20\n      per_recipient_per_second: 20\n");
  ASSERT_EQ(error, "");

  EmailResident resident(dovecot, sink);
  ReportAndConfirmTheFix("email", resident, host, std::chrono::seconds(30));

  host.Stop();
}

}  // namespace
}  // namespace vikno::testing::residents
