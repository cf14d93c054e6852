// The resident dialogue walked through every path (issue 4): the state
// machine is pure, so each test is a conversation of messages in, replies,
// commands and the next state out. Every step also round-trips the state
// through JSON and continues from the copy, as a restart would.
#include "conversation/dialogue.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "conversation/registry_import.h"

namespace vikno::conversation {
namespace {

const std::vector<RegistryAddress>& SumyRegistry() {
  static const auto* kRegistry = [] {
    std::ifstream in(VIKNO_SOURCE_DIR "/rules/sumy/addresses.csv", std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    auto rows = ParseRegistryCsv(s.str(), "addresses.csv");
    for (size_t i = 0; i < rows.size(); ++i) rows[i].id = static_cast<int64_t>(i + 1);
    return new std::vector<RegistryAddress>(std::move(rows));
  }();
  return *kRegistry;
}

class DialogueTest : public ::testing::Test {
 protected:
  DialogueTest()
      : messages_(VIKNO_SOURCE_DIR "/config/messages", "uk", {},
                  [this](const std::string& w) { warnings_.push_back(w); }),
        matcher_(SumyRegistry()) {
    ctx_.messages = &messages_;
    ctx_.matcher = &matcher_;
    ctx_.consent_version = "2024-01";
    ctx_.retention_years = 5;
    ctx_.categories = {
        {"water", "", "Водопостачання", "", ""},
        {"water/none", "water", "Відсутнє водопостачання", "vodokanal", "emergency"},
        {"water/leak", "water", "Витік води", "vodokanal", "emergency"},
        {"roads", "", "Дороги", "", ""},
        {"roads/pothole", "roads", "Яма на дорозі", "shliakh", "ordinary"},
        {"trees", "", "Аварійне дерево", "zelenbud", "emergency"},
    };
    ctx_.directory = {
        {"vodokanal", "КП «Міськводоканал»", "0542 700 000", "", "", true},
        {"shliakh", "КП «Шляхрембуд»", "0542 600 000", "", "", true},
        {"old", "Ліквідована служба", "0542 000 000", "", "", false},
    };
  }

  // Sends one message, checks the invariants every step must keep, and
  // continues from the state as read back from its JSON.
  StepResult Send(const Inbound& in) {
    StepResult r = Step(state_, in, ctx_);
    Keep(r);
    return r;
  }
  StepResult Type(const std::string& text) { return Send(Inbound::Text(text)); }
  StepResult Press(const std::string& payload) { return Send(Inbound::Button(payload)); }
  // Runs the host's side: each command's outcome goes back through Report.
  StepResult Done(const Command& cmd, CommandOutcome out = {}) {
    StepResult r = Report(state_, cmd, out, ctx_);
    Keep(r);
    return r;
  }
  void Keep(const StepResult& r) {
    const std::string json = r.next.ToJson();
    auto back = DialogueState::FromJson(json);
    ASSERT_TRUE(back.ok()) << back.refusal().message;
    EXPECT_EQ(back.value().ToJson(), json) << "the state must survive a restart unchanged";
    state_ = back.value();
    for (const auto& reply : r.replies) {
      EXPECT_FALSE(reply.text.empty());
      for (const auto& b : reply.buttons) EXPECT_LE(b.payload.size(), 64u) << b.payload;
    }
    EXPECT_TRUE(warnings_.empty())
        << warnings_.front();  // every key exists, every placeholder filled
  }

  static bool HasKey(const StepResult& r, const std::string& key) {
    for (const auto& reply : r.replies)
      for (const auto& k : reply.keys)
        if (k == key) return true;
    return false;
  }
  static std::string Keys(const StepResult& r) {
    std::string s;
    for (const auto& reply : r.replies)
      for (const auto& k : reply.keys) s += k + " ";
    return s;
  }
  static const Reply& Last(const StepResult& r) { return r.replies.back(); }

  // The resident registered with one address and is at the menu.
  void Registered() {
    ctx_.consent_given = true;
    Address a;
    a.registry_id = 1;
    a.city = "Суми";
    a.street = "вулиця Соборна";
    a.house = "1";
    ctx_.addresses = {a};
    state_ = DialogueState{};
    auto r = Type("/start");
    ASSERT_EQ(state_.stage, Stage::kMenu) << Keys(r);
  }

  Messages messages_;
  std::vector<std::string> warnings_;
  AddressMatcher matcher_;
  Context ctx_;
  DialogueState state_;
};

TEST_F(DialogueTest, FirstContactConsentAddressWithTyposRetryAndMenu) {
  auto r = Type("Привіт");
  EXPECT_TRUE(HasKey(r, "bot.greeting"));
  EXPECT_TRUE(HasKey(r, "privacy.notice"));                      // R31, 000 §1.6
  EXPECT_NE(r.replies[1].text.find("5 р."), std::string::npos);  // retention years filled in
  EXPECT_EQ(state_.stage, Stage::kConsent);
  EXPECT_TRUE(r.commands.empty());

  r = Press("agree");
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].kind, Command::Kind::kRecordConsent);
  EXPECT_EQ(r.commands[0].consent_version, "2024-01");
  EXPECT_EQ(state_.stage, Stage::kAddress);
  EXPECT_TRUE(HasKey(r, "bot.address.ask"));

  // A typo and an abbreviation: proposed as "city, street, house" (000 §3.1).
  r = Type("вул. Саборна 12, кв. 5");
  EXPECT_EQ(state_.stage, Stage::kAddressConfirm);
  ASSERT_TRUE(HasKey(r, "bot.address.confirm_one")) << Keys(r);
  EXPECT_NE(Last(r).text.find("Суми, вулиця Соборна, 12, кв. 5"), std::string::npos)
      << Last(r).text;
  ASSERT_EQ(Last(r).buttons.size(), 2u);

  // "No": asked again (000 §3.2).
  r = Press("no");
  EXPECT_EQ(state_.stage, Stage::kAddress);
  EXPECT_TRUE(HasKey(r, "bot.address.retry"));
  EXPECT_TRUE(r.commands.empty());

