// Reading config/vikno.yaml. Every key is checked against the schema below so
// that a typo or a wrong type stops start-up with the file, line and key
// instead of silently running on a default (config/README.md documents the keys).
#include "host/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

namespace vikno {
namespace {

namespace fs = std::filesystem;

std::string FormatError(const std::string& file, int line, const std::string& key,
                        const std::string& problem) {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line);
  s += ": ";
  if (!key.empty()) s += key + ": ";
  s += problem;
  return s;
}

// The roles an API key may carry: the staff roles of core/role.h. Residents
// and the system never authenticate with an API key.
const std::vector<std::string_view> kApiRoles = {"operator", "moderator", "executor",
                                                 "decision_maker", "administrator"};
const std::vector<std::string_view> kBackends = {"sqlite", "mysql"};
// Poco::Logger's level names, so log_level goes straight to Logger::setLevel.
const std::vector<std::string_view> kLogLevels = {
    "none", "fatal", "critical", "error", "warning", "notice", "information", "debug", "trace"};

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// The closest of `options` to `word`, when it is close enough to be a typo.
std::optional<std::string_view> Suggest(std::string_view word,
                                        const std::vector<std::string_view>& options) {
  std::optional<std::string_view> best;
  size_t best_distance = 0;
  for (std::string_view o : options) {
    const size_t d = EditDistance(word, o);
    if (!best || d < best_distance) {
      best = o;
      best_distance = d;
    }
  }
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  if (best && best_distance <= limit) return best;
  return std::nullopt;
}

std::string Join(const std::vector<std::string_view>& items) {
  std::string s;
  for (std::string_view i : items) {
    if (!s.empty()) s += ", ";
    s += i;
  }
  return s;
}

std::string Describe(const YAML::Node& n) {
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a map";
  if (n.IsNull()) return "nothing";
  return "'" + n.Scalar() + "'";
}

bool IsEnvName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// Everything a reader needs to report a problem: the file name and the
// directory relative paths resolve against.
struct Source {
  std::string file;
  std::string base_dir;

  [[noreturn]] void Fail(int line, const std::string& key, const std::string& problem) const {
    throw ConfigError(file, line, key, problem);
  }

  // `${NAME}` and `${NAME:-default}` as in the shell: the default applies when
  // NAME is unset or empty; `$${` writes a literal `${`.
  std::string Expand(const std::string& raw, int line, const std::string& key) const {
    std::string out;
    size_t i = 0;
    while (i < raw.size()) {
      if (raw.compare(i, 3, "$${") == 0) {
        out += "${";
        i += 3;
        continue;
      }
      if (raw.compare(i, 2, "${") != 0) {
        out += raw[i++];
        continue;
      }
      const size_t close = raw.find('}', i + 2);
      if (close == std::string::npos)
        Fail(line, key, "unterminated ${ (write $${ for a literal ${)");
      const std::string inner = raw.substr(i + 2, close - i - 2);
      std::string name = inner;
      std::optional<std::string> fallback;
      if (const size_t sep = inner.find(":-"); sep != std::string::npos) {
        name = inner.substr(0, sep);
        fallback = inner.substr(sep + 2);
      }
      if (!IsEnvName(name)) Fail(line, key, "'" + name + "' is not an environment variable name");
      const char* value = std::getenv(name.c_str());
      if (value != nullptr && (*value != '\0' || !fallback)) {
        out += value;
      } else if (fallback) {
        out += *fallback;
      } else {
        Fail(line, key, "environment variable " + name + " is not set and has no default");
      }
      i = close + 1;
    }
    return out;
  }

