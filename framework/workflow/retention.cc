#include "workflow/retention.h"

#include <Poco/JSON/Object.h>

#include <sstream>
#include <stdexcept>

#include "core/audit.h"

namespace vikno {

Retention::Retention(Store& store, FileStore& files, Clock& clock)
    : store_(store), files_(files), clock_(clock) {}

Timestamp Retention::CutoffFor(Timestamp now, int years) {
  using namespace std::chrono;
  const auto day = floor<days>(now);
  const year_month_day ymd{day};
  year_month_day back{ymd.year() - std::chrono::years{years}, ymd.month(), ymd.day()};
  if (!back.ok())
    back = year_month_day{year_month_day_last{back.year(), month_day_last{back.month()}}};
  return sys_days{back} + (now - day);
}

RetentionReport Retention::Purge(int years) {
  if (years < 1) throw std::invalid_argument("retention must be at least one year");
  const Timestamp now = clock_.Now();
  RetentionReport report;
  report.cutoff = CutoffFor(now, years);

  Poco::JSON::Object details;
  details.set("years", years);
  details.set("cutoff", FormatIso8601(report.cutoff));
  std::ostringstream text;
  details.stringify(text);
  const PurgeReport purged = store_.PurgeClosedBefore(
      report.cutoff,
      AuditEntry::By(Actor::System("retention"), now, "retention", "", "purge", text.str()));
  report.appeals = purged.appeals;
  report.residents = purged.residents;
  // The store has committed: the rows are gone, so these files are unreachable.
  // A file that is already missing (an earlier run stopped half-way) is fine.
  for (const auto& sha : purged.orphaned_files) {
    if (files_.Remove(sha))
      ++report.files_removed;
    else
      ++report.files_missing;
  }
  return report;
}

}  // namespace vikno