  r = Type("Кам’янська 3");
  EXPECT_EQ(state_.stage, Stage::kAddressConfirm);
  r = Type("так");  // the word instead of the button
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].kind, Command::Kind::kSaveAddress);
  EXPECT_EQ(r.commands[0].address.street, "вулиця Кам'янська");
  EXPECT_EQ(r.commands[0].address.house, "3");
  EXPECT_TRUE(r.commands[0].address.registry_id.has_value());
  EXPECT_TRUE(HasKey(r, "bot.address.saved"));
  EXPECT_TRUE(HasKey(r, "bot.menu.prompt"));
  EXPECT_EQ(state_.stage, Stage::kMenu);
}

TEST_F(DialogueTest, ConsentDeclinedIsAskedAgainAndGarbageRepeatsTheNotice) {
  Type("hi");
  auto r = Press("decline");
  EXPECT_TRUE(HasKey(r, "bot.consent.declined"));
  EXPECT_EQ(state_.stage, Stage::kConsent);
  EXPECT_TRUE(r.commands.empty());
  r = Type("що це?");
  EXPECT_TRUE(HasKey(r, "bot.not_understood"));
  EXPECT_TRUE(HasKey(r, "privacy.notice"));
  r = Type("меню");  // no menu before consent and address
  EXPECT_EQ(state_.stage, Stage::kConsent);
  r = Type("1");  // numbered: "1. Погоджуюся"
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].kind, Command::Kind::kRecordConsent);
}

TEST_F(DialogueTest, ConsentOnRecordSkipsTheQuestion) {
  ctx_.consent_given = true;
  auto r = Type("/start");
  EXPECT_FALSE(HasKey(r, "privacy.notice"));
  EXPECT_EQ(state_.stage, Stage::kAddress);
}

TEST_F(DialogueTest, AddressProblemsGetHelpfulAnswers) {
  ctx_.consent_given = true;
  Type("/start");
  auto r = Type("Соборна");
  EXPECT_TRUE(HasKey(r, "bot.address.house_missing")) << Keys(r);
  EXPECT_NE(Last(r).text.find("вулиця Соборна, 12"), std::string::npos);
  r = Type("Соборна 999");
  EXPECT_TRUE(HasKey(r, "bot.address.house_not_found"));
  r = Type("Хрещатик 1");
  EXPECT_TRUE(HasKey(r, "bot.address.not_found"));
  EXPECT_TRUE(HasKey(r, "bot.address.hint_hotline"));  // third failure: the hotline
  r = Type("");
  EXPECT_TRUE(HasKey(r, "bot.not_understood"));
  EXPECT_EQ(state_.stage, Stage::kAddress);
  // Several candidates: a numbered choice.
  r = Type("Шевченка 3");
  ASSERT_EQ(state_.stage, Stage::kAddressConfirm);
  EXPECT_TRUE(HasKey(r, "bot.address.choose"));
  ASSERT_EQ(Last(r).buttons.size(), 3u);  // two streets + "none of these"
  const std::string second = Last(r).buttons[1].label;
  r = Type("2");
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_NE(second.find(r.commands[0].address.street), std::string::npos);
}

TEST_F(DialogueTest, RetypingInsteadOfAnsweringMatchesAgain) {
  ctx_.consent_given = true;
  Type("/start");
  Type("Соборна 12");
  auto r = Type("Петропавлівська 10, під'їзд 2");
  EXPECT_EQ(state_.stage, Stage::kAddressConfirm);
  EXPECT_NE(Last(r).text.find("вулиця Петропавлівська, 10, під’їзд 2"), std::string::npos)
      << Last(r).text;
  r = Press("yes");
  EXPECT_EQ(r.commands.at(0).address.entrance, "2");  // B3: the entrance is kept
}

