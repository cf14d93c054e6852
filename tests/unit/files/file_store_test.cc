#include "files/file_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <system_error>
#include <thread>

namespace vikno {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

// Real headers of each format followed by filler, as a phone would send them.
std::string Jpeg(const std::string& tail = "jpeg body") {
  return "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"s + tail;
}
std::string Png() { return "\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR\x00\x00\x01\x00"s + "png body"; }
std::string Webp() { return "RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"s + "webp body"; }
std::string Pdf() { return "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n"s; }
std::string Mp4() {
  return "\x00\x00\x00\x18"
         "ftypmp42\x00\x00\x00\x00isommp42"s +
         "moov";
}
std::string Heic() {
  return "\x00\x00\x00\x18"
         "ftypheic\x00\x00\x00\x00mif1heic"s;
}

class FileStoreTest : public ::testing::Test {
 protected:
  FileStoreTest() {
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("vikno-files-test-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  ~FileStoreTest() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // Every regular file under <data_dir>/files.
  std::vector<fs::path> StoredPaths() const {
    std::vector<fs::path> out;
    std::error_code ec;
    if (!fs::exists(dir_ / "files", ec)) return out;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "files"))
      if (e.is_regular_file()) out.push_back(e.path());
    return out;
  }
  FilesConfig Limits(int64_t max_bytes = 1000) const {
    FilesConfig f;
    f.max_bytes = max_bytes;
    return f;
  }

