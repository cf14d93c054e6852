// Attachments (photos, videos, documents of appeals and executors' proof,
// R17) stored on disk by content: <data_dir>/files/ab/cd/<sha256>. The hash is
// the file's id, so identical uploads are stored once and a path is never
// built from anything a user typed.
//
// Thread-safety: Put, Read and Remove may run concurrently from several threads
// and processes sharing data_dir; writes are atomic (temp file, fsync, rename).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "host/config.h"

namespace vikno {

struct StoredFile {
  std::string sha256;           // 64 lower-case hex digits: the file's id
  std::string content_type;     // sniffed from the bytes, e.g. "image/jpeg"
  int64_t size = 0;             // bytes
  std::string original_name;    // the sender's file name, cleaned; for display only
  bool already_stored = false;  // identical content was stored before (deduplicated)
};

class FileStore {
 public:
  // Files go under <data_dir>/files; folders are created as needed.
  FileStore(std::filesystem::path data_dir, FilesConfig limits);

  // Checks and stores `bytes`. The type is decided by the content's magic
  // bytes, never by `claimed_type` alone; an empty claim or
  // "application/octet-stream" accepts whatever the content is. Refusals:
  //   "too_large"        more than FilesConfig::max_bytes;
  //   "type_not_allowed" the content is none of FilesConfig::allowed_types;
  //   "type_mismatch"    the content is an allowed type but not the claimed one.
  // Throws std::system_error when the disk write fails (nothing is left behind).
  Result<StoredFile> Put(std::string_view bytes, std::string_view claimed_type,
                         std::string_view original_name);

  // The content stored under `sha256`, or nullopt when there is none or the
  // id is not 64 lower-case hex digits. Throws std::system_error on a read
  // failure other than "not found".
  std::optional<std::string> Read(std::string_view sha256) const;

  bool Contains(std::string_view sha256) const;

  // Deletes the file (retention, R32). False when it did not exist or the id
  // is malformed.
  bool Remove(std::string_view sha256);

  // <data_dir>/files
  const std::filesystem::path& root() const { return root_; }

  static bool IsValidId(std::string_view sha256);
  static std::string Sha256Hex(std::string_view bytes);
  // The MIME type the magic bytes show (one of KnownFileTypes()), or nullopt.
  static std::optional<std::string> SniffType(std::string_view bytes);
  // The last path component, without control characters or invalid UTF-8,
  // at most 255 bytes.
  static std::string CleanName(std::string_view name);

 private:
  std::filesystem::path PathOf(std::string_view sha256) const;

  std::filesystem::path root_;
  FilesConfig limits_;
};

}  // namespace vikno
