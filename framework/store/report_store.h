// The reports part of the Store interface (store/store.h): the aggregates of
// the dashboard (R27, 000 §6.3-6.4), of the control reports (R21: 002
// §9.2.2-9.2.3, 003 §4.1, 004) and of the analytics by classifier and
// district (R29, 002 §9.1.1), plus the record of scheduled report runs.
//
// Every figure is computed by the database (GROUP BY over indexes), never by
// loading cards: a year of a city's appeals is a million rows (bench/
// dashboard_bench.cc). Scope (R26) is the caller's: `executors` set means
// "only appeals whose lead executor is one of these", an empty list means
// nothing; the workflow's report service forces it from the viewer.
//
// Thread-safety and errors as for every Store (store/store.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

namespace vikno {

// A period [from, to) and the viewer's scope.
struct ReportFilter {
  Timestamp from;
  Timestamp to;
  // nullopt: every service; a list: only these lead executors (R26).
  std::optional<std::vector<std::string>> executors;
};

struct KeyCount {
  std::string key;
  int64_t count = 0;
  bool operator==(const KeyCount&) const = default;
};

// Notices sent for one event (R23): outbox rows in state "sent" whose
// batch_id is "event:<id>", sent within the period.
struct EventMessages {
  int64_t event_id = 0;
  std::string reason;
  std::string executor_id;
  int64_t sent = 0;
};

struct DashboardFigures {
  // Residents' chats subscribed (not unsubscribed or blocked) per channel,
  // bound before the period's end; and bound within the period.
  std::vector<KeyCount> subscribers;
  std::vector<KeyCount> new_subscribers;
  int64_t appeals = 0;             // registered within the period
  int64_t residents_appealed = 0;  // distinct residents among them
  std::vector<KeyCount> by_status;  // status code -> appeals of the period
  std::vector<KeyCount> by_branch;  // top-level classifier node -> appeals
  std::vector<EventMessages> messages_per_event;  // most first, at most 50
  // Open appeals past their resolution deadline at `now`, per lead executor,
  // whenever they were registered (002 §9.2.1).
  std::vector<KeyCount> overdue_by_executor;
};

// How a control report groups the appeals of its period.
enum class ReportGroup { kExecutor, kCategory, kBranch, kDistrict };

// One line of a control report: the appeals registered within the period
// that fall in `key`, and what became of them by `now` (002 §9.1.1: accepted,
// rejected, returned, done; 002 §9.2.2-9.2.3: overdue).
struct ControlRow {
  std::string key;
  int64_t received = 0;   // registered within the period
  int64_t accepted = 0;   // taken into work (accepted_at set)
  int64_t done = 0;       // status completed (confirmed by the resident or closed)
  int64_t rejected = 0;   // status rejected
  int64_t returned = 0;   // returned for rework at least once (audit, 002 §6.3.3)
  int64_t overdue = 0;    // resolved after the deadline, or open past it at `now`
  int64_t open = 0;       // not in a final status at `now`
  bool operator==(const ControlRow&) const = default;
};

// One overdue open appeal, for the daily report to executors' heads (R21).
struct OverdueAppeal {
  int64_t id = 0;
  std::string number;
  std::string executor;
  std::string category;
  std::string address;  // "street, house"
  Timestamp created_at;
  Timestamp resolve_due;
};

// A scheduled report run (R21): one row per kind and period, so a restart
// neither skips a period nor makes it twice.
struct ReportRun {
  std::string kind;      // "daily", "weekly", "monthly"
  Timestamp period_from;
  std::string state;     // "claimed" or "done"
  Timestamp claimed_at;
  std::string file;      // the stored workbook's name once done
};

class ReportStore {
 public:
  virtual ~ReportStore() = default;

  // The dashboard of R27 over filter's period; overdue counted at `now`.
  virtual DashboardFigures Dashboard(const ReportFilter& filter, Timestamp now) = 0;

  // Rows of the appeals registered in the period, grouped by `group`, ordered
  // by key. kBranch groups by the classifier's top-level node ("water" for
  // "water/leak"); kDistrict by the address's district ("" when none).
  virtual std::vector<ControlRow> ControlRows(const ReportFilter& filter, ReportGroup group,
                                              Timestamp now) = 0;

  // Open appeals past their resolution deadline at `now` (scope only; the
  // period is ignored), the most overdue first, at most `limit`.
  virtual std::vector<OverdueAppeal> ListOverdue(const ReportFilter& filter, Timestamp now,
                                                 int limit) = 0;

  // Claims the run of `kind` for the period starting `period_from`: true when
  // this caller inserted it, or when a claim that never finished is older
  // than `stale_before` (the host died mid-run; it is taken over). False when
  // the run is done or claimed recently by someone else.
  virtual bool ClaimReportRun(const std::string& kind, Timestamp period_from, Timestamp now,
                              Timestamp stale_before) = 0;
  virtual void CompleteReportRun(const std::string& kind, Timestamp period_from,
                                 const std::string& file) = 0;
  // Runs of `kind`, newest period first, at most `limit`.
  virtual std::vector<ReportRun> ListReportRuns(const std::string& kind, int limit) = 0;
};

}  // namespace vikno
