// The appeal commands: the only way an appeal comes into being or changes
// (DESIGN.md, "The flow of one appeal"). Every command checks the actor's
// scope first (R26), then the R14 table (core/transitions.h), and writes the
// change and its audit entry (R33) in one store transaction.
//
// Scope rules, one place for all callers (REST, panel, channels):
//  - administrators, operators, decision makers and the system see every card;
//  - moderators and executors only cards whose lead executor is one of their
//    services (000 §6.2, 002 §10.2.5);
//  - a resident only their own cards.
// A card outside the actor's scope is answered "not_found", exactly as a card
// that does not exist, so scope never leaks whether a number is taken.
//
// Thread-safety: stateless apart from the references it holds; safe to call
// from many threads when the Store and RulesPort are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/appeal.h"
#include "core/audit.h"
#include "core/resident.h"
#include "core/result.h"
#include "core/role.h"
#include "core/time.h"
#include "core/transitions.h"
#include "store/store.h"
#include "workflow/create_hook.h"
#include "workflow/rules_port.h"

namespace vikno {

// What a new appeal is made from: the resident's words and where.
struct NewAppeal {
  std::string description;
  std::string channel;   // one of KnownChannels()
  std::string category;  // the category the resident chose; may be empty
  Address address;
  // An existing resident, or empty to register a new one with the data below.
  // Ignored when the actor is a resident: a resident files for themself.
  std::string resident_id;
  bool anonymous = false;            // 002 §5.7
  std::optional<Identity> identity;  // for a new resident; never with anonymous
  std::optional<Consent> consent;    // R31: for a new resident
};

// Everything a card shows: the appeal, its comments, files and timeline.
struct AppealCard {
  Appeal appeal;
  std::vector<Comment> comments;
  std::vector<Attachment> attachments;
  std::vector<AuditEntry> timeline;  // oldest first
};

class AppealService {
 public:
  // Bounds of free text: long enough for any honest report, short enough that
  // nobody stores a book in a card.
  static constexpr size_t kMaxDescriptionBytes = 8000;
  static constexpr size_t kMaxNoteBytes = 4000;
  static constexpr size_t kMaxCommentBytes = 4000;

  AppealService(Store& store, RulesPort& rules, Clock& clock);

  // R20: called around every Create (the deadline watch's repeat linking,
  // workflow/scheduler.h). Not owned; null (the default) = none. Set before
  // serving requests.
  void SetCreateHook(AppealCreateHook* hook) { create_hook_ = hook; }
  // Called after every stored status change (R7, R18). Not owned; null = none.
  // Set before serving requests.
  void SetStatusHook(AppealStatusHook* hook) { status_hook_ = hook; }

  // Registers an appeal. Refusals: "missing_description", "invalid_description"
  // (too long or not UTF-8), "invalid_channel", "invalid_resident" (unknown id),
  // "invalid_identity" (identity on an anonymous appeal).
  // When the rules send it to moderation the appeal is still created, status
  // New with no executor, and the audit says why: never lost.
  Result<Appeal> Create(const NewAppeal& input, const Actor& actor);

  // Takes `request.action` on the appeal; request.actor is ignored and the
  // actor's role used. Refusals: "not_found" (absent or out of scope), the
  // codes of CheckTransition ("unknown_action", "illegal_transition",
  // "role_not_allowed" -> reported as "forbidden", "missing_<needs>"),
  // "invalid_note" (too long), "stale" (someone else wrote twice in a row).
  Result<Appeal> Transition(int64_t appeal_id, TransitionRequest request, const Actor& actor);

  Result<Appeal> Get(int64_t appeal_id, const Actor& actor);
  Result<AppealCard> Card(int64_t appeal_id, const Actor& actor);

  // Lists appeals. The actor's scope is forced into the query: a moderator's
  // `executors` filter is narrowed to their services; naming a service outside
  // them is refused "forbidden". A resident sees only their own cards.
  Result<AppealPage> List(AppealQuery query, const Actor& actor);

  // Adds a comment. A resident's comment is always visible to the resident.
  // Refusals: "not_found", "missing_text", "invalid_text".
  Result<Comment> AddComment(int64_t appeal_id, const std::string& text, bool visible_to_resident,
                             const Actor& actor);

  // The audit of one appeal, oldest first. Residents may not read the audit
  // (it names staff and addresses): "forbidden".
  Result<std::vector<AuditEntry>> AuditOf(int64_t appeal_id, const Actor& actor);

  // The channels an appeal may arrive through (R1, R28 "from a phone call").
  static const std::vector<std::string>& KnownChannels();

 private:
  // Loads the appeal if it exists and is in the actor's scope.
  Result<Appeal> LoadInScope(int64_t appeal_id, const Actor& actor);
  static bool InScope(const Appeal& appeal, const Actor& actor);

  Store& store_;
  RulesPort& rules_;
  Clock& clock_;
  AppealCreateHook* create_hook_ = nullptr;
  AppealStatusHook* status_hook_ = nullptr;
};

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view text);

}  // namespace vikno
