// The resident dialogue (issue 4) as an explicit state machine and a PURE
// function: Step(state, inbound, context) -> {next state, replies, commands}.
// It reads nothing and writes nothing: the context brings the data it shows
// (classifier tree, the resident's addresses, appeals, the directory,
// outages), the commands say what the host must do (create an appeal, cancel
// one, record consent...), and the host reports each command's outcome back
// through Report(). ConversationService (conversation_service.h) is the glue
// that loads and saves the state in the store, so a restart in the middle of
// a dialogue continues where it was.
//
// What a resident can do (000 §3, R3-R8, R18, R25, R30, R31, B3):
//  - first contact: greeting, the privacy notice and consent (R31);
//  - register an address "street, house" matched against the registry,
//    proposed as "city, street, house", yes/no, retry on no (000 §3.1-3.2);
//    several addresses per resident, with flat and entrance (B3);
//  - report a problem: words typed at the main menu are the description
//    (the rules classify them), or the category menus from the city's
//    classifier tree then a description; the address (a resident's only
//    registered address is used without a question); a summary to confirm
//    that offers the optional photo, location and another address and takes
//    a photo or a location sent to it; the number is told at once (R5);
//    then "another problem?" (R6). A registered resident files in two
//    messages: the words, then "Надіслати";
//  - my appeals with status, cancel (R7); outages at my addresses; service
//    contacts (R8); rate a service 1-5 with a comment (R25);
//  - answer "fixed?" when an executor sends an appeal for confirmation (R18);
//  - a blocked resident gets one polite refusal, then silence (R30).
//
// Every text is a vikno::Messages key (config/messages/<lang>.yaml, bot.*),
// so a city can override any of them. Buttons carry short payloads (Telegram
// allows 64 bytes) and are numbered in order, so a channel without buttons
// (SMS) shows "1. Так  2. Ні" and the dialogue accepts "1"/"2"; a button's
// label typed as text works too (reply keyboards send the label).
// Nothing typed is ever a dead end: an answer the state does not understand
// gets "not understood" and the state's prompt again; "меню" returns to the
// main menu from anywhere after registration.
//
// Thread-safety: free functions over values; safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conversation/address_matcher.h"
#include "core/address.h"
#include "core/catalog.h"
#include "core/event.h"
#include "core/result.h"
#include "core/status.h"
#include "messages/messages.h"

namespace vikno::conversation {

// A file the resident sent, already stored by content (files/file_store.h);
// the dialogue keeps only this reference, never the bytes.
struct FileRef {
  std::string sha256;
  std::string media_type;
  int64_t size = 0;
  std::string name;
};

// One message from the resident, in the dialogue's terms (the host builds it
// from sdk::InboundMessage after storing the attachments).
struct Inbound {
  std::string text;
  std::optional<std::string> button;  // a pressed inline button's payload
  std::optional<std::string> contact_phone;
  std::optional<GeoPoint> location;
  std::vector<FileRef> files;
  // The file store refused an attachment: "too_large", "type_not_allowed",
  // "type_mismatch" (refusal.* texts). The rest of the message still counts.
  std::string file_refusal;

