// Issue 6's dashboard, Excel export and control reports over the real HTTP
// server (in-process, SQLite in a temporary folder). Workbooks are opened by
// an INDEPENDENT reader, Python's openpyxl from Debian (read_xlsx.py), and
// compared with the list API's JSON for the same filters. The scheduled
// reports are run across a "restart" (a new store on the same file).
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <date/tz.h>
#include <gtest/gtest.h>

#include <fstream>

#include "events/event_service.h"
#include "http/server.h"
#include "integration/http/http_client.h"
#include "messages/messages.h"
#include "reports/report_scheduler.h"
#include "reports/report_service.h"
#include "store/sqlite/sqlite_store.h"
#include "unit/workflow/workflow_fixture.h"  // TestClock, TestRules, FreshTempDir
#include "workflow/appeal_service.h"

namespace vikno::testing {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kAdminKey = "admin-secret-0123456789";
constexpr const char* kRoadsModKey = "moderator-of-roads-0123";
constexpr const char* kWaterModKey = "moderator-of-water-0123";
constexpr const char* kNoServiceKey = "moderator-of-nothing-012";
constexpr const char* kResidentKey = "resident-key-0123456789";

// Runs read_xlsx.py on `xlsx` and parses what it prints.
Object::Ptr ReadWorkbook(const std::filesystem::path& xlsx) {
  const std::string script = std::string(VIKNO_SOURCE_DIR) + "/tests/integration/reports/read_xlsx.py";
  Poco::Pipe out;
  Poco::ProcessHandle ph =
      Poco::Process::launch("/usr/bin/python3", {script, xlsx.string()}, nullptr, &out, nullptr);
  Poco::PipeInputStream in(out);
  std::string text;
  Poco::StreamCopier::copyToString(in, text);
  EXPECT_EQ(ph.wait(), 0) << "openpyxl could not read " << xlsx;
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Object::Ptr>();
}

// The city's wall clock of an instant, as openpyxl prints a date cell.
std::string KyivIso(Timestamp t) {
  const auto local = date::locate_zone("Europe/Kyiv")->to_local(t);
  return date::format("%Y-%m-%dT%H:%M:%S", local);
}

class ReportsApiTest : public ::testing::Test {
 protected:
  ReportsApiTest()
      : dir_(FreshTempDir("vikno-reports")),
        store_(std::make_unique<SqliteStore>((dir_ / "vikno.sqlite").string())),
        uk_(std::filesystem::path(VIKNO_SOURCE_DIR) / "config/messages", "uk"),
        en_(std::filesystem::path(VIKNO_SOURCE_DIR) / "config/messages", "en") {
    store_->Migrate();
    settings_.areas = {{"utilities", "ЖКГ", "Заступник А", {"deputy-a@city.example"}, {"water"}},
                       {"transport", "Транспорт", "Заступник Б", {}, {"roads"}}};
    settings_.daily_to = {"control@city.example"};
    settings_.min_appeals = 2;
    settings_.dir = (dir_ / "reports").string();
    settings_.link_secret = "a-long-enough-link-secret";
  }

