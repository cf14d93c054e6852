// DialogueState <-> JSON for the store. Stable field names and stage codes
// (not enum numbers), so a state saved by one release is read by the next.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

#include "conversation/dialogue.h"

namespace vikno::conversation {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr int kFormat = 1;

Array::Ptr Point(const GeoPoint& p) {
  Array::Ptr a = new Array;
  a->add(p.lat);
  a->add(p.lon);
  return a;
}

Object::Ptr AddressJson(const Address& a) {
  Object::Ptr o = new Object;
  if (a.registry_id) o->set("registry_id", static_cast<Poco::Int64>(*a.registry_id));
  o->set("city", a.city);
  o->set("district", a.district);
  o->set("street", a.street);
  o->set("house", a.house);
  o->set("flat", a.flat);
  o->set("entrance", a.entrance);
  if (a.point) o->set("point", Point(*a.point));
  return o;
}

Object::Ptr FileJson(const FileRef& f) {
  Object::Ptr o = new Object;
  o->set("sha256", f.sha256);
  o->set("media_type", f.media_type);
  o->set("size", static_cast<Poco::Int64>(f.size));
  o->set("name", f.name);
  return o;
}

// Readers that throw on a wrong type; FromJson turns any throw into a refusal.
std::string Str(const Object::Ptr& o, const std::string& key) {
  return o->has(key) ? o->getValue<std::string>(key) : std::string();
}
int64_t Int(const Object::Ptr& o, const std::string& key) {
  return o->has(key) ? o->getValue<Poco::Int64>(key) : 0;
}
bool Bool(const Object::Ptr& o, const std::string& key) {
  return o->has(key) && o->getValue<bool>(key);
}
std::optional<GeoPoint> ReadPoint(const Object::Ptr& o, const std::string& key) {
  if (!o->has(key)) return std::nullopt;
  Array::Ptr a = o->getArray(key);
  if (!a || a->size() != 2) throw std::runtime_error("point");
  return GeoPoint{a->getElement<double>(0), a->getElement<double>(1)};
}
Object::Ptr Obj(const Object::Ptr& o, const std::string& key) {
  Object::Ptr v = o->getObject(key);
  if (!v) throw std::runtime_error(key);
  return v;
}
Address ReadAddress(const Object::Ptr& o) {
  Address a;
  if (o->has("registry_id")) a.registry_id = Int(o, "registry_id");
  a.city = Str(o, "city");
  a.district = Str(o, "district");
  a.street = Str(o, "street");
  a.house = Str(o, "house");
  a.flat = Str(o, "flat");
  a.entrance = Str(o, "entrance");
  a.point = ReadPoint(o, "point");
  return a;
}
FileRef ReadFile(const Object::Ptr& o) {
  return FileRef{Str(o, "sha256"), Str(o, "media_type"), Int(o, "size"), Str(o, "name")};
}
template <class F>
void EachObject(const Object::Ptr& o, const std::string& key, F f) {
  if (!o->has(key)) return;
  Array::Ptr a = o->getArray(key);
  if (!a) throw std::runtime_error(key);
  for (size_t i = 0; i < a->size(); ++i) {
    Object::Ptr item = a->getObject(static_cast<unsigned>(i));
    if (!item) throw std::runtime_error(key);
    f(item);
  }
}

const char* PurposeCode(AddressPurpose p) {
  switch (p) {
    case AddressPurpose::kRegister:
      return "register";
    case AddressPurpose::kAddAnother:
      return "add";
    case AddressPurpose::kProblem:
      return "problem";
  }
  return "register";
}

}  // namespace

