// Abuse (R30): blocking a resident on a channel, or on all of them, with the
// reason and who approved it; lifting the block. A blocked resident's
// messages are answered once politely and not registered: the conversation
// asks Store::IsResidentBlocked(resident_id, channel) (store/block_store.h).
// (Rejecting an abusive appeal with a reason is the R14 "reject" transition.)
//
// Roles: an administrator blocks; a moderator blocks only naming the
// decision maker who approved it (approved_by). Both lift blocks; decision
// makers also read the list. Every change audited (R33) in its transaction.
// Thread-safety: stateless apart from its references; safe from many threads.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "core/role.h"
#include "core/time.h"
#include "store/store.h"

namespace vikno {

class Abuse {
 public:
  static constexpr size_t kMaxReasonBytes = 2000;

  Abuse(Store& store, Clock& clock);

  // Refusals: "forbidden", "approval_required" (a moderator without
  // approved_by), "invalid_channel" (not a channel nor "all"),
  // "missing_reason", "invalid_reason", "not_found" (no such resident),
  // "already_blocked".
  Result<ResidentBlock> Block(const std::string& resident_id, const std::string& channel,
                              const std::string& reason, const std::string& approved_by,
                              const Actor& actor);
  // Refusals: "forbidden", "not_found" (not blocked on that channel).
  Result<Done> Unblock(const std::string& resident_id, const std::string& channel,
                       const Actor& actor);
  Result<std::vector<ResidentBlock>> List(const Actor& actor);

 private:
  Store& store_;
  Clock& clock_;
};

}  // namespace vikno
