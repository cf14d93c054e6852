#include "workflow/appeal_service.h"

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace vikno {
namespace {

std::string ToJson(const Poco::JSON::Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// Checks free text: present (when required), bounded, UTF-8.
std::optional<Refusal> CheckText(const std::string& text, size_t max_bytes, const std::string& what,
                                 bool required) {
  if (required && Trim(text).empty()) return Refuse("missing_" + what, what + " is empty");
  if (text.size() > max_bytes)
    return Refuse("invalid_" + what,
                  what + " is longer than " + std::to_string(max_bytes) + " bytes");
  if (!IsValidUtf8(text)) return Refuse("invalid_" + what, what + " is not valid UTF-8");
  return std::nullopt;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    int len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

AppealService::AppealService(Store& store, RulesPort& rules, Clock& clock)
    : store_(store), rules_(rules), clock_(clock) {}

const std::vector<std::string>& AppealService::KnownChannels() {
  static const std::vector<std::string> kChannels = {"telegram", "viber", "sms",    "email",
                                                     "web",      "phone", "open311"};
  return kChannels;
}

bool AppealService::InScope(const Appeal& appeal, const Actor& actor) {
  if (actor.role == Role::kResident) return !actor.id.empty() && appeal.resident_id == actor.id;
  return actor.Covers(appeal.lead_executor());
}

Result<Appeal> AppealService::LoadInScope(int64_t appeal_id, const Actor& actor) {
  auto appeal = store_.FindAppeal(appeal_id);
  // Out of scope looks exactly like absent (R26): no existence leak.
  if (!appeal || !InScope(*appeal, actor))
    return Refuse("not_found", "appeal " + std::to_string(appeal_id) + " not found");
  return std::move(*appeal);
}

Result<Appeal> AppealService::Create(const NewAppeal& input, const Actor& actor) {
  if (auto bad = CheckText(input.description, kMaxDescriptionBytes, "description", true))
    return *bad;
  const auto& channels = KnownChannels();
  if (std::find(channels.begin(), channels.end(), input.channel) == channels.end())
    return Refuse("invalid_channel", "unknown channel '" + input.channel + "'");
  if (input.anonymous && input.identity)
    return Refuse("invalid_identity", "an anonymous appeal carries no identity (002 §5.7)");
  if (auto bad = CheckText(input.category, 200, "category", false)) return *bad;
  for (const std::string* field :
       {&input.address.city, &input.address.district, &input.address.street, &input.address.house,
        &input.address.flat, &input.address.entrance}) {
    if (auto bad = CheckText(*field, 300, "address", false)) return *bad;
  }

  const Timestamp now = clock_.Now();

  // The resident: a resident acts for themself; staff name one or register one.
  std::string resident_id = actor.role == Role::kResident ? actor.id : input.resident_id;
  if (!resident_id.empty()) {
    if (!store_.FindResident(resident_id))
      return Refuse("invalid_resident", "resident '" + resident_id + "' not found");
  } else {
    Resident resident;
    resident.id = NewResidentId();
    resident.anonymous = input.anonymous;
    resident.identity = input.identity;
    resident.consent = input.consent;
    resident.created_at = now;
    Poco::JSON::Object details;
    details.set("anonymous", resident.anonymous);
    details.set("identity", resident.identity.has_value());
    store_.CreateResident(
        resident, AuditEntry::By(actor, now, "resident", resident.id, "create", ToJson(details)));
    resident_id = resident.id;
  }

  Appeal draft;
  draft.description = input.description;
  draft.channel = input.channel;
  draft.category = input.category;
  draft.address = input.address;
  draft.resident_id = resident_id;
  draft.anonymous = input.anonymous;
  draft.status = Status::kNew;
  draft.created_at = now;
  draft.updated_at = now;

  const Classification c = rules_.Classify(draft);
  Poco::JSON::Object details;
  details.set("channel", draft.channel);
  if (c.to_moderation) {
    // Issue 3: a card the rules could not route waits in New with no executor
    // for a person to route; the reason is kept so they know why.
    if (!c.category.empty()) draft.category = c.category;
    draft.type = c.type;
    details.set("to_moderation", true);
    details.set("reason", c.moderation_reason.empty() ? std::string("rules asked for moderation")
                                                      : c.moderation_reason);
  } else {
    draft.category = c.category;
    draft.type = c.type;
    draft.executors = c.executors;
    details.set("to_moderation", false);
  }
  details.set("category", draft.category);
  details.set("type", draft.type);
  details.set("executor", draft.lead_executor());
  if (!draft.type.empty()) {
    // R10, R11: the city's rules own the numbers.
    const Deadlines d = rules_.ComputeDeadlines(draft, now);
    draft.accept_due = d.accept_due;
    draft.resolve_due = d.resolve_due;
  }
  if (create_hook_) {
    create_hook_->BeforeCreate(draft);  // R20: may link a repeat
    if (draft.repeat_of) details.set("repeat_of", *draft.repeat_of);
  }
  Appeal created = store_.CreateAppeal(
      draft, AuditEntry::By(actor, now, "appeal", "", "create", ToJson(details)));
  if (create_hook_) create_hook_->AfterCreate(created);
  return created;
}

Result<Appeal> AppealService::Transition(int64_t appeal_id, TransitionRequest request,
                                         const Actor& actor) {
  request.actor = actor.role;  // the role is the actor's, never the client's word
  if (request.note.size() > kMaxNoteBytes || !IsValidUtf8(request.note))
    return Refuse("invalid_note", "note is longer than " + std::to_string(kMaxNoteBytes) +
                                      " bytes or not valid UTF-8");
  // One retry on "stale": the second attempt re-reads the card and re-checks
  // the table against its new status, so a retry never applies an action the
  // table would now refuse.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto loaded = LoadInScope(appeal_id, actor);
    if (!loaded) return loaded.refusal();
    Appeal appeal = std::move(loaded).value();

    auto rule = CheckTransition(appeal.status, request);
    if (!rule) {
      if (rule.refusal().code == "role_not_allowed")
        return Refuse("forbidden", rule.refusal().message);
      return rule.refusal();
    }
    const Status from = appeal.status;
    const Status to = rule.value()->to;
    const Timestamp now = clock_.Now();
    appeal.status = to;
    appeal.updated_at = now;
    if (to == Status::kInWork && !appeal.accepted_at) appeal.accepted_at = now;  // R11
    if (Info(to).final) appeal.closed_at = now;  // R32 counts from here

    Poco::JSON::Object details;
    details.set("from", std::string(StatusCode(from)));
    details.set("to", std::string(StatusCode(to)));
    details.set("note", request.note);
    auto written =
        store_.UpdateAppeal(appeal, AuditEntry::By(actor, now, "appeal", std::to_string(appeal.id),
                                                   request.action, ToJson(details)));
    if (written) {
      if (status_hook_ != nullptr && from != to)
        status_hook_->AfterTransition(written.value(), from, request.action, request.note, actor);
      return written;
    }
    if (written.refusal().code != "stale") return written.refusal();
  }
  return Refuse("stale", "appeal " + std::to_string(appeal_id) +
                             " was changed by someone else twice; reload and retry");
}

Result<Appeal> AppealService::Get(int64_t appeal_id, const Actor& actor) {
  return LoadInScope(appeal_id, actor);
}

Result<AppealCard> AppealService::Card(int64_t appeal_id, const Actor& actor) {
  auto loaded = LoadInScope(appeal_id, actor);
  if (!loaded) return loaded.refusal();
  AppealCard card;
  card.appeal = std::move(loaded).value();
  card.comments = store_.ListComments(appeal_id);
  card.attachments = store_.ListAttachments(appeal_id);
  if (actor.role == Role::kResident) {
    // A resident sees what staff chose to show them, and no staff audit.
    std::erase_if(card.comments, [](const Comment& c) { return !c.visible_to_resident; });
  } else {
    card.timeline = store_.ListAudit("appeal", std::to_string(appeal_id));
  }
  return card;
}

Result<AppealPage> AppealService::List(AppealQuery query, const Actor& actor) {
  switch (actor.role) {
    case Role::kResident:
      query.resident_id = actor.id;  // whatever the query says
      query.executors.reset();
      if (actor.id.empty()) query.executors = std::vector<std::string>{};
      break;
    case Role::kModerator:
    case Role::kExecutor: {
      // R26: forced scope. An explicit filter may only narrow it.
      if (query.executors) {
        for (const auto& e : *query.executors)
          if (!actor.Covers(e))
            return Refuse("forbidden", "executor '" + e + "' is outside your services");
      } else {
        query.executors = actor.services;  // empty list: sees nothing
      }
      break;
    }
    default:
      break;
  }
  query.now = clock_.Now();
  return store_.ListAppeals(query);
}

Result<Comment> AppealService::AddComment(int64_t appeal_id, const std::string& text,
                                          bool visible_to_resident, const Actor& actor) {
  auto loaded = LoadInScope(appeal_id, actor);
  if (!loaded) return loaded.refusal();
  if (auto bad = CheckText(text, kMaxCommentBytes, "text", true)) return *bad;
  const Timestamp now = clock_.Now();
  Comment comment;
  comment.appeal_id = appeal_id;
  comment.author_id = actor.id;
  comment.author_role = std::string(RoleCode(actor.role));
  comment.text = text;
  comment.visible_to_resident = actor.role == Role::kResident ? true : visible_to_resident;
  comment.created_at = now;
  Poco::JSON::Object details;
  details.set("visible_to_resident", comment.visible_to_resident);
  return store_.AddComment(comment, AuditEntry::By(actor, now, "appeal", std::to_string(appeal_id),
                                                   "comment", ToJson(details)));
}

Result<std::vector<AuditEntry>> AppealService::AuditOf(int64_t appeal_id, const Actor& actor) {
  auto loaded = LoadInScope(appeal_id, actor);
  if (!loaded) return loaded.refusal();
  if (actor.role == Role::kResident)
    return Refuse("forbidden", "residents do not read the staff audit");
  return store_.ListAudit("appeal", std::to_string(appeal_id));
}

}  // namespace vikno
