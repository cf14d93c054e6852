// The city behind the HTTP tests: the real Lua engine (framework/rules) on
// rules/sumy, or on examples/minimal-city while Sumy's rules are not there.
#pragma once

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "host/city.h"
#include "store/store.h"

namespace vikno::testing {

struct CityForTests {
  std::shared_ptr<RulesPort> rules;
  std::string name;
  std::string dir;
  std::string routed_text;    // a report the city routes to a service
  std::string lead_executor;  // the service it goes to
};

// rules/sumy when it is in the tree and loads (its own suite, `vikno rules
// test rules/sumy`, says why when it does not); otherwise the example city.
inline LoadedCity LoadCityForTests(std::string* dir) {
  const std::filesystem::path root(VIKNO_SOURCE_DIR);
  const auto sumy = root / "rules/sumy";
  if (std::filesystem::exists(sumy / "city.lua")) {
    try {
      *dir = sumy.string();
      return LoadCity(*dir);
    } catch (const std::exception& e) {
      std::cerr << "[ note     ] rules/sumy does not load (" << e.what()
                << "); using examples/minimal-city\n";
    }
  }
  *dir = (root / "examples/minimal-city").string();
  return LoadCity(*dir);
}

// Migrates `store`, loads the city and stores its executors and categories,
// as `vikno serve` does.
inline CityForTests MakeCityForTests(Store& store) {
  store.Migrate();
  std::string dir;
  LoadedCity city = LoadCityForTests(&dir);
  SyncCity(store, city);
  // The first of these reports the city routes; the tests file appeals with it.
  for (const char* text : {"Велика яма на дорозі біля школи", "Прорвало трубу, тече вода по вулиці",
                           "Не вивозять сміття вже тиждень", "Немає гарячої води в будинку"}) {
    Appeal probe;
    probe.description = text;
    probe.channel = "web";
    const Classification c = city.rules->Classify(probe);
    if (!c.to_moderation && !c.executors.empty())
      return CityForTests{city.rules, city.name, dir, text, c.executors.front()};
  }
  ADD_FAILURE() << dir << " routes none of the probe reports";
  return CityForTests{city.rules, city.name, dir, "", ""};
}

}  // namespace vikno::testing