  std::string Resolve(const std::string& path) const {
    if (path.empty() || base_dir.empty() || fs::path(path).is_absolute()) return path;
    return (fs::path(base_dir) / path).lexically_normal().string();
  }
};

int LineOf(const YAML::Node& n, int fallback) {
  const YAML::Mark m = n.Mark();
  return m.is_null() ? fallback : m.line + 1;
}

// One YAML map at a dotted path. The constructor rejects unknown and
// duplicated keys; the getters check types and ranges and leave the default
// in place when a key is absent.
class MapReader {
 public:
  MapReader(const Source& src, const YAML::Node& node, std::string path, int line,
            std::vector<std::string_view> known)
      : src_(src), path_(std::move(path)), line_(line), known_(std::move(known)) {
    if (node.IsNull()) return;  // `storage:` with nothing under it: all defaults
    if (!node.IsMap()) src_.Fail(line_, path_, "expected a map, got " + Describe(node));
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;
      const int key_line = LineOf(key, line_);
      if (!key.IsScalar()) src_.Fail(key_line, path_, "keys must be plain words");
      const std::string name = key.Scalar();
      if (std::find(known_.begin(), known_.end(), name) == known_.end()) {
        std::string problem = "unknown key";
        if (auto s = Suggest(name, known_)) problem += " (did you mean " + std::string(*s) + "?)";
        src_.Fail(key_line, Path(name), problem);
      }
      if (entries_.count(name)) src_.Fail(key_line, Path(name), "duplicate key");
      entries_.emplace(name, Entry{key_line, it->second});
    }
  }

  std::string Path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  int line() const { return line_; }
  bool Has(const std::string& key) const { return entries_.count(key) != 0; }
  // The line of the value (or of its key when the value has no mark).
  int ValueLine(const std::string& key) const {
    auto it = entries_.find(key);
    if (it == entries_.end()) return line_;
    return vikno::LineOf(it->second.value, it->second.key_line);
  }
  YAML::Node Node(const std::string& key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? YAML::Node() : it->second.value;
  }

  // A scalar, env-expanded. A key written with no value reads as "".
  void String(const std::string& key, std::string* out) const {
    if (!Has(key)) return;
    *out = ScalarText(Node(key), ValueLine(key), Path(key));
  }

  void Int64(const std::string& key, int64_t* out, int64_t min, int64_t max) const {
    if (!Has(key)) return;
    *out = ParseInt(Node(key), ValueLine(key), Path(key), min, max);
  }

  void Int(const std::string& key, int* out, int min, int max) const {
    int64_t v = *out;
    Int64(key, &v, min, max);
    *out = static_cast<int>(v);
  }

  void Enum(const std::string& key, std::string* out,
            const std::vector<std::string_view>& allowed) const {
    if (!Has(key)) return;
    std::string v;
    String(key, &v);
    CheckEnum(v, ValueLine(key), Path(key), allowed);
    *out = v;
  }

  void StringList(const std::string& key, std::vector<std::string>* out) const {
    if (!Has(key)) return;
    *out = ReadStringList(Node(key), ValueLine(key), Path(key));
  }

  MapReader Map(const std::string& key, std::vector<std::string_view> known) const {
    return MapReader(src_, Node(key), Path(key), ValueLine(key), std::move(known));
  }

  // `suggest`: offer the nearest value as a typo fix; off where a near miss
  // is a different thing (image/gif is not a misspelt image/png).
  void CheckEnum(const std::string& v, int line, const std::string& path,
                 const std::vector<std::string_view>& allowed, bool suggest = true) const {
    if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) return;
    std::string problem = "unknown value '" + v + "'";
    if (auto s = suggest ? Suggest(v, allowed) : std::nullopt)
      problem += " (did you mean " + std::string(*s) + "?)";
    else
      problem += " (expected one of: " + Join(allowed) + ")";
    src_.Fail(line, path, problem);
  }

  std::string ScalarText(const YAML::Node& n, int line, const std::string& path) const {
    if (n.IsNull()) return "";
    if (!n.IsScalar()) src_.Fail(line, path, "expected a string, got " + Describe(n));
    return src_.Expand(n.Scalar(), line, path);
  }

  int64_t ParseInt(const YAML::Node& n, int line, const std::string& path, int64_t min,
                   int64_t max) const {
    if (!n.IsScalar()) src_.Fail(line, path, "expected an integer, got " + Describe(n));
    const std::string text = src_.Expand(n.Scalar(), line, path);
    int64_t v = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, v);
    const bool too_big = ec == std::errc::result_out_of_range && ptr == end;
    if (!too_big && (text.empty() || ec != std::errc() || ptr != end))
      src_.Fail(line, path, "expected an integer, got '" + text + "'");
    if (too_big || v < min || v > max)
      src_.Fail(line, path,
                "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                    ", got " + text);
    return v;
  }

  std::vector<std::string> ReadStringList(const YAML::Node& n, int line,
                                          const std::string& path) const {
    std::vector<std::string> out;
    if (n.IsNull()) return out;
    if (!n.IsSequence()) src_.Fail(line, path, "expected a list, got " + Describe(n));
    for (size_t i = 0; i < n.size(); ++i) {
      const YAML::Node item = n[i];
      const std::string item_path = path + "[" + std::to_string(i) + "]";
      const int item_line = vikno::LineOf(item, line);
      if (!item.IsScalar())
        src_.Fail(item_line, item_path, "expected a string, got " + Describe(item));
      out.push_back(src_.Expand(item.Scalar(), item_line, item_path));
    }
    return out;
  }

 private:
  struct Entry {
    int key_line;
    YAML::Node value;
  };
  const Source& src_;
  std::string path_;
  int line_;
  std::vector<std::string_view> known_;
  std::map<std::string, Entry> entries_;
};

