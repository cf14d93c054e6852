#include "http/api_reports.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <filesystem>
#include <functional>
#include <map>
#include <random>

#include "http/api.h"
#include "http/api_events.h"
#include "http/api_json.h"
#include "messages/messages.h"
#include "reports/appeal_export.h"
#include "reports/event_export.h"
#include "reports/report_scheduler.h"
#include "reports/report_service.h"

namespace vikno::http {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kXlsxType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

reports::ReportService& Service(const ApiDeps& deps) {
  if (deps.reports == nullptr)
    throw HttpError(503, "reports_unavailable", "reports are not configured on this host");
  return *deps.reports;
}

Reply Refused(const Refusal& r) { return Reply{StatusOf(r), ErrorJson(r.code, r.message), {}, {}}; }

Reply Json(const Object::Ptr& o) { return Reply{200, Stringify(o), {}, {}}; }

// The texts of `lang` ("uk" unless the reader asked for another).
const Messages* TextsOf(const ApiDeps& deps, const std::string& lang) {
  if (!deps.messages) return nullptr;
  const Messages* m = deps.messages(lang);
  if (m == nullptr)
    throw HttpError(400, "invalid_parameter", "parameter 'lang': no texts in '" + lang + "'");
  return m;
}

std::string Text(const Messages* m, const std::string& key, const std::string& fallback) {
  return m ? m->Get(key) : fallback;
}

// A unique file under the host's temporary folder; removed by the sender
// after streaming, or here when the workbook fails.
std::filesystem::path TempFile(const ApiDeps& deps) {
  const std::filesystem::path dir = deps.tmp_dir.empty()
                                        ? std::filesystem::temp_directory_path()
                                        : std::filesystem::path(deps.tmp_dir);
  std::filesystem::create_directories(dir);
  std::random_device rd;
  char name[40];
  std::snprintf(name, sizeof name, "vikno-%08x%08x.xlsx", rd(), rd());
  return dir / name;
}

struct Period {
  Timestamp from;
  Timestamp to;
};

// from/to (ISO 8601); a missing `to` is now, a missing `from` 30 days before it.
Period ParsePeriod(const ApiDeps& deps,
                   const std::vector<std::pair<std::string, std::string>>& params,
                   std::initializer_list<const char*> also) {
  std::optional<Timestamp> from, to;
  for (const auto& [name, value] : params) {
    if (name == "from" || name == "to") {
      auto t = ParseIso8601(value);
      if (!t)
        throw HttpError(400, "invalid_parameter",
                        "parameter '" + name + "' must be an ISO 8601 date or time");
      (name == "from" ? from : to) = t;
      continue;
    }
    bool known = false;
    for (const char* a : also) known = known || name == a;
    if (!known) throw HttpError(400, "invalid_parameter", "unknown parameter '" + name + "'");
  }
  Period p;
  p.to = to ? *to : deps.clock->Now();
  p.from = from ? *from : p.to - std::chrono::hours(24 * 30);
  if (p.to <= p.from) throw HttpError(400, "invalid_parameter", "parameter 'to' is not after 'from'");
  return p;
}

std::string Param(const std::vector<std::pair<std::string, std::string>>& params,
                  const std::string& name, const std::string& fallback) {
  for (const auto& [n, v] : params)
    if (n == name) return v;
  return fallback;
}

Array::Ptr Counts(const std::vector<KeyCount>& counts) {
  Array::Ptr a = new Array;
  for (const auto& c : counts) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("key", c.key);
    o->set("count", c.count);
    a->add(o);
  }
  return a;
}

