#include "rules/lua_state.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/status.h"
#include "rules/text.h"

namespace vikno::rules {
namespace {

constexpr int kHookStep = 1000;  // instructions between count-hook checks
constexpr int kMaskCall = LUA_MASKCOUNT | LUA_MASKRET;

using Ctx = LuaState::Ctx;

Ctx* CtxOf(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return static_cast<Ctx*>(ud);
}

// The capped allocator (sol2's allocation_limit idea). A refused request is
// sticky for the rest of the call: the count hook raises again.
void* Alloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* c = static_cast<Ctx*>(ud);
  size_t old = ptr ? osize : 0;
  if (nsize == 0) {
    std::free(ptr);
    c->used -= old;
    return nullptr;
  }
  if (nsize > old && c->used + (nsize - old) > c->limit) {
    c->mem_tripped = true;
    return nullptr;
  }
  void* p = std::realloc(ptr, nsize);
  if (!p) return nullptr;
  c->used = c->used - old + nsize;
  return p;
}

void Hook(lua_State* L, lua_Debug* ar) {
  Ctx* c = CtxOf(L);
  if (ar->event == LUA_HOOKRET) {
    lua_Debug up;
    if (!lua_getstack(L, 1, &up) && lua_getinfo(L, "Sl", ar) && ar->currentline > 0) {
      std::memcpy(c->ret_src, ar->short_src, sizeof c->ret_src);
      c->ret_line = ar->currentline;
    }
    return;
  }
  c->executed += kHookStep;
  if (c->executed > c->budget) c->time_tripped = true;
  if (!c->time_tripped && !c->mem_tripped) return;
  // From now on fire on every instruction: a pcall in the script that
  // caught this error trips again at its next instruction.
  lua_sethook(L, Hook, LUA_MASKCOUNT, 1);
  lua_getinfo(L, "Sl", ar);
  if (c->time_tripped) {
    lua_pushfstring(L, "%s:%d: instruction limit exceeded (%d instructions per call)",
                    ar->short_src, ar->currentline, static_cast<int>(c->budget));
  } else {
    lua_pushfstring(L, "%s:%d: memory cap exceeded (%d KiB per call)", ar->short_src,
                    ar->currentline, static_cast<int>(c->options->limits.call_memory / 1024));
  }
  lua_error(L);
}

// ---- helpers -------------------------------------------------------------

void CheckPhase(lua_State* L, Phase want, const char* fn) {
  if (CtxOf(L)->phase != want) {
    luaL_error(L, "%s may only be called %s", fn,
               want == Phase::kLoad ? "while the city loads (at the top level of its files)"
                                    : "in tests.lua");
  }
}

void CheckKeys(lua_State* L, int idx, const char* what,
               std::initializer_list<const char*> allowed) {
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      if (lua_type(L, -1) == LUA_TNUMBER && lua_tointeger(L, -1) == 1) continue;  // positional
      luaL_error(L, "%s: keys must be names", what);
    }
    const char* k = lua_tostring(L, -1);
    bool ok = false;
    for (const char* a : allowed) ok = ok || std::strcmp(a, k) == 0;
    if (!ok) luaL_error(L, "%s: unknown field '%s'", what, k);
  }
}

std::string OptString(lua_State* L, int idx, const char* key, const char* what,
                      bool required = false) {
  lua_getfield(L, idx, key);
  std::string out;
  if (lua_type(L, -1) == LUA_TSTRING) {
    out = lua_tostring(L, -1);
  } else if (!lua_isnil(L, -1)) {
    luaL_error(L, "%s: '%s' must be a string, not %s", what, key, luaL_typename(L, -1));
  } else if (required) {
    luaL_error(L, "%s: '%s' is required", what, key);
  }
  lua_pop(L, 1);
  if (required && out.empty()) luaL_error(L, "%s: '%s' must not be empty", what, key);
  return out;
}

SourcePos CallerPos(lua_State* L) {
  lua_Debug ar;
  SourcePos pos;
  if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar)) {
    pos.file = ar.short_src;
    pos.line = ar.currentline;
  }
  return pos;
}

WorkInterval ReadInterval(lua_State* L, int idx, const char* what) {
  idx = lua_absindex(L, idx);
  if (!lua_istable(L, idx) || lua_rawlen(L, idx) != 2) {
    luaL_error(L, "%s: expected {\"HH:MM\", \"HH:MM\"}", what);
  }
  lua_rawgeti(L, idx, 1);
  lua_rawgeti(L, idx, 2);
  const char* a = lua_tostring(L, -2);
  const char* b = lua_tostring(L, -1);
  auto s = a ? ParseClock(a) : std::nullopt;
  auto e = b ? ParseClock(b) : std::nullopt;
  if (!s || !e || *s >= *e)
    luaL_error(L, "%s: expected {\"HH:MM\", \"HH:MM\"} with start < end", what);
  lua_pop(L, 2);
  return {s.value_or(0), e.value_or(0)};
}

std::vector<WordSeq> ReadKeywords(lua_State* L, int idx, const char* what) {
  std::vector<WordSeq> out;
  lua_getfield(L, idx, "keywords");
  if (lua_istable(L, -1)) {
    int n = static_cast<int>(lua_rawlen(L, -1));
    for (int i = 1; i <= n; ++i) {
      lua_rawgeti(L, -1, i);
      if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "%s: keywords must be strings", what);
      WordSeq seq = ToWordSeq(lua_tostring(L, -1));
      if (seq.empty()) luaL_error(L, "%s: keyword %d has no letters", what, i);
      out.push_back(std::move(seq));
      lua_pop(L, 1);
    }
  } else if (!lua_isnil(L, -1)) {
    luaL_error(L, "%s: 'keywords' must be a list of strings", what);
  }
  lua_pop(L, 1);
  return out;
}

