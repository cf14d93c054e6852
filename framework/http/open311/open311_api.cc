// The Open311 GeoReport v2 resources (open311.h). Every answer is built as a
// Node (document.h) and rendered as JSON or XML by the resource's suffix.
//
// Decisions the spec leaves to the server (docs/open311.md says the same):
//  - service_request_id is the appeal's number (R5: the number the resident is
//    told); POST also answers a token, and the id is known at once, so
//    tokens/{token} answers it immediately.
//  - A service is a leaf of the city's classifier; service_code is its
//    category id ("water/no-water"), group the name of its top branch (the
//    department or company), description the names on the way to the leaf.
//  - GET resources are public (the spec asks no key for them). So that no
//    resident is exposed, they show a building-level address (no flat or
//    entrance) and never the resident; free text (description, notes of
//    status changes, comments to the resident) only for appeals filed through
//    Open311, whose filer published it knowingly. Other appeals show their
//    category, status and building.
//  - Our ten statuses map to open/closed by their `final` flag and to
//    mySociety's extended states (StatusMapping below).
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>

#include "core/phone.h"
#include "host/logging.h"
#include "http/api_json.h"
#include "http/open311/api_keys.h"
#include "http/open311/document.h"
#include "http/open311/open311.h"
#include "http/passwords.h"
#include "http/router.h"
#include "http/server.h"

namespace vikno::http {
namespace {

using open311::Node;

constexpr int kMaxDays = 90;           // GeoReport v2: a date range spans at most 90 days
constexpr int kDefaultPageSize = 1000;  // and at most 1000 requests come back by default
constexpr size_t kMaxDescriptionChars = 4000;  // request.json: description maxLength

// An Open311 error: answered as [{"code":<status>,"description":"..."}].
class Open311Error : public std::runtime_error {
 public:
  Open311Error(int status, const std::string& description)
      : std::runtime_error(description), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

enum class Format { kJson, kXml };

// "services.json" -> {"services", json}. An unknown or missing suffix is a
// 404 answered in XML, GeoReport's required format.
std::pair<std::string, Format> SplitFormat(const std::string& resource) {
  const size_t dot = resource.rfind('.');
  const size_t slash = resource.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash) || dot == 0)
    throw Open311Error(404, "add the format to the resource: .json or .xml");
  const std::string ext = Poco::toLower(resource.substr(dot + 1));
  if (ext == "json") return {resource.substr(0, dot), Format::kJson};
  if (ext == "xml") return {resource.substr(0, dot), Format::kXml};
  throw Open311Error(404, "unknown format '" + ext + "': use .json or .xml");
}

Reply Render(int status, const Node& node, Format format, const std::string& xml_root) {
  Reply reply;
  reply.status = status;
  if (format == Format::kJson) {
    reply.json = node.Json();
    reply.content_type = "application/json; charset=utf-8";
  } else {
    reply.json = node.Xml(xml_root);
    reply.content_type = "text/xml; charset=utf-8";
  }
  // Civic apps and dashboards read these from the browser too.
  reply.headers.emplace_back("Access-Control-Allow-Origin", "*");
  return reply;
}

Reply ErrorReply(int status, const std::string& description, Format format) {
  Node list = Node::MakeList("error");
  Node e = Node::Object();
  e.Set("code", Node::Integer(status));
  e.Set("description", Node::String(description));
  list.Add(std::move(e));
  return Render(status, list, format, "errors");
}

// Runs a handler and answers every failure in the Open311 error format.
template <class F>
Reply Guarded(const std::string& resource_for_format, F&& body) {
  Format format = Format::kXml;
  try {
    format = SplitFormat(resource_for_format).second;
  } catch (const Open311Error& e) {
    return ErrorReply(e.status(), e.what(), Format::kXml);
  }
  try {
    return body(format);
  } catch (const Open311Error& e) {
    return ErrorReply(e.status(), e.what(), format);
  } catch (const HttpError& e) {
    return ErrorReply(e.status(), e.what(), format);
  } catch (const StoreError& e) {
    Log(Poco::Message::PRIO_ERROR, "open311", "store error", {{"error", std::string(e.what())}});
    return ErrorReply(503, "the store failed; nothing was changed", format);
  } catch (const std::exception& e) {
    Log(Poco::Message::PRIO_ERROR, "open311", "internal error", {{"error", std::string(e.what())}});
    return ErrorReply(500, "internal error", format);
  }
}

// ---- Parameters --------------------------------------------------------------

using Params = std::vector<std::pair<std::string, std::string>>;

// application/x-www-form-urlencoded: '+' is a space, then percent-decoding.
Params ParseForm(const std::string& body) {
  Params out;
  size_t i = 0;
  while (i < body.size()) {
    size_t amp = body.find('&', i);
    if (amp == std::string::npos) amp = body.size();
    std::string pair = body.substr(i, amp - i);
    i = amp + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string name = pair.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    std::replace(name.begin(), name.end(), '+', ' ');
    std::replace(value.begin(), value.end(), '+', ' ');
    std::string dn, dv;
    try {
      Poco::URI::decode(name, dn);
      Poco::URI::decode(value, dv);
    } catch (const Poco::Exception&) {
      throw Open311Error(400, "the form body is not well-formed");
    }
    out.emplace_back(std::move(dn), std::move(dv));
  }
  return out;
}

class Args {
 public:
  explicit Args(Params params) : params_(std::move(params)) {
    for (const auto& [name, value] : params_) {
      if (!seen_.insert(name).second)
        throw Open311Error(400, "parameter '" + name + "' is given twice");
    }
  }
  std::optional<std::string> Get(const std::string& name) const {
    for (const auto& [n, v] : params_)
      if (n == name) return v;
    return std::nullopt;
  }
  std::string Text(const std::string& name) const { return Get(name).value_or(""); }
  const Params& all() const { return params_; }

