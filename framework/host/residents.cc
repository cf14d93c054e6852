#include "host/residents.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <vector>

#include "host/logging.h"
#include "outbox/payload.h"

namespace vikno {
namespace {

std::string Base64(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out);
  enc.rdbuf()->setLineLength(0);
  enc << bytes;
  enc.close();
  return out.str();
}

std::string FromBase64(const std::string& text) {
  std::istringstream in(text);
  Poco::Base64Decoder dec(in);
  std::ostringstream out;
  out << dec.rdbuf();
  return out.str();
}

std::string Stringify(const Poco::JSON::Object& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

const char* DeliveryCode(sdk::DeliveryState s) {
  switch (s) {
    case sdk::DeliveryState::kDelivered:
      return "delivered";
    case sdk::DeliveryState::kRead:
      return "read";
    case sdk::DeliveryState::kFailed:
      return "failed";
  }
  return "delivered";
}

}  // namespace

std::string InboundToJson(const sdk::InboundMessage& m) {
  Poco::JSON::Object o;
  o.set("provider_id", m.provider_id);
  o.set("chat_id", m.chat_id);
  o.set("sender_id", m.sender_id);
  o.set("sender_name", m.sender_name);
  o.set("language", m.language);
  o.set("sent_at", static_cast<Poco::Int64>(
                       std::chrono::duration_cast<std::chrono::seconds>(m.sent_at.time_since_epoch())
                           .count()));
  o.set("text", m.text);
  if (m.button) o.set("button", *m.button);
  if (m.contact) {
    Poco::JSON::Object::Ptr c = new Poco::JSON::Object;
    c->set("phone", m.contact->phone);
    c->set("name", m.contact->name);
    c->set("user_id", m.contact->user_id);
    o.set("contact", c);
  }
  if (m.location) {
    Poco::JSON::Object::Ptr l = new Poco::JSON::Object;
    l->set("latitude", m.location->latitude);
    l->set("longitude", m.location->longitude);
    o.set("location", l);
  }
  if (!m.attachments.empty()) {
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& a : m.attachments) {
      Poco::JSON::Object::Ptr x = new Poco::JSON::Object;
      x->set("kind", a.kind == sdk::Attachment::Kind::kPhoto ? "photo" : "file");
      x->set("file_name", a.file_name);
      x->set("content_type", a.content_type);
      x->set("provider_ref", a.provider_ref);
      x->set("data", Base64(a.data));
      list->add(x);
    }
    o.set("attachments", list);
  }
  return Stringify(o);
}

