// The Viber plugin (vikno_viber.so via PluginLoader) against FakeViberApi, a
// fake written for these tests (fake_viber_api.h), with TestHost as the
// host. Callbacks are signed here the way Viber signs them, and the
// signature itself is cross-checked against the official SDK (npm
// viber-bot) run through node.
#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <set>
#include <sstream>

#include "fake_viber_api.h"
#include "plugins/plugin_loader.h"
#include "viber_test_support.h"
#include "viber_text.h"

namespace vikno::viber::testing {
namespace {

using ::testing::HasSubstr;
using Outcome = sdk::SendResult::Outcome;
using Poco::JSON::Object;

constexpr const char* kToken = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9";

std::string TextMessage(const std::string& token, const std::string& user, const std::string& text,
                        const std::string& tracking = "") {
  Object message;
  message.set("type", std::string("text"));
  message.set("text", text);
  if (!tracking.empty()) message.set("tracking_data", tracking);
  std::ostringstream m;
  message.stringify(m);
  return R"({"event":"message","timestamp":1790000000123,"chat_hostname":"SN-CHAT-05_",)"
         R"("message_token":)" +
         token + R"(,"sender":{"id":")" + user +
         R"(","name":"Олена","language":"uk","country":"UA","api_version":10},"message":)" +
         m.str() + "}";
}

sdk::Button Btn(std::string text, std::string data,
                sdk::Button::Action action = sdk::Button::Action::kReply) {
  sdk::Button b;
  b.text = std::move(text);
  b.data = std::move(data);
  b.action = action;
  return b;
}

sdk::OutboundMessage Text(const std::string& chat, const std::string& text,
                          const std::string& id = "") {
  sdk::OutboundMessage m;
  m.id = id;
  m.chat_id = chat;
  m.text = text;
  return m;
}

std::string Base64(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << bytes;
  encoder.close();
  return out.str();
}

// Runs tests/peers/viber-sdk-signature.js: the SDK's signatures of `bodies`
// and its verdict on `claimed`.
struct SdkVerdict {
  std::vector<std::string> signatures;
  std::vector<bool> valid;
  std::string error;
};
SdkVerdict RunSdk(const std::string& token, const std::vector<std::string>& bodies,
                  const std::vector<std::string>& claimed) {
  SdkVerdict verdict;
  const std::filesystem::path peers = VIKNO_TEST_PEERS_DIR;
  if (!std::filesystem::exists(peers / "node_modules" / "viber-bot")) {
    verdict.error = "viber-bot is not installed: run `npm ci --prefix tests/peers`";
    return verdict;
  }
  Object request;
  request.set("token", token);
  Poco::JSON::Array::Ptr b = new Poco::JSON::Array, c = new Poco::JSON::Array;
  for (const auto& body : bodies) b->add(Base64(body));
  for (const auto& sig : claimed) c->add(sig);
  request.set("bodies", b);
  request.set("claimed", c);
  Poco::Pipe in, out;
  Poco::ProcessHandle handle = Poco::Process::launch(
      "node", {(peers / "viber-sdk-signature.js").string()}, peers.string(), &in, &out, nullptr);
  {
    Poco::PipeOutputStream to(in);
    request.stringify(to);
  }
  in.close();
  Poco::PipeInputStream from(out);
  std::string answer;
  Poco::StreamCopier::copyToString(from, answer);
  if (handle.wait() != 0) {
    verdict.error = "node failed: " + answer;
    return verdict;
  }
  Poco::JSON::Parser parser;
  Object::Ptr o = parser.parse(answer).extract<Object::Ptr>();
  auto sigs = o->getArray("signatures");
  auto valid = o->getArray("valid");
  for (size_t i = 0; i < sigs->size(); ++i) {
    verdict.signatures.push_back(sigs->getElement<std::string>(static_cast<unsigned>(i)));
    verdict.valid.push_back(valid->getElement<bool>(static_cast<unsigned>(i)));
  }
  return verdict;
}

