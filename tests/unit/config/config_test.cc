#include "host/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace vikno {
namespace {

namespace fs = std::filesystem;

// A fresh folder with a rules folder (city.lua) and a messages folder
// (uk.yaml), removed at the end of the test.
class TempTree {
 public:
  TempTree() {
    std::random_device rd;
    root_ = fs::temp_directory_path() /
            ("vikno-config-test-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(root_);
  }
  ~TempTree() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  const fs::path& root() const { return root_; }
  std::string Write(const std::string& rel, const std::string& text) const {
    const fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  fs::path root_;
};

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_.Write("rules/city.lua", "city = { name = 'Test' }\n");
    tree_.Write("messages/uk.yaml", "status:\n  new: Нове\n");
  }

  // The config `body` after the two lines every valid test file needs.
  std::string Write(const std::string& body) {
    return tree_.Write("vikno.yaml", "rules_dir: rules\nmessages_dir: messages\n" + body);
  }
  Config Load(const std::string& body) { return LoadConfig(Write(body), tree_.root().string()); }
  // The message of the ConfigError `body` raises.
  std::string ErrorOf(const std::string& body) {
    try {
      Load(body);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(no error)";
  }
  std::string File() const { return (tree_.root() / "vikno.yaml").string(); }
  std::string Under(const std::string& rel) const { return (tree_.root() / rel).string(); }

  TempTree tree_;
};

TEST_F(ConfigTest, MinimalFileTakesDocumentedDefaults) {
  const Config c = Load("");
  EXPECT_EQ(c.source_file, File());
  EXPECT_EQ(c.rules_dir, Under("rules"));
  EXPECT_EQ(c.messages_dir, Under("messages"));
  EXPECT_EQ(c.data_dir, Under("data"));
  EXPECT_EQ(c.language, "uk");
  EXPECT_EQ(c.retention_years, 5);
  EXPECT_EQ(c.log_level, "information");
  EXPECT_EQ(c.storage.backend, "sqlite");
  EXPECT_EQ(c.storage.sqlite_path, Under("data/vikno.sqlite"));
  EXPECT_EQ(c.http.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.http.threads, 32);
  EXPECT_EQ(c.files.max_bytes, 20 * 1024 * 1024);
  EXPECT_TRUE(c.api_keys.empty());
  EXPECT_TRUE(c.channels.empty());
}

TEST_F(ConfigTest, ReadsEveryKey) {
  ::setenv("VIKNO_TEST_TOKEN", "123:abc", 1);
  const Config c = Load(R"(data_dir: /srv/vikno
language: uk
retention_years: 7
log_level: debug
storage:
  backend: mysql
  sqlite_path: ignored.db
  mysql: { host: db.local, port: 3307, socket: /run/mysqld.sock, user: vikno, password: pw, database: city, pool_size: 16 }
http: { listen: "0.0.0.0:9090", threads: 4, max_body_bytes: 65536 }
files: { max_bytes: 1000, allowed_types: [image/png, application/pdf] }
api_keys:
  - { name: ops, role: operator, secret: operator-secret-1 }
  - { name: water, role: executor, services: [vodokanal, teplo], secret: executor-secret-1 }
channels:
  - name: telegram
    library: plugins/libvikno_telegram.so
    settings: { token: "${VIKNO_TEST_TOKEN}", poll: 30 }
)");
  EXPECT_EQ(c.data_dir, "/srv/vikno");
  EXPECT_EQ(c.retention_years, 7);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.storage.backend, "mysql");
  EXPECT_EQ(c.storage.sqlite_path, Under("ignored.db"));
  EXPECT_EQ(c.storage.mysql_host, "db.local");
  EXPECT_EQ(c.storage.mysql_port, 3307);
  EXPECT_EQ(c.storage.mysql_socket, "/run/mysqld.sock");
  EXPECT_EQ(c.storage.mysql_user, "vikno");
  EXPECT_EQ(c.storage.mysql_password, "pw");
  EXPECT_EQ(c.storage.mysql_database, "city");
  EXPECT_EQ(c.storage.mysql_pool_size, 16);
  EXPECT_EQ(c.http.listen, "0.0.0.0:9090");
  EXPECT_EQ(c.http.threads, 4);
  EXPECT_EQ(c.http.max_body_bytes, 65536);
  EXPECT_EQ(c.files.max_bytes, 1000);
  EXPECT_EQ(c.files.allowed_types, (std::vector<std::string>{"image/png", "application/pdf"}));
  ASSERT_EQ(c.api_keys.size(), 2u);
  EXPECT_EQ(c.api_keys[1].name, "water");
  EXPECT_EQ(c.api_keys[1].role, "executor");
  EXPECT_EQ(c.api_keys[1].services, (std::vector<std::string>{"vodokanal", "teplo"}));
  EXPECT_EQ(c.api_keys[1].secret, "executor-secret-1");
  ASSERT_EQ(c.channels.size(), 1u);
  EXPECT_EQ(c.channels[0].name, "telegram");
  EXPECT_EQ(c.channels[0].library, Under("plugins/libvikno_telegram.so"));
  EXPECT_EQ(c.channels[0].settings.at("token"), "123:abc");
  EXPECT_EQ(c.channels[0].settings.at("poll"), "30");
  ::unsetenv("VIKNO_TEST_TOKEN");
}

TEST_F(ConfigTest, WithoutBaseDirPathsStayAsWritten) {
  // Relative to the working directory, the rules folder would not be found:
  // use absolute ones for this test.
  const std::string abs =
      tree_.Write("abs.yaml", "rules_dir: " + Under("rules") +
                                  "\nmessages_dir: " + Under("messages") + "\ndata_dir: data\n");
  const Config c = LoadConfig(abs);
  EXPECT_EQ(c.data_dir, "data");
  EXPECT_EQ(c.storage.sqlite_path, "data/vikno.sqlite");
  EXPECT_EQ(c.rules_dir, Under("rules"));
}

// --- every kind of error names the file, the 1-based line and the key -------

TEST_F(ConfigTest, UnknownKeySuggestsTheNearestOne) {
  EXPECT_EQ(ErrorOf("storage:\n  backend: sqlite\n  sqlite_pth: x.db\n"),
            File() + ":5: storage.sqlite_pth: unknown key (did you mean sqlite_path?)");
  EXPECT_EQ(ErrorOf("retention_year: 5\n"),
            File() + ":3: retention_year: unknown key (did you mean retention_years?)");
  EXPECT_EQ(ErrorOf("colour: red\n"), File() + ":3: colour: unknown key");
  EXPECT_EQ(ErrorOf("api_keys:\n  - name: a\n    rol: operator\n"),
            File() + ":5: api_keys[0].rol: unknown key (did you mean role?)");
}

TEST_F(ConfigTest, ErrorCarriesFileLineAndKey) {
  try {
    Load("http:\n  threads: many\n");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), File());
    EXPECT_EQ(e.line(), 4);
    EXPECT_EQ(e.key(), "http.threads");
  }
}

