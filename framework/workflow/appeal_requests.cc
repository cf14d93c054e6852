#include "workflow/appeal_requests.h"

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

bool Blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

std::optional<Refusal> CheckText(const std::string& text, size_t max_bytes, const std::string& what,
                                 bool required) {
  if (required && Blank(text)) return Refuse("missing_" + what, what + " is empty");
  if (text.size() > max_bytes)
    return Refuse("invalid_" + what, what + " is longer than " + std::to_string(max_bytes) + " bytes");
  if (!IsValidUtf8(text)) return Refuse("invalid_" + what, what + " is not valid UTF-8");
  return std::nullopt;
}

bool IsStaff(Role r) {
  return r == Role::kOperator || r == Role::kModerator || r == Role::kExecutor ||
         r == Role::kDecisionMaker || r == Role::kAdministrator;
}

bool OneOf(Role r, std::initializer_list<Role> roles) {
  return std::find(roles.begin(), roles.end(), r) != roles.end();
}

Refusal Forbidden(const std::string& what) {
  return Refuse("forbidden", "your role may not " + what);
}

std::string Id(int64_t id) { return std::to_string(id); }

}  // namespace

AppealRequests::AppealRequests(Store& store, AppealService& appeals, ExtensionPolicy& policy,
                               FileStore& files, Clock& clock)
    : store_(store), appeals_(appeals), policy_(policy), files_(files), clock_(clock) {}

const std::vector<std::string>& AppealRequests::InformingWays() {
  static const std::vector<std::string> kWays = {"phone", "sms",    "email",
                                                 "messenger", "letter", "in_person"};
  return kWays;
}

Result<Appeal> AppealRequests::Load(int64_t appeal_id, const Actor& actor) {
  auto seen = appeals_.Get(appeal_id, actor);
  if (seen || actor.role != Role::kExecutor) return seen;
  // 002 §7.2: a co-executor works on the card too, though the scope filter
  // of lists follows the lead (R26).
  auto appeal = store_.FindAppeal(appeal_id);
  if (appeal) {
    for (const auto& e : appeal->executors)
      if (actor.Covers(e)) return std::move(*appeal);
  }
  return seen.refusal();
}

Result<Appeal> AppealRequests::DecisionScope(int64_t appeal_id, const std::string& requested_by,
                                             const Actor& actor) {
  auto appeal = appeals_.Get(appeal_id, actor);
  if (!appeal) return appeal.refusal();
  // Security done-when of issue 5: nobody approves their own request, whatever
  // their role.
  if (requested_by == actor.id)
    return Refuse("own_request", "a request is decided by someone other than who made it");
  if (!OneOf(actor.role, {Role::kDecisionMaker, Role::kAdministrator}))
    return Forbidden("decide requests (decision makers and administrators do)");
  return appeal;
}

// ---------------------------------------------------------------------------
// Extensions (R16)

Result<ExtensionRequest> AppealRequests::RequestExtension(int64_t appeal_id, Timestamp proposed_due,
                                                          const std::string& reason,
                                                          const Actor& actor) {
  auto loaded = Load(appeal_id, actor);
  if (!loaded) return loaded.refusal();
  const Appeal& appeal = loaded.value();
  if (!OneOf(actor.role, {Role::kExecutor, Role::kModerator, Role::kDecisionMaker}))
    return Forbidden("request an extension");
  // 002 §8.2.2: a reasoned request.
  if (auto bad = CheckText(reason, kMaxReasonBytes, "reason", true)) return *bad;
  if (Info(appeal.status).final)
    return Refuse("appeal_closed", "appeal " + appeal.number + " is closed");
  if (!appeal.resolve_due)
    return Refuse("no_deadline", "a long-term appeal has no deadline to extend");
  if (proposed_due <= *appeal.resolve_due)
    return Refuse("invalid_due", "the proposed deadline must be after the current one");
  const auto earlier = store_.ListExtensionRequests(appeal_id);
  int approved = 0;
  for (const auto& r : earlier) {
    if (r.state == RequestState::kPending)
      return Refuse("pending_request", "extension request " + Id(r.id) + " is still waiting");
    if (r.state == RequestState::kApproved) ++approved;
  }
  const int nth = approved + 1;
  const ExtensionVerdict verdict = policy_.Extend(appeal, *appeal.resolve_due, proposed_due, nth);
  if (!verdict.allowed)
    return Refuse("extension_not_allowed",
                  verdict.reason.empty() ? "the city's rules do not allow this extension"
                                         : verdict.reason);
  const Timestamp now = clock_.Now();
  ExtensionRequest request;
  request.appeal_id = appeal_id;
  // The city may allow less than asked (e.g. a legal cap): the request
  // carries what it allows.
  request.proposed_due = verdict.due > *appeal.resolve_due ? verdict.due : proposed_due;
  request.reason = reason;
  request.requested_by = actor.id;
  request.requested_at = now;
  request.ordinal = nth;
  request.approver = verdict.approver;
  Poco::JSON::Object details;
  details.set("proposed_due", FormatIso8601(request.proposed_due));
  details.set("reason", reason);
  details.set("ordinal", nth);
  details.set("approver", verdict.approver);
  details.set("needs_head_knowledge", nth >= 2);  // 001 §6.4
  if (!verdict.reason.empty()) details.set("rule_note", verdict.reason);
  return store_.AddExtensionRequest(
      request, AuditEntry::By(actor, now, "appeal", Id(appeal_id), "request_extension",
                              ToJson(details)));
}

