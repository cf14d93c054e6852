#include "store/sqlite/sqlite_internal.h"

namespace vikno {

using sqlite_detail::Statement;

namespace {

constexpr const char* kExecutorColumns = "id, name, phone, email, head, active";

Executor ReadExecutor(const Statement& s) {
  return Executor{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Bool(5)};
}

constexpr const char* kRegistryColumns = "id, city, district, street, house, lat, lon";

RegistryAddress ReadRegistryAddress(const Statement& s) {
  RegistryAddress a;
  a.id = s.Int(0);
  a.city = s.Text(1);
  a.district = s.Text(2);
  a.street = s.Text(3);
  a.house = s.Text(4);
  if (!s.IsNull(5)) a.point = GeoPoint{s.Real(5), s.Real(6)};
  return a;
}

}  // namespace

// ---------------------------------------------------------------------------
// Reference data

void SqliteStore::UpsertExecutor(const Executor& x) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "INSERT INTO executors (id, name, phone, email, head, active) VALUES (?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (id) DO UPDATE SET name = excluded.name, active = excluded.active, "
      "phone = iif(contacts_edited_at IS NULL, excluded.phone, phone), "
      "email = iif(contacts_edited_at IS NULL, excluded.email, email), "
      "head = iif(contacts_edited_at IS NULL, excluded.head, head)");
  s.Bind(x.id).Bind(x.name).Bind(x.phone).Bind(x.email).Bind(x.head).Bind(x.active).Run();
  DropCatalogCache();
}

std::optional<Executor> SqliteStore::FindExecutor(const std::string& id) {
  ReadLease r = Read();
  Statement s =
      r->Prepare(std::string("SELECT ") + kExecutorColumns + " FROM executors WHERE id = ?");
  s.Bind(id);
  if (!s.Step()) return std::nullopt;
  return ReadExecutor(s);
}

void SqliteStore::DropCatalogCache() {
  std::lock_guard lock(catalog_cache_mutex_);
  ++catalog_generation_;
  cached_categories_.reset();
  cached_executors_.reset();
}

std::vector<Executor> SqliteStore::ListExecutors() {
  uint64_t generation = 0;
  {
    std::lock_guard lock(catalog_cache_mutex_);
    if (cached_executors_ &&
        std::chrono::steady_clock::now() - executors_loaded_at_ < kCatalogCacheTtl)
      return *cached_executors_;
    generation = catalog_generation_;
  }
  const auto loaded_at = std::chrono::steady_clock::now();
  std::vector<Executor> out;
  {
    ReadLease r = Read();
    Statement s =
        r->Prepare(std::string("SELECT ") + kExecutorColumns + " FROM executors ORDER BY id");
    while (s.Step()) out.push_back(ReadExecutor(s));
  }
  std::lock_guard lock(catalog_cache_mutex_);
  if (generation == catalog_generation_) {
    cached_executors_ = out;
    executors_loaded_at_ = loaded_at;
  }
  return out;
}

void SqliteStore::UpsertCategory(const Category& c) {
  std::lock_guard lock(write_mutex_);
  Statement s = writer_->Prepare(
      "INSERT INTO categories (id, parent_id, name, executor_id, type) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name, "
      "executor_id = excluded.executor_id, type = excluded.type");
  s.Bind(c.id).Bind(c.parent_id).Bind(c.name).Bind(c.executor_id).Bind(c.type).Run();
  DropCatalogCache();
}

std::vector<Category> SqliteStore::ListCategories() {
  uint64_t generation = 0;
  {
    std::lock_guard lock(catalog_cache_mutex_);
    if (cached_categories_ &&
        std::chrono::steady_clock::now() - categories_loaded_at_ < kCatalogCacheTtl)
      return *cached_categories_;
    generation = catalog_generation_;
  }
  const auto loaded_at = std::chrono::steady_clock::now();
  std::vector<Category> out;
  {
    ReadLease r = Read();
    Statement s =
        r->Prepare("SELECT id, parent_id, name, executor_id, type FROM categories ORDER BY id");
    while (s.Step())
      out.push_back(Category{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4)});
  }
  std::lock_guard lock(catalog_cache_mutex_);
  if (generation == catalog_generation_) {
    cached_categories_ = out;
    categories_loaded_at_ = loaded_at;
  }
  return out;
}

int64_t SqliteStore::UpsertRegistryAddress(const RegistryAddress& a) {
  std::lock_guard lock(write_mutex_);
  Connection& w = *writer_;
  // One building per (city, street, house): re-importing the registry
  // refreshes district and point and keeps the id appeals refer to.
  Statement s = w.Prepare(
      "INSERT INTO registry_addresses (city, district, street, house, lat, lon) "
      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (city, street, house) DO UPDATE SET "
      "district = excluded.district, lat = excluded.lat, lon = excluded.lon RETURNING id");
  s.Bind(a.city).Bind(a.district).Bind(a.street).Bind(a.house);
  if (a.point) {
    s.Bind(a.point->lat).Bind(a.point->lon);
  } else {
    s.BindNull().BindNull();
  }
  if (!s.Step()) throw StoreError("sqlite: registry address upsert returned no id");
  const int64_t id = s.Int(0);
  while (s.Step()) {
  }
  return id;
}

std::optional<RegistryAddress> SqliteStore::FindRegistryAddress(int64_t id) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kRegistryColumns +
                           " FROM registry_addresses WHERE id = ?");
  s.Bind(id);
  if (!s.Step()) return std::nullopt;
  return ReadRegistryAddress(s);
}

std::vector<RegistryAddress> SqliteStore::ListRegistryAddresses(const std::string& city) {
  ReadLease r = Read();
  Statement s = r->Prepare(std::string("SELECT ") + kRegistryColumns +
                           " FROM registry_addresses WHERE city = ? ORDER BY street, house, id");
  s.Bind(city);
  std::vector<RegistryAddress> out;
  while (s.Step()) out.push_back(ReadRegistryAddress(s));
  return out;
}

}  // namespace vikno