std::optional<sdk::InboundMessage> InboundFromJson(const std::string& json) {
  try {
    Poco::JSON::Parser parser;
    const auto o = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
    if (!o || !o->has("chat_id")) return std::nullopt;
    sdk::InboundMessage m;
    m.provider_id = o->optValue<std::string>("provider_id", "");
    m.chat_id = o->getValue<std::string>("chat_id");
    m.sender_id = o->optValue<std::string>("sender_id", "");
    m.sender_name = o->optValue<std::string>("sender_name", "");
    m.language = o->optValue<std::string>("language", "");
    m.sent_at = std::chrono::system_clock::time_point(
        std::chrono::seconds(o->optValue<Poco::Int64>("sent_at", 0)));
    m.text = o->optValue<std::string>("text", "");
    if (o->has("button")) m.button = o->getValue<std::string>("button");
    if (const auto c = o->getObject("contact")) {
      m.contact = sdk::Contact{c->optValue<std::string>("phone", ""),
                               c->optValue<std::string>("name", ""),
                               c->optValue<std::string>("user_id", "")};
    }
    if (const auto l = o->getObject("location")) {
      m.location =
          sdk::Location{l->optValue<double>("latitude", 0), l->optValue<double>("longitude", 0)};
    }
    if (const auto list = o->getArray("attachments")) {
      for (size_t i = 0; i < list->size(); ++i) {
        const auto x = list->getObject(static_cast<unsigned>(i));
        if (!x) return std::nullopt;
        sdk::Attachment a;
        a.kind = x->optValue<std::string>("kind", "file") == "photo" ? sdk::Attachment::Kind::kPhoto
                                                                     : sdk::Attachment::Kind::kFile;
        a.file_name = x->optValue<std::string>("file_name", "");
        a.content_type = x->optValue<std::string>("content_type", "");
        a.provider_ref = x->optValue<std::string>("provider_ref", "");
        a.data = FromBase64(x->optValue<std::string>("data", ""));
        m.attachments.push_back(std::move(a));
      }
    }
    return m;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// ---- ResidentIntake ----------------------------------------------------------

ResidentIntake::ResidentIntake(Store& store, const Clock& clock, HandleFn handle,
                               IntakeOptions options)
    : store_(store), clock_(clock), handle_(std::move(handle)), options_(options) {
  if (options_.workers < 1 || options_.queue_capacity < 1)
    throw std::invalid_argument("intake: workers and queue_capacity must be positive");
}

ResidentIntake::~ResidentIntake() { Stop(); }

void ResidentIntake::Start() {
  if (started_) return;
  started_ = true;
  for (int i = 0; i < options_.workers; ++i) workers_.push_back(std::make_unique<Worker>());
  for (auto& w : workers_) w->thread = std::thread([this, p = w.get()] { Work(*p); });
  accepting_ = true;
}

void ResidentIntake::Push(Item item) {
  const size_t slot =
      std::hash<std::string>{}(item.channel + '\x1f' + item.message.chat_id) % workers_.size();
  Worker& w = *workers_[slot];
  std::lock_guard lock(w.mu);
  w.items.push_back(std::move(item));
  w.cv.notify_one();
}

int64_t ResidentIntake::Replay() {
  int64_t n = 0;
  for (;;) {
    // Oldest first, in pages; a row stays pending until a worker finishes
    // it, so the paging goes by receipt id.
    std::vector<PendingInbound> page = store_.ListPendingInbound(last_replayed_, 500);
    if (page.empty()) break;
    for (auto& p : page) {
      last_replayed_ = p.id;
      auto message = InboundFromJson(p.payload_json);
      if (!message) {
        store_.CompleteInbound(p.channel, p.provider_id, "unreadable intake record", clock_.Now());
        Log(Poco::Message::PRIO_ERROR, "intake", "unreadable intake record dropped",
            {{"channel", p.channel}, {"provider_id", p.provider_id}});
        continue;
      }
      message->provider_id = p.provider_id;
      ++queued_;
      Push(Item{p.channel, std::move(*message)});
      ++n;
    }
  }
  if (n > 0)
    Log(Poco::Message::PRIO_NOTICE, "intake", "messages of an earlier run queued again",
        {{"count", n}});
  return n;
}

void ResidentIntake::Stop() {
  accepting_ = false;
  if (!started_) return;
  stopping_ = true;
  for (auto& w : workers_) {
    std::lock_guard lock(w->mu);
    w->cv.notify_all();
  }
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
  workers_.clear();
  started_ = false;
}

sdk::Status ResidentIntake::Accept(const std::string& channel, sdk::InboundMessage message) {
  if (!accepting_) return sdk::Status::Error("the host is stopping; send again later");
  if (message.chat_id.empty()) return sdk::Status::Error("a message without a chat id");
  // Reserve a place first: a message we record must also fit the queue.
  size_t before = queued_.load();
  do {
    if (before >= options_.queue_capacity) {
      std::lock_guard lock(stats_mu_);
      ++stats_.busy;
      return sdk::Status::Error("the intake queue is full; send again later");
    }
  } while (!queued_.compare_exchange_weak(before, before + 1));
  // A channel that gives no provider id gets no de-duplication, but a key.
  if (message.provider_id.empty())
    message.provider_id = "local-" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  bool fresh = false;
  try {
    fresh = store_.RecordInbound(channel, message.provider_id, InboundToJson(message),
                                 clock_.Now());
  } catch (const std::exception& e) {
    --queued_;
    Log(Poco::Message::PRIO_ERROR, "intake", "could not record a message; the channel retries",
        {{"channel", channel}, {"provider_id", message.provider_id}, {"error", std::string(e.what())}});
    return sdk::Status::Error("the store failed; send again later");
  }
  if (!fresh) {
    --queued_;
    {
      std::lock_guard lock(stats_mu_);
      ++stats_.duplicates;
    }
    Log(Poco::Message::PRIO_INFORMATION, "intake", "a message already taken came again; ignored",
        {{"channel", channel}, {"provider_id", message.provider_id}});
    return sdk::Status::Ok();
  }
  {
    std::lock_guard lock(stats_mu_);
    ++stats_.accepted;
  }
  Push(Item{channel, std::move(message)});
  return sdk::Status::Ok();
}

void ResidentIntake::Work(Worker& w) {
  const size_t max_group = std::max<size_t>(1, options_.max_group);
  std::vector<Item> group;
  for (;;) {
    group.clear();
    {
      std::unique_lock lock(w.mu);
      w.cv.wait(lock, [&] { return stopping_.load() || !w.items.empty(); });
      if (w.items.empty()) return;  // stopping and drained
      // What is queued now, up to max_group: a group never waits for more,
      // so a lone update is handled at once (its webhook answer already
      // went; its replies wait for nothing but this commit).
      while (!w.items.empty() && group.size() < max_group) {
        group.push_back(std::move(w.items.front()));
        w.items.pop_front();
      }
    }
    if (group.size() == 1 || !HandleGroup(group))
      for (const auto& item : group) HandleOne(item);
    queued_ -= group.size();
  }
}

bool ResidentIntake::HandleGroup(const std::vector<Item>& group) {
  try {
    // One unit for the group: each update reads its own and the earlier
    // updates' writes through it (a chat's second message sees the state the
    // first saved), and all of them commit together or not at all.
    auto unit = store_.BeginUnitOfWork();
    for (const auto& item : group) {
      handle_(item.channel, item.message);
      store_.CompleteInbound(item.channel, item.message.provider_id, "", clock_.Now());
    }
    unit->Commit();
  } catch (const std::exception& e) {
    // Rolled back whole (the unit ended without Commit): none of the group
    // is kept, and HandleOne handles each again, retrying a store failure
    // and recording an update that fails for good as failed, alone.
    Log(Poco::Message::PRIO_INFORMATION, "intake", "a group failed; its updates are handled one by one",
        {{"count", static_cast<int64_t>(group.size())}, {"error", std::string(e.what())}});
    return false;
  }
  std::lock_guard lock(stats_mu_);
  stats_.handled += static_cast<int64_t>(group.size());
  return true;
}

void ResidentIntake::HandleOne(const Item& item) {
  const auto& m = item.message;
  for (int attempt = 0;; ++attempt) {
    try {
      // One unit of work per update (issue 4): the resident's registration,
      // the dialogue state, every reply's outbox row, an appeal with its
      // audit and the "handled" mark commit together or not at all, so a
      // failure or a kill in the middle leaves the row pending and Replay
      // (or the retry below) handles the update from scratch, and the
      // update costs one commit instead of about six.
      auto unit = store_.BeginUnitOfWork();
      handle_(item.channel, m);
      store_.CompleteInbound(item.channel, m.provider_id, "", clock_.Now());
      unit->Commit();
      std::lock_guard lock(stats_mu_);
      ++stats_.handled;
      return;
    } catch (const StoreError& e) {
      if (attempt < options_.store_retries && !stopping_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
        continue;
      }
      // Left pending: the next start's Replay handles it again.
      Log(Poco::Message::PRIO_ERROR, "intake", "store failed; the message waits for the next start",
          {{"channel", item.channel}, {"provider_id", m.provider_id}, {"error", std::string(e.what())}});
      std::lock_guard lock(stats_mu_);
      ++stats_.left_pending;
      return;
    } catch (const std::exception& e) {
      // Not the store: the same message would fail again at every start.
      // Recorded as failed with the reason, so it is visible and not looping.
      Log(Poco::Message::PRIO_ERROR, "intake", "message could not be handled",
          {{"channel", item.channel}, {"provider_id", m.provider_id}, {"error", std::string(e.what())}});
      try {
        store_.CompleteInbound(item.channel, m.provider_id, e.what(), clock_.Now());
      } catch (const std::exception&) {
      }
      std::lock_guard lock(stats_mu_);
      ++stats_.failed;
      return;
    }
  }
}

void ResidentIntake::DeliveryReport(const std::string& channel,
                                    const std::string& provider_message_id,
                                    sdk::DeliveryState state, const std::string& detail) {
  try {
    if (!store_.RecordOutboxReceipt(channel, provider_message_id, DeliveryCode(state), detail,
                                    clock_.Now()))
      Log(Poco::Message::PRIO_INFORMATION, "outbox", "receipt for an unknown message dropped",
          {{"channel", channel}, {"provider_message_id", provider_message_id}});
  } catch (const std::exception& e) {
    Log(Poco::Message::PRIO_WARNING, "outbox", "receipt not recorded",
        {{"channel", channel},
         {"provider_message_id", provider_message_id},
         {"error", std::string(e.what())}});
  }
}

ResidentIntake::Stats ResidentIntake::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

size_t ResidentIntake::queued() const { return queued_.load(); }

// ---- OutboxReplySink ---------------------------------------------------------

void OutboxReplySink::Deliver(const std::string& channel, const std::string& chat_id,
                              const conversation::Reply& reply, const std::string& key) {
  const sdk::OutboundMessage out = conversation::ToOutbound(
      reply, chat_id, conversation::ChannelHasButtons(channel), messages_);
  const Timestamp now = clock_.Now();
  OutboxMessage m;
  m.idempotency_key = key;
  m.channel = channel;
  m.address = chat_id;
  m.recipient_kind = "resident";
  if (auto binding = store_.FindChannelBindingByChat(channel, chat_id))
    m.recipient_id = binding->resident_id;
  m.text_key = reply.keys.empty() ? "bot.reply" : reply.keys.front();
  m.payload_json = OutboundPayloadJson(out);
  m.priority = static_cast<int>(NoticePriority::kNormal);
  m.next_attempt_at = now;
  m.created_at = m.updated_at = now;
  if (store_.EnqueueOutbox(m) && on_queued_) on_queued_(channel);
}

// ---- ResidentNotices ---------------------------------------------------------

void ResidentNotices::AfterTransition(const Appeal& appeal, Status from, const std::string& action,
                                      const std::string& note, const Actor& actor) {
  // The resident's own moves (cancel, confirm) are answered in the chat.
  if (actor.role == Role::kResident || appeal.resident_id.empty()) return;
  try {
    if (store_.ListChannelBindings(appeal.resident_id).empty()) return;
    // R18: the question with yes/no buttons, through the dialogue.
    if (appeal.status == Status::kAwaitingConfirmation && conversation_.AskFixed(appeal.id, note))
      return;
    Notice n;
    n.to = Notice::To::kResident;
    n.recipient_id = appeal.resident_id;
    n.text_key = "appeal.status_changed";
    n.params = {{"number", appeal.number},
                {"status", messages_.Get("status." + std::string(StatusCode(appeal.status)))},
                {"note", note}};
    n.appeal_id = appeal.id;
    n.priority = NoticePriority::kNormal;
    n.idempotency_key = "status:" + std::to_string(appeal.id) + ":" + std::to_string(appeal.version);
    notifier_.Enqueue(n);
  } catch (const std::exception& e) {
    // The change is stored; the resident can still see it under "my appeals".
    Log(Poco::Message::PRIO_ERROR, "notices", "status notice not queued",
        {{"appeal", appeal.id},
         {"from", std::string(StatusCode(from))},
         {"action", action},
         {"error", std::string(e.what())}});
  }
}

}  // namespace vikno
