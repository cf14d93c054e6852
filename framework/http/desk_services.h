// The services behind issue 5's desk routes (api_requests.cc: appeal requests,
// informing, flags, files; api_operator.cc: the operator's window, knowledge
// base, directory, abuse). The host builds them and puts them in
// ApiDeps::desk; a service left null makes its routes answer 503
// "unavailable", so a host that has not wired them fails loudly, not silently.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/address.h"
#include "workflow/abuse.h"
#include "workflow/appeal_requests.h"
#include "workflow/knowledge_base.h"

namespace vikno::http {

class Router;
struct ApiDeps;

struct DeskServices {
  AppealRequests* requests = nullptr;
  KnowledgeBase* kb = nullptr;
  Abuse* abuse = nullptr;
  // GET /api/v1/registry/addresses: the registry's best matches for typed
  // text (the conversation's AddressMatcher, R3), best first, at most `limit`.
  std::function<std::vector<RegistryAddress>(const std::string& text, int limit)> address_lookup;
  // Upper bound of an upload's multipart body; the file itself is checked
  // against FilesConfig::max_bytes by FileStore.
  int64_t max_upload_bytes = 21 * 1024 * 1024;
};

// Registered by RegisterRoutes (api.cc).
void RegisterRequestRoutes(Router& router, const ApiDeps& deps);
void RegisterOperatorRoutes(Router& router, const ApiDeps& deps);

}  // namespace vikno::http