// ---- declarations (load phase) --------------------------------------------

int LCity(lua_State* L) {
  CheckPhase(L, Phase::kLoad, "city{}");
  luaL_checktype(L, 1, LUA_TTABLE);
  Ctx* c = CtxOf(L);
  if (!c->decl) return 0;  // a later state of the same version: already known
  Declarations& d = *c->decl;
  if (d.has_city) luaL_error(L, "city{} declared twice");
  CheckKeys(L, 1, "city{}",
            {"name", "timezone", "hours", "lunch", "holidays", "notify_window", "default_type",
             "repeat_window"});
  d.has_city = true;
  d.city_pos = CallerPos(L);
  d.name = OptString(L, 1, "name", "city{}", true);
  std::string tz = OptString(L, 1, "timezone", "city{}");
  if (!tz.empty()) d.time_zone = tz;
  d.default_type = OptString(L, 1, "default_type", "city{}");
  lua_getfield(L, 1, "hours");
  if (lua_istable(L, -1)) {
    d.has_hours = true;
    static const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      const char* key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
      std::string what = std::string("city{} hours.") + key;
      WorkInterval iv = ReadInterval(L, -1, what.c_str());
      bool known = false;
      for (int i = 0; i < 7; ++i) {
        bool hit = std::strcmp(key, kDays[i]) == 0 ||
                   (std::strcmp(key, "weekdays") == 0 && i < 5) || std::strcmp(key, "daily") == 0;
        if (hit) {
          d.hours[i] = {iv};
          known = true;
        }
      }
      if (!known)
        luaL_error(L, "city{}: unknown day '%s' in hours (mon..sun, weekdays, daily)", key);
      lua_pop(L, 1);
    }
  } else if (!lua_isnil(L, -1)) {
    luaL_error(L, "city{}: 'hours' must be a table");
  }
  lua_pop(L, 1);
  lua_getfield(L, 1, "lunch");
  if (!lua_isnil(L, -1)) d.lunch = ReadInterval(L, -1, "city{} lunch");
  lua_pop(L, 1);
  lua_getfield(L, 1, "notify_window");
  if (!lua_isnil(L, -1)) {
    WorkInterval w = ReadInterval(L, -1, "city{} notify_window");
    d.notify_from = w.start;
    d.notify_to = w.end;
  }
  lua_pop(L, 1);
  // R20, 003 §4.1: how far back a new appeal of the same category at the
  // same building counts as a repeat; false or absent = repeats not linked.
  lua_getfield(L, 1, "repeat_window");
  if (lua_type(L, -1) == LUA_TSTRING) {
    std::string err;
    auto w = ParseDuration(lua_tostring(L, -1), &err);
    if (!w || w->zero()) luaL_error(L, "city{}: repeat_window must be a duration like \"30d\"");
    d.repeat_window = std::chrono::seconds(w->nominal_seconds());
  } else if (!lua_isnil(L, -1) && !(lua_isboolean(L, -1) && !lua_toboolean(L, -1))) {
    luaL_error(L, "city{}: repeat_window must be a duration like \"30d\" or false");
  }
  lua_pop(L, 1);
  lua_getfield(L, 1, "holidays");
  if (lua_istable(L, -1)) {
    int n = static_cast<int>(lua_rawlen(L, -1));
    for (int i = 1; i <= n; ++i) {
      lua_rawgeti(L, -1, i);
      const char* s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : nullptr;
      auto day = s ? ParseLocalDay(s) : std::nullopt;
      if (!day) luaL_error(L, "city{}: holiday %d must be a date \"YYYY-MM-DD\"", i);
      d.holidays.insert(*day);
      lua_pop(L, 1);
    }
  } else if (!lua_isnil(L, -1)) {
    luaL_error(L, "city{}: 'holidays' must be a list of dates");
  }
  lua_pop(L, 1);
  return 0;
}

int LExecutor(lua_State* L) {
  CheckPhase(L, Phase::kLoad, "executor{}");
  luaL_checktype(L, 1, LUA_TTABLE);
  Ctx* c = CtxOf(L);
  if (!c->decl) return 0;
  CheckKeys(L, 1, "executor{}", {"id", "name", "phone", "email", "head", "active"});
  Executor e;
  e.id = OptString(L, 1, "id", "executor{}", true);
  e.name = OptString(L, 1, "name", "executor{}", true);
  e.phone = OptString(L, 1, "phone", "executor{}");
  e.email = OptString(L, 1, "email", "executor{}");
  e.head = OptString(L, 1, "head", "executor{}");
  lua_getfield(L, 1, "active");
  if (!lua_isnil(L, -1)) e.active = lua_toboolean(L, -1);
  lua_pop(L, 1);
  for (const auto& [other, pos] : c->decl->executors) {
    if (other.id == e.id)
      luaL_error(L, "executor '%s' already declared at %s", e.id.c_str(), pos.str().c_str());
  }
  c->decl->executors.emplace_back(std::move(e), CallerPos(L));
  return 0;
}

