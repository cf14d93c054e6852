// The store's part of the residents' conversation (issue 4): each chat's
// dialogue state, residents' saved addresses (B3), ratings (R25), outages at
// addresses (R22), the address registry's bulk import (R3), and the intake
// record that makes channel intake idempotent (DESIGN.md: "A webhook's
// provider id makes intake idempotent").
//
// Every method throws StoreError on a storage failure; a write that throws
// left nothing behind.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/event.h"
#include "core/rating.h"
#include "core/time.h"

namespace vikno {

// A message taken from a channel and not yet handled (see RecordInbound).
struct PendingInbound {
  int64_t id = 0;  // ascending in the order they were taken
  std::string channel;
  std::string provider_id;
  std::string payload_json;
  Timestamp received_at;
};

// What a bulk registry import did.
struct RegistryUpsertCounts {
  int64_t inserted = 0;  // buildings new to the store
  int64_t updated = 0;   // buildings already there (district and point refreshed)
};

class ConversationStore {
 public:
  virtual ~ConversationStore() = default;

  // The dialogue state JSON of one chat, or nullopt for a chat never seen.
  virtual std::optional<std::string> LoadDialogue(const std::string& channel,
                                                  const std::string& chat_id) = 0;
  // Inserts or replaces the chat's state (one row per channel + chat_id).
  virtual void SaveDialogue(const std::string& channel, const std::string& chat_id,
                            const std::string& resident_id, const std::string& state_json,
                            Timestamp now) = 0;

  // B3: the resident's addresses, oldest first.
  virtual std::vector<Address> ListResidentAddresses(const std::string& resident_id) = 0;
  // Adds an address; the same building (registry id, else city + street +
  // house), flat and entrance is kept once: false when it was there already.
  // Throws StoreError for an unknown resident.
  virtual bool AddResidentAddress(const std::string& resident_id, const Address& address,
                                  Timestamp now) = 0;

  // R25: stores a rating; returns its id. A score outside 1..5 throws.
  virtual int64_t AddRating(const Rating& rating) = 0;
  // The ratings of one appeal, oldest first (for the card and the tests).
  virtual std::vector<Rating> ListRatingsForAppeal(int64_t appeal_id) = 0;

  // R22: events active at `now` (started, not ended) that cover any of
  // `addresses`: the same registry building, or the same street and house,
  // or the whole street (an event address with an empty house). Each event
  // once, with all its addresses, earliest start first.
  virtual std::vector<Event> ListActiveEventsAt(const std::vector<Address>& addresses,
                                                Timestamp now) = 0;
  // Records an event with its addresses; returns its id (the R22 panel and
  // the tests use it).
  virtual int64_t CreateEvent(const Event& event) = 0;

  // R3: the registry import in ONE transaction: every building is inserted
  // or refreshed (one per city + street + house; ids are kept), or, on a
  // failure, none.
  virtual RegistryUpsertCounts UpsertRegistryAddresses(
      const std::vector<RegistryAddress>& addresses) = 0;

  // Idempotent intake. Records that `channel` delivered `provider_id` with
  // the message (`payload_json`, kept until CompleteInbound) and returns
  // true; returns false, recording nothing, when that id was recorded
  // before (a re-delivered webhook, a poll repeated after a restart).
  virtual bool RecordInbound(const std::string& channel, const std::string& provider_id,
                             const std::string& payload_json, Timestamp now) = 0;
  // The message was handled (`error` empty) or given up on (`error` says
  // why); its payload is dropped, its key kept for de-duplication.
  virtual void CompleteInbound(const std::string& channel, const std::string& provider_id,
                               const std::string& error, Timestamp now) = 0;
  // Messages recorded and not completed, with id > after_id, oldest first.
  virtual std::vector<PendingInbound> ListPendingInbound(int64_t after_id, int limit) = 0;
  // Forgets completed keys received before `before` (pending ones are kept);
  // returns how many. A provider re-delivers for a day at most, so a week
  // of keys is plenty.
  virtual int64_t PurgeInbound(Timestamp before) = 0;
};

}  // namespace vikno
