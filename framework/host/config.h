// The host's configuration (config/vikno.yaml), read with yaml-cpp. A bad file
// stops start-up with a ConfigError naming the file, line and key.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "reports/report_settings.h"

namespace vikno {

class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& file, int line, const std::string& key, const std::string& problem);
  const std::string& file() const { return file_; }
  int line() const { return line_; }  // 1-based; 0 when the problem is the whole file
  const std::string& key() const { return key_; }

 private:
  std::string file_;
  int line_;
  std::string key_;
};

struct StorageConfig {
  std::string backend = "sqlite";  // "sqlite" or "mysql"
  // sqlite
  std::string sqlite_path;  // default: <data_dir>/vikno.sqlite
  // mysql
  std::string mysql_host = "127.0.0.1";
  int mysql_port = 3306;
  std::string mysql_socket;  // when set, used instead of host/port
  std::string mysql_user;
  std::string mysql_password;
  std::string mysql_database = "vikno";
  int mysql_pool_size = 4;
};

struct HttpConfig {
  std::string listen = "127.0.0.1:8080";  // host:port
  // Each open keep-alive connection (a browser of the panel holds several,
  // a messenger's webhook a few) holds a thread until it goes idle for the
  // keep-alive timeout (server.cc), so a contact centre's panel and its bots
  // need a few dozen.
  int threads = 32;
  int64_t max_body_bytes = 1 << 20;  // JSON bodies; uploads have their own limit
  // The static pages: <web_dir>/panel is served under /panel/ (issue 5).
  std::string web_dir = "web";
  // The address the world reaches this host at ("https://city.example"),
  // without a trailing slash; channels tell their provider webhook URLs under
  // it (/hooks/<channel>/...). Empty: webhooks are given as paths only.
  std::string public_url;
};

// The outbox sender (framework/outbox/sender.h): threads per channel, rows
// per claim, attempts, and overrides of the channels' declared rate limits.
struct OutboxRateConfig {
  int per_second = 0;            // overall messages per second (0: the channel's own)
  int per_recipient_per_second = 0;  // to one chat (0: the channel's own)
};
struct OutboxConfig {
  int workers_per_channel = 2;
  int batch_size = 50;
  int max_attempts = 12;
  std::map<std::string, OutboxRateConfig> rates;  // by channel name
};

// Residents' messages from the channels (DESIGN.md "Threads and queues"): a
// bounded queue read by `workers` threads; one chat always goes to the same
// worker, so its messages are handled in order.
struct IntakeConfig {
  int workers = 4;
  int queue_capacity = 1000;  // messages waiting; beyond it a channel is told "busy"
  int dedup_days = 7;         // provider ids remembered for de-duplication
};

// A key for the REST API until staff accounts land (issue 5): a name, a role,
// the services in scope, and the secret (from an environment variable).
struct ApiKeyConfig {
  std::string name;
  std::string role;
  std::vector<std::string> services;
  std::string secret;
};

// Staff accounts of the panel (issue 5): sessions, login throttling and the
// argon2id cost (config key `accounts`).
struct AccountsConfig {
  int session_idle_minutes = 30;     // a session unused this long ends
  int session_absolute_hours = 12;   // and every session ends this long after login
  bool secure_cookie = false;        // Secure even on plain http (behind a TLS proxy)
  // The panel's origin ("https://city.example") when a proxy in front
  // rewrites Host; changes from a page are accepted from it besides the
  // origin the request's Host names. Empty: the Host's origin only.
  std::string origin;
  // Failed logins per login name: the first `free_failures` cost nothing,
  // then each waits `delay_seconds`, doubling up to `max_delay_seconds`;
  // `lockout_failures` in a row lock the login for `lockout_minutes`.
  int free_failures = 3;
  int delay_seconds = 1;
  int max_delay_seconds = 60;
  int lockout_failures = 10;
  int lockout_minutes = 15;
  // The same per client address, with more room: one office may share an
  // address.
  int address_free_failures = 10;
  int address_lockout_failures = 50;
  // argon2id (libargon2): passes, memory in KiB, lanes.
  int argon2_time_cost = 2;
  int argon2_memory_kib = 32 * 1024;
  int argon2_parallelism = 1;
  // B10: the second factor (RFC 6238 TOTP; docs/two-factor.md), key
  // `accounts.two_factor`. A member of staff of a required role signs in to
  // the enrolment page only until they have enrolled. LoadConfig defaults
  // required_roles to administrator and decision_maker when a file does not
  // say; a config built in code (tests, embedders) states its own.
  struct TwoFactor {
    std::vector<std::string> required_roles;
    std::string issuer = "vikno";  // shown in the authenticator app
    // AES-256-GCM key text for the secrets at rest (give it from the
    // environment: "${VIKNO_TOTP_KEY}"); empty keeps them unencrypted.
    std::string secret_key;
    int pending_minutes = 5;  // a password-only session waits this long for its code
  } two_factor;
};

