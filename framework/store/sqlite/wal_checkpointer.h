// Checkpoints the SQLite write-ahead log from a background thread.
//
// Why: with SQLite's default, the connection that commits the 1000th WAL page
// copies the log back into the database inside that commit, so every few dozen
// appeal writes one of them pays for a checkpoint, and hot index pages are
// copied back again and again. Checkpointing PASSIVELY once a second on a
// connection of its own takes that work off the request path and copies each
// hot page once per second. The writer keeps a high automatic threshold as a
// safety net should this thread fall behind (e.g. a long reader pins the log).
//
// Thread-safety: owns one thread and one sqlite3 handle; Stop() is idempotent
// and the destructor calls it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace vikno::sqlite_detail {

class WalCheckpointer {
 public:
  WalCheckpointer(const std::string& path, std::chrono::milliseconds period);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  void Stop();

 private:
  void Run();

  sqlite3* db_ = nullptr;
  std::chrono::milliseconds period_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace vikno::sqlite_detail