TEST_F(ConfigTest, WrongTypesAreRefused) {
  EXPECT_EQ(ErrorOf("http:\n  threads: many\n"),
            File() + ":4: http.threads: expected an integer, got 'many'");
  EXPECT_EQ(ErrorOf("retention_years: 5.5\n"),
            File() + ":3: retention_years: expected an integer, got '5.5'");
  EXPECT_EQ(ErrorOf("storage: [sqlite]\n"), File() + ":3: storage: expected a map, got a list");
  EXPECT_EQ(ErrorOf("language: { uk: yes }\n"),
            File() + ":3: language: expected a string, got a map");
  EXPECT_EQ(ErrorOf("files:\n  allowed_types: image/png\n"),
            File() + ":4: files.allowed_types: expected a list, got 'image/png'");
  EXPECT_EQ(ErrorOf("api_keys: { name: x }\n"),
            File() + ":3: api_keys: expected a list, got a map");
  EXPECT_EQ(ErrorOf("channels:\n  - name: web\n    settings: { a: [1, 2] }\n"),
            File() + ":5: channels[0].settings.a: expected a string, got a list");
}

TEST_F(ConfigTest, OutOfRangeValuesAreRefused) {
  EXPECT_EQ(ErrorOf("retention_years: 70\n"),
            File() + ":3: retention_years: must be between 1 and 50, got 70");
  EXPECT_EQ(ErrorOf("retention_years: 99999999999999999999\n"),
            File() + ":3: retention_years: must be between 1 and 50, got 99999999999999999999");
  EXPECT_EQ(ErrorOf("retention_years: 0\n"),
            File() + ":3: retention_years: must be between 1 and 50, got 0");
  EXPECT_EQ(ErrorOf("storage:\n  mysql:\n    port: 70000\n"),
            File() + ":5: storage.mysql.port: must be between 1 and 65535, got 70000");
  EXPECT_EQ(ErrorOf("storage:\n  mysql:\n    pool_size: 0\n"),
            File() + ":5: storage.mysql.pool_size: must be between 1 and 256, got 0");
  EXPECT_EQ(ErrorOf("http:\n  threads: 0\n"),
            File() + ":4: http.threads: must be between 1 and 1024, got 0");
  EXPECT_EQ(ErrorOf("http:\n  listen: \"127.0.0.1:99999\"\n"),
            File() + ":4: http.listen: port must be between 1 and 65535, got 99999");
  EXPECT_EQ(ErrorOf("http:\n  listen: localhost\n"),
            File() + ":4: http.listen: expected host:port, got 'localhost'");
}

