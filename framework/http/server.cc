#include "http/server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <cctype>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "host/logging.h"
#include "http/api.h"
#include "http/api_json.h"
#include "http/auth.h"
#include "http/router.h"
#include "http/session_http.h"
#include "http/static_files.h"

namespace vikno::http {

struct HttpServer::State {
  HttpConfig config;
  ApiKeys keys;
  ApiDeps deps;
  Router router;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  uint16_t port = 0;
  bool stopped = false;

  std::mutex mu;
  std::condition_variable idle;
  int in_flight = 0;

  State(HttpConfig c, const std::vector<ApiKeyConfig>& k, ApiDeps d)
      : config(std::move(c)), keys(k), deps(std::move(d)) {}
};

namespace {

class InFlight {
 public:
  explicit InFlight(HttpServer::State& s);
  ~InFlight();

 private:
  HttpServer::State& s_;
};

void Send(Poco::Net::HTTPServerResponse& response, const Reply& reply, bool api) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
  response.set("X-Content-Type-Options", "nosniff");
  response.set("X-Frame-Options", "DENY");
  response.set("Referrer-Policy", "no-referrer");
  if (api) response.set("Cache-Control", "no-store");
  for (const auto& [name, value] : reply.headers) response.set(name, value);
  if (reply.status == 204 || reply.status == 304) {
    response.setContentLength(0);
    response.send();
    return;
  }
  response.setContentType(reply.content_type.empty() ? "application/json; charset=utf-8"
                                                     : reply.content_type);
  if (!reply.body_file.empty()) {  // an export (R29): streamed, then removed
    std::ifstream in(reply.body_file, std::ios::binary);
    std::error_code ec;
    response.setContentLength64(
        static_cast<Poco::Int64>(std::filesystem::file_size(reply.body_file, ec)));
    std::ostream& body = response.send();
    Poco::StreamCopier::copyStream(in, body, 64 * 1024);
    body.flush();
    in.close();
    std::filesystem::remove(reply.body_file, ec);
    return;
  }
  response.setContentLength64(static_cast<Poco::Int64>(reply.json.size()));
  std::ostream& body = response.send();
  body << reply.json;
  body.flush();
}

// After answering a request whose body we did not read (413, 401...), close
// politely: send FIN, then discard what the client is still sending for a
// short, bounded while. Closing with unread bytes would send a TCP reset,
// which can destroy our answer in the client's receive buffer before it is
// read. Discarded bytes go through one small buffer; nothing is kept.
void DrainUnreadBody(Poco::Net::HTTPServerRequest& request) {
  auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
  if (impl == nullptr) return;
  constexpr int64_t kMaxDiscard = 16 << 20;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  try {
    Poco::Net::StreamSocket& socket = impl->socket();
    socket.shutdownSend();
    socket.setReceiveTimeout(Poco::Timespan(0, 250 * 1000));
    char buf[8192];
    int64_t discarded = 0;
    while (discarded < kMaxDiscard && std::chrono::steady_clock::now() < until) {
      const int n = socket.receiveBytes(buf, sizeof buf);
      if (n <= 0) break;
      discarded += n;
    }
  } catch (const Poco::Exception&) {
    // Time-out or reset: the client went away or stopped sending; we are done.
  }
}

std::string ToLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Reply ErrorReply(int status, const std::string& code, const std::string& message) {
  return Reply{status, ErrorJson(code, message), {}, {}};
}

class Handler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(std::shared_ptr<HttpServer::State> state) : state_(std::move(state)) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    InFlight guard(*state_);
    const auto started = std::chrono::steady_clock::now();
    const std::string method = request.getMethod();
    std::string path = request.getURI();
    const std::string client = request.clientAddress().host().toString();
    Reply reply;
    bool body_left = false;
    std::string actor_id;
    try {
      Poco::URI uri(request.getURI());
      path = uri.getPath();
      std::vector<std::pair<std::string, std::string>> query;
      try {
        query = uri.getQueryParameters();
      } catch (const Poco::Exception&) {
        throw HttpError(400, "bad_request", "the query string is not well-formed");
      }
      std::vector<std::string> allowed;
      auto match = state_->router.Find(method, path, &allowed);
      Call call(request, match ? match->params : std::map<std::string, std::string>{},
                std::move(query), state_->config.max_body_bytes);
      try {
        if (!match) {
          if (!allowed.empty()) {
            std::string allow;
            for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
            reply = ErrorReply(405, "method_not_allowed", method + " is not allowed on " + path);
            reply.headers.emplace_back("Allow", allow);
          } else {
            reply = ErrorReply(404, "not_found", "no such resource: " + path);
          }
        } else {
          if (match->route->needs_auth) {
            // An API key, or a session cookie with its CSRF checks (issue 5).
            Actor actor = AuthenticateRequest(state_->keys, state_->deps.accounts, call, client);
            actor_id = actor.id;
            call.set_actor(std::move(actor));
          }
          reply = match->route->handler(call);
        }
      } catch (const HttpError& e) {
        reply = ErrorReply(e.status(), e.code(), e.what());
        if (e.status() == 401) reply.headers.emplace_back("WWW-Authenticate", "Bearer");
      }
      body_left = call.has_body() && !call.body_consumed();
    } catch (const HttpError& e) {
      reply = ErrorReply(e.status(), e.code(), e.what());
    } catch (const StoreError& e) {
      Log(Poco::Message::PRIO_ERROR, "http", "store error",
          {{"method", method}, {"path", path}, {"error", std::string(e.what())}});
      reply = ErrorReply(503, "store_unavailable", "the store failed; nothing was changed");
    } catch (const std::exception& e) {
      Log(Poco::Message::PRIO_ERROR, "http", "internal error",
          {{"method", method}, {"path", path}, {"error", std::string(e.what())}});
      reply = ErrorReply(500, "internal", "internal error");
    }
    // An unread body would be parsed as the next request: close instead.
    if (body_left) response.setKeepAlive(false);
    try {
      Send(response, reply, path.rfind("/api/", 0) == 0);
      if (body_left) DrainUnreadBody(request);
    } catch (const Poco::Exception& e) {
      Log(Poco::Message::PRIO_WARNING, "http", "could not send the answer",
          {{"path", path}, {"error", e.displayText()}});
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    Log(Poco::Message::PRIO_INFORMATION, "http", "request",
        {{"method", method},
         {"path", path},
         {"status", static_cast<int64_t>(reply.status)},
         {"ms", static_cast<int64_t>(ms)},
         {"client", client},
         {"actor", actor_id}});
  }