// "host:port", "[::1]:port"; the port must be a valid TCP port.
void CheckListen(const Source& src, const std::string& listen, int line, const std::string& key) {
  const size_t colon = listen.rfind(':');
  const std::string problem = "expected host:port, got '" + listen + "'";
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size())
    src.Fail(line, key, problem);
  const std::string port = listen.substr(colon + 1);
  int v = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (ec != std::errc() || ptr != port.data() + port.size()) src.Fail(line, key, problem);
  if (v < 1 || v > 65535) src.Fail(line, key, "port must be between 1 and 65535, got " + port);
}

void ReadStorage(const Source& src, const MapReader& top, Config* c) {
  const MapReader m = top.Map("storage", {"backend", "sqlite_path", "mysql"});
  StorageConfig& s = c->storage;
  m.Enum("backend", &s.backend, kBackends);
  m.String("sqlite_path", &s.sqlite_path);
  const MapReader my =
      m.Map("mysql", {"host", "port", "socket", "user", "password", "database", "pool_size"});
  my.String("host", &s.mysql_host);
  my.Int("port", &s.mysql_port, 1, 65535);
  my.String("socket", &s.mysql_socket);
  my.String("user", &s.mysql_user);
  my.String("password", &s.mysql_password);
  my.String("database", &s.mysql_database);
  my.Int("pool_size", &s.mysql_pool_size, 1, 256);
  if (s.backend == "mysql") {
    const int line = my.line() > 0 ? my.line() : m.line();
    if (s.mysql_user.empty())
      src.Fail(line, my.Path("user"), "required when storage.backend is mysql");
    if (s.mysql_database.empty())
      src.Fail(line, my.Path("database"), "required when storage.backend is mysql");
    if (s.mysql_socket.empty() && s.mysql_host.empty())
      src.Fail(line, my.Path("host"),
               "required when storage.backend is mysql and no socket is set");
  }
}

void ReadHttp(const Source& src, const MapReader& top, Config* c) {
  const MapReader m =
      top.Map("http", {"listen", "threads", "max_body_bytes", "web_dir", "public_url"});
  m.String("listen", &c->http.listen);
  CheckListen(src, c->http.listen, m.Has("listen") ? m.ValueLine("listen") : m.line(),
              m.Path("listen"));
  m.Int("threads", &c->http.threads, 1, 1024);
  m.Int64("max_body_bytes", &c->http.max_body_bytes, 1024, int64_t{1} << 30);
  m.String("web_dir", &c->http.web_dir);
  if (c->http.web_dir.empty())
    src.Fail(m.ValueLine("web_dir"), m.Path("web_dir"), "must not be empty");
  m.String("public_url", &c->http.public_url);
  std::string& url = c->http.public_url;
  if (!url.empty()) {
    if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
      src.Fail(m.ValueLine("public_url"), m.Path("public_url"),
               "expected an http:// or https:// URL, got '" + url + "'");
    if (url.find_first_of(" \t\r\n?#") != std::string::npos)
      src.Fail(m.ValueLine("public_url"), m.Path("public_url"),
               "must be a plain base URL without spaces, query or fragment");
    while (url.size() > 8 && url.back() == '/') url.pop_back();
  }
}

