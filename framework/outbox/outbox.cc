#include "outbox/outbox.h"

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <sstream>

namespace vikno {

const char* RecipientKindCode(Notice::To to) {
  switch (to) {
    case Notice::To::kResident:
      return "resident";
    case Notice::To::kModerators:
      return "moderators";
    case Notice::To::kExecutor:
      return "executor";
    case Notice::To::kExecutorHead:
      return "executor_head";
  }
  return "resident";
}

namespace {

std::string ParamsJson(const std::map<std::string, std::string>& params) {
  Poco::JSON::Object object;
  for (const auto& [k, v] : params) object.set(k, v);
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

bool LooksLikeEmail(const std::string& s) {
  const auto at = s.find('@');
  return at != std::string::npos && at > 0 && at + 1 < s.size() &&
         s.find_first_of(" \t\r\n<>,;") == std::string::npos;
}

}  // namespace

OutboxMessage Outbox::Address(const Notice& notice) {
  const Timestamp now = clock_.Now();
  OutboxMessage m;
  m.idempotency_key = notice.idempotency_key;
  m.recipient_kind = RecipientKindCode(notice.to);
  m.recipient_id = notice.recipient_id;
  m.text_key = notice.text_key;
  m.params = ParamsJson(notice.params);
  m.appeal_id = notice.appeal_id;
  m.priority = static_cast<int>(notice.priority);
  m.next_attempt_at = notice.not_before ? std::max(now, *notice.not_before) : now;
  m.created_at = now;
  m.updated_at = now;

  auto fail = [&](std::string reason) {
    m.state = OutboxState::kFailed;
    m.last_error = std::move(reason);
  };

  if (notice.to == Notice::To::kResident) {
    std::vector<ChannelBinding> bindings = store_.ListChannelBindings(notice.recipient_id);
    std::string preferred;
    if (notice.appeal_id)
      if (auto appeal = store_.FindAppeal(*notice.appeal_id)) preferred = appeal->channel;
    const ChannelBinding* chosen = nullptr;
    for (const auto& b : bindings)  // most recently updated first
      if (b.subscribed && (!chosen || (b.channel == preferred && chosen->channel != preferred)))
        chosen = &b;
    if (chosen) {
      m.channel = chosen->channel;
      m.address = chosen->chat_id;
    } else if (bindings.empty()) {
      fail("resident " + notice.recipient_id + " has no channel to be reached on");
    } else {
      m.channel = bindings.front().channel;
      fail("resident " + notice.recipient_id + " unsubscribed from every channel");
    }
    return m;
  }

  m.channel = kEmailChannel;
  const auto executor = store_.FindExecutor(notice.recipient_id);
  if (!executor) {
    fail("no executor '" + notice.recipient_id + "' to address the notice to");
    return m;
  }
  if (notice.to == Notice::To::kExecutorHead) {
    // 002 §9.2.1: the head gets the letters about late work; executors.head
    // holds the head's address.
    if (LooksLikeEmail(executor->head)) {
      m.address = executor->head;
    } else {
      fail("executor '" + executor->id + "' has no head e-mail address (head is '" +
           executor->head + "')");
    }
  } else if (LooksLikeEmail(executor->email)) {
    m.address = executor->email;
  } else {
    fail("executor '" + executor->id + "' has no e-mail address");
  }
  return m;
}

bool Outbox::Enqueue(const Notice& notice) {
  if (notice.idempotency_key.empty())
    throw StoreError("outbox: a notice needs an idempotency key (text " + notice.text_key + ")");
  if (notice.text_key.empty())
    throw StoreError("outbox: notice " + notice.idempotency_key + " has no text key");
  const OutboxMessage m = Address(notice);
  const bool queued = store_.EnqueueOutbox(m);
  if (queued && m.state == OutboxState::kQueued && on_queued_) on_queued_(m.channel);
  return queued;
}

}  // namespace vikno
