// The SMS plugin (vikno_sms.so, loaded by the host's PluginLoader) against
// the test SMSC (tests/peers/smsc.js on the npm smpp package, a third-party
// SMPP implementation), started here on loopback. The host is TestHost, a
// test double; the outbox cases drive the channel with the real
// OutboxSender on a temporary SQLite store.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "integration/sms/sms_test_support.h"
#include "outbox/channel.h"
#include "outbox/outbox.h"
#include "outbox/sender.h"
#include "plugins/plugin_loader.h"
#include "sms_text.h"
#include "store/sqlite/sqlite_store.h"

namespace vikno::sms::testing {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr const char* kResident = "+380501234567";

// 3 parts: 67 + 67 + the rest, with an emoji straddling units 134/135.
std::string ThreePartText() {
  std::string text =
      "Ваше звернення №4821 щодо ліхтаря на вул. Соборній, 12 прийнято. "
      "Виконавець: КП «Міськсвітло», термін до 25.11";
  // Pad so that an emoji lands on the boundary of parts 2 and 3.
  auto u = Utf8ToUtf16(text);
  while (u->size() < 133) u->push_back(u'.');
  return Utf16ToUtf8(*u) + "😀 Дякуємо, що ви з нами! Ґанок, їжак, є.";
}

class SmsChannelTest : public ::testing::Test {
 protected:
  void TearDown() override { Unload(); }

  void Unload() {
    if (loaded_) {
      loaded_->channel().Stop();
      loaded_.reset();
    }
  }

  std::map<std::string, std::string> Settings(Smsc& smsc) {
    return {{"host", "127.0.0.1"},          {"port", std::to_string(smsc.smpp_port())},
            {"system_id", "vikno"},         {"password", "secret"},
            {"source_addr", "SumyRada"},    {"tps", "50"},
            {"reconnect_min_ms", "100"},    {"reconnect_max_s", "1"},
            {"throttle_backoff_ms", "200"}, {"start_timeout_s", "5"}};
  }

  // Loads and starts the plugin; the Start status.
  sdk::Status Load(std::map<std::string, std::string> settings) {
    auto loaded = PluginLoader::Load("sms", VIKNO_SMS_SO, settings);
    if (!loaded.ok()) return sdk::Status::Error(loaded.refusal().message);
    loaded_ = std::move(loaded.value());
    return loaded_->channel().Start(host_);
  }
  sdk::Channel& channel() { return loaded_->channel(); }

  static sdk::OutboundMessage Out(std::string id, std::string text, std::string to = kResident) {
    sdk::OutboundMessage m;
    m.id = std::move(id);
    m.chat_id = std::move(to);
    m.text = std::move(text);
    return m;
  }

  // The texts the SMSC accepted, each long message joined from its UDH parts.
  static std::vector<std::string> Joined(Poco::JSON::Array::Ptr submitted) {
    std::map<std::string, std::map<int, std::string>> groups;  // dest/ref/total → seq → text
    std::vector<std::string> out;
    for (size_t i = 0; i < submitted->size(); ++i) {
      auto s = submitted->getObject(static_cast<unsigned>(i));
      auto udh = s->getArray("udh");
      const std::string text = s->getValue<std::string>("text");
      if (!udh || udh->size() == 0) {
        out.push_back(text);
        continue;
      }
      const std::string ie = udh->getElement<std::string>(0);  // "0003rrttss"
      const std::string key = s->getValue<std::string>("destination_addr") + "/" + ie.substr(4, 4);
      const int total = std::stoi(ie.substr(6, 2), nullptr, 16);
      const int seq = std::stoi(ie.substr(8, 2), nullptr, 16);
      auto& g = groups[key];
      EXPECT_FALSE(g.count(seq)) << "part " << seq << " of " << key << " submitted twice";
      g[seq] = text;
      if (static_cast<int>(g.size()) == total) {
        std::string whole;
        for (auto& [n, t] : g) whole += t;
        out.push_back(whole);
        groups.erase(key);
      }
    }
    for (auto& [key, g] : groups) ADD_FAILURE() << "incomplete long message " << key;
    return out;
  }

