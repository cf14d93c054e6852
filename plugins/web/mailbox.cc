#include "mailbox.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace vikno::web {
namespace fs = std::filesystem;
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Writes all of `data` to `fd`; false with errno set on failure.
bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

// A new or renamed directory entry is durable only once the folder is synced.
void SyncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string ItemLine(const MailItem& item) {
  // The message is already JSON: splice it in rather than parse it again.
  std::ostringstream id;
  Poco::JSON::Stringifier::stringify(Poco::Dynamic::Var(item.outbox_id), id);
  return "{\"seq\":" + std::to_string(item.seq) + ",\"id\":" + id.str() +
         ",\"message\":" + item.message_json + "}\n";
}

std::string AckLine(int64_t acked) { return "{\"acked\":" + std::to_string(acked) + "}\n"; }

}  // namespace

Mailboxes::Mailboxes(fs::path dir, size_t max_pending, Warn warn)
    : dir_(std::move(dir)), max_pending_(max_pending), warn_(std::move(warn)) {}

Mailboxes::~Mailboxes() { Shutdown(); }

std::string Mailboxes::Open() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return "cannot create the mailbox folder " + dir_.string() + ": " + ec.message();
  if (!fs::is_directory(dir_, ec)) return dir_.string() + " is not a folder";
  if (::access(dir_.c_str(), W_OK) != 0) return Errno("the mailbox folder " + dir_.string());
  return "";
}

fs::path Mailboxes::FileOf(const std::string& chat) const { return dir_ / (chat + ".log"); }

std::shared_ptr<Mailboxes::Chat> Mailboxes::Lock(const std::string& chat,
                                                 std::unique_lock<std::mutex>& lock) {
  for (;;) {
    std::shared_ptr<Chat> c;
    {
      std::lock_guard guard(mu_);
      auto& slot = chats_[chat];
      if (!slot) slot = std::make_shared<Chat>();
      c = slot;
    }
    lock = std::unique_lock<std::mutex>(c->mu);
    if (c->evicted) {  // evicted between the lookup and the lock: take the new one
      lock.unlock();
      continue;
    }
    if (!c->loaded) {
      Load(chat, *c);
      c->loaded = true;
    }
    return c;
  }
}

void Mailboxes::Load(const std::string& chat, Chat& c) {
  std::ifstream in(FileOf(chat), std::ios::binary);
  if (!in) return;  // no file: a chat that never got a reply
  std::string line;
  int64_t max_seq = 0;
  int line_no = 0;
  std::vector<MailItem> items;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    try {
      Poco::JSON::Parser parser;
      auto o = parser.parse(line).extract<Poco::JSON::Object::Ptr>();
      if (o->has("acked")) {
        c.acked = std::max(c.acked, o->getValue<Poco::Int64>("acked"));
        continue;
      }
      MailItem item;
      item.seq = o->getValue<Poco::Int64>("seq");
      item.outbox_id = o->optValue<std::string>("id", "");
      auto message = o->getObject("message");
      if (item.seq <= 0 || !message) throw Poco::DataException("no seq or message");
      std::ostringstream json;
      message->stringify(json);
      item.message_json = json.str();
      max_seq = std::max(max_seq, item.seq);
      items.push_back(std::move(item));
    } catch (const std::exception& e) {
      warn_("web-chat mailbox " + chat + " line " + std::to_string(line_no) +
            " is unreadable and was skipped (an append cut short by a crash is re-sent "
            "by the outbox): " +
            e.what());
    }
  }
  std::sort(items.begin(), items.end(),
            [](const MailItem& a, const MailItem& b) { return a.seq < b.seq; });
  for (auto& item : items) {
    if (item.seq <= c.acked) continue;
    if (!c.pending.empty() && c.pending.back().seq == item.seq) continue;
    c.pending.push_back(std::move(item));
  }
  c.next_seq = std::max(c.acked, max_seq) + 1;
}

