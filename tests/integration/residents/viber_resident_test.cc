// Issue 7's done-when over Viber: the REAL `vikno serve` binary with its
// Viber channel (vikno_viber.so) pointed at FakeViberApi
// (tests/integration/viber/fake_viber_api.h: there is no Viber emulator, so
// this fake says it is one; it checks X-Viber-Auth-Token and signs its
// callbacks with the token as Viber does). The host's public URL lets the
// plugin call set_webhook; the fake then checks the webhook and, playing
// Viber for the resident, POSTs signed "message" callbacks to it. Buttons
// are pressed the Viber way: the button's ActionBody as text, with the
// tracking_data of the bot's last message.
#include <gtest/gtest.h>

#include <sstream>

#include "integration/residents/resident_harness.h"
#include "integration/viber/fake_viber_api.h"

namespace vikno::testing::residents {
namespace {

using viber::testing::FakeViberApi;

constexpr const char* kToken = "4f2d8a6c11e0b7a3-9c5e1d0f2a4b6c8d-e0f1a2b3c4d5e6f7";
constexpr const char* kUser = "r3sId3ntV1b3rUs3r+A==";

class ViberResident final : public Resident {
 public:
  explicit ViberResident(FakeViberApi& api) : api_(api) {}

  void Say(const std::string& text) override { Post(Text(text, LastTracking())); }
  void Choose(const BotMessage&, const Choice& choice) override {
    // Viber returns the tracking_data of the bot's last message, whichever
    // message's keyboard the resident pressed.
    Post(Text(choice.answer, LastTracking()));
  }
  bool ShareLocation(double lat, double lon) override {
    Poco::JSON::Object message, location;
    location.set("lat", lat);
    location.set("lon", lon);
    message.set("type", std::string("location"));
    message.set("location", location);
    if (const std::string t = LastTracking(); !t.empty()) message.set("tracking_data", t);
    Post(message);
    return true;
  }
  std::vector<BotMessage> Fetch() override {
    std::vector<BotMessage> out;
    auto calls = api_.calls("send_message");
    for (; taken_ < calls.size(); ++taken_) {
      const auto& call = calls[taken_];
      if (call.status != 0 || !call.params ||
          call.params->optValue<std::string>("receiver", "") != kUser)
        continue;
      BotMessage m;
      m.text = call.params->optValue<std::string>("text", "");
      m.tracking = call.params->optValue<std::string>("tracking_data", "");
      if (auto keyboard = call.params->getObject("keyboard"))
        if (auto buttons = keyboard->getArray("Buttons"))
          for (size_t i = 0; i < buttons->size(); ++i) {
            auto b = buttons->getObject(static_cast<unsigned>(i));
            const std::string type = b->optValue<std::string>("ActionType", "");
            if (type == "location-picker") m.asks_location = true;
            if (type == "reply")
              m.choices.push_back({b->optValue<std::string>("Text", ""),
                                   b->optValue<std::string>("ActionBody", "")});
          }
      out.push_back(std::move(m));
    }
    return out;
  }

 private:
  // tracking_data of the last message Viber accepted for the resident.
  std::string LastTracking() {
    auto calls = api_.calls("send_message");
    for (auto it = calls.rbegin(); it != calls.rend(); ++it)
      if (it->status == 0 && it->params &&
          it->params->optValue<std::string>("receiver", "") == kUser)
        return it->params->optValue<std::string>("tracking_data", "");
    return "";
  }
  Poco::JSON::Object Text(const std::string& text, const std::string& tracking) {
    Poco::JSON::Object message;
    message.set("type", std::string("text"));
    message.set("text", text);
    if (!tracking.empty()) message.set("tracking_data", tracking);
    return message;
  }
  void Post(const Poco::JSON::Object& message) {
    std::ostringstream m;
    message.stringify(m);
    const std::string body =
        R"({"event":"message","timestamp":1790000000123,"chat_hostname":"SN-CHAT-05_",)"
        R"("message_token":)" +
        std::to_string(5098034272017995001ULL + token_++) + R"(,"sender":{"id":")" + kUser +
        R"(","name":"Олена","language":"uk","country":"UA","api_version":10},"message":)" +
        m.str() + "}";
    EXPECT_EQ(api_.Callback(body), 200) << body;
  }

  FakeViberApi& api_;
  size_t taken_ = 0;
  uint64_t token_ = 0;
};

TEST(ResidentsViberTest, ResidentReportsAProblemAndConfirmsTheFix) {
  FakeViberApi api(kToken);
  ViknoHost host("viber");
  const std::string error =
      host.Start("viber",
                 "  - name: viber\n    library: " VIKNO_VIBER_SO
                 "\n    settings:\n"
                 "      auth_token: \"" +
                     std::string(kToken) + "\"\n      sender_name: \"Суми: міська служба\"\n" +
                     "      api_base_url: " + api.base_url() + "\n" +
                     "      retry_backoff_s: \"1\"\n      broadcast: \"false\"\n",
                 "    viber:\n      per_second: 100\n      per_recipient_per_second: 50\n");
  ASSERT_EQ(error, "");
  // set_webhook goes out after the host serves /hooks/; Viber checks the URL.
  ASSERT_TRUE(WaitFor([&] { return api.webhook_check_status() == 200; }, std::chrono::seconds(30)))
      << "webhook check answered " << api.webhook_check_status() << "\n"
      << host.Log();
  EXPECT_EQ(api.webhook_url(), host.public_url() + "/hooks/viber/callback");

  ViberResident resident(api);
  ReportAndConfirmTheFix("viber", resident, host);

  host.Stop();
}

}  // namespace
}  // namespace vikno::testing::residents
