#include "http/api.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>

#include <set>

#include "http/api_events.h"
#include "http/api_broadcasts.h"
#include "http/api_json.h"
#include "http/api_reports.h"
#include "http/api_request_helpers.h"
#include "http/open311/open311.h"
#include "messages/messages.h"

namespace vikno::http {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Reply Json(int status, const Object::Ptr& o) { return Reply{status, Stringify(o), {}, {}}; }

Reply Refused(const Refusal& r) { return Reply{StatusOf(r), ErrorJson(r.code, r.message), {}, {}}; }

using api::OnlyFields;
using api::ParseObject;
using api::String;

bool Bool(const Object::Ptr& o, const std::string& name, bool fallback) {
  if (!o->has(name) || o->isNull(name)) return fallback;
  auto v = o->get(name);
  if (!v.isBoolean())
    throw HttpError(400, "invalid_field", "field '" + name + "' must be true or false");
  return v.convert<bool>();
}

Object::Ptr Child(const Object::Ptr& o, const std::string& name) {
  if (!o->has(name) || o->isNull(name)) return nullptr;
  auto child = o->getObject(name);
  if (!child) throw HttpError(400, "invalid_field", "field '" + name + "' must be an object");
  return child;
}

double Number(const Object::Ptr& o, const std::string& name, const std::string& where) {
  auto v = o->get(name);
  if (!v.isNumeric())
    throw HttpError(400, "invalid_field", "field '" + where + name + "' must be a number");
  return v.convert<double>();
}

int64_t IdParam(const Call& call) {
  const std::string& text = call.Param("id");
  Poco::Int64 id = 0;
  if (!Poco::NumberParser::tryParse64(text, id) || id <= 0 || std::to_string(id) != text)
    throw HttpError(400, "invalid_id", "appeal id must be a positive integer, not '" + text + "'");
  return id;
}

Timestamp Now(const ApiDeps& deps) { return deps.clock->Now(); }

Reply Healthz(const ApiDeps& deps) {
  bool store_ok = false;
  try {
    store_ok = deps.store->Ping();
  } catch (const std::exception&) {
    store_ok = false;
  }
  const std::string rules = deps.rules_name ? deps.rules_name() : "";
  auto o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  Object::Ptr ptr(o);
  const bool ok = store_ok && !rules.empty();
  o->set("status", ok ? "ok" : "unavailable");
  o->set("store", deps.store->Backend());
  o->set("rules", rules);
  if (!ok) {
    Array::Ptr problems = new Array;
    if (!store_ok) problems->add("store does not answer");
    if (rules.empty()) problems->add("no city rules loaded");
    o->set("problems", problems);
  }
  return Json(ok ? 200 : 503, ptr);
}

Reply CreateAppeal(const ApiDeps& deps, Call& call) {
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"description", "channel", "category", "address", "resident_id", "anonymous",
                    "resident", "consent"});
  NewAppeal input;
  input.description = String(body, "description");
  input.channel = String(body, "channel");
  if (input.channel.empty())
    throw HttpError(422, "missing_channel", "field 'channel' is required (web, phone, ...)");
  input.category = String(body, "category");
  input.resident_id = String(body, "resident_id");
  input.anonymous = Bool(body, "anonymous", false);
  if (auto a = Child(body, "address")) {
    OnlyFields(a,
               {"registry_id", "city", "district", "street", "house", "flat", "entrance", "point"},
               "address.");
    if (a->has("registry_id") && !a->isNull("registry_id")) {
      auto v = a->get("registry_id");
      if (!v.isInteger() || v.convert<Poco::Int64>() <= 0)
        throw HttpError(400, "invalid_field",
                        "field 'address.registry_id' must be a positive integer");
      input.address.registry_id = v.convert<Poco::Int64>();
    }
    input.address.city = String(a, "city", "address.");
    input.address.district = String(a, "district", "address.");
    input.address.street = String(a, "street", "address.");
    input.address.house = String(a, "house", "address.");
    input.address.flat = String(a, "flat", "address.");
    input.address.entrance = String(a, "entrance", "address.");
    if (auto p = Child(a, "point")) {
      OnlyFields(p, {"lat", "lon"}, "address.point.");
      GeoPoint point{Number(p, "lat", "address.point."), Number(p, "lon", "address.point.")};
      if (point.lat < -90 || point.lat > 90 || point.lon < -180 || point.lon > 180)
        throw HttpError(400, "invalid_field", "field 'address.point' is outside the globe");
      input.address.point = point;
    }
  }
  if (auto r = Child(body, "resident")) {
    OnlyFields(r, {"name", "phone", "email"}, "resident.");
    input.identity = Identity{String(r, "name", "resident."), String(r, "phone", "resident."),
                              String(r, "email", "resident.")};
  }
  if (auto c = Child(body, "consent")) {
    OnlyFields(c, {"text_version"}, "consent.");
    const std::string version = String(c, "text_version", "consent.");
    if (version.empty())
      throw HttpError(422, "missing_consent_version", "field 'consent.text_version' is required");
    input.consent = Consent{Now(deps), version};  // R31: when and which text
  }
  auto created = deps.appeals->Create(input, call.actor());
  if (!created) return Refused(created.refusal());
  Reply reply = Json(201, AppealJson(created.value(), Now(deps)));
  reply.headers.emplace_back("Location", "/api/v1/appeals/" + std::to_string(created->id));
  return reply;
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= text.size()) {
    size_t j = text.find(',', i);
    if (j == std::string::npos) j = text.size();
    out.push_back(Poco::trim(text.substr(i, j - i)));
    i = j + 1;
  }
  return out;
}