 private:
  Params params_;
  std::set<std::string> seen_;
};

std::optional<Timestamp> DateParam(const Args& args, const std::string& name) {
  auto v = args.Get(name);
  if (!v || v->empty()) return std::nullopt;
  auto t = ParseIso8601(*v);
  if (!t) throw Open311Error(400, name + " must be a W3C date-time such as 2026-11-22T15:04:05Z");
  return t;
}

int IntParam(const Args& args, const std::string& name, int fallback, int min, int max) {
  auto v = args.Get(name);
  if (!v || v->empty()) return fallback;
  int n = 0;
  if (!Poco::NumberParser::tryParse(*v, n) || n < min || n > max)
    throw Open311Error(400, name + " must be an integer in " + std::to_string(min) + ".." +
                                std::to_string(max));
  return n;
}

bool FlagParam(const Args& args, const std::string& name) {
  auto v = args.Get(name);
  if (!v || v->empty() || *v == "false" || *v == "0") return false;
  if (*v == "true" || *v == "1") return true;
  throw Open311Error(400, name + " must be true or false");
}

// start_date/end_date: end defaults to now (90 days after start_date when only
// that is given), start to 90 days before end; a
// range over 90 days or reversed is refused (GeoReport v2, GET requests).
std::pair<Timestamp, Timestamp> DateRange(const Args& args, Timestamp now) {
  auto start = DateParam(args, "start_date");
  auto end = DateParam(args, "end_date");
  const auto span = std::chrono::hours(24 * kMaxDays);
  if (!end) end = start ? *start + span : now;
  if (!start) start = *end - span;
  if (*end < *start) throw Open311Error(400, "end_date is before start_date");
  if (*end - *start > span)
    throw Open311Error(400, "start_date and end_date may not be more than 90 days apart");
  return {*start, *end};
}

// ---- Mapping ------------------------------------------------------------------

struct StatusMapping {
  Status status;
  const char* extended;  // mySociety's additional states
};

// Our statuses (R14, core/status.h) -> mySociety's states; open/closed comes
// from the status's `final` flag.
constexpr StatusMapping kStatusMap[] = {
    {Status::kNew, "OPEN"},
    {Status::kInWork, "IN_PROGRESS"},
    {Status::kAwaitingConfirmation, "FIXED"},  // reported done, the resident confirms (R18)
    {Status::kCompleted, "FIXED"},
    {Status::kNotConfirmed, "IN_PROGRESS"},  // the resident said it is not fixed
    {Status::kRejected, "NO_FURTHER_ACTION"},
    {Status::kAwaitingDetails, "INVESTIGATING"},
    {Status::kCancelled, "CLOSED"},
    {Status::kReturnedForRework, "IN_PROGRESS"},
    {Status::kStrategicPlan, "ACTION_SCHEDULED"},
};

std::string Extended(Status s) {
  for (const auto& m : kStatusMap)
    if (m.status == s) return m.extended;
  return Info(s).final ? "CLOSED" : "OPEN";
}

std::string OpenClosed(Status s) { return Info(s).final ? "closed" : "open"; }

// At most `max` code points (UTF-8), so the description stays within the schema.
std::string TruncateChars(const std::string& text, size_t max) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (chars == max) return text.substr(0, i);
      ++chars;
    }
  }
  return text;
}

size_t CountChars(const std::string& text) {
  size_t chars = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++chars;
  return chars;
}

Node OptString(const std::string& s) { return s.empty() ? Node::Null() : Node::String(s); }

Node OptTime(const std::optional<Timestamp>& t) {
  return t ? Node::String(FormatIso8601(*t)) : Node::Null();
}

// ---- The catalogue --------------------------------------------------------------

struct Service {
  Category leaf;
  std::string group;     // the name of the leaf's top branch: the service that fixes it
  std::string path;      // the names from below the top branch to the leaf
  std::string keywords;
};

// Leaves of the classifier tree: categories no other category names as parent.
std::vector<Service> Services(Store& store) {
  const auto categories = store.ListCategories();
  std::set<std::string> parents;
  std::map<std::string, const Category*> by_id;
  for (const auto& c : categories) {
    if (!c.parent_id.empty()) parents.insert(c.parent_id);
    by_id[c.id] = &c;
  }
  std::vector<Service> out;
  for (const auto& c : categories) {
    if (parents.count(c.id)) continue;
    Service s;
    s.leaf = c;
    // Ancestors, nearest first; the tree is shallow (four levels in Sumy), the
    // bound only guards against a cycle in imported data.
    std::vector<const Category*> chain{&c};
    for (int depth = 0; depth < 16; ++depth) {
      auto parent = by_id.find(chain.back()->parent_id);
      if (parent == by_id.end()) break;
      chain.push_back(parent->second);
    }
    if (chain.size() > 1) s.group = chain.back()->name;
    for (size_t i = chain.size() > 1 ? chain.size() - 1 : 1; i-- > 0;)
      s.path += (s.path.empty() ? "" : " / ") + chain[i]->name;
    // Keywords: the words of the names on the way, so a client's search box
    // finds the lift under "ліфт" and the service under its department.
    std::vector<std::string> words;
    for (const Category* node : chain) {
      std::string word;
      auto flush = [&] {
        if (word.size() >= 6 && std::find(words.begin(), words.end(), word) == words.end())
          words.push_back(word);  // >= 6 bytes: three Cyrillic letters
        word.clear();
      };
      for (char ch : node->name) {
        if (ch == ' ' || ch == ',' || ch == '/' || ch == '(' || ch == ')' || ch == '.' ||
            ch == '"' || ch == '-')
          flush();
        else
          word += ch;
      }
      flush();
    }
    for (size_t i = 0; i < words.size(); ++i) s.keywords += (i ? ", " : "") + words[i];
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(),
            [](const Service& a, const Service& b) { return a.leaf.id < b.leaf.id; });
  return out;
}

