// vikno/sdk/settings.h: a channel's settings, as written under its entry in
// vikno.yaml (channels[i].settings), read with typed getters that take a
// default and bounds in one call.
//
// A getter never fails loudly: when a value is present but unusable (not a
// number, out of bounds, a required key missing) it returns the default and
// records a problem. VIKNO_DEFINE_CHANNEL (entry.h) checks Problems() right
// after the channel's constructor ran and, if there are any, destroys the
// channel and refuses to create it, listing every problem at once, so an
// operator fixes the whole file in one pass.
//
// Ownership: the host owns the Settings passed to the constructor and keeps
// it only for the duration of the create call: copy what you need.
// Thread-safety: not thread-safe (getters record problems); read everything
// in the channel's constructor.
#pragma once

#include <charconv>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace vikno::sdk {

class Settings {
 public:
  Settings() = default;
  explicit Settings(std::map<std::string, std::string> values) : values_(std::move(values)) {}

  bool Has(const std::string& key) const { return values_.count(key) != 0; }

  // The value, or `fallback` when the key is absent.
  std::string String(const std::string& key, const std::string& fallback = "") const {
    auto it = values_.find(key);
    return it == values_.end() ? fallback : it->second;
  }

  // The value; a missing or empty value is a problem ("token: required
  // setting is missing") and "" is returned.
  std::string Required(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end() || it->second.empty()) {
      problems_.push_back(key + ": required setting is missing");
      return "";
    }
    return it->second;
  }

  // A decimal integer in [min, max]; `fallback` when absent. Not a number or
  // out of bounds is a problem and returns `fallback`.
  int64_t Int(const std::string& key, int64_t fallback, int64_t min, int64_t max) const {
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    const std::string& text = it->second;
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) {
      problems_.push_back(key + ": expected an integer, got '" + text + "'");
      return fallback;
    }
    if (v < min || v > max) {
      problems_.push_back(key + ": " + text + " is outside " + std::to_string(min) + ".." +
                          std::to_string(max));
      return fallback;
    }
    return v;
  }

  // "true"/"false" (also "yes"/"no", "1"/"0"); `fallback` when absent.
  bool Bool(const std::string& key, bool fallback) const {
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    const std::string& t = it->second;
    if (t == "true" || t == "yes" || t == "1") return true;
    if (t == "false" || t == "no" || t == "0") return false;
    problems_.push_back(key + ": expected true or false, got '" + t + "'");
    return fallback;
  }

  // Every problem the getters found so far, in call order.
  const std::vector<std::string>& Problems() const { return problems_; }

  // All values, e.g. to warn about keys the channel does not know.
  const std::map<std::string, std::string>& Values() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
  mutable std::vector<std::string> problems_;
};

}  // namespace vikno::sdk
