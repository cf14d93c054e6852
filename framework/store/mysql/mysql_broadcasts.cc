// broadcast_store.h on MySQL/MariaDB: broadcasts and surveys with their
// fan-out into the outbox (R24, R25), survey answers, and the panel's
// ratings (R25). Same contract as sqlite/sqlite_broadcasts.cc.
#include <cmath>

#include "store/mysql/mysql_internal.h"

namespace vikno {

using mysql_detail::Binder;
using mysql_detail::Conn;
using mysql_detail::LastInsertId;
using mysql_detail::OptInt;
using mysql_detail::OptTime;
using mysql_detail::Placeholders;
using mysql_detail::ResultSetPtr;
using mysql_detail::Str;

namespace {

// R30: a blocked resident gets one polite refusal and nothing else, so no
// broadcast or survey goes to a binding whose resident is blocked on that
// channel or on "all" (store/block_store.h). A lifted block is a deleted row,
// so the next fan-out reaches them again. Two probes of resident_blocks'
// primary key (resident_id, channel) per binding.
constexpr const char* kNotBlocked =
    " AND NOT EXISTS (SELECT 1 FROM resident_blocks b WHERE b.resident_id = rc.resident_id "
    "AND b.channel IN (rc.channel, 'all'))";

constexpr const char* kBroadcastCols =
    "id, kind, channel, street, house, emergency, text, created_by, created_at, queued_at, "
    "recipients";

Broadcast ReadBroadcast(const sql::ResultSet& rs) {
  Broadcast b;
  b.id = rs.getInt64(1);
  b.kind = ParseBroadcastKind(Str(rs, 2)).value_or(BroadcastKind::kMessage);
  b.audience = Audience{Str(rs, 3), Str(rs, 4), Str(rs, 5)};
  b.emergency = rs.getInt(6) != 0;
  b.text = Str(rs, 7);
  b.created_by = Str(rs, 8);
  b.created_at = FromUnix(rs.getInt64(9));
  b.queued_at = OptTime(rs, 10);
  b.recipients = rs.getInt64(11);
  return b;
}

constexpr const char* kSurveyCols =
    "id, question, channel, street, house, created_by, created_at, queued_at, recipients";

Survey ReadSurvey(const sql::ResultSet& rs) {
  Survey v;
  v.id = rs.getInt64(1);
  v.question = Str(rs, 2);
  v.audience = Audience{Str(rs, 3), Str(rs, 4), Str(rs, 5)};
  v.created_by = Str(rs, 6);
  v.created_at = FromUnix(rs.getInt64(7));
  v.queued_at = OptTime(rs, 8);
  v.recipients = rs.getInt64(9);
  return v;
}

void LoadOptions(Conn& c, Survey& survey) {
  auto& st = c.Prepare("SELECT text FROM survey_options WHERE survey_id = ? ORDER BY position");
  Binder(st).Int(survey.id);
  ResultSetPtr rs(st.executeQuery());
  while (rs->next()) survey.options.push_back(Str(*rs, 1));
}

int Clamp(int limit) { return limit < 1 ? 1 : (limit > 1000 ? 1000 : limit); }

// One INSERT ... SELECT from the bindings with the key computed in SQL (see
// the SQLite backend); a key already there is skipped.
int64_t InsertBatch(Conn& c, const std::string& batch_id, const Audience& audience,
                    const FanOut& fan_out, Timestamp now) {
  std::string sql =
      "INSERT INTO outbox (idempotency_key, channel, address, recipient_kind, recipient_id, "
      "text_key, params, batch_id, priority, state, attempts, next_attempt_at, last_error, "
      "created_at, updated_at, payload_json) "
      "SELECT CONCAT(?, ':', rc.channel, ':', rc.resident_id), rc.channel, rc.chat_id, "
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
  sql += " ON DUPLICATE KEY UPDATE outbox.id = outbox.id";
  auto& st = c.Prepare(sql);
  Binder b(st);
  b.Str(batch_id)
      .Str(fan_out.text_key)
      .Str(batch_id)
      .Int(fan_out.priority)
      .Time(now)
      .Time(now)
      .Time(now)
      .Str(fan_out.payload_json);
  if (!audience.channel.empty()) b.Str(audience.channel);
  for (const auto& ch : fan_out.only_channels) b.Str(ch);
  if (!audience.street.empty()) {
    b.Str(audience.street);
    if (!audience.house.empty()) b.Str(audience.house);
  }
  st.executeUpdate();
  auto& count = c.Prepare("SELECT COUNT(*) FROM outbox WHERE batch_id = ?");
  Binder(count).Str(batch_id);
  ResultSetPtr rs(count.executeQuery());
  rs->next();
  return rs->getInt64(1);
}

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

void BindRatingWhere(Binder& b, const RatingQuery& q) {
  if (q.services)
    for (const auto& id : *q.services) b.Str(id);
  if (!q.executor_id.empty()) b.Str(q.executor_id);
  if (q.from) b.Time(*q.from);
  if (q.to) b.Time(*q.to);
}

}  // namespace

int64_t MysqlStore::CreateBroadcast(const Broadcast& b) {
  int64_t id = 0;
  pool_->Transact("create broadcast", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO broadcasts (kind, channel, street, house, emergency, text, created_by, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Str(std::string(BroadcastKindCode(b.kind)))
        .Str(b.audience.channel)
        .Str(b.audience.street)
        .Str(b.audience.house)
        .Bool(b.emergency)
        .Str(b.text)
        .Str(b.created_by)
        .Time(b.created_at);
    st.executeUpdate();
    id = LastInsertId(c);
  });
  return id;
}

std::optional<Broadcast> MysqlStore::FindBroadcast(int64_t id) {
  std::optional<Broadcast> out;
  pool_->Run("find broadcast", [&](Conn& c) {
    auto& st =
        c.Prepare(std::string("SELECT ") + kBroadcastCols + " FROM broadcasts WHERE id = ?");
    Binder(st).Int(id);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = ReadBroadcast(*rs);
  });
  return out;
}

std::vector<Broadcast> MysqlStore::ListBroadcasts(int limit, int64_t before_id) {
  std::vector<Broadcast> out;
  pool_->Run("list broadcasts", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kBroadcastCols +
                         " FROM broadcasts WHERE (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?");
    Binder(st).Int(before_id).Int(before_id).Int(Clamp(limit));
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(ReadBroadcast(*rs));
  });
  return out;
}

