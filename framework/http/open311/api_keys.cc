#include "http/open311/api_keys.h"

#include <Poco/JSON/Object.h>

#include <sstream>

#include "http/passwords.h"
#include "workflow/appeal_service.h"

namespace vikno::http::open311 {
namespace {

// Key management is an administrator's act (000 §5.3: the administrator
// manages the system's settings and access); the CLI acts as the system.
bool MayManage(const Actor& actor) {
  return actor.role == Role::kAdministrator || actor.role == Role::kSystem;
}

std::string Details(const ApiKey& key) {
  Poco::JSON::Object o;
  o.set("label", key.label);
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

}  // namespace

Result<IssuedKey> ApiKeyService::Issue(const std::string& label, const Actor& actor) {
  if (!MayManage(actor)) return Refuse("forbidden", "only an administrator issues Open311 keys");
  if (label.empty()) return Refuse("missing_label", "say whom the key is for (label)");
  if (label.size() > kMaxLabelBytes || !IsValidUtf8(label))
    return Refuse("invalid_label", "the label is longer than " + std::to_string(kMaxLabelBytes) +
                                       " bytes or not valid UTF-8");
  const Timestamp now = clock_.Now();
  IssuedKey issued;
  // 32 random bytes: guessing is hopeless, so a plain SHA-256 (not a slow
  // password hash) is the right way to keep it and to find it in one lookup.
  issued.secret = "o311_" + RandomToken(32);
  ApiKey key;
  key.label = label;
  key.key_hash = Sha256Hex(issued.secret);
  key.created_by = actor.id;
  key.created_at = now;
  issued.key = store_.CreateApiKey(key, AuditEntry::By(actor, now, "api_key", "", "issue",
                                                       Details(key)));
  return issued;
}

Result<ApiKey> ApiKeyService::Revoke(int64_t id, const Actor& actor) {
  if (!MayManage(actor)) return Refuse("forbidden", "only an administrator revokes Open311 keys");
  const Timestamp now = clock_.Now();
  return store_.RevokeApiKey(id, actor.id, now,
                             AuditEntry::By(actor, now, "api_key", "", "revoke", "{}"));
}

Result<std::vector<ApiKey>> ApiKeyService::List(const Actor& actor) {
  if (!MayManage(actor)) return Refuse("forbidden", "only an administrator sees Open311 keys");
  return store_.ListApiKeys();
}

std::optional<ApiKey> ApiKeyService::Authenticate(const std::string& secret) {
  if (secret.empty() || secret.size() > 200) return std::nullopt;
  auto key = store_.FindApiKeyByHash(Sha256Hex(secret));
  if (!key || !key->active()) return std::nullopt;
  return key;
}

}  // namespace vikno::http::open311
