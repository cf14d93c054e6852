#include "callback.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include <cmath>
#include <typeinfo>

#include "viber_text.h"

namespace vikno::viber {
namespace {

using Poco::JSON::Object;

bool AllDigits(const std::string& s) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// A string member, or "" when absent or not a string.
std::string Str(const Object& o, const std::string& key) {
  if (!o.has(key)) return "";
  const Poco::Dynamic::Var v = o.get(key);
  if (!v.isString()) return "";
  return v.extract<std::string>();
}

bool Number(const Object& o, const std::string& key, double* out) {
  if (!o.has(key)) return false;
  const Poco::Dynamic::Var v = o.get(key);
  if (!v.isNumeric()) return false;
  try {
    *out = v.convert<double>();
  } catch (const Poco::Exception&) {
    return false;
  }
  return std::isfinite(*out);
}

std::string ParseMessage(const Object& root, Callback* out) {
  Object::Ptr sender = root.getObject("sender");
  if (!sender) return "a message event without a sender object";
  const std::string sender_id = Str(*sender, "id");
  if (sender_id.empty()) return "the sender has no id";
  Object::Ptr message = root.getObject("message");
  if (!message) return "a message event without a message object";
  const std::string type = Str(*message, "type");
  if (type.empty()) return "the message has no type";

  sdk::InboundMessage& m = out->message;
  m.provider_id = out->message_token;
  m.chat_id = sender_id;
  m.sender_id = sender_id;
  m.sender_name = Str(*sender, "name");
  m.language = Str(*sender, "language");
  m.sent_at = out->timestamp;
  out->tracking_data = Str(*message, "tracking_data");

  const std::string text = Str(*message, "text");
  if (!IsValidUtf8(text)) return "the text is not valid UTF-8";
  if (type == "text") {
    if (text.empty()) return "a text message without text";
    m.text = text;
  } else if (type == "location") {
    Object::Ptr loc = message->getObject("location");
    double lat = 0, lon = 0;
    if (!loc || !Number(*loc, "lat", &lat) || !Number(*loc, "lon", &lon))
      return "a location message without location.lat/lon";
    if (lat < -90 || lat > 90 || lon < -180 || lon > 180) return "the location is out of range";
    m.location = sdk::Location{lat, lon};
  } else if (type == "contact") {
    Object::Ptr contact = message->getObject("contact");
    if (!contact) return "a contact message without a contact object";
    sdk::Contact c;
    c.phone = Str(*contact, "phone_number");
    c.name = Str(*contact, "name");
    if (c.phone.empty()) return "the contact has no phone_number";
    m.contact = std::move(c);
  } else if (type == "picture" || type == "file" || type == "video") {
    MediaRef media;
    media.url = Str(*message, "media");
    if (media.url.empty()) return "a " + type + " message without media";
    media.file_name = Str(*message, "file_name");
    media.photo = type == "picture";
    if (message->has("size")) {
      try {
        media.size = message->get("size").convert<Poco::Int64>();
      } catch (const Poco::Exception&) {
        return "the " + type + " size is not a number";
      }
    }
    m.text = text;  // a picture's caption
    out->media = std::move(media);
  } else if (type == "url") {
    const std::string url = Str(*message, "media");
    if (url.empty()) return "a url message without media";
    m.text = url;
  } else {
    // sticker, rich_media, ...: nothing the dialogue can use.
    out->ignored_what = "a " + type + " message";
  }
  return "";
}

}  // namespace

std::string TokenText(const Poco::Dynamic::Var& value) {
  // Int64/UInt64 come from the parser exactly; a double would have lost digits.
  if (value.type() == typeid(Poco::Int64) || value.type() == typeid(Poco::Int32) ||
      value.type() == typeid(int) || value.type() == typeid(long) ||
      value.type() == typeid(long long)) {
    const Poco::Int64 v = value.convert<Poco::Int64>();
    return v < 0 ? "" : std::to_string(v);
  }
  if (value.type() == typeid(Poco::UInt64) || value.type() == typeid(unsigned long) ||
      value.type() == typeid(unsigned long long) || value.type() == typeid(unsigned)) {
    return std::to_string(value.convert<Poco::UInt64>());
  }
  if (value.isString()) {
    const std::string s = value.extract<std::string>();
    return AllDigits(s) ? s : "";
  }
  return "";
}

std::string ParseCallback(const std::string& body, Callback* out) {
  Object::Ptr root;
  try {
    Poco::JSON::Parser parser;
    parser.setDepth(32);
    Poco::Dynamic::Var parsed = parser.parse(body);
    if (parsed.type() == typeid(Object::Ptr)) root = parsed.extract<Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return "body is not JSON (" + e.message() + ")";
  }
  if (!root) return "body is not a JSON object";
  try {
    out->event = Str(*root, "event");
    if (out->event.empty()) return "no event";
    if (root->has("message_token")) {
      out->message_token = TokenText(root->get("message_token"));
      if (out->message_token.empty())
        return "message_token is not a non-negative integer: it would lose digits as a double";
    }
    if (root->has("timestamp")) {
      const Poco::Dynamic::Var ts = root->get("timestamp");
      if (!ts.isInteger()) return "timestamp is not an integer";
      out->timestamp = std::chrono::system_clock::time_point(
          std::chrono::milliseconds(ts.convert<Poco::Int64>()));
    }
    const std::string& e = out->event;
    using Kind = Callback::Kind;
    if (e == "webhook") {
      out->kind = Kind::kWebhook;
    } else if (e == "conversation_started" || e == "subscribed") {
      out->kind = e == "subscribed" ? Kind::kSubscribed : Kind::kConversationStarted;
      Object::Ptr user = root->getObject("user");
      if (!user || Str(*user, "id").empty()) return e + " without user.id";
      out->user_id = Str(*user, "id");
      out->user_name = Str(*user, "name");
    } else if (e == "unsubscribed" || e == "delivered" || e == "seen" || e == "failed") {
      out->user_id = Str(*root, "user_id");
      if (out->user_id.empty()) return e + " without user_id";
      out->kind = e == "unsubscribed" ? Kind::kUnsubscribed
                  : e == "delivered"  ? Kind::kDelivered
                  : e == "seen"       ? Kind::kSeen
                                      : Kind::kFailed;
      out->description = Str(*root, "desc");
      if (out->kind != Kind::kUnsubscribed && out->message_token.empty())
        return e + " without message_token";
    } else if (e == "message") {
      if (out->message_token.empty()) return "a message without message_token";
      out->kind = Kind::kMessage;
      return ParseMessage(*root, out);
    } else {
      out->kind = Kind::kOther;
    }
  } catch (const Poco::Exception& ex) {
    return "unexpected field types (" + ex.message() + ")";
  }
  return "";
}

}  // namespace vikno::viber
