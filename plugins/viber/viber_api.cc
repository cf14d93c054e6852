#include "viber_api.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>

#include <istream>
#include <map>
#include <stdexcept>

#include "callback.h"

namespace vikno::viber {
namespace {

using Poco::JSON::Object;

// API answers are small.
constexpr int64_t kMaxApiBody = 1024 * 1024;

std::string ReadLimited(std::istream& in, int64_t max_body, bool* too_large) {
  std::string out;
  char buf[16384];
  while (in) {
    in.read(buf, sizeof buf);
    out.append(buf, static_cast<size_t>(in.gcount()));
    if (static_cast<int64_t>(out.size()) > max_body) {
      *too_large = true;
      out.clear();
      return out;
    }
  }
  return out;
}

}  // namespace

std::string StatusName(int status) {
  static const std::map<int, std::string> names = {{0, "ok"},
                                                   {1, "invalidUrl"},
                                                   {2, "invalidAuthToken"},
                                                   {3, "badData"},
                                                   {4, "missingData"},
                                                   {5, "receiverNotRegistered"},
                                                   {6, "receiverNotSubscribed"},
                                                   {7, "publicAccountBlocked"},
                                                   {8, "publicAccountNotFound"},
                                                   {9, "publicAccountSuspended"},
                                                   {10, "webhookNotSet"},
                                                   {11, "receiverNoSuitableDevice"},
                                                   {12, "tooManyRequests"},
                                                   {13, "apiVersionNotSupported"},
                                                   {14, "incompatibleWithVersion"},
                                                   {15, "publicAccountNotAuthorized"},
                                                   {16, "inchatReplyMessageNotAllowed"},
                                                   {17, "publicAccountIsNotInline"},
                                                   {18, "noPublicChat"},
                                                   {19, "cannotSendBroadcast"},
                                                   {20, "broadcastNotAllowed"},
                                                   {21, "unsupportedCountry"},
                                                   {22, "paymentUnsupported"},
                                                   {23, "freeMessagesExceeded"},
                                                   {24, "noBalance"}};
  auto it = names.find(status);
  return it == names.end() ? "status " + std::to_string(status) : it->second;
}

std::string ApiReply::Explain() const {
  switch (kind) {
    case Kind::kOk:
      return "ok";
    case Kind::kNetwork:
      return "no usable answer from the Viber API: " + error;
    case Kind::kHttp:
      return "the Viber API answered HTTP " + std::to_string(http_status);
    case Kind::kStatus:
      break;
  }
  std::string s = "Viber status " + std::to_string(status) + " " + StatusName(status);
  if (!status_message.empty() && status_message != StatusName(status)) s += ": " + status_message;
  return s;
}

std::string ViberApi::UrlProblem(const std::string& base_url) {
  try {
    Poco::URI uri(base_url);
    if (uri.getScheme() != "http" && uri.getScheme() != "https")
      return "api_base_url: '" + base_url + "' must start with http:// or https://";
    if (uri.getHost().empty()) return "api_base_url: '" + base_url + "' has no host";
    if (!uri.getRawQuery().empty() || !uri.getFragment().empty())
      return "api_base_url: '" + base_url + "' must not have a query or fragment";
  } catch (const Poco::Exception& e) {
    return "api_base_url: '" + base_url + "' is not a URL (" + e.message() + ")";
  }
  return "";
}

ViberApi::ViberApi(const std::string& base_url, std::string auth_token,
                   std::chrono::seconds timeout)
    : token_(std::move(auth_token)), timeout_(timeout) {
  if (std::string problem = UrlProblem(base_url); !problem.empty())
    throw std::invalid_argument(problem);
  base_ = Poco::URI(base_url);
  base_path_ = base_.getPath();
  while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
}

ViberApi::~ViberApi() = default;

ViberApi::Session ViberApi::Open(const Poco::URI& uri) {
  Session session;
  if (uri.getScheme() == "https") {
    {
      std::lock_guard lock(mu_);
      if (!context_) {
        // The system CA store, peer verified.
        context_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                                          Poco::Net::Context::VERIFY_RELAXED, 9, true,
                                          "ALL:!ADH:!LOW:!EXP:!MD5:@STRENGTH");
      }
    }
    session =
        std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), context_);
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
  }
  session->setTimeout(Poco::Timespan(static_cast<long>(timeout_.count()), 0));
  return session;
}

ViberApi::Session ViberApi::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (aborted_) return nullptr;
    if (!idle_.empty()) {
      Session session = std::move(idle_.back());
      idle_.pop_back();
      busy_.insert(session.get());
      return session;
    }
  }
  Session session = Open(base_);
  session->setKeepAlive(true);
  std::lock_guard lock(mu_);
  if (aborted_) return nullptr;
  busy_.insert(session.get());
  return session;
}

void ViberApi::Release(Session session, bool reusable) {
  std::lock_guard lock(mu_);
  busy_.erase(session.get());
  // Enough idle connections for the senders and the broadcaster; more close.
  if (reusable && !aborted_ && idle_.size() < 16) idle_.push_back(std::move(session));
}

