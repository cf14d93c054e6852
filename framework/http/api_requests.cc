// Issue 5, the appeal card's actions beyond transitions and comments:
//   POST /api/v1/appeals/{id}/attachments            multipart "file" -> 201 attachment
//   GET  /api/v1/files/{sha256}?appeal={id}          the bytes, for who may see the appeal
//   POST /api/v1/appeals/{id}/extension-requests     {proposed_due, reason} -> 201 (R16)
//   POST /api/v1/extension-requests/{id}/decision    {approve, note} -> 200
//   POST /api/v1/appeals/{id}/executor-change-requests {proposed_executor, reason} -> 201 (R15)
//   POST /api/v1/executor-change-requests/{id}/decision {approve, note, executor} -> 200
//   POST /api/v1/appeals/{id}/executors              {add} -> 200 appeal (002 §7.2)
//   POST /api/v1/appeals/{id}/not-my-competence      {proposed_executor, reason} -> 201
//   POST /api/v1/appeals/{id}/informed               {how, at, by, unit, performer,
//                                                     performer_phone, note} -> 201 (R17)
//   POST /api/v1/appeals/{id}/flags                  {commission_inspection} -> 200 (R19)
//   GET  /api/v1/appeals/{id}/requests               both kinds + informings
// Scope and roles are the workflow's (workflow/appeal_requests.h): an appeal
// outside the caller's scope is 404 on every one of them (R26).


#include "http/api_request_helpers.h"
#include "http/desk_services.h"
#include "http/upload.h"

