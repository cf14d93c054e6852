// A browser for the integration tests of the APIs behind a session cookie
// (the panel's staff session, the residents' cabinet): it keeps the cookie
// and CSRF token a sign-in set, sends our Origin and the token with every
// change, and parses JSON answers. One request per connection.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

namespace vikno::testing {

struct BrowserAnswer {
  int status = 0;
  std::string body;
  Poco::Net::HTTPResponse response;
  Poco::JSON::Object::Ptr json;  // null when the body is not a JSON object
  std::string Header(const std::string& name) const { return response.get(name, ""); }
  std::string Code() const {
    if (!json || !json->has("error")) return "";
    return json->getObject("error")->getValue<std::string>("code");
  }
};

// One browser: the session cookie and the CSRF token it was given.
struct Browser {
  std::string cookie;
  std::string csrf;
};

// A JSON object's text from name/value pairs.
inline std::string JsonText(
    std::initializer_list<std::pair<const char*, Poco::Dynamic::Var>> fields) {
  Poco::JSON::Object o;
  for (const auto& [k, v] : fields) o.set(k, v);
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

class BrowserClient {
 public:
  // `cookie_name`: http::kSessionCookie for the panel, http::kCabinetCookie
  // for the cabinet.
  BrowserClient(uint16_t port, std::string cookie_name)
      : port_(port), cookie_name_(std::move(cookie_name)) {}

  std::string Origin() const { return "http://127.0.0.1:" + std::to_string(port_); }

  BrowserAnswer Send(const std::string& method, const std::string& uri,
                     const std::optional<std::string>& body, const Browser* browser,
                     const std::map<std::string, std::string>& headers = {},
                     const std::string& content_type = "application/json") const {
    Poco::Net::HTTPClientSession session("127.0.0.1", port_);
    session.setTimeout(Poco::Timespan(20, 0));
    Poco::Net::HTTPRequest request(method, uri, Poco::Net::HTTPMessage::HTTP_1_1);
    if (browser && !browser->cookie.empty())
      request.set("Cookie", cookie_name_ + "=" + browser->cookie);
    for (const auto& [k, v] : headers) request.set(k, v);
    if (body) {
      request.setContentType(content_type);
      request.setContentLength64(static_cast<Poco::Int64>(body->size()));
      session.sendRequest(request) << *body;
    } else {
      session.sendRequest(request);
    }
    BrowserAnswer a;
    std::istream& in = session.receiveResponse(a.response);
    Poco::StreamCopier::copyToString(in, a.body);
    a.status = a.response.getStatus();
    try {
      Poco::JSON::Parser parser;
      auto v = parser.parse(a.body);
      if (v.type() == typeid(Poco::JSON::Object::Ptr))
        a.json = v.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
    }
    return a;
  }

  // A change from the browser, with its CSRF token and our Origin.
  BrowserAnswer Change(const std::string& method, const std::string& uri,
                       const std::optional<std::string>& body, const Browser& b) const {
    return Send(method, uri, body, &b, {{"X-CSRF-Token", b.csrf}, {"Origin", Origin()}});
  }
  BrowserAnswer Get(const std::string& uri, const Browser& b) const {
    return Send("GET", uri, std::nullopt, &b);
  }

  // Takes the cookie and the CSRF token a successful sign-in answer set.
  void Keep(const BrowserAnswer& a, Browser* b) const {
    const std::string set = a.Header("Set-Cookie");
    const std::string prefix = cookie_name_ + "=";
    b->cookie = set.substr(prefix.size(), set.find(';') - prefix.size());
    b->csrf = a.json->getValue<std::string>("csrf_token");
  }

 private:
  uint16_t port_;
  std::string cookie_name_;
};

// A test fixture whose tests talk to a server on `port_` as browsers do.
class BrowserFixture : public ::testing::Test {
 protected:
  explicit BrowserFixture(std::string cookie_name) : cookie_name_(std::move(cookie_name)) {}

  BrowserClient Client() const { return BrowserClient(port_, cookie_name_); }
  std::string Origin() const { return Client().Origin(); }
  BrowserAnswer Send(const std::string& method, const std::string& uri,
                     const std::optional<std::string>& body, const Browser* browser,
                     const std::map<std::string, std::string>& headers = {},
                     const std::string& content_type = "application/json") const {
    return Client().Send(method, uri, body, browser, headers, content_type);
  }
  BrowserAnswer Change(const std::string& method, const std::string& uri,
                       const std::optional<std::string>& body, const Browser& b) const {
    return Client().Change(method, uri, body, b);
  }
  BrowserAnswer Get(const std::string& uri, const Browser& b) const { return Client().Get(uri, b); }
  void Keep(const BrowserAnswer& a, Browser* b) const { Client().Keep(a, b); }

  uint16_t port_ = 0;  // the server under test, set when it starts

 private:
  std::string cookie_name_;
};

}  // namespace vikno::testing
