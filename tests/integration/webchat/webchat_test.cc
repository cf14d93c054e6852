// The web-chat channel as the host sees it: the real plugin .so loaded by
// PluginLoader, started with a test double of sdk::Host that records what
// the channel delivers and reports, and driven through the webhooks it
// registers (session, messages, updates), as the host's HTTP layer would.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "chat_auth.h"
#include "mailbox.h"
#include "plugins/plugin_loader.h"
#include "vikno/sdk/host.h"
#include "web_channel.h"

namespace vikno::web {
namespace {

namespace fs = std::filesystem;
using Poco::JSON::Object;

constexpr const char* kSecret = "test-secret-0123456789abcdef";

// A TEST DOUBLE of the vikno host: keeps the webhooks the channel
// registers and records every message delivered, receipt reported and
// line logged. `refuse` makes Deliver fail as a full intake queue would.
class TestHost final : public sdk::Host {
 public:
  class Lines final : public sdk::Logger {
   public:
    void Log(Level, const std::string& m) override {
      std::lock_guard lock(mu_);
      lines_.push_back(m);
    }
    bool Contains(const std::string& part) {
      std::lock_guard lock(mu_);
      for (const auto& l : lines_)
        if (l.find(part) != std::string::npos) return true;
      return false;
    }

   private:
    std::mutex mu_;
    std::vector<std::string> lines_;
  };

  const std::string& ChannelName() const override { return name_; }
  sdk::Status Deliver(sdk::InboundMessage message) override {
    std::lock_guard lock(mu_);
    if (refuse_) return sdk::Status::Error("intake queue is full");
    delivered_.push_back(std::move(message));
    return sdk::Status::Ok();
  }
  sdk::Status RegisterWebhook(const std::string& path, sdk::WebhookHandler handler) override {
    std::lock_guard lock(mu_);
    if (!hooks_.emplace(path, std::move(handler)).second)
      return sdk::Status::Error("path already registered: " + path);
    return sdk::Status::Ok();
  }
  std::string WebhookUrl(const std::string& path) const override { return "/hooks/web/" + path; }
  void ReportDelivery(const std::string& id, sdk::DeliveryState state,
                      const std::string&) override {
    std::lock_guard lock(mu_);
    reports_.emplace_back(id, state);
  }
  sdk::Logger& Log() override { return log_; }
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }

  // Calls the handler registered for `path`, as the host's HTTP layer does.
  sdk::WebhookResponse Call(const std::string& method, const std::string& path,
                            const std::string& body,
                            const std::map<std::string, std::string>& query = {}) {
    sdk::WebhookHandler handler;
    {
      std::lock_guard lock(mu_);
      auto it = hooks_.find(path);
      if (it == hooks_.end()) {
        sdk::WebhookResponse none;
        none.status = 404;
        return none;
      }
      handler = it->second;
    }
    sdk::WebhookRequest r;
    r.method = method;
    r.path = path;
    r.query = query;
    r.body = body;
    r.headers["content-type"] = "application/json";
    r.remote_address = "127.0.0.1:5555";
    return handler(r);
  }
  void RemoveWebhooks() {
    std::lock_guard lock(mu_);
    hooks_.clear();
  }

  std::vector<sdk::InboundMessage> delivered() {
    std::lock_guard lock(mu_);
    return delivered_;
  }
  std::vector<std::pair<std::string, sdk::DeliveryState>> reports() {
    std::lock_guard lock(mu_);
    return reports_;
  }
  void set_refuse(bool refuse) {
    std::lock_guard lock(mu_);
    refuse_ = refuse;
  }
  Lines& lines() { return log_; }

 private:
  std::string name_ = "web";
  std::mutex mu_;
  std::map<std::string, sdk::WebhookHandler> hooks_;
  std::vector<sdk::InboundMessage> delivered_;
  std::vector<std::pair<std::string, sdk::DeliveryState>> reports_;
  bool refuse_ = false;
  Lines log_;
};

Object::Ptr Parse(const std::string& json) {
  Poco::JSON::Parser parser;
  return parser.parse(json).extract<Object::Ptr>();
}

std::string Quote(const std::string& s) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(Poco::Dynamic::Var(s), out);
  return out.str();
}

class WebChatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(VIKNO_TEST_TMP_DIR) /
           (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
            RandomHex(4));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    settings_ = {{"secret", kSecret},
                 {"data_dir", dir_.string()},
                 {"poll_timeout_s", "2"},
                 {"max_pending", "5"}};
  }
  void TearDown() override {
    StopChannel();
    fs::remove_all(dir_);
  }

  void StartChannel() {
    host_ = std::make_unique<TestHost>();
    auto loaded = PluginLoader::Load("web", VIKNO_WEB_SO, settings_);
    ASSERT_TRUE(loaded.ok()) << loaded.refusal().message;
    loaded_ = std::move(loaded).value();
    auto started = loaded_->channel().Start(*host_);
    ASSERT_TRUE(started.ok) << started.message;
  }
  // As the host does: webhooks off, then Stop, then destroy and unload.
  void StopChannel() {
    if (!loaded_) return;
    host_->RemoveWebhooks();
    loaded_->channel().Stop();
    loaded_.reset();
  }
  void RestartChannel() {
    StopChannel();
    StartChannel();
  }

  std::pair<std::string, std::string> NewChat() {
    auto r = host_->Call("POST", "session", "");
    EXPECT_EQ(r.status, 200) << r.body;
    auto o = Parse(r.body);
    return {o->getValue<std::string>("chat"), o->getValue<std::string>("token")};
  }
  sdk::WebhookResponse Post(const std::string& chat, const std::string& token,
                            const std::string& id, const std::string& rest) {
    std::string body = "{\"chat\":" + Quote(chat) + ",\"token\":" + Quote(token) +
                       ",\"id\":" + Quote(id) + (rest.empty() ? "" : "," + rest) + "}";
    return host_->Call("POST", "messages", body);
  }
  sdk::WebhookResponse Updates(const std::string& chat, const std::string& token, int64_t after) {
    return host_->Call("GET", "updates", "",
                       {{"chat", chat}, {"token", token}, {"after", std::to_string(after)}});
  }
  sdk::SendResult SendText(const std::string& chat, const std::string& text,
                           const std::string& id = "") {
    sdk::OutboundMessage m;
    m.id = id.empty() ? "outbox-" + RandomHex(4) : id;
    m.chat_id = chat;
    m.text = text;
    return loaded_->channel().Send(m);
  }
  std::vector<std::string> Texts(const sdk::WebhookResponse& r, std::vector<int64_t>* seqs) {
    std::vector<std::string> texts;
    auto messages = Parse(r.body)->getArray("messages");
    for (size_t i = 0; i < messages->size(); ++i) {
      auto m = messages->getObject(static_cast<unsigned>(i));
      texts.push_back(m->getValue<std::string>("text"));
      if (seqs) seqs->push_back(m->getValue<Poco::Int64>("seq"));
    }
    return texts;
  }

  fs::path dir_;
  std::map<std::string, std::string> settings_;
  std::unique_ptr<TestHost> host_;
  std::unique_ptr<LoadedChannel> loaded_;
};

TEST(WebChatAuth, HmacSha256MatchesRfc4231) {
  // RFC 4231, test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebChatAuth, ChatIdsAreRandom128BitHexAndTokensBindTheChat) {
  const std::string a = ChatAuth::NewChatId();
  const std::string b = ChatAuth::NewChatId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(ChatAuth::IsChatId(a));
  EXPECT_FALSE(ChatAuth::IsChatId("../../etc/passwd0000000000000000"));
  EXPECT_FALSE(ChatAuth::IsChatId(a.substr(1)));
  ChatAuth auth(kSecret);
  EXPECT_TRUE(auth.Check(a, auth.Token(a)));
  EXPECT_FALSE(auth.Check(b, auth.Token(a)));
  EXPECT_FALSE(ChatAuth("another-secret-0123456789").Check(a, auth.Token(a)));
  EXPECT_FALSE(auth.Check(a, ""));
}