class ViberFakeApiTest : public ::testing::Test {
 protected:
  void TearDown() override { Unload(); }
  void Unload() {
    if (loaded_) {
      host_.RemoveWebhooks();
      loaded_->channel().Stop();
      loaded_.reset();
    }
  }
  sdk::Channel& Load(std::map<std::string, std::string> settings = {}) {
    settings.emplace("auth_token", kToken);
    settings.emplace("sender_name", "Суми: міська служба");
    settings.emplace("api_base_url", api_.base_url());
    auto loaded = PluginLoader::Load("viber", VIKNO_VIBER_SO, settings);
    EXPECT_TRUE(loaded.ok()) << loaded.refusal().message;
    loaded_ = std::move(loaded.value());
    return loaded_->channel();
  }
  sdk::Channel& Start(std::map<std::string, std::string> settings = {}) {
    sdk::Channel& channel = Load(std::move(settings));
    EXPECT_TRUE(channel.Start(host_).ok) << host_.lines().Joined();
    return channel;
  }
  HttpAnswer Post(const std::string& body) {
    return PostSigned(body, ContentSignature(kToken, body));
  }
  HttpAnswer PostSigned(const std::string& body, const std::string& signature) {
    return HttpPost(host_.port(), "/hooks/viber/callback", body,
                    {{"X-Viber-Content-Signature", signature}});
  }
  HttpAnswer PostUnsigned(const std::string& body) {
    return HttpPost(host_.port(), "/hooks/viber/callback", body);
  }

  FakeViberApi api_{kToken};
  TestHost host_;
  std::unique_ptr<LoadedChannel> loaded_;
};

TEST_F(ViberFakeApiTest, StartSetsTheWebhookWhichViberChecksWithASignedCall) {
  Start();
  ASSERT_TRUE(WaitFor([&] { return api_.calls("set_webhook").size() == 1; }));
  ASSERT_TRUE(WaitFor([&] { return host_.lines().Contains("webhook set to"); }))
      << host_.lines().Joined();
  EXPECT_EQ(api_.webhook_check_status(), 200);
  auto call = api_.calls("set_webhook")[0];
  EXPECT_EQ(call.params->getValue<std::string>("url"), host_.WebhookUrl("callback"));
  auto types = call.params->getArray("event_types");
  std::set<std::string> got;
  for (size_t i = 0; i < types->size(); ++i)
    got.insert(types->getElement<std::string>(static_cast<unsigned>(i)));
  EXPECT_EQ(got, (std::set<std::string>{"delivered", "seen", "failed", "subscribed", "unsubscribed",
                                        "conversation_started"}));
  EXPECT_TRUE(host_.lines().Contains("connected as account 'Суми: міська служба'"));
}