int LCategory(lua_State* L) {
  CheckPhase(L, Phase::kLoad, "category{}");
  luaL_checktype(L, 1, LUA_TTABLE);
  Ctx* c = CtxOf(L);
  if (!c->decl) return 0;
  CheckKeys(L, 1, "category{}", {"id", "parent", "name", "executor", "type", "place", "keywords"});
  CategoryRule r;
  r.category.id = OptString(L, 1, "id", "category{}", true);
  r.category.parent_id = OptString(L, 1, "parent", "category{}");
  r.category.name = OptString(L, 1, "name", "category{}", true);
  r.category.executor_id = OptString(L, 1, "executor", "category{}");
  r.category.type = OptString(L, 1, "type", "category{}");
  r.place = OptString(L, 1, "place", "category{}");
  r.keywords = ReadKeywords(L, 1, "category{}");
  r.pos = CallerPos(L);
  c->decl->categories.push_back(std::move(r));
  return 0;
}

int LAppealType(lua_State* L) {
  CheckPhase(L, Phase::kLoad, "appeal_type{}");
  luaL_checktype(L, 1, LUA_TTABLE);
  Ctx* c = CtxOf(L);
  if (!c->decl) return 0;
  CheckKeys(L, 1, "appeal_type{}", {"id", "name", "accept", "resolve"});
  TypeRule t;
  t.id = OptString(L, 1, "id", "appeal_type{}", true);
  t.name = OptString(L, 1, "name", "appeal_type{}");
  std::string err;
  lua_getfield(L, 1, "accept");
  if (!ReadDeadlineSpec(L, -1, &t.accept, &err))
    luaL_error(L, "appeal_type '%s': accept: %s", t.id.c_str(), err.c_str());
  lua_getfield(L, 1, "resolve");
  if (!ReadDeadlineSpec(L, -1, &t.resolve, &err))
    luaL_error(L, "appeal_type '%s': resolve: %s", t.id.c_str(), err.c_str());
  lua_pop(L, 2);
  t.pos = CallerPos(L);
  c->decl->types.push_back(std::move(t));
  return 0;
}

// include "categories.lua" (the city's folder) or include "lib/ladder.lua"
// (the shared rules/lib). Returns what the file returns.
int LInclude(lua_State* L) {
  CheckPhase(L, Phase::kLoad, "include");
  std::string name = luaL_checkstring(L, 1);
  auto* self = static_cast<LuaState*>(lua_touserdata(L, lua_upvalueindex(1)));
  std::string display;
  std::string text;
  try {
    text = self->Source(name, &display);
  } catch (const std::exception& e) {
    return luaL_error(L, "%s", e.what());
  }
  int top = lua_gettop(L);
  if (luaL_loadbufferx(L, text.data(), text.size(), ("@" + display).c_str(), "t") != LUA_OK) {
    return lua_error(L);
  }
  lua_call(L, 0, LUA_MULTRET);
  return lua_gettop(L) - top;
}

// ---- tests.lua cases ---------------------------------------------------------

std::optional<std::string> OptField(lua_State* L, int idx, const char* key, const char* what) {
  lua_getfield(L, idx, key);
  std::optional<std::string> out;
  if (lua_type(L, -1) == LUA_TSTRING) {
    out = lua_tostring(L, -1);
  } else if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
    out = "none";  // resolve_due = false: no deadline expected
  } else if (!lua_isnil(L, -1)) {
    luaL_error(L, "%s: '%s' must be a string", what, key);
  }
  lua_pop(L, 1);
  return out;
}

std::optional<bool> OptBool(lua_State* L, int idx, const char* key) {
  lua_getfield(L, idx, key);
  std::optional<bool> out;
  if (!lua_isnil(L, -1)) out = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return out;
}

void ReadAddress(lua_State* L, int idx, Address* a) {
  lua_getfield(L, idx, "address");
  if (lua_istable(L, -1)) {
    int t = lua_gettop(L);
    a->city = OptString(L, t, "city", "address");
    a->district = OptString(L, t, "district", "address");
    a->street = OptString(L, t, "street", "address");
    a->house = OptString(L, t, "house", "address");
    a->flat = OptString(L, t, "flat", "address");
    a->entrance = OptString(L, t, "entrance", "address");
  } else if (!lua_isnil(L, -1)) {
    luaL_error(L, "'address' must be a table");
  }
  lua_pop(L, 1);
}

