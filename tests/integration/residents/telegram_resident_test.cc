// The residents' side end to end (issue 4, "done when"): the REAL `vikno
// serve` binary with the Sumy rules on a temporary SQLite, its Telegram
// channel (vikno_telegram.so) pointed at telegram-test-api, a Bot API
// emulator written by others, started on loopback. A resident is scripted
// through the emulator's client API: first contact, privacy consent, an
// address typed with a typo, an appeal with a location, its number; then an
// operator (API key) takes it into work and sends it for confirmation, the
// resident is asked "fixed?" and answers with the button, and the appeal is
// Completed, all checked through the REST API.
//
// Intake idempotency runs the host in webhook mode and posts the same update
// body twice to /hooks/telegram/update (the emulator never sends the secret
// header, so the test posts as Telegram would, header included): one
// conversation step, not two. A malformed update and a wrong secret are
// refused with a log line and change nothing.
#include <Poco/JSON/Array.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "integration/residents/resident_harness.h"
#include "integration/telegram/telegram_test_support.h"

namespace vikno::testing {
namespace {

using telegram::testing::Emulator;
using telegram::testing::HttpAnswer;
using telegram::testing::HttpPost;
using telegram::testing::ParseObject;
using telegram::testing::WaitFor;

constexpr const char* kToken = "4242:emulated-token";
constexpr const char* kSecret = "residents-test-secret";

// One message the bot sent, as the emulator recorded it.
struct BotMessage {
  std::string text;
  std::vector<std::string> buttons;  // callback data of inline buttons
  bool asks_location = false;        // a reply keyboard with request_location
};

class ResidentsTelegramTest : public ::testing::Test {
 protected:
  ResidentsTelegramTest() : host_("telegram") {}

  void SetUp() override { ASSERT_EQ(emulator_.error(), "") << emulator_.error(); }

  void Start(const std::string& mode) {
    const std::string error = host_.Start(
        "telegram",
        std::string("  - name: web\n    library: \"\"\n") +
            "  - name: telegram\n    library: " + VIKNO_TELEGRAM_SO + "\n    settings:\n" +
            "      token: \"" + kToken + "\"\n" + "      api_base_url: " + emulator_.base_url() +
            "\n" + "      mode: " + mode + "\n" + "      webhook_secret: " + kSecret + "\n" +
            "      poll_timeout_s: \"0\"\n      poll_interval_ms: \"50\"\n",
        "    telegram:\n      per_second: 100\n      per_recipient_per_second: 50\n");
    ASSERT_EQ(error, "");
  }

  void Stop() { host_.Stop(); }

  std::string Log() { return host_.Log(); }

