// broadcast_store.h on SQLite: broadcasts and surveys with their fan-out into
// the outbox (R24, R25), survey answers, and the panel's ratings (R25).
#include <cmath>

#include "store/sqlite/sqlite_internal.h"

namespace vikno {

using sqlite_detail::Placeholders;
using sqlite_detail::Statement;
using sqlite_detail::Transaction;

namespace {

// R30: a blocked resident gets one polite refusal and nothing else, so no
// broadcast or survey goes to a binding whose resident is blocked on that
// channel or on "all" (store/block_store.h). A lifted block is a deleted row,
// so the next fan-out reaches them again. Two probes of resident_blocks'
// primary key (resident_id, channel) per binding.
constexpr const char* kNotBlocked =
    " AND NOT EXISTS (SELECT 1 FROM resident_blocks b WHERE b.resident_id = rc.resident_id "
    "AND b.channel IN (rc.channel, 'all'))";

constexpr const char* kBroadcastColumns =
    "id, kind, channel, street, house, emergency, text, created_by, created_at, queued_at, "
    "recipients";

Broadcast ReadBroadcast(const Statement& s) {
  Broadcast b;
  b.id = s.Int(0);
  b.kind = ParseBroadcastKind(s.Text(1)).value_or(BroadcastKind::kMessage);
  b.audience = Audience{s.Text(2), s.Text(3), s.Text(4)};
  b.emergency = s.Bool(5);
  b.text = s.Text(6);
  b.created_by = s.Text(7);
  b.created_at = s.Time(8);
  b.queued_at = s.OptTime(9);
  b.recipients = s.Int(10);
  return b;
}

constexpr const char* kSurveyColumns =
    "id, question, channel, street, house, created_by, created_at, queued_at, recipients";

Survey ReadSurvey(const Statement& s) {
  Survey v;
  v.id = s.Int(0);
  v.question = s.Text(1);
  v.audience = Audience{s.Text(2), s.Text(3), s.Text(4)};
  v.created_by = s.Text(5);
  v.created_at = s.Time(6);
  v.queued_at = s.OptTime(7);
  v.recipients = s.Int(8);
  return v;
}

void LoadOptions(SqliteStore::Connection& c, Survey& survey) {
  Statement s = c.Prepare("SELECT text FROM survey_options WHERE survey_id = ? ORDER BY position");
  s.Bind(survey.id);
  while (s.Step()) survey.options.push_back(s.Text(0));
}

int Clamp(int limit) { return limit < 1 ? 1 : (limit > 1000 ? 1000 : limit); }

// The fan-out itself (R24): one INSERT ... SELECT from the bindings table,
// the idempotency key "<batch>:<channel>:<resident id>" computed in SQL, so
// 200,000 rows are one statement in the caller's transaction and a re-run
// skips every key already there (ON CONFLICT DO NOTHING). Returns the batch's
// rows afterwards.
int64_t InsertBatch(SqliteStore::Connection& w, const std::string& batch_id,
                    const Audience& audience, const FanOut& fan_out, Timestamp now) {
  std::string sql =
      "INSERT INTO outbox (idempotency_key, channel, address, recipient_kind, recipient_id, "
      "text_key, params, batch_id, priority, state, attempts, next_attempt_at, last_error, "
      "created_at, updated_at, payload_json) "
      "SELECT ? || ':' || rc.channel || ':' || rc.resident_id, rc.channel, rc.chat_id, "
      "'resident', rc.resident_id, ?, '{}', ?, ?, 'queued', 0, ?, '', ?, ?, ? "
      "FROM resident_channels rc WHERE rc.subscribed = 1" +
      std::string(kNotBlocked);
  if (!audience.channel.empty()) sql += " AND rc.channel = ?";
  if (!fan_out.only_channels.empty())
    sql += " AND rc.channel IN (" + Placeholders(fan_out.only_channels.size()) + ")";
  if (!audience.street.empty()) {
    sql +=
        " AND EXISTS (SELECT 1 FROM resident_addresses ra WHERE ra.resident_id = rc.resident_id "
        "AND ra.street = ?";
    if (!audience.house.empty()) sql += " AND ra.house = ?";
    sql += ")";
  }
  sql += " ON CONFLICT (idempotency_key) DO NOTHING";
  Statement s = w.Prepare(sql);
  s.Bind(batch_id)
      .Bind(fan_out.text_key)
      .Bind(batch_id)
      .Bind(fan_out.priority)
      .Bind(now)
      .Bind(now)
      .Bind(now)
      .Bind(fan_out.payload_json);
  if (!audience.channel.empty()) s.Bind(audience.channel);
  for (const auto& c : fan_out.only_channels) s.Bind(c);
  if (!audience.street.empty()) {
    s.Bind(audience.street);
    if (!audience.house.empty()) s.Bind(audience.house);
  }
  s.Run();
  Statement count = w.Prepare("SELECT COUNT(*) FROM outbox WHERE batch_id = ?");
  count.Bind(batch_id);
  count.Step();
  return count.Int(0);
}

// The WHERE clause of a rating query and its binding, shared by the list and
// the summary. False when the scope is empty (a moderator without services):
// nothing matches.
bool RatingWhere(const RatingQuery& q, std::string& where) {
  where = " WHERE 1 = 1";
  if (q.services) {
    if (q.services->empty()) return false;
    where += " AND executor_id IN (" + Placeholders(q.services->size()) + ")";
  }
  if (!q.executor_id.empty()) where += " AND executor_id = ?";
  if (q.from) where += " AND created_at >= ?";
  if (q.to) where += " AND created_at < ?";
  return true;
}

void BindRatingWhere(Statement& s, const RatingQuery& q) {
  if (q.services)
    for (const auto& id : *q.services) s.Bind(id);
  if (!q.executor_id.empty()) s.Bind(q.executor_id);
  if (q.from) s.Bind(*q.from);
  if (q.to) s.Bind(*q.to);
}

}  // namespace

int64_t SqliteStore::CreateBroadcast(const Broadcast& b) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Statement s = w.Prepare(
      "INSERT INTO broadcasts (kind, channel, street, house, emergency, text, created_by, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  s.Bind(BroadcastKindCode(b.kind))
      .Bind(b.audience.channel)
      .Bind(b.audience.street)
      .Bind(b.audience.house)
      .Bind(b.emergency)
      .Bind(b.text)
      .Bind(b.created_by)
      .Bind(b.created_at)
      .Run();
  return sqlite3_last_insert_rowid(w.db());
}

std::optional<Broadcast> SqliteStore::FindBroadcast(int64_t id) {
  ReadLease r = Read();
  Statement s =
      r->Prepare(std::string("SELECT ") + kBroadcastColumns + " FROM broadcasts WHERE id = ?");
  s.Bind(id);
  if (!s.Step()) return std::nullopt;
  return ReadBroadcast(s);
}

std::vector<Broadcast> SqliteStore::ListBroadcasts(int limit, int64_t before_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kBroadcastColumns +
                           " FROM broadcasts WHERE (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?");
  s.Bind(before_id).Bind(before_id).Bind(Clamp(limit));
  std::vector<Broadcast> out;
  while (s.Step()) out.push_back(ReadBroadcast(s));
  return out;
}

