// The scheduled control reports (R21, 003 §4.1, 002 §9.2.1-9.2.3): daily for
// the day before, weekly on Mondays for the week before, monthly on the 1st
// for the month before, each at `settings.at` city time. The host calls
// RunDue() once a minute from its timer (framework/host/commands.cc).
//
// Exactly once per period: a run is claimed in the store's report_runs
// (ClaimReportRun) before it is made and marked done after, so a second host
// or a restart never makes it twice; a period that came due while the host
// was down is made at the next start (up to kBackfill periods back once the
// kind has run before), and a claim whose host died mid-run is taken over
// after 30 minutes. Every e-mail goes through the outbox under the key
// "report:<kind>:<period>:<recipient>", so a taken-over run repeats none.
//
// E-mail: the SDK's OutboundMessage carries text only (no attachments), so
// the mail holds the figures and, when reports.link_secret is set, a signed
// link to download the stored workbook (GET /reports/files/<name>?sig=...).
//
// Thread-safety: RunDue is called from one timer thread.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/time.h"
#include "reports/report_service.h"
#include "store/store.h"

namespace vikno {
class Messages;
}  // namespace vikno

namespace vikno::reports {

struct ScheduledPeriod {
  std::string kind;  // "daily", "weekly", "monthly"
  Timestamp from;
  Timestamp to;
};

// The latest period of `kind` due at `now` (its end plus `at` local time has
// passed), in `time_zone`. Throws std::runtime_error for a bad zone or `at`.
ScheduledPeriod LatestDue(const std::string& kind, Timestamp now, const std::string& time_zone,
                          const std::string& at);
// The period before `p`.
ScheduledPeriod Previous(const ScheduledPeriod& p, const std::string& time_zone);

// Hex HMAC-SHA256 (RFC 2104) of `message` under `secret`.
std::string HmacSha256Hex(const std::string& secret, const std::string& message);

// The signature of a download link that works until `expires` (hex
// HMAC-SHA256 of the file name and the expiry's Unix time), and the link's
// query string "exp=<unix>&sig=<hex>".
std::string SignFile(const std::string& secret, const std::string& file, int64_t expires);
std::string SignedQuery(const std::string& secret, const std::string& file, int64_t expires);

class ReportScheduler {
 public:
  static constexpr int kBackfill = 7;

  struct Options {
    std::filesystem::path dir;       // where workbooks are kept
    std::string time_zone = "Europe/Kyiv";
    std::string public_url;          // for download links
    bool email = false;              // the e-mail channel is configured
    std::function<void(const std::string& channel)> wake;  // the outbox sender
  };

  ReportScheduler(Store& store, ReportService& service, const Messages& messages, Clock& clock,
                  Options options);

  // Makes every due, unmade period; returns how many runs it made.
  int RunDue();

 private:
  void Make(const ScheduledPeriod& p);
  void Mail(const ScheduledPeriod& p, const std::string& recipient, const std::string& file,
            const Report& report);
  std::string WriteFor(const ScheduledPeriod& p, const std::string& who, const Report& report);

  Store& store_;
  ReportService& service_;
  const Messages& messages_;
  Clock& clock_;
  Options options_;
};

}  // namespace vikno::reports