  fs::path dir_;
};

TEST(FileStoreHash, Sha256MatchesTheStandardVector) {
  // FIPS 180-2, appendix B.1.
  EXPECT_EQ(FileStore::Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(FileStoreSniff, RecognisesEveryKnownTypeByContent) {
  EXPECT_EQ(FileStore::SniffType(Jpeg()), "image/jpeg");
  EXPECT_EQ(FileStore::SniffType(Png()), "image/png");
  EXPECT_EQ(FileStore::SniffType(Webp()), "image/webp");
  EXPECT_EQ(FileStore::SniffType(Pdf()), "application/pdf");
  EXPECT_EQ(FileStore::SniffType(Mp4()), "video/mp4");
  // The config accepts exactly the types the store can recognise.
  std::set<std::string> sniffed;
  for (const auto& sample : {Jpeg(), Png(), Webp(), Pdf(), Mp4()})
    sniffed.insert(*FileStore::SniffType(sample));
  EXPECT_EQ(sniffed, std::set<std::string>(KnownFileTypes().begin(), KnownFileTypes().end()));
}

TEST(FileStoreSniff, RefusesLookalikesAndGarbage) {
  EXPECT_FALSE(FileStore::SniffType(""));
  EXPECT_FALSE(FileStore::SniffType("GIF89a\x01\x00"));
  EXPECT_FALSE(FileStore::SniffType("MZ\x90\x00 windows executable"s));
  EXPECT_FALSE(FileStore::SniffType("<html><script>alert(1)</script>"));
  EXPECT_FALSE(FileStore::SniffType(Heic()));  // same box format as MP4, but an image
  EXPECT_FALSE(FileStore::SniffType("RIFF\x24\x00\x00\x00WAVEfmt "s));  // RIFF, but audio
  EXPECT_FALSE(FileStore::SniffType("\xFF\xD8"));                       // truncated JPEG marker
  EXPECT_FALSE(FileStore::SniffType("\x89PNG\r\n\x1A\n"s));             // signature without IHDR
}

TEST_F(FileStoreTest, StoresUnderTheContentHash) {
  FileStore store(dir_, Limits());
  const std::string bytes = Jpeg();
  auto r = store.Put(bytes, "image/jpeg", "photo.jpg");
  ASSERT_TRUE(r.ok()) << r.refusal().message;
  const std::string sha = FileStore::Sha256Hex(bytes);
  EXPECT_EQ(r->sha256, sha);
  EXPECT_EQ(r->content_type, "image/jpeg");
  EXPECT_EQ(r->size, static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(r->original_name, "photo.jpg");
  EXPECT_FALSE(r->already_stored);
  const fs::path expected = dir_ / "files" / sha.substr(0, 2) / sha.substr(2, 2) / sha;
  ASSERT_EQ(StoredPaths(), std::vector<fs::path>{expected});  // and no temp file left
  std::ifstream in(expected, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), bytes);
  EXPECT_EQ(store.Read(sha), bytes);
  EXPECT_TRUE(store.Contains(sha));
}

TEST_F(FileStoreTest, AcceptsEachAllowedTypeWithItsClaim) {
  FileStore store(dir_, Limits());
  EXPECT_TRUE(store.Put(Jpeg(), "image/jpeg", "a.jpg").ok());
  EXPECT_TRUE(store.Put(Png(), "image/png", "a.png").ok());
  EXPECT_TRUE(store.Put(Webp(), "image/webp", "a.webp").ok());
  EXPECT_TRUE(store.Put(Pdf(), "application/pdf", "a.pdf").ok());
  EXPECT_TRUE(store.Put(Mp4(), "video/mp4", "a.mp4").ok());
  EXPECT_EQ(StoredPaths().size(), 5u);
}

TEST_F(FileStoreTest, NormalisesTheClaimedType) {
  FileStore store(dir_, Limits());
  EXPECT_TRUE(store.Put(Jpeg("1"), "IMAGE/JPEG; name=x.jpg", "").ok());
  EXPECT_TRUE(store.Put(Jpeg("2"), "image/jpg", "").ok());
  // No claim, or a meaningless one: the content decides.
  auto r = store.Put(Pdf(), "application/octet-stream", "scan");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->content_type, "application/pdf");
  EXPECT_EQ(store.Put(Png(), "", "").value().content_type, "image/png");
}

TEST_F(FileStoreTest, RefusesTooLarge) {
  FileStore store(dir_, Limits(100));
  const std::string exactly = Jpeg(std::string(100 - Jpeg("").size(), 'x'));
  ASSERT_EQ(exactly.size(), 100u);
  EXPECT_TRUE(store.Put(exactly, "image/jpeg", "").ok());
  auto r = store.Put(exactly + "x", "image/jpeg", "big.jpg");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.refusal().code, "too_large");
  EXPECT_EQ(StoredPaths().size(), 1u);
}

TEST_F(FileStoreTest, RefusesTypesNotAllowed) {
  FilesConfig only_photos = Limits();
  only_photos.allowed_types = {"image/jpeg", "image/png"};
  FileStore store(dir_, only_photos);
  for (const auto& [bytes, claim] : std::vector<std::pair<std::string, std::string>>{
           {"GIF89a\x01\x00", "image/gif"},
           {"MZ\x90\x00 payload"s, "image/jpeg"},  // an executable dressed as a photo
           {"<html></html>", "image/png"},
           {Pdf(), "application/pdf"},  // known, but not allowed here
           {Heic(), "video/mp4"},
           {"", ""}}) {
    auto r = store.Put(bytes, claim, "x");
    ASSERT_FALSE(r.ok()) << claim;
    EXPECT_EQ(r.refusal().code, "type_not_allowed") << claim;
  }
  EXPECT_TRUE(StoredPaths().empty());
}

TEST_F(FileStoreTest, RefusesContentThatIsNotTheClaimedType) {
  FileStore store(dir_, Limits());
  auto r = store.Put(Png(), "image/jpeg", "photo.jpg");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.refusal().code, "type_mismatch");
  EXPECT_EQ(r.refusal().message, "the file was sent as image/jpeg but its content is image/png");
  EXPECT_EQ(store.Put(Pdf(), "image/gif", "x").refusal().code, "type_mismatch");
  EXPECT_TRUE(StoredPaths().empty());
}