void ReadOutbox(const Source& src, const MapReader& top, Config* c) {
  const MapReader m =
      top.Map("outbox", {"workers_per_channel", "batch_size", "max_attempts", "rates"});
  m.Int("workers_per_channel", &c->outbox.workers_per_channel, 1, 64);
  m.Int("batch_size", &c->outbox.batch_size, 1, 1000);
  m.Int("max_attempts", &c->outbox.max_attempts, 1, 100);
  if (!m.Has("rates")) return;
  const YAML::Node rates = m.Node("rates");
  const int rates_line = m.ValueLine("rates");
  if (rates.IsNull()) return;
  if (!rates.IsMap())
    src.Fail(rates_line, m.Path("rates"), "expected a map of channel names, got " + Describe(rates));
  for (auto it = rates.begin(); it != rates.end(); ++it) {
    const int key_line = LineOf(it->first, rates_line);
    if (!it->first.IsScalar()) src.Fail(key_line, m.Path("rates"), "keys must be channel names");
    const std::string name = it->first.Scalar();
    const std::string path = m.Path("rates") + "." + name;
    if (c->outbox.rates.count(name)) src.Fail(key_line, path, "duplicate key");
    const MapReader r(src, it->second, path, key_line, {"per_second", "per_recipient_per_second"});
    OutboxRateConfig rate;
    r.Int("per_second", &rate.per_second, 0, 100000);
    r.Int("per_recipient_per_second", &rate.per_recipient_per_second, 0, 100000);
    c->outbox.rates[name] = rate;
  }
}

// accounts: the panel's sessions and login throttle (issue 5).
void ReadAccounts(const Source& src, const MapReader& top, Config* c) {
  const MapReader m = top.Map(
      "accounts", {"session_idle_minutes", "session_absolute_hours", "secure_cookie", "origin",
                   "free_failures", "delay_seconds", "max_delay_seconds", "lockout_failures",
                   "lockout_minutes", "address_free_failures", "address_lockout_failures",
                   "argon2_time_cost", "argon2_memory_kib", "argon2_parallelism", "two_factor"});
  AccountsConfig& a = c->accounts;
  // B10: secure by default for a deployment (docs/two-factor.md).
  a.two_factor.required_roles = {"administrator", "decision_maker"};
  const MapReader tf = m.Map("two_factor", {"required_roles", "issuer", "secret_key",
                                            "pending_minutes"});
  tf.StringList("required_roles", &a.two_factor.required_roles);
  for (size_t i = 0; i < a.two_factor.required_roles.size(); ++i)
    tf.CheckEnum(a.two_factor.required_roles[i], tf.ValueLine("required_roles"),
                 tf.Path("required_roles") + "[" + std::to_string(i) + "]",
                 {"operator", "moderator", "executor", "decision_maker", "administrator"});
  tf.String("issuer", &a.two_factor.issuer);
  if (a.two_factor.issuer.empty() || a.two_factor.issuer.size() > 64 ||
      a.two_factor.issuer.find(':') != std::string::npos)
    src.Fail(tf.ValueLine("issuer"), tf.Path("issuer"),
             "expected 1-64 characters without ':' (it separates issuer and login in the app)");
  tf.String("secret_key", &a.two_factor.secret_key);
  if (!a.two_factor.secret_key.empty() && a.two_factor.secret_key.size() < 16)
    src.Fail(tf.ValueLine("secret_key"), tf.Path("secret_key"),
             "too short: use at least 16 characters (e.g. openssl rand -base64 32)");
  tf.Int("pending_minutes", &a.two_factor.pending_minutes, 1, 30);
  m.Int("session_idle_minutes", &a.session_idle_minutes, 1, 24 * 60);
  m.Int("session_absolute_hours", &a.session_absolute_hours, 1, 24 * 30);
  if (m.Has("secure_cookie")) {
    std::string v;
    m.String("secure_cookie", &v);
    if (v != "true" && v != "false")
      src.Fail(m.ValueLine("secure_cookie"), m.Path("secure_cookie"),
               "expected true or false, got '" + v + "'");
    a.secure_cookie = v == "true";
  }
  m.String("origin", &a.origin);
  if (!a.origin.empty() && a.origin.rfind("https://", 0) != 0 && a.origin.rfind("http://", 0) != 0)
    src.Fail(m.ValueLine("origin"), m.Path("origin"),
             "expected an http:// or https:// origin, got '" + a.origin + "'");
  m.Int("free_failures", &a.free_failures, 0, 100);
  m.Int("delay_seconds", &a.delay_seconds, 1, 3600);
  m.Int("max_delay_seconds", &a.max_delay_seconds, 1, 86400);
  m.Int("lockout_failures", &a.lockout_failures, 1, 1000);
  m.Int("lockout_minutes", &a.lockout_minutes, 1, 7 * 24 * 60);
  m.Int("address_free_failures", &a.address_free_failures, 0, 10000);
  m.Int("address_lockout_failures", &a.address_lockout_failures, 1, 100000);
  // libargon2's own bounds are wider; these keep a login between a few and a
  // few hundred milliseconds and within memory.
  m.Int("argon2_time_cost", &a.argon2_time_cost, 1, 10);
  m.Int("argon2_memory_kib", &a.argon2_memory_kib, 8, 1024 * 1024);
  m.Int("argon2_parallelism", &a.argon2_parallelism, 1, 16);
  if (a.lockout_failures <= a.free_failures)
    src.Fail(m.ValueLine("lockout_failures"), m.Path("lockout_failures"),
             "must be more than free_failures");
}

