#include "rules/city_rules.h"

#include <cstring>
#include <iostream>

#include "rules/lua_state.h"

namespace vikno::rules {
namespace {

// Pushes a global without running metamethods (a script may have set a
// metatable on _G); returns true when it is a function.
bool PushGlobalFunction(lua_State* L, const char* name) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  RawField(L, -1, name);
  lua_remove(L, -2);
  if (lua_type(L, -1) == LUA_TFUNCTION) return true;
  lua_pop(L, 1);
  return false;
}

std::string TypeName(lua_State* L, int idx) { return lua_typename(L, lua_type(L, idx)); }

// "file:line" of the return statement that produced the value being checked.
std::string Where(LuaState& s, const std::string& fallback) {
  auto& c = s.ctx();
  if (c.ret_src[0] && c.ret_line > 0)
    return std::string(c.ret_src) + ":" + std::to_string(c.ret_line);
  return fallback;
}

// Iterates the string keys of the table at idx (raw), refusing other keys.
// Returns an empty string when all keys are allowed, else the message.
std::string CheckKeys(lua_State* L, int idx, const char* what,
                      std::initializer_list<const char*> allowed) {
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      lua_pop(L, 1);
      return std::string(what) + " has a non-name key";
    }
    const char* k = lua_tostring(L, -1);
    bool ok = false;
    for (const char* a : allowed) ok = ok || std::strcmp(a, k) == 0;
    if (!ok) {
      std::string msg = std::string(what) + " has an unknown field '" + k + "'";
      lua_pop(L, 1);
      return msg;
    }
  }
  return {};
}

// Reads an optional string field; false with `err` when it has another type.
bool StringField(lua_State* L, int idx, const char* key, std::string* out, bool* present,
                 std::string* err, const char* what) {
  int t = RawField(L, idx, key);
  *present = t != LUA_TNIL;
  if (t == LUA_TSTRING) *out = lua_tostring(L, -1);
  lua_pop(L, 1);
  if (*present && t != LUA_TSTRING) {
    *err = std::string(what) + "." + key + " must be a string, not " + lua_typename(L, t);
    return false;
  }
  return true;
}

constexpr const char* kNotifyTargets[] = {"moderator",    "head",  "executor", "decision_maker",
                                          "deputy_mayor", "mayor", "resident", "administrator"};

bool ReadAction(lua_State* L, int idx, const CityModel& m, Action* a, std::string* err) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE) {
    *err = std::string("an action must be a table, not ") + TypeName(L, idx);
    return false;
  }
  std::string keys = CheckKeys(L, idx, "action",
                               {"notify", "of", "mark", "raise_priority", "inspection", "message"});
  if (!keys.empty()) {
    *err = keys;
    return false;
  }
  bool present;
  if (!StringField(L, idx, "notify", &a->notify, &present, err, "action")) return false;
  if (present) {
    bool known = false;
    for (const char* t : kNotifyTargets) known = known || a->notify == t;
    if (!known) {
      *err = "action.notify '" + a->notify +
             "' is not one of moderator, head, executor, decision_maker, deputy_mayor, mayor, "
             "resident, administrator";
      return false;
    }
  }
  if (!StringField(L, idx, "of", &a->of, &present, err, "action")) return false;
  if (present && !m.FindExecutor(a->of)) {
    *err = "action.of names an unknown executor '" + a->of + "'";
    return false;
  }
  if (!StringField(L, idx, "mark", &a->mark, &present, err, "action")) return false;
  if (present && a->mark != "overdue") {
    *err = "action.mark '" + a->mark + "' is unknown (only \"overdue\")";
    return false;
  }
  if (!StringField(L, idx, "message", &a->message, &present, err, "action")) return false;
  for (auto [key, field] : {std::pair<const char*, bool*>{"raise_priority", &a->raise_priority},
                            {"inspection", &a->commission_inspection}}) {
    int t = RawField(L, idx, key);
    if (t == LUA_TBOOLEAN) *field = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (t != LUA_TNIL && t != LUA_TBOOLEAN) {
      *err = std::string("action.") + key + " must be true or false";
      return false;
    }
  }
  if (a->notify.empty() && a->mark.empty() && !a->raise_priority && !a->commission_inspection) {
    *err = "an action must do something: notify, mark, raise_priority or inspection";
    return false;
  }
  return true;
}

