#include "messages/messages.h"

#include <Poco/Logger.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <fstream>
#include <sstream>

namespace vikno {
namespace {

namespace fs = std::filesystem;

const char kFallbackLanguage[] = "en";

[[noreturn]] void Fail(const fs::path& file, const YAML::Node& at, const std::string& key,
                       const std::string& problem) {
  std::string s = file.string();
  const YAML::Mark m = at.Mark();
  if (!m.is_null()) s += ":" + std::to_string(m.line + 1);
  s += ": ";
  if (!key.empty()) s += key + ": ";
  throw MessagesError(s + problem);
}

using Texts = std::map<std::string, std::string, std::less<>>;

void Flatten(const fs::path& file, const YAML::Node& node, const std::string& prefix, Texts* out) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar() || it->first.Scalar().empty())
      Fail(file, it->first, prefix, "keys must be plain words");
    const std::string key = prefix.empty() ? it->first.Scalar() : prefix + "." + it->first.Scalar();
    const YAML::Node value = it->second;
    if (value.IsMap()) {
      Flatten(file, value, key, out);
    } else if (value.IsScalar()) {
      if (!out->emplace(key, value.Scalar()).second) Fail(file, it->first, key, "duplicate key");
    } else if (value.IsNull()) {
      Fail(file, it->first, key, "the text is empty");
    } else {
      Fail(file, value, key, "expected a text or a map of texts, got a list");
    }
  }
}

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Calls on_placeholder(name) for each "{name}" and on_text(piece) for the text
// between them; a brace that does not open a valid placeholder is text.
template <class OnText, class OnPlaceholder>
void Scan(std::string_view text, OnText on_text, OnPlaceholder on_placeholder) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find('{', i);
    if (open == std::string_view::npos) {
      on_text(text.substr(i));
      return;
    }
    size_t j = open + 1;
    while (j < text.size() && IsNameChar(text[j])) ++j;
    if (j < text.size() && text[j] == '}' && j > open + 1 &&
        !std::isdigit(static_cast<unsigned char>(text[open + 1]))) {
      on_text(text.substr(i, open - i));
      on_placeholder(text.substr(open + 1, j - open - 1));
      i = j + 1;
    } else {
      on_text(text.substr(i, open + 1 - i));
      i = open + 1;
    }
  }
}

}  // namespace

Messages::Messages(const fs::path& messages_dir, std::string language, const fs::path& rules_dir,
                   Warn warn)
    : language_(std::move(language)), warn_(std::move(warn)) {
  const auto overlay = [](Texts* base, const Texts& over) {
    for (const auto& [k, v] : over) (*base)[k] = v;
  };
  const auto load_if_present = [](const fs::path& file) {
    std::error_code ec;
    return fs::exists(file, ec) ? LoadFile(file) : Texts{};
  };
  texts_ = LoadFile(messages_dir / (language_ + ".yaml"));
  if (!rules_dir.empty())
    overlay(&texts_, load_if_present(rules_dir / "messages" / (language_ + ".yaml")));
  if (language_ != kFallbackLanguage) {
    const std::string en = std::string(kFallbackLanguage) + ".yaml";
    fallback_ = load_if_present(messages_dir / en);
    if (!rules_dir.empty()) overlay(&fallback_, load_if_present(rules_dir / "messages" / en));
  }
  if (!warn_) {
    warn_ = [](const std::string& problem) {
      Poco::Logger::get("vikno.messages").warning(problem);
    };
  }
}

Texts Messages::LoadFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw MessagesError(file.string() + ": cannot open the file");
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::ParserException& e) {
    throw MessagesError(file.string() +
                        (e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1)) +
                        ": YAML syntax error: " + e.msg);
  }
  Texts out;
  if (root.IsNull()) return out;
  if (!root.IsMap()) Fail(file, root, "", "expected a map of texts");
  Flatten(file, root, "", &out);
  return out;
}

std::set<std::string> Messages::Placeholders(std::string_view text) {
  std::set<std::string> names;
  Scan(
      text, [](std::string_view) {}, [&](std::string_view name) { names.emplace(name); });
  return names;
}

std::string Messages::Fill(std::string_view text, const std::map<std::string, std::string>& params,
                           std::vector<std::string>* unfilled) {
  std::string out;
  out.reserve(text.size());
  Scan(
      text, [&](std::string_view piece) { out += piece; },
      [&](std::string_view name) {
        auto it = params.find(std::string(name));
        if (it != params.end()) {
          out += it->second;
          return;
        }
        out += "{";
        out += name;
        out += "}";
        if (unfilled != nullptr) unfilled->emplace_back(name);
      });
  return out;
}

bool Messages::Has(std::string_view key) const { return texts_.find(key) != texts_.end(); }

std::string Messages::Get(std::string_view key,
                          const std::map<std::string, std::string>& params) const {
  const std::string* text = nullptr;
  if (auto it = texts_.find(key); it != texts_.end()) {
    text = &it->second;
  } else if (auto en = fallback_.find(key); en != fallback_.end()) {
    text = &en->second;
    WarnOnce("message '" + std::string(key) + "' is missing in " + language_ +
             "; using the English text");
  } else {
    WarnOnce("message '" + std::string(key) + "' is missing in " + language_ +
             (language_ == kFallbackLanguage ? "" : " and en") + "; showing the key");
    return std::string(key);
  }
  std::vector<std::string> unfilled;
  std::string out = Fill(*text, params, &unfilled);
  for (const auto& name : unfilled)
    WarnOnce("message '" + std::string(key) + "' was given no value for {" + name + "}");
  return out;
}

void Messages::WarnOnce(const std::string& problem) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!warned_.insert(problem).second) return;
  }
  warn_(problem);
}

}  // namespace vikno
