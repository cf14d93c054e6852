// The abuse part of the Store interface (store/store.h): residents blocked on
// a channel or on all of them (R30). The conversation asks IsResidentBlocked
// for every message, so it is one primary-key lookup.
// Thread-safety and errors as for every Store (store/store.h): callable from
// any thread; expected outcomes are Result refusals, failures throw StoreError
// and roll the operation back whole.
#pragma once

#include <string>
#include <vector>

#include "core/audit.h"
#include "core/result.h"
#include "core/time.h"

namespace vikno {

// The channel code that blocks a resident everywhere.
inline constexpr const char* kAllChannels = "all";

struct ResidentBlock {
  std::string resident_id;
  std::string channel;      // "telegram", ... or kAllChannels
  std::string reason;
  std::string approved_by;  // who approved it (a decision maker, R30)
  std::string blocked_by;   // who entered it
  Timestamp blocked_at;
};

class BlockStore {
 public:
  virtual ~BlockStore() = default;

  // Records the block and `audit` in one transaction. Refusal
  // "already_blocked" (nothing written) when that resident is blocked on that
  // channel already. StoreError for an unknown resident.
  virtual Result<ResidentBlock> BlockResident(const ResidentBlock& block,
                                              const AuditEntry& audit) = 0;
  // Lifts the block on exactly `channel` ("all" lifts only the "all" block)
  // with `audit`; false (nothing written) when there was none.
  virtual bool UnblockResident(const std::string& resident_id, const std::string& channel,
                               const AuditEntry& audit) = 0;
  // True when the resident is blocked on `channel` or on "all" (R30: the
  // conversation answers once politely and registers nothing).
  virtual bool IsResidentBlocked(const std::string& resident_id, const std::string& channel) = 0;
  // Every block, newest first.
  virtual std::vector<ResidentBlock> ListBlocks() = 0;
};

}  // namespace vikno
