// The city behind the HTTP tests.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"
#include "unit/workflow/workflow_fixture.h"

namespace vikno::testing {

struct CityForTests {
  std::shared_ptr<RulesPort> rules;
  std::string name;
  std::string pothole_executor;  // where "Яма на дорозі" goes
};

// Migrates `store`, loads the rules and stores the city's executors.
inline CityForTests MakeCityForTests(Store& store) {
  store.Migrate();
  for (const char* id : {"roads", "gas", "water"}) {
    Executor e;
    e.id = id;
    e.name = id;
    store.UpsertExecutor(e);
  }
  return CityForTests{std::make_shared<TestRules>(), "Тестове місто", "roads"};
}

}  // namespace vikno::testing
