// vikno/sdk/webhook.h: an HTTP request a provider sends to the host for a
// channel (Telegram update, Viber callback, SMS gateway MO/DLR) and the
// channel's answer.
//
// The handler gets the raw body bytes and the headers, untouched, so that it
// can check a signature over the exact bytes before parsing anything (Viber:
// HMAC-SHA256 of the body in X-Viber-Content-Signature; Telegram:
// X-Telegram-Bot-Api-Secret-Token).
//
// Thread-safety: the host calls handlers from its HTTP worker threads, several
// at once, also concurrently with Channel::Send. A handler must be
// thread-safe. The host never calls a handler after Channel::Stop began.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace vikno::sdk {

struct WebhookRequest {
  std::string method;  // "POST", "GET", ...
  std::string path;    // the path the handler was registered for, e.g. "update"
  std::map<std::string, std::string> headers;  // names in lower case ("x-viber-content-signature")
  std::map<std::string, std::string> query;    // decoded query parameters
  std::string body;                            // raw bytes, at most the host's body limit
  std::string remote_address;                  // "203.0.113.5:41234"
};

struct WebhookResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Must return a response for every request and must not throw. Answer 2xx
// only once the request is handled (Host::Deliver returned ok): a provider
// re-sends on non-2xx, and the host drops the duplicate by its provider id.
using WebhookHandler = std::function<WebhookResponse(const WebhookRequest&)>;

}  // namespace vikno::sdk