// cabinet: the residents' web cabinet (issue 8, framework/cabinet/cabinet.h).
void ReadCabinet(const Source& src, const MapReader& top, Config* c) {
  const MapReader m = top.Map(
      "cabinet", {"enabled", "code_ttl_minutes", "code_max_attempts", "code_resend_seconds",
                  "code_max_sends_per_hour", "address_max_sends_per_hour",
                  "password_free_failures", "password_lockout_minutes", "session_idle_minutes",
                  "session_absolute_hours", "secure_cookie", "privacy_version", "email_channel",
                  "sms_channel"});
  CabinetConfig& a = c->cabinet;
  for (const auto& [key, field] :
       {std::pair<const char*, bool*>{"enabled", &a.enabled}, {"secure_cookie", &a.secure_cookie}}) {
    if (!m.Has(key)) continue;
    std::string v;
    m.String(key, &v);
    if (v != "true" && v != "false")
      src.Fail(m.ValueLine(key), m.Path(key), "expected true or false, got '" + v + "'");
    *field = v == "true";
  }
  // A code must outlive a slow SMS but not an afternoon; a few tries forgive
  // a typo, not a guessing run (10^6 codes).
  m.Int("code_ttl_minutes", &a.code_ttl_minutes, 1, 60);
  m.Int("code_max_attempts", &a.code_max_attempts, 1, 10);
  m.Int("code_resend_seconds", &a.code_resend_seconds, 10, 3600);
  m.Int("code_max_sends_per_hour", &a.code_max_sends_per_hour, 1, 60);
  m.Int("address_max_sends_per_hour", &a.address_max_sends_per_hour, 1, 100000);
  m.Int("password_free_failures", &a.password_free_failures, 1, 100);
  m.Int("password_lockout_minutes", &a.password_lockout_minutes, 1, 7 * 24 * 60);
  m.Int("session_idle_minutes", &a.session_idle_minutes, 1, 30 * 24 * 60);
  m.Int("session_absolute_hours", &a.session_absolute_hours, 1, 24 * 90);
  m.String("privacy_version", &a.privacy_version);
  if (a.privacy_version.empty() || a.privacy_version.size() > 64)
    src.Fail(m.ValueLine("privacy_version"), m.Path("privacy_version"),
             "must be 1 to 64 characters");
  m.String("email_channel", &a.email_channel);
  m.String("sms_channel", &a.sms_channel);
}