Result<ExtensionRequest> AppealRequests::DecideExtension(int64_t request_id, bool approve,
                                                         const std::string& note,
                                                         const Actor& actor) {
  auto request = store_.FindExtensionRequest(request_id);
  if (!request) return Refuse("not_found", "extension request " + Id(request_id) + " not found");
  if (auto bad = CheckText(note, kMaxReasonBytes, "note", false)) return *bad;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto scoped = DecisionScope(request->appeal_id, request->requested_by, actor);
    if (!scoped) return scoped.refusal();
    Appeal appeal = std::move(scoped).value();
    const Timestamp now = clock_.Now();
    std::optional<Appeal> change;
    Poco::JSON::Object details;
    details.set("request", request_id);
    details.set("approve", approve);
    details.set("note", note);
    if (approve) {
      if (Info(appeal.status).final)
        return Refuse("appeal_closed", "appeal " + appeal.number + " is closed");
      details.set("from", appeal.resolve_due ? FormatIso8601(*appeal.resolve_due) : "");
      details.set("to", FormatIso8601(request->proposed_due));
      details.set("ordinal", request->ordinal);
      details.set("needs_head_knowledge", request->ordinal >= 2);
      appeal.resolve_due = request->proposed_due;
      appeal.updated_at = now;
      change = appeal;
    }
    auto decided = store_.DecideExtensionRequest(
        request_id, approve, Decision{actor.id, now, note}, change,
        AuditEntry::By(actor, now, "appeal", Id(request->appeal_id),
                       approve ? "approve_extension" : "reject_extension", ToJson(details)));
    if (decided || decided.refusal().code != "stale") return decided;
  }
  return Refuse("stale", "the appeal was changed by someone else twice; reload and retry");
}

// ---------------------------------------------------------------------------
// Executors (R15, 002 §7.2)

Result<ExecutorChangeRequest> AppealRequests::RequestExecutorChange(int64_t appeal_id,
                                                                    const std::string& proposed,
                                                                    const std::string& reason,
                                                                    const Actor& actor) {
  auto loaded = Load(appeal_id, actor);
  if (!loaded) return loaded.refusal();
  if (!OneOf(actor.role, {Role::kExecutor, Role::kModerator, Role::kDecisionMaker}))
    return Forbidden("request an executor change");
  const Appeal& appeal = loaded.value();
  // An executor asks for their own service; others for the lead.
  std::string from = appeal.lead_executor();
  if (actor.role == Role::kExecutor && !actor.Covers(from)) {
    for (const auto& e : appeal.executors)
      if (actor.Covers(e)) {
        from = e;
        break;
      }
  }
  if (auto bad = CheckText(reason, kMaxReasonBytes, "reason", true)) return *bad;
  if (Info(appeal.status).final)
    return Refuse("appeal_closed", "appeal " + appeal.number + " is closed");
  if (!proposed.empty() && !store_.FindExecutor(proposed))
    return Refuse("invalid_executor", "unknown service '" + proposed + "'");
  for (const auto& r : store_.ListExecutorChangeRequests(appeal_id))
    if (r.state == RequestState::kPending && r.from_executor == from)
      return Refuse("pending_request", "executor change request " + Id(r.id) + " is still waiting");
  const Timestamp now = clock_.Now();
  ExecutorChangeRequest request;
  request.appeal_id = appeal_id;
  request.from_executor = from;
  request.proposed_executor = proposed;
  request.reason = reason;
  request.requested_by = actor.id;
  request.requested_at = now;
  Poco::JSON::Object details;
  details.set("from", from);
  details.set("proposed", proposed);
  details.set("reason", reason);
  return store_.AddExecutorChangeRequest(
      request, AuditEntry::By(actor, now, "appeal", Id(appeal_id), "request_executor_change",
                              ToJson(details)));
}

