#include "store/sqlite/wal_checkpointer.h"

#include <sqlite3.h>

#include <filesystem>

#include "store/store.h"

namespace vikno::sqlite_detail {

WalCheckpointer::WalCheckpointer(const std::string& path, std::chrono::milliseconds period,
                                 int64_t truncate_above_bytes)
    : wal_path_(path + "-wal"), period_(period), truncate_above_bytes_(truncate_above_bytes) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw StoreError("sqlite: cannot open " + path + " for checkpoints: " + message);
  }
  // A checkpoint that meets a writer's lock simply tries again next period.
  sqlite3_busy_timeout(db_, 0);
  // A connection learns that the file is in WAL mode only by reading it;
  // until then sqlite3_wal_checkpoint_v2 answers SQLITE_OK and does nothing
  // (log size -1), which this thread did for as long as it ran.
  sqlite3_exec(db_, "PRAGMA schema_version", nullptr, nullptr, nullptr);
  thread_ = std::thread([this] { Run(); });
}

WalCheckpointer::~WalCheckpointer() {
  Stop();
  sqlite3_close(db_);
}

void WalCheckpointer::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WalCheckpointer::Run() {
  std::unique_lock lock(mu_);
  int last_frames = -1;
  while (!cv_.wait_for(lock, period_, [this] { return stop_; })) {
    lock.unlock();
    // PASSIVE never blocks readers or the writer; what it cannot copy now it
    // copies next time. Failures (SQLITE_BUSY) are expected and harmless.
    int frames = -1, copied = -1;
    const int rc =
        sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    const bool idle = rc == SQLITE_OK && frames == copied && frames == last_frames;
    last_frames = rc == SQLITE_OK ? frames : -1;
    std::error_code ec;
    if (idle && static_cast<int64_t>(std::filesystem::file_size(wal_path_, ec)) >
                    truncate_above_bytes_ &&
        !ec) {
      // With no busy handler TRUNCATE returns SQLITE_BUSY at once rather than
      // wait for a reader or the writer; then the next idle tick tries again.
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    }
    lock.lock();
  }
}

}  // namespace vikno::sqlite_detail
