#include "http/api_cabinet.h"

#include <Poco/Net/NameValueCollection.h>
#include <Poco/String.h>


#include "cabinet/cabinet.h"
#include "http/api_request_helpers.h"
#include "http/session_http.h"
#include "http/upload.h"
#include "messages/messages.h"

namespace vikno::http {
namespace {

using api::Array;
using api::Json;
using api::NewObject;
using api::Object;
using api::OnlyFields;
using api::ParseObject;
using api::String;

bool IsChange(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

Reply Refused(const Refusal& r) {
  int status = StatusOf(r);
  if (r.code == "unauthorized" || r.code == "session_expired" || r.code == "bad_credentials")
    status = 401;
  if (r.code == "bad_code" || r.code == "code_exhausted" || r.code == "consent_required" ||
      r.code == "stale_privacy_version" || r.code == "weak_password" ||
      r.code == "invalid_login" || r.code == "invalid_name" || r.code == "not_rateable" ||
      r.code == "closed" || r.code == "missing_file" || r.code == "invalid_score" ||
      r.code == "invalid_comment" || r.code == "too_many_files")
    status = 422;
  if (r.code == "already_rated" || r.code == "login_taken") status = 409;
  if (r.code == "too_soon" || r.code == "too_many_codes" || r.code == "throttled") status = 429;
  if (r.code == "channel_unavailable") status = 503;
  if (r.code == "too_large") status = 413;
  if (r.code == "type_not_allowed" || r.code == "type_mismatch") status = 415;
  return Reply{status, ErrorJson(r.code, r.message), {}, {}};
}

Reply RefusedAfter(const Refusal& r, std::chrono::seconds retry_after) {
  Reply reply = Refused(r);
  if (reply.status == 429 && retry_after.count() > 0)
    reply.headers.emplace_back("Retry-After", std::to_string(retry_after.count()));
  return reply;
}

std::string Client(Call& call) { return call.request().clientAddress().host().toString(); }

std::string CabinetCookie(Call& call) {
  Poco::Net::NameValueCollection cookies;
  call.request().getCookies(cookies);
  return cookies.get(kCabinetCookie, "");
}

std::string CookieHeader(const Cabinet& cabinet, Call& call, const std::string& value,
                         bool clear) {
  std::string c =
      std::string(kCabinetCookie) + "=" + value + "; HttpOnly; SameSite=Strict; Path=/";
  if (clear) c += "; Max-Age=0";
  // Behind a TLS-terminating proxy the request arrives as plain http.
  if (cabinet.config().secure_cookie ||
      Poco::icompare(call.request().get("X-Forwarded-Proto", ""), "https") == 0)
    c += "; Secure";
  return c;
}

// The signed-in resident of the request, with the CSRF checks of a change.
Cabinet::Current Authenticate(Cabinet& cabinet, Call& call) {
  auto current = cabinet.Resolve(CabinetCookie(call), Client(call));
  if (!current)
    throw HttpError(401, current.refusal().code, current.refusal().message);
  auto& request = call.request();
  if (IsChange(request.getMethod())) {
    CheckOrigin(request, "");
    const std::string presented = request.get("X-CSRF-Token", "");
    if (presented.empty() || !ConstantTimeEquals(presented, current->session.csrf_token))
      throw HttpError(403, "csrf", "the X-CSRF-Token header is missing or wrong");
  }
  return std::move(current).value();
}

int64_t AppealIdParam(const Call& call) { return api::PositiveId(call.Param("id"), "appeal id"); }

Object::Ptr AccountJson(const CabinetAccount& a) {
  Object::Ptr o = NewObject();
  o->set("id", a.id);
  o->set("login", a.login);
  o->set("login_kind", a.login_kind);
  o->set("has_password", !a.password_hash.empty());
  o->set("created_at", FormatIso8601(a.created_at));
  return o;
}

Reply SignedInReply(const Cabinet& cabinet, Call& call, const Cabinet::SignedIn& s) {
  Object::Ptr o = NewObject();
  o->set("account", AccountJson(s.account));
  o->set("csrf_token", s.csrf_token);
  o->set("created", s.created);
  Reply reply = Json(s.created ? 201 : 200, o);
  reply.headers.emplace_back("Set-Cookie", CookieHeader(cabinet, call, s.token, false));
  return reply;
}

// The appeal as the resident sees it: no executor ids or internal flags
// beyond what AppealJson shows the public API.
Object::Ptr CabinetAppealJson(const ApiDeps& deps, const Appeal& a) {
  Object::Ptr o = AppealJson(a, deps.clock->Now());
  o->remove("resident_id");
  o->remove("version");
  std::string label = deps.label ? deps.label("status." + std::string(StatusCode(a.status))) : "";
  o->set("status_label", label.empty() ? std::string(StatusCode(a.status)) : label);
  return o;
}

Reply Messages_(const ApiDeps& deps, Call& call) {
  std::string language = "uk";
  for (const auto& [name, value] : call.query()) {
    if (name != "lang")
      throw HttpError(400, "invalid_parameter", "unknown parameter '" + name + "'");
    language = value;
  }
  const Messages* messages = deps.messages ? deps.messages(language) : nullptr;
  if (messages == nullptr)
    throw HttpError(404, "unknown_language", "no texts in language '" + language + "'");
  static const char* kGroups[] = {"cabinet.", "status.", "action."};
  Object::Ptr o = NewObject();
  o->set("language", messages->language());
  Object::Ptr texts = NewObject();
  for (const auto& [key, text] : messages->texts())
    for (const char* group : kGroups)
      if (key.rfind(group, 0) == 0) {
        texts->set(key, text);
        break;
      }
  o->set("texts", texts);
  Reply reply = Json(200, o);
  reply.headers.emplace_back("Cache-Control", "no-cache");
  return reply;
}

Reply Config_(const ApiDeps& deps, Cabinet& cabinet, Call& call) {
  std::string language = "uk";
  for (const auto& [name, value] : call.query()) {
    if (name != "lang")
      throw HttpError(400, "invalid_parameter", "unknown parameter '" + name + "'");
    language = value;
  }
  const Messages* messages = deps.messages ? deps.messages(language) : nullptr;
  if (messages == nullptr)
    throw HttpError(404, "unknown_language", "no texts in language '" + language + "'");
  Object::Ptr o = NewObject();
  o->set("privacy_version", cabinet.config().privacy_version);
  // R31, 000 §1.6: the notice the resident accepts, with the retention term.
  o->set("privacy_notice",
         messages->Get("privacy.notice", {{"years", std::to_string(cabinet.retention_years())}}));
  o->set("max_file_bytes", cabinet.files_limits().max_bytes);
  Array::Ptr types = new Array;
  for (const auto& t : cabinet.files_limits().allowed_types) types->add(t);
  o->set("allowed_types", types);
  o->set("max_files", Cabinet::kMaxFilesPerAppeal);
  return Json(200, o);
}

Reply SendCode(Cabinet& cabinet, Call& call) {
  CheckOrigin(call.request(), "");
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"login"});
  std::chrono::seconds retry{0};
  auto sent = cabinet.SendCode(String(body, "login"), Client(call), &retry);
  if (!sent) return RefusedAfter(sent.refusal(), retry);
  Object::Ptr o = NewObject();
  o->set("sent_to", sent->sent_to);
  o->set("expires_in", sent->expires_in_seconds);
  o->set("resend_after", sent->resend_after_seconds);
  return Json(202, o);
}

Reply SignIn(Cabinet& cabinet, Call& call) {
  CheckOrigin(call.request(), "");
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"login", "code", "password", "sign_up"});
  const std::string login = String(body, "login");
  const std::string code = String(body, "code");
  const std::string password = String(body, "password");
  if (login.empty()) throw HttpError(422, "missing_login", "field 'login' is required");
  if (code.empty() == password.empty())
    throw HttpError(422, "missing_code", "give either 'code' or 'password'");
  std::optional<Cabinet::SignUp> sign_up;
  if (body->has("sign_up") && !body->isNull("sign_up")) {
    auto s = body->getObject("sign_up");
    if (!s) throw HttpError(400, "invalid_field", "field 'sign_up' must be an object");
    OnlyFields(s, {"name", "privacy_version", "consent"});
    // The consent is the resident's explicit act (R31): a box they ticked.
    if (!s->has("consent") || !s->get("consent").isBoolean() || !s->getValue<bool>("consent"))
      throw HttpError(422, "consent_required", "field 'sign_up.consent' must be true");
    sign_up = Cabinet::SignUp{String(s, "name"), String(s, "privacy_version")};
  }
  const std::string presented = CabinetCookie(call);
  if (!code.empty()) {
    auto in = cabinet.SignInWithCode(login, code, sign_up, Client(call), presented);
    if (!in) return Refused(in.refusal());
    return SignedInReply(cabinet, call, in.value());
  }
  std::chrono::seconds retry{0};
  auto in = cabinet.SignInWithPassword(login, password, Client(call), presented, &retry);
  if (!in) return RefusedAfter(in.refusal(), retry);
  return SignedInReply(cabinet, call, in.value());
}

