// Open311 API keys from the host (B1):
//   vikno open311-key issue --name LABEL   prints the new key's id and secret once
//   vikno open311-key revoke ID            the key stops working at once
//   vikno open311-key list                 id, state, label, issued, revoked
// The same service as the panel's /api/v1/open311-keys
// (http/open311/api_keys.h), acting as the system; audited.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "host/config.h"

namespace vikno {

// `args` is the command line after the options: {"open311-key", sub, ...};
// `options` holds "name" for issue. kExitUsage for a bad command line,
// kExitFailure for a refusal (unknown key, already revoked) or a store failure.
int Open311KeyCommand(const Config& config, const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& options, std::ostream& out,
                      std::ostream& err);

}  // namespace vikno