int AddCase(lua_State* L, TestCase::Kind kind, const char* what) {
  CheckPhase(L, Phase::kTests, what);
  luaL_checktype(L, 1, LUA_TTABLE);
  Ctx* c = CtxOf(L);
  TestCase t;
  t.kind = kind;
  t.pos = CallerPos(L);
  lua_rawgeti(L, 1, 1);
  if (lua_type(L, -1) == LUA_TSTRING) t.text = lua_tostring(L, -1);
  lua_pop(L, 1);
  if (auto s = OptField(L, 1, "text", what)) t.text = *s;
  switch (kind) {
    case TestCase::Kind::kClassify:
      CheckKeys(L, 1, what,
                {"text", "chosen", "channel", "address", "at", "category", "type", "executor",
                 "moderation", "accept_due", "resolve_due"});
      if (t.text.empty()) luaL_error(L, "%s: the message text is required", what);
      t.chosen_category = OptField(L, 1, "chosen", what).value_or("");
      t.channel = OptField(L, 1, "channel", what).value_or("test");
      t.at = OptField(L, 1, "at", what).value_or("");
      ReadAddress(L, 1, &t.address);
      t.category = OptField(L, 1, "category", what);
      t.exp_type = OptField(L, 1, "type", what);
      t.exp_executor = OptField(L, 1, "executor", what);
      t.moderation = OptBool(L, 1, "moderation");
      t.accept_due = OptField(L, 1, "accept_due", what);
      t.resolve_due = OptField(L, 1, "resolve_due", what);
      if ((t.accept_due || t.resolve_due) && t.at.empty()) {
        luaL_error(L, "%s: 'at' (local \"YYYY-MM-DD HH:MM\") is required to check deadlines", what);
      }
      break;
    case TestCase::Kind::kModerate:
      CheckKeys(L, 1, what, {"text", "ok", "reason"});
      t.ok = OptBool(L, 1, "ok");
      t.reason = OptField(L, 1, "reason", what);
      if (!t.ok) luaL_error(L, "%s: 'ok' (true or false) is required", what);
      break;
    case TestCase::Kind::kEscalate:
    case TestCase::Kind::kStatus: {
      if (kind == TestCase::Kind::kEscalate) {
        CheckKeys(L, 1, what, {"type", "category", "executor", "late", "notify"});
      } else {
        CheckKeys(L, 1, what, {"type", "category", "executor", "from", "to", "notify"});
      }
      t.type = OptField(L, 1, "type", what).value_or("");
      t.chosen_category = OptField(L, 1, "category", what).value_or("");
      t.executor = OptField(L, 1, "executor", what).value_or("");
      if (kind == TestCase::Kind::kEscalate) {
        std::string err;
        auto late = OptField(L, 1, "late", what);
        auto d = late ? ParseDuration(*late, &err) : std::nullopt;
        if (!d)
          luaL_error(L, "%s: 'late' must be a duration like \"3h\"%s%s", what,
                     err.empty() ? "" : ": ", err.c_str());
        t.late_seconds = d->nominal_seconds();
      } else {
        t.from = OptField(L, 1, "from", what).value_or("");
        t.to = OptField(L, 1, "to", what).value_or("");
        if (!ParseStatus(t.from) || !ParseStatus(t.to))
          luaL_error(L, "%s: 'from' and 'to' must be status codes", what);
      }
      lua_getfield(L, 1, "notify");
      if (!lua_istable(L, -1)) luaL_error(L, "%s: 'notify' must be a list (may be empty)", what);
      std::vector<std::string> n;
      int len = static_cast<int>(lua_rawlen(L, -1));
      for (int i = 1; i <= len; ++i) {
        lua_rawgeti(L, -1, i);
        if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "%s: 'notify' must list strings", what);
        n.emplace_back(lua_tostring(L, -1));
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
      t.notify = std::move(n);
      break;
    }
  }
  c->cases->push_back(std::move(t));
  return 0;
}
int LCase(lua_State* L) { return AddCase(L, TestCase::Kind::kClassify, "case{}"); }
int LModerationCase(lua_State* L) {
  return AddCase(L, TestCase::Kind::kModerate, "moderation_case{}");
}
int LEscalationCase(lua_State* L) {
  return AddCase(L, TestCase::Kind::kEscalate, "escalation_case{}");
}
int LStatusCase(lua_State* L) { return AddCase(L, TestCase::Kind::kStatus, "status_case{}"); }

// ---- vikno.* (any phase) ------------------------------------------------------

const CityModel& ModelOf(lua_State* L, const char* fn) {
  const CityModel* m = CtxOf(L)->model;
  if (!m)
    luaL_error(L, "%s is not available while the city loads; call it from a rule function", fn);
  return *m;
}

int64_t ToSeconds(lua_State* L, int idx, const char* fn) {
  if (lua_type(L, idx) == LUA_TNUMBER) {
    lua_Integer n;
    if (lua_isinteger(L, idx)) {
      n = lua_tointeger(L, idx);
    } else {
      n = static_cast<lua_Integer>(lua_tonumber(L, idx));
    }
    return n;
  }
  if (lua_type(L, idx) == LUA_TSTRING) {
    std::string err;
    auto d = ParseDuration(lua_tostring(L, idx), &err);
    if (!d) luaL_error(L, "%s: %s", fn, err.c_str());
    return d->nominal_seconds();
  }
  return luaL_error(L, "%s: expected a duration (\"2h\") or seconds", fn);
}

int LMinutes(lua_State* L) {
  lua_pushinteger(L, luaL_checkinteger(L, 1) * 60);
  return 1;
}
int LHours(lua_State* L) {
  lua_pushinteger(L, luaL_checkinteger(L, 1) * 3600);
  return 1;
}
int LDays(lua_State* L) {
  lua_pushinteger(L, luaL_checkinteger(L, 1) * 86400);
  return 1;
}
int LDuration(lua_State* L) {
  lua_pushinteger(L, ToSeconds(L, 1, "vikno.duration"));
  return 1;
}

int LWorking(lua_State* L) {
  std::string err;
  const char* s = luaL_checkstring(L, 1);
  auto d = ParseDuration(s, &err);
  if (!d) return luaL_error(L, "vikno.working: %s", err.c_str());
  if (d->days)
    return luaL_error(L, "vikno.working: use hours (\"16h\") or vikno.working_days(n), not days");
  lua_createtable(L, 0, 1);
  lua_pushstring(L, s);
  lua_setfield(L, -2, "working");
  return 1;
}

int LWorkingDays(lua_State* L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  if (n < 0) return luaL_error(L, "vikno.working_days: a deadline cannot be negative");
  lua_createtable(L, 0, 1);
  lua_pushinteger(L, n);
  lua_setfield(L, -2, "working_days");
  return 1;
}

// A string or a list of strings at idx -> each as WordSeq, folded.
template <class F>
bool AnyOf(lua_State* L, int idx, F&& f) {
  if (lua_type(L, idx) == LUA_TSTRING) return f(ToWordSeq(lua_tostring(L, idx)));
  luaL_checktype(L, idx, LUA_TTABLE);
  int n = static_cast<int>(lua_rawlen(L, idx));
  for (int i = 1; i <= n; ++i) {
    lua_rawgeti(L, idx, i);
    if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "expected a list of strings");
    bool hit = f(ToWordSeq(lua_tostring(L, -1)));
    lua_pop(L, 1);
    if (hit) return true;
  }
  return false;
}

