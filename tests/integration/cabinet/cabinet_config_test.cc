// The `cabinet` keys of vikno.yaml (config/README.md): defaults, values read,
// and bad values refused with the file, line and key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "host/config.h"
#include "unit/workflow/workflow_fixture.h"  // FreshTempDir

namespace vikno::testing {
namespace {

class CabinetConfigTest : public ::testing::Test {
 protected:
  ~CabinetConfigTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Config Load(const std::string& cabinet_yaml) {
    const std::string path = (dir_ / "vikno.yaml").string();
    std::ofstream(path) << "rules_dir: " << VIKNO_SOURCE_DIR << "/rules/sumy\n"
                        << "messages_dir: " << VIKNO_SOURCE_DIR << "/config/messages\n"
                        << "data_dir: " << (dir_ / "data").string() << "\n"
                        << cabinet_yaml;
    return LoadConfig(path);
  }
  std::string Refusal(const std::string& cabinet_yaml) {
    try {
      Load(cabinet_yaml);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }
  std::filesystem::path dir_ = FreshTempDir("vikno-cabinet-config");
};

TEST_F(CabinetConfigTest, DefaultsWithoutTheSection) {
  const Config c = Load("");
  EXPECT_TRUE(c.cabinet.enabled);
  EXPECT_EQ(c.cabinet.code_ttl_minutes, 10);
  EXPECT_EQ(c.cabinet.code_max_attempts, 5);
  EXPECT_EQ(c.cabinet.privacy_version, "1");
  EXPECT_EQ(c.cabinet.email_channel, "email");
  EXPECT_EQ(c.cabinet.sms_channel, "sms");
  EXPECT_FALSE(c.cabinet.secure_cookie);
}

TEST_F(CabinetConfigTest, ValuesAreRead) {
  const Config c = Load(
      "cabinet:\n  enabled: false\n  code_ttl_minutes: 5\n  secure_cookie: true\n"
      "  privacy_version: \"2026-03\"\n  sms_channel: sms-gateway\n");
  EXPECT_FALSE(c.cabinet.enabled);
  EXPECT_EQ(c.cabinet.code_ttl_minutes, 5);
  EXPECT_TRUE(c.cabinet.secure_cookie);
  EXPECT_EQ(c.cabinet.privacy_version, "2026-03");
  EXPECT_EQ(c.cabinet.sms_channel, "sms-gateway");
}

TEST_F(CabinetConfigTest, BadValuesAreRefusedWithTheirKey) {
  EXPECT_NE(Refusal("cabinet:\n  code_ttl_minutes: 0\n").find("cabinet.code_ttl_minutes"),
            std::string::npos);
  EXPECT_NE(Refusal("cabinet:\n  code_max_attempts: 1000\n").find("cabinet.code_max_attempts"),
            std::string::npos);
  EXPECT_NE(Refusal("cabinet:\n  secure_cookie: maybe\n").find("cabinet.secure_cookie"),
            std::string::npos);
  EXPECT_NE(Refusal("cabinet:\n  privacy_version: \"\"\n").find("cabinet.privacy_version"),
            std::string::npos);
  EXPECT_NE(Refusal("cabinet:\n  code_tll_minutes: 5\n").find("unknown key"), std::string::npos);
}

}  // namespace
}  // namespace vikno::testing