TEST_F(ViberFakeApiTest, AWrongTokenFailsStartAndBadSettingsAreAllListed) {
  auto loaded = PluginLoader::Load(
      "viber", VIKNO_VIBER_SO,
      {{"auth_token", "wrong"}, {"sender_name", "Суми"}, {"api_base_url", api_.base_url()}});
  ASSERT_TRUE(loaded.ok());
  sdk::Status s = loaded.value()->channel().Start(host_);
  EXPECT_FALSE(s.ok);
  EXPECT_THAT(s.message, HasSubstr("rejected the auth token"));
  EXPECT_THAT(s.message, HasSubstr("invalidAuthToken"));
  EXPECT_THAT(s.message, ::testing::Not(HasSubstr("wrong")));  // never the token
  loaded.value()->channel().Stop();

  auto bad = PluginLoader::Load("viber", VIKNO_VIBER_SO,
                                {{"auth_token", kToken},
                                 {"sender_name", "Дуже довга назва міської служби Сум"},
                                 {"broadcast_max", "301"},
                                 {"colour", "blue"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.refusal().message, HasSubstr("sender_name: must be 1-28 characters"));
  EXPECT_THAT(bad.refusal().message, HasSubstr("broadcast_max: 301 is outside 2..300"));
  EXPECT_THAT(bad.refusal().message, HasSubstr("colour: unknown setting"));
}

TEST_F(ViberFakeApiTest, NoPublicUrlFailsStartWithAClearMessage) {
  host_.set_no_public_url();
  sdk::Channel& channel = Load();
  sdk::Status s = channel.Start(host_);
  EXPECT_FALSE(s.ok);
  EXPECT_THAT(s.message, HasSubstr("no public URL"));
}

// The issue's cross-check: the plugin's signature equals the official SDK's
// own HMAC on many bodies (ASCII, Cyrillic, emoji, JSON with big tokens,
// empty), the SDK validates the plugin's signatures, and the plugin's
// webhook accepts exactly the SDK-signed bodies.
TEST_F(ViberFakeApiTest, SignaturesCrossCheckedAgainstTheOfficialViberSdk) {
  std::mt19937 rng(20261122);
  const std::vector<std::string> words = {"Не",      "горить", "ліхтар", "на",    "вулиці",
                                          "Соборна", "№12",    "👋",      "ґанок", "\"лапки\"",
                                          "\\",      "\n",     "ї",      "abc",   "{}"};
  std::vector<std::string> bodies = {"", "{}", R"({"event":"webhook"})"};
  for (int i = 0; i < 150; ++i) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 30);
    for (int k = 0; k < n; ++k) text += words[rng() % words.size()] + (k + 1 < n ? " " : "");
    bodies.push_back(
        i % 2 ? text
              : TextMessage(std::to_string(5098034272017990001ULL + static_cast<uint64_t>(i)),
                            "u" + std::to_string(i) + "==", text));
  }
  std::vector<std::string> ours;
  for (const auto& b : bodies) ours.push_back(ContentSignature(kToken, b));
  SdkVerdict sdk = RunSdk(kToken, bodies, ours);
  ASSERT_EQ(sdk.error, "");
  ASSERT_EQ(sdk.signatures.size(), bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i) {
    EXPECT_EQ(ours[i], sdk.signatures[i]) << bodies[i];
    EXPECT_TRUE(sdk.valid[i]) << bodies[i];
  }
  // Another token: the SDK refuses our signature, as we refuse its.
  SdkVerdict other = RunSdk("another-token", {bodies[5]}, {ours[5]});
  ASSERT_EQ(other.error, "");
  EXPECT_FALSE(other.valid[0]);

  // Through the plugin's webhook: SDK-signed bodies pass the check (200, or
  // 400 for bodies that are not callbacks), altered signatures do not.
  Start();
  for (size_t i = 0; i < bodies.size(); ++i) {
    const int status = PostSigned(bodies[i], sdk.signatures[i]).status;
    EXPECT_TRUE(status == 200 || status == 400) << status << " " << bodies[i];
    std::string altered = sdk.signatures[i];
    altered[i % altered.size()] = altered[i % altered.size()] == '0' ? '1' : '0';
    EXPECT_EQ(PostSigned(bodies[i], altered).status, 403);
  }
  EXPECT_EQ(host_.delivered_count(), 75u);  // every text message, once
}

TEST_F(ViberFakeApiTest, ForgedOrMissingSignatureIsRefusedWithNoSideEffect) {
  Start();
  const std::string body = TextMessage("5098034272017990001", "u1==", "Не горить ліхтар");
  const std::string good = ContentSignature(kToken, body);
  std::string upper = good;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::vector<std::string> forged = {ContentSignature("another-token", body),
                                           ContentSignature(kToken, body + " "),
                                           good.substr(0, 63),
                                           good + "0",
                                           upper,
                                           "",
                                           "not-hex"};
  for (const auto& sig : forged) EXPECT_EQ(PostSigned(body, sig).status, 403) << sig;
  EXPECT_EQ(PostUnsigned(body).status, 403);
  // Refused before parsing: a malformed body gets 403, not 400.
  EXPECT_EQ(PostUnsigned("{not json").status, 403);
  // Receipts and unsubscriptions are not acted on either.
  const std::string unsub = R"({"event":"unsubscribed","message_token":7,"user_id":"u1=="})";
  EXPECT_EQ(PostSigned(unsub, ContentSignature("x", unsub)).status, 403);
  const std::string seen = R"({"event":"seen","message_token":7,"user_id":"u1=="})";
  EXPECT_EQ(PostUnsigned(seen).status, 403);
  EXPECT_EQ(host_.delivered_count(), 0u);
  EXPECT_TRUE(host_.reports().empty());
  EXPECT_TRUE(host_.lines().Contains("refused: wrong X-Viber-Content-Signature"));
  EXPECT_TRUE(host_.lines().Contains("refused: no X-Viber-Content-Signature"));
  // Nothing was remembered: the resident can still be written to, and the
  // same message, properly signed, is new.
  EXPECT_EQ(loaded_->channel().Send(Text("u1==", "Прийнято")).outcome, Outcome::kSent);
  EXPECT_EQ(Post(body).status, 200);
  EXPECT_EQ(host_.delivered_count(), 1u);
}

