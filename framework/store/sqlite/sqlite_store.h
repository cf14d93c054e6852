// The embedded Store backend: one SQLite file in WAL mode (DESIGN.md,
// "Storage"). Nothing to install or start; right for one host and a small
// community. Several hosts need the MySQL/MariaDB backend.
//
// Thread-safety: every method may be called from any thread. Writes go
// through one connection under a mutex (SQLite has one writer at a time
// anyway); reads take a connection from a small pool, so lists and lookups
// run beside a write and see the last committed state (WAL snapshot).
// Errors: SQLite failures throw StoreError carrying SQLite's message; the
// transaction of the failed operation is rolled back whole.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace vikno {
namespace sqlite_detail {
class WalCheckpointer;
}  // namespace sqlite_detail

class SqliteStore final : public Store {
 public:
  // Opens (creating if absent) the database file at `path`. Call Migrate()
  // before anything else on a new file. ":memory:" is refused: reads use
  // their own connections, which a private in-memory database cannot share.
  // `max_idle_readers` bounds the read connections kept open between calls.
  explicit SqliteStore(std::string path, int max_idle_readers = 4);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  std::string Backend() const override { return "sqlite"; }
  void Migrate() override;
  std::vector<AppliedMigration> Migrations() override;
  bool Ping() override;
  // One BEGIN IMMEDIATE on the writer for the whole unit; the writer stays
  // with this thread until the unit ends (sqlite_store.cc, "Units of work").
  std::unique_ptr<UnitOfWork> BeginUnitOfWork() override;

  void CreateResident(const Resident& resident, const AuditEntry& audit) override;
  std::optional<Resident> FindResident(const std::string& id) override;
  std::vector<Resident> FindResidentsByPhone(const std::string& phone) override;
  void UpdateResident(const Resident& resident, const AuditEntry& audit) override;

  void UpsertExecutor(const Executor& executor) override;
  std::optional<Executor> FindExecutor(const std::string& id) override;
  std::vector<Executor> ListExecutors() override;
  void UpsertCategory(const Category& category) override;
  std::vector<Category> ListCategories() override;
  int64_t UpsertRegistryAddress(const RegistryAddress& address) override;
  std::optional<RegistryAddress> FindRegistryAddress(int64_t id) override;
  std::vector<RegistryAddress> ListRegistryAddresses(const std::string& city) override;

  Appeal CreateAppeal(const Appeal& draft, const AuditEntry& audit) override;
  std::optional<Appeal> FindAppeal(int64_t id) override;
  std::optional<Appeal> FindAppealByNumber(const std::string& number) override;
  AppealPage ListAppeals(const AppealQuery& query) override;
  Result<Appeal> UpdateAppeal(const Appeal& appeal, const AuditEntry& audit) override;
  void ImportAppeals(const std::vector<Appeal>& appeals) override;

  Comment AddComment(const Comment& comment, const AuditEntry& audit) override;
  std::vector<Comment> ListComments(int64_t appeal_id) override;
  Attachment AddAttachment(const Attachment& attachment, const AuditEntry& audit) override;
  std::vector<Attachment> ListAttachments(int64_t appeal_id) override;

  void Audit(const AuditEntry& entry) override;
  std::vector<AuditEntry> ListAudit(const std::string& entity,
                                    const std::string& entity_id) override;

  PurgeReport PurgeClosedBefore(Timestamp cutoff, const AuditEntry& audit) override;

  std::vector<Appeal> ListAppealsDueForCheck(Timestamp now, int limit) override;
  void SetNextCheck(int64_t appeal_id, std::optional<Timestamp> at) override;
  bool RecordEscalationStep(int64_t appeal_id, const std::string& step,
                            const AuditEntry& audit) override;
  std::vector<std::string> ListEscalationSteps(int64_t appeal_id) override;
  bool AcquireLease(const std::string& name, const std::string& holder, Timestamp now,
                    std::chrono::seconds ttl) override;
  void ReleaseLease(const std::string& name, const std::string& holder) override;
  std::optional<Appeal> FindOpenAppealAt(const std::string& category, int64_t registry_id,
                                         Timestamp since) override;

