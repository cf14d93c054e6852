// Issue 5, the operator's window (R4, R1 phone, R8, R13) and abuse (R30):
//   GET    /api/v1/residents?phone=+380...      residents with their appeals
//   GET    /api/v1/registry/addresses?q=&limit= registry matches (R3)
//   GET    /api/v1/executors, /api/v1/directory services with contacts (R8)
//   PATCH  /api/v1/executors/{id}               {phone, email, head} (administrators)
//   GET    /api/v1/categories                   the classifier tree
//   GET    /api/v1/kb?q=                        knowledge base search (staff)
//   POST   /api/v1/kb, PATCH|DELETE /api/v1/kb/{id}   (administrators)
//   POST   /api/v1/consultations                {phone|resident_id, kb_id, note} -> 201 (R13)
//   GET    /api/v1/consultations?phone=|resident=
//   POST   /api/v1/residents/{id}/block         {channel, reason, approved_by} -> 201 (R30)
//   DELETE /api/v1/residents/{id}/block?channel= -> 204
//   GET    /api/v1/blocks
// A phone appeal is POST /api/v1/appeals with channel "phone" (api.cc).
#include "http/api_request_helpers.h"
#include "http/desk_services.h"

namespace vikno::http {
namespace {

using namespace api;  // NOLINT: the helpers of this API area

Object::Ptr ExecutorJson(const Executor& e) {
  Object::Ptr o = NewObject();
  o->set("id", e.id);
  o->set("name", e.name);
  o->set("phone", e.phone);
  o->set("email", e.email);
  o->set("head", e.head);
  o->set("active", e.active);
  return o;
}

Object::Ptr KbJson(const KbEntry& e) {
  Object::Ptr o = NewObject();
  o->set("id", e.id);
  o->set("title", e.title);
  o->set("body", e.body);
  Array::Ptr tags = new Array;
  for (const auto& t : e.tags) tags->add(t);
  o->set("tags", tags);
  o->set("state_body", e.state_body);
  o->set("updated_by", e.updated_by);
  o->set("updated_at", FormatIso8601(e.updated_at));
  return o;
}

Object::Ptr ConsultationJson(const Consultation& c) {
  Object::Ptr o = NewObject();
  o->set("id", c.id);
  o->set("resident_id", c.resident_id);
  o->set("phone", c.phone);
  o->set("kb_id", c.kb_id ? Poco::Dynamic::Var(*c.kb_id) : Poco::Dynamic::Var());
  o->set("note", c.note);
  o->set("recorded_by", c.recorded_by);
  o->set("recorded_at", FormatIso8601(c.recorded_at));
  return o;
}

Object::Ptr BlockJson(const ResidentBlock& b) {
  Object::Ptr o = NewObject();
  o->set("resident_id", b.resident_id);
  o->set("channel", b.channel);
  o->set("reason", b.reason);
  o->set("approved_by", b.approved_by);
  o->set("blocked_by", b.blocked_by);
  o->set("blocked_at", FormatIso8601(b.blocked_at));
  return o;
}

// The query parameters of a GET, each at most once, none unknown.
std::map<std::string, std::string> Params(const Call& call,
                                          std::initializer_list<const char*> known) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : call.query()) {
    bool ok = false;
    for (const char* k : known) ok = ok || name == k;
    if (!ok) throw HttpError(400, "invalid_parameter", "unknown parameter '" + name + "'");
    if (!out.emplace(name, value).second)
      throw HttpError(400, "invalid_parameter", "parameter '" + name + "' is given twice");
  }
  return out;
}

int Limit(const std::map<std::string, std::string>& params, int fallback, int max) {
  auto it = params.find("limit");
  if (it == params.end()) return fallback;
  Poco::Int64 n = 0;
  if (!Poco::NumberParser::tryParse64(it->second, n) || n < 1 || n > max)
    throw HttpError(400, "invalid_parameter",
                    "parameter 'limit' must be an integer in 1.." + std::to_string(max));
  return static_cast<int>(n);
}

std::vector<std::string> Tags(const Object::Ptr& o) {
  std::vector<std::string> out;
  if (!o->has("tags") || o->isNull("tags")) return out;
  auto list = o->getArray("tags");
  if (!list) throw HttpError(400, "invalid_field", "field 'tags' must be an array of strings");
  for (size_t i = 0; i < list->size(); ++i) {
    auto v = list->get(static_cast<unsigned>(i));
    if (!v.isString()) throw HttpError(400, "invalid_field", "field 'tags' must hold strings");
    out.push_back(v.convert<std::string>());
  }
  return out;
}

bool IsStaffRole(Role r) { return r != Role::kResident && r != Role::kSystem; }

