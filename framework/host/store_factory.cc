#include "host/store_factory.h"

#include <filesystem>

#include "store/sqlite/sqlite_store.h"
#ifdef VIKNO_HAVE_MYSQL
#include "store/mysql/mysql_store.h"
#endif

namespace vikno {

std::string SqlitePathOf(const Config& config) {
  if (!config.storage.sqlite_path.empty()) return config.storage.sqlite_path;
  return (std::filesystem::path(config.data_dir) / "vikno.sqlite").string();
}

std::unique_ptr<Store> OpenStore(const Config& config) {
  if (config.storage.backend == "sqlite") {
    const std::filesystem::path path = SqlitePathOf(config);
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw StoreError("cannot create the folder of " + path.string() + ": " + ec.message());
    return std::make_unique<SqliteStore>(path.string());
  }
  if (config.storage.backend == "mysql") {
#ifdef VIKNO_HAVE_MYSQL
    MysqlOptions o;
    o.host = config.storage.mysql_host;
    o.port = config.storage.mysql_port;
    o.socket = config.storage.mysql_socket;
    o.user = config.storage.mysql_user;
    o.password = config.storage.mysql_password;
    o.database = config.storage.mysql_database;
    o.pool_size = config.storage.mysql_pool_size;
    return std::make_unique<MysqlStore>(o);
#else
    throw StoreError("storage.backend is mysql but this vikno was built without VIKNO_WITH_MYSQL");
#endif
  }
  throw StoreError("unknown storage.backend '" + config.storage.backend + "'");
}

}  // namespace vikno
