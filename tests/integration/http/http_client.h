// A tiny HTTP client over Poco::Net for the integration tests: one request
// per connection, the answer parsed as JSON when it is JSON.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <optional>
#include <sstream>
#include <string>

namespace vikno::testing {

struct HttpAnswer {
  int status = 0;
  std::string body;
  Poco::Net::HTTPResponse response;
  Poco::JSON::Object::Ptr json;  // null when the body is not a JSON object

  std::string Header(const std::string& name) const { return response.get(name, ""); }
  std::string ErrorCode() const {
    if (!json || !json->has("error")) return "";
    return json->getObject("error")->getValue<std::string>("code");
  }
  std::string ErrorMessage() const {
    if (!json || !json->has("error")) return "";
    return json->getObject("error")->getValue<std::string>("message");
  }
};

inline HttpAnswer Request(uint16_t port, const std::string& method, const std::string& uri,
                          const std::optional<std::string>& body = std::nullopt,
                          const std::string& key = "",
                          const std::string& content_type = "application/json") {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(method, uri, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!key.empty()) request.set("Authorization", "Bearer " + key);
  if (body) {
    if (!content_type.empty()) request.setContentType(content_type);
    request.setContentLength64(static_cast<Poco::Int64>(body->size()));
    session.sendRequest(request) << *body;
  } else {
    session.sendRequest(request);
  }
  HttpAnswer answer;
  std::istream& in = session.receiveResponse(answer.response);
  Poco::StreamCopier::copyToString(in, answer.body);
  answer.status = answer.response.getStatus();
  try {
    Poco::JSON::Parser parser;
    auto v = parser.parse(answer.body);
    if (v.type() == typeid(Poco::JSON::Object::Ptr))
      answer.json = v.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
  }
  return answer;
}

}  // namespace vikno::testing