const std::vector<std::string>& ArgWords(lua_State* L, int idx) {
  size_t len;
  const char* s = luaL_checklstring(L, idx, &len);
  auto* self = static_cast<LuaState*>(lua_touserdata(L, lua_upvalueindex(1)));
  return self->WordsOf(s, len);
}

int LTextLower(lua_State* L) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  std::string out = FoldCase({s, len});
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}
int LTextNormalize(lua_State* L) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  std::string out = Normalize({s, len});
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}
int LTextWords(lua_State* L) {
  const auto& w = ArgWords(L, 1);
  lua_createtable(L, static_cast<int>(w.size()), 0);
  for (size_t i = 0; i < w.size(); ++i) {
    lua_pushlstring(L, w[i].data(), w[i].size());
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  return 1;
}
int LTextHasAny(lua_State* L) {
  const auto& w = ArgWords(L, 1);
  lua_pushboolean(L, AnyOf(L, 2, [&](const WordSeq& p) { return HasPhrase(w, p); }));
  return 1;
}
int LTextHasStem(lua_State* L) {
  const auto& w = ArgWords(L, 1);
  lua_pushboolean(L, AnyOf(L, 2, [&](const WordSeq& p) { return HasStems(w, p); }));
  return 1;
}

void PushCategory(lua_State* L, const CategoryRule& c) {
  lua_createtable(L, 0, 6);
  auto set = [&](const char* k, const std::string& v) {
    lua_pushlstring(L, v.data(), v.size());
    lua_setfield(L, -2, k);
  };
  set("id", c.category.id);
  set("parent", c.category.parent_id);
  set("name", c.category.name);
  set("executor", c.category.executor_id);
  set("type", c.category.type);
  set("place", c.place);
}

int LCategoriesMatch(lua_State* L) {
  const CityModel& m = ModelOf(L, "vikno.categories.match");
  const auto& w = ArgWords(L, 1);
  std::string place = luaL_optstring(L, 2, "");
  const CategoryRule* c = m.Match(w, place);
  if (!c) return 0;
  lua_pushlstring(L, c->category.id.data(), c->category.id.size());
  return 1;
}
int LCategoriesGet(lua_State* L) {
  const CityModel& m = ModelOf(L, "vikno.categories.get");
  const CategoryRule* c = m.FindCategory(luaL_checkstring(L, 1));
  if (!c) return 0;
  PushCategory(L, *c);
  return 1;
}
int LCategoriesIsLeaf(lua_State* L) {
  const CityModel& m = ModelOf(L, "vikno.categories.is_leaf");
  lua_pushboolean(L, m.IsLeaf(luaL_checkstring(L, 1)));
  return 1;
}
int LExecutorsGet(lua_State* L) {
  const CityModel& m = ModelOf(L, "vikno.executors.get");
  const Executor* e = m.FindExecutor(luaL_checkstring(L, 1));
  if (!e) return 0;
  lua_createtable(L, 0, 6);
  auto set = [&](const char* k, const std::string& v) {
    lua_pushlstring(L, v.data(), v.size());
    lua_setfield(L, -2, k);
  };
  set("id", e->id);
  set("name", e->name);
  set("phone", e->phone);
  set("email", e->email);
  set("head", e->head);
  lua_pushboolean(L, e->active);
  lua_setfield(L, -2, "active");
  return 1;
}

Timestamp ArgTime(lua_State* L, int idx) { return FromUnix(luaL_checkinteger(L, idx)); }

int LCalIsWorking(lua_State* L) {
  const CityModel& m = ModelOf(L, "vikno.calendar.is_working");
  lua_pushboolean(L, m.calendar->IsWorking(ArgTime(L, 1)));
  return 1;
}
int LCalIsHoliday(lua_State* L) {
  const CityModel& m = ModelOf(L, "vikno.calendar.is_holiday");
  auto day = date::floor<date::days>(m.calendar->ToLocal(ArgTime(L, 1)));
  lua_pushboolean(L, m.calendar->IsHoliday(day));
  return 1;
}
int LCalAddWorking(lua_State* L) {
  const CityModel& m = ModelOf(L, "vikno.calendar.add_working");
  int64_t s = ToSeconds(L, 2, "vikno.calendar.add_working");
  if (s < 0) return luaL_error(L, "vikno.calendar.add_working: a deadline cannot be negative");
  lua_pushinteger(L, ToUnix(m.calendar->AddWorking(ArgTime(L, 1), std::chrono::seconds(s))));
  return 1;
}
int LCalAdd(lua_State* L) {
  const CityModel& m = ModelOf(L, "vikno.calendar.add");
  std::string err;
  auto d = ParseDuration(luaL_checkstring(L, 2), &err);
  if (!d) return luaL_error(L, "vikno.calendar.add: %s", err.c_str());
  lua_pushinteger(L, ToUnix(m.all_day->AddCalendar(ArgTime(L, 1), *d)));
  return 1;
}
int LCalEndOfWorkingDays(lua_State* L) {
  const CityModel& m = ModelOf(L, "vikno.calendar.end_of_working_days");
  lua_Integer n = luaL_checkinteger(L, 2);
  if (n < 0 || n > 3000) return luaL_error(L, "vikno.calendar.end_of_working_days: n out of range");
  lua_pushinteger(L, ToUnix(m.calendar->EndOfWorkingDays(ArgTime(L, 1), static_cast<int>(n))));
  return 1;
}
int LCalLocal(lua_State* L) {
  const CityModel& m = ModelOf(L, "vikno.calendar.local_time");
  auto lt = m.calendar->ToLocal(ArgTime(L, 1));
  auto day = date::floor<date::days>(lt);
  date::year_month_day ymd{day};
  date::hh_mm_ss hms{lt - day};
  lua_createtable(L, 0, 7);
  auto set = [&](const char* k, lua_Integer v) {
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
  };
  set("year", static_cast<int>(ymd.year()));
  set("month", static_cast<unsigned>(ymd.month()));
  set("day", static_cast<unsigned>(ymd.day()));
  set("hour", hms.hours().count());
  set("min", hms.minutes().count());
  set("sec", hms.seconds().count());
  set("wday", date::weekday{day}.iso_encoding());  // 1 = Monday
  return 1;
}
int LCalFromLocal(lua_State* L) {
  const CityModel& m = ModelOf(L, "vikno.calendar.from_local");
  auto lt = ParseLocalTime(luaL_checkstring(L, 1));
  if (!lt) return luaL_error(L, "vikno.calendar.from_local: expected \"YYYY-MM-DD HH:MM\"");
  lua_pushinteger(L, ToUnix(m.calendar->FromLocal(*lt)));
  return 1;
}

int LAddressFormat(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  std::string out;
  for (const char* k : {"city", "street", "house", "flat"}) {
    lua_getfield(L, 1, k);
    size_t len = 0;
    const char* v = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : nullptr;
    if (v && len) {
      if (!out.empty()) out += ", ";
      if (std::strcmp(k, "flat") == 0) out += "кв. ";
      out.append(v, len);
    }
    lua_pop(L, 1);
  }
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}
int LAddressHasFlat(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "flat");
  size_t len = 0;
  bool has = lua_type(L, -1) == LUA_TSTRING && (lua_tolstring(L, -1, &len), len > 0);
  lua_pushboolean(L, has);
  return 1;
}