TEST_F(ViberFakeApiTest, ReplayedMessageIsIgnoredTokensDifferingBeyond2To53AreNot) {
  Start();
  EXPECT_EQ(Post(TextMessage("5098034272017990001", "u1==", "перше")).status, 200);
  EXPECT_EQ(Post(TextMessage("5098034272017990001", "u1==", "перше")).status, 200);  // re-sent
  EXPECT_EQ(host_.delivered_count(), 1u);
  // ...002 and ...003 are the same double as ...001: still new here.
  EXPECT_EQ(Post(TextMessage("5098034272017990002", "u1==", "друге")).status, 200);
  EXPECT_EQ(Post(TextMessage("\"5098034272017990003\"", "u1==", "третє")).status, 200);
  auto got = host_.delivered();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].provider_id, "5098034272017990001");
  EXPECT_EQ(got[1].provider_id, "5098034272017990002");
  EXPECT_EQ(got[2].provider_id, "5098034272017990003");
  EXPECT_EQ(got[0].chat_id, "u1==");
  EXPECT_EQ(got[0].sender_name, "Олена");
  EXPECT_EQ(got[0].language, "uk");
  EXPECT_EQ(got[0].text, "перше");
  EXPECT_TRUE(host_.lines().Contains("replayed: ignored"));
}

TEST_F(ViberFakeApiTest, HostRefusalAnswers503AndTheResentCopyIsTaken) {
  Start();
  host_.set_refuse(true);
  EXPECT_EQ(Post(TextMessage("11", "u1==", "x")).status, 503);
  host_.set_refuse(false);
  EXPECT_EQ(Post(TextMessage("11", "u1==", "x")).status, 200);
  EXPECT_EQ(host_.delivered_count(), 1u);
}

TEST_F(ViberFakeApiTest, MalformedSignedCallbacksAre400) {
  Start();
  EXPECT_EQ(Post("{\"event\":").status, 400);
  EXPECT_EQ(Post(R"({"event":"message","message_token":1.5e18,"sender":{"id":"u"},)"
                 R"("message":{"type":"text","text":"x"}})")
                .status,
            400);
  EXPECT_EQ(Post(R"({"event":"message","message_token":12,"sender":{"id":"u"},)"
                 R"("message":{"type":"location","location":{"lat":123,"lon":0}}})")
                .status,
            400);
  EXPECT_EQ(host_.delivered_count(), 0u);
  EXPECT_TRUE(host_.lines().Contains("would lose digits"));
}