Result<ExecutorChangeRequest> AppealRequests::NotMyCompetence(int64_t appeal_id,
                                                              const std::string& proposed,
                                                              const std::string& reason,
                                                              const Actor& actor) {
  auto loaded = Load(appeal_id, actor);
  if (!loaded) return loaded.refusal();
  if (actor.role != Role::kExecutor)
    return Forbidden("say 'not in my competence' (an executor of the appeal does)");
  return RequestExecutorChange(appeal_id, proposed, reason, actor);
}

Result<ExecutorChangeRequest> AppealRequests::DecideExecutorChange(int64_t request_id, bool approve,
                                                                   const std::string& note,
                                                                   const std::string& executor,
                                                                   const Actor& actor) {
  auto request = store_.FindExecutorChangeRequest(request_id);
  if (!request)
    return Refuse("not_found", "executor change request " + Id(request_id) + " not found");
  if (auto bad = CheckText(note, kMaxReasonBytes, "note", false)) return *bad;
  const std::string to = executor.empty() ? request->proposed_executor : executor;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto scoped = DecisionScope(request->appeal_id, request->requested_by, actor);
    if (!scoped) return scoped.refusal();
    Appeal appeal = std::move(scoped).value();
    const Timestamp now = clock_.Now();
    std::optional<Appeal> change;
    Poco::JSON::Object details;
    details.set("request", request_id);
    details.set("approve", approve);
    details.set("note", note);
    if (approve) {
      if (to.empty())
        return Refuse("missing_executor", "name the service that takes the appeal over");
      if (!store_.FindExecutor(to)) return Refuse("invalid_executor", "unknown service '" + to + "'");
      if (Info(appeal.status).final)
        return Refuse("appeal_closed", "appeal " + appeal.number + " is closed");
      // The new service takes the old one's place (first when it was the
      // lead), once.
      std::vector<std::string> next;
      bool placed = false;
      for (const auto& e : appeal.executors) {
        if (e == request->from_executor || e == to) {
          if (!placed) next.push_back(to), placed = true;
        } else {
          next.push_back(e);
        }
      }
      if (!placed) next.insert(next.begin(), to);
      details.set("from", request->from_executor);
      details.set("to", to);
      appeal.executors = std::move(next);
      appeal.updated_at = now;
      change = appeal;
    }
    auto decided = store_.DecideExecutorChangeRequest(
        request_id, approve, Decision{actor.id, now, note}, change,
        AuditEntry::By(actor, now, "appeal", Id(request->appeal_id),
                       approve ? "approve_executor_change" : "reject_executor_change",
                       ToJson(details)));
    if (decided || decided.refusal().code != "stale") return decided;
  }
  return Refuse("stale", "the appeal was changed by someone else twice; reload and retry");
}

Result<Appeal> AppealRequests::AddExecutor(int64_t appeal_id, const std::string& executor,
                                           const Actor& actor) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto loaded = Load(appeal_id, actor);
    if (!loaded) return loaded.refusal();
    if (!OneOf(actor.role, {Role::kDecisionMaker, Role::kModerator, Role::kAdministrator}))
      return Forbidden("add executors");
    Appeal appeal = std::move(loaded).value();
    if (executor.empty()) return Refuse("missing_executor", "field 'add' names no service");
    if (!store_.FindExecutor(executor))
      return Refuse("invalid_executor", "unknown service '" + executor + "'");
    if (Info(appeal.status).final)
      return Refuse("appeal_closed", "appeal " + appeal.number + " is closed");
    if (std::find(appeal.executors.begin(), appeal.executors.end(), executor) !=
        appeal.executors.end())
      return Refuse("already_executor", "'" + executor + "' is already an executor");
    const Timestamp now = clock_.Now();
    appeal.executors.push_back(executor);
    appeal.updated_at = now;
    Poco::JSON::Object details;
    details.set("executor", executor);
    details.set("lead", appeal.lead_executor());
    auto written = store_.UpdateAppeal(
        appeal, AuditEntry::By(actor, now, "appeal", Id(appeal_id), "add_executor", ToJson(details)));
    if (written || written.refusal().code != "stale") return written;
  }
  return Refuse("stale", "the appeal was changed by someone else twice; reload and retry");
}

// ---------------------------------------------------------------------------
// Informing (R17), flags (R19)

