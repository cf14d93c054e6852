#include "files/file_store.h"

#include <Poco/SHA2Engine.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <system_error>

namespace vikno {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void ThrowErrno(const std::string& what, const fs::path& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

bool StartsWith(std::string_view bytes, size_t at, std::string_view magic) {
  return bytes.size() >= at + magic.size() && bytes.substr(at, magic.size()) == magic;
}

// ISO base media major brands that are MP4 video. HEIF images ("heic",
// "mif1"), QuickTime ("qt  ") and audio-only M4A share the box format but are
// other types, so a bare "ftyp" is not enough.
constexpr std::string_view kMp4Brands[] = {"isom", "iso2", "iso3", "iso4", "iso5", "iso6",
                                           "mp41", "mp42", "avc1", "dash", "M4V ", "MSNV"};

// The claimed type in canonical form: lower case, no parameters, common
// aliases folded. Empty when the sender made no real claim.
std::string NormaliseClaim(std::string_view claimed) {
  std::string t(claimed.substr(0, claimed.find(';')));
  t.erase(0, t.find_first_not_of(" \t"));
  t.erase(t.find_last_not_of(" \t") + 1);
  std::transform(t.begin(), t.end(), t.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (t == "application/octet-stream" || t == "binary/octet-stream") return "";
  if (t == "image/jpg" || t == "image/pjpeg") return "image/jpeg";
  if (t == "image/x-png") return "image/png";
  if (t == "application/x-pdf") return "application/pdf";
  return t;
}

// Writes all of `bytes` to a new file next to `target`, flushes it to disk,
// and renames it into place, so a reader sees either nothing or all of it.
void WriteAtomically(const fs::path& target, std::string_view bytes) {
  static std::atomic<uint64_t> counter{0};
  const fs::path dir = target.parent_path();
  const fs::path tmp = dir / (".tmp-" + target.filename().string() + "-" +
                              std::to_string(::getpid()) + "-" + std::to_string(++counter));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) ThrowErrno("cannot create", tmp);
  const auto fail = [&](const std::string& what) {
    const int saved = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    errno = saved;
    ThrowErrno(what, tmp);
  };
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) fail("cannot flush");
  if (::close(fd) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    ThrowErrno("cannot close", tmp);
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    ThrowErrno("cannot rename into", target);
  }
  // The rename itself must survive a power cut too.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace

FileStore::FileStore(fs::path data_dir, FilesConfig limits)
    : root_(std::move(data_dir) / "files"), limits_(std::move(limits)) {}

bool FileStore::IsValidId(std::string_view sha256) {
  return sha256.size() == 64 && std::all_of(sha256.begin(), sha256.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string FileStore::Sha256Hex(std::string_view bytes) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(bytes.data(), bytes.size());
  return Poco::DigestEngine::digestToHex(engine.digest());
}

std::optional<std::string> FileStore::SniffType(std::string_view b) {
  if (StartsWith(b, 0, "\xFF\xD8\xFF")) return "image/jpeg";
  if (StartsWith(b, 0, "\x89PNG\r\n\x1A\n") && StartsWith(b, 12, "IHDR")) return "image/png";
  if (StartsWith(b, 0, "RIFF") && StartsWith(b, 8, "WEBP") && StartsWith(b, 12, "VP8"))
    return "image/webp";
  if (StartsWith(b, 0, "%PDF-")) return "application/pdf";
  if (StartsWith(b, 4, "ftyp") && b.size() >= 12) {
    const std::string_view brand = b.substr(8, 4);
    if (std::find(std::begin(kMp4Brands), std::end(kMp4Brands), brand) != std::end(kMp4Brands))
      return "video/mp4";
  }
  return std::nullopt;
}

std::string FileStore::CleanName(std::string_view name) {
  if (const size_t slash = name.find_last_of("/\\"); slash != std::string_view::npos)
    name = name.substr(slash + 1);
  std::string out;
  size_t i = 0;
  while (i < name.size()) {
    const auto c = static_cast<unsigned char>(name[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool valid = len > 0 && i + len <= name.size();
    for (size_t k = 1; valid && k < len; ++k)
      valid = (static_cast<unsigned char>(name[i + k]) & 0xC0) == 0x80;
    if (!valid) {  // a stray byte: drop it
      ++i;
      continue;
    }
    if (len == 1 && (c < 0x20 || c == 0x7F)) {  // control characters
      ++i;
      continue;
    }
    if (out.size() + len > 255) break;
    out.append(name.substr(i, len));
    i += len;
  }
  out.erase(0, out.find_first_not_of(' '));
  out.erase(out.find_last_not_of(' ') + 1);
  if (out == "." || out == "..") out.clear();
  return out;
}

fs::path FileStore::PathOf(std::string_view sha) const {
  return root_ / sha.substr(0, 2) / sha.substr(2, 2) / sha;
}

Result<StoredFile> FileStore::Put(std::string_view bytes, std::string_view claimed_type,
                                  std::string_view original_name) {
  if (static_cast<int64_t>(bytes.size()) > limits_.max_bytes)
    return Refuse("too_large", "the file has " + std::to_string(bytes.size()) +
                                   " bytes; the limit is " + std::to_string(limits_.max_bytes));
  const std::optional<std::string> sniffed = SniffType(bytes);
  if (!sniffed)
    return Refuse("type_not_allowed", "the content is not one of the accepted file types");
  if (std::find(limits_.allowed_types.begin(), limits_.allowed_types.end(), *sniffed) ==
      limits_.allowed_types.end())
    return Refuse("type_not_allowed", "files of type " + *sniffed + " are not accepted");
  const std::string claim = NormaliseClaim(claimed_type);
  if (!claim.empty() && claim != *sniffed)
    return Refuse("type_mismatch",
                  "the file was sent as " + claim + " but its content is " + *sniffed);

  StoredFile f;
  f.sha256 = Sha256Hex(bytes);
  f.content_type = *sniffed;
  f.size = static_cast<int64_t>(bytes.size());
  f.original_name = CleanName(original_name);
  const fs::path path = PathOf(f.sha256);
  std::error_code ec;
  // Same hash and size: the same content is already there.
  const auto existing = fs::file_size(path, ec);
  if (!ec && existing == bytes.size()) {
    f.already_stored = true;
    return f;
  }
  fs::create_directories(path.parent_path(), ec);
  if (ec) throw std::system_error(ec, "cannot create " + path.parent_path().string());
  WriteAtomically(path, bytes);
  return f;
}

std::optional<std::string> FileStore::Read(std::string_view sha256) const {
  if (!IsValidId(sha256)) return std::nullopt;
  const fs::path path = PathOf(sha256);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    ThrowErrno("cannot open", path);
  }
  std::string out;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      errno = saved;
      ThrowErrno("cannot read", path);
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

bool FileStore::Contains(std::string_view sha256) const {
  std::error_code ec;
  return IsValidId(sha256) && fs::is_regular_file(PathOf(sha256), ec);
}

bool FileStore::Remove(std::string_view sha256) {
  if (!IsValidId(sha256)) return false;
  const fs::path path = PathOf(sha256);
  if (::unlink(path.c_str()) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  ThrowErrno("cannot remove", path);
}

}  // namespace vikno