std::optional<Service> FindService(Store& store, const std::string& code) {
  for (auto& s : Services(store))
    if (s.leaf.id == code) return s;
  return std::nullopt;
}

std::string Label(const ApiDeps& deps, const std::string& key, const std::string& fallback) {
  if (!deps.label) return fallback;
  std::string text = deps.label(key);
  return text.empty() || text == key ? fallback : text;
}

// The attributes every service takes (R5: the flat; B3: the entrance; 002
// §5.7: anonymous). Codes are what POST requests takes as attribute[code].
struct AttributeSpec {
  const char* code;
  const char* datatype;
  bool required;
  int order;
};
constexpr AttributeSpec kAttributes[] = {
    {"flat", "string", false, 1},
    {"entrance", "string", false, 2},
    {"anonymous", "singlevaluelist", false, 3},
};

Node ServiceDefinition(const ApiDeps& deps, const Service& service) {
  Node def = Node::Object();
  def.Set("service_code", Node::String(service.leaf.id));
  Node attrs = Node::MakeList("attribute");
  for (const auto& a : kAttributes) {
    const std::string code = a.code;
    Node n = Node::Object();
    n.Set("variable", Node::Bool(true));
    n.Set("code", Node::String(code));
    n.Set("datatype", Node::String(a.datatype));
    n.Set("required", Node::Bool(a.required));
    n.Set("datatype_description", Node::Null());
    n.Set("order", Node::Integer(a.order));
    n.Set("description", Node::String(Label(deps, "open311.attribute." + code, code)));
    if (code == "anonymous") {
      Node values = Node::MakeList("value");
      for (const char* key : {"no", "yes"}) {
        Node v = Node::Object();
        v.Set("key", Node::String(key));
        v.Set("name", Node::String(Label(deps, std::string("open311.anonymous.") + key, key)));
        values.Add(std::move(v));
      }
      n.Set("values", std::move(values));
    }
    attrs.Add(std::move(n));
  }
  def.Set("attributes", std::move(attrs));
  return def;
}

// ---- Requests ---------------------------------------------------------------------

std::string AddressText(const Address& a) {
  std::string out;
  auto add = [&](const std::string& part) {
    if (part.empty()) return;
    if (!out.empty()) out += ", ";
    out += part;
  };
  add(a.street);
  add(a.house);
  add(a.city);
  return out;  // building level: never the flat or the entrance (see the top)
}

struct CatalogNames {
  std::map<std::string, std::string> categories;
  std::map<std::string, std::string> executors;
};

CatalogNames Names(Store& store) {
  CatalogNames n;
  for (const auto& c : store.ListCategories()) n.categories[c.id] = c.name;
  for (const auto& e : store.ListExecutors()) n.executors[e.id] = e.name;
  return n;
}

std::string Field(const Poco::JSON::Object::Ptr& o, const std::string& name) {
  if (!o || !o->has(name) || o->isNull(name)) return "";
  return o->get(name).toString();
}

Poco::JSON::Object::Ptr ParseDetails(const std::string& json) {
  try {
    Poco::JSON::Parser parser;
    auto v = parser.parse(json);
    if (v.type() == typeid(Poco::JSON::Object::Ptr)) return v.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
  }
  return nullptr;
}

// One note of the timeline (extensions=true) or one update of
// servicerequestupdates: a status change, or a comment shown to the resident.
struct TimelineNote {
  int64_t audit_id = 0;
  Timestamp at;
  std::string kind;  // "status" or "comment"
  Status status;     // the appeal's status after it
  std::string text;  // empty when not published (see the top)
};

// The resident-visible timeline of one appeal from its audit (R33) and its
// comments, oldest first. `publish_text`: free text may be shown.
std::vector<TimelineNote> Timeline(Store& store, const Appeal& appeal, bool publish_text) {
  const auto audit = store.ListAudit("appeal", std::to_string(appeal.id));
  std::vector<Comment> comments;
  if (publish_text) comments = store.ListComments(appeal.id);
  std::vector<TimelineNote> out;
  Status current = Status::kNew;
  std::set<int64_t> used_comments;
  for (const auto& e : audit) {
    if (e.action == "create") {
      out.push_back(TimelineNote{e.id, e.at, "status", Status::kNew, ""});
      continue;
    }
    auto details = ParseDetails(e.details);
    const std::string to = Field(details, "to");
    if (!to.empty()) {
      if (auto s = ParseStatus(to)) {
        current = *s;
        // The transition's note is told to the resident with the status
        // notice (host/residents.cc, R7), so it is theirs to see.
        // Except the staff's own notes, which the cabinet hides too: an
        // operator's call note (002 §6.1.5) records what the resident said
        // on the phone, a return for rework the city's verdict on its
        // executor.
        const bool staff_note = e.action == "confirm_by_phone" ||
                                e.action == "not_confirm_by_phone" ||
                                e.action == "return_for_rework";
        out.push_back(TimelineNote{e.id, e.at, "status", *s,
                                   publish_text && !staff_note ? Field(details, "note") : ""});
      }
      continue;
    }
    if (e.action == "comment" && publish_text) {
      // The audit keeps no comment id: the comment is the one written at the
      // same instant by the same author, shown to the resident.
      for (const auto& c : comments) {
        if (used_comments.count(c.id) || !c.visible_to_resident || c.created_at != e.at ||
            c.author_id != e.actor_id)
          continue;
        used_comments.insert(c.id);
        out.push_back(TimelineNote{e.id, e.at, "comment", current, c.text});
        break;
      }
    }
  }
  return out;
}