TEST(WebChatText, Utf8IsChecked) {
  EXPECT_TRUE(IsUtf8("вул Петропавлiвська 12 ’"));
  EXPECT_FALSE(IsUtf8("\xC0\xAF"));      // overlong '/'
  EXPECT_FALSE(IsUtf8("\xED\xA0\x80"));  // a surrogate
  EXPECT_FALSE(IsUtf8("abc\xD0"));       // cut short
}

TEST_F(WebChatTest, BadSettingsAreRefusedAllAtOnce) {
  auto loaded = PluginLoader::Load(
      "web", VIKNO_WEB_SO, {{"secret", "short"}, {"poll_timeout_s", "600"}, {"max_pendng", "3"}});
  ASSERT_FALSE(loaded.ok());
  const std::string m = loaded.refusal().message;
  EXPECT_NE(m.find("secret: must be at least 16"), std::string::npos) << m;
  EXPECT_NE(m.find("poll_timeout_s"), std::string::npos) << m;
  EXPECT_NE(m.find("max_pendng: unknown setting"), std::string::npos) << m;
  auto missing = PluginLoader::Load("web", VIKNO_WEB_SO, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.refusal().message.find("secret: required"), std::string::npos);
}

TEST_F(WebChatTest, SessionGivesAChatAndItsToken) {
  StartChannel();
  auto [chat, token] = NewChat();
  EXPECT_TRUE(ChatAuth::IsChatId(chat));
  EXPECT_EQ(token, HmacSha256Hex(kSecret, chat));
  EXPECT_EQ(host_->Call("GET", "session", "").status, 405);
}

TEST_F(WebChatTest, MissingOrForgedTokenIs403AndNothingIsDelivered) {
  StartChannel();
  auto [chat, token] = NewChat();
  auto [other_chat, other_token] = NewChat();
  std::string forged = token;
  forged[5] = forged[5] == 'a' ? 'b' : 'a';
  EXPECT_EQ(Post(chat, "", "msg-00000001", "\"text\":\"hi\"").status, 403);
  EXPECT_EQ(Post(chat, forged, "msg-00000002", "\"text\":\"hi\"").status, 403);
  EXPECT_EQ(Post(chat, other_token, "msg-00000003", "\"text\":\"hi\"").status, 403);
  EXPECT_EQ(Post("../../etc", token, "msg-00000004", "\"text\":\"hi\"").status, 403);
  EXPECT_EQ(host_->Call("POST", "messages", "{\"text\":\"no chat at all\"}").status, 403);
  // A forged token is refused before the message is looked at: a malformed
  // message with a bad token is still a 403, not a 400.
  EXPECT_EQ(Post(chat, forged, "x", "\"location\":{}").status, 403);
  EXPECT_EQ(Updates(chat, forged, 0).status, 403);
  EXPECT_EQ(Updates(chat, "", 0).status, 403);
  EXPECT_TRUE(host_->delivered().empty());
}

TEST_F(WebChatTest, OversizedBodyIs413AndNothingIsDelivered) {
  settings_["max_body_bytes"] = "1024";
  StartChannel();
  auto [chat, token] = NewChat();
  auto r = Post(chat, token, "msg-00000001", "\"text\":" + Quote(std::string(2000, 'a')));
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_TRUE(host_->delivered().empty());
}

TEST_F(WebChatTest, MalformedMessagesAre400) {
  StartChannel();
  auto [chat, token] = NewChat();
  EXPECT_EQ(host_->Call("POST", "messages", "not json").status, 400);
  EXPECT_EQ(host_->Call("POST", "messages", "[[[[[[[[[[1]]]]]]]]]]").status, 400);
  EXPECT_EQ(Post(chat, token, "short", "\"text\":\"hi\"").status, 400);  // id too short
  EXPECT_EQ(Post(chat, token, "msg-00000001", "").status, 400);          // nothing in it
  EXPECT_EQ(Post(chat, token, "msg-00000002", "\"text\":\"a\",\"button\":\"b\"").status, 400);
  EXPECT_EQ(Post(chat, token, "msg-00000003", "\"text\":\"   \"").status, 400);
  EXPECT_EQ(Post(chat, token, "msg-00000004", "\"location\":{\"lat\":91,\"lon\":0}").status, 400);
  EXPECT_EQ(Post(chat, token, "msg-00000005", "\"contact\":{\"phone\":\"call me\"}").status, 400);
  EXPECT_EQ(Post(chat, token, "msg-00000006", "\"button\":" + Quote(std::string(65, 'x'))).status,
            400);
  EXPECT_TRUE(host_->delivered().empty());
}