Reply Dashboard(const ApiDeps& deps, Call& call) {
  auto& service = Service(deps);
  const Period p = ParsePeriod(deps, call.query(), {});
  auto figures = service.Dashboard(p.from, p.to, call.actor());
  if (!figures) return Refused(figures.refusal());
  const DashboardFigures& f = figures.value();
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("from", FormatIso8601(p.from));
  o->set("to", FormatIso8601(p.to));
  o->set("subscribers", Counts(f.subscribers));
  o->set("new_subscribers", Counts(f.new_subscribers));
  o->set("appeals", f.appeals);
  o->set("residents_appealed", f.residents_appealed);
  o->set("by_status", Counts(f.by_status));
  o->set("by_branch", Counts(f.by_branch));
  Array::Ptr events = new Array;
  for (const auto& e : f.messages_per_event) {
    Object::Ptr eo = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    eo->set("event_id", e.event_id);
    eo->set("reason", e.reason);
    eo->set("executor", e.executor_id);
    eo->set("sent", e.sent);
    events->add(eo);
  }
  o->set("messages_per_event", events);
  o->set("overdue_by_executor", Counts(f.overdue_by_executor));
  return Json(o);
}

// A list page's filters exactly as its query string gives them, less the
// language of the workbook's texts ("lang", Ukrainian by default).
std::vector<std::pair<std::string, std::string>> PageFilters(Call& call, std::string* lang) {
  std::vector<std::pair<std::string, std::string>> filters;
  *lang = "uk";
  for (const auto& [name, value] : call.query()) {
    if (name == "lang")
      *lang = value;
    else
      filters.emplace_back(name, value);
  }
  return filters;
}

reports::ExportContext ExportContextFor(const ApiDeps& deps, const Messages* texts) {
  reports::ExportContext context;
  context.messages = texts;
  context.time_zone = deps.time_zone;
  context.tmp_dir = deps.tmp_dir.empty() ? std::filesystem::temp_directory_path()
                                         : std::filesystem::path(deps.tmp_dir);
  context.now = deps.clock->Now();
  // Names from the catalogue (cached by the store), read once per export.
  auto executors = std::make_shared<std::map<std::string, std::string>>();
  for (const auto& e : deps.store->ListExecutors()) (*executors)[e.id] = e.name;
  auto categories = std::make_shared<std::map<std::string, std::string>>();
  for (const auto& c : deps.store->ListCategories()) (*categories)[c.id] = c.name;
  context.executor_name = [executors](const std::string& id) {
    auto it = executors->find(id);
    return it == executors->end() ? id : it->second;
  };
  context.category_name = [categories](const std::string& id) {
    auto it = categories->find(id);
    return it == categories->end() ? id : it->second;
  };
  return context;
}

// Writes a workbook with `write` into a temporary file (removed again if the
// export is refused or fails) and answers it as "<name>-<day>.xlsx", the
// name from `file_key` in the reader's language.
Reply Workbook(const ApiDeps& deps, const reports::ExportContext& context, const char* file_key,
               const std::string& ascii_name,
               const std::function<Result<int64_t>(const std::filesystem::path&)>& write) {
  const auto path = TempFile(deps);
  Result<int64_t> rows = Refuse("internal", "not written");
  try {
    rows = write(path);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    throw;
  }
  if (!rows) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return Refused(rows.refusal());
  }
  const std::string day = FormatIso8601(context.now).substr(0, 10);
  Reply reply;
  reply.content_type = kXlsxType;
  reply.body_file = path.string();
  reply.headers.emplace_back(
      "Content-Disposition",
      ContentDisposition(Text(context.messages, file_key, ascii_name) + "-" + day + ".xlsx",
                         ascii_name + "-" + day + ".xlsx"));
  reply.headers.emplace_back("X-Rows", std::to_string(rows.value()));
  return reply;
}

Reply ExportAppeals(const ApiDeps& deps, Call& call) {
  // The list page's filters exactly (ParseAppealQuery), plus the language.
  std::string lang;
  const AppealQuery query = ParseAppealQuery(PageFilters(call, &lang));
  const reports::ExportContext context = ExportContextFor(deps, TextsOf(deps, lang));
  return Workbook(deps, context, "reports.appeals.file", "appeals",
                  [&](const std::filesystem::path& path) {
                    return reports::ExportAppeals(*deps.appeals, query, call.actor(), context,
                                                  path);
                  });
}

