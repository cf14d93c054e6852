// A FAKE Bot API, for what the telegram-test-api emulator cannot do
// (CHANNELS.md §5): getUpdates that honours `offset` (confirmation), getFile
// and file downloads, HTTP 429 with parameters.retry_after, error answers in
// Telegram's {"ok":false,"error_code","description"} shape, and multipart
// uploads. It is a small Poco HTTP server written for these tests, not a
// Telegram implementation: it answers only what the tests script.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/PartHandler.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace vikno::telegram::testing {

class FakeBotApi {
 public:
  struct Call {
    std::string method;
    Poco::JSON::Object::Ptr params;             // JSON bodies
    std::map<std::string, std::string> fields;  // multipart bodies: the plain fields
    std::string file_field, file_name, file_data;
  };

  explicit FakeBotApi(std::string token)
      : token_(std::move(token)), socket_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(4);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(this), socket_, params);
    server_->start();
  }
  ~FakeBotApi() { server_->stopAll(true); }

  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(socket_.address().port());
  }

  // An update getUpdates will return until an offset above its id confirms it.
  void QueueUpdate(const std::string& update_json) {
    std::lock_guard lock(mu_);
    Poco::JSON::Parser parser;
    auto o = parser.parse(update_json).extract<Poco::JSON::Object::Ptr>();
    queue_.push_back({o->getValue<Poco::Int64>("update_id"), update_json});
  }
  // A file getFile and the download serve.
  void AddFile(const std::string& file_id, const std::string& file_path, std::string bytes) {
    std::lock_guard lock(mu_);
    files_[file_id] = {file_path, std::move(bytes)};
  }
  // After `skip` more calls of `method` pass, the next `count` fail with
  // `status` and this body.
  void FailNext(const std::string& method, int count, int status, std::string body, int skip = 0) {
    std::lock_guard lock(mu_);
    failures_[method] = {skip, count, status, std::move(body)};
  }
  // Chats whose sendMessage answers 403 "bot was blocked by the user".
  void BlockChat(int64_t chat_id) {
    std::lock_guard lock(mu_);
    blocked_.push_back(chat_id);
  }

  std::vector<Call> calls(const std::string& method) {
    std::lock_guard lock(mu_);
    std::vector<Call> out;
    for (const auto& c : calls_)
      if (c.method == method) out.push_back(c);
    return out;
  }
  // The offset of every getUpdates call, -1 where none was passed.
  std::vector<int64_t> offsets() {
    std::lock_guard lock(mu_);
    return offsets_;
  }
  size_t queued() {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

 private:
  struct Failure {
    int skip = 0;
    int count = 0;
    int status = 0;
    std::string body;
  };
  struct File {
    std::string path, bytes;
  };

  class Parts final : public Poco::Net::PartHandler {
   public:
    explicit Parts(Call* call) : call_(call) {}
    void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override {
      std::string disposition;
      Poco::Net::NameValueCollection params;
      Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition", ""), disposition,
                                                params);
      call_->file_field = params.get("name", "");
      call_->file_name = params.get("filename", "");
      Poco::StreamCopier::copyToString(stream, call_->file_data);
    }

   private:
    Call* call_;
  };

  void Reply(Poco::Net::HTTPServerResponse& response, int status, const std::string& body) {
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
  }

  void Handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const std::string uri = request.getURI();
    const std::string file_prefix = "/file/bot" + token_ + "/";
    const std::string method_prefix = "/bot" + token_ + "/";
    if (uri.rfind(file_prefix, 0) == 0) {
      std::lock_guard lock(mu_);
      const std::string path = uri.substr(file_prefix.size());
      for (const auto& [id, file] : files_)
        if (file.path == path) {
          response.setContentType("image/jpeg");
          response.setContentLength(static_cast<std::streamsize>(file.bytes.size()));
          response.send() << file.bytes;
          return;
        }
      Reply(response, 404, R"({"ok":false,"error_code":404,"description":"Not Found"})");
      return;
    }
    if (uri.rfind(method_prefix, 0) != 0) {
      Reply(response, 401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})");
      return;
    }
    Call call;
    call.method = uri.substr(method_prefix.size());
    if (request.getContentType().rfind("multipart/form-data", 0) == 0) {
      Parts parts(&call);
      Poco::Net::HTMLForm form(request, request.stream(), parts);
      for (const auto& [k, v] : form) call.fields[k] = v;
    } else {
      std::string body;
      Poco::StreamCopier::copyToString(request.stream(), body);
      Poco::JSON::Parser parser;
      call.params = body.empty() ? new Poco::JSON::Object
                                 : parser.parse(body).extract<Poco::JSON::Object::Ptr>();
    }

    std::unique_lock lock(mu_);
    calls_.push_back(call);
    if (auto it = failures_.find(call.method); it != failures_.end() && it->second.skip > 0) {
      --it->second.skip;
    } else if (it != failures_.end() && it->second.count > 0) {
      --it->second.count;
      Failure f = it->second;
      lock.unlock();
      Reply(response, f.status, f.body);
      return;
    }
    const std::string& m = call.method;
    std::string result;
    if (m == "getMe") {
      result = R"({"id":777,"is_bot":true,"first_name":"City","username":"city_test_bot"})";
    } else if (m == "deleteWebhook" || m == "setWebhook" || m == "answerCallbackQuery") {
      result = "true";
    } else if (m == "getUpdates") {
      int64_t offset =
          call.params->has("offset") ? call.params->getValue<Poco::Int64>("offset") : -1;
      offsets_.push_back(offset);
      // Real Telegram's confirmation: an offset above an update's id drops it.
      while (!queue_.empty() && offset >= 0 && queue_.front().first < offset) queue_.pop_front();
      result = "[";
      for (size_t i = 0; i < queue_.size(); ++i) result += (i ? "," : "") + queue_[i].second;
      result += "]";
    } else if (m == "getFile") {
      const std::string id = call.params->getValue<std::string>("file_id");
      auto it = files_.find(id);
      if (it == files_.end()) {
        lock.unlock();
        Reply(response, 400,
              R"({"ok":false,"error_code":400,"description":"Bad Request: invalid file_id"})");
        return;
      }
      result = R"({"file_id":")" + id + R"(","file_unique_id":"u)" + id + R"(","file_size":)" +
               std::to_string(it->second.bytes.size()) + R"(,"file_path":")" + it->second.path +
               R"("})";
    } else if (m == "sendMessage" || m == "sendPhoto" || m == "sendDocument") {
      const std::string chat =
          call.params ? call.params->get("chat_id").convert<std::string>() : call.fields["chat_id"];
      for (int64_t b : blocked_)
        if (chat == std::to_string(b)) {
          lock.unlock();
          Reply(
              response, 403,
              R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})");
          return;
        }
      result = R"({"message_id":)" + std::to_string(++message_id_) + R"(,"chat":{"id":)" + chat +
               R"(,"type":"private"},"date":1790000000})";
    } else {
      lock.unlock();
      Reply(response, 404, R"({"ok":false,"error_code":404,"description":"Not Found"})");
      return;
    }
    lock.unlock();
    Reply(response, 200, R"({"ok":true,"result":)" + result + "}");
  }

  class Handler final : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(FakeBotApi* api) : api_(api) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      api_->Handle(request, response);
    }

   private:
    FakeBotApi* api_;
  };
  class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(FakeBotApi* api) : api_(api) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(api_);
    }

   private:
    FakeBotApi* api_;
  };

  std::string token_;
  std::mutex mu_;
  std::deque<std::pair<int64_t, std::string>> queue_;
  std::map<std::string, File> files_;
  std::map<std::string, Failure> failures_;
  std::vector<int64_t> blocked_;
  std::vector<Call> calls_;
  std::vector<int64_t> offsets_;
  int64_t message_id_ = 100;
  Poco::Net::ServerSocket socket_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace vikno::telegram::testing
