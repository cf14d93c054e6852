// `vikno staff totp-reset --user LOGIN` (B10) run as an operator runs it, on
// the store of a running `vikno serve`: an administrator who set up
// two-factor sign-in and lost the phone has it removed, every session ends,
// and the next sign-in is held to enrolment again; usage and refusals exit
// with their codes.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "core/time.h"
#include "http/totp.h"
#include "integration/host/subprocess.h"
#include "unit/workflow/workflow_fixture.h"  // FreshTempDir

namespace vikno::testing {
namespace {

using namespace std::chrono_literals;
using Poco::JSON::Object;

const std::filesystem::path kSource(VIKNO_SOURCE_DIR);
const std::string kBinary(VIKNO_BINARY);

struct Answer {
  int status = 0;
  Object::Ptr json;
  std::string cookie;  // a Set-Cookie session value, if any
  std::string body;
};

class TotpResetTest : public ::testing::Test {
 protected:
  TotpResetTest() : dir_(FreshTempDir("vikno-totp-reset")) {
    Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
    port_ = s.address().port();
  }
  ~TotpResetTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string Config() {
    const auto path = dir_ / "vikno.yaml";
    std::ofstream(path) << "data_dir: " << (dir_ / "data").string() << "\n"
                        << "rules_dir: " << (kSource / "examples/minimal-city").string() << "\n"
                        << "messages_dir: " << (kSource / "config/messages").string() << "\n"
                        << "log_level: warning\n"
                        << "http:\n  listen: \"127.0.0.1:" << port_ << "\"\n  threads: 2\n"
                        << "accounts:\n  argon2_time_cost: 1\n  argon2_memory_kib: 8192\n"
                        << "  two_factor:\n    secret_key: \"host-test-seal-key-0123456789\"\n";
    return path.string();
  }

  std::unique_ptr<Subprocess> Run(const std::vector<std::string>& args, const std::string& tag) {
    std::vector<std::string> argv{kBinary};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto out = dir_ / tag;
    std::filesystem::create_directories(out);
    return std::make_unique<Subprocess>(argv, out, kSource);
  }

  Answer Send(const std::string& method, const std::string& uri, const std::string& body,
              const std::string& cookie = "", const std::string& csrf = "") {
    Poco::Net::HTTPClientSession session("127.0.0.1", port_);
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request(method, uri, Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Origin", "http://127.0.0.1:" + std::to_string(port_));
    if (!cookie.empty()) request.set("Cookie", "vikno_session=" + cookie);
    if (!csrf.empty()) request.set("X-CSRF-Token", csrf);
    request.setContentType("application/json");
    request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    Answer a;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), a.body);
    a.status = response.getStatus();
    const std::string set = response.get("Set-Cookie", "");
    if (set.rfind("vikno_session=", 0) == 0) a.cookie = set.substr(14, set.find(';') - 14);
    try {
      a.json = Poco::JSON::Parser().parse(a.body).extract<Object::Ptr>();
    } catch (const Poco::Exception&) {
    }
    return a;
  }

  std::filesystem::path dir_;
  uint16_t port_ = 0;
};

TEST_F(TotpResetTest, ResetRemovesTheSecondFactorAndEndsTheSessionsOfARunningHost) {
  const std::string config = Config();
  auto add =
      Run({"user", "add", "--login", "boss", "--role", "administrator", "--config", config}, "add");
  ASSERT_EQ(add->Wait(30s), 0) << add->Stderr();
  const std::string out = add->Stdout();
  const std::string password = out.substr(out.find("password: ") + 10, 16);

  auto serve = Run({"serve", "--config", config}, "serve");
  ASSERT_TRUE(serve->WaitForOutput("vikno listening on", 30s)) << serve->Stderr();
  const std::string login = R"({"login":"boss","password":")" + password + R"("})";
  Answer in = Send("POST", "/api/v1/session", login);
  ASSERT_EQ(in.status, 200) << in.body;
  ASSERT_EQ(in.json->getValue<std::string>("stage"), "enrol");
  const std::string csrf = in.json->getValue<std::string>("csrf_token");
  Answer begun = Send("POST", "/api/v1/session/two-factor/enrol", "{}", in.cookie, csrf);
  ASSERT_EQ(begun.status, 200) << begun.body;
  const auto secret = http::totp::Base32Decode(begun.json->getValue<std::string>("secret"));
  ASSERT_TRUE(secret);
  const std::string code = http::totp::Hotp(
      *secret, static_cast<uint64_t>(http::totp::StepOf(ToUnix(SystemClock().Now()))));
  Answer confirmed = Send("POST", "/api/v1/session/two-factor/confirm",
                          R"({"code":")" + code + R"("})", in.cookie, csrf);
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  ASSERT_FALSE(confirmed.cookie.empty());
  EXPECT_EQ(Send("POST", "/api/v1/session", login).json->getValue<std::string>("stage"),
            "second_factor");

  auto reset = Run({"staff", "totp-reset", "--user", "BOSS", "--config", config}, "reset");
  ASSERT_EQ(reset->Wait(30s), 0) << reset->Stderr();
  EXPECT_NE(reset->Stdout().find("two-factor sign-in of boss removed"), std::string::npos)
      << reset->Stdout();
  // The full session of the running host is gone; the next sign-in enrols.
  Answer session = Send("DELETE", "/api/v1/session", "", confirmed.cookie,
                        confirmed.json->getValue<std::string>("csrf_token"));
  EXPECT_EQ(session.status, 401) << session.body;
  EXPECT_EQ(Send("POST", "/api/v1/session", login).json->getValue<std::string>("stage"), "enrol");

  auto again = Run({"staff", "totp-reset", "--user", "boss", "--config", config}, "again");
  EXPECT_EQ(again->Wait(30s), 1) << "nothing left to reset";
  EXPECT_NE(again->Stderr().find("has no second factor"), std::string::npos) << again->Stderr();
  auto nobody = Run({"staff", "totp-reset", "--user", "ghost", "--config", config}, "ghost");
  EXPECT_EQ(nobody->Wait(30s), 1);
  auto usage = Run({"staff", "totp-reset", "--config", config}, "usage");
  EXPECT_EQ(usage->Wait(30s), 64);
  auto wrong = Run({"staff", "reset"}, "wrong");
  EXPECT_EQ(wrong->Wait(30s), 64);

  serve->Signal(SIGTERM);
  EXPECT_EQ(serve->Wait(15s), 0) << serve->Stderr();
}

}  // namespace
}  // namespace vikno::testing