TEST_F(FileStoreTest, StoresIdenticalContentOnce) {
  FileStore store(dir_, Limits());
  auto first = store.Put(Png(), "image/png", "one.png");
  auto second = store.Put(Png(), "image/png", "two.png");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(first->already_stored);
  EXPECT_TRUE(second->already_stored);
  EXPECT_EQ(first->sha256, second->sha256);
  EXPECT_EQ(second->original_name, "two.png");
  EXPECT_EQ(StoredPaths().size(), 1u);
}

TEST_F(FileStoreTest, ConcurrentIdenticalUploadsLeaveOneCompleteFile) {
  FileStore store(dir_, Limits(1 << 20));
  const std::string bytes = Jpeg(std::string(200000, 'q'));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      if (store.Put(bytes, "image/jpeg", "same.jpg").ok()) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  ASSERT_EQ(StoredPaths().size(), 1u);
  EXPECT_EQ(store.Read(FileStore::Sha256Hex(bytes)), bytes);
}

TEST_F(FileStoreTest, RemoveDeletesOnce) {
  FileStore store(dir_, Limits());
  const std::string sha = store.Put(Pdf(), "application/pdf", "").value().sha256;
  EXPECT_TRUE(store.Remove(sha));
  EXPECT_FALSE(store.Remove(sha));
  EXPECT_EQ(store.Read(sha), std::nullopt);
  EXPECT_FALSE(store.Contains(sha));
  EXPECT_TRUE(StoredPaths().empty());
}

TEST_F(FileStoreTest, IdsOtherThanLowerCaseHexAreNeverPaths) {
  FileStore store(dir_, Limits());
  const std::string sha = store.Put(Jpeg(), "image/jpeg", "").value().sha256;
  std::string upper = sha;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  // A file outside the store that a path traversal would reach.
  std::ofstream(dir_ / "secret") << "secret";
  for (const std::string& bad : {upper, sha.substr(0, 63), sha + "0", "../secret"s,
                                 "../../" + sha.substr(6), std::string(64, 'g'), ""s}) {
    EXPECT_FALSE(FileStore::IsValidId(bad)) << bad;
    EXPECT_EQ(store.Read(bad), std::nullopt) << bad;
    EXPECT_FALSE(store.Remove(bad)) << bad;
    EXPECT_FALSE(store.Contains(bad)) << bad;
  }
  EXPECT_TRUE(FileStore::IsValidId(sha));
  EXPECT_EQ(store.Read(std::string(64, 'a')), std::nullopt);  // valid but absent
  EXPECT_TRUE(store.Contains(sha));
}

TEST_F(FileStoreTest, DiskFailureThrowsAndLeavesNothing) {
  // <data_dir>/files is a plain file, so no folder can be made under it.
  std::ofstream(dir_ / "files") << "in the way";
  FileStore store(dir_, Limits());
  EXPECT_THROW((void)store.Put(Jpeg(), "image/jpeg", "x.jpg"), std::system_error);
  EXPECT_TRUE(fs::is_regular_file(dir_ / "files"));
}

TEST(FileStoreName, CleansTheSendersFileName) {
  EXPECT_EQ(FileStore::CleanName("../../etc/passwd"), "passwd");
  EXPECT_EQ(FileStore::CleanName("C:\\Users\\Олена\\фото ями.jpg"), "фото ями.jpg");
  EXPECT_EQ(FileStore::CleanName("a\nb\tc\x7f.pdf"), "abc.pdf");
  EXPECT_EQ(FileStore::CleanName("bad\xFF\xC3utf8.png"), "badutf8.png");
  EXPECT_EQ(FileStore::CleanName(".."), "");
  EXPECT_EQ(FileStore::CleanName("  name.jpg  "), "name.jpg");
  // 200 two-byte letters: cut at a letter boundary, at most 255 bytes.
  std::string long_name;
  for (int i = 0; i < 200; ++i) long_name += "ї";
  const std::string cleaned = FileStore::CleanName(long_name);
  EXPECT_EQ(cleaned.size(), 254u);
  EXPECT_EQ(cleaned, long_name.substr(0, 254));
}

}  // namespace
}  // namespace vikno
