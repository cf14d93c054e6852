// report_store.h on MySQL/MariaDB: the same queries as sqlite_reports.cc in
// this dialect (R21, R27, R29).
#include <algorithm>
#include <map>
#include <variant>

#include "store/mysql/mysql_internal.h"

namespace vikno {

using mysql_detail::Binder;
using mysql_detail::Conn;
using mysql_detail::FinalStatusList;
using mysql_detail::NonFinalStatusList;
using mysql_detail::Placeholders;
using mysql_detail::ResultSetPtr;
using mysql_detail::Str;

namespace {

using Param = std::variant<int64_t, std::string>;

std::string ScopeClause(const ReportFilter& f, const char* column, std::vector<Param>& params) {
  if (!f.executors) return "";
  std::vector<std::string> ids = *f.executors;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (auto& id : ids) params.emplace_back(std::move(id));
  return std::string(" AND ") + column + " IN (" + Placeholders(ids.size()) + ")";
}

void BindAll(sql::PreparedStatement& st, const std::vector<Param>& params) {
  Binder b(st);
  for (const auto& p : params) {
    if (const auto* i = std::get_if<int64_t>(&p))
      b.Int(*i);
    else
      b.Str(std::get<std::string>(p));
  }
}

std::string BranchOf(const std::string& category) {
  const size_t slash = category.find('/');
  return slash == std::string::npos ? category : category.substr(0, slash);
}

std::vector<KeyCount> Sorted(const std::map<std::string, int64_t>& counts) {
  std::vector<KeyCount> out;
  for (const auto& [key, n] : counts) out.push_back({key, n});
  std::stable_sort(out.begin(), out.end(),
                   [](const KeyCount& a, const KeyCount& b) { return a.count > b.count; });
  return out;
}

bool NoScope(const ReportFilter& f) { return f.executors && f.executors->empty(); }

}  // namespace

DashboardFigures MysqlStore::Dashboard(const ReportFilter& filter, Timestamp now) {
  DashboardFigures out;
  pool_->Run("dashboard", [&](Conn& c) {
    out = DashboardFigures{};
    {
      auto& st = c.Prepare(
          "SELECT channel, COUNT(*), SUM(created_at >= ?) FROM resident_channels "
          "WHERE subscribed = 1 AND created_at < ? GROUP BY channel ORDER BY channel");
      Binder(st).Time(filter.from).Time(filter.to);
      ResultSetPtr rs(st.executeQuery());
      std::map<std::string, int64_t> all, fresh;
      while (rs->next()) {
        all[Str(*rs, 1)] = rs->getInt64(2);
        fresh[Str(*rs, 1)] = rs->getInt64(3);
      }
      out.subscribers = Sorted(all);
      out.new_subscribers = Sorted(fresh);
    }
    if (NoScope(filter)) return;
    {
      std::vector<Param> params{ToUnix(filter.from), ToUnix(filter.to)};
      const std::string scope = ScopeClause(filter, "lead_executor", params);
      auto& st = c.Prepare(
          "SELECT status, category, COUNT(*) FROM appeals FORCE INDEX (appeals_report) "
          "WHERE created_at >= ? AND created_at < ?" +
          scope + " GROUP BY status, category");
      BindAll(st, params);
      ResultSetPtr rs(st.executeQuery());
      std::map<std::string, int64_t> statuses, branches;
      while (rs->next()) {
        const int64_t n = rs->getInt64(3);
        statuses[Str(*rs, 1)] += n;
        branches[BranchOf(Str(*rs, 2))] += n;
        out.appeals += n;
      }
      out.by_status = Sorted(statuses);
      out.by_branch = Sorted(branches);
    }
    {
      std::vector<Param> params{ToUnix(filter.from), ToUnix(filter.to)};
      const std::string scope = ScopeClause(filter, "lead_executor", params);
      auto& st = c.Prepare(
          "SELECT COUNT(DISTINCT resident_id) FROM appeals "
          "WHERE created_at >= ? AND created_at < ? AND resident_id <> ''" +
          scope);
      BindAll(st, params);
      ResultSetPtr rs(st.executeQuery());
      if (rs->next()) out.residents_appealed = rs->getInt64(1);
    }
    {
      std::vector<Param> params{ToUnix(now)};
      const std::string scope = ScopeClause(filter, "lead_executor", params);
      // Grouped in appeals_open_lead_due's order (migration 014), summed over
      // the open statuses here: no temporary table.
      auto& st = c.Prepare(
          "SELECT lead_executor, COUNT(*) FROM appeals FORCE INDEX (appeals_open_lead_due) "
          "WHERE status IN (" +
          NonFinalStatusList() + ") AND due_order < ?" + scope +
          " GROUP BY status, lead_executor");
      BindAll(st, params);
      ResultSetPtr rs(st.executeQuery());
      std::map<std::string, int64_t> late;
      while (rs->next()) late[Str(*rs, 1)] += rs->getInt64(2);
      out.overdue_by_executor = Sorted(late);
    }
    {
      std::vector<Param> params{ToUnix(filter.from), ToUnix(filter.to)};
      std::string scope;
      if (filter.executors) scope = " WHERE 1 = 1" + ScopeClause(filter, "e.executor_id", params);
      auto& st = c.Prepare(
          "SELECT e.id, e.reason, e.executor_id, c.n FROM (SELECT batch_id, COUNT(*) AS n "
          "FROM outbox WHERE batch_id >= 'event:' AND batch_id < 'event;' AND state = 'sent' "
          "AND sent_at >= ? AND sent_at < ? GROUP BY batch_id) c "
          "JOIN events e ON c.batch_id = CONCAT('event:', e.id)" +
          scope + " ORDER BY c.n DESC, e.id LIMIT 50");
      BindAll(st, params);
      ResultSetPtr rs(st.executeQuery());
      while (rs->next())
        out.messages_per_event.push_back(
            {rs->getInt64(1), Str(*rs, 2), Str(*rs, 3), rs->getInt64(4)});
    }
  });
  return out;
}

std::vector<ControlRow> MysqlStore::ControlRows(const ReportFilter& filter, ReportGroup group,
                                                Timestamp now) {
  if (NoScope(filter)) return {};
  const char* key = "lead_executor";
  if (group == ReportGroup::kCategory || group == ReportGroup::kBranch) key = "category";
  if (group == ReportGroup::kDistrict) key = "district";
  std::vector<Param> params{ToUnix(now), ToUnix(filter.from), ToUnix(filter.to)};
  const std::string scope = ScopeClause(filter, "lead_executor", params);
  std::map<std::string, ControlRow> rows;
  pool_->Run("control rows", [&](Conn& c) {
    rows.clear();
    auto& st = c.Prepare(
        std::string("SELECT ") + key +
        ", COUNT(*), SUM(accepted_at IS NOT NULL), SUM(status = 'completed'), "
        "SUM(status = 'rejected'), "
        "SUM(EXISTS (SELECT 1 FROM audit WHERE entity = 'appeal' "
        "AND entity_id = CAST(appeals.id AS CHAR) AND action = 'return_for_rework')), "
        "SUM(status NOT IN (" +
        FinalStatusList() +
        ")), SUM(resolve_due IS NOT NULL AND resolve_due < COALESCE(closed_at, ?)) "
        "FROM appeals WHERE created_at >= ? AND created_at < ?" +
        scope + " GROUP BY 1 ORDER BY 1");
    BindAll(st, params);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) {
      std::string k = Str(*rs, 1);
      if (group == ReportGroup::kBranch) k = BranchOf(k);
      ControlRow& row = rows[k];
      row.key = k;
      row.received += rs->getInt64(2);
      row.accepted += rs->getInt64(3);
      row.done += rs->getInt64(4);
      row.rejected += rs->getInt64(5);
      row.returned += rs->getInt64(6);
      row.open += rs->getInt64(7);
      row.overdue += rs->getInt64(8);
    }
  });
  std::vector<ControlRow> out;
  for (auto& [k, row] : rows) out.push_back(std::move(row));
  return out;
}