// nil -> none; one action table -> one; a list of action tables -> each.
bool ReadActions(lua_State* L, int idx, const CityModel& m, std::vector<Action>* out,
                 std::string* err) {
  idx = lua_absindex(L, idx);
  int t = lua_type(L, idx);
  if (t == LUA_TNIL) return true;
  if (t != LUA_TTABLE) {
    *err = std::string("expected nil, an action or a list of actions, not ") + lua_typename(L, t);
    return false;
  }
  lua_Unsigned n = lua_rawlen(L, idx);
  if (n == 0) {
    lua_pushnil(L);
    bool empty = !lua_next(L, idx);
    if (!empty) lua_pop(L, 2);
    if (empty) return true;
    Action a;
    if (!ReadAction(L, idx, m, &a, err)) return false;
    out->push_back(std::move(a));
    return true;
  }
  if (n > 100) {
    *err = "more than 100 actions";
    return false;
  }
  for (lua_Unsigned i = 1; i <= n; ++i) {
    lua_rawgeti(L, idx, static_cast<lua_Integer>(i));
    Action a;
    bool ok = ReadAction(L, -1, m, &a, err);
    lua_pop(L, 1);
    if (!ok) {
      *err = "action " + std::to_string(i) + ": " + *err;
      return false;
    }
    out->push_back(std::move(a));
  }
  return true;
}

}  // namespace

CityRules::CityRules(Options options, std::shared_ptr<Counters> counters)
    : options_(std::move(options)), counters_(std::move(counters)) {
  if (!options_.log) {
    options_.log = [](LogLevel level, const std::string& city, const std::string& msg) {
      if (level >= LogLevel::kWarning) std::cerr << "rules[" << city << "]: " << msg << "\n";
    };
  }
}

CityRules::~CityRules() = default;