TEST_F(ViberFakeApiTest, LocationContactPictureAndButtonPresses) {
  sdk::Channel& channel = Start();
  // The bot offers buttons; Viber returns tracking_data with the answer.
  sdk::OutboundMessage ask = Text("u1==", "Чи виконано?");
  sdk::Keyboard kb;
  kb.rows = {{Btn("Так", "fixed:yes"), Btn("Ні", "fixed:no")},
             {Btn("Мій номер", "", sdk::Button::Action::kRequestContact)}};
  ask.keyboard = kb;
  ASSERT_EQ(channel.Send(ask).outcome, Outcome::kSent);
  const std::string tracking =
      api_.calls("send_message").back().params->getValue<std::string>("tracking_data");

  EXPECT_EQ(Post(TextMessage("21", "u1==", "fixed:yes", tracking)).status, 200);
  EXPECT_EQ(Post(TextMessage("22", "u1==", "fixed:yes")).status, 200);  // typed, no tracking
  const std::string head =
      R"({"event":"message","timestamp":1790000000123,"sender":{"id":"u1==","name":"Олена"},)";
  Object contact_msg;
  contact_msg.set("type", std::string("contact"));
  contact_msg.set("tracking_data", tracking);
  Object::Ptr c = new Object;
  c->set("name", std::string("Олена"));
  c->set("phone_number", std::string("+380501234567"));
  contact_msg.set("contact", c);
  std::ostringstream cm;
  contact_msg.stringify(cm);
  EXPECT_EQ(Post(head + R"("message_token":24,"message":)" + cm.str() + "}").status, 200);
  EXPECT_EQ(Post(head + R"("message_token":25,"message":{"type":"location",)"
                        R"("location":{"lat":50.9077,"lon":34.7981}}})")
                .status,
            200);
  const std::string jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + std::string(5000, 'j');
  api_.AddMedia("pit.jpg", jpeg);
  EXPECT_EQ(Post(head +
                 R"("message_token":26,"message":{"type":"picture","text":"Яма",)"
                 R"("media":")" +
                 api_.media_url("pit.jpg") + R"(","file_name":"pit.jpg","size":5004}})")
                .status,
            200);
  // A picture whose media is gone: delivered as a reference only.
  EXPECT_EQ(Post(head + R"("message_token":27,"message":{"type":"picture","media":")" +
                 api_.media_url("gone.jpg") + R"("}})")
                .status,
            200);
  EXPECT_EQ(
      Post(head + R"("message_token":28,"message":{"type":"sticker","sticker_id":1}})").status,
      200);

  auto got = host_.delivered();
  ASSERT_EQ(got.size(), 6u);
  ASSERT_TRUE(got[0].button);
  EXPECT_EQ(*got[0].button, "fixed:yes");
  EXPECT_EQ(got[0].text, "");
  EXPECT_FALSE(got[1].button);
  EXPECT_EQ(got[1].text, "fixed:yes");
  ASSERT_TRUE(got[2].contact);
  EXPECT_EQ(got[2].contact->phone, "+380501234567");
  EXPECT_EQ(got[2].contact->user_id, "u1==");  // asked for with share-phone: their own
  ASSERT_TRUE(got[3].location);
  EXPECT_DOUBLE_EQ(got[3].location->latitude, 50.9077);
  ASSERT_EQ(got[4].attachments.size(), 1u);
  EXPECT_EQ(got[4].attachments[0].data, jpeg);
  EXPECT_EQ(got[4].attachments[0].kind, sdk::Attachment::Kind::kPhoto);
  EXPECT_EQ(got[4].attachments[0].file_name, "pit.jpg");
  EXPECT_EQ(got[4].text, "Яма");
  ASSERT_EQ(got[5].attachments.size(), 1u);
  EXPECT_TRUE(got[5].attachments[0].data.empty());
  EXPECT_EQ(got[5].attachments[0].provider_ref, api_.media_url("gone.jpg"));
  EXPECT_TRUE(host_.lines().Contains("a sticker message ignored"));
}

TEST_F(ViberFakeApiTest, ConversationStartedIsAnsweredWithTheWelcomeInTheBody) {
  Start({{"welcome_text", "Вітаємо! Напишіть, що сталося."}});
  HttpAnswer a = Post(
      R"({"event":"conversation_started","timestamp":1790000000123,"message_token":5098034272017990009,)"
      R"("type":"open","context":"","user":{"id":"u9==","name":"Іван"},"subscribed":false})");
  EXPECT_EQ(a.status, 200);
  EXPECT_THAT(a.content_type, HasSubstr("application/json"));
  Poco::JSON::Parser parser;
  Object::Ptr o = parser.parse(a.body).extract<Object::Ptr>();
  EXPECT_EQ(o->getValue<std::string>("type"), "text");
  EXPECT_EQ(o->getValue<std::string>("text"), "Вітаємо! Напишіть, що сталося.");
  EXPECT_EQ(o->getObject("sender")->getValue<std::string>("name"), "Суми: міська служба");
  EXPECT_FALSE(o->has("receiver"));
  EXPECT_EQ(host_.delivered_count(), 0u);  // not a message, not a subscription
}