Node RequestNode(const ApiDeps& deps, const Appeal& a, const CatalogNames& names,
                 bool extensions) {
  Store& store = *deps.store;
  const auto filing = a.channel == "open311" ? store.FindOpen311FilingByAppeal(a.id)
                                             : std::optional<Open311Filing>{};
  const bool publish_text = filing.has_value();
  const std::vector<TimelineNote> timeline =
      publish_text || extensions ? Timeline(store, a, publish_text) : std::vector<TimelineNote>{};
  std::string status_notes;
  for (const auto& n : timeline)
    if (n.kind == "status" && n.status == a.status && !n.text.empty()) status_notes = n.text;
  const std::string status_label =
      Label(deps, "status." + std::string(StatusCode(a.status)), std::string(StatusCode(a.status)));

  Node r = Node::Object();
  r.Set("service_request_id", Node::String(a.number.empty() ? std::to_string(a.id) : a.number));
  r.Set("status", Node::String(OpenClosed(a.status)));
  r.Set("status_notes", Node::String(status_notes.empty() ? status_label : status_notes));
  auto cat = names.categories.find(a.category);
  r.Set("service_name", cat == names.categories.end() ? Node::Null() : Node::String(cat->second));
  r.Set("service_code", Node::String(a.category));
  r.Set("description", publish_text
                           ? Node::String(TruncateChars(a.description, kMaxDescriptionChars))
                           : Node::Null());
  auto exe = names.executors.find(a.lead_executor());
  r.Set("agency_responsible",
        exe == names.executors.end() ? Node::Null() : Node::String(exe->second));
  r.Set("service_notice", Node::Null());
  r.Set("requested_datetime", Node::String(FormatIso8601(a.created_at)));
  r.Set("updated_datetime", Node::String(FormatIso8601(a.updated_at)));
  r.Set("expected_datetime", OptTime(a.resolve_due));
  r.Set("address", OptString(AddressText(a.address)));
  r.Set("address_id",
        a.address.registry_id ? Node::String(std::to_string(*a.address.registry_id)) : Node::Null());
  r.Set("zipcode", Node::Null());
  // Building level for appeals their resident never published (see the
  // top): a chat resident's shared location is where they stood, often at
  // home, so the public gets it to 0.001 degree (~100 m); an Open311 filer
  // published their own point.
  auto coordinate = [&](double v) {
    return Node::Number(publish_text ? v : std::round(v * 1000.0) / 1000.0);
  };
  r.Set("lat", a.address.point ? coordinate(a.address.point->lat) : Node::Null());
  r.Set("long", a.address.point ? coordinate(a.address.point->lon) : Node::Null());
  r.Set("media_url", filing && !filing->media_url.empty() ? Node::String(filing->media_url)
                                                          : Node::Null());
  if (extensions) {
    Node ext = Node::Object();
    ext.Set("number", Node::String(a.number));
    ext.Set("vikno_status", Node::String(std::string(StatusCode(a.status))));
    ext.Set("status_extended", Node::String(Extended(a.status)));
    ext.Set("status_label", Node::String(status_label));
    ext.Set("channel", Node::String(a.channel));
    Node notes = Node::MakeList("note");
    for (const auto& n : timeline) {
      const std::string code(StatusCode(n.status));
      Node note = Node::Object();
      note.Set("update_id", Node::String(std::to_string(n.audit_id)));
      note.Set("type", Node::String(n.kind));
      note.Set("datetime", Node::String(FormatIso8601(n.at)));
      note.Set("status", Node::String(OpenClosed(n.status)));
      note.Set("status_extended", Node::String(Extended(n.status)));
      note.Set("vikno_status", Node::String(code));
      note.Set("description",
               Node::String(n.text.empty() ? Label(deps, "status." + code, code) : n.text));
      notes.Add(std::move(note));
    }
    ext.Set("notes", std::move(notes));
    r.Set("extended_attributes", std::move(ext));
  }
  return r;
}

std::optional<Appeal> FindByRequestId(Store& store, const std::string& id) {
  if (id.empty() || id.size() > 64) return std::nullopt;
  return store.FindAppealByNumber(id);
}

// ---- POST requests ------------------------------------------------------------------

bool IsHttpUrl(const std::string& url) {
  if (url.size() > 2000) return false;
  for (unsigned char c : url)
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '<' || c == '>') return false;
  try {
    Poco::URI uri(url);
    const std::string scheme = Poco::toLower(uri.getScheme());
    return (scheme == "http" || scheme == "https") && !uri.getHost().empty();
  } catch (const Poco::Exception&) {
    return false;
  }
}

double Coordinate(const std::string& name, const std::string& text, double limit) {
  double v = 0;
  if (!Poco::NumberParser::tryParseFloat(Poco::trim(text), v) || !std::isfinite(v) ||
      std::fabs(v) > limit)
    throw Open311Error(400, name + " must be a WGS-84 number between -" +
                                std::to_string(static_cast<int>(limit)) + " and " +
                                std::to_string(static_cast<int>(limit)));
  return v;
}