std::shared_ptr<CityRules> CityRules::Build(const std::string& city_dir_in, const Options& options,
                                            std::shared_ptr<Counters> counters) {
  std::string dir = city_dir_in;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  std::shared_ptr<CityRules> r(new CityRules(options, std::move(counters)));
  if (r->options_.lib_dir.empty()) {
    auto slash = dir.rfind('/');
    r->options_.lib_dir =
        (slash == std::string::npos ? std::string(".") : dir.substr(0, slash)) + "/lib";
  }
  r->sources_ = std::make_shared<std::map<std::string, std::string>>();
  auto model = std::make_shared<CityModel>();
  model->dir = dir;

  Declarations decl;
  auto st = std::make_unique<LuaState>(r->options_);
  auto& c = st->ctx();
  c.city_dir = dir;
  c.lib_dir = r->options_.lib_dir;
  c.city_name = dir;
  c.sources = r->sources_.get();
  c.may_read_disk = true;
  c.load_order = &r->load_order_;
  c.decl = &decl;
  c.phase = Phase::kLoad;
  st->RunFile("city.lua");
  c.decl = nullptr;
  c.may_read_disk = false;
  c.load_order = nullptr;

  // ---- the declarations, checked against each other ----
  std::string city_file = dir + "/city.lua";
  if (!decl.has_city) throw RulesError(city_file + ": city{ name = ..., ... } is not declared");
  std::string where = decl.city_pos.str();
  model->name = decl.name;
  model->time_zone = decl.time_zone;
  model->notify_from = decl.notify_from;
  model->notify_to = decl.notify_to;
  model->repeat_window = decl.repeat_window;
  try {
    std::array<std::vector<WorkInterval>, 7> week;
    for (int i = 0; i < 7; ++i) {
      week[i] = decl.has_hours ? decl.hours[i] : std::vector<WorkInterval>{{0, 1440}};
      if (decl.lunch) week[i] = WorkCalendar::WithoutBreak(week[i], *decl.lunch);
    }
    model->calendar.emplace(decl.time_zone, week, decl.holidays);
    model->all_day.emplace(WorkCalendar::AllDay(decl.time_zone));
  } catch (const std::invalid_argument& e) {
    throw RulesError(where + ": " + e.what());
  }
  for (auto& [e, pos] : decl.executors) {
    model->executor_index[e.id] = model->executors.size();
    model->executors.push_back(e);
  }
  if (model->executors.empty()) throw RulesError(city_file + ": no executor{} is declared");
  for (auto& t : decl.types) {
    if (model->types.count(t.id))
      throw RulesError(t.pos.str() + ": appeal_type '" + t.id + "' declared twice");
    model->type_order.push_back(t.id);
    model->types[t.id] = t;
  }
  if (model->types.empty()) throw RulesError(city_file + ": no appeal_type{} is declared");
  model->default_type = decl.default_type;
  if (model->default_type.empty()) {
    model->default_type = model->types.count("ordinary") ? "ordinary" : model->type_order.front();
  } else if (!model->types.count(model->default_type)) {
    throw RulesError(where + ": default_type '" + model->default_type +
                     "' is not a declared appeal_type");
  }
  for (auto& cat : decl.categories) {
    if (model->category_index.count(cat.category.id)) {
      throw RulesError(cat.pos.str() + ": category '" + cat.category.id +
                       "' declared twice (first at " +
                       model->categories[model->category_index[cat.category.id]].pos.str() + ")");
    }
    model->category_index[cat.category.id] = model->categories.size();
    model->categories.push_back(cat);
  }
  if (model->categories.empty()) throw RulesError(city_file + ": no category{} is declared");
  // Executor and type are inherited down the tree (Sumy: executor > place >
  // topic > problem, 000 §7), so they are written once at the top.
  for (auto& cat : model->categories) {
    const std::string& parent = cat.category.parent_id;
    if (!parent.empty() && !model->category_index.count(parent)) {
      throw RulesError(cat.pos.str() + ": category '" + cat.category.id +
                       "' has an unknown parent '" + parent + "'");
    }
    if (!cat.category.executor_id.empty() && !model->FindExecutor(cat.category.executor_id)) {
      throw RulesError(cat.pos.str() + ": category '" + cat.category.id +
                       "' names an unknown executor '" + cat.category.executor_id + "'");
    }
    if (!cat.category.type.empty() && !model->FindType(cat.category.type)) {
      throw RulesError(cat.pos.str() + ": category '" + cat.category.id +
                       "' names an unknown appeal type '" + cat.category.type + "'");
    }
  }
  for (auto& cat : model->categories) {
    std::string p = cat.category.parent_id;
    for (int depth = 0; !p.empty(); ++depth) {
      if (depth > 32)
        throw RulesError(cat.pos.str() + ": category '" + cat.category.id +
                         "' is in a parent cycle");
      const CategoryRule& up = model->categories[model->category_index[p]];
      if (cat.category.executor_id.empty()) cat.category.executor_id = up.category.executor_id;
      if (cat.category.type.empty()) cat.category.type = up.category.type;
      if (cat.place.empty()) cat.place = up.place;
      p = up.category.parent_id;
    }
    if (cat.category.type.empty()) cat.category.type = model->default_type;
  }
  model->BuildIndex();
  for (auto& cat : model->categories) {
    if (model->IsLeaf(cat.category.id) && cat.category.executor_id.empty()) {
      throw RulesError(cat.pos.str() + ": category '" + cat.category.id +
                       "' has no executor (give it or one of its parents executor = ...)");
    }
  }
  r->model_ = model;

  // ---- the functions the host calls ----
  lua_State* L = st->L();
  if (!PushGlobalFunction(L, "classify"))
    throw RulesError(city_file + ": function classify(appeal) is not defined");
  lua_pop(L, 1);
  auto has = [&](const char* f) {
    bool h = PushGlobalFunction(L, f);
    if (h) lua_pop(L, 1);
    return h;
  };
  r->has_deadline_fn_ = has("deadline");
  r->has_escalate_ = has("escalate");
  r->has_moderate_ = has("moderate");
  r->has_on_status_ = has("on_status");
  r->has_extend_ = has("extend");
  c.model = model.get();
  c.city_name = model->name;
  c.phase = Phase::kCall;
  r->idle_.push_back(std::move(st));
  return r;
}

std::unique_ptr<LuaState> CityRules::NewState(bool) const {
  auto st = std::make_unique<LuaState>(options_);
  auto& c = st->ctx();
  c.city_dir = model_->dir;
  c.lib_dir = options_.lib_dir;
  c.city_name = model_->name;
  c.sources = sources_.get();
  c.may_read_disk = false;  // the same text as the first state, never a newer file
  c.phase = Phase::kLoad;
  st->RunFile("city.lua");
  c.model = model_.get();
  c.phase = Phase::kCall;
  return st;
}