  // --- the resident, through the emulator's client API ---
  std::string From() {
    return R"("from":{"id":42,"first_name":"Іван","is_bot":false,"language_code":"uk"})";
  }
  void Send(const std::string& fields) {
    const std::string body = std::string(R"({"botToken":")") + kToken + "\"," + From() +
                             R"(,"chat":{"id":42,"type":"private"},"date":1790000000,)" + fields +
                             "}";
    HttpAnswer a = HttpPost(emulator_.port(), "/sendMessage", body);
    ASSERT_EQ(a.status, 200) << a.body;
  }
  void Say(const std::string& text) { Send(R"("text":")" + text + "\""); }
  void Press(const std::string& data) {
    const std::string body = std::string(R"({"botToken":")") + kToken + "\"," + From() +
                             R"(,"message":{"message_id":1,"chat":{"id":42,"type":"private"},)"
                             R"("text":"x"},"data":")" +
                             data + R"("})";
    HttpAnswer a = HttpPost(emulator_.port(), "/sendCallback", body);
    ASSERT_EQ(a.status, 200) << a.body;
  }

  // New bot messages to chat 42 since the last look (the emulator hands each
  // out once), appended to seen_.
  void Collect() {
    HttpAnswer a = HttpPost(emulator_.port(), "/getUpdates",
                            std::string(R"({"token":")") + kToken + R"(","chatId":42})");
    ASSERT_EQ(a.status, 200) << a.body;
    auto list = ParseObject(a.body)->getArray("result");
    for (size_t i = 0; i < list->size(); ++i) {
      auto m = list->getObject(static_cast<unsigned>(i))->getObject("message");
      BotMessage b;
      b.text = m->optValue<std::string>("text", "");
      if (auto markup = m->getObject("reply_markup")) {
        if (auto rows = markup->getArray("inline_keyboard"))
          for (size_t r = 0; r < rows->size(); ++r) {
            auto row = rows->getArray(static_cast<unsigned>(r));
            for (size_t c = 0; c < row->size(); ++c)
              b.buttons.push_back(row->getObject(static_cast<unsigned>(c))
                                      ->optValue<std::string>("callback_data", ""));
          }
        if (auto rows = markup->getArray("keyboard"))
          for (size_t r = 0; r < rows->size(); ++r) {
            auto row = rows->getArray(static_cast<unsigned>(r));
            for (size_t c = 0; c < row->size(); ++c)
              if (row->getObject(static_cast<unsigned>(c))
                      ->optValue<bool>("request_location", false))
                b.asks_location = true;
          }
      }
      seen_.push_back(std::move(b));
    }
  }
  // Waits for a new bot message offering `button` (or any, when empty).
  const BotMessage& Expect(const std::string& button, const std::string& what) {
    const size_t from = next_;
    const bool ok = WaitFor(
        [&] {
          Collect();
          for (size_t i = from; i < seen_.size(); ++i) {
            const auto& b = seen_[i].buttons;
            if (button.empty() || std::find(b.begin(), b.end(), button) != b.end()) {
              next_ = i + 1;
              return true;
            }
          }
          return false;
        },
        std::chrono::seconds(15));
    if (!ok) {
      std::string got;
      for (size_t i = from; i < seen_.size(); ++i) got += "\n  > " + seen_[i].text.substr(0, 200);
      ADD_FAILURE() << "no bot message with button '" << button << "' (" << what << "); got:" << got
                    << "\nhost log:\n"
                    << Log();
      static BotMessage none;
      return none;
    }
    return seen_[next_ - 1];
  }
  // Waits for a bot message containing `part`.
  bool ExpectText(const std::string& part) {
    const size_t from = next_;
    return WaitFor(
        [&] {
          Collect();
          for (size_t i = from; i < seen_.size(); ++i)
            if (seen_[i].text.find(part) != std::string::npos) {
              next_ = i + 1;
              return true;
            }
          return false;
        },
        std::chrono::seconds(15));
  }

  Poco::JSON::Array::Ptr Appeals() { return host_.Appeals(); }

  Emulator emulator_;
  residents::ViknoHost host_;
  std::vector<BotMessage> seen_;
  size_t next_ = 0;
};

