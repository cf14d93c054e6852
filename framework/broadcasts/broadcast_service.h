// Broadcasts, news and group SMS alerts (R24), surveys (R25) and the panel's
// ratings (R25): who may do what, the texts residents get, the fan-out into
// the outbox and the progress of its sending.
//
// Who may (000 §5.3.2, §5.4, §6.2, §6.7, §6.8): broadcasting "to all users
// of the System" is among the administrator's rights (§5.3.2) and not among
// the moderator's (§5.4, whose messages are events within their own
// service: issue 6's events), so broadcasts and surveys are for
// administrators only; everyone else is refused "forbidden". Ratings are
// seen by administrators for every service and by moderators for their own
// services only (§6.2, §6.7); other roles are refused.
//
// Sending is the outbox sender's: rows carry priority 0 for an emergency
// (before everything routine on the channel) and 2 (bulk) otherwise, and go
// out at each channel's rate. Progress counts the batch's rows per channel
// and state (CountOutbox) and estimates the finish from what remains and the
// channel's rate.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/role.h"
#include "core/time.h"
#include "messages/messages.h"
#include "store/store.h"

namespace vikno::broadcasts {

struct NewBroadcast {
  std::string kind = "message";  // "message", "news", "alert"
  Audience audience;
  bool emergency = false;  // an alert is always an emergency
  std::string text;
};

struct NewSurvey {
  std::string question;
  std::vector<std::string> options;
  Audience audience;
};

struct ChannelProgress {
  std::string channel;
  int64_t queued = 0;   // waiting (including back-off after a retry)
  int64_t sending = 0;  // claimed by a sender now
  int64_t sent = 0;
  int64_t failed = 0;
  double rate_per_second = 0;  // the channel's pace; 0: unknown (no running sender)
  // When the batch's rows on this channel should all be out; nullopt when
  // nothing remains or the rate is unknown.
  std::optional<Timestamp> finish_at;
};

struct Progress {
  int64_t total = 0;
  int64_t remaining = 0;  // queued + sending
  int64_t sent = 0;
  int64_t failed = 0;
  std::vector<ChannelProgress> channels;
  std::optional<Timestamp> finish_at;  // the latest channel's
};

struct BroadcastReport {
  Broadcast broadcast;
  Progress progress;
};

struct SurveyReport {
  Survey survey;
  std::vector<int64_t> answers;  // per option, in option order
  int64_t answered = 0;
  Progress progress;
};

struct RatingsReport {
  std::vector<RatingSummary> summary;
  std::vector<Rating> items;
};

struct ServiceOptions {
  // Messages per second a channel is sent at (the sender's rate in force);
  // 0 or unset: unknown.
  std::function<double(const std::string& channel)> rate_of;
  // Told after a fan-out so the channel's sender polls now; may be unset.
  std::function<void(const std::string& channel)> wake;
  // The channels this host runs ("telegram", "sms"...); a broadcast to
  // another is refused. Unset: any channel name is accepted.
  std::function<std::vector<std::string>()> channels;
};

// The button data of option `option` of survey `survey_id`: "survey:<id>:<n>"
// (well under Telegram's 64 bytes).
std::string SurveyButtonData(int64_t survey_id, int option);

class BroadcastService {
 public:
  BroadcastService(Store& store, const Messages& messages, const Clock& clock,
                   ServiceOptions options);

  // Validates, stores and fans out at once. Refusals: forbidden (not an
  // administrator), missing_text, text_too_long, invalid_kind,
  // invalid_channel (not run by this host), missing_sms (an alert needs the
  // SMS channel), invalid_audience (a house without a street).
  Result<BroadcastReport> Create(const Actor& actor, const NewBroadcast& input);
  Result<std::vector<Broadcast>> List(const Actor& actor, int limit, int64_t before_id);
  Result<BroadcastReport> Get(const Actor& actor, int64_t id);  // not_found

  // Refusals as Create plus missing_survey_question, invalid_options (2..10
  // non-empty options of at most 60 characters).
  Result<SurveyReport> CreateSurvey(const Actor& actor, const NewSurvey& input);
  Result<std::vector<Survey>> ListSurveys(const Actor& actor, int limit, int64_t before_id);
  Result<SurveyReport> GetSurvey(const Actor& actor, int64_t id);

  // The conversation's hook (ConversationService::SetButtonHandler): a
  // resident pressed a survey button (`data` = SurveyButtonData). Returns the
  // reply to show them; nullopt when `data` is not a survey button, or when
  // the resident is blocked (R30: the answer is not counted and the dialogue
  // answers with its one polite refusal).
  std::optional<std::string> AnswerButton(const std::string& channel,
                                          const std::string& resident_id,
                                          const std::string& data);

  // Ratings of the services in the actor's scope (R25, 000 §6.7); the query's
  // `services` is replaced by the actor's scope. Refusal: forbidden.
  Result<RatingsReport> Ratings(const Actor& actor, RatingQuery query);

  // Fans out the broadcasts and surveys whose fan-out never committed (the
  // host died between storing and queueing). Returns how many. Called at
  // start.
  int Resume();

  // The rendered payload of a broadcast / survey (outbox/payload.h).
  std::string BroadcastPayload(const Broadcast& broadcast) const;
  std::string SurveyPayload(const Survey& survey) const;

 private:
  std::optional<Refusal> CheckAudience(const Audience& audience) const;
  int64_t FanOutBroadcast(const Broadcast& broadcast);
  int64_t FanOutSurvey(const Survey& survey);
  Progress ProgressOf(const std::string& batch_id) const;
  void Wake(const Audience& audience) const;

  Store& store_;
  const Messages& messages_;
  const Clock& clock_;
  ServiceOptions options_;
};

}  // namespace vikno::broadcasts