// reports: the control reports' schedule, recipients and deputy areas
// (issue 6, framework/reports/report_settings.h; config/README.md).
void ReadReports(const Source& src, const MapReader& top, Config* c) {
  const MapReader m = top.Map(
      "reports", {"schedule", "at", "time_zone", "daily_to", "weekly_to", "monthly_to",
                  "min_appeals", "max_overdue_percent", "max_returned_percent", "dir",
                  "link_secret", "link_days", "areas"});
  reports::ReportSettings& r = c->reports;
  if (m.Has("schedule")) {
    std::string v;
    m.String("schedule", &v);
    if (v != "true" && v != "false")
      src.Fail(m.ValueLine("schedule"), m.Path("schedule"), "expected true or false, got '" + v + "'");
    r.schedule = v == "true";
  }
  m.String("at", &r.at);
  int h = -1, mi = -1;
  char tail = 0;
  if (std::sscanf(r.at.c_str(), "%2d:%2d%c", &h, &mi, &tail) != 2 || h < 0 || h > 23 || mi < 0 ||
      mi > 59)
    src.Fail(m.ValueLine("at"), m.Path("at"), "expected HH:MM, got '" + r.at + "'");
  m.String("time_zone", &r.time_zone);
  m.StringList("daily_to", &r.daily_to);
  m.StringList("weekly_to", &r.weekly_to);
  m.StringList("monthly_to", &r.monthly_to);
  m.Int("min_appeals", &r.min_appeals, 1, 100000);
  int overdue = static_cast<int>(r.max_overdue_share * 100 + 0.5);
  int returned = static_cast<int>(r.max_returned_share * 100 + 0.5);
  m.Int("max_overdue_percent", &overdue, 1, 100);
  m.Int("max_returned_percent", &returned, 1, 100);
  r.max_overdue_share = overdue / 100.0;
  r.max_returned_share = returned / 100.0;
  m.String("dir", &r.dir);
  if (r.dir.empty()) src.Fail(m.ValueLine("dir"), m.Path("dir"), "must not be empty");
  m.String("link_secret", &r.link_secret);
  if (!r.link_secret.empty() && r.link_secret.size() < 16)
    src.Fail(m.ValueLine("link_secret"), m.Path("link_secret"),
             "must be at least 16 characters (it signs download links)");
  m.Int("link_days", &r.link_days, 1, 366);
  if (!m.Has("areas")) return;
  const YAML::Node list = m.Node("areas");
  const int list_line = m.ValueLine("areas");
  if (list.IsNull()) return;
  if (!list.IsSequence()) src.Fail(list_line, m.Path("areas"), "expected a list, got " + Describe(list));
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string path = m.Path("areas") + "[" + std::to_string(i) + "]";
    const int line = LineOf(list[i], list_line);
    const MapReader a(src, list[i], path, line, {"id", "name", "deputy", "emails", "executors"});
    reports::DeputyArea area;
    a.String("id", &area.id);
    if (area.id.empty()) src.Fail(line, a.Path("id"), "required");
    for (const auto& other : r.areas)
      if (other.id == area.id) src.Fail(a.ValueLine("id"), a.Path("id"), "duplicate area '" + area.id + "'");
    a.String("name", &area.name);
    a.String("deputy", &area.deputy);
    a.StringList("emails", &area.emails);
    a.StringList("executors", &area.executors);
    r.areas.push_back(std::move(area));
  }
}

void ReadIntake(const MapReader& top, Config* c) {
  const MapReader m = top.Map("intake", {"workers", "queue_capacity", "dedup_days"});
  m.Int("workers", &c->intake.workers, 1, 256);
  m.Int("queue_capacity", &c->intake.queue_capacity, 1, 1000000);
  // A provider re-sends for at most a day (Telegram keeps updates 24 h).
  m.Int("dedup_days", &c->intake.dedup_days, 1, 365);
}

void ReadFiles(const Source& src, const MapReader& top, Config* c) {
  const MapReader m = top.Map("files", {"max_bytes", "allowed_types"});
  // Put() holds an upload in memory, so the cap stays well below RAM sizes.
  m.Int64("max_bytes", &c->files.max_bytes, 1, int64_t{1} << 30);
  if (!m.Has("allowed_types")) return;
  m.StringList("allowed_types", &c->files.allowed_types);
  const YAML::Node list = m.Node("allowed_types");
  std::vector<std::string_view> known(KnownFileTypes().begin(), KnownFileTypes().end());
  for (size_t i = 0; i < c->files.allowed_types.size(); ++i) {
    m.CheckEnum(c->files.allowed_types[i], LineOf(list[i], m.ValueLine("allowed_types")),
                m.Path("allowed_types") + "[" + std::to_string(i) + "]", known,
                /*suggest=*/false);
  }
}

