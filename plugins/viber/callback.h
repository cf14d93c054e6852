// A Viber callback (the JSON body of a webhook POST, after its signature was
// checked) to the channel's terms: developers.viber.com rest-bot-api#callbacks.
//
// message_token exceeds 2^53 (CHANNELS.md §2), so it is never read through a
// double: Poco's JSON parser yields Int64/UInt64 for such positive integers,
// which are printed exactly; a token sent as a JSON string is taken as is;
// anything else (a fraction, an exponent, a negative number) is refused.
#pragma once

#include <Poco/JSON/Object.h>

#include <chrono>
#include <optional>
#include <string>

#include "vikno/sdk/message.h"

namespace vikno::viber {

// A file the resident sent, still on Viber's servers (media URL).
struct MediaRef {
  std::string url;
  std::string file_name;
  int64_t size = 0;  // 0 when Viber did not say
  bool photo = false;
};

struct Callback {
  enum class Kind {
    kWebhook,              // set_webhook's check call: answer 200
    kConversationStarted,  // the resident opened the chat: welcome in the response body
    kSubscribed,
    kUnsubscribed,
    kMessage,    // `message` filled; `media` to download
    kDelivered,  // receipts: `message_token`, `user_id`, `description` (failed)
    kSeen,
    kFailed,
    kOther,  // a valid event the channel does not act on (client_status, action, ...)
  };
  Kind kind = Kind::kOther;
  std::string event;          // as Viber named it
  std::string message_token;  // decimal digits, exact
  std::chrono::system_clock::time_point timestamp{};
  std::string user_id;      // subscribed/unsubscribed/receipts/conversation_started: who
  std::string user_name;    // conversation_started/subscribed: display name
  std::string description;  // failed: Viber's desc
  std::string tracking_data;
  std::string ignored_what;  // kMessage of a type the channel does not carry ("a sticker")
  sdk::InboundMessage message;
  std::optional<MediaRef> media;
};

// Parses one callback body. Returns "" and fills `out`, or a one-line
// reason the body is malformed.
std::string ParseCallback(const std::string& body, Callback* out);

// The exact decimal text of a JSON integer token, or "" when `value` is not
// a non-negative integer (or a string of digits). Exposed for tests.
std::string TokenText(const Poco::Dynamic::Var& value);

}  // namespace vikno::viber
