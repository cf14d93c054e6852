#include "web_channel.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <charconv>
#include <cmath>
#include <set>
#include <sstream>
#include <stdexcept>

namespace vikno::web {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr size_t kMaxTextBytes = 4096;  // a long complaint, far less than a body
constexpr size_t kMaxButtonBytes = 64;  // Button::data's limit (sdk/message.h)
constexpr size_t kMaxBatch = 100;       // replies per GET updates
constexpr int kMaxJsonDepth = 4;        // our bodies are two deep

const std::set<std::string>& KnownKeys() {
  static const std::set<std::string> keys = {"secret",
                                             "data_dir",
                                             "max_pending",
                                             "poll_timeout_s",
                                             "max_waiting_polls",
                                             "max_body_bytes",
                                             "messages_per_minute",
                                             "sessions_per_minute",
                                             "dedup_window"};
  return keys;
}

std::string Stringify(const Object& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

sdk::WebhookResponse Json(int status, const Object& body) {
  sdk::WebhookResponse r;
  r.status = status;
  r.content_type = "application/json; charset=utf-8";
  r.body = Stringify(body);
  return r;
}

sdk::WebhookResponse Error(int status, const std::string& code, const std::string& message) {
  Object o;
  o.set("error", code);
  o.set("message", message);
  return Json(status, o);
}

sdk::WebhookResponse Forbidden() {
  // One answer for a missing, malformed or forged chat/token: nothing tells
  // a prober which part was wrong.
  return Error(403, "forbidden", "unknown chat or wrong token; start a new chat");
}

// Deeper than `max` levels of [ and { outside strings: refused before the
// parser recurses into it.
bool TooDeep(const std::string& body, int max) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > max) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

bool IsClientId(const std::string& id) {
  if (id.size() < 8 || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool Blank(const std::string& s) {
  for (unsigned char c : s)
    if (!std::isspace(c)) return false;
  return true;
}

// A string member or "" (absent, or not a string).
std::string StringMember(const Object& o, const std::string& key) {
  if (!o.has(key)) return "";
  const Poco::Dynamic::Var v = o.get(key);
  return v.isString() ? v.extract<std::string>() : "";
}

bool NumberMember(const Object& o, const std::string& key, double* out) {
  if (!o.has(key)) return false;
  const Poco::Dynamic::Var v = o.get(key);
  if (!v.isNumeric()) return false;
  *out = v.convert<double>();
  return std::isfinite(*out);
}

const char* ActionName(sdk::Button::Action a) {
  switch (a) {
    case sdk::Button::Action::kReply:
      return "reply";
    case sdk::Button::Action::kRequestContact:
      return "contact";
    case sdk::Button::Action::kRequestLocation:
      return "location";
    case sdk::Button::Action::kOpenUrl:
      return "url";
  }
  return "reply";
}

const char* KindName(sdk::Keyboard::Kind k) {
  switch (k) {
    case sdk::Keyboard::Kind::kInline:
      return "inline";
    case sdk::Keyboard::Kind::kReply:
      return "reply";
    case sdk::Keyboard::Kind::kRemove:
      return "remove";
  }
  return "inline";
}

}  // namespace

bool IsUtf8(const std::string& s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

WebOptions WebOptions::Read(const sdk::Settings& s, std::vector<std::string>* problems) {
  WebOptions o;
  o.secret = s.Required("secret");
  if (!o.secret.empty() && o.secret.size() < 16)
    problems->push_back("secret: must be at least 16 characters (use a long random string)");
  o.data_dir = s.String("data_dir", o.data_dir);
  if (o.data_dir.empty()) problems->push_back("data_dir: must not be empty");
  o.max_pending = s.Int("max_pending", o.max_pending, 1, 10000);
  o.poll_timeout_s = s.Int("poll_timeout_s", o.poll_timeout_s, 0, 60);
  o.max_waiting_polls = s.Int("max_waiting_polls", o.max_waiting_polls, 1, 1000);
  o.max_body_bytes = s.Int("max_body_bytes", o.max_body_bytes, 256, 1 << 20);
  o.messages_per_minute = s.Int("messages_per_minute", o.messages_per_minute, 1, 6000);
  o.sessions_per_minute = s.Int("sessions_per_minute", o.sessions_per_minute, 1, 100000);
  o.dedup_window = s.Int("dedup_window", o.dedup_window, 16, 1000000);
  for (const auto& [key, value] : s.Values())
    if (!KnownKeys().count(key)) problems->push_back(key + ": unknown setting of the web channel");
  for (const auto& p : s.Problems()) problems->push_back(p);
  return o;
}

std::string MessageJson(const sdk::OutboundMessage& message) {
  Object o;
  o.set("text", message.text);
  if (message.keyboard) {
    Object kb;
    kb.set("kind", KindName(message.keyboard->kind));
    kb.set("one_time", message.keyboard->one_time);
    Array rows;
    if (message.keyboard->kind != sdk::Keyboard::Kind::kRemove) {
      for (const auto& row : message.keyboard->rows) {
        Array r;
        for (const auto& b : row) {
          Object button;
          button.set("text", b.text);
          button.set("action", ActionName(b.action));
          if (b.action == sdk::Button::Action::kReply) button.set("data", b.data);
          if (b.action == sdk::Button::Action::kOpenUrl) button.set("url", b.url);
          r.add(button);
        }
        rows.add(r);
      }
    }
    kb.set("rows", rows);
    o.set("keyboard", kb);
  }
  return Stringify(o);
}

WebChannel::WebChannel(const sdk::Settings& settings) : auth_("") {
  std::vector<std::string> problems;
  options_ = WebOptions::Read(settings, &problems);
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
    throw std::invalid_argument(all);
  }
  auth_ = ChatAuth(options_.secret);
  session_bucket_.tokens = static_cast<double>(options_.sessions_per_minute);
  session_bucket_.at = std::chrono::steady_clock::now();
}

WebChannel::~WebChannel() = default;

sdk::Status WebChannel::Start(sdk::Host& host) {
  host_ = &host;
  const std::string dir = options_.data_dir + "/web-chat";
  mailboxes_ = std::make_unique<Mailboxes>(
      dir, static_cast<size_t>(options_.max_pending),
      [&host](const std::string& warning) { host.Log().Warning(warning); });
  const std::string opened = mailboxes_->Open();
  if (!opened.empty()) return sdk::Status::Error(opened);
  struct Hook {
    const char* path;
    sdk::WebhookResponse (WebChannel::*handler)(const sdk::WebhookRequest&);
  };
  for (const Hook& hook :
       {Hook{"session", &WebChannel::HandleSession}, Hook{"messages", &WebChannel::HandleMessages},
        Hook{"updates", &WebChannel::HandleUpdates}}) {
    auto handler = hook.handler;
    sdk::Status s = host.RegisterWebhook(
        hook.path, [this, handler](const sdk::WebhookRequest& r) { return (this->*handler)(r); });
    if (!s.ok) return s;
  }
  host.Log().Info("web chat ready: mailboxes in " + dir + ", polls wait up to " +
                  std::to_string(options_.poll_timeout_s) + " s");
  return sdk::Status::Ok();
}

void WebChannel::Stop() {
  if (mailboxes_) mailboxes_->Shutdown();
  host_ = nullptr;
}

sdk::RateLimit WebChannel::Limits() const {
  // Our own disk, not a provider: generous, only so that one runaway chat
  // cannot fill the outbox's time for the others.
  sdk::RateLimit limits;
  limits.overall = sdk::Rate{1000, std::chrono::seconds(1)};
  limits.per_recipient = sdk::Rate{20, std::chrono::seconds(1)};
  return limits;
}

sdk::SendResult WebChannel::Send(const sdk::OutboundMessage& message) {
  if (!ChatAuth::IsChatId(message.chat_id))
    return sdk::SendResult::Failed("'" + message.chat_id + "' is not a web-chat id");
  if (!message.attachments.empty() && host_ != nullptr) {
    host_->Log().Info("web chat: " + std::to_string(message.attachments.size()) +
                      " attachment(s) of message " + message.id +
                      " dropped: the widget shows text and buttons only");
  }
  try {
    const auto appended = mailboxes_->Append(message.chat_id, message.id, MessageJson(message));
    switch (appended.outcome) {
      case Mailboxes::Appended::Outcome::kOk:
        return sdk::SendResult::Sent(message.chat_id + ":" + std::to_string(appended.seq));
      case Mailboxes::Appended::Outcome::kFull:
        return sdk::SendResult::Retry(std::chrono::seconds(60),
                                      "the resident's browser has " +
                                          std::to_string(options_.max_pending) +
                                          " unread replies; trying again when some are read");
      case Mailboxes::Appended::Outcome::kError:
        return sdk::SendResult::Retry(std::chrono::seconds(30),
                                      "web-chat mailbox: " + appended.error);
    }
  } catch (const std::exception& e) {
    return sdk::SendResult::Retry(std::chrono::seconds(30),
                                  std::string("web-chat mailbox: ") + e.what());
  }
  return sdk::SendResult::Retry(std::chrono::seconds(30), "web-chat mailbox: unknown outcome");
}

bool WebChannel::Take(Bucket& bucket, double capacity, std::chrono::steady_clock::time_point now) {
  const double minutes = std::chrono::duration<double>(now - bucket.at).count() / 60.0;
  bucket.tokens = std::min(capacity, bucket.tokens + minutes * capacity);
  bucket.at = now;
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

bool WebChannel::TakeForChat(const std::string& chat) {
  const auto now = std::chrono::steady_clock::now();
  const double capacity = static_cast<double>(options_.messages_per_minute);
  std::lock_guard lock(limits_mu_);
  if (chat_buckets_.size() > 100000) {
    // Forget chats whose bucket has refilled: they are as good as new.
    for (auto it = chat_buckets_.begin(); it != chat_buckets_.end();) {
      if (now - it->second.at > std::chrono::minutes(1))
        it = chat_buckets_.erase(it);
      else
        ++it;
    }
  }
  auto [it, inserted] = chat_buckets_.try_emplace(chat);
  if (inserted) it->second = Bucket{capacity, now};
  return Take(it->second, capacity, now);
}

bool WebChannel::TakeForSession() {
  std::lock_guard lock(limits_mu_);
  return Take(session_bucket_, static_cast<double>(options_.sessions_per_minute),
              std::chrono::steady_clock::now());
}

bool WebChannel::SeenBefore(const std::string& provider_id) {
  std::lock_guard lock(dedup_mu_);
  return dedup_seen_.count(provider_id) != 0;
}

void WebChannel::Remember(const std::string& provider_id) {
  std::lock_guard lock(dedup_mu_);
  if (!dedup_seen_.insert(provider_id).second) return;
  dedup_order_.push_back(provider_id);
  while (dedup_order_.size() > static_cast<size_t>(options_.dedup_window)) {
    dedup_seen_.erase(dedup_order_.front());
    dedup_order_.pop_front();
  }
}

sdk::WebhookResponse WebChannel::HandleSession(const sdk::WebhookRequest& request) {
  if (request.method != "POST") return Error(405, "method_not_allowed", "use POST");
  if (!TakeForSession())
    return Error(429, "rate_limited", "too many new chats right now; try again in a minute");
  Object o;
  try {
    const std::string chat = ChatAuth::NewChatId();
    o.set("chat", chat);
    o.set("token", auth_.Token(chat));
  } catch (const std::exception& e) {
    if (host_) host_->Log().Error(std::string("web chat: no new chat id: ") + e.what());
    return Error(503, "unavailable", "cannot start a chat right now");
  }
  return Json(200, o);
}

sdk::WebhookResponse WebChannel::HandleMessages(const sdk::WebhookRequest& request) {
  if (request.method != "POST") return Error(405, "method_not_allowed", "use POST");
  if (request.body.size() > static_cast<size_t>(options_.max_body_bytes))
    return Error(
        413, "too_large",
        "the message is larger than " + std::to_string(options_.max_body_bytes) + " bytes");
  if (TooDeep(request.body, kMaxJsonDepth))
    return Error(400, "bad_json", "the body is nested too deeply");
  Object::Ptr body;
  try {
    Poco::JSON::Parser parser;
    body = parser.parse(request.body).extract<Object::Ptr>();
  } catch (const std::exception&) {
    return Error(400, "bad_json", "the body is not a JSON object");
  }
  if (!body) return Error(400, "bad_json", "the body is not a JSON object");
  // The token before anything else in the message is looked at.
  const std::string chat = StringMember(*body, "chat");
  if (!auth_.Check(chat, StringMember(*body, "token"))) return Forbidden();

  const std::string id = StringMember(*body, "id");
  if (!IsClientId(id))
    return Error(400, "bad_id", "id must be 8-64 of A-Z a-z 0-9 - _ (random per message)");
  const std::string provider_id = chat + ":" + id;
  if (SeenBefore(provider_id)) {
    Object ok;
    ok.set("ok", true);
    ok.set("duplicate", true);
    return Json(200, ok);
  }
  if (!TakeForChat(chat))
    return Error(429, "rate_limited", "too many messages; wait a little and send again");

  sdk::InboundMessage in;
  in.provider_id = provider_id;
  in.chat_id = chat;
  in.sender_id = chat;
  int kinds = 0;
  if (body->has("text")) {
    ++kinds;
    in.text = StringMember(*body, "text");
    if (in.text.empty() || Blank(in.text)) return Error(400, "bad_text", "text is empty");
    if (in.text.size() > kMaxTextBytes)
      return Error(400, "bad_text",
                   "text is longer than " + std::to_string(kMaxTextBytes) + " bytes");
    if (!IsUtf8(in.text)) return Error(400, "bad_text", "text is not UTF-8");
  }
  if (body->has("button")) {
    ++kinds;
    const std::string button = StringMember(*body, "button");
    if (button.empty() || button.size() > kMaxButtonBytes || !IsUtf8(button))
      return Error(400, "bad_button", "button must be a button's data (1-64 bytes)");
    in.button = button;
  }
  if (body->has("location")) {
    ++kinds;
    auto loc = body->getObject("location");
    sdk::Location l;
    if (!loc || !NumberMember(*loc, "lat", &l.latitude) ||
        !NumberMember(*loc, "lon", &l.longitude) || l.latitude < -90 || l.latitude > 90 ||
        l.longitude < -180 || l.longitude > 180)
      return Error(400, "bad_location", "location must be {lat: -90..90, lon: -180..180}");
    in.location = l;
  }
  if (body->has("contact")) {
    ++kinds;
    auto contact = body->getObject("contact");
    sdk::Contact c;
    if (contact) c.phone = StringMember(*contact, "phone");
    size_t digits = 0;
    bool ok = !c.phone.empty() && c.phone.size() <= 32;
    for (size_t i = 0; ok && i < c.phone.size(); ++i) {
      const char ch = c.phone[i];
      if (ch >= '0' && ch <= '9')
        ++digits;
      else if (!(ch == '+' && i == 0) && ch != ' ' && ch != '-' && ch != '(' && ch != ')')
        ok = false;
    }
    if (!ok || digits < 5) return Error(400, "bad_contact", "contact must be {phone: \"+380...\"}");
    c.user_id = chat;  // typed by the resident into their own chat: their own number
    in.contact = c;
  }
  if (kinds != 1)
    return Error(400, "bad_message", "send exactly one of text, button, location or contact");
  const std::string language = StringMember(*body, "language");
  if (language.size() >= 2 && language.size() <= 3) {
    bool lower = true;
    for (char ch : language) lower = lower && ch >= 'a' && ch <= 'z';
    if (lower) in.language = language;
  }
  sdk::Host* host = host_;
  if (host == nullptr) return Error(503, "busy", "the chat is stopping; send again later");
  in.sent_at = host->Now();
  const sdk::Status taken = host->Deliver(std::move(in));
  if (!taken.ok) {
    host->Log().Warning("web chat: the host did not take a message: " + taken.message);
    return Error(503, "busy", "the message was not taken; send it again");
  }
  Remember(provider_id);
  Object ok;
  ok.set("ok", true);
  return Json(200, ok);
}

sdk::WebhookResponse WebChannel::HandleUpdates(const sdk::WebhookRequest& request) {
  if (request.method != "GET") return Error(405, "method_not_allowed", "use GET");
  auto param = [&](const char* key) {
    auto it = request.query.find(key);
    return it == request.query.end() ? std::string() : it->second;
  };
  const std::string chat = param("chat");
  if (!auth_.Check(chat, param("token"))) return Forbidden();
  int64_t after = 0;
  const std::string after_text = param("after");
  if (!after_text.empty()) {
    auto [end, ec] =
        std::from_chars(after_text.data(), after_text.data() + after_text.size(), after);
    if (ec != std::errc() || end != after_text.data() + after_text.size() || after < 0)
      return Error(400, "bad_after", "after must be a reply number (0 or more)");
  }
  // Only so many polls may wait at once: each holds one of the host's HTTP
  // threads. Over the limit a poll answers at once and the page asks again
  // after a pause.
  std::chrono::milliseconds wait{0};
  const bool may_wait = waiting_polls_.fetch_add(1) < options_.max_waiting_polls;
  if (may_wait) wait = std::chrono::seconds(options_.poll_timeout_s);
  Mailboxes::Batch batch;
  try {
    batch = mailboxes_->Poll(chat, after, wait, kMaxBatch);
  } catch (const std::exception& e) {
    waiting_polls_.fetch_sub(1);
    if (host_) host_->Log().Error(std::string("web chat: poll failed: ") + e.what());
    return Error(503, "unavailable", "cannot read the replies right now");
  }
  waiting_polls_.fetch_sub(1);
  if (sdk::Host* host = host_) {
    for (const auto& item : batch.newly_acked)
      host->ReportDelivery(chat + ":" + std::to_string(item.seq), sdk::DeliveryState::kRead, "");
  }
  // The replies are JSON already: splice them in rather than parse them again.
  std::string out = "{\"messages\":[";
  for (size_t i = 0; i < batch.items.size(); ++i) {
    const std::string& m = batch.items[i].message_json;
    if (i) out += ",";
    out += "{\"seq\":" + std::to_string(batch.items[i].seq);
    out += m.size() > 2 ? "," + m.substr(1) : "}";
  }
  out += "],\"last\":" + std::to_string(batch.last_seq) +
         ",\"waited\":" + (may_wait ? "true" : "false") + "}";
  sdk::WebhookResponse r;
  r.content_type = "application/json; charset=utf-8";
  r.body = std::move(out);
  return r;
}

}  // namespace vikno::web
