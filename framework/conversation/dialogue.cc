#include "conversation/dialogue.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "conversation/utf8.h"
#include "rules/text.h"

namespace vikno::conversation {
namespace {

using Params = std::map<std::string, std::string>;

// Payloads. Short (Telegram allows 64 bytes) and stable: a button pressed
// after a restart, or typed as its number on SMS, still means the same.
constexpr const char* kYes = "yes";
constexpr const char* kNo = "no";
constexpr const char* kAgree = "agree";
constexpr const char* kDecline = "decline";
constexpr const char* kMenu = "menu";
constexpr const char* kBack = "back";
constexpr const char* kSkip = "skip";
constexpr const char* kSend = "send";
constexpr const char* kCancel = "cancel";
constexpr const char* kOther = "other";
constexpr const char* kNone = "none";
constexpr const char* kLocationPayload = "loc";
// The summary's extras (R5: photo and location are optional, so they are
// offered on the summary instead of being two questions every resident had
// to skip).
constexpr const char* kAddPhoto = "add:photo";
constexpr const char* kAddLocation = "add:loc";
constexpr const char* kReport = "m:report";
constexpr const char* kAppealsItem = "m:appeals";
constexpr const char* kOutages = "m:outages";
constexpr const char* kDirectory = "m:dir";
constexpr const char* kRate = "m:rate";
constexpr const char* kAddAddress = "m:addr";
constexpr size_t kMaxPayloadBytes = 64;
constexpr size_t kMaxListedAppeals = 10;

bool StartsWith(const std::string& s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

std::optional<int64_t> ParseId(const std::string& s, std::string_view prefix) {
  if (!StartsWith(s, prefix) || s.size() == prefix.size() || s.size() - prefix.size() > 18)
    return {};
  int64_t v = 0;
  for (size_t i = prefix.size(); i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return {};
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

size_t Letters(std::string_view text) {
  size_t n = 0;
  for (const auto& w : rules::Words(text)) n += CodePoints(w);
  return n;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Words meaning yes/no typed instead of a button ("так", "ні", "+"...).
bool IsYesWord(const std::string& folded) {
  static const std::set<std::string> kWords = {
      "так",    "да",         "yes",        "y",           "ок",        "ok",
      "ага",    "угу",        "звісно",     "вірно",       "правильно", "згоден",
      "згодна", "погоджуюся", "погоджуюсь", "підтверджую", "+"};
  return kWords.count(folded) > 0;
}
bool IsNoWord(const std::string& folded) {
  static const std::set<std::string> kWords = {"ні", "нi",          "нет",     "no", "n",
                                               "не", "неправильно", "невірно", "-"};
  return kWords.count(folded) > 0;
}
// A greeting or thanks typed at the main menu is not a problem's description.
bool IsSmallTalk(const std::string& folded) {
  static const std::set<std::string> kWords = {
      "привіт",        "вітаю",         "добрий день",  "доброго дня", "добрий вечір",
      "доброго вечора", "доброго ранку", "добрий ранок", "здрастуйте",  "здравствуйте",
      "дякую",         "спасибі",       "дуже дякую",   "hello",       "hi",
      "thanks",        "thank you"};
  return kWords.count(folded) > 0;
}
bool IsMenuWord(const std::string& folded) {
  static const std::set<std::string> kWords = {"меню",   "головне меню", "menu",   "start",
                                               "/start", "/menu",        "почати", "на початок"};
  return kWords.count(folded) > 0;
}

// The stages where any typed text is content (an address, a description, a
// comment): a lone "2" there is text, not the second button.
bool FreeTextStage(Stage s) {
  return s == Stage::kAddress || s == Stage::kDescription || s == Stage::kRateComment;
}

bool RegistrationStage(const DialogueState& s) {
  return s.stage == Stage::kNew || s.stage == Stage::kConsent ||
         ((s.stage == Stage::kAddress || s.stage == Stage::kAddressConfirm) &&
          s.address_purpose == AddressPurpose::kRegister);
}

// The dialogue's working state for one call.
class Machine {
 public:
  Machine(const DialogueState& state, const Context& context)
      : s_(state), c_(context), m_(*context.messages) {}

  StepResult Finish() {
    return StepResult{std::move(s_), std::move(replies_), std::move(commands_)};
  }

  // --- Entry points -------------------------------------------------------

  void OnMessage(const Inbound& in) {
    if (c_.blocked) {  // R30: one polite refusal, then silence
      if (!s_.blocked_notice_sent) {
        Say("bot.blocked");
        s_.blocked_notice_sent = true;
      }
      return;
    }
    const bool only_contact =
        in.contact_phone && in.text.empty() && !in.button && !in.location && in.files.empty();
    if (in.contact_phone) {
      Command cmd;
      cmd.kind = Command::Kind::kSavePhone;
      cmd.phone = *in.contact_phone;
      commands_.push_back(std::move(cmd));
      Say("bot.contact.saved");
      if (only_contact && s_.stage != Stage::kNew) {
        Prompt();
        return;
      }
    }
    if (s_.stage == Stage::kNew) {
      FirstContact();
      return;
    }
    const std::optional<std::string> choice = Resolve(in);
    const std::string folded = rules::Normalize(in.text);
    if (!RegistrationStage(s_) &&
        ((choice && *choice == kMenu) || (!choice && IsMenuWord(folded)))) {
      if (s_.stage == Stage::kFixAnswer && !s_.fixes.empty()) s_.fixes.erase(s_.fixes.begin());
      ShowMenu();
      return;
    }
    switch (s_.stage) {
      case Stage::kNew:
        FirstContact();
        break;
      case Stage::kConsent:
        OnConsent(choice);
        break;
      case Stage::kAddress:
        OnAddress(in);
        break;
      case Stage::kAddressConfirm:
        OnAddressConfirm(in, choice);
        break;
      case Stage::kMenu:
        OnMenu(in, choice);
        break;
      case Stage::kCategory:
        OnCategory(in, choice);
        break;
      case Stage::kProblemAddress:
        OnProblemAddress(in, choice);
        break;
      case Stage::kDescription:
        OnDescription(in);
        break;
      case Stage::kPhoto:
        OnPhoto(in, choice);
        break;
      case Stage::kLocation:
        OnLocation(in, choice);
        break;
      case Stage::kSummary:
        OnSummary(in, choice);
        break;
      case Stage::kAppeals:
        OnAppeals(choice);
        break;
      case Stage::kCancelConfirm:
        OnCancelConfirm(choice);
        break;
      case Stage::kRateService:
        OnRateService(choice);
        break;
      case Stage::kRateScore:
        OnRateScore(in, choice);
        break;
      case Stage::kRateComment:
        OnRateComment(in, choice);
        break;
      case Stage::kFixAnswer:
        OnFixAnswer(choice);
        break;
    }
  }

  void OnReport(const Command& cmd, const CommandOutcome& out) {
    switch (cmd.kind) {
      case Command::Kind::kCreateAppeal:
        if (out.ok) {
          s_.draft = AppealDraft{};
          // The number (R5) and "another problem?" (R6: one conversation,
          // several problems; each is its own appeal) in ONE message: one
          // outbox row and one send per appeal fewer (issue 4's intake rate).
          s_.stage = Stage::kMenu;
          Reply& r = Say("appeal.registered", {{"number", out.appeal_number}});
          Append(r, "bot.report.another");
          Offer(r, {Button("bot.report.another_button", kReport),
                    Button("bot.menu.back_to_menu", kMenu)});
        } else {
          Say("bot.report.failed", {{"reason", RefusalText(out.refusal_code)}});
          s_.stage = Stage::kSummary;  // the draft is kept: nothing the resident wrote is lost
          Prompt();
        }
        break;
      case Command::Kind::kCancelAppeal:
        if (out.ok) {
          Say("bot.appeals.cancelled", {{"number", cmd.appeal_number}});
        } else {
          Say("bot.appeals.cancel_failed",
              {{"number", cmd.appeal_number}, {"reason", RefusalText(out.refusal_code)}});
        }
        ShowMenu();
        break;
      case Command::Kind::kConfirmFix:
        // This question is answered (or failed for good): the next may come.
        s_.fixes.erase(
            std::remove_if(s_.fixes.begin(), s_.fixes.end(),
                           [&](const PendingFix& f) { return f.appeal_id == cmd.appeal_id; }),
            s_.fixes.end());
        if (!out.ok) {
          Say("bot.fix.failed",
              {{"number", cmd.appeal_number}, {"reason", RefusalText(out.refusal_code)}});
          NextFixOrMenu();
        } else if (cmd.fixed) {
          Say("bot.fix.thanks_yes", {{"number", cmd.appeal_number}});
          if (!out.executor_id.empty()) {
            // B4: the rating is asked at the moment of confirmation.
            s_.rate_executor_id = out.executor_id;
            s_.rate_executor_name = out.executor_name.empty() ? out.executor_id : out.executor_name;
            s_.rate_appeal_id = cmd.appeal_id;
            s_.stage = Stage::kRateScore;
            Prompt();
          } else {
            NextFixOrMenu();
          }
        } else {
          Say("bot.fix.thanks_no", {{"number", cmd.appeal_number}});
          NextFixOrMenu();
        }
        break;
      case Command::Kind::kRate:
        if (out.ok) {
          Say("bot.rate.thanks");
        } else {
          Say("bot.rate.failed", {{"reason", RefusalText(out.refusal_code)}});
        }
        s_.rate_appeal_id.reset();
        NextFixOrMenu();
        break;
      case Command::Kind::kRecordConsent:
      case Command::Kind::kSaveAddress:
      case Command::Kind::kSavePhone:
        // Step already told the resident; a store failure is an exception
        // the host handles (the state is then not saved and the message is
        // processed again).
        break;
    }
  }

  void OnAskFixed(int64_t appeal_id, const std::string& number, const std::string& answer) {
    if (c_.blocked) return;  // R30: nothing but the one refusal
    for (const auto& f : s_.fixes)
      if (f.appeal_id == appeal_id) return;  // already asked or queued
    s_.fixes.push_back(PendingFix{appeal_id, number, answer});
    // Ask now unless another question is on screen or the resident is still
    // registering (then it is asked once the menu is reached).
    if (s_.stage == Stage::kFixAnswer || RegistrationStage(s_)) return;
    s_.stage = Stage::kFixAnswer;
    Prompt();
  }

 private:
  // --- Replies ------------------------------------------------------------

  Reply& Say(const std::string& key, const Params& params = {}) {
    Reply r;
    r.keys.push_back(key);
    r.text = m_.Get(key, params);
    replies_.push_back(std::move(r));
    return replies_.back();
  }
  void Append(Reply& r, const std::string& key, const Params& params = {}) {
    r.keys.push_back(key);
    r.text += "\n" + m_.Get(key, params);
  }
  void AppendLiteral(Reply& r, const std::string& text) { r.text += "\n" + text; }

  ReplyButton Button(const std::string& key, std::string payload, const Params& params = {}) {
    return ReplyButton{m_.Get(key, params), std::move(payload), ReplyButton::Kind::kReply};
  }
  static ReplyButton Literal(std::string label, std::string payload) {
    return ReplyButton{std::move(label), std::move(payload), ReplyButton::Kind::kReply};
  }
  // Attaches buttons to the reply and remembers them for "2" or a typed label.
  void Offer(Reply& r, std::vector<ReplyButton> buttons) {
    s_.offered.clear();
    for (const auto& b : buttons)
      if (b.kind == ReplyButton::Kind::kReply)
        s_.offered.push_back(conversation::Offer{b.payload, b.label});
    r.buttons = std::move(buttons);
  }
  void NoOffers() { s_.offered.clear(); }

  std::string RefusalText(const std::string& code) {
    const std::string key = "refusal." + code;
    return m_.Has(key) ? m_.Get(key) : m_.Get("bot.failure_generic");
  }

  // The payload the resident chose: a pressed button, a number of the last
  // prompt's buttons (not in free-text stages), a label typed as text, or a
  // yes/no word when the prompt offered yes/no-like buttons.
  std::optional<std::string> Resolve(const Inbound& in) const {
    if (in.button) return *in.button;
    const std::string text = Trim(in.text);
    if (text.empty()) return {};
    if (!FreeTextStage(s_.stage) && text.size() <= 3 &&
        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      size_t n = std::stoul(text);
      if (n >= 1 && n <= s_.offered.size()) return s_.offered[n - 1].payload;
    }
    const std::string folded = rules::Normalize(text);
    if (folded.empty()) return {};
    for (const auto& o : s_.offered)
      if (rules::Normalize(o.label) == folded) return o.payload;
    auto offered = [&](const char* payload) {
      return std::any_of(s_.offered.begin(), s_.offered.end(),
                         [&](const conversation::Offer& o) { return o.payload == payload; });
    };
    if (IsYesWord(folded) || text == "+")
      for (const char* p : {kYes, kAgree, kSend})
        if (offered(p)) return std::string(p);
    if (IsNoWord(folded) || text == "-")
      for (const char* p : {kNo, kDecline, kNone})
        if (offered(p)) return std::string(p);
    return {};
  }

  void NotUnderstood() {
    Say("bot.not_understood");
    Prompt();
  }

  // The current stage's question with its buttons.
  void Prompt() {
    switch (s_.stage) {
      case Stage::kNew:
      case Stage::kConsent: {
        Reply& r = Say("bot.consent.question");
        Offer(r, {Button("bot.consent.agree", kAgree), Button("bot.consent.decline", kDecline)});
        break;
      }
      case Stage::kAddress:
        PromptAddress();
        break;
      case Stage::kAddressConfirm:
        PromptCandidates();
        break;
      case Stage::kMenu:
        PromptMenu();
        break;
      case Stage::kCategory:
        PromptCategory();
        break;
      case Stage::kProblemAddress:
        PromptProblemAddress();
        break;
      case Stage::kDescription: {
        Reply& r = Say("bot.report.description");
        Offer(r, {Button("bot.common.cancel", kMenu)});
        break;
      }
      case Stage::kPhoto: {  // asked from the summary: "back" returns to it
        Reply& r = Say("bot.report.photo");
        Offer(r, {Button("bot.common.back", kBack), Button("bot.common.cancel", kMenu)});
        break;
      }
      case Stage::kLocation: {  // asked from the summary: "back" returns to it
        Reply& r = Say("bot.report.location");
        r.reply_keyboard = true;
        Offer(r, {ReplyButton{m_.Get("bot.report.send_location"), kLocationPayload,
                              ReplyButton::Kind::kRequestLocation},
                  Button("bot.common.back", kBack), Button("bot.common.cancel", kMenu)});
        break;
      }
      case Stage::kSummary:
        PromptSummary();
        break;
      case Stage::kAppeals:
        PromptAppeals();
        break;
      case Stage::kCancelConfirm: {
        Reply& r = Say("bot.appeals.confirm_cancel", {{"number", s_.appeal_number}});
        Offer(r, {Button("bot.common.yes", kYes), Button("bot.common.no", kNo)});
        break;
      }
      case Stage::kRateService:
        PromptRateService();
        break;
      case Stage::kRateScore: {
        Reply& r = Say("bot.rate.score", {{"executor", s_.rate_executor_name}});
        std::vector<ReplyButton> b;
        for (int i = 1; i <= 5; ++i)
          b.push_back(Literal(std::to_string(i), "s:" + std::to_string(i)));
        Offer(r, std::move(b));
        break;
      }
      case Stage::kRateComment: {
        Reply& r = Say("bot.rate.comment");
        Offer(r, {Button("bot.common.skip", kSkip)});
        break;
      }
      case Stage::kFixAnswer: {
        if (s_.fixes.empty()) {  // nothing to ask (a stale state): the menu
          s_.stage = Stage::kMenu;
          PromptMenu();
          break;
        }
        const PendingFix& f = s_.fixes.front();
        Reply& r = Say("bot.fix.question", {{"number", f.number}});
        if (!f.answer.empty()) Append(r, "bot.fix.answer", {{"answer", f.answer}});
        Offer(r, {Button("bot.fix.yes", kYes), Button("bot.fix.no", kNo)});
        break;
      }
    }
  }

  // --- First contact, consent, address (R31, R3) ----------------------------

  void FirstContact() {
    Reply& r = Say("bot.greeting");
    (void)r;
    if (!c_.consent_given) {
      Say("privacy.notice", {{"years", std::to_string(c_.retention_years)}});
      s_.stage = Stage::kConsent;
      Prompt();
      return;
    }
    AfterConsent();
  }

  void AfterConsent() {
    if (!c_.addresses.empty()) {
      ShowMenu();
      return;
    }
    s_.address_purpose = AddressPurpose::kRegister;
    s_.address_attempts = 0;
    s_.stage = Stage::kAddress;
    Prompt();
  }

  void OnConsent(const std::optional<std::string>& choice) {
    if (choice && *choice == kAgree) {
      Command cmd;
      cmd.kind = Command::Kind::kRecordConsent;
      cmd.consent_version = c_.consent_version;
      commands_.push_back(std::move(cmd));
      AfterConsent();
    } else if (choice && *choice == kDecline) {
      Reply& r = Say("bot.consent.declined");
      Offer(r, {Button("bot.consent.agree", kAgree)});
      // Directory and outages need no personal data, but the bot's first
      // duty is the address (000 §3.1); until consent, only the question.
    } else {
      Say("bot.not_understood");
      Say("privacy.notice", {{"years", std::to_string(c_.retention_years)}});
      Prompt();
    }
  }

  void PromptAddress() {
    const char* key = s_.address_purpose == AddressPurpose::kRegister ? "bot.address.ask"
                      : s_.address_purpose == AddressPurpose::kAddAnother
                          ? "bot.address.ask_another"
                          : "bot.address.ask_problem";
    Reply& r = Say(key);
    if (s_.address_purpose == AddressPurpose::kRegister) {
      NoOffers();
    } else {
      Offer(r, {Button("bot.common.cancel", kMenu)});
    }
  }

  void OnAddress(const Inbound& in) {
    if (s_.address_purpose == AddressPurpose::kProblem && in.location) {
      // A pothole has no house number: the point on the map is the address (R5).
      s_.draft.location = in.location;
      s_.draft.address = Address{};
      AfterProblemAddress();
      return;
    }
    const std::string text = Trim(in.text);
    if (text.empty() || Letters(text) == 0) {
      NotUnderstood();
      return;
    }
    ++s_.address_attempts;
    if (c_.matcher == nullptr || c_.matcher->building_count() == 0) {
      // A city without a registry: the address is kept as the resident wrote it.
      Address a;
      a.street = text;
      s_.candidates = {AddressChoice{a}};
      s_.stage = Stage::kAddressConfirm;
      Prompt();
      return;
    }
    MatchResult m = c_.matcher->Match(text, kMaxCandidates);
    if (!m.candidates.empty()) {
      s_.candidates.clear();
      for (const auto& cand : m.candidates) {
        Address a;
        a.registry_id = cand.building.id;
        a.city = cand.building.city;
        a.district = cand.building.district;
        a.street = cand.building.street;
        a.house = cand.building.house;
        a.point = cand.building.point;
        a.flat = m.parsed.flat;
        a.entrance = m.parsed.entrance;
        s_.candidates.push_back(AddressChoice{std::move(a)});
      }
      s_.stage = Stage::kAddressConfirm;
      Prompt();
      return;
    }
    Reply* r = nullptr;
    if (!m.streets_without_house.empty() && m.parsed.house.empty()) {
      r = &Say("bot.address.house_missing", {{"street", m.streets_without_house.front()}});
    } else if (!m.streets_without_house.empty()) {
      r = &Say("bot.address.house_not_found",
               {{"street", m.streets_without_house.front()}, {"house", m.parsed.house}});
    } else {
      r = &Say("bot.address.not_found");
    }
    if (s_.address_attempts >= 3) Append(*r, "bot.address.hint_hotline");
    if (s_.address_purpose != AddressPurpose::kRegister)
      Offer(*r, {Button("bot.common.cancel", kMenu)});
  }

  void PromptCandidates() {
    if (s_.candidates.size() == 1) {
      Reply& r = Say("bot.address.confirm_one",
                     {{"address", FormatAddress(s_.candidates[0].address, m_)}});
      Offer(r, {Button("bot.common.yes", kYes), Button("bot.common.no", kNo)});
      return;
    }
    Reply& r = Say("bot.address.choose");
    std::vector<ReplyButton> b;
    for (size_t i = 0; i < s_.candidates.size(); ++i)
      b.push_back(Literal(FormatAddress(s_.candidates[i].address, m_), "a:" + std::to_string(i)));
    b.push_back(Button("bot.address.none_of_these", kNone));
    Offer(r, std::move(b));
  }

  void OnAddressConfirm(const Inbound& in, const std::optional<std::string>& choice) {
    if (choice) {
      if (*choice == kYes && s_.candidates.size() == 1)
        return AcceptAddress(s_.candidates[0].address);
      if (auto i = ParseId(*choice, "a:"); i && *i < static_cast<int64_t>(s_.candidates.size()))
        return AcceptAddress(s_.candidates[*i].address);
      if (*choice == kNo || *choice == kNone) {
        s_.candidates.clear();
        s_.stage = Stage::kAddress;
        Reply& r = Say("bot.address.retry");
        if (s_.address_purpose == AddressPurpose::kRegister) {
          NoOffers();
        } else {
          Offer(r, {Button("bot.common.cancel", kMenu)});
        }
        return;
      }
    }
    if (!Trim(in.text).empty() && Letters(in.text) > 0 && !choice) {
      // The resident typed the address again instead of answering: match it.
      s_.stage = Stage::kAddress;
      OnAddress(in);
      return;
    }
    NotUnderstood();
  }

  void AcceptAddress(Address a) {  // by value: the candidates it may come from are cleared
    s_.candidates.clear();
    s_.address_attempts = 0;
    if (s_.address_purpose == AddressPurpose::kProblem) {
      s_.draft.address = a;
      AfterProblemAddress();
      return;
    }
    for (const auto& saved : c_.addresses) {
      if (saved.registry_id == a.registry_id && saved.street == a.street &&
          saved.house == a.house && saved.flat == a.flat && saved.entrance == a.entrance) {
        Say("bot.address.already", {{"address", FormatAddress(a, m_)}});
        ShowMenu();
        return;
      }
    }
    Command cmd;
    cmd.kind = Command::Kind::kSaveAddress;
    cmd.address = a;
    commands_.push_back(std::move(cmd));
    // 000 §3.2: "the user receives a message about successful registration".
    Say("bot.address.saved", {{"address", FormatAddress(a, m_)}});
    ShowMenu();
  }

  // --- Main menu ---------------------------------------------------------

  void ShowMenu() {
    s_.stage = Stage::kMenu;
    s_.candidates.clear();
    s_.category_parent.clear();
    // A "fixed?" question that came while the resident was busy is asked now.
    if (!s_.fixes.empty()) {
      s_.stage = Stage::kFixAnswer;
      Prompt();
      return;
    }
    PromptMenu();
  }

  // The menu, or the next queued "fixed?" question (ShowMenu asks it first).
  void NextFixOrMenu() { ShowMenu(); }

  void PromptMenu() {
    // The prompt says the resident may just write the problem (OnMenu).
    Reply& r = Say("bot.menu.prompt");
    Offer(r, {Button("bot.menu.report", kReport), Button("bot.menu.appeals", kAppealsItem),
              Button("bot.menu.outages", kOutages), Button("bot.menu.directory", kDirectory),
              Button("bot.menu.rate", kRate), Button("bot.menu.add_address", kAddAddress)});
  }

  void OnMenu(const Inbound& in, const std::optional<std::string>& choice) {
    if (!choice) return OnMenuFreeText(in);
    const std::string& c = *choice;
    if (c == kReport) return StartReport();
    if (c == kAppealsItem) {
      s_.stage = Stage::kAppeals;
      return Prompt();
    }
    if (c == kOutages) return ShowOutages();
    if (c == kDirectory) return ShowDirectory();
    if (c == kRate) {
      s_.stage = Stage::kRateService;
      s_.rate_appeal_id.reset();
      return Prompt();
    }
    if (c == kAddAddress) {
      s_.address_purpose = AddressPurpose::kAddAnother;
      s_.address_attempts = 0;
      s_.stage = Stage::kAddress;
      return Prompt();
    }
    NotUnderstood();
  }

  // Words typed at the menu (not a menu command) are a problem being
  // reported: the shortest path the best city bots offer, "write what is
  // wrong, press send" (R5: the rules classify the words, as when they are
  // typed at the category menu). A photo or a location sent at the menu
  // starts a report too. One word or a greeting is not a description.
  void OnMenuFreeText(const Inbound& in) {
    const std::string text = Trim(in.text);
    const std::string folded = rules::Normalize(text);
    const bool attachments = !in.files.empty() || in.location.has_value();
    if (!attachments && !text.empty() && IsSmallTalk(folded)) return PromptMenu();
    const bool words = rules::Words(text).size() >= 2 &&
                       Letters(text) >= kMinDescriptionLetters &&
                       text.size() <= kMaxDescriptionBytes;
    if (!words && !attachments) {
      if (!in.file_refusal.empty()) Say("refusal." + in.file_refusal);
      return NotUnderstood();
    }
    // A photo or a point is never dropped: with a one-word caption the
    // report starts and the description is asked.
    s_.draft = AppealDraft{};
    s_.category_parent.clear();
    if (words) s_.draft.description = text;
    AddFiles(in);
    if (in.location) s_.draft.location = in.location;
    GoToProblemAddress();
  }

  void ShowOutages() {
    if (c_.addresses.empty()) {
      Say("bot.outages.no_address");
    } else if (c_.OutageList().empty()) {
      Say("bot.outages.none");
    } else {
      Reply& r = Say("bot.outages.header");
      for (const auto& o : c_.OutageList())
        Append(r, "bot.outages.item",
               {{"kind", m_.Get(o.kind == EventKind::kEmergency ? "bot.outages.emergency"
                                                                : "bot.outages.planned")},
                {"address", o.address},
                {"reason", o.reason},
                {"period", o.period},
                {"executor", o.executor_name}});
    }
    PromptMenu();
  }

  void ShowDirectory() {
    std::vector<const Executor*> listed;
    for (const auto& e : c_.Directory())
      if (e.active && !e.phone.empty()) listed.push_back(&e);
    if (listed.empty()) {
      Say("bot.directory.none");
    } else {
      Reply& r = Say("bot.directory.header");
      for (const Executor* e : listed)
        Append(r, "bot.directory.item", {{"name", e->name}, {"phone", e->phone}});
    }
    PromptMenu();
  }

  // --- Report a problem (R5, R6) ----------------------------------------------

  void StartReport() {
    s_.draft = AppealDraft{};
    s_.category_parent.clear();
    if (c_.categories.empty()) {
      s_.stage = Stage::kDescription;  // no tree: the rules classify the words
      GoToProblemAddress();
      return;
    }
    s_.stage = Stage::kCategory;
    Prompt();
  }

  std::vector<const Category*> Children(const std::string& parent) const {
    std::vector<const Category*> out;
    for (const auto& cat : c_.categories)
      if (cat.parent_id == parent) out.push_back(&cat);
    return out;
  }
  const Category* FindCategory(const std::string& id) const {
    for (const auto& cat : c_.categories)
      if (cat.id == id) return &cat;
    return nullptr;
  }
  // "c:<id>", or the position among the level's children when the id is too
  // long for a button's payload.
  static std::string CategoryPayload(const Category& cat, size_t index) {
    std::string p = "c:" + cat.id;
    return p.size() <= kMaxPayloadBytes ? p : "c#" + std::to_string(index);
  }

  void PromptCategory() {
    auto kids = Children(s_.category_parent);
    const Category* parent = FindCategory(s_.category_parent);
    if (kids.empty()) {  // a stale level (the tree changed): start from the top
      s_.category_parent.clear();
      kids = Children("");
      parent = nullptr;
    }
    Reply& r = parent ? Say("bot.report.subcategory", {{"category", parent->name}})
                      : Say("bot.report.category");
    std::vector<ReplyButton> b;
    for (size_t i = 0; i < kids.size(); ++i)
      b.push_back(Literal(kids[i]->name, CategoryPayload(*kids[i], i)));
    if (parent) b.push_back(Button("bot.common.back", kBack));
    b.push_back(Button("bot.common.cancel", kMenu));
    Offer(r, std::move(b));
  }

  void OnCategory(const Inbound& in, const std::optional<std::string>& choice) {
    if (choice) {
      const Category* chosen = nullptr;
      if (StartsWith(*choice, "c:")) {
        chosen = FindCategory(choice->substr(2));
      } else if (auto i = ParseId(*choice, "c#")) {
        auto kids = Children(s_.category_parent);
        if (*i < static_cast<int64_t>(kids.size())) chosen = kids[*i];
      } else if (*choice == kBack) {
        const Category* parent = FindCategory(s_.category_parent);
        s_.category_parent = parent ? parent->parent_id : "";
        return Prompt();
      }
      if (chosen) {
        if (!Children(chosen->id).empty()) {
          s_.category_parent = chosen->id;
          return Prompt();
        }
        s_.draft.category_id = chosen->id;
        s_.draft.category_name = chosen->name;
        return GoToProblemAddress();
      }
    }
    // Words instead of a category: they are the description, and the city's
    // rules classify them (DESIGN: classify by text). Not a dead end.
    const std::string text = Trim(in.text);
    if (!choice && Letters(text) >= kMinDescriptionLetters && text.size() <= kMaxDescriptionBytes) {
      s_.draft.description = text;
      AddFiles(in);
      if (in.location) s_.draft.location = in.location;
      return GoToProblemAddress();
    }
    NotUnderstood();
  }

  // The problem's address: the only registered one is taken without a
  // question (shown on the summary, "Інша адреса" changes it); with several
  // the resident chooses; with none it is typed (or a point sent).
  void GoToProblemAddress() {
    if (c_.addresses.size() == 1) {
      s_.draft.address = c_.addresses.front();  // with its flat and entrance (R5, B3)
      return AfterProblemAddress();
    }
    ChooseProblemAddress();
  }

  void ChooseProblemAddress() {
    if (c_.addresses.empty()) {
      s_.address_purpose = AddressPurpose::kProblem;
      s_.address_attempts = 0;
      s_.stage = Stage::kAddress;
      return Prompt();
    }
    s_.stage = Stage::kProblemAddress;
    Prompt();
  }

  void PromptProblemAddress() {
    // The resident's saved addresses, snapshotted into the state so that the
    // answer means what was shown even if the list changes meanwhile.
    s_.candidates.clear();
    for (const auto& a : c_.addresses) s_.candidates.push_back(AddressChoice{a});
    Reply& r = Say("bot.report.address");
    std::vector<ReplyButton> b;
    for (size_t i = 0; i < s_.candidates.size(); ++i)
      b.push_back(Literal(FormatAddress(s_.candidates[i].address, m_), "pa:" + std::to_string(i)));
    b.push_back(Button("bot.report.other_address", kOther));
    b.push_back(Button("bot.common.cancel", kMenu));
    Offer(r, std::move(b));
  }

  void OnProblemAddress(const Inbound& in, const std::optional<std::string>& choice) {
    if (in.location && !choice) {
      s_.draft.location = in.location;
      s_.draft.address = Address{};
      return AfterProblemAddress();
    }
    if (choice) {
      if (auto i = ParseId(*choice, "pa:"); i && *i < static_cast<int64_t>(s_.candidates.size())) {
        s_.draft.address = s_.candidates[*i].address;
        s_.candidates.clear();
        return AfterProblemAddress();
      }
      if (*choice == kOther) {
        s_.candidates.clear();
        s_.address_purpose = AddressPurpose::kProblem;
        s_.address_attempts = 0;
        s_.stage = Stage::kAddress;
        return Prompt();
      }
    }
    // An address typed instead of a button: match it as "another address".
    if (!choice && Letters(in.text) > 0) {
      s_.candidates.clear();
      s_.address_purpose = AddressPurpose::kProblem;
      s_.address_attempts = 0;
      s_.stage = Stage::kAddress;
      return OnAddress(in);
    }
    NotUnderstood();
  }

  void AfterProblemAddress() {
    s_.candidates.clear();
    s_.stage = s_.draft.description.empty() ? Stage::kDescription : Stage::kSummary;
    Prompt();
  }

  // Stores the message's files as photos, within the limit; says so when a
  // file was refused or the limit reached. Returns how many were added.
  size_t AddFiles(const Inbound& in) {
    size_t added = 0;
    for (const auto& f : in.files) {
      if (s_.draft.photos.size() >= kMaxPhotos) {
        Say("bot.report.photo_limit", {{"max", std::to_string(kMaxPhotos)}});
        break;
      }
      s_.draft.photos.push_back(f);
      ++added;
    }
    if (!in.file_refusal.empty()) Say("refusal." + in.file_refusal);
    return added;
  }

  void OnDescription(const Inbound& in) {
    const std::string text = Trim(in.text);
    if (in.location) s_.draft.location = in.location;
    AddFiles(in);
    if (text.empty()) {
      // A photo or a location without words: kept; the words are still needed.
      if (!in.files.empty() || in.location || !in.file_refusal.empty()) {
        Prompt();
      } else {
        NotUnderstood();
      }
      return;
    }
    if (text.size() > kMaxDescriptionBytes) {
      Say("bot.report.description_too_long", {{"max", std::to_string(kMaxDescriptionBytes / 2)}});
      return Prompt();
    }
    if (Letters(text) < kMinDescriptionLetters) {
      Say("bot.report.description_too_short");
      return Prompt();
    }
    s_.draft.description = text;
    s_.stage = Stage::kSummary;
    Prompt();
  }

  // A photo or a location that came while the summary (or its "add photo" /
  // "add location" question) was shown: attached, then the summary again.
  // Returns false when the message carried neither.
  bool AttachToDraft(const Inbound& in) {
    if (in.files.empty() && in.file_refusal.empty() && !in.location) return false;
    if (in.location) s_.draft.location = in.location;
    if (AddFiles(in) > 0)
      Say("bot.report.photo_added", {{"count", std::to_string(s_.draft.photos.size())}});
    s_.stage = Stage::kSummary;
    Prompt();
    return true;
  }

  // kPhoto and kLocation are asked from the summary. A state saved by the
  // dialogue before the summary offered them (photo, then location, each
  // with "skip") continues here too: its "skip" returns to the summary.
  void OnPhoto(const Inbound& in, const std::optional<std::string>& choice) {
    if (AttachToDraft(in)) return;
    if (choice && (*choice == kSkip || *choice == kBack)) {
      s_.stage = Stage::kSummary;
      return Prompt();
    }
    NotUnderstood();
  }

  void OnLocation(const Inbound& in, const std::optional<std::string>& choice) {
    if (AttachToDraft(in)) return;
    if (choice && (*choice == kSkip || *choice == kBack)) {
      s_.stage = Stage::kSummary;
      return Prompt();
    }
    NotUnderstood();
  }

  void PromptSummary() {
    const AppealDraft& d = s_.draft;
    std::string address = d.address.empty() ? m_.Get(d.location ? "bot.report.address_on_map"
                                                                : "bot.report.address_none")
                                            : FormatAddress(d.address, m_);
    Reply& r = Say(
        "bot.report.summary",
        {{"category",
          d.category_name.empty() ? m_.Get("bot.report.category_auto") : d.category_name},
         {"address", address},
         {"description", d.description},
         {"photos", std::to_string(d.photos.size())},
         {"location", m_.Get(d.location ? "bot.report.location_yes" : "bot.report.location_no")}});
    std::vector<ReplyButton> b = {Button("bot.report.send", kSend)};
    if (d.photos.size() < kMaxPhotos) b.push_back(Button("bot.report.add_photo", kAddPhoto));
    b.push_back(Button(d.location ? "bot.report.change_location" : "bot.report.add_location",
                       kAddLocation));
    b.push_back(Button("bot.report.other_address", kOther));
    b.push_back(Button("bot.common.cancel", kCancel));
    Offer(r, std::move(b));
  }

  void OnSummary(const Inbound& in, const std::optional<std::string>& choice) {
    if (!choice && AttachToDraft(in)) return;
    if (choice && *choice == kAddPhoto) {
      s_.stage = Stage::kPhoto;
      return Prompt();
    }
    if (choice && *choice == kAddLocation) {
      s_.stage = Stage::kLocation;
      return Prompt();
    }
    if (choice && *choice == kOther) return ChooseProblemAddress();
    if (choice && *choice == kSend) {
      Command cmd;
      cmd.kind = Command::Kind::kCreateAppeal;
      cmd.draft = s_.draft;
      commands_.push_back(std::move(cmd));
      // The draft stays until Report() hears the appeal was created: a
      // refusal brings the resident back here with nothing lost.
      s_.stage = Stage::kMenu;
      NoOffers();
      return;
    }
    if (choice && (*choice == kCancel || *choice == kNo)) {
      s_.draft = AppealDraft{};
      Say("bot.report.cancelled");
      return ShowMenu();
    }
    NotUnderstood();
  }

  // --- My appeals (R7) ---------------------------------------------------------

  void PromptAppeals() {
    if (c_.AppealList().empty()) {
      Say("bot.appeals.none");
      s_.stage = Stage::kMenu;
      return PromptMenu();
    }
    Reply& r = Say("bot.appeals.header");
    std::vector<ReplyButton> b;
    size_t shown = 0;
    for (const auto& a : c_.AppealList()) {
      if (shown++ == kMaxListedAppeals) break;
      Append(r, "bot.appeals.item",
             {{"number", a.number},
              {"category",
               a.category_name.empty() ? m_.Get("bot.appeals.no_category") : a.category_name},
              {"address", a.address.empty() ? m_.Get("bot.report.address_none") : a.address},
              {"status", m_.Get("status." + std::string(StatusCode(a.status)))}});
      if (a.can_cancel)
        b.push_back(Button("bot.appeals.cancel_button", "x:" + std::to_string(a.id),
                           {{"number", a.number}}));
    }
    b.push_back(Button("bot.menu.back_to_menu", kMenu));
    Offer(r, std::move(b));
  }

  void OnAppeals(const std::optional<std::string>& choice) {
    if (choice) {
      if (auto id = ParseId(*choice, "x:")) {
        for (const auto& a : c_.AppealList()) {
          if (a.id != *id) continue;
          if (!a.can_cancel) break;
          s_.appeal_id = a.id;
          s_.appeal_number = a.number;
          s_.stage = Stage::kCancelConfirm;
          return Prompt();
        }
        Say("bot.appeals.cannot_cancel");
        return Prompt();
      }
    }
    NotUnderstood();
  }

  void OnCancelConfirm(const std::optional<std::string>& choice) {
    if (choice && *choice == kYes) {
      Command cmd;
      cmd.kind = Command::Kind::kCancelAppeal;
      cmd.appeal_id = s_.appeal_id;
      cmd.appeal_number = s_.appeal_number;
      commands_.push_back(std::move(cmd));
      s_.stage = Stage::kMenu;
      NoOffers();
      return;
    }
    if (choice && *choice == kNo) return ShowMenu();
    NotUnderstood();
  }

  // --- Rating (R25) -------------------------------------------------------------

  void PromptRateService() {
    std::vector<ReplyButton> b;
    for (const auto& e : c_.Directory())
      if (e.active && ("r:" + e.id).size() <= kMaxPayloadBytes)
        b.push_back(Literal(e.name, "r:" + e.id));
    if (b.empty()) {
      Say("bot.rate.none");
      s_.stage = Stage::kMenu;
      return PromptMenu();
    }
    Reply& r = Say("bot.rate.choose");
    b.push_back(Button("bot.common.cancel", kMenu));
    Offer(r, std::move(b));
  }

  void OnRateService(const std::optional<std::string>& choice) {
    if (choice && StartsWith(*choice, "r:")) {
      const std::string id = choice->substr(2);
      for (const auto& e : c_.Directory()) {
        if (e.id != id || !e.active) continue;
        s_.rate_executor_id = e.id;
        s_.rate_executor_name = e.name;
        s_.stage = Stage::kRateScore;
        return Prompt();
      }
    }
    NotUnderstood();
  }

  void OnRateScore(const Inbound& in, const std::optional<std::string>& choice) {
    if (choice && StartsWith(*choice, "s:")) {
      auto score = ParseId(*choice, "s:");
      if (score && *score >= 1 && *score <= 5) {
        s_.rate_score = static_cast<int>(*score);
        s_.stage = Stage::kRateComment;
        return Prompt();
      }
    }
    if (choice || in.text.find_first_of("0123456789") == std::string::npos) return NotUnderstood();
    Say("bot.rate.score_range");  // "7", "0", "10 з 10"
    Prompt();
  }

  void OnRateComment(const Inbound& in, const std::optional<std::string>& choice) {
    std::string comment;
    if (!(choice && *choice == kSkip)) {
      comment = Trim(in.text);
      if (comment.empty()) return NotUnderstood();
      if (comment.size() > kMaxCommentBytes) {
        Say("bot.rate.comment_too_long", {{"max", std::to_string(kMaxCommentBytes / 2)}});
        return Prompt();
      }
    }
    Command cmd;
    cmd.kind = Command::Kind::kRate;
    cmd.executor_id = s_.rate_executor_id;
    cmd.score = s_.rate_score;
    cmd.comment = std::move(comment);
    if (s_.rate_appeal_id) cmd.appeal_id = *s_.rate_appeal_id;
    commands_.push_back(std::move(cmd));
    s_.stage = Stage::kMenu;
    NoOffers();
  }

  // --- "Fixed?" (R18) -------------------------------------------------------------

  void OnFixAnswer(const std::optional<std::string>& choice) {
    if (s_.fixes.empty()) return ShowMenu();
    if (choice && (*choice == kYes || *choice == kNo)) {
      const PendingFix f = s_.fixes.front();
      Command cmd;
      cmd.kind = Command::Kind::kConfirmFix;
      cmd.appeal_id = f.appeal_id;
      cmd.appeal_number = f.number;
      cmd.fixed = *choice == kYes;
      commands_.push_back(std::move(cmd));
      // Stays kFixAnswer until Report(): NextFixOrMenu pops this question.
      NoOffers();
      return;
    }
    NotUnderstood();
  }

  DialogueState s_;
  const Context& c_;
  const Messages& m_;
  std::vector<Reply> replies_;
  std::vector<Command> commands_;
};

}  // namespace

const std::vector<AppealSummary>& Context::AppealList() const {
  if (load_appeals) {
    appeals = load_appeals();
    load_appeals = nullptr;
  }
  return appeals;
}

const std::vector<Executor>& Context::Directory() const {
  if (load_directory) {
    directory = load_directory();
    load_directory = nullptr;
  }
  return directory;
}

const std::vector<OutageNotice>& Context::OutageList() const {
  if (load_outages) {
    outages = load_outages();
    load_outages = nullptr;
  }
  return outages;
}

std::string_view StageCode(Stage stage) {
  switch (stage) {
    case Stage::kNew:
      return "new";
    case Stage::kConsent:
      return "consent";
    case Stage::kAddress:
      return "address";
    case Stage::kAddressConfirm:
      return "address_confirm";
    case Stage::kMenu:
      return "menu";
    case Stage::kCategory:
      return "category";
    case Stage::kProblemAddress:
      return "problem_address";
    case Stage::kDescription:
      return "description";
    case Stage::kPhoto:
      return "photo";
    case Stage::kLocation:
      return "location";
    case Stage::kSummary:
      return "summary";
    case Stage::kAppeals:
      return "appeals";
    case Stage::kCancelConfirm:
      return "cancel_confirm";
    case Stage::kRateService:
      return "rate_service";
    case Stage::kRateScore:
      return "rate_score";
    case Stage::kRateComment:
      return "rate_comment";
    case Stage::kFixAnswer:
      return "fix_answer";
  }
  return "new";
}

std::optional<Stage> ParseStage(std::string_view code) {
  for (int i = 0; i <= static_cast<int>(Stage::kFixAnswer); ++i)
    if (StageCode(static_cast<Stage>(i)) == code) return static_cast<Stage>(i);
  return std::nullopt;
}

StepResult Step(const DialogueState& state, const Inbound& inbound, const Context& context) {
  Machine m(state, context);
  m.OnMessage(inbound);
  return m.Finish();
}

StepResult Report(const DialogueState& state, const Command& command, const CommandOutcome& outcome,
                  const Context& context) {
  Machine m(state, context);
  if (!context.blocked) m.OnReport(command, outcome);
  return m.Finish();
}

StepResult AskFixed(const DialogueState& state, int64_t appeal_id, const std::string& number,
                    const std::string& executor_answer, const Context& context) {
  Machine m(state, context);
  m.OnAskFixed(appeal_id, number, executor_answer);
  return m.Finish();
}

std::string FormatAddress(const Address& a, const Messages& messages) {
  std::string s;
  auto add = [&](const std::string& part) {
    if (part.empty()) return;
    if (!s.empty()) s += ", ";
    s += part;
  };
  add(a.city);
  add(a.street);
  add(a.house);
  if (!a.flat.empty()) add(messages.Get("bot.address.flat", {{"flat", a.flat}}));
  if (!a.entrance.empty()) add(messages.Get("bot.address.entrance", {{"entrance", a.entrance}}));
  return s;
}

std::string RenderNumbered(const Reply& reply, const Messages& messages) {
  std::string out = reply.text;
  size_t n = 0;
  for (const auto& b : reply.buttons) {
    if (b.kind != ReplyButton::Kind::kReply) continue;  // an SMS cannot share a location
    out += "\n" + std::to_string(++n) + ". " + b.label;
  }
  if (n > 0) out += "\n" + messages.Get("bot.numbered_hint");
  return out;
}

}  // namespace vikno::conversation