TEST_F(ConfigTest, BadEnumsAreRefused) {
  EXPECT_EQ(
      ErrorOf("storage:\n  backend: postgres\n"),
      File() + ":4: storage.backend: unknown value 'postgres' (expected one of: sqlite, mysql)");
  EXPECT_EQ(ErrorOf("storage:\n  backend: mysq\n"),
            File() + ":4: storage.backend: unknown value 'mysq' (did you mean mysql?)");
  EXPECT_EQ(ErrorOf("api_keys:\n  - { name: a, role: admin, secret: long-enough-secret }\n"),
            File() +
                ":4: api_keys[0].role: unknown value 'admin' (expected one of: operator, "
                "moderator, executor, decision_maker, administrator)");
  EXPECT_EQ(ErrorOf("log_level: verbose\n"),
            File() +
                ":3: log_level: unknown value 'verbose' (expected one of: none, fatal, "
                "critical, error, warning, notice, information, debug, trace)");
  EXPECT_EQ(ErrorOf("files:\n  allowed_types:\n    - image/png\n    - image/gif\n"),
            File() +
                ":6: files.allowed_types[1]: unknown value 'image/gif' (expected one of: "
                "image/jpeg, image/png, image/webp, application/pdf, video/mp4)");
}

TEST_F(ConfigTest, MissingRequiredValuesAreRefused) {
  EXPECT_EQ(ErrorOf("storage:\n  backend: mysql\n  mysql:\n    host: db\n"),
            File() + ":6: storage.mysql.user: required when storage.backend is mysql");
  EXPECT_EQ(ErrorOf("storage:\n  backend: mysql\n"),
            File() + ":4: storage.mysql.user: required when storage.backend is mysql");
  EXPECT_EQ(ErrorOf("api_keys:\n  - { name: a, secret: long-enough-secret }\n"),
            File() +
                ":4: api_keys[0].role: required (one of: operator, moderator, executor, "
                "decision_maker, administrator)");
  EXPECT_EQ(ErrorOf("api_keys:\n  - name: a\n    role: operator\n"),
            File() + ":4: api_keys[0].secret: required");
  EXPECT_EQ(ErrorOf("api_keys:\n  - { role: operator, secret: long-enough-secret }\n"),
            File() + ":4: api_keys[0].name: required");
  EXPECT_EQ(ErrorOf("channels:\n  - library: x.so\n"), File() + ":4: channels[0].name: required");
}

