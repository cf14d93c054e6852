#include "host/commands.h"

#include <Poco/Util/Timer.h>
#include <Poco/Util/TimerTask.h>

#include <chrono>
#include <memory>

#include "files/file_store.h"
#include "host/city.h"
#include "host/logging.h"
#include "host/store_factory.h"
#include "host/user_command.h"
#include "http/server.h"
#include "messages/messages.h"
#include "workflow/appeal_service.h"
#include "workflow/retention.h"

namespace vikno {
namespace {

// The secret config/vikno.yaml falls back to when VIKNO_DEMO_API_KEY is unset.
constexpr const char* kDemoSecret = "demo-admin-key";

// Opens and migrates the configured store; reports to `err` on failure.
std::unique_ptr<Store> OpenMigrated(const Config& config, std::ostream& err) {
  try {
    auto store = OpenStore(config);
    store->Migrate();
    return store;
  } catch (const std::exception& e) {
    err << "vikno: store (" << config.storage.backend << "): " << e.what() << "\n";
    return nullptr;
  }
}

void LogPurge(const RetentionReport& r, int years) {
  Log(Poco::Message::PRIO_NOTICE, "retention", "purge done",
      {{"years", static_cast<int64_t>(years)},
       {"cutoff", FormatIso8601(r.cutoff)},
       {"appeals", r.appeals},
       {"residents", r.residents},
       {"files_removed", r.files_removed},
       {"files_missing", r.files_missing}});
}

// The daily retention pass (R32) inside `vikno serve`.
class RetentionTask final : public Poco::Util::TimerTask {
 public:
  RetentionTask(Retention& retention, int years) : retention_(retention), years_(years) {}
  void run() override {
    try {
      LogPurge(retention_.Purge(years_), years_);
    } catch (const std::exception& e) {
      // The store rolled the pass back; tomorrow's run tries again.
      Log(Poco::Message::PRIO_ERROR, "retention", "purge failed",
          {{"error", std::string(e.what())}});
    }
  }

