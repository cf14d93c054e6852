#include "viber_channel.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/Net/SSLManager.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "outbound.h"
#include "viber_text.h"

namespace vikno::viber {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using sdk::Logger;

const std::set<std::string>& KnownKeys() {
  static const std::set<std::string> keys = {
      "auth_token",        "sender_name",        "sender_avatar",  "api_base_url",
      "webhook_path",      "set_webhook",        "welcome_text",   "request_timeout_s",
      "retry_backoff_s",   "throttle_backoff_s", "max_file_bytes", "dedup_window",
      "rate_overall",      "rate_period_s",      "rate_per_user",  "api_rate",
      "api_rate_period_s", "pacing_wait_s",      "broadcast",      "broadcast_linger_ms",
      "broadcast_max"};
  return keys;
}

bool IsPathChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '/';
}

sdk::WebhookResponse Answer(int status, std::string body) {
  sdk::WebhookResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

bool IsHttpUrl(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

// The events set_webhook subscribes to; "message" always comes.
const std::vector<std::string>& EventTypes() {
  static const std::vector<std::string> types = {
      "delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"};
  return types;
}

constexpr size_t kPendingPerUser = 32;
constexpr size_t kPendingUsers = 100000;
constexpr size_t kBroadcastTokens = 100000;

}  // namespace

struct ViberChannel::Member {
  std::string receiver;
  bool done = false;
  sdk::SendResult result;
};

struct ViberChannel::Batch {
  Object::Ptr content;
  std::vector<Member*> members;
  bool closed = false;
  // Only this batch's members and leader wait here: a fan-out keeps
  // hundreds of sends waiting, and waking them all on every change costs
  // more than the sending.
  std::condition_variable cv;
};

ViberOptions ViberOptions::Read(const sdk::Settings& s, std::vector<std::string>* problems) {
  ViberOptions o;
  for (const auto& [key, value] : s.Values())
    if (!KnownKeys().count(key)) problems->push_back(key + ": unknown setting");
  o.auth_token = s.Required("auth_token");
  if (o.auth_token.find_first_of(" \t\r\n") != std::string::npos)
    problems->push_back("auth_token: contains white space a Viber token never has");
  o.sender_name = s.Required("sender_name");
  if (!o.sender_name.empty() &&
      (!IsValidUtf8(o.sender_name) || CharCount(o.sender_name) > kMaxSenderNameChars))
    problems->push_back("sender_name: must be 1-28 characters of UTF-8 (Viber's limit)");
  o.sender_avatar = s.String("sender_avatar");
  if (!o.sender_avatar.empty() && !IsHttpUrl(o.sender_avatar))
    problems->push_back("sender_avatar: must be an http(s) URL");
  o.api_base_url = s.String("api_base_url", o.api_base_url);
  if (std::string p = ViberApi::UrlProblem(o.api_base_url); !p.empty()) problems->push_back(p);
  o.webhook_path = s.String("webhook_path", o.webhook_path);
  bool path_ok = !o.webhook_path.empty() && o.webhook_path.front() != '/';
  for (char c : o.webhook_path) path_ok = path_ok && IsPathChar(c);
  if (!path_ok)
    problems->push_back("webhook_path: '" + o.webhook_path +
                        "' must be letters, digits, - _ . / and not start with /");
  o.set_webhook = s.Bool("set_webhook", o.set_webhook);
  o.welcome_text = s.String("welcome_text");
  if (!IsValidUtf8(o.welcome_text) || CharCount(o.welcome_text) > kMaxTextChars)
    problems->push_back("welcome_text: must be UTF-8 of at most 7000 characters");
  o.request_timeout_s = static_cast<int>(s.Int("request_timeout_s", o.request_timeout_s, 1, 30));
  o.retry_backoff_s = static_cast<int>(s.Int("retry_backoff_s", o.retry_backoff_s, 1, 3600));
  o.throttle_backoff_s =
      static_cast<int>(s.Int("throttle_backoff_s", o.throttle_backoff_s, 1, 3600));
  o.max_file_bytes = s.Int("max_file_bytes", o.max_file_bytes, 1, 50 * 1024 * 1024);
  o.dedup_window = s.Int("dedup_window", o.dedup_window, 16, 1'000'000);
  o.rate_overall = static_cast<int>(s.Int("rate_overall", o.rate_overall, 1, 1'000'000));
  o.rate_period_s = static_cast<int>(s.Int("rate_period_s", o.rate_period_s, 1, 3600));
  o.rate_per_user = static_cast<int>(s.Int("rate_per_user", o.rate_per_user, 0, 10000));
  o.api_rate = static_cast<int>(s.Int("api_rate", o.api_rate, 1, 1'000'000));
  o.api_rate_period_s = static_cast<int>(s.Int("api_rate_period_s", o.api_rate_period_s, 1, 3600));
  o.pacing_wait_s = static_cast<int>(s.Int("pacing_wait_s", o.pacing_wait_s, 1, 25));
  o.broadcast = s.Bool("broadcast", o.broadcast);
  o.broadcast_linger_ms =
      static_cast<int>(s.Int("broadcast_linger_ms", o.broadcast_linger_ms, 0, 5000));
  o.broadcast_max = static_cast<int>(
      s.Int("broadcast_max", o.broadcast_max, 2, static_cast<int64_t>(kMaxBroadcastReceivers)));
  if (o.pacing_wait_s + o.request_timeout_s > 30)
    problems->push_back("pacing_wait_s + request_timeout_s: " +
                        std::to_string(o.pacing_wait_s + o.request_timeout_s) +
                        " s is more than the 30 s a send may take");
  return o;
}

ViberChannel::ViberChannel(const sdk::Settings& settings)
    : options_([&] {
        std::vector<std::string> problems;
        ViberOptions o = ViberOptions::Read(settings, &problems);
        if (!problems.empty()) {
          for (const auto& p : settings.Problems()) problems.push_back(p);
          std::string message = "bad settings: ";
          for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
          throw std::invalid_argument(message);
        }
        return o;
      }()),
      window_(static_cast<size_t>(options_.dedup_window)),
      pacer_(options_.api_rate, std::chrono::seconds(options_.api_rate_period_s)) {}

ViberChannel::~ViberChannel() {
  // Stop joins the worker; a host that skipped it must not leave a thread
  // running inside an unloaded library.
  if (worker_.joinable()) Stop();
}

void ViberChannel::Log(Logger::Level level, const std::string& line) {
  if (host_ != nullptr) host_->Log().Log(level, line);
}

bool ViberChannel::Pause(std::chrono::milliseconds duration) {
  std::unique_lock lock(stop_mu_);
  stop_cv_.wait_for(lock, duration, [this] { return stopping_; });
  return !stopping_;
}

sdk::Status ViberChannel::Start(sdk::Host& host) {
  host_ = &host;
  try {
    // Media URLs of residents' pictures are https even when the API is not.
    Poco::Net::initializeSSL();
    ssl_initialized_ = true;
    api_ = std::make_unique<ViberApi>(options_.api_base_url, options_.auth_token,
                                      std::chrono::seconds(options_.request_timeout_s));
  } catch (const std::exception& e) {
    return sdk::Status::Error(std::string("viber: ") + e.what());
  }
  const std::string url = host.WebhookUrl(options_.webhook_path);
  if (options_.set_webhook && url.empty())
    return sdk::Status::Error(
        "viber: the host has no public URL, and Viber must be told where to send callbacks "
        "(configure the host's public URL, or set_webhook: false and register it by hand)");

  sdk::Status hook = host.RegisterWebhook(
      options_.webhook_path,
      [this](const sdk::WebhookRequest& request) { return OnWebhook(request); });
  if (!hook.ok) return hook;

  // get_account_info checks the token before Viber is told about us.
  bool paced_out = false;
  ApiReply info = Paced("get_account_info", "{}", &paced_out);
  if (info.kind == ApiReply::Kind::kStatus && info.status == kInvalidAuthToken)
    return sdk::Status::Error("viber: the Viber API rejected the auth token (" + info.Explain() +
                              ")");
  if (info.ok()) {
    std::string name;
    if (info.object && info.object->has("name")) name = info.object->get("name").toString();
    Log(Logger::Level::kInfo, "viber: connected as account '" + name + "'");
  } else {
    Log(Logger::Level::kWarning,
        "viber: get_account_info failed, will keep trying set_webhook: " + info.Explain());
  }
  if (options_.set_webhook) {
    // In the background: Viber calls the webhook before it answers
    // set_webhook, and the host may serve it only once every channel started.
    worker_ = std::thread([this, url] { SetWebhookLoop(url); });
  }
  return sdk::Status::Ok();
}

void ViberChannel::SetWebhookLoop(const std::string& url) {
  Object body;
  body.set("url", url);
  Array::Ptr types = new Array;
  for (const auto& t : EventTypes()) types->add(t);
  body.set("event_types", types);
  body.set("send_name", true);
  body.set("send_photo", false);  // avatars are personal data the dialogue does not need (R31)
  const std::string json = Stringify(body);
  auto backoff = std::chrono::seconds(options_.retry_backoff_s);
  while (true) {
    bool paced_out = false;
    ApiReply reply = Paced("set_webhook", json, &paced_out);
    if (reply.ok()) {
      Log(Logger::Level::kInfo, "viber: webhook set to " + url);
      return;
    }
    if (reply.kind == ApiReply::Kind::kStatus && reply.status == kInvalidAuthToken) {
      Log(Logger::Level::kError, "viber: set_webhook refused the auth token: " + reply.Explain());
      return;
    }
    Log(Logger::Level::kWarning, "viber: set_webhook failed, trying again in " +
                                     std::to_string(backoff.count()) + " s: " + reply.Explain());
    if (!Pause(backoff)) return;
    backoff = std::min(backoff * 2, std::chrono::seconds(300));
  }
}

void ViberChannel::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  pacer_.Stop();
  if (api_) api_->AbortAll();
  if (worker_.joinable()) worker_.join();
  if (ssl_initialized_) {
    Poco::Net::uninitializeSSL();
    ssl_initialized_ = false;
  }
}

