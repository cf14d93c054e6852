// The durable outbox (issue 4, B11; DESIGN.md: "The outbox is a table").
// Every message to a resident or to staff is a row first (Outbox::Enqueue),
// then a send (OutboxSender, sender.h).
//
// Rows keep the text's key and its parameters, not the rendered text: the
// text is rendered with vikno::Messages when it is sent, so a city's edit of
// a text applies to what is still queued, and a row stays small for big
// fan-outs. (The cost: a notice queued before an edit goes out in the new
// wording, which is what a city editing a mistake wants.)
//
// Addressing: a resident is reached on their channel binding (the appeal's
// channel when they have a subscribed binding there, else the most recently
// used subscribed one); staff (kExecutor, kModerators: the executor's
// e-mail; kExecutorHead: the head's address) on the "email" channel. A notice
// that cannot be addressed is still recorded, as failed with the reason, so
// it is never silently dropped and staff can see it.
//
// Thread-safety: Enqueue may be called from any thread.
#pragma once

#include <functional>
#include <string>

#include "core/time.h"
#include "store/store.h"
#include "workflow/notifier.h"

namespace vikno {

class Outbox final : public Notifier {
 public:
  // The staff e-mail channel's name.
  static constexpr const char* kEmailChannel = "email";

  Outbox(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Records the notice (see Notifier). Throws StoreError when it cannot be
  // recorded, or when the notice has no idempotency key or text key.
  bool Enqueue(const Notice& notice) override;

  // Called after a row was queued (the sender wakes up instead of waiting
  // for its next poll). Set before the first Enqueue.
  void OnQueued(std::function<void(const std::string& channel)> hook) {
    on_queued_ = std::move(hook);
  }

  // The row Enqueue would store for `notice` (addressing resolved), for
  // inspection and tests.
  OutboxMessage Address(const Notice& notice);

 private:
  Store& store_;
  const Clock& clock_;
  std::function<void(const std::string&)> on_queued_;
};

// "resident", "moderators", "executor", "executor_head".
const char* RecipientKindCode(Notice::To to);

}  // namespace vikno