  void UpsertChannelBinding(const ChannelBinding& binding) override;
  std::vector<ChannelBinding> ListChannelBindings(const std::string& resident_id) override;
  std::optional<ChannelBinding> FindChannelBindingByChat(const std::string& channel,
                                                         const std::string& chat_id) override;

  bool EnqueueOutbox(const OutboxMessage& message) override;
  std::vector<OutboxMessage> ClaimOutbox(const std::string& channel,
                                         const std::string& claim_token, Timestamp now,
                                         Timestamp claim_until, int limit) override;
  bool MarkOutboxSent(int64_t id, const std::string& claim_token,
                      const std::string& provider_message_id, Timestamp now) override;
  bool MarkOutboxRetry(int64_t id, const std::string& claim_token, Timestamp next_attempt_at,
                       const std::string& reason, Timestamp now) override;
  bool MarkOutboxFailed(int64_t id, const std::string& claim_token, const std::string& reason,
                        Timestamp now) override;
  int ReleaseOutboxClaims(const std::string& claim_token, Timestamp now) override;
  std::optional<OutboxMessage> FindOutboxByKey(const std::string& idempotency_key) override;
  bool RecordOutboxReceipt(const std::string& channel, const std::string& provider_message_id,
                           const std::string& receipt, const std::string& detail,
                           Timestamp now) override;
  std::vector<OutboxMessage> ListOutbox(const OutboxQuery& query) override;
  std::vector<OutboxCount> CountOutbox(const std::string& batch_id) override;
  std::optional<Timestamp> NextOutboxAttempt(const std::string& channel) override;

  // account_store.h
  Result<StaffUser> CreateUser(const StaffUser& user, const AuditEntry& audit) override;
  std::optional<StaffUser> FindUser(int64_t id) override;
  std::optional<StaffUser> FindUserByLogin(const std::string& login) override;
  std::vector<StaffUser> ListUsers() override;
  int64_t CountUsers() override;
  Result<StaffUser> UpdateUser(const StaffUser& user, const AuditEntry& audit) override;
  Result<Done> SetPasswordHash(int64_t user_id, const std::string& password_hash,
                               const std::string& keep_session,
                               const std::optional<AuditEntry>& audit) override;
  void CreateSession(const StaffSession& session, const std::string& replaces,
                     const AuditEntry& audit) override;
  std::optional<StaffSession> FindSession(const std::string& token_hash) override;
  void TouchSession(const std::string& token_hash, Timestamp at) override;
  bool DeleteSession(const std::string& token_hash,
                     const std::optional<AuditEntry>& audit) override;
  std::vector<StaffSession> ListSessionsOfUser(int64_t user_id) override;
  int64_t PurgeSessions(Timestamp idle_before, Timestamp created_before) override;
  std::optional<LoginThrottle> FindThrottle(const std::string& key) override;
  void SaveThrottles(const std::vector<LoginThrottle>& throttles,
                     const std::vector<AuditEntry>& audit) override;
  void ClearThrottle(const std::string& key) override;
  std::optional<StaffTwoFactor> FindTwoFactor(int64_t user_id) override;
  Result<Done> BeginTwoFactor(int64_t user_id, const std::string& sealed_secret, Timestamp at,
                              const AuditEntry& audit) override;
  Result<Done> EnableTwoFactor(int64_t user_id, int64_t step,
                               const std::vector<std::string>& recovery_hashes,
                               const std::string& keep_session, Timestamp at,
                               const AuditEntry& audit) override;
  bool UseTotpStep(int64_t user_id, int64_t step) override;
  std::vector<RecoveryCode> ListRecoveryCodes(int64_t user_id) override;
  bool UseRecoveryCode(int64_t user_id, int64_t code_id, Timestamp at,
                       const AuditEntry& audit) override;
  Result<Done> DeleteTwoFactor(int64_t user_id, const std::string& keep_session,
                               const AuditEntry& audit) override;