int64_t SqliteStore::FanOutBroadcast(int64_t id, const FanOut& fan_out, Timestamp now) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Audience audience;
  {
    Statement s = w.Prepare("SELECT channel, street, house FROM broadcasts WHERE id = ?");
    s.Bind(id);
    if (!s.Step()) return 0;
    audience = Audience{s.Text(0), s.Text(1), s.Text(2)};
  }
  const int64_t rows = InsertBatch(w, BroadcastBatchId(id), audience, fan_out, now);
  w.Prepare(
       "UPDATE broadcasts SET queued_at = COALESCE(queued_at, ?), recipients = ? WHERE id = ?")
      .Bind(now)
      .Bind(rows)
      .Bind(id)
      .Run();
  tx.Commit();
  return rows;
}

std::vector<int64_t> SqliteStore::ListUnqueuedBroadcasts() {
  ReadLease r = Read();
  Statement s = r->Prepare("SELECT id FROM broadcasts WHERE queued_at IS NULL ORDER BY id");
  std::vector<int64_t> out;
  while (s.Step()) out.push_back(s.Int(0));
  return out;
}

int64_t SqliteStore::CreateSurvey(const Survey& v) {
  if (v.options.size() < 2) throw StoreError("sqlite: a survey needs at least two options");
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  w.Prepare(
       "INSERT INTO surveys (question, channel, street, house, created_by, created_at) "
       "VALUES (?, ?, ?, ?, ?, ?)")
      .Bind(v.question)
      .Bind(v.audience.channel)
      .Bind(v.audience.street)
      .Bind(v.audience.house)
      .Bind(v.created_by)
      .Bind(v.created_at)
      .Run();
  const int64_t id = sqlite3_last_insert_rowid(w.db());
  for (size_t i = 0; i < v.options.size(); ++i)
    w.Prepare("INSERT INTO survey_options (survey_id, position, text) VALUES (?, ?, ?)")
        .Bind(id)
        .Bind(static_cast<int64_t>(i))
        .Bind(v.options[i])
        .Run();
  tx.Commit();
  return id;
}

