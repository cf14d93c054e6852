#include "reports/report_scheduler.h"

#include <Poco/HMACEngine.h>
#include <Poco/JSON/Object.h>
#include <Poco/SHA2Engine.h>
#include <date/tz.h>

#include <sstream>
#include <stdexcept>

#include "host/logging.h"
#include "messages/messages.h"

namespace vikno::reports {
namespace {

using date::days;
using date::local_days;
using date::local_seconds;

const date::time_zone* Zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception& e) {
    throw std::runtime_error("reports: unknown time zone '" + name + "'");
  }
}

std::chrono::minutes ParseAt(const std::string& at) {
  int h = -1, m = -1;
  char tail = 0;
  if (std::sscanf(at.c_str(), "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 ||
      m > 59)
    throw std::runtime_error("reports.at must be HH:MM, not '" + at + "'");
  return std::chrono::hours(h) + std::chrono::minutes(m);
}

Timestamp ToSys(const date::time_zone* z, local_days d) {
  // A city midnight always exists in Kyiv (DST changes at 03:00/04:00);
  // choose::earliest keeps any other zone's ambiguity deterministic.
  return std::chrono::floor<std::chrono::seconds>(z->to_sys(local_seconds(d), date::choose::earliest));
}

local_days MonthStart(local_days d) {
  const date::year_month_day ymd{d};
  return local_days(ymd.year() / ymd.month() / 1);
}

local_days PrevMonth(local_days first) {
  const date::year_month_day ymd{first};
  return local_days((ymd.year() / ymd.month() - date::months(1)) / 1);
}

std::string Day(const date::time_zone* z, Timestamp t) {
  const auto d = std::chrono::floor<days>(z->to_local(t));
  const date::year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

// File-name safe: letters, digits and '-' only.
std::string Safe(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += (c < 0x80 && std::isalnum(c)) ? static_cast<char>(c) : '-';
  return out;
}

int64_t SumColumn(const Section& s, const std::string& column) {
  int64_t total = 0;
  for (size_t c = 0; c < s.columns.size(); ++c) {
    if (s.columns[c] != column) continue;
    for (const auto& row : s.rows)
      if (const auto* n = std::get_if<int64_t>(&row[c])) total += *n;
  }
  return total;
}

}  // namespace

ScheduledPeriod LatestDue(const std::string& kind, Timestamp now, const std::string& time_zone,
                          const std::string& at) {
  const auto* z = Zone(time_zone);
  const auto offset = ParseAt(at);
  const local_seconds lt = std::chrono::floor<std::chrono::seconds>(z->to_local(now));
  const local_days today = std::chrono::floor<days>(lt);
  local_days end, from;
  if (kind == "daily") {
    end = today;
    if (lt < local_seconds(end) + offset) end -= days(1);
    from = end - days(1);
  } else if (kind == "weekly") {
    const unsigned since_monday = (date::weekday(today).c_encoding() + 6) % 7;
    end = today - days(since_monday);
    if (lt < local_seconds(end) + offset) end -= days(7);
    from = end - days(7);
  } else if (kind == "monthly") {
    end = MonthStart(today);
    if (lt < local_seconds(end) + offset) end = PrevMonth(end);
    from = PrevMonth(end);
  } else {
    throw std::runtime_error("reports: no schedule for '" + kind + "'");
  }
  return {kind, ToSys(z, from), ToSys(z, end)};
}

ScheduledPeriod Previous(const ScheduledPeriod& p, const std::string& time_zone) {
  const auto* z = Zone(time_zone);
  const local_days from = std::chrono::floor<days>(z->to_local(p.from));
  local_days before = from - days(1);
  if (p.kind == "weekly") before = from - days(7);
  if (p.kind == "monthly") before = PrevMonth(from);
  return {p.kind, ToSys(z, before), p.from};
}

namespace {
// Poco's SHA2Engine lacks the BLOCK_SIZE/DIGEST_SIZE that HMACEngine needs;
// SHA-256 has a 64-byte block and a 32-byte digest (FIPS 180-4).
class Sha256Engine : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256Engine() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};
}  // namespace

std::string HmacSha256Hex(const std::string& secret, const std::string& message) {
  Poco::HMACEngine<Sha256Engine> hmac(secret);
  hmac.update(message);
  return Poco::DigestEngine::digestToHex(hmac.digest());
}

std::string SignFile(const std::string& secret, const std::string& file, int64_t expires) {
  // The expiry is signed with the name, so it cannot be moved; "\n" cannot
  // occur in a report file name, so no other name/expiry pair signs alike.
  return HmacSha256Hex(secret, file + "\n" + std::to_string(expires));
}

std::string SignedQuery(const std::string& secret, const std::string& file, int64_t expires) {
  return "exp=" + std::to_string(expires) + "&sig=" + SignFile(secret, file, expires);
}

ReportScheduler::ReportScheduler(Store& store, ReportService& service, const Messages& messages,
                                 Clock& clock, Options options)
    : store_(store),
      service_(service),
      messages_(messages),
      clock_(clock),
      options_(std::move(options)) {}