 private:
  Retention& retention_;
  int years_;
};

}  // namespace

int CheckConfigCommand(const std::string& path, std::ostream& out, std::ostream& err) {
  try {
    const Config config = LoadConfig(path);
    out << "OK: " << path << "\n";
    return kExitOk;
  } catch (const ConfigError& e) {
    err << e.what() << "\n";
    return kExitConfig;
  }
}

int MigrateCommand(const Config& config, std::ostream& out, std::ostream& err) {
  auto store = OpenMigrated(config, err);
  if (!store) return kExitFailure;
  for (const auto& m : store->Migrations())
    out << "migration " << m.version << " " << m.name << " applied " << FormatIso8601(m.applied_at)
        << "\n";
  out << "store " << store->Backend() << " is up to date\n";
  return kExitOk;
}

int PurgeCommand(const Config& config, std::ostream& out, std::ostream& err) {
  auto store = OpenMigrated(config, err);
  if (!store) return kExitFailure;
  try {
    FileStore files(config.data_dir, config.files);
    SystemClock clock;
    Retention retention(*store, files, clock);
    const RetentionReport r = retention.Purge(config.retention_years);
    LogPurge(r, config.retention_years);
    out << "purged " << r.appeals << " cards closed before " << FormatIso8601(r.cutoff) << "; "
        << r.residents << " residents' personal data erased; " << r.files_removed
        << " files deleted";
    if (r.files_missing > 0) out << " (" << r.files_missing << " already gone)";
    out << "\n";
    return kExitOk;
  } catch (const std::exception& e) {
    err << "vikno: purge failed, nothing was purged: " << e.what() << "\n";
    return kExitFailure;
  }
}

int ServeCommand(const Config& config, std::ostream& out, std::ostream& err,
                 const std::function<void()>& wait_for_stop) {
  auto store = OpenMigrated(config, err);
  if (!store) return kExitFailure;

  LoadedCity city;
  try {
    city = LoadCity(config.rules_dir);
  } catch (const std::exception& e) {
    err << "vikno: rules: " << e.what() << "\n";
    return kExitFailure;
  }
  try {
    const auto [executors, categories] = SyncCity(*store, city);
    Log(Poco::Message::PRIO_INFORMATION, "host", "city rules loaded",
        {{"city", city.name},
         {"dir", config.rules_dir},
         {"executors", static_cast<int64_t>(executors)},
         {"categories", static_cast<int64_t>(categories)}});
  } catch (const std::exception& e) {
    err << "vikno: could not store the city's executors and categories: " << e.what() << "\n";
    return kExitFailure;
  }

  std::unique_ptr<Messages> messages;
  try {
    messages = std::make_unique<Messages>(config.messages_dir, config.language, config.rules_dir);
  } catch (const std::exception& e) {
    err << "vikno: messages: " << e.what() << "\n";
    return kExitConfig;
  }

  FileStore files(config.data_dir, config.files);
  SystemClock clock;
  AppealService appeals(*store, *city.rules, clock);
  Retention retention(*store, files, clock);

  http::ApiDeps deps;
  deps.appeals = &appeals;
  deps.store = store.get();
  deps.clock = &clock;
  http::Accounts accounts(*store, clock, config.accounts);  // issue 5: staff sign-in
  deps.accounts = &accounts;
  deps.rules_name = [name = city.name] { return name; };
  deps.label = [m = messages.get()](const std::string& key) { return m->Get(key); };
  // The panel switches between Ukrainian and English (issue 5): keep the other
  // one loaded too when its file exists.
  std::unique_ptr<Messages> other;
  const std::string other_language = config.language == "en" ? "uk" : "en";
  if (std::filesystem::exists(std::filesystem::path(config.messages_dir) /
                              (other_language + ".yaml"))) {
    try {
      other = std::make_unique<Messages>(config.messages_dir, other_language, config.rules_dir);
    } catch (const std::exception& e) {
      err << "vikno: messages: " << e.what() << "\n";
      return kExitConfig;
    }
  }
  deps.messages = [m = messages.get(), o = other.get()](const std::string& language) {
    if (language == m->language()) return static_cast<const Messages*>(m);
    return o != nullptr && language == o->language() ? static_cast<const Messages*>(o) : nullptr;
  };
  http::HttpServer server(config.http, config.api_keys, deps);
  try {
    server.Start();
  } catch (const Poco::Exception& e) {
    err << "vikno: cannot listen on " << config.http.listen << ": " << e.displayText() << "\n";
    return kExitFailure;
  }

  // R32: once a minute after start (so a host restarted daily still purges),
  // then every 24 hours.
  Poco::Util::Timer timer;
  timer.scheduleAtFixedRate(new RetentionTask(retention, config.retention_years), 60 * 1000L,
                            24L * 60 * 60 * 1000);

  out << "vikno listening on " << server.url() << "\n";
  BootstrapAdministrator(accounts, server.url(), out);
  timer.scheduleAtFixedRate(NewSessionPurgeTask(accounts), 60 * 1000L, 60L * 60 * 1000);
  for (const auto& key : config.api_keys) {
    if (key.secret == kDemoSecret) {
      out << "demo API key (set VIKNO_DEMO_API_KEY to replace it): curl -H 'Authorization: Bearer "
          << kDemoSecret << "' " << server.url() << "/api/v1/appeals\n";
    }
  }
  if (config.api_keys.empty()) out << "no API keys configured: /api/v1 answers 401\n";
  out.flush();
  Log(Poco::Message::PRIO_NOTICE, "host", "serving",
      {{"url", server.url()}, {"store", store->Backend()}, {"city", city.name}});

  wait_for_stop();

  Log(Poco::Message::PRIO_NOTICE, "host",
      "stopping: no new requests, finishing the ones in flight");
  // 35 s outlasts the server's 30 s socket time-out, so only a wedged
  // handler could still be running after it.
  const bool drained = server.Stop(std::chrono::seconds(35));
  if (!drained)
    Log(Poco::Message::PRIO_WARNING, "host", "requests still running after the grace period",
        {{"in_flight", static_cast<int64_t>(server.InFlight())}});
  timer.cancel(/*wait=*/true);  // a retention pass in progress completes
  store.reset();
  Log(Poco::Message::PRIO_NOTICE, "host", "stopped");
  return kExitOk;
}

}  // namespace vikno