// ---- inbound ---------------------------------------------------------------

sdk::WebhookResponse ViberChannel::OnWebhook(const sdk::WebhookRequest& request) {
  if (request.method != "POST") return Answer(405, "use POST\n");
  // The signature first, over the raw bytes, before a byte is parsed.
  auto header = request.headers.find("x-viber-content-signature");
  if (header == request.headers.end() ||
      !SignatureMatches(options_.auth_token, request.body, header->second)) {
    Log(Logger::Level::kWarning,
        std::string("viber: callback from ") + request.remote_address + " refused: " +
            (header == request.headers.end() ? "no" : "wrong") + " X-Viber-Content-Signature");
    return Answer(403, "forbidden\n");
  }
  Callback callback;
  if (std::string error = ParseCallback(request.body, &callback); !error.empty()) {
    Log(Logger::Level::kWarning, "viber: malformed callback refused: " + error);
    return Answer(400, "malformed callback: " + error + "\n");
  }
  using Kind = Callback::Kind;
  switch (callback.kind) {
    case Kind::kWebhook:
      Log(Logger::Level::kInfo, "viber: Viber checked the webhook");
      return Answer(200, "ok\n");
    case Kind::kConversationStarted: {
      // Not a subscription: the one message allowed now is this answer.
      if (options_.welcome_text.empty()) return Answer(200, "");
      Content welcome;
      welcome.sender_name = options_.sender_name;
      welcome.sender_avatar = options_.sender_avatar;
      welcome.text = options_.welcome_text;
      sdk::WebhookResponse r = Answer(200, Stringify(*ContentObject(welcome)));
      r.content_type = "application/json";
      return r;
    }
    case Kind::kSubscribed:
      SetSubscribed(callback.user_id);
      Log(Logger::Level::kInfo, "viber: a resident subscribed");
      return Answer(200, "ok\n");
    case Kind::kUnsubscribed: {
      const std::string key = "unsubscribed:" + callback.message_token + ":" + callback.user_id;
      if (window_.Begin(key)) {
        OnUnsubscribed(callback.user_id);
        window_.Commit(key);
      }
      return Answer(200, "ok\n");
    }
    case Kind::kDelivered:
    case Kind::kSeen:
    case Kind::kFailed: {
      // Broadcast receipts share a token: the user is part of the key.
      const std::string key =
          callback.event + ":" + callback.message_token + ":" + callback.user_id;
      if (window_.Begin(key)) {
        OnReceipt(callback);
        window_.Commit(key);
      }
      return Answer(200, "ok\n");
    }
    case Kind::kMessage:
      return OnMessage(callback);
    case Kind::kOther:
      Log(Logger::Level::kDebug, "viber: callback '" + callback.event + "' ignored");
      return Answer(200, "ok\n");
  }
  return Answer(200, "ok\n");
}

