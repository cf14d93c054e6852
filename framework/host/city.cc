#include "host/city.h"

#include <map>
#include <set>
#include <stdexcept>

#include "rules/city_tests.h"
#include "rules/lua_rules.h"

namespace vikno {

LoadedCity LoadCity(const std::string& dir) {
  std::shared_ptr<rules::LuaRules> lua;
  try {
    lua = rules::LuaRules::Load(dir);
  } catch (const rules::RulesError& e) {
    throw std::runtime_error(e.what());
  }
  LoadedCity city;
  city.name = lua->CityName();
  city.executors = lua->Executors();
  city.categories = lua->Categories();
  city.rules = std::move(lua);
  return city;
}

std::pair<size_t, size_t> SyncCity(Store& store, const LoadedCity& city) {
  for (const auto& e : city.executors) store.UpsertExecutor(e);
  // Parents first: repeat passes over what is left until nothing moves. A
  // category whose parent never appears is written last, as declared, so
  // that the store's own checks name it.
  std::set<std::string> written;
  std::vector<const Category*> left;
  for (const auto& c : city.categories) left.push_back(&c);
  size_t count = 0;
  while (!left.empty()) {
    std::vector<const Category*> next;
    for (const Category* c : left) {
      if (c->parent_id.empty() || written.count(c->parent_id)) {
        store.UpsertCategory(*c);
        written.insert(c->id);
        ++count;
      } else {
        next.push_back(c);
      }
    }
    if (next.size() == left.size()) {
      for (const Category* c : next) {
        store.UpsertCategory(*c);
        ++count;
      }
      break;
    }
    left = std::move(next);
  }
  return {city.executors.size(), count};
}

int RunCityTestsCommand(const std::string& dir, std::ostream& out, std::ostream& err) {
  const rules::CityTestReport report = rules::RunCityTests(dir);
  if (!report.load_error.empty()) {
    err << report.load_error << "\n";
    return 2;
  }
  (report.ok() ? out : err) << report.Summary();
  if (!report.Summary().empty() && report.Summary().back() != '\n')
    (report.ok() ? out : err) << "\n";
  return report.ok() ? 0 : 1;
}

}  // namespace vikno