Reply ExportEvents(const ApiDeps& deps, Call& call) {
  if (deps.events == nullptr)
    throw HttpError(503, "events_unavailable", "events are not configured on this host");
  // The Events page's filters exactly (ParseEventQuery), plus the language.
  std::string lang;
  const EventQuery query = ParseEventQuery(PageFilters(call, &lang));
  const reports::ExportContext context = ExportContextFor(deps, TextsOf(deps, lang));
  return Workbook(deps, context, "reports.events.file", "events",
                  [&](const std::filesystem::path& path) {
                    return reports::ExportEvents(*deps.events, *deps.store, query, call.actor(),
                                                 context, path);
                  });
}

Poco::Dynamic::Var CellJson(const reports::Cell& cell) {
  if (const auto* s = std::get_if<std::string>(&cell)) return *s;
  if (const auto* n = std::get_if<int64_t>(&cell)) return *n;
  if (const auto* sh = std::get_if<reports::Share>(&cell)) return sh->value;
  if (const auto* t = std::get_if<Timestamp>(&cell)) return FormatIso8601(*t);
  return Poco::Dynamic::Var();
}

Reply Kinds(const ApiDeps& deps, Call& call) {
  auto& service = Service(deps);
  auto scope = reports::ReportService::ScopeOf(call.actor());
  if (!scope) return Refused(scope.refusal());
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  Array::Ptr kinds = new Array;
  for (const auto& k : reports::ReportKinds()) kinds->add(k);
  o->set("kinds", kinds);
  Array::Ptr areas = new Array;
  for (const auto& a : service.settings().areas) {
    Object::Ptr ao = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    ao->set("id", a.id);
    ao->set("name", a.name);
    ao->set("deputy", a.deputy);
    areas->add(ao);
  }
  o->set("areas", areas);
  Array::Ptr runs = new Array;
  for (const char* kind : {"daily", "weekly", "monthly"})
    for (const auto& r : deps.store->ListReportRuns(kind, 5)) {
      Object::Ptr ro = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      ro->set("kind", r.kind);
      ro->set("period_from", FormatIso8601(r.period_from));
      ro->set("state", r.state);
      ro->set("made_at", FormatIso8601(r.claimed_at));
      runs->add(ro);
    }
  o->set("runs", runs);
  return Json(o);
}

Reply BuildReport(const ApiDeps& deps, Call& call) {
  auto& service = Service(deps);
  const Period p = ParsePeriod(deps, call.query(), {"format", "lang"});
  const std::string format = Param(call.query(), "format", "json");
  if (format != "json" && format != "xlsx")
    throw HttpError(400, "invalid_parameter", "parameter 'format' must be json or xlsx");
  const std::string kind = call.Param("kind");
  auto report = service.Build(kind, p.from, p.to, call.actor());
  if (!report) return Refused(report.refusal());
  if (format == "xlsx") {
    const Messages* texts = TextsOf(deps, Param(call.query(), "lang", "uk"));
    if (texts == nullptr)
      throw HttpError(503, "reports_unavailable", "no messages loaded for report texts");
    const auto path = TempFile(deps);
    try {
      reports::WriteReport(report.value(), *texts, deps.time_zone,
                           path.parent_path(), path);
    } catch (...) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
      throw;
    }
    const std::string span =
        FormatIso8601(p.from).substr(0, 10) + "_" + FormatIso8601(p.to).substr(0, 10);
    Reply reply;
    reply.content_type = kXlsxType;
    reply.body_file = path.string();
    reply.headers.emplace_back(
        "Content-Disposition",
        ContentDisposition(texts->Get("reports.kind." + kind) + "-" + span + ".xlsx",
                           "report-" + kind + "-" + span + ".xlsx"));
    return reply;
  }
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("kind", report->kind);
  o->set("from", FormatIso8601(report->from));
  o->set("to", FormatIso8601(report->to));
  o->set("previous_from",
         report->previous_from ? Poco::Dynamic::Var(FormatIso8601(*report->previous_from))
                               : Poco::Dynamic::Var());
  Array::Ptr sections = new Array;
  for (const auto& s : report->sections) {
    Object::Ptr so = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    so->set("id", s.id);
    Array::Ptr cols = new Array;
    for (const auto& c : s.columns) cols->add(c);
    so->set("columns", cols);
    Array::Ptr rows = new Array;
    for (const auto& row : s.rows) {
      Array::Ptr r = new Array;
      for (const auto& cell : row) r->add(CellJson(cell));
      rows->add(r);
    }
    so->set("rows", rows);
    sections->add(so);
  }
  o->set("sections", sections);
  return Json(o);
}

