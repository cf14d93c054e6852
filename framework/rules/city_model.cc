#include "rules/city_model.h"

namespace vikno::rules {

void CityModel::BuildIndex() {
  stem_index.clear();
  has_children.assign(categories.size(), 0);
  for (size_t c = 0; c < categories.size(); ++c) {
    const auto& parent = categories[c].category.parent_id;
    if (!parent.empty()) {
      auto it = category_index.find(parent);
      if (it != category_index.end()) has_children[it->second] = 1;
    }
    for (size_t k = 0; k < categories[c].keywords.size(); ++k) {
      const auto& kw = categories[c].keywords[k];
      if (!kw.empty()) {
        stem_index[kw.front()].emplace_back(static_cast<uint32_t>(c), static_cast<uint32_t>(k));
      }
    }
  }
}

bool CityModel::IsLeaf(const std::string& id) const {
  auto it = category_index.find(id);
  return it != category_index.end() && !has_children[it->second];
}

const CategoryRule* CityModel::Match(const std::vector<std::string>& words,
                                     const std::string& place) const {
  // score per category: the number of words of its matched keywords; a
  // keyword counts once however often it occurs.
  thread_local std::vector<int> score;
  thread_local std::vector<uint64_t> seen;  // (cat << 32 | kw) already counted
  score.assign(categories.size(), 0);
  seen.clear();
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    for (size_t len = 1; len <= w.size(); ++len) {
      // only at UTF-8 character boundaries
      if (len < w.size() && (static_cast<unsigned char>(w[len]) & 0xC0) == 0x80) continue;
      auto it = stem_index.find(std::string_view(w).substr(0, len));
      if (it == stem_index.end()) continue;
      for (auto [c, k] : it->second) {
        const CategoryRule& cat = categories[c];
        if (!place.empty() && !cat.place.empty() && cat.place != place) continue;
        const WordSeq& kw = cat.keywords[k];
        if (i + kw.size() > words.size()) continue;
        bool ok = true;
        for (size_t j = 1; j < kw.size() && ok; ++j) {
          ok = words[i + j].compare(0, kw[j].size(), kw[j]) == 0;
        }
        if (!ok) continue;
        uint64_t key = (uint64_t{c} << 32) | k;
        bool dup = false;
        for (auto s : seen) dup = dup || s == key;
        if (dup) continue;
        seen.push_back(key);
        score[c] += static_cast<int>(kw.size());
      }
    }
  }
  int best = 0;
  const CategoryRule* found = nullptr;
  for (size_t c = 0; c < categories.size(); ++c) {
    if (score[c] > best) {
      best = score[c];
      found = &categories[c];
    }
  }
  return found;
}

Timestamp CityModel::Resolve(const DeadlineSpec& spec, Timestamp from) const {
  switch (spec.kind) {
    case DeadlineSpec::Kind::kCalendar:
      return all_day->AddCalendar(from, spec.duration);
    case DeadlineSpec::Kind::kWorking: {
      // Working days in a working duration make no sense ("1d" of working
      // time?); the loader refuses them, so only elapsed time is here.
      return calendar->AddWorking(from, spec.duration.elapsed);
    }
    case DeadlineSpec::Kind::kWorkingDays:
      return calendar->EndOfWorkingDays(from, spec.working_days);
    case DeadlineSpec::Kind::kNone:
      break;
  }
  return from;
}

}  // namespace vikno::rules