int ReportScheduler::RunDue() {
  const Timestamp now = clock_.Now();
  const Timestamp stale = now - std::chrono::minutes(30);
  int made = 0;
  for (const char* kind : {"daily", "weekly", "monthly"}) {
    ScheduledPeriod p = LatestDue(kind, now, options_.time_zone, service_.settings().at);
    // Periods missed while the host was down are made too, once this kind
    // has run before (a new installation does not invent a backlog).
    std::vector<ScheduledPeriod> due{p};
    const auto runs = store_.ListReportRuns(kind, 1);
    if (!runs.empty()) {
      ScheduledPeriod q = p;
      for (int i = 0; i < kBackfill; ++i) {
        q = Previous(q, options_.time_zone);
        if (q.from <= runs.front().period_from) break;
        due.push_back(q);
      }
    }
    for (auto it = due.rbegin(); it != due.rend(); ++it) {
      if (!store_.ClaimReportRun(kind, it->from, now, stale)) continue;
      Make(*it);
      ++made;
    }
  }
  return made;
}

std::string ReportScheduler::WriteFor(const ScheduledPeriod& p, const std::string& who,
                                      const Report& report) {
  const auto* z = Zone(options_.time_zone);
  const std::string name = p.kind + "-" + Day(z, p.from) + "-" + Safe(who) + ".xlsx";
  std::filesystem::create_directories(options_.dir);
  const auto tmp = options_.dir / (".part-" + name);
  WriteReport(report, messages_, options_.time_zone, options_.dir, tmp);
  std::filesystem::rename(tmp, options_.dir / name);  // never a half-written file under its name
  return name;
}

void ReportScheduler::Make(const ScheduledPeriod& p) {
  const Actor system = Actor::System("reports");
  auto full = service_.Build(p.kind, p.from, p.to, system);
  if (!full) throw std::runtime_error("report " + p.kind + ": " + full.refusal().message);
  const std::string file = WriteFor(p, "all", full.value());
  const auto& settings = service_.settings();
  const auto& to = p.kind == "daily"    ? settings.daily_to
                   : p.kind == "weekly" ? settings.weekly_to
                                        : settings.monthly_to;
  for (const auto& r : to) Mail(p, r, file, full.value());
  // Scoped copies: each recipient sees only their own services (R26).
  auto scoped = [&](const std::string& who, const std::vector<std::string>& services,
                    const std::vector<std::string>& emails) {
    if (emails.empty()) return;
    Actor viewer{Role::kModerator, "reports:" + who, "", services};
    auto report = service_.Build(p.kind, p.from, p.to, viewer);
    if (!report) return;
    const std::string f = WriteFor(p, who, report.value());
    for (const auto& e : emails) Mail(p, e, f, report.value());
  };
  if (p.kind == "daily") {
    // 002 §9.2.1: letters to the heads of executors who are late.
    for (const auto& row : full->sections.front().rows) {
      const std::string id = std::get<std::string>(row[0]);
      const std::string email = std::get<std::string>(row[3]);
      if (!email.empty()) scoped(id, {id}, {email});
    }
  } else {
    for (const auto& area : settings.areas) scoped(area.id, area.executors, area.emails);
  }
  store_.CompleteReportRun(p.kind, p.from, file);
  Log(Poco::Message::PRIO_NOTICE, "reports", "scheduled report made",
      {{"kind", p.kind}, {"from", FormatIso8601(p.from)}, {"file", file}});
}

void ReportScheduler::Mail(const ScheduledPeriod& p, const std::string& recipient,
                           const std::string& file, const Report& report) {
  if (!options_.email || recipient.empty()) return;
  const auto* z = Zone(options_.time_zone);
  const auto& secret = service_.settings().link_secret;
  std::string link;
  if (!secret.empty() && !options_.public_url.empty()) {
    const Timestamp expires =
        clock_.Now() + std::chrono::days(service_.settings().link_days);
    link = messages_.Get("reports.mail.link_until",
                         {{"link", options_.public_url + "/reports/files/" + file + "?" +
                                       SignedQuery(secret, file, ToUnix(expires))},
                          {"date", Day(z, expires)}});
  }
  const Section& first = report.sections.front();
  Poco::JSON::Object params;
  params.set("title", messages_.Get("reports.kind." + p.kind));
  params.set("period", Day(z, p.from) + " — " + Day(z, p.to - std::chrono::seconds(1)));
  params.set("received", std::to_string(SumColumn(first, "received")));
  params.set("overdue", std::to_string(SumColumn(first, "overdue")));
  params.set("link", link.empty() ? messages_.Get("reports.mail.no_link") : link);
  std::ostringstream json;
  params.stringify(json);
  const Timestamp now = clock_.Now();
  OutboxMessage m;
  m.idempotency_key = "report:" + p.kind + ":" + std::to_string(ToUnix(p.from)) + ":" + recipient;
  m.channel = "email";
  m.address = recipient;
  m.recipient_kind = "staff";
  m.recipient_id = recipient;
  m.text_key = "reports.mail.body";
  m.params = json.str();
  m.priority = 2;
  m.next_attempt_at = now;
  m.created_at = now;
  m.updated_at = now;
  store_.EnqueueOutbox(m);  // a repeat of the same key is a no-op
  if (options_.wake) options_.wake("email");
}

}  // namespace vikno::reports
