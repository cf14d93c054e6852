// accounts.two_factor (B10, docs/two-factor.md): the secure default for a
// config file, the validator's refusals with the file's line, and the key
// taken from the environment.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "host/config.h"

namespace vikno {
namespace {

namespace fs = std::filesystem;

class TwoFactorConfigTest : public ::testing::Test {
 protected:
  TwoFactorConfigTest() {
    std::random_device rd;
    root_ = fs::temp_directory_path() / ("vikno-2fa-config-" + std::to_string(rd()));
    fs::create_directories(root_ / "rules");
    fs::create_directories(root_ / "messages");
    std::ofstream(root_ / "rules/city.lua") << "city = { name = 'Test' }\n";
    std::ofstream(root_ / "messages/uk.yaml") << "status:\n  new: Нове\n";
  }
  ~TwoFactorConfigTest() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  Config Load(const std::string& body) {
    std::ofstream(root_ / "vikno.yaml") << "rules_dir: rules\nmessages_dir: messages\n" << body;
    return LoadConfig((root_ / "vikno.yaml").string(), root_.string());
  }
  std::string ErrorOf(const std::string& body) {
    try {
      Load(body);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(no error)";
  }
  fs::path root_;
};

TEST_F(TwoFactorConfigTest, AFileWithoutTheKeyRequiresItOfAdministratorsAndDecisionMakers) {
  const Config c = Load("");
  EXPECT_EQ(c.accounts.two_factor.required_roles,
            (std::vector<std::string>{"administrator", "decision_maker"}));
  EXPECT_EQ(c.accounts.two_factor.issuer, "vikno");
  EXPECT_TRUE(c.accounts.two_factor.secret_key.empty());
  EXPECT_EQ(c.accounts.two_factor.pending_minutes, 5);
}

TEST_F(TwoFactorConfigTest, ReadsEveryKeyAndTheSecretFromTheEnvironment) {
  ::setenv("VIKNO_TEST_TOTP_KEY", "0123456789abcdef-from-env", 1);
  const Config c = Load(
      "accounts:\n"
      "  two_factor:\n"
      "    required_roles: [administrator, moderator]\n"
      "    issuer: Суми 15-80\n"
      "    secret_key: \"${VIKNO_TEST_TOTP_KEY}\"\n"
      "    pending_minutes: 3\n");
  ::unsetenv("VIKNO_TEST_TOTP_KEY");
  EXPECT_EQ(c.accounts.two_factor.required_roles,
            (std::vector<std::string>{"administrator", "moderator"}));
  EXPECT_EQ(c.accounts.two_factor.issuer, "Суми 15-80");
  EXPECT_EQ(c.accounts.two_factor.secret_key, "0123456789abcdef-from-env");
  EXPECT_EQ(c.accounts.two_factor.pending_minutes, 3);
  EXPECT_TRUE(Load("accounts:\n  two_factor:\n    required_roles: []\n")
                  .accounts.two_factor.required_roles.empty())
      << "a city may make it optional for everyone";
}

TEST_F(TwoFactorConfigTest, RefusesWhatCannotWork) {
  EXPECT_NE(ErrorOf("accounts:\n  two_factor:\n    required_roles: [admin]\n")
                .find("vikno.yaml:5: accounts.two_factor.required_roles[0]: unknown value 'admin'"),
            std::string::npos)
      << ErrorOf("accounts:\n  two_factor:\n    required_roles: [admin]\n");
  EXPECT_NE(ErrorOf("accounts:\n  two_factor:\n    secret_key: short\n")
                .find("accounts.two_factor.secret_key: too short"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf("accounts:\n  two_factor:\n    issuer: \"a:b\"\n").find("accounts.two_factor.issuer"),
      std::string::npos);
  EXPECT_NE(ErrorOf("accounts:\n  two_factor:\n    pending_minutes: 0\n")
                .find("accounts.two_factor.pending_minutes: must be between 1 and 30"),
            std::string::npos);
  EXPECT_NE(ErrorOf("accounts:\n  two_factor:\n    requried_roles: []\n")
                .find("did you mean required_roles?"),
            std::string::npos);
}

}  // namespace
}  // namespace vikno