TEST_F(DialogueTest, ReportAProblemThroughTheCategoryTree) {
  Registered();
  auto r = Press("m:report");
  EXPECT_EQ(state_.stage, Stage::kCategory);
  ASSERT_TRUE(HasKey(r, "bot.report.category"));
  ASSERT_EQ(Last(r).buttons.size(), 4u);  // 3 roots + cancel
  r = Type("1");                          // Водопостачання: a branch
  EXPECT_EQ(state_.stage, Stage::kCategory);
  EXPECT_TRUE(HasKey(r, "bot.report.subcategory"));
  r = Press("back");
  EXPECT_TRUE(HasKey(r, "bot.report.category"));
  Press("c:water");
  r = Type("Відсутнє водопостачання");  // the label typed as text
  // The only registered address is used without a question.
  EXPECT_EQ(state_.stage, Stage::kDescription) << Keys(r);
  EXPECT_FALSE(HasKey(r, "bot.report.address"));
  r = Type("ок");  // too short
  EXPECT_TRUE(HasKey(r, "bot.report.description_too_short"));
  r = Type("Немає холодної води з ранку у всьому під'їзді");
  EXPECT_EQ(state_.stage, Stage::kSummary);
  ASSERT_TRUE(HasKey(r, "bot.report.summary"));
  EXPECT_NE(Last(r).text.find("Суми, вулиця Соборна, 1"), std::string::npos) << Last(r).text;
  // Send, add a photo, add a location, another address, cancel.
  ASSERT_EQ(Last(r).buttons.size(), 5u);
  EXPECT_EQ(Last(r).buttons[0].label, "Надіслати");
  EXPECT_EQ(Last(r).buttons[1].label, "Додати фото");
  EXPECT_EQ(Last(r).buttons[2].label, "Додати геолокацію");
  EXPECT_EQ(Last(r).buttons[3].label, "Інша адреса");
  EXPECT_EQ(Last(r).buttons[4].label, "Скасувати");
  r = Press("add:photo");
  EXPECT_EQ(state_.stage, Stage::kPhoto);
  EXPECT_TRUE(HasKey(r, "bot.report.photo"));
  Inbound photo;
  photo.files = {FileRef{std::string(64, 'a'), "image/jpeg", 1000, "p.jpg"}};
  r = Send(photo);
  EXPECT_TRUE(HasKey(r, "bot.report.photo_added"));
  EXPECT_EQ(state_.stage, Stage::kSummary);
  EXPECT_NE(Last(r).text.find("Фото: 1"), std::string::npos);
  Inbound refused;
  refused.file_refusal = "type_not_allowed";
  r = Send(refused);
  EXPECT_TRUE(HasKey(r, "refusal.type_not_allowed"));
  EXPECT_EQ(state_.stage, Stage::kSummary);
  r = Press("add:loc");
  EXPECT_EQ(state_.stage, Stage::kLocation);
  EXPECT_TRUE(Last(r).reply_keyboard);  // Telegram's request-location button
  EXPECT_EQ(Last(r).buttons[0].kind, ReplyButton::Kind::kRequestLocation);
  Inbound loc;
  loc.location = GeoPoint{50.91, 34.80};
  r = Send(loc);
  EXPECT_EQ(state_.stage, Stage::kSummary);
  ASSERT_TRUE(HasKey(r, "bot.report.summary"));
  EXPECT_NE(Last(r).text.find("Відсутнє водопостачання"), std::string::npos);
  EXPECT_NE(Last(r).text.find("Суми, вулиця Соборна, 1"), std::string::npos);
  EXPECT_NE(Last(r).text.find("Фото: 1"), std::string::npos);
  EXPECT_NE(Last(r).text.find("Місце на мапі: додано"), std::string::npos);
  EXPECT_EQ(Last(r).buttons[2].label, "Змінити геолокацію");
  r = Press("send");
  ASSERT_EQ(r.commands.size(), 1u);
  const Command create = r.commands[0];
  EXPECT_EQ(create.kind, Command::Kind::kCreateAppeal);
  EXPECT_EQ(create.draft.category_id, "water/none");
  EXPECT_EQ(create.draft.address.registry_id, std::optional<int64_t>(1));
  EXPECT_EQ(create.draft.photos.size(), 1u);
  ASSERT_TRUE(create.draft.location.has_value());
  EXPECT_DOUBLE_EQ(create.draft.location->lat, 50.91);
  // R5: the number at once; R6: another problem?
  r = Done(create, CommandOutcome{true, "", "SU-2026-000123", "", ""});
  ASSERT_EQ(r.replies.size(), 1u) << Keys(r);  // the number and "another?" in one message
  EXPECT_EQ(r.replies[0].keys.front(), "appeal.registered");
  EXPECT_NE(r.replies[0].text.find("SU-2026-000123"), std::string::npos);
  EXPECT_TRUE(HasKey(r, "bot.report.another"));
  ASSERT_EQ(r.replies[0].buttons.size(), 2u);
  EXPECT_EQ(r.replies[0].buttons[0].payload, "m:report");
  EXPECT_TRUE(state_.draft.description.empty());
  // A second problem in the same conversation: a new draft, a new appeal.
  r = Type("1");  // "Повідомити ще про проблему"
  EXPECT_EQ(state_.stage, Stage::kCategory);
  EXPECT_TRUE(state_.draft.description.empty());
  EXPECT_FALSE(state_.draft.location.has_value());
  r = Type("Впало дерево на дорогу біля школи");  // words instead of a category
  EXPECT_EQ(state_.stage, Stage::kSummary);
  r = Press("other");  // "Інша адреса": the saved one or another
  EXPECT_EQ(state_.stage, Stage::kProblemAddress);
  ASSERT_TRUE(HasKey(r, "bot.report.address"));
  r = Press("other");
  EXPECT_EQ(state_.stage, Stage::kAddress);
  r = Type("Харківська 3");
  r = Press("yes");
  EXPECT_EQ(state_.stage, Stage::kSummary);  // the description was already given
  EXPECT_TRUE(r.commands.empty());           // a problem's address is not saved as the resident's
  EXPECT_NE(Last(r).text.find("вулиця Харківська, 3"), std::string::npos) << Last(r).text;
  r = Press("send");
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_TRUE(r.commands[0].draft.category_id.empty());  // the rules classify
  EXPECT_EQ(r.commands[0].draft.address.street, "вулиця Харківська");
  r = Done(r.commands[0], CommandOutcome{true, "", "SU-2026-000124", "", ""});
  EXPECT_NE(r.replies[0].text.find("SU-2026-000124"), std::string::npos);
}

// The shortest path (issue 4): a registered resident writes the problem at
// the menu and presses "Надіслати": two messages, one appeal.
TEST_F(DialogueTest, WordsAtTheMenuAreAReportInTwoMessages) {
  Registered();
  auto r = Type("Не вивозять сміття третій день, контейнери переповнені");
  EXPECT_EQ(state_.stage, Stage::kSummary) << Keys(r);
  ASSERT_TRUE(HasKey(r, "bot.report.summary"));
  EXPECT_NE(Last(r).text.find("Не вивозять сміття"), std::string::npos);
  EXPECT_NE(Last(r).text.find("буде визначено за описом"), std::string::npos);
  EXPECT_NE(Last(r).text.find("Суми, вулиця Соборна, 1"), std::string::npos);
  EXPECT_TRUE(r.commands.empty());
  r = Press("send");
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].kind, Command::Kind::kCreateAppeal);
  EXPECT_TRUE(r.commands[0].draft.category_id.empty());  // the rules classify the words
  EXPECT_EQ(r.commands[0].draft.description,
            "Не вивозять сміття третій день, контейнери переповнені");
  EXPECT_EQ(r.commands[0].draft.address.registry_id, std::optional<int64_t>(1));
  r = Done(r.commands[0], CommandOutcome{true, "", "SU-2026-000200", "", ""});
  EXPECT_TRUE(HasKey(r, "appeal.registered"));
  // R6: at once another one, typed at the "another problem?" prompt.
  r = Type("Не світить ліхтар біля під'їзду");
  EXPECT_EQ(state_.stage, Stage::kSummary);
  EXPECT_EQ(state_.draft.description, "Не світить ліхтар біля під'їзду");
  EXPECT_TRUE(state_.draft.photos.empty());
  // "Так" presses the offered "Надіслати" (the yes-word of the summary).
  r = Type("так");
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].draft.description, "Не світить ліхтар біля під'їзду");
}

