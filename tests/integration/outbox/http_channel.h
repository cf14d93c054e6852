// The outbox channel of the tests: POSTs each message to an HttpPeer with its
// idempotency key. It stands in for a provider's channel because the tests
// are about the outbox (crash, retry, rate), not a protocol; the answers map
// to SendResult the way real channels map theirs: 200 sent (body = provider
// id), 429 retry after Retry-After, other 4xx permanent failure with the
// body as reason, 5xx or no answer retry.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <string>

#include "outbox/channel.h"

namespace vikno::testing {

class HttpChannel final : public OutboxChannel {
 public:
  HttpChannel(int port, sdk::RateLimit limits) : port_(port), limits_(limits) {}

  sdk::SendResult Send(const sdk::OutboundMessage& message) override {
    try {
      Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
      session.setTimeout(Poco::Timespan(10, 0));
      Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/deliver",
                                     Poco::Net::HTTPMessage::HTTP_1_1);
      request.set("Idempotency-Key", message.id);
      request.set("X-Chat-Id", message.chat_id);
      request.setContentLength(static_cast<std::streamsize>(message.text.size()));
      session.sendRequest(request) << message.text;
      Poco::Net::HTTPResponse response;
      std::string body;
      Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
      const int status = response.getStatus();
      if (status == 200) return sdk::SendResult::Sent(body);
      if (status == 429)
        return sdk::SendResult::Retry(
            std::chrono::seconds(std::stoi(response.get("Retry-After", "0"))), "429 " + body);
      if (status >= 400 && status < 500)
        return sdk::SendResult::Failed(std::to_string(status) + " " + body);
      return sdk::SendResult::Retry(std::chrono::seconds(0), std::to_string(status) + " " + body);
    } catch (const std::exception& e) {
      return sdk::SendResult::Retry(std::chrono::seconds(0), std::string("no answer: ") + e.what());
    }
  }
  sdk::RateLimit Limits() const override { return limits_; }

 private:
  int port_;
  sdk::RateLimit limits_;
};

}  // namespace vikno::testing