Reply PostRequest(const ApiDeps& deps, open311::ApiKeyService& keys, Call& call, Format format) {
  // GeoReport v2 sends the fields form-encoded in the body; some clients put
  // them in the query string (the spec's swagger says "in: query"): take both.
  const std::string content_type =
      Poco::toLower(call.request().get("Content-Type", "application/x-www-form-urlencoded"));
  if (call.has_body() && content_type.rfind("application/x-www-form-urlencoded", 0) != 0)
    throw Open311Error(400, "send the fields as application/x-www-form-urlencoded");
  Params params = call.query();
  for (auto& p : ParseForm(call.has_body() ? call.RawBody() : "")) params.push_back(std::move(p));
  Args args(std::move(params));

  auto key = keys.Authenticate(args.Text("api_key"));
  if (!key) throw Open311Error(403, "a valid api_key is required; ask the city for one");

  const std::string service_code = args.Text("service_code");
  if (service_code.empty()) throw Open311Error(400, "service_code is required");
  auto service = FindService(*deps.store, service_code);
  if (!service) throw Open311Error(404, "no service '" + service_code + "': see services.json");

  NewAppeal input;
  input.channel = "open311";
  input.category = service->leaf.id;  // the resident's choice; the city's rules decide
  input.description = Poco::trim(args.Text("description"));
  if (input.description.empty()) throw Open311Error(400, "description is required");
  if (CountChars(input.description) > kMaxDescriptionChars)
    throw Open311Error(400, "description is longer than 4000 characters");

  // Location: lat/long, address_string or address_id (at least one).
  const auto lat = args.Get("lat"), lon = args.Get("long");
  const std::string address_string = Poco::trim(args.Text("address_string"));
  const std::string address_id = Poco::trim(args.Text("address_id"));
  if ((lat && !lon) || (!lat && lon)) throw Open311Error(400, "give lat and long together");
  if (!lat && address_string.empty() && address_id.empty())
    throw Open311Error(400, "a location is required: lat and long, address_string or address_id");
  std::optional<RegistryAddress> building;
  if (!address_id.empty()) {
    Poco::Int64 id = 0;
    if (!Poco::NumberParser::tryParse64(address_id, id) || id <= 0 ||
        !(building = deps.store->FindRegistryAddress(id)))
      throw Open311Error(400, "address_id '" + address_id + "' is not in the city's address registry");
  } else if (!address_string.empty()) {
    // R3: the same matcher the bots use reads what people type.
    std::vector<RegistryAddress> found;
    if (deps.desk.address_lookup) found = deps.desk.address_lookup(address_string, 1);
    if (found.empty())
      throw Open311Error(400, "address_string '" + address_string +
                                  "' does not match a building of the city's address registry");
    building = found.front();
  }
  if (building) {
    input.address.registry_id = building->id;
    input.address.city = building->city;
    input.address.district = building->district;
    input.address.street = building->street;
    input.address.house = building->house;
    input.address.point = building->point;
  }
  if (lat) input.address.point = GeoPoint{Coordinate("lat", *lat, 90), Coordinate("long", *lon, 180)};

  // attribute[code]=value (the service definition).
  for (const auto& [name, value] : args.all()) {
    if (name.rfind("attribute[", 0) != 0) continue;
    if (name.back() != ']') throw Open311Error(400, "malformed attribute parameter '" + name + "'");
    const std::string code = name.substr(10, name.size() - 11);
    if (value.size() > 50) throw Open311Error(400, "attribute " + code + " is too long");
    if (code == "flat") {
      input.address.flat = Poco::trim(value);
    } else if (code == "entrance") {
      input.address.entrance = Poco::trim(value);
    } else if (code == "anonymous") {
      if (value != "yes" && value != "no")
        throw Open311Error(400, "attribute anonymous must be yes or no");
      input.anonymous = value == "yes";
    } else {
      throw Open311Error(400, "unknown attribute '" + code + "': see services/" + service_code +
                                  ".json");
    }
  }

  const std::string media_url = Poco::trim(args.Text("media_url"));
  if (!media_url.empty() && !IsHttpUrl(media_url))
    throw Open311Error(400, "media_url must be an http or https URL");

  // The person (R31: the key holder's app took their consent to pass it on,
  // docs/open311.md; recorded with the time and the key's label).
  Identity identity;
  const std::string first = Poco::trim(args.Text("first_name"));
  const std::string last = Poco::trim(args.Text("last_name"));
  identity.name = Poco::trim(first + " " + last);
  identity.email = Poco::trim(args.Text("email"));
  const std::string phone = Poco::trim(args.Text("phone"));
  if (!phone.empty()) {
    auto normal = NormalizePhone(phone);
    if (!normal) throw Open311Error(400, "phone '" + phone + "' is not a phone number");
    identity.phone = *normal;
  }
  if (!identity.email.empty() &&
      (identity.email.size() > 254 || identity.email.find('@') == std::string::npos ||
       identity.email.find_first_of(" \t\r\n<>") != std::string::npos))
    throw Open311Error(400, "email '" + identity.email + "' is not an e-mail address");
  if (identity.name.size() > 200) throw Open311Error(400, "first_name and last_name are too long");
  const bool has_identity = !identity.name.empty() || !identity.email.empty() || !identity.phone.empty();
  if (has_identity && input.anonymous)
    throw Open311Error(400, "an anonymous request carries no name, e-mail or phone (002 §5.7)");
  const Timestamp now = deps.clock->Now();
  if (has_identity) {
    input.identity = identity;
    input.consent = Consent{now, "open311:" + key->label};
  }

  // The app acts for the resident; the audit names the key (R33).
  Actor actor = Actor::System("open311-key:" + std::to_string(key->id));
  actor.client_address = call.request().clientAddress().host().toString();
  auto created = deps.appeals->Create(input, actor);
  if (!created) {
    const int status = StatusOf(created.refusal());
    throw Open311Error(status >= 500 ? status : 400, created.refusal().message);
  }
  const Appeal& appeal = created.value();
  Open311Filing filing;
  filing.token = RandomToken(18);
  filing.appeal_id = appeal.id;
  filing.media_url = media_url;
  filing.api_key_id = key->id;
  filing.created_at = now;
  deps.store->RecordOpen311Filing(filing);
  if (!media_url.empty()) {
    // Staff see the photo's link on the card (the card keeps files, not URLs).
    deps.appeals->AddComment(appeal.id,
                             Label(deps, "open311.media_comment", "Open311 media_url") + ": " +
                                 media_url,
                             false, actor);
  }

  Node list = Node::MakeList("request");
  Node r = Node::Object();
  r.Set("service_request_id", Node::String(appeal.number));
  r.Set("token", Node::String(filing.token));
  r.Set("service_notice", OptString(Label(deps, "open311.service_notice", "")));
  r.Set("account_id", Node::Null());
  list.Add(std::move(r));
  return Render(200, list, format, "service_requests");  // the spec's 200
}

