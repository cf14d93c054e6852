// Opens the store the configuration names (storage.backend): SQLite by
// default, MySQL/MariaDB when built with VIKNO_WITH_MYSQL.
#pragma once

#include <memory>

#include "host/config.h"
#include "store/store.h"

namespace vikno {

// Does not migrate. Throws StoreError when the backend is unknown, not built
// in, or cannot be opened.
std::unique_ptr<Store> OpenStore(const Config& config);

// The SQLite file the configuration means: storage.sqlite_path, or
// <data_dir>/vikno.sqlite when that is empty.
std::string SqlitePathOf(const Config& config);

}  // namespace vikno
