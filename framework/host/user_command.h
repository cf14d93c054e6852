// Staff accounts from the host (issue 5):
//   vikno user add --login L --role R [--name N] [--services a,b]
// creates an account and prints its generated password once; and the pieces
// `vikno serve` uses: the first administrator on an empty store and the
// hourly purge of expired sessions.
#pragma once

#include <Poco/Util/TimerTask.h>

#include <map>
#include <optional>
#include <ostream>
#include <string>

#include "host/config.h"
#include "http/session.h"

namespace vikno {

// `options` holds "login", "role", and optionally "name" and "services"
// (comma-separated executor ids). Prints "user <login> (<role>) created;
// password: <password>" and returns kExitOk; a refusal (taken login, unknown
// service, ...) goes to `err` with kExitFailure, a missing option with
// kExitUsage.
int UserAddCommand(const Config& config, const std::map<std::string, std::string>& options,
                   std::ostream& out, std::ostream& err);

// B10: `vikno staff totp-reset --user LOGIN` for a member of staff who lost
// their authenticator and recovery codes: removes the second factor and
// every session of the login, clears its login throttle, audited as
// "two_factor_reset" by "system:cli". A required role enrols again at the
// next sign-in. kExitUsage without --user, kExitFailure for an unknown login
// or one without a second factor.
int TotpResetCommand(const Config& config, const std::map<std::string, std::string>& options,
                     std::ostream& out, std::ostream& err);

// On a store with no users: creates `admin` with a generated password and
// prints "panel: <url>/panel/ login admin password <password>" once.
void BootstrapAdministrator(http::Accounts& accounts, const std::string& url, std::ostream& out);

// A timer task deleting expired sessions and stale throttle rows.
Poco::Util::TimerTask* NewSessionPurgeTask(http::Accounts& accounts);

}  // namespace vikno
