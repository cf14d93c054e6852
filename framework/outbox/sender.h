// The outbox sender (issue 4, B11): per channel, N worker threads claim
// batches of due rows (Store::ClaimOutbox: urgent first, then oldest), send
// them at the channel's rate and record the provider's answer.
//
// - Rate: a token bucket per channel from its declared RateLimit (or the
//   configured override), and one per recipient where the channel declares a
//   per-recipient limit (Telegram: 1 per second per chat).
// - Retries: sdk::SendResult::Retry puts the row back with next_attempt_at =
//   now + the provider's retry-after, or an exponential back-off (base * 2^(n-1),
//   capped) when the provider gave none; after max_attempts it is failed.
//   A permanent failure is recorded with its reason.
// - Crash safety: a claim lasts claim_ttl; rows of a sender that died are
//   claimed again once it expires. A worker never sends a row whose claim is
//   about to expire (it would race the next claimer); it releases it instead.
// - Exactly once: the window "the provider accepted it, but we died before
//   recording that" cannot be closed on our side. The row's idempotency key
//   goes to the channel as OutboundMessage::id on every attempt, so a channel
//   whose provider deduplicates (the web channel, e-mail's Message-ID) never
//   delivers twice. For providers without deduplication (Telegram sendMessage,
//   Viber, SMPP) a resident can, after a crash in exactly that window, get
//   the one message that was in flight twice per crashed worker; never more,
//   and never lost.
// - Stop(): finishes each in-flight send, records it, and returns the rows
//   claimed but not yet sent to the queue without counting an attempt.
//
// Thread-safety: AddChannel before Start; Wake from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/time.h"
#include "messages/messages.h"
#include "outbox/channel.h"
#include "outbox/token_bucket.h"
#include "store/store.h"

namespace vikno {

struct SenderOptions {
  std::string host_id = "host";  // prefix of claim tokens, for operators reading the table
  int workers_per_channel = 2;
  int batch_size = 50;  // rows per claim, further bounded by the rate (see Batch())
  std::chrono::seconds claim_ttl{120};
  std::chrono::milliseconds idle_poll{500};  // when nothing is due
  int max_attempts = 12;
  std::chrono::seconds backoff_base{5};
  std::chrono::seconds backoff_cap{3600};
  // Config overrides of the channels' declared limits, by channel name.
  std::map<std::string, sdk::RateLimit> rate_overrides;
};

class OutboxSender {
 public:
  OutboxSender(Store& store, const Messages& messages, const Clock& clock, SenderOptions options);
  ~OutboxSender();  // Stop()
  OutboxSender(const OutboxSender&) = delete;
  OutboxSender& operator=(const OutboxSender&) = delete;

  // Registers a channel by the name rows carry. `channel` must outlive the
  // sender. Before Start only.
  void AddChannel(const std::string& name, OutboxChannel& channel);
  void Start();
  // Graceful stop (see above). Idempotent.
  void Stop();
  // Something was queued on `channel` (Outbox::OnQueued): poll now.
  void Wake(const std::string& channel);

  // The rate in force for `channel` (override or declared).
  sdk::RateLimit LimitsOf(const std::string& channel) const;

  // Counters since Start, for logs and tests.
  struct Stats {
    int64_t sent = 0, retried = 0, failed = 0, claims_lost = 0, released = 0;
  };
  Stats stats() const;

 private:
  struct ChannelState;
  void Work(ChannelState& ch, int worker);
  // Sends one claimed row; false when it must not be sent now (stopping, or
  // its claim is about to expire).
  bool SendOne(ChannelState& ch, const OutboxMessage& m);
  void Record(ChannelState& ch, const OutboxMessage& m, const sdk::SendResult& result);
  // Waits for a token of `bucket`; false when stopping.
  bool Take(TokenBucket& bucket);
  TokenBucket& RecipientBucket(ChannelState& ch, const std::string& address);
  int Batch(const ChannelState& ch) const;

  Store& store_;
  const Messages& messages_;
  const Clock& clock_;
  const SenderOptions options_;
  std::map<std::string, std::unique_ptr<ChannelState>> channels_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> claims_{0};
  bool started_ = false;

  mutable std::mutex stats_mu_;
  Stats stats_;
};

}  // namespace vikno