sdk::WebhookResponse ViberChannel::OnMessage(Callback& callback) {
  const std::string key = "message:" + callback.message_token;
  if (!window_.Begin(key)) {
    Log(Logger::Level::kInfo, "viber: message " + callback.message_token + " replayed: ignored");
    return Answer(200, "ok\n");
  }
  // Writing to the bot subscribes the resident.
  SetSubscribed(callback.message.sender_id);
  if (!callback.ignored_what.empty()) {
    window_.Commit(key);
    Log(Logger::Level::kInfo, "viber: " + callback.ignored_what + " ignored");
    return Answer(200, "ok\n");
  }
  sdk::InboundMessage& message = callback.message;
  const Tracking tracking = ReadTracking(callback.tracking_data);
  if (!message.text.empty() && !callback.media &&
      std::find(tracking.buttons.begin(), tracking.buttons.end(), message.text) !=
          tracking.buttons.end()) {
    // A reply button sends its ActionBody as text: it is a press.
    message.button = message.text;
    message.text.clear();
  }
  if (message.contact && tracking.asked_phone) message.contact->user_id = message.sender_id;

  if (callback.media) {
    const MediaRef& media = *callback.media;
    sdk::Attachment attachment;
    attachment.kind = media.photo ? sdk::Attachment::Kind::kPhoto : sdk::Attachment::Kind::kFile;
    attachment.file_name = media.file_name;
    attachment.provider_ref = media.url;
    Download download;
    if (media.size > options_.max_file_bytes) {
      download.error =
          "the file is " + std::to_string(media.size) + " bytes, more than max_file_bytes";
    } else {
      download = api_->Fetch(media.url, options_.max_file_bytes);
    }
    if (download.ok) {
      attachment.data = std::move(download.data);
      attachment.content_type = download.content_type;
    } else if (download.transient) {
      window_.Abandon(key);
      Log(Logger::Level::kWarning,
          "viber: message " + callback.message_token + " not taken yet: " + download.error);
      return Answer(503, "media not fetched, send again later\n");
    } else {
      // The bytes cannot be had: the message still goes in, with the URL.
      Log(Logger::Level::kWarning, "viber: message " + callback.message_token +
                                       ": media delivered as a reference only: " + download.error);
    }
    message.attachments.push_back(std::move(attachment));
  }
  sdk::Status delivered = host_->Deliver(std::move(message));
  if (!delivered.ok) {
    window_.Abandon(key);
    Log(Logger::Level::kWarning, "viber: message " + callback.message_token +
                                     " not taken by the host: " + delivered.message);
    // Viber re-sends a callback that did not get 200.
    return Answer(503, "not taken, send again later\n");
  }
  window_.Commit(key);
  return Answer(200, "ok\n");
}

