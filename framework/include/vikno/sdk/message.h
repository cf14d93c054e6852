// vikno/sdk/message.h: what a resident sends (InboundMessage) and what the
// host sends back (OutboundMessage), in provider-neutral terms.
//
// A channel translates its provider's format (a Telegram Update, a Viber
// callback, an SMS deliver_sm, an e-mail) into these structs and back. Fields
// a provider cannot carry are dropped by the channel with a note in its log,
// never a failure: an SMS has no buttons, so the channel sends the text alone.
//
// Ownership: plain values, moved or copied; nothing points into the plugin.
// Thread-safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vikno::sdk {

// A point the resident shared (Telegram location, Viber location-picker).
struct Location {
  double latitude = 0;   // WGS 84 degrees, -90..90
  double longitude = 0;  // WGS 84 degrees, -180..180
};

// A phone number the resident shared with a "share my number" button.
struct Contact {
  std::string phone;    // as the provider gave it, e.g. "+380501234567"
  std::string name;     // display name, may be empty
  std::string user_id;  // the provider's id of the contact's owner, may be empty; lets the host
                        // tell a resident's own number from someone else's card
};

// A photo or file, inbound (the resident's evidence) or outbound.
// Inbound, the channel downloads the bytes itself (it holds the provider's
// credentials) before delivering; the host checks type and size and may
// refuse the message (Host::Deliver) when they are not allowed.
struct Attachment {
  enum class Kind { kPhoto, kFile };
  Kind kind = Kind::kFile;
  std::string file_name;     // may be empty
  std::string content_type;  // as claimed by the provider; the host sniffs the bytes anyway
  std::string data;          // the bytes
  std::string provider_ref;  // the provider's id or URL of the file, kept for the record
};

// One message from a resident. Exactly what the resident did is told by which
// fields are set: `text` for typed text (and a photo's caption), `button` for
// a press of an inline button, `contact`, `location`, `attachments`.
struct InboundMessage {
  // The provider's own id of this event (Telegram update_id, Viber
  // message_token, SMS message id, e-mail Message-ID). Providers re-send on
  // time-outs; the host drops a second message with the same id on the same
  // channel. Never empty.
  std::string provider_id;
  std::string chat_id;      // where replies go (Telegram chat id, Viber user id, phone, address)
  std::string sender_id;    // who wrote it; often equal to chat_id
  std::string sender_name;  // display name, may be empty
  std::string language;     // the client's language code ("uk"), may be empty
  std::chrono::system_clock::time_point sent_at{};  // provider's time; epoch when unknown

  std::string text;
  std::optional<std::string> button;  // the pressed button's Button::data
  std::optional<Contact> contact;
  std::optional<Location> location;
  std::vector<Attachment> attachments;
};

// A button the resident can press.
struct Button {
  enum class Action {
    kReply,            // sends `data` back as InboundMessage::button (inline) or `text` (reply kb)
    kRequestContact,   // reply keyboards only: the resident shares their phone number
    kRequestLocation,  // reply keyboards only: the resident shares a location
    kOpenUrl,          // opens `url`; nothing comes back
  };
  std::string text;  // the label
  std::string data;  // kReply: the payload returned on press, at most 64 bytes (Telegram)
  Action action = Action::kReply;
  std::string url;  // kOpenUrl only
};

// Buttons shown with a message.
struct Keyboard {
  enum class Kind {
    kInline,  // attached to this message (Telegram inline keyboard, Viber keyboard)
    kReply,   // replaces the resident's keyboard until changed (Telegram reply keyboard)
    kRemove,  // removes a reply keyboard; `rows` is ignored
  };
  Kind kind = Kind::kInline;
  std::vector<std::vector<Button>> rows;  // top to bottom, left to right
  bool one_time = false;                  // kReply: hide after one press
};

// One message to a resident.
struct OutboundMessage {
  // The host's id of this message in its outbox, stable across retries: a
  // channel whose provider supports idempotency keys passes it on, so a
  // retried send is not delivered twice.
  std::string id;
  std::string chat_id;  // an InboundMessage::chat_id of this channel
  std::string text;     // UTF-8; the channel splits or refuses what its provider cannot carry
  std::optional<Keyboard> keyboard;
  std::vector<Attachment> attachments;
};

}  // namespace vikno::sdk