Reply Residents(const ApiDeps& deps, Call& call) {
  auto& kb = Need(deps.desk.kb);
  auto params = Params(call, {"phone"});
  auto found = kb.CallerByPhone(params["phone"], call.actor());
  if (!found) return Refused(found.refusal());
  const Timestamp now = deps.clock->Now();
  Object::Ptr o = NewObject();
  Array::Ptr items = new Array;
  for (const auto& rec : found.value()) {
    Object::Ptr r = NewObject();
    r->set("id", rec.resident.id);
    r->set("anonymous", rec.resident.anonymous);
    r->set("name", rec.resident.identity ? rec.resident.identity->name : "");
    r->set("phone", rec.resident.identity ? rec.resident.identity->phone : "");
    r->set("email", rec.resident.identity ? rec.resident.identity->email : "");
    r->set("consent_given_at", TimeOrNull(rec.resident.consent
                                              ? std::optional(rec.resident.consent->given_at)
                                              : std::nullopt));
    r->set("consent_text_version",
           rec.resident.consent ? rec.resident.consent->text_version : std::string());
    r->set("blocked_everywhere",
           deps.store->IsResidentBlocked(rec.resident.id, std::string(kAllChannels)));
    Array::Ptr appeals = new Array;
    for (const auto& a : rec.appeals) appeals->add(AppealJson(a, now));
    r->set("appeals", appeals);
    items->add(r);
  }
  o->set("items", items);
  return Json(200, o);
}

Reply RegistryAddresses(const ApiDeps& deps, Call& call) {
  if (!IsStaffRole(call.actor().role))
    throw HttpError(403, "forbidden", "the registry look-up is for staff");
  if (!deps.desk.address_lookup)
    throw HttpError(503, "unavailable", "the address registry is not loaded on this host");
  auto params = Params(call, {"q", "limit"});
  const int limit = Limit(params, 10, 50);
  Object::Ptr o = NewObject();
  Array::Ptr items = new Array;
  if (!params["q"].empty()) {
    for (const auto& a : deps.desk.address_lookup(params["q"], limit)) {
      Object::Ptr x = NewObject();
      x->set("registry_id", a.id);
      x->set("city", a.city);
      x->set("district", a.district);
      x->set("street", a.street);
      x->set("house", a.house);
      if (a.point) {
        Object::Ptr p = NewObject();
        p->set("lat", a.point->lat);
        p->set("lon", a.point->lon);
        x->set("point", p);
      } else {
        x->set("point", Poco::Dynamic::Var());
      }
      items->add(x);
    }
  }
  o->set("items", items);
  return Json(200, o);
}

Reply Executors(const ApiDeps& deps, Call& call) {
  auto& kb = Need(deps.desk.kb);
  Params(call, {});
  auto list = kb.Directory(call.actor());
  if (!list) return Refused(list.refusal());
  Object::Ptr o = NewObject();
  Array::Ptr items = new Array;
  for (const auto& e : list.value()) items->add(ExecutorJson(e));
  o->set("items", items);
  return Json(200, o);
}

Reply PatchExecutor(const ApiDeps& deps, Call& call) {
  auto& kb = Need(deps.desk.kb);
  const std::string id = call.Param("id");
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"phone", "email", "head"});
  // PATCH: fields left out keep their value.
  auto current = deps.store->FindExecutor(id);
  if (!current) {
    if (call.actor().role != Role::kAdministrator)
      throw HttpError(403, "forbidden", "your role may not edit the directory");
    throw HttpError(404, "not_found", "service '" + id + "' not found");
  }
  auto pick = [&](const char* name, const std::string& old) {
    return body->has(name) ? String(body, name) : old;
  };
  auto updated = kb.UpdateContacts(id, pick("phone", current->phone), pick("email", current->email),
                                   pick("head", current->head), call.actor());
  if (!updated) return Refused(updated.refusal());
  return Json(200, ExecutorJson(updated.value()));
}

Reply Categories(const ApiDeps& deps, Call& call) {
  if (!IsStaffRole(call.actor().role))
    throw HttpError(403, "forbidden", "the classifier is for staff");
  Params(call, {});
  Object::Ptr o = NewObject();
  Array::Ptr items = new Array;
  for (const auto& c : deps.store->ListCategories()) {
    Object::Ptr x = NewObject();
    x->set("id", c.id);
    x->set("parent_id", c.parent_id);
    x->set("name", c.name);
    x->set("executor_id", c.executor_id);
    x->set("type", c.type);
    items->add(x);
  }
  o->set("items", items);
  return Json(200, o);
}

Reply SearchKb(const ApiDeps& deps, Call& call) {
  auto& kb = Need(deps.desk.kb);
  auto params = Params(call, {"q", "limit"});
  auto found = kb.Search(params["q"], Limit(params, 50, 200), call.actor());
  if (!found) return Refused(found.refusal());
  Object::Ptr o = NewObject();
  Array::Ptr items = new Array;
  for (const auto& e : found.value()) items->add(KbJson(e));
  o->set("items", items);
  return Json(200, o);
}

KbEntry ReadEntry(const Object::Ptr& body, KbEntry e) {
  OnlyFields(body, {"title", "body", "tags", "state_body"});
  if (body->has("title")) e.title = String(body, "title");
  if (body->has("body")) e.body = String(body, "body");
  if (body->has("tags")) e.tags = Tags(body);
  if (body->has("state_body")) e.state_body = String(body, "state_body");
  return e;
}