void ViberChannel::OnReceipt(const Callback& callback) {
  const std::string id = IsBroadcast(callback.message_token)
                             ? callback.message_token + ":" + callback.user_id
                             : callback.message_token;
  sdk::DeliveryState state = sdk::DeliveryState::kDelivered;
  if (callback.kind == Callback::Kind::kSeen) state = sdk::DeliveryState::kRead;
  if (callback.kind == Callback::Kind::kFailed) state = sdk::DeliveryState::kFailed;
  ForgetSent(callback.user_id, id);
  host_->ReportDelivery(id, state, callback.description);
}

void ViberChannel::OnUnsubscribed(const std::string& user_id) {
  std::deque<std::string> unconfirmed;
  {
    std::lock_guard lock(users_mu_);
    unsubscribed_.insert(user_id);
    auto it = pending_.find(user_id);
    if (it != pending_.end()) {
      unconfirmed = std::move(it->second);
      pending_.erase(it);
    }
  }
  Log(Logger::Level::kInfo, "viber: a resident unsubscribed; " +
                                std::to_string(unconfirmed.size()) +
                                " unconfirmed message(s) reported failed, no more sends to them");
  for (const auto& id : unconfirmed)
    host_->ReportDelivery(id, sdk::DeliveryState::kFailed, "unsubscribed");
}