TEST_F(WebChatTest, EachKindOfMessageIsDeliveredWithAChatScopedProviderId) {
  StartChannel();
  auto [chat, token] = NewChat();
  EXPECT_EQ(Post(chat, token, "msg-text-1", "\"text\":\"вул Петропавлiвська 12\"").status, 200);
  EXPECT_EQ(Post(chat, token, "msg-button-1", "\"button\":\"menu:report\"").status, 200);
  EXPECT_EQ(Post(chat, token, "msg-loc-1", "\"location\":{\"lat\":50.9077,\"lon\":34.7981}").status,
            200);
  EXPECT_EQ(Post(chat, token, "msg-contact-1", "\"contact\":{\"phone\":\"+380501234567\"}").status,
            200);
  auto d = host_->delivered();
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].provider_id, chat + ":msg-text-1");
  EXPECT_EQ(d[0].chat_id, chat);
  EXPECT_EQ(d[0].text, "вул Петропавлiвська 12");
  EXPECT_EQ(d[1].button.value_or(""), "menu:report");
  ASSERT_TRUE(d[2].location.has_value());
  EXPECT_DOUBLE_EQ(d[2].location->latitude, 50.9077);
  ASSERT_TRUE(d[3].contact.has_value());
  EXPECT_EQ(d[3].contact->phone, "+380501234567");
  EXPECT_EQ(d[3].contact->user_id, d[3].sender_id);  // the resident's own number
}

TEST_F(WebChatTest, RepeatedClientMessageIdIsDeliveredOnce) {
  StartChannel();
  auto [chat, token] = NewChat();
  auto [other, other_token] = NewChat();
  EXPECT_EQ(Post(chat, token, "msg-same-id", "\"text\":\"Соборна 1\"").status, 200);
  auto again = Post(chat, token, "msg-same-id", "\"text\":\"Соборна 1\"");
  EXPECT_EQ(again.status, 200);
  EXPECT_NE(again.body.find("duplicate"), std::string::npos);
  // The same id from another chat is another message: ids are per chat.
  EXPECT_EQ(Post(other, other_token, "msg-same-id", "\"text\":\"Соборна 1\"").status, 200);
  ASSERT_EQ(host_->delivered().size(), 2u);
  EXPECT_NE(host_->delivered()[0].provider_id, host_->delivered()[1].provider_id);
}

TEST_F(WebChatTest, RefusedByTheHostIs503AndTheSameIdIsTakenLater) {
  StartChannel();
  auto [chat, token] = NewChat();
  host_->set_refuse(true);
  EXPECT_EQ(Post(chat, token, "msg-retry-1", "\"text\":\"hi\"").status, 503);
  host_->set_refuse(false);
  EXPECT_EQ(Post(chat, token, "msg-retry-1", "\"text\":\"hi\"").status, 200);
  EXPECT_EQ(host_->delivered().size(), 1u);
}

TEST_F(WebChatTest, TooManyMessagesFromOneChatAre429) {
  settings_["messages_per_minute"] = "3";
  StartChannel();
  auto [chat, token] = NewChat();
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(Post(chat, token, "msg-rate-" + std::to_string(i), "\"text\":\"x\"").status, 200);
  EXPECT_EQ(Post(chat, token, "msg-rate-9", "\"text\":\"x\"").status, 429);
  auto [other, other_token] = NewChat();  // other chats are not affected
  EXPECT_EQ(Post(other, other_token, "msg-rate-0", "\"text\":\"x\"").status, 200);
}

