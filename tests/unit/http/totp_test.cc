// RFC 6238 TOTP and its pieces (http/totp.h, B10): the RFC's own test
// vectors for SHA-1, RFC 4226's HOTP table, RFC 4648's base32 vectors, the
// ±1 step window, and the sealing of secrets at rest.
#include "http/totp.h"

#include <gtest/gtest.h>

namespace vikno::http::totp {
namespace {

// RFC 6238 Appendix B and RFC 4226 Appendix D: the ASCII seed "12345678901234567890".
const std::string kRfcSecret = "12345678901234567890";

TEST(Totp, MatchesRfc6238Sha1TestVectors) {
  // RFC 6238 Appendix B, SHA1 column, 8 digits.
  const std::pair<int64_t, const char*> vectors[] = {
      {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
      {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (const auto& [time, expected] : vectors)
    EXPECT_EQ(Hotp(kRfcSecret, static_cast<uint64_t>(StepOf(time)), 8), expected) << time;
}

TEST(Totp, MatchesRfc4226HotpTable) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (uint64_t counter = 0; counter < 10; ++counter)
    EXPECT_EQ(Hotp(kRfcSecret, counter), expected[counter]) << counter;
}

TEST(Totp, Base32FollowsRfc4648) {
  EXPECT_EQ(Base32Encode(""), "");
  EXPECT_EQ(Base32Encode("f"), "MY");
  EXPECT_EQ(Base32Encode("fo"), "MZXQ");
  EXPECT_EQ(Base32Encode("foo"), "MZXW6");
  EXPECT_EQ(Base32Encode("foob"), "MZXW6YQ");
  EXPECT_EQ(Base32Encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(Base32Decode("MZXW6YTBOI======"), "foobar");
  EXPECT_EQ(Base32Decode("mzxw 6ytb oi"), "foobar") << "as people type it from the screen";
  EXPECT_FALSE(Base32Decode("MZXW1")) << "1 is not in the alphabet";
  const std::string secret = RandomBytes(kSecretBytes);
  EXPECT_EQ(Base32Decode(Base32Encode(secret)), secret);
  EXPECT_EQ(Base32Encode(secret).size(), 32u) << "160 bits are 32 base32 characters";
}

TEST(Totp, AcceptsOneStepEitherSideAndNoMore) {
  const int64_t now = 1'700'000'015;  // mid-step
  const int64_t step = StepOf(now);
  EXPECT_EQ(MatchingStep(kRfcSecret, Hotp(kRfcSecret, step), now), step);
  EXPECT_EQ(MatchingStep(kRfcSecret, Hotp(kRfcSecret, step - 1), now), step - 1)
      << "a code typed as its step ended";
  EXPECT_EQ(MatchingStep(kRfcSecret, Hotp(kRfcSecret, step + 1), now), step + 1)
      << "a phone clock 30 s ahead";
  EXPECT_FALSE(MatchingStep(kRfcSecret, Hotp(kRfcSecret, step - 2), now));
  EXPECT_FALSE(MatchingStep(kRfcSecret, Hotp(kRfcSecret, step + 2), now));
}

TEST(Totp, RefusesMalformedCodes) {
  const int64_t now = 1'700'000'015;
  const std::string good = Hotp(kRfcSecret, StepOf(now));
  EXPECT_FALSE(MatchingStep(kRfcSecret, "", now));
  EXPECT_FALSE(MatchingStep(kRfcSecret, good.substr(0, 5), now));
  EXPECT_FALSE(MatchingStep(kRfcSecret, good + "0", now));
  EXPECT_FALSE(MatchingStep(kRfcSecret, "12a456", now));
  EXPECT_FALSE(MatchingStep(kRfcSecret, " " + good.substr(1), now));
}

TEST(Totp, OtpauthUriCarriesIssuerAccountAndParameters) {
  const std::string uri = OtpauthUri("Суми 15-80", "olena", "12345678901234567890");
  EXPECT_EQ(uri.rfind("otpauth://totp/", 0), 0u) << uri;
  EXPECT_NE(uri.find(":olena?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer="), std::string::npos)
      << uri;
  EXPECT_NE(uri.find("&algorithm=SHA1&digits=6&period=30"), std::string::npos) << uri;
  EXPECT_EQ(uri.find(' '), std::string::npos) << "the issuer is percent-encoded: " << uri;
  EXPECT_NE(uri.find("%D0%A1"), std::string::npos) << "UTF-8 of С, encoded: " << uri;
}

TEST(Totp, QrRowsAreASquareWithTheThreeFinderPatterns) {
  const auto rows = QrRows(OtpauthUri("vikno", "olena", RandomBytes(kSecretBytes)));
  ASSERT_GE(rows.size(), 21u);
  EXPECT_EQ((rows.size() - 17) % 4, 0u) << "QR sizes are 17 + 4 x version";
  for (const auto& row : rows) ASSERT_EQ(row.size(), rows.size());
  // ISO/IEC 18004: a 7x7 finder in three corners: dark ring, light ring,
  // dark 3x3 centre.
  const size_t n = rows.size();
  for (auto [x0, y0] : {std::pair<size_t, size_t>{0, 0}, {n - 7, 0}, {0, n - 7}}) {
    EXPECT_EQ(rows[y0].substr(x0, 7), "1111111");
    EXPECT_EQ(rows[y0 + 1].substr(x0, 7), "1000001");
    EXPECT_EQ(rows[y0 + 3].substr(x0, 7), "1011101");
    EXPECT_EQ(rows[y0 + 6].substr(x0, 7), "1111111");
  }
}

TEST(Totp, SealedSecretsOpenOnlyWithTheKeyAndRowTheyWereSealedFor) {
  const std::string secret = RandomBytes(kSecretBytes);
  const std::string key = "a-long-configured-secret-key";
  const std::string sealed = Seal(secret, key, "42");
  EXPECT_EQ(sealed.rfind("aes256gcm:", 0), 0u);
  EXPECT_EQ(sealed.find(Base32Encode(secret)), std::string::npos);
  EXPECT_NE(Seal(secret, key, "42"), sealed) << "a fresh nonce each time";
  EXPECT_EQ(Open(sealed, key, "42"), secret);
  EXPECT_FALSE(Open(sealed, "another-key-entirely-xx", "42"));
  EXPECT_FALSE(Open(sealed, key, "43")) << "moved to another user's row";
  EXPECT_FALSE(Open(sealed, "", "42")) << "sealed, and no key configured";
  std::string tampered = sealed;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(Open(tampered, key, "42"));
  EXPECT_FALSE(Open("garbage", key, "42"));

  const std::string plain = Seal(secret, "", "42");
  EXPECT_EQ(plain, "plain:" + Base32Encode(secret)) << "no key: kept as base32 (a known limit)";
  EXPECT_EQ(Open(plain, "", "42"), secret);
  EXPECT_EQ(Open(plain, key, "42"), secret) << "a key configured later still reads old rows";
}

}  // namespace
}  // namespace vikno::http::totp