std::unique_ptr<LuaState> CityRules::NewTestState() const {
  auto st = std::make_unique<LuaState>(options_);
  auto& c = st->ctx();
  c.city_dir = model_->dir;
  c.lib_dir = options_.lib_dir;
  c.city_name = model_->name;
  c.may_read_disk = true;
  c.sources = &c.own_sources;
  c.model = model_.get();
  c.phase = Phase::kTests;
  return st;
}

std::unique_ptr<LuaState> CityRules::Acquire() const {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!idle_.empty()) {
      auto s = std::move(idle_.back());
      idle_.pop_back();
      return s;
    }
  }
  return NewState(false);
}

void CityRules::Release(std::unique_ptr<LuaState> s) const {
  std::lock_guard<std::mutex> lock(pool_mu_);
  if (idle_.size() < options_.limits.max_idle_states) idle_.push_back(std::move(s));
}

void CityRules::Report(const std::string& what, const std::string& reason) const {
  counters_->faults++;
  options_.log(LogLevel::kError, model_->name, what + ": " + reason);
}

// One protected call of a city function. On a fault the state is dropped
// (its globals may be half-changed) and `fault` is filled.
namespace {
struct Run {
  std::unique_ptr<LuaState> state;
  bool ok = false;
  std::string error;
  int kind = 0;
};
}  // namespace

#define VIKNO_RULES_CALL(fn_name, nargs, push_args)                        \
  counters_->calls++;                                                      \
  std::unique_ptr<LuaState> st;                                            \
  try {                                                                    \
    st = Acquire();                                                        \
  } catch (const std::exception& e) {                                      \
    fault(std::string("cannot build a Lua state: ") + e.what());           \
    return out;                                                            \
  }                                                                        \
  lua_State* L = st->L();                                                  \
  st->AllowHostWork();                                                     \
  if (!PushGlobalFunction(L, fn_name)) {                                   \
    fault(model_->dir + "/city.lua: " fn_name " is no longer a function"); \
    return out;                                                            \
  }                                                                        \
  push_args;                                                               \
  {                                                                        \
    std::string err;                                                       \
    int kind = 0;                                                          \
    if (!st->Call(nargs, 1, &err, &kind)) {                                \
      if (kind == 1) counters_->time_outs++;                               \
      if (kind == 2) counters_->memory_caps++;                             \
      fault(err);                                                          \
      return out;                                                          \
    }                                                                      \
  }                                                                        \
  std::string fallback_where = model_->dir + "/city.lua";