  // cabinet_store.h
  void SaveCabinetCode(const CabinetCode& code) override;
  std::optional<CabinetCode> FindCabinetCode(const std::string& login) override;
  int FailCabinetCode(const std::string& login) override;
  void SpendCabinetCode(const std::string& login) override;
  Result<CabinetAccount> CreateCabinetAccount(const CabinetAccount& account,
                                              const std::optional<Resident>& new_resident,
                                              const Identity& identity, const Consent& consent,
                                              const AuditEntry& audit) override;
  std::optional<CabinetAccount> FindCabinetAccount(int64_t id) override;
  std::optional<CabinetAccount> FindCabinetAccountByLogin(const std::string& login) override;
  Result<Done> SetCabinetPassword(int64_t account_id, const std::string& password_hash,
                                  const std::string& keep_session,
                                  const std::optional<AuditEntry>& audit) override;
  Result<Done> SetCabinetName(int64_t account_id, const std::string& name,
                              const AuditEntry& audit) override;
  Result<Done> EraseCabinetAccount(int64_t account_id, const AuditEntry& audit) override;
  void CreateCabinetSession(const CabinetSession& session, const std::string& replaces,
                            const AuditEntry& audit) override;
  std::optional<CabinetSession> FindCabinetSession(const std::string& token_hash) override;
  void TouchCabinetSession(const std::string& token_hash, Timestamp at) override;
  bool DeleteCabinetSession(const std::string& token_hash,
                            const std::optional<AuditEntry>& audit) override;
  std::vector<CabinetSession> ListCabinetSessions(int64_t account_id) override;
  int64_t PurgeCabinetSessions(Timestamp idle_before, Timestamp created_before) override;

  // conversation_store.h
  std::optional<std::string> LoadDialogue(const std::string& channel,
                                          const std::string& chat_id) override;
  void SaveDialogue(const std::string& channel, const std::string& chat_id,
                    const std::string& resident_id, const std::string& state_json,
                    Timestamp now) override;
  std::vector<Address> ListResidentAddresses(const std::string& resident_id) override;
  bool AddResidentAddress(const std::string& resident_id, const Address& address,
                          Timestamp now) override;
  int64_t AddRating(const Rating& rating) override;
  std::vector<Rating> ListRatingsForAppeal(int64_t appeal_id) override;
  std::vector<Event> ListActiveEventsAt(const std::vector<Address>& addresses,
                                        Timestamp now) override;
  int64_t CreateEvent(const Event& event) override;
  // Events (event_store.h; sqlite_events.cc / mysql_events.cc).
  Event AddEvent(const Event& event, const AuditEntry& audit) override;
  Result<Event> UpdateEvent(const Event& event, const AuditEntry& audit) override;
  std::optional<Event> GetEvent(int64_t id) override;
  EventPage ListEvents(const EventQuery& query) override;
  Result<Event> DeleteEvent(int64_t id, const std::string& deleted_by, Timestamp now,
                            const AuditEntry& audit) override;
  std::vector<EventSubscriber> ListEventSubscribers(int64_t event_id) override;
  std::vector<Event> ListEventsEndedUnannounced(Timestamp now, int limit) override;
  bool MarkEventEndAnnounced(int64_t id, Timestamp now) override;
  int64_t CancelQueuedEventNotices(int64_t event_id, const std::string& reason,
                                   Timestamp now) override;
  std::map<int64_t, EventNoticeCounts> CountEventNotices(
      const std::vector<int64_t>& event_ids) override;
  RegistryUpsertCounts UpsertRegistryAddresses(
      const std::vector<RegistryAddress>& addresses) override;
  bool RecordInbound(const std::string& channel, const std::string& provider_id,
                     const std::string& payload_json, Timestamp now) override;
  void CompleteInbound(const std::string& channel, const std::string& provider_id,
                       const std::string& error, Timestamp now) override;
  std::vector<PendingInbound> ListPendingInbound(int64_t after_id, int limit) override;
  int64_t PurgeInbound(Timestamp before) override;