TEST_F(DialogueTest, GreetingsAndOneWordAtTheMenuAreNotReports) {
  Registered();
  auto r = Type("Добрий день");
  EXPECT_EQ(state_.stage, Stage::kMenu);
  EXPECT_TRUE(HasKey(r, "bot.menu.prompt"));
  EXPECT_FALSE(HasKey(r, "bot.not_understood"));
  r = Type("Привіт");
  EXPECT_EQ(state_.stage, Stage::kMenu);
  EXPECT_TRUE(HasKey(r, "bot.menu.prompt"));
  r = Type("сміття");  // one word is not yet a description
  EXPECT_EQ(state_.stage, Stage::kMenu);
  EXPECT_TRUE(HasKey(r, "bot.not_understood"));
  r = Type("4");  // a number is a menu item, not words
  EXPECT_TRUE(HasKey(r, "bot.directory.header"));
  EXPECT_TRUE(state_.draft.description.empty());
}

TEST_F(DialogueTest, WordsAtTheMenuWithoutARegisteredAddressAskIt) {
  Registered();
  ctx_.addresses.clear();
  auto r = Type("Яма на дорозі біля зупинки");
  EXPECT_EQ(state_.stage, Stage::kAddress);
  EXPECT_TRUE(HasKey(r, "bot.address.ask_problem"));
  Inbound loc;
  loc.location = GeoPoint{50.9, 34.8};
  r = Send(loc);  // a point on the map is the address (R5)
  EXPECT_EQ(state_.stage, Stage::kSummary);
  EXPECT_NE(Last(r).text.find("місце на мапі"), std::string::npos) << Last(r).text;
}

TEST_F(DialogueTest, APhotoAtTheMenuStartsAReport) {
  Registered();
  Inbound photo;
  photo.files = {FileRef{std::string(64, 'b'), "image/jpeg", 2000, "yama.jpg"}};
  auto r = Send(photo);
  EXPECT_EQ(state_.stage, Stage::kDescription) << Keys(r);
  EXPECT_EQ(state_.draft.photos.size(), 1u);
  r = Type("Глибока яма посеред дороги");
  EXPECT_EQ(state_.stage, Stage::kSummary);
  EXPECT_NE(Last(r).text.find("Фото: 1"), std::string::npos);
  // A photo with a one-word caption is kept; the description is asked.
  Press("cancel");
  photo.text = "Яма";
  r = Send(photo);
  EXPECT_EQ(state_.stage, Stage::kDescription) << Keys(r);
  EXPECT_EQ(state_.draft.photos.size(), 1u);
  Type("меню");
  // A file the store refused at the menu: said, and the menu again.
  Inbound refused;
  refused.file_refusal = "too_large";
  r = Send(refused);
  EXPECT_TRUE(HasKey(r, "refusal.too_large"));
  EXPECT_EQ(state_.stage, Stage::kMenu);
  // A photo with a caption: the caption is the description.
  photo.text = "Прорвало трубу у дворі";
  r = Send(photo);
  EXPECT_EQ(state_.stage, Stage::kSummary);
  EXPECT_EQ(state_.draft.description, "Прорвало трубу у дворі");
  EXPECT_EQ(state_.draft.photos.size(), 1u);
}

TEST_F(DialogueTest, TwoAddressesAreStillAsked) {
  Registered();
  Address home = ctx_.addresses[0];
  Address work;
  work.registry_id = 2;
  work.city = "Суми";
  work.street = "вулиця Харківська";
  work.house = "3";
  work.flat = "17";
  ctx_.addresses = {home, work};
  auto r = Type("Тече дах над квартирою");
  EXPECT_EQ(state_.stage, Stage::kProblemAddress);
  ASSERT_TRUE(HasKey(r, "bot.report.address"));
  ASSERT_EQ(Last(r).buttons.size(), 4u);  // two addresses, another, cancel
  r = Press("pa:1");
  EXPECT_EQ(state_.stage, Stage::kSummary);
  EXPECT_NE(Last(r).text.find("вулиця Харківська, 3, кв. 17"), std::string::npos) << Last(r).text;
  r = Press("send");
  EXPECT_EQ(r.commands.at(0).draft.address.flat, "17");  // R5: house AND flat
  // A point on the map instead of a saved address.
  Done(r.commands[0], CommandOutcome{true, "", "SU-2026-000300", "", ""});
  Press("m:report");
  Press("c:trees");
  Inbound loc;
  loc.location = GeoPoint{50.9, 34.8};
  r = Send(loc);
  EXPECT_EQ(state_.stage, Stage::kDescription);
  r = Type("Дерево впало на тротуар");
  EXPECT_EQ(state_.stage, Stage::kSummary);
  EXPECT_NE(Last(r).text.find("місце на мапі"), std::string::npos);
}

TEST_F(DialogueTest, TheOnlyAddressIsUsedWithItsFlat) {
  Registered();
  ctx_.addresses[0].flat = "5";
  ctx_.addresses[0].entrance = "2";
  auto r = Type("Не працює ліфт у під'їзді");
  EXPECT_EQ(state_.stage, Stage::kSummary);
  EXPECT_NE(Last(r).text.find("вулиця Соборна, 1, кв. 5, під’їзд 2"), std::string::npos)
      << Last(r).text;
  r = Press("send");
  EXPECT_EQ(r.commands.at(0).draft.address.flat, "5");
  EXPECT_EQ(r.commands.at(0).draft.address.entrance, "2");
}

