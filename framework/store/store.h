// The one storage interface, in domain terms (DESIGN.md, "Storage"). Two
// backends implement it: SQLite (embedded default) and MySQL/MariaDB. Both
// pass the same conformance suite (tests/integration/store/).
//
// Thread-safety: a Store may be called from any thread; implementations
// serialise or pool connections as they need.
// Errors: expected outcomes (a stale write) are Result refusals; a broken
// connection or a constraint violation throws StoreError, and the operation's
// transaction is rolled back: nothing half-written remains.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/appeal.h"
#include "core/audit.h"
#include "core/catalog.h"
#include "core/resident.h"
#include "core/result.h"
#include "core/time.h"
#include "store/account_store.h"
#include "store/api_key_store.h"
#include "store/appeal_store.h"
#include "store/block_store.h"
#include "store/cabinet_store.h"
#include "store/broadcast_store.h"
#include "store/catalog_store.h"
#include "store/conversation_store.h"
#include "store/desk_store.h"
#include "store/event_store.h"
#include "store/outbox_store.h"
#include "store/report_store.h"
#include "store/request_store.h"
#include "store/resident_store.h"
#include "store/scheduling_store.h"

namespace vikno {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct AppliedMigration {
  int version = 0;
  std::string name;  // file name: "001_initial.sql"
  Timestamp applied_at;
};

// The whole interface: one base per concern (resident_store.h, catalog_store.h,
// appeal_store.h, scheduling_store.h, outbox_store.h, conversation_store.h), so concerns are added
// side by side; see store/README.md.
class Store : public AccountStore,
              public ResidentStore,
              public CatalogStore,
              public AppealStore,
              public SchedulingStore,
              public OutboxStore,
              public RequestStore,
              public DeskStore,
              public EventStore,
              public BlockStore,
              public ReportStore,
              public CabinetStore,
              public ApiKeyStore,
              public BroadcastStore,
              public ConversationStore {
 public:
  virtual ~Store() = default;

  // "sqlite" or "mysql".
  virtual std::string Backend() const = 0;
  // Applies the numbered migrations not yet recorded; idempotent.
  virtual void Migrate() = 0;
  virtual std::vector<AppliedMigration> Migrations() = 0;
  // True when a trivial query succeeds (for /healthz).
  virtual bool Ping() = 0;

  // A unit of work (issue 4, intake rate): the store calls this thread makes
  // until Commit() happen in ONE transaction, and the calls read what the
  // unit wrote. Destroyed without Commit(), everything of the unit is rolled
  // back; a call that fails inside it rolls back only its own part (it
  // throws, and the caller normally lets the whole unit go). Commit() throws
  // StoreError when the transaction cannot be committed (nothing of it
  // stays). The unit belongs to the thread that began it; a nested Begin on
  // that thread joins the outer unit (its Commit is then a no-op).
  class UnitOfWork {
   public:
    virtual ~UnitOfWork() = default;
    virtual void Commit() = 0;
  };
  // The default keeps each call its own transaction (a backend that has no
  // cheaper way, e.g. MySQL where the server commits in groups itself):
  // Commit() does nothing, a failure leaves the calls made before it.
  virtual std::unique_ptr<UnitOfWork> BeginUnitOfWork() {
    struct PerCall final : UnitOfWork {
      void Commit() override {}
    };
    return std::make_unique<PerCall>();
  }
};

}  // namespace vikno