std::string DialogueState::ToJson() const {
  Object::Ptr o = new Object;
  o->set("v", kFormat);
  o->set("stage", std::string(StageCode(stage)));
  if (blocked_notice_sent) o->set("blocked_notice_sent", true);
  Array::Ptr offers = new Array;
  for (const auto& off : offered) {
    Object::Ptr x = new Object;
    x->set("payload", off.payload);
    x->set("label", off.label);
    offers->add(x);
  }
  o->set("offered", offers);
  o->set("address_purpose", std::string(PurposeCode(address_purpose)));
  Array::Ptr cands = new Array;
  for (const auto& c : candidates) cands->add(AddressJson(c.address));
  o->set("candidates", cands);
  o->set("address_attempts", address_attempts);
  Object::Ptr d = new Object;
  d->set("category_id", draft.category_id);
  d->set("category_name", draft.category_name);
  d->set("address", AddressJson(draft.address));
  d->set("description", draft.description);
  Array::Ptr photos = new Array;
  for (const auto& p : draft.photos) photos->add(FileJson(p));
  d->set("photos", photos);
  if (draft.location) d->set("location", Point(*draft.location));
  o->set("draft", d);
  o->set("category_parent", category_parent);
  o->set("appeal_id", static_cast<Poco::Int64>(appeal_id));
  o->set("appeal_number", appeal_number);
  o->set("rate_executor_id", rate_executor_id);
  o->set("rate_executor_name", rate_executor_name);
  o->set("rate_score", rate_score);
  if (rate_appeal_id) o->set("rate_appeal_id", static_cast<Poco::Int64>(*rate_appeal_id));
  Array::Ptr fx = new Array;
  for (const auto& f : fixes) {
    Object::Ptr x = new Object;
    x->set("appeal_id", static_cast<Poco::Int64>(f.appeal_id));
    x->set("number", f.number);
    x->set("answer", f.answer);
    fx->add(x);
  }
  o->set("fixes", fx);
  std::ostringstream out;
  o->stringify(out);
  return out.str();
}

Result<DialogueState> DialogueState::FromJson(const std::string& json) {
  try {
    Poco::JSON::Parser parser;
    Object::Ptr o = parser.parse(json).extract<Object::Ptr>();
    if (!o) return Refuse("invalid_state", "dialogue state is not a JSON object");
    if (Int(o, "v") != kFormat) return Refuse("invalid_state", "unknown dialogue state format");
    DialogueState s;
    auto stage = ParseStage(Str(o, "stage"));
    if (!stage) return Refuse("invalid_state", "unknown stage '" + Str(o, "stage") + "'");
    s.stage = *stage;
    s.blocked_notice_sent = Bool(o, "blocked_notice_sent");
    EachObject(o, "offered", [&](const Object::Ptr& x) {
      s.offered.push_back(Offer{Str(x, "payload"), Str(x, "label")});
    });
    const std::string purpose = Str(o, "address_purpose");
    if (purpose == "add") {
      s.address_purpose = AddressPurpose::kAddAnother;
    } else if (purpose == "problem") {
      s.address_purpose = AddressPurpose::kProblem;
    } else if (purpose == "register" || purpose.empty()) {
      s.address_purpose = AddressPurpose::kRegister;
    } else {
      return Refuse("invalid_state", "unknown address purpose '" + purpose + "'");
    }
    EachObject(o, "candidates", [&](const Object::Ptr& x) {
      s.candidates.push_back(AddressChoice{ReadAddress(x)});
    });
    s.address_attempts = static_cast<int>(Int(o, "address_attempts"));
    if (o->has("draft")) {
      Object::Ptr d = Obj(o, "draft");
      s.draft.category_id = Str(d, "category_id");
      s.draft.category_name = Str(d, "category_name");
      if (d->has("address")) s.draft.address = ReadAddress(Obj(d, "address"));
      s.draft.description = Str(d, "description");
      EachObject(d, "photos", [&](const Object::Ptr& x) { s.draft.photos.push_back(ReadFile(x)); });
      s.draft.location = ReadPoint(d, "location");
    }
    s.category_parent = Str(o, "category_parent");
    s.appeal_id = Int(o, "appeal_id");
    s.appeal_number = Str(o, "appeal_number");
    s.rate_executor_id = Str(o, "rate_executor_id");
    s.rate_executor_name = Str(o, "rate_executor_name");
    s.rate_score = static_cast<int>(Int(o, "rate_score"));
    if (o->has("rate_appeal_id")) s.rate_appeal_id = Int(o, "rate_appeal_id");
    EachObject(o, "fixes", [&](const Object::Ptr& x) {
      s.fixes.push_back(PendingFix{Int(x, "appeal_id"), Str(x, "number"), Str(x, "answer")});
    });
    return s;
  } catch (const Poco::Exception& e) {  // before std::exception: it derives from it
    return Refuse("invalid_state", "dialogue state cannot be read: " + e.displayText());
  } catch (const std::exception& e) {
    return Refuse("invalid_state", std::string("dialogue state cannot be read: ") + e.what());
  }
}

}  // namespace vikno::conversation