void ViberApi::AbortAll() {
  std::lock_guard lock(mu_);
  aborted_ = true;
  for (auto* session : busy_) {
    try {
      session->abort();
    } catch (const Poco::Exception&) {
      // Already closed: nothing to interrupt.
    }
  }
  idle_.clear();
}

ApiReply ViberApi::Call(const std::string& method, const std::string& json) {
  ApiReply reply;
  Session session;
  try {
    session = Acquire();
  } catch (const Poco::Exception& e) {
    reply.error = e.displayText();
    return reply;
  }
  if (!session) {
    reply.error = "the channel is stopping";
    return reply;
  }
  bool reusable = false;
  std::string body;
  bool too_large = false;
  try {
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, base_path_ + "/" + method,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("User-Agent", "vikno-viber");
    request.set("X-Viber-Auth-Token", token_);
    request.setContentType("application/json; charset=utf-8");
    request.setContentLength(static_cast<std::streamsize>(json.size()));
    session->sendRequest(request) << json;
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    body = ReadLimited(in, kMaxApiBody, &too_large);
    reply.http_status = static_cast<int>(response.getStatus());
    reusable = !too_large && response.getKeepAlive();
  } catch (const Poco::Exception& e) {
    reply.error = e.displayText();  // names the peer, never the token
  } catch (const std::exception& e) {
    reply.error = e.what();
  }
  Release(std::move(session), reusable);
  if (reply.http_status == 0) return reply;
  if (too_large) {
    reply.error = "the answer to " + method + " is larger than 1 MB";
    return reply;
  }
  if (reply.http_status < 200 || reply.http_status >= 300) {
    reply.kind = ApiReply::Kind::kHttp;
    return reply;
  }
  try {
    Poco::JSON::Parser parser;
    parser.setDepth(16);
    Poco::Dynamic::Var parsed = parser.parse(body);
    if (parsed.type() == typeid(Object::Ptr)) reply.object = parsed.extract<Object::Ptr>();
  } catch (const Poco::Exception&) {
    // Not JSON: described below.
  }
  if (!reply.object || !reply.object->has("status") || !reply.object->get("status").isInteger()) {
    reply.error = "the answer to " + method + " is not a JSON object with a status";
    return reply;
  }
  try {
    reply.status = reply.object->get("status").convert<int>();
    if (reply.object->has("status_message") && reply.object->get("status_message").isString())
      reply.status_message = reply.object->getValue<std::string>("status_message");
    if (reply.object->has("message_token"))
      reply.message_token = TokenText(reply.object->get("message_token"));
    if (Poco::JSON::Array::Ptr failed = reply.object->getArray("failed_list")) {
      for (size_t i = 0; i < failed->size(); ++i) {
        Object::Ptr f = failed->getObject(static_cast<unsigned>(i));
        if (!f || !f->has("receiver")) continue;
        FailedReceiver r;
        r.receiver = f->get("receiver").convert<std::string>();
        if (f->has("status")) r.status = f->get("status").convert<int>();
        if (f->has("status_message")) r.status_message = f->get("status_message").toString();
        reply.failed.push_back(std::move(r));
      }
    }
  } catch (const Poco::Exception& e) {
    reply.status = -1;
    reply.error = "the answer to " + method + " has unexpected field types (" + e.message() + ")";
    return reply;
  }
  reply.kind = reply.status == kOk ? ApiReply::Kind::kOk : ApiReply::Kind::kStatus;
  return reply;
}

Download ViberApi::Fetch(const std::string& url, int64_t max_bytes) {
  Download download;
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception& e) {
    download.error = "the media URL is not a URL (" + e.message() + ")";
    return download;
  }
  if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty()) {
    download.error = "the media URL is not http(s)";
    return download;
  }
  {
    std::lock_guard lock(mu_);
    if (aborted_) {
      download.transient = true;
      download.error = "the channel is stopping";
      return download;
    }
  }
  try {
    Session session = Open(uri);
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, uri.getPathAndQuery(),
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("User-Agent", "vikno-viber");
    session->sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    const int status = static_cast<int>(response.getStatus());
    if (status != 200) {
      download.transient = status == 429 || status >= 500;
      download.error = "media download: HTTP " + std::to_string(status);
      return download;
    }
    if (response.hasContentLength() && response.getContentLength64() > max_bytes) {
      download.error = "the file is " + std::to_string(response.getContentLength64()) +
                       " bytes, more than max_file_bytes (" + std::to_string(max_bytes) + ")";
      return download;
    }
    bool too_large = false;
    download.data = ReadLimited(in, max_bytes, &too_large);
    if (too_large) {
      download.error = "the file is larger than max_file_bytes (" + std::to_string(max_bytes) + ")";
      return download;
    }
    download.content_type = response.getContentType();
    download.ok = true;
  } catch (const Poco::Exception& e) {
    download.transient = true;
    download.error = "media download: " + e.displayText();
  }
  return download;
}

}  // namespace vikno::viber
