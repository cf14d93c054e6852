#include "host/commands.h"

#include <Poco/Environment.h>
#include <Poco/Util/Timer.h>
#include <Poco/Util/TimerTask.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>

#include "broadcasts/broadcast_service.h"
#include "conversation/address_matcher.h"
#include "conversation/conversation_service.h"
#include "conversation/registry_import.h"
#include "conversation/store_repository.h"
#include "cabinet/cabinet.h"
#include "events/event_service.h"
#include "files/file_store.h"
#include "http/api_cabinet.h"
#include "host/city.h"
#include "host/logging.h"
#include "host/residents.h"
#include "host/store_factory.h"
#include "host/user_command.h"
#include "http/server.h"
#include "messages/messages.h"
#include "outbox/outbox.h"
#include "outbox/sender.h"
#include "reports/report_scheduler.h"
#include "reports/report_service.h"
#include "plugins/channel_registry.h"
#include "rules/lua_rules.h"
#include "workflow/abuse.h"
#include "workflow/appeal_requests.h"
#include "workflow/appeal_service.h"
#include "workflow/extension_policy.h"
#include "workflow/knowledge_base.h"
#include "workflow/retention.h"
#include "workflow/scheduler_runner.h"

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

// R23: the end of works announced once their end passed (events/
// event_service.h). Every host may run it: the notices' idempotency keys and
// the event's end_announced_at make a second run, or a run after a restart,
// queue nothing new.
class EventEndTask final : public Poco::Util::TimerTask {
 public:
  explicit EventEndTask(events::EventService& events) : events_(events) {}
  void run() override {
    try {
      if (const int n = events_.AnnounceEnded(); n > 0)
        Log(Poco::Message::PRIO_INFORMATION, "events", "end of works announced",
            {{"events", static_cast<int64_t>(n)}});
    } catch (const std::exception& e) {
      // Nothing was marked announced that was not queued; the next run retries.
      Log(Poco::Message::PRIO_ERROR, "events", "announcing ended works failed",
          {{"error", std::string(e.what())}});
    }
  }

 private:
  events::EventService& events_;
};

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

// The scheduled control reports (R21), checked once a minute; the store's
// report_runs make each period once across hosts and restarts.
class ReportTask final : public Poco::Util::TimerTask {
 public:
  explicit ReportTask(reports::ReportScheduler& scheduler) : scheduler_(scheduler) {}
  void run() override {
    try {
      scheduler_.RunDue();
    } catch (const std::exception& e) {
      // The claim stays; it is taken over when stale (30 minutes).
      Log(Poco::Message::PRIO_ERROR, "reports", "scheduled report failed",
          {{"error", std::string(e.what())}});
    }
  }

 private:
  reports::ReportScheduler& scheduler_;
};

// Forgets intake keys older than the de-duplication window (hourly).
class InboundPurgeTask final : public Poco::Util::TimerTask {
 public:
  InboundPurgeTask(Store& store, const Clock& clock, int days)
      : store_(store), clock_(clock), days_(days) {}
  void run() override {
    try {
      const int64_t n = store_.PurgeInbound(clock_.Now() - std::chrono::hours(24) * days_);
      if (n > 0) Log(Poco::Message::PRIO_INFORMATION, "intake", "old intake keys purged", {{"count", n}});
    } catch (const std::exception& e) {
      Log(Poco::Message::PRIO_WARNING, "intake", "purging intake keys failed",
          {{"error", std::string(e.what())}});
    }
  }

 private:
  Store& store_;
  const Clock& clock_;
  int days_;
};

// Issue 8: the residents' cabinet's expired sessions and stale one-time
// codes, swept on the timer so a quiet cabinet keeps none of them either
// (a sign-in no longer sweeps; docs/cabinet.md).
class CabinetPurgeTask final : public Poco::Util::TimerTask {
 public:
  explicit CabinetPurgeTask(Cabinet& cabinet) : cabinet_(cabinet) {}
  void run() override {
    try {
      if (const int64_t n = cabinet_.PurgeExpired(); n > 0)
        Log(Poco::Message::PRIO_INFORMATION, "cabinet", "expired sessions purged",
            {{"count", n}});
    } catch (const std::exception& e) {
      // Expired sessions are refused at use anyway; the next run retries.
      Log(Poco::Message::PRIO_WARNING, "cabinet", "purging expired sessions failed",
          {{"error", std::string(e.what())}});
    }
  }