Classification CityRules::Classify(const Appeal& draft) const {
  Classification out;
  auto fault = [&](const std::string& reason) {
    out = Classification{};
    out.type = model_->default_type;
    out.to_moderation = true;
    out.moderation_reason = reason;
    Report("classify", reason);
  };
  VIKNO_RULES_CALL("classify", 1, PushAppeal(L, draft));
  auto bad = [&](const std::string& msg) {
    fault(Where(*st, fallback_where) + ": classify " + msg);
    lua_settop(L, 0);
    Release(std::move(st));
    return out;
  };
  if (lua_type(L, -1) != LUA_TTABLE) return bad("must return a table, returned " + TypeName(L, -1));
  std::string keys =
      CheckKeys(L, -1, "the result", {"category", "type", "executor", "executors", "moderation"});
  if (!keys.empty()) return bad("returned " + keys);
  std::string err, category, type, executor;
  bool has_cat, has_type, has_exec;
  if (!StringField(L, -1, "category", &category, &has_cat, &err, "result"))
    return bad("returned " + err);
  if (!StringField(L, -1, "type", &type, &has_type, &err, "result")) return bad("returned " + err);
  if (!StringField(L, -1, "executor", &executor, &has_exec, &err, "result"))
    return bad("returned " + err);
  int mt = RawField(L, -1, "moderation");
  if (mt == LUA_TSTRING) {
    out.to_moderation = true;
    out.moderation_reason = lua_tostring(L, -1);
  } else if (mt == LUA_TBOOLEAN) {
    out.to_moderation = lua_toboolean(L, -1);
    if (out.to_moderation) out.moderation_reason = "the city rules ask a moderator to look";
  } else if (mt != LUA_TNIL) {
    lua_pop(L, 1);
    return bad("returned moderation as " + std::string(lua_typename(L, mt)) +
               "; use a reason string or true");
  }
  lua_pop(L, 1);
  std::vector<std::string> executors;
  int et = RawField(L, -1, "executors");
  if (et == LUA_TTABLE) {
    lua_Unsigned n = lua_rawlen(L, -1);
    for (lua_Unsigned i = 1; i <= n && n <= 20; ++i) {
      if (lua_rawgeti(L, -1, static_cast<lua_Integer>(i)) != LUA_TSTRING) {
        lua_pop(L, 2);
        return bad("returned executors[" + std::to_string(i) + "] that is not a string");
      }
      executors.emplace_back(lua_tostring(L, -1));
      lua_pop(L, 1);
    }
    if (n == 0 || n > 20) {
      lua_pop(L, 1);
      return bad("returned an executors list of " + std::to_string(n) + " (1..20 expected)");
    }
  } else if (et != LUA_TNIL) {
    lua_pop(L, 1);
    return bad("returned executors as " + std::string(lua_typename(L, et)) +
               "; expected a list of ids");
  }
  lua_pop(L, 1);
  if (has_exec && !executors.empty()) return bad("returned both executor and executors; use one");
  if (has_exec) executors = {executor};

  const CategoryRule* cat = nullptr;
  if (has_cat) {
    cat = model_->FindCategory(category);
    if (!cat) return bad("returned an unknown category '" + category + "'");
    if (!model_->IsLeaf(category))
      return bad("returned category '" + category + "' which is not a leaf of the classifier");
  } else if (!out.to_moderation) {
    return bad("returned neither a category nor moderation");
  }
  if (has_type && !model_->FindType(type))
    return bad("returned an unknown appeal type '" + type + "'");
  for (size_t i = 0; i < executors.size(); ++i) {
    if (!model_->FindExecutor(executors[i]))
      return bad("returned an unknown executor '" + executors[i] + "'");
    for (size_t j = 0; j < i; ++j) {
      if (executors[j] == executors[i])
        return bad("returned executor '" + executors[i] + "' twice");
    }
  }
  out.category = category;
  out.type = has_type ? type : cat ? cat->category.type : model_->default_type;
  out.executors = !executors.empty() ? executors
                  : cat              ? std::vector<std::string>{cat->category.executor_id}
                                     : std::vector<std::string>{};
  lua_settop(L, 0);
  Release(std::move(st));
  return out;
}

DeadlineResult CityRules::Deadlines(const Appeal& appeal, Timestamp from) const {
  DeadlineResult out;
  const TypeRule* type = model_->FindType(appeal.type);
  // The safe answer: the declared deadlines of the type (or the default type).
  auto declared = [&](DeadlineResult* r) {
    const TypeRule* t = type ? type : model_->FindType(model_->default_type);
    try {
      r->accept_due.reset();
      r->resolve_due.reset();
      if (t->accept.kind != DeadlineSpec::Kind::kNone)
        r->accept_due = model_->Resolve(t->accept, from);
      if (t->resolve.kind != DeadlineSpec::Kind::kNone)
        r->resolve_due = model_->Resolve(t->resolve, from);
    } catch (const std::exception& e) {
      r->fault.fault = true;
      r->fault.reason = t->pos.str() + ": " + e.what();
    }
  };
  auto fault = [&](const std::string& reason) {
    out = DeadlineResult{};
    declared(&out);
    out.fault.fault = true;
    out.fault.reason = reason;
    Report("deadline", reason);
  };
  if (!type) {
    fault(model_->dir + "/city.lua: unknown appeal type '" + appeal.type +
          "'; using the default type '" + model_->default_type + "'");
    return out;
  }
  if (!has_deadline_fn_) {
    declared(&out);
    if (out.fault.fault) Report("deadline", out.fault.reason);
    return out;
  }
  VIKNO_RULES_CALL("deadline", 2, (PushAppeal(L, appeal), lua_pushinteger(L, ToUnix(from))));
  auto bad = [&](const std::string& msg) {
    fault(Where(*st, fallback_where) + ": deadline " + msg);
    lua_settop(L, 0);
    Release(std::move(st));
    return out;
  };
  int rt = lua_type(L, -1);
  if (rt == LUA_TNIL) {  // nothing special: the type's deadlines
    lua_settop(L, 0);
    Release(std::move(st));
    declared(&out);
    return out;
  }
  if (rt != LUA_TTABLE)
    return bad("must return nil or a table {accept=..., resolve=...}, returned " + TypeName(L, -1));
  std::string keys = CheckKeys(L, -1, "the result", {"accept", "resolve"});
  if (!keys.empty()) return bad("returned " + keys);
  declared(&out);
  for (auto [key, slot, spec] :
       {std::tuple<const char*, std::optional<Timestamp>*, const DeadlineSpec*>{
            "accept", &out.accept_due, &type->accept},
        {"resolve", &out.resolve_due, &type->resolve}}) {
    int t = RawField(L, -1, key);
    if (t == LUA_TNIL) {
      lua_pop(L, 1);
      continue;  // keep the type's
    }
    if (t == LUA_TNUMBER) {
      if (!lua_isinteger(L, -1)) {
        lua_pop(L, 1);
        return bad(std::string("returned ") + key + " that is not a whole number of seconds");
      }
      Timestamp due = FromUnix(lua_tointeger(L, -1));
      lua_pop(L, 1);
      if (due < from) {
        return bad(std::string("returned a negative deadline: ") + key + " is " +
                   std::to_string(ToUnix(from) - ToUnix(due)) +
                   " s before the appeal was registered");
      }
      *slot = due;
      continue;
    }
    DeadlineSpec s;
    std::string err;
    bool ok = ReadDeadlineSpec(L, -1, &s, &err);
    lua_pop(L, 1);
    if (!ok) return bad(std::string("returned a bad ") + key + ": " + err);
    try {
      if (s.kind == DeadlineSpec::Kind::kNone) {
        slot->reset();
      } else {
        *slot = model_->Resolve(s, from);
      }
    } catch (const std::exception& e) {
      return bad(std::string("returned ") + key + " that cannot be computed: " + e.what());
    }
  }
  lua_settop(L, 0);
  Release(std::move(st));
  return out;
}

