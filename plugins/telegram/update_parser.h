// Telegram Update (https://core.telegram.org/bots/api#update) to the SDK's
// InboundMessage: text, callback_query, contact, location, photo, document.
// Files are only referenced here; the channel downloads them (getFile).
#pragma once

#include <Poco/JSON/Object.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vikno/sdk/message.h"

namespace vikno::telegram {

// A file the resident sent, still on Telegram's servers.
struct FileRef {
  std::string file_id;
  std::string file_unique_id;
  int64_t file_size = 0;  // 0 when Telegram did not say
  int64_t pixels = 0;     // photos: width * height
  std::string file_name;  // documents only
  std::string mime_type;  // documents only
};

struct ParsedUpdate {
  enum class Kind {
    kMessage,   // a resident's message: `message` is filled, files to fetch below
    kCallback,  // an inline button press: `message.button`, answer `callback_query_id`
    kIgnored,   // a valid update of a kind the channel does not handle (`ignored_what`)
  };
  int64_t update_id = 0;
  Kind kind = Kind::kIgnored;
  std::string ignored_what;  // "edited_message", "a sticker", ...
  sdk::InboundMessage message;
  std::string callback_query_id;
  std::vector<FileRef> photo_sizes;  // as Telegram lists them: smallest first
  std::optional<FileRef> document;
};

// Parses one Update object. Returns "" and fills `out`, or a one-line reason
// the update is malformed (no update_id, a message without a chat, a
// location out of range...). `out->update_id` is set whenever the update_id
// itself was readable, so a poller can still move past a malformed update.
std::string ParseUpdate(const Poco::JSON::Object& update, ParsedUpdate* out);

// As above, from the raw JSON body of a webhook POST.
std::string ParseUpdateJson(const std::string& body, ParsedUpdate* out);

// Telegram dates are unix seconds; the emulator (telegram-test-api) writes
// milliseconds. A value above 10^11 (the year 5138 in seconds) is taken as
// milliseconds.
std::chrono::system_clock::time_point FromTelegramDate(int64_t date);

// The photo to download: the largest (by pixels) whose known size is at most
// `max_bytes`; nullopt when every size is larger.
std::optional<FileRef> PickPhoto(const std::vector<FileRef>& sizes, int64_t max_bytes);

}  // namespace vikno::telegram