 private:
  std::shared_ptr<HttpServer::State> state_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(std::shared_ptr<HttpServer::State> state) : state_(std::move(state)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(state_);
  }

 private:
  std::shared_ptr<HttpServer::State> state_;
};

InFlight::InFlight(HttpServer::State& s) : s_(s) {
  std::lock_guard lock(s_.mu);
  ++s_.in_flight;
}
InFlight::~InFlight() {
  std::lock_guard lock(s_.mu);
  if (--s_.in_flight == 0) s_.idle.notify_all();
}

}  // namespace

HttpServer::HttpServer(HttpConfig config, std::vector<ApiKeyConfig> keys, ApiDeps deps)
    : state_(std::make_shared<State>(std::move(config), keys, std::move(deps))) {
  RegisterRoutes(state_->router, state_->deps);
  if (state_->deps.accounts)
    RegisterAccountRoutes(state_->router, state_->deps);
  for (const auto& add : state_->deps.more_routes) add(state_->router, state_->deps);
  RegisterStaticRoutes(state_->router, state_->config.web_dir);
  if (state_->deps.webhook) {
    auto hook = [webhook = state_->deps.webhook](Call& call) {
      auto& request = call.request();
      sdk::WebhookRequest r;
      r.method = request.getMethod();
      for (const auto& [name, value] : request) r.headers[ToLower(name)] = value;
      for (const auto& [name, value] : call.query()) r.query[name] = value;
      r.body = call.RawBody();  // 413 beyond http.max_body_bytes
      r.remote_address = request.clientAddress().toString();
      const std::string path = call.Param("path");
      r.path = path;
      auto answer = webhook(call.Param("channel"), path, std::move(r));
      if (!answer) throw HttpError(404, "not_found", "no such webhook");
      return Reply{answer->status, std::move(answer->body), {}, answer->content_type};
    };
    for (const char* method : {"POST", "GET", "PUT"})
      state_->router.Add(method, "/hooks/{channel}/{path...}", hook, /*needs_auth=*/false);
  }
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Start() {
  Poco::Net::SocketAddress address(state_->config.listen);
  // SO_REUSEADDR (restart while old connections linger in TIME_WAIT) but not
  // SO_REUSEPORT: a second host on the same port must fail, not share it.
  Poco::Net::ServerSocket socket;
  socket.bind(address, /*reuseAddress=*/true, /*reusePort=*/false);
  socket.listen(64);
  state_->port = socket.address().port();
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(std::max(1, state_->config.threads));
  params->setMaxQueued(256);
  params->setKeepAlive(true);
  // A keep-alive connection holds its thread while it waits for the next
  // request: Poco's 10 s default let a few idle browsers and a bot's
  // webhook connections hold every thread while new requests queued.
  params->setKeepAliveTimeout(Poco::Timespan(5, 0));
  params->setTimeout(Poco::Timespan(30, 0));
  params->setServerName("vikno");
  state_->server = std::make_unique<Poco::Net::HTTPServer>(new Factory(state_), socket, params);
  state_->server->start();
}

uint16_t HttpServer::port() const { return state_->port; }

std::string HttpServer::url() const {
  Poco::Net::SocketAddress address(state_->config.listen);
  return "http://" + address.host().toString() + ":" + std::to_string(state_->port);
}

int HttpServer::InFlight() const {
  std::lock_guard lock(state_->mu);
  return state_->in_flight;
}

bool HttpServer::Stop(std::chrono::milliseconds grace) {
  if (!state_->server || state_->stopped) return true;
  state_->stopped = true;
  // Stop accepting; idle keep-alive connections end, busy ones finish their
  // current request (abortCurrent = false).
  state_->server->stopAll(false);
  bool drained = false;
  {
    std::unique_lock lock(state_->mu);
    drained = state_->idle.wait_for(lock, grace, [&] { return state_->in_flight == 0; });
  }
  // Let the connection threads return to the pool before the server goes.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (state_->server->currentConnections() > 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  state_->server.reset();
  return drained;
}

}  // namespace vikno::http