Reply GetSession(Cabinet& cabinet, Call& call) {
  auto current = Authenticate(cabinet, call);
  Object::Ptr o = NewObject();
  o->set("account", AccountJson(current.account));
  o->set("csrf_token", current.session.csrf_token);
  return Json(200, o);
}

Reply SignOut(Cabinet& cabinet, Call& call) {
  auto current = Authenticate(cabinet, call);
  cabinet.SignOut(current);
  Reply reply{204, "", {}, {}};
  reply.headers.emplace_back("Set-Cookie", CookieHeader(cabinet, call, "", true));
  return reply;
}

Reply Reset(Cabinet& cabinet, Call& call) {
  CheckOrigin(call.request(), "");
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"login", "code", "password"});
  auto in = cabinet.ResetPassword(String(body, "login"), String(body, "code"),
                                  String(body, "password"), Client(call), CabinetCookie(call));
  if (!in) return Refused(in.refusal());
  return SignedInReply(cabinet, call, in.value());
}

Reply ChangePassword(Cabinet& cabinet, Call& call) {
  auto current = Authenticate(cabinet, call);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"current", "password"});
  auto done = cabinet.ChangePassword(current, String(body, "current"), String(body, "password"));
  if (!done) return Refused(done.refusal());
  return Reply{204, "", {}, {}};
}