 private:
  Cabinet& cabinet_;
};

// The limits the sender uses for `name`: the channel's declared ones with
// the configured overrides (outbox.rates.<name>) laid over them.
sdk::RateLimit EffectiveLimits(const Config& config, const std::string& name,
                               sdk::RateLimit declared) {
  const auto it = config.outbox.rates.find(name);
  if (it == config.outbox.rates.end()) return declared;
  if (it->second.per_second > 0) declared.overall = sdk::Rate{it->second.per_second, std::chrono::seconds(1)};
  if (it->second.per_recipient_per_second > 0)
    declared.per_recipient =
        sdk::Rate{it->second.per_recipient_per_second, std::chrono::seconds(1)};
  return declared;
}

// The demo works at once: a city folder's addresses.csv fills an empty
// registry on start (R3). Returns the address matcher over the registry.
std::unique_ptr<conversation::AddressMatcher> LoadRegistry(Store& store, const Config& config,
                                                           const std::string& city) {
  const std::filesystem::path csv = std::filesystem::path(config.rules_dir) / "addresses.csv";
  if (store.ListRegistryAddresses(city).empty() && std::filesystem::exists(csv)) {
    const auto counts = conversation::ImportAddresses(store, csv);
    Log(Poco::Message::PRIO_NOTICE, "host", "address registry imported on first start",
        {{"file", csv.string()}, {"city", city}, {"buildings", counts.inserted}});
  }
  auto addresses = store.ListRegistryAddresses(city);
  Log(Poco::Message::PRIO_INFORMATION, "host", "address registry",
      {{"city", city}, {"buildings", static_cast<int64_t>(addresses.size())}});
  if (addresses.empty()) return nullptr;
  return std::make_unique<conversation::AddressMatcher>(std::move(addresses));
}

}  // namespace

