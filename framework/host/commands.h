// The sub-commands of the `vikno` binary (main.cc parses the command line):
//   serve         run the host: store, rules, HTTP, daily retention
//   migrate       apply pending store migrations
//   check-config  validate the configuration file
//   purge         run retention now (R32)
//   rules test    run a city's tests.lua
//   import addresses  load the city's address registry from CSV
// Each returns the process exit code; output goes to the given streams so the
// commands can be tested without a process.
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "host/config.h"

namespace vikno {

// Exit codes, shared by all commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and found a problem
inline constexpr int kExitConfig = 2;   // the configuration is unusable
inline constexpr int kExitUsage = 64;   // EX_USAGE: bad command line

int CheckConfigCommand(const std::string& path, std::ostream& out, std::ostream& err);
int MigrateCommand(const Config& config, std::ostream& out, std::ostream& err);
int PurgeCommand(const Config& config, std::ostream& out, std::ostream& err);
// `vikno import addresses <csv>`: the city's address registry (R3), all or
// nothing (conversation/registry_import.h).
int ImportAddressesCommand(const Config& config, const std::string& csv, std::ostream& out,
                           std::ostream& err);

// Serves until `wait_for_stop` returns (SIGTERM/SIGINT in the binary), then
// stops accepting, lets requests in flight finish, waits for a running
// retention pass and closes the store.
int ServeCommand(const Config& config, std::ostream& out, std::ostream& err,
                 const std::function<void()>& wait_for_stop);

}  // namespace vikno
