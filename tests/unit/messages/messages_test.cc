#include "messages/messages.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "core/role.h"
#include "core/status.h"
#include "core/transitions.h"

namespace vikno {
namespace {

namespace fs = std::filesystem;

// The shipped files, read from the repository root (the test's working directory).
const fs::path kShipped = "config/messages";

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    root_ = fs::temp_directory_path() /
            ("vikno-messages-test-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(root_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  fs::path Write(const std::string& rel, const std::string& text) const {
    const fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }
  const fs::path& root() const { return root_; }

 private:
  fs::path root_;
};

// Collects warnings instead of logging them.
struct Warnings {
  Messages::Warn sink() {
    return [this](const std::string& w) {
      std::lock_guard<std::mutex> lock(mutex);
      lines.push_back(w);
    };
  }
  std::mutex mutex;
  std::vector<std::string> lines;
};

// --- the shipped files ------------------------------------------------------

TEST(ShippedMessages, UkrainianAndEnglishHaveTheSameKeysAndPlaceholders) {
  const auto uk = Messages::LoadFile(kShipped / "uk.yaml");
  const auto en = Messages::LoadFile(kShipped / "en.yaml");
  for (const auto& [key, text] : uk) {
    auto it = en.find(key);
    if (it == en.end()) {
      ADD_FAILURE() << key << " is in uk.yaml but not in en.yaml";
      continue;
    }
    EXPECT_EQ(Messages::Placeholders(text), Messages::Placeholders(it->second)) << key;
  }
  for (const auto& [key, text] : en)
    EXPECT_TRUE(uk.count(key)) << key << " is in en.yaml but not in uk.yaml";
}

// Everything the panel and the bots name has a text in both languages.
TEST(ShippedMessages, EveryStatusActionRoleAndRefusalHasAText) {
  std::vector<std::string> keys;
  for (const auto& s : AllStatuses()) keys.push_back("status." + std::string(s.code));
  for (const auto& t : AllTransitions()) {
    keys.push_back("action." + std::string(t.action));
    if (t.needs != Needs::kNothing)
      keys.push_back("refusal.missing_" + std::string(NeedsCode(t.needs)));
  }
  for (Role r : {Role::kResident, Role::kOperator, Role::kModerator, Role::kExecutor,
                 Role::kDecisionMaker, Role::kAdministrator, Role::kSystem})
    keys.push_back("role." + std::string(RoleCode(r)));
  for (const char* code : {"unknown_action", "illegal_transition", "role_not_allowed",
                           "missing_reason", "missing_question", "missing_resident_reply",
                           "missing_answer_to_resident", "missing_call_note", "stale", "not_found",
                           "forbidden", "too_large", "type_not_allowed", "type_mismatch"})
    keys.push_back(std::string("refusal.") + code);
  keys.push_back("appeal.registered");
  keys.push_back("privacy.notice");
  for (const char* lang : {"uk", "en"}) {
    const auto texts = Messages::LoadFile(kShipped / (std::string(lang) + ".yaml"));
    for (const auto& key : keys) {
      auto it = texts.find(key);
      ASSERT_NE(it, texts.end()) << key << " is missing in " << lang;
      EXPECT_FALSE(it->second.empty()) << key << " is empty in " << lang;
    }
  }
}

TEST(ShippedMessages, StatusNamesAreThoseOfTheRegulation) {
  Messages uk(kShipped, "uk");
  // 000 §6.6.2-6.6.6.
  EXPECT_EQ(uk.Get("status.new"), "Нове");
  EXPECT_EQ(uk.Get("status.in_work"), "В роботі");
  EXPECT_EQ(uk.Get("status.awaiting_confirmation"), "Очікує підтвердження");
  EXPECT_EQ(uk.Get("status.completed"), "Завершена");
  EXPECT_EQ(uk.Get("status.not_confirmed"), "Не підтверджена");
  EXPECT_EQ(uk.Get("appeal.registered", {{"number", "2026-000123"}}),
            "Ваше звернення зареєстровано за № 2026-000123");
}

TEST(ShippedMessages, UkrainianTextsHaveNoRussianLetters) {
  // ы, э, ъ, ё do not exist in Ukrainian; a text with them is Russian.
  for (const auto& [key, text] : Messages::LoadFile(kShipped / "uk.yaml"))
    for (const char* letter : {"ы", "э", "ъ", "ё", "Ы", "Э", "Ъ", "Ё"})
      EXPECT_EQ(text.find(letter), std::string::npos) << key << " contains " << letter;
}

TEST(ShippedMessages, PrivacyNoticeNamesTheLawAndTheRetention) {
  Messages uk(kShipped, "uk");
  const std::string notice = uk.Get("privacy.notice", {{"years", "5"}});
  EXPECT_NE(notice.find("«Про захист персональних даних»"), std::string::npos);
  EXPECT_NE(notice.find("5 р."), std::string::npos);
  EXPECT_NE(notice.find("Уповноваженого Верховної Ради України з прав людини"), std::string::npos);
  Messages en(kShipped, "en");
  EXPECT_NE(en.Get("privacy.notice", {{"years", "5"}}).find("kept for 5 years"), std::string::npos);
}

// --- loading ------------------------------------------------------------------

TEST(Messages, NestedAndFlatKeysBecomeDottedKeys) {
  TempDir d;
  const auto texts = Messages::LoadFile(d.Write(
      "uk.yaml", "status:\n  new: Нове\n  deep:\n    er: Глибше\nrefusal.stale: Застаріло\n"));
  EXPECT_EQ(texts.size(), 3u);
  EXPECT_EQ(texts.at("status.new"), "Нове");
  EXPECT_EQ(texts.at("status.deep.er"), "Глибше");
  EXPECT_EQ(texts.at("refusal.stale"), "Застаріло");
}

TEST(Messages, MalformedFilesAreRefusedWithFileAndLine) {
  TempDir d;
  const auto error_of = [&](const std::string& text) -> std::string {
    const fs::path p = d.Write("bad.yaml", text);
    try {
      Messages::LoadFile(p);
    } catch (const MessagesError& e) {
      const std::string what = e.what();
      return what.substr(p.string().size());
    }
    return "(no error)";
  };
  EXPECT_EQ(error_of("a:\n  b: x\n  c: [1, 2]\n"),
            ":3: a.c: expected a text or a map of texts, got a list");
  EXPECT_EQ(error_of("a:\n  b: x\na.b: y\n"), ":3: a.b: duplicate key");
  EXPECT_EQ(error_of("a:\n  b:\n"), ":2: a.b: the text is empty");
  EXPECT_EQ(error_of("- one\n- two\n"), ":1: expected a map of texts");
  EXPECT_EQ(error_of("a: [unclosed\n"), ":2: YAML syntax error: end of sequence flow not found");
  EXPECT_THROW(Messages(d.root() / "none", "uk"), MessagesError);
}

TEST(Messages, CityOverrideReplacesDefaults) {
  TempDir d;
  d.Write("messages/uk.yaml", "status:\n  new: Нове\n  in_work: В роботі\n");
  d.Write("messages/en.yaml", "status:\n  new: New\n  in_work: In work\n  completed: Completed\n");
  d.Write("city/messages/uk.yaml", "status:\n  new: Нова заявка\ncity.greeting: Вітаємо в Сумах\n");
  d.Write("city/messages/en.yaml", "status.completed: Done\n");
  Warnings w;
  Messages m(d.root() / "messages", "uk", d.root() / "city", w.sink());
  EXPECT_EQ(m.Get("status.new"), "Нова заявка");
  EXPECT_EQ(m.Get("status.in_work"), "В роботі");
  EXPECT_EQ(m.Get("city.greeting"), "Вітаємо в Сумах");
  EXPECT_EQ(m.Get("status.completed"), "Done");  // the English fallback, overridden too
  EXPECT_TRUE(m.Has("city.greeting"));
  EXPECT_FALSE(m.Has("status.completed"));
  // A city without a messages folder keeps the defaults.
  Messages plain(d.root() / "messages", "uk", d.root() / "no-such-city", w.sink());
  EXPECT_EQ(plain.Get("status.new"), "Нове");
}

TEST(Messages, MissingKeyFallsBackToEnglishThenToTheKeyAndWarnsOnce) {
  TempDir d;
  d.Write("uk.yaml", "a: Так\n");
  d.Write("en.yaml", "a: Yes\nb: Only in English\n");
  Warnings w;
  Messages m(d.root(), "uk", {}, w.sink());
  EXPECT_EQ(m.Get("a"), "Так");
  EXPECT_TRUE(w.lines.empty());
  EXPECT_EQ(m.Get("b"), "Only in English");
  EXPECT_EQ(m.Get("b"), "Only in English");
  EXPECT_EQ(m.Get("nowhere.key"), "nowhere.key");
  EXPECT_EQ(m.Get("nowhere.key"), "nowhere.key");
  EXPECT_EQ(w.lines, (std::vector<std::string>{
                         "message 'b' is missing in uk; using the English text",
                         "message 'nowhere.key' is missing in uk and en; showing the key"}));
}

TEST(Messages, WarnsOnceAcrossThreads) {
  TempDir d;
  d.Write("uk.yaml", "a: Так\n");
  Warnings w;
  Messages m(d.root(), "uk", {}, w.sink());
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 200; ++j) EXPECT_EQ(m.Get("missing"), "missing");
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(w.lines.size(), 1u);
}