TEST_F(DialogueTest, PhotosAndLocationsSentToTheSummaryAreAttached) {
  Registered();
  Type("Розбите скло на зупинці");
  ASSERT_EQ(state_.stage, Stage::kSummary);
  Inbound loc;
  loc.location = GeoPoint{50.92, 34.81};
  auto r = Send(loc);
  EXPECT_EQ(state_.stage, Stage::kSummary);
  EXPECT_NE(Last(r).text.find("Місце на мапі: додано"), std::string::npos) << Last(r).text;
  ASSERT_TRUE(state_.draft.location.has_value());
  EXPECT_DOUBLE_EQ(state_.draft.location->lat, 50.92);
  Inbound photo;
  photo.files = {FileRef{std::string(64, 'c'), "image/jpeg", 3000, "1.jpg"}};
  for (size_t i = 1; i <= kMaxPhotos; ++i) {
    r = Send(photo);
    EXPECT_EQ(state_.stage, Stage::kSummary);
    EXPECT_NE(Last(r).text.find("Фото: " + std::to_string(i)), std::string::npos);
  }
  // The limit reached: no "add a photo" button, and one more is refused.
  EXPECT_EQ(Last(r).buttons.size(), 4u);
  EXPECT_NE(Last(r).buttons[1].payload, "add:photo");
  r = Send(photo);
  EXPECT_TRUE(HasKey(r, "bot.report.photo_limit"));
  EXPECT_EQ(state_.draft.photos.size(), kMaxPhotos);
  // "Назад" from the photo and location questions returns to the summary.
  Press("add:loc");
  r = Press("back");
  EXPECT_EQ(state_.stage, Stage::kSummary);
  r = Press("send");
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].draft.photos.size(), kMaxPhotos);
  ASSERT_TRUE(r.commands[0].draft.location.has_value());
}

// A dialogue saved by the longer path (photo, then location, each with
// "Пропустити") continues after the upgrade: the state format is the same,
// and the old buttons still mean what they said.
TEST_F(DialogueTest, AStateSavedByTheOldPathContinues) {
  Registered();
  const std::string draft =
      R"("draft":{"category_id":"roads/pothole","category_name":"Яма на дорозі",)"
      R"("address":{"registry_id":1,"city":"Суми","district":"","street":"вулиця Соборна",)"
      R"("house":"1","flat":"","entrance":""},"description":"Яма біля зупинки","photos":[]})";
  auto old_photo = DialogueState::FromJson(
      R"({"v":1,"stage":"photo","offered":[{"payload":"skip","label":"Пропустити"},)"
      R"({"payload":"menu","label":"Скасувати"}],)" + draft + "}");
  ASSERT_TRUE(old_photo.ok()) << old_photo.refusal().message;
  state_ = old_photo.value();
  auto r = Type("1");  // "1. Пропустити" on the old prompt
  EXPECT_EQ(state_.stage, Stage::kSummary) << Keys(r);
  r = Press("send");
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].draft.category_id, "roads/pothole");

  auto old_location = DialogueState::FromJson(
      R"({"v":1,"stage":"location","offered":[{"payload":"skip","label":"Пропустити"},)"
      R"({"payload":"menu","label":"Скасувати"}],)" + draft + "}");
  ASSERT_TRUE(old_location.ok());
  state_ = old_location.value();
  Inbound loc;
  loc.location = GeoPoint{50.9, 34.8};
  r = Send(loc);
  EXPECT_EQ(state_.stage, Stage::kSummary);
  EXPECT_NE(Last(r).text.find("Місце на мапі: додано"), std::string::npos);

  auto old_summary = DialogueState::FromJson(
      R"({"v":1,"stage":"summary","offered":[{"payload":"send","label":"Надіслати"},)"
      R"({"payload":"cancel","label":"Скасувати"}],)" + draft + "}");
  ASSERT_TRUE(old_summary.ok());
  state_ = old_summary.value();
  r = Type("2");  // "2. Скасувати" as it was numbered then
  EXPECT_TRUE(HasKey(r, "bot.report.cancelled"));
  EXPECT_EQ(state_.stage, Stage::kMenu);
}

TEST_F(DialogueTest, ARefusedAppealKeepsTheDraft) {
  Registered();
  Press("m:report");
  Press("c:roads");
  Press("c:roads/pothole");
  Type("Глибока яма посеред дороги");
  ASSERT_EQ(state_.stage, Stage::kSummary);
  auto r = Press("send");
  r = Done(r.commands.at(0), CommandOutcome{false, "invalid_description", "", "", ""});
  EXPECT_TRUE(HasKey(r, "bot.report.failed"));
  EXPECT_EQ(state_.stage, Stage::kSummary);
  EXPECT_EQ(state_.draft.description, "Глибока яма посеред дороги");
  r = Press("cancel");
  EXPECT_TRUE(HasKey(r, "bot.report.cancelled"));
  EXPECT_EQ(state_.stage, Stage::kMenu);
}

TEST_F(DialogueTest, MyAppealsAndCancel) {
  Registered();
  ctx_.appeals = {{11, "SU-1", Status::kInWork, "Яма на дорозі", "Суми, вулиця Соборна, 1", true},
                  {10, "SU-0", Status::kCompleted, "", "", false}};
  auto r = Press("m:appeals");
  ASSERT_TRUE(HasKey(r, "bot.appeals.header"));
  EXPECT_NE(Last(r).text.find("№ SU-1 — Яма на дорозі, Суми, вулиця Соборна, 1: В роботі"),
            std::string::npos)
      << Last(r).text;
  EXPECT_NE(Last(r).text.find("SU-0 — без категорії, не вказано: Завершена"), std::string::npos);
  ASSERT_EQ(Last(r).buttons.size(), 2u);  // cancel SU-1 + menu; SU-0 is closed
  r = Press("x:10");
  EXPECT_TRUE(HasKey(r, "bot.appeals.cannot_cancel"));
  r = Type("1");
  EXPECT_EQ(state_.stage, Stage::kCancelConfirm);
  r = Press("no");
  EXPECT_EQ(state_.stage, Stage::kMenu);
  Press("m:appeals");
  Press("x:11");
  r = Press("yes");
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].kind, Command::Kind::kCancelAppeal);
  EXPECT_EQ(r.commands[0].appeal_id, 11);
  r = Done(r.commands[0]);
  EXPECT_TRUE(HasKey(r, "bot.appeals.cancelled"));
  EXPECT_TRUE(HasKey(r, "bot.menu.prompt"));
  Press("m:appeals");
  r = Press("x:11");
  r = Press("yes");
  r = Done(r.commands[0], CommandOutcome{false, "illegal_transition", "", "", ""});
  EXPECT_TRUE(HasKey(r, "bot.appeals.cancel_failed"));
  ctx_.appeals.clear();
  r = Press("m:appeals");
  EXPECT_TRUE(HasKey(r, "bot.appeals.none"));
  EXPECT_EQ(state_.stage, Stage::kMenu);
}

