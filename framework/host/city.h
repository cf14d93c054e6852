// The host's side of the city rules (framework/rules): load a city folder
// for serving, copy its executors and classifier tree into the store (R9),
// and run its tests.lua for `vikno rules test`.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "store/store.h"
#include "workflow/rules_port.h"

namespace vikno {

struct LoadedCity {
  std::shared_ptr<RulesPort> rules;
  std::string name;  // "Суми"
  std::vector<Executor> executors;
  std::vector<Category> categories;
};

// Loads `dir` (running its tests.lua first, so a broken city never serves).
// Throws std::runtime_error whose message names the file and line.
LoadedCity LoadCity(const std::string& dir);

// Upserts the city's executors, then its categories parents first (a child
// names its parent). Returns how many of each were written.
std::pair<size_t, size_t> SyncCity(Store& store, const LoadedCity& city);

// Runs the city's tests.lua cases; prints one line per failure and a
// summary. Returns 0 when all pass, 1 on failures, 2 when the city does not load.
int RunCityTestsCommand(const std::string& dir, std::ostream& out, std::ostream& err);

}  // namespace vikno