  // request_store.h
  ExtensionRequest AddExtensionRequest(const ExtensionRequest& request,
                                       const AuditEntry& audit) override;
  std::optional<ExtensionRequest> FindExtensionRequest(int64_t id) override;
  std::vector<ExtensionRequest> ListExtensionRequests(int64_t appeal_id) override;
  Result<ExtensionRequest> DecideExtensionRequest(int64_t id, bool approve,
                                                  const Decision& decision,
                                                  const std::optional<Appeal>& appeal,
                                                  const AuditEntry& audit) override;
  ExecutorChangeRequest AddExecutorChangeRequest(const ExecutorChangeRequest& request,
                                                 const AuditEntry& audit) override;
  std::optional<ExecutorChangeRequest> FindExecutorChangeRequest(int64_t id) override;
  std::vector<ExecutorChangeRequest> ListExecutorChangeRequests(int64_t appeal_id) override;
  Result<ExecutorChangeRequest> DecideExecutorChangeRequest(int64_t id, bool approve,
                                                            const Decision& decision,
                                                            const std::optional<Appeal>& appeal,
                                                            const AuditEntry& audit) override;
  Informing AddInforming(const Informing& informing, const AuditEntry& audit) override;
  std::vector<Informing> ListInformings(int64_t appeal_id) override;

  // desk_store.h
  KbEntry AddKbEntry(const KbEntry& entry, const AuditEntry& audit) override;
  bool UpdateKbEntry(const KbEntry& entry, const AuditEntry& audit) override;
  bool DeleteKbEntry(int64_t id, const AuditEntry& audit) override;
  std::optional<KbEntry> FindKbEntry(int64_t id) override;
  std::vector<KbEntry> ListKbEntries() override;
  Consultation AddConsultation(const Consultation& consultation, const AuditEntry& audit) override;
  std::vector<Consultation> ListConsultations(const std::string& phone,
                                              const std::string& resident_id, int limit) override;
  bool UpdateExecutorContacts(const std::string& executor_id, const std::string& phone,
                              const std::string& email, const std::string& head,
                              const AuditEntry& audit) override;

  // block_store.h
  Result<ResidentBlock> BlockResident(const ResidentBlock& block, const AuditEntry& audit) override;
  bool UnblockResident(const std::string& resident_id, const std::string& channel,
                       const AuditEntry& audit) override;
  bool IsResidentBlocked(const std::string& resident_id, const std::string& channel) override;
  std::vector<ResidentBlock> ListBlocks() override;

  // report_store.h (sqlite_reports.cc): R21, R27, R29
  DashboardFigures Dashboard(const ReportFilter& filter, Timestamp now) override;
  std::vector<ControlRow> ControlRows(const ReportFilter& filter, ReportGroup group,
                                      Timestamp now) override;
  std::vector<OverdueAppeal> ListOverdue(const ReportFilter& filter, Timestamp now,
                                         int limit) override;
  bool ClaimReportRun(const std::string& kind, Timestamp period_from, Timestamp now,
                      Timestamp stale_before) override;
  void CompleteReportRun(const std::string& kind, Timestamp period_from,
                         const std::string& file) override;
  std::vector<ReportRun> ListReportRuns(const std::string& kind, int limit) override;