int Log(lua_State* L, LogLevel level) {
  Ctx* c = CtxOf(L);
  int n = lua_gettop(L);
  std::string msg;
  for (int i = 1; i <= n; ++i) {
    if (i > 1) msg += ' ';
    size_t len;
    const char* s = luaL_tolstring(L, i, &len);
    msg.append(s, len);
    lua_pop(L, 1);
  }
  if (c->options && c->options->log) c->options->log(level, c->city_name, msg);
  return 0;
}
int LLogInfo(lua_State* L) { return Log(L, LogLevel::kInfo); }
int LLogWarn(lua_State* L) { return Log(L, LogLevel::kWarning); }

// ---- sandboxed builtins ----------------------------------------------------------

// load() of text only: a binary chunk is refused (lua-sandbox: bytecode can
// break the VM). The mode argument is ignored.
int LSafeLoad(lua_State* L) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  const char* name = luaL_optstring(L, 2, "=(load)");
  int status = luaL_loadbufferx(L, s, len, name, "t");
  if (status != LUA_OK) {
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
  }
  if (!lua_isnoneornil(L, 4)) {
    lua_pushvalue(L, 4);
    if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
  }
  return 1;
}

int LSafeCollect(lua_State* L) {
  const char* opt = luaL_optstring(L, 1, "count");
  if (std::strcmp(opt, "count") != 0) {
    return luaL_error(L, "collectgarbage(\"%s\") is not allowed in city rules", opt);
  }
  int k = lua_gc(L, LUA_GCCOUNT, 0);
  int b = lua_gc(L, LUA_GCCOUNTB, 0);
  lua_pushnumber(L, static_cast<lua_Number>(k) + static_cast<lua_Number>(b) / 1024);
  return 1;
}

void SetFuncs(lua_State* L, const luaL_Reg* regs, LuaState* self) {
  lua_pushlightuserdata(L, self);
  luaL_setfuncs(L, regs, 1);
}

}  // namespace

// ---- public helpers ------------------------------------------------------------

int RawField(lua_State* L, int idx, const char* key) {
  idx = lua_absindex(L, idx);
  lua_pushstring(L, key);
  return lua_rawget(L, idx);
}

bool ReadDeadlineSpec(lua_State* L, int idx, DeadlineSpec* spec, std::string* error) {
  idx = lua_absindex(L, idx);
  *spec = {};
  int t = lua_type(L, idx);
  if (t == LUA_TNIL || (t == LUA_TBOOLEAN && !lua_toboolean(L, idx))) return true;
  if (t == LUA_TSTRING) {
    auto d = ParseDuration(lua_tostring(L, idx), error);
    if (!d) return false;
    spec->kind = DeadlineSpec::Kind::kCalendar;
    spec->duration = *d;
    return true;
  }
  if (t == LUA_TTABLE) {
    if (RawField(L, idx, "working") == LUA_TSTRING) {
      auto d = ParseDuration(lua_tostring(L, -1), error);
      lua_pop(L, 1);
      if (!d) return false;
      if (d->days) {
        *error = "working time is counted in hours; use vikno.working_days(n) for days";
        return false;
      }
      spec->kind = DeadlineSpec::Kind::kWorking;
      spec->duration = *d;
      return true;
    }
    lua_pop(L, 1);
    if (RawField(L, idx, "working_days") == LUA_TNUMBER && lua_isinteger(L, -1)) {
      lua_Integer n = lua_tointeger(L, -1);
      lua_pop(L, 1);
      if (n < 0 || n > 3000) {
        *error = "working_days must be between 0 and 3000";
        return false;
      }
      spec->kind = DeadlineSpec::Kind::kWorkingDays;
      spec->working_days = static_cast<int>(n);
      return true;
    }
    lua_pop(L, 1);
  }
  if (t == LUA_TNUMBER) {
    *error = "a deadline is a duration string like \"2h\", not a bare number";
    return false;
  }
  *error = "expected a duration (\"2h\"), vikno.working(\"2h\"), vikno.working_days(n) or false";
  return false;
}

