#include "update_parser.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <cmath>

namespace vikno::telegram {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// Integer field `key` of `o`, or nullopt when absent or not an integer.
// IDs exceed 32 bits (chat ids of supergroups are -100...), so int64.
std::optional<int64_t> Int(const Object& o, const std::string& key) {
  if (!o.has(key)) return std::nullopt;
  const Poco::Dynamic::Var v = o.get(key);
  if (!v.isInteger()) return std::nullopt;
  try {
    return v.convert<Poco::Int64>();
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
}

std::optional<double> Number(const Object& o, const std::string& key) {
  if (!o.has(key)) return std::nullopt;
  const Poco::Dynamic::Var v = o.get(key);
  if (!v.isNumeric()) return std::nullopt;
  try {
    return v.convert<double>();
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
}

std::optional<std::string> String(const Object& o, const std::string& key) {
  if (!o.has(key)) return std::nullopt;
  const Poco::Dynamic::Var v = o.get(key);
  if (!v.isString()) return std::nullopt;
  return v.extract<std::string>();
}

std::string Name(const Object& user) {
  std::string name = String(user, "first_name").value_or("");
  if (auto last = String(user, "last_name"); last && !last->empty())
    name += (name.empty() ? "" : " ") + *last;
  if (name.empty()) name = String(user, "username").value_or("");
  return name;
}

void SetSender(const Object& from, sdk::InboundMessage* m) {
  if (auto id = Int(from, "id")) m->sender_id = std::to_string(*id);
  m->sender_name = Name(from);
  m->language = String(from, "language_code").value_or("");
}

std::string ParseFile(const Object& o, FileRef* f) {
  auto id = String(o, "file_id");
  if (!id || id->empty()) return "a file without file_id";
  f->file_id = *id;
  f->file_unique_id = String(o, "file_unique_id").value_or("");
  f->file_size = Int(o, "file_size").value_or(0);
  f->pixels = Int(o, "width").value_or(0) * Int(o, "height").value_or(0);
  f->file_name = String(o, "file_name").value_or("");
  f->mime_type = String(o, "mime_type").value_or("");
  return "";
}

std::string ParseMessage(const Object& msg, ParsedUpdate* out) {
  sdk::InboundMessage& m = out->message;
  Object::Ptr chat = msg.getObject("chat");
  if (!chat) return "message has no chat";
  auto chat_id = Int(*chat, "id");
  if (!chat_id) return "message chat has no integer id";
  m.chat_id = std::to_string(*chat_id);
  if (Object::Ptr from = msg.getObject("from")) SetSender(*from, &m);
  if (m.sender_id.empty()) m.sender_id = m.chat_id;
  if (auto date = Int(msg, "date")) m.sent_at = FromTelegramDate(*date);

  if (msg.has("text")) {
    auto text = String(msg, "text");
    if (!text) return "message text is not a string";
    m.text = *text;
  }
  if (msg.has("caption")) m.text = String(msg, "caption").value_or("");

  if (msg.has("contact")) {
    Object::Ptr c = msg.getObject("contact");
    if (!c) return "contact is not an object";
    auto phone = String(*c, "phone_number");
    if (!phone || phone->empty()) return "contact has no phone_number";
    sdk::Contact contact;
    contact.phone = *phone;
    contact.name = Name(*c);
    if (auto uid = Int(*c, "user_id")) contact.user_id = std::to_string(*uid);
    m.contact = contact;
  }
  if (msg.has("location")) {
    Object::Ptr l = msg.getObject("location");
    if (!l) return "location is not an object";
    auto lat = Number(*l, "latitude");
    auto lon = Number(*l, "longitude");
    if (!lat || !lon) return "location lacks latitude or longitude";
    if (!std::isfinite(*lat) || !std::isfinite(*lon) || std::fabs(*lat) > 90 ||
        std::fabs(*lon) > 180)
      return "location is out of range";
    m.location = sdk::Location{*lat, *lon};
  }
  if (msg.has("photo")) {
    Array::Ptr sizes = msg.getArray("photo");
    if (!sizes || sizes->size() == 0) return "photo is not a non-empty array";
    for (size_t i = 0; i < sizes->size(); ++i) {
      Object::Ptr size = sizes->getObject(static_cast<unsigned>(i));
      if (!size) return "photo size is not an object";
      FileRef f;
      if (std::string e = ParseFile(*size, &f); !e.empty()) return "photo has " + e;
      out->photo_sizes.push_back(f);
    }
  }
  if (msg.has("document")) {
    Object::Ptr d = msg.getObject("document");
    if (!d) return "document is not an object";
    FileRef f;
    if (std::string e = ParseFile(*d, &f); !e.empty()) return "document has " + e;
    out->document = f;
  }

  if (m.text.empty() && !m.contact && !m.location && out->photo_sizes.empty() && !out->document) {
    // Stickers, voice notes, polls, service messages (a member joined...):
    // valid, but nothing the intake can use.
    out->kind = ParsedUpdate::Kind::kIgnored;
    out->ignored_what = "a message with no text, contact, location, photo or document";
    return "";
  }
  out->kind = ParsedUpdate::Kind::kMessage;
  return "";
}

std::string ParseCallback(const Object& q, ParsedUpdate* out) {
  sdk::InboundMessage& m = out->message;
  auto id = String(q, "id");
  if (!id || id->empty()) return "callback_query has no id";
  out->callback_query_id = *id;
  Object::Ptr from = q.getObject("from");
  if (!from) return "callback_query has no from";
  SetSender(*from, &m);
  if (m.sender_id.empty()) return "callback_query from has no integer id";
  // Replies go to the chat of the message with the button; a button on an
  // inline-mode message has no message, and then the presser's private chat.
  m.chat_id = m.sender_id;
  if (Object::Ptr message = q.getObject("message")) {
    if (Object::Ptr chat = message->getObject("chat"))
      if (auto chat_id = Int(*chat, "id")) m.chat_id = std::to_string(*chat_id);
  }
  auto data = String(q, "data");
  if (!data) {
    // A game button: answered, nothing delivered.
    out->kind = ParsedUpdate::Kind::kIgnored;
    out->ignored_what = "a callback_query without data";
    return "";
  }
  m.button = *data;
  out->kind = ParsedUpdate::Kind::kCallback;
  return "";
}

}  // namespace

std::chrono::system_clock::time_point FromTelegramDate(int64_t date) {
  if (date > 100'000'000'000LL)
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(date));
  return std::chrono::system_clock::time_point(std::chrono::seconds(date));
}

std::string ParseUpdate(const Object& update, ParsedUpdate* out) {
  *out = ParsedUpdate{};
  auto id = Int(update, "update_id");
  if (!id) return "no integer update_id";
  if (*id < 0) return "negative update_id";
  out->update_id = *id;
  out->message.provider_id = std::to_string(*id);
  try {
    if (update.has("message")) {
      Object::Ptr msg = update.getObject("message");
      if (!msg) return "message is not an object";
      return ParseMessage(*msg, out);
    }
    if (update.has("callback_query")) {
      Object::Ptr q = update.getObject("callback_query");
      if (!q) return "callback_query is not an object";
      return ParseCallback(*q, out);
    }
  } catch (const Poco::Exception& e) {
    return "unreadable field: " + e.displayText();
  }
  // edited_message, channel_post, my_chat_member...: not asked for with
  // allowed_updates, but a webhook set by someone else may still send them.
  out->kind = ParsedUpdate::Kind::kIgnored;
  out->ignored_what = "an update without message or callback_query";
  for (const auto& [key, value] : update)
    if (key != "update_id") {
      out->ignored_what = "an update of kind " + key;
      break;
    }
  return "";
}

std::string ParseUpdateJson(const std::string& body, ParsedUpdate* out) {
  *out = ParsedUpdate{};
  Poco::Dynamic::Var parsed;
  try {
    Poco::JSON::Parser parser;
    // An Update is a few levels deep; a deeper body is not one.
    parser.setDepth(32);
    parsed = parser.parse(body);
  } catch (const Poco::Exception& e) {
    return "body is not JSON (" + e.message() + ")";
  }
  if (parsed.type() != typeid(Object::Ptr)) return "body is not a JSON object";
  Object::Ptr object = parsed.extract<Object::Ptr>();
  if (!object) return "body is not a JSON object";
  return ParseUpdate(*object, out);
}

std::optional<FileRef> PickPhoto(const std::vector<FileRef>& sizes, int64_t max_bytes) {
  std::optional<FileRef> best;
  for (const FileRef& f : sizes) {
    if (f.file_size > max_bytes) continue;
    // Equal pixels: the later one, as Telegram lists the largest last.
    if (!best || f.pixels >= best->pixels) best = f;
  }
  return best;
}

}  // namespace vikno::telegram
