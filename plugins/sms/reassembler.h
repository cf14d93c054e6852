// Reassembly of concatenated MO parts (issue 7): parts are grouped by
// (source, reference, total), a repeated part is ignored, a message is
// complete when every sequence number 1..total has arrived, and an
// incomplete one is given up after a time-out — with the parts that did
// arrive, so what the resident typed is not lost silently.
//
// A part repeated after its message completed (SMSCs re-send a deliver_sm
// whose response they missed) is recognised for `remember` afterwards and
// dropped instead of starting a new, never-completing group.
//
// Thread-safety: none; the channel holds a mutex around it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace vikno::sms {

class Reassembler {
 public:
  using Clock = std::chrono::steady_clock;

  struct Part {
    std::string source;  // chat id of the sender
    uint16_t ref = 0;
    uint8_t total = 1;
    uint8_t seq = 1;
    std::u16string text;  // this part's decoded text
  };
  struct Message {
    std::string source;
    uint16_t ref = 0;
    uint8_t total = 0;
    std::u16string text;           // the parts in order; missing ones (timed out) left out
    std::vector<uint8_t> missing;  // sequence numbers never received (time-out only)
  };
  enum class Outcome {
    kStored,     // kept; the message is not complete yet
    kDuplicate,  // this part was already received (or its message already handed over)
    kComplete,   // `message` is the whole text
  };

  Reassembler(Clock::duration timeout, Clock::duration remember, size_t max_groups)
      : timeout_(timeout), remember_(remember), max_groups_(max_groups) {}

  // Adds one part. kComplete fills `message` but does not close the group:
  // the caller hands the message over and then calls Commit; until then the
  // completing part is not stored, so when the hand-over failed and the SMSC
  // sends that part again, it completes the message again.
  Outcome Add(const Part& part, Clock::time_point now, Message* message);

  // The message was handed over: close its group and remember it, so its
  // parts are duplicates from now on.
  void Commit(const Message& message, Clock::time_point now);

  // The groups open longer than the time-out (and, beyond max_groups, the
  // oldest), with the parts they have. They stay open until Commit.
  std::vector<Message> Expired(Clock::time_point now);

  size_t open_groups() const { return groups_.size(); }

 private:
  using Key = std::tuple<std::string, uint16_t, uint8_t>;
  struct Group {
    Clock::time_point first;
    std::map<uint8_t, std::u16string> parts;
  };
  Message Assemble(const Key& key, const Group& group) const;

  Clock::duration timeout_;
  Clock::duration remember_;
  size_t max_groups_;
  std::map<Key, Group> groups_;
  std::map<Key, Clock::time_point> done_;  // completed groups, until `remember` passes
};

}  // namespace vikno::sms
