#include "outbound.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

#include "viber_text.h"

namespace vikno::viber {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// Our tracking_data is marked, so another bot's data on the same account is
// never read as ours.
constexpr const char* kTrackingMark = "vikno";

}  // namespace

std::string Stringify(const Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

Object::Ptr KeyboardObject(const sdk::Keyboard& keyboard, std::string* error, bool* needs_api_3) {
  if (keyboard.kind == sdk::Keyboard::Kind::kRemove) return nullptr;
  std::vector<std::vector<Object::Ptr>> rows;
  size_t count = 0;
  for (const auto& row : keyboard.rows) {
    std::vector<Object::Ptr> out_row;
    for (const auto& button : row) {
      if (button.text.empty() || !IsValidUtf8(button.text)) {
        *error = "a button has an empty or non-UTF-8 label";
        return nullptr;
      }
      Object::Ptr b = new Object;
      b->set("Rows", 1);
      b->set("Text", button.text);
      b->set("TextSize", std::string("regular"));
      using Action = sdk::Button::Action;
      std::string body;
      switch (button.action) {
        case Action::kReply:
          b->set("ActionType", std::string("reply"));
          body = button.data.empty() ? button.text : button.data;
          break;
        case Action::kRequestContact:
          b->set("ActionType", std::string("share-phone"));
          body = button.data.empty() ? "share-phone" : button.data;
          *needs_api_3 = true;
          break;
        case Action::kRequestLocation:
          b->set("ActionType", std::string("location-picker"));
          body = button.data.empty() ? "location-picker" : button.data;
          *needs_api_3 = true;
          break;
        case Action::kOpenUrl:
          if (button.url.empty()) {
            *error = "button '" + button.text + "' opens a URL but has none";
            return nullptr;
          }
          b->set("ActionType", std::string("open-url"));
          body = button.url;
          break;
      }
      if (!IsValidUtf8(body) || CharCount(body) > kMaxActionBodyChars) {
        *error = "button '" + button.text + "': its payload is not UTF-8 or longer than " +
                 std::to_string(kMaxActionBodyChars) + " characters";
        return nullptr;
      }
      b->set("ActionBody", body);
      out_row.push_back(b);
      ++count;
    }
    // A row is 6 columns wide: wider rows wrap.
    for (size_t i = 0; i < out_row.size(); i += kKeyboardColumns)
      rows.emplace_back(out_row.begin() + static_cast<std::ptrdiff_t>(i),
                        out_row.begin() + static_cast<std::ptrdiff_t>(
                                              std::min(out_row.size(), i + kKeyboardColumns)));
  }
  if (count == 0) return nullptr;
  if (count > kMaxKeyboardRows * kKeyboardColumns) {
    *error = "the keyboard has " + std::to_string(count) + " buttons; Viber shows at most " +
             std::to_string(kMaxKeyboardRows * kKeyboardColumns) + " (12 rows of 6)";
    return nullptr;
  }
  if (rows.size() > kMaxKeyboardRows) {
    // Viber shows at most 12 rows (FAQ): put the buttons, in order, several
    // to a row, as few to a row as fits.
    std::vector<Object::Ptr> all;
    for (auto& r : rows)
      for (auto& b : r) all.push_back(b);
    const size_t per_row = (all.size() + kMaxKeyboardRows - 1) / kMaxKeyboardRows;
    rows.clear();
    for (size_t i = 0; i < all.size(); i += per_row)
      rows.emplace_back(
          all.begin() + static_cast<std::ptrdiff_t>(i),
          all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), i + per_row)));
  }
  Array::Ptr buttons = new Array;
  for (auto& row : rows) {
    const int columns = static_cast<int>(kKeyboardColumns / row.size());
    for (auto& b : row) {
      b->set("Columns", columns);
      buttons->add(b);
    }
  }
  Object::Ptr kb = new Object;
  kb->set("Type", std::string("keyboard"));
  kb->set("DefaultHeight", false);
  kb->set("Buttons", buttons);
  return kb;
}

std::string TrackingFor(const sdk::Keyboard& keyboard) {
  if (keyboard.kind == sdk::Keyboard::Kind::kRemove) return "";
  Array::Ptr payloads = new Array;
  bool phone = false;
  size_t chars = 32;  // {"vikno":1,"b":[],"p":1}
  for (const auto& row : keyboard.rows)
    for (const auto& b : row) {
      if (b.action == sdk::Button::Action::kRequestContact) phone = true;
      if (b.action != sdk::Button::Action::kReply) continue;
      const std::string payload = b.data.empty() ? b.text : b.data;
      // Quotes, a comma and escapes: a generous bound per payload.
      chars += CharCount(payload) * 2 + 3;
      if (chars > kMaxTrackingDataChars) break;
      payloads->add(payload);
    }
  if (payloads->size() == 0 && !phone) return "";
  Object o;
  o.set(kTrackingMark, 1);
  o.set("b", payloads);
  if (phone) o.set("p", 1);
  std::string out = Stringify(o);
  return CharCount(out) <= kMaxTrackingDataChars ? out : "";
}

Tracking ReadTracking(const std::string& tracking_data) {
  Tracking t;
  if (tracking_data.empty() || tracking_data.front() != '{') return t;
  try {
    Poco::JSON::Parser parser;
    parser.setDepth(4);
    Poco::Dynamic::Var v = parser.parse(tracking_data);
    if (v.type() != typeid(Object::Ptr)) return t;
    Object::Ptr o = v.extract<Object::Ptr>();
    if (!o || !o->has(kTrackingMark)) return t;
    if (Array::Ptr b = o->getArray("b"))
      for (size_t i = 0; i < b->size(); ++i)
        if (b->get(static_cast<unsigned>(i)).isString())
          t.buttons.push_back(b->getElement<std::string>(static_cast<unsigned>(i)));
    t.asked_phone = o->has("p");
  } catch (const Poco::Exception&) {
    return Tracking{};
  }
  return t;
}

Object::Ptr ContentObject(const Content& c) {
  Object::Ptr o = new Object;
  Object::Ptr sender = new Object;
  sender->set("name", c.sender_name);
  if (!c.sender_avatar.empty()) sender->set("avatar", c.sender_avatar);
  o->set("sender", sender);
  if (!c.media_url.empty()) {
    o->set("type", std::string("picture"));
    o->set("media", c.media_url);
    o->set("text", c.text);
  } else {
    o->set("type", std::string("text"));
    o->set("text", c.text);
  }
  if (!c.tracking_data.empty()) o->set("tracking_data", c.tracking_data);
  if (c.keyboard) o->set("keyboard", c.keyboard);
  if (c.needs_api_3) o->set("min_api_version", 3);
  return o;
}

}  // namespace vikno::viber
