// A small router for the host's HTTP server: a route is a method and a path
// pattern whose segments are literal or a `{name}` placeholder matching one
// non-empty segment ("/api/v1/appeals/{id}"); a last segment `{name...}`
// matches one or more segments, joined with '/' ("/panel/{path...}", for the
// static files). First match in insertion order.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/role.h"

namespace vikno::http {

// An error answered to the client as
//   {"error":{"code":"<code>","message":"<message>"}}
// with `status`. Thrown inside the HTTP layer only, caught by the server.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }

 private:
  int status_;
  std::string code_;
};

// What a handler answers: a status and a JSON body (already serialised).
struct Reply {
  int status = 200;
  std::string json;  // the body: JSON unless content_type says otherwise; empty for 204/304
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type;  // empty: "application/json; charset=utf-8"
  // When set, the body is this file, streamed to the client in pieces (a
  // 100,000-row workbook never sits in memory whole) and removed after (R29).
  std::string body_file;
};

// One request in flight, as a handler sees it.
class Call {
 public:
  Call(Poco::Net::HTTPServerRequest& request, std::map<std::string, std::string> params,
       std::vector<std::pair<std::string, std::string>> query, int64_t max_body_bytes);

  Poco::Net::HTTPServerRequest& request() { return request_; }
  const std::string& Param(const std::string& name) const;  // path placeholder
  // The decoded query parameters in order; a name may repeat.
  const std::vector<std::pair<std::string, std::string>>& query() const { return query_; }

  // The body, read at most max_body_bytes (413 beyond it, decided from
  // Content-Length before reading and by counting while reading, so an
  // oversized body is never buffered), after checking the content type is
  // JSON (415 otherwise).
  const std::string& JsonBody();
  // The body as it came, any content type (webhooks), with the same size
  // limit; empty when there is none.
  const std::string& RawBody();
  bool body_consumed() const { return body_consumed_; }
  bool has_body() const;

  const Actor& actor() const { return actor_; }
  void set_actor(Actor actor) { actor_ = std::move(actor); }

 private:
  Poco::Net::HTTPServerRequest& request_;
  std::map<std::string, std::string> params_;
  std::vector<std::pair<std::string, std::string>> query_;
  int64_t max_body_bytes_;
  std::optional<std::string> body_;
  bool body_consumed_ = false;
  Actor actor_;
};

using Handler = std::function<Reply(Call&)>;

struct Route {
  std::string method;
  std::vector<std::string> segments;  // "{id}" for a placeholder
  bool needs_auth = true;
  Handler handler;
};

class Router {
 public:
  void Add(std::string method, const std::string& pattern, Handler handler, bool needs_auth = true);

  struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
  };
  // The route for `method` and `path`. A path known under other methods only
  // fills `allowed` (for a 405); an unknown path leaves both empty (404).
  std::optional<Match> Find(const std::string& method, const std::string& path,
                            std::vector<std::string>* allowed) const;

 private:
  std::vector<Route> routes_;
};

std::vector<std::string> SplitPath(const std::string& path);

}  // namespace vikno::http
