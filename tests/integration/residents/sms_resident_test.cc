// Issue 7's done-when over SMS: the REAL `vikno serve` binary with its SMS
// channel (vikno_sms.so, an SMPP 3.4 ESME) bound to the test SMSC
// (tests/peers/smsc.js on npm smpp, started here on loopback). The resident
// is a phone: its texts reach the bot as MO deliver_sm (the SMSC's control
// API, POST /mo), the bot's answers are the submit_sm the SMSC accepted
// (GET /submitted), long ones joined from their concatenation parts. SMS has
// no buttons: the conversation sends numbered menus and the resident answers
// with the number.
#include <gtest/gtest.h>

#include <map>

#include "integration/residents/resident_harness.h"
#include "integration/sms/sms_test_support.h"

namespace vikno::testing::residents {
namespace {

using sms::testing::Smsc;

constexpr const char* kPhone = "380501234567";  // the resident, as the SMSC writes it
constexpr const char* kShortCode = "1551";

std::string JsonString(const std::string& s) {
  Poco::JSON::Object o;
  o.set("v", s);
  std::ostringstream out;
  o.stringify(out);
  const std::string all = out.str();  // {"v":"..."}
  return all.substr(5, all.size() - 6);
}

class SmsResident final : public Resident {
 public:
  explicit SmsResident(Smsc& smsc) : smsc_(smsc) {}

  void Say(const std::string& text) override {
    auto answer = smsc_.Post("/mo", std::string(R"({"from":")") + kPhone + R"(","to":")" +
                                        kShortCode + R"(","text":)" + JsonString(text) + "}");
    ASSERT_TRUE(answer);
    EXPECT_GE(answer->optValue<int>("parts", 0), 1) << text;
  }
  void Choose(const BotMessage&, const Choice& choice) override { Say(choice.answer); }
  bool ShareLocation(double, double) override { return false; }

  // New whole texts to the resident's number: single SMS as they are, long
  // ones once every part is in (UDH IE "0003rrttss").
  std::vector<BotMessage> Fetch() override {
    std::vector<BotMessage> out;
    auto submitted = smsc_.Submitted();
    for (; taken_ < submitted->size(); ++taken_) {
      auto s = submitted->getObject(static_cast<unsigned>(taken_));
      if (s->getValue<std::string>("destination_addr").find(&kPhone[3]) == std::string::npos)
        continue;
      const std::string text = s->getValue<std::string>("text");
      auto udh = s->getArray("udh");
      std::string whole;
      if (!udh || udh->size() == 0) {
        whole = text;
      } else {
        const std::string ie = udh->getElement<std::string>(0);
        const std::string ref = ie.substr(4, 2);
        const int total = std::stoi(ie.substr(6, 2), nullptr, 16);
        const int seq = std::stoi(ie.substr(8, 2), nullptr, 16);
        auto& group = parts_[ref];
        EXPECT_FALSE(group.count(seq)) << "part " << seq << " of " << ref << " submitted twice";
        group[seq] = text;
        if (static_cast<int>(group.size()) < total) continue;
        for (auto& [n, t] : group) whole += t;
        parts_.erase(ref);
      }
      BotMessage m;
      m.text = whole;
      m.choices = NumberedChoices(whole);
      out.push_back(std::move(m));
    }
    return out;
  }

 private:
  Smsc& smsc_;
  size_t taken_ = 0;
  std::map<std::string, std::map<int, std::string>> parts_;  // reference → seq → text
};

TEST(ResidentsSmsTest, ResidentReportsAProblemAndConfirmsTheFix) {
  Smsc smsc(/*tps=*/50);
  ASSERT_EQ(smsc.error(), "") << smsc.error();
  ViknoHost host("sms");
  const std::string error =
      host.Start("sms",
                 "  - name: sms\n    library: " VIKNO_SMS_SO
                 "\n    settings:\n"
                 "      host: 127.0.0.1\n      port: \"" +
                     std::to_string(smsc.smpp_port()) +
                     "\"\n      system_id: vikno\n      password: secret\n"
                     "      source_addr: \"" +
                     kShortCode + "\"\n      tps: \"50\"\n      country_code: \"380\"\n",
                 "    sms:\n      per_second: 40\n      per_recipient_per_second: 40\n");
  ASSERT_EQ(error, "");
  ASSERT_TRUE(WaitFor([&] { return smsc.Bound() >= 1; })) << host.Log();

  SmsResident resident(smsc);
  ReportAndConfirmTheFix("sms", resident, host);

  host.Stop();
  EXPECT_TRUE(WaitFor([&] { return smsc.Bound() == 0; })) << "the ESME unbinds on stop";
}

}  // namespace
}  // namespace vikno::testing::residents