bool ParseFlag(const std::string& name, const std::string& value) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  throw HttpError(400, "invalid_parameter", "parameter '" + name + "' must be true or false");
}

int64_t ParseInt(const std::string& name, const std::string& value, int64_t min, int64_t max) {
  Poco::Int64 n = 0;
  if (!Poco::NumberParser::tryParse64(value, n) || n < min || n > max)
    throw HttpError(400, "invalid_parameter",
                    "parameter '" + name + "' must be an integer in " + std::to_string(min) + ".." +
                        std::to_string(max));
  return n;
}

Reply ListAppeals(const ApiDeps& deps, Call& call) {
  AppealQuery query = ParseAppealQuery(call.query());
  auto page = deps.appeals->List(query, call.actor());
  if (!page) return Refused(page.refusal());
  const Timestamp now = Now(deps);
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  Array::Ptr items = new Array;
  for (const auto& a : page->items) items->add(AppealJson(a, now));
  o->set("items", items);
  o->set("limit", query.limit);
  o->set("offset", query.offset);
  o->set("has_more", page->has_more);
  if (page->total) o->set("total", *page->total);
  return Json(200, o);
}

Reply GetAppeal(const ApiDeps& deps, Call& call) {
  auto card = deps.appeals->Card(IdParam(call), call.actor());
  if (!card) return Refused(card.refusal());
  return Json(200, CardJson(card.value(), Now(deps)));
}

Reply Transition(const ApiDeps& deps, Call& call) {
  const int64_t id = IdParam(call);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"action", "note"});
  TransitionRequest request;
  request.action = String(body, "action");
  request.note = String(body, "note");
  if (request.action.empty()) throw HttpError(422, "missing_action", "field 'action' is required");
  auto moved = deps.appeals->Transition(id, request, call.actor());
  if (!moved) return Refused(moved.refusal());
  return Json(200, AppealJson(moved.value(), Now(deps)));
}

Reply AddComment(const ApiDeps& deps, Call& call) {
  const int64_t id = IdParam(call);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"text", "visible_to_resident"});
  auto comment = deps.appeals->AddComment(id, String(body, "text"),
                                          Bool(body, "visible_to_resident", false), call.actor());
  if (!comment) return Refused(comment.refusal());
  return Json(201, CommentJson(comment.value()));
}

