// Retention (R32, 003 §2.6, B8): cards closed more than N years ago are
// purged with their comments, attachments' metadata and audit; residents left
// without cards lose their personal data; files no remaining card refers to
// are deleted from disk. The purge itself is audited by the system actor.
#pragma once

#include <cstdint>

#include "core/time.h"
#include "files/file_store.h"
#include "store/store.h"

namespace vikno {

struct RetentionReport {
  Timestamp cutoff;
  int64_t appeals = 0;        // cards removed
  int64_t residents = 0;      // residents whose personal data was erased
  int64_t files_removed = 0;  // orphaned files deleted from disk
  int64_t files_missing = 0;  // orphaned files that were already gone
};

class Retention {
 public:
  Retention(Store& store, FileStore& files, Clock& clock);

  // Purges cards closed before now minus `years` calendar years (years >= 1).
  // Throws std::invalid_argument for years < 1 (a config error must never
  // purge everything); StoreError propagates with nothing purged.
  RetentionReport Purge(int years);

  // now minus `years` calendar years; 29 February maps to 28 February.
  static Timestamp CutoffFor(Timestamp now, int years);

 private:
  Store& store_;
  FileStore& files_;
  Clock& clock_;
};

}  // namespace vikno
