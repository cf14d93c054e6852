// The glue around the pure dialogue (dialogue.h): for one resident's message
// it finds or registers the resident (000 §3.3: an opaque id, no personal
// data), loads the dialogue state kept in the store, builds the Context,
// runs Step, carries out the Commands through AppealService and the store,
// feeds each outcome back through Report, saves the new state, and hands the
// replies to a ReplySink. A restart between messages continues where the
// dialogue was: nothing of it lives only in memory.
//
// Ordering: commands run, then the state is saved, then replies are handed
// over. A crash between a command and the save re-runs the message when the
// channel re-delivers it; the host's provider-id dedupe (sdk::Host::Deliver)
// keeps that to crashes, not retries.
//
// Thread-safety: Handle and AskFixed may be called from several threads;
// messages of one chat are serialised by a striped lock (one host). Several
// hosts must route one chat to one worker (the inbound queue's partition).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "conversation/address_matcher.h"
#include "conversation/dialogue.h"
#include "core/event.h"
#include "core/rating.h"
#include "files/file_store.h"
#include "messages/messages.h"
#include "store/store.h"
#include "vikno/sdk/message.h"
#include "workflow/appeal_service.h"

namespace vikno::conversation {

// The storage the conversation needs beyond Store's current methods. Each is
// meant to become a Store method (names and semantics below are the request
// to the store's owner); until then the host passes an implementation.
// Every method throws StoreError on a storage failure.
class ConversationRepository {
 public:
  virtual ~ConversationRepository() = default;
  // The dialogue state JSON of one chat, or nullopt for a chat never seen.
  virtual std::optional<std::string> LoadDialogue(const std::string& channel,
                                                  const std::string& chat_id) = 0;
  // Inserts or replaces the chat's state (one row per channel + chat_id).
  virtual void SaveDialogue(const std::string& channel, const std::string& chat_id,
                            const std::string& resident_id, const std::string& state_json,
                            Timestamp now) = 0;
  // B3: a resident's addresses, oldest first; adding the same building, flat
  // and entrance twice keeps one.
  virtual std::vector<Address> ListResidentAddresses(const std::string& resident_id) = 0;
  virtual void AddResidentAddress(const std::string& resident_id, const Address& address,
                                  Timestamp now) = 0;
  // R25: stores a rating (id assigned).
  virtual void AddRating(const Rating& rating) = 0;
  // R30: true when the resident is blocked.
  virtual bool IsResidentBlocked(const std::string& resident_id) = 0;
  // R22: events active at `now` that cover any of the buildings (registry
  // ids) or their streets (an event address with an empty house).
  virtual std::vector<Event> ListActiveEventsAt(const std::vector<Address>& addresses,
                                                Timestamp now) = 0;
};

// Where the dialogue's replies go: the host renders them for the channel
// (inline buttons, reply keyboards, or RenderNumbered text for SMS) and
// sends or queues them. `key` is unique per reply and stable when the same
// inbound message is handled again, for the sender's dedupe.
class ReplySink {
 public:
  virtual ~ReplySink() = default;
  virtual void Deliver(const std::string& channel, const std::string& chat_id, const Reply& reply,
                       const std::string& key) = 0;
};

// The channels whose clients show buttons; the others get numbered text.
bool ChannelHasButtons(const std::string& channel);

// One reply as a channel message: buttons as an inline (or, for a location
// request, a one-time reply) keyboard; numbered text for channels without
// buttons.
sdk::OutboundMessage ToOutbound(const Reply& reply, const std::string& chat_id, bool buttons,
                                const Messages& messages);

struct ConversationOptions {
  std::string consent_version = "1";      // of the privacy text (R31)
  int retention_years = 5;                // R32, shown in the privacy notice
  std::string time_zone = "Europe/Kyiv";  // outage periods are shown in city time
};

class ConversationService {
 public:
  // `matcher` may be null (a city without a registry). `files` stores the
  // residents' photos.
  ConversationService(Store& store, ConversationRepository& repo, AppealService& appeals,
                      FileStore& files, const Messages& messages, const AddressMatcher* matcher,
                      Clock& clock, ReplySink& sink, ConversationOptions options);

  // One message from `channel`. Throws StoreError on a storage failure
  // (nothing of the step is saved; the message may be handled again).
  void Handle(const std::string& channel, const sdk::InboundMessage& message);

  // R18: the executor sent appeal `appeal_id` for confirmation with
  // `executor_answer`; asks its resident "fixed?" on their channel. False
  // when the resident cannot be reached by the bot (no subscribed binding).
  bool AskFixed(int64_t appeal_id, const std::string& executor_answer);

  // A button press that belongs to something outside the dialogue (R25: a
  // survey's answer, data "survey:<id>:<n>" from broadcasts/): presses whose
  // data starts with `prefix` go to `handler` with the resident's id, and
  // the text it returns is the reply; the dialogue's state is not touched,
  // so a survey answered in the middle of a report leaves the report where
  // it was. A handler returning nullopt hands the press to the dialogue.
  // Call before the first Handle.
  using ButtonHandler = std::function<std::optional<std::string>(
      const std::string& channel, const std::string& resident_id, const std::string& data)>;
  void SetButtonHandler(std::string prefix, ButtonHandler handler);

 private:
  struct Chat {
    std::string channel;
    std::string chat_id;
    std::string resident_id;
  };
  Context BuildContext(const Resident& resident);
  Inbound ToInbound(const sdk::InboundMessage& message);
  CommandOutcome Execute(const Command& command, Resident& resident, const std::string& channel);
  void Run(const Chat& chat, DialogueState state, StepResult result, Resident& resident,
           const std::string& key_base);
  Resident FindOrRegister(const std::string& channel, const std::string& chat_id);
  DialogueState LoadState(const std::string& channel, const std::string& chat_id);
  std::mutex& LockFor(const std::string& channel, const std::string& chat_id);

  Store& store_;
  ConversationRepository& repo_;
  AppealService& appeals_;
  FileStore& files_;
  const Messages& messages_;
  const AddressMatcher* matcher_;
  Clock& clock_;
  ReplySink& sink_;
  ConversationOptions options_;
  std::string button_prefix_;
  ButtonHandler button_handler_;
  std::array<std::mutex, 64> locks_;
};

}  // namespace vikno::conversation