namespace vikno::http {
namespace {

using namespace api;  // NOLINT: the helpers of this API area

const char* StateCode(RequestState s) {
  switch (s) {
    case RequestState::kApproved:
      return "approved";
    case RequestState::kRejected:
      return "rejected";
    case RequestState::kPending:
      break;
  }
  return "pending";
}

void SetDecision(Object::Ptr o, RequestState state, const std::optional<Decision>& d) {
  o->set("state", std::string(StateCode(state)));
  if (d) {
    Object::Ptr x = NewObject();
    x->set("decided_by", d->decided_by);
    x->set("decided_at", FormatIso8601(d->decided_at));
    x->set("note", d->note);
    o->set("decision", x);
  } else {
    o->set("decision", Poco::Dynamic::Var());
  }
}

Object::Ptr ExtensionJson(const ExtensionRequest& r) {
  Object::Ptr o = NewObject();
  o->set("id", r.id);
  o->set("kind", "extension");
  o->set("appeal_id", r.appeal_id);
  o->set("proposed_due", FormatIso8601(r.proposed_due));
  o->set("reason", r.reason);
  o->set("requested_by", r.requested_by);
  o->set("requested_at", FormatIso8601(r.requested_at));
  o->set("ordinal", r.ordinal);
  o->set("approver", r.approver);
  o->set("needs_head_knowledge", r.ordinal >= 2);  // R16, 001 §6.4
  SetDecision(o, r.state, r.decision);
  return o;
}

Object::Ptr ChangeJson(const ExecutorChangeRequest& r) {
  Object::Ptr o = NewObject();
  o->set("id", r.id);
  o->set("kind", "executor_change");
  o->set("appeal_id", r.appeal_id);
  o->set("from_executor", r.from_executor);
  o->set("proposed_executor", r.proposed_executor);
  o->set("reason", r.reason);
  o->set("requested_by", r.requested_by);
  o->set("requested_at", FormatIso8601(r.requested_at));
  SetDecision(o, r.state, r.decision);
  return o;
}

Object::Ptr InformingJson(const Informing& i) {
  Object::Ptr o = NewObject();
  o->set("id", i.id);
  o->set("appeal_id", i.appeal_id);
  o->set("how", i.how);
  o->set("at", FormatIso8601(i.at));
  o->set("by", i.by);
  o->set("unit", i.unit);
  o->set("performer", i.performer);
  o->set("performer_phone", i.performer_phone);
  o->set("note", i.note);
  o->set("recorded_by", i.recorded_by);
  o->set("recorded_at", FormatIso8601(i.recorded_at));
  return o;
}

int64_t AppealId(const Call& call) { return PositiveId(call.Param("id"), "appeal id"); }
int64_t RequestId(const Call& call) { return PositiveId(call.Param("id"), "request id"); }

// Keeps the "file" part of a multipart form; other parts are read and dropped.
Reply Upload(const ApiDeps& deps, Call& call) {
  auto& requests = Need(deps.desk.requests);
  const int64_t id = AppealId(call);
  const UploadedFile part = ReadUploadedFile(call, deps.desk.max_upload_bytes);
  auto attached = requests.Attach(id, part.bytes, part.type, part.name, call.actor());
  if (!attached) return Refused(attached.refusal());
  return Json(201, AttachmentJson(attached.value()));
}

Reply Download(const ApiDeps& deps, Call& call) {
  auto& requests = Need(deps.desk.requests);
  std::string appeal;
  for (const auto& [name, value] : call.query()) {
    if (name != "appeal")
      throw HttpError(400, "invalid_parameter", "unknown parameter '" + name + "'");
    appeal = value;
  }
  if (appeal.empty()) throw HttpError(400, "invalid_parameter", "parameter 'appeal' is required");
  const std::string sha = call.Param("sha256");
  if (!FileStore::IsValidId(sha)) throw HttpError(404, "not_found", "no such file");
  auto file = requests.ReadFile(PositiveId(appeal, "parameter 'appeal'"), sha, call.actor());
  if (!file) return Refused(file.refusal());
  Reply reply{200, std::move(file->bytes), {}, file->attachment.media_type};
  // Never rendered inline from our origin: a download, not a page (XSS).
  reply.headers.emplace_back("Content-Disposition",
                             "attachment; filename=\"" + sha.substr(0, 16) + "\"");
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return reply;
}

Reply RequestExtension(const ApiDeps& deps, Call& call) {
  auto& requests = Need(deps.desk.requests);
  const int64_t id = AppealId(call);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"proposed_due", "reason"});
  auto made = requests.RequestExtension(id, RequiredTime(body, "proposed_due"),
                                        String(body, "reason"), call.actor());
  if (!made) return Refused(made.refusal());
  return Json(201, ExtensionJson(made.value()));
}

Reply DecideExtension(const ApiDeps& deps, Call& call) {
  auto& requests = Need(deps.desk.requests);
  const int64_t id = RequestId(call);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"approve", "note"});
  auto decided = requests.DecideExtension(id, RequiredBool(body, "approve"), String(body, "note"),
                                          call.actor());
  if (!decided) return Refused(decided.refusal());
  return Json(200, ExtensionJson(decided.value()));
}

Reply RequestExecutorChange(const ApiDeps& deps, Call& call) {
  auto& requests = Need(deps.desk.requests);
  const int64_t id = AppealId(call);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"proposed_executor", "reason"});
  auto made = requests.RequestExecutorChange(id, String(body, "proposed_executor"),
                                             String(body, "reason"), call.actor());
  if (!made) return Refused(made.refusal());
  return Json(201, ChangeJson(made.value()));
}

Reply DecideExecutorChange(const ApiDeps& deps, Call& call) {
  auto& requests = Need(deps.desk.requests);
  const int64_t id = RequestId(call);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"approve", "note", "executor"});
  auto decided = requests.DecideExecutorChange(id, RequiredBool(body, "approve"),
                                               String(body, "note"), String(body, "executor"),
                                               call.actor());
  if (!decided) return Refused(decided.refusal());
  return Json(200, ChangeJson(decided.value()));
}