Result<Informing> AppealRequests::RecordInforming(int64_t appeal_id, Informing informing,
                                                  const Actor& actor) {
  auto loaded = Load(appeal_id, actor);
  if (!loaded) return loaded.refusal();
  if (!IsStaff(actor.role)) return Forbidden("record how the resident was informed");
  const auto& ways = InformingWays();
  if (std::find(ways.begin(), ways.end(), informing.how) == ways.end())
    return Refuse("invalid_how",
                  "'how' must be phone, sms, email, messenger, letter or in_person");
  const Timestamp now = clock_.Now();
  if (informing.at > now + std::chrono::minutes(5))
    return Refuse("invalid_at", "the resident cannot have been told in the future");
  for (const std::string* f : {&informing.by, &informing.unit, &informing.performer,
                               &informing.performer_phone})
    if (auto bad = CheckText(*f, kMaxFieldBytes, "field", false)) return *bad;
  if (auto bad = CheckText(informing.note, kMaxReasonBytes, "note", false)) return *bad;
  informing.id = 0;
  informing.appeal_id = appeal_id;
  informing.recorded_by = actor.id;
  informing.recorded_at = now;
  Poco::JSON::Object details;
  details.set("how", informing.how);
  details.set("at", FormatIso8601(informing.at));
  details.set("by", informing.by);
  details.set("unit", informing.unit);
  details.set("performer", informing.performer);
  details.set("performer_phone", informing.performer_phone);
  details.set("note", informing.note);
  return store_.AddInforming(
      informing,
      AuditEntry::By(actor, now, "appeal", Id(appeal_id), "inform_resident", ToJson(details)));
}

Result<Appeal> AppealRequests::SetCommissionInspection(int64_t appeal_id, bool on,
                                                       const Actor& actor) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto loaded = Load(appeal_id, actor);
    if (!loaded) return loaded.refusal();
    if (!OneOf(actor.role, {Role::kDecisionMaker, Role::kModerator, Role::kAdministrator}))
      return Forbidden("set the commission inspection flag");
    Appeal appeal = std::move(loaded).value();
    if (appeal.commission_inspection == on) return appeal;  // nothing to change or audit
    const Timestamp now = clock_.Now();
    appeal.commission_inspection = on;
    appeal.updated_at = now;
    Poco::JSON::Object details;
    details.set("commission_inspection", on);
    auto written = store_.UpdateAppeal(
        appeal, AuditEntry::By(actor, now, "appeal", Id(appeal_id), "commission_inspection",
                               ToJson(details)));
    if (written || written.refusal().code != "stale") return written;
  }
  return Refuse("stale", "the appeal was changed by someone else twice; reload and retry");
}

// ---------------------------------------------------------------------------
// Files (R17 proof)

Result<Attachment> AppealRequests::Attach(int64_t appeal_id, std::string_view bytes,
                                          std::string_view claimed_type,
                                          std::string_view original_name, const Actor& actor) {
  auto loaded = Load(appeal_id, actor);
  if (!loaded) return loaded.refusal();
  if (!IsStaff(actor.role)) return Forbidden("attach files here");
  if (bytes.empty()) return Refuse("missing_file", "the file is empty");
  auto stored = files_.Put(bytes, claimed_type, original_name);
  if (!stored) return stored.refusal();
  const Timestamp now = clock_.Now();
  Attachment a;
  a.appeal_id = appeal_id;
  a.sha256 = stored->sha256;
  a.media_type = stored->content_type;
  a.size = stored->size;
  a.original_name = stored->original_name;
  a.uploaded_by = actor.id;
  a.created_at = now;
  Poco::JSON::Object details;
  details.set("sha256", a.sha256);
  details.set("media_type", a.media_type);
  details.set("size", a.size);
  details.set("original_name", a.original_name);
  return store_.AddAttachment(
      a, AuditEntry::By(actor, now, "appeal", Id(appeal_id), "attach", ToJson(details)));
}

Result<AppealFile> AppealRequests::ReadFile(int64_t appeal_id, const std::string& sha256,
                                            const Actor& actor) {
  auto loaded = Load(appeal_id, actor);
  if (!loaded) return loaded.refusal();
  for (auto& a : store_.ListAttachments(appeal_id)) {
    if (a.sha256 != sha256) continue;
    auto bytes = files_.Read(sha256);
    if (!bytes) break;  // metadata without bytes (retention removed them)
    return AppealFile{std::move(a), std::move(*bytes)};
  }
  return Refuse("not_found", "appeal " + Id(appeal_id) + " has no such file");
}

Result<AppealRequestsView> AppealRequests::Requests(int64_t appeal_id, const Actor& actor) {
  auto loaded = Load(appeal_id, actor);
  if (!loaded) return loaded.refusal();
  if (!IsStaff(actor.role)) return Forbidden("read the requests of an appeal");
  return AppealRequestsView{store_.ListExtensionRequests(appeal_id),
                            store_.ListExecutorChangeRequests(appeal_id),
                            store_.ListInformings(appeal_id)};
}

}  // namespace vikno