  void SetUp() override {
    store_->UpsertExecutor(Executor{"roads", "КП «Шляхрембуд»", "", "roads@city.example", "Іваненко", true});
    store_->UpsertExecutor(Executor{"water", "КП «Міськводоканал»", "", "", "", true});
    store_->UpsertCategory(Category{"roads", "", "Дороги", "roads", "ordinary"});
    store_->UpsertCategory(Category{"roads/pothole", "roads", "Яма на дорозі", "roads", "ordinary"});
    store_->UpsertCategory(Category{"water", "", "Вода", "water", "ordinary"});
    store_->UpsertCategory(Category{"water/leak", "water", "Витік води", "water", "ordinary"});
    // 60 appeals over February 2026: every third is water's; statuses cycle.
    std::vector<Appeal> batch;
    const Status cycle[] = {Status::kNew, Status::kInWork, Status::kCompleted, Status::kRejected};
    for (int i = 0; i < 60; ++i) {
      Appeal a;
      a.number = "26-" + std::to_string(1000 + i);
      a.type = "ordinary";
      const bool water = i % 3 == 0;
      a.category = water ? "water/leak" : "roads/pothole";
      a.executors = {water ? "water" : "roads"};
      a.description = "Опис №" + std::to_string(i) + (i == 7 ? " з \"лапками\" <b>і тегом</b>" : "");
      a.channel = i % 2 ? "telegram" : "phone";
      a.resident_id = "res-" + std::to_string(i % 10);
      a.status = cycle[i % 4];
      a.created_at = a.updated_at = At("2026-02-01T08:00:00Z") + std::chrono::hours(11 * i);
      a.resolve_due = a.created_at + std::chrono::hours(24 * 5);
      if (a.status != Status::kNew) a.accepted_at = a.created_at + std::chrono::hours(1);
      if (Info(a.status).final) a.closed_at = a.created_at + std::chrono::hours(24 * (i % 7 + 1));
      a.address.street = "вулиця Соборна";
      a.address.house = std::to_string(i % 12 + 1);
      a.address.district = i % 2 ? "Ковпаківський" : "Зарічний";
      batch.push_back(a);
    }
    store_->ImportAppeals(batch);
    StartServer();
  }

  void StartServer() {
    service_ = std::make_unique<AppealService>(*store_, rules_, clock_);
    reports_ = std::make_unique<reports::ReportService>(*store_, clock_, settings_);
    events_ = std::make_unique<events::EventService>(*store_, clock_);
    HttpConfig http;
    http.listen = "127.0.0.1:0";
    http.threads = 4;
    std::vector<ApiKeyConfig> keys = {
        {"admin", "administrator", {}, kAdminKey},
        {"roads-mod", "moderator", {"roads"}, kRoadsModKey},
        {"water-mod", "moderator", {"water"}, kWaterModKey},
        {"nobody", "moderator", {}, kNoServiceKey},
    };
    http::ApiDeps deps;
    deps.appeals = service_.get();
    deps.store = store_.get();
    deps.clock = &clock_;
    deps.rules_name = [] { return std::string("Суми"); };
    deps.messages = [this](const std::string& lang) -> const Messages* {
      if (lang == "uk") return &uk_;
      if (lang == "en") return &en_;
      return nullptr;
    };
    deps.reports = reports_.get();
    deps.events = events_.get();
    deps.time_zone = "Europe/Kyiv";
    deps.tmp_dir = (dir_ / "tmp").string();
    server_ = std::make_unique<http::HttpServer>(http, keys, deps);
    server_->Start();
    port_ = server_->port();
  }

  void TearDown() override {
    server_->Stop();
    server_.reset();
  }
  ~ReportsApiTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  HttpAnswer Get(const std::string& uri, const std::string& key = kAdminKey) {
    return Request(port_, "GET", uri, std::nullopt, key);
  }
  // Saves an answer's body as a file and reads it with openpyxl.
  Object::Ptr Workbook(const HttpAnswer& a) {
    EXPECT_EQ(a.status, 200) << a.body.substr(0, 300);
    const auto file = dir_ / ("got-" + std::to_string(++saved_) + ".xlsx");
    std::ofstream(file, std::ios::binary) << a.body;
    return ReadWorkbook(file);
  }
  static Array::Ptr Rows(const Object::Ptr& book, int sheet = 0) {
    return book->getArray("sheets")->getObject(sheet)->getArray("rows");
  }
  // The list page's JSON for the same filters, every page.
  std::vector<Object::Ptr> ListAll(const std::string& filters, const std::string& key = kAdminKey) {
    std::vector<Object::Ptr> items;
    for (int offset = 0;; offset += 200) {
      auto a = Get("/api/v1/appeals?limit=200&offset=" + std::to_string(offset) +
                       (filters.empty() ? "" : "&" + filters),
                   key);
      EXPECT_EQ(a.status, 200) << a.body;
      auto page = a.json->getArray("items");
      for (size_t i = 0; i < page->size(); ++i) items.push_back(page->getObject(i));
      if (!a.json->getValue<bool>("has_more")) break;
    }
    return items;
  }