Reply AddExecutor(const ApiDeps& deps, Call& call) {
  auto& requests = Need(deps.desk.requests);
  const int64_t id = AppealId(call);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"add"});
  auto appeal = requests.AddExecutor(id, String(body, "add"), call.actor());
  if (!appeal) return Refused(appeal.refusal());
  return Json(200, AppealJson(appeal.value(), deps.clock->Now()));
}

Reply NotMyCompetence(const ApiDeps& deps, Call& call) {
  auto& requests = Need(deps.desk.requests);
  const int64_t id = AppealId(call);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"proposed_executor", "reason"});
  auto made = requests.NotMyCompetence(id, String(body, "proposed_executor"),
                                       String(body, "reason"), call.actor());
  if (!made) return Refused(made.refusal());
  return Json(201, ChangeJson(made.value()));
}

Reply Informed(const ApiDeps& deps, Call& call) {
  auto& requests = Need(deps.desk.requests);
  const int64_t id = AppealId(call);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"how", "at", "by", "unit", "performer", "performer_phone", "note"});
  Informing i;
  i.how = String(body, "how");
  if (i.how.empty()) throw HttpError(422, "missing_how", "field 'how' is required");
  i.at = RequiredTime(body, "at");
  i.by = String(body, "by");
  i.unit = String(body, "unit");
  i.performer = String(body, "performer");
  i.performer_phone = String(body, "performer_phone");
  i.note = String(body, "note");
  auto recorded = requests.RecordInforming(id, i, call.actor());
  if (!recorded) return Refused(recorded.refusal());
  return Json(201, InformingJson(recorded.value()));
}

Reply Flags(const ApiDeps& deps, Call& call) {
  auto& requests = Need(deps.desk.requests);
  const int64_t id = AppealId(call);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"commission_inspection"});
  auto appeal =
      requests.SetCommissionInspection(id, RequiredBool(body, "commission_inspection"), call.actor());
  if (!appeal) return Refused(appeal.refusal());
  return Json(200, AppealJson(appeal.value(), deps.clock->Now()));
}

Reply ListRequests(const ApiDeps& deps, Call& call) {
  auto& requests = Need(deps.desk.requests);
  auto view = requests.Requests(AppealId(call), call.actor());
  if (!view) return Refused(view.refusal());
  Object::Ptr o = NewObject();
  Array::Ptr ext = new Array, changes = new Array, informed = new Array;
  for (const auto& r : view->extensions) ext->add(ExtensionJson(r));
  for (const auto& r : view->executor_changes) changes->add(ChangeJson(r));
  for (const auto& i : view->informings) informed->add(InformingJson(i));
  o->set("extension_requests", ext);
  o->set("executor_change_requests", changes);
  o->set("informed", informed);
  return Json(200, o);
}

}  // namespace

void RegisterRequestRoutes(Router& router, const ApiDeps& deps) {
  const ApiDeps* d = &deps;
  auto add = [&](const char* method, const char* path, Reply (*fn)(const ApiDeps&, Call&)) {
    router.Add(method, path, [d, fn](Call& c) { return fn(*d, c); });
  };
  add("POST", "/api/v1/appeals/{id}/attachments", Upload);
  add("GET", "/api/v1/files/{sha256}", Download);
  add("POST", "/api/v1/appeals/{id}/extension-requests", RequestExtension);
  add("POST", "/api/v1/extension-requests/{id}/decision", DecideExtension);
  add("POST", "/api/v1/appeals/{id}/executor-change-requests", RequestExecutorChange);
  add("POST", "/api/v1/executor-change-requests/{id}/decision", DecideExecutorChange);
  add("POST", "/api/v1/appeals/{id}/executors", AddExecutor);
  add("POST", "/api/v1/appeals/{id}/not-my-competence", NotMyCompetence);
  add("POST", "/api/v1/appeals/{id}/informed", Informed);
  add("POST", "/api/v1/appeals/{id}/flags", Flags);
  add("GET", "/api/v1/appeals/{id}/requests", ListRequests);
}

}  // namespace vikno::http
