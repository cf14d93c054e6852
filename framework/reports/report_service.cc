#include "reports/report_service.h"

#include <algorithm>
#include <map>

#include "messages/messages.h"

namespace vikno::reports {
namespace {

constexpr auto kMaxPeriod = std::chrono::hours(24 * 731);  // two years and a day
constexpr int kOverdueListLimit = 5000;

double ShareOf(int64_t part, int64_t whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

std::vector<Cell> Metrics(const ControlRow& r) {
  return {r.received, r.accepted, r.done, r.rejected, r.returned, r.overdue, r.open,
          Share{ShareOf(r.overdue, r.received)}};
}

const std::vector<std::string> kMetricColumns = {"received", "accepted", "done",  "rejected",
                                                 "returned", "overdue",  "open",  "overdue_share"};

std::vector<std::string> With(std::vector<std::string> head,
                              const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

void Add(ControlRow& into, const ControlRow& r) {
  into.received += r.received;
  into.accepted += r.accepted;
  into.done += r.done;
  into.rejected += r.rejected;
  into.returned += r.returned;
  into.overdue += r.overdue;
  into.open += r.open;
}

ControlRow Total(const std::vector<ControlRow>& rows) {
  ControlRow t;
  for (const auto& r : rows) Add(t, r);
  return t;
}

}  // namespace

const std::vector<std::string>& ReportKinds() {
  static const std::vector<std::string> kinds = {"daily", "areas",  "inefficient", "mayor",
                                                 "analytics", "weekly", "monthly"};
  return kinds;
}

ReportService::ReportService(Store& store, Clock& clock, ReportSettings settings)
    : store_(store), clock_(clock), settings_(std::move(settings)) {}

Result<std::optional<std::vector<std::string>>> ReportService::ScopeOf(const Actor& viewer) {
  switch (viewer.role) {
    case Role::kResident:
      return Refuse("forbidden", "reports are for staff");
    case Role::kModerator:
    case Role::kExecutor:
      // R26: only their services; none at all is an empty list (sees nothing).
      return std::optional<std::vector<std::string>>(viewer.services);
    default:
      return std::optional<std::vector<std::string>>();
  }
}

Result<DashboardFigures> ReportService::Dashboard(Timestamp from, Timestamp to,
                                                  const Actor& viewer) {
  auto scope = ScopeOf(viewer);
  if (!scope) return scope.refusal();
  if (to <= from || to - from > kMaxPeriod)
    return Refuse("invalid_period", "the period must end after it starts and last at most 2 years");
  return store_.Dashboard(ReportFilter{from, to, scope.value()}, clock_.Now());
}

std::string ReportService::ExecutorName(const std::string& id) {
  for (const auto& e : store_.ListExecutors())  // cached by the store
    if (e.id == id) return e.name;
  return id;
}

std::string ReportService::AreaOf(const std::string& executor) const {
  for (const auto& area : settings_.areas)
    if (std::find(area.executors.begin(), area.executors.end(), executor) != area.executors.end())
      return area.id;
  return "";
}

Section ReportService::DailySection(const ReportFilter& f, Timestamp now, Section* list) {
  // 002 §9.2.1: what is late right now, whenever it was registered.
  auto late = store_.ListOverdue(f, now, kOverdueListLimit);
  std::map<std::string, std::pair<int64_t, Timestamp>> per;
  for (const auto& a : late) {
    auto [it, fresh] = per.try_emplace(a.executor, 0, a.resolve_due);
    ++it->second.first;
    it->second.second = std::min(it->second.second, a.resolve_due);
  }
  std::map<std::string, Executor> executors;
  for (auto& e : store_.ListExecutors()) executors[e.id] = e;
  Section s{"overdue_by_executor",
            {"executor", "executor_name", "head", "email", "overdue", "oldest_due"},
            {}};
  for (const auto& [id, v] : per) {
    const auto it = executors.find(id);
    s.rows.push_back({id, it == executors.end() ? id : it->second.name,
                      it == executors.end() ? std::string() : it->second.head,
                      it == executors.end() ? std::string() : it->second.email, v.first,
                      v.second});
  }
  if (list != nullptr) {
    *list = Section{"overdue_list",
                    {"number", "executor_name", "category", "address", "created", "resolve_due",
                     "days_late"},
                    {}};
    for (const auto& a : late) {
      const auto it = executors.find(a.executor);
      list->rows.push_back(
          {a.number, it == executors.end() ? a.executor : it->second.name, a.category, a.address,
           a.created_at, a.resolve_due,
           static_cast<int64_t>(std::chrono::duration_cast<std::chrono::hours>(now - a.resolve_due)
                                    .count() /
                                24)});
    }
  }
  return s;
}

std::vector<Section> ReportService::AreaSections(const ReportFilter& f, Timestamp now) {
  const auto rows = store_.ControlRows(f, ReportGroup::kExecutor, now);
  std::map<std::string, ControlRow> by_area;
  Section executors{"executors", With({"area", "executor", "executor_name"}, kMetricColumns), {}};
  for (const auto& r : rows) {
    const std::string area = AreaOf(r.key);
    Add(by_area[area], r);
    auto cells = Metrics(r);
    cells.insert(cells.begin(), {area, r.key, ExecutorName(r.key)});
    executors.rows.push_back(std::move(cells));
  }
  Section areas{"areas", With({"area", "area_name", "deputy"}, kMetricColumns), {}};
  for (const auto& area : settings_.areas) {
    auto cells = Metrics(by_area[area.id]);
    cells.insert(cells.begin(), {area.id, area.name, area.deputy});
    areas.rows.push_back(std::move(cells));
  }
  if (by_area.count("")) {  // services no area claims: shown, never dropped
    auto cells = Metrics(by_area[""]);
    cells.insert(cells.begin(), {std::string(), std::string(), std::string()});
    areas.rows.push_back(std::move(cells));
  }
  return {areas, executors};
}

Section ReportService::Inefficient(const ReportFilter& f, Timestamp now) {
  Section s{"inefficient",
            {"executor", "executor_name", "area", "received", "overdue", "overdue_share",
             "returned", "rejected", "returned_share", "reason"},
            {}};
  for (const auto& r : store_.ControlRows(f, ReportGroup::kExecutor, now)) {
    if (r.received < settings_.min_appeals) continue;
    const double late = ShareOf(r.overdue, r.received);
    const double poor = ShareOf(r.returned + r.rejected, r.received);
    const bool too_late = late >= settings_.max_overdue_share;
    const bool too_poor = poor >= settings_.max_returned_share;
    if (!too_late && !too_poor) continue;
    // 002 §9.2.1: "untimely or poor-quality": the reason names which.
    const std::string reason = too_late && too_poor ? "late_and_returned"
                               : too_late           ? "late"
                                                    : "returned";
    s.rows.push_back({r.key, ExecutorName(r.key), AreaOf(r.key), r.received, r.overdue,
                      Share{late}, r.returned, r.rejected, Share{poor}, reason});
  }
  return s;
}

Section ReportService::MayorSection(const ReportFilter& f, Timestamp prev_from, Timestamp now,
                                    Section* branches) {
  ReportFilter prev = f;
  prev.from = prev_from;
  prev.to = f.from;
  const auto cur_rows = store_.ControlRows(f, ReportGroup::kBranch, now);
  const auto prev_rows = store_.ControlRows(prev, ReportGroup::kBranch, now);
  const ControlRow cur = Total(cur_rows), old = Total(prev_rows);
  const auto cur_dash = store_.Dashboard(f, now);
  const auto prev_dash = store_.Dashboard(prev, now);
  Section s{"mayor", {"indicator", "current", "previous", "change"}, {}};
  auto line = [&](const char* key, int64_t a, int64_t b) {
    s.rows.push_back({std::string(key), a, b,
                      b > 0 ? Cell(Share{static_cast<double>(a - b) / static_cast<double>(b)})
                            : Cell(std::monostate{})});
  };
  line("received", cur.received, old.received);
  line("residents_appealed", cur_dash.residents_appealed, prev_dash.residents_appealed);
  line("accepted", cur.accepted, old.accepted);
  line("done", cur.done, old.done);
  line("rejected", cur.rejected, old.rejected);
  line("returned", cur.returned, old.returned);
  line("overdue", cur.overdue, old.overdue);
  line("open", cur.open, old.open);
  if (branches != nullptr) {
    *branches = Section{"mayor_branches",
                        {"branch", "received", "received_previous", "done", "done_previous"},
                        {}};
    std::map<std::string, std::pair<ControlRow, ControlRow>> both;
    for (const auto& r : cur_rows) both[r.key].first = r;
    for (const auto& r : prev_rows) both[r.key].second = r;
    for (const auto& [key, v] : both)
      branches->rows.push_back(
          {key, v.first.received, v.second.received, v.first.done, v.second.done});
  }
  return s;
}

std::vector<Section> ReportService::Analytics(const ReportFilter& f, Timestamp now) {
  std::map<std::string, std::string> names;
  for (const auto& c : store_.ListCategories()) names[c.id] = c.name;
  const std::vector<std::string> cols = {"received", "accepted", "rejected", "returned", "done",
                                         "overdue"};
  auto cells = [](const ControlRow& r) {
    return std::vector<Cell>{r.received, r.accepted, r.rejected, r.returned, r.done, r.overdue};
  };
  std::vector<Section> out;
  for (auto [id, group] : {std::pair{"branches", ReportGroup::kBranch},
                           std::pair{"categories", ReportGroup::kCategory},
                           std::pair{"districts", ReportGroup::kDistrict}}) {
    const bool named = group != ReportGroup::kDistrict;
    Section s{id, With(named ? std::vector<std::string>{"category", "category_name"}
                             : std::vector<std::string>{"district"},
                       cols),
              {}};
    for (const auto& r : store_.ControlRows(f, group, now)) {
      auto row = cells(r);
      if (named) {
        row.insert(row.begin(), {r.key, names.count(r.key) ? names[r.key] : r.key});
      } else {
        row.insert(row.begin(), r.key);
      }
      s.rows.push_back(std::move(row));
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<Report> ReportService::Build(const std::string& kind, Timestamp from, Timestamp to,
                                    const Actor& viewer) {
  auto scope = ScopeOf(viewer);
  if (!scope) return scope.refusal();
  if (std::find(ReportKinds().begin(), ReportKinds().end(), kind) == ReportKinds().end())
    return Refuse("unknown_report", "no report '" + kind + "'");
  if (to <= from || to - from > kMaxPeriod)
    return Refuse("invalid_period", "the period must end after it starts and last at most 2 years");
  const Timestamp now = clock_.Now();
  const ReportFilter f{from, to, scope.value()};
  Report report{kind, from, to, std::nullopt, {}};
  auto& out = report.sections;
  if (kind == "daily") {
    Section list;
    out.push_back(DailySection(f, now, &list));
    out.push_back(std::move(list));
  }
  if (kind == "areas" || kind == "weekly" || kind == "monthly")
    for (auto& s : AreaSections(f, now)) out.push_back(std::move(s));
  if (kind == "inefficient" || kind == "weekly" || kind == "monthly")
    out.push_back(Inefficient(f, now));
  if (kind == "mayor" || kind == "monthly") {
    // 003 §4.1: "compared with the previous period": the same length before.
    report.previous_from = from - (to - from);
    Section branches;
    out.push_back(MayorSection(f, *report.previous_from, now, &branches));
    out.push_back(std::move(branches));
  }
  if (kind == "analytics" || kind == "monthly")
    for (auto& s : Analytics(f, now)) out.push_back(std::move(s));
  return report;
}

void WriteReport(const Report& report, const Messages& messages, const std::string& time_zone,
                 const std::filesystem::path& tmp_dir, const std::filesystem::path& path) {
  Workbook book(path, tmp_dir, time_zone);
  std::set<std::string> used;
  for (const auto& section : report.sections) {
    std::vector<Column> columns;
    for (size_t c = 0; c < section.columns.size(); ++c) {
      CellKind kind = CellKind::kText;
      double width = 14;
      const Cell* sample = section.rows.empty() ? nullptr : &section.rows.front()[c];
      if (sample && std::holds_alternative<int64_t>(*sample)) kind = CellKind::kNumber;
      if (sample && std::holds_alternative<Share>(*sample)) kind = CellKind::kPercent;
      if (sample && std::holds_alternative<Timestamp>(*sample)) kind = CellKind::kDateTime, width = 17;
      const std::string& key = section.columns[c];
      if (key.ends_with("name") || key == "address" || key == "indicator" || key == "category")
        width = 32;
      columns.push_back({messages.Get("reports.col." + key), kind, width});
    }
    // Excel: at most 31 characters and unique; Ukrainian names are 2 bytes a
    // letter, so the id is the fallback when the title would not fit.
    std::string name = messages.Get("reports.section." + section.id);
    if (name.size() > 31 * 2 || name.find_first_of("[]:*?/\\") != std::string::npos)
      name = section.id;
    book.AddSheet(name, columns);
    for (const auto& row : section.rows) {
      book.BeginRow();
      for (size_t c = 0; c < row.size(); ++c) {
        const Cell& cell = row[c];
        if (std::holds_alternative<std::monostate>(cell)) {
          book.Empty();
        } else if (const auto* s = std::get_if<std::string>(&cell)) {
          // Indicator and reason codes are shown in words.
          const std::string& col = section.columns[c];
          if (col == "indicator") book.Text(messages.Get("reports.col." + *s));
          else if (col == "reason") book.Text(messages.Get("reports.reason." + *s));
          else if ((col == "area") && s->empty()) book.Text(messages.Get("reports.no_area"));
          else book.Text(*s);
        } else if (const auto* n = std::get_if<int64_t>(&cell)) {
          book.Number(static_cast<double>(*n));
        } else if (const auto* sh = std::get_if<Share>(&cell)) {
          book.Number(sh->value);
        } else {
          book.Time(std::get<Timestamp>(cell));
        }
      }
    }
  }
  book.Close();
}

}  // namespace vikno::reports