  TestHost host_;
  std::unique_ptr<LoadedChannel> loaded_;
};

TEST_F(SmsChannelTest, RefusedCredentialsFailStartWithTheSmscAnswer) {
  Smsc smsc;
  ASSERT_EQ(smsc.error(), "");
  auto s = Settings(smsc);
  s["password"] = "wrong";
  sdk::Status st = Load(s);
  EXPECT_FALSE(st.ok);
  EXPECT_THAT(st.message, HasSubstr("ESME_RINVPASWD"));
  Unload();
  s = Settings(smsc);
  s["system_id"] = "nobody";
  st = Load(s);
  EXPECT_FALSE(st.ok);
  EXPECT_THAT(st.message, HasSubstr("ESME_RINVSYSID"));
}

TEST_F(SmsChannelTest, ShortCyrillicMessageWithReceipt) {
  Smsc smsc;
  ASSERT_EQ(smsc.error(), "");
  ASSERT_TRUE(Load(Settings(smsc)).ok) << host_.lines().Joined();
  EXPECT_EQ(smsc.Bound(), 1);
  sdk::SendResult r = channel().Send(Out("row-1", "Звернення №12 прийнято"));
  ASSERT_EQ(r.outcome, sdk::SendResult::Outcome::kSent) << r.reason;
  auto submitted = smsc.Submitted();
  ASSERT_EQ(submitted->size(), 1u);
  auto s = submitted->getObject(0);
  EXPECT_EQ(s->getValue<std::string>("text"), "Звернення №12 прийнято");
  EXPECT_EQ(s->getValue<int>("data_coding"), 8);
  EXPECT_EQ(s->getValue<std::string>("destination_addr"), "380501234567");
  EXPECT_EQ(s->getValue<int>("dest_addr_ton"), 1);
  EXPECT_EQ(s->getValue<std::string>("source_addr"), "SumyRada");
  EXPECT_EQ(s->getValue<int>("source_addr_ton"), 5);
  EXPECT_EQ(s->getValue<int>("registered_delivery"), 1);
  EXPECT_EQ(r.provider_message_id, s->getValue<std::string>("message_id"));
  ASSERT_TRUE(WaitFor([&] { return host_.reports().size() == 1; }));
  EXPECT_EQ(host_.reports()[0].id, r.provider_message_id);
  EXPECT_EQ(host_.reports()[0].state, sdk::DeliveryState::kDelivered);
  EXPECT_THAT(host_.reports()[0].detail, HasSubstr("DELIVRD"));
}

TEST_F(SmsChannelTest, ThreePartCyrillicSmsRoundTripsExactly) {
  Smsc smsc;
  ASSERT_EQ(smsc.error(), "");
  ASSERT_TRUE(Load(Settings(smsc)).ok) << host_.lines().Joined();
  const std::string text = ThreePartText();
  ASSERT_EQ(SplitUcs2(*Utf8ToUtf16(text), false).size(), 3u);

  // Out: three submit_sm with one reference, 67 characters each but the last.
  sdk::SendResult r = channel().Send(Out("row-long", text));
  ASSERT_EQ(r.outcome, sdk::SendResult::Outcome::kSent) << r.reason;
  auto submitted = smsc.Submitted();
  ASSERT_EQ(submitted->size(), 3u);
  std::set<std::string> refs;
  for (unsigned i = 0; i < 3; ++i) {
    auto s = submitted->getObject(i);
    EXPECT_EQ(s->getValue<int>("esm_class") & 0x40, 0x40);
    const std::string ie = s->getArray("udh")->getElement<std::string>(0);
    EXPECT_EQ(ie.substr(0, 4), "0003");
    EXPECT_EQ(ie.substr(6), "030" + std::to_string(i + 1));
    refs.insert(ie.substr(4, 2));
    const auto units = Utf8ToUtf16(s->getValue<std::string>("text"))->size();
    EXPECT_LE(units, 67u);
  }
  EXPECT_EQ(refs.size(), 1u);
  EXPECT_EQ(Utf8ToUtf16(submitted->getObject(1)->getValue<std::string>("text"))->size(), 66u)
      << "the emoji's surrogate pair moved whole into part 3";
  ASSERT_EQ(Joined(submitted), std::vector<std::string>{text});
  EXPECT_EQ(r.provider_message_id, submitted->getObject(0)->getValue<std::string>("message_id"));
  // One receipt per part, reported once for the message, when all are in.
  ASSERT_TRUE(WaitFor([&] { return host_.reports().size() == 1; }));
  std::this_thread::sleep_for(200ms);
  ASSERT_EQ(host_.reports().size(), 1u);
  EXPECT_EQ(host_.reports()[0].id, r.provider_message_id);
  EXPECT_EQ(host_.reports()[0].state, sdk::DeliveryState::kDelivered);

  // In: the same text from the resident's phone, as three UCS-2 parts.
  auto pushed = smsc.Post("/mo", R"({"from":"380501234567","to":"1234","text":")" + text + R"("})");
  EXPECT_EQ(pushed->getValue<int>("parts"), 3);
  ASSERT_TRUE(WaitFor([&] { return host_.delivered().size() == 1; }));
  auto in = host_.delivered()[0];
  EXPECT_EQ(in.text, text);
  EXPECT_EQ(in.chat_id, kResident) << "E.164, so the host can match a phone known from a bot";
  EXPECT_THAT(in.provider_id, HasSubstr(kResident));
}

TEST_F(SmsChannelTest, ADuplicatePartIsIgnored) {
  Smsc smsc;
  ASSERT_EQ(smsc.error(), "");
  ASSERT_TRUE(Load(Settings(smsc)).ok) << host_.lines().Joined();
  const std::string text = ThreePartText();
  // Out of order, with parts 2 and 3 each sent twice.
  smsc.Post("/mo",
            R"({"from":"380501234567","text":")" + text + R"(","order":[2,1,3],"repeat":[2,3]})");
  ASSERT_TRUE(WaitFor([&] { return host_.delivered().size() == 1; }));
  ASSERT_TRUE(WaitFor([&] { return smsc.CountEvents("deliver_sm_resp") == 5; }));
  EXPECT_EQ(smsc.CountEvents("deliver_sm_resp", 0), 5) << "every part acknowledged";
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(host_.delivered().size(), 1u);
  EXPECT_EQ(host_.delivered()[0].text, text);

  // A 16-bit reference works the same.
  smsc.Post("/mo", R"({"from":"380671112233","text":")" + text + R"(","ref16":true,"ref":4660})");
  ASSERT_TRUE(WaitFor([&] { return host_.delivered().size() == 2; }));
  EXPECT_EQ(host_.delivered()[1].text, text);
  EXPECT_EQ(host_.delivered()[1].chat_id, "+380671112233");
}

TEST_F(SmsChannelTest, AnMoTheHostRefusedIsResentByTheSmscAndTakenOnce) {
  Smsc smsc;
  ASSERT_EQ(smsc.error(), "");
  ASSERT_TRUE(Load(Settings(smsc)).ok) << host_.lines().Joined();
  host_.set_refuse(true);
  smsc.Post("/mo", R"({"from":"380501234567","text":"1"})");
  ASSERT_TRUE(WaitFor([&] { return smsc.CountEvents("deliver_sm_resp", 0x64) >= 2; }))
      << "not acknowledged while the host refuses: ESME_RX_T_APPN";
  EXPECT_TRUE(host_.delivered().empty());
  host_.set_refuse(false);
  ASSERT_TRUE(WaitFor([&] { return host_.delivered().size() == 1; }));
  EXPECT_EQ(host_.delivered()[0].text, "1");
  EXPECT_EQ(host_.delivered()[0].chat_id, kResident);
  // The same answer typed again later is a new message, not a duplicate.
  ASSERT_TRUE(WaitFor([&] { return smsc.CountEvents("enquire_link") >= 1; }));
  std::this_thread::sleep_for(200ms);
  smsc.Post("/mo", R"({"from":"380501234567","text":"1"})");
  ASSERT_TRUE(WaitFor([&] { return host_.delivered().size() == 2; }));
}

TEST_F(SmsChannelTest, FailedReceiptIsReportedAsFailed) {
  Smsc smsc;
  ASSERT_EQ(smsc.error(), "");
  ASSERT_TRUE(Load(Settings(smsc)).ok) << host_.lines().Joined();
  smsc.Post("/config", R"({"fail_dest":"380509999999"})");
  sdk::SendResult r = channel().Send(Out("row-f", ThreePartText(), "+380509999999"));
  ASSERT_EQ(r.outcome, sdk::SendResult::Outcome::kSent) << r.reason;
  ASSERT_TRUE(WaitFor([&] { return host_.reports().size() == 1; })) << host_.lines().Joined();
  std::this_thread::sleep_for(200ms);
  ASSERT_EQ(host_.reports().size(), 1u) << "one report for the message, not per part";
  EXPECT_EQ(host_.reports()[0].id, r.provider_message_id);
  EXPECT_EQ(host_.reports()[0].state, sdk::DeliveryState::kFailed);
  EXPECT_THAT(host_.reports()[0].detail, HasSubstr("UNDELIV"));
}

TEST_F(SmsChannelTest, HexIdsWithDecimalReceiptTextsAreMatched) {
  Smsc smsc(50, {{"SMSC_ID_FORMAT", "hex"}, {"SMSC_RECEIPT_TLVS", "0"}});
  ASSERT_EQ(smsc.error(), "");
  auto s = Settings(smsc);
  s["receipt_id_form"] = "submit_hex_receipt_decimal";
  ASSERT_TRUE(Load(s).ok) << host_.lines().Joined();
  sdk::SendResult r = channel().Send(Out("row-h", "Тест"));
  ASSERT_EQ(r.outcome, sdk::SendResult::Outcome::kSent) << r.reason;
  EXPECT_EQ(r.provider_message_id, "3e9");
  ASSERT_TRUE(WaitFor([&] { return host_.reports().size() == 1; }));
  EXPECT_EQ(host_.reports()[0].id, "3e9");
}

TEST_F(SmsChannelTest, BadDestinationsAndTextsFailWithAReason) {
  Smsc smsc;
  ASSERT_EQ(smsc.error(), "");
  auto s = Settings(smsc);
  s["max_parts"] = "3";
  ASSERT_TRUE(Load(s).ok) << host_.lines().Joined();
  sdk::SendResult r = channel().Send(Out("x1", "Текст", "380501234567"));
  EXPECT_EQ(r.outcome, sdk::SendResult::Outcome::kFailed);
  EXPECT_THAT(r.reason, HasSubstr("E.164"));
  r = channel().Send(Out("x2", std::string(300, 'x')));
  EXPECT_EQ(r.outcome, sdk::SendResult::Outcome::kFailed);
  EXPECT_THAT(r.reason, HasSubstr("max_parts"));
  r = channel().Send(Out("x3", "bad \xC3"));
  EXPECT_EQ(r.outcome, sdk::SendResult::Outcome::kFailed);
  EXPECT_EQ(smsc.Submitted()->size(), 0u);
}

TEST_F(SmsChannelTest, EnquireLinkGenericNackAndUnbind) {
  Smsc smsc;
  ASSERT_EQ(smsc.error(), "");
  auto s = Settings(smsc);
  s["enquire_link_s"] = "1";
  ASSERT_TRUE(Load(s).ok) << host_.lines().Joined();
  ASSERT_TRUE(WaitFor([&] { return smsc.CountEvents("enquire_link") >= 2; }, 5s));
  // An unknown command 0x00000099 with sequence 77: generic_nack ESME_RINVCMDID.
  smsc.Post("/raw", R"({"hex":"00000010000000990000000000000077"})");
  ASSERT_TRUE(WaitFor([&] { return smsc.CountEvents("generic_nack", 3) == 1; }));
  auto events = smsc.Events();
  bool seq_ok = false;
  for (size_t i = 0; i < events->size(); ++i) {
    auto e = events->getObject(static_cast<unsigned>(i));
    if (e->getValue<std::string>("command") == "generic_nack")
      seq_ok = e->getValue<int>("sequence") == 0x77;
  }
  EXPECT_TRUE(seq_ok);
  // The session survived it.
  EXPECT_EQ(channel().Send(Out("after-nack", "ok")).outcome, sdk::SendResult::Outcome::kSent);
  Unload();
  EXPECT_EQ(smsc.CountEvents("unbind"), 1);
}

TEST_F(SmsChannelTest, SeveralAccountsEachBindTheirSession) {
  Smsc a, b;
  ASSERT_EQ(a.error(), "");
  ASSERT_EQ(b.error(), "");
  std::map<std::string, std::string> s = {{"accounts", "first,second"},
                                          {"host", "127.0.0.1"},
                                          {"system_id", "vikno"},
                                          {"password", "secret"},
                                          {"source_addr", "SumyRada"},
                                          {"tps", "5"},
                                          {"first.port", std::to_string(a.smpp_port())},
                                          {"second.port", std::to_string(b.smpp_port())}};
  ASSERT_TRUE(Load(s).ok) << host_.lines().Joined();
  EXPECT_EQ(a.Bound(), 1);
  EXPECT_EQ(b.Bound(), 1);
  EXPECT_EQ(channel().Limits().overall.count, 10);
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(
        channel().Send(Out("m" + std::to_string(i), "Повідомлення " + std::to_string(i))).outcome,
        sdk::SendResult::Outcome::kSent);
  EXPECT_EQ(a.Submitted()->size() + b.Submitted()->size(), 10u);
  EXPECT_GE(a.Submitted()->size(), 3u) << "the sessions share the load";
  EXPECT_GE(b.Submitted()->size(), 3u);
  // MO arrives on either account.
  b.Post("/mo", R"({"from":"380501234567","text":"2"})");
  ASSERT_TRUE(WaitFor([&] { return host_.delivered().size() == 1; }));
}

// ------------------------------------------------------- with the real outbox

class SmsOutboxTest : public SmsChannelTest {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "vikno-sms-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    std::filesystem::create_directories(dir_ / "messages");
    std::ofstream(dir_ / "messages" / "uk.yaml")
        << "notice:\n  test: \"Звернення №{n}: статус змінено на «в роботі»\"\n"
           "  long: \""
        << ThreePartText() << " №{n}\"\n";
    store_ = std::make_unique<SqliteStore>((dir_ / "store.sqlite").string());
    store_->Migrate();
    messages_ = std::make_unique<Messages>(dir_ / "messages", "uk", std::filesystem::path{},
                                           [](const std::string&) {});
    Resident r;
    r.id = "r1";
    r.created_at = clock_.Now();
    store_->CreateResident(
        r, AuditEntry{0, clock_.Now(), "t", "system", "", "resident", "r1", "register", "{}"});
    store_->UpsertChannelBinding({"r1", "sms", kResident, true, clock_.Now(), clock_.Now()});
    // The host's part of receipts: match them to outbox rows.
    host_.set_on_report([this](const TestHost::Report& report) {
      if (store_->RecordOutboxReceipt("sms", report.id, "delivered", report.detail, clock_.Now()))
        ++matched_;
    });
  }
  void TearDown() override {
    if (sender_) sender_->Stop();
    sender_.reset();
    Unload();
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  void Enqueue(int n, const std::string& key = "test") {
    Outbox outbox(*store_, clock_);
    for (int i = 0; i < n; ++i) {
      Notice notice;
      notice.recipient_id = "r1";
      notice.text_key = "notice." + key;
      notice.params = {{"n", std::to_string(i)}};
      notice.idempotency_key = key + "-" + std::to_string(i);
      ASSERT_TRUE(outbox.Enqueue(notice));
    }
  }
  void StartSender() {
    adapter_ = std::make_unique<SdkOutboxChannel>(channel());
    SenderOptions options;
    options.idle_poll = 20ms;
    options.workers_per_channel = 4;
    options.backoff_base = 1s;
    sender_ = std::make_unique<OutboxSender>(*store_, *messages_, clock_, options);
    sender_->AddChannel("sms", *adapter_);
    sender_->Start();
  }
  int64_t Count(OutboxState state) {
    int64_t n = 0;
    for (const auto& c : store_->CountOutbox(""))
      if (c.state == state) n += c.count;
    return n;
  }
  std::multiset<std::string> Texts(Smsc& smsc) {
    auto joined = Joined(smsc.Submitted());
    return {joined.begin(), joined.end()};
  }

  std::filesystem::path dir_;
  SystemClock clock_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Messages> messages_;
  std::unique_ptr<SdkOutboxChannel> adapter_;
  std::unique_ptr<OutboxSender> sender_;
  std::atomic<int> matched_{0};
};

TEST_F(SmsOutboxTest, SmscThrottlingSlowsTheSenderWithoutLosingAMessage) {
  Smsc smsc(5);  // the SMSC takes 5 per second; we claim 50
  ASSERT_EQ(smsc.error(), "");
  ASSERT_TRUE(Load(Settings(smsc)).ok) << host_.lines().Joined();
  Enqueue(30);
  const auto start = std::chrono::steady_clock::now();
  StartSender();
  ASSERT_TRUE(WaitFor([&] { return Count(OutboxState::kSent) == 30; }, 60s))
      << "sent " << Count(OutboxState::kSent) << "\n"
      << host_.lines().Joined();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(smsc.CountEvents("submit_sm"), 31) << "the SMSC refused some (0x58)";
  EXPECT_GT(sender_->stats().retried, 0);
  EXPECT_EQ(Count(OutboxState::kFailed), 0);
  EXPECT_GE(took, 4s) << "30 messages at 5 per second";
  auto texts = Texts(smsc);
  ASSERT_EQ(texts.size(), 30u);
  for (int i = 0; i < 30; ++i)
    EXPECT_EQ(texts.count("Звернення №" + std::to_string(i) + ": статус змінено на «в роботі»"), 1u)
        << i;
  // Every receipt matched its outbox row.
  ASSERT_TRUE(WaitFor([&] { return matched_.load() == 30; }));
  EXPECT_EQ(store_->FindOutboxByKey("test-7")->receipt, "delivered");
}

TEST_F(SmsOutboxTest, LinkCutMidBatchReconnectsAndDeliversEveryMessageOnce) {
  Smsc smsc(100);
  ASSERT_EQ(smsc.error(), "");
  auto s = Settings(smsc);
  s["tps"] = "20";
  ASSERT_TRUE(Load(s).ok) << host_.lines().Joined();
  Enqueue(30);
  Enqueue(10, "long");  // 3 parts each: a cut can fall between parts
  smsc.Post("/drop", R"({"after_submits":25})");
  StartSender();
  ASSERT_TRUE(WaitFor([&] { return Count(OutboxState::kSent) == 40; }, 60s))
      << "sent " << Count(OutboxState::kSent) << "\n"
      << host_.lines().Joined();
  EXPECT_GE(smsc.Binds(), 2) << "the channel bound again after the cut";
  EXPECT_THAT(host_.lines().Joined(), HasSubstr("link down"));
  auto texts = Texts(smsc);
  EXPECT_EQ(texts.size(), 40u);
  for (int i = 0; i < 30; ++i)
    EXPECT_EQ(texts.count("Звернення №" + std::to_string(i) + ": статус змінено на «в роботі»"), 1u)
        << i;
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(texts.count(ThreePartText() + " №" + std::to_string(i)), 1u) << "long " << i;
  ASSERT_TRUE(WaitFor([&] { return matched_.load() == 40; }))
      << matched_.load() << " receipts matched";
}

}  // namespace
}  // namespace vikno::sms::testing