// ---- GET requests ---------------------------------------------------------------------

Reply GetRequests(const ApiDeps& deps, Call& call, Format format) {
  Args args(call.query());
  const bool extensions = FlagParam(args, "extensions");
  const CatalogNames names = Names(*deps.store);
  Node list = Node::MakeList("request");

  // service_request_id overrides every other parameter (GeoReport v2).
  const std::string ids = args.Text("service_request_id");
  if (!ids.empty()) {
    std::vector<std::string> wanted;
    size_t i = 0;
    while (i <= ids.size()) {
      size_t j = ids.find(',', i);
      if (j == std::string::npos) j = ids.size();
      std::string id = Poco::trim(ids.substr(i, j - i));
      if (!id.empty()) wanted.push_back(id);
      i = j + 1;
    }
    if (wanted.size() > kDefaultPageSize)
      throw Open311Error(400, "at most 1000 service_request_id values at once");
    for (const auto& id : wanted)
      if (auto a = FindByRequestId(*deps.store, id)) list.Add(RequestNode(deps, *a, names, extensions));
    return Render(200, list, format, "service_requests");
  }

  const auto [from, to] = DateRange(args, deps.clock->Now());
  AppealQuery q;
  q.created_from = from;
  q.created_to = to + std::chrono::seconds(1);  // end_date is inclusive, the store's end is not
  const std::string code = args.Text("service_code");
  if (!code.empty()) {
    std::vector<std::string> codes;
    size_t i = 0;
    while (i <= code.size()) {
      size_t j = code.find(',', i);
      if (j == std::string::npos) j = code.size();
      codes.push_back(Poco::trim(code.substr(i, j - i)));
      i = j + 1;
    }
    if (codes.size() != 1)
      throw Open311Error(400, "give one service_code (or none)");
    if (!FindService(*deps.store, codes[0]))
      throw Open311Error(404, "no service '" + codes[0] + "': see services.json");
    q.category = codes[0];
  }
  const std::string status = Poco::toLower(args.Text("status"));
  if (!status.empty()) {
    bool open = false, closed = false;
    size_t i = 0;
    while (i <= status.size()) {
      size_t j = status.find(',', i);
      if (j == std::string::npos) j = status.size();
      const std::string s = Poco::trim(status.substr(i, j - i));
      if (s == "open")
        open = true;
      else if (s == "closed")
        closed = true;
      else
        throw Open311Error(400, "status must be open, closed or both");
      i = j + 1;
    }
    if (open != closed)
      for (const auto& info : AllStatuses())
        if (info.final == closed) q.statuses.push_back(info.status);
  }
  // Paging (extension): page from 1, page_size up to 1000.
  const int page = IntParam(args, "page", 1, 1, 1000000);
  const int page_size = IntParam(args, "page_size", kDefaultPageSize, 1, kDefaultPageSize);
  q.sort = AppealQuery::Sort::kNewestFirst;
  q.now = deps.clock->Now();
  int64_t offset = static_cast<int64_t>(page - 1) * page_size;
  int left = page_size;
  while (left > 0) {
    q.limit = std::min(left, 500);  // the store's page bound
    q.offset = static_cast<int>(std::min<int64_t>(offset, 1'000'000'000));
    auto result = deps.appeals->List(q, Actor::System("open311"));
    if (!result) throw Open311Error(400, result.refusal().message);
    for (const auto& a : result->items) list.Add(RequestNode(deps, a, names, extensions));
    left -= static_cast<int>(result->items.size());
    offset += static_cast<int64_t>(result->items.size());
    if (!result->has_more || result->items.empty()) break;
  }
  return Render(200, list, format, "service_requests");
}

Reply GetRequest(const ApiDeps& deps, Call& call, const std::string& id, Format format) {
  Args args(call.query());
  const bool extensions = FlagParam(args, "extensions");
  auto a = FindByRequestId(*deps.store, id);
  if (!a) throw Open311Error(404, "no service request '" + id + "'");
  Node list = Node::MakeList("request");
  list.Add(RequestNode(deps, *a, Names(*deps.store), extensions));
  return Render(200, list, format, "service_requests");
}

Reply GetToken(const ApiDeps& deps, const std::string& token, Format format) {
  std::optional<Open311Filing> filing;
  if (!token.empty() && token.size() <= 64) filing = deps.store->FindOpen311FilingByToken(token);
  std::optional<Appeal> appeal;
  if (filing) appeal = deps.store->FindAppeal(filing->appeal_id);
  if (!appeal) throw Open311Error(404, "no token '" + token + "'");
  Node list = Node::MakeList("request");
  Node r = Node::Object();
  r.Set("service_request_id", Node::String(appeal->number));
  r.Set("token", Node::String(token));
  list.Add(std::move(r));
  return Render(200, list, format, "service_requests");
}

// mySociety's GET servicerequestupdates: the status changes and the comments
// shown to residents between start_date and end_date, oldest first.
Reply GetUpdates(const ApiDeps& deps, Call& call, Format format) {
  Args args(call.query());
  const auto [from, to] = DateRange(args, deps.clock->Now());
  const int page = IntParam(args, "page", 1, 1, 1000000);
  const int page_size = IntParam(args, "page_size", kDefaultPageSize, 1, kDefaultPageSize);
  Store& store = *deps.store;
  const auto entries = store.ListAppealAuditBetween(from, to + std::chrono::seconds(1), page_size,
                                                    (page - 1) * page_size);
  std::map<int64_t, std::vector<TimelineNote>> timelines;
  std::map<int64_t, std::optional<Appeal>> appeals;
  Node list = Node::MakeList("request_update");
  for (const auto& e : entries) {
    Poco::Int64 appeal_id = 0;
    if (!Poco::NumberParser::tryParse64(e.entity_id, appeal_id)) continue;
    if (!appeals.count(appeal_id)) {
      appeals[appeal_id] = store.FindAppeal(appeal_id);
      if (appeals[appeal_id]) {
        const Appeal& a = *appeals[appeal_id];
        const bool publish =
            a.channel == "open311" && store.FindOpen311FilingByAppeal(a.id).has_value();
        timelines[appeal_id] = Timeline(store, a, publish);
      }
    }
    if (!appeals[appeal_id]) continue;
    const Appeal& a = *appeals[appeal_id];
    for (const auto& n : timelines[appeal_id]) {
      if (n.audit_id != e.id) continue;
      const std::string code(StatusCode(n.status));
      Node u = Node::Object();
      u.Set("update_id", Node::String(std::to_string(n.audit_id)));
      u.Set("service_request_id", Node::String(a.number));
      u.Set("status", Node::String(Extended(n.status)));
      u.Set("updated_datetime", Node::String(FormatIso8601(n.at)));
      u.Set("description",
            Node::String(n.text.empty() ? Label(deps, "status." + code, code) : n.text));
      u.Set("media_url", Node::String(""));
      u.Set("external_status_code", Node::String(code));
      list.Add(std::move(u));
    }
  }
  return Render(200, list, format, "service_requests_updates");
}

// ---- Discovery and services ---------------------------------------------------------------

std::string BaseUrl(const ApiDeps& deps, Call& call) {
  if (!deps.public_url.empty()) return deps.public_url;
  // No public URL configured: the host the client reached us by.
  const std::string host = call.request().getHost();
  return "http://" + (host.empty() ? std::string("127.0.0.1") : host);
}

Reply Discovery(const ApiDeps& deps, Call& call, Format format) {
  Node d = Node::Object();
  d.Set("changeset", Node::String("2026-11-22T00:00:00Z"));
  d.Set("contact", Node::String(Label(deps, "open311.contact", "")));
  d.Set("key_service", Node::String(Label(deps, "open311.key_service", "")));
  Node endpoints = Node::MakeList("endpoint");
  Node e = Node::Object();
  e.Set("specification", Node::String("http://wiki.open311.org/GeoReport_v2"));
  e.Set("url", Node::String(BaseUrl(deps, call) + "/open311/v2"));
  e.Set("changeset", Node::String("2026-11-22T00:00:00Z"));
  e.Set("type", Node::String("production"));
  Node formats = Node::MakeList("format");
  formats.Add(Node::String("text/xml"));
  formats.Add(Node::String("application/json"));
  e.Set("formats", std::move(formats));
  endpoints.Add(std::move(e));
  d.Set("endpoints", std::move(endpoints));
  return Render(200, d, format, "discovery");
}

Reply ServicesList(const ApiDeps& deps, Format format) {
  Node list = Node::MakeList("service");
  for (const auto& s : Services(*deps.store)) {
    Node n = Node::Object();
    n.Set("service_code", Node::String(s.leaf.id));
    n.Set("service_name", Node::String(s.leaf.name));
    n.Set("description", Node::String(s.path));
    n.Set("metadata", Node::Bool(std::size(kAttributes) > 0));
    n.Set("type", Node::String("realtime"));  // the id is known at once
    n.Set("keywords", OptString(s.keywords));
    n.Set("group", OptString(s.group));
    list.Add(std::move(n));
  }
  return Render(200, list, format, "services");
}

// ---- Panel: key management -------------------------------------------------------------------

Poco::JSON::Object::Ptr KeyJson(const ApiKey& k) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("id", k.id);
  o->set("label", k.label);
  o->set("created_by", k.created_by);
  o->set("created_at", FormatIso8601(k.created_at));
  o->set("active", k.active());
  if (k.revoked_at)
    o->set("revoked_at", FormatIso8601(*k.revoked_at));
  else
    o->set("revoked_at", Poco::Dynamic::Var());
  o->set("revoked_by", k.revoked_by);
  return o;
}

Reply KeyRefused(const Refusal& r) {
  return Reply{StatusOf(r), ErrorJson(r.code, r.message), {}, {}};
}

}  // namespace