  static Inbound Text(std::string text) {
    Inbound in;
    in.text = std::move(text);
    return in;
  }
  static Inbound Button(std::string payload) {
    Inbound in;
    in.button = std::move(payload);
    return in;
  }
};

// The resident's appeal as the list shows it (R7).
struct AppealSummary {
  int64_t id = 0;
  std::string number;
  Status status = Status::kNew;
  std::string category_name;  // may be empty
  std::string address;        // as shown
  bool can_cancel = false;    // the R14 table allows the resident to cancel now
};

// An active outage at one of the resident's addresses (R22, 000 §3.4).
struct OutageNotice {
  EventKind kind = EventKind::kPlanned;
  std::string reason;
  std::string executor_name;
  std::string period;   // formatted in the city's time zone by the host
  std::string address;  // the resident's address it covers, as shown
};

// What Step may read. Plain data, filled by the host for this resident.
struct Context {
  const Messages* messages = nullptr;       // required
  const AddressMatcher* matcher = nullptr;  // the city's registry; null: none
  bool blocked = false;                     // R30
  bool consent_given = false;               // the resident's consent is on record (R31)
  std::string consent_version = "1";        // of the privacy text shown now
  int retention_years = 5;                  // for the privacy notice (R32)
  std::vector<Category> categories;         // the classifier tree, in menu order
  std::vector<Address> addresses;           // the resident's saved addresses (B3)
  // The resident's appeals, newest first. A host may leave `appeals` empty
  // and set `load_appeals` instead: only "my appeals" shows them, and listing
  // them on every step was the intake's costliest read (issue 4), so they
  // are fetched by the first AppealList() of a step, at most once.
  mutable std::vector<AppealSummary> appeals;
  mutable std::function<std::vector<AppealSummary>()> load_appeals;
  const std::vector<AppealSummary>& AppealList() const;
  // Active services (R8, R25) and the outages at the resident's addresses
  // (R22), likewise either set or fetched by the first Directory() /
  // OutageList() of a step: only the directory, the rating and the outages
  // items show them, and reading the active events on every step of a
  // report was a query per update at intake (issue 4).
  mutable std::vector<Executor> directory;
  mutable std::function<std::vector<Executor>()> load_directory;
  const std::vector<Executor>& Directory() const;
  mutable std::vector<OutageNotice> outages;
  mutable std::function<std::vector<OutageNotice>()> load_outages;
  const std::vector<OutageNotice>& OutageList() const;
};

// A button: a label and the payload returned when pressed.
struct ReplyButton {
  enum class Kind { kReply, kRequestLocation, kRequestContact };
  std::string label;
  std::string payload;
  Kind kind = Kind::kReply;
};

// One message to the resident: rendered text plus the keys it was made from
// (for logs and tests). Buttons are numbered 1..N in order for channels
// without buttons.
struct Reply {
  std::vector<std::string> keys;
  std::string text;
  std::vector<ReplyButton> buttons;
  // True when a button asks the device for something (location): channels
  // show it as a reply keyboard, which sends the label back as text.
  bool reply_keyboard = false;
};

// An appeal being reported, kept in the state until it is sent.
struct AppealDraft {
  std::string category_id;  // empty: the rules classify by the description
  std::string category_name;
  Address address;
  std::string description;
  std::vector<FileRef> photos;
  std::optional<GeoPoint> location;
};

// What the host must do. Executed in order; each outcome goes to Report().
struct Command {
  enum class Kind {
    kRecordConsent,  // consent_version (R31)
    kSaveAddress,    // address: a registry building with flat/entrance (B3)
    kSavePhone,      // phone: the resident shared their number
    kCreateAppeal,   // draft (R5)
    kCancelAppeal,   // appeal_id (R7)
    kConfirmFix,     // appeal_id, fixed (R18)
    kRate,           // executor_id, score, comment, appeal_id when asked after a fix (R25)
  };
  Kind kind = Kind::kRecordConsent;
  std::string consent_version;
  Address address;
  std::string phone;
  AppealDraft draft;
  int64_t appeal_id = 0;
  std::string appeal_number;
  bool fixed = false;
  std::string executor_id;
  int score = 0;
  std::string comment;
};

// The host's answer to one command.
struct CommandOutcome {
  bool ok = true;
  std::string refusal_code;   // when !ok: a refusal.* key suffix ("illegal_transition")
  std::string appeal_number;  // kCreateAppeal: the number assigned (R5)
  std::string executor_id;    // kConfirmFix: the lead executor, to ask for a rating
  std::string executor_name;
};

enum class Stage : uint8_t {
  kNew,             // never spoken
  kConsent,         // privacy notice shown, waiting for agree/decline (R31)
  kAddress,         // waiting for "street, house"
  kAddressConfirm,  // candidates proposed, yes/no or a choice
  kMenu,            // main menu
  kCategory,        // walking the classifier tree (category_parent is the level)
  kProblemAddress,  // which address the problem is at
  kDescription,
  kPhoto,          // "add a photo" pressed on the summary (before: a step of its own)
  kLocation,       // "add location" pressed on the summary (before: a step of its own)
  kSummary,        // confirm and send; photo, location, another address
  kAppeals,        // the list with cancel buttons
  kCancelConfirm,  // "cancel No. N?" yes/no
  kRateService,    // which service
  kRateScore,      // 1..5
  kRateComment,    // a comment or skip
  kFixAnswer,      // "fixed?" yes/no (R18)
};

std::string_view StageCode(Stage stage);
std::optional<Stage> ParseStage(std::string_view code);

// Why an address is being typed: the same two states serve three purposes.
enum class AddressPurpose : uint8_t { kRegister, kAddAnother, kProblem };

// A button offered by the last prompt, remembered so that "2" or the label
// typed as text can be answered with its payload.
struct Offer {
  std::string payload;
  std::string label;
};

// A proposed registry building (R3).
struct AddressChoice {
  Address address;  // registry_id, city, district, street, house, flat, entrance, point
};

// An appeal the resident is to be asked "fixed?" about (R18).
struct PendingFix {
  int64_t appeal_id = 0;
  std::string number;
  std::string answer;  // the executor's answer to the resident (002 §7.5)
};

// Everything the dialogue remembers between messages. Small and serialisable.
struct DialogueState {
  Stage stage = Stage::kNew;
  bool blocked_notice_sent = false;  // R30: one refusal, ever
  std::vector<Offer> offered;        // buttons of the last prompt
  // Address entry.
  AddressPurpose address_purpose = AddressPurpose::kRegister;
  std::vector<AddressChoice> candidates;
  int address_attempts = 0;
  // The appeal being reported.
  AppealDraft draft;
  std::string category_parent;  // the tree level shown; empty: the roots
  // My appeals / cancel.
  int64_t appeal_id = 0;
  std::string appeal_number;
  // Rating.
  std::string rate_executor_id;
  std::string rate_executor_name;
  int rate_score = 0;
  std::optional<int64_t> rate_appeal_id;  // a rating asked right after a fix (B4)
  // "Fixed?" questions waiting: the first is being asked when stage is kFixAnswer.
  std::vector<PendingFix> fixes;