void PushAppeal(lua_State* L, const Appeal& a) {
  lua_createtable(L, 0, 20);
  auto set = [&](const char* k, const std::string& v) {
    lua_pushlstring(L, v.data(), v.size());
    lua_setfield(L, -2, k);
  };
  auto seti = [&](const char* k, int64_t v) {
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
  };
  seti("id", a.id);
  set("number", a.number);
  set("type", a.type);
  set("category", a.category);
  set("executor", a.lead_executor());
  lua_createtable(L, static_cast<int>(a.executors.size()), 0);
  for (size_t i = 0; i < a.executors.size(); ++i) {
    lua_pushlstring(L, a.executors[i].data(), a.executors[i].size());
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  lua_setfield(L, -2, "executors");
  set("text", a.description);
  set("channel", a.channel);
  lua_pushboolean(L, a.anonymous);
  lua_setfield(L, -2, "anonymous");
  std::string_view st = StatusCode(a.status);
  lua_pushlstring(L, st.data(), st.size());
  lua_setfield(L, -2, "status");
  seti("created_at", ToUnix(a.created_at));
  if (a.accept_due) seti("accept_due", ToUnix(*a.accept_due));
  if (a.resolve_due) seti("resolve_due", ToUnix(*a.resolve_due));
  if (a.repeat_of) seti("repeat_of", *a.repeat_of);
  lua_pushboolean(L, a.repeat_of.has_value());
  lua_setfield(L, -2, "is_repeat");
  lua_createtable(L, 0, 6);
  set("city", a.address.city);
  set("district", a.address.district);
  set("street", a.address.street);
  set("house", a.address.house);
  set("flat", a.address.flat);
  set("entrance", a.address.entrance);
  lua_setfield(L, -2, "address");
}

// ---- LuaState -----------------------------------------------------------------------

LuaState::LuaState(const Options& options) : ctx_(std::make_unique<Ctx>()) {
  ctx_->options = &options;
  ctx_->limit = options.limits.load_memory;
  L_ = lua_newstate(Alloc, ctx_.get());
  if (!L_) throw RulesError("cannot create a Lua state (memory cap too small?)");
  lua_State* L = L_;
  lua_gc(L, LUA_GCGEN, 0, 0);

  // Allow-list of libraries (Lua's linit.c, copied and cut down).
  static const luaL_Reg kLibs[] = {{LUA_GNAME, luaopen_base},
                                   {LUA_STRLIBNAME, luaopen_string},
                                   {LUA_TABLIBNAME, luaopen_table},
                                   {LUA_MATHLIBNAME, luaopen_math},
                                   {LUA_UTF8LIBNAME, luaopen_utf8}};
  for (const auto& lib : kLibs) {
    luaL_requiref(L, lib.name, lib.func, 1);
    lua_pop(L, 1);
  }
  // os: only the clock functions. Opened without registering it globally,
  // then copied field by field into a fresh table.
  luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
  lua_createtable(L, 0, 4);
  for (const char* f : {"time", "date", "clock", "difftime"}) {
    lua_getfield(L, -2, f);
    lua_setfield(L, -2, f);
  }
  lua_setglobal(L, "os");
  lua_pop(L, 1);
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_pushnil(L);
  lua_setfield(L, -2, LUA_OSLIBNAME);
  lua_pop(L, 1);

  // Builtins that reach outside or break the VM.
  for (const char* g : {"dofile", "loadfile", "require", "warn"}) {
    lua_pushnil(L);
    lua_setglobal(L, g);
  }
  lua_pushcfunction(L, LSafeLoad);
  lua_setglobal(L, "load");
  lua_pushcfunction(L, LSafeCollect);
  lua_setglobal(L, "collectgarbage");
  lua_pushcfunction(L, LLogInfo);
  lua_setglobal(L, "print");
  lua_getglobal(L, "string");
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  lua_pop(L, 1);
  // The string metatable is shared by every string: hide it so a script
  // cannot change how strings behave (getmetatable("") returns false).
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);

  // Declarations and test cases: globals, phase-checked.
  static const luaL_Reg kGlobals[] = {{"city", LCity},
                                      {"executor", LExecutor},
                                      {"category", LCategory},
                                      {"appeal_type", LAppealType},
                                      {"include", LInclude},
                                      {"case", LCase},
                                      {"moderation_case", LModerationCase},
                                      {"escalation_case", LEscalationCase},
                                      {"status_case", LStatusCase},
                                      {nullptr, nullptr}};
  lua_pushglobaltable(L);
  SetFuncs(L, kGlobals, this);
  lua_pop(L, 1);

  // The vikno table.
  lua_newtable(L);
  static const luaL_Reg kTop[] = {
      {"minutes", LMinutes},   {"hours", LHours},     {"days", LDays},
      {"duration", LDuration}, {"working", LWorking}, {"working_days", LWorkingDays},
      {"log", LLogInfo},       {"warn", LLogWarn},    {nullptr, nullptr}};
  SetFuncs(L, kTop, this);
  auto sub = [&](const char* name, const luaL_Reg* regs) {
    lua_newtable(L);
    SetFuncs(L, regs, this);
    lua_setfield(L, -2, name);
  };
  static const luaL_Reg kText[] = {{"lower", LTextLower},      {"normalize", LTextNormalize},
                                   {"words", LTextWords},      {"has_any", LTextHasAny},
                                   {"has_stem", LTextHasStem}, {nullptr, nullptr}};
  static const luaL_Reg kCats[] = {{"match", LCategoriesMatch},
                                   {"get", LCategoriesGet},
                                   {"is_leaf", LCategoriesIsLeaf},
                                   {nullptr, nullptr}};
  static const luaL_Reg kExecs[] = {{"get", LExecutorsGet}, {nullptr, nullptr}};
  static const luaL_Reg kCal[] = {{"is_working", LCalIsWorking},
                                  {"is_holiday", LCalIsHoliday},
                                  {"add_working", LCalAddWorking},
                                  {"add", LCalAdd},
                                  {"end_of_working_days", LCalEndOfWorkingDays},
                                  {"local_time", LCalLocal},
                                  {"from_local", LCalFromLocal},
                                  {nullptr, nullptr}};
  static const luaL_Reg kAddr[] = {
      {"format", LAddressFormat}, {"has_flat", LAddressHasFlat}, {nullptr, nullptr}};
  sub("text", kText);
  sub("categories", kCats);
  sub("executors", kExecs);
  sub("calendar", kCal);
  sub("address", kAddr);
  lua_setglobal(L, "vikno");
}