Reply ProfileReply(Cabinet& cabinet, const Cabinet::Current& current) {
  auto p = cabinet.GetProfile(current);
  if (!p) return Refused(p.refusal());
  Object::Ptr o = NewObject();
  o->set("account", AccountJson(p->account));
  const Identity id = p->resident.identity.value_or(Identity{});
  o->set("name", id.name);
  o->set("phone", id.phone);
  o->set("email", id.email);
  if (p->resident.consent) {
    Object::Ptr c = NewObject();
    c->set("given_at", FormatIso8601(p->resident.consent->given_at));
    c->set("text_version", p->resident.consent->text_version);
    o->set("consent", c);
  } else {
    o->set("consent", Poco::Dynamic::Var());
  }
  return Json(200, o);
}

Reply GetProfile(Cabinet& cabinet, Call& call) {
  return ProfileReply(cabinet, Authenticate(cabinet, call));
}

Reply PatchProfile(Cabinet& cabinet, Call& call) {
  auto current = Authenticate(cabinet, call);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"name"});
  if (!body->has("name")) throw HttpError(422, "missing_name", "field 'name' is required");
  auto done = cabinet.SetName(current, Poco::trim(String(body, "name")));
  if (!done) return Refused(done.refusal());
  return ProfileReply(cabinet, current);
}

Reply Erase(Cabinet& cabinet, Call& call) {
  auto current = Authenticate(cabinet, call);
  auto done = cabinet.Erase(current);
  if (!done) return Refused(done.refusal());
  Reply reply{204, "", {}, {}};
  reply.headers.emplace_back("Set-Cookie", CookieHeader(cabinet, call, "", true));
  return reply;
}

Reply Categories(const ApiDeps& deps, Cabinet& cabinet, Call& call) {
  Authenticate(cabinet, call);
  Object::Ptr o = NewObject();
  Array::Ptr list = new Array;
  for (const auto& c : deps.store->ListCategories()) {
    Object::Ptr item = NewObject();
    item->set("id", c.id);
    item->set("parent_id", c.parent_id);
    item->set("name", c.name);
    list->add(item);
  }
  o->set("items", list);
  return Json(200, o);
}

