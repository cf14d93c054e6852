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
// A burst of writes grows the log file, and SQLite reuses it from the start
// without shrinking it. Truncating it as part of every reset costs the next
// writes far more (measured: creates 15-35% slower), so this thread shrinks
// it instead once the writes have stopped: when a tick finds the log fully
// copied and no new frame since the tick before, and the file is larger than
// `truncate_above_bytes`, it truncates the log (a TRUNCATE checkpoint that
// gives up at once if anyone is busy, and tries again a tick later).
//
// Thread-safety: owns one thread and one sqlite3 handle; Stop() is idempotent
// and the destructor calls it.
#pragma once

#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace vikno::sqlite_detail {

class WalCheckpointer {
 public:
  WalCheckpointer(const std::string& path, std::chrono::milliseconds period,
                  int64_t truncate_above_bytes = int64_t{64} << 20);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  void Stop();

 private:
  void Run();

  sqlite3* db_ = nullptr;
  std::string wal_path_;
  std::chrono::milliseconds period_;
  int64_t truncate_above_bytes_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace vikno::sqlite_detail