TEST_F(ConfigTest, ApiKeysMustBeUsable) {
  EXPECT_EQ(ErrorOf("api_keys:\n  - { name: a, role: operator, secret: short }\n"),
            File() + ":4: api_keys[0].secret: too short: use at least 12 characters");
  EXPECT_EQ(ErrorOf("api_keys:\n  - { name: m, role: moderator, secret: long-enough-secret }\n"),
            File() + ":4: api_keys[0].services: a moderator key needs at least one service");
  EXPECT_EQ(ErrorOf("api_keys:\n"
                    "  - { name: a, role: operator, secret: long-enough-secret }\n"
                    "  - { name: a, role: operator, secret: another-long-secret }\n"),
            File() + ":5: api_keys[1].name: duplicate key name 'a'");
  EXPECT_EQ(ErrorOf("api_keys:\n"
                    "  - { name: a, role: operator, secret: long-enough-secret }\n"
                    "  - { name: b, role: operator, secret: long-enough-secret }\n"),
            File() + ":5: api_keys[1].secret: the same secret as key 'a'");
}

TEST_F(ConfigTest, ChannelsMustBeNamedOnce) {
  EXPECT_EQ(ErrorOf("channels:\n  - name: Telegram Bot\n"),
            File() + ":4: channels[0].name: 'Telegram Bot' may use only a-z, 0-9, '-' and '_'");
  EXPECT_EQ(ErrorOf("channels:\n  - name: sms\n  - name: sms\n"),
            File() + ":5: channels[1].name: duplicate channel 'sms'");
  EXPECT_EQ(ErrorOf("channels:\n  - name: sms\n    settings: { a: 1, a: 2 }\n"),
            File() + ":5: channels[0].settings.a: duplicate key");
}

TEST_F(ConfigTest, DuplicateKeysAreRefused) {
  EXPECT_EQ(ErrorOf("language: uk\nlanguage: en\n"), File() + ":4: language: duplicate key");
}

TEST_F(ConfigTest, MissingRulesFolderIsRefused) {
  const std::string file = tree_.Write("v.yaml", "rules_dir: nowhere\nmessages_dir: messages\n");
  try {
    LoadConfig(file, tree_.root().string());
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              file + ":1: rules_dir: folder '" + Under("nowhere") + "' does not exist");
  }
  tree_.Write("empty-city/README", "no city.lua here\n");
  const std::string file2 =
      tree_.Write("w.yaml", "messages_dir: messages\nrules_dir: empty-city\n");
  try {
    LoadConfig(file2, tree_.root().string());
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              file2 + ":2: rules_dir: folder '" + Under("empty-city") + "' has no city.lua");
  }
}

TEST_F(ConfigTest, MissingMessagesFileIsRefused) {
  EXPECT_EQ(ErrorOf("language: de\n"),
            File() + ":2: messages_dir: folder '" + Under("messages") + "' has no de.yaml");
}

TEST_F(ConfigTest, SyntaxErrorNamesFileAndLine) {
  EXPECT_EQ(ErrorOf("http:\n  listen: [\"a\", \n  threads: 3\n  : :\n"),
            File() + ":6: YAML syntax error: end of sequence flow not found");
}

TEST_F(ConfigTest, UnreadableFileIsRefused) {
  const std::string missing = Under("missing.yaml");
  try {
    LoadConfig(missing);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), missing + ": cannot open the file: No such file or directory");
    EXPECT_EQ(e.line(), 0);
  }
}

// --- environment references ------------------------------------------------

TEST_F(ConfigTest, ExpandsEnvironmentReferences) {
  ::setenv("VIKNO_TEST_DB_USER", "city_user", 1);
  ::setenv("VIKNO_TEST_DB_PORT", "3310", 1);
  ::setenv("VIKNO_TEST_EMPTY", "", 1);
  ::unsetenv("VIKNO_TEST_UNSET");
  const Config c = Load(R"(storage:
  mysql:
    user: "${VIKNO_TEST_DB_USER}"
    port: "${VIKNO_TEST_DB_PORT}"
    password: "p-${VIKNO_TEST_UNSET:-fallback}-${VIKNO_TEST_EMPTY:-was-empty}"
    host: "${VIKNO_TEST_EMPTY}"
    database: "$${literal}"
)");
  EXPECT_EQ(c.storage.mysql_user, "city_user");
  EXPECT_EQ(c.storage.mysql_port, 3310);
  EXPECT_EQ(c.storage.mysql_password, "p-fallback-was-empty");
  EXPECT_EQ(c.storage.mysql_host, "");  // set but empty, and no default
  EXPECT_EQ(c.storage.mysql_database, "${literal}");
  ::unsetenv("VIKNO_TEST_DB_USER");
  ::unsetenv("VIKNO_TEST_DB_PORT");
  ::unsetenv("VIKNO_TEST_EMPTY");
}