Reply Addresses(const ApiDeps& deps, Cabinet& cabinet, Call& call) {
  Authenticate(cabinet, call);
  std::string q;
  for (const auto& [name, value] : call.query()) {
    if (name != "q") throw HttpError(400, "invalid_parameter", "unknown parameter '" + name + "'");
    q = value;
  }
  if (!deps.desk.address_lookup)
    throw HttpError(503, "unavailable", "the address registry is not configured on this host");
  Object::Ptr o = NewObject();
  Array::Ptr list = new Array;
  if (Poco::trim(q).size() >= 2) {
    for (const auto& a : deps.desk.address_lookup(q.substr(0, 200), 10)) {
      Object::Ptr item = NewObject();
      item->set("registry_id", a.id);
      item->set("city", a.city);
      item->set("district", a.district);
      item->set("street", a.street);
      item->set("house", a.house);
      if (a.point) {
        Object::Ptr p = NewObject();
        p->set("lat", a.point->lat);
        p->set("lon", a.point->lon);
        item->set("point", p);
      } else {
        item->set("point", Poco::Dynamic::Var());
      }
      list->add(item);
    }
  }
  o->set("items", list);
  return Json(200, o);
}

int QueryInt(const std::string& name, const std::string& value, int min, int max) {
  Poco::Int64 n = 0;
  if (!Poco::NumberParser::tryParse64(value, n) || n < min || n > max)
    throw HttpError(400, "invalid_parameter",
                    "parameter '" + name + "' must be an integer in " + std::to_string(min) +
                        ".." + std::to_string(max));
  return static_cast<int>(n);
}

Reply ListAppeals(const ApiDeps& deps, Cabinet& cabinet, Call& call) {
  auto current = Authenticate(cabinet, call);
  bool archive = false;
  int limit = 20, offset = 0;
  for (const auto& [name, value] : call.query()) {
    if (name == "archive") {
      if (value != "true" && value != "false")
        throw HttpError(400, "invalid_parameter", "parameter 'archive' must be true or false");
      archive = value == "true";
    } else if (name == "limit") {
      limit = QueryInt(name, value, 1, 100);
    } else if (name == "offset") {
      offset = QueryInt(name, value, 0, 1000000);
    } else {
      throw HttpError(400, "invalid_parameter", "unknown parameter '" + name + "'");
    }
  }
  auto page = cabinet.List(current, archive, limit, offset);
  if (!page) return Refused(page.refusal());
  Object::Ptr o = NewObject();
  Array::Ptr items = new Array;
  for (const auto& a : page->items) items->add(CabinetAppealJson(deps, a));
  o->set("items", items);
  o->set("has_more", page->has_more);
  if (page->total) o->set("total", *page->total);
  return Json(200, o);
}

double Coordinate(const Object::Ptr& p, const std::string& name) {
  if (!p->has(name) || !p->get(name).isNumeric())
    throw HttpError(400, "invalid_field", "field 'address.point." + name + "' must be a number");
  return p->getValue<double>(name);
}

Reply FileAppeal(const ApiDeps& deps, Cabinet& cabinet, Call& call) {
  auto current = Authenticate(cabinet, call);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"description", "category", "address"});
  NewAppeal input;
  input.description = String(body, "description");
  input.category = String(body, "category");
  if (!input.category.empty()) {
    bool known = false;
    for (const auto& c : deps.store->ListCategories()) known = known || c.id == input.category;
    if (!known) throw HttpError(422, "invalid_category", "no category '" + input.category + "'");
  }
  if (body->has("address") && !body->isNull("address")) {
    auto a = body->getObject("address");
    if (!a) throw HttpError(400, "invalid_field", "field 'address' must be an object");
    OnlyFields(a, {"registry_id", "street", "house", "flat", "entrance", "point"});
    if (a->has("registry_id") && !a->isNull("registry_id")) {
      auto v = a->get("registry_id");
      if (!v.isInteger() || v.convert<Poco::Int64>() <= 0)
        throw HttpError(400, "invalid_field", "field 'address.registry_id' must be a positive id");
      auto reg = deps.store->FindRegistryAddress(v.convert<Poco::Int64>());
      if (!reg) throw HttpError(422, "invalid_address", "no such address in the registry");
      // The registry's own spelling, not whatever the page sent (R3).
      input.address.registry_id = reg->id;
      input.address.city = reg->city;
      input.address.district = reg->district;
      input.address.street = reg->street;
      input.address.house = reg->house;
      input.address.point = reg->point;
    } else {
      input.address.street = String(a, "street");
      input.address.house = String(a, "house");
    }
    input.address.flat = String(a, "flat");
    input.address.entrance = String(a, "entrance");
    for (const std::string* f : {&input.address.street, &input.address.house,
                                 &input.address.flat, &input.address.entrance})
      if (f->size() > 200 || !IsValidUtf8(*f))
        throw HttpError(400, "invalid_field", "an address field is too long or not UTF-8");
    if (a->has("point") && !a->isNull("point")) {
      auto p = a->getObject("point");
      if (!p) throw HttpError(400, "invalid_field", "field 'address.point' must be an object");
      OnlyFields(p, {"lat", "lon"});
      GeoPoint point{Coordinate(p, "lat"), Coordinate(p, "lon")};
      if (point.lat < -90 || point.lat > 90 || point.lon < -180 || point.lon > 180)
        throw HttpError(400, "invalid_field", "field 'address.point' is outside the globe");
      input.address.point = point;  // the resident's own pin beats the building's
    }
  }
  auto created = cabinet.File(current, input);
  if (!created) return Refused(created.refusal());
  Reply reply = Json(201, CabinetAppealJson(deps, created.value()));
  reply.headers.emplace_back("Location",
                             "/api/v1/cabinet/appeals/" + std::to_string(created->id));
  return reply;
}