  // api_key_store.h (sqlite_api_keys.cc): Open311, B1
  ApiKey CreateApiKey(const ApiKey& key, const AuditEntry& audit) override;
  std::optional<ApiKey> FindApiKeyByHash(const std::string& key_hash) override;
  Result<ApiKey> RevokeApiKey(int64_t id, const std::string& by, Timestamp at,
                              const AuditEntry& audit) override;
  std::vector<ApiKey> ListApiKeys() override;
  void RecordOpen311Filing(const Open311Filing& filing) override;
  std::optional<Open311Filing> FindOpen311FilingByToken(const std::string& token) override;
  std::optional<Open311Filing> FindOpen311FilingByAppeal(int64_t appeal_id) override;
  std::vector<AuditEntry> ListAppealAuditBetween(Timestamp from, Timestamp to, int limit,
                                                 int offset) override;

  // broadcast_store.h (sqlite_broadcasts.cc)
  int64_t CreateBroadcast(const Broadcast& broadcast) override;
  std::optional<Broadcast> FindBroadcast(int64_t id) override;
  std::vector<Broadcast> ListBroadcasts(int limit, int64_t before_id) override;
  int64_t FanOutBroadcast(int64_t id, const FanOut& fan_out, Timestamp now) override;
  std::vector<int64_t> ListUnqueuedBroadcasts() override;
  int64_t CreateSurvey(const Survey& survey) override;
  std::optional<Survey> FindSurvey(int64_t id) override;
  std::vector<Survey> ListSurveys(int limit, int64_t before_id) override;
  int64_t FanOutSurvey(int64_t id, const FanOut& fan_out, Timestamp now) override;
  std::vector<int64_t> ListUnqueuedSurveys() override;
  SurveyAnswerOutcome RecordSurveyAnswer(int64_t survey_id, const std::string& channel,
                                         const std::string& resident_id, int option,
                                         Timestamp now) override;
  std::vector<int64_t> SurveyResults(int64_t survey_id) override;
  std::vector<Rating> ListRatings(const RatingQuery& query) override;
  std::vector<RatingSummary> SummariseRatings(const RatingQuery& query) override;


  class Connection;  // one sqlite3 handle with its prepared-statement cache

 private:
  class ReadLease;
  class Unit;  // the SQLite unit of work (sqlite_store.cc)
  // A read connection; inside this thread's unit of work the writer itself,
  // so the unit reads what it wrote.
  ReadLease Read();
  // Re-runs ANALYZE when the appeals table changed size twofold; needs
  // write_mutex_.
  void RefreshStatistics(Connection& writer);

  std::string path_;
  size_t max_idle_readers_;
  // Recursive: a unit of work holds it from Begin to its end, and the store
  // calls made inside the unit lock it again on the same thread.
  std::recursive_mutex write_mutex_;
  std::unique_ptr<Connection> writer_;  // guarded by write_mutex_
  int appeal_writes_since_check_ = 0;   // guarded by write_mutex_
  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by readers_mutex_
  uint64_t statistics_generation_ = 0;                     // guarded by readers_mutex_

  // The city's categories and executors kept in memory (issue 4): every step
  // of every resident's dialogue lists them, and they change only on a city
  // sync or a contacts edit, which go through this store and drop the copy
  // (DropCatalogCache after the commit). Another process writing the same
  // file (a `vikno` command beside `vikno serve`) is seen within
  // kCatalogCacheTtl. A read that raced a write does not keep what it read:
  // `generation` tells it a write came in between.
  static constexpr std::chrono::seconds kCatalogCacheTtl{5};
  void DropCatalogCache();
  std::mutex catalog_cache_mutex_;
  uint64_t catalog_generation_ = 0;                       // guarded by catalog_cache_mutex_
  std::optional<std::vector<Category>> cached_categories_;  // guarded by catalog_cache_mutex_
  std::chrono::steady_clock::time_point categories_loaded_at_;
  std::optional<std::vector<Executor>> cached_executors_;  // guarded by catalog_cache_mutex_
  std::chrono::steady_clock::time_point executors_loaded_at_;

  // Declared last so it stops first: it checkpoints the WAL off the request
  // path (wal_checkpointer.h).
  std::unique_ptr<sqlite_detail::WalCheckpointer> checkpointer_;
};

}  // namespace vikno