TEST_F(ViberFakeApiTest, SendsTextWithKeyboardAndReturnsTheExactToken) {
  sdk::Channel& channel = Start();
  sdk::OutboundMessage m = Text("u1==", "Оберіть тему звернення");
  sdk::Keyboard kb;
  kb.kind = sdk::Keyboard::Kind::kReply;
  kb.rows = {{Btn("ЖКГ", "topic:zhkh")},
             {Btn("Телефон", "", sdk::Button::Action::kRequestContact)},
             {Btn("Де я", "", sdk::Button::Action::kRequestLocation)}};
  m.keyboard = kb;
  sdk::SendResult r = channel.Send(m);
  ASSERT_EQ(r.outcome, Outcome::kSent) << r.reason;
  EXPECT_EQ(r.provider_message_id, FakeViberApi::kFirstToken);  // > 2^53, every digit
  auto calls = api_.calls("send_message");
  ASSERT_EQ(calls.size(), 1u);
  Object::Ptr p = calls[0].params;
  EXPECT_EQ(p->getValue<std::string>("receiver"), "u1==");
  EXPECT_EQ(p->getValue<std::string>("type"), "text");
  EXPECT_EQ(p->getValue<std::string>("text"), "Оберіть тему звернення");
  EXPECT_EQ(p->getObject("sender")->getValue<std::string>("name"), "Суми: міська служба");
  EXPECT_EQ(p->getValue<int>("min_api_version"), 3);
  auto buttons = p->getObject("keyboard")->getArray("Buttons");
  ASSERT_EQ(buttons->size(), 3u);
  EXPECT_EQ(buttons->getObject(0)->getValue<std::string>("ActionType"), "reply");
  EXPECT_EQ(buttons->getObject(0)->getValue<std::string>("ActionBody"), "topic:zhkh");
  EXPECT_EQ(buttons->getObject(1)->getValue<std::string>("ActionType"), "share-phone");
  EXPECT_EQ(buttons->getObject(2)->getValue<std::string>("ActionType"), "location-picker");
  // tracking_data is a string holding JSON, as the SDK sends it.
  EXPECT_THAT(p->getValue<std::string>("tracking_data"), HasSubstr("topic:zhkh"));
  // The raw bytes carry the Cyrillic as UTF-8 and the request fits 30 KB.
  EXPECT_THAT(calls[0].body, HasSubstr("Оберіть"));
}

TEST_F(ViberFakeApiTest, LongTextsAreSplitAndTooLargeRequestsRefused) {
  sdk::Channel& channel = Start();
  std::string text;
  for (int i = 0; i < 1500; ++i) text += "Відключення ";  // 18000 characters
  sdk::SendResult r = channel.Send(Text("u1==", text, "row-1"));
  ASSERT_EQ(r.outcome, Outcome::kSent) << r.reason;
  auto calls = api_.calls("send_message");
  ASSERT_EQ(calls.size(), 3u);
  for (const auto& c : calls) EXPECT_LE(CharCount(c.params->getValue<std::string>("text")), 7000u);
  // A part that, with escapes (\u0001), is over 30 KB of JSON: refused, not sent.
  sdk::SendResult big = channel.Send(Text("u1==", std::string(6000, '\x01')));
  EXPECT_EQ(big.outcome, Outcome::kFailed);
  EXPECT_THAT(big.reason, HasSubstr("30 KB"));
  EXPECT_EQ(api_.calls("send_message").size(), 3u);
}

TEST_F(ViberFakeApiTest, StatusesAndHttpErrorsBecomeRetryOrFailure) {
  sdk::Channel& channel = Start({{"throttle_backoff_s", "42"}, {"retry_backoff_s", "3"}});
  api_.FailNext("send_message", 1, 200, 12);
  sdk::SendResult r = channel.Send(Text("u1==", "a"));
  EXPECT_EQ(r.outcome, Outcome::kRetry);
  EXPECT_EQ(r.retry_after, std::chrono::seconds(42));
  EXPECT_THAT(r.reason, HasSubstr("tooManyRequests"));

  api_.FailNext("send_message", 1, 502);
  r = channel.Send(Text("u1==", "b"));
  EXPECT_EQ(r.outcome, Outcome::kRetry);
  EXPECT_EQ(r.retry_after, std::chrono::seconds(3));
  EXPECT_THAT(r.reason, HasSubstr("HTTP 502"));

  api_.FailNext("send_message", 1, 200, 5);
  r = channel.Send(Text("u1==", "c"));
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_THAT(r.reason, HasSubstr("receiverNotRegistered"));

  api_.FailNext("send_message", 1, 200, 10);
  r = channel.Send(Text("u1==", "d"));
  EXPECT_EQ(r.outcome, Outcome::kRetry);  // the account, not the message
  EXPECT_THAT(r.reason, HasSubstr("webhookNotSet"));

  api_.Unsubscribe("u2==");
  r = channel.Send(Text("u2==", "e"));
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_THAT(r.reason, HasSubstr("receiverNotSubscribed"));
  // Known now: the next one is refused without asking Viber.
  const size_t before = api_.calls("send_message").size();
  EXPECT_EQ(channel.Send(Text("u2==", "f")).outcome, Outcome::kFailed);
  EXPECT_EQ(api_.calls("send_message").size(), before);
}

