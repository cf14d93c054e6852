// The routes of http/api_broadcasts.h.
#include "http/api_broadcasts.h"

#include "broadcasts/broadcast_service.h"
#include "http/api_request_helpers.h"

namespace vikno::http {
namespace {

using namespace api;  // NOLINT: the API's parsing helpers and error shapes

// Validation refusals of the service are 422 like the API's other "the
// request is understood but cannot be done" answers.
Reply Refusing(const Refusal& r) {
  if (r.code == "invalid_kind" || r.code == "invalid_channel" || r.code == "invalid_options" ||
      r.code == "invalid_audience" || r.code == "text_too_long" || r.code == "missing_sms") {
    Reply reply;
    reply.status = 422;
    reply.json = ErrorJson(r.code, r.message);
    return reply;
  }
  return Refused(r);
}

broadcasts::BroadcastService& Service(const ApiDeps& deps) { return Need(deps.broadcasts); }

Audience ReadAudience(const Object::Ptr& body) {
  return Audience{String(body, "channel"), String(body, "street"), String(body, "house")};
}

void SetAudience(Object::Ptr o, const Audience& a) {
  o->set("channel", a.channel);
  o->set("street", a.street);
  o->set("house", a.house);
}

Object::Ptr ProgressJson(const broadcasts::Progress& p) {
  Object::Ptr o = NewObject();
  o->set("total", p.total);
  o->set("remaining", p.remaining);
  o->set("sent", p.sent);
  o->set("failed", p.failed);
  o->set("finish_at", TimeOrNull(p.finish_at));
  Array::Ptr channels = new Array;
  for (const auto& c : p.channels) {
    Object::Ptr x = NewObject();
    x->set("channel", c.channel);
    x->set("queued", c.queued);
    x->set("sending", c.sending);
    x->set("sent", c.sent);
    x->set("failed", c.failed);
    x->set("rate_per_second", c.rate_per_second);
    x->set("finish_at", TimeOrNull(c.finish_at));
    channels->add(x);
  }
  o->set("channels", channels);
  return o;
}

Object::Ptr BroadcastJson(const Broadcast& b) {
  Object::Ptr o = NewObject();
  o->set("id", b.id);
  o->set("kind", std::string(BroadcastKindCode(b.kind)));
  SetAudience(o, b.audience);
  o->set("emergency", b.emergency);
  o->set("text", b.text);
  o->set("created_by", b.created_by);
  o->set("created_at", FormatIso8601(b.created_at));
  o->set("queued_at", TimeOrNull(b.queued_at));
  o->set("recipients", b.recipients);
  return o;
}

Object::Ptr SurveyJson(const Survey& v) {
  Object::Ptr o = NewObject();
  o->set("id", v.id);
  o->set("question", v.question);
  Array::Ptr options = new Array;
  for (const auto& text : v.options) options->add(text);
  o->set("options", options);
  SetAudience(o, v.audience);
  o->set("created_by", v.created_by);
  o->set("created_at", FormatIso8601(v.created_at));
  o->set("queued_at", TimeOrNull(v.queued_at));
  o->set("recipients", v.recipients);
  return o;
}

Object::Ptr ReportJson(const broadcasts::BroadcastReport& r) {
  Object::Ptr o = BroadcastJson(r.broadcast);
  o->set("progress", ProgressJson(r.progress));
  return o;
}

Object::Ptr SurveyReportJson(const broadcasts::SurveyReport& r) {
  Object::Ptr o = SurveyJson(r.survey);
  Array::Ptr answers = new Array;
  for (int64_t n : r.answers) answers->add(n);
  o->set("answers", answers);
  o->set("answered", r.answered);
  o->set("progress", ProgressJson(r.progress));
  return o;
}

int IntParam(const std::string& name, const std::string& value, int lo, int hi) {
  Poco::Int64 n = 0;
  if (!Poco::NumberParser::tryParse64(value, n) || n < lo || n > hi)
    throw HttpError(400, "invalid_parameter",
                    "parameter '" + name + "' must be a whole number " + std::to_string(lo) +
                        ".." + std::to_string(hi));
  return static_cast<int>(n);
}

int64_t BeforeParam(const std::string& value) { return PositiveId(value, "parameter 'before'"); }

// ?limit=&before= of the two lists; nothing else is accepted.
std::pair<int, int64_t> Paging(const Call& call) {
  int limit = 50;
  int64_t before = 0;
  for (const auto& [name, value] : call.query()) {
    if (name == "limit")
      limit = IntParam(name, value, 1, 500);
    else if (name == "before")
      before = BeforeParam(value);
    else
      throw HttpError(400, "invalid_parameter", "unknown parameter '" + name + "'");
  }
  return {limit, before};
}

Reply CreateBroadcast(const ApiDeps& deps, Call& call) {
  auto& service = Service(deps);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"kind", "channel", "street", "house", "emergency", "text"});
  broadcasts::NewBroadcast input;
  input.kind = String(body, "kind");
  if (input.kind.empty()) input.kind = "message";
  input.audience = ReadAudience(body);
  input.emergency = OptBool(body, "emergency").value_or(false);
  input.text = String(body, "text");
  auto created = service.Create(call.actor(), input);
  if (!created) return Refusing(created.refusal());
  return Json(201, ReportJson(created.value()));
}

