#include "outbox/sender.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "outbox/payload.h"

namespace vikno {
namespace {

Poco::Logger& Log() { return Poco::Logger::get("vikno.outbox"); }

// Never send a row with less than this left on its claim: the send could
// outlast the claim, and another sender would take the row meanwhile.
constexpr std::chrono::seconds kClaimMargin{5};
// Per-recipient buckets kept before idle (full) ones are dropped.
constexpr size_t kMaxRecipientBuckets = 10000;

std::chrono::nanoseconds PeriodOf(const sdk::Rate& r) {
  return r.period.count() > 0 ? std::chrono::nanoseconds(r.period) : std::chrono::seconds(1);
}

// The text's parameters from the row's JSON; nullopt when it is not an object
// of strings (a row written by something else than Outbox::Enqueue).
std::optional<std::map<std::string, std::string>> ParseParams(const std::string& json) {
  try {
    Poco::JSON::Parser parser;
    const auto value = parser.parse(json);
    const auto object = value.extract<Poco::JSON::Object::Ptr>();
    std::map<std::string, std::string> params;
    for (const auto& [k, v] : *object)
      params[k] = v.isString() ? v.extract<std::string>() : v.toString();
    return params;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

struct OutboxSender::ChannelState {
  std::string name;
  OutboxChannel* channel = nullptr;
  sdk::RateLimit limits;
  std::unique_ptr<TokenBucket> overall;
  std::mutex mu;  // guards recipients and wakes
  std::condition_variable cv;
  uint64_t wakes = 0;
  std::map<std::string, std::unique_ptr<TokenBucket>> recipients;
};

OutboxSender::OutboxSender(Store& store, const Messages& messages, const Clock& clock,
                           SenderOptions options)
    : store_(store), messages_(messages), clock_(clock), options_(std::move(options)) {
  if (options_.workers_per_channel < 1 || options_.batch_size < 1 || options_.max_attempts < 1 ||
      options_.claim_ttl <= kClaimMargin)
    throw std::invalid_argument(
        "outbox sender: workers_per_channel, batch_size and max_attempts must be positive and "
        "claim_ttl longer than " +
        std::to_string(kClaimMargin.count()) + " s");
}

OutboxSender::~OutboxSender() { Stop(); }

void OutboxSender::AddChannel(const std::string& name, OutboxChannel& channel) {
  if (started_) throw std::logic_error("outbox sender: AddChannel after Start");
  auto state = std::make_unique<ChannelState>();
  state->name = name;
  state->channel = &channel;
  const auto o = options_.rate_overrides.find(name);
  state->limits = o != options_.rate_overrides.end() ? o->second : channel.Limits();
  state->overall =
      std::make_unique<TokenBucket>(state->limits.overall.count, PeriodOf(state->limits.overall));
  channels_[name] = std::move(state);
}

sdk::RateLimit OutboxSender::LimitsOf(const std::string& channel) const {
  const auto it = channels_.find(channel);
  return it == channels_.end() ? sdk::RateLimit{} : it->second->limits;
}

void OutboxSender::Start() {
  if (started_) return;
  started_ = true;
  for (auto& [name, ch] : channels_)
    for (int w = 0; w < options_.workers_per_channel; ++w)
      threads_.emplace_back([this, state = ch.get(), w] { Work(*state, w); });
}

void OutboxSender::Stop() {
  stopping_ = true;
  for (auto& [name, ch] : channels_) {
    std::lock_guard lock(ch->mu);
    ch->cv.notify_all();
  }
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void OutboxSender::Wake(const std::string& channel) {
  const auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  std::lock_guard lock(it->second->mu);
  ++it->second->wakes;
  it->second->cv.notify_all();
}

OutboxSender::Stats OutboxSender::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

int OutboxSender::Batch(const ChannelState& ch) const {
  // A batch must be sendable well within its claim at the channel's rate,
  // shared by the channel's workers.
  int batch = options_.batch_size;
  const sdk::Rate& r = ch.limits.overall;
  if (r.count > 0) {
    const double per_second = static_cast<double>(r.count) / std::max<int64_t>(1, r.period.count());
    const double budget = per_second *
                          static_cast<double>((options_.claim_ttl - kClaimMargin).count()) /
                          (2.0 * options_.workers_per_channel);
    batch = std::min(batch, std::max(1, static_cast<int>(budget)));
  }
  return batch;
}

bool OutboxSender::Take(TokenBucket& bucket) {
  for (;;) {
    if (stopping_) return false;
    const auto wait = bucket.TryTake();
    if (wait.count() == 0) return true;
    std::this_thread::sleep_for(
        std::min<std::chrono::nanoseconds>(wait, std::chrono::milliseconds(50)));
  }
}

TokenBucket& OutboxSender::RecipientBucket(ChannelState& ch, const std::string& address) {
  std::lock_guard lock(ch.mu);
  if (ch.recipients.size() > kMaxRecipientBuckets)
    std::erase_if(ch.recipients, [](auto& kv) { return kv.second->Full(); });
  auto& bucket = ch.recipients[address];
  if (!bucket)
    bucket = std::make_unique<TokenBucket>(ch.limits.per_recipient.count,
                                           PeriodOf(ch.limits.per_recipient));
  return *bucket;
}

namespace {

// R23: one chat's rows leave in the order they were queued. The store hands
// out only the oldest unsent row of a chat per claim, but a batch is still
// put in id order within each chat (keeping the claim's order across chats:
// urgent first), so a store that returns several rows of a chat cannot
// reorder them.
void InChatOrder(std::vector<OutboxMessage>& batch) {
  std::map<std::string, std::vector<size_t>> slots;  // address -> its positions
  for (size_t i = 0; i < batch.size(); ++i) slots[batch[i].address].push_back(i);
  for (auto& [address, positions] : slots) {
    if (positions.size() < 2) continue;
    std::vector<OutboxMessage> rows;
    for (size_t i : positions) rows.push_back(std::move(batch[i]));
    std::sort(rows.begin(), rows.end(),
              [](const OutboxMessage& a, const OutboxMessage& b) { return a.id < b.id; });
    for (size_t k = 0; k < positions.size(); ++k) batch[positions[k]] = std::move(rows[k]);
  }
}

}  // namespace

void OutboxSender::Work(ChannelState& ch, int worker) {
  const std::string prefix = options_.host_id + "/" + std::to_string(::getpid()) + "/" + ch.name +
                             "/" + std::to_string(worker) + "/";
  while (!stopping_) {
    const std::string token = prefix + std::to_string(++claims_);
    std::vector<OutboxMessage> batch;
    uint64_t wakes_before = 0;
    {
      std::lock_guard lock(ch.mu);
      wakes_before = ch.wakes;
    }
    try {
      const Timestamp now = clock_.Now();
      batch = store_.ClaimOutbox(ch.name, token, now, now + options_.claim_ttl, Batch(ch));
    } catch (const std::exception& e) {
      Log().error("outbox: claiming on " + ch.name + " failed: " + e.what());
    }
    if (batch.empty()) {
      std::unique_lock lock(ch.mu);
      ch.cv.wait_for(lock, options_.idle_poll,
                     [&] { return stopping_.load() || ch.wakes != wakes_before; });
      continue;
    }
    InChatOrder(batch);
    for (const OutboxMessage& m : batch)
      if (!SendOne(ch, m)) break;
    // What was claimed and not sent (stopping, or the claim ran short) goes
    // back to the queue at once.
    try {
      if (const int n = store_.ReleaseOutboxClaims(token, clock_.Now()); n > 0) {
        std::lock_guard lock(stats_mu_);
        stats_.released += n;
      }
    } catch (const std::exception& e) {
      // The claim expires by itself and the rows are taken again then.
      Log().error("outbox: releasing claim " + token + " failed: " + e.what());
    }
  }
}

bool OutboxSender::SendOne(ChannelState& ch, const OutboxMessage& m) {
  if (!Take(*ch.overall)) return false;
  if (ch.limits.per_recipient.count > 0 && !Take(RecipientBucket(ch, m.address))) return false;
  if (!m.claim_expires_at || clock_.Now() + kClaimMargin >= *m.claim_expires_at) return false;

  sdk::OutboundMessage out;
  if (!m.payload_json.empty()) {
    // Rendered when queued (a conversation reply with its buttons).
    auto payload = ParseOutboundPayload(m.payload_json);
    if (!payload) {
      Record(ch, m, sdk::SendResult::Failed("the row's payload is not a message: " + m.payload_json));
      return true;
    }
    out = std::move(*payload);
  } else {
    const auto params = ParseParams(m.params);
    if (!params) {
      Record(ch, m,
             sdk::SendResult::Failed("the text's parameters are not a JSON object: " + m.params));
      return true;
    }
    out.text = messages_.Get(m.text_key, *params);
  }
  out.id = m.idempotency_key;
  out.chat_id = m.address;
  sdk::SendResult result;
  try {
    result = ch.channel->Send(out);
  } catch (const std::exception& e) {
    result = sdk::SendResult::Retry(std::chrono::seconds(0),
                                    std::string("the channel threw: ") + e.what());
  } catch (...) {
    result = sdk::SendResult::Retry(std::chrono::seconds(0), "the channel threw");
  }
  Record(ch, m, result);
  return true;
}

void OutboxSender::Record(ChannelState& ch, const OutboxMessage& m, const sdk::SendResult& result) {
  const Timestamp now = clock_.Now();
  bool applied = false;
  const char* what = "sent";
  try {
    switch (result.outcome) {
      case sdk::SendResult::Outcome::kSent:
        applied = store_.MarkOutboxSent(m.id, m.claim_token, result.provider_message_id, now);
        break;
      case sdk::SendResult::Outcome::kRetry: {
        if (m.attempts >= options_.max_attempts) {
          what = "failed";
          applied = store_.MarkOutboxFailed(
              m.id, m.claim_token,
              "gave up after " + std::to_string(m.attempts) + " attempts; last: " + result.reason,
              now);
          break;
        }
        what = "retried";
        std::chrono::seconds delay = result.retry_after;
        if (delay.count() <= 0) {
          // Exponential back-off when the provider named no time.
          delay = options_.backoff_base;
          for (int i = 1; i < m.attempts && delay < options_.backoff_cap; ++i) delay *= 2;
          delay = std::min(delay, options_.backoff_cap);
        }
        // +1 s: `now` is truncated to the second, so without it a retry could
        // go out up to a second before the provider's retry-after.
        applied = store_.MarkOutboxRetry(m.id, m.claim_token, now + delay + std::chrono::seconds(1),
                                         result.reason, now);
        break;
      }
      case sdk::SendResult::Outcome::kFailed:
        what = "failed";
        applied = store_.MarkOutboxFailed(
            m.id, m.claim_token, result.reason.empty() ? "refused by the provider" : result.reason,
            now);
        break;
    }
  } catch (const std::exception& e) {
    // Unrecorded: the claim expires and the row is sent again; the channel's
    // deduplication by idempotency key covers providers that support it.
    Log().error("outbox: recording row " + std::to_string(m.id) + " on " + ch.name +
                " failed: " + e.what());
    return;
  }
  std::lock_guard lock(stats_mu_);
  if (!applied) {
    ++stats_.claims_lost;
    Log().warning("outbox: row " + std::to_string(m.id) + " on " + ch.name + ": claim " +
                  m.claim_token + " was lost before the result was recorded");
    return;
  }
  if (std::string_view(what) == "sent") ++stats_.sent;
  if (std::string_view(what) == "retried") ++stats_.retried;
  if (std::string_view(what) == "failed") {
    ++stats_.failed;
    Log().warning("outbox: row " + std::to_string(m.id) + " on " + ch.name +
                  " failed: " + result.reason);
  }
}

}  // namespace vikno