TEST_F(ViberFakeApiTest, ApiDownIsARetry) {
  int port = 0;
  {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    port = probe.address().port();
  }
  sdk::Channel& channel =
      Start({{"api_base_url", "http://127.0.0.1:" + std::to_string(port) + "/pa"},
             {"set_webhook", "false"}});
  sdk::SendResult r = channel.Send(Text("u1==", "a"));
  EXPECT_EQ(r.outcome, Outcome::kRetry);
  EXPECT_THAT(r.reason, HasSubstr("no usable answer"));
}

TEST_F(ViberFakeApiTest, ReceiptsAreReportedOnceEach) {
  sdk::Channel& channel = Start();
  sdk::SendResult r = channel.Send(Text("u1==", "Заявку №12 прийнято"));
  ASSERT_EQ(r.outcome, Outcome::kSent);
  const std::string t = r.provider_message_id;
  EXPECT_EQ(
      Post(R"({"event":"delivered","timestamp":1,"message_token":)" + t + R"(,"user_id":"u1=="})")
          .status,
      200);
  EXPECT_EQ(
      Post(R"({"event":"delivered","timestamp":1,"message_token":)" + t + R"(,"user_id":"u1=="})")
          .status,
      200);  // re-sent by Viber
  EXPECT_EQ(Post(R"({"event":"seen","timestamp":2,"message_token":)" + t + R"(,"user_id":"u1=="})")
                .status,
            200);
  EXPECT_EQ(Post(R"({"event":"failed","timestamp":3,"message_token":5098034272017990777,)"
                 R"("user_id":"u3==","desc":"failed to deliver"})")
                .status,
            200);
  auto reports = host_.reports();
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0].id, t);
  EXPECT_EQ(reports[0].state, sdk::DeliveryState::kDelivered);
  EXPECT_EQ(reports[1].state, sdk::DeliveryState::kRead);
  EXPECT_EQ(reports[2].id, "5098034272017990777");
  EXPECT_EQ(reports[2].state, sdk::DeliveryState::kFailed);
  EXPECT_EQ(reports[2].detail, "failed to deliver");
}

TEST_F(ViberFakeApiTest, UnsubscribedStopsSendingUntilTheResidentWritesAgain) {
  sdk::Channel& channel = Start();
  sdk::SendResult first = channel.Send(Text("u1==", "Статус змінено"));
  sdk::SendResult second = channel.Send(Text("u1==", "Ще одне"));
  ASSERT_EQ(second.outcome, Outcome::kSent);
  // The first was delivered; the second was not when they left.
  Post(R"({"event":"delivered","message_token":)" + first.provider_message_id +
       R"(,"user_id":"u1=="})");
  EXPECT_EQ(Post(R"({"event":"unsubscribed","timestamp":5,"message_token":5098034272017991000,)"
                 R"("user_id":"u1=="})")
                .status,
            200);
  auto reports = host_.reports();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[1].id, second.provider_message_id);
  EXPECT_EQ(reports[1].state, sdk::DeliveryState::kFailed);
  EXPECT_EQ(reports[1].detail, "unsubscribed");
  const size_t sent = api_.calls("send_message").size();
  sdk::SendResult refused = channel.Send(Text("u1==", "Ваша заявка виконана?"));
  EXPECT_EQ(refused.outcome, Outcome::kFailed);
  EXPECT_THAT(refused.reason, HasSubstr("receiverNotSubscribed"));
  EXPECT_EQ(api_.calls("send_message").size(), sent);  // Viber not asked
  // They write again: subscribed again.
  EXPECT_EQ(Post(TextMessage("5098034272017991001", "u1==", "Я повернулась")).status, 200);
  EXPECT_EQ(channel.Send(Text("u1==", "Вітаємо знову")).outcome, Outcome::kSent);
}

