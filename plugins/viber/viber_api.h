// A client of the Viber REST Bot API: POST JSON to <base>/<method> with the
// X-Viber-Auth-Token header (CHANNELS.md §2). The base URL is configurable
// (default https://chatapi.viber.com/pa; tests point it at their fake).
//
// Viber reports errors as HTTP 200 with a non-zero "status", so every answer
// is read for it: ok() means HTTP 2xx and status 0.
//
// Thread-safety: Call and Fetch may run concurrently; connections are pooled.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/URI.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace vikno::viber {

// Viber's status codes (rest-bot-api#error-codes) the channel acts on.
enum ViberStatus : int {
  kOk = 0,
  kInvalidUrl = 1,
  kInvalidAuthToken = 2,
  kBadData = 3,
  kMissingData = 4,
  kReceiverNotRegistered = 5,
  kReceiverNotSubscribed = 6,
  kPublicAccountBlocked = 7,
  kPublicAccountNotFound = 8,
  kPublicAccountSuspended = 9,
  kWebhookNotSet = 10,
  kReceiverNoSuitableDevice = 11,
  kTooManyRequests = 12,
  kPublicAccountNotAuthorized = 15,
};

// Viber's name of a status code ("receiverNotSubscribed"), or "status N".
std::string StatusName(int status);

struct FailedReceiver {
  std::string receiver;
  int status = 0;
  std::string status_message;
};

struct ApiReply {
  enum class Kind {
    kOk,       // HTTP 2xx, status 0
    kNetwork,  // no answer (refused, time-out, reset) or a body that is not JSON
    kHttp,     // an HTTP status other than 2xx
    kStatus,   // HTTP 200 with a non-zero status
  };
  Kind kind = Kind::kNetwork;
  int http_status = 0;
  int status = -1;
  std::string status_message;
  std::string message_token;           // exact decimal digits, "" when absent
  std::vector<FailedReceiver> failed;  // broadcast_message's failed_list
  Poco::JSON::Object::Ptr object;      // the whole answer, when it was JSON
  std::string error;                   // kNetwork: what failed

  bool ok() const { return kind == Kind::kOk; }
  // One sentence for logs and staff: "status 6 receiverNotSubscribed: ...".
  std::string Explain() const;
};

struct Download {
  bool ok = false;
  bool transient = false;  // network/5xx: worth trying again later
  std::string error;
  std::string data;
  std::string content_type;
};

class ViberApi {
 public:
  // Throws std::invalid_argument when `base_url` is not an http(s) URL.
  ViberApi(const std::string& base_url, std::string auth_token, std::chrono::seconds timeout);
  ~ViberApi();

  // "" or why `base_url` cannot be used ("api_base_url: ... ").
  static std::string UrlProblem(const std::string& base_url);

  // POSTs `json` to <base>/<method>.
  ApiReply Call(const std::string& method, const std::string& json);

  // GETs a media URL a resident's message named, at most `max_bytes`.
  Download Fetch(const std::string& url, int64_t max_bytes);

  // Shuts down every connection in use and makes later calls fail at once.
  void AbortAll();

 private:
  using Session = std::unique_ptr<Poco::Net::HTTPClientSession>;
  Session Open(const Poco::URI& uri);
  Session Acquire();
  void Release(Session session, bool reusable);

  Poco::URI base_;
  std::string base_path_;
  std::string token_;
  std::chrono::seconds timeout_;

  std::mutex mu_;
  bool aborted_ = false;
  Poco::Net::Context::Ptr context_;
  std::vector<Session> idle_;
  std::set<Poco::Net::HTTPClientSession*> busy_;
};

}  // namespace vikno::viber
