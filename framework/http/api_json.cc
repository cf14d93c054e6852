#include "http/api_json.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

namespace vikno::http {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr NewObject() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

Poco::Dynamic::Var Time(const std::optional<Timestamp>& t) {
  if (!t) return Poco::Dynamic::Var();  // null
  return FormatIso8601(*t);
}

}  // namespace

Object::Ptr AppealJson(const Appeal& a, Timestamp now) {
  auto o = NewObject();
  o->set("id", a.id);
  o->set("number", a.number);
  o->set("status", std::string(StatusCode(a.status)));
  o->set("status_colour", std::string(Info(a.status).colour));
  o->set("type", a.type);
  o->set("category", a.category);
  o->set("executor", a.lead_executor());
  Array::Ptr executors = new Array;
  for (const auto& e : a.executors) executors->add(e);
  o->set("executors", executors);
  o->set("description", a.description);
  o->set("channel", a.channel);
  o->set("resident_id", a.resident_id);
  o->set("anonymous", a.anonymous);
  auto address = NewObject();
  address->set("registry_id", a.address.registry_id ? Poco::Dynamic::Var(*a.address.registry_id)
                                                    : Poco::Dynamic::Var());
  address->set("city", a.address.city);
  address->set("district", a.address.district);
  address->set("street", a.address.street);
  address->set("house", a.address.house);
  address->set("flat", a.address.flat);
  address->set("entrance", a.address.entrance);
  if (a.address.point) {
    auto point = NewObject();
    point->set("lat", a.address.point->lat);
    point->set("lon", a.address.point->lon);
    address->set("point", point);
  } else {
    address->set("point", Poco::Dynamic::Var());
  }
  o->set("address", address);
  o->set("created_at", FormatIso8601(a.created_at));
  o->set("updated_at", FormatIso8601(a.updated_at));
  o->set("accept_due", Time(a.accept_due));
  o->set("resolve_due", Time(a.resolve_due));
  o->set("accepted_at", Time(a.accepted_at));
  o->set("closed_at", Time(a.closed_at));
  o->set("overdue", a.overdue(now));
  o->set("repeat_of", a.repeat_of ? Poco::Dynamic::Var(*a.repeat_of) : Poco::Dynamic::Var());
  o->set("commission_inspection", a.commission_inspection);
  o->set("version", a.version);
  return o;
}

Object::Ptr CommentJson(const Comment& c) {
  auto o = NewObject();
  o->set("id", c.id);
  o->set("appeal_id", c.appeal_id);
  o->set("author_id", c.author_id);
  o->set("author_role", c.author_role);
  o->set("text", c.text);
  o->set("visible_to_resident", c.visible_to_resident);
  o->set("created_at", FormatIso8601(c.created_at));
  return o;
}

Object::Ptr AttachmentJson(const Attachment& a) {
  auto o = NewObject();
  o->set("id", a.id);
  o->set("sha256", a.sha256);
  o->set("media_type", a.media_type);
  o->set("size", a.size);
  o->set("original_name", a.original_name);
  o->set("uploaded_by", a.uploaded_by);
  o->set("created_at", FormatIso8601(a.created_at));
  return o;
}

Object::Ptr AuditJson(const AuditEntry& e) {
  auto o = NewObject();
  o->set("at", FormatIso8601(e.at));
  o->set("action", e.action);
  o->set("actor_id", e.actor_id);
  o->set("actor_role", e.actor_role);
  o->set("client_address", e.client_address);
  // Details are a JSON object written by the workflow; show them as one.
  try {
    Poco::JSON::Parser parser;
    o->set("details", parser.parse(e.details.empty() ? "{}" : e.details));
  } catch (const Poco::Exception&) {
    o->set("details", e.details);
  }
  return o;
}

Object::Ptr CardJson(const AppealCard& card, Timestamp now) {
  auto o = AppealJson(card.appeal, now);
  Array::Ptr comments = new Array;
  for (const auto& c : card.comments) comments->add(CommentJson(c));
  o->set("comments", comments);
  Array::Ptr attachments = new Array;
  for (const auto& a : card.attachments) attachments->add(AttachmentJson(a));
  o->set("attachments", attachments);
  Array::Ptr timeline = new Array;
  for (const auto& e : card.timeline) timeline->add(AuditJson(e));
  o->set("timeline", timeline);
  return o;
}

std::string Stringify(const Object::Ptr& object) {
  std::ostringstream out;
  object->stringify(out);
  return out.str();
}

std::string ErrorJson(const std::string& code, const std::string& message) {
  auto error = NewObject();
  error->set("code", code);
  error->set("message", message);
  auto o = NewObject();
  o->set("error", error);
  return Stringify(o);
}

int StatusOf(const Refusal& r) {
  if (r.code == "not_found") return 404;
  if (r.code == "forbidden" || r.code == "role_not_allowed") return 403;
  if (r.code == "illegal_transition" || r.code == "stale") return 409;
  if (r.code.rfind("missing_", 0) == 0) return 422;
  return 400;
}

}  // namespace vikno::http