void ReadApiKeys(const Source& src, const MapReader& top, Config* c) {
  if (!top.Has("api_keys")) return;
  const YAML::Node list = top.Node("api_keys");
  const int list_line = top.ValueLine("api_keys");
  if (list.IsNull()) return;
  if (!list.IsSequence()) src.Fail(list_line, "api_keys", "expected a list, got " + Describe(list));
  std::map<std::string, std::string> secret_owner;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string path = "api_keys[" + std::to_string(i) + "]";
    const int line = LineOf(list[i], list_line);
    const MapReader m(src, list[i], path, line, {"name", "role", "services", "secret"});
    ApiKeyConfig k;
    m.String("name", &k.name);
    if (k.name.empty()) src.Fail(line, m.Path("name"), "required");
    for (const auto& other : c->api_keys)
      if (other.name == k.name)
        src.Fail(m.ValueLine("name"), m.Path("name"), "duplicate key name '" + k.name + "'");
    if (!m.Has("role"))
      src.Fail(line, m.Path("role"), "required (one of: " + Join(kApiRoles) + ")");
    m.Enum("role", &k.role, kApiRoles);
    m.StringList("services", &k.services);
    // core/role.h: moderators and executors act only inside their services,
    // so such a key without services could do nothing at all.
    if ((k.role == "moderator" || k.role == "executor") && k.services.empty())
      src.Fail(m.Has("services") ? m.ValueLine("services") : line, m.Path("services"),
               "a " + k.role + " key needs at least one service");
    m.String("secret", &k.secret);
    if (k.secret.empty())
      src.Fail(m.Has("secret") ? m.ValueLine("secret") : line, m.Path("secret"), "required");
    if (k.secret.size() < 12)
      src.Fail(m.ValueLine("secret"), m.Path("secret"), "too short: use at least 12 characters");
    if (auto it = secret_owner.find(k.secret); it != secret_owner.end())
      src.Fail(m.ValueLine("secret"), m.Path("secret"),
               "the same secret as key '" + it->second + "'");
    secret_owner.emplace(k.secret, k.name);
    c->api_keys.push_back(std::move(k));
  }
}

bool IsChannelName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
  });
}

void ReadChannels(const Source& src, const MapReader& top, Config* c) {
  if (!top.Has("channels")) return;
  const YAML::Node list = top.Node("channels");
  const int list_line = top.ValueLine("channels");
  if (list.IsNull()) return;
  if (!list.IsSequence()) src.Fail(list_line, "channels", "expected a list, got " + Describe(list));
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string path = "channels[" + std::to_string(i) + "]";
    const int line = LineOf(list[i], list_line);
    const MapReader m(src, list[i], path, line, {"name", "library", "settings"});
    ChannelConfig ch;
    m.String("name", &ch.name);
    if (ch.name.empty()) src.Fail(line, m.Path("name"), "required");
    if (!IsChannelName(ch.name))
      src.Fail(m.ValueLine("name"), m.Path("name"),
               "'" + ch.name + "' may use only a-z, 0-9, '-' and '_'");
    for (const auto& other : c->channels)
      if (other.name == ch.name)
        src.Fail(m.ValueLine("name"), m.Path("name"), "duplicate channel '" + ch.name + "'");
    m.String("library", &ch.library);
    // A bare file name is left to the dynamic loader's search path.
    if (ch.library.find('/') != std::string::npos) ch.library = src.Resolve(ch.library);
    if (m.Has("settings")) {
      const YAML::Node settings = m.Node("settings");
      const int settings_line = m.ValueLine("settings");
      if (!settings.IsNull()) {
        if (!settings.IsMap())
          src.Fail(settings_line, m.Path("settings"), "expected a map, got " + Describe(settings));
        for (auto it = settings.begin(); it != settings.end(); ++it) {
          const int key_line = LineOf(it->first, settings_line);
          if (!it->first.IsScalar())
            src.Fail(key_line, m.Path("settings"), "keys must be plain words");
          const std::string key = it->first.Scalar();
          const std::string key_path = m.Path("settings") + "." + key;
          if (ch.settings.count(key)) src.Fail(key_line, key_path, "duplicate key");
          ch.settings[key] = m.ScalarText(it->second, LineOf(it->second, key_line), key_path);
        }
      }
    }
    c->channels.push_back(std::move(ch));
  }
}

bool IsLanguageCode(const std::string& s) {
  return (s.size() == 2 || s.size() == 3) &&
         std::all_of(s.begin(), s.end(), [](char ch) { return ch >= 'a' && ch <= 'z'; });
}