int64_t MysqlStore::FanOutBroadcast(int64_t id, const FanOut& fan_out, Timestamp now) {
  int64_t rows = 0;
  pool_->Transact("fan out broadcast", [&](Conn& c) {
    rows = 0;
    auto& st = c.Prepare("SELECT channel, street, house FROM broadcasts WHERE id = ? FOR UPDATE");
    Binder(st).Int(id);
    Audience audience;
    {
      ResultSetPtr rs(st.executeQuery());
      if (!rs->next()) return;
      audience = Audience{Str(*rs, 1), Str(*rs, 2), Str(*rs, 3)};
    }
    rows = InsertBatch(c, BroadcastBatchId(id), audience, fan_out, now);
    auto& up = c.Prepare(
        "UPDATE broadcasts SET queued_at = COALESCE(queued_at, ?), recipients = ? WHERE id = ?");
    Binder(up).Time(now).Int(rows).Int(id);
    up.executeUpdate();
  });
  return rows;
}

std::vector<int64_t> MysqlStore::ListUnqueuedBroadcasts() {
  std::vector<int64_t> out;
  pool_->Run("list unqueued broadcasts", [&](Conn& c) {
    auto& st = c.Prepare("SELECT id FROM broadcasts WHERE queued_at IS NULL ORDER BY id");
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(rs->getInt64(1));
  });
  return out;
}

