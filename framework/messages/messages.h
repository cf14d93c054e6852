// The texts residents and staff see (R31's privacy notice, status names,
// refusal explanations...), read from config/messages/<language>.yaml so that
// wording is changed without recompiling. A city may replace single texts in
// <rules_dir>/messages/<language>.yaml.
//
// Thread-safety: a Messages is immutable after construction; Get may be called
// from any number of threads at once.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vikno {

// A messages file that cannot be read or is malformed. what() reads
// "<file>:<line>: <dotted.key>: <problem>" like ConfigError.
class MessagesError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Messages {
 public:
  // Receives one line per problem found while looking texts up (a missing key,
  // a placeholder without a value); each distinct problem is reported once.
  using Warn = std::function<void(const std::string&)>;

  // Loads <messages_dir>/<language>.yaml (required), <messages_dir>/en.yaml as
  // the fallback (when present), and the city's overrides
  // <rules_dir>/messages/<language>.yaml and .../en.yaml (when present; their
  // keys replace the defaults). An empty rules_dir means no overrides. Throws
  // MessagesError when a file is missing, unreadable or malformed. Without
  // `warn`, problems go to the Poco logger "vikno.messages" as warnings.
  Messages(const std::filesystem::path& messages_dir, std::string language,
           const std::filesystem::path& rules_dir = {}, Warn warn = {});

  Messages(const Messages&) = delete;
  Messages& operator=(const Messages&) = delete;

  // The text for `key` with each {name} replaced by params["name"]. A key
  // missing from the language falls back to English, then to the key itself;
  // a placeholder without a value is left as written. Both are reported once.
  std::string Get(std::string_view key,
                  const std::map<std::string, std::string>& params = {}) const;

  // True when the language itself (not the fallback) has `key`.
  bool Has(std::string_view key) const;

  const std::string& language() const { return language_; }
  // All texts of the language after the city's overrides, by dotted key.
  const std::map<std::string, std::string, std::less<>>& texts() const { return texts_; }

  // One file as dotted keys: nested maps become "a.b.c". Throws MessagesError.
  static std::map<std::string, std::string, std::less<>> LoadFile(
      const std::filesystem::path& file);
  // The {name} placeholders of a text.
  static std::set<std::string> Placeholders(std::string_view text);
  // Replaces {name} with params["name"]; names without a value are left as
  // written and appended to `unfilled` when it is not null.
  static std::string Fill(std::string_view text, const std::map<std::string, std::string>& params,
                          std::vector<std::string>* unfilled = nullptr);

 private:
  void WarnOnce(const std::string& problem) const;

  std::string language_;
  std::map<std::string, std::string, std::less<>> texts_;
  std::map<std::string, std::string, std::less<>> fallback_;  // English
  Warn warn_;
  mutable std::mutex mutex_;
  mutable std::set<std::string> warned_;
};

}  // namespace vikno
