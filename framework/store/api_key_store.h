// The Open311 part of the Store interface (store/store.h, B1): the API keys an
// administrator issues to civic apps for POST requests (GeoReport v2 requires
// a key to file), the tokens POST answers with, and the appeal-audit feed that
// GET servicerequestupdates (mySociety's extension) pages through.
//
// Keys are stored as the SHA-256 of the secret only: the secret is shown once
// when issued and cannot be read back, so a leaked database gives no key.
// Thread-safety and errors as for every Store (store/store.h): callable from
// any thread; expected outcomes are Result refusals, failures throw StoreError
// and roll the operation back whole.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/audit.h"
#include "core/result.h"
#include "core/time.h"

namespace vikno {

struct ApiKey {
  int64_t id = 0;            // assigned by the store
  std::string label;         // who it is for: "FixMyStreet Kryvyi Rih"
  std::string key_hash;      // lower-case hex SHA-256 of the secret
  std::string created_by;    // the administrator (user id) or "cli"
  Timestamp created_at;
  std::optional<Timestamp> revoked_at;  // set once; a revoked key never works again
  std::string revoked_by;

  bool active() const { return !revoked_at.has_value(); }
};

// One appeal filed through POST requests: the token it was answered with, the
// media URL the client sent (the card keeps no URLs of its own) and the key
// that filed it (R33: which app, next to the audit's actor).
struct Open311Filing {
  std::string token;
  int64_t appeal_id = 0;
  std::string media_url;  // may be empty
  int64_t api_key_id = 0;
  Timestamp created_at;
};

class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;

  // Stores a new key and `audit` (its entity_id filled with the new id) in one
  // transaction; returns it with its id. StoreError when the hash is taken
  // (a secret generated twice: never in practice).
  virtual ApiKey CreateApiKey(const ApiKey& key, const AuditEntry& audit) = 0;
  // The key whose hash is `key_hash`, active or revoked.
  virtual std::optional<ApiKey> FindApiKeyByHash(const std::string& key_hash) = 0;
  // Marks the key revoked by `by` at `at` with `audit` (entity_id filled).
  // Refusals (nothing written): "not_found", "already_revoked".
  virtual Result<ApiKey> RevokeApiKey(int64_t id, const std::string& by, Timestamp at,
                                      const AuditEntry& audit) = 0;
  // Every key, newest first (revoked ones too: the administrator sees history).
  virtual std::vector<ApiKey> ListApiKeys() = 0;

  // Remembers a POST requests filing. The row goes with the appeal when
  // retention removes it. StoreError for an unknown appeal, a token already
  // used or an appeal already recorded.
  virtual void RecordOpen311Filing(const Open311Filing& filing) = 0;
  // The filing a token names; nullopt for an unknown token.
  virtual std::optional<Open311Filing> FindOpen311FilingByToken(const std::string& token) = 0;
  // The filing of an appeal; nullopt when it did not come through Open311.
  virtual std::optional<Open311Filing> FindOpen311FilingByAppeal(int64_t appeal_id) = 0;

  // Audit entries of appeals (entity "appeal") with `from` <= at < `to`,
  // oldest first (by at, then id), at most `limit` after skipping the first
  // `offset`. The feed of GET servicerequestupdates.
  virtual std::vector<AuditEntry> ListAppealAuditBetween(Timestamp from, Timestamp to, int limit,
                                                         int offset) = 0;
};

}  // namespace vikno