Reply ListBroadcasts(const ApiDeps& deps, Call& call) {
  auto& service = Service(deps);
  auto [limit, before] = Paging(call);
  auto list = service.List(call.actor(), limit, before);
  if (!list) return Refusing(list.refusal());
  Array::Ptr items = new Array;
  for (const auto& b : list.value()) items->add(BroadcastJson(b));
  Object::Ptr o = NewObject();
  o->set("items", items);
  return Json(200, o);
}

Reply GetBroadcast(const ApiDeps& deps, Call& call) {
  auto& service = Service(deps);
  const int64_t id = PositiveId(call.Param("id"), "broadcast id");
  auto report = service.Get(call.actor(), id);
  if (!report) return Refusing(report.refusal());
  return Json(200, ReportJson(report.value()));
}

Reply CreateSurvey(const ApiDeps& deps, Call& call) {
  auto& service = Service(deps);
  auto body = ParseObject(call.JsonBody());
  OnlyFields(body, {"question", "options", "channel", "street", "house"});
  broadcasts::NewSurvey input;
  input.question = String(body, "question");
  input.audience = ReadAudience(body);
  if (body->has("options") && !body->isNull("options")) {
    auto options = body->getArray("options");
    if (!options) throw HttpError(400, "invalid_field", "field 'options' must be an array");
    for (size_t i = 0; i < options->size(); ++i) {
      auto v = options->get(static_cast<unsigned>(i));
      if (!v.isString())
        throw HttpError(400, "invalid_field", "field 'options' must hold strings");
      input.options.push_back(v.convert<std::string>());
    }
  }
  auto created = service.CreateSurvey(call.actor(), input);
  if (!created) return Refusing(created.refusal());
  return Json(201, SurveyReportJson(created.value()));
}

Reply ListSurveys(const ApiDeps& deps, Call& call) {
  auto& service = Service(deps);
  auto [limit, before] = Paging(call);
  auto list = service.ListSurveys(call.actor(), limit, before);
  if (!list) return Refusing(list.refusal());
  Array::Ptr items = new Array;
  for (const auto& v : list.value()) items->add(SurveyJson(v));
  Object::Ptr o = NewObject();
  o->set("items", items);
  return Json(200, o);
}

Reply GetSurvey(const ApiDeps& deps, Call& call) {
  auto& service = Service(deps);
  const int64_t id = PositiveId(call.Param("id"), "survey id");
  auto report = service.GetSurvey(call.actor(), id);
  if (!report) return Refusing(report.refusal());
  return Json(200, SurveyReportJson(report.value()));
}

Timestamp TimeParam(const std::string& name, const std::string& value) {
  auto t = ParseIso8601(value);
  if (!t)
    throw HttpError(400, "invalid_parameter",
                    "parameter '" + name + "' must be an ISO 8601 date or time");
  return *t;
}

Reply Ratings(const ApiDeps& deps, Call& call) {
  auto& service = Service(deps);
  RatingQuery q;
  q.limit = 100;
  for (const auto& [name, value] : call.query()) {
    if (name == "service")
      q.executor_id = value;
    else if (name == "from")
      q.from = TimeParam(name, value);
    else if (name == "to")
      q.to = TimeParam(name, value);
    else if (name == "limit")
      q.limit = IntParam(name, value, 1, 1000);
    else if (name == "before")
      q.before_id = BeforeParam(value);
    else
      throw HttpError(400, "invalid_parameter", "unknown parameter '" + name + "'");
  }
  if (q.from && q.to && *q.to < *q.from)
    throw HttpError(400, "invalid_parameter", "parameter 'to' is before 'from'");
  auto report = service.Ratings(call.actor(), q);
  if (!report) return Refusing(report.refusal());
  Array::Ptr summary = new Array;
  for (const auto& s : report.value().summary) {
    Object::Ptr x = NewObject();
    x->set("service", s.executor_id);
    x->set("count", s.count);
    x->set("average", s.average);
    Array::Ptr by_score = new Array;
    for (int64_t n : s.by_score) by_score->add(n);
    x->set("by_score", by_score);
    summary->add(x);
  }
  Array::Ptr items = new Array;
  for (const auto& r : report.value().items) {
    Object::Ptr x = NewObject();
    x->set("id", r.id);
    x->set("service", r.executor_id);
    x->set("score", r.score);
    x->set("comment", r.comment);
    x->set("appeal_id", r.appeal_id ? Poco::Dynamic::Var(*r.appeal_id) : Poco::Dynamic::Var());
    x->set("created_at", FormatIso8601(r.created_at));
    items->add(x);
  }
  Object::Ptr o = NewObject();
  o->set("summary", summary);
  o->set("items", items);
  return Json(200, o);
}

}  // namespace

void RegisterBroadcastRoutes(Router& router, const ApiDeps& deps) {
  const ApiDeps* d = &deps;
  router.Add("POST", "/api/v1/broadcasts", [d](Call& c) { return CreateBroadcast(*d, c); });
  router.Add("GET", "/api/v1/broadcasts", [d](Call& c) { return ListBroadcasts(*d, c); });
  router.Add("GET", "/api/v1/broadcasts/{id}", [d](Call& c) { return GetBroadcast(*d, c); });
  router.Add("POST", "/api/v1/surveys", [d](Call& c) { return CreateSurvey(*d, c); });
  router.Add("GET", "/api/v1/surveys", [d](Call& c) { return ListSurveys(*d, c); });
  router.Add("GET", "/api/v1/surveys/{id}", [d](Call& c) { return GetSurvey(*d, c); });
  router.Add("GET", "/api/v1/ratings", [d](Call& c) { return Ratings(*d, c); });
}

}  // namespace vikno::http