  // JSON for the store. FromJson refuses "invalid_state" on anything it
  // cannot read: the caller then starts a fresh dialogue rather than fail.
  std::string ToJson() const;
  static Result<DialogueState> FromJson(const std::string& json);
};

struct StepResult {
  DialogueState next;
  std::vector<Reply> replies;
  std::vector<Command> commands;
};

// Limits of what the resident types (bytes; UTF-8).
inline constexpr size_t kMaxDescriptionBytes = 8000;  // AppealService's bound
inline constexpr size_t kMinDescriptionLetters = 3;
inline constexpr size_t kMaxCommentBytes = 2000;
inline constexpr size_t kMaxPhotos = 5;
inline constexpr int kMaxCandidates = 3;

// One message from the resident.
StepResult Step(const DialogueState& state, const Inbound& inbound, const Context& context);

// The host finished `command` (from the last Step) with `outcome`: the replies
// that depend on it ("registered under No. N", "could not cancel: ...").
StepResult Report(const DialogueState& state, const Command& command, const CommandOutcome& outcome,
                  const Context& context);

// An executor sent appeal `number` for confirmation (R18): ask "fixed?" now,
// or queue the question behind one already being asked. A blocked resident
// is not asked (R30).
StepResult AskFixed(const DialogueState& state, int64_t appeal_id, const std::string& number,
                    const std::string& executor_answer, const Context& context);

// "Суми, вулиця Соборна, 12, кв. 5, під'їзд 2" in the context's language.
std::string FormatAddress(const Address& address, const Messages& messages);

// The reply as plain text with numbered choices, for channels without
// buttons: "...\n1. Так\n2. Ні\nНадішліть номер варіанта."
std::string RenderNumbered(const Reply& reply, const Messages& messages);

}  // namespace vikno::conversation