int ImportAddressesCommand(const Config& config, const std::string& csv, std::ostream& out,
                           std::ostream& err) {
  auto store = OpenMigrated(config, err);
  if (!store) return kExitFailure;
  try {
    const auto c = conversation::ImportAddresses(*store, csv);
    out << "imported " << csv << ": " << c.rows << " rows, " << c.inserted << " new buildings, "
        << c.updated << " updated";
    if (c.duplicates > 0) out << ", " << c.duplicates << " repeated rows";
    out << "\n";
    return kExitOk;
  } catch (const conversation::RegistryImportError& e) {
    err << "vikno: nothing was imported: " << e.what() << "\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    err << "vikno: import failed, nothing was imported: " << e.what() << "\n";
    return kExitFailure;
  }
}

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
  const std::string host_id = Poco::Environment::nodeName() + ":" + config.http.listen;

  // ---- the residents' side (issue 4) ----
  std::unique_ptr<conversation::AddressMatcher> matcher;
  try {
    matcher = LoadRegistry(*store, config, city.name);
  } catch (const std::exception& e) {
    err << "vikno: address registry: " << e.what() << "\n";
    return kExitFailure;
  }
  Outbox outbox(*store, clock);
  SenderOptions sender_options;
  sender_options.host_id = host_id;
  sender_options.workers_per_channel = config.outbox.workers_per_channel;
  sender_options.batch_size = config.outbox.batch_size;
  sender_options.max_attempts = config.outbox.max_attempts;
  // The channels are known after they start; the sender is created then.
  std::unique_ptr<OutboxSender> sender;
  std::atomic<OutboxSender*> wake_target{nullptr};
  const auto wake = [&wake_target](const std::string& channel) {
    if (OutboxSender* s = wake_target.load()) s->Wake(channel);
  };
  outbox.OnQueued(wake);
  OutboxReplySink replies(*store, *messages, clock, wake);
  // R30: blocks are per channel (store/block_store.h) while the dialogue
  // asks per resident: blocked on "all" or on any channel they write from.
  conversation::StoreConversationRepository repository(
      *store, [s = store.get()](const std::string& resident_id) {
        if (s->IsResidentBlocked(resident_id, kAllChannels)) return true;
        for (const auto& b : s->ListChannelBindings(resident_id))
          if (s->IsResidentBlocked(resident_id, b.channel)) return true;
        return false;
      });
  conversation::ConversationOptions conversation_options;
  conversation_options.retention_years = config.retention_years;
  conversation::ConversationService conversation(*store, repository, appeals, files, *messages,
                                                 matcher.get(), clock, replies,
                                                 conversation_options);
  ResidentNotices notices(*store, outbox, *messages, conversation);
  appeals.SetStatusHook(&notices);
  // Issue 6, R24/R25: broadcasts and surveys fan out into the outbox; their
  // progress estimates the finish from the sender's rate per channel; a
  // survey's button press comes back through the conversation.
  broadcasts::ServiceOptions broadcast_options;
  broadcast_options.wake = wake;
  broadcast_options.rate_of = [&wake_target](const std::string& channel) {
    OutboxSender* s = wake_target.load();
    if (s == nullptr) return 0.0;
    const sdk::RateLimit limits = s->LimitsOf(channel);
    if (limits.overall.count <= 0 || limits.overall.period.count() <= 0) return 0.0;
    return static_cast<double>(limits.overall.count) /
           static_cast<double>(limits.overall.period.count());
  };
  broadcast_options.channels = [&config] {
    std::vector<std::string> names;
    for (const auto& ch : config.channels) names.push_back(ch.name);
    return names;
  };
  broadcasts::BroadcastService broadcast_service(*store, *messages, clock, broadcast_options);
  conversation.SetButtonHandler(
      "survey:", [&broadcast_service](const std::string& channel, const std::string& resident_id,
                                      const std::string& data) {
        return broadcast_service.AnswerButton(channel, resident_id, data);
      });

  // Issue 6, R22/R23: events; their notices keep the city's notice window
  // (city.lua notify_window, 000 §4.3) in the city's time zone.
  events::EventOptions event_options;
  if (auto lua = std::dynamic_pointer_cast<rules::LuaRules>(city.rules)) {
    const auto model = lua->Model();
    event_options.time_zone = model->time_zone;
    event_options.notify_from_minute = model->notify_from;
    event_options.notify_to_minute = model->notify_to;
  }
  event_options.whole_street_label = messages->Get("events.whole_street");
  events::EventService event_service(*store, clock, event_options);

  std::unique_ptr<DeadlineWatch> watch;
  if (auto lua = std::dynamic_pointer_cast<rules::LuaRules>(city.rules)) {
    SchedulerOptions scheduler_options;
    scheduler_options.holder = host_id;
    watch = std::make_unique<DeadlineWatch>(*store, *lua, outbox, clock, scheduler_options,
                                            std::chrono::seconds(30));
    appeals.SetCreateHook(&watch->repeats());
  }

  IntakeOptions intake_options;
  intake_options.workers = config.intake.workers;
  intake_options.queue_capacity = static_cast<size_t>(config.intake.queue_capacity);
  // Group commit where a unit of work is one transaction that rolls back
  // whole (SQLite); MySQL's unit commits per call (Store::BeginUnitOfWork).
  if (config.storage.backend == "sqlite") intake_options.max_group = 16;
  ResidentIntake intake(
      *store, clock,
      [&conversation](const std::string& channel, const sdk::InboundMessage& m) {
        conversation.Handle(channel, m);
      },
      intake_options);
  intake.Start();
  try {
    intake.Replay();
  } catch (const std::exception& e) {
    err << "vikno: intake: cannot read the messages of the last run: " << e.what() << "\n";
    return kExitFailure;
  }
  ChannelRegistry channels(intake, clock, config.http.public_url);

  http::ApiDeps deps;
  deps.appeals = &appeals;
  deps.store = store.get();
  deps.clock = &clock;
  deps.events = &event_service;
  http::Accounts accounts(*store, clock, config.accounts);  // issue 5: staff sign-in
  deps.accounts = &accounts;
  if (config.accounts.two_factor.secret_key.empty())  // B10, docs/two-factor.md
    Log(Poco::Message::PRIO_WARNING, "accounts",
        "accounts.two_factor.secret_key is not set: two-factor secrets are stored unencrypted");
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
  // Issue 5's desk (http/desk_services.h): without these the routes answer
  // 503. The extension rule is the city's extend() (R16); the registry
  // look-up is the conversation's matcher (R3), empty when no registry.
  std::unique_ptr<ExtensionPolicy> extension_policy;
  if (auto lua = std::dynamic_pointer_cast<rules::LuaRules>(city.rules))
    extension_policy = std::make_unique<ExtendByRules<rules::LuaRules>>(*lua);
  std::unique_ptr<AppealRequests> appeal_requests;
  if (extension_policy) {
    appeal_requests =
        std::make_unique<AppealRequests>(*store, appeals, *extension_policy, files, clock);
  } else {
    Log(Poco::Message::PRIO_WARNING, "host",
        "the city's rules have no extend(): appeal requests answer 503", {{"city", city.name}});
  }
  KnowledgeBase knowledge_base(*store, clock);
  Abuse abuse(*store, clock);
  deps.broadcasts = &broadcast_service;
  deps.desk.requests = appeal_requests.get();
  deps.desk.kb = &knowledge_base;
  deps.desk.abuse = &abuse;
  // The multipart envelope around a file of at most files.max_bytes.
  deps.desk.max_upload_bytes = config.files.max_bytes + 1024 * 1024;
  deps.desk.address_lookup = [m = matcher.get()](const std::string& text, int limit) {
    std::vector<RegistryAddress> found;
    if (m == nullptr || limit <= 0) return found;
    for (auto& c : m->Match(text, static_cast<size_t>(limit)).candidates)
      found.push_back(std::move(c.building));
    return found;
  };
  deps.public_url = config.http.public_url;  // Open311 discovery (B1)
  // Issue 6 (R21, R27, R29): dashboard, Excel exports, control reports.
  reports::ReportService report_service(*store, clock, config.reports);
  deps.reports = &report_service;
  deps.time_zone = config.reports.time_zone;
  deps.tmp_dir = (std::filesystem::path(config.data_dir) / "tmp").string();
  deps.webhook = [&channels](const std::string& channel, const std::string& path,
                             sdk::WebhookRequest request) {
    return channels.HandleWebhook(channel, path, std::move(request));
  };
  // Issue 8: the residents' web cabinet (framework/cabinet): codes go out on
  // the configured channels through the outbox; the same argon2 cost as staff.
  std::unique_ptr<Cabinet> cabinet;
  if (config.cabinet.enabled) {
    std::set<std::string> channel_names;
    for (const auto& ch : config.channels) channel_names.insert(ch.name);
    const http::Argon2Params argon2{static_cast<uint32_t>(config.accounts.argon2_time_cost),
                                    static_cast<uint32_t>(config.accounts.argon2_memory_kib),
                                    static_cast<uint32_t>(config.accounts.argon2_parallelism)};
    cabinet = std::make_unique<Cabinet>(*store, appeals, files, clock, config.cabinet, argon2,
                                        channel_names, wake, config.files,
                                        config.retention_years);
    deps.more_routes.push_back([c = cabinet.get()](http::Router& r, const http::ApiDeps& d) {
      http::RegisterCabinetRoutes(r, d, *c);
    });
  }
  http::HttpServer server(config.http, config.api_keys, deps);
  try {
    server.Start();
  } catch (const Poco::Exception& e) {
    err << "vikno: cannot listen on " << config.http.listen << ": " << e.displayText() << "\n";
    return kExitFailure;
  }

  // The channels start once the webhooks can be served. A channel with no
  // library is built into the host (the web form): not a plugin.
  std::vector<ChannelSpec> specs;
  for (const auto& ch : config.channels) {
    if (ch.library.empty()) {
      Log(Poco::Message::PRIO_INFORMATION, "channels", "built-in channel, no plugin",
          {{"channel", ch.name}});
      continue;
    }
    specs.push_back(ChannelSpec{ch.name, ch.library, ch.settings});
  }
  for (const auto& report : channels.StartAll(specs)) {
    if (report.running)
      Log(Poco::Message::PRIO_NOTICE, "channels", "channel running", {{"channel", report.name}});
    else
      Log(Poco::Message::PRIO_ERROR, "channels", "channel not started; the others run",
          {{"channel", report.name}, {"code", report.refusal_code}, {"error", report.error}});
  }
  std::vector<std::unique_ptr<OutboxChannel>> outbox_channels;
  for (const auto& name : channels.Running()) {
    const sdk::RateLimit limits =
        EffectiveLimits(config, name, channels.Limits(name).value_or(sdk::RateLimit{}));
    sender_options.rate_overrides[name] = limits;
  }
  sender = std::make_unique<OutboxSender>(*store, *messages, clock, sender_options);
  for (const auto& name : channels.Running()) {
    outbox_channels.push_back(std::make_unique<FunctionOutboxChannel>(
        [&channels, name](const sdk::OutboundMessage& m) { return channels.Send(name, m); },
        sender->LimitsOf(name)));
    sender->AddChannel(name, *outbox_channels.back());
  }
  sender->Start();
  wake_target = sender.get();
  // A broadcast or survey whose fan-out never committed (the host died in
  // between) is queued now; its keys make a repeat harmless.
  try {
    if (const int resumed = broadcast_service.Resume(); resumed > 0)
      Log(Poco::Message::PRIO_NOTICE, "broadcasts", "fan-outs resumed",
          {{"count", std::to_string(resumed)}});
  } catch (const std::exception& e) {
    Log(Poco::Message::PRIO_ERROR, "broadcasts", "cannot resume fan-outs", {{"error", e.what()}});
  }
  if (watch) watch->Start();

  // R32: once a minute after start (so a host restarted daily still purges),
  // then every 24 hours.
  Poco::Util::Timer timer;
  timer.scheduleAtFixedRate(new RetentionTask(retention, config.retention_years), 60 * 1000L,
                            24L * 60 * 60 * 1000);
  timer.scheduleAtFixedRate(new InboundPurgeTask(*store, clock, config.intake.dedup_days),
                            5 * 60 * 1000L, 60L * 60 * 1000);
  reports::ReportScheduler::Options report_options;
  report_options.dir = config.reports.dir;
  report_options.time_zone = config.reports.time_zone;
  report_options.public_url = config.http.public_url;
  for (const auto& ch : config.channels) report_options.email |= ch.name == "email";
  report_options.wake = wake;
  reports::ReportScheduler report_scheduler(*store, report_service, *messages, clock,
                                            report_options);
  if (config.reports.schedule)
    timer.scheduleAtFixedRate(new ReportTask(report_scheduler), 30 * 1000L, 60 * 1000L);
  timer.scheduleAtFixedRate(new EventEndTask(event_service), 30 * 1000L, 60 * 1000L);
  if (cabinet)
    timer.scheduleAtFixedRate(new CabinetPurgeTask(*cabinet), 2 * 60 * 1000L, 15L * 60 * 1000);

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
  // Order: no new requests or webhooks, no more polling, the messages taken
  // handled, what they queued left for the next start, then the store.
  // 35 s outlasts the server's 30 s socket time-out, so only a wedged
  // handler could still be running after it.
  const bool drained = server.Stop(std::chrono::seconds(35));
  if (!drained)
    Log(Poco::Message::PRIO_WARNING, "host", "requests still running after the grace period",
        {{"in_flight", static_cast<int64_t>(server.InFlight())}});
  channels.StopAll();  // webhooks closed, polling stopped: nothing new comes in
  intake.Stop();       // the messages already taken are handled
  {
    const auto st = intake.stats();
    Log(Poco::Message::PRIO_NOTICE, "intake", "stopped",
        {{"accepted", st.accepted},
         {"duplicates", st.duplicates},
         {"busy", st.busy},
         {"handled", st.handled},
         {"failed", st.failed},
         {"left_pending", st.left_pending}});
  }
  wake_target = nullptr;
  sender->Stop();  // in-flight sends recorded; the rest stays queued
  if (watch) watch->Stop();
  timer.cancel(/*wait=*/true);  // a retention pass in progress completes
  appeals.SetStatusHook(nullptr);
  store.reset();
  Log(Poco::Message::PRIO_NOTICE, "host", "stopped");
  return kExitOk;
}

}  // namespace vikno