Reply AddKb(const ApiDeps& deps, Call& call) {
  auto& kb = Need(deps.desk.kb);
  auto added = kb.Add(ReadEntry(ParseObject(call.JsonBody()), KbEntry{}), call.actor());
  if (!added) return Refused(added.refusal());
  return Json(201, KbJson(added.value()));
}

Reply PatchKb(const ApiDeps& deps, Call& call) {
  auto& kb = Need(deps.desk.kb);
  const int64_t id = PositiveId(call.Param("id"), "entry id");
  auto body = ParseObject(call.JsonBody());
  auto current = kb.Get(id, call.actor());
  if (!current) return Refused(current.refusal());
  auto updated = kb.Update(ReadEntry(body, current.value()), call.actor());
  if (!updated) return Refused(updated.refusal());
  return Json(200, KbJson(updated.value()));
}

Reply DeleteKb(const ApiDeps& deps, Call& call) {
  auto& kb = Need(deps.desk.kb);
  auto removed = kb.Remove(PositiveId(call.Param("id"), "entry id"), call.actor());
  if (!removed) return Refused(removed.refusal());
  return Reply{204, "", {}, {}};
}

Reply AddConsultation(const ApiDeps& deps, Call& call) {
  auto& kb = Need(deps.desk.kb);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"phone", "resident_id", "kb_id", "note"});
  if (!body->has("kb_id") || body->isNull("kb_id"))
    throw HttpError(422, "missing_kb_id", "field 'kb_id' is required");
  auto v = body->get("kb_id");
  if (!v.isInteger() || v.convert<Poco::Int64>() <= 0)
    throw HttpError(400, "invalid_field", "field 'kb_id' must be a positive integer");
  auto made = kb.Consult(String(body, "phone"), String(body, "resident_id"),
                         v.convert<Poco::Int64>(), String(body, "note"), call.actor());
  if (!made) return Refused(made.refusal());
  return Json(201, ConsultationJson(made.value()));
}

Reply ListConsultations(const ApiDeps& deps, Call& call) {
  auto& kb = Need(deps.desk.kb);
  auto params = Params(call, {"phone", "resident"});
  auto list = kb.Consultations(params["phone"], params["resident"], call.actor());
  if (!list) return Refused(list.refusal());
  Object::Ptr o = NewObject();
  Array::Ptr items = new Array;
  for (const auto& c : list.value()) items->add(ConsultationJson(c));
  o->set("items", items);
  return Json(200, o);
}

Reply Block(const ApiDeps& deps, Call& call) {
  auto& abuse = Need(deps.desk.abuse);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"channel", "reason", "approved_by"});
  std::string channel = String(body, "channel");
  if (channel.empty()) throw HttpError(422, "missing_channel", "field 'channel' is required");
  auto block = abuse.Block(call.Param("id"), channel, String(body, "reason"),
                           String(body, "approved_by"), call.actor());
  if (!block) return Refused(block.refusal());
  return Json(201, BlockJson(block.value()));
}

Reply Unblock(const ApiDeps& deps, Call& call) {
  auto& abuse = Need(deps.desk.abuse);
  auto params = Params(call, {"channel"});
  if (params["channel"].empty())
    throw HttpError(400, "invalid_parameter", "parameter 'channel' is required");
  auto done = abuse.Unblock(call.Param("id"), params["channel"], call.actor());
  if (!done) return Refused(done.refusal());
  return Reply{204, "", {}, {}};
}

Reply Blocks(const ApiDeps& deps, Call& call) {
  auto& abuse = Need(deps.desk.abuse);
  Params(call, {});
  auto list = abuse.List(call.actor());
  if (!list) return Refused(list.refusal());
  Object::Ptr o = NewObject();
  Array::Ptr items = new Array;
  for (const auto& b : list.value()) items->add(BlockJson(b));
  o->set("items", items);
  return Json(200, o);
}

}  // namespace

void RegisterOperatorRoutes(Router& router, const ApiDeps& deps) {
  const ApiDeps* d = &deps;
  auto add = [&](const char* method, const char* path, Reply (*fn)(const ApiDeps&, Call&)) {
    router.Add(method, path, [d, fn](Call& c) { return fn(*d, c); });
  };
  add("GET", "/api/v1/residents", Residents);
  add("GET", "/api/v1/registry/addresses", RegistryAddresses);
  add("GET", "/api/v1/executors", Executors);
  add("GET", "/api/v1/directory", Executors);
  add("PATCH", "/api/v1/executors/{id}", PatchExecutor);
  add("GET", "/api/v1/categories", Categories);
  add("GET", "/api/v1/kb", SearchKb);
  add("POST", "/api/v1/kb", AddKb);
  add("PATCH", "/api/v1/kb/{id}", PatchKb);
  add("DELETE", "/api/v1/kb/{id}", DeleteKb);
  add("POST", "/api/v1/consultations", AddConsultation);
  add("GET", "/api/v1/consultations", ListConsultations);
  add("POST", "/api/v1/residents/{id}/block", Block);
  add("DELETE", "/api/v1/residents/{id}/block", Unblock);
  add("GET", "/api/v1/blocks", Blocks);
}

}  // namespace vikno::http
