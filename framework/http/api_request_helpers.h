// The JSON API routes' request helpers (the desk, the operator, events,
// broadcasts and the residents' cabinet): body parsing with the API's error
// shapes (400 malformed_json / unknown_field / invalid_field, 422 missing_*,
// 503 unavailable) and the statuses of the workflow's refusal codes. Private
// to framework/http: not part of the plugin SDK or any public header.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/NumberParser.h>

#include <optional>
#include <string>

#include "http/api_json.h"
#include "http/router.h"
#include "http/server.h"

namespace vikno::http::api {

using Poco::JSON::Array;
using Poco::JSON::Object;

inline Reply Json(int status, const Object::Ptr& o) { return Reply{status, Stringify(o), {}, {}}; }

inline Reply Refused(const Refusal& r) {
  int status = StatusOf(r);
  // Codes with statuses of their own.
  if (r.code == "own_request" || r.code == "approval_required") status = 403;
  if (r.code == "already_decided" || r.code == "pending_request" || r.code == "already_blocked" ||
      r.code == "already_executor" || r.code == "appeal_closed")
    status = 409;
  if (r.code == "too_large") status = 413;
  if (r.code == "type_not_allowed" || r.code == "type_mismatch") status = 415;
  if (r.code == "extension_not_allowed" || r.code == "invalid_due" || r.code == "no_deadline" ||
      r.code == "invalid_executor" || r.code == "invalid_how" || r.code == "invalid_at" ||
      r.code == "invalid_kb" || r.code == "invalid_resident" || r.code == "invalid_channel" ||
      r.code == "missing_file")
    status = 422;
  return Reply{status, ErrorJson(r.code, r.message), {}, {}};
}

template <class T>
T& Need(T* service) {
  if (service == nullptr)
    throw HttpError(503, "unavailable", "this part of the API is not configured on this host");
  return *service;
}

inline Object::Ptr ParseObject(const std::string& body) {
  Poco::Dynamic::Var parsed;
  try {
    Poco::JSON::Parser parser;
    parser.setDepth(16);  // our bodies are three levels deep; deep nesting is an attack
    parsed = parser.parse(body);
  } catch (const Poco::Exception& e) {
    throw HttpError(400, "malformed_json", "the body is not valid JSON: " + e.message());
  }
  if (parsed.type() != typeid(Object::Ptr))
    throw HttpError(400, "malformed_json", "the body must be a JSON object");
  return parsed.extract<Object::Ptr>();
}

// Refuses fields the endpoint does not know: a typo must not pass silently.
// `where` prefixes a nested object's field names in the message ("address.").
inline void OnlyFields(const Object::Ptr& o, std::initializer_list<const char*> known,
                       const std::string& where = "") {
  for (const auto& [name, value] : *o) {
    bool ok = false;
    for (const char* k : known) ok = ok || name == k;
    if (!ok) throw HttpError(400, "unknown_field", "unknown field '" + where + name + "'");
  }
}

inline std::string String(const Object::Ptr& o, const std::string& name,
                          const std::string& where = "") {
  if (!o->has(name) || o->isNull(name)) return "";
  auto v = o->get(name);
  if (!v.isString())
    throw HttpError(400, "invalid_field", "field '" + where + name + "' must be a string");
  return v.convert<std::string>();
}

inline std::optional<bool> OptBool(const Object::Ptr& o, const std::string& name) {
  if (!o->has(name) || o->isNull(name)) return std::nullopt;
  auto v = o->get(name);
  if (!v.isBoolean())
    throw HttpError(400, "invalid_field", "field '" + name + "' must be true or false");
  return v.convert<bool>();
}

inline bool RequiredBool(const Object::Ptr& o, const std::string& name) {
  auto v = OptBool(o, name);
  if (!v) throw HttpError(422, "missing_" + name, "field '" + name + "' is required");
  return *v;
}

inline Timestamp RequiredTime(const Object::Ptr& o, const std::string& name) {
  const std::string text = String(o, name);
  if (text.empty()) throw HttpError(422, "missing_" + name, "field '" + name + "' is required");
  auto t = ParseIso8601(text);
  if (!t)
    throw HttpError(400, "invalid_field", "field '" + name + "' must be an ISO 8601 date or time");
  return *t;
}

inline int64_t PositiveId(const std::string& text, const std::string& what) {
  Poco::Int64 id = 0;
  if (!Poco::NumberParser::tryParse64(text, id) || id <= 0 || std::to_string(id) != text)
    throw HttpError(400, "invalid_id", what + " must be a positive integer, not '" + text + "'");
  return id;
}

inline Object::Ptr NewObject() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

inline Poco::Dynamic::Var TimeOrNull(const std::optional<Timestamp>& t) {
  if (!t) return Poco::Dynamic::Var();
  return FormatIso8601(*t);
}

}  // namespace vikno::http::api