// ---- residents' state ------------------------------------------------------

bool ViberChannel::IsUnsubscribed(const std::string& user) {
  std::lock_guard lock(users_mu_);
  return unsubscribed_.count(user) != 0;
}

void ViberChannel::SetSubscribed(const std::string& user) {
  std::lock_guard lock(users_mu_);
  unsubscribed_.erase(user);
}

void ViberChannel::RememberSent(const std::string& user, const std::string& provider_id) {
  if (provider_id.empty()) return;
  std::lock_guard lock(users_mu_);
  auto [it, inserted] = pending_.try_emplace(user);
  if (inserted) pending_order_.push_back(user);
  it->second.push_back(provider_id);
  if (it->second.size() > kPendingPerUser) it->second.pop_front();
  while (pending_order_.size() > kPendingUsers) {
    pending_.erase(pending_order_.front());
    pending_order_.pop_front();
  }
}

void ViberChannel::ForgetSent(const std::string& user, const std::string& provider_id) {
  std::lock_guard lock(users_mu_);
  auto it = pending_.find(user);
  if (it == pending_.end()) return;
  auto& ids = it->second;
  ids.erase(std::remove(ids.begin(), ids.end(), provider_id), ids.end());
}

void ViberChannel::RememberBroadcast(const std::string& token) {
  std::lock_guard lock(users_mu_);
  if (!broadcast_tokens_.insert(token).second) return;
  broadcast_order_.push_back(token);
  while (broadcast_order_.size() > kBroadcastTokens) {
    broadcast_tokens_.erase(broadcast_order_.front());
    broadcast_order_.pop_front();
  }
}

bool ViberChannel::IsBroadcast(const std::string& token) {
  std::lock_guard lock(users_mu_);
  return broadcast_tokens_.count(token) != 0;
}

// ---- outbound --------------------------------------------------------------

ApiReply ViberChannel::Paced(const std::string& method, const std::string& json, bool* paced_out) {
  if (!pacer_.Acquire(RequestWindow::Clock::now() + std::chrono::seconds(options_.pacing_wait_s))) {
    *paced_out = true;
    ApiReply reply;
    reply.error = "no request slot within " + std::to_string(options_.pacing_wait_s) +
                  " s under the API rate (" + std::to_string(options_.api_rate) + " per " +
                  std::to_string(options_.api_rate_period_s) + " s), or the channel is stopping";
    return reply;
  }
  ApiReply reply = api_->Call(method, json);
  pacer_.Complete();
  return reply;
}