int64_t MysqlStore::CreateSurvey(const Survey& v) {
  if (v.options.size() < 2) throw StoreError("mysql: a survey needs at least two options");
  int64_t id = 0;
  pool_->Transact("create survey", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO surveys (question, channel, street, house, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    Binder(st)
        .Str(v.question)
        .Str(v.audience.channel)
        .Str(v.audience.street)
        .Str(v.audience.house)
        .Str(v.created_by)
        .Time(v.created_at);
    st.executeUpdate();
    id = LastInsertId(c);
    auto& opt = c.Prepare("INSERT INTO survey_options (survey_id, position, text) VALUES (?, ?, ?)");
    for (size_t i = 0; i < v.options.size(); ++i) {
      Binder(opt).Int(id).Int(static_cast<int64_t>(i)).Str(v.options[i]);
      opt.executeUpdate();
    }
  });
  return id;
}

std::optional<Survey> MysqlStore::FindSurvey(int64_t id) {
  std::optional<Survey> out;
  pool_->Run("find survey", [&](Conn& c) {
    auto& st = c.Prepare(std::string("SELECT ") + kSurveyCols + " FROM surveys WHERE id = ?");
    Binder(st).Int(id);
    {
      ResultSetPtr rs(st.executeQuery());
      if (!rs->next()) return;
      out = ReadSurvey(*rs);
    }
    LoadOptions(c, *out);
  });
  return out;
}

std::vector<Survey> MysqlStore::ListSurveys(int limit, int64_t before_id) {
  std::vector<Survey> out;
  pool_->Run("list surveys", [&](Conn& c) {
    out.clear();
    auto& st = c.Prepare(std::string("SELECT ") + kSurveyCols +
                         " FROM surveys WHERE (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?");
    Binder(st).Int(before_id).Int(before_id).Int(Clamp(limit));
    {
      ResultSetPtr rs(st.executeQuery());
      while (rs->next()) out.push_back(ReadSurvey(*rs));
    }
    for (auto& v : out) LoadOptions(c, v);
  });
  return out;
}

int64_t MysqlStore::FanOutSurvey(int64_t id, const FanOut& fan_out, Timestamp now) {
  int64_t rows = 0;
  pool_->Transact("fan out survey", [&](Conn& c) {
    rows = 0;
    auto& st = c.Prepare("SELECT channel, street, house FROM surveys WHERE id = ? FOR UPDATE");
    Binder(st).Int(id);
    Audience audience;
    {
      ResultSetPtr rs(st.executeQuery());
      if (!rs->next()) return;
      audience = Audience{Str(*rs, 1), Str(*rs, 2), Str(*rs, 3)};
    }
    rows = InsertBatch(c, SurveyBatchId(id), audience, fan_out, now);
    auto& up = c.Prepare(
        "UPDATE surveys SET queued_at = COALESCE(queued_at, ?), recipients = ? WHERE id = ?");
    Binder(up).Time(now).Int(rows).Int(id);
    up.executeUpdate();
  });
  return rows;
}

std::vector<int64_t> MysqlStore::ListUnqueuedSurveys() {
  std::vector<int64_t> out;
  pool_->Run("list unqueued surveys", [&](Conn& c) {
    auto& st = c.Prepare("SELECT id FROM surveys WHERE queued_at IS NULL ORDER BY id");
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(rs->getInt64(1));
  });
  return out;
}