std::vector<OverdueAppeal> MysqlStore::ListOverdue(const ReportFilter& filter, Timestamp now,
                                                   int limit) {
  if (NoScope(filter) || limit <= 0) return {};
  std::vector<Param> params{ToUnix(now)};
  const std::string scope = ScopeClause(filter, "lead_executor", params);
  params.emplace_back(static_cast<int64_t>(limit));
  std::vector<OverdueAppeal> out;
  pool_->Run("list overdue", [&](Conn& c) {
    out.clear();
    auto& st = c.Prepare(
        "SELECT id, COALESCE(number, ''), lead_executor, category, street, house, created_at, "
        "resolve_due FROM appeals WHERE status NOT IN (" +
        FinalStatusList() + ") AND due_order < ?" + scope + " ORDER BY due_order, id LIMIT ?");
    BindAll(st, params);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) {
      std::string address = Str(*rs, 5);
      const std::string house = Str(*rs, 6);
      if (!house.empty()) address += (address.empty() ? "" : ", ") + house;
      out.push_back({rs->getInt64(1), Str(*rs, 2), Str(*rs, 3), Str(*rs, 4), address,
                     FromUnix(rs->getInt64(7)), FromUnix(rs->getInt64(8))});
    }
  });
  return out;
}

bool MysqlStore::ClaimReportRun(const std::string& kind, Timestamp period_from, Timestamp now,
                                Timestamp stale_before) {
  bool claimed = false;
  pool_->Transact("claim report run", [&](Conn& c) {
    claimed = false;
    // INSERT IGNORE: a concurrent claimer's row makes this a no-op, not an error.
    auto& ins = c.Prepare(
        "INSERT IGNORE INTO report_runs (kind, period_from, state, claimed_at) "
        "VALUES (?, ?, 'claimed', ?)");
    Binder(ins).Str(kind).Time(period_from).Time(now);
    if (ins.executeUpdate() > 0) {
      claimed = true;
      return;
    }
    auto& take = c.Prepare(
        "UPDATE report_runs SET claimed_at = ? WHERE kind = ? AND period_from = ? "
        "AND state = 'claimed' AND claimed_at < ?");
    Binder(take).Time(now).Str(kind).Time(period_from).Time(stale_before);
    claimed = take.executeUpdate() > 0;
  });
  return claimed;
}

void MysqlStore::CompleteReportRun(const std::string& kind, Timestamp period_from,
                                   const std::string& file) {
  pool_->Run("complete report run", [&](Conn& c) {
    auto& st = c.Prepare(
        "UPDATE report_runs SET state = 'done', file = ? WHERE kind = ? AND period_from = ?");
    Binder(st).Str(file).Str(kind).Time(period_from);
    st.executeUpdate();
  });
}

std::vector<ReportRun> MysqlStore::ListReportRuns(const std::string& kind, int limit) {
  std::vector<ReportRun> out;
  pool_->Run("list report runs", [&](Conn& c) {
    out.clear();
    auto& st = c.Prepare(
        "SELECT kind, period_from, state, claimed_at, file FROM report_runs WHERE kind = ? "
        "ORDER BY period_from DESC LIMIT ?");
    Binder(st).Str(kind).Int(limit);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next())
      out.push_back({Str(*rs, 1), FromUnix(rs->getInt64(2)), Str(*rs, 3),
                     FromUnix(rs->getInt64(4)), Str(*rs, 5)});
  });
  return out;
}

}  // namespace vikno