// A fan-out (an outage notice to many residents): identical concurrent sends
// are coalesced into broadcast_message calls of at most 300 receivers; every
// receiver gets it once; receipts name the user too.
TEST_F(ViberFakeApiTest, ConcurrentIdenticalSendsBecomeBroadcastsOfAtMost300) {
  sdk::Channel& channel = Start({{"broadcast_linger_ms", "300"}});
  api_.Unsubscribe("u13==");
  constexpr int kResidents = 650;
  std::vector<sdk::SendResult> results(kResidents);
  std::vector<std::thread> threads;
  for (int i = 0; i < kResidents; ++i)
    threads.emplace_back([&, i] {
      results[i] = channel.Send(
          Text("u" + std::to_string(i) + "==", "Планове відключення води 12.12 з 9:00 до 18:00"));
    });
  for (auto& t : threads) t.join();

  auto broadcasts = api_.calls("broadcast_message");
  ASSERT_GE(broadcasts.size(), 3u);
  std::multiset<std::string> listed;
  for (const auto& b : broadcasts) {
    auto list = b.params->getArray("broadcast_list");
    EXPECT_LE(list->size(), 300u);
    for (size_t i = 0; i < list->size(); ++i)
      listed.insert(list->getElement<std::string>(static_cast<unsigned>(i)));
  }
  // Stragglers may go alone with send_message; nobody is sent twice.
  for (const auto& s : api_.calls("send_message"))
    listed.insert(s.params->getValue<std::string>("receiver"));
  EXPECT_EQ(listed.size(), static_cast<size_t>(kResidents));
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()).size(),
            static_cast<size_t>(kResidents));
  std::string broadcast_id;
  for (int i = 0; i < kResidents; ++i) {
    if (i == 13) {
      EXPECT_EQ(results[i].outcome, Outcome::kFailed);
      EXPECT_THAT(results[i].reason, HasSubstr("receiverNotSubscribed"));
      continue;
    }
    ASSERT_EQ(results[i].outcome, Outcome::kSent) << i << " " << results[i].reason;
    if (results[i].provider_message_id.find(':') != std::string::npos && broadcast_id.empty()) {
      broadcast_id = results[i].provider_message_id;
      EXPECT_EQ(broadcast_id.substr(broadcast_id.find(':') + 1), "u" + std::to_string(i) + "==");
    }
  }
  ASSERT_FALSE(broadcast_id.empty());
  // A receipt for the shared broadcast token is reported with its user.
  const std::string token = broadcast_id.substr(0, broadcast_id.find(':'));
  const std::string user = broadcast_id.substr(broadcast_id.find(':') + 1);
  EXPECT_EQ(
      Post(R"({"event":"delivered","message_token":)" + token + R"(,"user_id":")" + user + R"("})")
          .status,
      200);
  ASSERT_EQ(host_.reports().size(), 1u);
  EXPECT_EQ(host_.reports()[0].id, broadcast_id);
}

TEST_F(ViberFakeApiTest, AThrottledBroadcastIsRetriedForEveryReceiver) {
  sdk::Channel& channel = Start({{"broadcast_linger_ms", "300"}, {"throttle_backoff_s", "7"}});
  api_.FailNext("broadcast_message", 1, 200, 12);
  std::vector<sdk::SendResult> results(20);
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back(
        [&, i] { results[i] = channel.Send(Text("r" + std::to_string(i), "Оголошення")); });
  for (auto& t : threads) t.join();
  ASSERT_EQ(api_.calls("broadcast_message").size(), 1u);
  for (const auto& r : results) {
    EXPECT_EQ(r.outcome, Outcome::kRetry);
    EXPECT_EQ(r.retry_after, std::chrono::seconds(7));
  }
  EXPECT_TRUE(api_.accepted_receivers().empty());
}

}  // namespace
}  // namespace vikno::viber::testing
