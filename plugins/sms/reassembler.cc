#include "reassembler.h"

#include <algorithm>

namespace vikno::sms {

Reassembler::Outcome Reassembler::Add(const Part& part, Clock::time_point now, Message* message) {
  const Key key{part.source, part.ref, part.total};
  // Forget completed groups once `remember` has passed.
  for (auto it = done_.begin(); it != done_.end();)
    it = now - it->second > remember_ ? done_.erase(it) : std::next(it);
  if (done_.count(key)) return Outcome::kDuplicate;

  auto it = groups_.find(key);
  if (it == groups_.end()) it = groups_.emplace(key, Group{now, {}}).first;
  Group& group = it->second;
  if (group.parts.count(part.seq)) return Outcome::kDuplicate;
  if (group.parts.size() + 1 < part.total) {
    group.parts.emplace(part.seq, part.text);
    return Outcome::kStored;
  }
  Group whole = group;
  whole.parts.emplace(part.seq, part.text);
  *message = Assemble(key, whole);
  return Outcome::kComplete;
}

void Reassembler::Commit(const Message& message, Clock::time_point now) {
  const Key key{message.source, message.ref, message.total};
  groups_.erase(key);
  done_[key] = now;
}

std::vector<Reassembler::Message> Reassembler::Expired(Clock::time_point now) {
  std::vector<Message> out;
  std::vector<std::pair<Clock::time_point, Key>> by_age;
  for (const auto& [key, group] : groups_) by_age.emplace_back(group.first, key);
  std::sort(by_age.begin(), by_age.end());
  const size_t over = groups_.size() > max_groups_ ? groups_.size() - max_groups_ : 0;
  for (size_t i = 0; i < by_age.size(); ++i) {
    if (i < over || now - by_age[i].first >= timeout_)
      out.push_back(Assemble(by_age[i].second, groups_.at(by_age[i].second)));
  }
  return out;
}

Reassembler::Message Reassembler::Assemble(const Key& key, const Group& group) const {
  Message m;
  m.source = std::get<0>(key);
  m.ref = std::get<1>(key);
  m.total = std::get<2>(key);
  for (int seq = 1; seq <= m.total; ++seq) {
    auto it = group.parts.find(static_cast<uint8_t>(seq));
    if (it == group.parts.end()) {
      m.missing.push_back(static_cast<uint8_t>(seq));
    } else {
      m.text += it->second;
    }
  }
  return m;
}

}  // namespace vikno::sms
