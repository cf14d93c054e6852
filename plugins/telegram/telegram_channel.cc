#include "telegram_channel.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/SSLManager.h>

#include <charconv>
#include <set>
#include <sstream>
#include <stdexcept>

#include "telegram_text.h"

namespace vikno::telegram {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using sdk::Logger;

const std::set<std::string>& KnownKeys() {
  static const std::set<std::string> keys = {"token",
                                             "api_base_url",
                                             "mode",
                                             "webhook_secret",
                                             "webhook_path",
                                             "set_webhook",
                                             "webhook_max_connections",
                                             "poll_timeout_s",
                                             "poll_interval_ms",
                                             "poll_limit",
                                             "request_timeout_s",
                                             "retry_backoff_s",
                                             "max_file_bytes",
                                             "dedup_window",
                                             "rate_overall",
                                             "rate_per_chat"};
  return keys;
}

bool IsSecretChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

std::string Stringify(const Object& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

sdk::WebhookResponse Answer(int status, std::string body) {
  sdk::WebhookResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// Telegram takes chat_id as an integer or "@channelusername".
Poco::Dynamic::Var ChatId(const std::string& chat_id) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(chat_id.data(), chat_id.data() + chat_id.size(), v);
  if (ec == std::errc() && end == chat_id.data() + chat_id.size())
    return Poco::Dynamic::Var(static_cast<Poco::Int64>(v));
  return Poco::Dynamic::Var(chat_id);
}

std::string MessageId(const ApiReply& reply) {
  try {
    if (reply.result.type() == typeid(Object::Ptr)) {
      Object::Ptr o = reply.result.extract<Object::Ptr>();
      if (o && o->has("message_id")) return o->get("message_id").convert<std::string>();
    }
  } catch (const Poco::Exception&) {
  }
  return "";
}

std::string BaseName(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

TelegramOptions TelegramOptions::Read(const sdk::Settings& s, std::vector<std::string>* problems) {
  TelegramOptions o;
  for (const auto& [key, value] : s.Values())
    if (!KnownKeys().count(key)) problems->push_back(key + ": unknown setting");
  o.token = s.Required("token");
  if (o.token.find_first_of("/?# \t\r\n") != std::string::npos)
    problems->push_back("token: contains characters a Bot API token never has");
  o.api_base_url = s.String("api_base_url", o.api_base_url);
  if (std::string p = BotApi::UrlProblem(o.api_base_url); !p.empty()) problems->push_back(p);
  const std::string mode = s.String("mode", "polling");
  if (mode == "webhook") {
    o.webhook = true;
  } else if (mode != "polling") {
    problems->push_back("mode: '" + mode + "' is neither polling nor webhook");
  }
  o.webhook_path = s.String("webhook_path", o.webhook_path);
  bool path_ok = !o.webhook_path.empty() && o.webhook_path.front() != '/';
  for (char c : o.webhook_path) path_ok = path_ok && (IsSecretChar(c) || c == '.' || c == '/');
  if (!path_ok)
    problems->push_back("webhook_path: '" + o.webhook_path +
                        "' must be letters, digits, - _ . / and not start with /");
  o.set_webhook = s.Bool("set_webhook", o.set_webhook);
  o.webhook_max_connections = static_cast<int>(
      s.Int("webhook_max_connections", o.webhook_max_connections, 1, 100));
  if (o.webhook) {
    o.webhook_secret = s.Required("webhook_secret");
    bool chars_ok = true;
    for (char c : o.webhook_secret) chars_ok = chars_ok && IsSecretChar(c);
    if (!o.webhook_secret.empty() && (o.webhook_secret.size() > 256 || !chars_ok))
      problems->push_back("webhook_secret: must be 1-256 characters of A-Z a-z 0-9 _ -");
  } else if (s.Has("webhook_secret")) {
    o.webhook_secret = s.String("webhook_secret");
  }
  o.poll_timeout_s = static_cast<int>(s.Int("poll_timeout_s", o.poll_timeout_s, 0, 50));
  o.poll_interval_ms = static_cast<int>(s.Int("poll_interval_ms", o.poll_interval_ms, 0, 60000));
  o.poll_limit = static_cast<int>(s.Int("poll_limit", o.poll_limit, 1, 100));
  o.request_timeout_s = static_cast<int>(s.Int("request_timeout_s", o.request_timeout_s, 1, 30));
  o.retry_backoff_s = static_cast<int>(s.Int("retry_backoff_s", o.retry_backoff_s, 1, 3600));
  o.max_file_bytes = s.Int("max_file_bytes", o.max_file_bytes, 1, 20 * 1024 * 1024);
  o.dedup_window = s.Int("dedup_window", o.dedup_window, 16, 1'000'000);
  o.rate_overall = static_cast<int>(s.Int("rate_overall", o.rate_overall, 1, 1000));
  o.rate_per_chat = static_cast<int>(s.Int("rate_per_chat", o.rate_per_chat, 1, 100));
  return o;
}

std::string KeyboardJson(const sdk::Keyboard& keyboard, std::string* error,
                         std::vector<std::string>* dropped) {
  Object markup;
  if (keyboard.kind == sdk::Keyboard::Kind::kRemove) {
    markup.set("remove_keyboard", true);
    return Stringify(markup);
  }
  const bool inline_kb = keyboard.kind == sdk::Keyboard::Kind::kInline;
  Array::Ptr rows = new Array;
  for (const auto& row : keyboard.rows) {
    Array::Ptr out_row = new Array;
    for (const auto& button : row) {
      if (button.text.empty() || !IsValidUtf8(button.text)) {
        *error = "a button has an empty or non-UTF-8 label";
        return "";
      }
      Object::Ptr b = new Object;
      b->set("text", button.text);
      using Action = sdk::Button::Action;
      switch (button.action) {
        case Action::kReply:
          if (inline_kb) {
            if (auto problem = CallbackDataProblem(button.data)) {
              *error = "button '" + button.text + "': " + *problem;
              return "";
            }
            b->set("callback_data", button.data);
          }
          // Reply keyboard: pressing sends the label back as text.
          break;
        case Action::kRequestContact:
        case Action::kRequestLocation:
          if (inline_kb) {
            dropped->push_back(button.text + " (contact/location requests need a reply keyboard)");
            continue;
          }
          b->set(button.action == Action::kRequestContact ? "request_contact" : "request_location",
                 true);
          break;
        case Action::kOpenUrl:
          if (!inline_kb) {
            dropped->push_back(button.text + " (URL buttons need an inline keyboard)");
            continue;
          }
          if (button.url.empty()) {
            *error = "button '" + button.text + "' opens a URL but has none";
            return "";
          }
          b->set("url", button.url);
          break;
      }
      out_row->add(b);
    }
    if (out_row->size() > 0) rows->add(out_row);
  }
  if (rows->size() == 0) return "";
  if (inline_kb) {
    markup.set("inline_keyboard", rows);
  } else {
    markup.set("keyboard", rows);
    markup.set("resize_keyboard", true);
    markup.set("one_time_keyboard", keyboard.one_time);
  }
  return Stringify(markup);
}

TelegramChannel::TelegramChannel(const sdk::Settings& settings)
    : options_([&] {
        std::vector<std::string> problems;
        TelegramOptions o = TelegramOptions::Read(settings, &problems);
        if (!problems.empty()) {
          // The getters' own problems are listed too: this exception is
          // what the host reports, so it must name everything at once.
          for (const auto& p : settings.Problems()) problems.push_back(p);
          std::string message = "bad settings: ";
          for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
          throw std::invalid_argument(message);
        }
        return o;
      }()),
      window_(static_cast<size_t>(options_.dedup_window)) {}

TelegramChannel::~TelegramChannel() {
  // Stop joins the worker; a host that skipped it must not leave a thread
  // running inside an unloaded library.
  if (worker_.joinable()) Stop();
}

void TelegramChannel::Log(Logger::Level level, const std::string& line) {
  if (host_ != nullptr) host_->Log().Log(level, line);
}

sdk::Status TelegramChannel::Start(sdk::Host& host) {
  host_ = &host;
  try {
    if (options_.api_base_url.rfind("https:", 0) == 0) {
      Poco::Net::initializeSSL();
      ssl_initialized_ = true;
    }
    api_ = std::make_unique<BotApi>(options_.api_base_url, options_.token,
                                    std::chrono::seconds(options_.request_timeout_s));
  } catch (const std::exception& e) {
    return sdk::Status::Error(std::string("telegram: ") + e.what());
  }

  // getMe checks the token before anything is registered.
  ApiReply me = api_->Call("getMe", Object());
  if (me.kind == ApiReply::Kind::kError && (me.http_status == 401 || me.http_status == 404))
    return sdk::Status::Error("telegram: the Bot API rejected the token (" + me.Explain() + ")");
  if (me.ok()) {
    std::string name;
    if (me.result.type() == typeid(Object::Ptr)) {
      Object::Ptr bot = me.result.extract<Object::Ptr>();
      if (bot && bot->has("username")) name = "@" + bot->getValue<std::string>("username");
    }
    Log(Logger::Level::kInfo, "telegram: connected as bot " + name);
  } else {
    // Unreachable now: the poller or the setWebhook loop keeps trying.
    Log(Logger::Level::kWarning, "telegram: getMe failed, will keep trying: " + me.Explain());
  }

  if (!options_.webhook) {
    worker_ = std::thread([this] { PollLoop(); });
    Log(Logger::Level::kInfo, "telegram: long polling started");
    return sdk::Status::Ok();
  }

  sdk::Status hook = host.RegisterWebhook(
      options_.webhook_path,
      [this](const sdk::WebhookRequest& request) { return OnWebhook(request); });
  if (!hook.ok) return hook;
  if (!options_.set_webhook) {
    Log(Logger::Level::kInfo, "telegram: webhook registered; setWebhook left to the operator");
    return sdk::Status::Ok();
  }
  const std::string url = host.WebhookUrl(options_.webhook_path);
  if (url.empty())
    return sdk::Status::Error(
        "telegram: webhook mode needs the host's public URL, and none is configured");
  bool transient = false;
  sdk::Status set = SetWebhook(url, &transient);
  if (!set.ok && !transient) return set;
  if (!set.ok) {
    Log(Logger::Level::kWarning, set.message + "; retrying in the background");
    worker_ = std::thread([this, url] { SetWebhookLoop(url); });
  }
  return sdk::Status::Ok();
}

sdk::Status TelegramChannel::SetWebhook(const std::string& url, bool* transient) {
  Object params;
  params.set("url", url);
  params.set("secret_token", options_.webhook_secret);
  // Telegram opens up to 40 parallel connections by default and keeps them
  // alive; the host's HTTP server gives each open connection a thread, so
  // 40 would take every thread of a default host and leave the panel and
  // the other channels' webhooks waiting.
  params.set("max_connections", options_.webhook_max_connections);
  Array::Ptr allowed = new Array;
  allowed->add(std::string("message"));
  allowed->add(std::string("callback_query"));
  params.set("allowed_updates", allowed);
  ApiReply reply = api_->Call("setWebhook", params);
  if (reply.ok()) {
    Log(Logger::Level::kInfo, "telegram: webhook set to " + url);
    return sdk::Status::Ok();
  }
  *transient = reply.kind == ApiReply::Kind::kNetwork || reply.http_status == 429 ||
               reply.http_status >= 500;
  return sdk::Status::Error("telegram: setWebhook failed: " + reply.Explain());
}

void TelegramChannel::SetWebhookLoop(const std::string& url) {
  while (Pause(std::chrono::seconds(options_.retry_backoff_s))) {
    bool transient = false;
    sdk::Status set = SetWebhook(url, &transient);
    if (set.ok) return;
    Log(transient ? Logger::Level::kWarning : Logger::Level::kError, set.message);
    if (!transient) return;
  }
}

void TelegramChannel::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (api_) api_->AbortAll();  // ends a long poll at once
  if (worker_.joinable()) worker_.join();
  if (ssl_initialized_) {
    Poco::Net::uninitializeSSL();
    ssl_initialized_ = false;
  }
  if (host_ != nullptr) host_->Log().Info("telegram: stopped");
  host_ = nullptr;
}

bool TelegramChannel::Pause(std::chrono::milliseconds duration) {
  std::unique_lock lock(stop_mu_);
  return !stop_cv_.wait_for(lock, duration, [this] { return stopping_; });
}

void TelegramChannel::AnswerCallback(const std::string& callback_query_id) {
  // Always answered, or the resident's client shows a spinner on the button.
  Object params;
  params.set("callback_query_id", callback_query_id);
  ApiReply reply = api_->Call("answerCallbackQuery", params);
  if (!reply.ok())
    Log(Logger::Level::kWarning, "telegram: answerCallbackQuery failed: " + reply.Explain());
}

TelegramChannel::Handled TelegramChannel::HandleUpdate(ParsedUpdate update, std::string* answer) {
  auto answer_callback = [&](const std::string& callback_query_id) {
    if (answer != nullptr) {
      *answer = callback_query_id;
    } else {
      AnswerCallback(callback_query_id);
    }
  };
  const int64_t id = update.update_id;
  const std::string which = "telegram: update " + std::to_string(id);
  if (!window_.Begin(id)) {
    Log(Logger::Level::kInfo, which + " was handled before (a replay): ignored");
    return Handled::kDuplicate;
  }
  if (update.kind == ParsedUpdate::Kind::kIgnored) {
    Log(Logger::Level::kInfo, which + " ignored: " + update.ignored_what);
    if (!update.callback_query_id.empty()) answer_callback(update.callback_query_id);
    window_.Commit(id);
    return Handled::kIgnored;
  }

  sdk::InboundMessage& message = update.message;
  std::optional<FileRef> file;
  sdk::Attachment::Kind kind = sdk::Attachment::Kind::kPhoto;
  if (!update.photo_sizes.empty()) {
    file = PickPhoto(update.photo_sizes, options_.max_file_bytes);
    if (!file) file = update.photo_sizes.back();  // kept as a reference, too big to fetch
  } else if (update.document) {
    file = update.document;
    kind = sdk::Attachment::Kind::kFile;
  }
  if (file) {
    sdk::Attachment attachment;
    attachment.kind = kind;
    attachment.provider_ref = file->file_id;
    attachment.file_name = file->file_name;
    // Telegram re-encodes every photo as JPEG.
    attachment.content_type =
        kind == sdk::Attachment::Kind::kPhoto ? "image/jpeg" : file->mime_type;
    Download download;
    if (file->file_size > options_.max_file_bytes) {
      download.error =
          "the file is " + std::to_string(file->file_size) + " bytes, more than max_file_bytes";
    } else {
      download = api_->Fetch(file->file_id, options_.max_file_bytes);
    }
    if (download.ok) {
      attachment.data = std::move(download.data);
      if (attachment.file_name.empty()) attachment.file_name = BaseName(download.file_path);
    } else if (download.transient) {
      window_.Abandon(id);
      Log(Logger::Level::kWarning, which + " not delivered yet: " + download.error);
      return Handled::kRetryLater;
    } else {
      // The bytes cannot be had (too large, gone): the message still goes in,
      // the attachment with no data and its file_id for the record.
      Log(Logger::Level::kWarning,
          which + ": file not fetched, delivered as a reference only: " + download.error);
    }
    message.attachments.push_back(std::move(attachment));
  }

  const bool callback = update.kind == ParsedUpdate::Kind::kCallback;
  sdk::Status delivered = host_->Deliver(std::move(message));
  if (!delivered.ok) {
    window_.Abandon(id);
    Log(Logger::Level::kWarning, which + " not taken by the host: " + delivered.message);
    return Handled::kRetryLater;
  }
  window_.Commit(id);
  if (callback) answer_callback(update.callback_query_id);
  return Handled::kDelivered;
}

sdk::WebhookResponse TelegramChannel::OnWebhook(const sdk::WebhookRequest& request) {
  if (request.method != "POST") return Answer(405, "use POST\n");
  // The secret first, before a byte of the body is parsed.
  auto header = request.headers.find("x-telegram-bot-api-secret-token");
  if (header == request.headers.end() ||
      !ConstantTimeEquals(header->second, options_.webhook_secret)) {
    Log(Logger::Level::kWarning,
        std::string("telegram: webhook request from ") + request.remote_address +
            " refused: " + (header == request.headers.end() ? "no" : "wrong") + " secret token");
    return Answer(403, "forbidden\n");
  }
  ParsedUpdate update;
  if (std::string error = ParseUpdateJson(request.body, &update); !error.empty()) {
    Log(Logger::Level::kWarning, "telegram: malformed webhook update refused: " + error);
    return Answer(400, "malformed update: " + error + "\n");
  }
  // A callback query is answered in the webhook's own response (Bot API,
  // "Making requests when getting updates"): Telegram performs the method
  // the response names. The resident's spinner stops the same, and the
  // webhook thread no longer waits for a Bot API round trip per press,
  // which was 8% of the host's CPU at intake (docs/BENCHMARKS.md, issue 4).
  // Telegram does not report that call's result; a failed answer only
  // leaves the spinner until the client's own timeout, as a failed
  // synchronous call did.
  std::string callback_query_id;
  switch (HandleUpdate(std::move(update), &callback_query_id)) {
    case Handled::kDelivered:
    case Handled::kDuplicate:
    case Handled::kIgnored:
      if (!callback_query_id.empty()) {
        Object method;
        method.set("method", std::string("answerCallbackQuery"));
        method.set("callback_query_id", callback_query_id);
        std::ostringstream json;
        method.stringify(json);
        sdk::WebhookResponse r = Answer(200, json.str());
        r.content_type = "application/json";
        return r;
      }
      return Answer(200, "ok\n");
    case Handled::kRetryLater:
      break;
  }
  // Telegram re-sends on a non-2xx answer.
  return Answer(503, "not taken, send again later\n");
}

void TelegramChannel::PollLoop() {
  const auto backoff = std::chrono::seconds(options_.retry_backoff_s);
  bool webhook_cleared = false;
  int64_t offset = -1;  // none yet: Telegram starts from the oldest unconfirmed
  while (true) {
    {
      std::lock_guard lock(stop_mu_);
      if (stopping_) return;
    }
    if (!webhook_cleared) {
      // getUpdates answers 409 while a webhook is set.
      ApiReply reply = api_->Call("deleteWebhook", Object());
      if (!reply.ok()) {
        Log(Logger::Level::kWarning, "telegram: deleteWebhook failed: " + reply.Explain());
        if (!Pause(backoff)) return;
        continue;
      }
      webhook_cleared = true;
    }
    Object params;
    if (offset >= 0) params.set("offset", static_cast<Poco::Int64>(offset));
    params.set("limit", options_.poll_limit);
    params.set("timeout", options_.poll_timeout_s);
    Array::Ptr allowed = new Array;
    allowed->add(std::string("message"));
    allowed->add(std::string("callback_query"));
    params.set("allowed_updates", allowed);
    ApiReply reply =
        api_->Call("getUpdates", params, std::chrono::seconds(options_.poll_timeout_s + 10));
    {
      std::lock_guard lock(stop_mu_);
      if (stopping_) return;
    }
    if (!reply.ok()) {
      std::chrono::seconds wait = backoff;
      if (reply.http_status == 409) webhook_cleared = false;
      if (reply.http_status == 429 && reply.retry_after > 0)
        wait = std::chrono::seconds(reply.retry_after);
      Log(Logger::Level::kWarning, "telegram: getUpdates failed: " + reply.Explain());
      if (!Pause(wait)) return;
      continue;
    }
    Array::Ptr updates;
    if (reply.result.type() == typeid(Array::Ptr)) updates = reply.result.extract<Array::Ptr>();
    if (!updates) {
      Log(Logger::Level::kWarning, "telegram: getUpdates result is not an array");
      if (!Pause(backoff)) return;
      continue;
    }
    bool stalled = false;
    for (size_t i = 0; i < updates->size(); ++i) {
      Object::Ptr object = updates->getObject(static_cast<unsigned>(i));
      if (!object) {
        Log(Logger::Level::kWarning, "telegram: getUpdates item is not an object: skipped");
        continue;
      }
      ParsedUpdate update;
      std::string error = ParseUpdate(*object, &update);
      if (!error.empty()) {
        // Polling again will not mend it: confirm it and move on.
        Log(Logger::Level::kWarning,
            "telegram: malformed update " +
                (object->has("update_id") ? std::to_string(update.update_id) + " "
                                          : std::string()) +
                "skipped: " + error);
        if (object->has("update_id") && update.update_id >= 0) offset = update.update_id + 1;
        continue;
      }
      const int64_t id = update.update_id;
      if (HandleUpdate(std::move(update)) == Handled::kRetryLater) {
        // Not confirmed: the next getUpdates (with this offset) returns it again.
        stalled = true;
        break;
      }
      offset = id + 1;
    }
    if (stalled) {
      if (!Pause(backoff)) return;
    } else if (updates->size() == 0) {
      if (!Pause(std::chrono::milliseconds(options_.poll_interval_ms))) return;
    }
  }
}

sdk::SendResult TelegramChannel::FromError(const ApiReply& reply) const {
  const auto backoff = std::chrono::seconds(options_.retry_backoff_s);
  if (reply.kind == ApiReply::Kind::kNetwork)
    return sdk::SendResult::Retry(backoff, reply.Explain());
  if (reply.http_status == 429 || reply.error_code == 429) {
    auto after = reply.retry_after > 0 ? std::chrono::seconds(reply.retry_after) : backoff;
    return sdk::SendResult::Retry(after, "Telegram rate limit (" + reply.Explain() + ")");
  }
  if (reply.http_status >= 500) return sdk::SendResult::Retry(backoff, reply.Explain());
  if (reply.migrate_to_chat_id != 0)
    return sdk::SendResult::Failed("the group became supergroup " +
                                   std::to_string(reply.migrate_to_chat_id) + " (" +
                                   reply.Explain() + ")");
  // 400 (chat not found, bad markup), 401 (token revoked), 403 (the resident
  // blocked the bot): sending again would fail the same way.
  return sdk::SendResult::Failed(reply.Explain());
}

sdk::SendResult TelegramChannel::Send(const sdk::OutboundMessage& message) {
  if (!api_) return sdk::SendResult::Failed("telegram: the channel is not started");
  if (message.chat_id.empty()) return sdk::SendResult::Failed("no chat_id");
  if (!IsValidUtf8(message.text)) return sdk::SendResult::Failed("the text is not valid UTF-8");

  std::string markup;
  if (message.keyboard) {
    std::string error;
    std::vector<std::string> dropped;
    markup = KeyboardJson(*message.keyboard, &error, &dropped);
    if (!error.empty()) return sdk::SendResult::Failed(error);
    for (const auto& d : dropped) Log(Logger::Level::kInfo, "telegram: button left out: " + d);
  }

  const std::vector<std::string> parts = SplitText(message.text);
  const size_t steps = parts.size() + message.attachments.size();
  if (steps == 0)
    return sdk::SendResult::Failed("nothing to send: the text is empty and there is no attachment");

  size_t first = 0;
  if (!message.id.empty()) {
    std::lock_guard lock(progress_mu_);
    if (auto it = progress_.find(message.id); it != progress_.end()) first = it->second;
  }
  const Poco::Dynamic::Var chat = ChatId(message.chat_id);
  std::string last_id;
  for (size_t step = first; step < steps; ++step) {
    // The keyboard goes with the last part, under the end of the text.
    const bool last = step + 1 == steps;
    ApiReply reply;
    if (step < parts.size()) {
      Object params;
      params.set("chat_id", chat);
      params.set("text", parts[step]);
      if (last && !markup.empty()) {
        Poco::JSON::Parser parser;
        params.set("reply_markup", parser.parse(markup));
      }
      reply = api_->Call("sendMessage", params);
    } else {
      const sdk::Attachment& a = message.attachments[step - parts.size()];
      const bool photo = a.kind == sdk::Attachment::Kind::kPhoto;
      std::map<std::string, std::string> fields = {{"chat_id", message.chat_id}};
      if (last && !markup.empty()) fields["reply_markup"] = markup;
      reply = api_->Upload(
          photo ? "sendPhoto" : "sendDocument", fields,
          UploadFile{photo ? "photo" : "document", a.file_name, a.content_type, a.data});
    }
    if (!reply.ok()) {
      sdk::SendResult result = FromError(reply);
      if (step > 0 && result.outcome == sdk::SendResult::Outcome::kFailed)
        result.reason += " (after " + std::to_string(step) + " of " + std::to_string(steps) +
                         " parts were sent)";
      return result;
    }
    last_id = MessageId(reply);
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
    progress_.erase(message.id);  // its id stays in progress_order_ until it ages out
  }
  return sdk::SendResult::Sent(last_id);
}

sdk::RateLimit TelegramChannel::Limits() const {
  sdk::RateLimit limits;
  limits.overall = sdk::Rate{options_.rate_overall, std::chrono::seconds{1}};
  limits.per_recipient = sdk::Rate{options_.rate_per_chat, std::chrono::seconds{1}};
  return limits;
}

}  // namespace vikno::telegram
