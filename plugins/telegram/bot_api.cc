#include "bot_api.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/PartSource.h>
#include <Poco/Net/StringPartSource.h>
#include <Poco/StreamCopier.h>

#include <istream>
#include <sstream>
#include <stdexcept>

namespace vikno::telegram {
namespace {

using Poco::JSON::Object;

// Reads at most max_body + 1 bytes, so an oversized body is noticed without
// being held whole.
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

// Bot API answers are small; files have their own limit.
constexpr int64_t kMaxApiBody = 8 * 1024 * 1024;

int64_t ToInt(const Poco::Dynamic::Var& v, int64_t fallback) {
  try {
    if (v.isEmpty()) return fallback;
    return v.convert<Poco::Int64>();
  } catch (const Poco::Exception&) {
    return fallback;
  }
}

}  // namespace

std::string ApiReply::Explain() const {
  switch (kind) {
    case Kind::kOk:
      return "ok";
    case Kind::kNetwork:
      return "no answer from the Bot API: " + description;
    case Kind::kError:
      break;
  }
  std::string s = "HTTP " + std::to_string(http_status);
  if (!description.empty()) s += ": " + description;
  return s;
}

std::string BotApi::UrlProblem(const std::string& base_url) {
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

BotApi::BotApi(const std::string& base_url, std::string token, std::chrono::seconds timeout)
    : token_(std::move(token)), timeout_(timeout) {
  if (std::string problem = UrlProblem(base_url); !problem.empty())
    throw std::invalid_argument(problem);
  base_ = Poco::URI(base_url);
  https_ = base_.getScheme() == "https";
  base_path_ = base_.getPath();
  while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
}

BotApi::~BotApi() = default;

std::string BotApi::MethodPath(const std::string& method) const {
  return base_path_ + "/bot" + token_ + "/" + method;
}

BotApi::Session BotApi::Acquire(std::chrono::seconds timeout) {
  std::unique_lock lock(mu_);
  if (aborted_) return nullptr;
  Session session;
  if (!idle_.empty()) {
    session = std::move(idle_.back());
    idle_.pop_back();
  } else if (https_) {
    if (!context_) {
      // The system CA store, peer verified; the host name is checked by
      // HTTPSClientSession against the certificate.
      context_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                                        Poco::Net::Context::VERIFY_RELAXED, 9, true,
                                        "ALL:!ADH:!LOW:!EXP:!MD5:@STRENGTH");
    }
    session =
        std::make_unique<Poco::Net::HTTPSClientSession>(base_.getHost(), base_.getPort(), context_);
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(base_.getHost(), base_.getPort());
  }
  session->setKeepAlive(true);
  session->setTimeout(Poco::Timespan(static_cast<long>(timeout.count()), 0));
  busy_.insert(session.get());
  return session;
}

void BotApi::Release(Session session, bool reusable) {
  std::lock_guard lock(mu_);
  busy_.erase(session.get());
  // A few idle connections cover Send's concurrency; more are closed.
  if (reusable && !aborted_ && idle_.size() < 8) idle_.push_back(std::move(session));
}

void BotApi::AbortAll() {
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

BotApi::Raw BotApi::Exchange(const std::string& path, std::chrono::seconds timeout,
                             const std::function<void(Poco::Net::HTTPRequest&)>& prepare,
                             const std::function<void(std::ostream&)>& write_body,
                             int64_t max_body) {
  Raw raw;
  if (timeout.count() <= 0) timeout = timeout_;
  Session session = Acquire(timeout);
  if (!session) {
    raw.error = "the channel is stopping";
    return raw;
  }
  bool reusable = false;
  try {
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("User-Agent", "vikno-telegram");
    prepare(request);
    std::ostream& out = session->sendRequest(request);
    if (write_body) write_body(out);
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    raw.body = ReadLimited(in, max_body, &raw.too_large);
    raw.status = static_cast<int>(response.getStatus());
    raw.answered = true;
    reusable = !raw.too_large && response.getKeepAlive();
  } catch (const Poco::Exception& e) {
    // displayText names the exception and the peer's host:port, never the path.
    raw.error = e.displayText();
  } catch (const std::exception& e) {
    raw.error = e.what();
  }
  Release(std::move(session), reusable);
  return raw;
}

namespace {

ApiReply Classify(int status, const std::string& body) {
  ApiReply reply;
  reply.kind = ApiReply::Kind::kError;
  reply.http_status = status;
  reply.error_code = status;
  Object::Ptr object;
  try {
    Poco::JSON::Parser parser;
    parser.setDepth(64);
    Poco::Dynamic::Var parsed = parser.parse(body);
    if (parsed.type() == typeid(Object::Ptr)) object = parsed.extract<Object::Ptr>();
  } catch (const Poco::Exception&) {
    // Not JSON (a proxy's HTML error page): described by the status alone.
  }
  if (!object) {
    reply.description = status == 200 ? "the answer is not a JSON object" : "";
    return reply;
  }
  bool ok = false;
  try {
    ok = object->has("ok") && object->get("ok").convert<bool>();
  } catch (const Poco::Exception&) {
  }
  if (ok && status >= 200 && status < 300) {
    reply.kind = ApiReply::Kind::kOk;
    reply.result = object->get("result");
    return reply;
  }
  reply.error_code = static_cast<int>(ToInt(object->get("error_code"), status));
  if (object->has("description")) {
    reply.description = object->getValue<std::string>("description");
  } else if (object->has("message")) {
    // The telegram-test-api emulator's error shape: {"message": "..."}.
    reply.description = object->getValue<std::string>("message");
  }
  if (Object::Ptr params = object->getObject("parameters")) {
    reply.retry_after = ToInt(params->get("retry_after"), -1);
    reply.migrate_to_chat_id = ToInt(params->get("migrate_to_chat_id"), 0);
  }
  return reply;
}

}  // namespace

ApiReply BotApi::Call(const std::string& method, const Object& params,
                      std::chrono::seconds timeout) {
  std::ostringstream json;
  params.stringify(json);
  const std::string body = json.str();
  Raw raw = Exchange(
      MethodPath(method), timeout,
      [&](Poco::Net::HTTPRequest& request) {
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
      },
      [&](std::ostream& out) { out << body; }, kMaxApiBody);
  if (!raw.answered) {
    ApiReply reply;
    reply.description = raw.error;
    return reply;
  }
  if (raw.too_large) {
    ApiReply reply;
    reply.description = "the answer to " + method + " is larger than 8 MB";
    return reply;
  }
  return Classify(raw.status, raw.body);
}

ApiReply BotApi::Upload(const std::string& method, const std::map<std::string, std::string>& fields,
                        const UploadFile& file) {
  Poco::Net::HTMLForm form(Poco::Net::HTMLForm::ENCODING_MULTIPART);
  for (const auto& [name, value] : fields) form.set(name, value);
  form.addPart(
      file.field,
      new Poco::Net::StringPartSource(
          file.data, file.content_type.empty() ? "application/octet-stream" : file.content_type,
          file.file_name.empty() ? file.field : file.file_name));
  Raw raw = Exchange(
      MethodPath(method), std::chrono::seconds{0},
      [&](Poco::Net::HTTPRequest& request) {
        form.prepareSubmit(request);
        // A plain Content-Length rather than chunked: some proxies in front
        // of a Bot API server refuse chunked uploads.
        request.setChunkedTransferEncoding(false);
        request.setContentLength(form.calculateContentLength());
      },
      [&](std::ostream& out) { form.write(out); }, kMaxApiBody);
  if (!raw.answered) {
    ApiReply reply;
    reply.description = raw.error;
    return reply;
  }
  return Classify(raw.status, raw.body);
}

Download BotApi::Fetch(const std::string& file_id, int64_t max_bytes) {
  Download download;
  Object params;
  params.set("file_id", file_id);
  ApiReply info = Call("getFile", params);
  if (!info.ok()) {
    download.transient =
        info.kind == ApiReply::Kind::kNetwork || info.http_status == 429 || info.http_status >= 500;
    download.error = "getFile: " + info.Explain();
    return download;
  }
  Object::Ptr file;
  if (info.result.type() == typeid(Object::Ptr)) file = info.result.extract<Object::Ptr>();
  if (!file || !file->has("file_path")) {
    download.error = "getFile: the answer has no file_path";
    return download;
  }
  download.file_path = file->getValue<std::string>("file_path");
  if (ToInt(file->get("file_size"), 0) > max_bytes) {
    download.error = "the file is " + std::to_string(ToInt(file->get("file_size"), 0)) +
                     " bytes, more than max_file_bytes (" + std::to_string(max_bytes) + ")";
    return download;
  }
  Raw raw = Exchange(
      base_path_ + "/file/bot" + token_ + "/" + download.file_path, std::chrono::seconds{0},
      [](Poco::Net::HTTPRequest& request) { request.setMethod(Poco::Net::HTTPRequest::HTTP_GET); },
      nullptr, max_bytes);
  if (!raw.answered) {
    download.transient = true;
    download.error = "file download: " + raw.error;
    return download;
  }
  if (raw.too_large) {
    download.error = "the file is larger than max_file_bytes (" + std::to_string(max_bytes) + ")";
    return download;
  }
  if (raw.status != 200) {
    download.transient = raw.status == 429 || raw.status >= 500;
    download.error = "file download: HTTP " + std::to_string(raw.status);
    return download;
  }
  download.ok = true;
  download.data = std::move(raw.body);
  return download;
}

}  // namespace vikno::telegram