Reply Statuses(const ApiDeps& deps) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  Array::Ptr list = new Array;
  for (const auto& info : AllStatuses()) {
    Object::Ptr s = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    const std::string code(info.code);
    std::string label = deps.label ? deps.label("status." + code) : "";
    s->set("code", code);
    s->set("colour", std::string(info.colour));
    s->set("label", label.empty() ? code : label);
    s->set("final", info.final);
    list->add(s);
  }
  o->set("statuses", list);
  return Json(200, o);
}

// The transitions the caller's role may take from the appeal's status now,
// straight from the R14 table (core/transitions.h), with the data each needs,
// so the panel's action menu never offers what the server would refuse.
// Scope is checked by loading the appeal as the caller (404/403 otherwise).
Reply Actions(const ApiDeps& deps, Call& call) {
  auto appeal = deps.appeals->Get(IdParam(call), call.actor());
  if (!appeal) return Refused(appeal.refusal());
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("status", std::string(StatusCode(appeal->status)));
  o->set("role", std::string(RoleCode(call.actor().role)));
  Array::Ptr list = new Array;
  for (const auto& rule : AllTransitions()) {
    if (rule.from != appeal->status || !rule.roles.Has(call.actor().role)) continue;
    Object::Ptr a = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    const std::string action(rule.action);
    std::string label = deps.label ? deps.label("action." + action) : "";
    a->set("action", action);
    a->set("to", std::string(StatusCode(rule.to)));
    a->set("needs", std::string(NeedsCode(rule.needs)));
    a->set("label", label.empty() ? action : label);
    list->add(a);
  }
  o->set("actions", list);
  return Json(200, o);
}

// The texts the panel shows: the groups below of config/messages/<lang>.yaml
// after the city's overrides. Public: the login page needs them.
Reply PanelMessages(const ApiDeps& deps, Call& call) {
  std::string language = "uk";
  for (const auto& [name, value] : call.query()) {
    if (name != "lang")
      throw HttpError(400, "invalid_parameter", "unknown parameter '" + name + "'");
    language = value;
  }
  const Messages* messages = deps.messages ? deps.messages(language) : nullptr;
  if (messages == nullptr)
    throw HttpError(404, "unknown_language", "no texts in language '" + language + "'");
  static const char* kGroups[] = {"panel.", "status.", "action.", "role.", "refusal.", "reports.", "open311.",
                                  "broadcasts.", "totp."};
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("language", messages->language());
  Object::Ptr texts = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& [key, text] : messages->texts()) {
    for (const char* group : kGroups) {
      if (key.rfind(group, 0) == 0) {
        texts->set(key, text);
        break;
      }
    }
  }
  // The events page's texts (issue 6) live in the events section.
  for (const auto& [key, text] : messages->texts())
    if (key.rfind("events.panel.", 0) == 0) texts->set(key, text);
  o->set("texts", texts);
  Reply reply = Json(200, o);
  // Not no-store like the rest of /api: texts change only with a deployment.
  reply.headers.emplace_back("Cache-Control", "no-cache");
  return reply;
}

}  // namespace

