// SqliteBackend: a fresh database file per test in one temporary folder of
// this process, removed when the process exits.
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "integration/store/backends.h"
#include "store/sqlite/sqlite_store.h"

namespace vikno::testing {
namespace {

class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "vikno-store-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a folder in /tmp");
    path_ = pattern;
  }
  // Static destruction runs after every test, when all stores are closed.
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string NextFile() {
    return (path_ / ("store-" + std::to_string(++count_) + ".sqlite")).string();
  }

 private:
  std::filesystem::path path_;
  std::atomic<int> count_{0};
};

TempFolder& Folder() {
  static TempFolder folder;
  return folder;
}

}  // namespace

std::unique_ptr<Store> SqliteBackend::Make() {
  auto store = std::make_unique<SqliteStore>(Folder().NextFile());
  store->Migrate();
  return store;
}

}  // namespace vikno::testing