EscalationResult CityRules::Escalate(const Appeal& appeal, std::chrono::seconds late,
                                     const std::string& deadline) const {
  EscalationResult out;
  auto fault = [&](const std::string& reason) {
    out = EscalationResult{};
    out.fault = {true, reason};
    Action tell;
    tell.notify = "moderator";
    tell.mark = "overdue";
    tell.message = reason;
    out.actions.push_back(tell);
    Report("escalate", reason);
  };
  if (!has_escalate_) return out;
  VIKNO_RULES_CALL("escalate", 3,
                   (PushAppeal(L, appeal), lua_pushinteger(L, late.count()),
                    lua_pushlstring(L, deadline.data(), deadline.size())));
  std::string err;
  if (!ReadActions(L, -1, *model_, &out.actions, &err)) {
    fault(Where(*st, fallback_where) + ": escalate returned " + err);
  } else if (lua_istable(L, -1) && lua_rawlen(L, -1) > 0) {
    // A list of actions may name its rung and when the next one starts
    // (lib/escalation.lua); both are optional.
    // Raw reads: a metatable on the returned table runs no script code here.
    lua_pushliteral(L, "rung");
    lua_rawget(L, -2);
    if (lua_type(L, -1) == LUA_TSTRING || lua_isinteger(L, -1)) {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      out.rung.assign(s, std::min<size_t>(len, 64));
    }
    lua_pop(L, 1);
    lua_pushliteral(L, "next");
    lua_rawget(L, -2);
    if (lua_isinteger(L, -1) && lua_tointeger(L, -1) > 0)
      out.next_rung = std::chrono::seconds(lua_tointeger(L, -1));
    lua_pop(L, 1);
  }
  lua_settop(L, 0);
  Release(std::move(st));
  return out;
}

StatusResult CityRules::OnStatus(const Appeal& appeal, Status from, Status to) const {
  StatusResult out;
  auto fault = [&](const std::string& reason) {
    out = StatusResult{};
    out.fault = {true, reason};
    Report("on_status", reason);
  };
  if (!has_on_status_) return out;
  auto push = [](lua_State* L, Status s) {
    auto code = StatusCode(s);
    lua_pushlstring(L, code.data(), code.size());
  };
  VIKNO_RULES_CALL("on_status", 3, (PushAppeal(L, appeal), push(L, from), push(L, to)));
  std::string err;
  if (!ReadActions(L, -1, *model_, &out.actions, &err)) {
    fault(Where(*st, fallback_where) + ": on_status returned " + err);
  }
  lua_settop(L, 0);
  Release(std::move(st));
  return out;
}