TEST_F(WebChatTest, LongPollReturnsRepliesInOrderWithButtonsAndAcknowledges) {
  StartChannel();
  auto [chat, token] = NewChat();
  sdk::OutboundMessage first;
  first.id = "outbox-1";
  first.chat_id = chat;
  first.text = "Це ваша адреса: Суми, вулиця Соборна, 1?";
  sdk::Keyboard kb;
  kb.rows = {
      {sdk::Button{"Так", "yes", sdk::Button::Action::kReply, ""}},
      {sdk::Button{"Надіслати місцезнаходження", "", sdk::Button::Action::kRequestLocation, ""}}};
  first.keyboard = kb;
  auto sent = loaded_->channel().Send(first);
  ASSERT_EQ(sent.outcome, sdk::SendResult::Outcome::kSent) << sent.reason;
  EXPECT_EQ(sent.provider_message_id, chat + ":1");
  EXPECT_EQ(SendText(chat, "друга").provider_message_id, chat + ":2");
  EXPECT_EQ(SendText(chat, "третя").provider_message_id, chat + ":3");

  std::vector<int64_t> seqs;
  auto r = Updates(chat, token, 0);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Texts(r, &seqs), (std::vector<std::string>{first.text, "друга", "третя"}));
  EXPECT_EQ(seqs, (std::vector<int64_t>{1, 2, 3}));
  auto m1 = Parse(r.body)->getArray("messages")->getObject(0);
  auto rows = m1->getObject("keyboard")->getArray("rows");
  ASSERT_EQ(rows->size(), 2u);
  auto yes = rows->getArray(0)->getObject(0);
  EXPECT_EQ(yes->getValue<std::string>("text"), "Так");
  EXPECT_EQ(yes->getValue<std::string>("data"), "yes");
  EXPECT_EQ(rows->getArray(1)->getObject(0)->getValue<std::string>("action"), "location");
  EXPECT_TRUE(host_->reports().empty());

  // Asking after 3 acknowledges 1..3 (read receipts) and waits for news,
  // which a send on another thread brings before the time-out.
  auto waiting = std::async(std::launch::async, [&, chat = chat, token = token] {
    const auto t0 = std::chrono::steady_clock::now();
    auto answer = Updates(chat, token, 3);
    return std::make_pair(answer, std::chrono::steady_clock::now() - t0);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(SendText(chat, "четверта").outcome, sdk::SendResult::Outcome::kSent);
  auto [answer, took] = waiting.get();
  seqs.clear();
  EXPECT_EQ(Texts(answer, &seqs), (std::vector<std::string>{"четверта"}));
  EXPECT_EQ(seqs, (std::vector<int64_t>{4}));
  EXPECT_LT(took, std::chrono::milliseconds(1800));
  auto reports = host_->reports();
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0].first, chat + ":1");
  EXPECT_EQ(reports[2].first, chat + ":3");
  EXPECT_EQ(reports[0].second, sdk::DeliveryState::kRead);
  EXPECT_EQ(loaded_->channel().Send(first).provider_message_id, chat + ":5")
      << "an acknowledged message is gone; the same outbox id sent later is new";
}

TEST_F(WebChatTest, PollWithNothingNewWaitsForTheTimeout) {
  settings_["poll_timeout_s"] = "1";
  StartChannel();
  auto [chat, token] = NewChat();
  const auto t0 = std::chrono::steady_clock::now();
  auto r = Updates(chat, token, 0);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Texts(r, nullptr).empty());
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_EQ(
      host_->Call("GET", "updates", "", {{"chat", chat}, {"token", token}, {"after", "-1"}}).status,
      400);
}

TEST_F(WebChatTest, RepeatedSendOfOnePendingReplyIsStoredOnce) {
  StartChannel();
  auto [chat, token] = NewChat();
  auto a = SendText(chat, "одна", "outbox-77");
  auto b = SendText(chat, "одна", "outbox-77");
  EXPECT_EQ(a.provider_message_id, b.provider_message_id);
  EXPECT_EQ(Texts(Updates(chat, token, 0), nullptr).size(), 1u);
}

