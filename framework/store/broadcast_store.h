// The mass-message part of the Store interface (store/store.h): broadcasts
// and news (R24, 000 §6.8, 001 §8, 004), surveys (R25, 000 §2.1, 004) and the
// panel's view of ratings (R25, 000 §6.7).
// Thread-safety and errors as for every Store (store/store.h): callable from
// any thread; expected outcomes are return values, failures throw StoreError
// and roll the operation back whole.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/rating.h"
#include "core/time.h"

namespace vikno {

// What a broadcast is (R24): a message to subscribers (000 §6.8), "for
// residents' information" news (001 §8), or an emergency group alert by SMS
// (004).
enum class BroadcastKind : uint8_t { kMessage, kNews, kAlert };
inline std::string_view BroadcastKindCode(BroadcastKind kind) {
  switch (kind) {
    case BroadcastKind::kNews:
      return "news";
    case BroadcastKind::kAlert:
      return "alert";
    case BroadcastKind::kMessage:
      break;
  }
  return "message";
}
inline std::optional<BroadcastKind> ParseBroadcastKind(std::string_view code) {
  for (BroadcastKind k : {BroadcastKind::kMessage, BroadcastKind::kNews, BroadcastKind::kAlert})
    if (BroadcastKindCode(k) == code) return k;
  return std::nullopt;
}

// Who receives it: every subscribed binding of one channel (or of every
// channel when `channel` is empty), optionally narrowed to residents with a
// saved address (resident_addresses, B3) on `street`, and in building
// `house` of it when that is not empty.
struct Audience {
  std::string channel;  // "" all channels
  std::string street;   // "" everyone
  std::string house;    // "" the whole street; needs street
};

struct Broadcast {
  int64_t id = 0;  // assigned by the store
  BroadcastKind kind = BroadcastKind::kMessage;
  Audience audience;
  bool emergency = false;  // outbox priority 0 (before everything routine), else 2 (bulk)
  std::string text;
  std::string created_by;  // staff user id
  Timestamp created_at;
  std::optional<Timestamp> queued_at;  // set by the fan-out's transaction
  int64_t recipients = 0;              // outbox rows of the batch after the fan-out
};

// The batch id of a broadcast's outbox rows: "broadcast:<id>".
inline std::string BroadcastBatchId(int64_t broadcast_id) {
  return "broadcast:" + std::to_string(broadcast_id);
}

struct Survey {
  int64_t id = 0;
  std::string question;
  std::vector<std::string> options;  // 2..10
  Audience audience;
  std::string created_by;
  Timestamp created_at;
  std::optional<Timestamp> queued_at;
  int64_t recipients = 0;
};

// The batch id of a survey's outbox rows: "survey:<id>".
inline std::string SurveyBatchId(int64_t survey_id) {
  return "survey:" + std::to_string(survey_id);
}
// The idempotency key of the survey's row to one resident on one channel,
// "survey:<id>:<channel>:<resident id>": the fan-out computes the same in SQL.
inline std::string SurveyRecipientKey(int64_t survey_id, const std::string& channel,
                                      const std::string& resident_id) {
  return SurveyBatchId(survey_id) + ":" + channel + ":" + resident_id;
}

// What a fan-out writes into every outbox row besides the recipient.
struct FanOut {
  std::string text_key;      // for logs and the outbox list (the payload carries the text)
  std::string payload_json;  // outbox/payload.h, the same for every recipient
  int priority = 2;
  // Only these channels are addressed (surveys: channels with buttons);
  // empty: every channel the audience allows.
  std::vector<std::string> only_channels;
};

enum class SurveyAnswerOutcome : uint8_t {
  kRecorded,
  kAlreadyAnswered,  // one answer per resident, the first stands (R25)
  kNotRecipient,     // the survey was not sent to this resident on this channel
  kBlocked,          // blocked on this channel or "all": not counted (R30)
  kNoSuchOption,
  kNoSuchSurvey,
};

// The panel's ratings (R25, 000 §6.7), filtered by service and period.
struct RatingQuery {
  // Executor ids the caller may see; nullopt: all (an administrator).
  std::optional<std::vector<std::string>> services;
  std::string executor_id;  // "" any (within services)
  std::optional<Timestamp> from;  // created_at >= from
  std::optional<Timestamp> to;    // created_at < to
  int limit = 100;                // 1..1000, newest first
  int64_t before_id = 0;          // keyset paging: rows with id < before_id (0: from the newest)
};

struct RatingSummary {
  std::string executor_id;
  int64_t count = 0;
  double average = 0;
  std::array<int64_t, 5> by_score{};  // [0] = ones ... [4] = fives
};

class BroadcastStore {
 public:
  virtual ~BroadcastStore() = default;

  // --- Broadcasts (R24) ---
  // Stores a new broadcast (id assigned, queued_at and recipients ignored).
  virtual int64_t CreateBroadcast(const Broadcast& broadcast) = 0;
  virtual std::optional<Broadcast> FindBroadcast(int64_t id) = 0;
  // Newest first; keyset paging by id.
  virtual std::vector<Broadcast> ListBroadcasts(int limit, int64_t before_id) = 0;
  // Queues one outbox row per subscribed binding of the broadcast's audience,
  // batch "broadcast:<id>", idempotency key "broadcast:<id>:<channel>:<resident
  // id>", in ONE transaction together with queued_at and recipients: a crash
  // leaves either nothing or everything, and a re-run (the host resumes
  // broadcasts without queued_at at start) adds only the rows missing, so
  // every recipient is queued exactly once. Returns the batch's row count;
  // 0 and nothing written for an unknown id.
  virtual int64_t FanOutBroadcast(int64_t id, const FanOut& fan_out, Timestamp now) = 0;
  // Broadcasts created but never queued (their fan-out crashed), oldest first.
  virtual std::vector<int64_t> ListUnqueuedBroadcasts() = 0;

  // --- Surveys (R25) ---
  // Stores a new survey. Throws StoreError for fewer than 2 options.
  virtual int64_t CreateSurvey(const Survey& survey) = 0;
  virtual std::optional<Survey> FindSurvey(int64_t id) = 0;
  virtual std::vector<Survey> ListSurveys(int limit, int64_t before_id) = 0;
  // As FanOutBroadcast, batch "survey:<id>", keys SurveyRecipientKey.
  virtual int64_t FanOutSurvey(int64_t id, const FanOut& fan_out, Timestamp now) = 0;
  virtual std::vector<int64_t> ListUnqueuedSurveys() = 0;
  // Records `resident_id`'s answer (`option`: 0-based) to a survey that was
  // queued to them on `channel`. The first answer stands; a second is
  // kAlreadyAnswered and changes nothing (a result must not move after it was
  // read out; a resident who pressed wrong answers in the chat instead).
  // kBlocked (nothing written) while they are blocked on `channel` or "all".
  virtual SurveyAnswerOutcome RecordSurveyAnswer(int64_t survey_id, const std::string& channel,
                                                 const std::string& resident_id, int option,
                                                 Timestamp now) = 0;
  // Answers per option, in option order (size = options); empty for an
  // unknown survey.
  virtual std::vector<int64_t> SurveyResults(int64_t survey_id) = 0;

  // --- Ratings in the panel (R25, 000 §6.7) ---
  virtual std::vector<Rating> ListRatings(const RatingQuery& query) = 0;
  // Per service with at least one rating in the query's scope and period
  // (limit and before_id ignored), by executor id.
  virtual std::vector<RatingSummary> SummariseRatings(const RatingQuery& query) = 0;
};

}  // namespace vikno
