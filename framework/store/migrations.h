// Schema migrations: numbered SQL files per dialect,
// framework/store/migrations/<dialect>/NNN_name.sql, embedded into the binary
// at build time by vikno_embed_migrations() (embed_migrations.cmake), so a
// host carries its schema and needs no files beside it (DESIGN.md, "Storage").
//
// A backend's Migrate() applies, in version order, every migration whose
// version is not yet in its `schema_migrations(version, name, applied_at)`
// table, each in its own transaction together with its record, and refuses a
// database that records a version this binary does not know (it was written
// by a newer vikno; running old code on it could lose data).
//
// To change the schema, add the next file in every dialect's folder (e.g.
// 002_outbox.sql in sqlite/ and mysql/), with the same meaning in each; never
// edit a file that has been released. The build refuses badly named,
// duplicate or empty files.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace vikno {

struct Migration {
  int version;            // NNN of the file name; ascending, starts at 1
  std::string_view name;  // the file name: "001_initial.sql"
  std::string_view sql;   // the file's text, byte for byte
};

// Generated from migrations/sqlite/*.sql (linked into vikno_store_sqlite).
std::span<const Migration> SqliteMigrations();
// Generated from migrations/mysql/*.sql (linked into the MySQL backend).
std::span<const Migration> MysqlMigrations();

// The newest version the binary knows; 0 when there are none.
inline int LatestVersion(std::span<const Migration> migrations) {
  return migrations.empty() ? 0 : migrations.back().version;
}

// The StoreError text both backends give for a database newer than the binary.
inline std::string NewerSchemaMessage(std::string_view backend, int database_version,
                                      int binary_version) {
  return std::string(backend) + " database is at schema version " +
         std::to_string(database_version) + " but this vikno binary knows only up to version " +
         std::to_string(binary_version) +
         "; it was migrated by a newer vikno. Run that version (or newer) instead of "
         "downgrading; nothing was changed.";
}

}  // namespace vikno
