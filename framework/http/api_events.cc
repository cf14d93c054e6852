#include "http/api_events.h"

#include <Poco/NumberParser.h>

#include "events/event_service.h"
#include "http/api_request_helpers.h"

namespace vikno::http {
namespace {

using namespace api;  // NOLINT: the API's request helpers

Reply RefusedEvent(const Refusal& r) {
  int status = StatusOf(r);
  if (r.code == "out_of_scope") status = 403;
  if (r.code == "short_notice" || r.code == "unknown_address" || r.code == "unknown_executor" ||
      r.code == "invalid_period" || r.code == "invalid_reason" || r.code == "too_many_addresses")
    status = 422;
  return Reply{status, ErrorJson(r.code, r.message), {}, {}};
}

Object::Ptr AddressJson(const Address& a) {
  Object::Ptr o = NewObject();
  o->set("registry_id", a.registry_id ? Poco::Dynamic::Var(*a.registry_id) : Poco::Dynamic::Var());
  o->set("city", a.city);
  o->set("district", a.district);
  o->set("street", a.street);
  o->set("house", a.house);
  o->set("whole_street", a.house.empty());
  return o;
}

Object::Ptr EventJson(const Event& e, Timestamp now, const EventNoticeCounts* notices) {
  Object::Ptr o = NewObject();
  o->set("id", e.id);
  o->set("kind", std::string(EventKindCode(e.kind)));
  o->set("reason", e.reason);
  o->set("executor_id", e.executor_id);
  o->set("starts_at", FormatIso8601(e.starts_at));
  o->set("ends_at", TimeOrNull(e.ends_at));
  o->set("end_is_approximate", e.end_is_approximate);
  // 000 §6.5: green "in work" while not ended, grey "completed" after.
  o->set("status", std::string(EventStatusCode(e.status(now))));
  o->set("active", e.active(now));
  o->set("revision", e.revision);
  Array::Ptr addresses = new Array;
  for (const auto& a : e.addresses) addresses->add(AddressJson(a));
  o->set("addresses", addresses);
  o->set("short_notice_reason", e.short_notice_reason);
  o->set("created_by", e.created_by);
  o->set("created_at", FormatIso8601(e.created_at));
  o->set("updated_by", e.updated_by);
  o->set("updated_at", FormatIso8601(e.updated_at));
  o->set("end_announced_at", TimeOrNull(e.end_announced_at));
  o->set("deleted_at", TimeOrNull(e.deleted_at));
  if (notices) {
    Object::Ptr n = NewObject();
    n->set("queued", notices->queued);
    n->set("sent", notices->sent);
    n->set("failed", notices->failed);
    o->set("notices", n);
  }
  return o;
}

Object::Ptr DraftJson(const events::EventDraft& d) {
  Object::Ptr o = NewObject();
  o->set("kind", std::string(EventKindCode(d.kind)));
  o->set("reason", d.reason);
  o->set("executor_id", d.executor_id);
  o->set("starts_at", FormatIso8601(d.starts_at));
  o->set("ends_at", TimeOrNull(d.ends_at));
  o->set("end_is_approximate", d.end_is_approximate);
  Array::Ptr addresses = new Array;
  for (const auto& a : d.addresses) {
    Object::Ptr x = NewObject();
    x->set("registry_id", a.registry_id);
    x->set("whole_street", a.whole_street);
    addresses->add(x);
  }
  o->set("addresses", addresses);
  o->set("short_notice_reason", "");
  return o;
}

Reply ChangeReply(int status, const events::EventChange& change, Timestamp now) {
  Object::Ptr o = NewObject();
  o->set("event", EventJson(change.event, now, nullptr));
  Object::Ptr n = NewObject();
  n->set("queued", change.notices.queued);
  n->set("cancelled", change.notices.cancelled);
  n->set("held_until", TimeOrNull(change.notices.held_until));
  o->set("notices", n);
  return Json(status, o);
}

events::EventDraft ParseDraft(const Object::Ptr& o, bool with_revision) {
  if (with_revision)
    OnlyFields(o, {"kind", "reason", "executor_id", "starts_at", "ends_at", "end_is_approximate",
                   "addresses", "short_notice_reason", "revision"});
  else
    OnlyFields(o, {"kind", "reason", "executor_id", "starts_at", "ends_at", "end_is_approximate",
                   "addresses", "short_notice_reason"});
  events::EventDraft d;
  const std::string kind = String(o, "kind");
  if (kind.empty()) throw HttpError(422, "missing_kind", "field 'kind' is required");
  auto parsed = ParseEventKind(kind);
  if (!parsed)
    throw HttpError(400, "invalid_field", "field 'kind' must be 'planned' or 'emergency'");
  d.kind = *parsed;
  d.reason = String(o, "reason");
  d.executor_id = String(o, "executor_id");
  d.starts_at = RequiredTime(o, "starts_at");
  const std::string ends = String(o, "ends_at");
  if (!ends.empty()) {
    d.ends_at = ParseIso8601(ends);
    if (!d.ends_at)
      throw HttpError(400, "invalid_field", "field 'ends_at' must be an ISO 8601 time");
  }
  d.end_is_approximate = OptBool(o, "end_is_approximate").value_or(false);
  d.short_notice_reason = String(o, "short_notice_reason");
  if (o->has("addresses") && !o->isNull("addresses")) {
    Array::Ptr list = o->getArray("addresses");
    if (!list) throw HttpError(400, "invalid_field", "field 'addresses' must be a list");
    for (size_t i = 0; i < list->size(); ++i) {
      Object::Ptr a = list->getObject(static_cast<unsigned>(i));
      if (!a) throw HttpError(400, "invalid_field", "each address must be an object");
      OnlyFields(a, {"registry_id", "whole_street"});
      if (!a->has("registry_id") || !a->get("registry_id").isInteger())
        throw HttpError(400, "invalid_field", "each address needs a numeric 'registry_id'");
      d.addresses.push_back(
          {a->get("registry_id").convert<Poco::Int64>(), OptBool(a, "whole_street").value_or(false)});
    }
  }
  return d;
}

EventQuery ParseQuery(const std::vector<std::pair<std::string, std::string>>& params) {
  EventQuery q;
  q.limit = 50;
  auto number = [](const std::string& name, const std::string& v, int64_t lo, int64_t hi) {
    Poco::Int64 n = 0;
    if (!Poco::NumberParser::tryParse64(v, n) || n < lo || n > hi)
      throw HttpError(400, "invalid_parameter", "parameter '" + name + "' is out of range");
    return static_cast<int64_t>(n);
  };
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    if (name == "from" || name == "to") {
      auto t = ParseIso8601(value);
      if (!t) throw HttpError(400, "invalid_parameter", "parameter '" + name + "' is not a date");
      (name == "from" ? q.from : q.to) = *t;
    } else if (name == "executor") {
      q.executor_id = value;
    } else if (name == "registry_id") {
      q.registry_id = number(name, value, 1, INT64_MAX);
    } else if (name == "street") {
      q.street = value;
    } else if (name == "house") {
      q.house = value;
    } else if (name == "status") {
      q.status = ParseEventStatus(value);
      if (!q.status)
        throw HttpError(400, "invalid_parameter", "status must be 'in_work' or 'completed'");
    } else if (name == "kind") {
      q.kind = ParseEventKind(value);
      if (!q.kind)
        throw HttpError(400, "invalid_parameter", "kind must be 'planned' or 'emergency'");
    } else if (name == "limit") {
      q.limit = static_cast<int>(number(name, value, 1, 200));
    } else if (name == "offset") {
      q.offset = static_cast<int>(number(name, value, 0, 10'000'000));
    } else {
      throw HttpError(400, "unknown_parameter", "unknown parameter '" + name + "'");
    }
  }
  return q;
}

events::EventService& Events(const ApiDeps& d) { return Need(d.events); }
Timestamp Now(const ApiDeps& d) { return d.clock ? d.clock->Now() : SystemClock().Now(); }

Reply List(const ApiDeps& d, Call& c) {
  EventQuery q = ParseQuery(c.query());
  Result<EventPage> page = Events(d).List(c.actor(), q);
  if (!page) return RefusedEvent(page.refusal());
  std::vector<int64_t> ids;
  for (const auto& e : page->events) ids.push_back(e.id);
  const auto counts = d.store ? d.store->CountEventNotices(ids)
                              : std::map<int64_t, EventNoticeCounts>{};
  const Timestamp now = Now(d);
  Array::Ptr items = new Array;
  for (const auto& e : page->events) {
    auto it = counts.find(e.id);
    static const EventNoticeCounts kNone;
    items->add(EventJson(e, now, it == counts.end() ? &kNone : &it->second));
  }
  Object::Ptr o = NewObject();
  o->set("items", items);
  o->set("total", page->total);
  o->set("limit", q.limit);
  o->set("offset", q.offset);
  return Json(200, o);
}

Reply Create(const ApiDeps& d, Call& c) {
  events::EventDraft draft = ParseDraft(ParseObject(c.JsonBody()), false);
  Result<events::EventChange> r = Events(d).Create(c.actor(), draft);
  if (!r) return RefusedEvent(r.refusal());
  return ChangeReply(201, r.value(), Now(d));
}

Reply Get(const ApiDeps& d, Call& c) {
  const int64_t id = PositiveId(c.Param("id"), "event id");
  Result<Event> e = Events(d).Get(c.actor(), id);
  if (!e) return RefusedEvent(e.refusal());
  const auto counts = d.store ? d.store->CountEventNotices({id})
                              : std::map<int64_t, EventNoticeCounts>{};
  auto it = counts.find(id);
  static const EventNoticeCounts kNone;
  return Json(200, EventJson(e.value(), Now(d), it == counts.end() ? &kNone : &it->second));
}

Reply Update(const ApiDeps& d, Call& c) {
  const int64_t id = PositiveId(c.Param("id"), "event id");
  Object::Ptr body = ParseObject(c.JsonBody());
  if (!body->has("revision") || !body->get("revision").isInteger())
    throw HttpError(422, "missing_revision", "field 'revision' (the edited revision) is required");
  const int revision = body->get("revision").convert<int>();
  events::EventDraft draft = ParseDraft(body, true);
  Result<events::EventChange> r = Events(d).Update(c.actor(), id, revision, draft);
  if (!r) return RefusedEvent(r.refusal());
  return ChangeReply(200, r.value(), Now(d));
}

Reply Copy(const ApiDeps& d, Call& c) {
  const int64_t id = PositiveId(c.Param("id"), "event id");
  Result<events::EventDraft> r = Events(d).Copy(c.actor(), id);
  if (!r) return RefusedEvent(r.refusal());
  return Json(200, DraftJson(r.value()));
}

Reply Delete(const ApiDeps& d, Call& c) {
  const int64_t id = PositiveId(c.Param("id"), "event id");
  Result<Event> r = Events(d).Delete(c.actor(), id);
  if (!r) return RefusedEvent(r.refusal());
  return Json(200, EventJson(r.value(), Now(d), nullptr));
}

}  // namespace

EventQuery ParseEventQuery(const std::vector<std::pair<std::string, std::string>>& params) {
  return ParseQuery(params);
}

void RegisterEventRoutes(Router& router, const ApiDeps& deps) {
  const ApiDeps* d = &deps;
  router.Add("GET", "/api/v1/events", [d](Call& c) { return List(*d, c); });
  router.Add("POST", "/api/v1/events", [d](Call& c) { return Create(*d, c); });
  router.Add("GET", "/api/v1/events/{id}", [d](Call& c) { return Get(*d, c); });
  router.Add("PUT", "/api/v1/events/{id}", [d](Call& c) { return Update(*d, c); });
  router.Add("POST", "/api/v1/events/{id}/copy", [d](Call& c) { return Copy(*d, c); });
  router.Add("DELETE", "/api/v1/events/{id}", [d](Call& c) { return Delete(*d, c); });
}

}  // namespace vikno::http
