// Builds the outgoing e-mail: headers with RFC 2047 words, a text/plain
// UTF-8 body (quoted-printable for mostly-Latin text, base64 for Cyrillic,
// whichever is shorter), an optional text/html alternative, attachments with
// RFC 2231 file names. The Message-ID is derived from the outbox id, so a
// retried send carries the same id and the receiving side can tell (R-outbox
// exactly-once; CHANNELS.md §4).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "vikno/sdk/message.h"

namespace vikno::email {

struct Composed {
  std::string message_id;  // without <>
  std::string subject;     // UTF-8, before encoding
  std::string bytes;       // the whole message, CRLF line ends, not dot-stuffed
};

struct ComposeOptions {
  std::string from_address;
  std::string from_name;
  std::string reply_to;         // may be empty
  std::string subject_default;  // when the text has no first line worth a subject
  bool html = false;            // add a text/html alternative
};

// The Message-ID for an outbox id: "vikno.<id-safe>.<hash>@<from domain>".
// The same id always gives the same Message-ID; an empty id gets a random
// one (never the case for the host's outbox).
std::string MessageIdFor(const std::string& outbox_id, const std::string& from_address);

// The subject for a message text: its first non-empty line, shortened at a
// word to 100 characters; "[№ N] " in front when the text names an appeal number
// the first line does not. `fallback` when the text is empty.
std::string SubjectFor(const std::string& text, const std::string& fallback);

Composed Compose(const ComposeOptions& options, const sdk::OutboundMessage& message,
                 std::chrono::system_clock::time_point now);

}  // namespace vikno::email