LuaState::~LuaState() {
  if (L_) lua_close(L_);
}

std::string LuaState::Source(const std::string& name, std::string* display) {
  Ctx& c = *ctx_;
  bool ok = !name.empty() && name.size() < 200 && name.find("..") == std::string::npos &&
            name.front() != '/' && name.size() > 4 && name.compare(name.size() - 4, 4, ".lua") == 0;
  for (char ch : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' ||
                ch == '.' || ch == '/');
  }
  if (!ok)
    throw RulesError("include: bad file name \"" + name +
                     "\" (a .lua file in the city folder or lib/)");
  std::string path =
      name.rfind("lib/", 0) == 0 ? c.lib_dir + "/" + name.substr(4) : c.city_dir + "/" + name;
  *display = path;
  auto it = c.sources->find(path);
  if (it != c.sources->end()) return it->second;
  if (!c.may_read_disk)
    throw RulesError("include: \"" + name + "\" was not part of this version of the city");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RulesError("include: cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  (*c.sources)[path] = ss.str();
  if (c.load_order) c.load_order->push_back(path);
  return ss.str();
}

void LuaState::RunFile(const std::string& name) {
  std::string display;
  std::string text = Source(name, &display);
  lua_State* L = L_;
  lua_settop(L, 0);
  if (luaL_loadbufferx(L, text.data(), text.size(), ("@" + display).c_str(), "t") != LUA_OK) {
    std::string msg = lua_tostring(L, -1) ? lua_tostring(L, -1) : "syntax error";
    lua_settop(L, 0);
    throw RulesError(msg);
  }
  std::string err;
  int kind = 0;
  if (!Call(0, 0, &err, &kind)) throw RulesError(err);
}

void LuaState::AllowHostWork() { ctx_->limit = ctx_->used + ctx_->options->limits.load_memory; }

bool LuaState::Call(int nargs, int nresults, std::string* error, int* kind) {
  Ctx& c = *ctx_;
  lua_State* L = L_;
  c.executed = 0;
  c.time_tripped = false;
  c.mem_tripped = false;
  c.ret_line = 0;
  c.ret_src[0] = 0;
  if (c.phase == Phase::kCall) {
    c.budget = c.options->limits.instructions;
    c.limit = c.used + c.options->limits.call_memory;
  } else {
    c.budget = c.options->limits.instructions * 10;  // loading may build big tables
    c.limit = c.options->limits.load_memory;
  }
  lua_sethook(L, Hook, kMaskCall, kHookStep);
  int status = lua_pcall(L, nargs, nresults, 0);
  lua_sethook(L, nullptr, 0, 0);
  bool time_out = c.time_tripped;
  bool memory = c.mem_tripped || status == LUA_ERRMEM;
  AllowHostWork();
  c.cache_valid = false;  // the cached words may refer to a collected text
  if (status == LUA_OK && !time_out && !memory) return true;
  std::string msg;
  if (status != LUA_OK && lua_type(L, -1) == LUA_TSTRING) msg = lua_tostring(L, -1);
  if (time_out) {
    *kind = 1;
    if (msg.find("instruction limit") == std::string::npos) {
      msg = "instruction limit exceeded (" + std::to_string(c.budget) + " instructions per call)";
    }
  } else if (memory) {
    *kind = 2;
    if (msg.find("memory cap") == std::string::npos) {
      std::string where = c.ret_src[0] ? std::string(c.ret_src) + ": " : std::string();
      msg = where + "memory cap exceeded (" + std::to_string(c.options->limits.call_memory / 1024) +
            " KiB per call)";
    }
  } else {
    *kind = 0;
    if (msg.empty()) msg = "error object is not a string";
  }
  *error = msg;
  lua_settop(L, 0);
  return false;
}

const std::vector<std::string>& LuaState::WordsOf(const char* text, size_t len) {
  Ctx& c = *ctx_;
  if (!c.cache_valid || c.cached_text.size() != len ||
      std::memcmp(c.cached_text.data(), text, len) != 0) {
    c.cached_text.assign(text, len);
    c.cached_words = Words(c.cached_text);
    c.cache_valid = true;
  }
  return c.cached_words;
}

}  // namespace vikno::rules