  std::filesystem::path dir_;
  TestClock clock_{At("2026-03-04T09:00:00Z")};  // Wednesday, 11:00 in Kyiv
  TestRules rules_;
  std::unique_ptr<SqliteStore> store_;
  Messages uk_;
  Messages en_;
  reports::ReportSettings settings_;
  std::unique_ptr<AppealService> service_;
  std::unique_ptr<reports::ReportService> reports_;
  std::unique_ptr<events::EventService> events_;
  std::unique_ptr<http::HttpServer> server_;
  uint16_t port_ = 0;
  int saved_ = 0;
};

TEST_F(ReportsApiTest, ExportedWorkbookMatchesTheFilteredListPage) {
  const std::string filters = "status=new,in_work,rejected&from=2026-02-03&to=2026-02-25&sort=oldest";
  const auto items = ListAll(filters);
  ASSERT_GT(items.size(), 10u);
  const auto answer = Get("/api/v1/appeals/export.xlsx?" + filters);
  EXPECT_EQ(answer.Header("Content-Type"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  // RFC 5987: the Ukrainian name percent-encoded, an ASCII fallback beside it.
  EXPECT_NE(answer.Header("Content-Disposition")
                .find("filename*=UTF-8''%D0%97%D0%B2%D0%B5%D1%80%D0%BD%D0%B5%D0%BD%D0%BD%D1%8F-2026-03-04.xlsx"),
            std::string::npos)
      << answer.Header("Content-Disposition");
  EXPECT_NE(answer.Header("Content-Disposition").find("filename=\"appeals-2026-03-04.xlsx\""),
            std::string::npos);
  const auto book = Workbook(answer);
  const auto sheet = book->getArray("sheets")->getObject(0);
  EXPECT_EQ(sheet->getValue<std::string>("title"), "Звернення");
  EXPECT_EQ(sheet->getValue<std::string>("freeze"), "A2") << "header row not frozen";
  const auto rows = sheet->getArray("rows");
  ASSERT_EQ(rows->size(), items.size() + 1);
  EXPECT_EQ(sheet->getValue<std::string>("autofilter"), "A1:M" + std::to_string(rows->size()));
  const auto header = rows->getArray(0);
  EXPECT_EQ(header->getElement<std::string>(0), "Номер");
  EXPECT_EQ(header->getElement<std::string>(1), "Зареєстровано");
  EXPECT_EQ(header->getElement<std::string>(2), "Статус");
  EXPECT_EQ(header->getElement<std::string>(9), "Опис проблеми");
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& item = items[i];
    const auto row = rows->getArray(static_cast<unsigned>(i + 1));
    SCOPED_TRACE("row " + std::to_string(i + 1));
    EXPECT_EQ(row->getElement<std::string>(0), item->getValue<std::string>("number"));
    // A real date (openpyxl gives a datetime), in Kyiv time.
    ASSERT_TRUE(row->isObject(1)) << "created is not an Excel date";
    EXPECT_EQ(row->getObject(1)->getValue<std::string>("date"),
              KyivIso(*ParseIso8601(item->getValue<std::string>("created_at"))));
    EXPECT_EQ(row->getElement<std::string>(2), uk_.Get("status." + item->getValue<std::string>("status")));
    EXPECT_EQ(row->getElement<std::string>(4),
              item->getValue<std::string>("category") == "water/leak" ? "Витік води" : "Яма на дорозі");
    EXPECT_EQ(row->getElement<std::string>(5), item->getValue<std::string>("executor") == "water"
                                                   ? "КП «Міськводоканал»"
                                                   : "КП «Шляхрембуд»");
    EXPECT_EQ(row->getElement<std::string>(9), item->getValue<std::string>("description"));
    ASSERT_TRUE(row->isObject(10));
    EXPECT_EQ(row->getObject(10)->getValue<std::string>("date"),
              KyivIso(*ParseIso8601(item->getValue<std::string>("resolve_due"))));
    EXPECT_EQ(row->getElement<std::string>(12), item->getValue<bool>("overdue") ? "Так" : "Ні");
  }
}

// More rows than one page of the store (500), many registered in the same
// second: the export's keyset paging neither drops nor repeats a row, in
// either order.
TEST_F(ReportsApiTest, LargeExportKeepsEveryRowOnceInOrder) {
  std::vector<Appeal> batch;
  for (int i = 0; i < 1300; ++i) {
    Appeal a;
    a.number = "26-" + std::to_string(5000 + i);
    a.type = "ordinary";
    a.category = "roads/pothole";
    a.executors = {"roads"};
    a.description = "Рядок " + std::to_string(i);
    a.channel = "web";
    a.status = Status::kInWork;
    // Nine appeals a second, so page boundaries fall inside a second.
    a.created_at = a.updated_at = At("2026-02-10T00:00:00Z") + std::chrono::seconds(i / 9);
    batch.push_back(a);
  }
  store_->ImportAppeals(batch);
  for (const std::string sort : {"newest", "oldest"}) {
    const std::string filters = "status=in_work&sort=" + sort;
    const auto items = ListAll(filters);
    const auto rows = Rows(Workbook(Get("/api/v1/appeals/export.xlsx?" + filters)));
    ASSERT_EQ(rows->size(), items.size() + 1) << sort;
    for (size_t i = 0; i < items.size(); ++i)
      ASSERT_EQ(rows->getArray(static_cast<unsigned>(i + 1))->getElement<std::string>(0),
                items[i]->getValue<std::string>("number"))
          << sort << " row " << i + 1;
  }
}

// R29 for events: the Events page's filters, the viewer's services only.
TEST_F(ReportsApiTest, EventsExportMatchesTheEventsPage) {
  for (const char* executor : {"water", "roads", "water"}) {
    Event e;
    e.kind = EventKind::kEmergency;
    e.reason = std::string("Аварійні роботи ") + executor;
    e.executor_id = executor;
    e.starts_at = At("2026-03-03T10:00:00Z");
    e.ends_at = At("2026-03-05T18:00:00Z");
    e.created_at = At("2026-03-03T09:00:00Z");
    e.addresses.push_back(Address{});
    e.addresses.back().street = "вулиця Соборна";
    e.addresses.back().house = "3";
    store_->CreateEvent(e);
  }
  const auto page = Get("/api/v1/events?kind=emergency", kWaterModKey);
  ASSERT_EQ(page.status, 200) << page.body;
  const auto items = page.json->getArray("items");
  ASSERT_EQ(items->size(), 2u);
  const auto rows = Rows(Workbook(Get("/api/v1/events/export.xlsx?kind=emergency", kWaterModKey)));
  ASSERT_EQ(rows->size(), items->size() + 1);
  EXPECT_EQ(rows->getArray(0)->getElement<std::string>(2), "Причина");
  for (size_t i = 0; i < items->size(); ++i) {
    const auto row = rows->getArray(static_cast<unsigned>(i + 1));
    EXPECT_EQ(row->getElement<std::string>(2), items->getObject(i)->getValue<std::string>("reason"));
    EXPECT_EQ(row->getElement<std::string>(3), "КП «Міськводоканал»");
    ASSERT_TRUE(row->isObject(4)) << "start is not an Excel date";
    EXPECT_EQ(row->getObject(4)->getValue<std::string>("date"), "2026-03-03T12:00:00");
    EXPECT_EQ(row->getElement<std::string>(7), "вулиця Соборна, 3");
  }
  EXPECT_EQ(Rows(Workbook(Get("/api/v1/events/export.xlsx")))->size(), 4u);
  EXPECT_EQ(Get("/api/v1/events/export.xlsx?kind=storm").status, 400);
}

TEST_F(ReportsApiTest, EnglishReaderGetsEnglishColumns) {
  const auto book = Workbook(Get("/api/v1/appeals/export.xlsx?status=new&lang=en"));
  const auto header = Rows(book)->getArray(0);
  EXPECT_EQ(header->getElement<std::string>(0), "Number");
  EXPECT_EQ(header->getElement<std::string>(2), "Status");
  EXPECT_EQ(Rows(book)->getArray(1)->getElement<std::string>(2), en_.Get("status.new"));
  EXPECT_EQ(Get("/api/v1/appeals/export.xlsx?lang=xx").status, 400);
  EXPECT_EQ(Get("/api/v1/appeals/export.xlsx?colour=red").status, 400) << "unknown filter";
}

// R26, the refusal issue 5 left for the exports: a moderator's workbook holds
// only their services' appeals, and asking for another service is refused.
TEST_F(ReportsApiTest, ModeratorExportsOnlyTheirServices) {
  const auto book = Workbook(Get("/api/v1/appeals/export.xlsx", kWaterModKey));
  const auto rows = Rows(book);
  EXPECT_EQ(rows->size(), 21u);  // header + the 20 water appeals
  for (size_t i = 1; i < rows->size(); ++i)
    EXPECT_EQ(rows->getArray(static_cast<unsigned>(i))->getElement<std::string>(5),
              "КП «Міськводоканал»");
  EXPECT_EQ(ListAll("", kWaterModKey).size(), 20u);

  const auto other = Get("/api/v1/appeals/export.xlsx?executor=roads", kWaterModKey);
  EXPECT_EQ(other.status, 403) << other.body.substr(0, 200);
  EXPECT_EQ(other.ErrorCode(), "forbidden");
  const auto mixed = Get("/api/v1/appeals/export.xlsx?executor=water,roads", kWaterModKey);
  EXPECT_EQ(mixed.status, 403);
  // A moderator with no services gets a workbook with the header only.
  EXPECT_EQ(Rows(Workbook(Get("/api/v1/appeals/export.xlsx", kNoServiceKey)))->size(), 1u);
  EXPECT_EQ(Get("/api/v1/appeals/export.xlsx", "").status, 401);
  // Nothing is left behind in the temporary folder.
  size_t left = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir_ / "tmp")) left += f.is_regular_file();
  EXPECT_EQ(left, 0u);
}

