// `vikno rules test rules/<city>`: runs the city's tests.lua cases through the
// real engine and reports each failure with its file:line, expected and
// actual value. LuaRules::Load and Reload run the same cases and refuse a
// city that fails them.
//
// tests.lua is data (OpenResty t/*.t style): each case is a message in and
// the decision out; see docs/rules.md.
#pragma once

#include <string>
#include <vector>

#include "rules/rules_types.h"

namespace vikno::rules {

class CityRules;

struct CaseFailure {
  std::string where;  // "rules/sumy/tests.lua:12"
  std::string what;   // "category", "resolve_due", ...
  std::string expected;
  std::string actual;
};

struct CityTestReport {
  std::string city_dir;
  std::string city_name;
  std::string load_error;  // the city or tests.lua did not load; nothing ran
  int passed = 0;
  std::vector<CaseFailure> failures;

  bool ok() const { return load_error.empty() && failures.empty() && passed > 0; }
  // Human-readable lines: one per failure and a summary line.
  std::string Summary() const;
};

// Loads `city_dir` and runs its tests.lua. Never throws.
CityTestReport RunCityTests(const std::string& city_dir, const Options& options = {});

// Runs tests.lua against an already built version (used by Load and Reload).
CityTestReport RunCases(const CityRules& rules);

}  // namespace vikno::rules
