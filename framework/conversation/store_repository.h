// The conversation's repository over the Store (conversation_store.h): what
// the host uses; tests may still pass their own ConversationRepository.
//
// Blocks (R30) are asked through `blocked`, a function the host supplies
// from the abuse concern; unset, nobody is blocked.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "conversation/conversation_service.h"
#include "store/store.h"

namespace vikno::conversation {

class StoreConversationRepository final : public ConversationRepository {
 public:
  using BlockedFn = std::function<bool(const std::string& resident_id)>;
  explicit StoreConversationRepository(Store& store, BlockedFn blocked = {})
      : store_(store), blocked_(std::move(blocked)) {}

  std::optional<std::string> LoadDialogue(const std::string& channel,
                                          const std::string& chat_id) override {
    return store_.LoadDialogue(channel, chat_id);
  }
  void SaveDialogue(const std::string& channel, const std::string& chat_id,
                    const std::string& resident_id, const std::string& state_json,
                    Timestamp now) override {
    store_.SaveDialogue(channel, chat_id, resident_id, state_json, now);
  }
  std::vector<Address> ListResidentAddresses(const std::string& resident_id) override {
    return store_.ListResidentAddresses(resident_id);
  }
  void AddResidentAddress(const std::string& resident_id, const Address& address,
                          Timestamp now) override {
    store_.AddResidentAddress(resident_id, address, now);
  }
  void AddRating(const Rating& rating) override { store_.AddRating(rating); }
  bool IsResidentBlocked(const std::string& resident_id) override {
    return blocked_ && blocked_(resident_id);
  }
  std::vector<Event> ListActiveEventsAt(const std::vector<Address>& addresses,
                                        Timestamp now) override {
    return store_.ListActiveEventsAt(addresses, now);
  }

 private:
  Store& store_;
  BlockedFn blocked_;
};

}  // namespace vikno::conversation
