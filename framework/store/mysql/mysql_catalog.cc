#include "store/mysql/mysql_internal.h"

namespace vikno {

using mysql_detail::Conn;
using mysql_detail::ResultSetPtr;
using mysql_detail::Binder;
using mysql_detail::Str;
using mysql_detail::LastInsertId;

// --- Reference data ---

void MysqlStore::UpsertExecutor(const Executor& e) {
  if (e.id.empty()) throw StoreError("mysql: an executor needs an id");
  pool_->Run("upsert executor", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO executors (id, name, phone, email, head, active) VALUES (?, ?, ?, ?, ?, ?)"
        " ON DUPLICATE KEY UPDATE name = VALUES(name), active = VALUES(active),"
        " phone = IF(contacts_edited_at IS NULL, VALUES(phone), phone),"
        " email = IF(contacts_edited_at IS NULL, VALUES(email), email),"
        " head = IF(contacts_edited_at IS NULL, VALUES(head), head)");
    Binder(st).Str(e.id).Str(e.name).Str(e.phone).Str(e.email).Str(e.head).Bool(e.active);
    st.executeUpdate();
  });
}

namespace {
Executor ReadExecutor(const sql::ResultSet& rs) {
  return Executor{Str(rs, 1), Str(rs, 2), Str(rs, 3), Str(rs, 4), Str(rs, 5), rs.getInt(6) != 0};
}
RegistryAddress ReadRegistry(const sql::ResultSet& rs) {
  RegistryAddress r;
  r.id = rs.getInt64(1);
  r.city = Str(rs, 2);
  r.district = Str(rs, 3);
  r.street = Str(rs, 4);
  r.house = Str(rs, 5);
  if (!rs.isNull(6) && !rs.isNull(7))
    r.point = GeoPoint{static_cast<double>(rs.getDouble(6)), static_cast<double>(rs.getDouble(7))};
  return r;
}
}  // namespace

std::optional<Executor> MysqlStore::FindExecutor(const std::string& id) {
  std::optional<Executor> out;
  pool_->Run("find executor", [&](Conn& c) {
    auto& st = c.Prepare("SELECT id, name, phone, email, head, active FROM executors WHERE id = ?");
    Binder(st).Str(id);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = ReadExecutor(*rs);
  });
  return out;
}

std::vector<Executor> MysqlStore::ListExecutors() {
  std::vector<Executor> out;
  pool_->Run("list executors", [&](Conn& c) {
    ResultSetPtr rs(
        c.Prepare("SELECT id, name, phone, email, head, active FROM executors ORDER BY id")
            .executeQuery());
    while (rs->next()) out.push_back(ReadExecutor(*rs));
  });
  return out;
}

void MysqlStore::UpsertCategory(const Category& cat) {
  if (cat.id.empty()) throw StoreError("mysql: a category needs an id");
  pool_->Run("upsert category", [&](Conn& c) {
    auto& st = c.Prepare(
        "INSERT INTO categories (id, parent_id, name, executor_id, type) VALUES (?, ?, ?, ?, ?)"
        " ON DUPLICATE KEY UPDATE parent_id = VALUES(parent_id), name = VALUES(name),"
        " executor_id = VALUES(executor_id), type = VALUES(type)");
    Binder(st).Str(cat.id).Str(cat.parent_id).Str(cat.name).Str(cat.executor_id).Str(cat.type);
    st.executeUpdate();
  });
}

std::vector<Category> MysqlStore::ListCategories() {
  std::vector<Category> out;
  pool_->Run("list categories", [&](Conn& c) {
    ResultSetPtr rs(
        c.Prepare("SELECT id, parent_id, name, executor_id, type FROM categories ORDER BY id")
            .executeQuery());
    while (rs->next())
      out.push_back(Category{Str(*rs, 1), Str(*rs, 2), Str(*rs, 3), Str(*rs, 4), Str(*rs, 5)});
  });
  return out;
}

int64_t MysqlStore::UpsertRegistryAddress(const RegistryAddress& a) {
  int64_t id = 0;
  pool_->Run("upsert registry address", [&](Conn& c) {
    // id = LAST_INSERT_ID(id) makes LAST_INSERT_ID() return the existing
    // row's id when the building is already there.
    auto& st = c.Prepare(
        "INSERT INTO registry_addresses (city, district, street, house, lat, lon) VALUES (?, ?, ?, "
        "?, ?, ?)"
        " ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), district = VALUES(district),"
        " lat = VALUES(lat), lon = VALUES(lon)");
    Binder(st)
        .Str(a.city)
        .Str(a.district)
        .Str(a.street)
        .Str(a.house)
        .OptDouble(a.point ? std::optional<double>(a.point->lat) : std::nullopt)
        .OptDouble(a.point ? std::optional<double>(a.point->lon) : std::nullopt);
    st.executeUpdate();
    id = LastInsertId(c);
  });
  return id;
}

std::optional<RegistryAddress> MysqlStore::FindRegistryAddress(int64_t id) {
  std::optional<RegistryAddress> out;
  pool_->Run("find registry address", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT id, city, district, street, house, lat, lon FROM registry_addresses WHERE id = ?");
    Binder(st).Int(id);
    ResultSetPtr rs(st.executeQuery());
    if (rs->next()) out = ReadRegistry(*rs);
  });
  return out;
}

std::vector<RegistryAddress> MysqlStore::ListRegistryAddresses(const std::string& city) {
  std::vector<RegistryAddress> out;
  pool_->Run("list registry addresses", [&](Conn& c) {
    auto& st = c.Prepare(
        "SELECT id, city, district, street, house, lat, lon FROM registry_addresses WHERE city = ?"
        " ORDER BY street, house, id");
    Binder(st).Str(city);
    ResultSetPtr rs(st.executeQuery());
    while (rs->next()) out.push_back(ReadRegistry(*rs));
  });
  return out;
}

}  // namespace vikno