sdk::SendResult ViberChannel::FromStatus(int status, const std::string& explained,
                                         const std::string& receiver) {
  switch (status) {
    case kTooManyRequests:
      // Viber gives no retry-after: the outbox tries again after the back-off.
      return sdk::SendResult::Retry(std::chrono::seconds(options_.throttle_backoff_s),
                                    "Viber rate limit (" + explained + ")");
    case kReceiverNotSubscribed: {
      std::lock_guard lock(users_mu_);
      unsubscribed_.insert(receiver);
      return sdk::SendResult::Failed(
          "receiverNotSubscribed: the resident is not subscribed to "
          "the Viber bot (" +
          explained + ")");
    }
    case kInvalidAuthToken:
    case kPublicAccountBlocked:
    case kPublicAccountNotFound:
    case kPublicAccountSuspended:
    case kWebhookNotSet:
    case kPublicAccountNotAuthorized:
      // The account, not the message: every send fails until an operator
      // fixes it, then they should all go out.
      return sdk::SendResult::Retry(std::chrono::seconds(options_.throttle_backoff_s),
                                    "the Viber account cannot send (" + explained + ")");
    default:
      return sdk::SendResult::Failed(explained);
  }
}

sdk::SendResult ViberChannel::FromReply(const ApiReply& reply, const std::string& receiver) {
  switch (reply.kind) {
    case ApiReply::Kind::kOk:
      break;
    case ApiReply::Kind::kNetwork:
    case ApiReply::Kind::kHttp:
      return sdk::SendResult::Retry(std::chrono::seconds(options_.retry_backoff_s),
                                    reply.Explain());
    case ApiReply::Kind::kStatus:
      return FromStatus(reply.status, reply.Explain(), receiver);
  }
  if (reply.message_token.empty())
    Log(Logger::Level::kWarning, "viber: send_message answered ok without a message_token");
  RememberSent(receiver, reply.message_token);
  return sdk::SendResult::Sent(reply.message_token);
}

sdk::SendResult ViberChannel::SendOne(const std::string& receiver, const Object& content) {
  Object body(content);
  body.set("receiver", receiver);
  const std::string json = Stringify(body);
  if (json.size() > kMaxRequestBytes)
    return sdk::SendResult::Failed("the message is " + std::to_string(json.size()) +
                                   " bytes of JSON; Viber takes at most 30 KB");
  bool paced_out = false;
  ApiReply reply = Paced("send_message", json, &paced_out);
  if (!paced_out) ++api_sends_;
  return FromReply(reply, receiver);
}

