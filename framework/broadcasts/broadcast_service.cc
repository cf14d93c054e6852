#include "broadcasts/broadcast_service.h"

#include <Poco/NumberParser.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "outbox/payload.h"

namespace vikno::broadcasts {
namespace {

// Bounds of what staff type: a Telegram message holds 4096 characters; the
// limit is in bytes, so Cyrillic text stays well inside it.
constexpr size_t kMaxTextBytes = 4000;
constexpr size_t kMaxOptions = 10;
constexpr size_t kMaxOptionBytes = 120;  // about 60 Cyrillic characters: a button label

// The channels whose clients show buttons (conversation::ChannelHasButtons):
// a survey is answered by pressing one, so it goes only there.
const std::vector<std::string>& ButtonChannels() {
  static const std::vector<std::string> channels{"telegram", "viber", "web"};
  return channels;
}

bool IsAdministrator(const Actor& actor) {
  return actor.role == Role::kAdministrator || actor.role == Role::kSystem;
}

Refusal Forbidden(const std::string& what) {
  return Refuse("forbidden", what + " is for administrators (000 §5.3.2, §6.8)");
}

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::string SurveyButtonData(int64_t survey_id, int option) {
  return "survey:" + std::to_string(survey_id) + ":" + std::to_string(option);
}

BroadcastService::BroadcastService(Store& store, const Messages& messages, const Clock& clock,
                                   ServiceOptions options)
    : store_(store), messages_(messages), clock_(clock), options_(std::move(options)) {}

std::optional<Refusal> BroadcastService::CheckAudience(const Audience& audience) const {
  if (!audience.house.empty() && audience.street.empty())
    return Refuse("invalid_audience", "a building needs its street");
  if (!audience.channel.empty() && options_.channels) {
    const auto running = options_.channels();
    if (std::find(running.begin(), running.end(), audience.channel) == running.end())
      return Refuse("invalid_channel", "channel '" + audience.channel + "' is not run here");
  }
  return std::nullopt;
}

std::string BroadcastService::BroadcastPayload(const Broadcast& b) const {
  sdk::OutboundMessage m;
  switch (b.kind) {
    case BroadcastKind::kNews:  // 001 §8: "for residents' information"
      m.text = messages_.Get("broadcasts.news_header") + "\n\n" + b.text;
      break;
    case BroadcastKind::kAlert:
      m.text = messages_.Get("broadcasts.alert_header") + "\n\n" + b.text;
      break;
    case BroadcastKind::kMessage:
      m.text = b.text;
      break;
  }
  return OutboundPayloadJson(m);
}

std::string BroadcastService::SurveyPayload(const Survey& v) const {
  sdk::OutboundMessage m;
  m.text = messages_.Get("broadcasts.survey_prompt", {{"question", v.question}});
  sdk::Keyboard kb;
  kb.kind = sdk::Keyboard::Kind::kInline;
  for (size_t i = 0; i < v.options.size(); ++i) {
    sdk::Button b;
    b.text = v.options[i];
    b.data = SurveyButtonData(v.id, static_cast<int>(i));
    kb.rows.push_back({b});
  }
  m.keyboard = kb;
  return OutboundPayloadJson(m);
}

void BroadcastService::Wake(const Audience& audience) const {
  if (!options_.wake) return;
  if (!audience.channel.empty()) {
    options_.wake(audience.channel);
  } else if (options_.channels) {
    for (const auto& c : options_.channels()) options_.wake(c);
  }
}

int64_t BroadcastService::FanOutBroadcast(const Broadcast& b) {
  FanOut f;
  f.text_key = "broadcasts." + std::string(BroadcastKindCode(b.kind));
  f.payload_json = BroadcastPayload(b);
  f.priority = b.emergency ? 0 : 2;
  const int64_t rows = store_.FanOutBroadcast(b.id, f, clock_.Now());
  Wake(b.audience);
  return rows;
}

int64_t BroadcastService::FanOutSurvey(const Survey& v) {
  FanOut f;
  f.text_key = "broadcasts.survey_prompt";
  f.payload_json = SurveyPayload(v);
  f.priority = 2;
  f.only_channels = ButtonChannels();
  const int64_t rows = store_.FanOutSurvey(v.id, f, clock_.Now());
  Wake(v.audience);
  return rows;
}

Progress BroadcastService::ProgressOf(const std::string& batch_id) const {
  Progress p;
  std::map<std::string, ChannelProgress> by_channel;
  for (const auto& c : store_.CountOutbox(batch_id)) {
    ChannelProgress& ch = by_channel[c.channel];
    ch.channel = c.channel;
    switch (c.state) {
      case OutboxState::kQueued:
        ch.queued += c.count;
        break;
      case OutboxState::kSending:
        ch.sending += c.count;
        break;
      case OutboxState::kSent:
        ch.sent += c.count;
        break;
      case OutboxState::kFailed:
        ch.failed += c.count;
        break;
    }
  }
  const Timestamp now = clock_.Now();
  for (auto& [name, ch] : by_channel) {
    ch.rate_per_second = options_.rate_of ? options_.rate_of(name) : 0;
    const int64_t left = ch.queued + ch.sending;
    if (left > 0 && ch.rate_per_second > 0) {
      const auto seconds =
          static_cast<int64_t>(std::ceil(static_cast<double>(left) / ch.rate_per_second));
      ch.finish_at = now + std::chrono::seconds(seconds);
      if (!p.finish_at || *p.finish_at < *ch.finish_at) p.finish_at = ch.finish_at;
    }
    p.total += left + ch.sent + ch.failed;
    p.remaining += left;
    p.sent += ch.sent;
    p.failed += ch.failed;
    p.channels.push_back(ch);
  }
  return p;
}

Result<BroadcastReport> BroadcastService::Create(const Actor& actor, const NewBroadcast& input) {
  if (!IsAdministrator(actor)) return Forbidden("broadcasting");
  auto kind = ParseBroadcastKind(input.kind);
  if (!kind)
    return Refuse("invalid_kind", "kind must be message, news or alert, not '" + input.kind + "'");
  Broadcast b;
  b.kind = *kind;
  b.text = Trim(input.text);
  if (b.text.empty()) return Refuse("missing_text", "the text is required");
  if (b.text.size() > kMaxTextBytes)
    return Refuse("text_too_long", "the text is longer than " + std::to_string(kMaxTextBytes) +
                                       " bytes");
  b.audience = input.audience;
  b.audience.street = Trim(b.audience.street);
  b.audience.house = Trim(b.audience.house);
  b.emergency = input.emergency;
  if (b.kind == BroadcastKind::kAlert) {
    // 004: emergency alerts to groups go by SMS; they reach phones without
    // a messenger and are sent before everything routine.
    if (!b.audience.channel.empty() && b.audience.channel != "sms")
      return Refuse("invalid_channel", "an alert goes by SMS");
    b.audience.channel = "sms";
    b.emergency = true;
    if (options_.channels) {
      const auto running = options_.channels();
      if (std::find(running.begin(), running.end(), "sms") == running.end())
        return Refuse("missing_sms", "this host runs no SMS channel for alerts");
    }
  }
  if (auto refused = CheckAudience(b.audience)) return *refused;
  b.created_by = actor.id;
  b.created_at = clock_.Now();
  b.id = store_.CreateBroadcast(b);
  FanOutBroadcast(b);
  return Get(actor, b.id);
}

Result<std::vector<Broadcast>> BroadcastService::List(const Actor& actor, int limit,
                                                      int64_t before_id) {
  if (!IsAdministrator(actor)) return Forbidden("broadcasting");
  return store_.ListBroadcasts(limit, before_id);
}

Result<BroadcastReport> BroadcastService::Get(const Actor& actor, int64_t id) {
  if (!IsAdministrator(actor)) return Forbidden("broadcasting");
  auto b = store_.FindBroadcast(id);
  if (!b) return Refuse("not_found", "no broadcast " + std::to_string(id));
  return BroadcastReport{*b, ProgressOf(BroadcastBatchId(id))};
}

Result<SurveyReport> BroadcastService::CreateSurvey(const Actor& actor, const NewSurvey& input) {
  if (!IsAdministrator(actor)) return Forbidden("a survey");
  Survey v;
  v.question = Trim(input.question);
  if (v.question.empty()) return Refuse("missing_survey_question", "the question is required");
  if (v.question.size() > kMaxTextBytes)
    return Refuse("text_too_long", "the question is too long");
  for (const auto& o : input.options) {
    const std::string text = Trim(o);
    if (text.empty() || text.size() > kMaxOptionBytes)
      return Refuse("invalid_options", "each option needs a short, non-empty text");
    if (std::find(v.options.begin(), v.options.end(), text) != v.options.end())
      return Refuse("invalid_options", "option '" + text + "' is given twice");
    v.options.push_back(text);
  }
  if (v.options.size() < 2 || v.options.size() > kMaxOptions)
    return Refuse("invalid_options", "a survey has 2 to 10 options");
  v.audience = input.audience;
  v.audience.street = Trim(v.audience.street);
  v.audience.house = Trim(v.audience.house);
  if (!v.audience.channel.empty() &&
      std::find(ButtonChannels().begin(), ButtonChannels().end(), v.audience.channel) ==
          ButtonChannels().end())
    return Refuse("invalid_channel", "a survey is answered with buttons: telegram, viber or web");
  if (auto refused = CheckAudience(v.audience)) return *refused;
  v.created_by = actor.id;
  v.created_at = clock_.Now();
  v.id = store_.CreateSurvey(v);
  FanOutSurvey(v);
  return GetSurvey(actor, v.id);
}

Result<std::vector<Survey>> BroadcastService::ListSurveys(const Actor& actor, int limit,
                                                          int64_t before_id) {
  if (!IsAdministrator(actor)) return Forbidden("a survey");
  return store_.ListSurveys(limit, before_id);
}

Result<SurveyReport> BroadcastService::GetSurvey(const Actor& actor, int64_t id) {
  if (!IsAdministrator(actor)) return Forbidden("a survey");
  auto v = store_.FindSurvey(id);
  if (!v) return Refuse("not_found", "no survey " + std::to_string(id));
  SurveyReport r{*v, store_.SurveyResults(id), 0, ProgressOf(SurveyBatchId(id))};
  for (int64_t n : r.answers) r.answered += n;
  return r;
}

std::optional<std::string> BroadcastService::AnswerButton(const std::string& channel,
                                                          const std::string& resident_id,
                                                          const std::string& data) {
  constexpr std::string_view kPrefix = "survey:";
  if (data.compare(0, kPrefix.size(), kPrefix) != 0) return std::nullopt;
  const auto colon = data.find(':', kPrefix.size());
  Poco::Int64 id = 0;
  int option = -1;
  if (colon == std::string::npos ||
      !Poco::NumberParser::tryParse64(data.substr(kPrefix.size(), colon - kPrefix.size()), id) ||
      !Poco::NumberParser::tryParse(data.substr(colon + 1), option))
    return messages_.Get("broadcasts.survey_closed");
  switch (store_.RecordSurveyAnswer(id, channel, resident_id, option, clock_.Now())) {
    case SurveyAnswerOutcome::kRecorded:
      return messages_.Get("broadcasts.survey_thanks");
    case SurveyAnswerOutcome::kAlreadyAnswered:
      return messages_.Get("broadcasts.survey_already");
    case SurveyAnswerOutcome::kBlocked:
      // R30: not counted, and no survey reply either: the dialogue gives a
      // blocked resident its one polite refusal.
      return std::nullopt;
    case SurveyAnswerOutcome::kNotRecipient:
    case SurveyAnswerOutcome::kNoSuchOption:
    case SurveyAnswerOutcome::kNoSuchSurvey:
      break;
  }
  return messages_.Get("broadcasts.survey_closed");
}

Result<RatingsReport> BroadcastService::Ratings(const Actor& actor, RatingQuery query) {
  // 000 §6.2: a moderator's panel works only within their service.
  if (actor.role == Role::kAdministrator || actor.role == Role::kSystem) {
    query.services.reset();
  } else if (actor.role == Role::kModerator) {
    if (!query.executor_id.empty() && !actor.Covers(query.executor_id))
      return Refuse("forbidden", "service '" + query.executor_id + "' is not yours (000 §6.2)");
    query.services = actor.services;
  } else {
    return Refuse("forbidden", "ratings are seen by administrators and moderators (000 §6.7)");
  }
  RatingsReport r;
  r.summary = store_.SummariseRatings(query);
  r.items = store_.ListRatings(query);
  return r;
}

int BroadcastService::Resume() {
  int n = 0;
  for (int64_t id : store_.ListUnqueuedBroadcasts()) {
    if (auto b = store_.FindBroadcast(id)) {
      FanOutBroadcast(*b);
      ++n;
    }
  }
  for (int64_t id : store_.ListUnqueuedSurveys()) {
    if (auto v = store_.FindSurvey(id)) {
      FanOutSurvey(*v);
      ++n;
    }
  }
  return n;
}

}  // namespace vikno::broadcasts