TEST_F(DialogueTest, DirectoryAndOutages) {
  Registered();
  auto r = Press("m:dir");
  ASSERT_TRUE(HasKey(r, "bot.directory.header"));
  EXPECT_NE(r.replies[0].text.find("КП «Міськводоканал»: 0542 700 000"), std::string::npos);
  EXPECT_EQ(r.replies[0].text.find("Ліквідована"), std::string::npos);
  EXPECT_EQ(state_.stage, Stage::kMenu);
  r = Press("m:outages");
  EXPECT_TRUE(HasKey(r, "bot.outages.none"));
  ctx_.outages = {{EventKind::kEmergency, "аварія на водогоні", "КП «Міськводоканал»",
                   "з 10:00 до 18:00 12.03", "Суми, вулиця Соборна, 1"}};
  r = Type("3");
  ASSERT_TRUE(HasKey(r, "bot.outages.item"));
  EXPECT_NE(r.replies[0].text.find("Аварійні роботи — Суми, вулиця Соборна, 1: аварія на водогоні"),
            std::string::npos);
}

TEST_F(DialogueTest, RateAServiceWithAComment) {
  Registered();
  auto r = Press("m:rate");
  ASSERT_TRUE(HasKey(r, "bot.rate.choose"));
  EXPECT_EQ(Last(r).buttons.size(), 3u);  // two active services + cancel
  r = Press("r:vodokanal");
  EXPECT_EQ(state_.stage, Stage::kRateScore);
  r = Type("7");
  EXPECT_TRUE(HasKey(r, "bot.rate.score_range"));
  r = Type("4");
  EXPECT_EQ(state_.stage, Stage::kRateComment);
  r = Type("Швидко полагодили, дякую");
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].kind, Command::Kind::kRate);
  EXPECT_EQ(r.commands[0].executor_id, "vodokanal");
  EXPECT_EQ(r.commands[0].score, 4);
  EXPECT_EQ(r.commands[0].comment, "Швидко полагодили, дякую");
  r = Done(r.commands[0]);
  EXPECT_TRUE(HasKey(r, "bot.rate.thanks"));
  // Skipping the comment.
  Press("m:rate");
  Press("r:shliakh");
  Press("s:5");
  r = Press("skip");
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_TRUE(r.commands[0].comment.empty());
}

TEST_F(DialogueTest, FixedYesAsksForARatingAndNoReturnsTheAppeal) {
  Registered();
  Press("m:report");  // busy with something else
  auto r = AskFixed(state_, 7, "SU-7", "Замінили трубу", ctx_);
  Keep(r);
  EXPECT_EQ(state_.stage, Stage::kFixAnswer);
  ASSERT_TRUE(HasKey(r, "bot.fix.question"));
  EXPECT_NE(Last(r).text.find("SU-7"), std::string::npos);
  EXPECT_NE(Last(r).text.find("Замінили трубу"), std::string::npos);
  // A second request while the first is open waits its turn.
  r = AskFixed(state_, 8, "SU-8", "", ctx_);
  Keep(r);
  EXPECT_TRUE(r.replies.empty());
  r = Type("може");
  EXPECT_TRUE(HasKey(r, "bot.not_understood"));
  r = Type("1");  // "Так, усунуто"
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].kind, Command::Kind::kConfirmFix);
  EXPECT_TRUE(r.commands[0].fixed);
  EXPECT_EQ(r.commands[0].appeal_id, 7);
  r = Done(r.commands[0], CommandOutcome{true, "", "", "vodokanal", "КП «Міськводоканал»"});
  EXPECT_TRUE(HasKey(r, "bot.fix.thanks_yes"));
  EXPECT_EQ(state_.stage, Stage::kRateScore);  // B4: the rating at that moment
  Press("s:5");
  r = Press("skip");
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].appeal_id, 7);
  r = Done(r.commands[0]);
  // Then the queued question about SU-8.
  EXPECT_EQ(state_.stage, Stage::kFixAnswer);
  EXPECT_NE(Last(r).text.find("SU-8"), std::string::npos);
  r = Press("no");
  EXPECT_FALSE(r.commands.at(0).fixed);
  r = Done(r.commands[0]);
  EXPECT_TRUE(HasKey(r, "bot.fix.thanks_no"));
  EXPECT_EQ(state_.stage, Stage::kMenu);
  EXPECT_TRUE(state_.fixes.empty());
}

TEST_F(DialogueTest, FixedQuestionWaitsForRegistration) {
  auto r = AskFixed(state_, 7, "SU-7", "", ctx_);
  Keep(r);
  EXPECT_TRUE(r.replies.empty());
  ctx_.consent_given = true;
  Type("/start");
  Type("Соборна 12");
  r = Press("yes");
  EXPECT_EQ(state_.stage, Stage::kFixAnswer);
  EXPECT_TRUE(HasKey(r, "bot.fix.question"));
}

TEST_F(DialogueTest, BlockedResidentGetsOneRefusalThenSilence) {
  ctx_.blocked = true;
  auto r = Type("Привіт");
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_EQ(r.replies[0].keys[0], "bot.blocked");
  EXPECT_TRUE(r.commands.empty());
  for (const char* text : {"Привіт", "меню", "1"}) {
    r = Type(text);
    EXPECT_TRUE(r.replies.empty());
    EXPECT_TRUE(r.commands.empty());
  }
  r = AskFixed(state_, 7, "SU-7", "", ctx_);
  EXPECT_TRUE(r.replies.empty());
  Inbound contact;
  contact.contact_phone = "+380501234567";
  r = Send(contact);
  EXPECT_TRUE(r.commands.empty());
}