TEST_F(WebChatTest, FullMailboxAsksTheOutboxToRetry) {
  StartChannel();  // max_pending 5
  auto [chat, token] = NewChat();
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(SendText(chat, "n" + std::to_string(i)).outcome, sdk::SendResult::Outcome::kSent);
  auto full = SendText(chat, "n5");
  EXPECT_EQ(full.outcome, sdk::SendResult::Outcome::kRetry);
  EXPECT_GT(full.retry_after.count(), 0);
  Updates(chat, token, 0);  // reading does not acknowledge yet
  Updates(chat, token, 2);  // acknowledges 1 and 2
  EXPECT_EQ(SendText(chat, "n5").outcome, sdk::SendResult::Outcome::kSent);
  sdk::OutboundMessage wrong;
  wrong.chat_id = "12345";  // a Telegram id sent to the web channel by mistake
  wrong.text = "x";
  EXPECT_EQ(loaded_->channel().Send(wrong).outcome, sdk::SendResult::Outcome::kFailed);
}

TEST_F(WebChatTest, RestartKeepsUnreadRepliesAndTheNumbering) {
  StartChannel();
  auto [chat, token] = NewChat();
  SendText(chat, "перша");
  SendText(chat, "друга");
  SendText(chat, "третя");
  Updates(chat, token, 1);  // the browser had the first
  RestartChannel();
  std::vector<int64_t> seqs;
  auto r = Updates(chat, token, 1);
  EXPECT_EQ(Texts(r, &seqs), (std::vector<std::string>{"друга", "третя"}));
  EXPECT_EQ(seqs, (std::vector<int64_t>{2, 3}));
  Updates(chat, token, 3);  // all read
  RestartChannel();
  EXPECT_EQ(SendText(chat, "четверта").provider_message_id, chat + ":4");
  seqs.clear();
  EXPECT_EQ(Texts(Updates(chat, token, 3), &seqs), (std::vector<std::string>{"четверта"}));
  EXPECT_EQ(seqs, (std::vector<int64_t>{4}));
}

TEST_F(WebChatTest, AReplyCutShortByACrashIsSkippedAndTheRestKept) {
  StartChannel();
  auto [chat, token] = NewChat();
  SendText(chat, "ціла");
  StopChannel();
  {
    std::ofstream torn(dir_ / "web-chat" / (chat + ".log"), std::ios::app);
    torn << "{\"seq\":2,\"id\":\"outbox-x\",\"mess";  // no newline: the write never finished
  }
  StartChannel();
  std::vector<int64_t> seqs;
  EXPECT_EQ(Texts(Updates(chat, token, 0), &seqs), (std::vector<std::string>{"ціла"}));
  EXPECT_TRUE(host_->lines().Contains("unreadable"));
  // The outbox sends the torn reply again; it gets a number of its own.
  EXPECT_EQ(SendText(chat, "повтор").outcome, sdk::SendResult::Outcome::kSent);
  EXPECT_EQ(Texts(Updates(chat, token, 1), nullptr), (std::vector<std::string>{"повтор"}));
}

TEST_F(WebChatTest, StopEndsAWaitingPoll) {
  settings_["poll_timeout_s"] = "30";
  StartChannel();
  auto [chat, token] = NewChat();
  auto waiting = std::async(std::launch::async, [&, chat = chat, token = token] {
    return Updates(chat, token, 0).status;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto t0 = std::chrono::steady_clock::now();
  loaded_->channel().Stop();
  EXPECT_EQ(waiting.get(), 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  loaded_.reset();
}

TEST_F(WebChatTest, OnlySoManyPollsWaitAtOnce) {
  settings_["poll_timeout_s"] = "3";
  settings_["max_waiting_polls"] = "1";
  StartChannel();
  auto [chat, token] = NewChat();
  auto first = std::async(std::launch::async,
                          [&, chat = chat, token = token] { return Updates(chat, token, 0); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto t0 = std::chrono::steady_clock::now();
  auto second = Updates(chat, token, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));
  EXPECT_NE(second.body.find("\"waited\":false"), std::string::npos) << second.body;
  SendText(chat, "x");
  EXPECT_EQ(Texts(first.get(), nullptr).size(), 1u);
}

}  // namespace
}  // namespace vikno::web