Reply GetAppeal(const ApiDeps& deps, Cabinet& cabinet, Call& call) {
  auto current = Authenticate(cabinet, call);
  auto card = cabinet.Card(current, AppealIdParam(call));
  if (!card) return Refused(card.refusal());
  Object::Ptr o = CabinetAppealJson(deps, card->appeal);
  Array::Ptr comments = new Array, files = new Array, timeline = new Array, actions = new Array;
  for (const auto& c : card->comments) {
    Object::Ptr item = NewObject();
    item->set("text", c.text);
    item->set("by", c.author_role == "resident" ? "resident" : "city");
    item->set("created_at", FormatIso8601(c.created_at));
    comments->add(item);
  }
  for (const auto& f : card->attachments) {
    Object::Ptr item = NewObject();
    item->set("sha256", f.sha256);
    item->set("media_type", f.media_type);
    item->set("size", f.size);
    item->set("original_name", f.original_name);
    item->set("by", f.uploaded_by == current.account.resident_id ? "resident" : "city");
    item->set("created_at", FormatIso8601(f.created_at));
    item->set("url", "/api/v1/cabinet/appeals/" + std::to_string(card->appeal.id) + "/files/" +
                         f.sha256);
    files->add(item);
  }
  for (const auto& t : card->timeline) {
    Object::Ptr item = NewObject();
    item->set("at", FormatIso8601(t.at));
    item->set("action", t.action);
    item->set("status", t.status);
    item->set("by", t.by);
    item->set("note", t.note);
    timeline->add(item);
  }
  for (const auto& a : card->actions) actions->add(a);
  o->set("comments", comments);
  o->set("files", files);
  o->set("timeline", timeline);
  if (card->rating) {
    Object::Ptr r = NewObject();
    r->set("score", card->rating->score);
    r->set("comment", card->rating->comment);
    r->set("created_at", FormatIso8601(card->rating->created_at));
    o->set("rating", r);
  } else {
    o->set("rating", Poco::Dynamic::Var());
  }
  o->set("actions", actions);
  return Json(200, o);
}

Reply Act(const ApiDeps& deps, Cabinet& cabinet, Call& call) {
  auto current = Authenticate(cabinet, call);
  const int64_t id = AppealIdParam(call);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"action", "note"});
  const std::string action = String(body, "action");
  if (action.empty()) throw HttpError(422, "missing_action", "field 'action' is required");
  auto moved = cabinet.Act(current, id, action, String(body, "note"));
  if (!moved) return Refused(moved.refusal());
  return Json(200, CabinetAppealJson(deps, moved.value()));
}

Reply Rate(Cabinet& cabinet, Call& call) {
  auto current = Authenticate(cabinet, call);
  const int64_t id = AppealIdParam(call);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"score", "comment"});
  if (!body->has("score") || !body->get("score").isInteger())
    throw HttpError(422, "invalid_score", "field 'score' must be an integer 1 to 5");
  const Poco::Int64 score = body->getValue<Poco::Int64>("score");
  if (score < 1 || score > 5)
    throw HttpError(422, "invalid_score", "field 'score' must be an integer 1 to 5");
  auto rated = cabinet.Rate(current, id, static_cast<int>(score), String(body, "comment"));
  if (!rated) return Refused(rated.refusal());
  Object::Ptr o = NewObject();
  o->set("score", rated->score);
  o->set("comment", rated->comment);
  o->set("created_at", FormatIso8601(rated->created_at));
  return Json(201, o);
}