TEST_F(ConfigTest, UnsetVariableWithoutDefaultIsAnError) {
  ::unsetenv("VIKNO_TEST_UNSET");
  EXPECT_EQ(ErrorOf("storage:\n  mysql:\n    password: \"${VIKNO_TEST_UNSET}\"\n"),
            File() +
                ":5: storage.mysql.password: environment variable VIKNO_TEST_UNSET is not "
                "set and has no default");
  EXPECT_EQ(
      ErrorOf("api_keys:\n  - name: a\n    role: operator\n    secret: ${VIKNO_TEST_UNSET}\n"),
      File() +
          ":6: api_keys[0].secret: environment variable VIKNO_TEST_UNSET is not set "
          "and has no default");
  EXPECT_EQ(ErrorOf("language: \"${VIKNO_TEST_UNSET\"\n"),
            File() + ":3: language: unterminated ${ (write $${ for a literal ${)");
  EXPECT_EQ(ErrorOf("language: \"${1BAD}\"\n"),
            File() + ":3: language: '1BAD' is not an environment variable name");
}

// --- the shipped files -----------------------------------------------------

// The demo config exactly as shipped, from the repository root (the test's
// working directory): rules/sumy and config/messages must be there.
TEST(ShippedConfig, DemoLoadsAsIs) {
  ::unsetenv("VIKNO_DEMO_API_KEY");
  const Config c = LoadConfig("config/vikno.yaml");
  EXPECT_EQ(c.rules_dir, "rules/sumy");
  EXPECT_EQ(c.storage.backend, "sqlite");
  EXPECT_EQ(c.storage.sqlite_path, "data/vikno.sqlite");
  EXPECT_EQ(c.http.listen, "127.0.0.1:8080");
  ASSERT_EQ(c.api_keys.size(), 1u);
  EXPECT_EQ(c.api_keys[0].role, "administrator");
  EXPECT_EQ(c.api_keys[0].secret, "demo-admin-key");
}

// Every shipped file, with its relative paths resolved against a scratch tree
// that has the rules and messages folders they name.
TEST(ShippedConfig, EveryShippedFileLoads) {
  TempTree tree;
  ::setenv("VIKNO_DEMO_API_KEY", "a-real-random-secret", 1);
  ::setenv("VIKNO_DB_PASSWORD", "db-secret", 1);
  ::setenv("VIKNO_ADMIN_API_KEY", "admin-secret-123", 1);
  ::setenv("VIKNO_VODOKANAL_API_KEY", "vodokanal-secret-123", 1);
  std::vector<std::string> files = {"config/vikno.yaml"};
  for (const auto& e : fs::directory_iterator("config/examples"))
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  ASSERT_GE(files.size(), 2u);
  for (const auto& file : files) {
    SCOPED_TRACE(file);
    std::string rules_dir;
    {
      // Read the rules_dir the file names, and create it in the scratch tree.
      std::ifstream in(file);
      std::string line;
      while (std::getline(in, line))
        if (line.rfind("rules_dir: ", 0) == 0) rules_dir = line.substr(11);
    }
    ASSERT_FALSE(rules_dir.empty());
    tree.Write(rules_dir + "/city.lua", "city = {}\n");
    tree.Write("config/messages/uk.yaml", "status:\n  new: Нове\n");
    const Config c = LoadConfig(file, tree.root().string());
    EXPECT_EQ(c.rules_dir, (tree.root() / rules_dir).string());
    EXPECT_FALSE(c.api_keys.empty());
  }
  const Config demo = LoadConfig("config/vikno.yaml", tree.root().string());
  EXPECT_EQ(demo.api_keys[0].secret, "a-real-random-secret");
  const Config mysql = LoadConfig("config/examples/mysql.yaml", tree.root().string());
  EXPECT_EQ(mysql.storage.backend, "mysql");
  EXPECT_EQ(mysql.storage.mysql_password, "db-secret");
  for (const char* v : {"VIKNO_DEMO_API_KEY", "VIKNO_DB_PASSWORD", "VIKNO_ADMIN_API_KEY",
                        "VIKNO_VODOKANAL_API_KEY"})
    ::unsetenv(v);
}