std::vector<sdk::SendResult> ViberChannel::Broadcast(const std::vector<std::string>& receivers,
                                                     const Object& content) {
  std::vector<sdk::SendResult> results(receivers.size());
  const size_t base_size = Stringify(content).size() + 32;  // + ,"broadcast_list":[]
  size_t begin = 0;
  while (begin < receivers.size()) {
    // As many receivers as fit both the count and the 30 KB.
    size_t end = begin, size = base_size;
    while (end < receivers.size() && end - begin < static_cast<size_t>(options_.broadcast_max) &&
           size + receivers[end].size() * 2 + 3 <= kMaxRequestBytes) {
      size += receivers[end].size() * 2 + 3;  // escapes at worst double it
      ++end;
    }
    if (end == begin) {
      results[begin] = sdk::SendResult::Failed("the message is too large for Viber's 30 KB");
      ++begin;
      continue;
    }
    if (end - begin == 1) {
      results[begin] = SendOne(receivers[begin], content);
      begin = end;
      continue;
    }
    Object body(content);
    Array::Ptr list = new Array;
    for (size_t i = begin; i < end; ++i) list->add(receivers[i]);
    body.set("broadcast_list", list);
    bool paced_out = false;
    ApiReply reply = Paced("broadcast_message", Stringify(body), &paced_out);
    if (!paced_out) ++api_sends_;
    if (!reply.ok()) {
      for (size_t i = begin; i < end; ++i) results[i] = FromReply(reply, receivers[i]);
    } else {
      RememberBroadcast(reply.message_token);
      std::unordered_map<std::string, const FailedReceiver*> failed;
      for (const auto& f : reply.failed) failed[f.receiver] = &f;
      for (size_t i = begin; i < end; ++i) {
        auto it = failed.find(receivers[i]);
        if (it != failed.end()) {
          ApiReply one;
          one.kind = ApiReply::Kind::kStatus;
          one.status = it->second->status;
          one.status_message = it->second->status_message;
          results[i] = FromStatus(one.status, one.Explain(), receivers[i]);
          continue;
        }
        // One token for the whole broadcast; receipts name the user too.
        const std::string id = reply.message_token + ":" + receivers[i];
        RememberSent(receivers[i], id);
        results[i] = sdk::SendResult::Sent(id);
      }
    }
    begin = end;
  }
  return results;
}

sdk::SendResult ViberChannel::Coalesce(const std::string& receiver, const Object::Ptr& content) {
  const std::string key = Stringify(*content);
  Member me;
  me.receiver = receiver;
  std::unique_lock lock(batch_mu_);
  auto it = open_batches_.find(key);
  if (it != open_batches_.end()) {
    Batch& batch = *it->second;
    const bool already = std::any_of(batch.members.begin(), batch.members.end(),
                                     [&](const Member* m) { return m->receiver == receiver; });
    if (!already) {
      // Join: the batch's leader sends for everyone and fills `me`.
      batch.members.push_back(&me);
      // Keep the batch alive while waiting: erasing it from the map below
      // drops the map's reference.
      std::shared_ptr<Batch> keep = it->second;
      if (batch.members.size() >= static_cast<size_t>(options_.broadcast_max)) {
        batch.closed = true;
        open_batches_.erase(it);
        batch.cv.notify_all();
      }
      keep->cv.wait(lock, [&] { return me.done; });
      return me.result;
    }
    // The same resident twice in one broadcast would get it once at best:
    // this one goes alone.
    lock.unlock();
    return SendOne(receiver, *content);
  }
  // Lead a new batch: wait for others with the same content, then send.
  auto batch = std::make_shared<Batch>();
  batch->content = content;
  batch->members.push_back(&me);
  open_batches_[key] = batch;
  const auto until =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.broadcast_linger_ms);
  batch->cv.wait_until(lock, until, [&] { return batch->closed; });
  if (!batch->closed) {
    batch->closed = true;
    auto open = open_batches_.find(key);
    if (open != open_batches_.end() && open->second == batch) open_batches_.erase(open);
  }
  const std::vector<Member*> members = batch->members;
  lock.unlock();

  std::vector<sdk::SendResult> results;
  if (members.size() == 1) {
    results.push_back(SendOne(receiver, *content));
  } else {
    std::vector<std::string> receivers;
    receivers.reserve(members.size());
    for (const Member* m : members) receivers.push_back(m->receiver);
    try {
      results = Broadcast(receivers, *content);
    } catch (const std::exception& e) {
      // The members are waiting on us: they must get an answer.
      results.assign(members.size(),
                     sdk::SendResult::Retry(std::chrono::seconds(options_.retry_backoff_s),
                                            std::string("broadcast failed: ") + e.what()));
    }
  }
  lock.lock();
  for (size_t i = 0; i < members.size(); ++i) {
    members[i]->result = std::move(results[i]);
    members[i]->done = true;
  }
  batch->cv.notify_all();
  return me.result;
}