// The residents' web cabinet (issue 8; config key `cabinet`): one-time codes,
// sessions and the privacy notice version (framework/cabinet/cabinet.h).
struct CabinetConfig {
  bool enabled = true;
  int code_ttl_minutes = 10;          // a one-time code lives this long
  int code_max_attempts = 5;          // wrong tries before the code is dead
  int code_resend_seconds = 60;       // a login gets a new code at most this often
  int code_max_sends_per_hour = 5;    // and at most this many an hour
  int address_max_sends_per_hour = 30;  // codes one client address may ask for an hour
  int password_free_failures = 5;     // wrong passwords before a lock-out
  int password_lockout_minutes = 15;
  int session_idle_minutes = 60;
  int session_absolute_hours = 24 * 7;
  bool secure_cookie = false;         // Secure even on plain http (behind a TLS proxy)
  std::string privacy_version = "1";  // of the privacy notice shown at sign-up (R31)
  std::string email_channel = "email";  // the channel codes go out on for e-mail logins
  std::string sms_channel = "sms";      // and for phone logins
};

struct FilesConfig {
  int64_t max_bytes = 20 * 1024 * 1024;
  std::vector<std::string> allowed_types = {"image/jpeg", "image/png", "image/webp",
                                            "application/pdf", "video/mp4"};
};

struct ChannelConfig {
  std::string name;     // "telegram"
  std::string library;  // path of the plugin's shared library
  std::map<std::string, std::string> settings;  // plugin-specific, strings as written
};

struct Config {
  std::string source_file;  // the file this was read from
  std::string data_dir = "data";
  std::string rules_dir = "rules/sumy";
  std::string messages_dir = "config/messages";
  std::string language = "uk";
  StorageConfig storage;
  HttpConfig http;
  FilesConfig files;
  int retention_years = 5;  // R32, 003 §2.6
  std::vector<ApiKeyConfig> api_keys;
  AccountsConfig accounts;
  CabinetConfig cabinet;
  std::vector<ChannelConfig> channels;
  OutboxConfig outbox;
  IntakeConfig intake;
  reports::ReportSettings reports;  // R21, R27, R29 (framework/reports)
  std::string log_level = "information";
};

// Reads and validates `path`. Relative paths inside the file are resolved
// against the directory the host was started from. `${NAME}` and
// `${NAME:-default}` in scalar values are replaced from the environment;
// a reference to an unset variable without a default is an error.
// ConfigError::what() reads "<file>:<line>: <dotted.key>: <problem>", e.g.
// "config/vikno.yaml:12: storage.sqlite_pth: unknown key (did you mean sqlite_path?)".
Config LoadConfig(const std::string& path);

// As above, but relative paths inside the file (data_dir, rules_dir,
// messages_dir, storage.sqlite_path, channel libraries) are resolved against
// `base_dir` and stored joined with it. An empty `base_dir` keeps them as
// written, i.e. relative to the working directory.
Config LoadConfig(const std::string& path, const std::string& base_dir);

// The attachment types the file store can recognise by their magic bytes;
// files.allowed_types may name only these (framework/files/file_store.cc
// sniffs exactly this list).
const std::vector<std::string>& KnownFileTypes();

}  // namespace vikno