Mailboxes::Appended Mailboxes::Append(const std::string& chat, const std::string& outbox_id,
                                      const std::string& message_json) {
  Appended result;
  std::unique_lock<std::mutex> lock;
  std::shared_ptr<Chat> c;
  try {
    c = Lock(chat, lock);
  } catch (const std::exception& e) {
    result.outcome = Appended::Outcome::kError;
    result.error = std::string("cannot read the mailbox: ") + e.what();
    return result;
  }
  if (!outbox_id.empty()) {
    for (const auto& item : c->pending) {
      if (item.outbox_id == outbox_id) {
        result.seq = item.seq;
        return result;
      }
    }
  }
  if (c->pending.size() >= max_pending_) {
    result.outcome = Appended::Outcome::kFull;
    return result;
  }
  MailItem item{c->next_seq, outbox_id, message_json};
  const fs::path file = FileOf(chat);
  std::error_code exists_error;
  const bool existed = fs::exists(file, exists_error);
  int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    result.outcome = Appended::Outcome::kError;
    result.error = Errno("cannot open " + file.string());
    return result;
  }
  const off_t before = ::lseek(fd, 0, SEEK_END);
  // A new file starts with the chat's acked mark, so numbering continues
  // even after a compaction lost the file (it never does, but cheap).
  std::string data = existed ? "" : AckLine(c->acked);
  data += ItemLine(item);
  if (!WriteAll(fd, data) || ::fdatasync(fd) != 0) {
    result.outcome = Appended::Outcome::kError;
    result.error = Errno("cannot write " + file.string());
    // Leave no half line for the next append to continue.
    if (before >= 0 && ::ftruncate(fd, before) != 0) {
      warn_("web-chat mailbox " + chat +
            ": could not cut a failed append back: " + std::strerror(errno));
    }
    ::close(fd);
    return result;
  }
  ::close(fd);
  if (!existed) SyncDir(dir_);
  result.seq = item.seq;
  c->next_seq++;
  c->pending.push_back(std::move(item));
  c->cv.notify_all();
  return result;
}

bool Mailboxes::Compact(const std::string& chat, const Chat& c, std::string* error) {
  const fs::path file = FileOf(chat);
  const fs::path tmp = dir_ / (chat + ".log.tmp");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = Errno("cannot create " + tmp.string());
    return false;
  }
  std::string data = AckLine(c.acked);
  for (const auto& item : c.pending) data += ItemLine(item);
  if (!WriteAll(fd, data) || ::fdatasync(fd) != 0) {
    *error = Errno("cannot write " + tmp.string());
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    *error = Errno("cannot replace " + file.string());
    ::unlink(tmp.c_str());
    return false;
  }
  SyncDir(dir_);
  return true;
}

Mailboxes::Batch Mailboxes::Poll(const std::string& chat, int64_t after,
                                 std::chrono::milliseconds wait, size_t max_items) {
  Batch batch;
  std::unique_lock<std::mutex> lock;
  std::shared_ptr<Chat> c = Lock(chat, lock);
  // A browser cannot have seen what was never numbered: an `after` beyond the
  // last number (a stale tab of a reset chat) acknowledges only what exists.
  const int64_t last = c->next_seq - 1;
  const int64_t upto = std::min(after, last);
  if (upto > c->acked) {
    while (!c->pending.empty() && c->pending.front().seq <= upto) {
      batch.newly_acked.push_back(std::move(c->pending.front()));
      c->pending.pop_front();
    }
    c->acked = upto;
    std::string error;
    if (!Compact(chat, *c, &error)) {
      // The acknowledgement holds in memory; after a restart the browser
      // gets those replies again, which is better than losing any.
      warn_("web-chat mailbox " + chat + ": compaction failed: " + error);
    }
  }
  auto has_news = [&] { return !c->pending.empty() && c->pending.back().seq > after; };
  if (!has_news() && wait.count() > 0 && !stopping_) {
    c->waiters++;
    c->cv.wait_for(lock, wait, [&] { return has_news() || stopping_.load(); });
    c->waiters--;
  }
  for (const auto& item : c->pending) {
    if (item.seq <= after) continue;
    if (batch.items.size() >= max_items) break;
    batch.items.push_back(item);
  }
  batch.last_seq = c->next_seq - 1;
  const bool idle = c->pending.empty() && c->waiters == 0;
  lock.unlock();
  if (idle) MaybeEvict(chat, c);
  return batch;
}

void Mailboxes::MaybeEvict(const std::string& chat, const std::shared_ptr<Chat>& c) {
  // An empty mailbox is only its file's "acked" line: drop it from memory so
  // that many finished chats cost nothing; the next use reloads the file.
  std::lock_guard guard(mu_);
  auto it = chats_.find(chat);
  if (it == chats_.end() || it->second != c) return;
  std::lock_guard chat_lock(c->mu);
  if (!c->pending.empty() || c->waiters != 0) return;
  c->evicted = true;
  chats_.erase(it);
}

void Mailboxes::Shutdown() {
  stopping_ = true;
  std::lock_guard guard(mu_);
  for (auto& [name, c] : chats_) {
    std::lock_guard chat_lock(c->mu);
    c->cv.notify_all();
  }
}

size_t Mailboxes::Pending(const std::string& chat) {
  std::unique_lock<std::mutex> lock;
  auto c = Lock(chat, lock);
  return c->pending.size();
}

}  // namespace vikno::web