// A stored scheduled workbook by the signed link of its e-mail (R21): no
// session (the mail is read anywhere), so the name must carry a valid
// HMAC of the configured secret over the name and the link's expiry,
// compared in constant time, and be a plain file name of the reports
// folder. A valid link past its expiry gets 410 and says so: the reader
// learns to open the panel instead of guessing at a broken address.
Reply StoredFile(const ApiDeps& deps, Call& call) {
  auto& service = Service(deps);
  const std::string name = call.Param("name");
  const std::string secret = service.settings().link_secret;
  std::string sig, exp;
  for (const auto& [n, v] : call.query()) {
    if (n == "sig") sig = v;
    if (n == "exp") exp = v;
  }
  bool plain = !name.empty() && name.size() < 200 && name.ends_with(".xlsx") && name[0] != '.';
  for (unsigned char c : name) plain = plain && ((c < 0x80 && std::isalnum(c)) || c == '-' || c == '.');
  bool exp_ok = !exp.empty() && exp.size() <= 12;
  for (unsigned char c : exp) exp_ok = exp_ok && std::isdigit(c);
  const int64_t expires = exp_ok ? std::stoll(exp) : 0;
  const std::string want =
      plain && exp_ok && !secret.empty() ? reports::SignFile(secret, name, expires) : "";
  unsigned diff = want.size() == sig.size() && !want.empty() ? 0 : 1;
  for (size_t i = 0; i < want.size() && i < sig.size(); ++i) diff |= want[i] ^ sig[i];
  if (diff != 0) throw HttpError(404, "not_found", "no such report file");
  if (ToUnix(deps.clock->Now()) >= expires)
    throw HttpError(410, "link_expired",
                    "this download link has expired; the report is in the panel's Reports page");
  const std::filesystem::path path = std::filesystem::path(service.settings().dir) / name;
  if (!std::filesystem::is_regular_file(path))
    throw HttpError(404, "not_found", "no such report file");
  // Sent from a copy: the stored workbook stays (Send removes body_file).
  const auto copy = TempFile(deps);
  std::filesystem::copy_file(path, copy);
  Reply reply;
  reply.content_type = kXlsxType;
  reply.body_file = copy.string();
  reply.headers.emplace_back("Content-Disposition", ContentDisposition(name, name));
  return reply;
}

}  // namespace

std::string ContentDisposition(const std::string& utf8_name, const std::string& ascii_fallback) {
  std::string ascii;
  for (char c : ascii_fallback)
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ascii += c;
  // RFC 5987 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"; all else %XX.
  static const char* kHex = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char c : utf8_name) {
    if ((c < 0x80 && std::isalnum(c)) || std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) !=
                               std::string_view::npos) {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 15];
    }
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

void RegisterReportRoutes(Router& router, const ApiDeps& deps) {
  const ApiDeps* d = &deps;
  router.Add("GET", "/api/v1/dashboard", [d](Call& c) { return Dashboard(*d, c); });
  router.Add("GET", "/api/v1/appeals/export.xlsx", [d](Call& c) { return ExportAppeals(*d, c); });
  router.Add("GET", "/api/v1/events/export.xlsx", [d](Call& c) { return ExportEvents(*d, c); });
  router.Add("GET", "/api/v1/reports", [d](Call& c) { return Kinds(*d, c); });
  router.Add("GET", "/api/v1/reports/{kind}", [d](Call& c) { return BuildReport(*d, c); });
  router.Add(
      "GET", "/reports/files/{name}", [d](Call& c) { return StoredFile(*d, c); },
      /*needs_auth=*/false);
}

}  // namespace vikno::http