TEST_F(ReportsApiTest, DashboardFiguresForTheViewer) {
  const auto all = Get("/api/v1/dashboard?from=2026-02-01&to=2026-03-01");
  ASSERT_EQ(all.status, 200) << all.body;
  // 60 appeals 11 h apart from 01.02 08:00: the last at 28.02 01:00.
  EXPECT_EQ(all.json->getValue<int64_t>("appeals"), 60);
  EXPECT_EQ(all.json->getValue<int64_t>("residents_appealed"), 10);
  const auto by_status = all.json->getArray("by_status");
  ASSERT_EQ(by_status->size(), 4u);
  EXPECT_EQ(by_status->getObject(0)->getValue<int64_t>("count"), 15);
  const auto water = Get("/api/v1/dashboard?from=2026-02-01&to=2026-03-01", kWaterModKey);
  EXPECT_EQ(water.json->getValue<int64_t>("appeals"), 20);
  const auto branches = water.json->getArray("by_branch");
  ASSERT_EQ(branches->size(), 1u);
  EXPECT_EQ(branches->getObject(0)->getValue<std::string>("key"), "water");
  // Overdue now (04.03): open (new, in work) and past five days.
  for (size_t i = 0; i < water.json->getArray("overdue_by_executor")->size(); ++i)
    EXPECT_EQ(water.json->getArray("overdue_by_executor")->getObject(i)->getValue<std::string>("key"),
              "water");
  EXPECT_EQ(Get("/api/v1/dashboard?from=2026-03-01&to=2026-02-01").status, 400);
  EXPECT_EQ(Get("/api/v1/dashboard?from=yesterday").status, 400);
}

