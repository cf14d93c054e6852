// The dashboard (R27) and the control reports (R21, R29) as data a panel page
// draws and a workbook holds. Every figure comes from the store's aggregates
// (store/report_store.h) under the viewer's scope (R26): a moderator or
// executor sees only their services; a resident sees no report at all.
//
// Report kinds (on demand, for any period; the scheduler makes them for the
// day, week and month before):
//   daily       003 §4.1, 002 §9.2.1: overdue open appeals per executor and
//               the list of them, for executors' heads
//   areas       003 §4.1, 002 §9.2.2: per deputy mayor's area and per
//               executor: received, accepted, done, rejected, returned,
//               overdue, open
//   inefficient 002 §9.2.3: executors whose overdue share or returned-or-
//               rejected share reaches the configured limits
//   mayor       003 §4.1: the monthly note: the period against the one before
//   analytics   002 §9.1.1: by classifier branch and category and by district
//   weekly, monthly: the scheduled bundles (areas + inefficient; monthly
//               adds mayor and analytics)
//
// Thread-safety: stateless apart from what it holds; safe from many threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/result.h"
#include "core/role.h"
#include "core/time.h"
#include "reports/report_settings.h"
#include "reports/workbook.h"
#include "store/store.h"

namespace vikno {
class Messages;
}  // namespace vikno

namespace vikno::reports {

// One cell: nothing, text, a number, a share (0..1) or an instant.
struct Share {
  double value = 0;
};
using Cell = std::variant<std::monostate, std::string, int64_t, Share, Timestamp>;

// One sheet of a report: its id (messages key "reports.section.<id>"), its
// columns (key "reports.col.<key>") and rows.
struct Section {
  std::string id;
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

struct Report {
  std::string kind;
  Timestamp from;
  Timestamp to;
  std::optional<Timestamp> previous_from;  // the mayor's note compares with [previous_from, from)
  std::vector<Section> sections;
};

// The known kinds, for validation and the panel's menu.
const std::vector<std::string>& ReportKinds();

class ReportService {
 public:
  ReportService(Store& store, Clock& clock, ReportSettings settings);

  // The viewer's scope: nullopt for city-wide roles, their services for a
  // moderator or executor; refusal "forbidden" for a resident.
  static Result<std::optional<std::vector<std::string>>> ScopeOf(const Actor& viewer);

  Result<DashboardFigures> Dashboard(Timestamp from, Timestamp to, const Actor& viewer);

  // Refusals: "forbidden" (a resident), "unknown_report", "invalid_period"
  // (to not after from, or longer than 2 years).
  Result<Report> Build(const std::string& kind, Timestamp from, Timestamp to,
                       const Actor& viewer);

  const ReportSettings& settings() const { return settings_; }

 private:
  Section DailySection(const ReportFilter& f, Timestamp now, Section* list);
  std::vector<Section> AreaSections(const ReportFilter& f, Timestamp now);
  Section Inefficient(const ReportFilter& f, Timestamp now);
  Section MayorSection(const ReportFilter& f, Timestamp prev_from, Timestamp now,
                       Section* branches);
  std::vector<Section> Analytics(const ReportFilter& f, Timestamp now);
  std::string ExecutorName(const std::string& id);
  std::string AreaOf(const std::string& executor) const;

  Store& store_;
  Clock& clock_;
  ReportSettings settings_;
};

// Writes `report` as a workbook: one sheet per section, column names and
// sheet names from `messages` (the reader's language), instants in the
// city's time. Throws WorkbookError.
void WriteReport(const Report& report, const Messages& messages, const std::string& time_zone,
                 const std::filesystem::path& tmp_dir, const std::filesystem::path& path);

}  // namespace vikno::reports