ModerationVerdict CityRules::Moderate(const std::string& text) const {
  ModerationVerdict out;
  auto fault = [&](const std::string& reason) {
    out = ModerationVerdict{};
    out.ok = false;  // a person reads it
    out.reason = "rules_fault";
    out.fault = {true, reason};
    Report("moderate", reason);
  };
  if (!has_moderate_) return out;
  VIKNO_RULES_CALL("moderate", 1, lua_pushlstring(L, text.data(), text.size()));
  auto bad = [&](const std::string& msg) {
    fault(Where(*st, fallback_where) + ": moderate " + msg);
    lua_settop(L, 0);
    Release(std::move(st));
    return out;
  };
  int t = lua_type(L, -1);
  if (t == LUA_TNIL) {
    out.ok = true;
  } else if (t == LUA_TTABLE) {
    std::string keys = CheckKeys(L, -1, "the verdict", {"ok", "reason", "block"});
    if (!keys.empty()) return bad("returned " + keys);
    int ok = RawField(L, -1, "ok");
    bool okv = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (ok != LUA_TBOOLEAN) return bad("returned a verdict without ok = true/false");
    out.ok = okv;
    std::string err;
    bool present;
    if (!StringField(L, -1, "reason", &out.reason, &present, &err, "verdict"))
      return bad("returned " + err);
    if (!out.ok && out.reason.empty()) return bad("refused a text without a reason");
    int b = RawField(L, -1, "block");
    out.block_sender = b == LUA_TBOOLEAN && lua_toboolean(L, -1);
    lua_pop(L, 1);
  } else {
    return bad("must return nil or {ok = ..., reason = ...}, returned " + TypeName(L, -1));
  }
  lua_settop(L, 0);
  Release(std::move(st));
  return out;
}

ExtensionDecision CityRules::Extend(const Appeal& appeal, Timestamp current_due,
                                    Timestamp requested, int nth) const {
  ExtensionDecision out;
  auto fault = [&](const std::string& reason) {
    out = ExtensionDecision{};
    out.reason = "rules_fault";
    out.fault = {true, reason};
    Report("extend", reason);
  };
  if (requested <= current_due) {
    out.reason = "the requested deadline is not later than the current one";
    return out;
  }
  if (nth < 1) {
    out.reason = "extensions are counted from 1";
    return out;
  }
  // 002 §8.2.2, 003 §3.3: a second extension needs the head's knowledge.
  out.allowed = true;
  out.due = requested;
  out.approver = nth >= 2 ? "head" : "decision_maker";
  if (!has_extend_) return out;
  VIKNO_RULES_CALL("extend", 4,
                   (PushAppeal(L, appeal), lua_pushinteger(L, ToUnix(current_due)),
                    lua_pushinteger(L, ToUnix(requested)), lua_pushinteger(L, nth)));
  auto bad = [&](const std::string& msg) {
    fault(Where(*st, fallback_where) + ": extend " + msg);
    lua_settop(L, 0);
    Release(std::move(st));
    return out;
  };
  if (lua_type(L, -1) != LUA_TTABLE)
    return bad("must return a table {allow = ..., ...}, returned " + TypeName(L, -1));
  std::string keys = CheckKeys(L, -1, "the decision", {"allow", "due", "approver", "reason"});
  if (!keys.empty()) return bad("returned " + keys);
  int a = RawField(L, -1, "allow");
  out.allowed = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (a != LUA_TBOOLEAN) return bad("returned a decision without allow = true/false");
  std::string err;
  bool present;
  if (!StringField(L, -1, "reason", &out.reason, &present, &err, "decision"))
    return bad("returned " + err);
  if (!StringField(L, -1, "approver", &out.approver, &present, &err, "decision"))
    return bad("returned " + err);
  if (present && out.approver != "decision_maker" && out.approver != "head" &&
      out.approver != "mayor") {
    return bad("returned approver '" + out.approver + "' (decision_maker, head or mayor)");
  }
  int d = RawField(L, -1, "due");
  if (d == LUA_TNUMBER && lua_isinteger(L, -1)) {
    out.due = FromUnix(lua_tointeger(L, -1));
  } else if (d != LUA_TNIL) {
    lua_pop(L, 1);
    return bad("returned due that is not a timestamp");
  }
  lua_pop(L, 1);
  if (out.allowed && out.due <= current_due)
    return bad("allowed an extension that does not move the deadline later");
  if (!out.allowed && out.reason.empty()) return bad("refused an extension without a reason");
  lua_settop(L, 0);
  Release(std::move(st));
  return out;
}

#undef VIKNO_RULES_CALL

}  // namespace vikno::rules