std::optional<Survey> SqliteStore::FindSurvey(int64_t id) {
  ReadLease r = Read();
  std::optional<Survey> out;
  {
    Statement s =
        r->Prepare(std::string("SELECT ") + kSurveyColumns + " FROM surveys WHERE id = ?");
    s.Bind(id);
    if (!s.Step()) return std::nullopt;
    out = ReadSurvey(s);
  }
  LoadOptions(*r, *out);
  return out;
}

std::vector<Survey> SqliteStore::ListSurveys(int limit, int64_t before_id) {
  ReadLease r = Read();
  std::vector<Survey> out;
  {
    Statement s = r->Prepare(std::string("SELECT ") + kSurveyColumns +
                             " FROM surveys WHERE (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?");
    s.Bind(before_id).Bind(before_id).Bind(Clamp(limit));
    while (s.Step()) out.push_back(ReadSurvey(s));
  }
  for (auto& v : out) LoadOptions(*r, v);
  return out;
}

int64_t SqliteStore::FanOutSurvey(int64_t id, const FanOut& fan_out, Timestamp now) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Audience audience;
  {
    Statement s = w.Prepare("SELECT channel, street, house FROM surveys WHERE id = ?");
    s.Bind(id);
    if (!s.Step()) return 0;
    audience = Audience{s.Text(0), s.Text(1), s.Text(2)};
  }
  const int64_t rows = InsertBatch(w, SurveyBatchId(id), audience, fan_out, now);
  w.Prepare("UPDATE surveys SET queued_at = COALESCE(queued_at, ?), recipients = ? WHERE id = ?")
      .Bind(now)
      .Bind(rows)
      .Bind(id)
      .Run();
  tx.Commit();
  return rows;
}

std::vector<int64_t> SqliteStore::ListUnqueuedSurveys() {
  ReadLease r = Read();
  Statement s = r->Prepare("SELECT id FROM surveys WHERE queued_at IS NULL ORDER BY id");
  std::vector<int64_t> out;
  while (s.Step()) out.push_back(s.Int(0));
  return out;
}

