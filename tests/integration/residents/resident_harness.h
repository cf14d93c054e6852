// Shared by the residents' end-to-end tests (issue 7, "done when"): the REAL
// `vikno serve` binary on a temporary SQLite with the Sumy rules and one
// channel pointed at that channel's peer, driven through the REST API (API
// key) on the staff side; and the scripted resident of the done-when, the
// same for every channel:
//   first contact → privacy consent → an address typed with a typo, the
//   matched one confirmed → report down the classifier tree → description →
//   photo skipped → location (shared where the channel can, skipped where it
//   cannot) → send → the appeal's number → an operator takes it into work
//   (the status notice reaches the resident, R7) and sends it for
//   confirmation → "fixed?" → yes → Completed (R18).
// A channel's test supplies a Resident: how the resident writes, how it
// presses a choice (a Viber button, or a number for SMS and e-mail, whose
// menus the conversation renders as numbered text) and what the bot sent.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "integration/host/subprocess.h"

namespace vikno::testing::residents {

inline const std::filesystem::path kSource(VIKNO_SOURCE_DIR);
inline constexpr const char* kApiKey = "residents-test-admin-key";

inline bool WaitFor(const std::function<bool()>& done,
                    std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

inline uint16_t FreePort() {
  Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
  return s.address().port();
}

inline std::filesystem::path TempDir(const std::string& tag) {
  auto dir = std::filesystem::temp_directory_path() /
             ("vikno-residents-" + tag + "-" + std::to_string(::getpid()) + "-" +
              std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  return dir;
}

inline Poco::JSON::Object::Ptr ParseObject(const std::string& json) {
  Poco::JSON::Parser parser;
  return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
}

struct ApiAnswer {
  int status = 0;
  std::string body;
};

// One REST API call as the administrator (API key).
inline ApiAnswer Api(uint16_t port, const std::string& method, const std::string& path,
                     const std::string& body = "") {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.set("Authorization", std::string("Bearer ") + kApiKey);
  if (!body.empty()) {
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  ApiAnswer a;
  a.status = static_cast<int>(response.getStatus());
  Poco::StreamCopier::copyToString(in, a.body);
  return a;
}

// `vikno serve` as a child process with a temporary config and data dir;
// stopped with SIGTERM (and waited for) by Stop or the destructor.
class ViknoHost {
 public:
  explicit ViknoHost(const std::string& tag) : dir_(TempDir(tag)), port_(FreePort()) {}
  ~ViknoHost() {
    if (process_) Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ViknoHost(const ViknoHost&) = delete;
  ViknoHost& operator=(const ViknoHost&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  uint16_t port() const { return port_; }
  std::string public_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // `channel_yaml`: the channel's list entry, indented as under "channels:";
  // `rates_yaml`: its outbox.rates entry, indented as under "rates:".
  // Returns "" or what went wrong (with the host's log).
  std::string Start(const std::string& channel, const std::string& channel_yaml,
                    const std::string& rates_yaml) {
    std::ofstream out(dir_ / "vikno.yaml");
    out << "data_dir: " << (dir_ / "data").string() << "\n"
        << "rules_dir: " << (kSource / "rules/sumy").string() << "\n"
        << "messages_dir: " << (kSource / "config/messages").string() << "\n"
        << "language: uk\nlog_level: information\n"
        << "storage:\n  backend: sqlite\n"
        << "http:\n  listen: \"127.0.0.1:" << port_ << "\"\n  threads: 4\n"
        << "  public_url: \"" << public_url() << "\"\n"
        << "api_keys:\n  - name: test-admin\n    role: administrator\n    services: []\n"
        << "    secret: " << kApiKey << "\n"
        << "intake:\n  workers: 2\n  queue_capacity: 100\n"
        << "outbox:\n  workers_per_channel: 1\n  rates:\n"
        << rates_yaml << "channels:\n"
        << channel_yaml;
    out.close();
    std::filesystem::create_directories(dir_ / "run");
    process_ = std::make_unique<Subprocess>(
        std::vector<std::string>{VIKNO_BINARY, "serve", "--config", (dir_ / "vikno.yaml").string()},
        dir_ / "run", kSource);
    if (!process_->WaitForOutput("vikno listening", std::chrono::seconds(30)))
      return "vikno serve did not start:\n" + Log();
    const bool running = WaitFor(
        [&] {
          std::istringstream lines(Log());
          for (std::string line; std::getline(lines, line);)
            if (line.find("\"channel running\"") != std::string::npos &&
                line.find("\"" + channel + "\"") != std::string::npos)
              return true;
          return false;
        },
        std::chrono::seconds(15));
    return running ? "" : "channel " + channel + " is not running:\n" + Log();
  }

  void Stop() {
    if (!process_) return;
    process_->Signal(SIGTERM);
    const auto code = process_->Wait(std::chrono::seconds(40));
    EXPECT_EQ(code, std::optional<int>(0)) << Log();
    if (!code) {  // never leave it running
      process_->Signal(SIGKILL);
      process_->Wait(std::chrono::seconds(10));
    }
    process_.reset();
  }

  std::string Log() const { return process_ ? process_->Stderr() : ""; }

  Poco::JSON::Array::Ptr Appeals() {
    ApiAnswer a = Api(port_, "GET", "/api/v1/appeals");
    EXPECT_EQ(a.status, 200) << a.body;
    if (a.status != 200) return new Poco::JSON::Array;
    return ParseObject(a.body)->getArray("items");
  }

  ApiAnswer Transition(int64_t id, const std::string& action, const std::string& note) {
    Poco::JSON::Object body;
    body.set("action", action);
    body.set("note", note);
    std::ostringstream s;
    body.stringify(s);
    return Api(port_, "POST", "/api/v1/appeals/" + std::to_string(id) + "/transitions", s.str());
  }

 private:
  std::filesystem::path dir_;
  uint16_t port_;
  std::unique_ptr<Subprocess> process_;
};

// One choice the bot offered: what the resident sees and what answering it
// sends (a button's payload, or the number of a numbered line).
struct Choice {
  std::string label;
  std::string answer;
};

// One message the bot sent to the resident, as the peer recorded it.
struct BotMessage {
  std::string text;
  std::vector<Choice> choices;
  bool asks_location = false;  // a location-picker button (channels that have one)
  std::string tracking;        // Viber: tracking_data sent with it
};

// The choices of a text rendered by RenderNumbered: lines "N. label".
inline std::vector<Choice> NumberedChoices(const std::string& text) {
  static const std::regex line(R"(^(\d{1,2})\. (.+)$)");
  std::vector<Choice> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    std::smatch m;
    if (std::regex_match(l, m, line)) out.push_back({m[2].str(), m[1].str()});
  }
  return out;
}

// The resident's side of one channel, through its peer.
class Resident {
 public:
  virtual ~Resident() = default;
  // Writes `text` to the bot.
  virtual void Say(const std::string& text) = 0;
  // Answers `choice` of `message` (presses the button, or sends its number).
  virtual void Choose(const BotMessage& message, const Choice& choice) = 0;
  // Shares a point on the map; false when the channel cannot.
  virtual bool ShareLocation(double lat, double lon) = 0;
  // Bot messages the peer received for the resident since the last call.
  virtual std::vector<BotMessage> Fetch() = 0;
};

// The conversation as the resident sees it: waits (polling the peer) for
// the next bot message matching a condition.
class Conversation {
 public:
  Conversation(Resident& resident, ViknoHost& host, std::chrono::seconds wait)
      : resident_(resident), host_(host), wait_(wait) {}

  // The next new message satisfying `match`; messages before it are passed.
  std::optional<BotMessage> Next(const std::function<bool(const BotMessage&)>& match,
                                 const std::string& what) {
    const size_t from = next_;
    const bool ok = WaitFor(
        [&] {
          for (auto& m : resident_.Fetch()) seen_.push_back(std::move(m));
          for (size_t i = from; i < seen_.size(); ++i)
            if (match(seen_[i])) {
              next_ = i + 1;
              return true;
            }
          return false;
        },
        wait_);
    if (ok) return seen_[next_ - 1];
    std::string got;
    for (size_t i = from; i < seen_.size(); ++i) got += "\n  > " + seen_[i].text.substr(0, 300);
    ADD_FAILURE() << "no bot message: " << what << "; got:" << got << "\nhost log:\n"
                  << host_.Log();
    return std::nullopt;
  }
  std::optional<BotMessage> WithChoice(const std::string& label, const std::string& what) {
    return Next([&](const BotMessage& m) { return Find(m, label) != nullptr; }, what);
  }
  std::optional<BotMessage> WithText(const std::string& part, const std::string& what) {
    return Next([&](const BotMessage& m) { return m.text.find(part) != std::string::npos; }, what);
  }
  std::optional<BotMessage> WithAnyChoice(const std::string& what) {
    return Next([](const BotMessage& m) { return !m.choices.empty(); }, what);
  }

  static const Choice* Find(const BotMessage& m, const std::string& label) {
    for (const auto& c : m.choices)
      if (c.label == label) return &c;
    return nullptr;
  }
  // Presses `label` on `m`; a failure when it is not offered.
  bool Press(const BotMessage& m, const std::string& label) {
    const Choice* c = Find(m, label);
    EXPECT_NE(c, nullptr) << "'" << label << "' is not offered in:\n" << m.text;
    if (!c) return false;
    resident_.Choose(m, *c);
    return true;
  }

 private:
  Resident& resident_;
  ViknoHost& host_;
  std::chrono::seconds wait_;
  std::vector<BotMessage> seen_;
  size_t next_ = 0;
};

// The scripted resident of issue 7's done-when over `channel`. Labels are
// the Ukrainian texts of config/messages/uk.yaml (bot.*), which is what a
// resident reads on every channel.
inline void ReportAndConfirmTheFix(const std::string& channel, Resident& resident, ViknoHost& host,
                                   std::chrono::seconds wait = std::chrono::seconds(20)) {
  Conversation c(resident, host, wait);

  resident.Say("Привіт");
  auto consent = c.WithChoice("Погоджуюся", "privacy consent (R31)");
  ASSERT_TRUE(consent);
  EXPECT_NE(consent->text.find("персональних даних"), std::string::npos) << consent->text;
  ASSERT_TRUE(c.Press(*consent, "Погоджуюся"));
  ASSERT_TRUE(c.WithText("Вкажіть адресу", "address prompt"));

  resident.Say("вул. Саборна, 12");  // a typo: Соборна
  auto proposal = c.WithChoice("Так", "the matched address proposed (R3)");
  ASSERT_TRUE(proposal);
  EXPECT_NE(proposal->text.find("Соборна"), std::string::npos) << proposal->text;
  ASSERT_TRUE(c.Press(*proposal, "Так"));
  auto menu = c.WithChoice("Повідомити про проблему", "main menu");
  ASSERT_TRUE(menu);
  ASSERT_TRUE(c.Press(*menu, "Повідомити про проблему"));

  // Down the classifier tree, the first category at each level, until the
  // description is asked: the resident's only registered address is used
  // without a question (it is on the summary).
  bool described = false;
  for (int level = 0; level < 6 && !described; ++level) {
    auto step = c.WithAnyChoice("a category or the description prompt");
    ASSERT_TRUE(step);
    described = step->text.find("Опишіть проблему") != std::string::npos;
    if (described) break;
    EXPECT_EQ(step->text.find("Де виникла проблема"), std::string::npos)
        << "one registered address is not asked: " << step->text;
    const Choice& first = step->choices.front();
    ASSERT_NE(first.label, "Скасувати") << step->text;
    ASSERT_NE(first.label, "Назад") << step->text;
    resident.Choose(*step, first);
  }
  ASSERT_TRUE(described) << "the description was never asked";
  resident.Say("Глибока яма на проїжджій частині біля зупинки");
  // The summary offers the optional location (and photo, another address).
  auto draft = c.WithChoice("Додати геолокацію", "summary with its extras");
  ASSERT_TRUE(draft);
  EXPECT_NE(draft->text.find("Соборна"), std::string::npos) << draft->text;
  ASSERT_TRUE(c.Press(*draft, "Додати геолокацію"));
  auto location = c.WithText("Надішліть місце проблеми", "location prompt");
  ASSERT_TRUE(location);
  bool shared = false;
  if (location->asks_location) shared = resident.ShareLocation(50.9077, 34.7981);
  if (!shared) {
    // SMS and e-mail cannot share a point: the numbered menu leaves the
    // location button out and the resident goes back to the summary.
    EXPECT_FALSE(location->asks_location) << "the channel offered a location it cannot send";
    ASSERT_TRUE(c.Press(*location, "Назад"));
  }
  auto summary = c.WithChoice("Надіслати", "summary");
  ASSERT_TRUE(summary);
  EXPECT_NE(summary->text.find("Глибока яма"), std::string::npos) << summary->text;
  if (shared) EXPECT_NE(summary->text.find("Місце на мапі: додано"), std::string::npos);
  ASSERT_TRUE(c.Press(*summary, "Надіслати"));

  ASSERT_TRUE(WaitFor([&] { return host.Appeals()->size() == 1; })) << host.Log();
  auto appeal = host.Appeals()->getObject(0);
  const std::string number = appeal->getValue<std::string>("number");
  const int64_t id = appeal->getValue<int64_t>("id");
  EXPECT_TRUE(c.WithText("зареєстровано за № " + number, "the number, at once (R5)"));
  EXPECT_EQ(appeal->getValue<std::string>("channel"), channel);
  EXPECT_EQ(appeal->getValue<std::string>("status"), "new");
  EXPECT_EQ(appeal->getObject("address")->getValue<std::string>("street"), "вулиця Соборна");
  EXPECT_EQ(appeal->getObject("address")->getValue<std::string>("house"), "12");
  auto point = appeal->getObject("address")->getObject("point");
  if (shared) {  // where the channel can share a point, it is on the appeal
    ASSERT_TRUE(point);
    EXPECT_DOUBLE_EQ(point->getValue<double>("lat"), 50.9077);
  }

  // The operator works it (the status change reaches the resident, R7) and
  // sends it for confirmation (R18).
  ApiAnswer t = host.Transition(id, "take_into_work", "");
  ASSERT_EQ(t.status, 200) << t.body;
  auto notice = c.WithText("«В роботі»", "the status change (R7)");
  ASSERT_TRUE(notice);
  EXPECT_NE(notice->text.find(number), std::string::npos) << notice->text;
  t = host.Transition(id, "send_for_confirmation", "Яму засипали");
  ASSERT_EQ(t.status, 200) << t.body;
  auto fixed = c.WithChoice("Так, усунуто", "fixed? (R18)");
  ASSERT_TRUE(fixed);
  EXPECT_NE(fixed->text.find("Яму засипали"), std::string::npos) << fixed->text;
  EXPECT_NE(fixed->text.find(number), std::string::npos) << fixed->text;
  ASSERT_TRUE(c.Press(*fixed, "Так, усунуто"));
  ASSERT_TRUE(WaitFor([&] {
    return host.Appeals()->getObject(0)->getValue<std::string>("status") == "completed";
  })) << host.Log();
  EXPECT_TRUE(c.WithText("Звернення № " + number + " завершено", "thanks"));
}

}  // namespace vikno::testing::residents
