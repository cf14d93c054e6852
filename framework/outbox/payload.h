// A whole rendered message in an outbox row (payload_json): the text and the
// keyboard of an sdk::OutboundMessage, for messages that are rendered when
// they are queued rather than when they are sent: the conversation's replies,
// whose buttons and wording belong to the dialogue step that made them.
// Notices (text key + params) keep being rendered at send time (outbox.h).
#pragma once

#include <optional>
#include <string>

#include "vikno/sdk/message.h"

namespace vikno {

// {"text":"...","keyboard":{"kind":"inline|reply|remove","one_time":false,
//  "rows":[[{"text":"Так","data":"yes","action":"reply|contact|location|url","url":""}]]}}
// id, chat_id and attachments are not part of it (the row has them).
std::string OutboundPayloadJson(const sdk::OutboundMessage& message);

// The message back from OutboundPayloadJson; nullopt when `json` is not such
// a payload (the sender then fails the row with the reason).
std::optional<sdk::OutboundMessage> ParseOutboundPayload(const std::string& json);

}  // namespace vikno