// Keeps the "file" part of a multipart form; other parts are read and dropped.
Reply Upload(const ApiDeps& deps, Cabinet& cabinet, Call& call) {
  // Authenticate before reading a byte of the body: no anonymous uploads.
  auto current = Authenticate(cabinet, call);
  const int64_t id = AppealIdParam(call);
  const UploadedFile part = ReadUploadedFile(call, deps.desk.max_upload_bytes);
  auto attached = cabinet.Attach(current, id, part.bytes, part.type, part.name);
  if (!attached) return Refused(attached.refusal());
  Object::Ptr o = AttachmentJson(attached.value());
  o->remove("uploaded_by");
  return Json(201, o);
}

Reply Download(Cabinet& cabinet, Call& call) {
  auto current = Authenticate(cabinet, call);
  const int64_t id = AppealIdParam(call);
  const std::string sha = call.Param("sha256");
  if (!FileStore::IsValidId(sha)) throw HttpError(404, "not_found", "no such file");
  auto file = cabinet.ReadFile(current, id, sha);
  if (!file) return Refused(file.refusal());
  Reply reply{200, std::move(file->bytes), {}, file->attachment.media_type};
  // A download, never a page rendered from our origin (XSS).
  reply.headers.emplace_back("Content-Disposition",
                             "attachment; filename=\"" + sha.substr(0, 16) + "\"");
  return reply;
}

}  // namespace

void RegisterCabinetRoutes(Router& router, const ApiDeps& deps, Cabinet& cabinet) {
  const ApiDeps* d = &deps;
  Cabinet* c = &cabinet;
  auto add = [&router](const char* method, const char* path, Handler h) {
    // The cabinet authenticates with its own cookie (Authenticate above),
    // never with the staff's session or an API key.
    router.Add(method, path, std::move(h), /*needs_auth=*/false);
  };
  add("GET", "/api/v1/cabinet/messages", [d](Call& call) { return Messages_(*d, call); });
  add("GET", "/api/v1/cabinet/config", [d, c](Call& call) { return Config_(*d, *c, call); });
  add("POST", "/api/v1/cabinet/code", [c](Call& call) { return SendCode(*c, call); });
  add("POST", "/api/v1/cabinet/session", [c](Call& call) { return SignIn(*c, call); });
  add("GET", "/api/v1/cabinet/session", [c](Call& call) { return GetSession(*c, call); });
  add("DELETE", "/api/v1/cabinet/session", [c](Call& call) { return SignOut(*c, call); });
  add("POST", "/api/v1/cabinet/password/reset", [c](Call& call) { return Reset(*c, call); });
  add("PUT", "/api/v1/cabinet/password", [c](Call& call) { return ChangePassword(*c, call); });
  add("GET", "/api/v1/cabinet/profile", [c](Call& call) { return GetProfile(*c, call); });
  add("PATCH", "/api/v1/cabinet/profile", [c](Call& call) { return PatchProfile(*c, call); });
  add("DELETE", "/api/v1/cabinet/profile", [c](Call& call) { return Erase(*c, call); });
  add("GET", "/api/v1/cabinet/categories",
      [d, c](Call& call) { return Categories(*d, *c, call); });
  add("GET", "/api/v1/cabinet/addresses", [d, c](Call& call) { return Addresses(*d, *c, call); });
  add("GET", "/api/v1/cabinet/appeals", [d, c](Call& call) { return ListAppeals(*d, *c, call); });
  add("POST", "/api/v1/cabinet/appeals", [d, c](Call& call) { return FileAppeal(*d, *c, call); });
  add("GET", "/api/v1/cabinet/appeals/{id}",
      [d, c](Call& call) { return GetAppeal(*d, *c, call); });
  add("POST", "/api/v1/cabinet/appeals/{id}/actions",
      [d, c](Call& call) { return Act(*d, *c, call); });
  add("POST", "/api/v1/cabinet/appeals/{id}/rating", [c](Call& call) { return Rate(*c, call); });
  add("POST", "/api/v1/cabinet/appeals/{id}/files",
      [d, c](Call& call) { return Upload(*d, *c, call); });
  add("GET", "/api/v1/cabinet/appeals/{id}/files/{sha256}",
      [c](Call& call) { return Download(*c, call); });
}

}  // namespace vikno::http