// Folders must exist now rather than fail on the first appeal.
void CheckFolders(const Source& src, const MapReader& top, const Config& c) {
  const auto line_of = [&](const std::string& key) {
    return top.Has(key) ? top.ValueLine(key) : 0;
  };
  const auto shown = [&](const std::string& key, const std::string& value) {
    return "'" + value + "'" + (top.Has(key) ? "" : " (the default)");
  };
  std::error_code ec;
  if (!fs::is_directory(c.rules_dir, ec))
    src.Fail(line_of("rules_dir"), "rules_dir",
             "folder " + shown("rules_dir", c.rules_dir) + " does not exist");
  if (!fs::is_regular_file(fs::path(c.rules_dir) / "city.lua", ec))
    src.Fail(line_of("rules_dir"), "rules_dir",
             "folder " + shown("rules_dir", c.rules_dir) + " has no city.lua");
  if (!fs::is_directory(c.messages_dir, ec))
    src.Fail(line_of("messages_dir"), "messages_dir",
             "folder " + shown("messages_dir", c.messages_dir) + " does not exist");
  if (!fs::is_regular_file(fs::path(c.messages_dir) / (c.language + ".yaml"), ec))
    src.Fail(line_of("messages_dir"), "messages_dir",
             "folder " + shown("messages_dir", c.messages_dir) + " has no " + c.language + ".yaml");
}

}  // namespace

ConfigError::ConfigError(const std::string& file, int line, const std::string& key,
                         const std::string& problem)
    : std::runtime_error(FormatError(file, line, key, problem)),
      file_(file),
      line_(line),
      key_(key) {}

const std::vector<std::string>& KnownFileTypes() {
  static const std::vector<std::string> kTypes = {"image/jpeg", "image/png", "image/webp",
                                                  "application/pdf", "video/mp4"};
  return kTypes;
}

Config LoadConfig(const std::string& path) { return LoadConfig(path, ""); }

Config LoadConfig(const std::string& path, const std::string& base_dir) {
  const Source src{path, base_dir};
  std::ifstream in(path, std::ios::binary);
  if (!in) src.Fail(0, "", std::string("cannot open the file: ") + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) src.Fail(0, "", "cannot read the file");

  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::ParserException& e) {
    src.Fail(e.mark.is_null() ? 0 : e.mark.line + 1, "", "YAML syntax error: " + e.msg);
  }

  Config c;
  c.source_file = path;
  const MapReader top(src, root, "", 1,
                      {"data_dir", "rules_dir", "messages_dir", "language", "retention_years",
                       "log_level", "storage", "http", "files", "api_keys", "channels",
                       "outbox", "intake", "accounts", "cabinet", "reports"});
  top.String("data_dir", &c.data_dir);
  if (c.data_dir.empty()) src.Fail(top.ValueLine("data_dir"), "data_dir", "must not be empty");
  top.String("rules_dir", &c.rules_dir);
  if (c.rules_dir.empty()) src.Fail(top.ValueLine("rules_dir"), "rules_dir", "must not be empty");
  top.String("messages_dir", &c.messages_dir);
  if (c.messages_dir.empty())
    src.Fail(top.ValueLine("messages_dir"), "messages_dir", "must not be empty");
  top.String("language", &c.language);
  if (!IsLanguageCode(c.language))
    src.Fail(top.ValueLine("language"), "language",
             "expected a lower-case language code such as uk or en, got '" + c.language + "'");
  // R32, 003 §2.6: cards are kept 5 years; a city may keep them longer.
  top.Int("retention_years", &c.retention_years, 1, 50);
  top.Enum("log_level", &c.log_level, kLogLevels);
  ReadStorage(src, top, &c);
  ReadHttp(src, top, &c);
  ReadFiles(src, top, &c);
  ReadApiKeys(src, top, &c);
  ReadChannels(src, top, &c);
  ReadOutbox(src, top, &c);
  ReadIntake(top, &c);
  ReadAccounts(src, top, &c);
  ReadCabinet(src, top, &c);
  ReadReports(src, top, &c);

  c.data_dir = src.Resolve(c.data_dir);
  c.rules_dir = src.Resolve(c.rules_dir);
  c.messages_dir = src.Resolve(c.messages_dir);
  c.http.web_dir = src.Resolve(c.http.web_dir);
  if (!fs::path(c.reports.dir).is_absolute())  // under the data folder
    c.reports.dir = (fs::path(c.data_dir) / c.reports.dir).string();
  if (c.storage.sqlite_path.empty())
    c.storage.sqlite_path = (fs::path(c.data_dir) / "vikno.sqlite").string();
  else
    c.storage.sqlite_path = src.Resolve(c.storage.sqlite_path);
  CheckFolders(src, top, c);
  return c;
}

}  // namespace vikno