AppealQuery ParseAppealQuery(const std::vector<std::pair<std::string, std::string>>& params) {
  AppealQuery q;
  std::set<std::string> seen;
  for (const auto& [name, value] : params) {
    // Only `status` may repeat; a repeated scalar is ambiguous.
    if (name != "status" && !seen.insert(name).second)
      throw HttpError(400, "invalid_parameter", "parameter '" + name + "' is given twice");
    if (name == "from" || name == "to") {
      auto t = ParseIso8601(value);
      if (!t)
        throw HttpError(400, "invalid_parameter",
                        "parameter '" + name + "' must be an ISO 8601 date or time");
      (name == "from" ? q.created_from : q.created_to) = t;
    } else if (name == "executor") {
      std::vector<std::string> list;
      for (auto& e : SplitList(value)) {
        if (e.empty()) throw HttpError(400, "invalid_parameter", "parameter 'executor' is empty");
        list.push_back(e);
      }
      q.executors = list;
    } else if (name == "category") {
      q.category = value;
    } else if (name == "status") {
      for (const auto& code : SplitList(value)) {
        auto s = ParseStatus(code);
        if (!s)
          throw HttpError(400, "invalid_parameter",
                          "parameter 'status': unknown status '" + code + "'");
        q.statuses.push_back(*s);
      }
    } else if (name == "street") {
      q.street = value;
    } else if (name == "house") {
      q.house = value;
    } else if (name == "registry_id") {
      q.registry_id = ParseInt(name, value, 1, INT64_MAX);
    } else if (name == "resident") {
      q.resident_id = value;
    } else if (name == "channel") {
      q.channel = value;
    } else if (name == "overdue") {
      q.overdue_only = ParseFlag(name, value);
    } else if (name == "sort") {
      if (value == "newest")
        q.sort = AppealQuery::Sort::kNewestFirst;
      else if (value == "oldest")
        q.sort = AppealQuery::Sort::kOldestFirst;
      else if (value == "due")
        q.sort = AppealQuery::Sort::kDueSoonest;
      else
        throw HttpError(400, "invalid_parameter", "parameter 'sort' must be newest, oldest or due");
    } else if (name == "limit") {
      q.limit = static_cast<int>(ParseInt(name, value, 1, 200));
    } else if (name == "offset") {
      q.offset = static_cast<int>(ParseInt(name, value, 0, 1000000000));
    } else if (name == "total") {
      q.with_total = ParseFlag(name, value);
    } else {
      throw HttpError(400, "invalid_parameter", "unknown parameter '" + name + "'");
    }
  }
  if (q.created_from && q.created_to && *q.created_to < *q.created_from)
    throw HttpError(400, "invalid_parameter", "parameter 'to' is before 'from'");
  return q;
}

void RegisterRoutes(Router& router, const ApiDeps& deps) {
  const ApiDeps* d = &deps;  // owned by the server's state, which owns the router
  // First: /api/v1/appeals/export.xlsx must not be taken for an {id} (api_reports.cc).
  RegisterReportRoutes(router, deps);
  router.Add(
      "GET", "/healthz", [d](Call&) { return Healthz(*d); }, /*needs_auth=*/false);
  router.Add("POST", "/api/v1/appeals", [d](Call& c) { return CreateAppeal(*d, c); });
  router.Add("GET", "/api/v1/appeals", [d](Call& c) { return ListAppeals(*d, c); });
  router.Add("GET", "/api/v1/appeals/{id}", [d](Call& c) { return GetAppeal(*d, c); });
  router.Add("POST", "/api/v1/appeals/{id}/transitions",
             [d](Call& c) { return Transition(*d, c); });
  router.Add("POST", "/api/v1/appeals/{id}/comments", [d](Call& c) { return AddComment(*d, c); });
  router.Add("GET", "/api/v1/statuses", [d](Call&) { return Statuses(*d); });
  router.Add("GET", "/api/v1/appeals/{id}/actions", [d](Call& c) { return Actions(*d, c); });
  router.Add(
      "GET", "/api/v1/messages", [d](Call& c) { return PanelMessages(*d, c); },
      /*needs_auth=*/false);
  RegisterRequestRoutes(router, deps);   // api_requests.cc
  RegisterOperatorRoutes(router, deps);  // api_operator.cc
  RegisterBroadcastRoutes(router, deps);  // api_broadcasts.cc
  RegisterOpen311Routes(router, deps);   // open311/open311_api.cc (B1)
  RegisterEventRoutes(router, deps);     // api_events.cc (issue 6)
}

}  // namespace vikno::http