TEST_F(DialogueTest, GarbageAtEveryStageGetsARepromptNeverADeadEnd) {
  Registered();
  ctx_.appeals = {{11, "SU-1", Status::kNew, "", "", true}};
  struct Path {
    std::vector<std::string> presses;
    Stage stage;
  };
  const std::vector<Path> paths = {
      {{}, Stage::kMenu},
      {{"m:report"}, Stage::kCategory},
      {{"m:report", "c:trees"}, Stage::kDescription},
      {{"m:appeals"}, Stage::kAppeals},
      {{"m:appeals", "x:11"}, Stage::kCancelConfirm},
      {{"m:rate"}, Stage::kRateService},
      {{"m:rate", "r:vodokanal"}, Stage::kRateScore},
  };
  for (const auto& p : paths) {
    Press("menu");
    for (const auto& b : p.presses) Press(b);
    ASSERT_EQ(state_.stage, p.stage) << StageCode(p.stage);
    auto r = Send(Inbound{});  // an empty message (a sticker the channel could not carry)
    EXPECT_TRUE(HasKey(r, "bot.not_understood")) << StageCode(p.stage) << ": " << Keys(r);
    EXPECT_EQ(state_.stage, p.stage);
    r = Press("zzz:unknown");
    EXPECT_TRUE(HasKey(r, "bot.not_understood")) << StageCode(p.stage) << ": " << Keys(r);
    EXPECT_FALSE(Last(r).buttons.empty() && p.stage != Stage::kAddress &&
                 p.stage != Stage::kDescription)
        << "a re-prompt offers a way on: " << StageCode(p.stage);
    r = Type("меню");
    EXPECT_EQ(state_.stage, Stage::kMenu) << "\"меню\" leaves " << StageCode(p.stage);
  }
  // The summary and what it leads to.
  Press("m:report");
  Press("c:trees");
  Type("Дерево нахилилося над дорогою");
  for (const char* to : {"", "add:photo", "add:loc", "other"}) {
    if (*to) Press(to);
    const Stage s = state_.stage;
    auto r = Press("zzz");
    EXPECT_TRUE(HasKey(r, "bot.not_understood")) << StageCode(s);
    EXPECT_EQ(state_.stage, s);
    EXPECT_FALSE(Last(r).buttons.empty()) << StageCode(s);
    if (s == Stage::kPhoto || s == Stage::kLocation) Press("back");
  }
  EXPECT_EQ(state_.stage, Stage::kProblemAddress);
  Press("other");
  ASSERT_EQ(state_.stage, Stage::kAddress);
  auto r = Send(Inbound{});
  EXPECT_TRUE(HasKey(r, "bot.not_understood"));
  EXPECT_EQ(state_.draft.description, "Дерево нахилилося над дорогою");  // nothing lost
}

TEST_F(DialogueTest, ContactIsSavedWithoutLosingThePlace) {
  Registered();
  Press("m:rate");
  Inbound contact;
  contact.contact_phone = "+380501234567";
  auto r = Send(contact);
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].kind, Command::Kind::kSavePhone);
  EXPECT_EQ(r.commands[0].phone, "+380501234567");
  EXPECT_TRUE(HasKey(r, "bot.contact.saved"));
  EXPECT_TRUE(HasKey(r, "bot.rate.choose"));
  EXPECT_EQ(state_.stage, Stage::kRateService);
}

TEST_F(DialogueTest, AddAnotherAddress) {
  Registered();
  auto r = Press("m:addr");
  EXPECT_TRUE(HasKey(r, "bot.address.ask_another"));
  Type("Соборна 1");
  r = Press("yes");
  EXPECT_TRUE(HasKey(r, "bot.address.already"));  // the same building, flat and entrance
  EXPECT_TRUE(r.commands.empty());
  Press("m:addr");
  Type("Соборна 1, під'їзд 3");
  r = Press("yes");
  ASSERT_EQ(r.commands.size(), 1u);  // B3: another entrance of the same building
  EXPECT_EQ(r.commands[0].address.entrance, "3");
}

TEST_F(DialogueTest, NumberedRenderingForChannelsWithoutButtons) {
  Registered();
  auto r = Press("m:rate");
  const std::string sms = RenderNumbered(Last(r), messages_);
  EXPECT_NE(sms.find("\n1. КП «Міськводоканал»\n2. КП «Шляхрембуд»\n3. Скасувати"),
            std::string::npos)
      << sms;
  EXPECT_NE(sms.find("Надішліть номер"), std::string::npos);
  r = Type("2");
  EXPECT_EQ(state_.rate_executor_id, "shliakh");
}

TEST_F(DialogueTest, ABrokenStoredStateIsRefused) {
  EXPECT_FALSE(DialogueState::FromJson("").ok());
  EXPECT_FALSE(DialogueState::FromJson("[]").ok());
  EXPECT_FALSE(DialogueState::FromJson("{\"v\":1,\"stage\":\"nowhere\"}").ok());
  EXPECT_FALSE(DialogueState::FromJson("{\"v\":2,\"stage\":\"menu\"}").ok());
  EXPECT_FALSE(
      DialogueState::FromJson("{\"v\":1,\"stage\":\"menu\",\"draft\":{\"location\":[1]}}").ok());
  auto ok = DialogueState::FromJson("{\"v\":1,\"stage\":\"menu\"}");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value().stage, Stage::kMenu);
  for (int i = 0; i <= static_cast<int>(Stage::kFixAnswer); ++i)
    EXPECT_EQ(ParseStage(StageCode(static_cast<Stage>(i))), static_cast<Stage>(i));
}