TEST(Messages, FillsPlaceholders) {
  TempDir d;
  d.Write("uk.yaml", "greet: Вітаємо, {name}! Звернення № {number}.\n");
  Warnings w;
  Messages m(d.root(), "uk", {}, w.sink());
  EXPECT_EQ(m.Get("greet", {{"name", "Олено"}, {"number", "17"}}),
            "Вітаємо, Олено! Звернення № 17.");
  // A value is inserted as is, never expanded again.
  EXPECT_EQ(m.Get("greet", {{"name", "{number}"}, {"number", "17"}}),
            "Вітаємо, {number}! Звернення № 17.");
  EXPECT_EQ(m.Get("greet", {{"name", "Олено"}}), "Вітаємо, Олено! Звернення № {number}.");
  EXPECT_EQ(w.lines, std::vector<std::string>{"message 'greet' was given no value for {number}"});
}

TEST(Messages, BracesThatAreNotPlaceholdersStayText) {
  const std::map<std::string, std::string> p{{"x", "1"}};
  EXPECT_EQ(Messages::Fill("{} { {x {1x} {x}", p), "{} { {x {1x} 1");
  EXPECT_EQ(Messages::Fill("{{x}}", p), "{1}");
  EXPECT_EQ(Messages::Placeholders("{a} {b} {a} {} {1c} {d"), (std::set<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace vikno
