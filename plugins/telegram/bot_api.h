// A small Telegram Bot API client over Poco::Net: POST a method with a JSON
// (or multipart) body to <api_base_url>/bot<token>/<method>, classify the
// answer, and download files from <api_base_url>/file/bot<token>/<path>.
//
// The base URL is a setting so tests point it at the emulator or a fake;
// http:// and https:// are accepted (https verifies the peer against the
// system's CA store).
//
// The token is part of every request path: nothing here puts a path or URL
// into an error text, so errors can be logged as they are.
//
// Thread-safety: Call, Upload and Download may run concurrently; each call
// borrows an idle connection or opens one. AbortAll (from Stop) shuts down
// the connections in use, so a long poll ends at once.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/URI.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace vikno::telegram {

// What the Bot API answered to one method call.
struct ApiReply {
  enum class Kind {
    kOk,       // {"ok":true,"result":...}
    kError,    // an HTTP answer that is not ok: see http_status, error_code, description
    kNetwork,  // no answer: refused, reset, timed out, TLS failure, unreadable body
  };
  Kind kind = Kind::kNetwork;
  int http_status = 0;
  int error_code = 0;              // the body's error_code, else the HTTP status
  std::string description;         // the body's description, or what went wrong
  int64_t retry_after = -1;        // parameters.retry_after (429), -1 when absent
  int64_t migrate_to_chat_id = 0;  // parameters.migrate_to_chat_id, 0 when absent
  Poco::Dynamic::Var result;       // kOk: the "result" value

  bool ok() const { return kind == Kind::kOk; }
  // One sentence for logs and staff: "HTTP 400: Bad Request: chat not found".
  std::string Explain() const;
};

// One part of a multipart upload (sendPhoto, sendDocument).
struct UploadFile {
  std::string field;  // "photo", "document"
  std::string file_name;
  std::string content_type;
  std::string data;
};

struct Download {
  bool ok = false;
  bool transient = false;  // !ok: worth trying again later
  std::string data;
  std::string file_path;
  std::string error;
};

class BotApi {
 public:
  // Throws std::invalid_argument for a base URL that is not http(s)://host.
  // No I/O: the TLS context is made on first use.
  BotApi(const std::string& base_url, std::string token, std::chrono::seconds timeout);
  ~BotApi();

  // Checks `base_url` the way the constructor does; the problem or "".
  static std::string UrlProblem(const std::string& base_url);

  // POSTs `params` as JSON. `timeout` 0 means the default; a long poll
  // passes its own (poll timeout plus a margin).
  ApiReply Call(const std::string& method, const Poco::JSON::Object& params,
                std::chrono::seconds timeout = std::chrono::seconds{0});

  // POSTs `fields` and `file` as multipart/form-data.
  ApiReply Upload(const std::string& method, const std::map<std::string, std::string>& fields,
                  const UploadFile& file);

  // getFile(file_id), then GET the file; refuses (permanently) a file larger
  // than `max_bytes` without reading all of it.
  Download Fetch(const std::string& file_id, int64_t max_bytes);

  // Shuts down every connection in use and makes later calls fail at once.
  void AbortAll();

 private:
  using Session = std::unique_ptr<Poco::Net::HTTPClientSession>;
  Session Acquire(std::chrono::seconds timeout);
  void Release(Session session, bool reusable);
  std::string MethodPath(const std::string& method) const;
  struct Raw {
    bool answered = false;
    int status = 0;
    std::string body;
    std::string error;       // !answered: what failed
    bool too_large = false;  // the body exceeded max_body
  };
  Raw Exchange(const std::string& path, std::chrono::seconds timeout,
               const std::function<void(Poco::Net::HTTPRequest&)>& prepare,
               const std::function<void(std::ostream&)>& write_body, int64_t max_body);

  Poco::URI base_;
  std::string base_path_;  // base URL path without the trailing '/'
  std::string token_;
  std::chrono::seconds timeout_;
  bool https_;

  std::mutex mu_;
  bool aborted_ = false;
  Poco::Net::Context::Ptr context_;
  std::vector<Session> idle_;
  std::set<Poco::Net::HTTPClientSession*> busy_;
};

}  // namespace vikno::telegram
