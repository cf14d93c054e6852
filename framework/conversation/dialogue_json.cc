// DialogueState <-> JSON for the store. Stable field names and stage codes
// (not enum numbers), so a state saved by one release is read by the next.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <charconv>
#include <string_view>

#include "conversation/dialogue.h"

namespace vikno::conversation {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr int kFormat = 1;

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

// Written by hand rather than through Poco::JSON::Object (a std::map of
// Dynamic::Var per object, then a stringifier): the state is saved on every
// message, and building and printing that tree was ~4% of the host's CPU at
// intake (issue 4). Fields at their defaults are left out; FromJson reads a
// missing field as its default, so the format (v1) and every state saved
// before stay readable both ways.
class Writer {
 public:
  std::string Take() { return std::move(out_); }
  void Open() { out_ += '{'; first_ = true; }
  void Close() { out_ += '}'; first_ = false; }
  void OpenArray(std::string_view key) { Key(key); out_ += '['; first_ = true; }
  void CloseArray() { out_ += ']'; first_ = false; }
  void Item() {  // before an object inside an array
    if (!first_) out_ += ',';
    first_ = true;
  }
  void Str(std::string_view key, std::string_view v) {
    Key(key);
    Quote(v);
  }
  void StrIf(std::string_view key, std::string_view v) {
    if (!v.empty()) Str(key, v);
  }
  void Int(std::string_view key, int64_t v) {
    Key(key);
    out_ += std::to_string(v);
  }
  void IntIf(std::string_view key, int64_t v) {
    if (v != 0) Int(key, v);
  }
  void True(std::string_view key) {
    Key(key);
    out_ += "true";
  }
  void Point(std::string_view key, const GeoPoint& p) {
    Key(key);
    out_ += '[';
    Double(p.lat);
    out_ += ',';
    Double(p.lon);
    out_ += ']';
  }
  void Object(std::string_view key) {
    Key(key);
    out_ += '{';
    first_ = true;
  }

 private:
  void Key(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    Quote(key);
    out_ += ':';
  }
  void Quote(std::string_view v) {
    out_ += '"';
    for (char ch : v) {
      const auto c = static_cast<unsigned char>(ch);
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '\t':
          out_ += "\\t";
          break;
        default:
          if (c < 0x20) {
            static const char* kHex = "0123456789abcdef";
            out_ += "\\u00";
            out_ += kHex[c >> 4];
            out_ += kHex[c & 15];
          } else {
            out_ += ch;  // UTF-8 as is: JSON text is UTF-8
          }
      }
    }
    out_ += '"';
  }
  void Double(double v) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact form
    out_.append(buf, ec == std::errc() ? end : buf);
  }

  std::string out_;
  bool first_ = true;
};

// An address as the value of `key`, or as an array's item when key is empty.
void WriteAddress(Writer& w, std::string_view key, const Address& a) {
  if (key.empty()) {
    w.Open();
  } else {
    w.Object(key);
  }
  if (a.registry_id) w.Int("registry_id", *a.registry_id);
  w.StrIf("city", a.city);
  w.StrIf("district", a.district);
  w.StrIf("street", a.street);
  w.StrIf("house", a.house);
  w.StrIf("flat", a.flat);
  w.StrIf("entrance", a.entrance);
  if (a.point) w.Point("point", *a.point);
  w.Close();
}

}  // namespace

std::string DialogueState::ToJson() const {
  Writer w;
  w.Open();
  w.Int("v", kFormat);
  w.Str("stage", StageCode(stage));
  if (blocked_notice_sent) w.True("blocked_notice_sent");
  if (!offered.empty()) {
    w.OpenArray("offered");
    for (const auto& off : offered) {
      w.Item();
      w.Open();
      w.Str("payload", off.payload);
      w.Str("label", off.label);
      w.Close();
    }
    w.CloseArray();
  }
  if (address_purpose != AddressPurpose::kRegister)
    w.Str("address_purpose", PurposeCode(address_purpose));
  if (!candidates.empty()) {
    w.OpenArray("candidates");
    for (const auto& c : candidates) {
      w.Item();
      WriteAddress(w, {}, c.address);
    }
    w.CloseArray();
  }
  w.IntIf("address_attempts", address_attempts);
  const Address& da = draft.address;
  const bool has_draft =
      !draft.category_id.empty() || !draft.category_name.empty() || da.registry_id ||
      !da.city.empty() || !da.district.empty() || !da.street.empty() || !da.house.empty() ||
      !da.flat.empty() || !da.entrance.empty() || da.point || !draft.description.empty() ||
      !draft.photos.empty() || draft.location.has_value();
  if (has_draft) {
    w.Object("draft");
    w.StrIf("category_id", draft.category_id);
    w.StrIf("category_name", draft.category_name);
    WriteAddress(w, "address", draft.address);
    w.StrIf("description", draft.description);
    if (!draft.photos.empty()) {
      w.OpenArray("photos");
      for (const auto& f : draft.photos) {
        w.Item();
        w.Open();
        w.Str("sha256", f.sha256);
        w.Str("media_type", f.media_type);
        w.Int("size", f.size);
        w.Str("name", f.name);
        w.Close();
      }
      w.CloseArray();
    }
    if (draft.location) w.Point("location", *draft.location);
    w.Close();
  }
  w.StrIf("category_parent", category_parent);
  w.IntIf("appeal_id", appeal_id);
  w.StrIf("appeal_number", appeal_number);
  w.StrIf("rate_executor_id", rate_executor_id);
  w.StrIf("rate_executor_name", rate_executor_name);
  w.IntIf("rate_score", rate_score);
  if (rate_appeal_id) w.Int("rate_appeal_id", *rate_appeal_id);
  if (!fixes.empty()) {
    w.OpenArray("fixes");
    for (const auto& f : fixes) {
      w.Item();
      w.Open();
      w.Int("appeal_id", f.appeal_id);
      w.Str("number", f.number);
      w.Str("answer", f.answer);
      w.Close();
    }
    w.CloseArray();
  }
  w.Close();
  return w.Take();
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
