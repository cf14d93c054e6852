// The SDK's OutboundMessage to Viber's send_message / broadcast_message JSON
// (creators.viber.com resources/messaging/send-message, keyboards), and the
// channel's own tracking_data that comes back with the resident's next
// message.
//
// Viber reply buttons send their ActionBody back as a plain text message, so
// a press looks like typing. The channel therefore puts the payloads of the
// buttons it offered into the message's tracking_data (Viber returns it with
// the resident's next message): a text equal to one of them is a press
// (InboundMessage::button), and a contact after a share-phone button is the
// resident's own number. Stateless: it survives restarts.
#pragma once

#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

#include "vikno/sdk/message.h"

namespace vikno::viber {

// The Viber keyboard object for `keyboard`, or null for none (kRemove: Viber
// hides a keyboard when the next message has none) or `*error` when a button
// cannot be sent (empty label, ActionBody over 250 characters, an open-url
// button without a URL, more buttons than 12 rows of 6 hold). Rows wider
// than 6 buttons are wrapped; more than 12 rows are packed several buttons
// to a row. `*needs_api_3` is set when share-phone or location-picker is used.
Poco::JSON::Object::Ptr KeyboardObject(const sdk::Keyboard& keyboard, std::string* error,
                                       bool* needs_api_3);

// What the channel learnt from the tracking_data of a resident's message.
struct Tracking {
  std::vector<std::string> buttons;  // reply-button payloads offered
  bool asked_phone = false;          // a share-phone button was offered
};

// The tracking_data string for the keyboard's reply buttons (and whether a
// share-phone button is there), "" when there is nothing to track. Payloads
// that do not fit Viber's 4000 characters are left out.
std::string TrackingFor(const sdk::Keyboard& keyboard);

// Reads tracking_data written by TrackingFor; anything else (foreign data,
// not JSON) gives an empty Tracking.
Tracking ReadTracking(const std::string& tracking_data);

// The common fields of one send: sender, type, text (or picture/location),
// keyboard, tracking_data, min_api_version; the caller adds receiver or
// broadcast_list. `media_url` non-empty makes it a picture with `text` as
// its description.
struct Content {
  std::string sender_name;
  std::string sender_avatar;
  std::string text;
  std::string media_url;
  Poco::JSON::Object::Ptr keyboard;
  std::string tracking_data;
  bool needs_api_3 = false;
};
Poco::JSON::Object::Ptr ContentObject(const Content& content);

std::string Stringify(const Poco::JSON::Object& object);

}  // namespace vikno::viber