SurveyAnswerOutcome MysqlStore::RecordSurveyAnswer(int64_t survey_id, const std::string& channel,
                                                   const std::string& resident_id, int option,
                                                   Timestamp now) {
  SurveyAnswerOutcome outcome = SurveyAnswerOutcome::kRecorded;
  pool_->Transact("record survey answer", [&](Conn& c) {
    {
      auto& st = c.Prepare("SELECT COUNT(*) FROM survey_options WHERE survey_id = ?");
      Binder(st).Int(survey_id);
      ResultSetPtr rs(st.executeQuery());
      rs->next();
      const int64_t options = rs->getInt64(1);
      if (options == 0) {
        outcome = SurveyAnswerOutcome::kNoSuchSurvey;
        return;
      }
      if (option < 0 || option >= options) {
        outcome = SurveyAnswerOutcome::kNoSuchOption;
        return;
      }
    }
    {
      auto& st = c.Prepare("SELECT 1 FROM outbox WHERE idempotency_key = ?");
      Binder(st).Str(SurveyRecipientKey(survey_id, channel, resident_id));
      ResultSetPtr rs(st.executeQuery());
      if (!rs->next()) {
        outcome = SurveyAnswerOutcome::kNotRecipient;
        return;
      }
    }
    {
      // R30: blocked after the survey went out; the press is not counted.
      auto& st = c.Prepare(
          "SELECT 1 FROM resident_blocks WHERE resident_id = ? AND channel IN (?, 'all') LIMIT 1");
      Binder(st).Str(resident_id).Str(channel);
      ResultSetPtr rs(st.executeQuery());
      if (rs->next()) {
        outcome = SurveyAnswerOutcome::kBlocked;
        return;
      }
    }
    auto& st = c.Prepare(
        "INSERT INTO survey_answers (survey_id, resident_id, `option`, channel, answered_at) "
        "VALUES (?, ?, ?, ?, ?)");
    Binder(st).Int(survey_id).Str(resident_id).Int(option).Str(channel).Time(now);
    try {
      st.executeUpdate();
      outcome = SurveyAnswerOutcome::kRecorded;
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != 1062) throw;  // ER_DUP_ENTRY: the first answer stands
      outcome = SurveyAnswerOutcome::kAlreadyAnswered;
    }
  });
  return outcome;
}

std::vector<int64_t> MysqlStore::SurveyResults(int64_t survey_id) {
  std::vector<int64_t> out;
  pool_->Run("survey results", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT o.position, (SELECT COUNT(*) FROM survey_answers a WHERE a.survey_id = "
        "o.survey_id AND a.`option` = o.position) FROM survey_options o WHERE o.survey_id = ? "
        "ORDER BY o.position");
    Binder(st).Int(survey_id);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(rs->getInt64(2));
  });
  return out;
}

std::vector<Rating> MysqlStore::ListRatings(const RatingQuery& q) {
  std::string where;
  if (!RatingWhere(q, where)) return {};
  if (q.before_id > 0) where += " AND id < ?";
  std::vector<Rating> out;
  pool_->Run("list ratings", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT id, appeal_id, resident_id, executor_id, score, comment, created_at FROM ratings" +
        where + " ORDER BY id DESC LIMIT ?");
    Binder b(st);
    BindRatingWhere(b, q);
    if (q.before_id > 0) b.Int(q.before_id);
    b.Int(Clamp(q.limit));
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) {
      Rating x;
      x.id = rs->getInt64(1);
      x.appeal_id = OptInt(*rs, 2);
      x.resident_id = Str(*rs, 3);
      x.executor_id = Str(*rs, 4);
      x.score = rs->getInt(5);
      x.comment = Str(*rs, 6);
      x.created_at = FromUnix(rs->getInt64(7));
      out.push_back(std::move(x));
    }
  });
  return out;
}

std::vector<RatingSummary> MysqlStore::SummariseRatings(const RatingQuery& q) {
  std::string where;
  if (!RatingWhere(q, where)) return {};
  std::vector<RatingSummary> out;
  pool_->Run("summarise ratings", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT executor_id, COUNT(*), SUM(score), SUM(score = 1), SUM(score = 2), "
        "SUM(score = 3), SUM(score = 4), SUM(score = 5) FROM ratings" +
        where + " GROUP BY executor_id ORDER BY executor_id");
    Binder b(st);
    BindRatingWhere(b, q);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) {
      RatingSummary x;
      x.executor_id = Str(*rs, 1);
      x.count = rs->getInt64(2);
      x.average = x.count ? std::round(static_cast<double>(rs->getInt64(3)) * 100.0 /
                                       static_cast<double>(x.count)) /
                                100.0
                          : 0;
      for (int i = 0; i < 5; ++i) x.by_score[i] = rs->getInt64(4 + i);
      out.push_back(std::move(x));
    }
  });
  return out;
}

}  // namespace vikno
