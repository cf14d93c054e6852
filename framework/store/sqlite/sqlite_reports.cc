// report_store.h on SQLite: the dashboard (R27), control reports (R21) and
// analytics (R29) as GROUP BY queries, and the record of scheduled runs.
#include <algorithm>
#include <future>
#include <map>
#include <variant>

#include "store/sqlite/sqlite_internal.h"

namespace vikno {

using sqlite_detail::FinalStatusCodes;
using sqlite_detail::Placeholders;
using sqlite_detail::Statement;
using sqlite_detail::Transaction;

namespace {

using Param = std::variant<int64_t, std::string>;

// Pads a scope list to a power of two (repeating its last id) so the
// statement cache holds a handful of IN (...) shapes, not one per size.
std::vector<std::string> Padded(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  size_t size = 1;
  while (size < values.size()) size *= 2;
  while (values.size() < size) values.push_back(values.back());
  return values;
}

// " AND lead_executor IN (?, ...)" for a scope; every id is bound.
std::string ScopeClause(const ReportFilter& f, std::vector<Param>& params) {
  if (!f.executors) return "";
  auto ids = Padded(*f.executors);
  for (auto& id : ids) params.emplace_back(std::move(id));
  return " AND lead_executor IN (" + Placeholders(ids.size()) + ")";
}

void BindAll(Statement& s, const std::vector<Param>& params) {
  for (const auto& p : params) std::visit([&s](const auto& v) { s.Bind(v); }, p);
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

DashboardFigures SqliteStore::Dashboard(const ReportFilter& filter, Timestamp now) {
  DashboardFigures out;
  ReadLease r = Read();
  // Subscribers are the city's, not a service's: the same for every viewer.
  {
    Statement s = r->Prepare(
        "SELECT channel, COUNT(*), SUM(created_at >= ?) FROM resident_channels "
        "WHERE subscribed = 1 AND created_at < ? GROUP BY channel ORDER BY channel");
    s.Bind(filter.from).Bind(filter.to);
    std::map<std::string, int64_t> all, fresh;
    while (s.Step()) {
      all[s.Text(0)] = s.Int(1);
      fresh[s.Text(0)] = s.Int(2);
    }
    out.subscribers = Sorted(all);
    out.new_subscribers = Sorted(fresh);
  }
  if (NoScope(filter)) return out;  // R26: a moderator with no services sees no appeals

  // The three scans of the appeals (status x branch, residents, overdue) are
  // independent: each on its own read connection, at once (a year of a city
  // is a million index entries each; in parallel the page waits for the
  // longest, not the sum).
  auto in_parallel = [this](auto fn) {
    return std::async(std::launch::async, [this, fn] {
      ReadLease r = Read();
      fn(r);
    });
  };
  std::map<std::string, int64_t> statuses, branches, late;
  int64_t appeals = 0, residents = 0;
  // When the period covers most of the stored appeals (city-wide only: a
  // scope's rows are found through its own index), an index is cheaper read
  // straight through with the dates tested on each entry than walked as one
  // range per leading value with seeks: "+created_at" keeps the period out
  // of the index choice. A year of 1,000,000: status x category 85 -> 55 ms,
  // distinct residents 135 -> 100 ms (sqlite3 CLI). Same rows either way.
  bool straight = false;
  if (!filter.executors) {
    Statement span = r->Prepare("SELECT MIN(created_at), MAX(created_at) FROM appeals");
    if (span.Step() && !span.IsNull(0)) {
      const int64_t first = span.Int(0), last = span.Int(1) + 1;
      const int64_t covered =
          std::min(last, ToUnix(filter.to)) - std::max(first, ToUnix(filter.from));
      straight = 2 * covered >= last - first;
    }
  }
  const char* const period = straight ? " +created_at >= ? AND +created_at < ?"
                                      : " created_at >= ? AND created_at < ?";
  auto counts_job = in_parallel([&](ReadLease& r) {
    // One pass over appeals_report in index order: groups come out sorted,
    // no temporary b-tree, no table row read. For a short period SQLite
    // skip-scans it (one seek per status x category x executor into the
    // period: 30 days of a year, 6 ms instead of 55).
    std::vector<Param> params{ToUnix(filter.from), ToUnix(filter.to)};
    const std::string scope = ScopeClause(filter, params);
    Statement s = r->Prepare(
        std::string("SELECT status, category, COUNT(*) FROM appeals INDEXED BY appeals_report "
                    "WHERE") +
        period + scope + " GROUP BY status, category");
    BindAll(s, params);
    while (s.Step()) {
      const int64_t n = s.Int(2);
      statuses[s.Text(0)] += n;
      branches[BranchOf(s.Text(1))] += n;
      appeals += n;
    }
  });
  auto residents_job = in_parallel([&](ReadLease& r) {
    std::vector<Param> params{ToUnix(filter.from), ToUnix(filter.to)};
    const std::string scope = ScopeClause(filter, params);
    // City-wide: groups read in appeals_resident_created's order (no
    // temporary b-tree of 200,000 residents: 18 s -> 0.2 s over a year).
    // Scoped: the services' own rows are few; COUNT(DISTINCT) over them,
    // answered from appeals_lead_created alone (resident_id added by
    // migration 014: reading 100,000 table rows took 0.6-0.9 s).
    Statement s = r->Prepare(
        filter.executors
            ? "SELECT COUNT(DISTINCT resident_id) FROM appeals INDEXED BY appeals_lead_created "
              "WHERE created_at >= ? AND created_at < ? AND resident_id <> ''" +
                  scope
            : std::string("SELECT COUNT(*) FROM (SELECT resident_id FROM appeals INDEXED BY "
                          "appeals_resident_created WHERE resident_id <> '' AND") +
                  period + " GROUP BY resident_id)");
    BindAll(s, params);
    if (s.Step()) residents = s.Int(0);
  });
  auto overdue_job = in_parallel([&](ReadLease& r) {
    // 002 §9.2.1: open and past the resolution deadline, per lead executor.
    // appeals_open_lead_due (status, lead_executor, due_order) is read whole
    // for the open statuses, in group order (no temporary b-tree), and the
    // deadline tested on each entry: with "due_order < now" as a range bound
    // SQLite skip-scanned the executors and took 3-4x as long (300,000 open
    // cards of a year: ~150 ms against ~40 ms). The statuses are summed here.
    std::vector<Param> params{ToUnix(now)};
    std::vector<std::string> open;
    for (const auto& info : AllStatuses())
      if (!info.final) open.emplace_back(info.code);
    for (const auto& code : open) params.emplace_back(code);
    const std::string scope = ScopeClause(filter, params);
    Statement s = r->Prepare(
        "SELECT lead_executor, SUM(due_order < ?) FROM appeals INDEXED BY appeals_open_lead_due "
        "WHERE status IN (" +
        Placeholders(open.size()) + ")" + scope + " GROUP BY status, lead_executor");
    BindAll(s, params);
    while (s.Step())
      if (const int64_t n = s.Int(1); n > 0) late[s.Text(0)] += n;
  });
  counts_job.get();
  residents_job.get();
  overdue_job.get();
  out.appeals = appeals;
  out.residents_appealed = residents;
  out.by_status = Sorted(statuses);
  out.by_branch = Sorted(branches);
  out.overdue_by_executor = Sorted(late);
  {
    // R23: every notice of an event is an outbox row of batch "event:<id>";
    // the range on batch_id stays in outbox_batch. A scoped viewer sees the
    // events of their services only.
    std::vector<Param> params{ToUnix(filter.from), ToUnix(filter.to)};
    std::string scope;
    if (filter.executors) {
      auto ids = Padded(*filter.executors);
      for (auto& id : ids) params.emplace_back(std::move(id));
      scope = " WHERE e.executor_id IN (" + Placeholders(ids.size()) + ")";
    }
    Statement s = r->Prepare(
        "SELECT e.id, e.reason, e.executor_id, c.n FROM (SELECT batch_id, COUNT(*) AS n "
        "FROM outbox WHERE batch_id >= 'event:' AND batch_id < 'event;' AND state = 'sent' "
        "AND sent_at >= ? AND sent_at < ? GROUP BY batch_id) c "
        "JOIN events e ON c.batch_id = 'event:' || e.id" +
        scope + " ORDER BY c.n DESC, e.id LIMIT 50");
    BindAll(s, params);
    while (s.Step()) out.messages_per_event.push_back({s.Int(0), s.Text(1), s.Text(2), s.Int(3)});
  }
  return out;
}

std::vector<ControlRow> SqliteStore::ControlRows(const ReportFilter& filter, ReportGroup group,
                                                 Timestamp now) {
  if (NoScope(filter)) return {};
  const char* key = "lead_executor";
  if (group == ReportGroup::kCategory || group == ReportGroup::kBranch) key = "category";
  if (group == ReportGroup::kDistrict) key = "district";
  std::vector<Param> params;
  for (const auto& code : FinalStatusCodes()) params.emplace_back(code);
  params.emplace_back(ToUnix(now));
  params.emplace_back(ToUnix(filter.from));
  params.emplace_back(ToUnix(filter.to));
  const std::string scope = ScopeClause(filter, params);
  ReadLease r = Read();
  // "returned": the audit records each return for rework (002 §6.3.3) under
  // the appeal's id; audit_entity finds an appeal's entries by probe.
  Statement s = r->Prepare(
      std::string("SELECT ") + key +
      ", COUNT(*), SUM(accepted_at IS NOT NULL), SUM(status = 'completed'), "
      "SUM(status = 'rejected'), "
      "SUM(EXISTS (SELECT 1 FROM audit WHERE entity = 'appeal' "
      "AND entity_id = CAST(appeals.id AS TEXT) AND action = 'return_for_rework')), "
      "SUM(status NOT IN (" +
      Placeholders(FinalStatusCodes().size()) +
      ")), SUM(resolve_due IS NOT NULL AND resolve_due < COALESCE(closed_at, ?)) "
      "FROM appeals WHERE created_at >= ? AND created_at < ?" +
      scope + " GROUP BY 1 ORDER BY 1");
  BindAll(s, params);
  std::map<std::string, ControlRow> rows;
  while (s.Step()) {
    std::string k = s.Text(0);
    if (group == ReportGroup::kBranch) k = BranchOf(k);
    ControlRow& row = rows[k];
    row.key = k;
    row.received += s.Int(1);
    row.accepted += s.Int(2);
    row.done += s.Int(3);
    row.rejected += s.Int(4);
    row.returned += s.Int(5);
    row.open += s.Int(6);
    row.overdue += s.Int(7);
  }
  std::vector<ControlRow> out;
  for (auto& [k, row] : rows) out.push_back(std::move(row));
  return out;
}

std::vector<OverdueAppeal> SqliteStore::ListOverdue(const ReportFilter& filter, Timestamp now,
                                                    int limit) {
  if (NoScope(filter) || limit <= 0) return {};
  std::vector<Param> params;
  for (const auto& code : FinalStatusCodes()) params.emplace_back(code);
  params.emplace_back(ToUnix(now));
  const std::string scope = ScopeClause(filter, params);
  params.emplace_back(static_cast<int64_t>(limit));
  ReadLease r = Read();
  Statement s = r->Prepare(
      "SELECT id, COALESCE(number, ''), lead_executor, category, street, house, created_at, "
      "resolve_due FROM appeals WHERE status NOT IN (" +
      Placeholders(FinalStatusCodes().size()) + ") AND due_order < ?" + scope +
      " ORDER BY due_order, id LIMIT ?");
  BindAll(s, params);
  std::vector<OverdueAppeal> out;
  while (s.Step()) {
    std::string address = s.Text(4);
    if (!s.Text(5).empty()) address += (address.empty() ? "" : ", ") + s.Text(5);
    out.push_back({s.Int(0), s.Text(1), s.Text(2), s.Text(3), address, s.Time(6), s.Time(7)});
  }
  return out;
}

bool SqliteStore::ClaimReportRun(const std::string& kind, Timestamp period_from, Timestamp now,
                                 Timestamp stale_before) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  Statement ins = w.Prepare(
      "INSERT INTO report_runs (kind, period_from, state, claimed_at) VALUES (?, ?, 'claimed', ?) "
      "ON CONFLICT (kind, period_from) DO UPDATE SET claimed_at = excluded.claimed_at "
      "WHERE report_runs.state = 'claimed' AND report_runs.claimed_at < ?");
  const int changed = ins.Bind(kind).Bind(period_from).Bind(now).Bind(stale_before).Run();
  tx.Commit();
  return changed > 0;
}

void SqliteStore::CompleteReportRun(const std::string& kind, Timestamp period_from,
                                    const std::string& file) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  Statement s = w.Prepare(
      "UPDATE report_runs SET state = 'done', file = ? WHERE kind = ? AND period_from = ?");
  s.Bind(file).Bind(kind).Bind(period_from).Run();
}

std::vector<ReportRun> SqliteStore::ListReportRuns(const std::string& kind, int limit) {
  ReadLease r = Read();
  Statement s = r->Prepare(
      "SELECT kind, period_from, state, claimed_at, file FROM report_runs WHERE kind = ? "
      "ORDER BY period_from DESC LIMIT ?");
  s.Bind(kind).Bind(static_cast<int64_t>(limit));
  std::vector<ReportRun> out;
  while (s.Step()) out.push_back({s.Text(0), s.Time(1), s.Text(2), s.Time(3), s.Text(4)});
  return out;
}

}  // namespace vikno