TEST_F(ReportsApiTest, ControlReportsAsJsonAndWorkbook) {
  const auto areas = Get("/api/v1/reports/areas?from=2026-02-01&to=2026-03-01");
  ASSERT_EQ(areas.status, 200) << areas.body;
  const auto sections = areas.json->getArray("sections");
  ASSERT_EQ(sections->size(), 2u);
  const auto area_rows = sections->getObject(0)->getArray("rows");
  ASSERT_EQ(area_rows->size(), 2u);
  // utilities = water: 20 received; transport = roads: 40.
  EXPECT_EQ(area_rows->getArray(0)->getElement<std::string>(0), "utilities");
  EXPECT_EQ(area_rows->getArray(0)->getElement<int64_t>(3), 20);
  EXPECT_EQ(area_rows->getArray(1)->getElement<int64_t>(3), 40);

  const auto mayor = Get("/api/v1/reports/mayor?from=2026-02-01&to=2026-03-01");
  ASSERT_EQ(mayor.status, 200);
  const auto lines = mayor.json->getArray("sections")->getObject(0)->getArray("rows");
  EXPECT_EQ(lines->getArray(0)->getElement<std::string>(0), "received");
  EXPECT_EQ(lines->getArray(0)->getElement<int64_t>(1), 60);
  EXPECT_EQ(lines->getArray(0)->getElement<int64_t>(2), 0);  // January had none

  const auto book = Workbook(Get("/api/v1/reports/monthly?from=2026-02-01&to=2026-03-01&format=xlsx"));
  const auto sheets = book->getArray("sheets");
  ASSERT_GE(sheets->size(), 7u);
  for (size_t i = 0; i < sheets->size(); ++i) {
    EXPECT_EQ(sheets->getObject(i)->getValue<std::string>("freeze"), "A2");
    EXPECT_FALSE(sheets->getObject(i)->getValue<std::string>("autofilter").empty());
  }
  EXPECT_EQ(sheets->getObject(0)->getValue<std::string>("title"), "За напрямками");
  EXPECT_EQ(Rows(book, 0)->getArray(0)->getElement<std::string>(3), "Надійшло");

  // The water moderator's report names only water.
  const auto scoped = Get("/api/v1/reports/analytics?from=2026-02-01&to=2026-03-01", kWaterModKey);
  const auto cats = scoped.json->getArray("sections")->getObject(1)->getArray("rows");
  ASSERT_EQ(cats->size(), 1u);
  EXPECT_EQ(cats->getArray(0)->getElement<std::string>(0), "water/leak");

  EXPECT_EQ(Get("/api/v1/reports/secret?from=2026-02-01").status, 400);
  EXPECT_EQ(Get("/api/v1/reports/areas?format=pdf").status, 400);
}

