// The residents' side of a running host (issue 4): what connects the channel
// plugins (ChannelRegistry) to the conversation and the outbox.
//
//   channel plugin ─Accept─▶ ResidentIntake ─(bounded queue, N workers)─▶
//     ConversationService::Handle ─ReplySink─▶ OutboxReplySink ─▶ outbox rows
//   AppealService ─AfterTransition─▶ ResidentNotices ─▶ AskFixed (R18) or a
//     status notice (R7) through the Outbox
//
// Intake is idempotent and loses nothing (DESIGN.md, "Threads and queues"):
// Accept records (channel, provider id) with the message itself in the store
// before it answers the channel "taken"; a provider id seen before is
// answered "taken" and dropped (a re-delivered webhook, a poll repeated after
// a restart). A worker marks the row handled after ConversationService::Handle
// returns; rows a stopped or crashed host left unhandled are queued again by
// Replay() at the next start. When the queue is full the channel is told
// "busy" and nothing is recorded, so the provider's retry brings it again.
//
// Ordering: one chat always goes to the same worker (hash of channel + chat),
// so a resident's messages are handled in the order they were accepted.
//
// Thread-safety: Accept and DeliveryReport from any thread (HTTP and channel
// threads); Start, Replay, Stop from the host's thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "conversation/conversation_service.h"
#include "messages/messages.h"
#include "outbox/outbox.h"
#include "plugins/channel_registry.h"
#include "store/store.h"
#include "workflow/create_hook.h"

namespace vikno {

// sdk::InboundMessage as JSON for the intake record (attachment bytes in
// base64), and back; nullopt for JSON that is not such a record.
std::string InboundToJson(const sdk::InboundMessage& message);
std::optional<sdk::InboundMessage> InboundFromJson(const std::string& json);

struct IntakeOptions {
  int workers = 4;
  size_t queue_capacity = 1000;
  // A store failure while handling is retried this many times (with a short
  // pause) before the message is left for the next start's Replay.
  int store_retries = 3;
  // Group commit (issue 4): a worker handles up to this many queued updates
  // (of its chats, in order) in ONE unit of work, so their dialogue rows,
  // replies, appeals and "handled" marks share a commit and the pages they
  // touch are written once. Only for a store whose unit is a transaction
  // that rolls back as a whole (SQLite): if any update of a group fails, the
  // whole group is rolled back and each is handled again on its own. 1: one
  // unit per update (a store whose unit commits per call, e.g. MySQL).
  size_t max_group = 1;
};

class ResidentIntake final : public ChannelSink {
 public:
  using HandleFn = std::function<void(const std::string& channel, const sdk::InboundMessage&)>;

  ResidentIntake(Store& store, const Clock& clock, HandleFn handle, IntakeOptions options);
  ~ResidentIntake() override;  // Stop()
  ResidentIntake(const ResidentIntake&) = delete;
  ResidentIntake& operator=(const ResidentIntake&) = delete;

  void Start();
  // Queues the messages a previous run accepted but did not finish, oldest
  // first. Returns how many. Call after Start, before the channels start.
  int64_t Replay();
  // Refuses new messages, handles everything queued, joins the workers.
  void Stop();

  sdk::Status Accept(const std::string& channel, sdk::InboundMessage message) override;
  void DeliveryReport(const std::string& channel, const std::string& provider_message_id,
                      sdk::DeliveryState state, const std::string& detail) override;

  struct Stats {
    int64_t accepted = 0, duplicates = 0, busy = 0, handled = 0, failed = 0, left_pending = 0;
  };
  Stats stats() const;
  size_t queued() const;

 private:
  struct Item {
    std::string channel;
    sdk::InboundMessage message;
  };
  struct Worker {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Item> items;
    std::thread thread;
  };
  void Push(Item item);
  void Work(Worker& w);
  void HandleOne(const Item& item);
  bool HandleGroup(const std::vector<Item>& group);

  Store& store_;
  const Clock& clock_;
  HandleFn handle_;
  IntakeOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<size_t> queued_{0};
  std::atomic<bool> accepting_{false};
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  int64_t last_replayed_ = 0;
  mutable std::mutex stats_mu_;
  Stats stats_;
};

// The conversation's replies as outbox rows: rendered for the channel
// (buttons or numbered text) and kept whole in the row's payload, priority
// normal, keyed by the conversation's reply key (inbound provider id + reply
// index), so handling the same message twice never sends a reply twice.
class OutboxReplySink final : public conversation::ReplySink {
 public:
  OutboxReplySink(Store& store, const Messages& messages, const Clock& clock,
                  std::function<void(const std::string& channel)> on_queued)
      : store_(store), messages_(messages), clock_(clock), on_queued_(std::move(on_queued)) {}
  void Deliver(const std::string& channel, const std::string& chat_id,
               const conversation::Reply& reply, const std::string& key) override;

 private:
  Store& store_;
  const Messages& messages_;
  const Clock& clock_;
  std::function<void(const std::string&)> on_queued_;
};

// R7 and R18 after each status change staff made: "fixed?" through the
// conversation when an appeal goes to awaiting confirmation, else a notice
// "appeal.status_changed" on the resident's channel. Changes the resident
// made in the chat are answered there already and get no notice; residents
// with no channel (a phone call typed in by an operator) get none either.
class ResidentNotices final : public AppealStatusHook {
 public:
  ResidentNotices(Store& store, Notifier& notifier, const Messages& messages,
                  conversation::ConversationService& conversation)
      : store_(store), notifier_(notifier), messages_(messages), conversation_(conversation) {}
  void AfterTransition(const Appeal& appeal, Status from, const std::string& action,
                       const std::string& note, const Actor& actor) override;

 private:
  Store& store_;
  Notifier& notifier_;
  const Messages& messages_;
  conversation::ConversationService& conversation_;
};

}  // namespace vikno