SurveyAnswerOutcome SqliteStore::RecordSurveyAnswer(int64_t survey_id, const std::string& channel,
                                                    const std::string& resident_id, int option,
                                                    Timestamp now) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  {
    Statement s = w.Prepare("SELECT COUNT(*) FROM survey_options WHERE survey_id = ?");
    s.Bind(survey_id);
    s.Step();
    const int64_t options = s.Int(0);
    if (options == 0) return SurveyAnswerOutcome::kNoSuchSurvey;
    if (option < 0 || option >= options) return SurveyAnswerOutcome::kNoSuchOption;
  }
  {
    // Only a resident the survey went to answers it, on that channel.
    Statement s = w.Prepare("SELECT 1 FROM outbox WHERE idempotency_key = ?");
    s.Bind(SurveyRecipientKey(survey_id, channel, resident_id));
    if (!s.Step()) return SurveyAnswerOutcome::kNotRecipient;
  }
  {
    // R30: blocked after the survey went out; the press is not counted.
    Statement s = w.Prepare(
        "SELECT 1 FROM resident_blocks WHERE resident_id = ? AND channel IN (?, 'all') LIMIT 1");
    s.Bind(resident_id).Bind(channel);
    if (s.Step()) return SurveyAnswerOutcome::kBlocked;
  }
  Statement s = w.Prepare(
      "INSERT INTO survey_answers (survey_id, resident_id, option, channel, answered_at) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (survey_id, resident_id) DO NOTHING");
  const int changed = s.Bind(survey_id).Bind(resident_id).Bind(option).Bind(channel).Bind(now).Run();
  tx.Commit();
  return changed == 0 ? SurveyAnswerOutcome::kAlreadyAnswered : SurveyAnswerOutcome::kRecorded;
}

std::vector<int64_t> SqliteStore::SurveyResults(int64_t survey_id) {
  ReadLease r = Read();
  Statement s = r->Prepare(
      "SELECT o.position, (SELECT COUNT(*) FROM survey_answers a WHERE a.survey_id = o.survey_id "
      "AND a.option = o.position) FROM survey_options o WHERE o.survey_id = ? ORDER BY o.position");
  s.Bind(survey_id);
  std::vector<int64_t> out;
  while (s.Step()) out.push_back(s.Int(1));
  return out;
}

std::vector<Rating> SqliteStore::ListRatings(const RatingQuery& q) {
  std::string where;
  if (!RatingWhere(q, where)) return {};
  if (q.before_id > 0) where += " AND id < ?";
  ReadLease r = Read();
  Statement s = r->Prepare(
      "SELECT id, appeal_id, resident_id, executor_id, score, comment, created_at FROM ratings" +
      where + " ORDER BY id DESC LIMIT ?");
  BindRatingWhere(s, q);
  if (q.before_id > 0) s.Bind(q.before_id);
  s.Bind(Clamp(q.limit));
  std::vector<Rating> out;
  while (s.Step()) {
    Rating x;
    x.id = s.Int(0);
    x.appeal_id = s.OptInt(1);
    x.resident_id = s.Text(2);
    x.executor_id = s.Text(3);
    x.score = static_cast<int>(s.Int(4));
    x.comment = s.Text(5);
    x.created_at = s.Time(6);
    out.push_back(std::move(x));
  }
  return out;
}

std::vector<RatingSummary> SqliteStore::SummariseRatings(const RatingQuery& q) {
  std::string where;
  if (!RatingWhere(q, where)) return {};
  ReadLease r = Read();
  Statement s = r->Prepare(
      "SELECT executor_id, COUNT(*), SUM(score), SUM(score = 1), SUM(score = 2), SUM(score = 3), "
      "SUM(score = 4), SUM(score = 5) FROM ratings" +
      where + " GROUP BY executor_id ORDER BY executor_id");
  BindRatingWhere(s, q);
  std::vector<RatingSummary> out;
  while (s.Step()) {
    RatingSummary x;
    x.executor_id = s.Text(0);
    x.count = s.Int(1);
    // The average from the exact integer sum, rounded to two places for the
    // panel, so both backends answer the same number.
    x.average = x.count ? std::round(static_cast<double>(s.Int(2)) * 100.0 /
                                     static_cast<double>(x.count)) /
                              100.0
                        : 0;
    for (int i = 0; i < 5; ++i) x.by_score[i] = s.Int(3 + i);
    out.push_back(std::move(x));
  }
  return out;
}

}  // namespace vikno