TEST_F(ResidentsTelegramTest, ResidentReportsAProblemAndConfirmsTheFix) {
  Start("polling");

  Say("Привіт");
  Expect("agree", "privacy consent (R31)");
  Press("agree");
  Expect("", "address prompt");
  Say("вул. Саборна, 12");  // a typo: Соборна
  const BotMessage& proposal = Expect("yes", "the matched address proposed (R3)");
  EXPECT_NE(proposal.text.find("Соборна"), std::string::npos) << proposal.text;
  Press("yes");
  Expect("m:report", "main menu");

  Press("m:report");
  // Down the classifier tree: the first category at each level, until the
  // description is asked (the only registered address is used, no question).
  for (int level = 0; level < 5; ++level) {
    const size_t before = next_;
    Collect();
    const BotMessage* menu = nullptr;
    ASSERT_TRUE(WaitFor([&] {
      Collect();
      for (size_t i = before; i < seen_.size(); ++i)
        if (!seen_[i].buttons.empty()) {
          menu = &seen_[i];
          next_ = i + 1;
          return true;
        }
      return false;
    })) << Log();
    std::string pick;
    for (const auto& b : menu->buttons)
      if (b.rfind("c:", 0) == 0) {
        pick = b;
        break;
      }
    if (pick.empty()) {  // the description prompt: only "cancel"
      EXPECT_NE(menu->text.find("Опишіть проблему"), std::string::npos) << menu->text;
      break;
    }
    Press(pick);
  }
  Say("Глибока яма на проїжджій частині біля зупинки");
  Expect("add:loc", "summary with its extras");
  Press("add:loc");
  const BotMessage& ask_location = Expect("", "location prompt");
  EXPECT_TRUE(ask_location.asks_location) << ask_location.text;
  Send(R"("location":{"latitude":50.9077,"longitude":34.7981})");
  Expect("send", "summary");
  Press("send");
  ASSERT_TRUE(WaitFor([&] { return Appeals()->size() == 1; })) << Log();
  auto appeal = Appeals()->getObject(0);
  const std::string number = appeal->getValue<std::string>("number");
  const int64_t id = appeal->getValue<int64_t>("id");
  EXPECT_TRUE(ExpectText(number)) << "the number is told at once (R5)";
  EXPECT_EQ(appeal->getValue<std::string>("channel"), "telegram");
  EXPECT_EQ(appeal->getObject("address")->getValue<std::string>("street"), "вулиця Соборна");
  auto point = appeal->getObject("address")->getObject("point");
  ASSERT_TRUE(point);
  EXPECT_DOUBLE_EQ(point->getValue<double>("lat"), 50.9077);

  // The operator works it and sends it for confirmation (R18).
  residents::ApiAnswer t = host_.Transition(id, "take_into_work", "");
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_TRUE(ExpectText(number)) << "the status change reaches the resident (R7)";
  t = host_.Transition(id, "send_for_confirmation", "Яму засипали");
  ASSERT_EQ(t.status, 200) << t.body;
  const BotMessage& fixed = Expect("yes", "fixed? (R18)");
  EXPECT_NE(fixed.text.find("Яму засипали"), std::string::npos) << fixed.text;
  Press("yes");
  ASSERT_TRUE(WaitFor([&] {
    return Appeals()->getObject(0)->getValue<std::string>("status") == "completed";
  })) << Log();
  Expect("", "thanks / rating prompt");

  Stop();
}

TEST_F(ResidentsTelegramTest, ReplayedUpdateMalformedUpdateAndWrongSecretChangeNothing) {
  Start("webhook");
  const std::string hook = "/hooks/telegram/update";
  const std::string update = R"({"update_id":777001,"message":{"message_id":5,"date":1790000000,)"
                             R"("from":{"id":43,"first_name":"Олена","is_bot":false},)"
                             R"("chat":{"id":43,"type":"private"},"text":"Привіт"}})";
  const std::map<std::string, std::string> secret = {{"X-Telegram-Bot-Api-Secret-Token", kSecret}};

  HttpAnswer a = HttpPost(host_.port(), hook, update, secret);
  ASSERT_EQ(a.status, 200) << a.body << Log();
  a = HttpPost(host_.port(), hook, update, secret);  // Telegram re-delivers the same update
  ASSERT_EQ(a.status, 200) << a.body;
  // Wrong secret and a malformed body: refused, logged.
  a = HttpPost(host_.port(), hook, update, {{"X-Telegram-Bot-Api-Secret-Token", "wrong-secret"}});
  EXPECT_EQ(a.status, 403) << a.body;
  a = HttpPost(host_.port(), hook, R"({"update_id": "not a number", "message": [)", secret);
  EXPECT_EQ(a.status / 100, 4) << a.body;
  a = HttpPost(host_.port(), "/hooks/telegram/elsewhere", update, secret);
  EXPECT_EQ(a.status, 404);

  Stop();  // drains the intake: everything taken is handled before exit

  // The store holds one intake record, one resident, and the replies of ONE
  // step (greeting, privacy, consent question), not two.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((host_.dir() / "data" / "vikno.sqlite").c_str(), &db,
                            SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  auto count = [&](const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    int n = -1;
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
  };
  EXPECT_EQ(count("SELECT COUNT(*) FROM inbound_messages"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM inbound_messages WHERE state = 'handled'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM residents"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM dialogues"), 1);
  EXPECT_EQ(
      count("SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE 'reply:telegram:777001:%'"),
      count("SELECT COUNT(*) FROM outbox"));
  EXPECT_GE(count("SELECT COUNT(*) FROM outbox"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM appeals"), 0);
  sqlite3_close(db);
}

}  // namespace
}  // namespace vikno::testing