void RegisterOpen311Routes(Router& router, const ApiDeps& deps) {
  const ApiDeps* d = &deps;  // owned by the server's state, which owns the router
  auto keys = std::make_shared<open311::ApiKeyService>(*deps.store, *deps.clock);

  auto get_doc = [d](Call& call) {
    const std::string resource = call.Param("resource");
    return Guarded(resource, [&](Format format) {
      const std::string name = SplitFormat(resource).first;
      if (name == "discovery") return Discovery(*d, call, format);
      if (name == "services") return ServicesList(*d, format);
      if (name == "requests") return GetRequests(*d, call, format);
      if (name == "servicerequestupdates") return GetUpdates(*d, call, format);
      throw Open311Error(404, "no such resource: " + name);
    });
  };
  router.Add("GET", "/open311/v2/{resource}", get_doc, /*needs_auth=*/false);
  router.Add(
      "GET", "/open311/{resource}",
      [d](Call& call) {
        const std::string resource = call.Param("resource");
        return Guarded(resource, [&](Format format) {
          if (SplitFormat(resource).first != "discovery")
            throw Open311Error(404, "no such resource: " + resource);
          return Discovery(*d, call, format);
        });
      },
      /*needs_auth=*/false);
  router.Add(
      "POST", "/open311/v2/{resource}",
      [d, keys](Call& call) {
        const std::string resource = call.Param("resource");
        return Guarded(resource, [&](Format format) {
          if (SplitFormat(resource).first != "requests")
            throw Open311Error(404, "only requests takes POST");
          return PostRequest(*d, *keys, call, format);
        });
      },
      /*needs_auth=*/false);
  router.Add(
      "GET", "/open311/v2/services/{code...}",
      [d](Call& call) {
        const std::string resource = call.Param("code");
        return Guarded(resource, [&](Format format) {
          const std::string code = SplitFormat(resource).first;
          auto service = FindService(*d->store, code);
          if (!service) throw Open311Error(404, "no service '" + code + "': see services.json");
          return Render(200, ServiceDefinition(*d, *service), format, "service_definition");
        });
      },
      /*needs_auth=*/false);
  router.Add(
      "GET", "/open311/v2/requests/{id}",
      [d](Call& call) {
        const std::string resource = call.Param("id");
        return Guarded(resource, [&](Format format) {
          return GetRequest(*d, call, SplitFormat(resource).first, format);
        });
      },
      /*needs_auth=*/false);
  router.Add(
      "GET", "/open311/v2/tokens/{token}",
      [d](Call& call) {
        const std::string resource = call.Param("token");
        return Guarded(resource, [&](Format format) {
          return GetToken(*d, SplitFormat(resource).first, format);
        });
      },
      /*needs_auth=*/false);

  // The panel's key management: a session (or staff API key) with CSRF,
  // checked by the server; administrators only, checked by the service.
  router.Add("GET", "/api/v1/open311-keys", [keys](Call& call) {
    auto list = keys->List(call.actor());
    if (!list) return KeyRefused(list.refusal());
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    Poco::JSON::Array::Ptr items = new Poco::JSON::Array;
    for (const auto& k : list.value()) items->add(KeyJson(k));
    o->set("items", items);
    return Reply{200, Stringify(o), {}, {}};
  });
  router.Add("POST", "/api/v1/open311-keys", [keys](Call& call) {
    Poco::JSON::Object::Ptr body;
    try {
      Poco::JSON::Parser parser;
      parser.setDepth(4);
      auto v = parser.parse(call.JsonBody());
      if (v.type() == typeid(Poco::JSON::Object::Ptr)) body = v.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
    }
    if (!body) throw HttpError(400, "malformed_json", "the body must be a JSON object");
    for (const auto& [name, value] : *body)
      if (name != "label") throw HttpError(400, "unknown_field", "unknown field '" + name + "'");
    std::string label;
    if (body->has("label") && !body->isNull("label")) {
      if (!body->get("label").isString())
        throw HttpError(400, "invalid_field", "field 'label' must be a string");
      label = Poco::trim(body->getValue<std::string>("label"));
    }
    auto issued = keys->Issue(label, call.actor());
    if (!issued) {
      const Refusal& r = issued.refusal();
      return Reply{r.code == "missing_label" ? 422 : StatusOf(r), ErrorJson(r.code, r.message),
                   {}, {}};
    }
    auto o = KeyJson(issued->key);
    o->set("secret", issued->secret);  // shown once (store/api_key_store.h)
    return Reply{201, Stringify(o), {}, {}};
  });
  router.Add("POST", "/api/v1/open311-keys/{id}/revoke", [keys](Call& call) {
    const std::string& text = call.Param("id");
    Poco::Int64 id = 0;
    if (!Poco::NumberParser::tryParse64(text, id) || id <= 0 || std::to_string(id) != text)
      throw HttpError(400, "invalid_id", "key id must be a positive integer");
    auto revoked = keys->Revoke(id, call.actor());
    if (!revoked) {
      const Refusal& r = revoked.refusal();
      return Reply{r.code == "already_revoked" ? 409 : StatusOf(r), ErrorJson(r.code, r.message),
                   {}, {}};
    }
    return Reply{200, Stringify(KeyJson(revoked.value())), {}, {}};
  });
}

}  // namespace vikno::http
