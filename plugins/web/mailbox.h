// The web chat's mailboxes: the replies waiting for each browser, numbered
// per chat (1, 2, 3...) and kept on disk until the browser has them, so a
// restart of the host (or a closed laptop) loses nothing.
//
// On disk: <dir>/<chat>.log, one JSON object per line, appended and synced
// before Append returns (the outbox records "sent" only after that):
//   {"seq":7,"id":"<outbox id>","message":{...}}   a reply
//   {"acked":6}                                     the browser has 1..6
// A poll that acknowledges replies rewrites the file with what is still
// pending (temp file, sync, rename), so a file never holds more than the
// pending replies and one "acked" line. A torn last line (a crash during an
// append, whose Send therefore never returned) is skipped on load with a
// warning; the outbox sends that reply again.
//
// Thread-safety: every method may be called from any thread. One chat's
// operations are serialised by that chat's lock; different chats proceed in
// parallel.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace vikno::web {

struct MailItem {
  int64_t seq = 0;
  std::string outbox_id;     // OutboundMessage::id, to make a repeated Send idempotent
  std::string message_json;  // the JSON object the browser gets
};

class Mailboxes {
 public:
  using Warn = std::function<void(const std::string&)>;

  // `max_pending`: replies one chat may hold before Append says kFull.
  // `warn` gets one sentence per recoverable problem (a bad line on load, a
  // failed compaction); it must be thread-safe.
  Mailboxes(std::filesystem::path dir, size_t max_pending, Warn warn);
  ~Mailboxes();
  Mailboxes(const Mailboxes&) = delete;
  Mailboxes& operator=(const Mailboxes&) = delete;

  // Creates the folder. "" on success, else one sentence.
  std::string Open();

  struct Appended {
    enum class Outcome { kOk, kFull, kError };
    Outcome outcome = Outcome::kOk;
    int64_t seq = 0;    // kOk: the reply's number in its chat
    std::string error;  // kError: what failed
  };
  // Stores a reply durably. The same `outbox_id` still pending gives the
  // same seq without a second copy (the outbox may send again after a crash).
  Appended Append(const std::string& chat, const std::string& outbox_id,
                  const std::string& message_json);

  struct Batch {
    std::vector<MailItem> items;        // seq > after, ascending, at most max_items
    std::vector<MailItem> newly_acked;  // replies this poll acknowledged (seq <= after)
    int64_t last_seq = 0;               // the highest seq the chat ever had
  };
  // Acknowledges every reply with seq <= `after`, then returns the replies
  // after it, waiting up to `wait` for one to arrive when there are none.
  // Returns at once after Shutdown.
  Batch Poll(const std::string& chat, int64_t after, std::chrono::milliseconds wait,
             size_t max_items);

  // Wakes every waiting Poll; later Polls do not wait.
  void Shutdown();

  // Replies waiting in `chat` (loads it from disk if needed).
  size_t Pending(const std::string& chat);

 private:
  struct Chat {
    std::mutex mu;
    std::condition_variable cv;
    bool loaded = false;
    bool evicted = false;  // removed from chats_: look it up again
    int64_t acked = 0;
    int64_t next_seq = 1;
    std::deque<MailItem> pending;
    int waiters = 0;
  };

  // The chat, loaded and locked; `lock` holds its mutex.
  std::shared_ptr<Chat> Lock(const std::string& chat, std::unique_lock<std::mutex>& lock);
  void Load(const std::string& chat, Chat& c);
  bool Compact(const std::string& chat, const Chat& c, std::string* error);
  void MaybeEvict(const std::string& chat, const std::shared_ptr<Chat>& c);
  std::filesystem::path FileOf(const std::string& chat) const;

  std::filesystem::path dir_;
  size_t max_pending_;
  Warn warn_;
  std::mutex mu_;  // guards chats_; lock order: mu_, then a Chat::mu
  std::map<std::string, std::shared_ptr<Chat>> chats_;
  std::atomic<bool> stopping_{false};
};

}  // namespace vikno::web