// Every field through the hand-written JSON and back, with text that needs
// escaping; defaults are left out and read back as defaults.
TEST_F(DialogueTest, TheStateJsonKeepsEveryFieldAndEscapesText) {
  DialogueState s;
  s.stage = Stage::kSummary;
  s.blocked_notice_sent = true;
  s.offered = {{"send", "Надіслати"}, {"x:\"1\"", "back\\slash\ttab"}};
  s.address_purpose = AddressPurpose::kProblem;
  Address a;
  a.registry_id = 42;
  a.city = "Суми";
  a.district = "Ковпаківський";
  a.street = "вулиця Соборна";
  a.house = "12/1";
  a.flat = "5";
  a.entrance = "2";
  a.point = GeoPoint{50.907654321, 34.79812345};
  s.candidates = {AddressChoice{a}, AddressChoice{Address{}}};
  s.address_attempts = 2;
  s.draft.category_id = "roads/pothole";
  s.draft.category_name = "Яма \"на\" дорозі";
  s.draft.address = a;
  s.draft.description = std::string("Рядок 1\nрядок 2 \x01 керівний, лапки \" і \\ кінець");
  s.draft.photos = {FileRef{std::string(64, 'f'), "image/jpeg", 123456, "фото 1.jpg"}};
  s.draft.location = GeoPoint{-0.000001, 179.999999};
  s.category_parent = "roads";
  s.appeal_id = 9007199254740993;  // beyond a double's exact integers
  s.appeal_number = "SU-2026-000001";
  s.rate_executor_id = "vodokanal";
  s.rate_executor_name = "КП «Міськводоканал»";
  s.rate_score = 4;
  s.rate_appeal_id = 7;
  s.fixes = {PendingFix{7, "SU-7", "Замінили\nтрубу"}, PendingFix{8, "SU-8", ""}};
  const std::string json = s.ToJson();
  EXPECT_EQ(json.find('\n'), std::string::npos) << "a newline is escaped";
  auto back = DialogueState::FromJson(json);
  ASSERT_TRUE(back.ok()) << back.refusal().message << "\n" << json;
  const DialogueState& b = back.value();
  EXPECT_EQ(b.stage, Stage::kSummary);
  EXPECT_TRUE(b.blocked_notice_sent);
  ASSERT_EQ(b.offered.size(), 2u);
  EXPECT_EQ(b.offered[1].payload, "x:\"1\"");
  EXPECT_EQ(b.offered[1].label, "back\\slash\ttab");
  EXPECT_EQ(b.address_purpose, AddressPurpose::kProblem);
  ASSERT_EQ(b.candidates.size(), 2u);
  EXPECT_EQ(b.candidates[0].address.registry_id, std::optional<int64_t>(42));
  EXPECT_EQ(b.candidates[0].address.district, "Ковпаківський");
  EXPECT_EQ(b.candidates[0].address.house, "12/1");
  ASSERT_TRUE(b.candidates[0].address.point.has_value());
  EXPECT_EQ(b.candidates[0].address.point->lat, 50.907654321);  // exact, not rounded
  EXPECT_TRUE(b.candidates[1].address.empty());
  EXPECT_EQ(b.address_attempts, 2);
  EXPECT_EQ(b.draft.category_name, "Яма \"на\" дорозі");
  EXPECT_EQ(b.draft.address.flat, "5");
  EXPECT_EQ(b.draft.address.entrance, "2");
  EXPECT_EQ(b.draft.description, s.draft.description);
  ASSERT_EQ(b.draft.photos.size(), 1u);
  EXPECT_EQ(b.draft.photos[0].size, 123456);
  EXPECT_EQ(b.draft.photos[0].name, "фото 1.jpg");
  ASSERT_TRUE(b.draft.location.has_value());
  EXPECT_EQ(b.draft.location->lat, -0.000001);
  EXPECT_EQ(b.draft.location->lon, 179.999999);
  EXPECT_EQ(b.category_parent, "roads");
  EXPECT_EQ(b.appeal_id, 9007199254740993);
  EXPECT_EQ(b.appeal_number, "SU-2026-000001");
  EXPECT_EQ(b.rate_executor_name, "КП «Міськводоканал»");
  EXPECT_EQ(b.rate_score, 4);
  EXPECT_EQ(b.rate_appeal_id, std::optional<int64_t>(7));
  ASSERT_EQ(b.fixes.size(), 2u);
  EXPECT_EQ(b.fixes[0].answer, "Замінили\nтрубу");
  EXPECT_EQ(b.fixes[1].number, "SU-8");
  EXPECT_EQ(b.ToJson(), json);

  // A fresh state is small: only the format and the stage.
  EXPECT_EQ(DialogueState{}.ToJson(), R"({"v":1,"stage":"new"})");
  // A state as the Poco-built writer saved it (every field, defaults too)
  // is read the same.
  auto old = DialogueState::FromJson(
      R"({"address_attempts":0,"address_purpose":"register","appeal_id":0,"appeal_number":"",)"
      R"("candidates":[],"category_parent":"","draft":{"address":{"city":"","district":"",)"
      R"("entrance":"","flat":"","house":"","street":""},"category_id":"","category_name":"",)"
      R"("description":"","photos":[]},"fixes":[],"offered":[{"label":"Так","payload":"yes"}],)"
      R"("rate_executor_id":"","rate_executor_name":"","rate_score":0,"stage":"menu","v":1})");
  ASSERT_TRUE(old.ok()) << old.refusal().message;
  EXPECT_EQ(old.value().stage, Stage::kMenu);
  EXPECT_EQ(old.value().ToJson(),
            R"({"v":1,"stage":"menu","offered":[{"payload":"yes","label":"Так"}]})");
}

TEST_F(DialogueTest, EnglishTextsWork) {
  Messages en(VIKNO_SOURCE_DIR "/config/messages", "en", {},
              [this](const std::string& w) { warnings_.push_back(w); });
  ctx_.messages = &en;
  auto r = Type("hello");
  EXPECT_NE(r.replies[0].text.find("Welcome"), std::string::npos);
  r = Type("yes");  // the English word against the English label's payload
  EXPECT_EQ(r.commands.size(), 1u) << Keys(r);
}

}  // namespace
}  // namespace vikno::conversation
