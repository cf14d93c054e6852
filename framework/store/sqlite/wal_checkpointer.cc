#include "store/sqlite/wal_checkpointer.h"

#include <sqlite3.h>

#include "store/store.h"

namespace vikno::sqlite_detail {

WalCheckpointer::WalCheckpointer(const std::string& path, std::chrono::milliseconds period)
    : period_(period) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw StoreError("sqlite: cannot open " + path + " for checkpoints: " + message);
  }
  // A checkpoint that meets a writer's lock simply tries again next period.
  sqlite3_busy_timeout(db_, 0);
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
  while (!cv_.wait_for(lock, period_, [this] { return stop_; })) {
    lock.unlock();
    // PASSIVE never blocks readers or the writer; what it cannot copy now it
    // copies next time. Failures (SQLITE_BUSY) are expected and harmless.
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
  }
}

}  // namespace vikno::sqlite_detail
