// The declarations of one city folder after it loaded: the city itself, its
// executors, classifier tree and appeal types, checked against each other.
// Immutable once built; shared by every Lua state of that version.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/catalog.h"
#include "rules/duration.h"
#include "rules/text.h"
#include "rules/work_calendar.h"

namespace vikno::rules {

// Where a declaration was written, for error messages: "rules/sumy/city.lua:42".
struct SourcePos {
  std::string file;
  int line = 0;
  std::string str() const { return file + ":" + std::to_string(line); }
};

// A deadline as the rules write it.
struct DeadlineSpec {
  enum class Kind { kNone, kCalendar, kWorking, kWorkingDays };
  Kind kind = Kind::kNone;
  Duration duration;     // kCalendar, kWorking
  int working_days = 0;  // kWorkingDays
};

struct TypeRule {
  std::string id;
  std::string name;
  DeadlineSpec accept;   // R11
  DeadlineSpec resolve;  // R10; kNone for long-term appeals
  SourcePos pos;
};

struct CategoryRule {
  Category category;
  std::string place;              // optional filter: "street", "flat", "house", "transport"...
  std::vector<WordSeq> keywords;  // stem sequences, folded
  SourcePos pos;
};

// Heterogeneous lookup by string_view, so matching allocates nothing.
struct StemHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct CityModel {
  std::string dir;
  std::string name;
  std::string time_zone = "Europe/Kyiv";
  std::optional<WorkCalendar> calendar;           // working hours, lunch, holidays
  std::optional<WorkCalendar> all_day;            // same zone, round the clock
  int notify_from = 6 * 60, notify_to = 23 * 60;  // 000 §4.3
  // R20, 003 §4.1: a new appeal of the same category at the same building
  // within this window is a repeat of the open one; none = not linked.
  std::optional<std::chrono::seconds> repeat_window;
  std::string default_type;
  std::vector<Executor> executors;
  std::map<std::string, size_t> executor_index;
  std::vector<CategoryRule> categories;
  std::map<std::string, size_t> category_index;
  std::map<std::string, TypeRule> types;
  std::vector<std::string> type_order;
  // First stem of every keyword -> (category index, keyword index), so a
  // match looks up each prefix of each word instead of scanning every keyword.
  std::unordered_map<std::string, std::vector<std::pair<uint32_t, uint32_t>>, StemHash,
                     std::equal_to<>>
      stem_index;
  std::vector<char> has_children;  // per category
  void BuildIndex();

  const Executor* FindExecutor(const std::string& id) const {
    auto it = executor_index.find(id);
    return it == executor_index.end() ? nullptr : &executors[it->second];
  }
  const CategoryRule* FindCategory(const std::string& id) const {
    auto it = category_index.find(id);
    return it == category_index.end() ? nullptr : &categories[it->second];
  }
  const TypeRule* FindType(const std::string& id) const {
    auto it = types.find(id);
    return it == types.end() ? nullptr : &it->second;
  }
  bool IsLeaf(const std::string& id) const;
  // Best keyword match among the categories (optionally of one place):
  // the most matched keyword words wins, the earlier declaration on a tie.
  const CategoryRule* Match(const std::vector<std::string>& words, const std::string& place) const;
  Timestamp Resolve(const DeadlineSpec& spec, Timestamp from) const;
};

}  // namespace vikno::rules
