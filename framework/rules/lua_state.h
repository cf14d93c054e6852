// One sandboxed lua_State and what the host keeps beside it (internal to
// framework/rules). The sandbox follows DESIGN.md: an allow-list of base,
// string, table, math, utf8 and a reduced os; text chunks only; a capped
// allocator; a count hook that, once tripped, fires on every instruction so
// a pcall in the script cannot swallow the time-out (Redis script_lua.c).
#pragma once

#include <array>
#include <cstdint>
#include <lua.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/appeal.h"
#include "rules/city_model.h"
#include "rules/rules_types.h"

namespace vikno::rules {

// What city.lua declared while it loaded, before cross-checking.
struct Declarations {
  bool has_city = false;
  SourcePos city_pos;
  std::string name, time_zone = "Europe/Kyiv", default_type;
  bool has_hours = false;
  std::array<std::vector<WorkInterval>, 7> hours;
  std::optional<WorkInterval> lunch;
  std::set<date::local_days> holidays;
  int notify_from = 6 * 60, notify_to = 23 * 60;
  std::optional<std::chrono::seconds> repeat_window;
  std::vector<std::pair<Executor, SourcePos>> executors;
  std::vector<CategoryRule> categories;
  std::vector<TypeRule> types;
};

// A tests.lua case (data-driven, like OpenResty's t/*.t files).
struct TestCase {
  enum class Kind { kClassify, kModerate, kEscalate, kStatus };
  Kind kind = Kind::kClassify;
  SourcePos pos;
  // input
  std::string text, chosen_category, channel = "test", at, type, executor, from, to;
  Address address;
  int64_t late_seconds = 0;
  // expectations; absent = not checked
  std::optional<std::string> category, exp_type, exp_executor, accept_due, resolve_due, reason;
  std::optional<bool> moderation, ok;
  std::optional<std::vector<std::string>> notify;
};

enum class Phase { kLoad, kTests, kCall };

class LuaState {
 public:
  struct Ctx {
    // memory
    size_t used = 0;
    size_t limit = 0;
    bool mem_tripped = false;
    // instructions
    uint64_t budget = 0;
    uint64_t executed = 0;
    bool time_tripped = false;
    // where the top-level function last returned (for malformed returns)
    char ret_src[LUA_IDSIZE] = {0};
    int ret_line = 0;
    // phase and what the host functions may see
    Phase phase = Phase::kLoad;
    Declarations* decl = nullptr;
    std::vector<TestCase>* cases = nullptr;
    const CityModel* model = nullptr;
    const Options* options = nullptr;
    std::string city_dir, lib_dir, city_name;
    std::map<std::string, std::string>* sources = nullptr;  // display name -> text
    std::map<std::string, std::string> own_sources;         // tests.lua of a test state
    bool may_read_disk = false;
    std::vector<std::string>* load_order = nullptr;
    // words of the last text seen by vikno.text / vikno.categories
    std::string cached_text;
    std::vector<std::string> cached_words;
    bool cache_valid = false;
  };

  explicit LuaState(const Options& options);
  ~LuaState();
  LuaState(const LuaState&) = delete;
  LuaState& operator=(const LuaState&) = delete;

  lua_State* L() const { return L_; }
  Ctx& ctx() { return *ctx_; }

  // Loads and runs one file of the city (by include name) in the load phase.
  // Lua errors propagate as a RulesError with the Lua message (file:line).
  void RunFile(const std::string& name);

  // Calls the function at stack index -(nargs+1) with the per-call limits.
  // Returns true on success with `nresults` values on the stack; on failure
  // fills `error` ("file:line: message") and `kind` (0 error, 1 time-out, 2 memory).
  bool Call(int nargs, int nresults, std::string* error, int* kind);

  // A generous allowance for host work on the stack between calls.
  void AllowHostWork();

  // Words of `text`, cached for the last text.
  const std::vector<std::string>& WordsOf(const char* text, size_t len);

  // Resolves an include name to a display path and reads it (from the
  // sources cache, or from disk during the first load).
  std::string Source(const std::string& name, std::string* display);

 private:
  std::unique_ptr<Ctx> ctx_;
  lua_State* L_ = nullptr;
};

// Reads a deadline spec at `idx` (nil/false, "2h", {working="2h"},
// {working_days=3}); false with `error` on a malformed one. Never raises.
bool ReadDeadlineSpec(lua_State* L, int idx, DeadlineSpec* spec, std::string* error);

// Pushes an appeal as a plain table (no metatables).
void PushAppeal(lua_State* L, const Appeal& a);

// Raw field access that never runs metamethods or raises.
int RawField(lua_State* L, int idx, const char* key);  // pushes; returns the type

}  // namespace vikno::rules
