#include "http/router.h"

#include <Poco/Net/MediaType.h>
#include <Poco/String.h>

#include <algorithm>
#include <istream>

namespace vikno::http {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    const size_t j = path.find('/', i);
    const size_t end = j == std::string::npos ? path.size() : j;
    if (end > i) out.push_back(path.substr(i, end - i));
    i = end;
  }
  return out;
}

Call::Call(Poco::Net::HTTPServerRequest& request, std::map<std::string, std::string> params,
           std::vector<std::pair<std::string, std::string>> query, int64_t max_body_bytes)
    : request_(request),
      params_(std::move(params)),
      query_(std::move(query)),
      max_body_bytes_(max_body_bytes) {}

const std::string& Call::Param(const std::string& name) const {
  static const std::string kEmpty;
  auto it = params_.find(name);
  return it == params_.end() ? kEmpty : it->second;
}

bool Call::has_body() const {
  return request_.getChunkedTransferEncoding() ||
         (request_.hasContentLength() && request_.getContentLength64() > 0);
}

const std::string& Call::JsonBody() {
  if (body_) return *body_;
  if (!has_body()) throw HttpError(400, "bad_request", "a JSON body is required");
  const std::string type = request_.getContentType();
  bool json = false;
  try {
    Poco::Net::MediaType media(type);
    json = media.matches("application", "json");
  } catch (const Poco::Exception&) {
    json = false;
  }
  if (!json)
    throw HttpError(415, "unsupported_media_type",
                    "Content-Type must be application/json, not '" + type + "'");
  return RawBody();
}

const std::string& Call::RawBody() {
  if (body_) return *body_;
  if (request_.hasContentLength() && request_.getContentLength64() > max_body_bytes_)
    throw HttpError(413, "payload_too_large",
                    "body is larger than " + std::to_string(max_body_bytes_) + " bytes");
  // Count while reading: a chunked body has no length up front, and we never
  // hold more than max_body_bytes + one buffer.
  std::string body;
  char buf[8192];
  std::istream& in = request_.stream();
  while (in) {
    in.read(buf, sizeof buf);
    const std::streamsize n = in.gcount();
    if (n <= 0) break;
    if (static_cast<int64_t>(body.size()) + n > max_body_bytes_)
      throw HttpError(413, "payload_too_large",
                      "body is larger than " + std::to_string(max_body_bytes_) + " bytes");
    body.append(buf, static_cast<size_t>(n));
  }
  body_consumed_ = true;
  body_ = std::move(body);
  return *body_;
}

void Router::Add(std::string method, const std::string& pattern, Handler handler, bool needs_auth) {
  routes_.push_back(Route{std::move(method), SplitPath(pattern), needs_auth, std::move(handler)});
}

std::optional<Router::Match> Router::Find(const std::string& method, const std::string& path,
                                          std::vector<std::string>* allowed) const {
  const auto segments = SplitPath(path);
  for (const auto& route : routes_) {
    const std::string& last = route.segments.empty() ? std::string() : route.segments.back();
    const bool tail = last.size() > 5 && last.front() == '{' && last.ends_with("...}");
    if (tail ? segments.size() < route.segments.size()
             : route.segments.size() != segments.size())
      continue;
    Match match;
    bool ok = true;
    const size_t fixed = tail ? route.segments.size() - 1 : route.segments.size();
    for (size_t i = 0; i < fixed && ok; ++i) {
      const auto& want = route.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}')
        match.params[want.substr(1, want.size() - 2)] = segments[i];
      else
        ok = want == segments[i];
    }
    if (ok && tail) {
      std::string rest;
      for (size_t i = fixed; i < segments.size(); ++i) rest += (i > fixed ? "/" : "") + segments[i];
      match.params[last.substr(1, last.size() - 5)] = rest;
    }
    if (!ok) continue;
    if (route.method == method) {
      match.route = &route;
      return match;
    }
    if (allowed && std::find(allowed->begin(), allowed->end(), route.method) == allowed->end())
      allowed->push_back(route.method);
  }
  return std::nullopt;
}

}  // namespace vikno::http