sdk::SendResult ViberChannel::Send(const sdk::OutboundMessage& message) {
  if (!api_) return sdk::SendResult::Failed("viber: the channel is not started");
  if (message.chat_id.empty()) return sdk::SendResult::Failed("no chat_id (Viber user id)");
  if (!IsValidUtf8(message.text)) return sdk::SendResult::Failed("the text is not valid UTF-8");
  if (IsUnsubscribed(message.chat_id))
    return sdk::SendResult::Failed(
        "receiverNotSubscribed: the resident unsubscribed from the Viber bot; nothing is sent "
        "until they write again");

  Content content;
  content.sender_name = options_.sender_name;
  content.sender_avatar = options_.sender_avatar;
  if (message.keyboard) {
    std::string error;
    content.keyboard = KeyboardObject(*message.keyboard, &error, &content.needs_api_3);
    if (!error.empty()) return sdk::SendResult::Failed(error);
    content.tracking_data = TrackingFor(*message.keyboard);
  }
  // Viber pictures are public URLs; bytes the host holds cannot be sent.
  std::vector<std::string> pictures;
  for (const auto& a : message.attachments) {
    if (a.kind == sdk::Attachment::Kind::kPhoto && IsHttpUrl(a.provider_ref)) {
      pictures.push_back(a.provider_ref);
    } else {
      Log(Logger::Level::kInfo, "viber: attachment '" + a.file_name +
                                    "' left out: Viber sends pictures by public URL only");
    }
  }
  const std::vector<std::string> parts = SplitText(message.text);
  const size_t steps = parts.size() + pictures.size();
  if (steps == 0)
    return sdk::SendResult::Failed("nothing to send: the text is empty and there is no picture");

  // A one-part message may ride in a broadcast with others of the same content.
  if (steps == 1 && !parts.empty() && options_.broadcast) {
    content.text = parts[0];
    return Coalesce(message.chat_id, ContentObject(content));
  }

  size_t first = 0;
  if (!message.id.empty()) {
    std::lock_guard lock(progress_mu_);
    if (auto it = progress_.find(message.id); it != progress_.end()) first = it->second;
  }
  sdk::SendResult result;
  for (size_t step = first; step < steps; ++step) {
    const bool last = step + 1 == steps;
    // The keyboard goes with the last part, under the end of the text.
    Content part = content;
    if (!last) {
      part.keyboard = nullptr;
      part.tracking_data.clear();
      part.needs_api_3 = false;
    }
    if (step < parts.size()) {
      part.text = parts[step];
    } else {
      part.text.clear();
      part.media_url = pictures[step - parts.size()];
    }
    result = SendOne(message.chat_id, *ContentObject(part));
    if (result.outcome != sdk::SendResult::Outcome::kSent) {
      if (step > 0 && result.outcome == sdk::SendResult::Outcome::kFailed)
        result.reason += " (after " + std::to_string(step) + " of " + std::to_string(steps) +
                         " parts were sent)";
      return result;
    }
    if (!message.id.empty() && !last) {
      std::lock_guard lock(progress_mu_);
      if (progress_.find(message.id) == progress_.end()) progress_order_.push_back(message.id);
      progress_[message.id] = step + 1;
      while (progress_order_.size() > 1024) {
        progress_.erase(progress_order_.front());
        progress_order_.pop_front();
      }
    }
  }
  if (!message.id.empty()) {
    std::lock_guard lock(progress_mu_);
    progress_.erase(message.id);
  }
  return result;
}

sdk::RateLimit ViberChannel::Limits() const {
  sdk::RateLimit limits;
  limits.overall = sdk::Rate{options_.rate_overall, std::chrono::seconds(options_.rate_period_s)};
  if (options_.rate_per_user > 0)
    limits.per_recipient = sdk::Rate{options_.rate_per_user, std::chrono::hours(1)};
  return limits;
}

}  // namespace vikno::viber