TEST(ShippedConfig, MysqlExampleNeedsThePassword) {
  ::unsetenv("VIKNO_DB_PASSWORD");
  ::setenv("VIKNO_ADMIN_API_KEY", "admin-secret-123", 1);
  TempTree tree;
  tree.Write("rules/sumy/city.lua", "city = {}\n");
  tree.Write("config/messages/uk.yaml", "status:\n  new: Нове\n");
  try {
    LoadConfig("config/examples/mysql.yaml", tree.root().string());
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "storage.mysql.password");
    EXPECT_NE(std::string(e.what()).find("environment variable VIKNO_DB_PASSWORD is not set"),
              std::string::npos);
  }
  ::unsetenv("VIKNO_ADMIN_API_KEY");
}

TEST_F(ConfigTest, ResidentsSideKeysHaveDefaultsAndBounds) {
  Config c = Load("");
  EXPECT_EQ(c.http.public_url, "");
  EXPECT_EQ(c.intake.workers, 4);
  EXPECT_EQ(c.intake.queue_capacity, 1000);
  EXPECT_EQ(c.intake.dedup_days, 7);
  EXPECT_EQ(c.outbox.workers_per_channel, 2);
  EXPECT_TRUE(c.outbox.rates.empty());

  c = Load(
      "http:\n  public_url: \"https://city.example/\"\n"
      "intake:\n  workers: 8\n  queue_capacity: 50\n  dedup_days: 2\n"
      "outbox:\n  workers_per_channel: 3\n  batch_size: 10\n  max_attempts: 5\n"
      "  rates:\n    telegram:\n      per_second: 20\n    sms:\n"
      "      per_recipient_per_second: 2\n");
  EXPECT_EQ(c.http.public_url, "https://city.example");  // the trailing slash dropped
  EXPECT_EQ(c.intake.workers, 8);
  EXPECT_EQ(c.intake.queue_capacity, 50);
  EXPECT_EQ(c.intake.dedup_days, 2);
  EXPECT_EQ(c.outbox.workers_per_channel, 3);
  EXPECT_EQ(c.outbox.batch_size, 10);
  EXPECT_EQ(c.outbox.max_attempts, 5);
  EXPECT_EQ(c.outbox.rates.at("telegram").per_second, 20);
  EXPECT_EQ(c.outbox.rates.at("telegram").per_recipient_per_second, 0);
  EXPECT_EQ(c.outbox.rates.at("sms").per_recipient_per_second, 2);
}

TEST_F(ConfigTest, ResidentsSideKeysRefuseBadValuesWithFileLineAndKey) {
  EXPECT_EQ(ErrorOf("http:\n  public_url: city.example\n"),
            File() + ":4: http.public_url: expected an http:// or https:// URL, got 'city.example'");
  EXPECT_EQ(ErrorOf("intake:\n  workers: 0\n"),
            File() + ":4: intake.workers: must be between 1 and 256, got 0");
  EXPECT_EQ(ErrorOf("outbox:\n  rates:\n    telegram:\n      per_secnd: 5\n"),
            File() + ":6: outbox.rates.telegram.per_secnd: unknown key (did you mean per_second?)");
  EXPECT_EQ(ErrorOf("outbox:\n  rates: [1]\n"),
            File() + ":4: outbox.rates: expected a map of channel names, got a list");
  EXPECT_EQ(ErrorOf("intake:\n  worker: 5\n"),
            File() + ":4: intake.worker: unknown key (did you mean workers?)");
}

}  // namespace
}  // namespace vikno