TEST_F(ReportsApiTest, ScheduledReportsRunOncePerPeriodAcrossARestart) {
  reports::ReportScheduler::Options options;
  options.dir = settings_.dir;
  options.public_url = "https://city.example";
  options.email = true;
  auto scheduler = std::make_unique<reports::ReportScheduler>(*store_, *reports_, uk_, clock_, options);
  // Wednesday 04.03 11:00 Kyiv: the daily (03.03), the weekly (23.02-01.03)
  // and the monthly (February) are due.
  EXPECT_EQ(scheduler->RunDue(), 3);
  EXPECT_EQ(scheduler->RunDue(), 0);
  const auto key = "report:daily:" + std::to_string(ToUnix(At("2026-03-02T22:00:00Z"))) +
                   ":control@city.example";
  const auto mail = store_->FindOutboxByKey(key);
  ASSERT_TRUE(mail.has_value()) << key;
  EXPECT_EQ(mail->channel, "email");
  // The mailed link is signed with its expiry, 30 days on, and says so.
  std::string mailed_link;
  {
    Poco::JSON::Parser parser;
    const auto params = parser.parse(mail->params).extract<Poco::JSON::Object::Ptr>();
    mailed_link = params->getValue<std::string>("link");
  }
  const auto expires = ToUnix(clock_.Now() + std::chrono::days(30));
  EXPECT_NE(mailed_link.find("?exp=" + std::to_string(expires) + "&sig="), std::string::npos)
      << mailed_link;
  EXPECT_NE(mailed_link.find("(посилання дійсне до 2026-04-03)"), std::string::npos) << mailed_link;
  const std::string mailed_path =
      mailed_link.substr(std::string("https://city.example").size(),
                         mailed_link.find(' ') - std::string("https://city.example").size());
  // The monthly went to the water deputy too (their own copy).
  EXPECT_TRUE(store_->FindOutboxByKey("report:monthly:" + std::to_string(ToUnix(At("2026-01-31T22:00:00Z"))) +
                                      ":deputy-a@city.example"));

  // A restart: new objects on the same database file make nothing twice.
  server_->Stop();
  server_.reset();
  scheduler.reset();
  reports_.reset();
  service_.reset();
  store_ = std::make_unique<SqliteStore>((dir_ / "vikno.sqlite").string());
  store_->Migrate();
  StartServer();
  scheduler = std::make_unique<reports::ReportScheduler>(*store_, *reports_, uk_, clock_, options);
  EXPECT_EQ(scheduler->RunDue(), 0);
  // Before 07:00 on Thursday nothing new; after it, Wednesday's daily.
  clock_.Set(At("2026-03-05T04:30:00Z"));
  EXPECT_EQ(scheduler->RunDue(), 0);
  clock_.Set(At("2026-03-05T05:30:00Z"));
  EXPECT_EQ(scheduler->RunDue(), 1);
  // Down Friday and Saturday: on Sunday both missed days are made.
  clock_.Set(At("2026-03-08T09:00:00Z"));
  EXPECT_EQ(scheduler->RunDue(), 3);  // 05.03, 06.03, 07.03
  EXPECT_EQ(store_->ListReportRuns("daily", 10).size(), 5u);

  // The e-mail's signed link downloads the stored workbook until it expires;
  // a forged one, or one whose expiry was moved, is 404.
  const auto mailed = Request(port_, "GET", mailed_path);
  EXPECT_EQ(mailed.status, 200) << mailed_path;
  const std::string file = store_->ListReportRuns("daily", 1).front().file;
  const int64_t until = ToUnix(clock_.Now() + std::chrono::days(3));
  const auto ok = Request(port_, "GET", "/reports/files/" + file + "?" +
                                            reports::SignedQuery(settings_.link_secret, file, until));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(Rows(Workbook(ok), 0)->getArray(0)->getElement<std::string>(1), "Виконавець");
  EXPECT_EQ(Request(port_, "GET", "/reports/files/" + file + "?exp=" + std::to_string(until) +
                                      "&sig=00")
                .status,
            404);
  EXPECT_EQ(Request(port_, "GET", "/reports/files/" + file + "?exp=" + std::to_string(until + 86400) +
                                      "&sig=" + reports::SignFile(settings_.link_secret, file, until))
                .status,
            404);
  EXPECT_EQ(Request(port_, "GET", "/reports/files/" + file).status, 404);
  EXPECT_EQ(Request(port_, "GET", "/reports/files/..%2Fvikno.sqlite?" +
                                      reports::SignedQuery(settings_.link_secret, "../vikno.sqlite", until))
                .status,
            404);
  clock_.Set(FromUnix(until));
  const auto expired = Request(port_, "GET", "/reports/files/" + file + "?" +
                                                 reports::SignedQuery(settings_.link_secret, file, until));
  EXPECT_EQ(expired.status, 410);
  EXPECT_NE(expired.body.find("link_expired"), std::string::npos) << expired.body;
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(settings_.dir) / file));
}

}  // namespace
}  // namespace vikno::testing
